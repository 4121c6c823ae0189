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
    ReservationStore, parse_reservation_cursor, reservation_cursor,
};
use crate::time::Interval;

/// Runs a future whose every await is immediately ready (the in-memory store's) to completion,
/// without an async runtime. Panics if the future ever waits.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
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
    services: HashMap<ServiceId, Service>,
    clients: HashMap<ClientId, ClientProfile>,
    windows: HashMap<AvailabilityId, AvailabilityWindow>,
    reservations: HashMap<ReservationId, Reservation>,
}

/// Every port, in memory.
#[derive(Default)]
pub struct MemoryStore {
    data: Mutex<Data>,
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
        self.lock().businesses.insert(business.id, business.clone());
        Ok(())
    }
    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        Ok(self.lock().resources.get(&id).cloned())
    }
    async fn save_resource(&self, resource: &Resource) -> Result<()> {
        self.lock().resources.insert(resource.id, resource.clone());
        Ok(())
    }
    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        let mut out: Vec<Resource> = self
            .lock()
            .resources
            .values()
            .filter(|r| r.business_id == business)
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
    ) -> Result<Page<Reservation>> {
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
        let mut items: Vec<Reservation> = self
            .lock()
            .reservations
            .values()
            .filter(|r| filter.matches(r))
            .filter(|r| match after {
                None => true,
                Some(c) if descending => key(r) < c,
                Some(c) => key(r) > c,
            })
            .cloned()
            .collect();
        items.sort_by_key(key);
        if descending {
            items.reverse();
        }
        let limit = page.limit.clamp(1, crate::ports::MAX_PAGE_SIZE) as usize;
        let next_cursor =
            (items.len() > limit).then(|| reservation_cursor(&items[limit - 1], sort));
        items.truncate(limit);
        Ok(Page { items, next_cursor })
    }
}
