//! The availability window rules (AV-1 to AV-4): how long a window may last and when it may
//! lie (not over, not beyond the longest booking horizon), how many a bulk
//! request may hold, that windows of one resource never overlap (inside a batch and against
//! the stored ones, when a window is created and when it is moved or resized), and the bounds
//! of a recurring series' generation.
//!
//! Each rule is a pure function returning the core's typed [`Error`] with a stable code; the
//! use cases in [`crate::usecases`] run them before calling the store, and the stores re-check
//! overlaps atomically with the write (so a concurrent writer cannot slip in between).

use crate::error::{Error, Result};
use crate::model::AvailabilityWindow;
use crate::overlap::OverlapIndex;
use crate::time::{DAY, Interval, Timestamp};

/// Longest single availability window.
pub const MAX_WINDOW_DAYS: i64 = 31;
/// Most windows in one bulk request (and in one generated recurring series).
pub const MAX_BULK_ITEMS: usize = 500;
/// How far after `now` a recurring series is generated when the request names no end.
pub const DEFAULT_GENERATION_DAYS: i64 = 366;

/// Window length rule: an availability window lasts at most [`MAX_WINDOW_DAYS`] days;
/// a longer one is [`Error::InvalidInterval`] (`INVALID_INTERVAL`). (An [`Interval`] is never
/// empty, so there is no lower bound to check.)
pub fn check_window_length(interval: &Interval) -> Result<()> {
    if interval.duration_secs() > MAX_WINDOW_DAYS * DAY {
        return Err(Error::InvalidInterval {
            reason: format!("an availability window lasts at most {MAX_WINDOW_DAYS} days"),
        });
    }
    Ok(())
}

/// Window period rule: a window must end after `now` (field `end`, code `in_past`: a window
/// that is over offers nothing to book) and start at most `max_horizon_days` days after `now`,
/// the longest booking horizon a service may have (field `start`, code `beyond_horizon`:
/// nobody could ever book it). Both are `VALIDATION_FAILED`.
pub fn check_window_period(
    interval: &Interval,
    now: Timestamp,
    max_horizon_days: u32,
) -> Result<()> {
    if interval.end() <= now {
        return Err(Error::field(
            "end",
            "in_past",
            "an availability window must end in the future",
        ));
    }
    let latest_start = now.add_secs(i64::from(max_horizon_days) * DAY);
    if interval.start() > latest_start {
        return Err(Error::field(
            "start",
            "beyond_horizon",
            format!(
                "an availability window must start within {max_horizon_days} days, the longest booking horizon"
            ),
        ));
    }
    Ok(())
}

/// Bulk size rule: a bulk request holds 1 to [`MAX_BULK_ITEMS`] windows; anything else is a
/// field error on `items` (`VALIDATION_FAILED`, field code `out_of_range`).
pub fn check_batch_size(len: usize) -> Result<()> {
    if len == 0 || len > MAX_BULK_ITEMS {
        return Err(Error::field(
            "items",
            "out_of_range",
            format!("items must hold 1 to {MAX_BULK_ITEMS} windows"),
        ));
    }
    Ok(())
}

/// No overlap inside a batch (AV-2, AV-4): two windows of one request for the same resource
/// may not overlap. Returns one result per window, in order: a window that overlaps an
/// *earlier* window of the batch for the same resource is [`Error::AvailabilityOverlap`]
/// (`AVAILABILITY_OVERLAP`) naming the first such item as `items[j]`; the earlier one itself
/// stays `Ok`, so a report blames each clash once. Windows of different resources never
/// clash. Runs in O(n log n + k) through the interval index, not O(n²).
pub fn check_batch_overlaps(windows: &[AvailabilityWindow]) -> Vec<Result<()>> {
    let index: OverlapIndex<usize> = windows
        .iter()
        .enumerate()
        .map(|(i, w)| (w.interval, i))
        .collect();
    windows
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let earlier = index
                .overlapping(w.interval)
                .map(|(_, &j)| j)
                .filter(|&j| j < i && windows[j].resource_id == w.resource_id)
                .min();
            match earlier {
                Some(j) => Err(Error::AvailabilityOverlap {
                    existing: format!("items[{j}]"),
                }),
                None => Ok(()),
            }
        })
        .collect()
}

/// No overlap with the stored windows (AV-4), for a new window and for a moved or resized
/// one alike: `window` may not overlap any window of `existing` that belongs to the same
/// resource, except itself (a window with the same id, i.e. the one being moved). The first
/// clash, in the order of `existing`, is [`Error::AvailabilityOverlap`]
/// (`AVAILABILITY_OVERLAP`) naming that window's id. Windows only touching (one ends where
/// the other starts) do not overlap.
pub fn check_no_overlap_with_existing(
    window: &AvailabilityWindow,
    existing: &[AvailabilityWindow],
) -> Result<()> {
    match existing.iter().find(|other| {
        other.id != window.id
            && other.resource_id == window.resource_id
            && other.interval.overlaps(&window.interval)
    }) {
        Some(other) => Err(Error::AvailabilityOverlap {
            existing: other.id.to_string(),
        }),
        None => Ok(()),
    }
}

/// Recurring window length rule (AV-3): each generated window lasts 1 minute to
/// [`MAX_WINDOW_DAYS`] days of wall-clock time; anything else is a field error on
/// `wall_minutes` (`VALIDATION_FAILED`, field code `out_of_range`).
pub fn check_wall_minutes(wall_minutes: u32) -> Result<()> {
    if wall_minutes == 0 || i64::from(wall_minutes) * 60 > MAX_WINDOW_DAYS * DAY {
        return Err(Error::field(
            "wall_minutes",
            "out_of_range",
            format!(
                "wall_minutes must be between 1 and {}",
                MAX_WINDOW_DAYS * 24 * 60
            ),
        ));
    }
    Ok(())
}

/// Recurring generation range (AV-3): occurrences are generated from the series' first start
/// (or from `now`, when the series began earlier: occurrences already over are not generated)
/// up to `generate_until`, or [`DEFAULT_GENERATION_DAYS`] days after `now` when the request
/// names no end. A first start or a `generate_until` more than `max_horizon_days` after `now`
/// is a field error (`first_start` / `generate_until`, code `beyond_horizon`): no window there
/// could ever be booked. The range is never empty: an end at or before its start still
/// generates the first occurrence.
pub fn recurring_generation_range(
    first_start: Timestamp,
    generate_until: Option<Timestamp>,
    now: Timestamp,
    max_horizon_days: u32,
) -> Result<Interval> {
    let latest = now.add_secs(i64::from(max_horizon_days) * DAY);
    let beyond = |field: &str| {
        Error::field(
            field,
            "beyond_horizon",
            format!("{field} must be within {max_horizon_days} days, the longest booking horizon"),
        )
    };
    if first_start > latest {
        return Err(beyond("first_start"));
    }
    if generate_until.is_some_and(|until| until > latest) {
        return Err(beyond("generate_until"));
    }
    let start = first_start.max(now);
    let until = generate_until.unwrap_or(now.add_secs(DEFAULT_GENERATION_DAYS * DAY));
    Interval::new(start, until.max(start.add_secs(1)))
}

/// Recurring expansion bounds (AV-3): a series holds at most [`MAX_BULK_ITEMS`] windows (an
/// expansion the limit cut short, `truncated`, is [`Error::RecurrenceTooLarge`],
/// `RECURRENCE_TOO_LARGE`: shorten the rule with COUNT/UNTIL or `generate_until`) and at
/// least one (an empty one is [`Error::InvalidRecurrence`], `INVALID_RECURRENCE`).
pub fn check_recurring_expansion(generated: usize, truncated: bool) -> Result<()> {
    if truncated {
        return Err(Error::RecurrenceTooLarge {
            limit: MAX_BULK_ITEMS,
        });
    }
    if generated == 0 {
        return Err(Error::InvalidRecurrence {
            reason: "the rule yields no occurrence in the generated range".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::error::ErrorCode;
    use crate::model::{AvailabilityId, BusinessId, ResourceId};

    const T0: i64 = 1_780_000_000;

    fn window(id: u128, resource: u128, start: i64, end: i64) -> AvailabilityWindow {
        AvailabilityWindow {
            id: AvailabilityId::from_uuid(uuid::Uuid::from_u128(id)),
            business_id: BusinessId::from_uuid(uuid::Uuid::from_u128(1)),
            resource_id: ResourceId::from_uuid(uuid::Uuid::from_u128(resource)),
            interval: Interval::new(
                Timestamp::from_secs(T0 + start),
                Timestamp::from_secs(T0 + end),
            )
            .unwrap(),
            series_id: None,
        }
    }

    fn codes(results: &[Result<()>]) -> Vec<Option<ErrorCode>> {
        results
            .iter()
            .map(|r| r.as_ref().err().map(Error::code))
            .collect()
    }

    #[test]
    fn a_window_lasts_at_most_the_maximum() {
        let w = window(1, 1, 0, MAX_WINDOW_DAYS * DAY);
        assert_eq!(check_window_length(&w.interval), Ok(()));
        let w = window(1, 1, 0, MAX_WINDOW_DAYS * DAY + 1);
        assert_eq!(
            check_window_length(&w.interval).unwrap_err().code(),
            ErrorCode::InvalidInterval
        );
    }

    #[test]
    fn a_window_must_end_in_the_future_and_start_within_the_longest_horizon() {
        let now = Timestamp::from_secs(T0);
        let horizon = 730;
        let check = |start: i64, end: i64| {
            check_window_period(&window(1, 1, start, end).interval, now, horizon).map_err(|e| {
                (
                    e.field_errors()[0].field.clone(),
                    e.field_errors()[0].code.clone(),
                )
            })
        };
        let in_past = Err(("end".to_owned(), "in_past".to_owned()));
        let beyond = Err(("start".to_owned(), "beyond_horizon".to_owned()));
        assert_eq!(check(-2 * DAY, -DAY), in_past);
        assert_eq!(check(-DAY, 0), in_past, "ending now is over");
        assert_eq!(check(-DAY, 1), Ok(()), "a window under way may be created");
        assert_eq!(check(DAY, 2 * DAY), Ok(()));
        let last = i64::from(horizon) * DAY;
        assert_eq!(check(last, last + DAY), Ok(()), "starting on the horizon");
        assert_eq!(check(last + 1, last + DAY), beyond);
        // 1900 and December 9999, as the API tester sent them.
        let y1900 = Interval::new(
            "1900-01-01T09:00:00Z".parse().unwrap(),
            "1900-01-01T17:00:00Z".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(
            check_window_period(&y1900, now, horizon)
                .unwrap_err()
                .code(),
            ErrorCode::ValidationFailed
        );
        let y9999 = Interval::new(
            "9999-12-01T09:00:00Z".parse().unwrap(),
            "9999-12-01T17:00:00Z".parse().unwrap(),
        )
        .unwrap();
        assert_eq!(
            check_window_period(&y9999, now, horizon)
                .unwrap_err()
                .field_errors()[0]
                .code,
            "beyond_horizon"
        );
    }

    #[test]
    fn a_batch_holds_one_to_the_maximum_items() {
        assert_eq!(
            check_batch_size(0).unwrap_err().code(),
            ErrorCode::ValidationFailed
        );
        assert_eq!(check_batch_size(1), Ok(()));
        assert_eq!(check_batch_size(MAX_BULK_ITEMS), Ok(()));
        let err = check_batch_size(MAX_BULK_ITEMS + 1).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "items");
    }

    #[test]
    fn batch_overlaps_blame_the_later_item_and_name_the_earlier() {
        let batch = [
            window(1, 1, 0, 100),
            window(2, 1, 50, 150),  // overlaps item 0
            window(3, 2, 0, 100),   // other resource: fine
            window(4, 1, 100, 200), // touches item 0, overlaps item 1
            window(5, 1, 10, 20),   // overlaps items 0 and 1: names item 0
        ];
        let results = check_batch_overlaps(&batch);
        assert_eq!(results[0], Ok(()));
        assert_eq!(
            results[1],
            Err(Error::AvailabilityOverlap {
                existing: "items[0]".into()
            })
        );
        assert_eq!(results[2], Ok(()));
        assert_eq!(
            results[3],
            Err(Error::AvailabilityOverlap {
                existing: "items[1]".into()
            })
        );
        assert_eq!(
            results[4],
            Err(Error::AvailabilityOverlap {
                existing: "items[0]".into()
            })
        );
    }

    #[test]
    fn a_moved_window_ignores_itself_but_not_its_neighbours() {
        let stored = [
            window(1, 1, 0, 100),
            window(2, 1, 200, 300),
            window(3, 2, 100, 200),
        ];
        let within_itself = window(1, 1, 10, 150);
        assert_eq!(
            check_no_overlap_with_existing(&within_itself, &stored),
            Ok(())
        );
        let touching = window(1, 1, 100, 200);
        assert_eq!(check_no_overlap_with_existing(&touching, &stored), Ok(()));
        let onto_neighbour = window(1, 1, 150, 250);
        assert_eq!(
            check_no_overlap_with_existing(&onto_neighbour, &stored),
            Err(Error::AvailabilityOverlap {
                existing: stored[1].id.to_string()
            })
        );
        let new = window(9, 1, 50, 60);
        assert_eq!(
            check_no_overlap_with_existing(&new, &stored)
                .unwrap_err()
                .code(),
            ErrorCode::AvailabilityOverlap
        );
    }

    #[test]
    fn recurring_windows_last_one_minute_to_the_maximum() {
        assert_eq!(
            check_wall_minutes(0).unwrap_err().field_errors()[0].field,
            "wall_minutes"
        );
        assert_eq!(check_wall_minutes(1), Ok(()));
        let max = u32::try_from(MAX_WINDOW_DAYS * 24 * 60).unwrap();
        assert_eq!(check_wall_minutes(max), Ok(()));
        assert_eq!(
            check_wall_minutes(max + 1).unwrap_err().code(),
            ErrorCode::ValidationFailed
        );
    }

    #[test]
    fn generation_defaults_to_a_year_after_now_and_is_never_empty() {
        let (start, now) = (Timestamp::from_secs(T0), Timestamp::from_secs(T0 - DAY));
        let range = recurring_generation_range(start, None, now, 730).unwrap();
        assert_eq!(range.start(), start);
        assert_eq!(range.end(), now.add_secs(DEFAULT_GENERATION_DAYS * DAY));
        let early =
            recurring_generation_range(start, Some(start.add_secs(-DAY)), now, 730).unwrap();
        assert_eq!(early.end(), start.add_secs(1));
    }

    #[test]
    fn generation_skips_what_is_over_and_stops_at_the_longest_horizon() {
        let now = Timestamp::from_secs(T0);
        let began = now.add_secs(-30 * DAY);
        let range = recurring_generation_range(began, None, now, 730).unwrap();
        assert_eq!(
            range.start(),
            now,
            "occurrences already over are not generated"
        );
        let field = |r: Result<Interval>| {
            let e = r.unwrap_err();
            (
                e.field_errors()[0].field.clone(),
                e.field_errors()[0].code.clone(),
            )
        };
        let far = now.add_secs(731 * DAY);
        assert_eq!(
            field(recurring_generation_range(far, None, now, 730)),
            ("first_start".to_owned(), "beyond_horizon".to_owned())
        );
        assert_eq!(
            field(recurring_generation_range(now, Some(far), now, 730)),
            ("generate_until".to_owned(), "beyond_horizon".to_owned())
        );
        let edge = now.add_secs(730 * DAY);
        assert!(recurring_generation_range(now, Some(edge), now, 730).is_ok());
    }

    #[test]
    fn an_expansion_is_refused_when_cut_short_or_empty() {
        assert_eq!(
            check_recurring_expansion(MAX_BULK_ITEMS, true)
                .unwrap_err()
                .code(),
            ErrorCode::RecurrenceTooLarge
        );
        assert_eq!(
            check_recurring_expansion(0, false).unwrap_err().code(),
            ErrorCode::InvalidRecurrence
        );
        assert_eq!(check_recurring_expansion(3, false), Ok(()));
    }

    /// Batches of small windows over two resources, dense enough to clash often.
    fn batch() -> impl Strategy<Value = Vec<AvailabilityWindow>> {
        prop::collection::vec((0u128..2, 0i64..200, 1i64..40), 0..40).prop_map(|items| {
            items
                .into_iter()
                .enumerate()
                .map(|(i, (resource, start, len))| {
                    window(100 + i as u128, resource, start, start + len)
                })
                .collect()
        })
    }

    proptest! {
        /// Invariant: a window is accepted exactly when it ends after now and starts within
        /// the horizon.
        #[test]
        fn the_window_period_rule_is_exactly_its_two_bounds(
            start in -1000 * DAY..1000 * DAY,
            len in 1..40 * DAY,
            horizon in 1u32..800,
        ) {
            let interval = window(1, 1, start, start + len).interval;
            let now = Timestamp::from_secs(T0);
            let expected = start + len > 0 && start <= i64::from(horizon) * DAY;
            prop_assert_eq!(check_window_period(&interval, now, horizon).is_ok(), expected);
        }

        /// Invariant: the indexed batch check blames exactly the windows a brute-force scan
        /// blames, naming the same (first) earlier item.
        #[test]
        fn batch_overlaps_match_a_brute_force_scan(windows in batch()) {
            let expected: Vec<Result<()>> = windows
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    match windows[..i].iter().position(|o| {
                        o.resource_id == w.resource_id && o.interval.overlaps(&w.interval)
                    }) {
                        Some(j) => Err(Error::AvailabilityOverlap {
                            existing: format!("items[{j}]"),
                        }),
                        None => Ok(()),
                    }
                })
                .collect();
            prop_assert_eq!(check_batch_overlaps(&windows), expected);
        }

        /// Invariant: the windows of a batch the check accepts in full never overlap pairwise
        /// on one resource, so they are also accepted one by one against each other as
        /// stored windows.
        #[test]
        fn an_accepted_batch_has_no_overlap_with_itself(windows in batch()) {
            let all_ok = codes(&check_batch_overlaps(&windows)).iter().all(Option::is_none);
            let pairwise = windows
                .iter()
                .all(|w| check_no_overlap_with_existing(w, &windows).is_ok());
            prop_assert_eq!(all_ok, pairwise);
        }

        /// Invariant: moving a window never clashes with its own old place, and a clash with
        /// a stored window is symmetric (if A may not sit beside B, B may not beside A).
        #[test]
        fn the_stored_overlap_rule_ignores_itself_and_is_symmetric(
            windows in batch(),
            start in 0i64..200,
            len in 1i64..40,
        ) {
            prop_assume!(!windows.is_empty());
            let mut moved = windows[0].clone();
            prop_assert_eq!(check_no_overlap_with_existing(&moved, &[moved.clone()]), Ok(()));
            moved.interval = window(0, 0, start, start + len).interval;
            for other in &windows[1..] {
                let a = check_no_overlap_with_existing(&moved, std::slice::from_ref(other)).is_ok();
                let b = check_no_overlap_with_existing(other, std::slice::from_ref(&moved)).is_ok();
                prop_assert_eq!(a, b);
                let apart = other.resource_id != moved.resource_id
                    || !other.interval.overlaps(&moved.interval);
                prop_assert_eq!(a, apart);
            }
        }
    }
}
