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
mod tests;
