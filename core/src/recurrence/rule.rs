//! The validated [`RecurrenceRule`]: parsing RRULE text and writing it back canonically.

use std::fmt;
use std::str::FromStr;

use chrono::{NaiveDate, NaiveDateTime, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};
use crate::time::Timestamp;

/// How often a rule repeats (the `FREQ` rule part). Only the frequencies a booking engine needs
/// are supported; `HOURLY`, `MINUTELY`, `SECONDLY` and `YEARLY` are refused when parsing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Frequency {
    /// Every `INTERVAL` days.
    Daily,
    /// Every `INTERVAL` weeks (weeks start on `WKST`).
    Weekly,
    /// Every `INTERVAL` months.
    Monthly,
}

impl Frequency {
    /// The RRULE spelling, e.g. `"WEEKLY"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Frequency::Daily => "DAILY",
            Frequency::Weekly => "WEEKLY",
            Frequency::Monthly => "MONTHLY",
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `BYDAY` entry: a weekday, optionally with an ordinal inside the month (`1FR` is the
/// first Friday, `-2MO` the second-to-last Monday). Ordinals exist only in monthly rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByDay {
    ordinal: Option<i8>,
    weekday: Weekday,
}

impl ByDay {
    /// The ordinal within the month (`1..=5` or `-5..=-1`), if any.
    pub const fn ordinal(&self) -> Option<i8> {
        self.ordinal
    }

    /// The weekday.
    pub const fn weekday(&self) -> Weekday {
        self.weekday
    }

    /// Sort key of the canonical order: weekday first (Monday first), then plain before
    /// ordinals, positive ordinals before negative ones.
    fn sort_key(&self) -> (u32, i16) {
        let ord = match self.ordinal {
            None => -100,
            Some(n) if n > 0 => i16::from(n),
            Some(n) => 100 - i16::from(n),
        };
        (self.weekday.num_days_from_monday(), ord)
    }
}

impl fmt::Display for ByDay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(n) = self.ordinal {
            write!(f, "{n}")?;
        }
        f.write_str(weekday_code(self.weekday))
    }
}

/// The `UNTIL` bound of a rule, in the form it was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Until {
    /// `UNTIL=19971224T000000Z`: an instant, compared with each occurrence's UTC instant.
    Instant(Timestamp),
    /// `UNTIL=19971224T090000` (floating): compared with each occurrence's local wall time.
    Local(NaiveDateTime),
    /// `UNTIL=19971224`: occurrences up to and including that local date.
    Date(NaiveDate),
}

impl fmt::Display for Until {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Until::Instant(t) => write!(f, "{}", t.to_utc().format("%Y%m%dT%H%M%SZ")),
            Until::Local(dt) => write!(f, "{}", dt.format("%Y%m%dT%H%M%S")),
            Until::Date(d) => write!(f, "{}", d.format("%Y%m%d")),
        }
    }
}

/// A parsed and validated RFC 5545 recurrence rule (the `RRULE` value), without its start.
///
/// Supported parts: `FREQ` (`DAILY`, `WEEKLY`, `MONTHLY`), `INTERVAL`, `COUNT`, `UNTIL`,
/// `WKST`, `BYDAY` (with ordinals in monthly rules) and `BYMONTHDAY` (negative counts from the
/// end of the month; not allowed in weekly rules, as RFC 5545 says). Anything else is refused
/// with [`Error::InvalidRecurrence`] naming the part.
///
/// [`Display`](fmt::Display) writes the canonical text (`FREQ` first, lists sorted, defaults
/// omitted), which parses back to an equal rule. Serde uses the same text.
///
/// ```
/// use rdv_core::recurrence::{Frequency, RecurrenceRule};
///
/// let rule = RecurrenceRule::parse("rrule:byday=fr,mo;freq=weekly;interval=2").unwrap();
/// assert_eq!(rule.frequency(), Frequency::Weekly);
/// assert_eq!(rule.to_string(), "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RecurrenceRule {
    freq: Frequency,
    interval: u32,
    count: Option<u32>,
    until: Option<Until>,
    week_start: Weekday,
    by_day: Vec<ByDay>,
    by_month_day: Vec<i8>,
}

/// Largest accepted `INTERVAL` (about 27 years of days); larger values are surely mistakes.
pub const MAX_INTERVAL: u32 = 10_000;

fn invalid(reason: impl Into<String>) -> Error {
    Error::InvalidRecurrence {
        reason: reason.into(),
    }
}

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("MO", Weekday::Mon),
    ("TU", Weekday::Tue),
    ("WE", Weekday::Wed),
    ("TH", Weekday::Thu),
    ("FR", Weekday::Fri),
    ("SA", Weekday::Sat),
    ("SU", Weekday::Sun),
];

fn weekday_code(w: Weekday) -> &'static str {
    WEEKDAYS[w.num_days_from_monday() as usize].0
}

fn parse_weekday(code: &str) -> Option<Weekday> {
    WEEKDAYS.iter().find(|(c, _)| *c == code).map(|&(_, w)| w)
}

fn set_once<T>(slot: &mut Option<T>, value: T, key: &str) -> Result<()> {
    if slot.is_some() {
        return Err(invalid(format!("{key}: given more than once")));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_positive(key: &str, value: &str) -> Result<u32> {
    match value.parse::<u32>() {
        Ok(n) if n > 0 && value.bytes().all(|b| b.is_ascii_digit()) => Ok(n),
        _ => Err(invalid(format!(
            "{key}: expected a positive integer, got {value:?}"
        ))),
    }
}

fn parse_until(value: &str) -> Result<Until> {
    let bad = || {
        invalid(format!(
            "UNTIL: expected YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got {value:?}"
        ))
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match value.len() {
        8 if digits(value) => NaiveDate::parse_from_str(value, "%Y%m%d")
            .map(Until::Date)
            .map_err(|_| bad()),
        15 | 16 if digits(&value[..8]) && &value[8..9] == "T" && digits(&value[9..15]) => {
            let local =
                NaiveDateTime::parse_from_str(&value[..15], "%Y%m%dT%H%M%S").map_err(|_| bad())?;
            match &value[15..] {
                "" => Ok(Until::Local(local)),
                "Z" => Ok(Until::Instant(Timestamp::from_utc(local.and_utc()))),
                _ => Err(bad()),
            }
        }
        _ => Err(bad()),
    }
}

fn parse_by_day(value: &str) -> Result<Vec<ByDay>> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
            return Err(invalid(format!("BYDAY: unknown weekday {item:?}")));
        }
        let (num, code) = item.split_at(item.len() - 2);
        let weekday = parse_weekday(code)
            .ok_or_else(|| invalid(format!("BYDAY: unknown weekday {item:?}")))?;
        let ordinal = if num.is_empty() {
            None
        } else {
            let digits = num.strip_prefix(['+', '-']).unwrap_or(num);
            let n = if digits.is_empty()
                || digits.len() > 2
                || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                None
            } else {
                num.trim_start_matches('+').parse::<i8>().ok()
            };
            match n {
                Some(0) => {
                    return Err(invalid(format!("BYDAY: ordinal must not be 0 in {item:?}")));
                }
                Some(n) => Some(n),
                None => return Err(invalid(format!("BYDAY: invalid ordinal in {item:?}"))),
            }
        };
        out.push(ByDay { ordinal, weekday });
    }
    out.sort_by_key(ByDay::sort_key);
    out.dedup();
    Ok(out)
}

fn parse_by_month_day(value: &str) -> Result<Vec<i8>> {
    let mut out = Vec::new();
    for item in value.split(',') {
        let item = item.trim();
        let digits = item.strip_prefix(['+', '-']).unwrap_or(item);
        let n = if !digits.is_empty()
            && digits.len() <= 2
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            item.trim_start_matches('+').parse::<i8>().ok()
        } else {
            None
        };
        match n {
            Some(n) if n != 0 && (-31..=31).contains(&n) => out.push(n),
            _ => {
                return Err(invalid(format!(
                    "BYMONTHDAY: expected a day from 1 to 31 or -31 to -1, got {item:?}"
                )));
            }
        }
    }
    // Canonical order: days counted from the start, then days counted from the end.
    out.sort_by_key(|&n| (n < 0, n));
    out.dedup();
    Ok(out)
}

impl RecurrenceRule {
    /// Parses RRULE text such as `FREQ=WEEKLY;BYDAY=MO,WE` or `RRULE:FREQ=DAILY;COUNT=10`.
    ///
    /// The `RRULE:` prefix is optional; names and values are case-insensitive; a trailing `;`
    /// is tolerated. Errors are [`Error::InvalidRecurrence`] whose reason names the offending
    /// part, e.g. `BYDAY: unknown weekday "XX"` or `COUNT and UNTIL are mutually exclusive`.
    pub fn parse(text: &str) -> Result<Self> {
        let upper = text.trim().to_ascii_uppercase();
        let body = upper.strip_prefix("RRULE:").unwrap_or(&upper);
        let mut freq = None;
        let mut interval = None;
        let mut count = None;
        let mut until = None;
        let mut week_start = None;
        let mut by_day = None;
        let mut by_month_day = None;
        for part in body.split(';') {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let (key, value) = part
                .split_once('=')
                .ok_or_else(|| invalid(format!("{part:?} is not a NAME=VALUE rule part")))?;
            let (key, value) = (key.trim(), value.trim());
            if value.is_empty() {
                return Err(invalid(format!("{key}: empty value")));
            }
            match key {
                "FREQ" => {
                    let f = match value {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" | "HOURLY" | "MINUTELY" | "SECONDLY" => {
                            return Err(invalid(format!(
                                "FREQ: {value} is not supported (use DAILY, WEEKLY or MONTHLY)"
                            )));
                        }
                        _ => return Err(invalid(format!("FREQ: unknown frequency {value:?}"))),
                    };
                    set_once(&mut freq, f, key)?;
                }
                "INTERVAL" => {
                    let n = parse_positive(key, value)?;
                    if n > MAX_INTERVAL {
                        return Err(invalid(format!(
                            "INTERVAL: at most {MAX_INTERVAL}, got {n}"
                        )));
                    }
                    set_once(&mut interval, n, key)?;
                }
                "COUNT" => set_once(&mut count, parse_positive(key, value)?, key)?,
                "UNTIL" => set_once(&mut until, parse_until(value)?, key)?,
                "WKST" => {
                    let w = parse_weekday(value)
                        .ok_or_else(|| invalid(format!("WKST: unknown weekday {value:?}")))?;
                    set_once(&mut week_start, w, key)?;
                }
                "BYDAY" => set_once(&mut by_day, parse_by_day(value)?, key)?,
                "BYMONTHDAY" => set_once(&mut by_month_day, parse_by_month_day(value)?, key)?,
                "BYSETPOS" | "BYMONTH" | "BYYEARDAY" | "BYWEEKNO" | "BYHOUR" | "BYMINUTE"
                | "BYSECOND" => return Err(invalid(format!("{key} is not supported"))),
                _ => return Err(invalid(format!("unknown rule part {key:?}"))),
            }
        }
        let freq = freq.ok_or_else(|| invalid("FREQ is required"))?;
        if count.is_some() && until.is_some() {
            return Err(invalid("COUNT and UNTIL are mutually exclusive"));
        }
        let by_day = by_day.unwrap_or_default();
        let by_month_day = by_month_day.unwrap_or_default();
        for d in &by_day {
            match (freq, d.ordinal) {
                (_, None) => {}
                (Frequency::Monthly, Some(n)) if (-5..=5).contains(&n) => {}
                (Frequency::Monthly, Some(_)) => {
                    return Err(invalid(format!(
                        "BYDAY: ordinal in \"{d}\" must be from 1 to 5 or -5 to -1 in a monthly rule"
                    )));
                }
                (_, Some(_)) => {
                    return Err(invalid(format!(
                        "BYDAY: ordinals like \"{d}\" are only allowed with FREQ=MONTHLY"
                    )));
                }
            }
        }
        if freq == Frequency::Weekly && !by_month_day.is_empty() {
            return Err(invalid("BYMONTHDAY is not allowed with FREQ=WEEKLY"));
        }
        Ok(Self {
            freq,
            interval: interval.unwrap_or(1),
            count,
            until,
            week_start: week_start.unwrap_or(Weekday::Mon),
            by_day,
            by_month_day,
        })
    }

    /// The frequency (`FREQ`).
    pub const fn frequency(&self) -> Frequency {
        self.freq
    }

    /// The interval between periods (`INTERVAL`, default 1).
    pub const fn interval(&self) -> u32 {
        self.interval
    }

    /// The number of occurrences (`COUNT`), if bounded by count.
    pub const fn count(&self) -> Option<u32> {
        self.count
    }

    /// The `UNTIL` bound, if any.
    pub const fn until(&self) -> Option<Until> {
        self.until
    }

    /// The first day of the week (`WKST`, default Monday); it matters for weekly rules with
    /// `INTERVAL > 1` and several `BYDAY` days.
    pub const fn week_start(&self) -> Weekday {
        self.week_start
    }

    /// The `BYDAY` entries in canonical order (empty when absent).
    pub fn by_day(&self) -> &[ByDay] {
        &self.by_day
    }

    /// The `BYMONTHDAY` values in canonical order (empty when absent).
    pub fn by_month_day(&self) -> &[i8] {
        &self.by_month_day
    }
}

impl fmt::Display for RecurrenceRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq)?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if let Some(n) = self.count {
            write!(f, ";COUNT={n}")?;
        }
        if let Some(u) = self.until {
            write!(f, ";UNTIL={u}")?;
        }
        if self.week_start != Weekday::Mon {
            write!(f, ";WKST={}", weekday_code(self.week_start))?;
        }
        for (i, d) in self.by_day.iter().enumerate() {
            f.write_str(if i == 0 { ";BYDAY=" } else { "," })?;
            write!(f, "{d}")?;
        }
        for (i, d) in self.by_month_day.iter().enumerate() {
            f.write_str(if i == 0 { ";BYMONTHDAY=" } else { "," })?;
            write!(f, "{d}")?;
        }
        Ok(())
    }
}

impl FromStr for RecurrenceRule {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Self::parse(s)
    }
}

impl Serialize for RecurrenceRule {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for RecurrenceRule {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}
