//! What moving, shrinking or deleting an availability window does to the reservations it
//! holds (issue 17 item 4): which reservations a change displaces, and what the owner may say
//! to do with them.
//!
//! A change that displaces reservations changes nothing unless the request says what to do
//! with them ([`HeldReservations`]): without it the use case answers
//! [`Error::WindowHoldsReservations`](crate::Error::WindowHoldsReservations) with the list, so
//! the owner sees who booked before deciding.

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::lifecycle::clean_reason;
use crate::model::Reservation;
use crate::time::{Interval, Timestamp};

/// What to do with the reservations a window change displaces.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum HeldReservations {
    /// Change the window; the reservations keep their time and resource (they stay booked
    /// even though the window no longer covers them).
    Keep,
    /// Cancel each of them on behalf of the business with this reason (the client is
    /// notified), then change the window.
    Cancel {
        /// Why, told to each client: one to 500 characters.
        reason: String,
    },
}

impl HeldReservations {
    /// Checks the decision before anything changes: a cancellation needs a reason
    /// ([`crate::lifecycle::clean_reason`]: field `reason`, `required` when blank, `too_long`
    /// past 500 characters). Returns the decision with its reason cleaned.
    pub fn validate(&self) -> Result<HeldReservations> {
        match self {
            HeldReservations::Keep => Ok(HeldReservations::Keep),
            HeldReservations::Cancel { reason } => Ok(HeldReservations::Cancel {
                reason: clean_reason(Some(reason), true)?.unwrap_or_default(),
            }),
        }
    }
}

/// Displacement rule: a window of a resource changes from `old` to `new` (`None` when it is
/// deleted); a reservation of that resource is displaced when it still holds its slot (pending
/// or confirmed), has not ended at `now`, overlaps `old`, and is not wholly inside `new`. The
/// appointment's own time counts, not its buffers. Reservations of other resources are never
/// displaced.
pub fn is_displaced(
    reservation: &Reservation,
    old: &Interval,
    new: Option<&Interval>,
    now: Timestamp,
) -> bool {
    reservation.status.is_active()
        && reservation.interval.end() > now
        && reservation.interval.overlaps(old)
        && new.is_none_or(|n| !n.contains(&reservation.interval))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn iv(a: &str, b: &str) -> Interval {
        Interval::new(ts(a), ts(b)).unwrap()
    }

    fn reservation(start: &str, end: &str, status: ReservationStatus) -> Reservation {
        let id = Uuid::from_u128(1);
        Reservation {
            id: ReservationId(id),
            business_id: BusinessId(id),
            client_id: ClientId(id),
            service_id: ServiceId(id),
            resource_id: ResourceId(id),
            interval: iv(start, end),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            status,
            price: Money {
                amount_minor: 0,
                currency: Currency::parse("EUR").unwrap(),
            },
            reschedule_count: 0,
            history: vec![],
            created_at: ts("2026-06-01T00:00:00Z"),
        }
    }

    const NOW: &str = "2026-06-08T07:00:00Z";

    #[test]
    fn shrinking_displaces_only_what_leaves_the_window() {
        let old = iv("2026-06-08T09:00:00Z", "2026-06-08T17:00:00Z");
        let new = iv("2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z");
        let inside = reservation(
            "2026-06-08T11:00:00Z",
            "2026-06-08T12:00:00Z",
            ReservationStatus::Confirmed,
        );
        let across = reservation(
            "2026-06-08T11:30:00Z",
            "2026-06-08T12:30:00Z",
            ReservationStatus::Pending,
        );
        let after = reservation(
            "2026-06-08T15:00:00Z",
            "2026-06-08T16:00:00Z",
            ReservationStatus::Confirmed,
        );
        let now = ts(NOW);
        assert!(!is_displaced(&inside, &old, Some(&new), now));
        assert!(is_displaced(&across, &old, Some(&new), now));
        assert!(is_displaced(&after, &old, Some(&new), now));
        assert!(is_displaced(&inside, &old, None, now));
    }

    #[test]
    fn finished_cancelled_and_outside_reservations_are_never_displaced() {
        let old = iv("2026-06-08T05:00:00Z", "2026-06-08T17:00:00Z");
        let now = ts(NOW);
        let over = reservation(
            "2026-06-08T05:00:00Z",
            "2026-06-08T06:00:00Z",
            ReservationStatus::Confirmed,
        );
        let cancelled = reservation(
            "2026-06-08T10:00:00Z",
            "2026-06-08T11:00:00Z",
            ReservationStatus::CancelledByClient,
        );
        let elsewhere = reservation(
            "2026-06-08T18:00:00Z",
            "2026-06-08T19:00:00Z",
            ReservationStatus::Confirmed,
        );
        for r in [over, cancelled, elsewhere] {
            assert!(!is_displaced(&r, &old, None, now), "{r:?}");
        }
    }

    #[test]
    fn a_cancellation_needs_a_short_reason() {
        let code = |h: HeldReservations| match h.validate() {
            Err(crate::Error::Validation { errors }) => {
                Some((errors[0].field.clone(), errors[0].code.clone()))
            }
            Ok(_) => None,
            Err(e) => panic!("{e:?}"),
        };
        assert_eq!(code(HeldReservations::Keep), None);
        assert_eq!(
            code(HeldReservations::Cancel {
                reason: " \t".into()
            }),
            Some(("reason".into(), "required".into()))
        );
        assert_eq!(
            code(HeldReservations::Cancel {
                reason: "é".repeat(crate::lifecycle::MAX_REASON_CHARS + 1)
            }),
            Some(("reason".into(), "too_long".into()))
        );
        assert_eq!(
            HeldReservations::Cancel {
                reason: " closed for works ".into()
            }
            .validate()
            .unwrap(),
            HeldReservations::Cancel {
                reason: "closed for works".into()
            }
        );
    }

    #[test]
    fn the_decision_reads_from_json() {
        let keep: HeldReservations = serde_json::from_str(r#"{"action":"keep"}"#).unwrap();
        assert_eq!(keep, HeldReservations::Keep);
        let cancel: HeldReservations =
            serde_json::from_str(r#"{"action":"cancel","reason":"closed"}"#).unwrap();
        assert_eq!(
            cancel,
            HeldReservations::Cancel {
                reason: "closed".into()
            }
        );
        assert!(serde_json::from_str::<HeldReservations>(r#"{"action":"move"}"#).is_err());
    }

    proptest! {
        /// A reservation wholly inside the new window is never displaced, and one the change
        /// does displace overlapped the old window.
        #[test]
        fn displacement_is_exactly_leaving_the_new_window(
            old_start in 0i64..200, old_len in 1i64..200,
            new_start in 0i64..200, new_len in 1i64..200,
            r_start in 0i64..400, r_len in 1i64..50,
        ) {
            let base = ts("2026-06-08T08:00:00Z");
            let at = |m: i64| base.add_secs(m * 60);
            let old = Interval::new(at(old_start), at(old_start + old_len)).unwrap();
            let new = Interval::new(at(new_start), at(new_start + new_len)).unwrap();
            let mut r = reservation("2026-06-08T08:00:00Z", "2026-06-08T09:00:00Z",
                ReservationStatus::Confirmed);
            r.interval = Interval::new(at(r_start), at(r_start + r_len)).unwrap();
            let displaced = is_displaced(&r, &old, Some(&new), ts(NOW));
            prop_assert_eq!(displaced, r.interval.overlaps(&old) && !new.contains(&r.interval));
            prop_assert!(!displaced || is_displaced(&r, &old, None, ts(NOW)));
        }
    }
}
