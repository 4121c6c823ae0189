//! The statistics read from the rollup tables instead of the reservations: [`rollup`]
//! answers an [`AggregateRequest`] with the same figures as [`super::aggregates`] (and so as
//! [`rdv_core::stats::aggregate`]) from `stats_starts`, `stats_ends`, `stats_created`,
//! `stats_sessions` and `stats_days`, exact once the store has folded the changes its
//! triggers recorded (`fold_stats`, which each backend runs first; migrations: SQLite
//! `0015_statistics_rollup.sql`, PostgreSQL `0014_statistics_rollup.sql`, whose headers say
//! what each column sums).
//!
//! **When it answers.** Only for a whole business (no service or resource filter: those read
//! a fraction of the rows anyway) whose bucket boundaries and zone offset changes all lie on
//! the UTC quarter-hour grid, which every local midnight of every zone does; otherwise
//! [`rollup`] returns `None` and the store runs the statement over the rows.
//!
//! **Why it is exact.** With every boundary a multiple of 900 s, an instant's bucket is its
//! quarter-hour's, and so is its local weekday and hour (an offset is a whole number of
//! quarter-hours): outcomes, created counts and slots are sums of quarter-hour rows. The
//! figures by service and resource come from UTC-day rows for the days wholly inside the
//! range and from the reservations for the parts of a day at its two ends.
//!
//! **Booked minutes without the intervals.** Per bucket `k` the store reads `sn[k]`, `ss[k]`:
//! how many exclusive time-holding reservations start in it and the sum of their starts, and
//! `en[k]`, `es[k]`: how many have their last second in it and the sum of their ends; plus
//! how many began before the range and end inside or after it (from the rows: one short
//! index range). The reservations crossing the boundary `b[k]` are then
//! `c[k] = before + Σ_{j<k} (sn[j] − en[j])`, and the pieces of the intervals inside bucket
//! `k` number `c[k] + sn[k]`, start in sum at `ss[k] + b[k]·c[k]` and end in sum at
//! `es[k] + b[k+1]·c[k+1]` ([`cut_spans`]). Those pieces are exact [`SpanRow`]s (each within
//! one bucket), which [`rdv_core::stats::spread`] adds up to the same minutes as the whole
//! intervals. Group sessions, counted once, are read from `stats_sessions` (one row per
//! session with its time-holding seats), clipped like the rows.

use rdv_core::Result;
use rdv_core::stats::{AggregateRequest, AggregateRows, SpanRow};
use rdv_core::{Error, Timestamp};

use super::{
    SqlRow, Statement, Value, at_least, at_most, available_rows, bucket_tree, holding_statuses,
    local_offset, param, push_row,
};
use crate::codec::MAX_BLOCKED_SECS;
use crate::sql::stats::{bucket, count};

/// Up to this many buckets, each is summed over its own range of the quarter-hour tables'
/// index (no sort); beyond, one range is grouped by the bucket's `CASE` tree.
const RANGE_BUCKETS: usize = 64;

/// The grain of `stats_starts`, `stats_ends` and `stats_created`, in seconds.
pub const QUARTER_SECS: i64 = 900;

/// The grain of `stats_days`, in seconds.
const DAY_SECS: i64 = 86_400;

/// The statuses in the order of the rollup's columns `n_<status>`, `minor_<status>`.
const STATUSES: [&str; 6] = [
    "pending",
    "confirmed",
    "completed",
    "no_show",
    "cancelled_by_client",
    "cancelled_by_business",
];

/// Whether the rollup answers `request` exactly (see the module docs).
pub fn answers(request: &AggregateRequest) -> bool {
    let on_grid = |secs: i64| secs.rem_euclid(QUARTER_SECS) == 0;
    let offsets = request.offsets();
    request.service_id().is_none()
        && request.resource_id().is_none()
        && request.boundaries().iter().all(|b| on_grid(b.secs()))
        && on_grid(i64::from(offsets.initial))
        && offsets
            .changes
            .iter()
            .all(|&(at, value)| on_grid(at.secs()) && on_grid(i64::from(value)))
}

/// The statement answering `request` from the rollup, `None` when it cannot ([`answers`]);
/// `prefix` goes before it (`EXPLAIN …`). [`rollup_rows`] reads its rows.
pub fn rollup(prefix: &str, request: &AggregateRequest) -> Option<Statement> {
    if !answers(request) {
        return None;
    }
    let mut sql = Statement::new("");
    let range = request.range();
    let (from_secs, to_secs) = (range.start().secs(), range.end().secs());
    let business = param(&mut sql, Value::Id(request.business_id().0));
    let from = param(&mut sql, Value::Int(from_secs));
    let to = param(&mut sql, Value::Int(to_secs));
    let from_q = param(&mut sql, Value::Int(from_secs / QUARTER_SECS));
    let to_q = param(&mut sql, Value::Int(to_secs / QUARTER_SECS));
    // The UTC days wholly inside the range come from `stats_days`, the rest of the range
    // (`edge_rows`) from the reservations.
    let (first_day, end_day) = (from_secs.div_euclid(DAY_SECS) + 1, to_secs / DAY_SECS);
    let first_day = if from_secs % DAY_SECS == 0 {
        first_day - 1
    } else {
        first_day
    };
    let (days, edges) = if first_day < end_day {
        (
            (first_day, end_day),
            [
                (from_secs, first_day * DAY_SECS),
                (end_day * DAY_SECS, to_secs),
            ],
        )
    } else {
        ((0, 0), [(from_secs, to_secs), (to_secs, to_secs)])
    };
    let day_from = param(&mut sql, Value::Int(days.0));
    let day_to = param(&mut sql, Value::Int(days.1));
    let edges: Vec<(String, String)> = edges
        .iter()
        .map(|&(a, b)| {
            (
                param(&mut sql, Value::Int(a)),
                param(&mut sql, Value::Int(b)),
            )
        })
        .collect();
    let boundaries = request.boundaries();
    let inner: Vec<String> = boundaries[1..boundaries.len() - 1]
        .iter()
        .map(|b| param(&mut sql, Value::Int(b.secs())))
        .collect();
    let offset = local_offset(&mut sql, request, "quarter * 900");
    let holding = holding_statuses();
    let tree = |x: &str| format!("CAST({} AS BIGINT)", bucket_tree(x, &inner, 0));
    let sums = STATUSES
        .iter()
        .flat_map(|s| [format!("n_{s}"), format!("minor_{s}")])
        .map(|c| format!("CAST(sum({c}) AS BIGINT) AS {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // One row per status of each grouped row: `kind` and `id` come from `head`.
    let unpivot = |head: &str, table: &str| {
        STATUSES
            .iter()
            .map(|s| {
                format!(
                    "SELECT {head}, '{s}' AS status, currency, n_{s} AS n, minor_{s} AS s1, 0 AS s2 \
                     FROM {table} \
                     WHERE n_{s} <> 0"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    let edge_rows = |table: &str| {
        edges
            .iter()
            .map(|(a, b)| {
                format!(
                    "SELECT service_id, resource_id, status, currency, price_minor FROM {table} \
                     WHERE business_id = {business} AND start_at >= {a} AND start_at < {b}"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    // The exclusive time-holding reservations that began before the range and end in or
    // after it.
    let before = |table: &str| {
        format!(
            "SELECT 1 AS one FROM {table} WHERE business_id = {business} AND start_at < {from} \
             AND start_at > {from} - {MAX_BLOCKED_SECS} AND end_at > {from} \
             AND status IN ({holding}) AND exclusive"
        )
    };
    // Per bucket: a range of the quarter-hour index each (no sort) up to
    // `RANGE_BUCKETS` buckets, else one range grouped by the `CASE` tree.
    let quarter_bounds: Vec<String> = boundaries
        .iter()
        .map(|b| param(&mut sql, Value::Int(b.secs() / QUARTER_SECS)))
        .collect();
    let per_bucket = |table: &str, by_currency: bool, cols: &str| {
        let currency = if by_currency { ", currency" } else { "" };
        if boundaries.len() - 1 <= RANGE_BUCKETS {
            let close = if by_currency {
                " GROUP BY currency".to_owned()
            } else {
                " HAVING count(*) > 0".to_owned()
            };
            quarter_bounds
                .windows(2)
                .enumerate()
                .map(|(k, w)| {
                    format!(
                        "SELECT CAST({k} AS BIGINT) AS bucket{currency}, {cols} FROM {table} \
                         WHERE business_id = {business} AND quarter >= {} AND quarter < {}{close}",
                        w[0], w[1]
                    )
                })
                .collect::<Vec<_>>()
                .join(" UNION ALL ")
        } else {
            let bucket = tree("quarter * 900");
            format!(
                "SELECT {bucket} AS bucket{currency}, {cols} FROM {table} \
                 WHERE business_id = {business} AND quarter >= {from_q} AND quarter < {to_q} \
                 GROUP BY {bucket}{currency}"
            )
        }
    };
    let text = format!(
        "{prefix}WITH rollup_starts AS MATERIALIZED ({starts}\
         ), rollup_days AS MATERIALIZED (\
           SELECT dimension, key_id, currency, {day_sums} FROM stats_days \
           WHERE business_id = {business} AND day >= {day_from} AND day < {day_to} \
           GROUP BY dimension, key_id, currency\
         ), rollup_edges AS MATERIALIZED ({live_edges} UNION ALL {archived_edges}) \
         {groups} \
         UNION ALL {outcomes} \
         UNION ALL SELECT 'service', 0, 0, service_id, status, currency, {n}, {amount}, 0 \
           FROM rollup_edges GROUP BY service_id, status, currency \
         UNION ALL SELECT 'resource', 0, 0, resource_id, status, currency, {n}, {amount}, 0 \
           FROM rollup_edges GROUP BY resource_id, status, currency \
         UNION ALL SELECT 'held_start', bucket, 0, NULL, {no_text}, {no_text}, \
           CAST(sum(held_start_n) AS BIGINT), CAST(sum(held_start_sum) AS BIGINT), 0 \
           FROM rollup_starts GROUP BY bucket \
         UNION ALL SELECT 'held_end', bucket, 0, NULL, {no_text}, {no_text}, n, s1, 0 \
           FROM ({ends}) AS rollup_ends \
         UNION ALL SELECT 'held_before', 0, 0, NULL, {no_text}, {no_text}, {n}, 0, 0 FROM (\
           {live_before} UNION ALL {archived_before}) AS rollup_before \
         UNION ALL SELECT 'created', bucket, 0, NULL, {no_text}, {no_text}, n, s1, 0 \
           FROM ({created}) AS rollup_created \
         UNION ALL SELECT 'slot', weekday, hour, NULL, {no_text}, {no_text}, \
           CAST(sum(held) AS BIGINT), 0, 0 FROM (\
             SELECT (local_start / 86400 + 3) % 7 AS weekday, (local_start % 86400) / 3600 AS hour, \
             held FROM (SELECT quarter * 900 + {offset} AS local_start, \
               n_pending + n_confirmed + n_completed + n_no_show AS held FROM stats_starts \
               WHERE business_id = {business} AND quarter >= {from_q} AND quarter < {to_q}\
             ) AS rollup_local\
           ) AS rollup_slots GROUP BY weekday, hour HAVING sum(held) <> 0 \
         UNION ALL SELECT 'booked', {first}, {last}, NULL, {no_text}, {no_text}, {n}, \
           CAST(sum(lo) AS BIGINT), CAST(sum(hi) AS BIGINT) FROM (\
             SELECT {lo} AS lo, {hi} AS hi FROM stats_sessions \
             WHERE business_id = {business} AND start_at < {to} \
             AND start_at > {from} - {MAX_BLOCKED_SECS} AND end_at > {from} AND seats > 0\
           ) AS rollup_sessions GROUP BY {first}, {last} \
         UNION ALL {available}",
        starts = per_bucket(
            "stats_starts",
            true,
            &format!(
                "{}, CAST(sum(held_start_n) AS BIGINT) AS held_start_n, \
                 CAST(sum(held_start_sum) AS BIGINT) AS held_start_sum",
                sums
            )
        ),
        ends = per_bucket(
            "stats_ends",
            false,
            "CAST(sum(held_end_n) AS BIGINT) AS n, CAST(sum(held_end_sum) AS BIGINT) AS s1"
        ),
        created = per_bucket(
            "stats_created",
            false,
            "CAST(sum(created_n) AS BIGINT) AS n, CAST(sum(created_lead) AS BIGINT) AS s1"
        ),
        day_sums = sums,
        live_edges = edge_rows("reservations"),
        archived_edges = edge_rows("reservations_archive"),
        outcomes = unpivot("'outcome', bucket, 0, NULL", "rollup_starts"),
        groups = unpivot(
            "dimension AS kind, 0 AS a, 0 AS c, key_id AS id",
            "rollup_days"
        ),
        n = "CAST(count(*) AS BIGINT)",
        amount = "CAST(sum(price_minor) AS BIGINT)",
        no_text = "CAST(NULL AS TEXT)",
        live_before = before("reservations"),
        archived_before = before("reservations_archive"),
        lo = at_least("start_at", &from),
        hi = at_most("end_at", &to),
        first = tree("lo"),
        last = tree("hi - 1"),
        available = available_rows(&mut sql, request, &business, &from, &to, &inner),
    );
    sql.sql = text.into();
    Some(sql)
}

/// The rows of [`rollup`] as the store's answer: the kinds shared with the statement over the
/// rows as they are, the exclusive reservations' sums turned into booked spans
/// ([`cut_spans`]).
pub fn rollup_rows<R: SqlRow>(request: &AggregateRequest, rows: &[R]) -> Result<AggregateRows> {
    let n = request.bucket_count();
    let mut held = HeldSums {
        before: 0,
        starts: vec![(0, 0); n],
        ends: vec![(0, 0); n],
    };
    let mut out = AggregateRows::default();
    for row in rows {
        let kind = row.text("kind")?;
        let slot = match kind.as_str() {
            "held_before" => {
                held.before += count(row)?;
                continue;
            }
            "held_start" => &mut held.starts,
            "held_end" => &mut held.ends,
            _ => {
                push_row(&mut out, row)?;
                continue;
            }
        };
        let k = bucket(row, "a")? as usize;
        let entry = slot.get_mut(k).ok_or_else(|| Error::Storage {
            message: format!("statistics rollup row of bucket {k} outside the {n} asked for"),
        })?;
        entry.0 += count(row)?;
        entry.1 += row.int("s1")?;
    }
    out.booked.extend(cut_spans(request.boundaries(), &held)?);
    Ok(out)
}

/// The exclusive time-holding reservations' sums of one request, per bucket.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeldSums {
    /// How many began before the range and end after its start.
    pub before: u64,
    /// Per bucket: how many start in it, and the sum of their starts.
    pub starts: Vec<(u64, i64)>,
    /// Per bucket: how many have their last second in it, and the sum of their ends.
    pub ends: Vec<(u64, i64)>,
}

/// The pieces, one per bucket, of the intervals the sums describe (see the module docs).
/// Fails with `STORAGE_ERROR` when the sums are inconsistent (more ends than starts).
pub fn cut_spans(boundaries: &[Timestamp], held: &HeldSums) -> Result<Vec<SpanRow>> {
    let n = held.starts.len();
    if held.ends.len() != n || boundaries.len() != n + 1 {
        return Err(Error::Storage {
            message: format!("statistics rollup of {n} buckets over {boundaries:?}"),
        });
    }
    let mut crossing = held.before;
    let mut out = Vec::new();
    for k in 0..n {
        let (started, start_sum) = held.starts[k];
        let (ended, end_sum) = held.ends[k];
        let pieces = crossing + started;
        let next = pieces.checked_sub(ended).ok_or_else(|| Error::Storage {
            message: format!("statistics rollup ends {ended} intervals of {pieces} in bucket {k}"),
        })?;
        if pieces > 0 {
            let as_int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            out.push(SpanRow {
                first: k as u32,
                last: k as u32,
                count: pieces,
                start_secs: start_sum + boundaries[k].secs() * as_int(crossing),
                end_secs: end_sum + boundaries[k + 1].secs() * as_int(next),
            });
        }
        crossing = next;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

    use rdv_core::stats::spread;

    use super::*;

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_secs(secs)
    }

    /// Intervals crossing one and two boundaries, one from before the range and one past its
    /// end: their pieces spread to the minutes of the whole intervals.
    #[test]
    fn pieces_spread_to_the_whole_intervals_minutes() {
        let boundaries = [at(0), at(3_600), at(7_200), at(10_800)];
        // [-600, 900) from before, [3_000, 8_000) across two boundaries, [9_000, 12_000) past
        // the end, [100, 200) inside bucket 0.
        let held = HeldSums {
            before: 1,
            starts: vec![(2, 3_000 + 100), (0, 0), (1, 9_000)],
            ends: vec![(2, 900 + 200), (0, 0), (1, 8_000)],
        };
        let pieces = cut_spans(&boundaries, &held).unwrap();
        let mut got = vec![0; 3];
        spread(&pieces, &boundaries, &mut got).unwrap();
        let whole = [
            SpanRow {
                first: 0,
                last: 0,
                count: 1,
                start_secs: 0,
                end_secs: 900,
            },
            SpanRow {
                first: 0,
                last: 2,
                count: 1,
                start_secs: 3_000,
                end_secs: 8_000,
            },
            SpanRow {
                first: 2,
                last: 2,
                count: 1,
                start_secs: 9_000,
                end_secs: 10_800,
            },
            SpanRow {
                first: 0,
                last: 0,
                count: 1,
                start_secs: 100,
                end_secs: 200,
            },
        ];
        let mut want = vec![0; 3];
        spread(&whole, &boundaries, &mut want).unwrap();
        assert_eq!(got, want);
        assert_eq!(want, vec![900 + 100 + 600, 3_600, 800 + 1_800]);
    }

    /// More intervals ending in a bucket than started or crossed into it is a storage error.
    #[test]
    fn more_ends_than_starts_is_a_storage_error() {
        let held = HeldSums {
            before: 0,
            starts: vec![(1, 10)],
            ends: vec![(2, 40)],
        };
        let err = cut_spans(&[at(0), at(100)], &held).unwrap_err();
        assert_eq!(err.code(), rdv_core::ErrorCode::StorageError);
    }
}
