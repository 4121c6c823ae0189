//! Opening hours and closures of a business, read in its time zone (BIZ-3, BIZ-4, VAL-2).
//!
//! Opening hours are wall-clock ranges per weekday, several per day (`09:00–12:00`,
//! `14:00–18:00`); `24:00` may end a range, and a range ending at `24:00` joins one starting at
//! `00:00` the next day, so overnight hours are two ranges. Special hours replace a weekday's
//! ranges on one local date (open 10:00–14:00 on 24 December). Closures are whole local days
//! (holidays) or exact periods, and win over opening and special hours alike. This module turns both into UTC intervals over a bounded
//! range with [`ZoneSegments`], applying the DST policy of [`crate::tz`].

use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, FieldErrors, Result};
use crate::time::{DAY, Interval, MINUTE, day_number, weekday_of_day};
use crate::tz::ZoneSegments;

/// A wall-clock time of day at minute resolution, `00:00` to `24:00` inclusive.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct WallTime(u16);

impl WallTime {
    /// Midnight at the start of the day.
    pub const MIDNIGHT: WallTime = WallTime(0);
    /// Midnight at the end of the day (`24:00`).
    pub const END_OF_DAY: WallTime = WallTime(24 * 60);

    /// Builds `hour:minute`; `24:00` is allowed, nothing later.
    pub fn new(hour: u32, minute: u32) -> Result<Self> {
        let total = hour * 60 + minute;
        if minute < 60 && total <= 24 * 60 {
            Ok(WallTime(total as u16))
        } else {
            Err(Error::field(
                "time",
                "out_of_range",
                format!("{hour:02}:{minute:02} is not a time between 00:00 and 24:00"),
            ))
        }
    }

    /// Minutes since midnight.
    pub const fn minutes(self) -> u32 {
        self.0 as u32
    }

    /// Parses `"HH:MM"`.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || {
            Error::field(
                "time",
                "invalid_format",
                format!("{text:?} is not a time in HH:MM form"),
            )
        };
        let (h, m) = text.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let hour: u32 = h.parse().map_err(|_| bad())?;
        let minute: u32 = m.parse().map_err(|_| bad())?;
        WallTime::new(hour, minute)
    }
}

impl fmt::Display for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}:{:02}", self.0 / 60, self.0 % 60)
    }
}

impl fmt::Debug for WallTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for WallTime {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for WallTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        WallTime::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A wall-clock range within one day, `start < end`.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize)]
pub struct TimeRange {
    /// Opening time.
    pub start: WallTime,
    /// Closing time (exclusive).
    pub end: WallTime,
}

impl TimeRange {
    /// Builds a range; fails unless `start < end`.
    pub fn new(start: WallTime, end: WallTime) -> Result<Self> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(Error::field(
                "end",
                "out_of_range",
                format!("end {end} must be after start {start}"),
            ))
        }
    }

    /// Parses `"09:00", "17:00"`.
    pub fn parse(start: &str, end: &str) -> Result<Self> {
        Self::new(WallTime::parse(start)?, WallTime::parse(end)?)
    }
}

impl<'de> Deserialize<'de> for TimeRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            start: WallTime,
            end: WallTime,
        }
        let raw = Raw::deserialize(d)?;
        TimeRange::new(raw.start, raw.end).map_err(serde::de::Error::custom)
    }
}

/// Weekly opening hours: for each weekday, sorted non-overlapping ranges.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OpeningHours {
    /// Monday ranges.
    #[serde(default)]
    pub monday: Vec<TimeRange>,
    /// Tuesday ranges.
    #[serde(default)]
    pub tuesday: Vec<TimeRange>,
    /// Wednesday ranges.
    #[serde(default)]
    pub wednesday: Vec<TimeRange>,
    /// Thursday ranges.
    #[serde(default)]
    pub thursday: Vec<TimeRange>,
    /// Friday ranges.
    #[serde(default)]
    pub friday: Vec<TimeRange>,
    /// Saturday ranges.
    #[serde(default)]
    pub saturday: Vec<TimeRange>,
    /// Sunday ranges.
    #[serde(default)]
    pub sunday: Vec<TimeRange>,
}

const DAY_NAMES: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

impl OpeningHours {
    /// Open all day, every day.
    pub fn always_open() -> Self {
        let all = vec![TimeRange {
            start: WallTime::MIDNIGHT,
            end: WallTime::END_OF_DAY,
        }];
        Self::same_every_day(&all, &[0, 1, 2, 3, 4, 5, 6])
    }

    /// The same ranges on the given weekdays (Monday = 0), closed on the others.
    pub fn same_every_day(ranges: &[TimeRange], weekdays: &[u8]) -> Self {
        let mut hours = Self::default();
        for &d in weekdays {
            if let Some(day) = hours.day_mut(d) {
                *day = ranges.to_vec();
            }
        }
        hours
    }

    /// Ranges of a weekday (Monday = 0 … Sunday = 6).
    pub fn day(&self, weekday: u8) -> &[TimeRange] {
        match weekday {
            0 => &self.monday,
            1 => &self.tuesday,
            2 => &self.wednesday,
            3 => &self.thursday,
            4 => &self.friday,
            5 => &self.saturday,
            6 => &self.sunday,
            _ => &[],
        }
    }

    fn day_mut(&mut self, weekday: u8) -> Option<&mut Vec<TimeRange>> {
        Some(match weekday {
            0 => &mut self.monday,
            1 => &mut self.tuesday,
            2 => &mut self.wednesday,
            3 => &mut self.thursday,
            4 => &mut self.friday,
            5 => &mut self.saturday,
            6 => &mut self.sunday,
            _ => return None,
        })
    }

    /// Checks that each day's ranges are sorted and do not overlap (at most 12 per day);
    /// reports every offending range by path (`opening_hours.tuesday[1]`).
    pub fn validate(&self) -> Result<()> {
        let mut errors = FieldErrors::new();
        for (d, name) in DAY_NAMES.iter().enumerate() {
            let ranges = self.day(d as u8);
            if ranges.len() > 12 {
                errors.add(
                    format!("opening_hours.{name}"),
                    "too_many",
                    format!("{name} has {} ranges, at most 12 are allowed", ranges.len()),
                );
            }
            for i in 1..ranges.len() {
                if ranges[i].start < ranges[i - 1].end {
                    errors.add(
                        format!("opening_hours.{name}[{i}]"),
                        "overlap",
                        format!(
                            "{name} range {}–{} must start at or after the previous range ends ({})",
                            ranges[i].start,
                            ranges[i].end,
                            ranges[i - 1].end
                        ),
                    );
                }
            }
        }
        errors.finish(())
    }

    /// Whether no day has any range.
    pub fn is_always_closed(&self) -> bool {
        (0..7).all(|d| self.day(d).is_empty())
    }
}

/// Most special-hours dates one business may hold (a year of exceptions).
pub const MAX_SPECIAL_HOURS: usize = 366;

/// Opening hours that replace the weekday's on one local date (BIZ-4): open 10:00–14:00 on
/// 24 December, or longer on a late-opening day. No ranges means closed that day. Closures
/// still apply on top.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SpecialHours {
    /// The local date (in the business's time zone).
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// The ranges open that day, sorted, not overlapping; empty means closed.
    #[serde(default)]
    pub ranges: Vec<TimeRange>,
    /// Optional label ("Christmas Eve").
    #[serde(default)]
    pub reason: Option<String>,
}

/// Special hours rule: at most [`MAX_SPECIAL_HOURS`] dates (`special_hours`, code
/// `too_many`), each date once (`special_hours[i].date`, code `duplicate`), each date's ranges
/// sorted and not overlapping, at most 12 (`special_hours[i].ranges[j]`, code `overlap`;
/// `special_hours[i].ranges`, code `too_many`). Every problem is reported.
pub fn validate_special_hours(special: &[SpecialHours]) -> Result<()> {
    let mut errors = FieldErrors::new();
    if special.len() > MAX_SPECIAL_HOURS {
        errors.add(
            "special_hours",
            "too_many",
            format!(
                "special_hours holds {} dates, at most {MAX_SPECIAL_HOURS} are allowed",
                special.len()
            ),
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, day) in special.iter().enumerate() {
        if !seen.insert(day.date) {
            errors.add(
                format!("special_hours[{i}].date"),
                "duplicate",
                format!("{} has special hours more than once", day.date),
            );
        }
        if day.ranges.len() > 12 {
            errors.add(
                format!("special_hours[{i}].ranges"),
                "too_many",
                format!(
                    "{} has {} ranges, at most 12 are allowed",
                    day.date,
                    day.ranges.len()
                ),
            );
        }
        for j in 1..day.ranges.len() {
            if day.ranges[j].start < day.ranges[j - 1].end {
                errors.add(
                    format!("special_hours[{i}].ranges[{j}]"),
                    "overlap",
                    format!(
                        "range {}–{} must start at or after the previous range ends ({})",
                        day.ranges[j].start,
                        day.ranges[j].end,
                        day.ranges[j - 1].end
                    ),
                );
            }
        }
    }
    errors.finish(())
}

/// What a closure covers.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ClosureKind {
    /// Whole local days, `first_day` to `last_day` inclusive (public holidays, vacations).
    Days {
        /// First closed day.
        first_day: NaiveDate,
        /// Last closed day (inclusive).
        last_day: NaiveDate,
    },
    /// An exact period (an afternoon, a training session).
    Period {
        /// The closed period.
        interval: Interval,
    },
}

/// A public holiday or exceptional closure (BIZ-4).
///
/// Read through [`RawClosure`], so `kind` must be one of its names: serde's derived tag would
/// also take a number as the variant's index (`"kind": 0`), and unknown keys are refused.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "RawClosure")]
pub struct Closure {
    /// What is closed.
    #[serde(flatten)]
    pub kind: ClosureKind,
    /// Optional label ("Christmas").
    #[serde(default)]
    pub reason: Option<String>,
}

/// A closure as it is written, before its `kind` is read as a name.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClosure {
    kind: String,
    #[serde(default)]
    first_day: Option<NaiveDate>,
    #[serde(default)]
    last_day: Option<NaiveDate>,
    #[serde(default)]
    interval: Option<Interval>,
    #[serde(default)]
    reason: Option<String>,
}

impl TryFrom<RawClosure> for Closure {
    type Error = String;

    fn try_from(raw: RawClosure) -> std::result::Result<Self, String> {
        let kind = match (raw.kind.as_str(), raw.first_day, raw.last_day, raw.interval) {
            ("days", Some(first_day), Some(last_day), None) => {
                Closure::days(first_day, last_day)
                    .map_err(|e| e.to_string())?
                    .kind
            }
            ("days", ..) => {
                return Err("a `days` closure has first_day and last_day, and no interval".into());
            }
            ("period", None, None, Some(interval)) => ClosureKind::Period { interval },
            ("period", ..) => {
                return Err(
                    "a `period` closure has an interval, and no first_day or last_day".into(),
                );
            }
            (other, ..) => {
                return Err(format!(
                    "unknown closure kind {other:?}, expected \"days\" or \"period\""
                ));
            }
        };
        Ok(Self {
            kind,
            reason: raw.reason,
        })
    }
}

impl Closure {
    /// Whole days, inclusive; fails when `last_day` is before `first_day`.
    pub fn days(first_day: NaiveDate, last_day: NaiveDate) -> Result<Self> {
        if last_day < first_day {
            return Err(Error::field(
                "last_day",
                "out_of_range",
                format!("last_day {last_day} is before first_day {first_day}"),
            ));
        }
        Ok(Self {
            kind: ClosureKind::Days {
                first_day,
                last_day,
            },
            reason: None,
        })
    }

    /// An exact period.
    pub fn period(interval: Interval) -> Self {
        Self {
            kind: ClosureKind::Period { interval },
            reason: None,
        }
    }

    /// The closure as a UTC interval, or `None` for a day range that is empty after
    /// conversion (cannot happen for valid input).
    pub fn to_interval(&self, segments: &ZoneSegments) -> Option<Interval> {
        match &self.kind {
            ClosureKind::Period { interval } => Some(*interval),
            ClosureKind::Days {
                first_day,
                last_day,
            } => {
                let start = segments.local_to_utc(day_number(*first_day) * DAY);
                let end = segments.local_to_utc((day_number(*last_day) + 1) * DAY);
                (start < end).then(|| Interval::from_secs_unchecked(start, end))
            }
        }
    }
}

/// Appends `[start, end)` to sorted, merged `spans`, joining it with the last span when they
/// touch or overlap.
pub(crate) fn push_merged(spans: &mut Vec<(i64, i64)>, start: i64, end: i64) {
    if start >= end {
        return;
    }
    if let Some(last) = spans.last_mut()
        && start <= last.1
    {
        last.1 = last.1.max(end);
        return;
    }
    spans.push((start, end));
}

/// Sorts and merges touching or overlapping spans in place.
pub(crate) fn merge_spans(spans: &mut Vec<(i64, i64)>) {
    if !spans.is_sorted_by_key(|s| s.0) {
        spans.sort_unstable_by_key(|s| s.0);
    }
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(spans.len());
    for &(s, e) in spans.iter() {
        push_merged(&mut merged, s, e);
    }
    *spans = merged;
}

/// The opening hours as merged UTC spans (seconds) for local days `first_day..=last_day`
/// (day numbers), a date's special hours replacing its weekday's ranges. Ranges whose wall times collapse in a DST gap are dropped; a range ending at
/// `24:00` joins a range starting at `00:00` the next day.
pub(crate) fn opening_spans(
    hours: &OpeningHours,
    special: &[SpecialHours],
    segments: &ZoneSegments,
    first_day: i64,
    last_day: i64,
) -> Vec<(i64, i64)> {
    let mut spans = Vec::with_capacity(((last_day - first_day + 1).max(0) as usize) * 2);
    let special: std::collections::BTreeMap<i64, &[TimeRange]> = special
        .iter()
        .map(|s| (day_number(s.date), s.ranges.as_slice()))
        .filter(|(d, _)| (first_day..=last_day).contains(d))
        .collect();
    for day in first_day..=last_day {
        let midnight = day * DAY;
        let ranges = special
            .get(&day)
            .copied()
            .unwrap_or_else(|| hours.day(weekday_of_day(day)));
        for range in ranges {
            let start = segments.local_to_utc(midnight + i64::from(range.start.minutes()) * MINUTE);
            let end = segments.local_to_utc(midnight + i64::from(range.end.minutes()) * MINUTE);
            spans.push((start, end));
        }
    }
    spans.retain(|s| s.0 < s.1);
    merge_spans(&mut spans);
    spans
}

/// The closures as merged UTC spans.
pub(crate) fn closure_spans(closures: &[Closure], segments: &ZoneSegments) -> Vec<(i64, i64)> {
    let mut spans: Vec<(i64, i64)> = closures
        .iter()
        .filter_map(|c| c.to_interval(segments))
        .map(|i| (i.start().secs(), i.end().secs()))
        .collect();
    merge_spans(&mut spans);
    spans
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;
    use crate::time::Timestamp;

    fn ts(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().secs()
    }

    fn day(y: i32, m: u32, d: u32) -> i64 {
        day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
    }

    fn segs(tz: Tz) -> ZoneSegments {
        ZoneSegments::new(
            tz,
            Timestamp::from_secs(ts("2026-01-01T00:00:00Z")),
            Timestamp::from_secs(ts("2027-01-01T00:00:00Z")),
        )
    }

    #[test]
    fn wall_time_parses_hh_mm_and_allows_24_00_only_as_the_last_minute() {
        assert_eq!(WallTime::parse("09:30").unwrap().minutes(), 570);
        assert_eq!(WallTime::parse("24:00").unwrap(), WallTime::END_OF_DAY);
        assert!(WallTime::parse("24:01").is_err());
        assert!(WallTime::parse("9:30").is_err());
        assert!(WallTime::parse("09:60").is_err());
        assert_eq!(WallTime::parse("07:05").unwrap().to_string(), "07:05");
    }

    #[test]
    fn time_range_requires_end_after_start_even_from_json() {
        assert!(TimeRange::parse("10:00", "10:00").is_err());
        let err = serde_json::from_str::<TimeRange>(r#"{"start":"12:00","end":"09:00"}"#);
        assert!(err.is_err());
    }

    #[test]
    fn overlapping_ranges_of_a_day_are_reported_with_their_path() {
        let mut hours = OpeningHours::default();
        hours.tuesday = vec![
            TimeRange::parse("09:00", "12:00").unwrap(),
            TimeRange::parse("11:00", "18:00").unwrap(),
        ];
        let err = hours.validate().unwrap_err();
        assert_eq!(err.field_errors()[0].field, "opening_hours.tuesday[1]");
        assert_eq!(err.field_errors()[0].code, "overlap");
    }

    #[test]
    fn opening_spans_follow_local_time_across_paris_spring_forward() {
        // Friday 27 to Monday 30 March 2026; clocks jump on Sunday the 29th.
        let hours = OpeningHours::same_every_day(
            &[TimeRange::parse("09:00", "17:00").unwrap()],
            &[0, 1, 2, 3, 4, 5, 6],
        );
        let spans = opening_spans(
            &hours,
            &[],
            &segs(Tz::Europe__Paris),
            day(2026, 3, 28),
            day(2026, 3, 30),
        );
        let text: Vec<String> = spans
            .iter()
            .map(|&(s, e)| format!("{}..{}", Timestamp::from_secs(s), Timestamp::from_secs(e)))
            .collect();
        assert_eq!(
            text,
            [
                "2026-03-28T08:00:00Z..2026-03-28T16:00:00Z",
                "2026-03-29T07:00:00Z..2026-03-29T15:00:00Z",
                "2026-03-30T07:00:00Z..2026-03-30T15:00:00Z",
            ]
        );
    }

    #[test]
    fn ranges_in_the_missing_hour_are_read_with_the_offset_before_the_gap() {
        let mut hours = OpeningHours::default();
        hours.sunday = vec![
            TimeRange::parse("01:00", "02:00").unwrap(),
            TimeRange::parse("02:15", "02:45").unwrap(), // wall times that do not exist
            TimeRange::parse("02:50", "04:00").unwrap(), // starts in the gap
        ];
        let d = day(2026, 3, 29);
        let spans = opening_spans(&hours, &[], &segs(Tz::Europe__Paris), d, d);
        // 01:00–02:00 CET; 02:15–02:45 read with +01:00 is 03:15–03:45 CEST; 02:50 read with
        // +01:00 is 03:50 CEST, so the last range shrinks to 03:50–04:00 CEST.
        assert_eq!(
            spans,
            [
                (ts("2026-03-29T00:00:00Z"), ts("2026-03-29T01:00:00Z")),
                (ts("2026-03-29T01:15:00Z"), ts("2026-03-29T01:45:00Z")),
                (ts("2026-03-29T01:50:00Z"), ts("2026-03-29T02:00:00Z")),
            ]
        );
    }

    #[test]
    fn overnight_hours_join_across_midnight() {
        let mut hours = OpeningHours::default();
        hours.friday = vec![TimeRange::parse("22:00", "24:00").unwrap()];
        hours.saturday = vec![TimeRange::parse("00:00", "02:00").unwrap()];
        let spans = opening_spans(
            &hours,
            &[],
            &segs(Tz::UTC),
            day(2026, 6, 5),
            day(2026, 6, 6),
        );
        assert_eq!(
            spans,
            [(ts("2026-06-05T22:00:00Z"), ts("2026-06-06T02:00:00Z"))]
        );
    }

    #[test]
    fn a_holiday_closes_the_whole_local_day() {
        let c = Closure::days(
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 26).unwrap(),
        )
        .unwrap();
        let i = c.to_interval(&segs(Tz::Europe__Paris)).unwrap();
        assert_eq!(i.start().to_string(), "2026-12-24T23:00:00Z");
        assert_eq!(i.end().to_string(), "2026-12-26T23:00:00Z");
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(
            json,
            r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26","reason":null}"#
        );
        assert_eq!(serde_json::from_str::<Closure>(&json).unwrap(), c);
    }

    #[test]
    fn closure_days_must_be_in_order() {
        let d = |x| NaiveDate::from_ymd_opt(2026, 1, x).unwrap();
        assert!(Closure::days(d(2), d(1)).is_err());
    }

    fn special(date: (i32, u32, u32), ranges: &[(&str, &str)]) -> SpecialHours {
        SpecialHours {
            date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
            ranges: ranges
                .iter()
                .map(|(a, b)| TimeRange::parse(a, b).unwrap())
                .collect(),
            reason: None,
        }
    }

    #[test]
    fn special_hours_replace_the_weekday_on_their_date_only() {
        let hours = OpeningHours::same_every_day(
            &[TimeRange::parse("09:00", "19:00").unwrap()],
            &[0, 1, 2, 3, 4, 5],
        );
        // Thursday 24 December 2026: 10:00–14:00 Paris; Sunday 27: open 10:00–12:00 though
        // Sundays are closed; Wednesday 23 keeps its weekday's hours.
        let list = [
            special((2026, 12, 24), &[("10:00", "14:00")]),
            special((2026, 12, 27), &[("10:00", "12:00")]),
            special((2026, 12, 31), &[]),
        ];
        let spans = opening_spans(
            &hours,
            &list,
            &segs(Tz::Europe__Paris),
            day(2026, 12, 23),
            day(2026, 12, 31),
        );
        assert_eq!(
            spans,
            [
                (ts("2026-12-23T08:00:00Z"), ts("2026-12-23T18:00:00Z")),
                (ts("2026-12-24T09:00:00Z"), ts("2026-12-24T13:00:00Z")),
                (ts("2026-12-25T08:00:00Z"), ts("2026-12-25T18:00:00Z")),
                (ts("2026-12-26T08:00:00Z"), ts("2026-12-26T18:00:00Z")),
                (ts("2026-12-27T09:00:00Z"), ts("2026-12-27T11:00:00Z")),
                (ts("2026-12-28T08:00:00Z"), ts("2026-12-28T18:00:00Z")),
                (ts("2026-12-29T08:00:00Z"), ts("2026-12-29T18:00:00Z")),
                (ts("2026-12-30T08:00:00Z"), ts("2026-12-30T18:00:00Z")),
            ],
            "31 December has no ranges: closed"
        );
    }

    #[test]
    fn special_hours_report_every_problem() {
        assert_eq!(validate_special_hours(&[]), Ok(()));
        let list = [
            special((2026, 12, 24), &[("10:00", "14:00"), ("13:00", "15:00")]),
            special((2026, 12, 24), &[]),
        ];
        let err = validate_special_hours(&list).unwrap_err();
        let fields: Vec<(String, String)> = err
            .field_errors()
            .iter()
            .map(|e| (e.field.clone(), e.code.clone()))
            .collect();
        assert_eq!(
            fields,
            [
                (
                    "special_hours[0].ranges[1]".to_owned(),
                    "overlap".to_owned()
                ),
                ("special_hours[1].date".to_owned(), "duplicate".to_owned()),
            ]
        );
        let many: Vec<SpecialHours> = (0..=MAX_SPECIAL_HOURS as i64)
            .map(|i| SpecialHours {
                date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i),
                ranges: vec![],
                reason: None,
            })
            .collect();
        let err = validate_special_hours(&many).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "special_hours");
        assert_eq!(err.field_errors()[0].code, "too_many");
    }

    proptest::proptest! {
        /// Invariant: a day with special hours is open exactly on those ranges, whatever its
        /// weekday's hours; the days around it keep their weekday's.
        #[test]
        fn a_special_day_is_open_exactly_on_its_ranges(
            offset in 0i64..300,
            start in 0u32..20,
            len in 1u32..4,
        ) {
            let hours = OpeningHours::always_open();
            let date = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap() + chrono::Duration::days(offset);
            let range = TimeRange::new(
                WallTime::new(start, 0).unwrap(),
                WallTime::new(start + len, 0).unwrap(),
            )
            .unwrap();
            let list = [SpecialHours { date, ranges: vec![range], reason: None }];
            let segments = segs(Tz::UTC);
            let d = day_number(date);
            let spans = opening_spans(&hours, &list, &segments, d, d);
            let midnight = d * DAY;
            proptest::prop_assert_eq!(
                spans,
                vec![(midnight + i64::from(start) * 3600, midnight + i64::from(start + len) * 3600)]
            );
            let around = opening_spans(&hours, &list, &segments, d - 1, d - 1);
            proptest::prop_assert_eq!(around, vec![((d - 1) * DAY, d * DAY)]);
        }
    }

    #[test]
    fn a_closure_s_kind_is_read_by_name_only() {
        let days = r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26"}"#;
        assert!(serde_json::from_str::<Closure>(days).is_ok());
        let period = r#"{"kind":"period","interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"},"reason":"x"}"#;
        assert!(serde_json::from_str::<Closure>(period).is_ok());
        for bad in [
            r#"{"kind":0,"first_day":"2026-12-25","last_day":"2026-12-26"}"#,
            r#"{"kind":1,"interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"}}"#,
            r#"{"kind":"weeks","first_day":"2026-12-25","last_day":"2026-12-26"}"#,
            r#"{"kind":"days","first_day":"2026-12-25"}"#,
            r#"{"kind":"days","first_day":"2026-12-26","last_day":"2026-12-25"}"#,
            r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26","colour":"red"}"#,
            r#"{"kind":"period","first_day":"2026-12-25","interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"}}"#,
        ] {
            assert!(serde_json::from_str::<Closure>(bad).is_err(), "{bad}");
        }
    }
}
