//! Storage traits (ports, CORE-8) through which every use case reads and writes, plus the two
//! edge services the core never implements itself: a clock and an identifier source.
//!
//! Methods return `impl Future + Send` so async backends (sqlx) implement them directly and the
//! in-memory store returns ready futures; the core itself awaits but never spawns or blocks.
//!
//! **Atomicity contract.** The booking invariants — a resource never beyond its capacity, a
//! client never in two active reservations at once — are the core's rules
//! ([`crate::booking::check_capacity`]) but the *store* must apply them atomically with the
//! write: [`ReservationStore::insert_reservation`] and [`ReservationStore::update_reservation`]
//! check and write in one indivisible step (a lock, a transaction with `BEGIN IMMEDIATE`, an
//! exclusion constraint), so two concurrent requests can never both succeed where only one may.
//! Likewise [`AvailabilityStore::insert_windows`] refuses overlapping windows atomically (AV-4).

use std::future::Future;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{
    AvailabilityId, AvailabilityWindow, Business, BusinessId, BusyPeriod, ClientId, ClientProfile,
    OpenPeriod, Reservation, ReservationId, ReservationStatus, Resource, ResourceId, Service,
    ServiceId, UserId,
};
use crate::search::{SearchHit, SearchQuery};
use crate::time::{Interval, Timestamp};

/// The current time, injected (tests use a fixed one).
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;
}

/// A clock that always says the same time.
#[derive(Clone, Copy, Debug)]
pub struct FixedClock(pub Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

/// Fresh identifiers (UUID v7 in production, see [`crate::model::uuid_v7`]).
pub trait IdSource: Send + Sync {
    /// A new unique identifier.
    fn next_uuid(&self) -> Uuid;
}

/// Deterministic identifiers for tests: v7 UUIDs from a counter.
#[derive(Debug, Default)]
pub struct SequentialIds(std::sync::atomic::AtomicU64);

impl IdSource for SequentialIds {
    fn next_uuid(&self) -> Uuid {
        let n = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mut random = [0u8; 10];
        random[2..].copy_from_slice(&n.to_be_bytes());
        crate::model::uuid_v7(1_700_000_000_000 + n, random)
    }
}

/// Sort orders of reservation lists (PERF-7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReservationSort {
    /// Earliest appointment first.
    #[default]
    StartAsc,
    /// Latest appointment first.
    StartDesc,
    /// Oldest booking first.
    CreatedAsc,
    /// Newest booking first.
    CreatedDesc,
}

/// Filters of a reservation history (RES-4, PERF-6). Empty fields do not filter.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReservationFilter {
    /// Reservations of this business.
    #[serde(default)]
    pub business_id: Option<BusinessId>,
    /// Reservations of this client.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// Of this service.
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    /// With this resource.
    #[serde(default)]
    pub resource_id: Option<ResourceId>,
    /// In one of these statuses.
    #[serde(default)]
    pub statuses: Vec<ReservationStatus>,
    /// Starting at or after.
    #[serde(default)]
    pub from: Option<Timestamp>,
    /// Starting before.
    #[serde(default)]
    pub to: Option<Timestamp>,
    /// Also search the archive of old reservations (PERF-5).
    #[serde(default)]
    pub include_archived: bool,
    /// Only reservations of one of these clients (`None` does not filter; an empty list
    /// matches nothing). The use cases fill it from a search by who booked
    /// ([`crate::client_search`]).
    #[serde(default)]
    pub client_ids: Option<Vec<ClientId>>,
}

impl ReservationFilter {
    /// Whether a reservation passes the filter.
    pub fn matches(&self, r: &Reservation) -> bool {
        self.business_id.is_none_or(|id| r.business_id == id)
            && self.client_id.is_none_or(|id| r.client_id == id)
            && self.service_id.is_none_or(|id| r.service_id == id)
            && self.resource_id.is_none_or(|id| r.resource_id == id)
            && (self.statuses.is_empty() || self.statuses.contains(&r.status))
            && self.from.is_none_or(|t| r.interval.start() >= t)
            && self.to.is_none_or(|t| r.interval.start() < t)
            && self
                .client_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&r.client_id))
    }
}

/// Who booked, as a reservation list shows it to the business (and to the client, their own):
/// name, email and phone (decrypted by the store). Never part of a public answer.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientContact {
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Email.
    pub email: String,
    /// Phone (E.164), when the client gave one.
    pub phone: Option<String>,
}

impl From<&ClientProfile> for ClientContact {
    fn from(c: &ClientProfile) -> Self {
        Self {
            first_name: c.first_name.clone(),
            last_name: c.last_name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
        }
    }
}

/// A reservation with the names a history screen shows, read in the same query (PERF-1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReservationView {
    /// The reservation.
    pub reservation: Reservation,
    /// Its business's name.
    pub business_name: String,
    /// Its service's name.
    pub service_name: String,
    /// Its resource's name.
    pub resource_name: String,
    /// Who booked (empty when the client's profile is gone).
    pub client: ClientContact,
}

/// Largest page any list returns (PERF-2).
pub const MAX_PAGE_SIZE: u32 = 200;

/// Which page of a list to return: keyset pagination with an opaque cursor.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// Page size, 1 to [`MAX_PAGE_SIZE`].
    pub limit: u32,
    /// The `next_cursor` of the previous page.
    #[serde(default)]
    pub cursor: Option<String>,
}

impl PageRequest {
    /// The first page of `limit` items (clamped to 1..=[`MAX_PAGE_SIZE`]).
    pub fn first(limit: u32) -> Self {
        Self {
            limit: limit.clamp(1, MAX_PAGE_SIZE),
            cursor: None,
        }
    }
}

/// One page of a list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Cursor of the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

/// Keyset cursor of a reservation list: the sort key and id of the last item returned.
pub fn reservation_cursor(r: &Reservation, sort: ReservationSort) -> String {
    let key = match sort {
        ReservationSort::StartAsc | ReservationSort::StartDesc => r.interval.start().secs(),
        ReservationSort::CreatedAsc | ReservationSort::CreatedDesc => r.created_at.secs(),
    };
    format!("{key}_{}", r.id)
}

/// Parses a cursor made by [`reservation_cursor`]; a malformed one is a validation error on
/// `cursor`.
pub fn parse_reservation_cursor(cursor: &str) -> Result<(i64, ReservationId)> {
    let bad = || {
        Error::field(
            "cursor",
            "invalid_format",
            "cursor is not one this API returned",
        )
    };
    let (key, id) = cursor.split_once('_').ok_or_else(bad)?;
    Ok((
        key.parse().map_err(|_| bad())?,
        id.parse().map_err(|_| bad())?,
    ))
}

/// Sort orders of business lists.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum BusinessSort {
    /// By name, A to Z (ties by id).
    #[default]
    NameAsc,
    /// By name, Z to A (ties by id).
    NameDesc,
}

/// Filters of a business list. Empty fields do not filter; text matches are exact and
/// case-insensitive.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BusinessFilter {
    /// Only businesses in this status.
    #[serde(default)]
    pub status: Option<crate::business_status::BusinessStatus>,
    /// Only businesses of this owner.
    #[serde(default)]
    pub owner_id: Option<UserId>,
    /// Only this line of business.
    #[serde(default)]
    pub domain: Option<String>,
    /// Only this city.
    #[serde(default)]
    pub city: Option<String>,
    /// Only businesses with an active service of this category, or carrying this tag
    /// ([`crate::catalog`]; values in their stored form).
    #[serde(default)]
    pub catalog: crate::catalog::CatalogFilter,
}

impl BusinessFilter {
    /// Whether a business passes the filter, given its services (for [`Self::catalog`]).
    pub fn matches_with_services(&self, b: &Business, services: &[Service]) -> bool {
        self.matches(b) && self.catalog.matches_business(services)
    }

    /// Whether a business passes the filter's own criteria (everything but
    /// [`Self::catalog`], which needs its services).
    pub fn matches(&self, b: &Business) -> bool {
        let same = |want: &Option<String>, have: &str| {
            want.as_deref()
                .is_none_or(|w| w.to_lowercase() == have.to_lowercase())
        };
        self.status.is_none_or(|s| b.status == s)
            && self.owner_id.is_none_or(|o| b.owner_id == o)
            && same(&self.domain, &b.domain)
            && same(&self.city, &b.city)
    }
}

impl Page<Business> {
    /// Cuts businesses fetched with one extra row (`limit + 1`) into a page whose cursor
    /// points after its last item; every store pages business lists this way.
    pub fn of_businesses(mut items: Vec<Business>, limit: usize) -> Self {
        let next_cursor = if items.len() > limit {
            items.truncate(limit);
            items.last().map(business_cursor)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

/// Keyset cursor of a business list: the last item's id and name.
pub fn business_cursor(b: &Business) -> String {
    format!("{}:{}", b.id, b.name)
}

/// Parses a cursor made by [`business_cursor`] into (name, id).
pub fn parse_business_cursor(cursor: &str) -> Result<(String, BusinessId)> {
    let bad = || {
        Error::field(
            "cursor",
            "invalid_format",
            "cursor is not one this API returned",
        )
    };
    let (id, name) = cursor.split_once(':').ok_or_else(bad)?;
    Ok((name.to_owned(), id.parse().map_err(|_| bad())?))
}

/// Businesses, their resources and services, and client profiles.
pub trait DirectoryStore: Send + Sync {
    /// A business by id.
    fn get_business(&self, id: BusinessId)
    -> impl Future<Output = Result<Option<Business>>> + Send;
    /// Inserts or replaces a business. An owner has at most one: another business of the
    /// same owner is refused with [`Error::OwnerHasBusiness`](crate::Error::OwnerHasBusiness).
    fn save_business(&self, business: &Business) -> impl Future<Output = Result<()>> + Send;
    /// A page of businesses matching `filter`, in `sort` order (keyset pagination).
    fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<Business>>> + Send;
    /// A resource by id.
    fn get_resource(&self, id: ResourceId)
    -> impl Future<Output = Result<Option<Resource>>> + Send;
    /// Inserts or replaces a resource.
    fn save_resource(&self, resource: &Resource) -> impl Future<Output = Result<()>> + Send;
    /// Deletes a resource in one atomic step, unless it still holds a reservation at `now`
    /// ([`crate::resources::holds`]): then fails with
    /// [`Error::ResourceHasReservations`] (its list left empty) and changes nothing. A
    /// deleted resource is missing from every read of this port (`get_resource`,
    /// `list_resources`, the services' `resource_ids`) and its windows that start at or after
    /// `now` are removed; its row stays, so reservations and statistics still name it.
    /// `NOT_FOUND` when it is missing or already deleted.
    fn delete_resource(
        &self,
        id: ResourceId,
        now: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The resources of a business, by name.
    fn list_resources(
        &self,
        business: BusinessId,
    ) -> impl Future<Output = Result<Vec<Resource>>> + Send;
    /// A service by id.
    fn get_service(&self, id: ServiceId) -> impl Future<Output = Result<Option<Service>>> + Send;
    /// Inserts or replaces a service.
    fn save_service(&self, service: &Service) -> impl Future<Output = Result<()>> + Send;
    /// Inserts or replaces these resources, then these services, all or none (an import).
    /// Atomic: a failure leaves none of them written.
    fn save_directory(
        &self,
        resources: &[Resource],
        services: &[Service],
    ) -> impl Future<Output = Result<()>> + Send;
    /// The services of a business, by name.
    fn list_services(
        &self,
        business: BusinessId,
    ) -> impl Future<Output = Result<Vec<Service>>> + Send;
    /// A client profile by id.
    fn get_client(
        &self,
        id: ClientId,
    ) -> impl Future<Output = Result<Option<ClientProfile>>> + Send;
    /// Inserts or replaces a client profile.
    fn save_client(&self, client: &ClientProfile) -> impl Future<Output = Result<()>> + Send;
    /// The profiles of the clients who hold or held a reservation of `business`, archived
    /// ones included, phones decrypted, in no particular order.
    fn business_clients(
        &self,
        business: BusinessId,
    ) -> impl Future<Output = Result<Vec<ClientProfile>>> + Send;
    /// Ranked full-text search over validated businesses and their active services (PERF-8).
    fn search(&self, query: &SearchQuery) -> impl Future<Output = Result<Vec<SearchHit>>> + Send;
    /// The categories of the public catalogue (active services of validated businesses),
    /// each with its service and business counts, by name ([`crate::catalog::count_categories`]).
    fn categories_in_use(
        &self,
    ) -> impl Future<Output = Result<Vec<crate::catalog::CategoryCount>>> + Send;
}

/// Availability windows (AV-*).
pub trait AvailabilityStore: Send + Sync {
    /// A window by id.
    fn get_window(
        &self,
        id: AvailabilityId,
    ) -> impl Future<Output = Result<Option<AvailabilityWindow>>> + Send;
    /// Windows of these resources overlapping `range`, sorted by start (AV-5).
    fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> impl Future<Output = Result<Vec<AvailabilityWindow>>> + Send;
    /// Inserts every window or none: fails with `AVAILABILITY_OVERLAP` when one overlaps an
    /// existing window of its resource or another window of the batch. Atomic.
    fn insert_windows(
        &self,
        windows: &[AvailabilityWindow],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Replaces a window's interval, with the same overlap check (ignoring itself). Atomic.
    fn update_window(&self, window: &AvailabilityWindow)
    -> impl Future<Output = Result<()>> + Send;
    /// Deletes a window; `NOT_FOUND` when absent.
    fn delete_window(&self, id: AvailabilityId) -> impl Future<Output = Result<()>> + Send;
}

/// Reservations (RES-*).
pub trait ReservationStore: Send + Sync {
    /// A reservation by id.
    fn get_reservation(
        &self,
        id: ReservationId,
    ) -> impl Future<Output = Result<Option<Reservation>>> + Send;
    /// Active reservations of these resources whose blocked range (buffers included) overlaps
    /// `range`.
    fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> impl Future<Output = Result<Vec<Reservation>>> + Send;
    /// The busy periods of the same reservations as
    /// [`list_active_for_resources`](Self::list_active_for_resources), sorted by start (ties
    /// in any order): what
    /// slot queries read. The default derives them from whole reservations; stores override
    /// it with a narrower read.
    fn list_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> impl Future<Output = Result<Vec<BusyPeriod>>> + Send {
        async move {
            let active = self.list_active_for_resources(resources, range).await?;
            Ok(active.iter().map(BusyPeriod::from).collect())
        }
    }
    /// Active reservations of a client overlapping `range`.
    fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> impl Future<Output = Result<Vec<Reservation>>> + Send;
    /// Inserts a new reservation if [`crate::booking::check_capacity`] holds against every
    /// stored reservation, in one atomic step; otherwise returns that check's error and
    /// stores nothing.
    fn insert_reservation(
        &self,
        reservation: &Reservation,
        seats: u32,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Inserts `reservation` on the first of `resources`, in order, where
    /// [`crate::booking::check_capacity`] holds, and returns that resource (the stored
    /// reservation's `resource_id`; `reservation.resource_id` itself is ignored). A resource
    /// conflict (`BOOKING_OVERLAP`, `BUFFER_CONFLICT`, `SLOT_FULL`) moves on to the next
    /// resource; any other refusal, such as the client's own overlap, stops at once. When
    /// every resource is taken, returns the first one's error and stores nothing.
    ///
    /// Each try is atomic like [`insert_reservation`](Self::insert_reservation); the default
    /// makes one insert per resource, stores override it with one atomic step for all.
    fn insert_on_first_free(
        &self,
        reservation: &Reservation,
        resources: &[ResourceId],
        seats: u32,
    ) -> impl Future<Output = Result<ResourceId>> + Send {
        async move {
            let mut first_error = None;
            for &resource_id in resources {
                let candidate = Reservation {
                    resource_id,
                    ..reservation.clone()
                };
                match self.insert_reservation(&candidate, seats).await {
                    Ok(()) => return Ok(resource_id),
                    Err(e) if e.is_resource_conflict() => {
                        first_error.get_or_insert(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            Err(first_error.unwrap_or(Error::ResourceNotEligible))
        }
    }
    /// Replaces a stored reservation whose history is exactly one record shorter than
    /// `reservation.history` (else `CONCURRENT_MODIFICATION`). With `recheck_seats`, the
    /// capacity check runs again against the others first (confirmation, reschedule). Atomic.
    fn update_reservation(
        &self,
        reservation: &Reservation,
        recheck_seats: Option<u32>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// A filtered, sorted page of reservations with their names, in one query (RES-4, PERF-1).
    fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> impl Future<Output = Result<Page<ReservationView>>> + Send;
    /// Every reservation of `business`, in any status, whose blocked range (buffers included)
    /// meets `range`, sorted by start then id, unpaged, as the business calendar shows it
    /// ([`crate::calendar::CalendarRow`], ADV-1: no history, no price, the client's contact
    /// and the service's name). Callers bound `range` (the calendar: at most 31 days). With
    /// `include_archived`, the archive too.
    ///
    /// The default pages through [`list_reservations`](Self::list_reservations) over the
    /// starts that can meet `range` (a blocked range lasts at most
    /// [`MAX_BLOCKED_MINUTES`](crate::validation::MAX_BLOCKED_MINUTES)); stores override it
    /// with one query.
    fn calendar_reservations(
        &self,
        business: BusinessId,
        range: Interval,
        include_archived: bool,
    ) -> impl Future<Output = Result<Vec<crate::calendar::CalendarRow>>> + Send {
        async move {
            let reach = i64::from(crate::validation::MAX_BLOCKED_MINUTES) * 60;
            let filter = ReservationFilter {
                business_id: Some(business),
                from: Some(range.start().add_secs(-reach)),
                to: Some(range.end().add_secs(reach)),
                include_archived,
                ..ReservationFilter::default()
            };
            let mut page = PageRequest::first(MAX_PAGE_SIZE);
            let mut found = Vec::new();
            loop {
                let next = self
                    .list_reservations(&filter, ReservationSort::StartAsc, &page)
                    .await?;
                found.extend(
                    next.items
                        .into_iter()
                        .filter(|v| v.reservation.blocked_interval().overlaps(&range))
                        .map(|v| crate::calendar::CalendarRow::of(&v)),
                );
                match next.next_cursor {
                    Some(cursor) => page.cursor = Some(cursor),
                    None => return Ok(found),
                }
            }
        }
    }
    /// Moves every reservation that ended before `ended_before` to the archive tables in one
    /// transaction; returns how many moved (PERF-5). Archived reservations appear in lists
    /// only with [`ReservationFilter::include_archived`].
    fn archive_reservations(
        &self,
        ended_before: Timestamp,
    ) -> impl Future<Output = Result<u64>> + Send;
}

/// What a slot query reads about one service: the service, its business, and the resources,
/// windows and busy periods of its resources.
#[derive(Clone, PartialEq, Debug)]
pub struct ScheduleInputs {
    /// The service.
    pub service: Service,
    /// Its business.
    pub business: Business,
    /// The service's resources (active or not, with their working hours), in any order;
    /// deleted ones are missing.
    pub resources: Vec<Resource>,
    /// Windows of the service's resources meeting the requested range (as
    /// [`Store::load_schedule`] says), sorted by start then resource.
    pub windows: Vec<OpenPeriod>,
    /// Busy periods that can conflict with the requested slots (as [`Store::load_schedule`]
    /// says), sorted by start then resource.
    pub busy: Vec<BusyPeriod>,
    /// Busy times from other calendars ([`crate::busy_times`]) that can conflict with the
    /// requested slots, sorted by start then resource.
    pub external_busy: Vec<crate::busy_times::ExternalBusy>,
}

/// Everything a use case needs.
pub trait Store:
    DirectoryStore + AvailabilityStore + ReservationStore + BusyTimeStore + ContactStore
{
    /// The service `service`, its business, its resources, the windows of its resources
    /// meeting `windows`
    /// extended at its end by the service's duration (a slot starting just before the end
    /// runs past it), and the busy periods that can conflict with a slot starting in `slots`:
    /// active reservations of its resources whose blocked range meets `slots` widened by the
    /// service's buffer before and by its duration and buffer after, and the busy times from
    /// other calendars meeting that same range. `None` when the service or its business does
    /// not exist. The default makes six reads; stores override it with one.
    fn load_schedule(
        &self,
        service: ServiceId,
        windows: Interval,
        slots: Interval,
    ) -> impl Future<Output = Result<Option<ScheduleInputs>>> + Send {
        async move {
            let Some(service) = self.get_service(service).await? else {
                return Ok(None);
            };
            let Some(business) = self.get_business(service.business_id).await? else {
                return Ok(None);
            };
            let rules = service.rules;
            let duration = i64::from(rules.duration_minutes) * 60;
            let window_reach = windows.widened(0, duration);
            let busy_reach = slots.widened(
                i64::from(rules.buffer_before_minutes) * 60,
                duration + i64::from(rules.buffer_after_minutes) * 60,
            );
            let windows = self
                .list_windows(&service.resource_ids, window_reach)
                .await?;
            let mut windows: Vec<OpenPeriod> = windows.iter().map(OpenPeriod::from).collect();
            windows.sort_by_key(|w| (w.interval.start(), w.resource_id));
            let mut busy = self.list_busy(&service.resource_ids, busy_reach).await?;
            busy.sort_by_key(|b| (b.interval.start(), b.resource_id));
            let mut external_busy = self
                .list_external_busy(&service.resource_ids, busy_reach)
                .await?;
            external_busy.sort_by_key(|b| (b.interval.start(), b.resource_id));
            let mut resources = self.list_resources(business.id).await?;
            resources.retain(|r| service.resource_ids.contains(&r.id));
            Ok(Some(ScheduleInputs {
                service,
                business,
                resources,
                windows,
                busy,
                external_busy,
            }))
        }
    }
}

/// A business's client file ([`crate::contacts`]): the contacts it imported.
pub trait ContactStore: Send + Sync {
    /// Inserts the contacts, all in one transaction; a contact whose business already has
    /// its email is skipped (a concurrent import of the same file adds nobody twice). Atomic.
    fn insert_contacts(
        &self,
        contacts: &[crate::contacts::Contact],
    ) -> impl Future<Output = Result<()>> + Send;
    /// The contacts of `business`, phones decrypted, in no particular order.
    fn business_contacts(
        &self,
        business: BusinessId,
    ) -> impl Future<Output = Result<Vec<crate::contacts::Contact>>> + Send;
}

/// Busy times from other calendars ([`crate::busy_times`]): per resource and source, replaced
/// a whole source at a time.
pub trait BusyTimeStore: Send + Sync {
    /// Replaces every busy time of `resource` from `source` with `busy` (all of that resource
    /// and source), in one transaction; the number of rows removed. Atomic.
    fn replace_busy_times(
        &self,
        resource: ResourceId,
        source: &str,
        busy: &[crate::busy_times::BusyTime],
    ) -> impl Future<Output = Result<u64>> + Send;
    /// The busy times of `resource` meeting `range`, of one `source` or of all, sorted by
    /// start then source then `UID`.
    fn list_busy_times(
        &self,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> impl Future<Output = Result<Vec<crate::busy_times::BusyTime>>> + Send;
    /// The busy times of these resources meeting `range`, as the slot engine needs them,
    /// sorted by start (ties in any order).
    fn list_external_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> impl Future<Output = Result<Vec<crate::busy_times::ExternalBusy>>> + Send;
}

/// Aggregates for statistics (BIZ-5, STAT-2, STAT-3), computed where the data is: SQL stores
/// group and sum in the database and return only the sums, never the reservations.
///
/// Not part of [`Store`]: only the statistics use case needs it
/// ([`UseCases::statistics`](crate::usecases::UseCases::statistics)), so a store that serves
/// bookings alone need not implement it.
pub trait StatsStore: Send + Sync {
    /// The rows of `request`: the business's reservations, live and archived, and its
    /// windows, over the request's buckets, exactly as [`crate::stats::aggregate`] computes
    /// them (rows in any order).
    fn stats_aggregates(
        &self,
        request: &crate::stats::AggregateRequest,
    ) -> impl Future<Output = Result<crate::stats::AggregateRows>> + Send;
}

/// Storage of the waitlist ([`crate::waitlist`]).
pub trait WaitlistStore: Send + Sync {
    /// Adds a client's place; fails with `ALREADY_ON_WAITLIST` when the client already has an
    /// open (waiting or offered) place on the service's waitlist. Atomic.
    fn insert_waitlist_entry(
        &self,
        entry: &crate::waitlist::WaitlistEntry,
    ) -> impl Future<Output = Result<()>> + Send;
    /// One place.
    fn get_waitlist_entry(
        &self,
        id: crate::model::WaitlistId,
    ) -> impl Future<Output = Result<Option<crate::waitlist::WaitlistEntry>>> + Send;
    /// Open places (waiting or offered) of every service, at most `limit`, in the order
    /// clients joined (then by id).
    fn open_waitlist_entries(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<crate::waitlist::WaitlistEntry>>> + Send;
    /// The places of one client (`client`) or the open places of one business (`business`),
    /// in the order clients joined, at most [`MAX_PAGE_SIZE`].
    fn list_waitlist(
        &self,
        client: Option<ClientId>,
        business: Option<BusinessId>,
    ) -> impl Future<Output = Result<Vec<crate::waitlist::WaitlistEntry>>> + Send;
    /// Replaces a place if it is still in status `expected`; whether it was (`false`: another
    /// writer moved it first, nothing changed). Atomic.
    fn update_waitlist_entry(
        &self,
        entry: &crate::waitlist::WaitlistEntry,
        expected: crate::waitlist::WaitlistStatus,
    ) -> impl Future<Output = Result<bool>> + Send;
}
