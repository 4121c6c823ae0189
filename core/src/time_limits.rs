//! The time-limit rule of a booking: not in the past, not before the minimum notice, not
//! beyond the booking horizon.
//!
//! This module owns that one rule, [`check_time_limits`], and the two bounds it reads from a
//! service's [`SlotRules`] ([`TimeLimits`]). Slot computation ([`crate::slots`]) and booking
//! validation ([`crate::booking`], through [`crate::slots::check_slot`]) both call it, so a
//! time offered as a slot and a time accepted for booking are refused for the same reasons.
//! `now` is always an argument: the rule never reads the clock.

use crate::error::{Error, Result};
use crate::model::SlotRules;
use crate::time::{DAY, MINUTE, Timestamp};

/// The notice and horizon of a service, in seconds: how long before a start a booking must be
/// made at the latest (minimum notice, `min_notice_minutes`) and how far ahead it may be made
/// at most (booking horizon, `horizon_days`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct TimeLimits {
    /// Minimum notice: a start earlier than `now + notice_secs` is refused.
    pub notice_secs: i64,
    /// Booking horizon: a start later than `now + horizon_secs` is refused.
    pub horizon_secs: i64,
}

impl TimeLimits {
    /// The limits of a service's timing rules.
    pub fn of(rules: &SlotRules) -> Self {
        Self {
            notice_secs: i64::from(rules.min_notice_minutes) * MINUTE,
            horizon_secs: i64::from(rules.horizon_days) * DAY,
        }
    }

    /// The earliest start the minimum notice allows at `now`.
    pub fn earliest(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_secs(now.secs() + self.notice_secs)
    }

    /// The latest start the booking horizon allows at `now` (saturating, never overflowing).
    pub fn latest(&self, now: Timestamp) -> Timestamp {
        Timestamp::from_secs(now.secs().saturating_add(self.horizon_secs))
    }
}

/// The time-limit rule (past, minimum notice, booking horizon): an appointment starting at
/// `start` may be booked at `now` only when `start` is not before `now`, not before
/// `now + notice` and not after `now + horizon`. The checks run in that order, so a start in
/// the past is [`Error::SlotInPast`] (`SLOT_IN_PAST`) even when it is also within the notice,
/// a start too soon is [`Error::MinimumNotice`] (`MINIMUM_NOTICE`, naming the earliest
/// allowed start) and a start too far ahead is [`Error::BeyondHorizon`]
/// (`BEYOND_BOOKING_HORIZON`, naming the latest allowed start). Both bounds are inclusive: a
/// start exactly at `now + notice` or at `now + horizon` passes.
///
/// ```
/// use rdv_core::time_limits::{TimeLimits, check_time_limits};
/// use rdv_core::{ErrorCode, Timestamp};
///
/// let limits = TimeLimits { notice_secs: 3600, horizon_secs: 86_400 };
/// let now = Timestamp::from_secs(1_000_000);
/// assert!(check_time_limits(limits, now.add_secs(3600), now).is_ok());
/// let too_soon = check_time_limits(limits, now.add_secs(60), now).unwrap_err();
/// assert_eq!(too_soon.code(), ErrorCode::MinimumNotice);
/// ```
pub fn check_time_limits(limits: TimeLimits, start: Timestamp, now: Timestamp) -> Result<()> {
    if start < now {
        return Err(Error::SlotInPast { start, now });
    }
    if start < limits.earliest(now) {
        return Err(Error::MinimumNotice {
            earliest: limits.earliest(now),
        });
    }
    if start > limits.latest(now) {
        return Err(Error::BeyondHorizon {
            latest: limits.latest(now),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorCode;

    const NOW: Timestamp = Timestamp::from_secs(1_780_000_000);
    const LIMITS: TimeLimits = TimeLimits {
        notice_secs: 2 * 3600,
        horizon_secs: 30 * DAY,
    };

    fn code(start: Timestamp) -> Option<ErrorCode> {
        check_time_limits(LIMITS, start, NOW)
            .err()
            .map(|e| e.code())
    }

    #[test]
    fn past_notice_and_horizon_are_refused_with_their_codes() {
        assert_eq!(code(NOW.add_secs(-1)), Some(ErrorCode::SlotInPast));
        assert_eq!(code(NOW), Some(ErrorCode::MinimumNotice));
        assert_eq!(
            code(NOW.add_secs(2 * 3600 - 1)),
            Some(ErrorCode::MinimumNotice)
        );
        assert_eq!(
            code(NOW.add_secs(2 * 3600)),
            None,
            "the notice bound is inclusive"
        );
        assert_eq!(
            code(NOW.add_secs(30 * DAY)),
            None,
            "the horizon bound is inclusive"
        );
        assert_eq!(
            code(NOW.add_secs(30 * DAY + 1)),
            Some(ErrorCode::BeyondBookingHorizon)
        );
    }

    #[test]
    fn errors_name_the_bound_that_was_crossed() {
        assert_eq!(
            check_time_limits(LIMITS, NOW.add_secs(60), NOW),
            Err(Error::MinimumNotice {
                earliest: NOW.add_secs(2 * 3600)
            })
        );
        assert_eq!(
            check_time_limits(LIMITS, NOW.add_secs(31 * DAY), NOW),
            Err(Error::BeyondHorizon {
                latest: NOW.add_secs(30 * DAY)
            })
        );
        assert_eq!(
            check_time_limits(LIMITS, NOW.add_secs(-5), NOW),
            Err(Error::SlotInPast {
                start: NOW.add_secs(-5),
                now: NOW
            })
        );
    }

    #[test]
    fn limits_come_from_the_service_rules() {
        let mut rules = SlotRules::simple(30);
        rules.min_notice_minutes = 90;
        rules.horizon_days = 7;
        assert_eq!(
            TimeLimits::of(&rules),
            TimeLimits {
                notice_secs: 90 * 60,
                horizon_secs: 7 * DAY
            }
        );
    }

    #[test]
    fn a_huge_horizon_saturates_instead_of_overflowing() {
        let limits = TimeLimits {
            notice_secs: 0,
            horizon_secs: i64::MAX,
        };
        assert_eq!(limits.latest(NOW), Timestamp::from_secs(i64::MAX));
        assert!(check_time_limits(limits, NOW.add_secs(400 * DAY), NOW).is_ok());
    }

    proptest! {
        /// Invariant: a start passes exactly when it lies in
        /// `[max(now, now + notice), now + horizon]`, and a refusal names the first limit
        /// crossed in the order past, notice, horizon.
        #[test]
        fn a_start_passes_exactly_inside_the_bounds(
            offset in -10 * DAY..400 * DAY,
            notice_minutes in 0u32..20_000,
            horizon_days in 0u32..366,
        ) {
            let limits = TimeLimits {
                notice_secs: i64::from(notice_minutes) * MINUTE,
                horizon_secs: i64::from(horizon_days) * DAY,
            };
            let start = NOW.add_secs(offset);
            let expected = if offset < 0 {
                Some(ErrorCode::SlotInPast)
            } else if offset < limits.notice_secs {
                Some(ErrorCode::MinimumNotice)
            } else if offset > limits.horizon_secs {
                Some(ErrorCode::BeyondBookingHorizon)
            } else {
                None
            };
            let got = check_time_limits(limits, start, NOW).err().map(|e| e.code());
            prop_assert_eq!(got, expected);
        }

        /// Invariant: only the distance from `now` to the start counts: moving both by the same
        /// amount never changes the answer's code.
        #[test]
        fn the_answer_depends_only_on_the_distance_to_now(
            offset in -DAY..100 * DAY,
            shift in -1_000 * DAY..1_000 * DAY,
        ) {
            let later = NOW.add_secs(shift);
            let a = check_time_limits(LIMITS, NOW.add_secs(offset), NOW);
            let b = check_time_limits(LIMITS, later.add_secs(offset), later);
            prop_assert_eq!(a.err().map(|e| e.code()), b.err().map(|e| e.code()));
        }
    }
}
