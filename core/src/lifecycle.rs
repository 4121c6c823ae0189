//! The reservation lifecycle (CORE-6): which status changes exist, who may make them, and
//! when.
//!
//! ```text
//!            confirm (business)           complete / no-show (business, from the start)
//! pending ──────────────────────▶ confirmed ─────────────────────────────▶ completed | no_show
//!    │                                │
//!    └──── cancel ────────────────────┴──▶ cancelled_by_client  (client, until the deadline)
//!                                          cancelled_by_business (business or admin, with a reason)
//! ```
//!
//! Every change appends a [`TransitionRecord`] (who, when, from, to, why), so the history is
//! also the reservation's version: a store accepts an update only when the stored history is
//! exactly one record shorter (optimistic concurrency).
//!
//! Rescheduling moves an active reservation to another time as one step: it counts against the
//! service's `max_reschedules`; a client may only move it before the cancellation deadline, and
//! a confirmed reservation moved by the client goes back to `pending` for the business to
//! confirm again. The new time is checked by [`crate::booking`] like a new booking.

use crate::error::{Error, Result};
use crate::model::{Actor, Reservation, ReservationStatus, Service, TransitionRecord};
use crate::time::{Interval, MINUTE, Timestamp};

/// Longest cancellation reason accepted.
pub const MAX_REASON_CHARS: usize = 500;

/// A status change requested on a reservation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Action {
    /// The business accepts a pending reservation.
    Confirm,
    /// The appointment took place.
    Complete,
    /// The client did not come.
    MarkNoShow,
    /// The client or the business cancels.
    Cancel {
        /// Why (required from the business, optional from the client).
        reason: Option<String>,
    },
}

impl Action {
    fn name(&self) -> &'static str {
        match self {
            Action::Confirm => "confirm",
            Action::Complete => "complete",
            Action::MarkNoShow => "mark as no-show",
            Action::Cancel { .. } => "cancel",
        }
    }
}

/// The last instant at which the client may cancel or move the reservation.
pub fn cancellation_deadline(reservation: &Reservation, service: &Service) -> Timestamp {
    reservation
        .interval
        .start()
        .add_secs(-i64::from(service.cancellation_deadline_minutes) * MINUTE)
}

fn not_allowed(actor: Actor, action: &str) -> Error {
    Error::TransitionNotAllowed {
        actor: actor.to_string(),
        action: action.to_owned(),
    }
}

fn invalid(from: ReservationStatus, to: ReservationStatus) -> Error {
    Error::InvalidStatusTransition {
        from: from.to_string(),
        to: to.to_string(),
    }
}

/// Reason rule: a cancellation reason is trimmed, one to [`MAX_REASON_CHARS`] characters of
/// clean text ([`crate::validation::clean_text`], field `reason`); a blank one counts as none,
/// which is a `required` field error when `required` (the business always gives a reason).
pub fn clean_reason(reason: Option<&str>, required: bool) -> Result<Option<String>> {
    let cleaned = match reason.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(crate::validation::clean_text(
            "reason",
            r,
            MAX_REASON_CHARS,
        )?),
        None => None,
    };
    if required && cleaned.is_none() {
        return Err(Error::field(
            "reason",
            "required",
            "reason is required when the business cancels",
        ));
    }
    Ok(cleaned)
}

/// Decides the status an action leads to, or why it is refused. Pure: changes nothing.
pub fn next_status(
    reservation: &Reservation,
    service: &Service,
    action: &Action,
    actor: Actor,
    now: Timestamp,
) -> Result<ReservationStatus> {
    use ReservationStatus as S;
    let from = reservation.status;
    let start = reservation.interval.start();
    match action {
        Action::Confirm => {
            if !matches!(actor, Actor::Business | Actor::Admin | Actor::System) {
                return Err(not_allowed(actor, action.name()));
            }
            if from != S::Pending {
                return Err(invalid(from, S::Confirmed));
            }
            if now >= reservation.interval.end() {
                return Err(Error::SlotInPast { start, now });
            }
            Ok(S::Confirmed)
        }
        Action::Complete | Action::MarkNoShow => {
            let to = if *action == Action::Complete {
                S::Completed
            } else {
                S::NoShow
            };
            if !matches!(actor, Actor::Business | Actor::Admin | Actor::System) {
                return Err(not_allowed(actor, action.name()));
            }
            if from != S::Confirmed {
                return Err(invalid(from, to));
            }
            if now < start {
                return Err(Error::TransitionTooEarly {
                    action: action.name().to_owned(),
                    earliest: start,
                });
            }
            Ok(to)
        }
        Action::Cancel { reason } => {
            let to = match actor {
                Actor::Client => S::CancelledByClient,
                Actor::Business | Actor::Admin => S::CancelledByBusiness,
                Actor::System => return Err(not_allowed(actor, action.name())),
            };
            if !from.is_active() {
                return Err(invalid(from, to));
            }
            clean_reason(reason.as_deref(), to == S::CancelledByBusiness)?;
            if actor == Actor::Client {
                let deadline = cancellation_deadline(reservation, service);
                if now > deadline {
                    return Err(Error::CancellationDeadlinePassed { deadline });
                }
            } else if now >= reservation.interval.end() {
                return Err(invalid(from, to));
            }
            Ok(to)
        }
    }
}

/// Applies an action: checks it with [`next_status`], then sets the status and appends the
/// history record.
pub fn apply(
    reservation: &mut Reservation,
    service: &Service,
    action: &Action,
    actor: Actor,
    now: Timestamp,
) -> Result<()> {
    let to = next_status(reservation, service, action, actor, now)?;
    let reason = match action {
        Action::Cancel { reason } => clean_reason(reason.as_deref(), false)?,
        _ => None,
    };
    reservation.history.push(TransitionRecord {
        from: Some(reservation.status),
        to,
        actor,
        at: now,
        reason,
    });
    reservation.status = to;
    Ok(())
}

/// Checks that a reservation may be moved by `actor` at `now` (status, reschedule count,
/// client deadline). The new time itself is checked by [`crate::booking`].
pub fn check_reschedule(
    reservation: &Reservation,
    service: &Service,
    actor: Actor,
    now: Timestamp,
) -> Result<()> {
    if actor == Actor::System {
        return Err(not_allowed(actor, "reschedule"));
    }
    if !reservation.status.is_active() {
        return Err(invalid(reservation.status, reservation.status));
    }
    // The limit is the client's policy: the business may move an appointment as often as
    // it needs to.
    if actor == Actor::Client && reservation.reschedule_count >= service.max_reschedules {
        return Err(Error::RescheduleLimitReached {
            max: service.max_reschedules,
        });
    }
    if actor == Actor::Client {
        let deadline = cancellation_deadline(reservation, service);
        if now > deadline {
            return Err(Error::CancellationDeadlinePassed { deadline });
        }
    }
    Ok(())
}

/// Longest archiving delay a deployment may set, in days (ten years).
pub const MAX_ARCHIVE_AFTER_DAYS: u32 = 3650;

/// Archiving rule (PERF-5): a reservation moves to the archive once it ended more than
/// `after_days` days (1 to [`MAX_ARCHIVE_AFTER_DAYS`]) before `now`; the answer is that
/// cut-off. Another delay is a field error on `archive_after_days` (`out_of_range`).
pub fn archive_cutoff(now: Timestamp, after_days: u32) -> Result<Timestamp> {
    if after_days == 0 || after_days > MAX_ARCHIVE_AFTER_DAYS {
        return Err(Error::field(
            "archive_after_days",
            "out_of_range",
            format!("archive_after_days must be between 1 and {MAX_ARCHIVE_AFTER_DAYS}"),
        ));
    }
    Ok(now.add_secs(-i64::from(after_days) * crate::time::DAY))
}

/// Moves the reservation to `new_interval` (already validated), counting the reschedule and
/// recording it; a client's move sends a confirmed reservation back to pending.
pub fn apply_reschedule(
    reservation: &mut Reservation,
    service: &Service,
    new_interval: Interval,
    actor: Actor,
    now: Timestamp,
) -> Result<()> {
    check_reschedule(reservation, service, actor, now)?;
    let to = if actor == Actor::Client {
        ReservationStatus::Pending
    } else {
        reservation.status
    };
    reservation.history.push(TransitionRecord {
        from: Some(reservation.status),
        to,
        actor,
        at: now,
        reason: Some(format!(
            "rescheduled from {} to {}",
            reservation.interval.start(),
            new_interval.start()
        )),
    });
    reservation.status = to;
    reservation.interval = new_interval;
    reservation.reschedule_count += 1;
    Ok(())
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::error::ErrorCode;
    use crate::model::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn service() -> Service {
        Service {
            id: ServiceId::from_uuid(Uuid::from_u128(1)),
            business_id: BusinessId::from_uuid(Uuid::from_u128(2)),
            name: "Cut".into(),
            description: String::new(),
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            category: None,
            tags: vec![],
            active: true,
            rules: SlotRules::simple(30),
            resource_ids: vec![],
            cancellation_deadline_minutes: 24 * 60,
            max_reschedules: 1,
        }
    }

    fn reservation(status: ReservationStatus) -> Reservation {
        Reservation {
            id: ReservationId::from_uuid(Uuid::from_u128(3)),
            business_id: BusinessId::from_uuid(Uuid::from_u128(2)),
            client_id: ClientId::from_uuid(Uuid::from_u128(4)),
            service_id: ServiceId::from_uuid(Uuid::from_u128(1)),
            resource_id: ResourceId::from_uuid(Uuid::from_u128(5)),
            interval: Interval::new(ts("2026-06-10T09:00:00Z"), ts("2026-06-10T09:30:00Z"))
                .unwrap(),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            status,
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            reschedule_count: 0,
            history: vec![],
            created_at: ts("2026-06-01T00:00:00Z"),
        }
    }

    const EARLY: &str = "2026-06-05T00:00:00Z";

    fn run(
        status: ReservationStatus,
        action: Action,
        actor: Actor,
        now: &str,
    ) -> std::result::Result<ReservationStatus, ErrorCode> {
        let mut r = reservation(status);
        apply(&mut r, &service(), &action, actor, ts(now)).map_err(|e| e.code())?;
        assert_eq!(r.history.last().unwrap().to, r.status);
        assert_eq!(r.history.last().unwrap().from, Some(status));
        Ok(r.status)
    }

    #[test]
    fn the_business_confirms_a_pending_reservation_and_the_client_cannot() {
        use ReservationStatus::*;
        assert_eq!(
            run(Pending, Action::Confirm, Actor::Business, EARLY),
            Ok(Confirmed)
        );
        assert_eq!(
            run(Pending, Action::Confirm, Actor::Client, EARLY),
            Err(ErrorCode::TransitionNotAllowed)
        );
        assert_eq!(
            run(Confirmed, Action::Confirm, Actor::Business, EARLY),
            Err(ErrorCode::InvalidStatusTransition)
        );
    }

    #[test]
    fn completion_and_no_show_need_a_confirmed_reservation_that_started() {
        use ReservationStatus::*;
        let after = "2026-06-10T09:10:00Z";
        assert_eq!(
            run(Confirmed, Action::Complete, Actor::Business, after),
            Ok(Completed)
        );
        assert_eq!(
            run(Confirmed, Action::MarkNoShow, Actor::Business, after),
            Ok(NoShow)
        );
        assert_eq!(
            run(Confirmed, Action::Complete, Actor::Business, EARLY),
            Err(ErrorCode::TransitionTooEarly)
        );
        assert_eq!(
            run(Pending, Action::Complete, Actor::Business, after),
            Err(ErrorCode::InvalidStatusTransition)
        );
        assert_eq!(
            run(Confirmed, Action::MarkNoShow, Actor::Client, after),
            Err(ErrorCode::TransitionNotAllowed)
        );
    }

    #[test]
    fn the_client_cancels_until_the_deadline_only() {
        use ReservationStatus::*;
        let cancel = || Action::Cancel { reason: None };
        assert_eq!(
            run(Confirmed, cancel(), Actor::Client, "2026-06-09T09:00:00Z"),
            Ok(CancelledByClient)
        );
        assert_eq!(
            run(Confirmed, cancel(), Actor::Client, "2026-06-09T09:00:01Z"),
            Err(ErrorCode::CancellationDeadlinePassed)
        );
        assert_eq!(
            run(CancelledByClient, cancel(), Actor::Client, EARLY),
            Err(ErrorCode::InvalidStatusTransition)
        );
    }

    #[test]
    fn the_business_cancels_with_a_reason_that_is_recorded() {
        let mut r = reservation(ReservationStatus::Confirmed);
        let missing = Action::Cancel {
            reason: Some("  ".into()),
        };
        let err = apply(&mut r, &service(), &missing, Actor::Business, ts(EARLY)).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "reason");
        let with_reason = Action::Cancel {
            reason: Some(" Staff ill ".into()),
        };
        apply(
            &mut r,
            &service(),
            &with_reason,
            Actor::Business,
            ts("2026-06-10T08:59:00Z"),
        )
        .unwrap();
        assert_eq!(r.status, ReservationStatus::CancelledByBusiness);
        let record = r.history.last().unwrap();
        assert_eq!(
            (record.actor, record.reason.as_deref(), record.at),
            (
                Actor::Business,
                Some("Staff ill"),
                ts("2026-06-10T08:59:00Z")
            )
        );
        assert_eq!(
            run(
                ReservationStatus::Confirmed,
                Action::Cancel {
                    reason: Some("x".into())
                },
                Actor::System,
                EARLY
            ),
            Err(ErrorCode::TransitionNotAllowed)
        );
    }

    #[test]
    fn rescheduling_counts_respects_the_deadline_and_asks_for_reconfirmation() {
        let svc = service();
        let mut r = reservation(ReservationStatus::Confirmed);
        let new = Interval::new(ts("2026-06-11T09:00:00Z"), ts("2026-06-11T09:30:00Z")).unwrap();
        apply_reschedule(&mut r, &svc, new, Actor::Client, ts(EARLY)).unwrap();
        assert_eq!(
            (r.interval, r.status, r.reschedule_count),
            (new, ReservationStatus::Pending, 1)
        );
        assert_eq!(
            check_reschedule(&r, &svc, Actor::Client, ts(EARLY)).unwrap_err(),
            Error::RescheduleLimitReached { max: 1 }
        );
        let late = reservation(ReservationStatus::Confirmed);
        assert_eq!(
            check_reschedule(&late, &svc, Actor::Client, ts("2026-06-10T08:00:00Z"))
                .unwrap_err()
                .code(),
            ErrorCode::CancellationDeadlinePassed
        );
        assert!(check_reschedule(&late, &svc, Actor::Business, ts("2026-06-10T08:00:00Z")).is_ok());
        // The business is not bound by the client's reschedule limit.
        assert!(check_reschedule(&r, &svc, Actor::Business, ts(EARLY)).is_ok());
    }

    #[test]
    fn no_action_leaves_a_terminal_status() {
        for status in [
            ReservationStatus::Completed,
            ReservationStatus::NoShow,
            ReservationStatus::CancelledByClient,
            ReservationStatus::CancelledByBusiness,
        ] {
            for action in [
                Action::Confirm,
                Action::Complete,
                Action::MarkNoShow,
                Action::Cancel {
                    reason: Some("x".into()),
                },
            ] {
                for actor in [Actor::Client, Actor::Business, Actor::Admin, Actor::System] {
                    assert!(run(status, action.clone(), actor, "2026-06-10T09:10:00Z").is_err());
                }
            }
        }
    }

    #[test]
    fn archiving_takes_what_ended_more_than_the_delay_ago() {
        let now = Timestamp::from_secs(1_800_000_000);
        assert_eq!(
            archive_cutoff(now, 90).unwrap(),
            Timestamp::from_secs(1_800_000_000 - 90 * 86_400)
        );
        for bad in [0, MAX_ARCHIVE_AFTER_DAYS + 1] {
            let err = archive_cutoff(now, bad).unwrap_err();
            assert_eq!(err.field_errors()[0].field, "archive_after_days");
            assert_eq!(err.field_errors()[0].code, "out_of_range");
        }
        assert!(archive_cutoff(now, MAX_ARCHIVE_AFTER_DAYS).is_ok());
    }
}
