//! The rules of a business's resources (staff members, rooms): working hours inside the
//! business's opening hours, what deactivating one means for the reservations it holds, and
//! when one may be deleted (issue 17 item 3; BIZ-3, VAL-2, PERM-1).
//!
//! * **Working hours** ([`validate_working_hours`]) are weekly ranges like opening hours, each
//!   inside the business's opening hours of its weekday (a stylist who works Tuesday to
//!   Saturday). `None` means the business's opening hours. Slots and bookings intersect them
//!   with the opening hours and the resource's windows ([`crate::slots`]), so a time outside
//!   them is refused exactly like one outside the opening hours.
//! * **Deactivation.** An inactive resource takes no new bookings: the schedule snapshot
//!   leaves it out ([`crate::slots::Schedule::for_service`]), and a booking that names it is
//!   refused with [`Error::ResourceInactive`]. The reservations it still holds
//!   ([`holds`]) are listed to the owner, who decides for each one ([`ReservationDecision`]):
//!   keep it, cancel it with a reason (the client is told), or move it to another free
//!   resource of the same service at the same time ([`apply_move`]; the client is told).
//! * **Deletion** is allowed only when the resource holds no reservation that has not ended
//!   ([`Error::ResourceHasReservations`]) and is not the only resource of a service
//!   ([`services_left_without`], [`Error::LastResourceOfService`]). The resource is then
//!   hidden from every read and taken out of its services, and its windows that had not
//!   started are removed; its row stays so that past reservations, their history and the
//!   statistics still name it.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldErrors, Result};
use crate::hours::{OpeningHours, TimeRange};
use crate::lifecycle::clean_reason;
use crate::model::{
    Actor, Reservation, ReservationId, ResourceId, Service, ServiceId, TransitionRecord,
};
use crate::time::Timestamp;

/// Most decisions one deactivation request may carry.
pub const MAX_DECISIONS: usize = 500;

const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// Working-hours rule: `working` is valid opening hours (sorted, non-overlapping ranges, at
/// most 12 a day) and every range lies inside the business's opening hours of the same
/// weekday (touching business ranges count as one). Every offending range is reported by
/// path: `working_hours.tuesday[0]` with code `outside_opening_hours`; malformed days as
/// [`OpeningHours::validate`] reports them, under `working_hours.`.
///
/// ```
/// use rdv_core::hours::{OpeningHours, TimeRange};
/// use rdv_core::resources::validate_working_hours;
///
/// let nine_to_seven = [TimeRange::parse("09:00", "19:00").unwrap()];
/// let business = OpeningHours::same_every_day(&nine_to_seven, &[0, 1, 2, 3, 4, 5]);
/// let tuesday_to_saturday = OpeningHours::same_every_day(&nine_to_seven, &[1, 2, 3, 4, 5]);
/// assert!(validate_working_hours(&business, &tuesday_to_saturday).is_ok());
///
/// let on_sunday = OpeningHours::same_every_day(&nine_to_seven, &[6]);
/// let err = validate_working_hours(&business, &on_sunday).unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "working_hours.sunday[0]");
/// assert_eq!(err.field_errors()[0].code, "outside_opening_hours");
/// ```
pub fn validate_working_hours(business: &OpeningHours, working: &OpeningHours) -> Result<()> {
    let mut errors = FieldErrors::new();
    if let Err(e) = working.validate() {
        for mut field in e.field_errors().iter().cloned() {
            if let Some(rest) = field.field.strip_prefix("opening_hours") {
                field.field = format!("working_hours{rest}");
            }
            errors.add(field.field, &field.code, field.message);
        }
    }
    for (d, name) in DAYS.iter().enumerate() {
        let open = merged(business.day(d as u8));
        for (i, range) in working.day(d as u8).iter().enumerate() {
            if !open
                .iter()
                .any(|&(start, end)| start <= range.start && range.end <= end)
            {
                errors.add(
                    format!("working_hours.{name}[{i}]"),
                    "outside_opening_hours",
                    format!(
                        "{name} range {}–{} is outside the business's opening hours",
                        range.start, range.end
                    ),
                );
            }
        }
    }
    errors.finish(())
}

/// A day's ranges with touching ones joined, as (start, end) pairs.
fn merged(ranges: &[TimeRange]) -> Vec<(crate::hours::WallTime, crate::hours::WallTime)> {
    let mut out: Vec<(crate::hours::WallTime, crate::hours::WallTime)> = Vec::new();
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| r.start);
    for r in sorted {
        match out.last_mut() {
            Some(last) if r.start <= last.1 => last.1 = last.1.max(r.end),
            _ => out.push((r.start, r.end)),
        }
    }
    out
}

/// Holding rule: a reservation still holds `resource` at `now` when it is on that resource,
/// still holds its slot (pending or confirmed) and has not ended. These are the reservations
/// a deactivation lists and a deletion refuses.
pub fn holds(reservation: &Reservation, resource: ResourceId, now: Timestamp) -> bool {
    reservation.resource_id == resource
        && reservation.status.is_active()
        && reservation.interval.end() > now
}

/// What the owner decides for one reservation of a resource being deactivated.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReservationDecision {
    /// Nothing changes: the reservation stays on the deactivated resource.
    Keep {
        /// The reservation.
        reservation_id: ReservationId,
    },
    /// Cancel it on behalf of the business; the client is told the reason.
    Cancel {
        /// The reservation.
        reservation_id: ReservationId,
        /// Why, told to the client: one to 500 characters.
        reason: String,
    },
    /// Move it to another active resource of the same service, free at the same time; the
    /// client is told.
    Move {
        /// The reservation.
        reservation_id: ReservationId,
        /// The resource that takes it over.
        to_resource_id: ResourceId,
    },
}

impl ReservationDecision {
    /// The reservation the decision is about.
    pub fn reservation_id(&self) -> ReservationId {
        match self {
            ReservationDecision::Keep { reservation_id }
            | ReservationDecision::Cancel { reservation_id, .. }
            | ReservationDecision::Move { reservation_id, .. } => *reservation_id,
        }
    }

    /// Which decision it is.
    pub fn kind(&self) -> DecisionKind {
        match self {
            ReservationDecision::Keep { .. } => DecisionKind::Keep,
            ReservationDecision::Cancel { .. } => DecisionKind::Cancel,
            ReservationDecision::Move { .. } => DecisionKind::Move,
        }
    }
}

/// Decisions rule, checked before anything changes: at most [`MAX_DECISIONS`]
/// (`decisions`, `too_many`), one per reservation (`decisions[i].reservation_id`,
/// `duplicate`), and a cancellation needs a reason ([`clean_reason`]:
/// `decisions[i].reason`, `required` or `too_long`). Returns them with their reasons cleaned.
pub fn validate_decisions(decisions: &[ReservationDecision]) -> Result<Vec<ReservationDecision>> {
    let mut errors = FieldErrors::new();
    if decisions.len() > MAX_DECISIONS {
        errors.add(
            "decisions",
            "too_many",
            format!(
                "decisions holds {} items, at most {MAX_DECISIONS} are allowed",
                decisions.len()
            ),
        );
        return errors.finish(Vec::new());
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(decisions.len());
    for (i, decision) in decisions.iter().enumerate() {
        if !seen.insert(decision.reservation_id()) {
            errors.add(
                format!("decisions[{i}].reservation_id"),
                "duplicate",
                "decisions must name each reservation at most once",
            );
        }
        match decision {
            ReservationDecision::Cancel {
                reservation_id,
                reason,
            } => match clean_reason(Some(reason), true) {
                Ok(reason) => out.push(ReservationDecision::Cancel {
                    reservation_id: *reservation_id,
                    reason: reason.unwrap_or_default(),
                }),
                Err(e) => errors.absorb(&format!("decisions[{i}]."), e),
            },
            other => out.push(other.clone()),
        }
    }
    errors.finish(out)
}

/// Which decision an outcome reports.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionKind {
    /// [`ReservationDecision::Keep`].
    Keep,
    /// [`ReservationDecision::Cancel`].
    Cancel,
    /// [`ReservationDecision::Move`].
    Move,
}

/// What became of one decision: applied, with the reservation as it now stands, or refused
/// with the code and reason (the other decisions still apply).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DecisionOutcome {
    /// The reservation.
    pub reservation_id: ReservationId,
    /// The decision.
    pub action: DecisionKind,
    /// Whether it was applied.
    pub applied: bool,
    /// The reservation after the decision, when applied.
    pub reservation: Option<Reservation>,
    /// The stable code of the refusal ([`crate::ErrorCode`]), when refused.
    pub code: Option<String>,
    /// Why it was refused.
    pub message: Option<String>,
}

impl DecisionOutcome {
    /// The outcome of `decision` from the result of applying it.
    pub fn of(decision: &ReservationDecision, result: Result<Reservation>) -> Self {
        let (applied, reservation, code, message) = match result {
            Ok(r) => (true, Some(r), None, None),
            Err(e) => (
                false,
                None,
                Some(e.code().as_str().to_owned()),
                Some(e.to_string()),
            ),
        };
        Self {
            reservation_id: decision.reservation_id(),
            action: decision.kind(),
            applied,
            reservation,
            code,
            message,
        }
    }
}

/// Moving rule, for a reservation the business moves to another resource at the same time:
/// it must still hold its slot and not have ended (else `INVALID_STATUS_TRANSITION`), and the
/// target must be another resource of its service (else `RESOURCE_NOT_ELIGIBLE`, or a field
/// error on `to_resource_id` for its own resource). Records the move in the history (status
/// kept, actor business) and changes the resource; the reschedule count, which limits the
/// client, does not change. Whether the target is free is the slot rules'
/// ([`crate::slots::check_move`]) and, atomically, the store's.
pub fn apply_move(
    reservation: &mut Reservation,
    service: &Service,
    to: ResourceId,
    now: Timestamp,
) -> Result<()> {
    if !reservation.status.is_active() || reservation.interval.end() <= now {
        return Err(Error::InvalidStatusTransition {
            from: reservation.status.to_string(),
            to: reservation.status.to_string(),
        });
    }
    if to == reservation.resource_id {
        return Err(Error::field(
            "to_resource_id",
            "same_resource",
            "to_resource_id must differ from the reservation's resource",
        ));
    }
    if !service.resource_ids.contains(&to) {
        return Err(Error::ResourceNotEligible);
    }
    reservation.history.push(TransitionRecord {
        from: Some(reservation.status),
        to: reservation.status,
        actor: Actor::Business,
        at: now,
        reason: Some(format!(
            "moved from resource {} to resource {to}",
            reservation.resource_id
        )),
    });
    reservation.resource_id = to;
    Ok(())
}

/// The services that `resource` alone performs among `services`: deleting it would leave
/// them with none, so the deletion is refused while this is not empty.
pub fn services_left_without(resource: ResourceId, services: &[Service]) -> Vec<ServiceId> {
    services
        .iter()
        .filter(|s| s.resource_ids.iter().all(|&r| r == resource) && !s.resource_ids.is_empty())
        .map(|s| s.id)
        .collect()
}

#[cfg(test)]
mod tests;
