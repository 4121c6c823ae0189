//! The figures of a statistics answer and [`statistics`], which computes them from the store's
//! aggregate rows: sums per bucket, spans spread over the buckets, rates, means, the busiest
//! weekday and hour, each total beside its value over the previous period.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{AggregateRows, Bucket, BucketSpan, GroupRow, SpanRow, StatsQuery};
use crate::error::{Error, Result};
use crate::model::{Currency, Money, ResourceId, ServiceId, Zone};
use crate::time::{Interval, MINUTE, Timestamp};

/// A count over the period and over the previous period.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CountFigure {
    /// Over the period.
    pub value: u64,
    /// Over the previous period.
    pub previous: u64,
}

/// A ratio over the period and over the previous period; `null` where its denominator is 0.
#[derive(Clone, Copy, PartialEq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RatioFigure {
    /// Over the period (1.0 is 100 %).
    pub value: Option<f64>,
    /// Over the previous period.
    pub previous: Option<f64>,
}

/// A mean duration in minutes over the period and the previous one; `null` without data.
#[derive(Clone, Copy, PartialEq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MinutesFigure {
    /// Over the period.
    pub value: Option<f64>,
    /// Over the previous period.
    pub previous: Option<f64>,
}

/// An amount of one currency over the period and the previous period, in minor units.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoneyFigure {
    /// The currency.
    pub currency: Currency,
    /// Over the period, in minor units.
    pub value_minor: i64,
    /// Over the previous period, in minor units.
    pub previous_minor: i64,
}

/// The figures of the whole period, each beside its value over the previous period.
#[derive(Clone, PartialEq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    /// Reservations created in the period.
    pub created: CountFigure,
    /// Reservations starting in the period, every status.
    pub appointments: CountFigure,
    /// Of those, still pending.
    pub pending: CountFigure,
    /// Still confirmed (not yet completed or marked absent).
    pub confirmed: CountFigure,
    /// Completed.
    pub completed: CountFigure,
    /// Marked as no-shows.
    pub no_show: CountFigure,
    /// Cancelled by the client.
    pub cancelled_by_client: CountFigure,
    /// Cancelled by the business.
    pub cancelled_by_business: CountFigure,
    /// Revenue of completed reservations, per currency (sorted by code).
    pub completed_revenue: Vec<MoneyFigure>,
    /// Revenue of pending and confirmed reservations, not yet completed, per currency.
    pub booked_revenue: Vec<MoneyFigure>,
    /// Minutes of appointments that hold their time, inside the period.
    pub booked_minutes: CountFigure,
    /// Minutes of availability windows inside the period.
    pub available_minutes: CountFigure,
    /// Booked ÷ available minutes.
    pub utilisation: RatioFigure,
    /// (Cancelled by the client + by the business) ÷ appointments.
    pub cancellation_rate: RatioFigure,
    /// No-shows ÷ (completed + no-shows).
    pub no_show_rate: RatioFigure,
    /// Mean of `start − created_at` over the reservations created in the period.
    pub mean_lead_time_minutes: MinutesFigure,
}

/// The figures of one bucket of the period.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BucketFigures {
    /// The bucket's part of the period (the first and last may be partial).
    pub interval: Interval,
    /// The local date its natural bucket begins on: the day, the week's Monday, the 1st.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date, example = "2026-03-29"))]
    pub label: NaiveDate,
    /// Reservations created in the bucket.
    pub created: u64,
    /// Reservations starting in the bucket, every status.
    pub appointments: u64,
    /// Of those, still pending.
    pub pending: u64,
    /// Still confirmed.
    pub confirmed: u64,
    /// Completed.
    pub completed: u64,
    /// Marked as no-shows.
    pub no_show: u64,
    /// Cancelled by the client.
    pub cancelled_by_client: u64,
    /// Cancelled by the business.
    pub cancelled_by_business: u64,
    /// Revenue of completed reservations, per currency.
    pub completed_revenue: Vec<Money>,
    /// Revenue of pending and confirmed reservations, per currency.
    pub booked_revenue: Vec<Money>,
    /// Minutes of appointments that hold their time, inside the bucket.
    pub booked_minutes: u64,
    /// Minutes of availability windows inside the bucket.
    pub available_minutes: u64,
    /// Booked ÷ available minutes; `null` without available time.
    pub utilisation: Option<f64>,
}

/// The figures of one service or one resource.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFigures {
    /// The service's or resource's id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Reservations starting in the period, every status.
    pub appointments: CountFigure,
    /// Completed.
    pub completed: CountFigure,
    /// Cancelled, by the client or the business.
    pub cancelled: CountFigure,
    /// Marked as no-shows.
    pub no_show: CountFigure,
    /// Revenue of completed reservations, per currency.
    pub completed_revenue: Vec<MoneyFigure>,
    /// Revenue of pending and confirmed reservations, per currency.
    pub booked_revenue: Vec<MoneyFigure>,
}

/// A day of the week, in the business's time zone.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    /// Monday.
    Monday,
    /// Tuesday.
    Tuesday,
    /// Wednesday.
    Wednesday,
    /// Thursday.
    Thursday,
    /// Friday.
    Friday,
    /// Saturday.
    Saturday,
    /// Sunday.
    Sunday,
}

impl Weekday {
    /// Monday to Sunday.
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The weekday of an index, Monday = 0 (indexes past 6 wrap around).
    pub const fn from_index(index: u8) -> Weekday {
        Weekday::ALL[(index % 7) as usize]
    }
}

/// Appointments that hold their time, on one local weekday.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekdayFigure {
    /// The weekday of their start.
    pub weekday: Weekday,
    /// How many.
    pub appointments: CountFigure,
}

/// Appointments that hold their time, starting in one local hour.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HourFigure {
    /// The hour of their start, 0 to 23.
    pub hour: u8,
    /// How many.
    pub appointments: CountFigure,
}

/// Appointments that hold their time, starting in one local hour of one weekday.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WeekdayHourFigure {
    /// The weekday of their start.
    pub weekday: Weekday,
    /// The hour of their start, 0 to 23.
    pub hour: u8,
    /// How many.
    pub appointments: CountFigure,
}

/// The weekday and hour with most appointments, in the period and the previous one; the
/// earliest on a tie, `null` without appointments.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Busiest {
    /// Busiest weekday of the period.
    pub weekday: Option<Weekday>,
    /// Busiest weekday of the previous period.
    pub previous_weekday: Option<Weekday>,
    /// Busiest hour of the period.
    pub hour: Option<u8>,
    /// Busiest hour of the previous period.
    pub previous_hour: Option<u8>,
}

/// A business's statistics over a period (BIZ-5, STAT-2, STAT-3); see the module docs for
/// what each figure counts.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistics {
    /// The period.
    pub period: Interval,
    /// The previous period of equal length, ending where the period starts.
    pub previous_period: Interval,
    /// The bucket size of `buckets`.
    pub bucket: Bucket,
    /// The time zone buckets, weekdays and hours are read in.
    pub time_zone: Zone,
    /// The service filter, if any.
    pub service_id: Option<ServiceId>,
    /// The resource filter, if any.
    pub resource_id: Option<ResourceId>,
    /// The figures of the whole period.
    pub totals: Totals,
    /// The period's buckets, in order.
    pub buckets: Vec<BucketFigures>,
    /// By service, by name (services with reservations in either period).
    pub by_service: Vec<GroupFigures>,
    /// By resource, by name (resources with reservations in either period).
    pub by_resource: Vec<GroupFigures>,
    /// Monday to Sunday.
    pub weekdays: Vec<WeekdayFigure>,
    /// Hours 0 to 23.
    pub hours: Vec<HourFigure>,
    /// The weekday × hour cells with appointments in either period, in order.
    pub weekday_hours: Vec<WeekdayHourFigure>,
    /// The busiest weekday and hour.
    pub busiest: Busiest,
}

/// What [`statistics`] computes its answer from.
#[derive(Clone, Copy, Debug)]
pub struct StatsInputs<'a> {
    /// The request.
    pub query: &'a StatsQuery,
    /// The business's time zone.
    pub zone: Zone,
    /// The period's buckets ([`super::buckets`]), as the store was asked for them.
    pub buckets: &'a [BucketSpan],
    /// The store's rows over those buckets.
    pub current: &'a AggregateRows,
    /// The store's rows over the previous period, as one bucket.
    pub previous: &'a AggregateRows,
    /// Names of services and resources by id.
    pub names: &'a BTreeMap<Uuid, String>,
}

/// Counts by status (in [`crate::model::ReservationStatus::ALL`]'s order) and revenue.
#[derive(Clone, Default, Debug)]
struct Outcomes {
    statuses: [u64; 6],
    completed_revenue: BTreeMap<Currency, i64>,
    booked_revenue: BTreeMap<Currency, i64>,
}

impl Outcomes {
    fn add(
        &mut self,
        status: crate::model::ReservationStatus,
        currency: Currency,
        count: u64,
        amount: i64,
    ) {
        use crate::model::ReservationStatus as S;
        let index = S::ALL.iter().position(|s| *s == status).unwrap_or(0);
        self.statuses[index] += count;
        match status {
            S::Completed => *self.completed_revenue.entry(currency).or_default() += amount,
            S::Pending | S::Confirmed => {
                *self.booked_revenue.entry(currency).or_default() += amount;
            }
            S::NoShow | S::CancelledByClient | S::CancelledByBusiness => {}
        }
    }

    fn appointments(&self) -> u64 {
        self.statuses.iter().sum()
    }

    fn status(&self, status: crate::model::ReservationStatus) -> u64 {
        use crate::model::ReservationStatus as S;
        S::ALL
            .iter()
            .position(|s| *s == status)
            .map_or(0, |i| self.statuses[i])
    }

    fn cancelled(&self) -> u64 {
        use crate::model::ReservationStatus as S;
        self.status(S::CancelledByClient) + self.status(S::CancelledByBusiness)
    }
}

/// Everything one period adds up to.
#[derive(Clone, Default, Debug)]
struct Tally {
    outcomes: Outcomes,
    created: u64,
    lead_secs: i64,
    booked_secs: i64,
    available_secs: i64,
    slots: [[u64; 24]; 7],
}

impl Tally {
    fn of(rows: &AggregateRows) -> Tally {
        let mut tally = Tally::default();
        for row in &rows.outcomes {
            tally
                .outcomes
                .add(row.status, row.currency, row.count, row.amount_minor);
        }
        for row in &rows.created {
            tally.created += row.count;
            tally.lead_secs += row.lead_secs;
        }
        tally.booked_secs = rows.booked.iter().map(|s| s.end_secs - s.start_secs).sum();
        tally.available_secs = rows
            .available
            .iter()
            .map(|s| s.end_secs - s.start_secs)
            .sum();
        for row in &rows.slots {
            if let Some(cell) = tally
                .slots
                .get_mut(usize::from(row.weekday))
                .and_then(|day| day.get_mut(usize::from(row.hour)))
            {
                *cell += row.count;
            }
        }
        tally
    }

    fn weekday_total(&self, weekday: usize) -> u64 {
        self.slots[weekday].iter().sum()
    }

    fn hour_total(&self, hour: usize) -> u64 {
        self.slots.iter().map(|day| day[hour]).sum()
    }
}

/// `numerator ÷ denominator`, `None` when the denominator is 0.
pub fn ratio(numerator: f64, denominator: f64) -> Option<f64> {
    (denominator != 0.0).then(|| numerator / denominator)
}

/// Whole minutes of a number of seconds (rounded down; never negative).
fn minutes(secs: i64) -> u64 {
    u64::try_from(secs.max(0) / MINUTE).unwrap_or(0)
}

fn money_figures(
    now: &BTreeMap<Currency, i64>,
    before: &BTreeMap<Currency, i64>,
) -> Vec<MoneyFigure> {
    let currencies: std::collections::BTreeSet<Currency> =
        now.keys().chain(before.keys()).copied().collect();
    currencies
        .into_iter()
        .map(|currency| MoneyFigure {
            currency,
            value_minor: now.get(&currency).copied().unwrap_or(0),
            previous_minor: before.get(&currency).copied().unwrap_or(0),
        })
        .collect()
}

fn money(amounts: &BTreeMap<Currency, i64>) -> Vec<Money> {
    amounts
        .iter()
        .map(|(&currency, &amount)| Money::new(amount, currency))
        .collect()
}

/// Spreads spans over the buckets between `boundaries` (seconds), adding each bucket's
/// seconds to `out`: a span in one bucket adds `hi − lo`; one across several adds to its
/// first bucket up to that bucket's end, to each bucket between it whole, and to its last
/// bucket from that bucket's start.
pub fn spread(spans: &[SpanRow], boundaries: &[Timestamp], out: &mut [i64]) -> Result<()> {
    let n = out.len();
    let bad = |span: &SpanRow| Error::Storage {
        message: format!(
            "statistics span of buckets {}..={} outside the {n} asked for",
            span.first, span.last
        ),
    };
    for span in spans {
        let (first, last) = (span.first as usize, span.last as usize);
        if first > last || last >= n || boundaries.len() != n + 1 {
            return Err(bad(span));
        }
        let count = i64::try_from(span.count).map_err(|_| bad(span))?;
        if first == last {
            out[first] += span.end_secs - span.start_secs;
            continue;
        }
        out[first] += count * boundaries[first + 1].secs() - span.start_secs;
        for k in first + 1..last {
            out[k] += count * (boundaries[k + 1].secs() - boundaries[k].secs());
        }
        out[last] += span.end_secs - count * boundaries[last].secs();
    }
    Ok(())
}

/// Figures of one service or resource, over both periods.
fn groups(
    now: &[GroupRow],
    before: &[GroupRow],
    names: &BTreeMap<Uuid, String>,
) -> Vec<GroupFigures> {
    let mut tallies: BTreeMap<Uuid, (Outcomes, Outcomes)> = BTreeMap::new();
    for (rows, previous) in [(now, false), (before, true)] {
        for row in rows {
            let pair = tallies.entry(row.key).or_default();
            let side = if previous { &mut pair.1 } else { &mut pair.0 };
            side.add(row.status, row.currency, row.count, row.amount_minor);
        }
    }
    use crate::model::ReservationStatus as S;
    let mut out: Vec<GroupFigures> = tallies
        .into_iter()
        .map(|(id, (now, before))| {
            let count = |f: &dyn Fn(&Outcomes) -> u64| CountFigure {
                value: f(&now),
                previous: f(&before),
            };
            GroupFigures {
                id,
                name: names.get(&id).cloned().unwrap_or_default(),
                appointments: count(&Outcomes::appointments),
                completed: count(&|o| o.status(S::Completed)),
                cancelled: count(&Outcomes::cancelled),
                no_show: count(&|o| o.status(S::NoShow)),
                completed_revenue: money_figures(&now.completed_revenue, &before.completed_revenue),
                booked_revenue: money_figures(&now.booked_revenue, &before.booked_revenue),
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    out
}

/// The first index of the largest positive value, `None` when all are 0.
pub(super) fn busiest_index(values: impl IntoIterator<Item = u64>) -> Option<usize> {
    let mut best: Option<(usize, u64)> = None;
    for (i, v) in values.into_iter().enumerate() {
        if v > 0 && best.is_none_or(|(_, b)| v > b) {
            best = Some((i, v));
        }
    }
    best.map(|(i, _)| i)
}

/// The figures of a statistics answer from the store's rows (see the module docs for what
/// each counts). Fails with `STORAGE_ERROR` when a row names a bucket that was not asked for.
pub fn statistics(inputs: StatsInputs<'_>) -> Result<Statistics> {
    use crate::model::ReservationStatus as S;
    let StatsInputs {
        query,
        zone,
        buckets,
        current,
        previous,
        names,
    } = inputs;
    let n = buckets.len();
    let mut boundaries: Vec<Timestamp> = buckets.iter().map(|b| b.interval.start()).collect();
    boundaries.extend(buckets.last().map(|b| b.interval.end()));
    let mut per_bucket = vec![Tally::default(); n];
    for row in &current.outcomes {
        let tally = per_bucket
            .get_mut(row.bucket as usize)
            .ok_or_else(|| Error::Storage {
                message: format!("statistics row of bucket {} outside the {n}", row.bucket),
            })?;
        tally
            .outcomes
            .add(row.status, row.currency, row.count, row.amount_minor);
    }
    for row in &current.created {
        let tally = per_bucket
            .get_mut(row.bucket as usize)
            .ok_or_else(|| Error::Storage {
                message: format!("statistics row of bucket {} outside the {n}", row.bucket),
            })?;
        tally.created += row.count;
    }
    let mut booked = vec![0; n];
    spread(&current.booked, &boundaries, &mut booked)?;
    let mut available = vec![0; n];
    spread(&current.available, &boundaries, &mut available)?;

    let (now, before) = (Tally::of(current), Tally::of(previous));
    let count = |f: &dyn Fn(&Tally) -> u64| CountFigure {
        value: f(&now),
        previous: f(&before),
    };
    let rate = |f: &dyn Fn(&Tally) -> Option<f64>| RatioFigure {
        value: f(&now),
        previous: f(&before),
    };
    let status = |s: S| move |t: &Tally| t.outcomes.status(s);
    let totals = Totals {
        created: count(&|t| t.created),
        appointments: count(&|t| t.outcomes.appointments()),
        pending: count(&status(S::Pending)),
        confirmed: count(&status(S::Confirmed)),
        completed: count(&status(S::Completed)),
        no_show: count(&status(S::NoShow)),
        cancelled_by_client: count(&status(S::CancelledByClient)),
        cancelled_by_business: count(&status(S::CancelledByBusiness)),
        completed_revenue: money_figures(
            &now.outcomes.completed_revenue,
            &before.outcomes.completed_revenue,
        ),
        booked_revenue: money_figures(
            &now.outcomes.booked_revenue,
            &before.outcomes.booked_revenue,
        ),
        booked_minutes: count(&|t| minutes(t.booked_secs)),
        available_minutes: count(&|t| minutes(t.available_secs)),
        utilisation: rate(&|t| ratio(t.booked_secs as f64, t.available_secs as f64)),
        cancellation_rate: rate(&|t| {
            ratio(
                t.outcomes.cancelled() as f64,
                t.outcomes.appointments() as f64,
            )
        }),
        no_show_rate: rate(&|t| {
            let no_show = t.outcomes.status(S::NoShow);
            ratio(
                no_show as f64,
                (no_show + t.outcomes.status(S::Completed)) as f64,
            )
        }),
        mean_lead_time_minutes: MinutesFigure {
            value: ratio(now.lead_secs as f64 / 60.0, now.created as f64),
            previous: ratio(before.lead_secs as f64 / 60.0, before.created as f64),
        },
    };
    let buckets_out = buckets
        .iter()
        .zip(per_bucket)
        .enumerate()
        .map(|(k, (span, tally))| {
            let o = &tally.outcomes;
            BucketFigures {
                interval: span.interval,
                label: span.label,
                created: tally.created,
                appointments: o.appointments(),
                pending: o.status(S::Pending),
                confirmed: o.status(S::Confirmed),
                completed: o.status(S::Completed),
                no_show: o.status(S::NoShow),
                cancelled_by_client: o.status(S::CancelledByClient),
                cancelled_by_business: o.status(S::CancelledByBusiness),
                completed_revenue: money(&o.completed_revenue),
                booked_revenue: money(&o.booked_revenue),
                booked_minutes: minutes(booked[k]),
                available_minutes: minutes(available[k]),
                utilisation: ratio(booked[k] as f64, available[k] as f64),
            }
        })
        .collect();
    let weekdays = (0..7)
        .map(|d| WeekdayFigure {
            weekday: Weekday::ALL[d],
            appointments: CountFigure {
                value: now.weekday_total(d),
                previous: before.weekday_total(d),
            },
        })
        .collect();
    let hours = (0..24u8)
        .map(|h| HourFigure {
            hour: h,
            appointments: CountFigure {
                value: now.hour_total(usize::from(h)),
                previous: before.hour_total(usize::from(h)),
            },
        })
        .collect();
    let mut weekday_hours = Vec::new();
    for (d, weekday) in Weekday::ALL.into_iter().enumerate() {
        for h in 0..24u8 {
            let appointments = CountFigure {
                value: now.slots[d][usize::from(h)],
                previous: before.slots[d][usize::from(h)],
            };
            if appointments != CountFigure::default() {
                weekday_hours.push(WeekdayHourFigure {
                    weekday,
                    hour: h,
                    appointments,
                });
            }
        }
    }
    let busiest_weekday = |t: &Tally| busiest_index((0..7).map(|d| t.weekday_total(d)));
    let busiest_hour = |t: &Tally| busiest_index((0..24).map(|h| t.hour_total(h)));
    let period = match (buckets.first(), buckets.last()) {
        (Some(first), Some(last)) => Interval::new(first.interval.start(), last.interval.end())?,
        _ => query.period,
    };
    Ok(Statistics {
        period,
        previous_period: super::previous_period(period),
        bucket: query.bucket,
        time_zone: zone,
        service_id: query.service_id,
        resource_id: query.resource_id,
        totals,
        buckets: buckets_out,
        by_service: groups(&current.by_service, &previous.by_service, names),
        by_resource: groups(&current.by_resource, &previous.by_resource, names),
        weekdays,
        hours,
        weekday_hours,
        busiest: Busiest {
            weekday: busiest_weekday(&now).map(|d| Weekday::ALL[d]),
            previous_weekday: busiest_weekday(&before).map(|d| Weekday::ALL[d]),
            hour: busiest_hour(&now).map(|h| h as u8),
            previous_hour: busiest_hour(&before).map(|h| h as u8),
        },
    })
}
