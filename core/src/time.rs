//! Instants and half-open intervals, the units every rule computes with (CORE-1, CORE-2).
//!
//! [`Timestamp`] is a UTC instant at one-second resolution, stored as seconds since the Unix
//! epoch. The domain entities expose `DateTime<Utc>`; the hot paths (slot computation, overlap
//! index, recurrence expansion) work on `Timestamp` because a plain `i64` compares and adds in
//! one instruction while building a `DateTime` costs a calendar conversion. Both convert into
//! each other losslessly (sub-second parts are dropped, which is the documented resolution).
//!
//! [`Interval`] is a validated half-open interval `[start, end)` with `start < end`: two
//! intervals that merely touch (`a.end == b.start`) do not overlap.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// Seconds in a minute.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 3600;
/// Seconds in a civil day without a DST change.
pub const DAY: i64 = 86_400;

/// Days between 0001-01-01 (chrono's "common era" day 1) and 1970-01-01.
const UNIX_EPOCH_DAYS_FROM_CE: i32 = 719_163;

/// A UTC instant, seconds since 1970-01-01T00:00:00Z.
///
/// Serialised as an RFC 3339 string in UTC (`"2026-03-29T09:00:00Z"`); parsing accepts any
/// offset and normalises to UTC.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `secs` seconds after the Unix epoch.
    pub const fn from_secs(secs: i64) -> Self {
        Self(secs)
    }

    /// Seconds since the Unix epoch.
    pub const fn secs(self) -> i64 {
        self.0
    }

    /// Converts from chrono, dropping any sub-second part.
    pub fn from_utc(dt: DateTime<Utc>) -> Self {
        Self(dt.timestamp())
    }

    /// Converts to chrono.
    pub fn to_utc(self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0, 0).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// This instant moved by `secs` seconds (saturating).
    pub const fn add_secs(self, secs: i64) -> Self {
        Self(self.0.saturating_add(secs))
    }

    /// This instant moved by `minutes` minutes (saturating).
    pub const fn add_minutes(self, minutes: i64) -> Self {
        self.add_secs(minutes.saturating_mul(MINUTE))
    }

    /// Parses an RFC 3339 date-time with any offset.
    pub fn parse_rfc3339(text: &str) -> Result<Self> {
        DateTime::parse_from_rfc3339(text)
            .map(|dt| Self(dt.timestamp()))
            .map_err(|e| {
                Error::field(
                    "timestamp",
                    "invalid_format",
                    format!("{text:?} is not an RFC 3339 date-time: {e}"),
                )
            })
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(dt: DateTime<Utc>) -> Self {
        Self::from_utc(dt)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(t: Timestamp) -> Self {
        t.to_utc()
    }
}

impl Timestamp {
    /// Writes `YYYY-MM-DDTHH:MM:SSZ` into `buf` without allocating, for years 0 to 9999 (the
    /// serialisation hot path of slot lists); `None` outside them.
    pub fn format_rfc3339_into(self, buf: &mut [u8; 20]) -> Option<&str> {
        let days = self.0.div_euclid(DAY);
        let secs = self.0.rem_euclid(DAY);
        let date = date_of_day(days);
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        let two = |out: &mut [u8], v: u32| {
            out[0] = b'0' + (v / 10) as u8;
            out[1] = b'0' + (v % 10) as u8;
        };
        two(&mut buf[0..2], year / 100);
        two(&mut buf[2..4], year % 100);
        buf[4] = b'-';
        two(&mut buf[5..7], date.month());
        buf[7] = b'-';
        two(&mut buf[8..10], date.day());
        buf[10] = b'T';
        two(&mut buf[11..13], (secs / 3600) as u32);
        buf[13] = b':';
        two(&mut buf[14..16], (secs / 60 % 60) as u32);
        buf[16] = b':';
        two(&mut buf[17..19], (secs % 60) as u32);
        buf[19] = b'Z';
        std::str::from_utf8(buf).ok()
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 20];
        match self.format_rfc3339_into(&mut buf) {
            Some(text) => f.write_str(text),
            None => f.write_str(&self.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true)),
        }
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse_rfc3339(s)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let mut buf = [0u8; 20];
        match self.format_rfc3339_into(&mut buf) {
            Some(text) => s.serialize_str(text),
            None => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Timestamp::parse_rfc3339(&text).map_err(serde::de::Error::custom)
    }
}

/// A half-open interval `[start, end)` with `start < end`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Interval {
    start: Timestamp,
    end: Timestamp,
}

impl Interval {
    /// Builds `[start, end)`; fails with [`Error::InvalidInterval`] unless `start < end`.
    pub fn new(start: Timestamp, end: Timestamp) -> Result<Self> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(Error::InvalidInterval {
                reason: format!("end {end} must be after start {start}"),
            })
        }
    }

    /// Builds `[start, start + minutes)`.
    pub fn starting_at(start: Timestamp, minutes: u32) -> Result<Self> {
        Self::new(start, start.add_minutes(i64::from(minutes)))
    }

    /// Builds from chrono instants.
    pub fn from_utc(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self> {
        Self::new(start.into(), end.into())
    }

    /// Builds from raw seconds; the caller guarantees `start < end` (checked in debug builds).
    pub(crate) fn from_secs_unchecked(start: i64, end: i64) -> Self {
        debug_assert!(start < end, "empty interval {start}..{end}");
        Self {
            start: Timestamp(start),
            end: Timestamp(end),
        }
    }

    /// Inclusive start.
    pub const fn start(&self) -> Timestamp {
        self.start
    }

    /// Exclusive end.
    pub const fn end(&self) -> Timestamp {
        self.end
    }

    /// Length in seconds (always positive).
    pub const fn duration_secs(&self) -> i64 {
        self.end.0 - self.start.0
    }

    /// Whether the two intervals share at least one instant. Touching intervals do not.
    pub const fn overlaps(&self, other: &Interval) -> bool {
        self.start.0 < other.end.0 && other.start.0 < self.end.0
    }

    /// Whether `other` lies entirely inside `self`.
    pub const fn contains(&self, other: &Interval) -> bool {
        self.start.0 <= other.start.0 && other.end.0 <= self.end.0
    }

    /// Whether the instant lies inside `[start, end)`.
    pub const fn contains_instant(&self, t: Timestamp) -> bool {
        self.start.0 <= t.0 && t.0 < self.end.0
    }

    /// This interval widened by `before` seconds at the start and `after` at the end: the range
    /// a reservation blocks once its buffers are counted.
    pub const fn widened(&self, before: i64, after: i64) -> Interval {
        Interval {
            start: Timestamp(self.start.0 - before),
            end: Timestamp(self.end.0 + after),
        }
    }
}

impl fmt::Debug for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {})", self.start, self.end)
    }
}

impl<'de> Deserialize<'de> for Interval {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            start: Timestamp,
            end: Timestamp,
        }
        let raw = Raw::deserialize(d)?;
        Interval::new(raw.start, raw.end).map_err(serde::de::Error::custom)
    }
}

/// Day number of a civil date: days since 1970-01-01 (negative before).
pub fn day_number(date: NaiveDate) -> i64 {
    i64::from(Datelike::num_days_from_ce(&date) - UNIX_EPOCH_DAYS_FROM_CE)
}

/// The civil date of a day number (inverse of [`day_number`]).
pub fn date_of_day(day: i64) -> NaiveDate {
    let ce = i32::try_from(day + i64::from(UNIX_EPOCH_DAYS_FROM_CE)).unwrap_or(i32::MAX);
    NaiveDate::from_num_days_from_ce_opt(ce).unwrap_or(NaiveDate::MAX)
}

/// Weekday of a day number, Monday = 0 … Sunday = 6.
pub const fn weekday_of_day(day: i64) -> u8 {
    // 1970-01-01 was a Thursday (index 3).
    (day + 3).rem_euclid(7) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    #[test]
    fn timestamp_round_trips_through_rfc3339_and_normalises_offsets() {
        let t = ts("2026-03-29T09:00:00+02:00");
        assert_eq!(t.to_string(), "2026-03-29T07:00:00Z");
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(json, "\"2026-03-29T07:00:00Z\"");
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t);
    }

    proptest::proptest! {
        /// The allocation-free formatter writes exactly what chrono writes, years 0 to 9999
        /// and beyond (where it falls back to chrono).
        #[test]
        fn fast_rfc3339_formatting_equals_chrono(secs in -62_167_219_200i64..260_000_000_000i64) {
            let t = Timestamp::from_secs(secs);
            let expected = t.to_utc().to_rfc3339_opts(SecondsFormat::Secs, true);
            proptest::prop_assert_eq!(t.to_string(), expected.clone());
            proptest::prop_assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{expected}\""));
        }
    }

    #[test]
    fn timestamp_rejects_text_that_is_not_rfc3339() {
        let err = Timestamp::parse_rfc3339("next tuesday").unwrap_err();
        assert_eq!(err.field_errors()[0].code, "invalid_format");
    }

    #[test]
    fn interval_requires_end_after_start() {
        let a = ts("2026-01-01T10:00:00Z");
        assert!(Interval::new(a, a).is_err());
        assert!(Interval::new(a.add_secs(1), a).is_err());
        assert!(Interval::new(a, a.add_secs(1)).is_ok());
        assert!(
            serde_json::from_str::<Interval>(
                r#"{"start":"2026-01-01T10:00:00Z","end":"2026-01-01T09:00:00Z"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn touching_intervals_do_not_overlap() {
        let a = Interval::from_secs_unchecked(0, 10);
        let b = Interval::from_secs_unchecked(10, 20);
        let c = Interval::from_secs_unchecked(9, 11);
        assert!(!a.overlaps(&b));
        assert!(a.overlaps(&c) && b.overlaps(&c));
        assert!(a.contains(&Interval::from_secs_unchecked(0, 10)));
        assert!(!a.contains(&c));
    }

    #[test]
    fn widened_interval_adds_buffers_on_both_sides() {
        let a = Interval::from_secs_unchecked(100, 200);
        assert_eq!(a.widened(5, 7), Interval::from_secs_unchecked(95, 207));
    }

    #[test]
    fn day_numbers_match_the_calendar() {
        let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
        assert_eq!(day_number(d), 0);
        assert_eq!(weekday_of_day(0), 3); // Thursday
        let d = NaiveDate::from_ymd_opt(2026, 3, 30).unwrap(); // a Monday
        assert_eq!(weekday_of_day(day_number(d)), 0);
        assert_eq!(date_of_day(day_number(d)), d);
        assert_eq!(
            date_of_day(-1),
            NaiveDate::from_ymd_opt(1969, 12, 31).unwrap()
        );
    }
}
