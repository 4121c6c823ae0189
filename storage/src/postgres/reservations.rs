//! [`ReservationStore`] on PostgreSQL: one-to-one bookings as one `INSERT … ON CONFLICT DO
//! NOTHING`, group bookings and updates under advisory locks taken in order.

use rdv_core::booking::check_capacity;
use rdv_core::calendar::CalendarRow;
use rdv_core::error::Entity;
use rdv_core::model::*;
use rdv_core::ports::{
    Page, PageRequest, ReservationFilter, ReservationSort, ReservationStore, ReservationView,
};
use rdv_core::{Error, Interval, Result, Timestamp};
use sqlx::{Executor, Postgres};

use super::{INSERT_ATTEMPTS, PgStore, RES_COLS, lock_in_order, session_key};
use crate::codec::{MAX_BLOCKED_SECS, db_error, to_json, u32_col};
use crate::sql::{queries, rows};

impl rdv_core::ports::Store for PgStore {}

impl PgStore {
    async fn conflict_candidates<'e, E: Executor<'e, Database = Postgres>>(
        &self,
        executor: E,
        r: &Reservation,
    ) -> Result<Vec<Reservation>> {
        let blocked = r.blocked_interval();
        let sql = format!(
            "SELECT {RES_COLS} FROM reservations WHERE active AND resource_id = $1 \
               AND blocked_start < $3 AND blocked_start > $2 - {MAX_BLOCKED_SECS} AND blocked_end > $2 \
             UNION ALL \
             SELECT {RES_COLS} FROM reservations WHERE active AND client_id = $4 \
               AND start_at < $6 AND start_at > $5 - {MAX_BLOCKED_SECS} AND end_at > $5"
        );
        self.counted();
        let rows = sqlx::query(&sql)
            .bind(r.resource_id.0)
            .bind(blocked.start().secs())
            .bind(blocked.end().secs())
            .bind(r.client_id.0)
            .bind(r.interval.start().secs())
            .bind(r.interval.end().secs())
            .fetch_all(executor)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::reservation).collect()
    }

    fn insert_sql(on_conflict_nothing: bool) -> String {
        format!(
            "INSERT INTO reservations (id, business_id, client_id, service_id, resource_id, start_at, end_at, \
             blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, exclusive, \
             session_key, price_minor, currency, reschedule_count, version, history, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19::jsonb, $20){}",
            if on_conflict_nothing {
                " ON CONFLICT DO NOTHING"
            } else {
                ""
            }
        )
    }

    async fn insert_row<'e, E: Executor<'e, Database = Postgres>>(
        &self,
        executor: E,
        r: &Reservation,
        exclusive: bool,
        on_conflict_nothing: bool,
    ) -> Result<u64> {
        let blocked = r.blocked_interval();
        self.counted();
        let sql = Self::insert_sql(on_conflict_nothing);
        let done = sqlx::query(&sql)
            .bind(r.id.0)
            .bind(r.business_id.0)
            .bind(r.client_id.0)
            .bind(r.service_id.0)
            .bind(r.resource_id.0)
            .bind(r.interval.start().secs())
            .bind(r.interval.end().secs())
            .bind(blocked.start().secs())
            .bind(blocked.end().secs())
            .bind(i64::from(r.buffer_before_minutes))
            .bind(i64::from(r.buffer_after_minutes))
            .bind(r.status.as_str())
            .bind(exclusive)
            .bind(session_key(r, exclusive))
            .bind(r.price.amount_minor)
            .bind(r.price.currency.as_str())
            .bind(i64::from(r.reschedule_count))
            .bind(r.history.len() as i64)
            .bind(to_json(&r.history)?)
            .bind(r.created_at.secs())
            .execute(executor)
            .await
            .map_err(db_error)?;
        Ok(done.rows_affected())
    }
}

pub(super) fn active_for_resources_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT {RES_COLS} FROM reservations WHERE active AND resource_id = ANY($1) AND blocked_start < $3 \
         AND blocked_start > $2 - {MAX_BLOCKED_SECS} AND blocked_end > $2 ORDER BY start_at, id"
    )
}

/// The six columns of active reservations that slot queries need.
pub(super) fn busy_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT resource_id, service_id, start_at, end_at, buffer_before_minutes, \
         buffer_after_minutes FROM reservations WHERE active AND resource_id = ANY($1) \
         AND blocked_start < $3 AND blocked_start > $2 - {MAX_BLOCKED_SECS} AND blocked_end > $2 \
         ORDER BY start_at, id"
    )
}

impl ReservationStore for PgStore {
    async fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        self.counted();
        let row = sqlx::query(&format!(
            "SELECT {RES_COLS} FROM reservations WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(rows::reservation).transpose()
    }

    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        let ids: Vec<Uuid> = resources.iter().map(|r| r.0).collect();
        self.counted();
        let rows = sqlx::query(&active_for_resources_sql(""))
            .bind(&ids)
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::reservation).collect()
    }

    async fn list_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<BusyPeriod>> {
        let ids: Vec<Uuid> = resources.iter().map(|r| r.0).collect();
        self.counted();
        let rows: Vec<(Uuid, Uuid, i64, i64, i64, i64)> = sqlx::query_as(&busy_sql(""))
            .bind(&ids)
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.into_iter()
            .map(|(resource, service, start, end, before, after)| {
                Ok(BusyPeriod {
                    resource_id: ResourceId(resource),
                    service_id: ServiceId(service),
                    interval: Interval::new(
                        Timestamp::from_secs(start),
                        Timestamp::from_secs(end),
                    )?,
                    buffer_before_minutes: u32_col("buffer_before_minutes", before)?,
                    buffer_after_minutes: u32_col("buffer_after_minutes", after)?,
                })
            })
            .collect()
    }

    async fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        self.counted();
        let rows = sqlx::query(&format!(
            "SELECT {RES_COLS} FROM reservations WHERE active AND client_id = $1 AND start_at < $3 \
             AND start_at > $2 - {MAX_BLOCKED_SECS} AND end_at > $2 ORDER BY start_at, id"
        ))
        .bind(client.0)
        .bind(range.start().secs())
        .bind(range.end().secs())
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(rows::reservation).collect()
    }

    async fn insert_reservation(&self, r: &Reservation, seats: u32) -> Result<()> {
        if seats <= 1 {
            for _ in 0..INSERT_ATTEMPTS {
                if self.insert_row(&self.pool, r, true, true).await? == 1 {
                    return Ok(());
                }
                // Refused by a constraint (or the id exists): say which rule, with the core's
                // own check over the rows that collide.
                if self.get_reservation(r.id).await?.is_some() {
                    return Err(Error::ConcurrentModification);
                }
                let existing = self.conflict_candidates(&self.pool, r).await?;
                check_capacity(r, existing.iter(), seats)?;
            }
            return Err(Error::ConcurrentModification);
        }
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        lock_in_order(&mut tx, &[r.resource_id.0, r.client_id.0]).await?;
        let existing = self.conflict_candidates(&mut *tx, r).await?;
        check_capacity(r, existing.iter(), seats)?;
        self.insert_row(&mut *tx, r, false, false).await?;
        tx.commit().await.map_err(db_error)
    }

    async fn update_reservation(&self, r: &Reservation, recheck_seats: Option<u32>) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        lock_in_order(&mut tx, &[r.resource_id.0, r.client_id.0]).await?;
        self.counted();
        let row: Option<(i64, bool)> =
            sqlx::query_as("SELECT version, exclusive FROM reservations WHERE id = $1 FOR UPDATE")
                .bind(r.id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_error)?;
        let (version, exclusive) = row.ok_or(Error::NotFound {
            entity: Entity::Reservation,
        })?;
        if version + 1 != r.history.len() as i64 {
            return Err(Error::ConcurrentModification);
        }
        if let Some(seats) = recheck_seats {
            let existing = self.conflict_candidates(&mut *tx, r).await?;
            check_capacity(r, existing.iter(), seats)?;
        }
        let blocked = r.blocked_interval();
        self.counted();
        sqlx::query(
            "UPDATE reservations SET start_at = $2, end_at = $3, blocked_start = $4, blocked_end = $5, status = $6, \
             reschedule_count = $7, version = $8, history = $9::jsonb, session_key = $10, \
             resource_id = $11 WHERE id = $1",
        )
        .bind(r.id.0)
        .bind(r.interval.start().secs())
        .bind(r.interval.end().secs())
        .bind(blocked.start().secs())
        .bind(blocked.end().secs())
        .bind(r.status.as_str())
        .bind(i64::from(r.reschedule_count))
        .bind(r.history.len() as i64)
        .bind(to_json(&r.history)?)
        .bind(session_key(r, exclusive))
        .bind(r.resource_id.0)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn archive_reservations(&self, ended_before: Timestamp) -> Result<u64> {
        let cols = "id, business_id, client_id, service_id, resource_id, start_at, end_at, blocked_start, blocked_end, \
                    buffer_before_minutes, buffer_after_minutes, status, exclusive, session_key, price_minor, currency, \
                    reschedule_count, version, history, created_at";
        self.counted();
        let done = sqlx::query(&format!(
            "WITH moved AS (DELETE FROM reservations WHERE end_at < $1 RETURNING {cols}) \
             INSERT INTO reservations_archive ({cols}, archived_at) \
             SELECT {cols}, extract(epoch FROM now())::bigint FROM moved"
        ))
        .bind(ended_before.secs())
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(done.rows_affected())
    }

    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        let (sql, limit) = queries::reservation_page::<PgStore>(filter, sort, page)?;
        rows::reservation_page(
            &self.fetch_statement(&sql).await?,
            sort,
            limit,
            &self.cipher,
        )
    }

    async fn calendar_reservations(
        &self,
        business: BusinessId,
        range: Interval,
        include_archived: bool,
    ) -> Result<Vec<CalendarRow>> {
        let sql = queries::calendar_reservations::<PgStore>("", business, range, include_archived);
        rows::calendar_rows(&self.fetch_statement(&sql).await?, &self.cipher)
    }
}
