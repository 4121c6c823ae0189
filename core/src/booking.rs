//! Booking validation (RES-3, VAL-1, VAL-2, PERM-2, PERM-3): turns a [`BookingRequest`] into a
//! [`ValidBooking`] or the typed reason it is refused, and the capacity rule that storage
//! backends enforce atomically when they insert.
//!
//! Checks run in this order, so the first error is the most fundamental one: the business is
//! validated, the service is active, the resource performs the service and takes bookings
//! (the schedule snapshot leaves deactivated resources out), then the time itself
//! ([`crate::slots::check_slot`]: past, notice, horizon, availability, opening hours, grid,
//! closures, other reservations, seats), and finally the client holds no other active
//! reservation at an overlapping time.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{Business, ClientId, Money, Reservation, ResourceId, Service, ServiceId};
use crate::slots::{Schedule, check_slot};
use crate::time::{Interval, Timestamp};

/// What a client asks for.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "service_id": "0196f1a2-4c5d-7e6f-8a70-8192a3b4c5d6",
    "resource_id": "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6",
    "start": "2026-04-20T08:30:00Z"
}))))]
pub struct BookingRequest {
    /// The service.
    pub service_id: ServiceId,
    /// A specific resource, or `None` for the first free one in the service's order.
    #[serde(default)]
    pub resource_id: Option<ResourceId>,
    /// Requested start.
    pub start: Timestamp,
}

/// A booking that passed every rule at `now`; only this type can become a reservation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidBooking {
    /// The client.
    pub client_id: ClientId,
    /// The service.
    pub service_id: ServiceId,
    /// The chosen resource.
    pub resource_id: ResourceId,
    /// The appointment.
    pub interval: Interval,
    /// Seats left before this booking.
    pub seats_left: u32,
    /// Price snapshot.
    pub price: Money,
    /// Buffers snapshot.
    pub buffer_before_minutes: u32,
    /// Buffers snapshot.
    pub buffer_after_minutes: u32,
}

/// Validates a booking request against the business, the service, the service's schedule
/// snapshot and the client's other active reservations (`client_busy`).
pub fn validate_booking(
    business: &Business,
    service: &Service,
    schedule: &Schedule,
    client_id: ClientId,
    client_busy: &[Interval],
    request: &BookingRequest,
    now: Timestamp,
) -> Result<ValidBooking> {
    if !business.status.is_public() {
        return Err(Error::BusinessNotValidated);
    }
    if service.id != request.service_id || service.business_id != business.id {
        return Err(Error::NotFound {
            entity: crate::error::Entity::Service,
        });
    }
    if !service.active {
        return Err(Error::ServiceInactive);
    }
    // The snapshot holds the service's resources that take bookings: one it leaves out is
    // deactivated ([`crate::resources`]).
    let takes_bookings = |id: &ResourceId| schedule.resources.iter().any(|r| r.resource_id == *id);
    let candidates: Vec<ResourceId> = match request.resource_id {
        Some(id) if !service.resource_ids.contains(&id) => return Err(Error::ResourceNotEligible),
        Some(id) if !takes_bookings(&id) => return Err(Error::ResourceInactive),
        Some(id) => vec![id],
        None => service
            .resource_ids
            .iter()
            .filter(|id| takes_bookings(id))
            .copied()
            .collect(),
    };
    if candidates.is_empty() {
        return Err(if service.resource_ids.is_empty() {
            Error::ResourceNotEligible
        } else {
            Error::ResourceInactive
        });
    }
    let interval = Interval::starting_at(request.start, service.rules.duration_minutes)?;
    let mut first_error = None;
    for resource_id in candidates {
        match check_slot(schedule, resource_id, request.start, now) {
            Ok(seats_left) => {
                if client_busy.iter().any(|b| b.overlaps(&interval)) {
                    return Err(Error::ClientDoubleBooked);
                }
                return Ok(ValidBooking {
                    client_id,
                    service_id: service.id,
                    resource_id,
                    interval,
                    seats_left,
                    price: service.price,
                    buffer_before_minutes: service.rules.buffer_before_minutes,
                    buffer_after_minutes: service.rules.buffer_after_minutes,
                });
            }
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or(Error::ResourceNotEligible))
}

/// The service's resources after `chosen`, in the service's order, on which `start` is also a
/// free slot in the schedule snapshot: where a booking without a requested resource may go
/// instead when a concurrent booking takes `chosen` first (the store tries them in this order,
/// [`crate::ports::ReservationStore::insert_on_first_free`]).
pub fn other_free_resources(
    service: &Service,
    schedule: &Schedule,
    chosen: ResourceId,
    start: Timestamp,
    now: Timestamp,
) -> Vec<ResourceId> {
    service
        .resource_ids
        .iter()
        .skip_while(|id| **id != chosen)
        .skip(1)
        .filter(|id| check_slot(schedule, **id, start, now).is_ok())
        .copied()
        .collect()
}

/// The capacity rule between a new (or moved) reservation and an existing one of the same
/// resource, as every storage backend must enforce it atomically: `Some(error)` when the
/// existing one forbids the new one, ignoring seats. Reservations that are not active never
/// conflict. With `seats > 1`, an existing reservation of the same service at exactly the same
/// time does not conflict by itself; [`seats_taken`] counts those.
pub fn resource_conflict(new: &Reservation, existing: &Reservation, seats: u32) -> Option<Error> {
    if existing.id == new.id
        || !existing.status.is_active()
        || existing.resource_id != new.resource_id
    {
        return None;
    }
    if !new
        .blocked_interval()
        .overlaps(&existing.blocked_interval())
    {
        return None;
    }
    if seats > 1 && same_session(new, existing) {
        return None;
    }
    Some(if new.interval.overlaps(&existing.interval) {
        Error::BookingOverlap
    } else {
        Error::BufferConflict
    })
}

fn same_session(a: &Reservation, b: &Reservation) -> bool {
    a.service_id == b.service_id && a.interval == b.interval
}

/// How many active reservations (other than `new` itself) already hold a seat of `new`'s
/// group slot.
pub fn seats_taken<'a>(
    new: &Reservation,
    existing: impl IntoIterator<Item = &'a Reservation>,
) -> u32 {
    existing
        .into_iter()
        .filter(|e| {
            e.id != new.id
                && e.status.is_active()
                && e.resource_id == new.resource_id
                && same_session(new, e)
        })
        .count() as u32
}

/// Whether an existing active reservation of the same client overlaps the new one (RES-3).
pub fn client_conflict(new: &Reservation, existing: &Reservation) -> bool {
    existing.id != new.id
        && existing.client_id == new.client_id
        && existing.status.is_active()
        && existing.interval.overlaps(&new.interval)
}

/// Checks a new or moved reservation against every existing one, as a store does inside its
/// atomic insert: resource overlap and buffers first, then seats, then the client.
pub fn check_capacity<'a>(
    new: &Reservation,
    existing: impl IntoIterator<Item = &'a Reservation> + Clone,
    seats: u32,
) -> Result<()> {
    for e in existing.clone() {
        if let Some(err) = resource_conflict(new, e, seats) {
            return Err(err);
        }
    }
    if seats > 1 && seats_taken(new, existing.clone()) >= seats {
        return Err(Error::SlotFull { seats });
    }
    if existing.into_iter().any(|e| client_conflict(new, e)) {
        return Err(Error::ClientDoubleBooked);
    }
    Ok(())
}
