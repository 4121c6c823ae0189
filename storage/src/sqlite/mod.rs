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

mod availability;
mod backend;
mod busy_times;
mod contacts;
mod directory;
mod plans;
mod reservations;
mod schedule;
mod stats;
mod waitlist;
mod writer;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use rdv_core::{Error, Result};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{Connection, QueryBuilder, Row, Sqlite};
use tokio::sync::{mpsc, oneshot};

use self::writer::{Job, WriteOp, writer_loop};

use crate::codec::db_error;
use crate::crypto::FieldCipher;
use crate::sql::Statement;

/// The SQLite migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/sqlite");

/// The columns of a reservation (SQLite stores the history as JSON text, read as it is).
const RES_COLS: &str = crate::sql::queries::RESERVATION_COLUMNS;

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
        // The writer gets a fresh connection: one that ran a migration editing a table's
        // definition in place (0014 widens a CHECK) may still hold the old one in memory.
        conn.close().await.map_err(db_error)?;
        let conn = SqliteConnection::connect_with(&opts)
            .await
            .map_err(db_error)?;
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

    /// Runs a statement of the shared layer on a read connection.
    async fn fetch_statement(&self, statement: &Statement) -> Result<Vec<SqliteRow>> {
        self.counted();
        backend::query(statement)
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
}
