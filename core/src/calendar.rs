//! The business calendar (ADV-1): what a business's dashboard draws for one day, week or month
//! in the business's time zone, per resource.
//!
//! This module owns the calendar's rules; the use case
//! ([`UseCases::business_calendar`](crate::usecases::UseCases::business_calendar)) only reads
//! their inputs.
//!
//! * **The period** ([`period_dates`], [`period_days`]): a day view is the anchor date, a week
//!   view the ISO week (Monday to Sunday) holding it, a month view its calendar month. Each
//!   local day runs from one local midnight to the next under the DST policy of [`crate::tz`],
//!   so a day is 23 or 25 hours long on a change (a local day a zone skipped whole is left
//!   out); the days tile the period without gap or overlap.
//! * **Opening hours** ([`opening_hours_of`]): the business's weekly hours, replaced on a date
//!   by its special hours, minus its closures ([`crate::hours`]).
//! * **Working hours** ([`working_hours_of`]): the opening hours, narrowed by the resource's own
//!   weekly working hours when it has some, exactly as slots narrow them ([`crate::slots`]).
//! * **Free gaps** ([`free_gaps`]): the resource's availability windows ∩ its working hours,
//!   minus the blocked range (buffers included) of every reservation that holds its time
//!   ([`blocks_free_time`]: pending and confirmed, the statuses slots and bookings count). A
//!   group session that still has seats left is *not* free time: a gap is time where the
//!   resource has no such reservation at all, so the dashboard shows where a new appointment
//!   of any service could go. An inactive resource takes no new bookings and has no free gaps
//!   ([`takes_bookings`]). Gaps do not depend on the clock: past free time is shown as free.
//!   They are computed from the reservations shown, so archived ones count only when the
//!   request includes the archive (archived reservations have ended; most no longer block).
//! * **Per day**: every interval is cut at the day's bounds ([`clip`]); a reservation is listed
//!   on each day its appointment meets, whole.
//!
//! Everything is computed with integer spans over [`ZoneSegments`]; a month for ten resources
//! is a few thousand span operations.

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldErrors, Result};
use crate::hours::{SpecialHours, closure_spans, merge_spans, opening_spans};
use crate::model::{
    AvailabilityId, AvailabilityWindow, Business, ReservationId, ReservationStatus, Resource,
    ResourceId, ResourceKind, ServiceId, Zone,
};
use crate::ports::{ClientContact, ReservationView};
use crate::slots::intersect;
use crate::time::{DAY, Interval, MINUTE, Timestamp, date_of_day, day_number};
use crate::tz::ZoneSegments;

/// Earliest anchor date a request may name.
pub const FIRST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2000, 1, 1) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// Latest anchor date a request may name.
pub const LAST_DATE: NaiveDate = match NaiveDate::from_ymd_opt(2099, 12, 31) {
    Some(d) => d,
    None => NaiveDate::MAX,
};

/// How much of the calendar one request shows.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CalendarView {
    /// The anchor date alone.
    Day,
    /// The ISO week holding the anchor date, Monday to Sunday.
    #[default]
    Week,
    /// The calendar month holding the anchor date.
    Month,
}

impl CalendarView {
    /// Every view.
    pub const ALL: [CalendarView; 3] = [CalendarView::Day, CalendarView::Week, CalendarView::Month];

    /// The snake_case name used in JSON and query strings.
    pub const fn as_str(self) -> &'static str {
        match self {
            CalendarView::Day => "day",
            CalendarView::Week => "week",
            CalendarView::Month => "month",
        }
    }
}

/// A calendar request: which view, around which local date, and whether archived
/// reservations are shown.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarRequest {
    /// Day, week or month.
    pub view: CalendarView,
    /// Any local date of the period (in the business's time zone), [`FIRST_DATE`] to
    /// [`LAST_DATE`].
    pub date: NaiveDate,
    /// Also show reservations moved to the archive (PERF-5).
    #[serde(default)]
    pub include_archived: bool,
}

impl CalendarRequest {
    /// Reads a request from its text form (a query string's `view` and `date`), reporting
    /// every problem at once: `view` with code `invalid_choice` unless it is `day`, `week` or
    /// `month`; `date` with code `invalid_format` unless it is `YYYY-MM-DD`, or `out_of_range`
    /// outside [`FIRST_DATE`]..=[`LAST_DATE`] ([`check_request`]).
    ///
    /// ```
    /// use rdv_core::calendar::{CalendarRequest, CalendarView};
    ///
    /// let request = CalendarRequest::parse("week", "2026-10-21", false).unwrap();
    /// assert_eq!(request.view, CalendarView::Week);
    ///
    /// let err = CalendarRequest::parse("year", "21/10/2026", false).unwrap_err();
    /// let fields: Vec<_> = err.field_errors().iter().map(|e| (e.field.as_str(), e.code.as_str())).collect();
    /// assert_eq!(fields, [("view", "invalid_choice"), ("date", "invalid_format")]);
    /// ```
    pub fn parse(view: &str, date: &str, include_archived: bool) -> Result<Self> {
        let mut errors = FieldErrors::new();
        let view = CalendarView::ALL.into_iter().find(|v| v.as_str() == view);
        if view.is_none() {
            errors.add(
                "view",
                "invalid_choice",
                "view must be one of day, week, month",
            );
        }
        let parsed = NaiveDate::parse_from_str(date, "%Y-%m-%d")
            .ok()
            .filter(|_| date.len() == 10);
        match parsed {
            None => errors.add(
                "date",
                "invalid_format",
                format!("{date:?} is not a date in YYYY-MM-DD form"),
            ),
            Some(d) => {
                if let Err(e) = check_date(d) {
                    for f in e.field_errors() {
                        errors.add(f.field.clone(), &f.code, f.message.clone());
                    }
                }
            }
        }
        // A missing part has its problem in `errors`, so the placeholders never escape.
        errors.finish(CalendarRequest {
            view: view.unwrap_or_default(),
            date: parsed.unwrap_or(FIRST_DATE),
            include_archived,
        })
    }
}

/// Date rule: the anchor date lies between [`FIRST_DATE`] and [`LAST_DATE`] (`date`, code
/// `out_of_range`), so every period lies between 2000 and 2100 like statistics' periods.
fn check_date(date: NaiveDate) -> Result<()> {
    if (FIRST_DATE..=LAST_DATE).contains(&date) {
        Ok(())
    } else {
        Err(Error::field(
            "date",
            "out_of_range",
            format!("date must be between {FIRST_DATE} and {LAST_DATE}"),
        ))
    }
}

/// Request rule: the bounds of [`CalendarRequest::parse`], for a request built in code. A
/// period is at most 31 days by construction.
pub fn check_request(request: &CalendarRequest) -> Result<()> {
    check_date(request.date)
}

/// The first and last local dates (inclusive) of the period `view` shows around `date`: the
/// date itself, its ISO week from Monday to Sunday, or its calendar month.
///
/// ```
/// use chrono::NaiveDate;
/// use rdv_core::calendar::{CalendarView, period_dates};
///
/// let d = |s: &str| s.parse::<NaiveDate>().unwrap();
/// assert_eq!(period_dates(CalendarView::Week, d("2026-10-21")), (d("2026-10-19"), d("2026-10-25")));
/// assert_eq!(period_dates(CalendarView::Month, d("2026-02-14")), (d("2026-02-01"), d("2026-02-28")));
/// ```
pub fn period_dates(view: CalendarView, date: NaiveDate) -> (NaiveDate, NaiveDate) {
    match view {
        CalendarView::Day => (date, date),
        CalendarView::Week => {
            let monday = date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday()));
            (monday, monday + chrono::Days::new(6))
        }
        CalendarView::Month => {
            let first = date.with_day(1).unwrap_or(date);
            let next = first + chrono::Months::new(1);
            (first, next - chrono::Days::new(1))
        }
    }
}

/// One local day of a period and its UTC bounds.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct PeriodDay {
    /// The local date.
    pub date: NaiveDate,
    /// From its local midnight to the next one, in UTC.
    pub interval: Interval,
}

/// The offsets of `zone` around the local dates `first..=last` (two days of margin each side,
/// more than any UTC offset).
fn segments_around(zone: Tz, first: NaiveDate, last: NaiveDate) -> ZoneSegments {
    ZoneSegments::new(
        zone,
        Timestamp::from_secs((day_number(first) - 2) * DAY),
        Timestamp::from_secs((day_number(last) + 3) * DAY),
    )
}

/// The local days `first..=last` with their UTC bounds over `segments`: each from one local
/// midnight to the next under the policy of [`crate::tz`] (a missing midnight is read with the
/// offset before the gap). A day whose two midnights resolve to the same instant (a day the
/// zone skipped) is left out, so the days always tile their period.
fn local_days(segments: &ZoneSegments, first: NaiveDate, last: NaiveDate) -> Vec<PeriodDay> {
    let midnight = |day: i64| segments.local_to_utc(day * DAY);
    (day_number(first)..=day_number(last))
        .filter_map(|day| {
            let (start, end) = (midnight(day), midnight(day + 1));
            (start < end).then(|| PeriodDay {
                date: date_of_day(day),
                interval: Interval::from_secs_unchecked(start, end),
            })
        })
        .collect()
}

/// Period rule: the local days `view` shows around `date` in `zone`, in order, with their UTC
/// bounds. They tile the period: each day ends where the next begins, 23 or 25 hours long on
/// a DST change (Europe/Paris: 29 March 2026 is 23 hours, 25 October 2026 is 25).
///
/// ```
/// use chrono::NaiveDate;
/// use chrono_tz::Tz;
/// use rdv_core::calendar::{CalendarView, period_days};
///
/// let days = period_days(Tz::Europe__Paris, CalendarView::Week, "2026-10-21".parse().unwrap());
/// assert_eq!(days.len(), 7);
/// let sunday = days[6].interval;
/// assert_eq!(sunday.start().to_string(), "2026-10-24T22:00:00Z");
/// assert_eq!(sunday.end().to_string(), "2026-10-25T23:00:00Z");
/// assert_eq!(sunday.duration_secs(), 25 * 3600);
/// ```
pub fn period_days(zone: Tz, view: CalendarView, date: NaiveDate) -> Vec<PeriodDay> {
    let (first, last) = period_dates(view, date);
    local_days(&segments_around(zone, first, last), first, last)
}

/// Spans of `a` not covered by `b`; both sorted and disjoint, and so is the result.
fn subtract(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let mut j = 0;
    for &(start, end) in a {
        while j < b.len() && b[j].1 <= start {
            j += 1;
        }
        let mut from = start;
        let mut k = j;
        while k < b.len() && b[k].0 < end && from < end {
            if b[k].0 > from {
                out.push((from, b[k].0));
            }
            from = from.max(b[k].1);
            k += 1;
        }
        if from < end {
            out.push((from, end));
        }
    }
    out
}

/// Clip rule: the parts of sorted, disjoint `spans` inside `day`, as intervals.
pub fn clip(spans: &[(i64, i64)], day: Interval) -> Vec<Interval> {
    let (lo, hi) = (day.start().secs(), day.end().secs());
    spans
        .iter()
        .filter(|s| s.0 < hi && s.1 > lo)
        .map(|s| Interval::from_secs_unchecked(s.0.max(lo), s.1.min(hi)))
        .collect()
}

/// The part of `interval` inside `day`, if they overlap.
fn clip_interval(interval: Interval, day: Interval) -> Option<Interval> {
    let start = interval.start().max(day.start());
    let end = interval.end().min(day.end());
    (start < end).then(|| Interval::from_secs_unchecked(start.secs(), end.secs()))
}

/// Opening-hours rule: the business's opening hours over the local days
/// `first_day..=last_day` (day numbers) as sorted, disjoint UTC spans: its weekly hours, a
/// date's special hours replacing its weekday's, minus every closure.
pub fn opening_hours_of(
    business: &Business,
    segments: &ZoneSegments,
    first_day: i64,
    last_day: i64,
) -> Vec<(i64, i64)> {
    let open = opening_spans(
        &business.opening_hours,
        &business.special_hours,
        segments,
        first_day,
        last_day,
    );
    subtract(&open, &closure_spans(&business.closures, segments))
}

/// Working-hours rule: when `resource` works over the local days `first_day..=last_day`: the
/// business's opening hours ([`opening_hours_of`]) narrowed by the resource's own weekly
/// working hours when it has some (`None`: the business's hours), as slots narrow them. The
/// business's special hours and closures apply to every resource.
pub fn working_hours_of(
    business: &Business,
    resource: &Resource,
    segments: &ZoneSegments,
    first_day: i64,
    last_day: i64,
) -> Vec<(i64, i64)> {
    let open = opening_hours_of(business, segments, first_day, last_day);
    match &resource.working_hours {
        Some(working) => intersect(
            &open,
            &opening_spans(working, &[], segments, first_day, last_day),
        ),
        None => open,
    }
}

/// Busy rule of the calendar: a reservation in `status` keeps its time from the free gaps
/// exactly when it holds its slot for slots and bookings (pending or confirmed,
/// [`ReservationStatus::is_active`]).
pub const fn blocks_free_time(status: ReservationStatus) -> bool {
    status.is_active()
}

/// Whether a resource can have free gaps at all: an inactive one takes no new bookings
/// ([`crate::resources`]).
pub const fn takes_bookings(resource: &Resource) -> bool {
    resource.active
}

/// Free-gap rule: the parts of `windows` inside `working` that no `blocked` range covers.
/// Inputs are spans in any order (they are sorted and merged here); the gaps come out sorted,
/// disjoint and not touching.
///
/// ```
/// use rdv_core::calendar::free_gaps;
///
/// let windows = [(100, 200), (200, 300)];
/// let working = [(0, 250)];
/// let blocked = [(120, 130), (140, 150)];
/// assert_eq!(free_gaps(&windows, &working, &blocked), [(100, 120), (130, 140), (150, 250)]);
/// ```
pub fn free_gaps(
    windows: &[(i64, i64)],
    working: &[(i64, i64)],
    blocked: &[(i64, i64)],
) -> Vec<(i64, i64)> {
    let mut windows = windows.to_vec();
    merge_spans(&mut windows);
    let mut working = working.to_vec();
    merge_spans(&mut working);
    let mut blocked = blocked.to_vec();
    merge_spans(&mut blocked);
    subtract(&intersect(&windows, &working), &blocked)
}

/// A closure as one day shows it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarClosure {
    /// The closed part of the day.
    pub interval: Interval,
    /// The closure's label ("Christmas"), if any.
    pub reason: Option<String>,
}

/// One local day of the business: its bounds, opening hours, special hours and closures (the
/// same for every resource).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarDay {
    /// The local date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// From its local midnight to the next one, in UTC (23 or 25 hours on a DST change).
    pub interval: Interval,
    /// When the business is open that day: weekly or special hours, closures removed.
    pub opening_hours: Vec<Interval>,
    /// The special hours that replace the weekday's on this date, if any.
    pub special_hours: Option<SpecialHours>,
    /// The closures that day, each cut to the day.
    pub closures: Vec<CalendarClosure>,
}

/// An availability window as one day shows it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarWindow {
    /// The window.
    pub id: AvailabilityId,
    /// Its part of the day.
    pub interval: Interval,
}

/// A reservation as the calendar shows it: when, its status, what was booked, who booked.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CalendarReservation {
    /// The reservation.
    pub id: ReservationId,
    /// The appointment, whole (it may run past the day's end).
    pub interval: Interval,
    /// Buffer before it, in minutes.
    pub buffer_before_minutes: u32,
    /// Buffer after it, in minutes.
    pub buffer_after_minutes: u32,
    /// Its status; only pending and confirmed ones take time from the free gaps.
    pub status: ReservationStatus,
    /// The service booked.
    pub service_id: ServiceId,
    /// Its name.
    pub service_name: String,
    /// Who booked (empty when the client's profile is gone).
    pub client: ClientContact,
}

impl CalendarReservation {
    /// The calendar's form of a reservation read with its names.
    pub fn of(view: &ReservationView) -> Self {
        let r = &view.reservation;
        Self {
            id: r.id,
            interval: r.interval,
            buffer_before_minutes: r.buffer_before_minutes,
            buffer_after_minutes: r.buffer_after_minutes,
            status: r.status,
            service_id: r.service_id,
            service_name: view.service_name.clone(),
            client: view.client.clone(),
        }
    }
}

/// A reservation as the calendar reads it from the store
/// ([`ReservationStore::calendar_reservations`](crate::ports::ReservationStore::calendar_reservations)):
/// what the calendar shows of it and the resource it holds, nothing else (no history, no
/// price), so the read stays narrow.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CalendarRow {
    /// The resource it holds.
    pub resource_id: ResourceId,
    /// What the calendar shows.
    pub reservation: CalendarReservation,
}

impl CalendarRow {
    /// The calendar's row of a reservation read with its names.
    pub fn of(view: &ReservationView) -> Self {
        Self {
            resource_id: view.reservation.resource_id,
            reservation: CalendarReservation::of(view),
        }
    }
}

/// One resource on one local day.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceDay {
    /// The local date.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// When the resource works that day ([`working_hours_of`]).
    pub working_hours: Vec<Interval>,
    /// Its availability windows, each cut to the day.
    pub windows: Vec<CalendarWindow>,
    /// Its reservations whose appointment meets the day, by start, of every status.
    pub reservations: Vec<CalendarReservation>,
    /// Its free gaps that day ([`free_gaps`]), cut at the day's bounds.
    pub free: Vec<Interval>,
}

/// The calendar of one resource over the period.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceCalendar {
    /// The resource.
    pub resource_id: ResourceId,
    /// Its name.
    pub name: String,
    /// Staff or room.
    pub kind: ResourceKind,
    /// Whether it takes new bookings (an inactive resource has no free gaps).
    pub active: bool,
    /// One entry per day of the period, in order.
    pub days: Vec<ResourceDay>,
}

/// The business calendar of one period (ADV-1).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Calendar {
    /// The view asked for.
    pub view: CalendarView,
    /// The anchor date asked for.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub date: NaiveDate,
    /// The business's time zone, in which the days are cut.
    pub time_zone: Zone,
    /// The whole period: from the first day's start to the last day's end.
    pub period: Interval,
    /// The days of the period, in order; they tile it.
    pub days: Vec<CalendarDay>,
    /// Every resource of the business (deleted ones excepted), in the order given.
    pub resources: Vec<ResourceCalendar>,
}

/// What the calendar is computed from.
#[derive(Clone, Copy, Debug)]
pub struct CalendarInputs<'a> {
    /// The business.
    pub business: &'a Business,
    /// Its resources, in display order.
    pub resources: &'a [Resource],
    /// The windows of those resources meeting the period, in any order.
    pub windows: &'a [AvailabilityWindow],
    /// The business's reservations whose blocked range meets the period, in any order;
    /// those of resources not in `resources` are ignored.
    pub reservations: &'a [CalendarRow],
}

/// The period a request covers, in UTC, or `None` when every day of it was skipped by the
/// zone (never for real zones and a week or a month). What the use case reads.
pub fn period_of(zone: Tz, request: &CalendarRequest) -> Option<Interval> {
    let days = period_days(zone, request.view, request.date);
    let (first, last) = (days.first()?, days.last()?);
    Interval::new(first.interval.start(), last.interval.end()).ok()
}

/// Builds the calendar of `request` from `inputs` with the rules of this module. Fails only
/// on a request outside [`check_request`]'s bounds.
pub fn build_calendar(request: &CalendarRequest, inputs: &CalendarInputs<'_>) -> Result<Calendar> {
    check_request(request)?;
    let business = inputs.business;
    let (first, last) = period_dates(request.view, request.date);
    let segments = segments_around(business.time_zone.0, first, last);
    let days = local_days(&segments, first, last);
    let period = match (days.first(), days.last()) {
        (Some(a), Some(b)) => Interval::new(a.interval.start(), b.interval.end())?,
        _ => {
            return Err(Error::field(
                "date",
                "out_of_range",
                "the time zone skips every day of this period",
            ));
        }
    };
    // One day of margin each side: a range ending at 24:00 joins the next day's 00:00, and a
    // day's local midnights may fall on either side of a UTC date.
    let (first_day, last_day) = (day_number(first) - 1, day_number(last) + 1);
    let opening = opening_hours_of(business, &segments, first_day, last_day);
    let closures: Vec<(Interval, &Option<String>)> = business
        .closures
        .iter()
        .filter_map(|c| c.to_interval(&segments).map(|i| (i, &c.reason)))
        .collect();
    let calendar_days = days
        .iter()
        .map(|day| CalendarDay {
            date: day.date,
            interval: day.interval,
            opening_hours: clip(&opening, day.interval),
            special_hours: business
                .special_hours
                .iter()
                .find(|s| s.date == day.date)
                .cloned(),
            closures: closures
                .iter()
                .filter_map(|(i, reason)| {
                    let interval = clip_interval(*i, day.interval)?;
                    let reason = (*reason).clone();
                    Some(CalendarClosure { interval, reason })
                })
                .collect(),
        })
        .collect();
    let resources = inputs
        .resources
        .iter()
        .map(|resource| {
            resource_calendar(resource, inputs, &segments, &days, (first_day, last_day))
        })
        .collect();
    Ok(Calendar {
        view: request.view,
        date: request.date,
        time_zone: business.time_zone,
        period,
        days: calendar_days,
        resources,
    })
}

/// The calendar of one resource over `days`.
fn resource_calendar(
    resource: &Resource,
    inputs: &CalendarInputs<'_>,
    segments: &ZoneSegments,
    days: &[PeriodDay],
    (first_day, last_day): (i64, i64),
) -> ResourceCalendar {
    let working = working_hours_of(inputs.business, resource, segments, first_day, last_day);
    let mut windows: Vec<&AvailabilityWindow> = inputs
        .windows
        .iter()
        .filter(|w| w.resource_id == resource.id)
        .collect();
    windows.sort_by_key(|w| (w.interval.start(), w.id));
    let mut reservations: Vec<&CalendarReservation> = inputs
        .reservations
        .iter()
        .filter(|row| row.resource_id == resource.id)
        .map(|row| &row.reservation)
        .collect();
    reservations.sort_by_key(|r| (r.interval.start(), r.id));
    let free = if takes_bookings(resource) {
        let spans = |i: Interval| (i.start().secs(), i.end().secs());
        let window_spans: Vec<_> = windows.iter().map(|w| spans(w.interval)).collect();
        let blocked: Vec<_> = reservations
            .iter()
            .filter(|r| blocks_free_time(r.status))
            .map(|r| {
                spans(r.interval.widened(
                    i64::from(r.buffer_before_minutes) * MINUTE,
                    i64::from(r.buffer_after_minutes) * MINUTE,
                ))
            })
            .collect();
        free_gaps(&window_spans, &working, &blocked)
    } else {
        Vec::new()
    };
    let days = days
        .iter()
        .map(|day| ResourceDay {
            date: day.date,
            working_hours: clip(&working, day.interval),
            windows: windows
                .iter()
                .filter_map(|w| {
                    let interval = clip_interval(w.interval, day.interval)?;
                    Some(CalendarWindow { id: w.id, interval })
                })
                .collect(),
            reservations: reservations
                .iter()
                .filter(|r| r.interval.overlaps(&day.interval))
                .map(|r| (*r).clone())
                .collect(),
            free: clip(&free, day.interval),
        })
        .collect();
    ResourceCalendar {
        resource_id: resource.id,
        name: resource.name.clone(),
        kind: resource.kind,
        active: resource.active,
        days,
    }
}

#[cfg(test)]
mod tests;
