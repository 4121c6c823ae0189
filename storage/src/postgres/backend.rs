//! PostgreSQL's side of the shared SQL layer: how [`Value`]s are bound (identifiers as
//! `uuid`, booleans as `boolean`), how rows are read, and how a write transaction begins (a
//! plain `BEGIN` on the pool).

use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row};

use super::PgStore;
use crate::crypto::FieldCipher;
use crate::error::StorageError;
use crate::sql::{self, Query, SqlBackend, SqlRow, Statement};

/// A statement of the shared layer, bound for PostgreSQL: booleans as `boolean`,
/// identifiers as `uuid`.
pub(crate) fn query(statement: &Statement) -> Query<'_, Postgres> {
    sql::bind(
        statement,
        |query, flag| query.bind(flag),
        |query, id| query.bind(id),
    )
}

impl SqlRow for PgRow {
    sql::plain_columns!();
    fn flag(&self, col: &str) -> Result<bool, StorageError> {
        Ok(self.try_get(col)?)
    }
    fn id(&self, col: &str) -> rdv_core::Result<rdv_core::Uuid> {
        Ok(self.try_get(col).map_err(StorageError::from)?)
    }
    fn opt_id(&self, col: &str) -> rdv_core::Result<Option<rdv_core::Uuid>> {
        Ok(self.try_get(col).map_err(StorageError::from)?)
    }
    fn id_list(&self, col: &str, _element: &str) -> rdv_core::Result<Vec<rdv_core::Uuid>> {
        Ok(self.try_get(col).map_err(StorageError::from)?)
    }
}

impl SqlBackend for PgStore {
    type Row = PgRow;
    type Tx = sqlx::Transaction<'static, Postgres>;

    const SKIP_LOCKED: &'static str = " FOR UPDATE SKIP LOCKED";
    const BYTE_ORDER: &'static str = " COLLATE \"C\"";
    const JSON_PARAM: &'static str = "::jsonb";
    const JSON_TEXT: &'static str = "::text";

    fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }

    async fn begin(&self) -> Result<Self::Tx, StorageError> {
        Ok(self.pool.begin().await?)
    }

    async fn commit(tx: Self::Tx) -> Result<(), StorageError> {
        Ok(tx.commit().await?)
    }

    async fn rollback(tx: Self::Tx) -> Result<(), StorageError> {
        Ok(tx.rollback().await?)
    }

    async fn serialise_on(tx: &mut Self::Tx, key: rdv_core::Uuid) -> Result<(), StorageError> {
        // Released at commit or rollback; one lock per transaction, so no wait cycle.
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(super::lock_key(key))
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn execute(tx: &mut Self::Tx, statement: &Statement) -> Result<u64, StorageError> {
        let done = query(statement).execute(&mut **tx).await?;
        Ok(done.rows_affected())
    }

    async fn fetch(tx: &mut Self::Tx, statement: &Statement) -> Result<Vec<PgRow>, StorageError> {
        Ok(query(statement).fetch_all(&mut **tx).await?)
    }

    async fn read(&self, statement: &Statement) -> Result<Vec<PgRow>, StorageError> {
        Ok(query(statement).fetch_all(&self.pool).await?)
    }
}
