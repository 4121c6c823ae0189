//! The expansion engine: candidate days per frequency, `COUNT`/`UNTIL`/`EXDATE` bookkeeping and
//! wall-clock → UTC conversion with [`ZoneSegments`].

use chrono::Timelike;
use chrono_tz::Tz;

use super::Recurrence;
use super::calendar::{civil_from_day, days_in_month, month_index_of_day, month_span};
use super::rule::{ByDay, Frequency, Until};
use crate::time::{DAY, Timestamp, day_number, weekday_of_day};
use crate::tz::ZoneSegments;

/// Span of wall-clock time covered by one [`ZoneSegments`] build.
const CHUNK: i64 = 400 * DAY;
/// Instants before 0001-01-01 and from 10000-01-01 on hold no occurrence.
const MIN_SECS: i64 = -62_135_596_800;
const MAX_SECS: i64 = 253_402_300_800;

/// Converts wall-clock seconds to UTC under the [`crate::tz`] policy, rebuilding its
/// [`ZoneSegments`] a chunk at a time as expansion moves forward.
pub(super) struct Resolver {
    tz: Tz,
    segments: ZoneSegments,
    /// Local seconds for which `segments` answer without a database lookup.
    lo: i64,
    hi: i64,
    /// Last local second the expansion may need.
    cap: i64,
}

impl Resolver {
    fn new(tz: Tz, from_local: i64, cap: i64, span: i64) -> Self {
        let to_local = from_local.saturating_add(span).min(cap).max(from_local);
        let segments = ZoneSegments::new(
            tz,
            Timestamp::from_secs(from_local - 2 * DAY),
            Timestamp::from_secs(to_local + 2 * DAY),
        );
        Self {
            tz,
            segments,
            lo: from_local - DAY,
            hi: to_local + DAY,
            cap,
        }
    }

    /// UTC seconds of a wall-clock time given as seconds since 1970-01-01T00:00 local.
    #[inline]
    pub(super) fn resolve(&mut self, local: i64) -> i64 {
        if local < self.lo || local > self.hi {
            *self = Self::new(self.tz, local, self.cap.max(local), CHUNK);
        }
        self.segments.local_to_utc(local)
    }
}

/// A 7-bit set of weekdays, bit 0 = Monday.
type WeekdayMask = u8;
const ALL_WEEKDAYS: WeekdayMask = 0x7f;

fn weekday_index(w: chrono::Weekday) -> u8 {
    w.num_days_from_monday() as u8
}

/// `BYMONTHDAY` as bit sets: bit `d` of `from_start` for day `d`, bit `d` of `from_end` for `-d`.
#[derive(Clone, Copy, Default)]
struct MonthDays {
    from_start: u32,
    from_end: u32,
}

impl MonthDays {
    fn new(days: &[i8]) -> Self {
        let mut set = Self::default();
        for &d in days {
            if d > 0 {
                set.from_start |= 1 << d;
            } else {
                set.from_end |= 1 << -d;
            }
        }
        set
    }

    fn is_empty(&self) -> bool {
        self.from_start == 0 && self.from_end == 0
    }

    fn contains(&self, dom: u32, len: u32) -> bool {
        self.from_start & (1 << dom) != 0 || self.from_end & (1 << (len - dom + 1)) != 0
    }

    /// Bit set of the days of a month of `len` days selected by this set.
    fn resolve(&self, len: u32) -> u32 {
        let valid = ((1u64 << (len + 1)) - 2) as u32; // bits 1..=len
        let mut mask = self.from_start & valid;
        let mut ends = self.from_end & valid;
        while ends != 0 {
            let n = ends.trailing_zeros();
            ends &= ends - 1;
            mask |= 1 << (len - n + 1);
        }
        mask
    }
}

/// Whether day `dom` (weekday `wd`) of a month of `len` days matches a `BYDAY` entry.
fn by_day_matches(d: &ByDay, dom: u32, wd: u8, len: u32) -> bool {
    weekday_index(d.weekday()) == wd
        && match d.ordinal() {
            None => true,
            Some(n) if n > 0 => (dom - 1) / 7 + 1 == n as u32,
            Some(n) => (len - dom) / 7 + 1 == u32::from(n.unsigned_abs()),
        }
}

fn ceil_div(a: i64, b: i64) -> i64 {
    -((-a).div_euclid(b))
}

/// The candidate-day generator of one frequency.
enum Plan<'a> {
    Daily {
        start_day: i64,
        step: i64,
        weekdays: WeekdayMask,
        month_days: MonthDays,
    },
    Weekly {
        step: i64,
        /// First day of the week (per `WKST`) holding `DTSTART`.
        week0: i64,
        /// Selected days as offsets from the week's first day, ascending.
        offsets: [i64; 7],
        len: usize,
    },
    Monthly {
        step: i64,
        start_month: i64,
        start_dom: u32,
        by_day: &'a [ByDay],
        month_days: MonthDays,
    },
}

impl Plan<'_> {
    /// Bit set of the selected days of month `month_index` (first day `first`, `len` days).
    fn month_mask(
        by_day: &[ByDay],
        month_days: MonthDays,
        start_dom: u32,
        first: i64,
        len: u32,
    ) -> u32 {
        let wd1 = weekday_of_day(first);
        let weekday_of = |dom: u32| ((u32::from(wd1) + dom - 1) % 7) as u8;
        let matches = |dom: u32| {
            by_day
                .iter()
                .any(|d| by_day_matches(d, dom, weekday_of(dom), len))
        };
        if !month_days.is_empty() {
            let mut mask = month_days.resolve(len);
            if !by_day.is_empty() {
                let mut bits = mask;
                while bits != 0 {
                    let dom = bits.trailing_zeros();
                    bits &= bits - 1;
                    if !matches(dom) {
                        mask &= !(1 << dom);
                    }
                }
            }
            mask
        } else if !by_day.is_empty() {
            (1..=len)
                .filter(|&dom| matches(dom))
                .fold(0, |m, dom| m | 1 << dom)
        } else if start_dom <= len {
            1 << start_dom
        } else {
            0
        }
    }
}

impl Recurrence {
    fn plan(&self, start_day: i64) -> Plan<'_> {
        let rule = &self.rule;
        let step = i64::from(rule.interval());
        match rule.frequency() {
            Frequency::Daily => Plan::Daily {
                start_day,
                step,
                weekdays: if rule.by_day().is_empty() {
                    ALL_WEEKDAYS
                } else {
                    rule.by_day()
                        .iter()
                        .fold(0, |m, d| m | 1 << weekday_index(d.weekday()))
                },
                month_days: MonthDays::new(rule.by_month_day()),
            },
            Frequency::Weekly => {
                let wkst = weekday_index(rule.week_start());
                let week0 = start_day - i64::from((weekday_of_day(start_day) + 7 - wkst) % 7);
                let mut selected = [false; 7];
                if rule.by_day().is_empty() {
                    selected[usize::from(weekday_of_day(start_day))] = true;
                }
                for d in rule.by_day() {
                    selected[usize::from(weekday_index(d.weekday()))] = true;
                }
                let mut offsets = [0; 7];
                let mut len = 0;
                for off in 0..7u8 {
                    if selected[usize::from((wkst + off) % 7)] {
                        offsets[len] = i64::from(off);
                        len += 1;
                    }
                }
                Plan::Weekly {
                    step: 7 * step,
                    week0,
                    offsets,
                    len,
                }
            }
            Frequency::Monthly => {
                let (y, m, d) = civil_from_day(start_day);
                Plan::Monthly {
                    step,
                    start_month: y * 12 + i64::from(m) - 1,
                    start_dom: d,
                    by_day: rule.by_day(),
                    month_days: MonthDays::new(rule.by_month_day()),
                }
            }
        }
    }

    /// A rough count of the occurrences in a window of `from..to` UTC seconds, to size output
    /// vectors (exact for plain daily and weekly rules, up to one period).
    pub(super) fn estimate(&self, from: i64, to: i64) -> usize {
        let days = (to.saturating_sub(from) / DAY).clamp(0, 1 << 20) + 1;
        let step = i64::from(self.rule.interval());
        let per_week = match self.rule.by_day().len() {
            0 => 1,
            n => n as i64,
        };
        let n = match self.rule.frequency() {
            Frequency::Daily if self.rule.by_day().is_empty() => days / step + 1,
            Frequency::Daily => days * per_week / (7 * step) + 1,
            Frequency::Weekly => (days / (7 * step) + 1) * per_week,
            Frequency::Monthly => {
                let per_month = if !self.rule.by_month_day().is_empty() {
                    self.rule.by_month_day().len()
                } else if !self.rule.by_day().is_empty() {
                    let days = self.rule.by_day().iter();
                    days.map(|d| if d.ordinal().is_some() { 1 } else { 5 })
                        .sum()
                } else {
                    1
                };
                (days / (30 * step) + 1) * per_month as i64
            }
        };
        n as usize
    }

    /// Visits, in ascending order, every occurrence whose UTC start is in `[from, to)`, calling
    /// `emit(local, utc, resolver)` until it returns `false`. `extra` is how far past an
    /// occurrence's local start the callback may resolve wall times. `limit` is how many
    /// occurrences the callback is expected to take: the zone's offsets are first computed
    /// only for the part of the window that likely holds them, so a small limit over a long
    /// window stays cheap.
    pub(super) fn walk<F>(&self, from: i64, to: i64, extra: i64, limit: usize, mut emit: F)
    where
        F: FnMut(i64, i64, &mut Resolver) -> bool,
    {
        let (from, to) = (from.max(MIN_SECS), to.min(MAX_SECS));
        if from >= to {
            return;
        }
        let start_day = day_number(self.dtstart.date());
        let tod = i64::from(self.dtstart.num_seconds_from_midnight());
        let start_local = start_day * DAY + tod;
        // Local and UTC differ by less than a day, so these days bracket every candidate.
        let first_day = (from.div_euclid(DAY) - 2).max(start_day);
        let last_day = to.div_euclid(DAY) + 2;
        if first_day > last_day {
            return;
        }
        let plan = self.plan(start_day);
        let count = self.rule.count().map(u64::from);
        let (cursor, before) = seek(&plan, start_day, first_day, count.unwrap_or(u64::MAX));
        let mut remaining = count.map(|c| c.saturating_sub(before));
        let (until_local, until_utc) = match self.rule.until() {
            None => (i64::MAX, i64::MAX),
            Some(Until::Instant(t)) => (i64::MAX, t.secs()),
            Some(Until::Local(local)) => (local.and_utc().timestamp(), i64::MAX),
            Some(Until::Date(date)) => ((day_number(date) + 1) * DAY - 1, i64::MAX),
        };
        let span = match self.estimate(from, to) {
            estimate if limit < estimate => {
                let share = (to - from) as i128 * (limit as i128 + 1) / estimate as i128;
                (share as i64)
                    .saturating_add(extra.max(0) + 8 * DAY)
                    .min(CHUNK)
            }
            _ => CHUNK,
        };
        let mut resolver = Resolver::new(
            self.tz,
            first_day * DAY,
            (last_day + 1) * DAY + extra.max(0),
            span,
        );
        let exdates = &self.exdate_instants[..];
        let mut ex = exdates.partition_point(|&e| e < from);
        let visit = |day: i64| -> bool {
            let local = day * DAY + tod;
            if local < start_local {
                return true;
            }
            if remaining == Some(0) || local > until_local {
                return false;
            }
            let utc = resolver.resolve(local);
            if utc > until_utc {
                return false;
            }
            if let Some(r) = remaining.as_mut() {
                *r -= 1;
            }
            if utc < from {
                return true;
            }
            if utc >= to {
                return false;
            }
            while ex < exdates.len() && exdates[ex] < utc {
                ex += 1;
            }
            if ex < exdates.len() && exdates[ex] == utc {
                return true;
            }
            emit(local, utc, &mut resolver)
        };
        run(&plan, cursor, last_day, visit);
    }
}

/// The first period index to visit for days from `first_day` on, and how many occurrences
/// (from `DTSTART` on) fall in the periods before it — counted up to `cap` at most.
fn seek(plan: &Plan<'_>, start_day: i64, first_day: i64, cap: u64) -> (i64, u64) {
    match *plan {
        Plan::Daily {
            step,
            weekdays,
            month_days,
            ..
        } => {
            let k0 = ceil_div(first_day - start_day, step).max(0);
            if cap == u64::MAX || k0 == 0 {
                return (k0, 0);
            }
            let before = if month_days.is_empty() {
                // Weekdays repeat every 7 periods (7 * step days is a whole number of weeks).
                let hits = |n: i64| {
                    (0..n)
                        .filter(|j| weekdays & 1 << weekday_of_day(start_day + j * step) != 0)
                        .count() as u64
                };
                (k0 / 7) as u64 * hits(7) + hits(k0 % 7)
            } else {
                count_daily_by_month(
                    start_day,
                    step,
                    weekdays,
                    month_days,
                    start_day + k0 * step,
                    cap,
                )
            };
            (k0, before)
        }
        Plan::Weekly {
            step,
            week0,
            offsets,
            len,
        } => {
            let p0 = (first_day - week0).div_euclid(step).max(0);
            if cap == u64::MAX || p0 == 0 {
                return (p0, 0);
            }
            let early = offsets[..len]
                .iter()
                .filter(|&&off| week0 + off < start_day)
                .count() as u64;
            (p0, p0 as u64 * len as u64 - early)
        }
        Plan::Monthly {
            step,
            start_month,
            start_dom,
            by_day,
            month_days,
        } => {
            let p0 = ceil_div(month_index_of_day(first_day) - start_month, step).max(0);
            if cap == u64::MAX {
                return (p0, 0);
            }
            let mut before = 0u64;
            for p in 0..p0 {
                let (first, len) = month_span(start_month + p * step);
                let mut mask = Plan::month_mask(by_day, month_days, start_dom, first, len);
                if p == 0 {
                    mask &= !((1u32 << start_dom) - 1); // days before DTSTART
                }
                before += u64::from(mask.count_ones());
                if before >= cap {
                    break;
                }
            }
            (p0, before)
        }
    }
}

/// Occurrences of a daily rule filtered by `BYMONTHDAY` on days `[start_day, end_day)`,
/// counted month by month, stopping once `cap` is reached.
fn count_daily_by_month(
    start_day: i64,
    step: i64,
    weekdays: WeekdayMask,
    month_days: MonthDays,
    end_day: i64,
    cap: u64,
) -> u64 {
    let mut n = 0;
    let mut month = month_index_of_day(start_day);
    loop {
        let (first, len) = month_span(month);
        if first >= end_day || n >= cap {
            return n;
        }
        let mut mask = month_days.resolve(len);
        while mask != 0 {
            let dom = mask.trailing_zeros();
            mask &= mask - 1;
            let day = first + i64::from(dom) - 1;
            if day >= start_day
                && day < end_day
                && (day - start_day) % step == 0
                && weekdays & 1 << weekday_of_day(day) != 0
            {
                n += 1;
            }
        }
        month += 1;
    }
}

/// Feeds the candidate days of `plan` from period `cursor` on to `visit`, in ascending order,
/// until `visit` returns `false` or the days pass `last_day`.
fn run(plan: &Plan<'_>, cursor: i64, last_day: i64, mut visit: impl FnMut(i64) -> bool) {
    match *plan {
        Plan::Daily {
            start_day,
            step,
            weekdays,
            month_days,
        } => {
            let mut day = start_day + cursor * step;
            while day <= last_day {
                let ok = (weekdays == ALL_WEEKDAYS || weekdays & 1 << weekday_of_day(day) != 0)
                    && (month_days.is_empty() || {
                        let (y, m, dom) = civil_from_day(day);
                        month_days.contains(dom, days_in_month(y, m))
                    });
                if ok && !visit(day) {
                    return;
                }
                day += step;
            }
        }
        Plan::Weekly {
            step,
            week0,
            offsets,
            len,
        } => {
            let mut base = week0 + cursor * step;
            while base <= last_day {
                for &off in &offsets[..len] {
                    if !visit(base + off) {
                        return;
                    }
                }
                base += step;
            }
        }
        Plan::Monthly {
            step,
            start_month,
            start_dom,
            by_day,
            month_days,
        } => {
            let mut month = start_month + cursor * step;
            loop {
                let (first, len) = month_span(month);
                if first > last_day {
                    return;
                }
                let mut mask = Plan::month_mask(by_day, month_days, start_dom, first, len);
                while mask != 0 {
                    let dom = mask.trailing_zeros();
                    mask &= mask - 1;
                    if !visit(first + i64::from(dom) - 1) {
                        return;
                    }
                }
                month += step;
            }
        }
    }
}
