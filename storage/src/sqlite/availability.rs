//! [`AvailabilityStore`] on SQLite; window reads come back as one JSON aggregate.

use rdv_core::ports::AvailabilityStore;

use rdv_core::model::*;
use rdv_core::{Interval, Result, Timestamp};
use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use super::writer::WriteOp;
use crate::codec::{MAX_WINDOW_SECS, from_json_borrowed, uuid};
use crate::sql::rows;

impl AvailabilityStore for SqliteStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM availability_windows WHERE id = ?1")
                    .bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(rows::window).transpose()
    }

    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let sql = windows_json_query("", resources, range);
        let text = self.fetch_json_array(sql).await?;
        windows_from_json(&text)
    }

    async fn insert_windows(&self, windows: &[AvailabilityWindow]) -> Result<()> {
        self.write(WriteOp::InsertWindows(windows.to_vec()))
            .await
            .map(|_| ())
    }

    async fn update_window(&self, window: &AvailabilityWindow) -> Result<()> {
        self.write(WriteOp::UpdateWindow(window.clone()))
            .await
            .map(|_| ())
    }

    async fn delete_window(&self, id: AvailabilityId) -> Result<()> {
        self.write(WriteOp::DeleteWindow(id)).await.map(|_| ())
    }
}

/// Reads the array built by [`windows_json_query`], sorted by start then id.
fn windows_from_json(text: &str) -> Result<Vec<AvailabilityWindow>> {
    type WindowRow<'a> = (&'a str, &'a str, &'a str, i64, i64, Option<&'a str>);
    let rows: Vec<WindowRow<'_>> = from_json_borrowed("availability_windows", text)?;
    let mut windows = rows
        .into_iter()
        .map(|(id, business, resource, start, end, series)| {
            Ok(AvailabilityWindow {
                id: AvailabilityId(uuid("id", id)?),
                business_id: BusinessId(uuid("business_id", business)?),
                resource_id: ResourceId(uuid("resource_id", resource)?),
                interval: Interval::new(Timestamp::from_secs(start), Timestamp::from_secs(end))?,
                series_id: series
                    .map(|s| uuid("series_id", s).map(SeriesId))
                    .transpose()?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    windows.sort_unstable_by_key(|w| (w.interval.start(), w.id));
    Ok(windows)
}

/// The aggregate of window rows read by [`windows_from_json`].
const WINDOWS_JSON: &str =
    "json_group_array(json_array(id, business_id, resource_id, start_at, end_at, series_id))";

/// Windows of resources meeting a range, as one row holding a JSON array.
///
/// Slot queries read windows and busy periods as aggregates because sqlx-sqlite hands every
/// row from its worker thread through a channel, which costs more than SQLite's own work on
/// these small rows.
pub(super) fn windows_json_query(
    prefix: &str,
    resources: &[ResourceId],
    range: Interval,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{prefix}SELECT {WINDOWS_JSON} FROM availability_windows WHERE resource_id IN ("
    ));
    push_window_filter(&mut sql, resources, range);
    sql
}

/// The resource list (after an open `IN (`) and the range test of window reads.
fn push_window_filter(
    sql: &mut QueryBuilder<'_, Sqlite>,
    resources: &[ResourceId],
    range: Interval,
) {
    let mut ids = sql.separated(", ");
    for r in resources {
        ids.push_bind(r.to_string());
    }
    sql.push(") AND start_at < ").push_bind(range.end().secs());
    sql.push(" AND start_at > ")
        .push_bind(range.start().secs() - MAX_WINDOW_SECS);
    sql.push(" AND end_at > ").push_bind(range.start().secs());
}
