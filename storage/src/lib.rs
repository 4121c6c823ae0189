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
//! [`AnyStore`] picks one from a URL. [`accounts`] stores the server's users, sessions,
//! outbox and idempotency records with one SQL text for both backends, and [`notifications`] the
//! notification events, delivery queue, preferences and webhooks. Migrations are versioned SQL files per backend
//! (`migrations/sqlite`, `migrations/postgres`), embedded and applied on open. Sensitive
//! fields are encrypted at rest with [`crypto::FieldCipher`].

pub mod accounts;
pub mod any;
pub mod codec;
pub mod crypto;
pub mod notifications;
pub mod postgres;
pub mod sqlite;

pub use any::{AnyStore, Backend};
pub use crypto::FieldCipher;
pub use postgres::PgStore;
pub use sqlite::SqliteStore;
