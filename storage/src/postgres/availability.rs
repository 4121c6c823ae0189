//! [`AvailabilityStore`] on PostgreSQL; the exclusion constraint
//! `availability_windows_no_overlap` backs the overlap check.

use rdv_core::error::Entity;
use rdv_core::model::*;
use rdv_core::ports::AvailabilityStore;
use rdv_core::{Error, Interval, Result};

use super::{PgStore, backend};
use crate::codec::{MAX_WINDOW_SECS, db_error};
use crate::sql::{SqlRow, Statement, Value, queries, rows};

impl PgStore {
    async fn write_windows(&self, windows: &[AvailabilityWindow], update: bool) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for w in windows {
            self.counted();
            let other = backend::query(&queries::overlapping_window(w))
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
            if let Some(existing) = other {
                return Err(Error::AvailabilityOverlap {
                    existing: existing.id("id")?.to_string(),
                });
            }
            self.counted();
            let write = if update {
                queries::update_window(w)
            } else {
                queries::insert_window(w)
            };
            let done = backend::query(&write)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
            if done.rows_affected() == 0 {
                return Err(Error::NotFound {
                    entity: Entity::Availability,
                });
            }
        }
        tx.commit().await.map_err(db_error)
    }
}

/// Windows per `INSERT … SELECT FROM unnest(…)` of a batch.
const WINDOW_CHUNK: usize = 2_000;

impl PgStore {
    /// Many new windows in one transaction, a few thousand per statement: the exclusion
    /// constraint `availability_windows_no_overlap` checks each against the stored windows
    /// and the batch's others (AV-4) as it is inserted, so an import of 10,000 windows is a
    /// handful of statements instead of 20,000 (a check and an insert each).
    async fn insert_window_batch(&self, windows: &[AvailabilityWindow]) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for chunk in windows.chunks(WINDOW_CHUNK) {
            let column =
                |f: fn(&AvailabilityWindow) -> Uuid| chunk.iter().map(f).collect::<Vec<_>>();
            let series: Vec<Option<Uuid>> =
                chunk.iter().map(|w| w.series_id.map(|s| s.0)).collect();
            let starts: Vec<i64> = chunk.iter().map(|w| w.interval.start().secs()).collect();
            let ends: Vec<i64> = chunk.iter().map(|w| w.interval.end().secs()).collect();
            self.counted();
            sqlx::query(
                "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at, \
                 series_id) SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], \
                 $4::bigint[], $5::bigint[], $6::uuid[])",
            )
            .bind(column(|w| w.id.0))
            .bind(column(|w| w.business_id.0))
            .bind(column(|w| w.resource_id.0))
            .bind(&starts)
            .bind(&ends)
            .bind(&series)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        }
        tx.commit().await.map_err(db_error)
    }
}

impl AvailabilityStore for PgStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        let sql = Statement::new("SELECT * FROM availability_windows WHERE id = $1")
            .bind(Value::Id(id.0));
        let row = self.fetch_one(sql).await?;
        row.as_ref().map(rows::window).transpose()
    }

    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        let ids: Vec<Uuid> = resources.iter().map(|r| r.0).collect();
        self.counted();
        let rows = sqlx::query(&format!(
            "SELECT * FROM availability_windows WHERE resource_id = ANY($1) AND start_at < $3 \
             AND start_at > $2 - {MAX_WINDOW_SECS} AND end_at > $2 ORDER BY start_at, id"
        ))
        .bind(&ids)
        .bind(range.start().secs())
        .bind(range.end().secs())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::window).collect()
    }

    async fn insert_windows(&self, windows: &[AvailabilityWindow]) -> Result<()> {
        if windows.len() <= 1 {
            return self.write_windows(windows, false).await;
        }
        self.insert_window_batch(windows).await
    }

    async fn update_window(&self, window: &AvailabilityWindow) -> Result<()> {
        self.write_windows(std::slice::from_ref(window), true).await
    }

    async fn delete_window(&self, id: AvailabilityId) -> Result<()> {
        self.counted();
        let done = sqlx::query("DELETE FROM availability_windows WHERE id = $1")
            .bind(id.0)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        if done.rows_affected() == 0 {
            return Err(Error::NotFound {
                entity: Entity::Availability,
            });
        }
        Ok(())
    }
}
