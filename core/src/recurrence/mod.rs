//! Recurrence rules (CORE-4, AV-3): this module owns the RFC 5545 `RRULE` subset the engine
//! understands, and the bounded expansion of a rule into UTC instants.
//!
//! * [`RecurrenceRule`] is a parsed, validated `RRULE` value (`FREQ=DAILY|WEEKLY|MONTHLY`,
//!   `INTERVAL`, `COUNT`, `UNTIL`, `WKST`, `BYDAY` — with ordinals such as `1MO` or `-1FR` in
//!   monthly rules — and `BYMONTHDAY`, negative values counting from the month's end). Its
//!   `Display` is the canonical interchange text.
//! * [`Recurrence`] ties a rule to a `DTSTART` given as **wall-clock time in the business's
//!   zone**, plus `EXDATE`s, and expands it. Expansion always takes a window and a limit:
//!   [`Recurrence::expand`] returns occurrence starts in `[window.start, window.end)` and says
//!   when the limit cut the list ([`Expansion::truncated`]); [`Recurrence::expand_intervals`]
//!   returns availability intervals of a fixed wall-clock length.
//!
//! # Wall-clock time and DST
//!
//! Every occurrence happens at `DTSTART`'s time of day, local time, on the days the rule
//! selects. Local times are turned into instants with [`crate::tz`]'s RFC 5545 policy: a time
//! inside a spring-forward gap is read with the offset before the gap (02:30 → 03:30), a
//! repeated time takes its first occurrence. The end of an availability interval is resolved
//! the same way from its own wall time, so "Mondays 09:00–17:00" stays 09:00–17:00 local on
//! both sides of a DST change.
//!
//! # `UNTIL`, `COUNT`, `EXDATE`
//!
//! * `UNTIL=…Z` is an instant and is compared with each occurrence's UTC instant (RFC 5545
//!   requires this form when `DTSTART` has a zone). A floating `UNTIL=…T…` (no `Z`) is
//!   compared with the occurrence's local wall time, and a date `UNTIL=YYYYMMDD` includes the
//!   whole local day. Both bounds are inclusive. A `Recurrence` whose `UNTIL` is before its
//!   `DTSTART` is refused.
//! * `COUNT` counts occurrences of the rule from `DTSTART`, whether or not they are inside the
//!   window and including those an `EXDATE` removes (EXDATE applies after the rule, as in
//!   RFC 5545).
//! * An `EXDATE` removes the occurrence at the same instant, once both wall times are resolved
//!   with the policy above (so `02:30` and `03:30` name the same occurrence on a
//!   spring-forward day).
//! * As in most implementations (python-dateutil, the `rrule` crate), `DTSTART` is an
//!   occurrence only when it matches the rule; RFC 5545 leaves the other case undefined.
//!
//! # Cost
//!
//! A window query costs O(occurrences produced), not O(time since `DTSTART`): daily and
//! weekly rules jump to the first period inside the window arithmetically, and with `COUNT`
//! the occurrences before the window are counted arithmetically too (monthly rules, and daily
//! rules filtered by `BYMONTHDAY`, count them with a loop over months). Wall-clock times are
//! converted with [`ZoneSegments`](crate::tz::ZoneSegments) built for the window (400 days at
//! a time, and only the part a small limit needs), so each occurrence costs a few integer
//! operations and no time-zone database lookup.
//!
//! ```
//! use chrono::NaiveDate;
//! use rdv_core::recurrence::{Recurrence, RecurrenceRule};
//! use rdv_core::{Interval, Timestamp};
//!
//! let rule = RecurrenceRule::parse("FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4").unwrap();
//! let start = NaiveDate::from_ymd_opt(2026, 3, 23).unwrap().and_hms_opt(9, 0, 0).unwrap();
//! let rec = Recurrence::new(start, chrono_tz::Europe::Paris, rule).unwrap();
//! let window = Interval::new(
//!     "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap(),
//!     "2027-01-01T00:00:00Z".parse::<Timestamp>().unwrap(),
//! )
//! .unwrap();
//! let exp = rec.expand(window, 100);
//! let starts: Vec<String> = exp.occurrences.iter().map(|t| t.to_string()).collect();
//! // Paris moves to summer time on 2026-03-29: still 09:00 local, one hour earlier in UTC.
//! assert_eq!(
//!     starts,
//!     [
//!         "2026-03-23T08:00:00Z",
//!         "2026-03-25T08:00:00Z",
//!         "2026-03-30T07:00:00Z",
//!         "2026-04-01T07:00:00Z"
//!     ]
//! );
//! assert!(!exp.truncated);
//! ```

mod calendar;
mod engine;
mod rule;

#[cfg(test)]
mod rfc5545_tests;
#[cfg(test)]
mod tests;

use chrono::{Datelike, NaiveDateTime};
use chrono_tz::Tz;

pub use rule::{ByDay, Frequency, MAX_INTERVAL, RecurrenceRule, Until};

use crate::error::{Error, Result};
use crate::time::{Interval, Timestamp};
use crate::tz::resolve_local;

/// Output vectors are sized from an estimate of the result, up to this many entries.
const MAX_PREALLOCATED: usize = 4096;

/// A recurrence rule anchored at a local `DTSTART` in a business's zone, with its `EXDATE`s.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    dtstart: NaiveDateTime,
    tz: Tz,
    rule: RecurrenceRule,
    exdates: Vec<NaiveDateTime>,
    /// The exdates resolved to UTC seconds, sorted and deduplicated.
    exdate_instants: Vec<i64>,
}

/// The result of a bounded expansion.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    /// Occurrence starts inside the window, strictly increasing, at most `limit` of them.
    pub occurrences: Vec<Timestamp>,
    /// `true` when the window held more occurrences than the limit allowed.
    pub truncated: bool,
}

impl Recurrence {
    /// Anchors `rule` at `dtstart`, a wall-clock time in `tz`.
    ///
    /// Fails with [`Error::InvalidRecurrence`] when `dtstart`'s year is outside 1..=9999 or the
    /// rule's `UNTIL` is before `dtstart`.
    pub fn new(dtstart: NaiveDateTime, tz: Tz, rule: RecurrenceRule) -> Result<Self> {
        if !(1..=9999).contains(&dtstart.year()) {
            return Err(Error::InvalidRecurrence {
                reason: format!(
                    "DTSTART: year must be from 1 to 9999, got {}",
                    dtstart.year()
                ),
            });
        }
        let until_before_start = match rule.until() {
            None => false,
            Some(Until::Instant(t)) => t < resolve_local(tz, dtstart),
            Some(Until::Local(local)) => local < dtstart,
            Some(Until::Date(date)) => date < dtstart.date(),
        };
        if until_before_start {
            return Err(Error::InvalidRecurrence {
                reason: "UNTIL is before DTSTART".to_owned(),
            });
        }
        Ok(Self {
            dtstart,
            tz,
            rule,
            exdates: Vec::new(),
            exdate_instants: Vec::new(),
        })
    }

    /// Adds `EXDATE`s (local wall times in the recurrence's zone); each removes the
    /// occurrence at the same instant.
    pub fn with_exdates(mut self, exdates: impl IntoIterator<Item = NaiveDateTime>) -> Self {
        self.exdates.extend(exdates);
        self.exdate_instants = self
            .exdates
            .iter()
            .map(|&local| resolve_local(self.tz, local).secs())
            .collect();
        self.exdate_instants.sort_unstable();
        self.exdate_instants.dedup();
        self
    }

    /// `DTSTART`, local wall time.
    pub const fn dtstart(&self) -> NaiveDateTime {
        self.dtstart
    }

    /// The zone of `DTSTART`, `EXDATE`s and every occurrence.
    pub const fn zone(&self) -> Tz {
        self.tz
    }

    /// The rule.
    pub const fn rule(&self) -> &RecurrenceRule {
        &self.rule
    }

    /// The `EXDATE`s, local wall times, as given.
    pub fn exdates(&self) -> &[NaiveDateTime] {
        &self.exdates
    }

    /// Occurrence starts (UTC) in `[window.start, window.end)`, ascending, at most `limit`;
    /// [`Expansion::truncated`] says whether the window held more.
    pub fn expand(&self, window: Interval, limit: usize) -> Expansion {
        let (from, to) = (window.start().secs(), window.end().secs());
        let capacity = limit.min(self.estimate(from, to)).min(MAX_PREALLOCATED);
        let mut occurrences = Vec::with_capacity(capacity);
        let mut truncated = false;
        self.walk(from, to, 0, limit, |_, utc, _| {
            if occurrences.len() == limit {
                truncated = true;
                return false;
            }
            occurrences.push(Timestamp::from_secs(utc));
            true
        });
        Expansion {
            occurrences,
            truncated,
        }
    }

    /// Like [`expand`](Self::expand), but fails with [`Error::RecurrenceTooLarge`] instead of
    /// truncating: for callers that must see every occurrence (materialising a series).
    pub fn expand_all(&self, window: Interval, limit: usize) -> Result<Vec<Timestamp>> {
        let exp = self.expand(window, limit);
        if exp.truncated {
            Err(Error::RecurrenceTooLarge { limit })
        } else {
            Ok(exp.occurrences)
        }
    }

    /// Availability intervals: each occurrence runs from its start to the local wall time
    /// `wall_minutes` later, resolved separately (so 09:00–17:00 stays 09:00–17:00 local across
    /// DST changes). Returns the intervals overlapping `window`, ascending, at most `limit`,
    /// and whether more existed. An occurrence whose resolved end is not after its start (a
    /// range swallowed by a DST gap) is skipped.
    ///
    /// ```
    /// use chrono::NaiveDate;
    /// use rdv_core::recurrence::{Recurrence, RecurrenceRule};
    /// use rdv_core::Interval;
    ///
    /// // Sundays 09:00–17:00 in Paris, across the change to summer time on 2026-03-29.
    /// let start = NaiveDate::from_ymd_opt(2026, 3, 22).unwrap().and_hms_opt(9, 0, 0).unwrap();
    /// let rule = RecurrenceRule::parse("FREQ=WEEKLY").unwrap();
    /// let rec = Recurrence::new(start, chrono_tz::Europe::Paris, rule).unwrap();
    /// let window = Interval::new(
    ///     "2026-03-01T00:00:00Z".parse().unwrap(),
    ///     "2026-04-01T00:00:00Z".parse().unwrap(),
    /// )
    /// .unwrap();
    /// let (intervals, truncated) = rec.expand_intervals(window, 10, 8 * 60);
    /// assert!(!truncated);
    /// assert_eq!(format!("{:?}", intervals[0]), "[2026-03-22T08:00:00Z, 2026-03-22T16:00:00Z)");
    /// assert_eq!(format!("{:?}", intervals[1]), "[2026-03-29T07:00:00Z, 2026-03-29T15:00:00Z)");
    /// ```
    pub fn expand_intervals(
        &self,
        window: Interval,
        limit: usize,
        wall_minutes: u32,
    ) -> (Vec<Interval>, bool) {
        let wall = i64::from(wall_minutes) * 60;
        let (lo, hi) = (window.start().secs(), window.end().secs());
        let capacity = limit.min(self.estimate(lo, hi)).min(MAX_PREALLOCATED);
        let mut out = Vec::with_capacity(capacity);
        let mut truncated = false;
        // An occurrence starting up to `wall` (plus a DST shift) before the window may reach it.
        self.walk(
            lo - wall - crate::time::DAY,
            hi,
            wall,
            limit,
            |local, start, resolver| {
                let end = resolver.resolve(local + wall);
                if end <= lo || end <= start {
                    return true;
                }
                if out.len() == limit {
                    truncated = true;
                    return false;
                }
                out.push(Interval::from_secs_unchecked(start, end));
                true
            },
        );
        (out, truncated)
    }
}
