//! Storage adapters for `rdv-core`'s ports: SQLite (embedded default) and PostgreSQL.
//!
//! Not built yet (issue 3). Until then the in-memory store in `rdv_core::memory` is the only
//! implementation of the ports; this crate exports nothing that pretends to persist data.
