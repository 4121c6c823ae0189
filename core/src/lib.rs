//! # rdv-core — the booking rules, pure
//!
//! Every rule that decides what may be booked lives here, as plain functions over validated
//! types: overlap detection, past-date and notice checks, opening hours in the business's time
//! zone, recurrence expansion, slot computation, booking validation and the reservation
//! lifecycle. The crate performs no I/O and never reads the system clock: `now` is always an
//! argument. Use cases reach data only through the storage traits in [`ports`], so the same
//! rules run in the reference server, in browsers (WASM) and in mobile apps (uniffi).
//!
//! With the `openapi` feature (off by default, used by the server only), the types that travel
//! over HTTP implement `utoipa::ToSchema`; the schemas describe exactly their serde JSON.
#![warn(missing_docs)]

pub mod availability;
pub mod booking;
pub mod business_status;
pub mod busy_times;
pub mod calendar;
pub mod catalog;
pub mod client_search;
#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
pub mod contacts;
pub mod error;
pub mod hours;
pub mod imports;
pub mod lifecycle;
pub mod memory;
pub mod model;
pub mod money;
#[cfg(feature = "openapi")]
mod openapi;
pub mod overlap;
pub mod ports;
pub mod recurrence;
pub mod resources;
pub mod scope;
pub mod search;
pub mod slots;
pub mod stats;
pub mod time;
pub mod time_limits;
pub mod tz;
pub mod usecases;
pub mod validation;
pub mod visibility;
pub mod waitlist;
pub mod window_changes;

pub use error::{Error, ErrorCode, FieldError, Result};
pub use model::Uuid;
pub use overlap::OverlapIndex;
pub use recurrence::{Expansion, Recurrence, RecurrenceRule};
pub use time::{Interval, Timestamp};
