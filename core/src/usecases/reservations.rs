//! Reservation use cases: reading one, lifecycle transitions, rescheduling, listing and
//! finding a business's clients by who booked.

use super::UseCases;
use crate::booking::{BookingRequest, validate_booking};
use crate::client_search::{ClientSearch, matching_clients};
use crate::error::{Entity, Error, Result};
use crate::lifecycle::{self, Action};
use crate::model::{BusinessId, ClientId, Reservation, ReservationId, Service};
use crate::ports::{
    Clock, IdSource, Page, PageRequest, ReservationFilter, ReservationSort, ReservationView, Store,
};
use crate::scope::Scope;
use crate::time::{Interval, Timestamp};
use crate::validation::national_calling_code;

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    async fn scoped_reservation(
        &self,
        scope: Scope,
        id: ReservationId,
    ) -> Result<(Reservation, Service)> {
        let reservation = self
            .store
            .get_reservation(id)
            .await?
            .filter(|r| scope.can_reach(r))
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

    /// One reservation as `scope` may reach it: a client's own, a business's own; anyone
    /// else's answers `NOT_FOUND` like a missing one.
    pub async fn reservation(&self, scope: Scope, id: ReservationId) -> Result<Reservation> {
        Ok(self.scoped_reservation(scope, id).await?.0)
    }

    /// Applies a lifecycle action (confirm, complete, no-show, cancel) on behalf of `scope`,
    /// to a reservation it may reach.
    pub async fn transition(
        &self,
        scope: Scope,
        id: ReservationId,
        action: Action,
    ) -> Result<Reservation> {
        let (mut reservation, service) = self.scoped_reservation(scope, id).await?;
        let actor = scope.actor();
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
        scope: Scope,
        id: ReservationId,
        new_start: Timestamp,
    ) -> Result<Reservation> {
        let now = self.clock.now();
        let (mut reservation, service) = self.scoped_reservation(scope, id).await?;
        let actor = scope.actor();
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

    /// Moves every reservation that ended more than `after_days` days ago to the archive
    /// ([`lifecycle::archive_cutoff`]); how many moved. Lists, statistics and the calendar
    /// read the archive too when asked.
    pub async fn archive_finished_reservations(&self, after_days: u32) -> Result<u64> {
        let cutoff = lifecycle::archive_cutoff(self.clock.now(), after_days)?;
        self.store.archive_reservations(cutoff).await
    }

    /// The clients of `business` a search by who booked finds ([`crate::client_search`]):
    /// part of a name or email, or a phone number in any notation (a national one read with
    /// the business's country). Errors name the field `field`.
    pub async fn find_business_clients(
        &self,
        business: BusinessId,
        field: &str,
        text: &str,
    ) -> Result<Vec<ClientId>> {
        let country = self.business(business).await?.address.country;
        let search = ClientSearch::parse(field, text, national_calling_code(&country))?;
        let clients = self.store.business_clients(business).await?;
        matching_clients(field, &search, &clients)
    }
}
