//! Busy times from other calendars (ADV-3's ICS import; INT-2's pulled busy periods): periods
//! during which a resource is busy elsewhere. They are kept per resource and per source (an
//! imported file, later a connected calendar), replaced a whole source at a time, and block
//! slots like a reservation of another service ([`crate::slots::Schedule::for_service`]).
//!
//! This module owns what one calendar event is once read ([`BusyEvent`]), how events become
//! busy periods ([`busy_periods_of_events`]), the source label rule ([`check_source`]), the
//! stored row ([`BusyTime`]) and which reservations a new busy period meets
//! ([`reservations_in_conflict`]). Reading the ICS text itself is the caller's.
//!
//! The rules, as RFC 5545 and the calendars that export events mean them:
//! * an event marked `TRANSP:TRANSPARENT` or `STATUS:CANCELLED` blocks nothing;
//! * a time with a `TZID` is that zone's wall time, a UTC time (`…Z`) an instant, a floating
//!   time and a date (an all-day event) the business's own wall time and local day;
//! * the end is `DTEND`, else `DTSTART` + `DURATION`, else one day for an all-day event; an
//!   event of no length blocks nothing;
//! * a recurring event (`RRULE`, the subset of [`crate::recurrence`]) expands over the busy
//!   horizon ([`busy_horizon`]) only, so a rule without end is fine; `DTSTART` is its first
//!   instance; `EXDATE`s remove instances; an event with the same `UID` and a
//!   `RECURRENCE-ID` replaces the instance it names (moved, or cancelled);
//! * a period longer than [`MAX_BUSY_PIECE_SECS`] is stored as consecutive pieces, so the
//!   slot read looks back a bounded time;
//! * at most [`MAX_BUSY_TIMES`] periods per import.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::imports::RowProblem;
use crate::model::{Reservation, ReservationId, ResourceId};
use crate::recurrence::{Recurrence, RecurrenceRule};
use crate::time::{DAY, Interval, Timestamp};
use crate::tz::resolve_local;

/// Most busy periods one import may store, recurring events expanded.
pub const MAX_BUSY_TIMES: usize = 50_000;
/// How far ahead recurring events are expanded, in days from the import.
pub const BUSY_HORIZON_DAYS: i64 = 400;
/// Longest stored piece of a busy period; longer periods are cut into consecutive pieces.
pub const MAX_BUSY_PIECE_SECS: i64 = 7 * DAY;
/// Longest single event accepted (a year and a day): longer is a mistake in the file.
pub const MAX_EVENT_SECS: i64 = 367 * DAY;
/// Longest source label.
pub const MAX_SOURCE_LEN: usize = 64;
/// Longest event `UID`.
pub const MAX_UID_LEN: usize = 255;

/// A time of an event as the calendar wrote it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum EventTime {
    /// An instant (`…Z`).
    Utc(Timestamp),
    /// A wall time in a named zone (`TZID=Europe/Paris`).
    Zoned(NaiveDateTime, Tz),
    /// A wall time without zone: the business's.
    Floating(NaiveDateTime),
    /// A date (all-day event): the business's local day.
    Date(NaiveDate),
}

impl EventTime {
    /// The wall time and zone this time is read in (`zone`: the business's).
    fn wall(self, zone: Tz) -> (NaiveDateTime, Tz) {
        match self {
            EventTime::Utc(t) => (t.to_utc().naive_utc(), chrono_tz::UTC),
            EventTime::Zoned(wall, tz) => (wall, tz),
            EventTime::Floating(wall) => (wall, zone),
            EventTime::Date(date) => (date.and_time(chrono::NaiveTime::MIN), zone),
        }
    }

    /// The instant this time names (local times resolved with [`crate::tz`]'s policy).
    pub fn instant(self, zone: Tz) -> Timestamp {
        match self {
            EventTime::Utc(t) => t,
            other => {
                let (wall, tz) = other.wall(zone);
                resolve_local(tz, wall)
            }
        }
    }

    /// The wall time of this instant in `tz` (an `EXDATE` written in another zone).
    fn wall_in(self, tz: Tz, zone: Tz) -> NaiveDateTime {
        self.instant(zone).to_utc().with_timezone(&tz).naive_local()
    }
}

/// One `VEVENT` of an imported calendar, its values read but not yet checked.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BusyEvent {
    /// Its place in the file: the first event is 1.
    pub row: usize,
    /// `UID` (empty when missing).
    pub uid: String,
    /// `DTSTART`.
    pub start: Option<EventTime>,
    /// `DTEND`.
    pub end: Option<EventTime>,
    /// `DURATION`, in seconds.
    pub duration_secs: Option<i64>,
    /// `RRULE`.
    pub rrule: Option<String>,
    /// `EXDATE`s.
    pub exdates: Vec<EventTime>,
    /// `RECURRENCE-ID`: this event replaces that instance of the recurring event of the same
    /// `UID`.
    pub recurrence_id: Option<EventTime>,
    /// `TRANSP:TRANSPARENT`: shown as free.
    pub transparent: bool,
    /// `STATUS:CANCELLED`.
    pub cancelled: bool,
}

/// One stored busy period of a resource.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusyTime {
    /// The busy resource.
    pub resource_id: ResourceId,
    /// Where it comes from ([`check_source`]).
    pub source: String,
    /// The event's `UID` in that source (pieces and instances of one event share it).
    pub uid: String,
    /// When the resource is busy.
    pub interval: Interval,
}

/// What the slot engine needs of a busy time: which resource, when.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ExternalBusy {
    /// The busy resource.
    pub resource_id: ResourceId,
    /// When.
    pub interval: Interval,
}

impl From<&BusyTime> for ExternalBusy {
    fn from(b: &BusyTime) -> Self {
        Self {
            resource_id: b.resource_id,
            interval: b.interval,
        }
    }
}

/// What events make: the periods (event `UID` and interval, sorted by start then `UID`) and
/// counts for the report.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct BusyPeriods {
    /// `(uid, interval)`, sorted by start then `UID`, no two equal.
    pub periods: Vec<(String, Interval)>,
    /// Events that block nothing: transparent, cancelled or of no length.
    pub skipped: usize,
    /// Events (or every instance of a recurring one) wholly outside the horizon.
    pub outside_horizon: usize,
}

/// The answer to a busy-times import.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusyImportReport {
    /// `true` when nothing was written on purpose.
    pub dry_run: bool,
    /// The source replaced.
    pub source: String,
    /// Events read from the file.
    pub events: usize,
    /// Events that block nothing (transparent, cancelled, of no length).
    pub skipped: usize,
    /// Events wholly outside the horizon.
    pub outside_horizon: usize,
    /// Busy periods the events make (recurring events expanded, long ones in pieces).
    pub busy_times: usize,
    /// The source's stored periods the import replaces (or, in a dry run, would replace).
    pub replaced: usize,
    /// Active reservations of the resource that the new busy periods meet: kept, for the
    /// owner to move or cancel.
    pub conflicts: Vec<ReservationId>,
    /// Every problem, by event (`row` is the event's place, `field` the property); not empty
    /// means nothing was written.
    pub problems: Vec<RowProblem>,
}

/// The horizon of an import at `now`: from a day back (an event under way still blocks) to
/// [`BUSY_HORIZON_DAYS`] ahead.
pub fn busy_horizon(now: Timestamp) -> Interval {
    Interval::new(now.add_secs(-DAY), now.add_secs(BUSY_HORIZON_DAYS * DAY))
        .expect("the horizon is not empty")
}

/// Checks a source label: 1 to [`MAX_SOURCE_LEN`] ASCII letters, digits, `-`, `_`, `.` or
/// `:`.
pub fn check_source(source: &str) -> Result<()> {
    let ok = !source.is_empty()
        && source.len() <= MAX_SOURCE_LEN
        && source
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'));
    if ok {
        Ok(())
    } else {
        Err(Error::field(
            "source",
            "invalid_format",
            format!(
                "1 to {MAX_SOURCE_LEN} ASCII letters, digits, '-', '_', '.' or ':', got {source:?}"
            ),
        ))
    }
}

/// Cuts `interval` into consecutive pieces of at most [`MAX_BUSY_PIECE_SECS`].
pub fn cut_into_pieces(interval: Interval) -> Vec<Interval> {
    let mut pieces = Vec::new();
    let mut start = interval.start();
    while start < interval.end() {
        let end = interval.end().min(start.add_secs(MAX_BUSY_PIECE_SECS));
        pieces.push(Interval::new(start, end).expect("a piece is not empty"));
        start = end;
    }
    pieces
}

/// The busy periods of `events` inside `horizon` (`zone`: the business's), or every problem
/// by event. The rules are in the module's documentation.
pub fn busy_periods_of_events(
    events: &[BusyEvent],
    zone: Tz,
    horizon: Interval,
) -> std::result::Result<BusyPeriods, Vec<RowProblem>> {
    let mut problems = Vec::new();
    let mut out = BusyPeriods::default();
    let mut spans: Vec<(String, Interval)> = Vec::new();
    // Instances replaced by an override, per UID: their start instants.
    let mut overridden: HashMap<&str, HashSet<i64>> = HashMap::new();
    let mut masters: HashMap<&str, usize> = HashMap::new();
    for event in events {
        if let Err(p) = check_uid(event) {
            problems.push(p);
            continue;
        }
        match event.recurrence_id {
            Some(id) => {
                overridden
                    .entry(event.uid.as_str())
                    .or_default()
                    .insert(id.instant(zone).secs());
            }
            None => {
                if let Some(first) = masters.insert(event.uid.as_str(), event.row) {
                    problems.push(RowProblem::new(
                        event.row,
                        "UID",
                        "already_exists",
                        format!("event {first} has the same UID and no RECURRENCE-ID"),
                    ));
                }
            }
        }
    }
    for event in events {
        if event.uid.is_empty() || event.uid.len() > MAX_UID_LEN {
            continue;
        }
        if event.transparent || event.cancelled {
            out.skipped += 1;
            continue;
        }
        let replaced = match event.recurrence_id {
            None => overridden.get(event.uid.as_str()),
            Some(_) => None,
        };
        match event_spans(event, zone, horizon, replaced) {
            Ok(None) => out.skipped += 1,
            Ok(Some(found)) if found.is_empty() => out.outside_horizon += 1,
            Ok(Some(found)) => {
                for interval in found {
                    for piece in cut_into_pieces(interval) {
                        spans.push((event.uid.clone(), piece));
                    }
                }
                if spans.len() > MAX_BUSY_TIMES {
                    problems.push(RowProblem::new(
                        0,
                        "",
                        "too_many",
                        format!(
                            "the file makes more than {MAX_BUSY_TIMES} busy periods in the next \
                             {BUSY_HORIZON_DAYS} days: split it"
                        ),
                    ));
                    break;
                }
            }
            Err(p) => problems.extend(p),
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.row);
        return Err(problems);
    }
    spans.sort_by(|a, b| (a.1.start(), &a.0).cmp(&(b.1.start(), &b.0)));
    spans.dedup_by(|a, b| a.0 == b.0 && a.1.start() == b.1.start());
    out.periods = spans;
    Ok(out)
}

/// A `UID` is required and at most [`MAX_UID_LEN`] bytes.
fn check_uid(event: &BusyEvent) -> std::result::Result<(), RowProblem> {
    if event.uid.is_empty() {
        Err(RowProblem::new(
            event.row,
            "UID",
            "required",
            "every event needs a UID",
        ))
    } else if event.uid.len() > MAX_UID_LEN {
        Err(RowProblem::new(
            event.row,
            "UID",
            "too_long",
            format!("a UID has at most {MAX_UID_LEN} bytes"),
        ))
    } else {
        Ok(())
    }
}

/// The intervals of one event meeting `horizon`: `None` when it has no length, `Some(empty)`
/// when none meets the horizon. `replaced`: starts of instances an override replaces.
fn event_spans(
    event: &BusyEvent,
    zone: Tz,
    horizon: Interval,
    replaced: Option<&HashSet<i64>>,
) -> std::result::Result<Option<Vec<Interval>>, Vec<RowProblem>> {
    let problem = |field: &str, code: &str, message: String| {
        vec![RowProblem::new(event.row, field, code, message)]
    };
    let Some(start) = event.start else {
        return Err(problem(
            "DTSTART",
            "required",
            "every event needs a DTSTART".into(),
        ));
    };
    let (start_wall, start_tz) = start.wall(zone);
    let start_at = start.instant(zone);
    // The length: exact seconds, and wall minutes for the instances of a recurring event.
    let (exact, wall_secs) = match (event.end, event.duration_secs) {
        (Some(end), _) => {
            let (end_wall, end_tz) = end.wall(zone);
            let exact = end.instant(zone).secs() - start_at.secs();
            let wall = if end_tz == start_tz {
                (end_wall - start_wall).num_seconds()
            } else {
                exact
            };
            (exact, wall)
        }
        (None, Some(secs)) => (secs, secs),
        (None, None) if matches!(start, EventTime::Date(_)) => {
            let end = EventTime::Date(start_wall.date() + chrono::Days::new(1));
            (end.instant(zone).secs() - start_at.secs(), DAY)
        }
        (None, None) => (0, 0),
    };
    if exact < 0 || wall_secs < 0 {
        return Err(problem(
            if event.end.is_some() {
                "DTEND"
            } else {
                "DURATION"
            },
            "invalid_range",
            "the event ends before it starts".into(),
        ));
    }
    if exact.max(wall_secs) > MAX_EVENT_SECS {
        return Err(problem(
            if event.end.is_some() {
                "DTEND"
            } else {
                "DURATION"
            },
            "too_long",
            format!("an event lasts at most {} days", MAX_EVENT_SECS / DAY),
        ));
    }
    if exact == 0 || wall_secs == 0 {
        return Ok(None);
    }
    let Some(rrule) = event.rrule.as_deref() else {
        let interval =
            Interval::new(start_at, start_at.add_secs(exact)).expect("the length is positive");
        return Ok(Some(if interval.overlaps(&horizon) {
            vec![interval]
        } else {
            Vec::new()
        }));
    };
    let rule =
        RecurrenceRule::parse(rrule).map_err(|e| RowProblem::from_error(event.row, "RRULE", &e))?;
    let exdates: Vec<NaiveDateTime> = event
        .exdates
        .iter()
        .map(|t| t.wall_in(start_tz, zone))
        .collect();
    let recurrence = Recurrence::new(start_wall, start_tz, rule)
        .map_err(|e| RowProblem::from_error(event.row, "RRULE", &e))?
        .with_exdates(exdates.iter().copied());
    let wall_minutes = u32::try_from((wall_secs + 59) / 60).unwrap_or(u32::MAX);
    let (mut intervals, truncated) =
        recurrence.expand_intervals(horizon, MAX_BUSY_TIMES + 1, wall_minutes);
    if truncated {
        return Err(problem(
            "RRULE",
            "too_many",
            format!("more than {MAX_BUSY_TIMES} instances in the next {BUSY_HORIZON_DAYS} days"),
        ));
    }
    // DTSTART is the first instance even when the rule does not select it (RFC 5545).
    let first = Interval::new(start_at, start_at.add_secs(exact)).expect("positive length");
    let excluded = exdates
        .iter()
        .any(|&w| resolve_local(start_tz, w) == start_at);
    if !excluded && first.overlaps(&horizon) && !intervals.iter().any(|i| i.start() == start_at) {
        intervals.insert(0, first);
    }
    if let Some(replaced) = replaced {
        intervals.retain(|i| !replaced.contains(&i.start().secs()));
    }
    Ok(Some(intervals))
}

/// The active reservations among `reservations` whose appointment meets one of `periods`
/// (sorted by start, each at most [`MAX_BUSY_PIECE_SECS`] long), in the order given.
pub fn reservations_in_conflict(
    reservations: &[Reservation],
    periods: &[Interval],
) -> Vec<ReservationId> {
    reservations
        .iter()
        .filter(|r| r.status.is_active())
        .filter(|r| {
            let upto = periods.partition_point(|p| p.start() < r.interval.end());
            periods[..upto]
                .iter()
                .rev()
                .take_while(|p| p.start().secs() > r.interval.start().secs() - MAX_BUSY_PIECE_SECS)
                .any(|p| p.overlaps(&r.interval))
        })
        .map(|r| r.id)
        .collect()
}

#[cfg(test)]
mod tests;
