//! Booking use cases: the schedule snapshot of a service, its free slots, and booking one.

use super::UseCases;
use crate::booking::{BookingRequest, other_free_resources, validate_booking};
use crate::error::{Entity, Error, Result};
use crate::model::{
    Actor, Business, ClientId, Reservation, ReservationId, ReservationStatus, Service, ServiceId,
    TransitionRecord,
};
use crate::ports::{Clock, IdSource, ScheduleInputs, Store};
use crate::slots::{MAX_RANGE_DAYS, Schedule, SlotList, SlotQuery, compute_slots};
use crate::time::{DAY, Interval, Timestamp};
use crate::visibility::check_service_is_public;

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

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
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
            resources,
            windows,
            busy,
            external_busy,
        } = inputs;
        let schedule = Schedule::for_service(
            &business,
            &service,
            &resources,
            &windows,
            &busy,
            &external_busy,
        );
        Ok((business, service, schedule))
    }

    /// The schedule snapshot of a service the public may see, for slot starts in `range` (at
    /// most [`MAX_RANGE_DAYS`] days), or `NOT_FOUND` like a missing one.
    pub async fn public_schedule(
        &self,
        service_id: ServiceId,
        range: Interval,
    ) -> Result<Schedule> {
        if range.duration_secs() > i64::from(MAX_RANGE_DAYS) * DAY {
            return Err(Error::RangeTooLarge {
                max_days: MAX_RANGE_DAYS,
            });
        }
        let (business, service, schedule) = self.schedule_for_service(service_id, range).await?;
        check_service_is_public(&business, &service)?;
        Ok(schedule)
    }

    /// Free slots of a service the public may see ([`check_service_is_public`]), or
    /// `NOT_FOUND` like a missing one (CORE-5).
    pub async fn slots_for_service(
        &self,
        service_id: ServiceId,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<SlotList> {
        let range = Interval::new(from, to)?;
        let (business, service, schedule) = self.schedule_for_service(service_id, range).await?;
        check_service_is_public(&business, &service)?;
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
        // A new booking of a hidden service is answered like one of a missing service.
        check_service_is_public(&business, &service)?;
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
}
