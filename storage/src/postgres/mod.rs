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

mod availability;
mod backend;
mod busy_times;
mod contacts;
mod directory;
mod plans;
mod reservations;
mod stats;
mod waitlist;

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rdv_core::model::*;
use rdv_core::{Error, Result};
use sqlx::Connection as _;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions, PgRow};

use crate::codec::db_error;
use crate::crypto::FieldCipher;
use crate::sql::Statement;

/// The PostgreSQL migrations, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!("migrations/postgres");

const RES_COLS: &str = "id, business_id, client_id, service_id, resource_id, start_at, end_at, \
    buffer_before_minutes, buffer_after_minutes, status, price_minor, currency, reschedule_count, \
    history::text AS history, created_at";

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
fn lock_key(id: Uuid) -> i64 {
    let bytes = id.as_bytes();
    i64::from_be_bytes([
        bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
    ]) ^ i64::from_be_bytes([
        bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15],
    ])
}

async fn lock_in_order(conn: &mut sqlx::PgConnection, ids: &[Uuid]) -> Result<()> {
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

    /// Runs a statement of the shared layer on the pool.
    async fn run(&self, statement: &Statement) -> Result<()> {
        self.counted();
        backend::query(statement)
            .execute(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(())
    }

    /// Runs a query of the shared layer on the pool; its rows.
    async fn fetch_statement(&self, statement: &Statement) -> Result<Vec<PgRow>> {
        self.counted();
        backend::query(statement)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)
    }

    /// Runs a query of the shared layer on the pool; its first row.
    async fn fetch_one(&self, statement: Statement) -> Result<Option<PgRow>> {
        Ok(self.fetch_statement(&statement).await?.into_iter().next())
    }
}
