//! [`ReservationStore`] on SQLite: reads on the store's read connections, bookings and
//! updates through the writer task.

use rdv_core::ports::{
    ClientContact, Page, PageRequest, ReservationFilter, ReservationSort, ReservationStore,
    ReservationView,
};

use rdv_core::calendar::{CalendarReservation, CalendarRow};
use rdv_core::model::*;
use rdv_core::{Error, Interval, Result, Timestamp};
use sqlx::{QueryBuilder, Sqlite};

use super::writer::{WriteOp, push_longest_blocked};
use super::{RES_COLS, SqliteStore};
use crate::codec::{MAX_BLOCKED_SECS, db_error, from_json_borrowed, u32_col, uuid};
use crate::sql::{SqlRow, queries, rows};

impl ReservationStore for SqliteStore {
    async fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        let sql = format!("SELECT {RES_COLS} FROM reservations WHERE id = ?1");
        let row = self
            .fetch_optional(sqlx::query(&sql).bind(id.to_string()))
            .await?;
        row.as_ref().map(rows::reservation).transpose()
    }

    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        self.counted();
        let rows = active_for_resources_query("", resources, range)
            .build()
            .fetch_all(&mut *self.reader().await)
            .await
            .map_err(db_error)?;
        rows.iter().map(rows::reservation).collect()
    }

    async fn list_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<BusyPeriod>> {
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        let sql = busy_json_query("", resources, range);
        let text = self.fetch_json_array(sql).await?;
        busy_from_json(&text)
    }

    async fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        let sql = active_for_client_sql("");
        let rows = self
            .fetch_all(
                sqlx::query(&sql)
                    .bind(client.to_string())
                    .bind(range.start().secs())
                    .bind(range.end().secs()),
            )
            .await?;
        rows.iter().map(rows::reservation).collect()
    }

    async fn insert_reservation(&self, reservation: &Reservation, seats: u32) -> Result<()> {
        self.write(WriteOp::InsertReservation(
            Box::new(reservation.clone()),
            vec![reservation.resource_id],
            seats,
        ))
        .await
        .map(|_| ())
    }

    async fn insert_on_first_free(
        &self,
        reservation: &Reservation,
        resources: &[ResourceId],
        seats: u32,
    ) -> Result<ResourceId> {
        if resources.is_empty() {
            return Err(Error::ResourceNotEligible);
        }
        let k = self
            .write(WriteOp::InsertReservation(
                Box::new(reservation.clone()),
                resources.to_vec(),
                seats,
            ))
            .await?;
        usize::try_from(k)
            .ok()
            .and_then(|k| resources.get(k).copied())
            .ok_or_else(|| Error::Storage {
                message: format!(
                    "the SQLite writer answered resource {k} of {}",
                    resources.len()
                ),
            })
    }

    async fn update_reservation(
        &self,
        reservation: &Reservation,
        recheck_seats: Option<u32>,
    ) -> Result<()> {
        self.write(WriteOp::UpdateReservation(
            Box::new(reservation.clone()),
            recheck_seats,
        ))
        .await
        .map(|_| ())
    }

    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        let (sql, limit) = queries::reservation_page::<SqliteStore>(filter, sort, page)?;
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
        // One row holding the JSON array of the calendar's rows: thousands of rows handed
        // one by one from the driver's thread cost several times the query itself.
        let mut sql = queries::calendar_reservations::<SqliteStore>(
            CALENDAR_JSON,
            business,
            range,
            include_archived,
        );
        sql.push(") AS calendar");
        let found = self.fetch_statement(&sql).await?;
        let text = found
            .first()
            .map(|row| row.text("found"))
            .transpose()?
            .unwrap_or_else(|| "[]".to_owned());
        calendar_from_json(&text, &self.cipher)
    }

    async fn archive_reservations(&self, ended_before: Timestamp) -> Result<u64> {
        self.write(WriteOp::Archive(ended_before)).await
    }
}

/// The aggregate around [`queries::calendar_reservations`] that the SQLite store runs: one
/// row, column `found`, the JSON array of its rows that [`calendar_from_json`] reads.
const CALENDAR_JSON: &str = "SELECT json_group_array(json_array(id, resource_id, service_id, \
    client_id, start_at, end_at, buffer_before_minutes, buffer_after_minutes, status, \
    service_name, client_first_name, client_last_name, client_email, client_phone)) AS found \
    FROM (";

/// Reads the array of [`CALENDAR_JSON`], sorted by start then id, each client's phone
/// decrypted once ([`rows::contact_once`]).
fn calendar_from_json(text: &str, cipher: &crate::FieldCipher) -> Result<Vec<CalendarRow>> {
    type CalendarJson<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a str,
        i64,
        i64,
        i64,
        i64,
        &'a str,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<&'a str>,
    );
    let found: Vec<CalendarJson<'_>> = from_json_borrowed("reservations", text)?;
    let mut contacts = std::collections::HashMap::new();
    let mut rows = found
        .into_iter()
        .map(|row| {
            let (id, resource, service, client, start, end, before, after, status, service_name) = (
                row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7, row.8, row.9,
            );
            let (first_name, last_name, email, phone) = (row.10, row.11, row.12, row.13);
            let client =
                rows::contact_once(&mut contacts, ClientId(uuid("client_id", client)?), || {
                    Ok(ClientContact {
                        first_name: first_name.unwrap_or_default(),
                        last_name: last_name.unwrap_or_default(),
                        email: email.unwrap_or_default(),
                        phone: phone.map(|p| cipher.decrypt("phone", p)).transpose()?,
                    })
                })?;
            Ok(CalendarRow {
                resource_id: ResourceId(uuid("resource_id", resource)?),
                reservation: CalendarReservation {
                    id: ReservationId(uuid("id", id)?),
                    interval: Interval::new(
                        Timestamp::from_secs(start),
                        Timestamp::from_secs(end),
                    )?,
                    buffer_before_minutes: u32_col("buffer_before_minutes", before)?,
                    buffer_after_minutes: u32_col("buffer_after_minutes", after)?,
                    status: crate::codec::status(status)?,
                    service_id: ServiceId(uuid("service_id", service)?),
                    service_name,
                    client,
                },
            })
        })
        .collect::<Result<Vec<_>>>()?;
    rows::sort_calendar(&mut rows);
    Ok(rows)
}

/// Reads the array built by [`busy_json_query`], sorted by start then resource.
fn busy_from_json(text: &str) -> Result<Vec<BusyPeriod>> {
    type BusyRow<'a> = (&'a str, &'a str, i64, i64, i64, i64);
    let rows: Vec<BusyRow<'_>> = from_json_borrowed("reservations", text)?;
    let mut busy = rows
        .into_iter()
        .map(|(resource, service, start, end, before, after)| {
            Ok(BusyPeriod {
                resource_id: ResourceId(uuid("resource_id", resource)?),
                service_id: ServiceId(uuid("service_id", service)?),
                interval: Interval::new(Timestamp::from_secs(start), Timestamp::from_secs(end))?,
                buffer_before_minutes: u32_col("buffer_before_minutes", before)?,
                buffer_after_minutes: u32_col("buffer_after_minutes", after)?,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    busy.sort_by_key(|b| (b.interval.start(), b.resource_id));
    Ok(busy)
}

/// The aggregate of reservation rows read by [`busy_from_json`].
const BUSY_JSON: &str = "json_group_array(json_array(resource_id, service_id, start_at, end_at, \
    buffer_before_minutes, buffer_after_minutes))";

/// Busy periods of resources meeting a range, as one row holding a JSON array (see
/// [`windows_json_query`]).
pub(super) fn busy_json_query(
    prefix: &str,
    resources: &[ResourceId],
    range: Interval,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{prefix}SELECT {BUSY_JSON} FROM reservations WHERE active AND resource_id IN ("
    ));
    push_busy_filter(&mut sql, resources, range);
    sql
}

pub(super) fn active_for_resources_query(
    prefix: &str,
    resources: &[ResourceId],
    range: Interval,
) -> QueryBuilder<'static, Sqlite> {
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{prefix}SELECT {RES_COLS} FROM reservations WHERE active AND resource_id IN ("
    ));
    push_busy_filter(&mut sql, resources, range);
    sql.push(" ORDER BY start_at, id");
    sql
}

/// The resource list (after an open `IN (`) and the blocked-range test of busy reads.
fn push_busy_filter(sql: &mut QueryBuilder<'_, Sqlite>, resources: &[ResourceId], range: Interval) {
    let mut ids = sql.separated(", ");
    for r in resources {
        ids.push_bind(r.to_string());
    }
    sql.push(") AND blocked_start < ")
        .push_bind(range.end().secs());
    sql.push(" AND blocked_start > ")
        .push_bind(range.start().secs())
        .push(" - (");
    push_longest_blocked(sql, resources);
    sql.push(" AND blocked_end > ")
        .push_bind(range.start().secs());
}

pub(super) fn active_for_client_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT {RES_COLS} FROM reservations WHERE active AND client_id = ?1 AND start_at < ?3 \
         AND start_at > ?2 - {MAX_BLOCKED_SECS} AND end_at > ?2 ORDER BY start_at, id"
    )
}
