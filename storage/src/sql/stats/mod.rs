//! The aggregate query of statistics, the same text for both backends, and its row mapper:
//! [`aggregates`] answers a [`AggregateRequest`] with the sums of
//! [`rdv_core::stats::aggregate`], computed in the database over the union of `reservations`
//! and `reservations_archive` and over `availability_windows`.
//!
//! **No time-zone arithmetic in SQL.** The core cuts the period at local midnights; the
//! statement receives the bucket boundaries as bound values and finds an instant's bucket
//! with a balanced tree of `CASE WHEN x < $b THEN … ELSE … END` over them (about log₂ of the
//! bucket count comparisons per row). The local weekday and hour of a start come from the
//! zone's UTC offsets over the range, also bound: `start_at + CASE WHEN start_at < $change
//! THEN $offset … END`, then integer division.
//!
//! **One pass per table range.** The reservations starting in the range are read once
//! through the `(business_id, start_at)` index of each table, looking back
//! [`MAX_BLOCKED_SECS`] (the longest reservation) for those that began before it, into a
//! materialised CTE that every grouping reads; only the start is tested there, so no other
//! index (`end_at`) looks cheaper to the planner, and the booked minutes keep the rows that
//! end inside the range (`hi > lo`). The created ones are read through
//! `(business_id, created_at)`; the windows through `(business_id, start_at)`, looking back
//! [`MAX_WINDOW_SECS`]. Booked time counts each group session once: the seats of a
//! non-exclusive reservation's session share its resource and interval, so only those rows
//! pass through a `DISTINCT` (one-to-one reservations never share a resource's time). Every grouping returns
//! one row shape (`kind, a, c, id, status, currency, n, s1, s2`), so the whole answer is one
//! statement and one round trip.

use rdv_core::Result;
use rdv_core::model::{Currency, ReservationStatus};
use rdv_core::stats::{
    AggregateRequest, AggregateRows, CreatedRow, GroupRow, OutcomeRow, SlotRow, SpanRow, holds_time,
};
use rdv_core::{Error, Timestamp};

mod rollup;

pub use rollup::{HeldSums, QUARTER_SECS, answers, cut_spans, rollup, rollup_rows};

use super::{SqlRow, Statement, Value};
use crate::codec::{MAX_BLOCKED_SECS, MAX_WINDOW_SECS, status};

/// Adds a parameter and returns its placeholder.
pub(super) fn param(sql: &mut Statement, value: Value) -> String {
    sql.args.push(value);
    format!("${}", sql.args.len())
}

/// The bucket of the expression `x`: a balanced tree over the placeholders of the inner
/// boundaries `inner` (`b1 … b(n-1)`), whose buckets start at `first`.
pub(super) fn bucket_tree(x: &str, inner: &[String], first: usize) -> String {
    if inner.is_empty() {
        return first.to_string();
    }
    let mid = inner.len() / 2;
    format!(
        "CASE WHEN {x} < {} THEN {} ELSE {} END",
        inner[mid],
        bucket_tree(x, &inner[..mid], first),
        bucket_tree(x, &inner[mid + 1..], first + mid + 1)
    )
}

/// `a` clipped below at `lo` / above at `hi`, portably (no `GREATEST`/`max(a, b)`).
pub(super) fn at_least(a: &str, lo: &str) -> String {
    format!("CASE WHEN {a} > {lo} THEN {a} ELSE {lo} END")
}

pub(super) fn at_most(a: &str, hi: &str) -> String {
    format!("CASE WHEN {a} < {hi} THEN {a} ELSE {hi} END")
}

/// The `CASE` expression of the zone's offset (seconds) in force at the instant `x`: the
/// initial one, then each change from its instant.
pub(super) fn local_offset(sql: &mut Statement, request: &AggregateRequest, x: &str) -> String {
    let offsets = request.offsets();
    let mut before = param(sql, Value::Int(i64::from(offsets.initial)));
    if offsets.changes.is_empty() {
        return before;
    }
    let mut offset = String::from("CASE");
    for &(at, value) in &offsets.changes {
        let at = param(sql, Value::Int(at.secs()));
        offset.push_str(&format!(" WHEN {x} < {at} THEN {before}"));
        before = param(sql, Value::Int(i64::from(value)));
    }
    offset.push_str(&format!(" ELSE {before} END"));
    offset
}

/// The quoted statuses that hold their time ([`holds_time`]), for `status IN (…)`.
pub(super) fn holding_statuses() -> String {
    let holding: Vec<String> = ReservationStatus::ALL
        .into_iter()
        .filter(|s| holds_time(*s))
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    holding.join(", ")
}

/// The `'available'` rows: the windows that count meeting the range, clipped to it, by first
/// and last bucket. `business`, `from`, `to` and `inner` are placeholders already bound.
pub(super) fn available_rows(
    sql: &mut Statement,
    request: &AggregateRequest,
    business: &str,
    from: &str,
    to: &str,
    inner: &[String],
) -> String {
    let windows_of = match request.window_resources() {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_owned(),
        Some(list) => {
            let ids: Vec<String> = list.iter().map(|r| param(sql, Value::Id(r.0))).collect();
            format!(" AND resource_id IN ({})", ids.join(", "))
        }
    };
    let tree = |x: &str| format!("CAST({} AS BIGINT)", bucket_tree(x, inner, 0));
    format!(
        "SELECT 'available' AS kind, {first} AS a, {last} AS c, NULL AS id, \
         CAST(NULL AS TEXT) AS status, CAST(NULL AS TEXT) AS currency, \
         CAST(count(*) AS BIGINT) AS n, CAST(sum(lo) AS BIGINT) AS s1, \
         CAST(sum(hi) AS BIGINT) AS s2 FROM (\
           SELECT {lo} AS lo, {hi} AS hi FROM availability_windows \
           WHERE business_id = {business} AND start_at < {to} \
           AND start_at > {from} - {MAX_WINDOW_SECS} AND end_at > {from}{windows_of}\
         ) AS stats_window GROUP BY {first}, {last}",
        lo = at_least("start_at", from),
        hi = at_most("end_at", to),
        first = tree("lo"),
        last = tree("hi - 1"),
    )
}

/// The statistics aggregates of `request` in one statement; `prefix` goes before it
/// (`EXPLAIN …`). [`aggregate_rows`] reads its rows.
pub fn aggregates(prefix: &str, request: &AggregateRequest) -> Statement {
    let mut sql = Statement::new("");
    let range = request.range();
    let business = param(&mut sql, Value::Id(request.business_id().0));
    let from = param(&mut sql, Value::Int(range.start().secs()));
    let to = param(&mut sql, Value::Int(range.end().secs()));
    let boundaries = request.boundaries();
    let inner: Vec<String> = boundaries[1..boundaries.len() - 1]
        .iter()
        .map(|b| param(&mut sql, Value::Int(b.secs())))
        .collect();
    let mut filters = String::new();
    if let Some(service) = request.service_id() {
        let p = param(&mut sql, Value::Id(service.0));
        filters.push_str(&format!(" AND service_id = {p}"));
    }
    if let Some(resource) = request.resource_id() {
        let p = param(&mut sql, Value::Id(resource.0));
        filters.push_str(&format!(" AND resource_id = {p}"));
    }
    let offset = local_offset(&mut sql, request, "start_at");
    let holding = holding_statuses();
    let lo = at_least("start_at", &from);
    let hi = at_most("end_at", &to);
    let meeting = |table: &str| {
        format!(
            "SELECT status, service_id, resource_id, price_minor, currency, start_at, end_at, \
             exclusive, {lo} AS lo, {hi} AS hi, start_at + {offset} AS local_start FROM {table} \
             WHERE business_id = {business} AND start_at < {to} \
             AND start_at > {from} - {MAX_BLOCKED_SECS}{filters}"
        )
    };
    let created = |table: &str| {
        format!(
            "SELECT start_at, created_at FROM {table} WHERE business_id = {business} \
             AND created_at >= {from} AND created_at < {to}{filters}"
        )
    };
    let tree = |x: &str| format!("CAST({} AS BIGINT)", bucket_tree(x, &inner, 0));
    let big = |x: &str| format!("CAST({x} AS BIGINT)");
    let zero = big("0");
    let no_text = "CAST(NULL AS TEXT)";
    let in_range = format!("start_at >= {from}");
    let text = format!(
        "{prefix}WITH stats_rows AS MATERIALIZED (\
           SELECT status, service_id, resource_id, price_minor, currency, start_at, end_at, \
           exclusive, lo, hi, local_start, {first} AS first, {last} AS last FROM ({live} UNION ALL {archived}) AS stats_meeting\
         ), stats_made AS (\
           SELECT {made_bucket} AS bucket, start_at - created_at AS lead \
           FROM ({live_created} UNION ALL {archived_created}) AS stats_created\
         ) \
         SELECT 'service' AS kind, {zero} AS a, {zero} AS c, service_id AS id, status, \
           currency, {n} AS n, {amount} AS s1, {zero} AS s2 FROM stats_rows WHERE {in_range} \
           GROUP BY service_id, status, currency \
         UNION ALL SELECT 'resource', 0, 0, resource_id, status, currency, {n}, {amount}, 0 \
           FROM stats_rows WHERE {in_range} GROUP BY resource_id, status, currency \
         UNION ALL SELECT 'outcome', first, 0, NULL, status, currency, {n}, {amount}, 0 \
           FROM stats_rows WHERE {in_range} GROUP BY first, status, currency \
         UNION ALL SELECT 'slot', {weekday}, {hour}, NULL, {no_text}, {no_text}, {n}, 0, 0 \
           FROM stats_rows WHERE {in_range} AND status IN ({holding}) GROUP BY {weekday}, {hour} \
         UNION ALL SELECT 'booked', first, last, NULL, {no_text}, {no_text}, {n}, {sum_lo}, \
           {sum_hi} FROM (SELECT first, last, lo, hi FROM stats_rows \
             WHERE status IN ({holding}) AND hi > lo AND exclusive \
           UNION ALL SELECT first, last, lo, hi FROM (SELECT DISTINCT resource_id, start_at, \
             end_at, first, last, lo, hi FROM stats_rows \
             WHERE status IN ({holding}) AND hi > lo AND NOT exclusive) AS stats_sessions\
           ) AS stats_booked GROUP BY first, last \
         UNION ALL SELECT 'created', bucket, 0, NULL, {no_text}, {no_text}, {n}, {sum_lead}, 0 \
           FROM stats_made GROUP BY bucket \
         UNION ALL {available}",
        available = available_rows(&mut sql, request, &business, &from, &to, &inner),
        first = tree("lo"),
        last = tree("hi - 1"),
        live = meeting("reservations"),
        archived = meeting("reservations_archive"),
        made_bucket = tree("created_at"),
        live_created = created("reservations"),
        archived_created = created("reservations_archive"),
        n = big("count(*)"),
        amount = big("sum(price_minor)"),
        weekday = "(local_start / 86400 + 3) % 7",
        hour = "(local_start % 86400) / 3600",
        sum_lo = big("sum(lo)"),
        sum_hi = big("sum(hi)"),
        sum_lead = big("sum(lead)"),
    );
    sql.sql = text.into();
    sql
}

pub(super) fn bucket(row: &impl SqlRow, col: &str) -> Result<u32> {
    let value = row.int(col)?;
    u32::try_from(value).map_err(|_| Error::Storage {
        message: format!("statistics row with bucket {value}"),
    })
}

fn small(row: &impl SqlRow, col: &str) -> Result<u8> {
    let value = row.int(col)?;
    u8::try_from(value).map_err(|_| Error::Storage {
        message: format!("statistics row with {col} {value}"),
    })
}

pub(super) fn count(row: &impl SqlRow) -> Result<u64> {
    let value = row.int("n")?;
    u64::try_from(value).map_err(|_| Error::Storage {
        message: format!("statistics row with count {value}"),
    })
}

fn group(row: &impl SqlRow) -> Result<GroupRow> {
    let key = row.opt_id("id")?.ok_or_else(|| Error::Storage {
        message: "statistics group row without an id".into(),
    })?;
    Ok(GroupRow {
        key,
        status: status(&row.text("status")?)?,
        currency: Currency::parse(&row.text("currency")?)?,
        count: count(row)?,
        amount_minor: row.int("s1")?,
    })
}

fn span(row: &impl SqlRow) -> Result<SpanRow> {
    Ok(SpanRow {
        first: bucket(row, "a")?,
        last: bucket(row, "c")?,
        count: count(row)?,
        start_secs: row.int("s1")?,
        end_secs: row.int("s2")?,
    })
}

/// The rows of [`aggregates`], sorted into their kinds.
pub fn aggregate_rows<R: SqlRow>(rows: &[R]) -> Result<AggregateRows> {
    let mut out = AggregateRows::default();
    for row in rows {
        push_row(&mut out, row)?;
    }
    Ok(out)
}

/// Adds one row of a statistics statement to its kind's list.
pub(super) fn push_row(out: &mut AggregateRows, row: &impl SqlRow) -> Result<()> {
    match row.text("kind")?.as_str() {
        "service" => out.by_service.push(group(row)?),
        "resource" => out.by_resource.push(group(row)?),
        "outcome" => out.outcomes.push(OutcomeRow {
            bucket: bucket(row, "a")?,
            status: status(&row.text("status")?)?,
            currency: Currency::parse(&row.text("currency")?)?,
            count: count(row)?,
            amount_minor: row.int("s1")?,
        }),
        "slot" => out.slots.push(SlotRow {
            weekday: small(row, "a")?,
            hour: small(row, "c")?,
            count: count(row)?,
        }),
        "booked" => out.booked.push(span(row)?),
        "created" => out.created.push(CreatedRow {
            bucket: bucket(row, "a")?,
            count: count(row)?,
            lead_secs: row.int("s1")?,
        }),
        "available" => out.available.push(span(row)?),
        other => {
            return Err(Error::Storage {
                message: format!("statistics row of unknown kind {other:?}"),
            });
        }
    }
    Ok(())
}

/// A representative request for query plans: three day buckets of a nil business, no filter,
/// on the rollup's quarter-hour grid.
pub fn plan_request() -> Result<AggregateRequest> {
    let day = 86_400;
    let start = 1_779_999_300;
    let spans: Vec<rdv_core::Interval> = (0..3)
        .map(|k| {
            rdv_core::Interval::new(
                Timestamp::from_secs(start + k * day),
                Timestamp::from_secs(start + (k + 1) * day),
            )
        })
        .collect::<Result<_>>()?;
    let offsets = rdv_core::stats::ZoneOffsets {
        initial: 3600,
        changes: vec![(Timestamp::from_secs(start + day), 7200)],
    };
    AggregateRequest::new(
        rdv_core::model::BusinessId(rdv_core::Uuid::nil()),
        (None, None),
        None,
        &spans,
        offsets,
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

    use sqlx::Connection as _;

    use super::*;

    /// The `CASE` tree answers the core's bucket for every instant around every boundary, for
    /// 1 to 40 uneven buckets, evaluated by SQLite.
    #[test]
    fn the_case_tree_finds_the_core_bucket() {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async {
            let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .unwrap();
            for n in 1..=40i64 {
                let bounds: Vec<i64> = (0..=n).map(|k| 1_000 + 7 * k * k + k).collect();
                let spans: Vec<rdv_core::Interval> = bounds
                    .windows(2)
                    .map(|w| {
                        rdv_core::Interval::new(
                            Timestamp::from_secs(w[0]),
                            Timestamp::from_secs(w[1]),
                        )
                        .unwrap()
                    })
                    .collect();
                let request = AggregateRequest::new(
                    rdv_core::model::BusinessId(rdv_core::Uuid::nil()),
                    (None, None),
                    None,
                    &spans,
                    rdv_core::stats::ZoneOffsets {
                        initial: 0,
                        changes: vec![],
                    },
                )
                .unwrap();
                let inner: Vec<String> = (0..bounds.len() - 2)
                    .map(|k| format!("${}", k + 2))
                    .collect();
                let sql = format!("SELECT {} AS b", bucket_tree("$1", &inner, 0));
                for &b in &bounds {
                    for probe in [b - 1, b, b + 1] {
                        let mut query = sqlx::query_scalar::<_, i64>(&sql).bind(probe);
                        for &inner in &bounds[1..bounds.len() - 1] {
                            query = query.bind(inner);
                        }
                        let got = query.fetch_one(&mut conn).await.unwrap();
                        let want = i64::from(request.bucket_of(Timestamp::from_secs(probe)));
                        assert_eq!(got, want, "{n} buckets, instant {probe}");
                    }
                }
            }
        });
    }
}
