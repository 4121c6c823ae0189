//! Business time zones and the wall-clock ↔ UTC conversion policy (CORE-1).
//!
//! Opening hours, recurrence rules and "every Monday 09:00–17:00" are wall-clock times in the
//! business's IANA zone. Converting them to instants has two awkward cases, resolved exactly as
//! RFC 5545 (§3.3.5) resolves them, so a rule means the same thing here as in any calendar:
//!
//! * **Wall time that does not exist** (spring forward, e.g. 02:30 on 2026-03-29 in
//!   Europe/Paris): it is read with the UTC offset in force *before* the gap, which lands the
//!   same distance after the gap (02:30 → 03:30 CEST). A range that starts in the gap therefore
//!   starts when the clocks have jumped; nothing is silently lost or doubled.
//! * **Wall time that exists twice** (fall back, e.g. 02:30 on 2026-10-25 in Europe/Paris):
//!   the *first* occurrence is used (02:30 CEST = 00:30Z).
//!
//! [`ZoneSegments`] makes conversions cheap: for a bounded range it precomputes the few
//! instants where the zone's offset changes, so every later conversion is integer arithmetic
//! instead of a time-zone database lookup (the usual cost of slot computation).

use chrono::{NaiveDateTime, Offset, TimeZone};
use chrono_tz::Tz;

use crate::error::{Error, Result};
use crate::time::{DAY, Timestamp};

/// Parses an IANA zone name (`"Europe/Paris"`); unknown names fail with
/// [`Error::UnknownTimeZone`].
pub fn parse_zone(name: &str) -> Result<Tz> {
    name.parse::<Tz>().map_err(|_| Error::UnknownTimeZone {
        name: name.to_owned(),
    })
}

/// Offset (seconds east of UTC) of `tz` at the UTC instant `utc_secs`, from the zone database.
pub fn offset_at(tz: Tz, utc_secs: i64) -> i32 {
    let naive = chrono::DateTime::from_timestamp(utc_secs, 0)
        .unwrap_or_default()
        .naive_utc();
    tz.offset_from_utc_datetime(&naive).fix().local_minus_utc()
}

/// How far apart probes are when searching for offset changes. Every zone in the database
/// keeps its transitions at least this far apart (checked by a test over 1990–2045;
/// the closest pair, America/Boa_Vista in October 2000, is 7 days apart).
const PROBE_STEP: i64 = 6 * DAY;

/// The offset changes of one zone during one UTC year.
#[derive(Debug)]
struct YearTransitions {
    /// Offset at the first second of the year.
    start_offset: i32,
    /// `(first UTC second of the new offset, new offset)`, sorted.
    changes: Vec<(i64, i32)>,
}

/// The UTC year of an instant.
fn utc_year(utc: i64) -> i32 {
    chrono::DateTime::from_timestamp(utc, 0).map_or(1970, |d| chrono::Datelike::year(&d))
}

/// First second of a UTC year.
fn year_start(year: i32) -> i64 {
    chrono::NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map_or(0, |d| d.and_utc().timestamp())
}

/// Finds the offset changes of `tz` in `[start, end)` by probing every [`PROBE_STEP`] and
/// bisecting to the second where the offset changes.
fn find_changes(tz: Tz, start: i64, end: i64) -> (i32, Vec<(i64, i32)>) {
    let first = offset_at(tz, start);
    let mut current = first;
    let mut changes = Vec::new();
    let mut probe = start;
    while probe < end {
        let next = (probe + PROBE_STEP).min(end);
        let next_offset = offset_at(tz, next);
        if next_offset != current {
            let (mut lo, mut hi) = (probe, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            if hi < end {
                changes.push((hi, next_offset));
            }
            current = next_offset;
        }
        probe = next;
    }
    (first, changes)
}

/// Most zone-years one thread keeps (a business uses one zone; a server a handful).
const YEAR_CACHE_SIZE: usize = 64;

thread_local! {
    /// Zone-years already searched, most recent last.
    static YEAR_CACHE: std::cell::RefCell<Vec<(Tz, i32, std::rc::Rc<YearTransitions>)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// The offset changes of `tz` during the UTC year `year`, searched once per thread. A pure
/// function of its arguments (the zone database is compiled in), so caching it changes no
/// result.
fn year_transitions(tz: Tz, year: i32) -> std::rc::Rc<YearTransitions> {
    YEAR_CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        if let Some(entry) = cache.iter().rev().find(|e| e.0 == tz && e.1 == year) {
            return entry.2.clone();
        }
        let (start, end) = (year_start(year), year_start(year + 1));
        let (start_offset, changes) = find_changes(tz, start, end);
        let entry = std::rc::Rc::new(YearTransitions {
            start_offset,
            changes,
        });
        if cache.len() == YEAR_CACHE_SIZE {
            cache.remove(0);
        }
        cache.push((tz, year, entry.clone()));
        entry
    })
}

/// The offsets of one zone over a bounded UTC range, as sorted segments.
#[derive(Debug, Clone)]
pub struct ZoneSegments {
    tz: Tz,
    from: i64,
    to: i64,
    /// `(first UTC second of the segment, offset in seconds)`, sorted; the first segment
    /// starts at or before `from`.
    segments: Vec<(i64, i32)>,
}

impl ZoneSegments {
    /// Precomputes the offsets of `tz` for UTC instants in `[from, to]`. Conversions outside
    /// that range stay correct but consult the zone database.
    ///
    /// The offset changes of each zone and UTC year are found once per thread and kept
    /// ([`year_transitions`]), so building segments for a query is a few comparisons.
    pub fn new(tz: Tz, from: Timestamp, to: Timestamp) -> Self {
        let (from, to) = (from.secs(), to.secs().max(from.secs()));
        let mut segments = Vec::with_capacity(3);
        let (first_year, last_year) = (utc_year(from), utc_year(to));
        for year in first_year..=last_year {
            let transitions = year_transitions(tz, year);
            if year == first_year {
                // The offset in force at `from`: the year's starting offset, moved by every
                // change at or before `from`.
                let mut current = transitions.start_offset;
                for &(at, offset) in transitions.changes.iter() {
                    if at <= from {
                        current = offset;
                    }
                }
                segments.push((i64::MIN, current));
            } else {
                // A change exactly at the turn of the year shows only as the year's start.
                let at = year_start(year);
                let last = segments.last().map_or(transitions.start_offset, |s| s.1);
                if transitions.start_offset != last && from < at && at <= to {
                    segments.push((at, transitions.start_offset));
                }
            }
            for &(at, offset) in transitions.changes.iter() {
                if from < at && at <= to {
                    segments.push((at, offset));
                }
            }
        }
        Self {
            tz,
            from,
            to,
            segments,
        }
    }

    /// The zone these segments describe.
    pub fn zone(&self) -> Tz {
        self.tz
    }

    /// The offset (seconds east of UTC) in force at the start of the range.
    pub fn initial_offset(&self) -> i32 {
        self.segments[0].1
    }

    /// The offset changes inside the range, as `(first UTC second of the new offset, new
    /// offset)` in time order; empty when the offset never changes.
    pub fn changes(&self) -> &[(i64, i32)] {
        &self.segments[1..]
    }

    fn covers(&self, utc: i64) -> bool {
        self.from <= utc && utc <= self.to
    }

    /// Offset in seconds east of UTC at a UTC instant.
    pub fn offset_at(&self, utc: i64) -> i32 {
        if !self.covers(utc) {
            return offset_at(self.tz, utc);
        }
        if let [(_, only)] = self.segments[..] {
            return only; // no change in the range: the common case
        }
        let mut offset = self.segments[0].1;
        for &(start, off) in &self.segments[1..] {
            if utc >= start {
                offset = off;
            } else {
                break;
            }
        }
        offset
    }

    /// Wall-clock seconds (seconds since 1970-01-01T00:00 *local*) of a UTC instant.
    pub fn utc_to_local(&self, utc: i64) -> i64 {
        utc + i64::from(self.offset_at(utc))
    }

    /// The UTC instant of a wall-clock time, given as seconds since 1970-01-01T00:00 local,
    /// under the module's policy: a missing time uses the offset before the gap, a repeated
    /// time its first occurrence.
    pub fn local_to_utc(&self, local: i64) -> i64 {
        // Segment i is valid for local time L when start_i <= L - off_i < start_{i+1}.
        if !self.covers(local - i64::from(self.segments[0].1)) {
            return resolve_with_database(self.tz, local);
        }
        if let [(_, only)] = self.segments[..] {
            return local - i64::from(only); // no change in the range: the common case
        }
        let n = self.segments.len();
        for i in 0..n {
            let (start, off) = self.segments[i];
            let utc = local - i64::from(off);
            let end = self.segments.get(i + 1).map_or(i64::MAX, |s| s.0);
            if start <= utc && utc < end {
                // Segments are in time order, so the first valid one is the first occurrence.
                return utc;
            }
            if utc < start {
                // Segment i-1 was not valid either: the wall time falls in the gap before
                // segment i. Read it with the offset before the gap.
                return local - i64::from(self.segments[i - 1].1);
            }
        }
        // Unreachable for well-formed segments; fall back to the database.
        resolve_with_database(self.tz, local)
    }
}

/// Resolves a wall-clock time with the zone database under the module's policy.
fn resolve_with_database(tz: Tz, local: i64) -> i64 {
    let segments = ZoneSegments::new(
        tz,
        Timestamp::from_secs(local - 2 * DAY),
        Timestamp::from_secs(local + 2 * DAY),
    );
    debug_assert!(segments.covers(local));
    segments.local_to_utc(local)
}

/// Converts a wall-clock date-time in `tz` to UTC under the module's policy (missing → offset
/// before the gap; repeated → first occurrence).
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> Timestamp {
    Timestamp::from_secs(resolve_with_database(tz, local.and_utc().timestamp()))
}

/// Formats an instant as a local RFC 3339 string with its offset, e.g.
/// `2026-03-29T09:00:00+02:00`.
pub fn format_local(tz: Tz, t: Timestamp) -> String {
    t.to_utc()
        .with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, NaiveTime};
    use proptest::prelude::*;

    use super::*;

    fn local(date: (i32, u32, u32), h: u32, m: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(date.0, date.1, date.2)
            .unwrap()
            .and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap())
    }

    #[test]
    fn unknown_zone_names_are_refused_with_their_name() {
        let err = parse_zone("Europe/Atlantis").unwrap_err();
        assert_eq!(
            err,
            Error::UnknownTimeZone {
                name: "Europe/Atlantis".into()
            }
        );
        assert_eq!(parse_zone("Europe/Paris").unwrap(), Tz::Europe__Paris);
    }

    #[test]
    fn paris_spring_forward_missing_time_moves_past_the_gap() {
        // 2026-03-29 02:30 does not exist in Paris; RFC 5545 reads it with +01:00.
        let t = resolve_local(Tz::Europe__Paris, local((2026, 3, 29), 2, 30));
        assert_eq!(t.to_string(), "2026-03-29T01:30:00Z");
        assert_eq!(
            format_local(Tz::Europe__Paris, t),
            "2026-03-29T03:30:00+02:00"
        );
    }

    #[test]
    fn paris_fall_back_repeated_time_uses_first_occurrence() {
        let t = resolve_local(Tz::Europe__Paris, local((2026, 10, 25), 2, 30));
        assert_eq!(t.to_string(), "2026-10-25T00:30:00Z");
    }

    #[test]
    fn new_york_changes_resolve_the_same_way() {
        let gap = resolve_local(Tz::America__New_York, local((2026, 3, 8), 2, 30));
        assert_eq!(gap.to_string(), "2026-03-08T07:30:00Z"); // 03:30 EDT
        let twice = resolve_local(Tz::America__New_York, local((2026, 11, 1), 1, 30));
        assert_eq!(twice.to_string(), "2026-11-01T05:30:00Z"); // 01:30 EDT, first
    }

    #[test]
    fn segments_find_both_paris_changes_of_2026() {
        let from = "2026-01-01T00:00:00Z".parse::<Timestamp>().unwrap();
        let to = "2026-12-31T00:00:00Z".parse::<Timestamp>().unwrap();
        let segs = ZoneSegments::new(Tz::Europe__Paris, from, to);
        let starts: Vec<String> = segs.segments[1..]
            .iter()
            .map(|&(s, off)| format!("{}/{off}", Timestamp::from_secs(s)))
            .collect();
        assert_eq!(
            starts,
            ["2026-03-29T01:00:00Z/7200", "2026-10-25T01:00:00Z/3600"]
        );
    }

    /// Checks the assumption behind [`PROBE_STEP`] on the whole database: between 1990 and
    /// 2045 no zone changes its offset twice within one probe step (sampled every 6 hours, so
    /// the measured spacing may be 6 hours short; the margin covers it).
    #[test]
    fn no_zone_changes_offset_twice_within_a_probe_step() {
        let start = "1990-01-01T00:00:00Z".parse::<Timestamp>().unwrap().secs();
        let end = "2045-01-01T00:00:00Z".parse::<Timestamp>().unwrap().secs();
        let mut closest = (i64::MAX, String::new());
        for tz in chrono_tz::TZ_VARIANTS {
            let mut last_change = i64::MIN / 2;
            let mut prev = offset_at(tz, start);
            let mut t = start;
            while t < end {
                t += DAY / 4;
                let off = offset_at(tz, t);
                if off != prev {
                    if t - last_change < closest.0 {
                        closest = (
                            t - last_change,
                            format!("{tz} near {}", Timestamp::from_secs(t)),
                        );
                    }
                    last_change = t;
                    prev = off;
                }
            }
        }
        assert!(
            closest.0 - DAY / 4 >= PROBE_STEP,
            "closest offset changes are {}s apart ({}), probe step is {PROBE_STEP}s",
            closest.0,
            closest.1
        );
    }

    fn any_zone() -> impl Strategy<Value = Tz> {
        (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i])
    }

    proptest! {
        /// Segment offsets agree with the zone database at every instant of the range.
        #[test]
        fn segment_offsets_agree_with_the_database(
            tz in any_zone(),
            start in 946_684_800i64..2_208_988_800, // 2000..2040
            span in 0i64..(120 * DAY),
            probe in 0.0f64..1.0,
        ) {
            let segs = ZoneSegments::new(tz, Timestamp::from_secs(start), Timestamp::from_secs(start + span));
            let t = start + (span as f64 * probe) as i64;
            prop_assert_eq!(segs.offset_at(t), offset_at(tz, t));
        }

        /// Local → UTC agrees with chrono-tz wherever the wall time is unambiguous, picks the
        /// earliest instant when it is repeated, and lands after the gap when it is missing.
        #[test]
        fn local_to_utc_follows_the_rfc5545_policy(
            tz in any_zone(),
            start in 946_684_800i64..2_208_988_800,
            offset in 0i64..(60 * DAY),
        ) {
            let local_secs = start + offset;
            let segs = ZoneSegments::new(tz, Timestamp::from_secs(start - 2 * DAY), Timestamp::from_secs(start + 62 * DAY));
            let utc = segs.local_to_utc(local_secs);
            let naive = chrono::DateTime::from_timestamp(local_secs, 0).unwrap().naive_utc();
            match tz.from_local_datetime(&naive) {
                chrono::LocalResult::Single(dt) => prop_assert_eq!(utc, dt.timestamp()),
                chrono::LocalResult::Ambiguous(a, b) => prop_assert_eq!(utc, a.timestamp().min(b.timestamp())),
                chrono::LocalResult::None => {
                    // The result is read with the earlier offset, so it shows a later wall time.
                    prop_assert!(segs.utc_to_local(utc) > local_secs);
                    prop_assert!(segs.utc_to_local(utc) - local_secs <= 3 * 3600);
                }
            }
        }
    }
}
