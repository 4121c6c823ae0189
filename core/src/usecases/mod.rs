//! Use cases: each runs the rules, then calls the ports. Servers and embedders call these;
//! they never re-implement a rule.
//!
//! Permission scoping (PERM-1) is part of each use case's signature: a business action takes
//! the acting business's id, a client action the client's id, and an object that belongs to
//! someone else answers `NOT_FOUND` exactly like a missing one, so nothing leaks.

use serde::{Deserialize, Serialize};

use crate::booking::{BookingRequest, other_free_resources, validate_booking};
use crate::error::{Entity, Error, FieldErrors, ItemFailure, Result};
use crate::hours::{Closure, OpeningHours};
use crate::lifecycle::{self, Action};
use crate::model::{
    Actor, Address, AvailabilityId, AvailabilityWindow, Business, BusinessId, ClientId,
    ClientProfile, Money, Reservation, ReservationId, ReservationStatus, Resource, ResourceId,
    ResourceKind, Service, ServiceId, SlotRules, TransitionRecord, UserId, Zone,
};
use crate::overlap::OverlapIndex;
use crate::ports::{
    Clock, IdSource, Page, PageRequest, ReservationFilter, ReservationSort, ReservationView,
    ScheduleInputs, Store,
};
use crate::slots::{Schedule, SlotList, SlotQuery, compute_slots};
use crate::time::{DAY, Interval, Timestamp};
use crate::validation::{ServiceLimits, clean_name, clean_text, normalize_email, normalize_phone};

/// Longest single availability window.
pub const MAX_WINDOW_DAYS: i64 = 31;
/// Most windows in one bulk request.
pub const MAX_BULK_ITEMS: usize = 500;
/// How many times a booking without a chosen resource is retried on the next free resource
/// after losing a race for the first one.
pub const MAX_RESOURCE_RETRIES: usize = 8;
/// Most resources a booking without a chosen resource hands the store to try in order.
pub const MAX_FIRST_FREE_CANDIDATES: usize = 16;

/// The outcome of one booking try that passed the rules on its snapshot.
enum Attempt {
    /// Stored.
    Booked(Reservation),
    /// Every resource tried was taken by concurrent bookings between the read and the write.
    Taken(Error),
}

/// Input of [`UseCases::create_business`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "name": "Salon Élégance",
    "domain": "coiffure",
    "description": "Coupe, couleur et soins pour femmes et hommes.",
    "city": "Lyon",
    "address": {
        "street": "12 rue de la République",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR"
    },
    "time_zone": "Europe/Paris",
    "opening_hours": {
        "monday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "tuesday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "wednesday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "thursday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "friday": [{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
        "saturday": [{"start": "09:00", "end": "17:00"}]
    },
    "closures": [
        {"kind": "days", "first_day": "2026-12-25", "last_day": "2026-12-26", "reason": "Noël"},
        {
            "kind": "period",
            "interval": {"start": "2026-05-11T12:00:00Z", "end": "2026-05-11T17:00:00Z"},
            "reason": "Formation de l'équipe"
        }
    ]
}))))]
pub struct NewBusiness {
    /// Public name.
    pub name: String,
    /// Line of business.
    pub domain: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// City.
    pub city: String,
    /// Address.
    pub address: Address,
    /// Time zone.
    pub time_zone: Zone,
    /// Opening hours.
    pub opening_hours: OpeningHours,
    /// Closures.
    #[serde(default)]
    pub closures: Vec<Closure>,
}

/// Input of [`UseCases::create_service`].
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "name": "Coupe et brushing",
    "description": "Shampooing, coupe et brushing.",
    "price": {"amount_minor": 4500, "currency": "EUR"},
    "category": "coupe",
    "tags": ["femme", "brushing"],
    "rules": {
        "duration_minutes": 45,
        "step_minutes": 15,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "min_notice_minutes": 120,
        "horizon_days": 60,
        "seats": 1
    },
    "resource_ids": ["0196f1a2-3b4c-7d5e-8f60-718293a4b5c6"],
    "cancellation_deadline_minutes": 1440,
    "max_reschedules": 2
}))))]
pub struct NewService {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Price.
    pub price: Money,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Timing rules.
    pub rules: SlotRules,
    /// Resources that perform it.
    pub resource_ids: Vec<ResourceId>,
    /// Client cancellation deadline, minutes before the start.
    #[serde(default)]
    pub cancellation_deadline_minutes: u32,
    /// Reschedules allowed per reservation.
    #[serde(default)]
    pub max_reschedules: u32,
}

/// Input of [`UseCases::save_client_profile`] (CLI-2, CLI-3).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "email": "camille.martin@example.com",
    "first_name": "Camille",
    "last_name": "Martin",
    "phone": "+33 6 12 34 56 78",
    "address": {
        "street": "3 place Bellecour",
        "postal_code": "69002",
        "city": "Lyon",
        "country": "FR"
    }
}))))]
pub struct ClientProfileInput {
    /// Email.
    pub email: String,
    /// First name.
    pub first_name: String,
    /// Last name.
    pub last_name: String,
    /// Phone, any common notation; stored as E.164.
    #[serde(default)]
    pub phone: Option<String>,
    /// Address.
    #[serde(default)]
    pub address: Option<Address>,
}

impl ClientProfileInput {
    /// Checks every field (reporting all problems at once) and returns the profile with a
    /// normalised email and an E.164 phone.
    pub fn validate(self, client: ClientId) -> Result<ClientProfile> {
        let mut errors = FieldErrors::new();
        let email = normalize_email("email", &self.email)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let first = clean_name("first_name", &self.first_name, 100)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let last = clean_name("last_name", &self.last_name, 100)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let phone = match self.phone.as_deref().filter(|p| !p.trim().is_empty()) {
            Some(p) => normalize_phone("phone", p, None)
                .map_err(|e| errors.absorb("", e))
                .ok(),
            None => None,
        };
        let profile = ClientProfile {
            id: client,
            email: email.unwrap_or_default(),
            first_name: first.unwrap_or_default(),
            last_name: last.unwrap_or_default(),
            phone,
            address: self.address,
        };
        errors.finish(profile)
    }
}

/// Input of [`UseCases::create_recurring_availabilities`] (AV-3): "every Monday 09:00–17:00".
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "resource_id": "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6",
    "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
    "first_start": "2026-04-06T09:00:00",
    "wall_minutes": 480,
    "exdates": ["2026-04-13T09:00:00"],
    "generate_until": "2026-07-01T00:00:00Z"
}))))]
pub struct RecurringAvailability {
    /// The resource that is available.
    pub resource_id: ResourceId,
    /// RFC 5545 rule text, e.g. `FREQ=WEEKLY;BYDAY=MO;COUNT=10`.
    pub rrule: String,
    /// Local wall-clock start of the first occurrence, in the business's zone.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::local_date_time))]
    pub first_start: chrono::NaiveDateTime,
    /// Wall-clock length of each window (09:00–17:00 is 480, on DST days too).
    pub wall_minutes: u32,
    /// Occurrences to skip (local wall-clock starts).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::local_date_times))]
    pub exdates: Vec<chrono::NaiveDateTime>,
    /// Generate windows starting before this instant at the latest; defaults to one year
    /// after `now`. Rules without COUNT/UNTIL are bounded by it.
    #[serde(default)]
    pub generate_until: Option<Timestamp>,
}

/// The use cases over a store, a clock and an identifier source.
pub struct UseCases<S, C, I> {
    /// The storage.
    pub store: S,
    /// The clock.
    pub clock: C,
    /// Identifier source.
    pub ids: I,
    /// Service bounds.
    pub limits: ServiceLimits,
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Wires the use cases with default service limits.
    pub fn new(store: S, clock: C, ids: I) -> Self {
        Self {
            store,
            clock,
            ids,
            limits: ServiceLimits::default(),
        }
    }

    async fn business(&self, id: BusinessId) -> Result<Business> {
        self.store.get_business(id).await?.ok_or(Error::NotFound {
            entity: Entity::Business,
        })
    }

    /// A service of the business (`NOT_FOUND` for another business's).
    pub async fn owned_service(&self, business: BusinessId, id: ServiceId) -> Result<Service> {
        match self.store.get_service(id).await? {
            Some(s) if s.business_id == business => Ok(s),
            _ => Err(Error::NotFound {
                entity: Entity::Service,
            }),
        }
    }

    /// A resource of the business (`NOT_FOUND` for another business's).
    pub async fn owned_resource(&self, business: BusinessId, id: ResourceId) -> Result<Resource> {
        match self.store.get_resource(id).await? {
            Some(r) if r.business_id == business => Ok(r),
            _ => Err(Error::NotFound {
                entity: Entity::Resource,
            }),
        }
    }

    /// Registers a business (unvalidated until an admin validates it, BIZ-1).
    pub async fn create_business(&self, owner: UserId, input: NewBusiness) -> Result<Business> {
        let business = Self::checked_business(
            BusinessId::from_uuid(self.ids.next_uuid()),
            owner,
            false,
            input,
        )?;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    /// Replaces a business's profile, opening hours and closures; its owner and validation
    /// state stay (BIZ-3, BIZ-4).
    pub async fn update_business(&self, id: BusinessId, input: NewBusiness) -> Result<Business> {
        let current = self.business(id).await?;
        let business =
            Self::checked_business(current.id, current.owner_id, current.validated, input)?;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    fn checked_business(
        id: BusinessId,
        owner: UserId,
        validated: bool,
        input: NewBusiness,
    ) -> Result<Business> {
        let mut errors = FieldErrors::new();
        let name = clean_name("name", &input.name, 120)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let domain = clean_name("domain", &input.domain, 60)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let city = clean_name("city", &input.city, 80)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let description = clean_text("description", &input.description, 2000)
            .map_err(|e| errors.absorb("", e))
            .ok();
        if let Err(e) = input.opening_hours.validate() {
            errors.absorb("", e);
        }
        let a = &input.address;
        for (field, value) in [
            ("address.street", &a.street),
            ("address.postal_code", &a.postal_code),
            ("address.city", &a.city),
            ("address.country", &a.country),
        ] {
            if let Err(e) = clean_text(field, value, 200) {
                errors.absorb("", e);
            }
        }
        for (i, closure) in input.closures.iter().enumerate() {
            let reason = closure.reason.as_deref().unwrap_or("");
            if let Err(e) = clean_text(&format!("closures[{i}].reason"), reason, 200) {
                errors.absorb("", e);
            }
        }
        let business = Business {
            id,
            owner_id: owner,
            name: name.unwrap_or_default(),
            domain: domain.unwrap_or_default(),
            description: description.unwrap_or_default(),
            city: city.unwrap_or_default(),
            address: input.address,
            time_zone: input.time_zone,
            validated,
            opening_hours: input.opening_hours,
            closures: input.closures,
        };
        errors.finish(business)
    }

    /// An administrator validates a business (BIZ-1).
    pub async fn validate_business(&self, id: BusinessId) -> Result<Business> {
        let mut business = self.business(id).await?;
        business.validated = true;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    /// Adds a staff member or room to a business.
    pub async fn create_resource(
        &self,
        business: BusinessId,
        name: &str,
        kind: ResourceKind,
    ) -> Result<Resource> {
        self.business(business).await?;
        let resource = Resource {
            id: ResourceId::from_uuid(self.ids.next_uuid()),
            business_id: business,
            name: clean_name("name", name, 120)?,
            kind,
            active: true,
        };
        self.store.save_resource(&resource).await?;
        Ok(resource)
    }

    /// Creates an active service after checking names, price, duration and rules against the
    /// configured limits and that every resource belongs to the business.
    pub async fn create_service(&self, business: BusinessId, input: NewService) -> Result<Service> {
        let id = ServiceId::from_uuid(self.ids.next_uuid());
        let service = self.checked_service(business, id, true, input).await?;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    /// Replaces a service's description, price, rules and resources (same checks as
    /// [`Self::create_service`]); its active flag stays. Existing reservations keep their
    /// price snapshot and times.
    pub async fn update_service(
        &self,
        business: BusinessId,
        id: ServiceId,
        input: NewService,
    ) -> Result<Service> {
        let current = self.owned_service(business, id).await?;
        let service = self
            .checked_service(business, id, current.active, input)
            .await?;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    async fn checked_service(
        &self,
        business: BusinessId,
        id: ServiceId,
        active: bool,
        input: NewService,
    ) -> Result<Service> {
        self.business(business).await?;
        let mut errors = FieldErrors::new();
        let name = clean_name("name", &input.name, 120)
            .map_err(|e| errors.absorb("", e))
            .ok();
        let description = clean_text("description", &input.description, 2000)
            .map_err(|e| errors.absorb("", e))
            .ok();
        self.limits.check_price(&input.price, &mut errors);
        self.limits.check_rules(&input.rules, &mut errors);
        if input.resource_ids.is_empty() {
            errors.add(
                "resource_ids",
                "required",
                "resource_ids must name at least one resource",
            );
        }
        for (i, id) in input.resource_ids.iter().enumerate() {
            if self.owned_resource(business, *id).await.is_err() {
                errors.add(
                    format!("resource_ids[{i}]"),
                    "not_found",
                    "resource does not belong to the business",
                );
            }
        }
        let mut tags = Vec::new();
        for (i, tag) in input.tags.iter().enumerate() {
            match clean_name(&format!("tags[{i}]"), tag, 40) {
                Ok(t) => tags.push(t.to_lowercase()),
                Err(e) => errors.absorb("", e),
            }
        }
        let category = match input
            .category
            .as_deref()
            .map(|c| clean_name("category", c, 60))
        {
            Some(Ok(c)) => Some(c),
            Some(Err(e)) => {
                errors.absorb("", e);
                None
            }
            None => None,
        };
        let service = Service {
            id,
            business_id: business,
            name: name.unwrap_or_default(),
            description: description.unwrap_or_default(),
            price: input.price,
            category,
            tags,
            active,
            rules: input.rules,
            resource_ids: input.resource_ids,
            cancellation_deadline_minutes: input.cancellation_deadline_minutes,
            max_reschedules: input.max_reschedules,
        };
        errors.finish(service)
    }

    /// Activates or deactivates a service (PERM-3).
    pub async fn set_service_active(
        &self,
        business: BusinessId,
        id: ServiceId,
        active: bool,
    ) -> Result<Service> {
        let mut service = self.owned_service(business, id).await?;
        service.active = active;
        self.store.save_service(&service).await?;
        Ok(service)
    }

    /// Creates or replaces a client's profile (CLI-2, CLI-3) with normalised email and phone.
    pub async fn save_client_profile(
        &self,
        client: ClientId,
        input: ClientProfileInput,
    ) -> Result<ClientProfile> {
        let profile = input.validate(client)?;
        self.store.save_client(&profile).await?;
        Ok(profile)
    }

    fn check_window(interval: &Interval) -> Result<()> {
        if interval.duration_secs() > MAX_WINDOW_DAYS * DAY {
            return Err(Error::InvalidInterval {
                reason: format!("an availability window lasts at most {MAX_WINDOW_DAYS} days"),
            });
        }
        Ok(())
    }

    /// Creates one availability window (AV-4: never overlapping another of the resource).
    pub async fn create_availability(
        &self,
        business: BusinessId,
        resource: ResourceId,
        interval: Interval,
    ) -> Result<AvailabilityWindow> {
        let window = self.new_window(business, resource, interval);
        self.check_new_window(&window, None).await?;
        self.store
            .insert_windows(std::slice::from_ref(&window))
            .await?;
        Ok(window)
    }

    fn new_window(
        &self,
        business: BusinessId,
        resource_id: ResourceId,
        interval: Interval,
    ) -> AvailabilityWindow {
        AvailabilityWindow {
            id: AvailabilityId::from_uuid(self.ids.next_uuid()),
            business_id: business,
            resource_id,
            interval,
            series_id: None,
        }
    }

    /// The checks of one new window: its resource belongs to the business, its length, no
    /// overlap with an earlier item of the same request (`earlier_overlap`, its index), and
    /// none with stored windows.
    async fn check_new_window(
        &self,
        w: &AvailabilityWindow,
        earlier_overlap: Option<usize>,
    ) -> Result<()> {
        self.owned_resource(w.business_id, w.resource_id).await?;
        Self::check_window(&w.interval)?;
        if let Some(j) = earlier_overlap {
            return Err(Error::AvailabilityOverlap {
                existing: format!("items[{j}]"),
            });
        }
        if let Some(other) = self
            .store
            .list_windows(&[w.resource_id], w.interval)
            .await?
            .first()
        {
            return Err(Error::AvailabilityOverlap {
                existing: other.id.to_string(),
            });
        }
        Ok(())
    }

    /// Creates many windows at once, all or nothing (AV-2): on any problem nothing is stored
    /// and [`Error::BulkRejected`] lists every failing item with its code.
    pub async fn create_availabilities(
        &self,
        business: BusinessId,
        items: &[(ResourceId, Interval)],
    ) -> Result<Vec<AvailabilityWindow>> {
        if items.is_empty() || items.len() > MAX_BULK_ITEMS {
            return Err(Error::field(
                "items",
                "out_of_range",
                format!("items must hold 1 to {MAX_BULK_ITEMS} windows"),
            ));
        }
        let windows: Vec<AvailabilityWindow> = items
            .iter()
            .map(|&(resource, interval)| self.new_window(business, resource, interval))
            .collect();
        self.insert_new_windows(windows).await
    }

    /// Checks every window (collecting a report per failing item) and inserts all or none.
    async fn insert_new_windows(
        &self,
        windows: Vec<AvailabilityWindow>,
    ) -> Result<Vec<AvailabilityWindow>> {
        // Overlaps inside the batch through the interval index: O(n log n + k), not O(n²).
        let index: OverlapIndex<usize> = windows
            .iter()
            .enumerate()
            .map(|(i, w)| (w.interval, i))
            .collect();
        let mut failures = Vec::new();
        for (i, w) in windows.iter().enumerate() {
            let earlier = index
                .overlapping(w.interval)
                .map(|(_, &j)| j)
                .filter(|&j| j < i && windows[j].resource_id == w.resource_id)
                .min();
            if let Err(e) = self.check_new_window(w, earlier).await {
                failures.push(ItemFailure {
                    index: i,
                    code: e.code().as_str().to_owned(),
                    message: e.to_string(),
                });
            }
        }
        if !failures.is_empty() {
            return Err(Error::BulkRejected { failures });
        }
        // The store re-checks overlaps atomically: a concurrent writer cannot slip in between.
        self.store.insert_windows(&windows).await?;
        Ok(windows)
    }

    /// Generates the windows of a recurrence rule in the business's zone (AV-3) and inserts
    /// them all or none, as one series. At most [`MAX_BULK_ITEMS`] windows per call: a rule
    /// that yields more fails with `RECURRENCE_TOO_LARGE` (shorten it with COUNT/UNTIL or
    /// `generate_until`).
    pub async fn create_recurring_availabilities(
        &self,
        business: BusinessId,
        input: &RecurringAvailability,
    ) -> Result<Vec<AvailabilityWindow>> {
        let zone = self.business(business).await?.time_zone;
        self.owned_resource(business, input.resource_id).await?;
        if input.wall_minutes == 0 || i64::from(input.wall_minutes) * 60 > MAX_WINDOW_DAYS * DAY {
            return Err(Error::field(
                "wall_minutes",
                "out_of_range",
                format!(
                    "wall_minutes must be between 1 and {}",
                    MAX_WINDOW_DAYS * 24 * 60
                ),
            ));
        }
        let rule = crate::recurrence::RecurrenceRule::parse(&input.rrule)?;
        let recurrence = crate::recurrence::Recurrence::new(input.first_start, zone.0, rule)?
            .with_exdates(input.exdates.iter().copied());
        let now = self.clock.now();
        let start = crate::tz::resolve_local(zone.0, input.first_start);
        let until = input.generate_until.unwrap_or(now.add_secs(366 * DAY));
        let window = Interval::new(start, until.max(start.add_secs(1)))?;
        let (intervals, truncated) =
            recurrence.expand_intervals(window, MAX_BULK_ITEMS, input.wall_minutes);
        if truncated {
            return Err(Error::RecurrenceTooLarge {
                limit: MAX_BULK_ITEMS,
            });
        }
        if intervals.is_empty() {
            return Err(Error::InvalidRecurrence {
                reason: "the rule yields no occurrence in the generated range".into(),
            });
        }
        let series = crate::model::SeriesId::from_uuid(self.ids.next_uuid());
        let windows = intervals
            .into_iter()
            .map(|interval| AvailabilityWindow {
                series_id: Some(series),
                ..self.new_window(business, input.resource_id, interval)
            })
            .collect();
        self.insert_new_windows(windows).await
    }

    /// A window of the business (`NOT_FOUND` for another business's).
    pub async fn get_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
    ) -> Result<AvailabilityWindow> {
        match self.store.get_window(id).await? {
            Some(w) if w.business_id == business => Ok(w),
            _ => Err(Error::NotFound {
                entity: Entity::Availability,
            }),
        }
    }

    /// The business's windows overlapping `range`, optionally of one resource, by start.
    pub async fn list_availabilities(
        &self,
        business: BusinessId,
        resource: Option<ResourceId>,
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        let resources: Vec<ResourceId> = match resource {
            Some(r) => vec![self.owned_resource(business, r).await?.id],
            None => self
                .store
                .list_resources(business)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect(),
        };
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        self.store.list_windows(&resources, range).await
    }

    /// Deletes a window of the business (AV-1). Reservations already made stay.
    pub async fn delete_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
    ) -> Result<()> {
        self.get_availability(business, id).await?;
        self.store.delete_window(id).await
    }

    /// Moves an availability window (AV-1), keeping AV-4.
    pub async fn update_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
        interval: Interval,
    ) -> Result<AvailabilityWindow> {
        let mut window = match self.store.get_window(id).await? {
            Some(w) if w.business_id == business => w,
            _ => {
                return Err(Error::NotFound {
                    entity: Entity::Availability,
                });
            }
        };
        Self::check_window(&interval)?;
        window.interval = interval;
        self.store.update_window(&window).await?;
        Ok(window)
    }

    /// The schedule snapshot of a service for slot starts in `range`: what browsers and apps
    /// need to compute slots themselves.
    pub async fn schedule_for_service(
        &self,
        service_id: ServiceId,
        range: Interval,
    ) -> Result<(Business, Service, Schedule)> {
        // Windows two days around: touching windows join, and the slot grid starts where the
        // joined span starts. Busy periods: only those that can meet a slot of `range`.
        let inputs = self
            .store
            .load_schedule(service_id, range.widened(2 * DAY, 2 * DAY), range)
            .await?
            .ok_or(Error::NotFound {
                entity: Entity::Service,
            })?;
        let ScheduleInputs {
            service,
            business,
            windows,
            busy,
        } = inputs;
        let schedule = Schedule::for_service(&business, &service, &windows, &busy);
        Ok((business, service, schedule))
    }

    /// Free slots of a public (validated business, active service) service (CORE-5).
    pub async fn slots_for_service(
        &self,
        service_id: ServiceId,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<SlotList> {
        let range = Interval::new(from, to)?;
        let (business, service, schedule) = self.schedule_for_service(service_id, range).await?;
        if !business.validated {
            return Err(Error::BusinessNotValidated);
        }
        if !service.active {
            return Err(Error::ServiceInactive);
        }
        compute_slots(
            &schedule,
            &SlotQuery {
                from,
                to,
                now: self.clock.now(),
                limit,
            },
        )
    }

    /// Books a slot for a client: every rule, then an atomic insert that re-checks capacity
    /// and the client's other reservations inside the store (RES-3).
    ///
    /// Without a requested resource, the first free one is chosen. The store is handed that
    /// resource and the next ones free in the same snapshot (at most
    /// [`MAX_FIRST_FREE_CANDIDATES`]) and books the first still free when it writes, so
    /// concurrent bookings of one time spread over the resources in one step. When all of
    /// them were taken meanwhile, the booking is tried again on fresh data (at most
    /// [`MAX_RESOURCE_RETRIES`] times) instead of answering a conflict. A time the snapshot
    /// already shows taken is refused at once.
    pub async fn book(&self, client: ClientId, request: &BookingRequest) -> Result<Reservation> {
        let mut attempt = 0;
        loop {
            match self.book_once(client, request).await? {
                Attempt::Booked(reservation) => return Ok(reservation),
                Attempt::Taken(_)
                    if request.resource_id.is_none() && attempt < MAX_RESOURCE_RETRIES =>
                {
                    attempt += 1;
                }
                Attempt::Taken(e) => return Err(e),
            }
        }
    }

    /// One booking try on a fresh snapshot. A refusal by the rules is an error; a refusal by
    /// the store because concurrent bookings took every resource tried is
    /// [`Attempt::Taken`], which is worth another try on fresh data.
    async fn book_once(&self, client: ClientId, request: &BookingRequest) -> Result<Attempt> {
        let now = self.clock.now();
        let probe = Interval::new(request.start, request.start.add_secs(1))?;
        let (business, service, schedule) =
            self.schedule_for_service(request.service_id, probe).await?;
        // The client's other reservations are not read here: the store checks them atomically
        // with the insert ([`crate::booking::check_capacity`]), after the same resource checks
        // as `validate_booking`, so the answer is the same `CLIENT_DOUBLE_BOOKED`.
        let valid = validate_booking(&business, &service, &schedule, client, &[], request, now)?;
        let mut resources = vec![valid.resource_id];
        if request.resource_id.is_none() {
            let others =
                other_free_resources(&service, &schedule, valid.resource_id, request.start, now);
            resources.extend(others.into_iter().take(MAX_FIRST_FREE_CANDIDATES - 1));
        }
        let mut reservation = Reservation {
            id: ReservationId::from_uuid(self.ids.next_uuid()),
            business_id: business.id,
            client_id: client,
            service_id: service.id,
            resource_id: valid.resource_id,
            interval: valid.interval,
            buffer_before_minutes: valid.buffer_before_minutes,
            buffer_after_minutes: valid.buffer_after_minutes,
            status: ReservationStatus::Pending,
            price: valid.price,
            reschedule_count: 0,
            history: vec![TransitionRecord {
                from: None,
                to: ReservationStatus::Pending,
                actor: Actor::Client,
                at: now,
                reason: None,
            }],
            created_at: now,
        };
        match self
            .store
            .insert_on_first_free(&reservation, &resources, service.rules.seats)
            .await
        {
            Ok(resource_id) => {
                reservation.resource_id = resource_id;
                Ok(Attempt::Booked(reservation))
            }
            Err(e) if e.is_resource_conflict() => Ok(Attempt::Taken(e)),
            Err(e) => Err(e),
        }
    }

    async fn scoped_reservation(
        &self,
        actor: Actor,
        scope: uuid::Uuid,
        id: ReservationId,
    ) -> Result<(Reservation, Service)> {
        let reservation = self
            .store
            .get_reservation(id)
            .await?
            .filter(|r| match actor {
                Actor::Client => r.client_id.0 == scope,
                Actor::Business => r.business_id.0 == scope,
                Actor::Admin | Actor::System => true,
            })
            .ok_or(Error::NotFound {
                entity: Entity::Reservation,
            })?;
        let service = self
            .store
            .get_service(reservation.service_id)
            .await?
            .ok_or(Error::NotFound {
                entity: Entity::Service,
            })?;
        Ok((reservation, service))
    }

    /// One reservation as `actor` may see it: a client's own, a business's own (`scope` is
    /// their id); anyone else's answers `NOT_FOUND` like a missing one.
    pub async fn reservation(
        &self,
        actor: Actor,
        scope: uuid::Uuid,
        id: ReservationId,
    ) -> Result<Reservation> {
        Ok(self.scoped_reservation(actor, scope, id).await?.0)
    }

    /// Applies a lifecycle action (confirm, complete, no-show, cancel) for `actor`, scoped to
    /// the client's or business's own reservations (`scope` is their id).
    pub async fn transition(
        &self,
        actor: Actor,
        scope: uuid::Uuid,
        id: ReservationId,
        action: Action,
    ) -> Result<Reservation> {
        let (mut reservation, service) = self.scoped_reservation(actor, scope, id).await?;
        lifecycle::apply(&mut reservation, &service, &action, actor, self.clock.now())?;
        // Confirming re-checks capacity inside the store: two overlapping pending requests can
        // never both end up confirmed.
        let recheck = (action == Action::Confirm).then_some(service.rules.seats);
        self.store.update_reservation(&reservation, recheck).await?;
        Ok(reservation)
    }

    /// Moves a reservation to `new_start` as one step: the new time passes every booking rule
    /// (ignoring the reservation itself), and the store swaps atomically, so the old slot is
    /// freed only if the new one is taken.
    pub async fn reschedule(
        &self,
        actor: Actor,
        scope: uuid::Uuid,
        id: ReservationId,
        new_start: Timestamp,
    ) -> Result<Reservation> {
        let now = self.clock.now();
        let (mut reservation, service) = self.scoped_reservation(actor, scope, id).await?;
        lifecycle::check_reschedule(&reservation, &service, actor, now)?;
        let probe = Interval::new(new_start, new_start.add_secs(1))?;
        let (business, _, mut schedule) = self.schedule_for_service(service.id, probe).await?;
        // The reservation being moved does not block its own new time.
        for r in &mut schedule.resources {
            if r.resource_id == reservation.resource_id {
                r.busy.retain(|b| {
                    !(b.start == reservation.interval.start()
                        && b.end == reservation.interval.end())
                });
            }
        }
        let new_interval = Interval::starting_at(new_start, service.rules.duration_minutes)?;
        let client_busy: Vec<Interval> = self
            .store
            .list_active_for_client(reservation.client_id, new_interval)
            .await?
            .iter()
            .filter(|r| r.id != reservation.id)
            .map(|r| r.interval)
            .collect();
        let request = BookingRequest {
            service_id: service.id,
            resource_id: Some(reservation.resource_id),
            start: new_start,
        };
        validate_booking(
            &business,
            &service,
            &schedule,
            reservation.client_id,
            &client_busy,
            &request,
            now,
        )?;
        lifecycle::apply_reschedule(&mut reservation, &service, new_interval, actor, now)?;
        self.store
            .update_reservation(&reservation, Some(service.rules.seats))
            .await?;
        Ok(reservation)
    }

    /// A page of reservations (RES-4).
    pub async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        self.store.list_reservations(filter, sort, page).await
    }
}

#[cfg(test)]
mod tests;
