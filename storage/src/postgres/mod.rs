//! The PostgreSQL backend, for scale (DB-1).
//!
//! **Invariants in the database.** Two exclusion constraints (`btree_gist`) hold over active
//! reservations: `reservations_no_overlap` — no two overlapping blocked ranges (buffers
//! included) of one resource unless they are seats of the same group session (same
//! `session_key`) — and `reservations_client_no_overlap` — no two overlapping active
//! reservations of one client. Cancelled and finished reservations do not block (partial
//! constraints).
//!
//! **No deadlock reaches a caller.** A one-to-one booking is a single
//! `INSERT … ON CONFLICT DO NOTHING`: a conflict costs no error and no lock wait cycle; the
//! affected-row count tells success, and only then is the conflict classified with the core's
//! rule (overlap, buffer, client). Group bookings and updates run in short transactions that
//! first take advisory locks in ascending key order (resource, then client), so they
//! serialise instead of deadlocking, then apply the core's capacity rule and write.

mod backend;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdv_core::booking::check_capacity;
use rdv_core::error::Entity;
use rdv_core::model::*;
use rdv_core::ports::{
    AvailabilityStore, DirectoryStore, MAX_PAGE_SIZE, Page, PageRequest, ReservationFilter,
    ReservationSort, ReservationStore, ReservationView, parse_reservation_cursor,
    reservation_cursor,
};
use rdv_core::ports::{BusinessFilter, BusinessSort, parse_business_cursor};
use rdv_core::search::{HitKind, MAX_SEARCH_HITS, SearchHit, SearchQuery};
use rdv_core::{Error, Interval, Result, Timestamp};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection as _, Executor, Postgres, QueryBuilder, Row};

use crate::codec::{
    MAX_BLOCKED_SECS, MAX_WINDOW_SECS, db_error, from_json, status, to_json, u32_col,
};
use crate::crypto::FieldCipher;

/// The PostgreSQL migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

const RES_COLS: &str = "id, business_id, client_id, service_id, resource_id, start_at, end_at, \
    buffer_before_minutes, buffer_after_minutes, status, price_minor, currency, reschedule_count, \
    history::text AS history, created_at";

const BUSINESS_COLS: &str = "id, owner_id, name, domain, description, city, address::text AS address, \
    time_zone, validated, opening_hours::text AS opening_hours, closures::text AS closures";

const SERVICE_SELECT: &str = "SELECT s.id, s.business_id, s.name, s.description, s.price_minor, s.currency, \
    s.category, s.tags::text AS tags, s.active, s.duration_minutes, s.step_minutes, s.buffer_before_minutes, \
    s.buffer_after_minutes, s.min_notice_minutes, s.horizon_days, s.seats, s.cancellation_deadline_minutes, \
    s.max_reschedules, ARRAY(SELECT sr.resource_id FROM service_resources sr WHERE sr.service_id = s.id \
    ORDER BY sr.position) AS resource_list FROM services s";

/// How often a one-to-one booking is retried when its conflict vanished before it could be
/// classified (the other request rolled back meanwhile).
const INSERT_ATTEMPTS: usize = 4;

/// A pooled connection idle for longer than this is pinged before it is handed out (the
/// server may have closed it meanwhile). One used more recently is known to be alive: skipping
/// its ping saves a round trip on every statement under load (sqlx pings on every acquire by
/// default).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Every port over a PostgreSQL database.
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
    cipher: FieldCipher,
    queries: Arc<AtomicU64>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

/// Parses a `postgres://` URL into connection options.
pub fn connect_options(url: &str) -> Result<PgConnectOptions> {
    PgConnectOptions::from_str(url).map_err(db_error)
}

/// Applies pending migrations to the database at `url`.
pub async fn migrate(options: PgConnectOptions) -> Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(db_error)?;
    MIGRATOR.run(&pool).await.map_err(|e| Error::Storage {
        message: e.to_string(),
    })?;
    pool.close().await;
    Ok(())
}

fn get<'r, T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(
    row: &'r PgRow,
    col: &str,
) -> Result<T> {
    row.try_get(col).map_err(db_error)
}

fn uid(row: &PgRow, col: &str) -> Result<uuid::Uuid> {
    get(row, col)
}

fn interval_of(row: &PgRow, start: &str, end: &str) -> Result<Interval> {
    Interval::new(
        Timestamp::from_secs(get(row, start)?),
        Timestamp::from_secs(get(row, end)?),
    )
}

fn reservation_from_row(row: &PgRow) -> Result<Reservation> {
    Ok(Reservation {
        id: ReservationId(uid(row, "id")?),
        business_id: BusinessId(uid(row, "business_id")?),
        client_id: ClientId(uid(row, "client_id")?),
        service_id: ServiceId(uid(row, "service_id")?),
        resource_id: ResourceId(uid(row, "resource_id")?),
        interval: interval_of(row, "start_at", "end_at")?,
        buffer_before_minutes: u32_col(
            "buffer_before_minutes",
            get(row, "buffer_before_minutes")?,
        )?,
        buffer_after_minutes: u32_col("buffer_after_minutes", get(row, "buffer_after_minutes")?)?,
        status: status(&get::<String>(row, "status")?)?,
        price: Money::new(
            get(row, "price_minor")?,
            Currency::parse(&get::<String>(row, "currency")?)?,
        ),
        reschedule_count: u32_col("reschedule_count", get(row, "reschedule_count")?)?,
        history: from_json("history", &get::<String>(row, "history")?)?,
        created_at: Timestamp::from_secs(get(row, "created_at")?),
    })
}

fn business_from_row(row: &PgRow) -> Result<Business> {
    Ok(Business {
        id: BusinessId(uid(row, "id")?),
        owner_id: UserId(uid(row, "owner_id")?),
        name: get(row, "name")?,
        domain: get(row, "domain")?,
        description: get(row, "description")?,
        city: get(row, "city")?,
        address: from_json("address", &get::<String>(row, "address")?)?,
        time_zone: Zone::parse(&get::<String>(row, "time_zone")?)?,
        validated: get(row, "validated")?,
        opening_hours: from_json("opening_hours", &get::<String>(row, "opening_hours")?)?,
        closures: from_json("closures", &get::<String>(row, "closures")?)?,
    })
}

fn resource_from_row(row: &PgRow) -> Result<Resource> {
    Ok(Resource {
        id: ResourceId(uid(row, "id")?),
        business_id: BusinessId(uid(row, "business_id")?),
        name: get(row, "name")?,
        kind: from_json("kind", &format!("\"{}\"", get::<String>(row, "kind")?))?,
        active: get(row, "active")?,
    })
}

fn service_from_row(row: &PgRow) -> Result<Service> {
    let ids: Vec<uuid::Uuid> = get(row, "resource_list")?;
    let u = |col: &str| -> Result<u32> { u32_col(col, get(row, col)?) };
    Ok(Service {
        id: ServiceId(uid(row, "id")?),
        business_id: BusinessId(uid(row, "business_id")?),
        name: get(row, "name")?,
        description: get(row, "description")?,
        price: Money::new(
            get(row, "price_minor")?,
            Currency::parse(&get::<String>(row, "currency")?)?,
        ),
        category: get(row, "category")?,
        tags: from_json("tags", &get::<String>(row, "tags")?)?,
        active: get(row, "active")?,
        rules: SlotRules {
            duration_minutes: u("duration_minutes")?,
            step_minutes: u("step_minutes")?,
            buffer_before_minutes: u("buffer_before_minutes")?,
            buffer_after_minutes: u("buffer_after_minutes")?,
            min_notice_minutes: u("min_notice_minutes")?,
            horizon_days: u("horizon_days")?,
            seats: u("seats")?,
        },
        resource_ids: ids.into_iter().map(ResourceId).collect(),
        cancellation_deadline_minutes: u("cancellation_deadline_minutes")?,
        max_reschedules: u("max_reschedules")?,
    })
}

fn window_from_row(row: &PgRow) -> Result<AvailabilityWindow> {
    let series: Option<uuid::Uuid> = get(row, "series_id")?;
    Ok(AvailabilityWindow {
        id: AvailabilityId(uid(row, "id")?),
        business_id: BusinessId(uid(row, "business_id")?),
        resource_id: ResourceId(uid(row, "resource_id")?),
        interval: interval_of(row, "start_at", "end_at")?,
        series_id: series.map(SeriesId),
    })
}

/// The key shared by the seats of one group session; an exclusive reservation's own id.
fn session_key(r: &Reservation, exclusive: bool) -> String {
    if exclusive {
        r.id.to_string()
    } else {
        format!(
            "{}:{}:{}",
            r.service_id,
            r.interval.start().secs(),
            r.interval.end().secs()
        )
    }
}

/// Advisory lock key of an id (its first 8 bytes).
fn lock_key(id: uuid::Uuid) -> i64 {
    let bytes = id.as_bytes();
    i64::from_be_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ]) ^ i64::from_be_bytes([
        bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
    ])
}

async fn lock_in_order(conn: &mut sqlx::PgConnection, ids: &[uuid::Uuid]) -> Result<()> {
    let mut keys: Vec<i64> = ids.iter().map(|&id| lock_key(id)).collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
    }
    Ok(())
}

impl PgStore {
    /// Connects to the database at `url`, applies migrations, and keeps a pool of 16
    /// connections.
    pub async fn open(url: &str, cipher: FieldCipher) -> Result<Self> {
        Self::open_with(connect_options(url)?, cipher).await
    }

    /// Like [`PgStore::open`] with explicit connection options (tests set a `search_path`).
    pub async fn open_with(options: PgConnectOptions, cipher: FieldCipher) -> Result<Self> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .test_before_acquire(false)
            .before_acquire(|conn, meta| {
                Box::pin(async move {
                    if meta.idle_for >= PING_IF_IDLE_FOR {
                        conn.ping().await?;
                    }
                    Ok(true)
                })
            })
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(db_error)?;
        MIGRATOR.run(&pool).await.map_err(|e| Error::Storage {
            message: e.to_string(),
        })?;
        Ok(Self {
            pool,
            cipher,
            queries: Arc::new(AtomicU64::new(0)),
        })
    }

    /// Statements run so far; tests use it to prove there is no N+1.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The connection pool, for diagnostics.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    fn counted(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

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
        rows.iter().map(reservation_from_row).collect()
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

    async fn write_windows(&self, windows: &[AvailabilityWindow], update: bool) -> Result<()> {
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        for w in windows {
            self.counted();
            let other: Option<uuid::Uuid> = sqlx::query_scalar(&format!(
                "SELECT id FROM availability_windows WHERE resource_id = $1 AND id <> $2 \
                 AND start_at < $4 AND start_at > $3 - {MAX_WINDOW_SECS} AND end_at > $3 LIMIT 1"
            ))
            .bind(w.resource_id.0)
            .bind(w.id.0)
            .bind(w.interval.start().secs())
            .bind(w.interval.end().secs())
            .fetch_optional(&mut *tx)
            .await
            .map_err(db_error)?;
            if let Some(existing) = other {
                return Err(Error::AvailabilityOverlap {
                    existing: existing.to_string(),
                });
            }
            self.counted();
            let done = if update {
                sqlx::query("UPDATE availability_windows SET start_at = $2, end_at = $3 WHERE id = $1")
                    .bind(w.id.0)
                    .bind(w.interval.start().secs())
                    .bind(w.interval.end().secs())
                    .execute(&mut *tx)
                    .await
            } else {
                sqlx::query(
                    "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at, series_id) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(w.id.0)
                .bind(w.business_id.0)
                .bind(w.resource_id.0)
                .bind(w.interval.start().secs())
                .bind(w.interval.end().secs())
                .bind(w.series_id.map(|s| s.0))
                .execute(&mut *tx)
                .await
            }
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

fn list_query(
    prefix: &str,
    filter: &ReservationFilter,
    sort: ReservationSort,
    after: Option<(i64, ReservationId)>,
    limit: u32,
) -> QueryBuilder<'static, Postgres> {
    let cols = "id, business_id, client_id, service_id, resource_id, start_at, end_at, buffer_before_minutes, \
                    buffer_after_minutes, status, price_minor, currency, reschedule_count, history, created_at";
    let source = if filter.include_archived {
        format!(
            "(SELECT {cols} FROM reservations UNION ALL SELECT {cols} FROM reservations_archive)"
        )
    } else {
        "reservations".to_owned()
    };
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "{prefix}SELECT r.id, r.business_id, r.client_id, r.service_id, r.resource_id, r.start_at, r.end_at, \
             r.buffer_before_minutes, r.buffer_after_minutes, r.status, r.price_minor, r.currency, r.reschedule_count, \
             r.history::text AS history, r.created_at, b.name AS business_name, s.name AS service_name, \
             x.name AS resource_name FROM {source} r JOIN businesses b ON b.id = r.business_id \
             JOIN services s ON s.id = r.service_id JOIN resources x ON x.id = r.resource_id WHERE true"
    ));
    if let Some(id) = filter.business_id {
        sql.push(" AND r.business_id = ").push_bind(id.0);
    }
    if let Some(id) = filter.client_id {
        sql.push(" AND r.client_id = ").push_bind(id.0);
    }
    if let Some(id) = filter.service_id {
        sql.push(" AND r.service_id = ").push_bind(id.0);
    }
    if let Some(id) = filter.resource_id {
        sql.push(" AND r.resource_id = ").push_bind(id.0);
    }
    if !filter.statuses.is_empty() {
        let statuses: Vec<String> = filter
            .statuses
            .iter()
            .map(|s| s.as_str().to_owned())
            .collect();
        sql.push(" AND r.status = ANY(")
            .push_bind(statuses)
            .push(")");
    }
    if let Some(from) = filter.from {
        sql.push(" AND r.start_at >= ").push_bind(from.secs());
    }
    if let Some(to) = filter.to {
        sql.push(" AND r.start_at < ").push_bind(to.secs());
    }
    let (column, direction) = match sort {
        ReservationSort::StartAsc => ("r.start_at", "ASC"),
        ReservationSort::StartDesc => ("r.start_at", "DESC"),
        ReservationSort::CreatedAsc => ("r.created_at", "ASC"),
        ReservationSort::CreatedDesc => ("r.created_at", "DESC"),
    };
    if let Some((key, id)) = after {
        let op = if direction == "ASC" { ">" } else { "<" };
        sql.push(format!(" AND ({column}, r.id) {op} ("))
            .push_bind(key)
            .push(", ")
            .push_bind(id.0)
            .push(")");
    }
    sql.push(format!(
        " ORDER BY {column} {direction}, r.id {direction} LIMIT "
    ))
    .push_bind(i64::from(limit) + 1);
    sql
}

fn active_for_resources_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT {RES_COLS} FROM reservations WHERE active AND resource_id = ANY($1) AND blocked_start < $3 \
         AND blocked_start > $2 - {MAX_BLOCKED_SECS} AND blocked_end > $2 ORDER BY start_at, id"
    )
}

/// The six columns of active reservations that slot queries need.
fn busy_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT resource_id, service_id, start_at, end_at, buffer_before_minutes, \
         buffer_after_minutes FROM reservations WHERE active AND resource_id = ANY($1) \
         AND blocked_start < $3 AND blocked_start > $2 - {MAX_BLOCKED_SECS} AND blocked_end > $2 \
         ORDER BY start_at, id"
    )
}

impl PgStore {
    /// `EXPLAIN` of the main list and slot queries with sequential scans disabled: a plan that
    /// still shows `Seq Scan` has no usable index. `(query name, plan)`.
    pub async fn query_plans(&self) -> Result<Vec<(String, String)>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        let nil = uuid::Uuid::nil();
        let by_business = ReservationFilter {
            business_id: Some(BusinessId(nil)),
            ..Default::default()
        };
        let by_client = ReservationFilter {
            client_id: Some(ClientId(nil)),
            ..Default::default()
        };
        let mut plans = Vec::new();
        let lines = |rows: Vec<PgRow>| -> Result<String> {
            Ok(rows
                .iter()
                .map(|r| get::<String>(r, "QUERY PLAN"))
                .collect::<Result<Vec<_>>>()?
                .join("\n"))
        };
        for (name, mut builder) in [
            (
                "business history by start",
                list_query(
                    "EXPLAIN ",
                    &by_business,
                    ReservationSort::StartAsc,
                    None,
                    50,
                ),
            ),
            (
                "client history newest first",
                list_query(
                    "EXPLAIN ",
                    &by_client,
                    ReservationSort::CreatedDesc,
                    Some((0, ReservationId(nil))),
                    50,
                ),
            ),
        ] {
            let rows = builder
                .build()
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            plans.push((name.to_owned(), lines(rows)?));
        }
        for (name, sql) in [
            (
                "active reservations of resources in a range",
                active_for_resources_sql("EXPLAIN "),
            ),
            ("busy periods of resources in a range", busy_sql("EXPLAIN ")),
        ] {
            let rows = sqlx::query(&sql)
                .bind(vec![nil])
                .bind(1_780_000_000i64)
                .bind(1_782_592_000i64)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            plans.push((name.to_owned(), lines(rows)?));
        }
        let rows = sqlx::query(&format!(
            "EXPLAIN SELECT * FROM availability_windows WHERE resource_id = ANY($1) AND start_at < $3 \
             AND start_at > $2 - {MAX_WINDOW_SECS} AND end_at > $2 ORDER BY start_at, id"
        ))
        .bind(vec![nil])
        .bind(1_780_000_000i64)
        .bind(1_782_592_000i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        plans.push(("windows of resources in a range".into(), lines(rows)?));
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        Ok(plans)
    }
}

impl DirectoryStore for PgStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        self.counted();
        let row = sqlx::query(&format!(
            "SELECT {BUSINESS_COLS} FROM businesses WHERE id = $1"
        ))
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_error)?;
        row.as_ref().map(business_from_row).transpose()
    }

    async fn save_business(&self, b: &Business) -> Result<()> {
        self.counted();
        sqlx::query(
            "INSERT INTO businesses (id, owner_id, name, domain, description, city, address, time_zone, validated, \
             opening_hours, closures) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9, $10::jsonb, $11::jsonb) \
             ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name, \
             domain = excluded.domain, description = excluded.description, city = excluded.city, \
             address = excluded.address, time_zone = excluded.time_zone, validated = excluded.validated, \
             opening_hours = excluded.opening_hours, closures = excluded.closures",
        )
        .bind(b.id.0)
        .bind(b.owner_id.0)
        .bind(&b.name)
        .bind(&b.domain)
        .bind(&b.description)
        .bind(&b.city)
        .bind(to_json(&b.address)?)
        .bind(b.time_zone.name())
        .bind(b.validated)
        .bind(to_json(&b.opening_hours)?)
        .bind(to_json(&b.closures)?)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        self.counted();
        let row = sqlx::query("SELECT * FROM resources WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(resource_from_row).transpose()
    }

    async fn save_resource(&self, r: &Resource) -> Result<()> {
        self.counted();
        sqlx::query(
            "INSERT INTO resources (id, business_id, name, kind, active) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, active = excluded.active",
        )
        .bind(r.id.0)
        .bind(r.business_id.0)
        .bind(&r.name)
        .bind(to_json(&r.kind)?.trim_matches('"').to_owned())
        .bind(r.active)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        self.counted();
        let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = QueryBuilder::<Postgres>::new(format!(
            "SELECT {BUSINESS_COLS} FROM businesses WHERE TRUE"
        ));
        if let Some(v) = filter.validated {
            sql.push(" AND validated = ").push_bind(v);
        }
        if let Some(o) = filter.owner_id {
            sql.push(" AND owner_id = ").push_bind(o.0);
        }
        if let Some(d) = &filter.domain {
            sql.push(" AND lower(domain) = lower(")
                .push_bind(d.clone())
                .push(")");
        }
        if let Some(c) = &filter.city {
            sql.push(" AND lower(city) = lower(")
                .push_bind(c.clone())
                .push(")");
        }
        let (cmp, order) = match sort {
            BusinessSort::NameAsc => (">", "ASC"),
            BusinessSort::NameDesc => ("<", "DESC"),
        };
        // Byte order of names, as the other backends sort.
        if let Some(cursor) = &page.cursor {
            let (name, id) = parse_business_cursor(cursor)?;
            sql.push(format_args!(" AND (name COLLATE \"C\", id) {cmp} ("))
                .push_bind(name)
                .push(" COLLATE \"C\", ")
                .push_bind(id.0)
                .push(")");
        }
        sql.push(format_args!(
            " ORDER BY name COLLATE \"C\" {order}, id {order} LIMIT "
        ))
        .push_bind(i64::from(limit) + 1);
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_error)?;
        let items = rows
            .iter()
            .map(business_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_businesses(items, limit as usize))
    }

    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        self.counted();
        let rows = sqlx::query("SELECT * FROM resources WHERE business_id = $1 ORDER BY name, id")
            .bind(business.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(resource_from_row).collect()
    }

    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        self.counted();
        let row = sqlx::query(&format!("{SERVICE_SELECT} WHERE s.id = $1"))
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(service_from_row).transpose()
    }

    async fn save_service(&self, s: &Service) -> Result<()> {
        let r = s.rules;
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        self.counted();
        sqlx::query(
            "INSERT INTO services (id, business_id, name, description, price_minor, currency, category, tags, active, \
             duration_minutes, step_minutes, buffer_before_minutes, buffer_after_minutes, min_notice_minutes, \
             horizon_days, seats, cancellation_deadline_minutes, max_reschedules) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) \
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, \
             price_minor = excluded.price_minor, currency = excluded.currency, category = excluded.category, \
             tags = excluded.tags, active = excluded.active, duration_minutes = excluded.duration_minutes, \
             step_minutes = excluded.step_minutes, buffer_before_minutes = excluded.buffer_before_minutes, \
             buffer_after_minutes = excluded.buffer_after_minutes, min_notice_minutes = excluded.min_notice_minutes, \
             horizon_days = excluded.horizon_days, seats = excluded.seats, \
             cancellation_deadline_minutes = excluded.cancellation_deadline_minutes, \
             max_reschedules = excluded.max_reschedules",
        )
        .bind(s.id.0)
        .bind(s.business_id.0)
        .bind(&s.name)
        .bind(&s.description)
        .bind(s.price.amount_minor)
        .bind(s.price.currency.as_str())
        .bind(&s.category)
        .bind(to_json(&s.tags)?)
        .bind(s.active)
        .bind(i64::from(r.duration_minutes))
        .bind(i64::from(r.step_minutes))
        .bind(i64::from(r.buffer_before_minutes))
        .bind(i64::from(r.buffer_after_minutes))
        .bind(i64::from(r.min_notice_minutes))
        .bind(i64::from(r.horizon_days))
        .bind(i64::from(r.seats))
        .bind(i64::from(s.cancellation_deadline_minutes))
        .bind(i64::from(s.max_reschedules))
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        self.counted();
        sqlx::query("DELETE FROM service_resources WHERE service_id = $1")
            .bind(s.id.0)
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        let ids: Vec<uuid::Uuid> = s.resource_ids.iter().map(|r| r.0).collect();
        self.counted();
        sqlx::query(
            "INSERT INTO service_resources (service_id, resource_id, position) \
             SELECT $1, r, p - 1 FROM unnest($2::uuid[]) WITH ORDINALITY AS t(r, p)",
        )
        .bind(s.id.0)
        .bind(&ids)
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        self.counted();
        let rows = sqlx::query(&format!(
            "{SERVICE_SELECT} WHERE s.business_id = $1 ORDER BY s.name, s.id"
        ))
        .bind(business.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_error)?;
        rows.iter().map(service_from_row).collect()
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        self.counted();
        let row = sqlx::query("SELECT id, email, first_name, last_name, phone, address::text AS address FROM clients WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        let Some(row) = row else { return Ok(None) };
        let phone: Option<String> = get(&row, "phone")?;
        let address: Option<String> = get(&row, "address")?;
        Ok(Some(ClientProfile {
            id: ClientId(uid(&row, "id")?),
            email: get(&row, "email")?,
            first_name: get(&row, "first_name")?,
            last_name: get(&row, "last_name")?,
            phone: phone
                .map(|p| self.cipher.decrypt("phone", &p))
                .transpose()?,
            address: address.map(|a| from_json("address", &a)).transpose()?,
        }))
    }

    async fn save_client(&self, c: &ClientProfile) -> Result<()> {
        let phone = c
            .phone
            .as_deref()
            .map(|p| self.cipher.encrypt(p))
            .transpose()?;
        self.counted();
        sqlx::query(
            "INSERT INTO clients (id, email, first_name, last_name, phone, address) VALUES ($1, $2, $3, $4, $5, $6::jsonb) \
             ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, \
             last_name = excluded.last_name, phone = excluded.phone, address = excluded.address",
        )
        .bind(c.id.0)
        .bind(&c.email)
        .bind(&c.first_name)
        .bind(&c.last_name)
        .bind(phone)
        .bind(c.address.as_ref().map(to_json).transpose()?)
        .execute(&self.pool)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let words = query.words()?;
        let tsquery = words.join(" & ");
        let mut sql = QueryBuilder::<Postgres>::new("WITH q AS (SELECT to_tsquery('simple', ");
        sql.push_bind(tsquery);
        sql.push(") AS q), hits AS (SELECT 'business' AS kind, b.id AS entity_id, b.id AS business_id, b.name, \
                  ts_rank(b.search, q.q)::float8 AS rank, b.city, b.domain FROM businesses b, q \
                  WHERE b.validated AND b.search @@ q.q \
                  UNION ALL SELECT 'service', s.id, s.business_id, s.name, ts_rank(s.search, q.q)::float8, b.city, b.domain \
                  FROM services s JOIN businesses b ON b.id = s.business_id, q \
                  WHERE s.active AND b.validated AND s.search @@ q.q) SELECT * FROM hits WHERE true");
        if let Some(city) = &query.city {
            sql.push(" AND lower(city) = lower(")
                .push_bind(city.clone())
                .push(")");
        }
        if let Some(domain) = &query.domain {
            sql.push(" AND lower(domain) = lower(")
                .push_bind(domain.clone())
                .push(")");
        }
        sql.push(" ORDER BY rank DESC, name, entity_id LIMIT ")
            .push_bind(i64::from(query.limit.clamp(1, MAX_SEARCH_HITS)));
        self.counted();
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok(SearchHit {
                    kind: if get::<String>(row, "kind")? == "business" {
                        HitKind::Business
                    } else {
                        HitKind::Service
                    },
                    id: uid(row, "entity_id")?,
                    business_id: BusinessId(uid(row, "business_id")?),
                    name: get(row, "name")?,
                    rank: get(row, "rank")?,
                })
            })
            .collect()
    }
}

impl AvailabilityStore for PgStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        self.counted();
        let row = sqlx::query("SELECT * FROM availability_windows WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_error)?;
        row.as_ref().map(window_from_row).transpose()
    }

    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        let ids: Vec<uuid::Uuid> = resources.iter().map(|r| r.0).collect();
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
        rows.iter().map(window_from_row).collect()
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

impl rdv_core::ports::Store for PgStore {}

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
        row.as_ref().map(reservation_from_row).transpose()
    }

    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        let ids: Vec<uuid::Uuid> = resources.iter().map(|r| r.0).collect();
        self.counted();
        let rows = sqlx::query(&active_for_resources_sql(""))
            .bind(&ids)
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        rows.iter().map(reservation_from_row).collect()
    }

    async fn list_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<BusyPeriod>> {
        let ids: Vec<uuid::Uuid> = resources.iter().map(|r| r.0).collect();
        self.counted();
        let rows: Vec<(uuid::Uuid, uuid::Uuid, i64, i64, i64, i64)> = sqlx::query_as(&busy_sql(""))
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
        rows.iter().map(reservation_from_row).collect()
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
             reschedule_count = $7, version = $8, history = $9::jsonb, session_key = $10 WHERE id = $1",
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
        .execute(&mut *tx)
        .await
        .map_err(db_error)?;
        tx.commit().await.map_err(db_error)
    }

    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        let after = page
            .cursor
            .as_deref()
            .map(parse_reservation_cursor)
            .transpose()?;
        let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = list_query("", filter, sort, after, limit);
        self.counted();
        let rows = sql.build().fetch_all(&self.pool).await.map_err(db_error)?;
        let mut items = rows
            .iter()
            .map(|row| {
                Ok(ReservationView {
                    reservation: reservation_from_row(row)?,
                    business_name: get(row, "business_name")?,
                    service_name: get(row, "service_name")?,
                    resource_name: get(row, "resource_name")?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let next_cursor = (items.len() > limit as usize)
            .then(|| reservation_cursor(&items[limit as usize - 1].reservation, sort));
        items.truncate(limit as usize);
        Ok(Page { items, next_cursor })
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
}
