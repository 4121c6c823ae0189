//! The core's one error type and its stable machine codes (CORE-7).
//!
//! Every failure a booking rule can produce is a variant of [`Error`]. Each variant carries
//! structured fields (which resource, which deadline, which field) and maps to one
//! [`ErrorCode`], a stable `SCREAMING_SNAKE_CASE` string that front ends match on. The same
//! codes travel through HTTP problem documents, the WASM package and the Kotlin/Swift/Python
//! bindings. A code is never renamed or reused; new failures get new codes.
//!
//! The human-readable table of every code lives in `docs/error-codes.md`; a unit test fails if
//! that table and [`ErrorCode::ALL`] disagree.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Result type of every fallible core function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem with one input field (ERR-5): which field, a stable code, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// Path of the offending field, e.g. `"email"`, `"opening_hours.monday[1].end"`.
    pub field: String,
    /// Stable code of the problem, e.g. `"too_long"`, `"invalid_format"`, `"out_of_range"`.
    pub code: String,
    /// Lowercase English explanation naming the field and the limit.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// Returns a copy whose field path is prefixed, e.g. `items[3].` + `start`.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.field = format!("{prefix}{}", self.field);
        self
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// The outcome of one item of a bulk operation that was rejected as a whole (AV-2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemFailure {
    /// Zero-based position of the item in the request.
    pub index: usize,
    /// Stable code of the item's error ([`ErrorCode::as_str`]).
    pub code: String,
    /// Readable reason.
    pub message: String,
}

/// Kind of entity named by [`Error::NotFound`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// A business.
    Business,
    /// A resource (staff member, room) of a business.
    Resource,
    /// A service offered by a business.
    Service,
    /// A client profile.
    Client,
    /// An availability window.
    Availability,
    /// A reservation.
    Reservation,
    /// A place on a waitlist.
    WaitlistEntry,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::Business => "business",
            Entity::Resource => "resource",
            Entity::Service => "service",
            Entity::Client => "client",
            Entity::Availability => "availability",
            Entity::Reservation => "reservation",
            Entity::WaitlistEntry => "waitlist entry",
        })
    }
}

/// Every failure of a booking rule or use case.
///
/// Messages are lowercase and name the field or limit involved; match on [`Error::code`]
/// rather than on the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// One or more input fields are invalid (ERR-5, ERR-6, ERR-7, SVC-1, SVC-2).
    #[error("validation failed: {}", join_fields(.errors))]
    Validation {
        /// Every problem found, not only the first.
        errors: Vec<FieldError>,
    },
    /// An interval whose end is not after its start, or which is absurdly long.
    #[error("invalid interval: {reason}")]
    InvalidInterval {
        /// Why the interval is refused.
        reason: String,
    },
    /// A requested range of days is larger than the engine accepts for one call.
    #[error("range too large: at most {max_days} days per request")]
    RangeTooLarge {
        /// Largest accepted range.
        max_days: u32,
    },
    /// The requested start is before the current time (VAL-1).
    #[error("slot in the past: starts at {start}, now is {now}")]
    SlotInPast {
        /// Requested start.
        start: Timestamp,
        /// The injected current time.
        now: Timestamp,
    },
    /// The requested start is sooner than the service's minimum notice allows.
    #[error("minimum notice not met: earliest bookable start is {earliest}")]
    MinimumNotice {
        /// First start that respects the notice.
        earliest: Timestamp,
    },
    /// The requested start is further ahead than the service's booking horizon.
    #[error("beyond booking horizon: latest bookable start is {latest}")]
    BeyondHorizon {
        /// Last start inside the horizon.
        latest: Timestamp,
    },
    /// The requested time is not inside any availability window of the resource.
    #[error("outside availability: the resource has no availability window covering the request")]
    OutsideAvailability,
    /// The requested time is not inside the business's opening hours (VAL-2, BIZ-3).
    #[error("outside opening hours")]
    OutsideOpeningHours,
    /// The business is closed (holiday or exceptional closure) at the requested time (BIZ-4).
    #[error("business closed at the requested time")]
    BusinessClosed,
    /// The requested start is not one of the slot starts the service offers.
    #[error("not on the slot grid: slots start every {step_minutes} minutes from the window start")]
    NotOnSlotGrid {
        /// The service's slot step.
        step_minutes: u32,
    },
    /// The resource already has a reservation overlapping the requested time (RES-3).
    #[error("booking overlap: the resource is already booked at that time")]
    BookingOverlap,
    /// The request does not overlap a reservation but violates its buffer time.
    #[error("buffer conflict: too close to another reservation of the resource")]
    BufferConflict,
    /// Every seat of the group slot is taken.
    #[error("slot full: all {seats} seats are taken")]
    SlotFull {
        /// Seats of the slot.
        seats: u32,
    },
    /// The client already holds an active reservation overlapping the requested time (RES-3).
    #[error("client double booked: the client already has a reservation at that time")]
    ClientDoubleBooked,
    /// The service is not active and cannot be booked (PERM-3).
    #[error("service inactive")]
    ServiceInactive,
    /// The business has not been validated by an administrator (BIZ-1, PERM-2).
    #[error("business not validated")]
    BusinessNotValidated,
    /// The chosen resource does not perform the service.
    #[error("resource not eligible: the resource does not perform this service")]
    ResourceNotEligible,
    /// The reservation's status does not allow this transition (CORE-6).
    #[error("invalid status transition from {from} to {to}")]
    InvalidStatusTransition {
        /// Current status.
        from: String,
        /// Requested status.
        to: String,
    },
    /// The actor is not allowed to perform this transition.
    #[error("transition not allowed for {actor}: {action}")]
    TransitionNotAllowed {
        /// Who tried.
        actor: String,
        /// What was tried.
        action: String,
    },
    /// The transition is only possible once the appointment has started (complete, no-show).
    #[error("transition too early: {action} is possible from {earliest}")]
    TransitionTooEarly {
        /// What was tried.
        action: String,
        /// First instant at which it is possible.
        earliest: Timestamp,
    },
    /// A client tried to cancel after the service's cancellation deadline.
    #[error("cancellation deadline passed at {deadline}")]
    CancellationDeadlinePassed {
        /// Last instant at which the client could cancel.
        deadline: Timestamp,
    },
    /// The reservation was already rescheduled the maximum number of times.
    #[error("reschedule limit reached: at most {max} reschedules")]
    RescheduleLimitReached {
        /// Maximum number of reschedules per reservation.
        max: u32,
    },
    /// A new or moved availability window overlaps another of the same resource (AV-4).
    #[error("availability overlap with window {existing}")]
    AvailabilityOverlap {
        /// Identifier of the window already there.
        existing: String,
    },
    /// Moving, shrinking or deleting an availability window would leave reservations outside
    /// it, and the request did not say what to do with them
    /// ([`crate::window_changes::HeldReservations`]); nothing changed.
    #[error("the window holds {} reservation(s): say whether to keep or cancel them", .reservations.len())]
    WindowHoldsReservations {
        /// The reservations the change would displace, with who booked.
        reservations: Vec<crate::ports::ReservationView>,
    },
    /// The owner already has a business: an owner has at most one (BIZ-1).
    #[error("owner has a business: an owner has at most one business")]
    OwnerHasBusiness,
    /// The resource is deactivated: it takes no new bookings and no reservation moves to it
    /// ([`crate::resources`]).
    #[error("resource inactive: the resource takes no new bookings")]
    ResourceInactive,
    /// The resource still holds active reservations that have not ended, so it cannot be
    /// deleted; nothing changed ([`crate::resources`]). Deactivate it to decide what happens
    /// to each of them.
    #[error("the resource holds {} reservation(s) that have not ended: deactivate it and keep, cancel or move them first", .reservations.len())]
    ResourceHasReservations {
        /// The reservations in the way, with who booked.
        reservations: Vec<crate::ports::ReservationView>,
    },
    /// Deleting the resource would leave services with no resource to perform them; nothing
    /// changed ([`crate::resources`]).
    #[error("the resource is the only one of {} service(s): give them another resource first", .services.len())]
    LastResourceOfService {
        /// The services it alone performs.
        services: Vec<crate::model::ServiceId>,
    },
    /// A recurrence rule could not be parsed or is not supported (CORE-4).
    #[error("invalid recurrence rule: {reason}")]
    InvalidRecurrence {
        /// What is wrong, naming the rule part.
        reason: String,
    },
    /// Expanding a recurrence would produce more occurrences than allowed.
    #[error("recurrence too large: more than {limit} occurrences")]
    RecurrenceTooLarge {
        /// Occurrence limit.
        limit: usize,
    },
    /// The time-zone name is not an IANA zone known to the engine.
    #[error("unknown time zone {name:?}")]
    UnknownTimeZone {
        /// The name received.
        name: String,
    },
    /// An entity does not exist (or is not visible to the caller).
    #[error("{entity} not found")]
    NotFound {
        /// Kind of entity.
        entity: Entity,
    },
    /// A bulk operation was rejected as a whole; every failing item is listed (AV-2).
    #[error("bulk operation rejected: {} item(s) failed", .failures.len())]
    BulkRejected {
        /// Failing items with their codes.
        failures: Vec<ItemFailure>,
    },
    /// A client asked to join the waitlist of a time range that still has a free slot: book
    /// it instead ([`crate::waitlist`]).
    #[error("slots available: {count} free slot(s) in this range, book one instead")]
    SlotsAvailable {
        /// How many free slots the range has (at least).
        count: usize,
    },
    /// The client already waits for this service ([`crate::waitlist`]).
    #[error("already on the waitlist of this service")]
    AlreadyOnWaitlist,
    /// The waitlist offer ran out before the claim; the seat passed on ([`crate::waitlist`]).
    #[error("offer expired at {expired_at}")]
    OfferExpired {
        /// When it ran out.
        expired_at: Timestamp,
    },
    /// Another writer changed the same record first; reload and retry.
    #[error("concurrent modification, retry the operation")]
    ConcurrentModification,
    /// The snapshot format version is not supported by this engine.
    #[error("unsupported snapshot version {found}, expected {expected}")]
    UnsupportedSnapshotVersion {
        /// Version received.
        found: u32,
        /// Version this engine reads.
        expected: u32,
    },
    /// Stored data failed its integrity check (a tampered or corrupted encrypted field, an
    /// unknown encryption key id).
    #[error("data integrity: {field} could not be decrypted")]
    DataIntegrity {
        /// Which stored field.
        field: String,
    },
    /// A storage port failed for a reason unrelated to booking rules.
    #[error("storage error: {message}")]
    Storage {
        /// Internal detail; servers log it and never return it to callers.
        message: String,
    },
}

fn join_fields(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// Stable machine code of an [`Error`]; the contract with every front end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ErrorCode {
    /// See [`Error::Validation`].
    ValidationFailed,
    /// See [`Error::InvalidInterval`].
    InvalidInterval,
    /// See [`Error::RangeTooLarge`].
    RangeTooLarge,
    /// See [`Error::SlotInPast`].
    SlotInPast,
    /// See [`Error::MinimumNotice`].
    MinimumNotice,
    /// See [`Error::BeyondHorizon`].
    BeyondBookingHorizon,
    /// See [`Error::OutsideAvailability`].
    OutsideAvailability,
    /// See [`Error::OutsideOpeningHours`].
    OutsideOpeningHours,
    /// See [`Error::BusinessClosed`].
    BusinessClosed,
    /// See [`Error::NotOnSlotGrid`].
    NotOnSlotGrid,
    /// See [`Error::BookingOverlap`].
    BookingOverlap,
    /// See [`Error::BufferConflict`].
    BufferConflict,
    /// See [`Error::SlotFull`].
    SlotFull,
    /// See [`Error::ClientDoubleBooked`].
    ClientDoubleBooked,
    /// See [`Error::ServiceInactive`].
    ServiceInactive,
    /// See [`Error::BusinessNotValidated`].
    BusinessNotValidated,
    /// See [`Error::ResourceNotEligible`].
    ResourceNotEligible,
    /// See [`Error::InvalidStatusTransition`].
    InvalidStatusTransition,
    /// See [`Error::TransitionNotAllowed`].
    TransitionNotAllowed,
    /// See [`Error::TransitionTooEarly`].
    TransitionTooEarly,
    /// See [`Error::CancellationDeadlinePassed`].
    CancellationDeadlinePassed,
    /// See [`Error::RescheduleLimitReached`].
    RescheduleLimitReached,
    /// See [`Error::AvailabilityOverlap`].
    AvailabilityOverlap,
    /// See [`Error::WindowHoldsReservations`].
    WindowHoldsReservations,
    /// See [`Error::OwnerHasBusiness`].
    OwnerHasBusiness,
    /// See [`Error::ResourceInactive`].
    ResourceInactive,
    /// See [`Error::ResourceHasReservations`].
    ResourceHasReservations,
    /// See [`Error::LastResourceOfService`].
    LastResourceOfService,
    /// See [`Error::InvalidRecurrence`].
    InvalidRecurrence,
    /// See [`Error::RecurrenceTooLarge`].
    RecurrenceTooLarge,
    /// See [`Error::UnknownTimeZone`].
    UnknownTimeZone,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::BulkRejected`].
    BulkRejected,
    /// See [`Error::SlotsAvailable`].
    SlotsAvailable,
    /// See [`Error::AlreadyOnWaitlist`].
    AlreadyOnWaitlist,
    /// See [`Error::OfferExpired`].
    OfferExpired,
    /// See [`Error::ConcurrentModification`].
    ConcurrentModification,
    /// See [`Error::UnsupportedSnapshotVersion`].
    UnsupportedSnapshotVersion,
    /// See [`Error::DataIntegrity`].
    DataIntegrity,
    /// See [`Error::Storage`].
    StorageError,
}

impl ErrorCode {
    /// Every code, in documentation order.
    pub const ALL: [ErrorCode; 40] = [
        ErrorCode::ValidationFailed,
        ErrorCode::InvalidInterval,
        ErrorCode::RangeTooLarge,
        ErrorCode::SlotInPast,
        ErrorCode::MinimumNotice,
        ErrorCode::BeyondBookingHorizon,
        ErrorCode::OutsideAvailability,
        ErrorCode::OutsideOpeningHours,
        ErrorCode::BusinessClosed,
        ErrorCode::NotOnSlotGrid,
        ErrorCode::BookingOverlap,
        ErrorCode::BufferConflict,
        ErrorCode::SlotFull,
        ErrorCode::ClientDoubleBooked,
        ErrorCode::ServiceInactive,
        ErrorCode::BusinessNotValidated,
        ErrorCode::ResourceNotEligible,
        ErrorCode::InvalidStatusTransition,
        ErrorCode::TransitionNotAllowed,
        ErrorCode::TransitionTooEarly,
        ErrorCode::CancellationDeadlinePassed,
        ErrorCode::RescheduleLimitReached,
        ErrorCode::AvailabilityOverlap,
        ErrorCode::WindowHoldsReservations,
        ErrorCode::OwnerHasBusiness,
        ErrorCode::ResourceInactive,
        ErrorCode::ResourceHasReservations,
        ErrorCode::LastResourceOfService,
        ErrorCode::InvalidRecurrence,
        ErrorCode::RecurrenceTooLarge,
        ErrorCode::UnknownTimeZone,
        ErrorCode::NotFound,
        ErrorCode::BulkRejected,
        ErrorCode::SlotsAvailable,
        ErrorCode::AlreadyOnWaitlist,
        ErrorCode::OfferExpired,
        ErrorCode::ConcurrentModification,
        ErrorCode::UnsupportedSnapshotVersion,
        ErrorCode::DataIntegrity,
        ErrorCode::StorageError,
    ];

    /// The stable string form, e.g. `"BOOKING_OVERLAP"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorCode::ValidationFailed => "VALIDATION_FAILED",
            ErrorCode::InvalidInterval => "INVALID_INTERVAL",
            ErrorCode::RangeTooLarge => "RANGE_TOO_LARGE",
            ErrorCode::SlotInPast => "SLOT_IN_PAST",
            ErrorCode::MinimumNotice => "MINIMUM_NOTICE",
            ErrorCode::BeyondBookingHorizon => "BEYOND_BOOKING_HORIZON",
            ErrorCode::OutsideAvailability => "OUTSIDE_AVAILABILITY",
            ErrorCode::OutsideOpeningHours => "OUTSIDE_OPENING_HOURS",
            ErrorCode::BusinessClosed => "BUSINESS_CLOSED",
            ErrorCode::NotOnSlotGrid => "NOT_ON_SLOT_GRID",
            ErrorCode::BookingOverlap => "BOOKING_OVERLAP",
            ErrorCode::BufferConflict => "BUFFER_CONFLICT",
            ErrorCode::SlotFull => "SLOT_FULL",
            ErrorCode::ClientDoubleBooked => "CLIENT_DOUBLE_BOOKED",
            ErrorCode::ServiceInactive => "SERVICE_INACTIVE",
            ErrorCode::BusinessNotValidated => "BUSINESS_NOT_VALIDATED",
            ErrorCode::ResourceNotEligible => "RESOURCE_NOT_ELIGIBLE",
            ErrorCode::InvalidStatusTransition => "INVALID_STATUS_TRANSITION",
            ErrorCode::TransitionNotAllowed => "TRANSITION_NOT_ALLOWED",
            ErrorCode::TransitionTooEarly => "TRANSITION_TOO_EARLY",
            ErrorCode::CancellationDeadlinePassed => "CANCELLATION_DEADLINE_PASSED",
            ErrorCode::RescheduleLimitReached => "RESCHEDULE_LIMIT_REACHED",
            ErrorCode::AvailabilityOverlap => "AVAILABILITY_OVERLAP",
            ErrorCode::WindowHoldsReservations => "WINDOW_HOLDS_RESERVATIONS",
            ErrorCode::OwnerHasBusiness => "OWNER_HAS_BUSINESS",
            ErrorCode::ResourceInactive => "RESOURCE_INACTIVE",
            ErrorCode::ResourceHasReservations => "RESOURCE_HAS_RESERVATIONS",
            ErrorCode::LastResourceOfService => "LAST_RESOURCE_OF_SERVICE",
            ErrorCode::InvalidRecurrence => "INVALID_RECURRENCE",
            ErrorCode::RecurrenceTooLarge => "RECURRENCE_TOO_LARGE",
            ErrorCode::UnknownTimeZone => "UNKNOWN_TIME_ZONE",
            ErrorCode::NotFound => "NOT_FOUND",
            ErrorCode::BulkRejected => "BULK_REJECTED",
            ErrorCode::SlotsAvailable => "SLOTS_AVAILABLE",
            ErrorCode::AlreadyOnWaitlist => "ALREADY_ON_WAITLIST",
            ErrorCode::OfferExpired => "OFFER_EXPIRED",
            ErrorCode::ConcurrentModification => "CONCURRENT_MODIFICATION",
            ErrorCode::UnsupportedSnapshotVersion => "UNSUPPORTED_SNAPSHOT_VERSION",
            ErrorCode::DataIntegrity => "DATA_INTEGRITY",
            ErrorCode::StorageError => "STORAGE_ERROR",
        }
    }

    /// Parses the string form back; `None` for an unknown code.
    pub fn parse(code: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == code)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl Error {
    /// Whether this refusal is about the resource being taken at that time (overlap, buffer,
    /// full group slot), so the same booking may still fit on another resource.
    pub fn is_resource_conflict(&self) -> bool {
        matches!(
            self,
            Error::BookingOverlap | Error::BufferConflict | Error::SlotFull { .. }
        )
    }

    /// The stable machine code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Error::Validation { .. } => ErrorCode::ValidationFailed,
            Error::InvalidInterval { .. } => ErrorCode::InvalidInterval,
            Error::RangeTooLarge { .. } => ErrorCode::RangeTooLarge,
            Error::SlotInPast { .. } => ErrorCode::SlotInPast,
            Error::MinimumNotice { .. } => ErrorCode::MinimumNotice,
            Error::BeyondHorizon { .. } => ErrorCode::BeyondBookingHorizon,
            Error::OutsideAvailability => ErrorCode::OutsideAvailability,
            Error::OutsideOpeningHours => ErrorCode::OutsideOpeningHours,
            Error::BusinessClosed => ErrorCode::BusinessClosed,
            Error::NotOnSlotGrid { .. } => ErrorCode::NotOnSlotGrid,
            Error::BookingOverlap => ErrorCode::BookingOverlap,
            Error::BufferConflict => ErrorCode::BufferConflict,
            Error::SlotFull { .. } => ErrorCode::SlotFull,
            Error::ClientDoubleBooked => ErrorCode::ClientDoubleBooked,
            Error::ServiceInactive => ErrorCode::ServiceInactive,
            Error::BusinessNotValidated => ErrorCode::BusinessNotValidated,
            Error::ResourceNotEligible => ErrorCode::ResourceNotEligible,
            Error::InvalidStatusTransition { .. } => ErrorCode::InvalidStatusTransition,
            Error::TransitionNotAllowed { .. } => ErrorCode::TransitionNotAllowed,
            Error::TransitionTooEarly { .. } => ErrorCode::TransitionTooEarly,
            Error::CancellationDeadlinePassed { .. } => ErrorCode::CancellationDeadlinePassed,
            Error::RescheduleLimitReached { .. } => ErrorCode::RescheduleLimitReached,
            Error::AvailabilityOverlap { .. } => ErrorCode::AvailabilityOverlap,
            Error::WindowHoldsReservations { .. } => ErrorCode::WindowHoldsReservations,
            Error::OwnerHasBusiness => ErrorCode::OwnerHasBusiness,
            Error::ResourceInactive => ErrorCode::ResourceInactive,
            Error::ResourceHasReservations { .. } => ErrorCode::ResourceHasReservations,
            Error::LastResourceOfService { .. } => ErrorCode::LastResourceOfService,
            Error::InvalidRecurrence { .. } => ErrorCode::InvalidRecurrence,
            Error::RecurrenceTooLarge { .. } => ErrorCode::RecurrenceTooLarge,
            Error::UnknownTimeZone { .. } => ErrorCode::UnknownTimeZone,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::BulkRejected { .. } => ErrorCode::BulkRejected,
            Error::SlotsAvailable { .. } => ErrorCode::SlotsAvailable,
            Error::AlreadyOnWaitlist => ErrorCode::AlreadyOnWaitlist,
            Error::OfferExpired { .. } => ErrorCode::OfferExpired,
            Error::ConcurrentModification => ErrorCode::ConcurrentModification,
            Error::UnsupportedSnapshotVersion { .. } => ErrorCode::UnsupportedSnapshotVersion,
            Error::DataIntegrity { .. } => ErrorCode::DataIntegrity,
            Error::Storage { .. } => ErrorCode::StorageError,
        }
    }

    /// Shorthand for a validation error on one field.
    pub fn field(field: impl Into<String>, code: &str, message: impl Into<String>) -> Self {
        Error::Validation {
            errors: vec![FieldError::new(field, code, message)],
        }
    }

    /// The per-field details when this is a validation error, else an empty slice.
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Validation { errors } => errors,
            _ => &[],
        }
    }
}

/// Collects field errors while validating a whole input, so a caller learns every problem at
/// once instead of fixing them one request at a time.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one problem.
    pub fn add(&mut self, field: impl Into<String>, code: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, code, message));
    }

    /// Records the field errors of a nested validation, prefixed with its path; other errors
    /// are recorded under `prefix` itself with their own code.
    pub fn absorb(&mut self, prefix: &str, error: Error) {
        match error {
            Error::Validation { errors } => {
                self.0
                    .extend(errors.into_iter().map(|e| e.prefixed(prefix)));
            }
            other => self.0.push(FieldError::new(
                prefix.trim_end_matches('.'),
                &other.code().as_str().to_ascii_lowercase(),
                other.to_string(),
            )),
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(value)` when nothing was recorded, else [`Error::Validation`] with every problem.
    pub fn finish<T>(self, value: T) -> Result<T> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(Error::Validation { errors: self.0 })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One instance of each code; the exhaustive match makes a new code impossible to forget.
    fn sample(code: ErrorCode) -> Error {
        let t = Timestamp::from_secs(0);
        match code {
            ErrorCode::ValidationFailed => Error::field("email", "invalid_format", "bad"),
            ErrorCode::InvalidInterval => Error::InvalidInterval { reason: "x".into() },
            ErrorCode::RangeTooLarge => Error::RangeTooLarge { max_days: 1 },
            ErrorCode::SlotInPast => Error::SlotInPast { start: t, now: t },
            ErrorCode::MinimumNotice => Error::MinimumNotice { earliest: t },
            ErrorCode::BeyondBookingHorizon => Error::BeyondHorizon { latest: t },
            ErrorCode::OutsideAvailability => Error::OutsideAvailability,
            ErrorCode::OutsideOpeningHours => Error::OutsideOpeningHours,
            ErrorCode::BusinessClosed => Error::BusinessClosed,
            ErrorCode::NotOnSlotGrid => Error::NotOnSlotGrid { step_minutes: 15 },
            ErrorCode::BookingOverlap => Error::BookingOverlap,
            ErrorCode::BufferConflict => Error::BufferConflict,
            ErrorCode::SlotFull => Error::SlotFull { seats: 3 },
            ErrorCode::ClientDoubleBooked => Error::ClientDoubleBooked,
            ErrorCode::ServiceInactive => Error::ServiceInactive,
            ErrorCode::BusinessNotValidated => Error::BusinessNotValidated,
            ErrorCode::ResourceNotEligible => Error::ResourceNotEligible,
            ErrorCode::InvalidStatusTransition => Error::InvalidStatusTransition {
                from: "a".into(),
                to: "b".into(),
            },
            ErrorCode::TransitionNotAllowed => Error::TransitionNotAllowed {
                actor: "client".into(),
                action: "confirm".into(),
            },
            ErrorCode::TransitionTooEarly => Error::TransitionTooEarly {
                action: "complete".into(),
                earliest: t,
            },
            ErrorCode::CancellationDeadlinePassed => {
                Error::CancellationDeadlinePassed { deadline: t }
            }
            ErrorCode::RescheduleLimitReached => Error::RescheduleLimitReached { max: 2 },
            ErrorCode::AvailabilityOverlap => Error::AvailabilityOverlap {
                existing: "w".into(),
            },
            ErrorCode::WindowHoldsReservations => Error::WindowHoldsReservations {
                reservations: vec![],
            },
            ErrorCode::OwnerHasBusiness => Error::OwnerHasBusiness,
            ErrorCode::ResourceInactive => Error::ResourceInactive,
            ErrorCode::ResourceHasReservations => Error::ResourceHasReservations {
                reservations: vec![],
            },
            ErrorCode::LastResourceOfService => Error::LastResourceOfService { services: vec![] },
            ErrorCode::InvalidRecurrence => Error::InvalidRecurrence { reason: "x".into() },
            ErrorCode::RecurrenceTooLarge => Error::RecurrenceTooLarge { limit: 1 },
            ErrorCode::UnknownTimeZone => Error::UnknownTimeZone { name: "X".into() },
            ErrorCode::NotFound => Error::NotFound {
                entity: Entity::Service,
            },
            ErrorCode::BulkRejected => Error::BulkRejected { failures: vec![] },
            ErrorCode::SlotsAvailable => Error::SlotsAvailable { count: 2 },
            ErrorCode::AlreadyOnWaitlist => Error::AlreadyOnWaitlist,
            ErrorCode::OfferExpired => Error::OfferExpired { expired_at: t },
            ErrorCode::ConcurrentModification => Error::ConcurrentModification,
            ErrorCode::UnsupportedSnapshotVersion => Error::UnsupportedSnapshotVersion {
                found: 9,
                expected: 1,
            },
            ErrorCode::DataIntegrity => Error::DataIntegrity {
                field: "phone".into(),
            },
            ErrorCode::StorageError => Error::Storage {
                message: "io".into(),
            },
        }
    }

    #[test]
    fn every_code_has_a_variant_that_reports_it() {
        for code in ErrorCode::ALL {
            assert_eq!(sample(code).code(), code);
        }
    }

    #[test]
    fn codes_are_unique_and_round_trip_through_their_string() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
            assert!(
                code.as_str()
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c == '_')
            );
        }
    }

    #[test]
    fn documented_code_table_matches_the_enum() {
        let doc = include_str!("../../docs/error-codes.md");
        // The core's table comes before the HTTP layer's own codes.
        let core_part = doc.split("## HTTP layer codes").next().unwrap_or(doc);
        let documented: Vec<&str> = core_part
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .filter_map(|rest| rest.split('`').next())
            .collect();
        let actual: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            documented, actual,
            "docs/error-codes.md must list every code, in ErrorCode::ALL order"
        );
    }

    #[test]
    fn validation_message_names_every_field() {
        let mut errors = FieldErrors::new();
        errors.add("email", "invalid_format", "email must contain one @");
        errors.add("phone", "invalid_format", "phone must be E.164");
        let err = errors.finish(()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed);
        let text = err.to_string();
        assert!(text.contains("email: email must contain one @"), "{text}");
        assert!(text.contains("phone: phone must be E.164"), "{text}");
    }

    #[test]
    fn absorbed_nested_errors_keep_their_path() {
        let mut errors = FieldErrors::new();
        errors.absorb(
            "items[2].",
            Error::field("start", "required", "start is required"),
        );
        errors.absorb("items[3].", Error::OutsideOpeningHours);
        let err = errors.finish(()).unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["items[2].start", "items[3]"]);
        assert_eq!(err.field_errors()[1].code, "outside_opening_hours");
    }
}
