//! [`Store::load_schedule`] on SQLite: everything a slot query reads, in one row.

use rdv_core::ports::{ScheduleInputs, Store};

use rdv_core::busy_times::{ExternalBusy, MAX_BUSY_PIECE_SECS};
use rdv_core::model::*;
use rdv_core::{Error, Interval, Result, Timestamp};

use super::SqliteStore;
use crate::codec::{MAX_BLOCKED_SECS, MAX_WINDOW_SECS, from_json_borrowed, u32_col, uuid};
use crate::sql::{SqlRow, rows};

impl Store for SqliteStore {
    async fn load_schedule(
        &self,
        service: ServiceId,
        windows: Interval,
        slots: Interval,
    ) -> Result<Option<ScheduleInputs>> {
        let sql = schedule_sql("");
        let row = self
            .fetch_optional(
                sqlx::query(&sql)
                    .bind(service.to_string())
                    .bind(windows.start().secs())
                    .bind(windows.end().secs())
                    .bind(slots.start().secs())
                    .bind(slots.end().secs()),
            )
            .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(ScheduleInputs {
            service: rows::service(&row)?,
            business: rows::business(&row, "b_")?,
            resources: resources_from_json(&row.text("resources_json")?)?,
            windows: open_periods_from_json("availability_windows", &row.text("windows_json")?)?,
            busy: busy_groups_from_json(&row.text("busy_json")?)?,
            external_busy: open_periods_from_json("busy_times", &row.text("external_json")?)?
                .into_iter()
                .map(|p| ExternalBusy {
                    resource_id: p.resource_id,
                    interval: p.interval,
                })
                .collect(),
        }))
    }
}

/// A service, its business (columns `b_*`), its resources (`resources_json`), the windows of
/// its resources meeting
/// `[?2, ?3 + duration)` and the busy periods that can meet a slot starting in `[?4, ?5)`
/// (blocked ranges meeting `[?4 − buffer before, ?5 + duration + buffer after)`), with the
/// busy times from other calendars meeting that range (`external_json`, grouped like the
/// windows), in one row: everything a slot query reads ([`Store::load_schedule`]).
///
/// Windows and busy periods come grouped by resource (and service) as compact JSON built by
/// concatenation, `[["<resource>",[start,end,…]],…]` and
/// `[["<resource>","<service>",[start,end,before,after,…]],…]`, read by
/// [`open_periods_from_json`] and [`busy_groups_from_json`]: ids appear once per group
/// instead of once per row, which halves the work of a query over 1,000 reservations. Every
/// value concatenated is an integer or a UUID written by this store, so the text is always
/// valid JSON.
pub(super) fn schedule_sql(prefix: &str) -> String {
    let resources =
        "resource_id IN (SELECT resource_id FROM service_resources WHERE service_id = ?1)";
    let longest_of = "id IN (SELECT resource_id FROM service_resources WHERE service_id = ?1)";
    let rule = |expr: &str| format!("(SELECT {expr} FROM services WHERE id = ?1)");
    let windows_end = format!("?3 + {}", rule("duration_minutes * 60"));
    let busy_start = format!("?4 - {}", rule("buffer_before_minutes * 60"));
    let busy_end = format!(
        "?5 + {}",
        rule("(duration_minutes + buffer_after_minutes) * 60")
    );
    format!(
        "{prefix}SELECT s.*, (SELECT group_concat(resource_id, ',' ORDER BY position) \
           FROM service_resources sr WHERE sr.service_id = s.id) AS resource_list, \
         b.id AS b_id, b.owner_id AS b_owner_id, b.name AS b_name, b.domain AS b_domain, \
         b.description AS b_description, b.city AS b_city, b.address AS b_address, \
         b.time_zone AS b_time_zone, b.status AS b_status, \
         b.status_reason AS b_status_reason, \
         b.opening_hours AS b_opening_hours, b.closures AS b_closures, \
         b.special_hours AS b_special_hours, \
         (SELECT json_group_array(json_array(id, business_id, name, kind, active, \
                 json(working_hours))) \
            FROM resources WHERE {longest_of} AND deleted_at IS NULL) AS resources_json, \
         (SELECT coalesce('[' || group_concat(g, ',') || ']', '[]') FROM \
           (SELECT '[\"' || resource_id || '\",[' || group_concat(start_at || ',' || end_at, ',') \
                   || ']]' AS g \
            FROM availability_windows WHERE {resources} AND start_at < {windows_end} \
              AND start_at > ?2 - {MAX_WINDOW_SECS} AND end_at > ?2 \
            GROUP BY resource_id)) AS windows_json, \
         (SELECT coalesce('[' || group_concat(g, ',') || ']', '[]') FROM \
           (SELECT '[\"' || resource_id || '\",\"' || service_id || '\",[' \
                   || group_concat(start_at || ',' || end_at || ',' || buffer_before_minutes \
                                   || ',' || buffer_after_minutes, ',') || ']]' AS g \
            FROM reservations WHERE active AND {resources} AND blocked_start < {busy_end} \
              AND blocked_start > {busy_start} - coalesce((SELECT max(longest_blocked_secs) \
                  FROM resources WHERE {longest_of}), {MAX_BLOCKED_SECS}) \
              AND blocked_end > {busy_start} \
            GROUP BY resource_id, service_id)) AS busy_json, \
         (SELECT coalesce('[' || group_concat(g, ',') || ']', '[]') FROM \
           (SELECT '[\"' || resource_id || '\",[' || group_concat(start_at || ',' || end_at, ',') \
                   || ']]' AS g \
            FROM busy_times WHERE {resources} AND start_at < {busy_end} \
              AND start_at > {busy_start} - {MAX_BUSY_PIECE_SECS} AND end_at > {busy_start} \
            GROUP BY resource_id)) AS external_json \
         FROM services s JOIN businesses b ON b.id = s.business_id WHERE s.id = ?1"
    )
}

/// Reads the resources of [`schedule_sql`]: `[[id, business, name, kind, active, hours], …]`.
fn resources_from_json(text: &str) -> Result<Vec<Resource>> {
    type Row = (
        String,
        String,
        String,
        String,
        i64,
        Option<rdv_core::hours::OpeningHours>,
    );
    let rows: Vec<Row> = crate::codec::from_json("resources", text)?;
    rows.into_iter()
        .map(|(id, business, name, kind, active, working_hours)| {
            Ok(Resource {
                id: ResourceId(uuid("resource_id", &id)?),
                business_id: BusinessId(uuid("business_id", &business)?),
                name,
                kind: crate::codec::from_json("kind", &format!("\"{kind}\""))?,
                active: active != 0,
                working_hours,
            })
        })
        .collect()
}

/// Reads the windows (or busy times) of [`schedule_sql`], grouped by resource as
/// `[["<resource>",[start,end,…]],…]` from `table`, sorted by start then resource.
fn open_periods_from_json(table: &str, text: &str) -> Result<Vec<OpenPeriod>> {
    let groups: Vec<(&str, Vec<i64>)> = from_json_borrowed(table, text)?;
    let mut periods = Vec::new();
    for (resource, bounds) in groups {
        let resource_id = ResourceId(uuid("resource_id", resource)?);
        if bounds.len() % 2 != 0 {
            return Err(Error::Storage {
                message: format!("{table} group holds an odd number of bounds"),
            });
        }
        for pair in bounds.chunks_exact(2) {
            periods.push(OpenPeriod {
                resource_id,
                interval: Interval::new(
                    Timestamp::from_secs(pair[0]),
                    Timestamp::from_secs(pair[1]),
                )?,
            });
        }
    }
    periods.sort_unstable_by_key(|p| (p.interval.start(), p.resource_id));
    Ok(periods)
}

/// Reads the busy periods of [`schedule_sql`], sorted by start then resource.
fn busy_groups_from_json(text: &str) -> Result<Vec<BusyPeriod>> {
    let groups: Vec<(&str, &str, Vec<i64>)> = from_json_borrowed("reservations", text)?;
    let mut busy = Vec::new();
    for (resource, service, values) in groups {
        let resource_id = ResourceId(uuid("resource_id", resource)?);
        let service_id = ServiceId(uuid("service_id", service)?);
        if values.len() % 4 != 0 {
            return Err(Error::Storage {
                message: "busy periods group holds an incomplete period".into(),
            });
        }
        for v in values.chunks_exact(4) {
            busy.push(BusyPeriod {
                resource_id,
                service_id,
                interval: Interval::new(Timestamp::from_secs(v[0]), Timestamp::from_secs(v[1]))?,
                buffer_before_minutes: u32_col("buffer_before_minutes", v[2])?,
                buffer_after_minutes: u32_col("buffer_after_minutes", v[3])?,
            });
        }
    }
    busy.sort_unstable_by_key(|b| (b.interval.start(), b.resource_id));
    Ok(busy)
}
