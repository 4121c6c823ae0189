//! Conversions shared by both backends: JSON columns, statuses, and database errors mapped to
//! the core's typed errors (constraint names → `BOOKING_OVERLAP`, …, never a 500).

use rdv_core::model::ReservationStatus;
use rdv_core::{Error, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Longest blocked range of a reservation, in seconds (2 days: a 12-hour service with 4-hour buffers is 20 hours); the schema checks it, and range
/// queries rely on it to bound their index scans.
pub const MAX_BLOCKED_SECS: i64 = 2 * 86_400;

/// Longest availability window, in seconds (31 days, the core's limit).
pub const MAX_WINDOW_SECS: i64 = 31 * 86_400;

/// Serialises a value for a JSON column.
pub fn to_json<T: Serialize>(value: &T) -> Result<String> {
    serde_json::to_string(value).map_err(|e| Error::Storage {
        message: format!("cannot encode JSON column: {e}"),
    })
}

/// Reads a JSON column.
pub fn from_json<T: DeserializeOwned>(column: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Storage {
        message: format!("column {column} holds invalid JSON: {e}"),
    })
}

/// Reads a JSON value whose strings borrow from `text` (aggregated rows, read without a copy).
pub fn from_json_borrowed<'a, T: serde::Deserialize<'a>>(column: &str, text: &'a str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::Storage {
        message: format!("column {column} holds invalid JSON: {e}"),
    })
}

/// Reads a status column.
pub fn status(text: &str) -> Result<ReservationStatus> {
    ReservationStatus::parse(text).map_err(|_| Error::Storage {
        message: format!("unknown reservation status {text:?} in the database"),
    })
}

/// Reads a UUID stored as text.
pub fn uuid(column: &str, text: &str) -> Result<uuid::Uuid> {
    uuid::Uuid::parse_str(text).map_err(|_| Error::Storage {
        message: format!("column {column} holds an invalid UUID"),
    })
}

/// Maps a database error to the core's error: the constraints of
/// [`crate::error::CONSTRAINTS`] become their typed conflicts, serialisation failures a
/// retryable conflict, the rest a storage error.
pub fn db_error(e: sqlx::Error) -> Error {
    crate::error::StorageError::from(e).into()
}

/// Converts a count read from the database.
pub fn u32_col(column: &str, value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| Error::Storage {
        message: format!("column {column} out of range: {value}"),
    })
}
