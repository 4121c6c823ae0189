//! The storage crate's own error, and the table that gives database constraints their meaning.
//!
//! Inside the crate a failure is a [`StorageError`], which keeps the `sqlx` error it came from
//! (its `source()`). At the port boundary it becomes an [`rdv_core::Error`]: the constraints
//! listed in [`CONSTRAINTS`] become the core's typed conflicts (`BOOKING_OVERLAP`, …),
//! serialisation failures a retryable `CONCURRENT_MODIFICATION`, anything else a
//! `STORAGE_ERROR` whose message is the database's (servers log it, never return it).
//!
//! **How each backend names a constraint.** PostgreSQL reports the violated constraint's
//! name (`DatabaseError::constraint()`), for exclusion and unique constraints alike. SQLite
//! reports none: a trigger's `RAISE(ABORT, '…')` is the whole error message, and a `UNIQUE`
//! index gives `UNIQUE constraint failed: table.column[, table.column…]`. Each entry of
//! [`CONSTRAINTS`] therefore says the constraint's name and the exact SQLite signal that
//! stands for it, and both are compared whole, never as a substring.

use rdv_core::Error;

/// A failure inside the storage crate.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database (or the driver) refused or failed a statement.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    /// A migration could not be applied.
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// What SQLite says when a constraint is violated.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SqliteSignal {
    /// A trigger's `RAISE(ABORT, text)`: the error message is exactly `text`.
    Raise(&'static str),
    /// A unique index or primary key over these columns (`table.column`, comma-separated as
    /// SQLite lists them): the message is `UNIQUE constraint failed: <columns>`.
    Unique(&'static str),
}

impl SqliteSignal {
    /// Whether `message` (a SQLite error message, whole) is this signal.
    pub fn matches(self, message: &str) -> bool {
        match self {
            SqliteSignal::Raise(text) => message == text,
            SqliteSignal::Unique(columns) => message
                .strip_prefix("UNIQUE constraint failed: ")
                .is_some_and(|rest| rest == columns),
        }
    }
}

/// A named database constraint with a meaning in the core.
#[derive(Clone, Copy, Debug)]
pub struct Constraint {
    /// The constraint's name (PostgreSQL's constraint, SQLite's trigger text).
    pub name: &'static str,
    /// How SQLite reports it.
    pub sqlite: SqliteSignal,
    /// The core's error for a violation.
    pub conflict: fn() -> Error,
}

/// Every constraint the core gives a typed meaning (migrations `0001` and `0006` of each
/// backend; `one_business_per_owner`, SQLite's `0008` and PostgreSQL's `0007`;
/// `waitlist_one_open_place`, SQLite's `0013` and PostgreSQL's `0012`). A violation
/// of any other constraint is a storage error.
pub const CONSTRAINTS: &[Constraint] = &[
    Constraint {
        name: "reservations_client_no_overlap",
        sqlite: SqliteSignal::Raise("reservations_client_no_overlap"),
        conflict: || Error::ClientDoubleBooked,
    },
    Constraint {
        name: "reservations_no_overlap",
        sqlite: SqliteSignal::Raise("reservations_no_overlap"),
        conflict: || Error::BookingOverlap,
    },
    Constraint {
        name: "availability_windows_no_overlap",
        sqlite: SqliteSignal::Raise("availability_windows_no_overlap"),
        conflict: || Error::AvailabilityOverlap {
            existing: "a stored window".into(),
        },
    },
    Constraint {
        name: "businesses_one_per_owner",
        sqlite: SqliteSignal::Unique("businesses.owner_id"),
        conflict: || Error::OwnerHasBusiness,
    },
    Constraint {
        name: "waitlist_one_open_place",
        sqlite: SqliteSignal::Unique("waitlist_entries.client_id, waitlist_entries.service_id"),
        conflict: || Error::AlreadyOnWaitlist,
    },
];

/// The entry of [`CONSTRAINTS`] a database error reports, if any: by the constraint name
/// PostgreSQL gives, else by SQLite's whole message.
pub fn violated_constraint(db: &dyn sqlx::error::DatabaseError) -> Option<&'static Constraint> {
    match db.constraint() {
        Some(name) => CONSTRAINTS.iter().find(|c| c.name == name),
        None => CONSTRAINTS.iter().find(|c| c.sqlite.matches(db.message())),
    }
}

/// PostgreSQL's `serialization_failure` and `deadlock_detected`: the transaction may be
/// retried.
const RETRYABLE_CODES: [&str; 2] = ["40001", "40P01"];

impl From<StorageError> for Error {
    fn from(e: StorageError) -> Error {
        if let StorageError::Database(sqlx::Error::Database(db)) = &e {
            if let Some(constraint) = violated_constraint(db.as_ref()) {
                return (constraint.conflict)();
            }
            if db
                .code()
                .is_some_and(|c| RETRYABLE_CODES.contains(&c.as_ref()))
            {
                return Error::ConcurrentModification;
            }
        }
        Error::Storage {
            message: e.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_signals_match_whole_messages_only() {
        let raise = SqliteSignal::Raise("reservations_no_overlap");
        assert!(raise.matches("reservations_no_overlap"));
        assert!(!raise.matches("reservations_no_overlap_x"));
        assert!(!raise.matches("x reservations_no_overlap"));
        let unique = SqliteSignal::Unique("users.email");
        assert!(unique.matches("UNIQUE constraint failed: users.email"));
        assert!(!unique.matches("UNIQUE constraint failed: users.email_x"));
    }

    #[test]
    fn constraint_names_are_distinct() {
        for (i, a) in CONSTRAINTS.iter().enumerate() {
            for b in &CONSTRAINTS[i + 1..] {
                assert_ne!(a.name, b.name);
                assert_ne!(a.sqlite, b.sqlite);
            }
        }
    }
}
