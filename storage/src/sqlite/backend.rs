//! SQLite's side of the shared SQL layer: how [`Value`]s are bound (identifiers as text,
//! booleans as `0`/`1`), how rows are read, and how a write transaction begins (the store's
//! write turn, then `BEGIN IMMEDIATE`).

use sqlx::sqlite::SqliteRow;
use sqlx::{Row, Sqlite};

use super::{SqliteStore, WriteTx};
use crate::codec::uuid;
use crate::crypto::FieldCipher;
use crate::error::StorageError;
use crate::sql::{self, Query, SqlBackend, SqlRow, Statement};

/// A statement of the shared layer, bound for SQLite: booleans as `0`/`1`, identifiers as
/// text.
pub(crate) fn query(statement: &Statement) -> Query<'_, Sqlite> {
    sql::bind(
        statement,
        |query, flag| query.bind(i64::from(flag)),
        |query, id| query.bind(id.map(|id| id.to_string())),
    )
}

impl SqlRow for SqliteRow {
    sql::plain_columns!();
    fn flag(&self, col: &str) -> Result<bool, StorageError> {
        Ok(self.try_get::<i64, _>(col)? == 1)
    }
    fn id(&self, col: &str) -> rdv_core::Result<rdv_core::Uuid> {
        uuid(col, &self.text(col)?)
    }
    fn opt_id(&self, col: &str) -> rdv_core::Result<Option<rdv_core::Uuid>> {
        self.opt_text(col)?.map(|s| uuid(col, &s)).transpose()
    }
    fn id_list(&self, col: &str, element: &str) -> rdv_core::Result<Vec<rdv_core::Uuid>> {
        self.opt_text(col)?
            .unwrap_or_default()
            .split(',')
            .filter(|s| !s.is_empty())
            .map(|s| uuid(element, s))
            .collect()
    }
}

impl SqlBackend for SqliteStore {
    type Row = SqliteRow;
    type Tx = WriteTx;

    const SKIP_LOCKED: &'static str = "";
    const BYTE_ORDER: &'static str = "";
    const JSON_PARAM: &'static str = "";
    const JSON_TEXT: &'static str = "";

    fn cipher(&self) -> &FieldCipher {
        &self.cipher
    }

    async fn begin(&self) -> Result<WriteTx, StorageError> {
        Ok(WriteTx::begin(&self.read, &self.write_turn).await?)
    }

    async fn commit(tx: WriteTx) -> Result<(), StorageError> {
        Ok(tx.commit().await?)
    }

    async fn rollback(tx: WriteTx) -> Result<(), StorageError> {
        Ok(tx.rollback().await?)
    }

    async fn serialise_on(_tx: &mut WriteTx, _key: rdv_core::Uuid) -> Result<(), StorageError> {
        // The transaction holds the store's write turn: no other writer runs until it ends.
        Ok(())
    }

    async fn execute(tx: &mut WriteTx, statement: &Statement) -> Result<u64, StorageError> {
        let done = query(statement).execute(&mut **tx).await?;
        Ok(done.rows_affected())
    }

    async fn fetch(
        tx: &mut WriteTx,
        statement: &Statement,
    ) -> Result<Vec<SqliteRow>, StorageError> {
        Ok(query(statement).fetch_all(&mut **tx).await?)
    }

    async fn read(&self, statement: &Statement) -> Result<Vec<SqliteRow>, StorageError> {
        Ok(query(statement)
            .fetch_all(&mut *self.reader().await)
            .await?)
    }
}
