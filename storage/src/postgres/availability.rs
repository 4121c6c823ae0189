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
        self.write_windows(windows, false).await
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
