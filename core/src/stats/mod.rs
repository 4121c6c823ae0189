//! Statistics of a business (BIZ-5, STAT-2, STAT-3): which reservations count in which figure
//! and bucket, the bounds of a request, the buckets in the business's time zone, the port's
//! aggregate rows, and the pure functions that turn those rows into the figures.
//!
//! A request ([`StatsQuery`]) names a period, a bucket size (day, week or month in the
//! business's time zone) and optionally one service and one resource. The core checks it
//! ([`check_period`], [`check_bucket_count`]), cuts the period at local midnights ([`buckets`],
//! DST-correct through [`crate::tz`]) and asks the store
//! ([`StatsStore`](crate::ports::StatsStore)) for [`AggregateRows`] over those boundaries:
//! once for the period and once, as a single bucket, for the previous period of equal length
//! ([`previous_period`]). Stores group and sum in the database, without loading reservations;
//! [`aggregate`] is the reference of what they return (the in-memory store runs it), and
//! [`statistics`] turns the rows into the figures.
//!
//! # What counts where
//!
//! Every reservation of the business counts, live or archived (PERF-5), when it matches the
//! service and resource filters.
//!
//! * **Created**: reservations whose `created_at` falls in the period, in the bucket of their
//!   creation, whatever their status or appointment time. Their mean **lead time** is the mean
//!   of `start − created_at`, in minutes.
//! * **Appointments** and the counts by **status**: reservations whose *start* falls in the
//!   period, in the bucket of their start, by their current status (pending, confirmed,
//!   completed, no-show, cancelled by the client, cancelled by the business). The six counts
//!   add up to the appointments; a completed reservation is no longer counted as confirmed.
//! * **Revenue**, in minor units per currency (never converted), of the same reservations:
//!   *completed* revenue (status completed) and *booked* revenue (pending or confirmed, not
//!   yet completed), by bucket, by service and by resource. No-shows and cancellations bring
//!   none.
//! * **Booked minutes**: the time resources spend in appointments (buffers excluded), of
//!   reservations that hold it ([`holds_time`]: every status but the two cancellations); a
//!   group session counts once however many of its seats are taken (its seats share one
//!   interval of one resource). **Available minutes**: the
//!   availability windows of the resources concerned (every resource of the business; with a
//!   service filter, the service's resources; with a resource filter, that resource). Both are
//!   clipped to each bucket and to the period, so an appointment across midnight counts on
//!   both days and one that began before the period counts its part inside it.
//!   **Utilisation** = booked ÷ available minutes; it exceeds 1 only when reservations lie
//!   outside the windows (a window shortened after booking).
//! * **Cancellation rate** = (cancelled by the client + by the business) ÷ appointments.
//!   **No-show rate** = no-shows ÷ (completed + no-shows), the appointments whose outcome is
//!   known. A rate or mean whose denominator is zero is `null`.
//! * **Busiest weekdays and hours**: appointments that hold their time, by the local weekday
//!   and hour of their start; the busiest is the one with most appointments, the earliest on a
//!   tie.
//!
//! Every total comes with its value over the previous period: as many seconds of real time,
//! ending where the period starts (for a month of 743 hours, the 743 hours before it). The
//! per-bucket series are of the period only.
//!
//! # Bounds
//!
//! A period lasts at most [`MAX_PERIOD_DAYS`] days (a leap year: a year compared with the
//! year before) and lies between [`EARLIEST`] and [`LATEST`]; it is cut into at most
//! [`MAX_BUCKETS`] buckets (the day buckets of the longest period, partial first and last days
//! included, are 368).

mod figures;
#[cfg(test)]
mod tests;

pub use figures::*;

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::model::{
    AvailabilityWindow, BusinessId, Currency, Reservation, ReservationStatus, ResourceId, ServiceId,
};
use crate::time::{DAY, Interval, Timestamp, date_of_day, day_number};
use crate::tz::ZoneSegments;

/// Longest period of one request, in days.
pub const MAX_PERIOD_DAYS: u32 = 366;

/// Most buckets one request is cut into.
pub const MAX_BUCKETS: usize = 370;

/// Earliest instant a period may start at: 2000-01-01T00:00:00Z.
pub const EARLIEST: Timestamp = Timestamp::from_secs(946_684_800);

/// Latest instant a period may end at: 2100-01-01T00:00:00Z.
pub const LATEST: Timestamp = Timestamp::from_secs(4_102_444_800);

/// The size of a bucket, in the business's time zone.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Bucket {
    /// From one local midnight to the next (23 or 25 hours on DST change days).
    #[default]
    Day,
    /// From Monday 00:00 to the next Monday 00:00 (ISO weeks).
    Week,
    /// From the 1st at 00:00 to the next month's 1st at 00:00.
    Month,
}

/// A statistics request (BIZ-5): a period, how to cut it, and optional filters.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StatsQuery {
    /// The period, at most [`MAX_PERIOD_DAYS`] days.
    pub period: Interval,
    /// The bucket size of the series.
    #[serde(default)]
    pub bucket: Bucket,
    /// Only reservations of this service (and, for available time, its resources' windows).
    #[serde(default)]
    pub service_id: Option<ServiceId>,
    /// Only reservations with this resource (and, for available time, its windows).
    #[serde(default)]
    pub resource_id: Option<ResourceId>,
}

/// Period rule: a period lies between [`EARLIEST`] and [`LATEST`] (`out_of_range` on `from`
/// or `to`) and lasts at most [`MAX_PERIOD_DAYS`] days (`RANGE_TOO_LARGE`).
pub fn check_period(period: Interval) -> Result<()> {
    if period.start() < EARLIEST {
        return Err(Error::field(
            "from",
            "out_of_range",
            format!("from must be {EARLIEST} or later"),
        ));
    }
    if period.end() > LATEST {
        return Err(Error::field(
            "to",
            "out_of_range",
            format!("to must be {LATEST} or earlier"),
        ));
    }
    if period.duration_secs() > i64::from(MAX_PERIOD_DAYS) * DAY {
        return Err(Error::RangeTooLarge {
            max_days: MAX_PERIOD_DAYS,
        });
    }
    Ok(())
}

/// Bucket count rule: a period is cut into at most [`MAX_BUCKETS`] buckets (`out_of_range` on
/// `bucket`).
pub fn check_bucket_count(count: usize) -> Result<()> {
    if count > MAX_BUCKETS {
        return Err(Error::field(
            "bucket",
            "out_of_range",
            format!("bucket cuts the period into more than {MAX_BUCKETS} buckets"),
        ));
    }
    Ok(())
}

/// The previous period of equal length: as many seconds, ending where `period` starts.
pub fn previous_period(period: Interval) -> Interval {
    period.widened(period.duration_secs(), -period.duration_secs())
}

/// Whether a reservation in this status holds its time, for booked minutes and the busiest
/// weekdays and hours: every status but the two cancellations.
pub const fn holds_time(status: ReservationStatus) -> bool {
    !matches!(
        status,
        ReservationStatus::CancelledByClient | ReservationStatus::CancelledByBusiness
    )
}

/// One bucket of a period.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct BucketSpan {
    /// Its part of the period: the natural bucket clipped to the period.
    pub interval: Interval,
    /// The local date the natural bucket begins on: the day, the week's Monday, the month's
    /// 1st.
    pub label: NaiveDate,
}

/// The first local date of the natural bucket holding `date`.
fn bucket_start(date: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => date,
        Bucket::Week => date - chrono::Days::new(u64::from(date.weekday().num_days_from_monday())),
        Bucket::Month => date.with_day(1).unwrap_or(date),
    }
}

/// The first local date of the natural bucket after the one starting on `start`.
fn next_bucket_start(start: NaiveDate, bucket: Bucket) -> NaiveDate {
    match bucket {
        Bucket::Day => start + chrono::Days::new(1),
        Bucket::Week => start + chrono::Days::new(7),
        Bucket::Month => start + chrono::Months::new(1),
    }
}

/// Cuts `period` into buckets at the local midnights of `zone` that start a day, an ISO week
/// or a month, under the DST policy of [`crate::tz`] (a missing midnight is read with the
/// offset before the gap, so the day starts when the clocks have jumped; a repeated one is
/// its first occurrence). The first and last buckets are clipped to the period; each is
/// labelled with the natural bucket of the local date it starts on. Bounded by
/// [`check_bucket_count`].
pub fn buckets(zone: Tz, period: Interval, bucket: Bucket) -> Result<Vec<BucketSpan>> {
    let segments = ZoneSegments::new(
        zone,
        period.start().add_secs(-2 * DAY),
        period.end().add_secs(2 * DAY),
    );
    let midnight =
        |date: NaiveDate| Timestamp::from_secs(segments.local_to_utc(day_number(date) * DAY));
    let mut start = period.start();
    let mut out = Vec::new();
    while start < period.end() {
        let local_day = segments.utc_to_local(start.secs()).div_euclid(DAY);
        let label = bucket_start(date_of_day(local_day), bucket);
        let mut next = next_bucket_start(label, bucket);
        // A midnight the policy resolves at or before the bucket's start (a day a zone
        // skipped whole) adds no bucket.
        while midnight(next) <= start {
            next = next_bucket_start(next, bucket);
        }
        let end = midnight(next).min(period.end());
        check_bucket_count(out.len() + 1)?;
        out.push(BucketSpan {
            interval: Interval::new(start, end)?,
            label,
        });
        start = end;
    }
    Ok(out)
}

/// The UTC offsets of the business's zone over a range, so a store can place an instant at
/// its local weekday and hour with integer arithmetic (no time-zone database in SQL).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ZoneOffsets {
    /// Offset (seconds east of UTC) in force at the range's start.
    pub initial: i32,
    /// Each change inside the range: `(first instant of the new offset, new offset)`, in
    /// time order.
    pub changes: Vec<(Timestamp, i32)>,
}

impl ZoneOffsets {
    /// The offsets of `zone` over `range`.
    pub fn new(zone: Tz, range: Interval) -> Self {
        let segments = ZoneSegments::new(zone, range.start(), range.end());
        Self {
            initial: segments.initial_offset(),
            changes: segments
                .changes()
                .iter()
                .map(|&(at, offset)| (Timestamp::from_secs(at), offset))
                .collect(),
        }
    }

    /// Local wall-clock seconds (since 1970-01-01T00:00 local) of an instant of the range.
    pub fn local_secs(&self, utc: Timestamp) -> i64 {
        let offset = self
            .changes
            .iter()
            .take_while(|(at, _)| *at <= utc)
            .last()
            .map_or(self.initial, |&(_, offset)| offset);
        utc.secs() + i64::from(offset)
    }
}

/// Local weekday (Monday = 0) and hour of local wall-clock seconds, as stores compute them:
/// `(local / 86400 + 3) mod 7` and `(local mod 86400) / 3600` (the range starts after 1970).
pub fn weekday_and_hour(local_secs: i64) -> (u8, u8) {
    let weekday = (local_secs.div_euclid(DAY) + 3).rem_euclid(7);
    let hour = local_secs.rem_euclid(DAY) / 3600;
    (weekday as u8, hour as u8)
}

/// What a store aggregates ([`StatsStore::stats_aggregates`](crate::ports::StatsStore)): a
/// business's reservations and windows over a range cut into buckets, with the filters.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AggregateRequest {
    business_id: BusinessId,
    service_id: Option<ServiceId>,
    resource_id: Option<ResourceId>,
    window_resources: Option<Vec<ResourceId>>,
    boundaries: Vec<Timestamp>,
    offsets: ZoneOffsets,
}

impl AggregateRequest {
    /// A request over the buckets `spans` (contiguous, in order, at least one); fails with
    /// `INVALID_INTERVAL` otherwise.
    pub fn new(
        business_id: BusinessId,
        filters: (Option<ServiceId>, Option<ResourceId>),
        window_resources: Option<Vec<ResourceId>>,
        spans: &[Interval],
        offsets: ZoneOffsets,
    ) -> Result<Self> {
        let (first, rest) = spans.split_first().ok_or_else(|| Error::InvalidInterval {
            reason: "statistics need at least one bucket".into(),
        })?;
        let mut boundaries = vec![first.start(), first.end()];
        for span in rest {
            if Some(&span.start()) != boundaries.last() {
                return Err(Error::InvalidInterval {
                    reason: format!("bucket {span:?} does not follow the previous one"),
                });
            }
            boundaries.push(span.end());
        }
        Ok(Self {
            business_id,
            service_id: filters.0,
            resource_id: filters.1,
            window_resources,
            boundaries,
            offsets,
        })
    }

    /// The business.
    pub fn business_id(&self) -> BusinessId {
        self.business_id
    }

    /// Only reservations of this service.
    pub fn service_id(&self) -> Option<ServiceId> {
        self.service_id
    }

    /// Only reservations with this resource.
    pub fn resource_id(&self) -> Option<ResourceId> {
        self.resource_id
    }

    /// Whose windows count as available time: `None` for every resource of the business.
    pub fn window_resources(&self) -> Option<&[ResourceId]> {
        self.window_resources.as_deref()
    }

    /// The bucket boundaries `b0 < b1 < … < bn`: bucket `k` is `[b_k, b_k+1)`.
    pub fn boundaries(&self) -> &[Timestamp] {
        &self.boundaries
    }

    /// The whole range `[b0, bn)`.
    pub fn range(&self) -> Interval {
        let (first, last) = (
            self.boundaries[0],
            self.boundaries[self.boundaries.len() - 1],
        );
        Interval::from_secs_unchecked(first.secs(), last.secs())
    }

    /// How many buckets.
    pub fn bucket_count(&self) -> usize {
        self.boundaries.len() - 1
    }

    /// The zone's offsets over the range.
    pub fn offsets(&self) -> &ZoneOffsets {
        &self.offsets
    }

    /// The bucket of an instant: the last whose start is at or before it (0 before the
    /// range, the last one after it).
    pub fn bucket_of(&self, t: Timestamp) -> u32 {
        let after = self.boundaries[1..self.boundaries.len() - 1].partition_point(|&b| b <= t);
        after as u32
    }

    /// Whether a reservation passes the business and the filters.
    pub fn matches(&self, r: &Reservation) -> bool {
        r.business_id == self.business_id
            && self.service_id.is_none_or(|s| r.service_id == s)
            && self.resource_id.is_none_or(|x| r.resource_id == x)
    }

    /// Whether a window counts as available time.
    pub fn counts_window(&self, w: &AvailabilityWindow) -> bool {
        w.business_id == self.business_id
            && self
                .window_resources
                .as_ref()
                .is_none_or(|list| list.contains(&w.resource_id))
    }
}

/// Reservations whose start falls in one bucket, with one status and currency.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct OutcomeRow {
    /// The bucket of the start.
    pub bucket: u32,
    /// The current status.
    pub status: ReservationStatus,
    /// The price's currency.
    pub currency: Currency,
    /// How many.
    pub count: u64,
    /// The sum of their prices, in minor units.
    pub amount_minor: i64,
}

/// Reservations starting in the range with one service (or resource), status and currency.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct GroupRow {
    /// The service's or resource's id.
    pub key: Uuid,
    /// The current status.
    pub status: ReservationStatus,
    /// The price's currency.
    pub currency: Currency,
    /// How many.
    pub count: u64,
    /// The sum of their prices, in minor units.
    pub amount_minor: i64,
}

/// Reservations created in one bucket.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CreatedRow {
    /// The bucket of `created_at`.
    pub bucket: u32,
    /// How many.
    pub count: u64,
    /// The sum of their lead times (`start − created_at`), in seconds.
    pub lead_secs: i64,
}

/// Reservations starting in the range that hold their time ([`holds_time`]), at one local
/// weekday and hour of their start.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SlotRow {
    /// Local weekday, Monday = 0 … Sunday = 6.
    pub weekday: u8,
    /// Local hour, 0 … 23.
    pub hour: u8,
    /// How many.
    pub count: u64,
}

/// Intervals clipped to the range (`lo = max(start, b0)`, `hi = min(end, bn)`) whose first
/// instant is in bucket `first` and last instant in bucket `last`: [`statistics`] spreads
/// them over the buckets from these sums alone.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SpanRow {
    /// The bucket of `lo`.
    pub first: u32,
    /// The bucket of `hi − 1 s`.
    pub last: u32,
    /// How many intervals.
    pub count: u64,
    /// The sum of their `lo`, in seconds since the epoch.
    pub start_secs: i64,
    /// The sum of their `hi`, in seconds since the epoch.
    pub end_secs: i64,
}

/// What a store returns for an [`AggregateRequest`], rows in any order.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct AggregateRows {
    /// Reservations starting in the range, by bucket, status and currency.
    pub outcomes: Vec<OutcomeRow>,
    /// Reservations starting in the range, by service, status and currency.
    pub by_service: Vec<GroupRow>,
    /// Reservations starting in the range, by resource, status and currency.
    pub by_resource: Vec<GroupRow>,
    /// Reservations created in the range, by bucket.
    pub created: Vec<CreatedRow>,
    /// Reservations starting in the range that hold their time, by local weekday and hour.
    pub slots: Vec<SlotRow>,
    /// Appointment intervals of reservations that hold their time meeting the range, each
    /// interval of a resource once (a group session's seats share one). A store may return
    /// an interval as its pieces cut at bucket boundaries: [`spread`] adds them up to the same
    /// minutes.
    pub booked: Vec<SpanRow>,
    /// Availability windows that count, meeting the range.
    pub available: Vec<SpanRow>,
}

/// Adds one clipped interval to span rows keyed by `(first, last)`.
fn add_span(
    spans: &mut BTreeMap<(u32, u32), (u64, i64, i64)>,
    request: &AggregateRequest,
    interval: Interval,
) {
    let range = request.range();
    if !interval.overlaps(&range) {
        return;
    }
    let lo = interval.start().max(range.start());
    let hi = interval.end().min(range.end());
    let key = (request.bucket_of(lo), request.bucket_of(hi.add_secs(-1)));
    let entry = spans.entry(key).or_default();
    entry.0 += 1;
    entry.1 += lo.secs();
    entry.2 += hi.secs();
}

fn span_rows(spans: BTreeMap<(u32, u32), (u64, i64, i64)>) -> Vec<SpanRow> {
    spans
        .into_iter()
        .map(|((first, last), (count, start_secs, end_secs))| SpanRow {
            first,
            last,
            count,
            start_secs,
            end_secs,
        })
        .collect()
}

/// The reference of [`StatsStore::stats_aggregates`](crate::ports::StatsStore): the rows of
/// `request` over these reservations (live and archived) and windows, sorted. The in-memory
/// store returns exactly this; SQL stores compute the same sums in the database.
pub fn aggregate<'a>(
    request: &AggregateRequest,
    reservations: impl IntoIterator<Item = &'a Reservation>,
    windows: impl IntoIterator<Item = &'a AvailabilityWindow>,
) -> AggregateRows {
    let range = request.range();
    let mut outcomes: BTreeMap<(u32, &str, Currency), (ReservationStatus, u64, i64)> =
        BTreeMap::new();
    let mut by_service: BTreeMap<(Uuid, &str, Currency), (ReservationStatus, u64, i64)> =
        BTreeMap::new();
    let mut by_resource = by_service.clone();
    let mut created: BTreeMap<u32, (u64, i64)> = BTreeMap::new();
    let mut slots: BTreeMap<(u8, u8), u64> = BTreeMap::new();
    let mut booked = BTreeMap::new();
    let mut sessions = std::collections::BTreeSet::new();
    fn add<K: Ord>(map: &mut BTreeMap<K, (ReservationStatus, u64, i64)>, key: K, r: &Reservation) {
        let entry = map.entry(key).or_insert((r.status, 0, 0));
        entry.1 += 1;
        entry.2 += r.price.amount_minor;
    }
    for r in reservations.into_iter().filter(|r| request.matches(r)) {
        if range.contains_instant(r.created_at) {
            let entry = created.entry(request.bucket_of(r.created_at)).or_default();
            entry.0 += 1;
            entry.1 += r.interval.start().secs() - r.created_at.secs();
        }
        // A group session's seats share one interval of one resource: it counts once.
        if holds_time(r.status) && sessions.insert((r.resource_id, r.interval)) {
            add_span(&mut booked, request, r.interval);
        }
        let start = r.interval.start();
        if !range.contains_instant(start) {
            continue;
        }
        let (status, currency) = (r.status.as_str(), r.price.currency);
        add(
            &mut outcomes,
            (request.bucket_of(start), status, currency),
            r,
        );
        add(&mut by_service, (r.service_id.0, status, currency), r);
        add(&mut by_resource, (r.resource_id.0, status, currency), r);
        if holds_time(r.status) {
            let slot = weekday_and_hour(request.offsets().local_secs(start));
            *slots.entry(slot).or_default() += 1;
        }
    }
    let mut available = BTreeMap::new();
    for w in windows.into_iter().filter(|w| request.counts_window(w)) {
        add_span(&mut available, request, w.interval);
    }
    let groups = |map: BTreeMap<(Uuid, &str, Currency), (ReservationStatus, u64, i64)>| {
        map.into_iter()
            .map(
                |((key, _, currency), (status, count, amount_minor))| GroupRow {
                    key,
                    status,
                    currency,
                    count,
                    amount_minor,
                },
            )
            .collect()
    };
    AggregateRows {
        outcomes: outcomes
            .into_iter()
            .map(
                |((bucket, _, currency), (status, count, amount_minor))| OutcomeRow {
                    bucket,
                    status,
                    currency,
                    count,
                    amount_minor,
                },
            )
            .collect(),
        by_service: groups(by_service),
        by_resource: groups(by_resource),
        created: created
            .into_iter()
            .map(|(bucket, (count, lead_secs))| CreatedRow {
                bucket,
                count,
                lead_secs,
            })
            .collect(),
        slots: slots
            .into_iter()
            .map(|((weekday, hour), count)| SlotRow {
                weekday,
                hour,
                count,
            })
            .collect(),
        booked: span_rows(booked),
        available: span_rows(available),
    }
}
