//! An in-memory implementation of every port: the reference backend of the conformance suite,
//! and a store for tests, demos and embedded use without a database.
//!
//! One mutex guards all data, so every check-then-write (capacity, window overlap, optimistic
//! version) is atomic; futures are always ready.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use crate::booking::check_capacity;
use crate::error::{Entity, Error, Result};
use crate::model::{
    AvailabilityId, AvailabilityWindow, Business, BusinessId, ClientId, ClientProfile, Reservation,
    ReservationId, Resource, ResourceId, Service, ServiceId,
};
use crate::ports::{
    AvailabilityStore, DirectoryStore, Page, PageRequest, ReservationFilter, ReservationSort,
    ReservationStore, ReservationView, Store, parse_reservation_cursor, reservation_cursor,
};
use crate::ports::{
    BusinessFilter, BusinessSort, ClientContact, MAX_PAGE_SIZE, parse_business_cursor,
};
use crate::search::{HitKind, MAX_SEARCH_HITS, SearchHit, SearchQuery, tokenize};
use crate::time::{Interval, Timestamp};

/// Runs a future whose every await is immediately ready (the in-memory store's) to completion,
/// without an async runtime. Panics if the future ever waits.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => panic!("block_on only runs futures that never wait"),
    }
}

#[derive(Default)]
struct Data {
    businesses: HashMap<BusinessId, Business>,
    resources: HashMap<ResourceId, Resource>,
    /// Deleted resources: hidden from reads, kept so reservations still name them.
    deleted_resources: std::collections::HashSet<ResourceId>,
    services: HashMap<ServiceId, Service>,
    clients: HashMap<ClientId, ClientProfile>,
    windows: HashMap<AvailabilityId, AvailabilityWindow>,
    reservations: HashMap<ReservationId, Reservation>,
    archive: HashMap<ReservationId, Reservation>,
    /// Busy times from other calendars, in no order.
    busy_times: Vec<crate::busy_times::BusyTime>,
    /// The businesses' client files, in insertion order.
    contacts: Vec<crate::contacts::Contact>,
}

impl Data {
    /// A reservation with the names a list shows (empty when one is gone).
    fn view_of(&self, r: &Reservation) -> ReservationView {
        let name = |found: Option<String>| found.unwrap_or_default();
        ReservationView {
            reservation: r.clone(),
            business_name: name(self.businesses.get(&r.business_id).map(|b| b.name.clone())),
            service_name: name(self.services.get(&r.service_id).map(|s| s.name.clone())),
            resource_name: name(self.resources.get(&r.resource_id).map(|x| x.name.clone())),
            client: self
                .clients
                .get(&r.client_id)
                .map(ClientContact::from)
                .unwrap_or_default(),
        }
    }
}

/// Every port, in memory.
#[derive(Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
    /// The waitlist, apart: no other port reads it.
    waitlist: Mutex<Vec<crate::waitlist::WaitlistEntry>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Data> {
        // A panic while holding the lock cannot leave half-written data: every write is a
        // single insert after its checks, so the data stays consistent.
        self.data
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

fn check_window_overlaps<'a>(
    new: &[AvailabilityWindow],
    existing: impl Iterator<Item = &'a AvailabilityWindow>,
) -> Result<()> {
    let existing: Vec<&AvailabilityWindow> = existing.collect();
    for (i, w) in new.iter().enumerate() {
        if let Some(other) = existing.iter().copied().chain(new[..i].iter()).find(|o| {
            o.id != w.id && o.resource_id == w.resource_id && o.interval.overlaps(&w.interval)
        }) {
            return Err(Error::AvailabilityOverlap {
                existing: other.id.to_string(),
            });
        }
    }
    Ok(())
}

impl DirectoryStore for MemoryStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        Ok(self.lock().businesses.get(&id).cloned())
    }
    async fn save_business(&self, business: &Business) -> Result<()> {
        let mut data = self.lock();
        if data
            .businesses
            .values()
            .any(|b| b.owner_id == business.owner_id && b.id != business.id)
        {
            return Err(Error::OwnerHasBusiness);
        }
        data.businesses.insert(business.id, business.clone());
        Ok(())
    }
    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        let after = page
            .cursor
            .as_deref()
            .map(parse_business_cursor)
            .transpose()?;
        let data = self.lock();
        let mut all: Vec<Business> = data
            .businesses
            .values()
            .filter(|b| {
                let services: Vec<Service> = data
                    .services
                    .values()
                    .filter(|s| s.business_id == b.id)
                    .cloned()
                    .collect();
                filter.matches_with_services(b, &services)
            })
            .cloned()
            .collect();
        drop(data);
        all.sort_by(|a, b| (&a.name, a.id).cmp(&(&b.name, b.id)));
        if sort == BusinessSort::NameDesc {
            all.reverse();
        }
        let items: Vec<Business> = all
            .into_iter()
            .filter(|b| match &after {
                None => true,
                Some((name, id)) => match sort {
                    BusinessSort::NameAsc => (&b.name, b.id) > (name, *id),
                    BusinessSort::NameDesc => (&b.name, b.id) < (name, *id),
                },
            })
            .take(page.limit.clamp(1, MAX_PAGE_SIZE) as usize + 1)
            .collect();
        Ok(Page::of_businesses(
            items,
            page.limit.clamp(1, MAX_PAGE_SIZE) as usize,
        ))
    }
    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        let data = self.lock();
        Ok(data
            .resources
            .get(&id)
            .filter(|r| !data.deleted_resources.contains(&r.id))
            .cloned())
    }
    async fn save_resource(&self, resource: &Resource) -> Result<()> {
        self.lock().resources.insert(resource.id, resource.clone());
        Ok(())
    }
    async fn delete_resource(&self, id: ResourceId, now: Timestamp) -> Result<()> {
        let mut data = self.lock();
        if !data.resources.contains_key(&id) || data.deleted_resources.contains(&id) {
            return Err(Error::NotFound {
                entity: Entity::Resource,
            });
        }
        if data
            .reservations
            .values()
            .any(|r| crate::resources::holds(r, id, now))
        {
            return Err(Error::ResourceHasReservations {
                reservations: Vec::new(),
            });
        }
        data.deleted_resources.insert(id);
        for service in data.services.values_mut() {
            service.resource_ids.retain(|&r| r != id);
        }
        data.windows
            .retain(|_, w| w.resource_id != id || w.interval.start() < now);
        Ok(())
    }
    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        let data = self.lock();
        let mut out: Vec<Resource> = data
            .resources
            .values()
            .filter(|r| r.business_id == business && !data.deleted_resources.contains(&r.id))
            .cloned()
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }
    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        Ok(self.lock().services.get(&id).cloned())
    }
    async fn save_service(&self, service: &Service) -> Result<()> {
        self.lock().services.insert(service.id, service.clone());
        Ok(())
    }
    async fn save_directory(&self, resources: &[Resource], services: &[Service]) -> Result<()> {
        // One lock for both: no reader sees half of it.
        let mut data = self.lock();
        for r in resources {
            data.resources.insert(r.id, r.clone());
        }
        for s in services {
            data.services.insert(s.id, s.clone());
        }
        Ok(())
    }
    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        let mut out: Vec<Service> = self
            .lock()
            .services
            .values()
            .filter(|s| s.business_id == business)
            .cloned()
            .collect();
        out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        Ok(out)
    }
    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        Ok(self.lock().clients.get(&id).cloned())
    }
    async fn save_client(&self, client: &ClientProfile) -> Result<()> {
        self.lock().clients.insert(client.id, client.clone());
        Ok(())
    }

    async fn business_clients(&self, business: BusinessId) -> Result<Vec<ClientProfile>> {
        let data = self.lock();
        let ids: std::collections::BTreeSet<ClientId> = data
            .reservations
            .values()
            .chain(data.archive.values())
            .filter(|r| r.business_id == business)
            .map(|r| r.client_id)
            .collect();
        Ok(ids
            .iter()
            .filter_map(|id| data.clients.get(id).cloned())
            .collect())
    }

    async fn categories_in_use(&self) -> Result<Vec<crate::catalog::CategoryCount>> {
        let data = self.lock();
        Ok(crate::catalog::count_categories(
            data.services.values().filter(|s| {
                data.businesses
                    .get(&s.business_id)
                    .is_some_and(|b| crate::visibility::service_is_public(b, s))
            }),
        ))
    }
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let words = query.words()?;
        let data = self.lock();
        let same =
            |a: &str, b: &Option<String>| b.as_deref().is_none_or(|b| a.eq_ignore_ascii_case(b));
        // Weighted fields: name 3, domain/city/category/tags 2, description 1. Every word must
        // appear in some field; the rank sums the weights of the fields each word hits.
        let score = |fields: &[(&str, f64)]| -> Option<f64> {
            let tokenized: Vec<(Vec<String>, f64)> = fields
                .iter()
                .map(|(text, w)| (tokenize(text), *w))
                .collect();
            let mut total = 0.0;
            for word in &words {
                let hit: f64 = tokenized
                    .iter()
                    .filter(|(t, _)| t.contains(word))
                    .map(|(_, w)| w)
                    .sum();
                if hit == 0.0 {
                    return None;
                }
                total += hit;
            }
            Some(total)
        };
        let mut hits = Vec::new();
        for b in data.businesses.values() {
            if !b.status.is_public()
                || !same(&b.city, &query.city)
                || !same(&b.domain, &query.domain)
            {
                continue;
            }
            let place = format!("{} {}", b.domain, b.city);
            if let Some(rank) = score(&[(&b.name, 3.0), (&place, 2.0), (&b.description, 1.0)]) {
                hits.push(SearchHit {
                    kind: HitKind::Business,
                    id: b.id.0,
                    business_id: b.id,
                    name: b.name.clone(),
                    rank,
                });
            }
            for s in data
                .services
                .values()
                .filter(|s| s.business_id == b.id && s.active)
            {
                let labels = format!(
                    "{} {}",
                    s.category.as_deref().unwrap_or(""),
                    s.tags.join(" ")
                );
                if let Some(rank) = score(&[(&s.name, 3.0), (&labels, 2.0), (&s.description, 1.0)])
                {
                    hits.push(SearchHit {
                        kind: HitKind::Service,
                        id: s.id.0,
                        business_id: b.id,
                        name: s.name.clone(),
                        rank,
                    });
                }
            }
        }
        hits.sort_by(|a, b| {
            b.rank
                .total_cmp(&a.rank)
                .then_with(|| a.name.cmp(&b.name))
                .then(a.id.cmp(&b.id))
        });
        hits.truncate(query.limit.clamp(1, MAX_SEARCH_HITS) as usize);
        Ok(hits)
    }
}

impl AvailabilityStore for MemoryStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        Ok(self.lock().windows.get(&id).cloned())
    }

    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        let mut out: Vec<AvailabilityWindow> = self
            .lock()
            .windows
            .values()
            .filter(|w| resources.contains(&w.resource_id) && w.interval.overlaps(&range))
            .cloned()
            .collect();
        out.sort_by_key(|w| (w.interval.start(), w.id));
        Ok(out)
    }

    async fn insert_windows(&self, windows: &[AvailabilityWindow]) -> Result<()> {
        let mut data = self.lock();
        check_window_overlaps(windows, data.windows.values())?;
        for w in windows {
            data.windows.insert(w.id, w.clone());
        }
        Ok(())
    }

    async fn update_window(&self, window: &AvailabilityWindow) -> Result<()> {
        let mut data = self.lock();
        if !data.windows.contains_key(&window.id) {
            return Err(Error::NotFound {
                entity: Entity::Availability,
            });
        }
        check_window_overlaps(std::slice::from_ref(window), data.windows.values())?;
        data.windows.insert(window.id, window.clone());
        Ok(())
    }

    async fn delete_window(&self, id: AvailabilityId) -> Result<()> {
        self.lock()
            .windows
            .remove(&id)
            .map(|_| ())
            .ok_or(Error::NotFound {
                entity: Entity::Availability,
            })
    }
}

impl Store for MemoryStore {}

impl crate::ports::ContactStore for MemoryStore {
    async fn insert_contacts(&self, contacts: &[crate::contacts::Contact]) -> Result<()> {
        let mut data = self.lock();
        for c in contacts {
            let known = data
                .contacts
                .iter()
                .any(|k| k.business_id == c.business_id && k.email.eq_ignore_ascii_case(&c.email));
            if !known {
                data.contacts.push(c.clone());
            }
        }
        Ok(())
    }

    async fn business_contacts(
        &self,
        business: BusinessId,
    ) -> Result<Vec<crate::contacts::Contact>> {
        let data = self.lock();
        Ok(data
            .contacts
            .iter()
            .filter(|c| c.business_id == business)
            .cloned()
            .collect())
    }
}

impl crate::ports::BusyTimeStore for MemoryStore {
    async fn replace_busy_times(
        &self,
        resource: ResourceId,
        source: &str,
        busy: &[crate::busy_times::BusyTime],
    ) -> Result<u64> {
        let mut data = self.lock();
        let before = data.busy_times.len();
        data.busy_times
            .retain(|b| !(b.resource_id == resource && b.source == source));
        let removed = (before - data.busy_times.len()) as u64;
        data.busy_times.extend(busy.iter().cloned().map(|mut b| {
            b.resource_id = resource;
            b.source = source.to_owned();
            b
        }));
        Ok(removed)
    }

    async fn list_busy_times(
        &self,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> Result<Vec<crate::busy_times::BusyTime>> {
        let data = self.lock();
        let mut found: Vec<_> = data
            .busy_times
            .iter()
            .filter(|b| b.resource_id == resource && b.interval.overlaps(&range))
            .filter(|b| source.is_none_or(|s| b.source == s))
            .cloned()
            .collect();
        found.sort_by(|a, b| {
            (a.interval.start(), &a.source, &a.uid).cmp(&(b.interval.start(), &b.source, &b.uid))
        });
        Ok(found)
    }

    async fn list_external_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<crate::busy_times::ExternalBusy>> {
        let data = self.lock();
        let mut found: Vec<_> = data
            .busy_times
            .iter()
            .filter(|b| resources.contains(&b.resource_id) && b.interval.overlaps(&range))
            .map(crate::busy_times::ExternalBusy::from)
            .collect();
        found.sort_by_key(|b| b.interval.start());
        Ok(found)
    }
}

impl ReservationStore for MemoryStore {
    async fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        Ok(self.lock().reservations.get(&id).cloned())
    }

    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        let mut out: Vec<Reservation> = self
            .lock()
            .reservations
            .values()
            .filter(|r| {
                r.status.is_active()
                    && resources.contains(&r.resource_id)
                    && r.blocked_interval().overlaps(&range)
            })
            .cloned()
            .collect();
        out.sort_by_key(|r| (r.interval.start(), r.id));
        Ok(out)
    }

    async fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        let mut out: Vec<Reservation> = self
            .lock()
            .reservations
            .values()
            .filter(|r| {
                r.status.is_active() && r.client_id == client && r.interval.overlaps(&range)
            })
            .cloned()
            .collect();
        out.sort_by_key(|r| (r.interval.start(), r.id));
        Ok(out)
    }

    async fn insert_reservation(&self, reservation: &Reservation, seats: u32) -> Result<()> {
        let mut data = self.lock();
        if data.reservations.contains_key(&reservation.id) {
            return Err(Error::ConcurrentModification);
        }
        check_capacity(reservation, data.reservations.values(), seats)?;
        data.reservations
            .insert(reservation.id, reservation.clone());
        Ok(())
    }

    async fn update_reservation(
        &self,
        reservation: &Reservation,
        recheck_seats: Option<u32>,
    ) -> Result<()> {
        let mut data = self.lock();
        let stored = data
            .reservations
            .get(&reservation.id)
            .ok_or(Error::NotFound {
                entity: Entity::Reservation,
            })?;
        if stored.history.len() + 1 != reservation.history.len() {
            return Err(Error::ConcurrentModification);
        }
        if let Some(seats) = recheck_seats {
            check_capacity(reservation, data.reservations.values(), seats)?;
        }
        data.reservations
            .insert(reservation.id, reservation.clone());
        Ok(())
    }

    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        let after = page
            .cursor
            .as_deref()
            .map(parse_reservation_cursor)
            .transpose()?;
        let key = |r: &Reservation| match sort {
            ReservationSort::StartAsc | ReservationSort::StartDesc => {
                (r.interval.start().secs(), r.id)
            }
            ReservationSort::CreatedAsc | ReservationSort::CreatedDesc => {
                (r.created_at.secs(), r.id)
            }
        };
        let descending = matches!(
            sort,
            ReservationSort::StartDesc | ReservationSort::CreatedDesc
        );
        let data = self.lock();
        let archived = data.archive.values().filter(|_| filter.include_archived);
        let mut items: Vec<&Reservation> = data
            .reservations
            .values()
            .chain(archived)
            .filter(|r| filter.matches(r))
            .filter(|r| match after {
                None => true,
                Some(c) if descending => key(r) < c,
                Some(c) => key(r) > c,
            })
            .collect();
        items.sort_by_key(|r| key(r));
        if descending {
            items.reverse();
        }
        let limit = page.limit.clamp(1, MAX_PAGE_SIZE) as usize;
        let next_cursor = (items.len() > limit).then(|| reservation_cursor(items[limit - 1], sort));
        items.truncate(limit);
        let items = items.into_iter().map(|r| data.view_of(r)).collect();
        Ok(Page { items, next_cursor })
    }

    async fn calendar_reservations(
        &self,
        business: BusinessId,
        range: Interval,
        include_archived: bool,
    ) -> Result<Vec<crate::calendar::CalendarRow>> {
        let data = self.lock();
        let archived = data.archive.values().filter(|_| include_archived);
        let mut items: Vec<&Reservation> = data
            .reservations
            .values()
            .chain(archived)
            .filter(|r| r.business_id == business && r.blocked_interval().overlaps(&range))
            .collect();
        items.sort_by_key(|r| (r.interval.start(), r.id));
        Ok(items
            .into_iter()
            .map(|r| crate::calendar::CalendarRow::of(&data.view_of(r)))
            .collect())
    }

    async fn archive_reservations(&self, ended_before: Timestamp) -> Result<u64> {
        let mut data = self.lock();
        let old: Vec<ReservationId> = data
            .reservations
            .values()
            .filter(|r| r.interval.end() < ended_before)
            .map(|r| r.id)
            .collect();
        for id in &old {
            if let Some(r) = data.reservations.remove(id) {
                data.archive.insert(*id, r);
            }
        }
        Ok(old.len() as u64)
    }
}

impl crate::ports::StatsStore for MemoryStore {
    async fn stats_aggregates(
        &self,
        request: &crate::stats::AggregateRequest,
    ) -> Result<crate::stats::AggregateRows> {
        let data = self.lock();
        Ok(crate::stats::aggregate(
            request,
            data.reservations.values().chain(data.archive.values()),
            data.windows.values(),
        ))
    }
}

impl crate::ports::WaitlistStore for MemoryStore {
    async fn insert_waitlist_entry(&self, entry: &crate::waitlist::WaitlistEntry) -> Result<()> {
        let mut waitlist = self.waitlist.lock().unwrap_or_else(|e| e.into_inner());
        let taken = waitlist.iter().any(|e| {
            e.client_id == entry.client_id && e.service_id == entry.service_id && e.status.is_open()
        });
        if taken {
            return Err(Error::AlreadyOnWaitlist);
        }
        waitlist.push(entry.clone());
        Ok(())
    }

    async fn get_waitlist_entry(
        &self,
        id: crate::model::WaitlistId,
    ) -> Result<Option<crate::waitlist::WaitlistEntry>> {
        let waitlist = self.waitlist.lock().unwrap_or_else(|e| e.into_inner());
        Ok(waitlist.iter().find(|e| e.id == id).cloned())
    }

    async fn open_waitlist_entries(
        &self,
        limit: u32,
    ) -> Result<Vec<crate::waitlist::WaitlistEntry>> {
        let waitlist = self.waitlist.lock().unwrap_or_else(|e| e.into_inner());
        let mut open: Vec<_> = waitlist
            .iter()
            .filter(|e| e.status.is_open())
            .cloned()
            .collect();
        open.sort_by_key(|e| (e.created_at, e.id));
        open.truncate(limit as usize);
        Ok(open)
    }

    async fn list_waitlist(
        &self,
        client: Option<ClientId>,
        business: Option<BusinessId>,
    ) -> Result<Vec<crate::waitlist::WaitlistEntry>> {
        let waitlist = self.waitlist.lock().unwrap_or_else(|e| e.into_inner());
        let mut found: Vec<_> = waitlist
            .iter()
            .filter(|e| client.is_none_or(|c| e.client_id == c))
            .filter(|e| business.is_none_or(|b| e.business_id == b && e.status.is_open()))
            .cloned()
            .collect();
        found.sort_by_key(|e| (e.created_at, e.id));
        found.truncate(MAX_PAGE_SIZE as usize);
        Ok(found)
    }

    async fn update_waitlist_entry(
        &self,
        entry: &crate::waitlist::WaitlistEntry,
        expected: crate::waitlist::WaitlistStatus,
    ) -> Result<bool> {
        let mut waitlist = self.waitlist.lock().unwrap_or_else(|e| e.into_inner());
        match waitlist.iter_mut().find(|e| e.id == entry.id) {
            Some(stored) if stored.status == expected => {
                *stored = entry.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}
