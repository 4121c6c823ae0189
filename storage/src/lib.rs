//! Storage adapters for `rdv-core`'s ports: SQLite (the embedded default) and PostgreSQL.
//!
//! Both backends implement every port, pass the core's conformance suite unchanged, and enforce
//! the booking invariants inside the database, atomically with the write:
//!
//! * [`sqlite::SqliteStore`] — one file in WAL mode; a single writer task batches concurrent
//!   writes into one `BEGIN IMMEDIATE` transaction with a savepoint per request; triggers
//!   repeat the invariants.
//! * [`postgres::PgStore`] — exclusion constraints (`btree_gist`) over active reservations per
//!   resource (buffers included) and per client, advisory locks taken in a fixed order for the
//!   check-then-write paths, so no deadlock reaches a caller.
//!
//! [`AnyStore`] picks one from a URL. [`app`] holds the server's own tables: [`accounts`]
//! (users, sessions, outbox, idempotency records) and [`notifications`] (notification events,
//! delivery queue, preferences, webhooks), written once over [`sql::SqlBackend`], the small
//! trait that says what differs between the backends. [`error::StorageError`] keeps the
//! driver's error; its constraint table ([`error::CONSTRAINTS`]) gives database constraints
//! their meaning in the core. Migrations are versioned SQL files per backend
//! (`migrations/sqlite`, `migrations/postgres`), embedded and applied on open. Sensitive
//! fields are encrypted at rest with [`crypto::FieldCipher`].

pub mod any;
pub mod app;
pub mod codec;
pub mod crypto;
pub mod error;
pub mod postgres;
pub mod sql;
pub mod sqlite;

pub use app::{accounts, calendar_feeds, images, notifications, staff};

pub use any::{AnyStore, Backend};
pub use crypto::FieldCipher;
pub use error::StorageError;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
