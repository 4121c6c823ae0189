//! The SQL layer both backends share: the [`SqlBackend`] trait (what really differs between
//! SQLite and PostgreSQL), statements with their parameters ([`Statement`]), row mappers
//! ([`rows`]), query builders with their column lists ([`queries`]), the statistics
//! aggregates ([`stats`]), the waitlist ([`waitlist`]), busy times ([`busy_times`]) and the client file ([`contacts`]).
//!
//! Code written once over [`SqlBackend`] (the server's own tables in [`crate::app`], the
//! mappers and builders here) never names a driver: it binds [`Value`]s, which each backend
//! binds its own way (a UUID as text on SQLite, as `uuid` on PostgreSQL; a boolean as `0`/`1`
//! on SQLite), and reads rows through [`SqlRow`].

pub mod busy_times;
pub mod contacts;
pub mod queries;
pub mod rows;
pub mod stats;
pub mod waitlist;

use std::borrow::Cow;
use std::future::Future;

use rdv_core::Uuid;

use crate::crypto::FieldCipher;
use crate::error::StorageError;

/// A parameter of a statement.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// Text.
    Text(String),
    /// Optional text.
    OptText(Option<String>),
    /// An integer.
    Int(i64),
    /// An optional integer.
    OptInt(Option<i64>),
    /// A boolean (`0`/`1` on SQLite).
    Bool(bool),
    /// An identifier of a booking table (text on SQLite, `uuid` on PostgreSQL).
    Id(Uuid),
    /// An optional identifier of a booking table.
    OptId(Option<Uuid>),
}

/// SQL text with its parameters, in order. Fixed texts use `$1`, `$2`, … (both drivers read
/// them); built texts get their placeholders from [`Statement::push_bind`].
#[derive(Clone, Debug)]
pub struct Statement {
    /// The text.
    pub sql: Cow<'static, str>,
    /// The parameters, `$1` first.
    pub args: Vec<Value>,
}

impl Statement {
    /// A statement with no parameter yet.
    pub fn new(sql: impl Into<Cow<'static, str>>) -> Self {
        Self {
            sql: sql.into(),
            args: Vec::new(),
        }
    }

    /// Adds the next parameter (the text already holds its placeholder).
    pub fn bind(mut self, value: Value) -> Self {
        self.args.push(value);
        self
    }

    /// Adds a text parameter.
    pub fn text(self, value: impl Into<String>) -> Self {
        self.bind(Value::Text(value.into()))
    }

    /// Adds an integer parameter.
    pub fn int(self, value: i64) -> Self {
        self.bind(Value::Int(value))
    }

    /// Appends text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.to_mut().push_str(sql);
        self
    }

    /// Appends the placeholder of a new parameter (`$n`) and adds it.
    pub fn push_bind(&mut self, value: Value) -> &mut Self {
        self.args.push(value);
        let n = self.args.len();
        let sql = self.sql.to_mut();
        sql.push('$');
        sql.push_str(&n.to_string());
        self
    }

    /// Appends `$a, $b, …`, one placeholder per value.
    pub fn push_list(&mut self, values: impl IntoIterator<Item = Value>) -> &mut Self {
        for (k, value) in values.into_iter().enumerate() {
            if k > 0 {
                self.push(", ");
            }
            self.push_bind(value);
        }
        self
    }
}

/// A query of driver `DB` (its arguments borrowed from a [`Statement`]).
pub(crate) type Query<'q, DB> = sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>;

/// A statement bound for driver `DB`: text and integers the same way for every driver,
/// booleans through `flag` and identifiers through `id` (an identifier as `Some`), the two
/// kinds each driver stores its own way. Each backend's `backend::query` calls it.
pub(crate) fn bind<'q, DB>(
    statement: &'q Statement,
    flag: impl Fn(Query<'q, DB>, bool) -> Query<'q, DB>,
    id: impl Fn(Query<'q, DB>, Option<Uuid>) -> Query<'q, DB>,
) -> Query<'q, DB>
where
    DB: sqlx::Database,
    &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    let query = sqlx::query::<DB>(&statement.sql);
    statement
        .args
        .iter()
        .fold(query, |query, value| match value {
            Value::Text(s) => query.bind(s.as_str()),
            Value::OptText(s) => query.bind(s.as_deref()),
            Value::Int(i) => query.bind(*i),
            Value::OptInt(i) => query.bind(*i),
            Value::Bool(b) => flag(query, *b),
            Value::Id(v) => id(query, Some(*v)),
            Value::OptId(v) => id(query, *v),
        })
}

/// The methods of [`SqlRow`] that every driver decodes as they are (text, integers, reals),
/// for each backend's `impl SqlRow` (which adds the flag and identifier columns).
macro_rules! plain_columns {
    () => {
        fn text(&self, col: &str) -> Result<String, StorageError> {
            Ok(sqlx::Row::try_get(self, col)?)
        }
        fn opt_text(&self, col: &str) -> Result<Option<String>, StorageError> {
            Ok(sqlx::Row::try_get(self, col)?)
        }
        fn int(&self, col: &str) -> Result<i64, StorageError> {
            Ok(sqlx::Row::try_get(self, col)?)
        }
        fn opt_int(&self, col: &str) -> Result<Option<i64>, StorageError> {
            Ok(sqlx::Row::try_get(self, col)?)
        }
        fn real(&self, col: &str) -> Result<f64, StorageError> {
            Ok(sqlx::Row::try_get(self, col)?)
        }
    };
}
pub(crate) use plain_columns;

/// Reading a row's columns by name; what differs is how identifiers, booleans and id lists
/// are stored.
pub trait SqlRow: Send + Sync {
    /// A text column.
    fn text(&self, col: &str) -> Result<String, StorageError>;
    /// A nullable text column.
    fn opt_text(&self, col: &str) -> Result<Option<String>, StorageError>;
    /// An integer column.
    fn int(&self, col: &str) -> Result<i64, StorageError>;
    /// A nullable integer column.
    fn opt_int(&self, col: &str) -> Result<Option<i64>, StorageError>;
    /// A floating-point column.
    fn real(&self, col: &str) -> Result<f64, StorageError>;
    /// A boolean column (SQLite: an integer, true when `1`).
    fn flag(&self, col: &str) -> Result<bool, StorageError>;
    /// An identifier of a booking table (SQLite: text).
    fn id(&self, col: &str) -> rdv_core::Result<Uuid>;
    /// A nullable identifier of a booking table.
    fn opt_id(&self, col: &str) -> rdv_core::Result<Option<Uuid>>;
    /// A list of identifiers (SQLite: comma-separated text, maybe null; PostgreSQL: `uuid[]`);
    /// `element` names one in error messages.
    fn id_list(&self, col: &str, element: &str) -> rdv_core::Result<Vec<Uuid>>;
}

/// What differs between the SQL backends, for code written once over both: the driver's row,
/// how a write transaction begins and ends, where a single read runs, and a few SQL
/// spellings. Implemented by [`crate::SqliteStore`] and [`crate::PgStore`].
pub trait SqlBackend: Send + Sync {
    /// A row of the driver.
    type Row: SqlRow;
    /// An open write transaction (SQLite: holding the store's write turn).
    type Tx: Send;

    /// Ends the row selection of a queue claim: `FOR UPDATE SKIP LOCKED` on PostgreSQL, empty
    /// on SQLite (writers take turns).
    const SKIP_LOCKED: &'static str;
    /// Follows a text column or parameter to compare it in byte order (PostgreSQL's
    /// `COLLATE "C"`; SQLite compares bytes already).
    const BYTE_ORDER: &'static str;
    /// Follows the placeholder of a JSON text parameter (PostgreSQL: `::jsonb`).
    const JSON_PARAM: &'static str;
    /// Follows a JSON column read as text (PostgreSQL: `::text`).
    const JSON_TEXT: &'static str;

    /// The cipher of sensitive fields.
    fn cipher(&self) -> &FieldCipher;
    /// Opens a write transaction (SQLite: waits for the write turn, then `BEGIN IMMEDIATE`).
    fn begin(&self) -> impl Future<Output = Result<Self::Tx, StorageError>> + Send;
    /// Commits.
    fn commit(tx: Self::Tx) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Rolls back.
    fn rollback(tx: Self::Tx) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Makes the write transactions that call this with the same `key` wait for each other
    /// until they end, so a count then a write inside one stays true (PostgreSQL: a
    /// transaction-scoped advisory lock on the key; SQLite: nothing to do, write
    /// transactions take turns already).
    fn serialise_on(
        tx: &mut Self::Tx,
        key: Uuid,
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
    /// Runs a statement in a transaction; the rows it affected.
    fn execute(
        tx: &mut Self::Tx,
        statement: &Statement,
    ) -> impl Future<Output = Result<u64, StorageError>> + Send;
    /// Runs a query in a transaction; its rows.
    fn fetch(
        tx: &mut Self::Tx,
        statement: &Statement,
    ) -> impl Future<Output = Result<Vec<Self::Row>, StorageError>> + Send;
    /// Runs one read outside any transaction (SQLite: on a store-owned read connection;
    /// PostgreSQL: on the pool); its rows.
    fn read(
        &self,
        statement: &Statement,
    ) -> impl Future<Output = Result<Vec<Self::Row>, StorageError>> + Send;
}
