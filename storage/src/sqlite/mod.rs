//! The embedded SQLite backend: one file, WAL, foreign keys on.
//!
//! **Writes** go through one writer task that owns the only write connection. It takes every
//! request waiting in its queue, opens one `BEGIN IMMEDIATE` transaction, runs each request in
//! its own savepoint (a refused booking rolls back alone), commits once, and only then answers
//! each caller with its own result. Concurrent bookings therefore share one fsync while each
//! check-then-insert still runs alone on the database: atomic without a retry loop. Triggers
//! in the schema repeat the booking invariants as a second line of defence.
//!
//! **Write turns.** Account and notification transactions run on a small pool, and they and
//! the writer task take turns through one async lock (the store's write turn) before
//! `BEGIN IMMEDIATE`: none ever waits in SQLite's busy handler, which sleeps 1, 2, 5, 10 ms…
//! between tries instead of waking the next writer when the lock is free.
//!
//! **Reads** run on a few connections the store owns ([`Readers`]), one statement at a time;
//! WAL lets them run beside the writer. (Not a pool: sqlx's pool pings every connection handed
//! back, one more round trip to the connection's thread per statement.)

mod backend;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use rdv_core::booking::check_capacity;
use rdv_core::error::Entity;
use rdv_core::model::*;
use rdv_core::ports::{
    AvailabilityStore, DirectoryStore, MAX_PAGE_SIZE, Page, PageRequest, ReservationFilter,
    ReservationSort, ReservationStore, ReservationView, ScheduleInputs, Store,
    parse_reservation_cursor, reservation_cursor,
};
use rdv_core::ports::{BusinessFilter, BusinessSort, parse_business_cursor};
use rdv_core::search::{HitKind, MAX_SEARCH_HITS, SearchHit, SearchQuery};
use rdv_core::{Error, Interval, Result, Timestamp};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

use crate::codec::{
    MAX_BLOCKED_SECS, MAX_WINDOW_SECS, db_error, from_json, from_json_borrowed, status, to_json,
    u32_col, uuid,
};
use crate::crypto::FieldCipher;

/// The SQLite migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 256;

/// Most bookings checked and inserted by one pair of statements.
const MAX_GROUP: usize = 64;

const RES_COLS: &str = "id, business_id, client_id, service_id, resource_id, start_at, end_at, \
    buffer_before_minutes, buffer_after_minutes, status, price_minor, currency, reschedule_count, \
    history, created_at";

enum WriteOp {
    /// A booking, the resources to try in order, and the service's seats; the answer is the
    /// index of the resource it was booked on.
    InsertReservation(Box<Reservation>, Vec<ResourceId>, u32),
    UpdateReservation(Box<Reservation>, Option<u32>),
    InsertWindows(Vec<AvailabilityWindow>),
    UpdateWindow(AvailabilityWindow),
    DeleteWindow(AvailabilityId),
    SaveBusiness(Box<Business>),
    SaveResource(Resource),
    SaveService(Box<Service>),
    SaveClient(Box<ClientProfile>),
    Archive(Timestamp),
}

struct Job {
    op: WriteOp,
    reply: oneshot::Sender<Result<u64>>,
}

/// Read connections owned by the store; each runs one statement at a time for one caller.
struct Readers {
    conns: Vec<tokio::sync::Mutex<SqliteConnection>>,
    next: AtomicUsize,
}

/// How many read connections a store opens.
const READERS: usize = 4;

impl Readers {
    /// A free connection if there is one (trying them in turn from a rotating start), else
    /// the next one in turn once it is free.
    async fn get(&self) -> tokio::sync::MutexGuard<'_, SqliteConnection> {
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let n = self.conns.len();
        for k in 0..n {
            if let Ok(conn) = self.conns[(start + k) % n].try_lock() {
                return conn;
            }
        }
        self.conns[start % n].lock().await
    }
}

/// A write transaction on the pool that holds the store's write turn until it ends.
pub struct WriteTx {
    // Fields drop in order: the transaction ends (or its rollback is queued) before the turn
    // passes on.
    tx: sqlx::Transaction<'static, Sqlite>,
    _turn: tokio::sync::OwnedMutexGuard<()>,
}

impl WriteTx {
    /// Waits for the write turn, then opens a `BEGIN IMMEDIATE` transaction on `pool`.
    async fn begin(
        pool: &SqlitePool,
        turn: &Arc<tokio::sync::Mutex<()>>,
    ) -> std::result::Result<Self, sqlx::Error> {
        let turn = turn.clone().lock_owned().await;
        let tx = pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Self { tx, _turn: turn })
    }

    /// Commits, then passes the turn on.
    pub async fn commit(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back, then passes the turn on.
    pub async fn rollback(self) -> std::result::Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// Every port over one SQLite file.
#[derive(Clone)]
pub struct SqliteStore {
    read: SqlitePool,
    readers: Arc<Readers>,
    /// Held by whoever writes: the writer task for a batch, or a [`WriteTx`].
    write_turn: Arc<tokio::sync::Mutex<()>>,
    writer: mpsc::Sender<Job>,
    cipher: FieldCipher,
    queries: Arc<AtomicU64>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)
        .map_err(db_error)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Sorts and `UNION`s build temporary tables; in memory they cost no file to open,
        // write and unlink (the writer's group check made one per batch).
        .pragma("temp_store", "memory"))
}

/// Applies pending migrations to the database at `url` (creating the file if needed).
pub async fn migrate(url: &str) -> Result<()> {
    migrate_with(url, &MIGRATOR).await
}

/// Applies the given migrations (tests apply a subset to prove step-by-step upgrades).
pub async fn migrate_with(url: &str, migrator: &Migrator) -> Result<()> {
    let mut conn = SqliteConnection::connect_with(&options(url)?)
        .await
        .map_err(db_error)?;
    migrator.run(&mut conn).await.map_err(|e| Error::Storage {
        message: e.to_string(),
    })?;
    conn.close().await.map_err(db_error)
}

impl SqliteStore {
    /// Opens (creating if needed) and migrates the database at `url`, e.g.
    /// `sqlite://data/rdv.db`, and starts the writer task (needs a tokio runtime).
    pub async fn open(url: &str, cipher: FieldCipher) -> Result<Self> {
        let opts = options(url)?;
        let mut conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(db_error)?;
        MIGRATOR.run(&mut conn).await.map_err(|e| Error::Storage {
            message: e.to_string(),
        })?;
        let mut conns = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = opts.clone().pragma("query_only", "ON");
            let conn = SqliteConnection::connect_with(&reader)
                .await
                .map_err(db_error)?;
            conns.push(tokio::sync::Mutex::new(conn));
        }
        let readers = Arc::new(Readers {
            conns,
            next: AtomicUsize::new(0),
        });
        let read = SqlitePoolOptions::new()
            .max_connections(4)
            // An in-process connection cannot be lost the way a network one can: sqlx's
            // default ping on every acquire would only cost a hand-off to the connection's
            // thread per statement.
            .test_before_acquire(false)
            .connect_with(opts)
            .await
            .map_err(db_error)?;
        let (writer, rx) = mpsc::channel(4096);
        let queries = Arc::new(AtomicU64::new(0));
        let write_turn = Arc::new(tokio::sync::Mutex::new(()));
        tokio::spawn(writer_loop(conn, rx, queries.clone(), write_turn.clone()));
        Ok(Self {
            read,
            readers,
            write_turn,
            writer,
            cipher,
            queries,
        })
    }

    /// Statements run so far (reads and writes); tests use it to prove there is no N+1.
    pub fn query_count(&self) -> u64 {
        self.queries.load(Ordering::Relaxed)
    }

    /// The pool of the account and notification transactions, for diagnostics (integrity
    /// checks, query plans).
    pub fn pool(&self) -> &SqlitePool {
        &self.read
    }

    /// A read connection for one statement (held until the guard drops).
    async fn reader(&self) -> tokio::sync::MutexGuard<'_, SqliteConnection> {
        self.readers.get().await
    }

    fn counted(&self) {
        self.queries.fetch_add(1, Ordering::Relaxed);
    }

    async fn write(&self, op: WriteOp) -> Result<u64> {
        let (reply, answer) = oneshot::channel();
        let gone = || Error::Storage {
            message: "the SQLite writer stopped".into(),
        };
        self.writer
            .send(Job { op, reply })
            .await
            .map_err(|_| gone())?;
        answer.await.map_err(|_| gone())?
    }

    async fn fetch_all<'a>(
        &self,
        query: sqlx::query::Query<'a, Sqlite, sqlx::sqlite::SqliteArguments<'a>>,
    ) -> Result<Vec<SqliteRow>> {
        self.counted();
        query
            .fetch_all(&mut *self.reader().await)
            .await
            .map_err(db_error)
    }

    async fn fetch_optional<'a>(
        &self,
        query: sqlx::query::Query<'a, Sqlite, sqlx::sqlite::SqliteArguments<'a>>,
    ) -> Result<Option<SqliteRow>> {
        self.counted();
        query
            .fetch_optional(&mut *self.reader().await)
            .await
            .map_err(db_error)
    }

    /// Runs a statement that returns one JSON array in one row (an aggregate), and returns
    /// its text.
    async fn fetch_json_array(&self, mut sql: QueryBuilder<'_, Sqlite>) -> Result<String> {
        self.counted();
        let row = sql
            .build()
            .fetch_one(&mut *self.reader().await)
            .await
            .map_err(db_error)?;
        row.try_get(0).map_err(db_error)
    }

    fn client_from_row(&self, row: &SqliteRow) -> Result<ClientProfile> {
        let phone: Option<String> = row.try_get("phone").map_err(db_error)?;
        let address: Option<String> = row.try_get("address").map_err(db_error)?;
        Ok(ClientProfile {
            id: ClientId(uuid(
                "id",
                &row.try_get::<String, _>("id").map_err(db_error)?,
            )?),
            email: row.try_get("email").map_err(db_error)?,
            first_name: row.try_get("first_name").map_err(db_error)?,
            last_name: row.try_get("last_name").map_err(db_error)?,
            phone: phone
                .map(|p| self.cipher.decrypt("phone", &p))
                .transpose()?,
            address: address.map(|a| from_json("address", &a)).transpose()?,
        })
    }
}

fn get<'r, T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>>(
    row: &'r SqliteRow,
    col: &str,
) -> Result<T> {
    row.try_get(col).map_err(db_error)
}

fn id_of(row: &SqliteRow, col: &str) -> Result<uuid::Uuid> {
    uuid(col, &get::<String>(row, col)?)
}

fn interval_of(row: &SqliteRow, start: &str, end: &str) -> Result<Interval> {
    Interval::new(
        Timestamp::from_secs(get(row, start)?),
        Timestamp::from_secs(get(row, end)?),
    )
}

fn reservation_from_row(row: &SqliteRow) -> Result<Reservation> {
    let history: Vec<TransitionRecord> = from_json("history", &get::<String>(row, "history")?)?;
    Ok(Reservation {
        id: ReservationId(id_of(row, "id")?),
        business_id: BusinessId(id_of(row, "business_id")?),
        client_id: ClientId(id_of(row, "client_id")?),
        service_id: ServiceId(id_of(row, "service_id")?),
        resource_id: ResourceId(id_of(row, "resource_id")?),
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
        history,
        created_at: Timestamp::from_secs(get(row, "created_at")?),
    })
}

fn business_from_row(row: &SqliteRow) -> Result<Business> {
    business_from_prefixed(row, "")
}

/// A business read from columns named `{prefix}{column}` (a join's aliases).
fn business_from_prefixed(row: &SqliteRow, prefix: &str) -> Result<Business> {
    let col = |name: &str| format!("{prefix}{name}");
    Ok(Business {
        id: BusinessId(id_of(row, &col("id"))?),
        owner_id: UserId(id_of(row, &col("owner_id"))?),
        name: get(row, &col("name"))?,
        domain: get(row, &col("domain"))?,
        description: get(row, &col("description"))?,
        city: get(row, &col("city"))?,
        address: from_json("address", &get::<String>(row, &col("address"))?)?,
        time_zone: Zone::parse(&get::<String>(row, &col("time_zone"))?)?,
        validated: get::<i64>(row, &col("validated"))? == 1,
        opening_hours: from_json("opening_hours", &get::<String>(row, &col("opening_hours"))?)?,
        closures: from_json("closures", &get::<String>(row, &col("closures"))?)?,
    })
}

fn resource_from_row(row: &SqliteRow) -> Result<Resource> {
    Ok(Resource {
        id: ResourceId(id_of(row, "id")?),
        business_id: BusinessId(id_of(row, "business_id")?),
        name: get(row, "name")?,
        kind: from_json("kind", &format!("\"{}\"", get::<String>(row, "kind")?))?,
        active: get::<i64>(row, "active")? == 1,
    })
}

const SERVICE_SELECT: &str = "SELECT s.*, (SELECT group_concat(resource_id, ',' ORDER BY \
    position) FROM service_resources sr WHERE sr.service_id = s.id) AS resource_list \
    FROM services s";

fn service_from_row(row: &SqliteRow) -> Result<Service> {
    let list: Option<String> = get(row, "resource_list")?;
    let resource_ids = list
        .unwrap_or_default()
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| uuid("resource_id", s).map(ResourceId))
        .collect::<Result<Vec<_>>>()?;
    let u = |col: &str| -> Result<u32> { u32_col(col, get(row, col)?) };
    Ok(Service {
        id: ServiceId(id_of(row, "id")?),
        business_id: BusinessId(id_of(row, "business_id")?),
        name: get(row, "name")?,
        description: get(row, "description")?,
        price: Money::new(
            get(row, "price_minor")?,
            Currency::parse(&get::<String>(row, "currency")?)?,
        ),
        category: get(row, "category")?,
        tags: from_json("tags", &get::<String>(row, "tags")?)?,
        active: get::<i64>(row, "active")? == 1,
        rules: SlotRules {
            duration_minutes: u("duration_minutes")?,
            step_minutes: u("step_minutes")?,
            buffer_before_minutes: u("buffer_before_minutes")?,
            buffer_after_minutes: u("buffer_after_minutes")?,
            min_notice_minutes: u("min_notice_minutes")?,
            horizon_days: u("horizon_days")?,
            seats: u("seats")?,
        },
        resource_ids,
        cancellation_deadline_minutes: u("cancellation_deadline_minutes")?,
        max_reschedules: u("max_reschedules")?,
    })
}

fn window_from_row(row: &SqliteRow) -> Result<AvailabilityWindow> {
    let series: Option<String> = get(row, "series_id")?;
    Ok(AvailabilityWindow {
        id: AvailabilityId(id_of(row, "id")?),
        business_id: BusinessId(id_of(row, "business_id")?),
        resource_id: ResourceId(id_of(row, "resource_id")?),
        interval: interval_of(row, "start_at", "end_at")?,
        series_id: series
            .map(|s| uuid("series_id", &s).map(SeriesId))
            .transpose()?,
    })
}

// ------------------------------------------------------------------------------------------
// The writer

async fn writer_loop(
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
                | WriteOp::Archive(_)
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
fn push_longest_blocked(sql: &mut QueryBuilder<'_, Sqlite>, resources: &[ResourceId]) {
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
        .map(reservation_from_row)
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
    rows.iter().map(reservation_from_row).collect()
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
                 status = ?6, reschedule_count = ?7, version = ?8, history = ?9 WHERE id = ?1",
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
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(1)
        }
        WriteOp::InsertWindows(windows) => {
            for w in windows {
                window_overlap_check(conn, w).await?;
                sqlx::query(
                    "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at, series_id) \
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .bind(w.id.to_string())
                .bind(w.business_id.to_string())
                .bind(w.resource_id.to_string())
                .bind(w.interval.start().secs())
                .bind(w.interval.end().secs())
                .bind(w.series_id.map(|s| s.to_string()))
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            }
            Ok(windows.len() as u64)
        }
        WriteOp::UpdateWindow(w) => {
            window_overlap_check(conn, w).await?;
            let done = sqlx::query(
                "UPDATE availability_windows SET start_at = ?2, end_at = ?3 WHERE id = ?1",
            )
            .bind(w.id.to_string())
            .bind(w.interval.start().secs())
            .bind(w.interval.end().secs())
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
            sqlx::query(
                "INSERT INTO businesses (id, owner_id, name, domain, description, city, address, time_zone, \
                 validated, opening_hours, closures) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) \
                 ON CONFLICT (id) DO UPDATE SET owner_id = excluded.owner_id, name = excluded.name, \
                 domain = excluded.domain, description = excluded.description, city = excluded.city, \
                 address = excluded.address, time_zone = excluded.time_zone, validated = excluded.validated, \
                 opening_hours = excluded.opening_hours, closures = excluded.closures",
            )
            .bind(b.id.to_string())
            .bind(b.owner_id.to_string())
            .bind(&b.name)
            .bind(&b.domain)
            .bind(&b.description)
            .bind(&b.city)
            .bind(to_json(&b.address)?)
            .bind(b.time_zone.name())
            .bind(i64::from(b.validated))
            .bind(to_json(&b.opening_hours)?)
            .bind(to_json(&b.closures)?)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
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
            sqlx::query(
                "INSERT INTO resources (id, business_id, name, kind, active) VALUES (?1, ?2, ?3, ?4, ?5) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, active = excluded.active",
            )
            .bind(r.id.to_string())
            .bind(r.business_id.to_string())
            .bind(&r.name)
            .bind(to_json(&r.kind)?.trim_matches('"').to_owned())
            .bind(i64::from(r.active))
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            Ok(1)
        }
        WriteOp::SaveService(s) => {
            let r = s.rules;
            sqlx::query(
                "INSERT INTO services (id, business_id, name, description, price_minor, currency, category, tags, \
                 active, duration_minutes, step_minutes, buffer_before_minutes, buffer_after_minutes, \
                 min_notice_minutes, horizon_days, seats, cancellation_deadline_minutes, max_reschedules) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) \
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, description = excluded.description, \
                 price_minor = excluded.price_minor, currency = excluded.currency, category = excluded.category, \
                 tags = excluded.tags, active = excluded.active, duration_minutes = excluded.duration_minutes, \
                 step_minutes = excluded.step_minutes, buffer_before_minutes = excluded.buffer_before_minutes, \
                 buffer_after_minutes = excluded.buffer_after_minutes, min_notice_minutes = excluded.min_notice_minutes, \
                 horizon_days = excluded.horizon_days, seats = excluded.seats, \
                 cancellation_deadline_minutes = excluded.cancellation_deadline_minutes, \
                 max_reschedules = excluded.max_reschedules",
            )
            .bind(s.id.to_string())
            .bind(s.business_id.to_string())
            .bind(&s.name)
            .bind(&s.description)
            .bind(s.price.amount_minor)
            .bind(s.price.currency.as_str())
            .bind(&s.category)
            .bind(to_json(&s.tags)?)
            .bind(i64::from(s.active))
            .bind(i64::from(r.duration_minutes))
            .bind(i64::from(r.step_minutes))
            .bind(i64::from(r.buffer_before_minutes))
            .bind(i64::from(r.buffer_after_minutes))
            .bind(i64::from(r.min_notice_minutes))
            .bind(i64::from(r.horizon_days))
            .bind(i64::from(r.seats))
            .bind(i64::from(s.cancellation_deadline_minutes))
            .bind(i64::from(s.max_reschedules))
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
            sqlx::query("DELETE FROM service_resources WHERE service_id = ?1")
                .bind(s.id.to_string())
                .execute(&mut *conn)
                .await
                .map_err(db_error)?;
            for (position, resource) in s.resource_ids.iter().enumerate() {
                sqlx::query("INSERT INTO service_resources (service_id, resource_id, position) VALUES (?1, ?2, ?3)")
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
            Ok(1)
        }
        WriteOp::SaveClient(c) => {
            sqlx::query(
                "INSERT INTO clients (id, email, first_name, last_name, phone, address) VALUES (?1, ?2, ?3, ?4, ?5, ?6) \
                 ON CONFLICT (id) DO UPDATE SET email = excluded.email, first_name = excluded.first_name, \
                 last_name = excluded.last_name, phone = excluded.phone, address = excluded.address",
            )
            .bind(c.id.to_string())
            .bind(&c.email)
            .bind(&c.first_name)
            .bind(&c.last_name)
            .bind(&c.phone)
            .bind(c.address.as_ref().map(to_json).transpose()?)
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
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
    }
}

async fn window_overlap_check(conn: &mut SqliteConnection, w: &AvailabilityWindow) -> Result<()> {
    let other: Option<String> = sqlx::query_scalar(&format!(
        "SELECT id FROM availability_windows WHERE resource_id = ?1 AND id <> ?2 \
         AND start_at < ?4 AND start_at > ?3 - {MAX_WINDOW_SECS} AND end_at > ?3 LIMIT 1"
    ))
    .bind(w.resource_id.to_string())
    .bind(w.id.to_string())
    .bind(w.interval.start().secs())
    .bind(w.interval.end().secs())
    .fetch_optional(&mut *conn)
    .await
    .map_err(db_error)?;
    match other {
        Some(existing) => Err(Error::AvailabilityOverlap { existing }),
        None => Ok(()),
    }
}

#[allow(clippy::too_many_arguments)]
async fn index_for_search(
    conn: &mut SqliteConnection,
    kind: HitKind,
    id: uuid::Uuid,
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

// ------------------------------------------------------------------------------------------
// The ports

impl DirectoryStore for SqliteStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM businesses WHERE id = ?1").bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(business_from_row).transpose()
    }

    async fn save_business(&self, business: &Business) -> Result<()> {
        self.write(WriteOp::SaveBusiness(Box::new(business.clone())))
            .await
            .map(|_| ())
    }

    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = QueryBuilder::<Sqlite>::new("SELECT * FROM businesses WHERE 1 = 1");
        if let Some(v) = filter.validated {
            sql.push(" AND validated = ").push_bind(i64::from(v));
        }
        if let Some(o) = filter.owner_id {
            sql.push(" AND owner_id = ").push_bind(o.to_string());
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
        if let Some(cursor) = &page.cursor {
            let (name, id) = parse_business_cursor(cursor)?;
            sql.push(format_args!(" AND (name, id) {cmp} ("))
                .push_bind(name)
                .push(", ")
                .push_bind(id.to_string())
                .push(")");
        }
        sql.push(format_args!(" ORDER BY name {order}, id {order} LIMIT "))
            .push_bind(i64::from(limit) + 1);
        let rows = self.fetch_all(sql.build()).await?;
        let items = rows
            .iter()
            .map(business_from_row)
            .collect::<Result<Vec<_>>>()?;
        Ok(Page::of_businesses(items, limit as usize))
    }

    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM resources WHERE id = ?1").bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(resource_from_row).transpose()
    }

    async fn save_resource(&self, resource: &Resource) -> Result<()> {
        self.write(WriteOp::SaveResource(resource.clone()))
            .await
            .map(|_| ())
    }

    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        let rows = self
            .fetch_all(
                sqlx::query("SELECT * FROM resources WHERE business_id = ?1 ORDER BY name, id")
                    .bind(business.to_string()),
            )
            .await?;
        rows.iter().map(resource_from_row).collect()
    }

    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        let sql = format!("{SERVICE_SELECT} WHERE s.id = ?1");
        let row = self
            .fetch_optional(sqlx::query(&sql).bind(id.to_string()))
            .await?;
        row.as_ref().map(service_from_row).transpose()
    }

    async fn save_service(&self, service: &Service) -> Result<()> {
        self.write(WriteOp::SaveService(Box::new(service.clone())))
            .await
            .map(|_| ())
    }

    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        let sql = format!("{SERVICE_SELECT} WHERE s.business_id = ?1 ORDER BY s.name, s.id");
        let rows = self
            .fetch_all(sqlx::query(&sql).bind(business.to_string()))
            .await?;
        rows.iter().map(service_from_row).collect()
    }

    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        let row = self
            .fetch_optional(sqlx::query("SELECT * FROM clients WHERE id = ?1").bind(id.to_string()))
            .await?;
        row.as_ref().map(|r| self.client_from_row(r)).transpose()
    }

    async fn save_client(&self, client: &ClientProfile) -> Result<()> {
        let mut stored = client.clone();
        stored.phone = client
            .phone
            .as_deref()
            .map(|p| self.cipher.encrypt(p))
            .transpose()?;
        self.write(WriteOp::SaveClient(Box::new(stored)))
            .await
            .map(|_| ())
    }

    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let words = query.words()?;
        let expression = words
            .iter()
            .map(|w| format!("\"{w}\""))
            .collect::<Vec<_>>()
            .join(" ");
        let mut sql = QueryBuilder::<Sqlite>::new(
            "SELECT x.kind, x.entity_id, x.business_id, x.name, \
             -bm25(search_index, 0, 0, 0, 3.0, 1.0, 2.0, 2.0, 2.0) AS rank \
             FROM search_index x JOIN businesses b ON b.id = x.business_id \
             LEFT JOIN services s ON s.id = x.entity_id \
             WHERE search_index MATCH ",
        );
        sql.push_bind(expression);
        sql.push(" AND b.validated = 1 AND (x.kind = 'business' OR s.active = 1)");
        if let Some(city) = &query.city {
            sql.push(" AND lower(b.city) = lower(")
                .push_bind(city.clone())
                .push(")");
        }
        if let Some(domain) = &query.domain {
            sql.push(" AND lower(b.domain) = lower(")
                .push_bind(domain.clone())
                .push(")");
        }
        sql.push(" ORDER BY rank DESC, x.name, x.entity_id LIMIT ")
            .push_bind(i64::from(query.limit.clamp(1, MAX_SEARCH_HITS)));
        self.counted();
        let rows = sql
            .build()
            .fetch_all(&mut *self.reader().await)
            .await
            .map_err(db_error)?;
        rows.iter()
            .map(|row| {
                Ok(SearchHit {
                    kind: if get::<String>(row, "kind")? == "business" {
                        HitKind::Business
                    } else {
                        HitKind::Service
                    },
                    id: id_of(row, "entity_id")?,
                    business_id: BusinessId(id_of(row, "business_id")?),
                    name: get(row, "name")?,
                    rank: get(row, "rank")?,
                })
            })
            .collect()
    }
}

impl AvailabilityStore for SqliteStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        let row = self
            .fetch_optional(
                sqlx::query("SELECT * FROM availability_windows WHERE id = ?1")
                    .bind(id.to_string()),
            )
            .await?;
        row.as_ref().map(window_from_row).transpose()
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
            service: service_from_row(&row)?,
            business: business_from_prefixed(&row, "b_")?,
            windows: open_periods_from_json(&get::<String>(&row, "windows_json")?)?,
            busy: busy_groups_from_json(&get::<String>(&row, "busy_json")?)?,
        }))
    }
}

fn keyset_columns(sort: ReservationSort) -> (&'static str, &'static str) {
    match sort {
        ReservationSort::StartAsc => ("r.start_at", "ASC"),
        ReservationSort::StartDesc => ("r.start_at", "DESC"),
        ReservationSort::CreatedAsc => ("r.created_at", "ASC"),
        ReservationSort::CreatedDesc => ("r.created_at", "DESC"),
    }
}

impl ReservationStore for SqliteStore {
    async fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        let sql = format!("SELECT {RES_COLS} FROM reservations WHERE id = ?1");
        let row = self
            .fetch_optional(sqlx::query(&sql).bind(id.to_string()))
            .await?;
        row.as_ref().map(reservation_from_row).transpose()
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
        rows.iter().map(reservation_from_row).collect()
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
        rows.iter().map(reservation_from_row).collect()
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
        let after = page
            .cursor
            .as_deref()
            .map(parse_reservation_cursor)
            .transpose()?;
        let limit = page.limit.clamp(1, MAX_PAGE_SIZE);
        let mut sql = list_query("", filter, sort, after, limit);
        self.counted();
        let rows = sql
            .build()
            .fetch_all(&mut *self.reader().await)
            .await
            .map_err(db_error)?;
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
        self.write(WriteOp::Archive(ended_before)).await
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

/// The aggregate of window rows read by [`windows_from_json`].
const WINDOWS_JSON: &str =
    "json_group_array(json_array(id, business_id, resource_id, start_at, end_at, series_id))";

/// The aggregate of reservation rows read by [`busy_from_json`].
const BUSY_JSON: &str = "json_group_array(json_array(resource_id, service_id, start_at, end_at, \
    buffer_before_minutes, buffer_after_minutes))";

/// A service, its business (columns `b_*`), the windows of its resources meeting
/// `[?2, ?3 + duration)` and the busy periods that can meet a slot starting in `[?4, ?5)`
/// (blocked ranges meeting `[?4 − buffer before, ?5 + duration + buffer after)`), in one row:
/// everything a slot query reads ([`Store::load_schedule`]).
///
/// Windows and busy periods come grouped by resource (and service) as compact JSON built by
/// concatenation, `[["<resource>",[start,end,…]],…]` and
/// `[["<resource>","<service>",[start,end,before,after,…]],…]`, read by
/// [`open_periods_from_json`] and [`busy_groups_from_json`]: ids appear once per group
/// instead of once per row, which halves the work of a query over 1,000 reservations. Every
/// value concatenated is an integer or a UUID written by this store, so the text is always
/// valid JSON.
fn schedule_sql(prefix: &str) -> String {
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
         b.time_zone AS b_time_zone, b.validated AS b_validated, \
         b.opening_hours AS b_opening_hours, b.closures AS b_closures, \
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
            GROUP BY resource_id, service_id)) AS busy_json \
         FROM services s JOIN businesses b ON b.id = s.business_id WHERE s.id = ?1"
    )
}

/// Reads the windows of [`schedule_sql`], sorted by start then resource.
fn open_periods_from_json(text: &str) -> Result<Vec<OpenPeriod>> {
    let groups: Vec<(&str, Vec<i64>)> = from_json_borrowed("availability_windows", text)?;
    let mut periods = Vec::new();
    for (resource, bounds) in groups {
        let resource_id = ResourceId(uuid("resource_id", resource)?);
        if bounds.len() % 2 != 0 {
            return Err(Error::Storage {
                message: "availability windows group holds an odd number of bounds".into(),
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

/// Windows of resources meeting a range, as one row holding a JSON array.
///
/// Slot queries read windows and busy periods as aggregates because sqlx-sqlite hands every
/// row from its worker thread through a channel, which costs more than SQLite's own work on
/// these small rows.
fn windows_json_query(
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

/// Busy periods of resources meeting a range, as one row holding a JSON array (see
/// [`windows_json_query`]).
fn busy_json_query(
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

fn active_for_resources_query(
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

fn active_for_client_sql(prefix: &str) -> String {
    format!(
        "{prefix}SELECT {RES_COLS} FROM reservations WHERE active AND client_id = ?1 AND start_at < ?3 \
         AND start_at > ?2 - {MAX_BLOCKED_SECS} AND end_at > ?2 ORDER BY start_at, id"
    )
}

fn list_query(
    prefix: &str,
    filter: &ReservationFilter,
    sort: ReservationSort,
    after: Option<(i64, ReservationId)>,
    limit: u32,
) -> QueryBuilder<'static, Sqlite> {
    let source = if filter.include_archived {
        format!(
            "(SELECT {RES_COLS} FROM reservations UNION ALL SELECT {RES_COLS} FROM reservations_archive)"
        )
    } else {
        "reservations".to_owned()
    };
    let mut sql = QueryBuilder::<Sqlite>::new(format!(
        "{prefix}SELECT r.*, b.name AS business_name, s.name AS service_name, x.name AS resource_name \
         FROM {source} r JOIN businesses b ON b.id = r.business_id JOIN services s ON s.id = r.service_id \
         JOIN resources x ON x.id = r.resource_id WHERE 1 = 1"
    ));
    push_filters(&mut sql, filter);
    let (column, direction) = keyset_columns(sort);
    if let Some((key, id)) = after {
        let op = if direction == "ASC" { ">" } else { "<" };
        sql.push(format!(" AND ({column}, r.id) {op} ("))
            .push_bind(key)
            .push(", ")
            .push_bind(id.to_string())
            .push(")");
    }
    sql.push(format!(
        " ORDER BY {column} {direction}, r.id {direction} LIMIT "
    ))
    .push_bind(i64::from(limit) + 1);
    sql
}

impl SqliteStore {
    /// `EXPLAIN QUERY PLAN` of the main list and slot queries, with representative
    /// parameters: `(query name, plan lines)`. Tests assert that none scans a whole table.
    pub async fn query_plans(&self) -> Result<Vec<(String, String)>> {
        let any = ResourceId(uuid::Uuid::nil());
        let range = Interval::new(
            Timestamp::from_secs(1_780_000_000),
            Timestamp::from_secs(1_782_592_000),
        )?;
        let prefix = "EXPLAIN QUERY PLAN ";
        let by_business = ReservationFilter {
            business_id: Some(BusinessId(uuid::Uuid::nil())),
            ..Default::default()
        };
        let by_client = ReservationFilter {
            client_id: Some(ClientId(uuid::Uuid::nil())),
            ..Default::default()
        };
        let last = Some((0, ReservationId(uuid::Uuid::nil())));
        let mut builders = vec![
            (
                "windows of resources in a range",
                windows_json_query(prefix, &[any], range),
            ),
            (
                "busy periods of resources in a range",
                busy_json_query(prefix, &[any], range),
            ),
            (
                "active reservations of resources in a range",
                active_for_resources_query(prefix, &[any], range),
            ),
            (
                "business history by start",
                list_query(prefix, &by_business, ReservationSort::StartAsc, None, 50),
            ),
            (
                "client history newest first",
                list_query(prefix, &by_client, ReservationSort::CreatedDesc, last, 50),
            ),
        ];
        let mut plans = Vec::new();
        for (name, builder) in &mut builders {
            let rows = builder
                .build()
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            plans.push((name.to_string(), plan_text(&rows)?));
        }
        let client_sql = active_for_client_sql(prefix);
        let rows = sqlx::query(&client_sql)
            .bind(uuid::Uuid::nil().to_string())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plans.push(("active reservations of a client".into(), plan_text(&rows)?));
        let rows = sqlx::query(&schedule_sql(prefix))
            .bind(uuid::Uuid::nil().to_string())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plans.push(("schedule of a service".into(), plan_text(&rows)?));
        Ok(plans)
    }
}

fn plan_text(rows: &[SqliteRow]) -> Result<String> {
    Ok(rows
        .iter()
        .map(|r| get::<String>(r, "detail"))
        .collect::<Result<Vec<_>>>()?
        .join("\n"))
}

fn push_filters(sql: &mut QueryBuilder<'_, Sqlite>, f: &ReservationFilter) {
    let id_filters = [
        ("r.business_id", f.business_id.map(|x| x.to_string())),
        ("r.client_id", f.client_id.map(|x| x.to_string())),
        ("r.service_id", f.service_id.map(|x| x.to_string())),
        ("r.resource_id", f.resource_id.map(|x| x.to_string())),
    ];
    for (column, value) in id_filters {
        if let Some(value) = value {
            sql.push(format!(" AND {column} = ")).push_bind(value);
        }
    }
    if !f.statuses.is_empty() {
        sql.push(" AND r.status IN (");
        let mut list = sql.separated(", ");
        for s in &f.statuses {
            list.push_bind(s.as_str());
        }
        sql.push(")");
    }
    if let Some(from) = f.from {
        sql.push(" AND r.start_at >= ").push_bind(from.secs());
    }
    if let Some(to) = f.to {
        sql.push(" AND r.start_at < ").push_bind(to.secs());
    }
}
