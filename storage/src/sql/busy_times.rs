//! The busy times' SQL ([`rdv_core::ports::BusyTimeStore`]), written once over [`SqlBackend`];
//! each backend's impl only forwards to these functions. A source is replaced in one
//! transaction (delete, then multi-row inserts), so a slot read sees the old set or the new
//! one, never half. Stored pieces are at most [`MAX_BUSY_PIECE_SECS`] long, so a range read
//! looks back that far on the `(resource_id, start_at)` index.

use rdv_core::busy_times::{BusyTime, ExternalBusy, MAX_BUSY_PIECE_SECS};
use rdv_core::model::ResourceId;
use rdv_core::{Interval, Result, Timestamp};

use super::{SqlBackend, SqlRow, Statement, Value};

/// Rows per insert statement (5 parameters each, under SQLite's and PostgreSQL's limits).
const ROWS_PER_INSERT: usize = 1_000;

/// Replaces the rows of `resource` and `source` with `busy`; the rows removed.
pub async fn replace<B: SqlBackend>(
    store: &B,
    resource: ResourceId,
    source: &str,
    busy: &[BusyTime],
) -> Result<u64> {
    let mut tx = store.begin().await?;
    let delete = Statement::new("DELETE FROM busy_times WHERE resource_id = $1 AND source = $2")
        .bind(Value::Id(resource.0))
        .text(source);
    let removed = B::execute(&mut tx, &delete).await?;
    for chunk in busy.chunks(ROWS_PER_INSERT) {
        let mut insert = Statement::new(
            "INSERT INTO busy_times (resource_id, source, uid, start_at, end_at) VALUES ",
        );
        for (k, b) in chunk.iter().enumerate() {
            insert.push(if k == 0 { "(" } else { ", (" });
            insert.push_list([
                Value::Id(resource.0),
                Value::Text(source.to_owned()),
                Value::Text(b.uid.clone()),
                Value::Int(b.interval.start().secs()),
                Value::Int(b.interval.end().secs()),
            ]);
            insert.push(")");
        }
        B::execute(&mut tx, &insert).await?;
    }
    B::commit(tx).await?;
    Ok(removed)
}

/// The condition "meets `[$lo, $hi)`" on the index, for parameters `lo` and `hi`.
fn meets(lo: &str, hi: &str) -> String {
    format!("start_at < {hi} AND start_at > {lo} - {MAX_BUSY_PIECE_SECS} AND end_at > {lo}")
}

/// The rows of `resource` (of `source`, or all) meeting `range`.
pub async fn list<B: SqlBackend>(
    store: &B,
    resource: ResourceId,
    source: Option<&str>,
    range: Interval,
) -> Result<Vec<BusyTime>> {
    let mut statement = Statement::new(format!(
        "SELECT resource_id, source, uid, start_at, end_at FROM busy_times \
         WHERE resource_id = $1 AND {}",
        meets("$2", "$3")
    ))
    .bind(Value::Id(resource.0))
    .int(range.start().secs())
    .int(range.end().secs());
    if let Some(source) = source {
        statement.push(" AND source = ");
        statement.push_bind(Value::Text(source.to_owned()));
    }
    statement.push(&format!(
        " ORDER BY start_at, source{0}, uid{0}",
        B::BYTE_ORDER
    ));
    store
        .read(&statement)
        .await?
        .iter()
        .map(|row| {
            Ok(BusyTime {
                resource_id: ResourceId(row.id("resource_id")?),
                source: row.text("source")?,
                uid: row.text("uid")?,
                interval: interval(row)?,
            })
        })
        .collect()
}

/// The busy periods of `resources` meeting `range`, sorted by start.
pub async fn external<B: SqlBackend>(
    store: &B,
    resources: &[ResourceId],
    range: Interval,
) -> Result<Vec<ExternalBusy>> {
    if resources.is_empty() {
        return Ok(Vec::new());
    }
    let mut statement = Statement::new(format!(
        "SELECT resource_id, start_at, end_at FROM busy_times WHERE {} AND resource_id IN (",
        meets("$1", "$2")
    ))
    .int(range.start().secs())
    .int(range.end().secs());
    statement.push_list(resources.iter().map(|r| Value::Id(r.0)));
    statement.push(") ORDER BY start_at");
    store
        .read(&statement)
        .await?
        .iter()
        .map(|row| {
            Ok(ExternalBusy {
                resource_id: ResourceId(row.id("resource_id")?),
                interval: interval(row)?,
            })
        })
        .collect()
}

fn interval(row: &impl SqlRow) -> Result<Interval> {
    Interval::new(
        Timestamp::from_secs(row.int("start_at")?),
        Timestamp::from_secs(row.int("end_at")?),
    )
}
