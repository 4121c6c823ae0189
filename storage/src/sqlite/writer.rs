//! The writer task: the only write connection, which groups the requests waiting in its
//! queue into one `BEGIN IMMEDIATE` transaction (consecutive bookings checked and inserted
//! together, every other request in its own savepoint) and answers each caller once it
//! committed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rdv_core::booking::check_capacity;
use rdv_core::error::Entity;
use rdv_core::search::HitKind;
use sqlx::sqlite::SqliteConnection;
use tokio::sync::{mpsc, oneshot};

use rdv_core::model::*;
use rdv_core::{Error, Result, Timestamp};
use sqlx::Row as _;
use sqlx::{QueryBuilder, Sqlite};

use super::{RES_COLS, SqliteStore, backend};
use crate::codec::{MAX_BLOCKED_SECS, db_error, to_json};
use crate::sql::{SqlRow, Statement, Value, queries, rows};

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 256;

/// Most bookings checked and inserted by one pair of statements.
const MAX_GROUP: usize = 64;

pub(super) enum WriteOp {
    /// A booking, the resources to try in order, and the service's seats; the answer is the
    /// index of the resource it was booked on.
    InsertReservation(Box<Reservation>, Vec<ResourceId>, u32),
    UpdateReservation(Box<Reservation>, Option<u32>),
    InsertWindows(Vec<AvailabilityWindow>),
    UpdateWindow(AvailabilityWindow),
    DeleteWindow(AvailabilityId),
    SaveBusiness(Box<Business>),
    SaveResource(Resource),
    DeleteResource(ResourceId, Timestamp),
    SaveService(Box<Service>),
    /// An import's resources and services, all or none.
    SaveDirectory(Vec<Resource>, Vec<Service>),
    SaveClient(Box<ClientProfile>),
    Archive(Timestamp),
    /// Folds the changes recorded in `stats_deltas` into the statistics' rollup.
    FoldStats,
}

pub(super) struct Job {
    pub(super) op: WriteOp,
    pub(super) reply: oneshot::Sender<Result<u64>>,
}

pub(super) async fn writer_loop(
    mut conn: SqliteConnection,
    mut rx: mpsc::Receiver<Job>,
    queries: Arc<AtomicU64>,
    write_turn: Arc<tokio::sync::Mutex<()>>,
) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while let Some(first) = rx.recv().await {
        let turn = write_turn.lock().await;
        // Requests that arrived while the turn was elsewhere join this batch.
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let results = run_batch(&mut conn, &batch, &queries).await;
        drop(turn);
        for (job, result) in batch.drain(..).zip(results) {
            let _ = job.reply.send(result);
        }
    }
}

async fn exec(conn: &mut SqliteConnection, sql: &str) -> Result<()> {
    sqlx::query(sql)
        .execute(&mut *conn)
        .await
        .map(|_| ())
        .map_err(db_error)
}

/// Runs a statement of the shared layer (the ones PostgreSQL runs too); the rows it affected.
async fn run(conn: &mut SqliteConnection, statement: &Statement) -> Result<u64> {
    let done = backend::query(statement)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    Ok(done.rows_affected())
}

async fn run_batch(
    conn: &mut SqliteConnection,
    batch: &[Job],
    queries: &AtomicU64,
) -> Vec<Result<u64>> {
    let fail_all = |e: &Error| batch.iter().map(|_| Err(e.clone())).collect::<Vec<_>>();
    if let Err(e) = exec(conn, "BEGIN IMMEDIATE").await {
        return fail_all(&e);
    }
    let mut results = Vec::with_capacity(batch.len());
    let mut i = 0;
    while i < batch.len() {
        // Consecutive bookings are checked and inserted together: one SELECT for all their
        // candidates, the core's capacity rule per booking (counting the ones accepted just
        // before it), one multi-row INSERT.
        let group: Vec<Booking<'_>> = batch[i..]
            .iter()
            .map_while(|job| match &job.op {
                WriteOp::InsertReservation(r, resources, seats) => Some(Booking {
                    reservation: r,
                    resources,
                    seats: *seats,
                }),
                _ => None,
            })
            .take(MAX_GROUP)
            .collect();
        if !group.is_empty() {
            i += group.len();
            match insert_group(conn, &group, queries).await {
                Ok(outcomes) => results.extend(outcomes),
                Err(e) => {
                    let _ = exec(conn, "ROLLBACK").await;
                    return fail_all(&e);
                }
            }
            continue;
        }
        let job = &batch[i];
        i += 1;
        // Operations that write several statements run in a savepoint so a refusal undoes
        // only them; single-statement writes are atomic by themselves.
        let several = matches!(
            job.op,
            WriteOp::InsertWindows(_)
                | WriteOp::SaveBusiness(_)
                | WriteOp::SaveService(_)
                | WriteOp::SaveDirectory(..)
                | WriteOp::DeleteResource(..)
                | WriteOp::Archive(_)
                | WriteOp::FoldStats
        );
        let result = if several {
            let savepoint = exec(conn, "SAVEPOINT job").await;
            let result = match savepoint {
                Ok(()) => apply(conn, &job.op, queries).await,
                Err(e) => Err(e),
            };
            let undo = if result.is_err() {
                exec(conn, "ROLLBACK TO job").await
            } else {
                Ok(())
            };
            if let Err(e) = undo.and(exec(conn, "RELEASE job").await) {
                let _ = exec(conn, "ROLLBACK").await;
                return fail_all(&e);
            }
            result
        } else {
            apply(conn, &job.op, queries).await
        };
        results.push(result);
    }
    if let Err(e) = exec(conn, "COMMIT").await {
        let _ = exec(conn, "ROLLBACK").await;
        return fail_all(&e);
    }
    results
}

/// One booking waiting in the writer: the reservation, the resources to try in order (its
/// own `resource_id` is ignored) and the service's seats.
#[derive(Clone, Copy)]
struct Booking<'a> {
    reservation: &'a Reservation,
    resources: &'a [ResourceId],
    seats: u32,
}

/// The lookback of an overlap search over `resources` (after an open `(`, closed here): the
/// longest blocked range stored on any of them, each resource's `longest_blocked_secs`
/// (migration 0006), or the schema's limit if none is known.
pub(super) fn push_longest_blocked(sql: &mut QueryBuilder<'_, Sqlite>, resources: &[ResourceId]) {
    sql.push("SELECT coalesce(max(longest_blocked_secs), ")
        .push(MAX_BLOCKED_SECS)
        .push(") FROM resources WHERE id IN (");
    let mut ids = sql.separated(", ");
    for r in resources {
        ids.push_bind(r.to_string());
    }
    sql.push("))");
}

/// Checks and inserts a group of bookings with one SELECT and one INSERT; returns each
/// booking's own outcome: the index of the resource it got, or why none was free. An `Err`
/// means the statements themselves failed.
async fn insert_group(
    conn: &mut SqliteConnection,
    group: &[Booking<'_>],
    queries: &AtomicU64,
) -> Result<Vec<Result<u64>>> {
    queries.fetch_add(2, Ordering::Relaxed);
    let mut select = QueryBuilder::<Sqlite>::new("");
    for (k, b) in group.iter().enumerate() {
        if k > 0 {
            select.push(" UNION ");
        }
        let r = b.reservation;
        let blocked = r.blocked_interval();
        select.push(format!(
            "SELECT {RES_COLS} FROM reservations WHERE active AND resource_id IN ("
        ));
        let mut ids = select.separated(", ");
        for resource in b.resources {
            ids.push_bind(resource.to_string());
        }
        select
            .push(") AND blocked_start < ")
            .push_bind(blocked.end().secs());
        select
            .push(" AND blocked_start > ")
            .push_bind(blocked.start().secs())
            .push(" - (");
        push_longest_blocked(&mut select, b.resources);
        select
            .push(" AND blocked_end > ")
            .push_bind(blocked.start().secs());
        select.push(format!(
            " UNION SELECT {RES_COLS} FROM reservations WHERE active AND client_id = "
        ));
        select.push_bind(r.client_id.to_string());
        select
            .push(" AND start_at < ")
            .push_bind(r.interval.end().secs());
        select
            .push(" AND start_at > ")
            .push_bind(r.interval.start().secs() - MAX_BLOCKED_SECS);
        select
            .push(" AND end_at > ")
            .push_bind(r.interval.start().secs());
    }
    let rows = select
        .build()
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    let stored = rows
        .iter()
        .map(rows::reservation)
        .collect::<Result<Vec<_>>>()?;
    let mut accepted: Vec<(Reservation, u32)> = Vec::with_capacity(group.len());
    let mut outcomes: Vec<Result<u64>> = Vec::with_capacity(group.len());
    for b in group {
        let r = b.reservation;
        let duplicate =
            accepted.iter().any(|(a, _)| a.id == r.id) || stored.iter().any(|s| s.id == r.id);
        if duplicate {
            outcomes.push(Err(Error::ConcurrentModification));
            continue;
        }
        // The first resource where the capacity rule holds, as `insert_on_first_free` says.
        let mut outcome = None;
        let mut first_conflict = None;
        for (k, &resource_id) in b.resources.iter().enumerate() {
            let candidate = Reservation {
                resource_id,
                ..r.clone()
            };
            let others = stored.iter().chain(accepted.iter().map(|(a, _)| a));
            match check_capacity(&candidate, others, b.seats) {
                Ok(()) => {
                    accepted.push((candidate, b.seats));
                    outcome = Some(Ok(k as u64));
                    break;
                }
                Err(e) if e.is_resource_conflict() => {
                    first_conflict.get_or_insert(e);
                }
                Err(e) => {
                    outcome = Some(Err(e));
                    break;
                }
            }
        }
        outcomes.push(
            outcome.unwrap_or_else(|| Err(first_conflict.unwrap_or(Error::ResourceNotEligible))),
        );
    }
    if accepted.is_empty() {
        return Ok(outcomes);
    }
    let mut insert = QueryBuilder::<Sqlite>::new(
        "INSERT INTO reservations (id, business_id, client_id, service_id, resource_id, start_at, end_at, \
         blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, exclusive, price_minor, \
         currency, reschedule_count, version, history, created_at) ",
    );
    let mut encoded = Vec::with_capacity(accepted.len());
    for (r, _) in &accepted {
        encoded.push(to_json(&r.history)?);
    }
    insert.push_values(
        accepted.iter().zip(encoded),
        |mut row, ((r, seats), history)| {
            let blocked = r.blocked_interval();
            row.push_bind(r.id.to_string())
                .push_bind(r.business_id.to_string())
                .push_bind(r.client_id.to_string())
                .push_bind(r.service_id.to_string())
                .push_bind(r.resource_id.to_string())
                .push_bind(r.interval.start().secs())
                .push_bind(r.interval.end().secs())
                .push_bind(blocked.start().secs())
                .push_bind(blocked.end().secs())
                .push_bind(i64::from(r.buffer_before_minutes))
                .push_bind(i64::from(r.buffer_after_minutes))
                .push_bind(r.status.as_str())
                .push_bind(i64::from(*seats <= 1))
                .push_bind(r.price.amount_minor)
                .push_bind(r.price.currency.as_str().to_owned())
                .push_bind(i64::from(r.reschedule_count))
                .push_bind(r.history.len() as i64)
                .push_bind(history)
                .push_bind(r.created_at.secs());
        },
    );
    insert.build().execute(&mut *conn).await.map_err(db_error)?;
    Ok(outcomes)
}

async fn conflict_candidates(
    conn: &mut SqliteConnection,
    r: &Reservation,
) -> Result<Vec<Reservation>> {
    let blocked = r.blocked_interval();
    let sql = format!(
        "SELECT {RES_COLS} FROM reservations WHERE active AND resource_id = ?1 \
           AND blocked_start < ?3 AND blocked_end > ?2 AND blocked_start > ?2 - coalesce( \
             (SELECT longest_blocked_secs FROM resources WHERE id = ?1), {MAX_BLOCKED_SECS}) \
         UNION ALL \
         SELECT {RES_COLS} FROM reservations WHERE active AND client_id = ?4 \
           AND start_at < ?6 AND start_at > ?5 - {MAX_BLOCKED_SECS} AND end_at > ?5"
    );
    let rows = sqlx::query(&sql)
        .bind(r.resource_id.to_string())
        .bind(blocked.start().secs())
        .bind(blocked.end().secs())
        .bind(r.client_id.to_string())
        .bind(r.interval.start().secs())
        .bind(r.interval.end().secs())
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
    rows.iter().map(rows::reservation).collect()
}

async fn apply(conn: &mut SqliteConnection, op: &WriteOp, queries: &AtomicU64) -> Result<u64> {
    queries.fetch_add(1, Ordering::Relaxed);
    match op {
        WriteOp::InsertReservation(r, resources, seats) => {
            let booking = Booking {
                reservation: r,
                resources,
                seats: *seats,
            };
            let mut outcomes = insert_group(conn, &[booking], queries).await?;
            outcomes.pop().unwrap_or(Ok(0))
        }
        WriteOp::UpdateReservation(r, recheck) => {
            let version: Option<i64> =
                sqlx::query_scalar("SELECT version FROM reservations WHERE id = ?1")
                    .bind(r.id.to_string())
                    .fetch_optional(&mut *conn)
                    .await
                    .map_err(db_error)?;
            let version = version.ok_or(Error::NotFound {
                entity: Entity::Reservation,
            })?;
            if version + 1 != r.history.len() as i64 {
                return Err(Error::ConcurrentModification);
            }
            if let Some(seats) = recheck {
                let existing = conflict_candidates(conn, r).await?;
                check_capacity(r, existing.iter(), *seats)?;
            }
            let blocked = r.blocked_interval();
            sqlx::query(
                "UPDATE reservations SET start_at = ?2, end_at = ?3, blocked_start = ?4, blocked_end = ?5, \
                 status = ?6, reschedule_count = ?7, version = ?8, history = ?9, resource_id = ?10 \
                 WHERE id = ?1",
            )
            .bind(r.id.to_string())
            .bind(r.interval.start().secs())
            .bind(r.interval.end().secs())
            .bind(blocked.start().secs())
            .bind(blocked.end().secs())
            .bind(r.status.as_str())
            .bind(i64::from(r.reschedule_count))
            .bind(r.history.len() as i64)
            .bind(to_json(&r.history)?)
            .bind(r.resource_id.to_string())
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(1)
        }
        WriteOp::InsertWindows(windows) => {
            for w in windows {
                window_overlap_check(conn, w).await?;
                run(conn, &queries::insert_window(w)).await?;
            }
            Ok(windows.len() as u64)
        }
        WriteOp::UpdateWindow(w) => {
            window_overlap_check(conn, w).await?;
            if run(conn, &queries::update_window(w)).await? == 0 {
                return Err(Error::NotFound {
                    entity: Entity::Availability,
                });
            }
            Ok(1)
        }
        WriteOp::DeleteWindow(id) => {
            let done = sqlx::query("DELETE FROM availability_windows WHERE id = ?1")
                .bind(id.to_string())
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            if done.rows_affected() == 0 {
                return Err(Error::NotFound {
                    entity: Entity::Availability,
                });
            }
            Ok(1)
        }
        WriteOp::SaveBusiness(b) => {
            run(conn, &queries::upsert_business::<SqliteStore>(b)?).await?;
            index_for_search(
                conn,
                HitKind::Business,
                b.id.0,
                b.id,
                &b.name,
                &b.description,
                &b.domain,
                &b.city,
                "",
            )
            .await?;
            Ok(1)
        }
        WriteOp::SaveResource(r) => {
            run(conn, &queries::upsert_resource::<SqliteStore>(r)?).await?;
            Ok(1)
        }
        WriteOp::DeleteResource(id, now) => {
            let with_now =
                |sql: &'static str| Statement::new(sql).bind(Value::Id(id.0)).int(now.secs());
            // The writer runs one write at a time: nothing lands between these statements.
            let deleted = run(
                conn,
                &with_now(queries::RESOURCE_DELETE).bind(Value::Bool(false)),
            )
            .await?;
            if deleted == 0 {
                return Err(Error::NotFound {
                    entity: Entity::Resource,
                });
            }
            let held: i64 = backend::query(&with_now(queries::RESOURCE_HELD))
                .fetch_one(&mut *conn)
                .await
                .map_err(db_error)?
                .try_get("held")
                .map_err(db_error)?;
            if held > 0 {
                // The savepoint of this request rolls the deletion back.
                return Err(Error::ResourceHasReservations {
                    reservations: Vec::new(),
                });
            }
            run(
                conn,
                &Statement::new(queries::RESOURCE_UNLIST).bind(Value::Id(id.0)),
            )
            .await?;
            run(conn, &with_now(queries::RESOURCE_WINDOWS_DELETE)).await?;
            Ok(1)
        }
        WriteOp::SaveService(s) => {
            save_service(conn, s).await?;
            Ok(1)
        }
        WriteOp::SaveDirectory(resources, services) => {
            for r in resources {
                run(conn, &queries::upsert_resource::<SqliteStore>(r)?).await?;
            }
            for s in services {
                save_service(conn, s).await?;
            }
            Ok((resources.len() + services.len()) as u64)
        }
        WriteOp::SaveClient(c) => {
            // The phone number arrives encrypted (see `save_client`).
            run(
                conn,
                &queries::upsert_client::<SqliteStore>(c, c.phone.clone())?,
            )
            .await?;
            Ok(1)
        }
        WriteOp::Archive(before) => {
            let moved = sqlx::query(
                "INSERT INTO reservations_archive (id, business_id, client_id, service_id, resource_id, start_at, \
                 end_at, blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, exclusive, \
                 price_minor, currency, reschedule_count, version, history, created_at, archived_at) \
                 SELECT id, business_id, client_id, service_id, resource_id, start_at, end_at, blocked_start, \
                 blocked_end, buffer_before_minutes, buffer_after_minutes, status, exclusive, price_minor, currency, \
                 reschedule_count, version, history, created_at, unixepoch() FROM reservations WHERE end_at < ?1"
            )
            .bind(before.secs())
            .execute(&mut *conn)
            .await
            .map_err(db_error)?
            .rows_affected();
            sqlx::query("DELETE FROM reservations WHERE end_at < ?1")
                .bind(before.secs())
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            Ok(moved)
        }
        WriteOp::FoldStats => {
            // `stats_feed`'s INSTEAD OF trigger applies each change (migration 0015); nothing
            // else writes while the writer holds the transaction.
            let folded = sqlx::query(FOLD_STATS)
                .execute(&mut *conn)
                .await
                .map_err(db_error)?
                .rows_affected();
            sqlx::query("DELETE FROM stats_deltas")
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            Ok(folded)
        }
    }
}

/// The recorded changes into the statistics' rollup, in the order they happened.
const FOLD_STATS: &str = "INSERT INTO stats_feed SELECT business_id, service_id, resource_id, \
    status, exclusive, price_minor, currency, start_at, end_at, created_at, sign \
    FROM stats_deltas ORDER BY id";

/// Writes a service, its resources in order and its search entry.
async fn save_service(conn: &mut SqliteConnection, s: &Service) -> Result<()> {
    run(conn, &queries::upsert_service::<SqliteStore>(s)?).await?;
    sqlx::query("DELETE FROM service_resources WHERE service_id = ?1")
        .bind(s.id.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    for (position, resource) in s.resource_ids.iter().enumerate() {
        sqlx::query(
            "INSERT INTO service_resources (service_id, resource_id, position) VALUES (?1, ?2, ?3)",
        )
        .bind(s.id.to_string())
        .bind(resource.to_string())
        .bind(position as i64)
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    }
    let category = s.category.clone().unwrap_or_default();
    index_for_search(
        conn,
        HitKind::Service,
        s.id.0,
        s.business_id,
        &s.name,
        &s.description,
        &category,
        "",
        &s.tags.join(" "),
    )
    .await?;
    Ok(())
}

async fn window_overlap_check(conn: &mut SqliteConnection, w: &AvailabilityWindow) -> Result<()> {
    let other = backend::query(&queries::overlapping_window(w))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_error)?;
    match other {
        Some(row) => Err(Error::AvailabilityOverlap {
            existing: row.text("id")?,
        }),
        None => Ok(()),
    }
}

#[allow(
    clippy::too_many_arguments,
    reason = "one row of the search index: each column is an argument"
)]
async fn index_for_search(
    conn: &mut SqliteConnection,
    kind: HitKind,
    id: Uuid,
    business: BusinessId,
    name: &str,
    description: &str,
    domain: &str,
    city: &str,
    tags: &str,
) -> Result<()> {
    sqlx::query("DELETE FROM search_index WHERE entity_id = ?1")
        .bind(id.to_string())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
    sqlx::query(
        "INSERT INTO search_index (kind, entity_id, business_id, name, description, domain, city, tags) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )
    .bind(if kind == HitKind::Business { "business" } else { "service" })
    .bind(id.to_string())
    .bind(business.to_string())
    .bind(name)
    .bind(description)
    .bind(domain)
    .bind(city)
    .bind(tags)
    .execute(&mut *conn)
    .await
    .map_err(db_error)?;
    Ok(())
}
