//! Slot computation (CORE-5): what can be booked, and why a time cannot.
//!
//! A [`Schedule`] is everything needed to decide bookability for one service: the business's
//! zone, opening hours and closures, the service's [`SlotRules`], and per resource its
//! availability windows and busy periods (anonymised reservations). It is also the versioned
//! *schedule snapshot* that browsers and mobile apps receive, so every runtime computes the
//! same slots from the same input.
//!
//! # The rules
//!
//! * **Bookable intervals** are availability windows ∩ opening hours (both merged when they
//!   touch). Slots start on a grid anchored at the start of each bookable interval and spaced
//!   by `step_minutes`; an appointment must fit entirely inside one bookable interval.
//! * A candidate is refused when it starts before `now` ([`Error::SlotInPast`]), before
//!   `now + min_notice` ([`Error::MinimumNotice`]), after `now + horizon`
//!   ([`Error::BeyondHorizon`]), touches a closure ([`Error::BusinessClosed`]), overlaps a
//!   reservation ([`Error::BookingOverlap`]) or only its buffers ([`Error::BufferConflict`]),
//!   or when a group slot has no seat left ([`Error::SlotFull`]). The first three are the
//!   time-limit rule, [`crate::time_limits::check_time_limits`].
//! * **Buffers.** A reservation blocks `[start − buffer_before, end + buffer_after)`. A
//!   candidate is free when its own blocked range (with the service's buffers) meets no other
//!   blocked range. Buffers may lie outside opening hours; the appointment itself may not.
//! * **Seats.** A group service (`seats > 1`) lets reservations of the same service at exactly
//!   the same time share the slot until the seats run out; anything else overlapping blocks it.
//! * **DST.** Slots are real-time intervals of exactly the service's duration. Wall times are
//!   converted with [`crate::tz`]'s policy once per day, so a weekly 09:00–17:00 stays 09:00–17:00
//!   local across a change, and a slot that crosses a missing hour is 30 real minutes long and
//!   shown with its true local end.
//!
//! # Speed
//!
//! [`compute_slots`] walks the grid once with monotone cursors over sorted closures and busy
//! periods (a prefix maximum of busy ends answers "does anything collide" in O(1)), so a month
//! with a thousand reservations costs microseconds. [`check_slot`] is the plain, readable
//! statement of the same rules for one time; property tests hold the two to the same answers.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorCode, FieldErrors, Result};
use crate::hours::{
    Closure, OpeningHours, SpecialHours, closure_spans, merge_spans, opening_spans,
};
use crate::model::{
    Business, BusyPeriod, OpenPeriod, Resource, ResourceId, Service, SlotRules, Zone,
};
use crate::time::{DAY, Interval, MINUTE, Timestamp};
use crate::time_limits::{TimeLimits, check_time_limits};
use crate::tz::ZoneSegments;

/// The snapshot format version this engine reads and writes.
pub const SNAPSHOT_VERSION: u32 = 1;

/// Longest range one slot query may cover.
pub const MAX_RANGE_DAYS: u32 = 366;

/// A period during which a resource is busy: an active reservation without client data.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Busy {
    /// Start of the appointment.
    pub start: Timestamp,
    /// End of the appointment.
    pub end: Timestamp,
    /// Buffer before it, in minutes.
    #[serde(default)]
    pub buffer_before_minutes: u32,
    /// Buffer after it, in minutes.
    #[serde(default)]
    pub buffer_after_minutes: u32,
    /// Whether it is a reservation of the service being scheduled (shares seats of a group
    /// slot at exactly the same time).
    #[serde(default)]
    pub same_service: bool,
}

impl Busy {
    /// A busy period without buffers from another service.
    pub fn new(interval: Interval) -> Self {
        Self {
            start: interval.start(),
            end: interval.end(),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            same_service: false,
        }
    }
}

/// The availability windows, working hours and busy periods of one resource.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResourceSchedule {
    /// The resource.
    pub resource_id: ResourceId,
    /// When it can be booked (any order; touching windows join).
    pub windows: Vec<Interval>,
    /// When it is already busy (any order).
    #[serde(default)]
    pub busy: Vec<Busy>,
    /// When it works, if not all the business's opening hours
    /// ([`crate::resources::validate_working_hours`]): slots need both. Left out when
    /// `None`, so snapshots of resources without working hours are unchanged; a reader that
    /// does not know the field refuses a snapshot that has it rather than offer the wrong
    /// times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub working_hours: Option<OpeningHours>,
}

/// Everything needed to compute the slots of one service: the schedule snapshot.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    /// Format version ([`SNAPSHOT_VERSION`]).
    pub version: u32,
    /// The business's time zone.
    pub time_zone: Zone,
    /// Weekly opening hours.
    pub opening_hours: OpeningHours,
    /// Holidays and exceptional closures.
    #[serde(default)]
    pub closures: Vec<Closure>,
    /// Dates whose opening hours replace their weekday's. Left out when empty, so snapshots
    /// without special hours are unchanged; a reader that does not know the field refuses a
    /// snapshot that has it rather than compute slots on the wrong hours.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub special_hours: Vec<SpecialHours>,
    /// The service's timing rules.
    pub rules: SlotRules,
    /// The resources that perform the service.
    pub resources: Vec<ResourceSchedule>,
}

impl Schedule {
    /// Builds the snapshot of `service` from domain entities. Only the service's resources
    /// found active in `resources` take part, in the service's order, with their working
    /// hours: a deactivated (or deleted) resource takes no new bookings
    /// ([`crate::resources`]). Windows and busy periods of other resources are ignored;
    /// `busy` holds active reservations only
    /// ([`crate::ports::ReservationStore::list_busy`]); `external` the busy times from other
    /// calendars ([`crate::busy_times`]), which block like a reservation of another service
    /// without buffers.
    pub fn for_service(
        business: &Business,
        service: &Service,
        resources: &[Resource],
        windows: &[OpenPeriod],
        busy: &[BusyPeriod],
        external: &[crate::busy_times::ExternalBusy],
    ) -> Self {
        let resources = service
            .resource_ids
            .iter()
            .filter_map(|&id| resources.iter().find(|r| r.id == id && r.active))
            .map(|resource| (resource.id, resource.working_hours.clone()))
            .map(|(resource_id, working_hours)| ResourceSchedule {
                resource_id,
                working_hours,
                windows: windows
                    .iter()
                    .filter(|w| w.resource_id == resource_id)
                    .map(|w| w.interval)
                    .collect(),
                busy: busy
                    .iter()
                    .filter(|r| r.resource_id == resource_id)
                    .map(|r| Busy {
                        start: r.interval.start(),
                        end: r.interval.end(),
                        buffer_before_minutes: r.buffer_before_minutes,
                        buffer_after_minutes: r.buffer_after_minutes,
                        same_service: r.service_id == service.id,
                    })
                    .chain(
                        external
                            .iter()
                            .filter(|b| b.resource_id == resource_id)
                            .map(|b| Busy::new(b.interval)),
                    )
                    .collect(),
            })
            .collect();
        Self {
            version: SNAPSHOT_VERSION,
            time_zone: business.time_zone,
            opening_hours: business.opening_hours.clone(),
            closures: business.closures.clone(),
            special_hours: business.special_hours.clone(),
            rules: service.rules,
            resources,
        }
    }

    /// Reads a schedule snapshot from its JSON text, with the engine's typed errors: an
    /// unsupported `version` fails with [`Error::UnsupportedSnapshotVersion`] and an unknown
    /// `time_zone` with [`Error::UnknownTimeZone`] (both checked before the rest of the
    /// document, so a newer format is reported as such); any other malformed content fails with
    /// [`Error::Validation`] on the field `snapshot`. This is how every runtime (server, WASM,
    /// mobile) reads the snapshot, so they all report the same codes.
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(snapshot_error)?;
        Self::from_json_value(value)
    }

    /// Like [`from_json`](Self::from_json), from an already parsed JSON value.
    pub fn from_json_value(value: serde_json::Value) -> Result<Self> {
        if let Some(found) = value.get("version").and_then(serde_json::Value::as_u64)
            && found != u64::from(SNAPSHOT_VERSION)
        {
            return Err(Error::UnsupportedSnapshotVersion {
                found: u32::try_from(found).unwrap_or(u32::MAX),
                expected: SNAPSHOT_VERSION,
            });
        }
        if let Some(name) = value.get("time_zone").and_then(serde_json::Value::as_str) {
            Zone::parse(name)?;
        }
        serde_json::from_value(value).map_err(snapshot_error)
    }

    fn check(&self) -> Result<()> {
        if self.version != SNAPSHOT_VERSION {
            return Err(Error::UnsupportedSnapshotVersion {
                found: self.version,
                expected: SNAPSHOT_VERSION,
            });
        }
        let r = &self.rules;
        let mut errors = FieldErrors::new();
        if r.duration_minutes == 0 || r.duration_minutes > 7 * 24 * 60 {
            errors.add(
                "rules.duration_minutes",
                "out_of_range",
                "duration_minutes must be between 1 and 10080",
            );
        }
        if r.step_minutes == 0 || r.step_minutes > 24 * 60 {
            errors.add(
                "rules.step_minutes",
                "out_of_range",
                "step_minutes must be between 1 and 1440",
            );
        }
        if r.seats == 0 {
            errors.add("rules.seats", "out_of_range", "seats must be at least 1");
        }
        for (i, resource) in self.resources.iter().enumerate() {
            if let Some(Err(e)) = resource.working_hours.as_ref().map(OpeningHours::validate) {
                for field in e.field_errors() {
                    let path = field.field.strip_prefix("opening_hours").unwrap_or("");
                    errors.add(
                        format!("resources[{i}].working_hours{path}"),
                        &field.code,
                        field.message.clone(),
                    );
                }
            }
        }
        errors.finish(())?;
        self.opening_hours.validate()?;
        crate::hours::validate_special_hours(&self.special_hours)
    }

    fn resource(&self, id: ResourceId) -> Result<&ResourceSchedule> {
        self.resources
            .iter()
            .find(|r| r.resource_id == id)
            .ok_or(Error::NotFound {
                entity: crate::error::Entity::Resource,
            })
    }
}

/// Which slots to list.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SlotQuery {
    /// Slots starting at or after this instant…
    pub from: Timestamp,
    /// …and before this one.
    pub to: Timestamp,
    /// The current time (injected; the engine never reads a clock).
    pub now: Timestamp,
    /// Most slots to return; the list says when it was cut.
    pub limit: usize,
}

/// One bookable slot.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Slot {
    /// The resource that would perform it.
    pub resource_id: ResourceId,
    /// Start.
    pub start: Timestamp,
    /// End (start + duration).
    pub end: Timestamp,
    /// Seats still free (1 for a free one-to-one slot).
    pub seats_left: u32,
}

/// The result of a slot query.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SlotList {
    /// Slots sorted by start, then by resource order in the schedule.
    pub slots: Vec<Slot>,
    /// Whether the limit cut the list short.
    pub truncated: bool,
}

/// One grid candidate and the verdict on it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Candidate {
    /// The resource.
    pub resource_id: ResourceId,
    /// Candidate start.
    pub start: Timestamp,
    /// Candidate end.
    pub end: Timestamp,
    /// `Ok(seats_left)` when bookable, else the code of the reason it is not.
    #[cfg_attr(
        feature = "openapi",
        schema(schema_with = crate::openapi::candidate_verdict)
    )]
    pub verdict: std::result::Result<u32, ErrorCode>,
}

/// One busy period in seconds: blocked range first (sort key), then the appointment itself.
#[derive(Clone, Copy, Debug)]
struct BusySpan {
    blocked_start: i64,
    blocked_end: i64,
    start: i64,
    end: i64,
    same_service: bool,
}

/// Per-query constants of the service.
#[derive(Clone, Copy)]
struct Timing {
    duration: i64,
    step: i64,
    buffer_before: i64,
    buffer_after: i64,
    notice: i64,
    horizon: i64,
    seats: u32,
}

impl Timing {
    fn of(rules: &SlotRules) -> Self {
        Self {
            duration: i64::from(rules.duration_minutes) * MINUTE,
            step: i64::from(rules.step_minutes) * MINUTE,
            buffer_before: i64::from(rules.buffer_before_minutes) * MINUTE,
            buffer_after: i64::from(rules.buffer_after_minutes) * MINUTE,
            notice: i64::from(rules.min_notice_minutes) * MINUTE,
            horizon: i64::from(rules.horizon_days) * DAY,
            seats: rules.seats,
        }
    }

    /// The notice and horizon, for [`check_time_limits`].
    fn limits(&self) -> TimeLimits {
        TimeLimits {
            notice_secs: self.notice,
            horizon_secs: self.horizon,
        }
    }
}

/// One resource's schedule turned into sorted second-resolution spans for `[from, to)`.
struct Prepared {
    bookable: Vec<(i64, i64)>,
    closures: Vec<(i64, i64)>,
    busy: Vec<BusySpan>,
    /// Blocked ranges of `busy` (or of every busy period when `busy` is not detailed), sorted
    /// by start: all the fast walk reads.
    blocked: Vec<(i64, i64)>,
    /// `busy_max_end[i]` = the largest end among `blocked[..=i]`.
    busy_max_end: Vec<i64>,
    /// Longest blocked range among `busy`, bounds backward scans.
    busy_max_len: i64,
}

fn local_day(segments: &ZoneSegments, utc: i64) -> i64 {
    segments.utc_to_local(utc).div_euclid(DAY)
}

impl Prepared {
    fn new(
        schedule: &Schedule,
        resource: &ResourceSchedule,
        timing: Timing,
        segments: &ZoneSegments,
        from: i64,
        to: i64,
        detailed: bool,
    ) -> Self {
        let mut windows: Vec<(i64, i64)> = resource
            .windows
            .iter()
            .map(|w| (w.start().secs(), w.end().secs()))
            .collect();
        merge_spans(&mut windows);
        // Keep the windows that can hold an appointment starting in [from, to).
        windows.retain(|w| w.1 > from && w.0 < to + timing.duration);

        let mut bookable = Vec::new();
        if let (Some(first), Some(last)) = (windows.first(), windows.last()) {
            // Opening spans from the first window's start, so that a bookable interval's
            // anchor (its start) never depends on the query range.
            let lo = first.0.min(from);
            let hi = last.1.min(to + timing.duration);
            let (first_day, last_day) = (local_day(segments, lo) - 1, local_day(segments, hi) + 1);
            let mut opening = opening_spans(
                &schedule.opening_hours,
                &schedule.special_hours,
                segments,
                first_day,
                last_day,
            );
            // A resource's working hours narrow the opening hours the same way, day by day
            // (special hours of the business apply to the opening hours only).
            if let Some(working) = &resource.working_hours {
                let working = opening_spans(working, &[], segments, first_day, last_day);
                opening = intersect(&opening, &working);
            }
            bookable = intersect(&opening, &windows);
        }

        let mut closures = closure_spans(&schedule.closures, segments);
        closures.retain(|c| c.1 > from && c.0 < to + timing.duration);

        let reach_lo = from - timing.buffer_before;
        let reach_hi = to + timing.duration + timing.buffer_after;
        let reaches = |b: &&Busy| {
            let blocked_start = b.start.secs() - i64::from(b.buffer_before_minutes) * MINUTE;
            let blocked_end = b.end.secs() + i64::from(b.buffer_after_minutes) * MINUTE;
            b.start < b.end && blocked_end > reach_lo && blocked_start < reach_hi
        };
        // The fast walk of a one-to-one service needs only the blocked ranges; the plain rules
        // and group slots need each period's details.
        let mut busy: Vec<BusySpan> = Vec::new();
        let mut blocked: Vec<(i64, i64)>;
        if detailed {
            busy = resource
                .busy
                .iter()
                .filter(reaches)
                .map(|b| BusySpan {
                    blocked_start: b.start.secs() - i64::from(b.buffer_before_minutes) * MINUTE,
                    blocked_end: b.end.secs() + i64::from(b.buffer_after_minutes) * MINUTE,
                    start: b.start.secs(),
                    end: b.end.secs(),
                    same_service: b.same_service,
                })
                .collect();
            busy.sort_unstable_by_key(|b| b.blocked_start);
            blocked = busy
                .iter()
                .map(|b| (b.blocked_start, b.blocked_end))
                .collect();
        } else {
            blocked = Vec::with_capacity(resource.busy.len());
            for b in &resource.busy {
                let blocked_start = b.start.secs() - i64::from(b.buffer_before_minutes) * MINUTE;
                let blocked_end = b.end.secs() + i64::from(b.buffer_after_minutes) * MINUTE;
                if b.start < b.end && blocked_end > reach_lo && blocked_start < reach_hi {
                    blocked.push((blocked_start, blocked_end));
                }
            }
            sort_by_start(&mut blocked);
        }
        let mut busy_max_end = Vec::with_capacity(blocked.len());
        let mut max_end = i64::MIN;
        let mut busy_max_len = 0;
        for &(start, end) in &blocked {
            max_end = max_end.max(end);
            busy_max_end.push(max_end);
            busy_max_len = busy_max_len.max(end - start);
        }
        Self {
            bookable,
            closures,
            busy,
            blocked,
            busy_max_end,
            busy_max_len,
        }
    }

    /// The plain statement of the rules for a candidate already known to lie on the grid of a
    /// bookable interval: time limits, closures, reservations, seats — in that order.
    fn judge(&self, timing: Timing, t: i64, now: i64) -> Result<u32> {
        check_time_limits(
            timing.limits(),
            Timestamp::from_secs(t),
            Timestamp::from_secs(now),
        )?;
        self.occupancy(timing, t)
    }

    /// The rules after the time limits, for a candidate inside a bookable interval:
    /// closures, reservations, seats — in that order.
    fn occupancy(&self, timing: Timing, t: i64) -> Result<u32> {
        let end = t + timing.duration;
        if self.closures.iter().any(|c| c.0 < end && t < c.1) {
            return Err(Error::BusinessClosed);
        }
        let (blocked_start, blocked_end) = (t - timing.buffer_before, end + timing.buffer_after);
        let mut overlap = false;
        let mut buffer = false;
        let mut taken = 0;
        for b in &self.busy {
            if !(b.blocked_start < blocked_end && blocked_start < b.blocked_end) {
                continue;
            }
            if timing.seats > 1 && b.same_service && b.start == t && b.end == end {
                taken += 1;
            } else if b.start < end && t < b.end {
                overlap = true;
            } else {
                buffer = true;
            }
        }
        if overlap {
            Err(Error::BookingOverlap)
        } else if buffer {
            Err(Error::BufferConflict)
        } else if taken >= timing.seats {
            Err(Error::SlotFull {
                seats: timing.seats,
            })
        } else {
            Ok(timing.seats - taken)
        }
    }

    /// Seats left for a group candidate whose blocked range collides with something: only
    /// reservations of the same service at exactly the same time may share it.
    fn group_seats_left(&self, timing: Timing, t: i64, upto: usize) -> Option<u32> {
        let end = t + timing.duration;
        let (blocked_start, blocked_end) = (t - timing.buffer_before, end + timing.buffer_after);
        let mut taken = 0;
        for b in self.busy[..upto].iter().rev() {
            if b.blocked_start + self.busy_max_len <= blocked_start {
                break;
            }
            if !(b.blocked_start < blocked_end && blocked_start < b.blocked_end) {
                continue;
            }
            if b.same_service && b.start == t && b.end == end {
                taken += 1;
            } else {
                return None;
            }
        }
        (taken < timing.seats).then(|| timing.seats - taken)
    }

    /// The fast walk: every free grid start in `[from, to)`, pushed to `out` until `limit`.
    /// Returns whether the limit cut the walk short.
    #[allow(
        clippy::too_many_arguments,
        reason = "the hot loop takes its inputs unpacked, with no struct to build per call"
    )]
    fn walk(
        &self,
        timing: Timing,
        resource_id: ResourceId,
        from: i64,
        to: i64,
        now: i64,
        limit: usize,
        out: &mut Vec<Slot>,
    ) -> bool {
        let earliest = from.max(now + timing.notice).max(now);
        let latest = now.saturating_add(timing.horizon);
        let (duration, step) = (timing.duration, timing.step);
        let estimate: i64 = self.bookable.iter().map(|&(a, b)| (b - a) / step + 1).sum();
        out.reserve((estimate.max(0) as usize).min(limit));
        let mut closure_at = 0;
        let mut busy_upto = 0;
        for &(a, b) in &self.bookable {
            if a >= to || a > latest {
                break;
            }
            let mut t = grid_at_or_after(a, step, earliest);
            while t + duration <= b && t < to && t <= latest {
                let end = t + duration;
                while closure_at < self.closures.len() && self.closures[closure_at].1 <= t {
                    closure_at += 1;
                }
                if let Some(&(c_start, c_end)) = self.closures.get(closure_at)
                    && c_start < end
                {
                    t = grid_at_or_after(a, step, c_end);
                    continue;
                }
                let blocked_end = end + timing.buffer_after;
                while busy_upto < self.blocked.len() && self.blocked[busy_upto].0 < blocked_end {
                    busy_upto += 1;
                }
                if busy_upto > 0 && self.busy_max_end[busy_upto - 1] > t - timing.buffer_before {
                    if timing.seats == 1 {
                        let free_from = self.busy_max_end[busy_upto - 1] + timing.buffer_before;
                        t = grid_at_or_after(a, step, free_from);
                        continue;
                    }
                    // A group slot may still have seats: decide this one candidate alone.
                    if let Some(seats_left) = self.group_seats_left(timing, t, busy_upto) {
                        if out.len() == limit {
                            return true;
                        }
                        out.push(Slot {
                            resource_id,
                            start: Timestamp::from_secs(t),
                            end: Timestamp::from_secs(end),
                            seats_left,
                        });
                    }
                    t += step;
                    continue;
                }
                // `t` is free, and so is every grid start after it until the next closure or
                // busy period comes within reach: emit that whole run in one tight loop.
                let mut run_end = b;
                if let Some(&(c_start, _)) = self.closures.get(closure_at) {
                    run_end = run_end.min(c_start);
                }
                if let Some(&(next_start, _)) = self.blocked.get(busy_upto) {
                    run_end = run_end.min(next_start - timing.buffer_after);
                }
                let last_start = (run_end - duration).min(to - 1).min(latest);
                let count = ((last_start - t) / step + 1) as usize;
                let room = limit - out.len();
                out.extend((0..count.min(room) as i64).map(|k| {
                    let start = t + k * step;
                    Slot {
                        resource_id,
                        start: Timestamp::from_secs(start),
                        end: Timestamp::from_secs(start + duration),
                        seats_left: timing.seats,
                    }
                }));
                if count > room {
                    return true;
                }
                t += count as i64 * step;
            }
        }
        false
    }
}

/// A schedule snapshot that does not parse, as a field error.
fn snapshot_error(e: serde_json::Error) -> Error {
    Error::field(
        "snapshot",
        "invalid_format",
        format!("invalid schedule snapshot: {e}"),
    )
}

/// Sorts spans by start in expected linear time: a counting sort into `n` buckets of equal
/// width, then an insertion pass over the nearly sorted result. Reservations of one resource
/// never overlap, so their starts spread over the range and buckets hold one or two each; an
/// input that defeats the buckets (too many moves in the insertion pass) falls back to the
/// standard sort. On a hundred reservations in random order this is about twice as fast as
/// a comparison sort.
fn sort_by_start(spans: &mut Vec<(i64, i64)>) {
    let n = spans.len();
    if n < 16 {
        spans.sort_unstable_by_key(|s| s.0);
        return;
    }
    let (mut min, mut max) = (i64::MAX, i64::MIN);
    for s in spans.iter() {
        min = min.min(s.0);
        max = max.max(s.0);
    }
    let Some(width) = max
        .checked_sub(min)
        .and_then(|range| range.checked_div(n as i64))
        .map(|w| w + 1)
    else {
        spans.sort_unstable_by_key(|s| s.0);
        return;
    };
    let bucket = |start: i64| ((start - min) / width) as usize; // 0..n
    let mut counts = vec![0usize; n + 1];
    for s in spans.iter() {
        counts[bucket(s.0) + 1] += 1;
    }
    for b in 1..=n {
        counts[b] += counts[b - 1];
    }
    let mut sorted = vec![(0i64, 0i64); n];
    for &s in spans.iter() {
        let slot = &mut counts[bucket(s.0)];
        sorted[*slot] = s;
        *slot += 1;
    }
    // Insertion pass; give up on inputs the buckets did not spread.
    let mut moves = 0usize;
    for i in 1..n {
        let mut j = i;
        while j > 0 && sorted[j - 1].0 > sorted[j].0 {
            sorted.swap(j - 1, j);
            j -= 1;
            moves += 1;
        }
        if moves > 8 * n {
            sorted.sort_unstable_by_key(|s| s.0);
            break;
        }
    }
    *spans = sorted;
}

/// First grid point `anchor + k·step` (k ≥ 0) at or after `x`.
fn grid_at_or_after(anchor: i64, step: i64, x: i64) -> i64 {
    if x <= anchor {
        anchor
    } else {
        anchor + (x - anchor + step - 1) / step * step
    }
}

/// Intersection of two sorted lists of disjoint spans.
pub(crate) fn intersect(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::with_capacity(a.len().min(b.len()) + 1);
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let start = a[i].0.max(b[j].0);
        let end = a[i].1.min(b[j].1);
        if start < end {
            out.push((start, end));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn check_query(query: &SlotQuery) -> Result<()> {
    if query.to <= query.from {
        return Err(Error::InvalidInterval {
            reason: format!("to {} must be after from {}", query.to, query.from),
        });
    }
    if query.to.secs() - query.from.secs() > i64::from(MAX_RANGE_DAYS) * DAY {
        return Err(Error::RangeTooLarge {
            max_days: MAX_RANGE_DAYS,
        });
    }
    if query.limit == 0 {
        return Err(Error::field(
            "limit",
            "out_of_range",
            "limit must be at least 1",
        ));
    }
    Ok(())
}

fn segments_for(schedule: &Schedule, from: i64, to: i64, timing: Timing) -> ZoneSegments {
    ZoneSegments::new(
        schedule.time_zone.0,
        Timestamp::from_secs(from - 2 * DAY),
        Timestamp::from_secs(to + timing.duration + 2 * DAY),
    )
}

/// Lists the free slots of every resource of the schedule whose start lies in
/// `[query.from, query.to)`, sorted by start (then resource order), at most `query.limit`.
///
/// ```
/// use rdv_core::hours::{OpeningHours, TimeRange};
/// use rdv_core::model::{ResourceId, SlotRules, Zone};
/// use rdv_core::slots::{compute_slots, ResourceSchedule, Schedule, SlotQuery, SNAPSHOT_VERSION};
/// use rdv_core::{Interval, Timestamp};
///
/// let ts = |s: &str| s.parse::<Timestamp>().unwrap();
/// let schedule = Schedule {
///     version: SNAPSHOT_VERSION,
///     time_zone: Zone::parse("Europe/Paris").unwrap(),
///     opening_hours: OpeningHours::same_every_day(&[TimeRange::parse("09:00", "12:00").unwrap()], &[0, 1, 2, 3, 4]),
///     closures: vec![],
///     special_hours: vec![],
///     rules: SlotRules::simple(60),
///     resources: vec![ResourceSchedule {
///         resource_id: ResourceId::from_uuid(Default::default()),
///         windows: vec![Interval::new(ts("2026-06-01T00:00:00Z"), ts("2026-06-02T00:00:00Z")).unwrap()],
///         busy: vec![],
///         working_hours: None,
///     }],
/// };
/// let query = SlotQuery { from: ts("2026-06-01T00:00:00Z"), to: ts("2026-06-02T00:00:00Z"), now: ts("2026-05-01T00:00:00Z"), limit: 100 };
/// let list = compute_slots(&schedule, &query).unwrap();
/// let starts: Vec<String> = list.slots.iter().map(|s| s.start.to_string()).collect();
/// assert_eq!(starts, ["2026-06-01T07:00:00Z", "2026-06-01T08:00:00Z", "2026-06-01T09:00:00Z"]);
/// ```
pub fn compute_slots(schedule: &Schedule, query: &SlotQuery) -> Result<SlotList> {
    schedule.check()?;
    check_query(query)?;
    let timing = Timing::of(&schedule.rules);
    let (from, to, now) = (query.from.secs(), query.to.secs(), query.now.secs());
    let segments = segments_for(schedule, from, to, timing);
    let mut slots = Vec::new();
    let mut truncated = false;
    for resource in &schedule.resources {
        let prepared = Prepared::new(
            schedule,
            resource,
            timing,
            &segments,
            from,
            to,
            timing.seats > 1,
        );
        let mut own = Vec::new();
        truncated |= prepared.walk(
            timing,
            resource.resource_id,
            from,
            to,
            now,
            query.limit,
            &mut own,
        );
        if slots.is_empty() {
            slots = own;
        } else {
            slots.extend(own);
        }
    }
    if schedule.resources.len() > 1 {
        // Stable: equal starts keep the schedule's resource order.
        slots.sort_by_key(|s| s.start);
        if slots.len() > query.limit {
            slots.truncate(query.limit);
            truncated = true;
        }
    }
    Ok(SlotList { slots, truncated })
}

/// Every grid candidate in `[query.from, query.to)` of every resource with its verdict: the
/// seats left, or the code of the first rule it breaks. Slower than [`compute_slots`]; meant
/// for explaining a calendar to a person. At most `query.limit` candidates.
pub fn explain_candidates(schedule: &Schedule, query: &SlotQuery) -> Result<Vec<Candidate>> {
    schedule.check()?;
    check_query(query)?;
    let timing = Timing::of(&schedule.rules);
    let (from, to, now) = (query.from.secs(), query.to.secs(), query.now.secs());
    let segments = segments_for(schedule, from, to, timing);
    let mut out = Vec::new();
    for resource in &schedule.resources {
        let prepared = Prepared::new(schedule, resource, timing, &segments, from, to, true);
        for &(a, b) in &prepared.bookable {
            let mut t = grid_at_or_after(a, timing.step, from);
            while t + timing.duration <= b && t < to && out.len() < query.limit {
                out.push(Candidate {
                    resource_id: resource.resource_id,
                    start: Timestamp::from_secs(t),
                    end: Timestamp::from_secs(t + timing.duration),
                    verdict: prepared.judge(timing, t, now).map_err(|e| e.code()),
                });
                t += timing.step;
            }
        }
    }
    out.sort_by_key(|c| c.start);
    Ok(out)
}

/// Decides whether an appointment of the service starting at `start` with `resource_id` can
/// be booked at `now`: `Ok(seats_left)`, or the typed reason (past, notice, horizon, outside
/// availability, outside opening or working hours, off the slot grid, closure, overlap,
/// buffer, full). A resource the schedule leaves out (deactivated) is `NOT_FOUND`.
pub fn check_slot(
    schedule: &Schedule,
    resource_id: ResourceId,
    start: Timestamp,
    now: Timestamp,
) -> Result<u32> {
    schedule.check()?;
    let resource = schedule.resource(resource_id)?;
    let timing = Timing::of(&schedule.rules);
    check_time_limits(timing.limits(), start, now)?;
    let (prepared, anchor) = bookable_at(schedule, resource, timing, start.secs())?;
    if (start.secs() - anchor) % timing.step != 0 {
        return Err(Error::NotOnSlotGrid {
            step_minutes: schedule.rules.step_minutes,
        });
    }
    prepared.judge(timing, start.secs(), now.secs())
}

/// Decides whether an appointment of the service already booked at `start` on another
/// resource can move to `resource_id` at the same time: the time must lie inside the
/// resource's windows, the opening hours and its working hours, and meet no closure, other
/// reservation or buffer (seats left, as [`check_slot`]). The time limits and the slot grid
/// are not checked again: they decided when the appointment takes place, which a move to
/// another resource does not change.
pub fn check_move(schedule: &Schedule, resource_id: ResourceId, start: Timestamp) -> Result<u32> {
    schedule.check()?;
    let resource = schedule.resource(resource_id)?;
    let timing = Timing::of(&schedule.rules);
    let (prepared, _) = bookable_at(schedule, resource, timing, start.secs())?;
    prepared.occupancy(timing, start.secs())
}

/// The resource's prepared schedule around `t` and the start of the bookable interval that
/// holds an appointment starting at `t`, or why none does.
fn bookable_at(
    schedule: &Schedule,
    resource: &ResourceSchedule,
    timing: Timing,
    t: i64,
) -> Result<(Prepared, i64)> {
    let end = t + timing.duration;
    let segments = segments_for(schedule, t, t + 1, timing);
    let prepared = Prepared::new(schedule, resource, timing, &segments, t, t + 1, true);
    let Some(&(anchor, _)) = prepared.bookable.iter().find(|&&(a, b)| a <= t && end <= b) else {
        let mut windows: Vec<(i64, i64)> = resource
            .windows
            .iter()
            .map(|w| (w.start().secs(), w.end().secs()))
            .collect();
        merge_spans(&mut windows);
        return if windows.iter().any(|&(a, b)| a <= t && end <= b) {
            Err(Error::OutsideOpeningHours)
        } else {
            Err(Error::OutsideAvailability)
        };
    };
    Ok((prepared, anchor))
}

#[cfg(test)]
mod tests;
