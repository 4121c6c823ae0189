//! uniffi bindings over `rdv-core` for Kotlin, Swift and Python (issue 5, MOB-1).
//!
//! Thin by design: records carry instants as RFC 3339 strings (results are always UTC) and the
//! schedule snapshot as its JSON text, exactly as the server hands it out; every function
//! converts, calls one `rdv-core` function and converts back. No rule is implemented here.
//! Every failure is one [`RdvError`] whose `code` is the core's stable
//! [`rdv_core::ErrorCode`] string and whose `message` is the core's message, carried as
//! explicit fields (uniffi shows only the field list as the exception text in Kotlin/Python).

use chrono::NaiveDateTime;
use rdv_core::booking::{BookingRequest as CoreRequest, validate_booking as core_validate};
use rdv_core::model::{Business, ClientId, ResourceId, Service, ServiceId, Zone};
use rdv_core::overlap::{OverlapIndex, find_overlapping_pair as core_pair};
use rdv_core::slots::{self, SNAPSHOT_VERSION, Schedule};
use rdv_core::{Error, Interval, Recurrence, RecurrenceRule, Timestamp};

uniffi::setup_scaffolding!();

/// One invalid input field of a `VALIDATION_FAILED` error.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FieldError {
    /// The field path, e.g. `rules.seats`.
    pub field: String,
    /// A field-level code, e.g. `out_of_range`.
    pub code: String,
    /// Why the field is invalid.
    pub message: String,
}

/// The one error every function throws (`RdvException.Failure` in Kotlin,
/// `RdvError.Failure` in Swift and Python).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum RdvError {
    /// A core error: its stable code (`docs/error-codes.md`), its message, and the invalid
    /// fields for `VALIDATION_FAILED` (empty otherwise).
    #[error("{code}: {message}")]
    Failure {
        /// Stable machine code, e.g. `BOOKING_OVERLAP`.
        code: String,
        /// Human-readable message from the core.
        message: String,
        /// Invalid fields (only for `VALIDATION_FAILED`).
        fields: Vec<FieldError>,
    },
}

impl From<Error> for RdvError {
    fn from(e: Error) -> Self {
        RdvError::Failure {
            code: e.code().as_str().to_owned(),
            message: e.to_string(),
            fields: e
                .field_errors()
                .iter()
                .map(|f| FieldError {
                    field: f.field.clone(),
                    code: f.code.clone(),
                    message: f.message.clone(),
                })
                .collect(),
        }
    }
}

type Result<T, E = RdvError> = std::result::Result<T, E>;

fn invalid(field: &str, detail: impl std::fmt::Display) -> RdvError {
    Error::field(field, "invalid_format", format!("{field}: {detail}")).into()
}

fn instant(field: &str, text: &str) -> Result<Timestamp> {
    Timestamp::parse_rfc3339(text).map_err(|e| invalid(field, e))
}

fn parse<T: std::str::FromStr>(field: &str, text: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    text.parse().map_err(|e| invalid(field, e))
}

fn json<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| invalid(field, e))
}

/// A half-open interval `[start, end)` of RFC 3339 instants.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TimeInterval {
    /// Inclusive start.
    pub start: String,
    /// Exclusive end.
    pub end: String,
}

impl TimeInterval {
    fn to_core(&self, field: &str) -> Result<Interval> {
        let start = instant(field, &self.start)?;
        let end = instant(field, &self.end)?;
        Ok(Interval::new(start, end)?)
    }

    fn of(interval: Interval) -> Self {
        Self {
            start: interval.start().to_string(),
            end: interval.end().to_string(),
        }
    }
}

/// The range and limits of a slot query.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlotQuery {
    /// First slot start considered (inclusive).
    pub from: String,
    /// Slot starts are before this instant.
    pub to: String,
    /// The current instant (the core never reads a clock).
    pub now: String,
    /// At most this many slots.
    pub limit: u32,
}

impl SlotQuery {
    fn to_core(&self) -> Result<slots::SlotQuery> {
        Ok(slots::SlotQuery {
            from: instant("query.from", &self.from)?,
            to: instant("query.to", &self.to)?,
            now: instant("query.now", &self.now)?,
            limit: self.limit as usize,
        })
    }
}

/// A bookable slot.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Slot {
    /// The resource (UUID).
    pub resource_id: String,
    /// Start, UTC.
    pub start: String,
    /// End, UTC.
    pub end: String,
    /// Seats still free (1 for one-to-one services).
    pub seats_left: u32,
}

/// Slots in start order and whether the limit cut the list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct SlotList {
    /// The slots.
    pub slots: Vec<Slot>,
    /// `true` when more slots existed than the limit allowed.
    pub truncated: bool,
}

/// A grid point with its verdict: `seats_left` when bookable, else the error `code`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Candidate {
    /// The resource (UUID).
    pub resource_id: String,
    /// Start, UTC.
    pub start: String,
    /// End, UTC.
    pub end: String,
    /// Seats left when bookable.
    pub seats_left: Option<u32>,
    /// Why it is not bookable.
    pub code: Option<String>,
}

/// What a client asks to book.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BookingRequest {
    /// The service (UUID).
    pub service_id: String,
    /// A chosen resource, or any eligible one.
    pub resource_id: Option<String>,
    /// Requested start.
    pub start: String,
}

/// An amount in minor units of a currency.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Money {
    /// Amount in minor units (cents).
    pub amount_minor: i64,
    /// ISO 4217 code.
    pub currency: String,
}

/// A booking that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ValidBooking {
    /// The client (UUID).
    pub client_id: String,
    /// The service (UUID).
    pub service_id: String,
    /// The resource that takes the booking (UUID).
    pub resource_id: String,
    /// The appointment.
    pub interval: TimeInterval,
    /// Seats left before this booking.
    pub seats_left: u32,
    /// Price.
    pub price: Money,
    /// Buffer before, minutes.
    pub buffer_before_minutes: u32,
    /// Buffer after, minutes.
    pub buffer_after_minutes: u32,
}

/// A recurrence rule anchored at a local start, and the window to expand it in.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecurrenceInput {
    /// RRULE value, e.g. `FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4`.
    pub rule: String,
    /// Local wall time in `time_zone`, `YYYY-MM-DDTHH:MM:SS`.
    pub dtstart: String,
    /// IANA zone name.
    pub time_zone: String,
    /// Excluded local wall times.
    pub exdates: Vec<String>,
    /// Occurrence starts inside this window.
    pub window: TimeInterval,
    /// At most this many occurrences.
    pub limit: u32,
}

/// Occurrence starts (UTC) and whether the limit cut the list.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Expansion {
    /// Occurrence starts.
    pub occurrences: Vec<String>,
    /// `true` when the window held more occurrences than the limit.
    pub truncated: bool,
}

fn snapshot(snapshot_json: &str) -> Result<Schedule> {
    Ok(Schedule::from_json(snapshot_json)?)
}

fn to_intervals(field: &str, items: &[TimeInterval]) -> Result<Vec<Interval>> {
    items.iter().map(|i| i.to_core(field)).collect()
}

/// The snapshot format version this library reads.
#[uniffi::export]
pub fn snapshot_version() -> u32 {
    SNAPSHOT_VERSION
}

/// Free slots of the snapshot's service in `[query.from, query.to)`.
#[uniffi::export]
pub fn compute_slots(snapshot_json: String, query: SlotQuery) -> Result<SlotList> {
    let list = slots::compute_slots(&snapshot(&snapshot_json)?, &query.to_core()?)?;
    Ok(SlotList {
        slots: list
            .slots
            .iter()
            .map(|s| Slot {
                resource_id: s.resource_id.to_string(),
                start: s.start.to_string(),
                end: s.end.to_string(),
                seats_left: s.seats_left,
            })
            .collect(),
        truncated: list.truncated,
    })
}

/// Every grid point of the range with its verdict (why a time is or is not bookable).
#[uniffi::export]
pub fn explain_candidates(snapshot_json: String, query: SlotQuery) -> Result<Vec<Candidate>> {
    let list = slots::explain_candidates(&snapshot(&snapshot_json)?, &query.to_core()?)?;
    Ok(list
        .iter()
        .map(|c| Candidate {
            resource_id: c.resource_id.to_string(),
            start: c.start.to_string(),
            end: c.end.to_string(),
            seats_left: c.verdict.ok(),
            code: c.verdict.err().map(|code| code.as_str().to_owned()),
        })
        .collect())
}

/// Seats left if `start` is bookable on the resource at `now`; fails with the reason otherwise.
#[uniffi::export]
pub fn check_slot(
    snapshot_json: String,
    resource_id: String,
    start: String,
    now: String,
) -> Result<u32> {
    Ok(slots::check_slot(
        &snapshot(&snapshot_json)?,
        parse::<ResourceId>("resource_id", &resource_id)?,
        instant("start", &start)?,
        instant("now", &now)?,
    )?)
}

/// The core's full booking validation. `business_json` and `service_json` are the core's
/// `Business` and `Service` JSON; `client_busy` are the client's other active reservations.
#[uniffi::export]
pub fn validate_booking(
    business_json: String,
    service_json: String,
    snapshot_json: String,
    client_id: String,
    client_busy: Vec<TimeInterval>,
    request: BookingRequest,
    now: String,
) -> Result<ValidBooking> {
    let business: Business = json("business", &business_json)?;
    let service: Service = json("service", &service_json)?;
    let request = CoreRequest {
        service_id: parse::<ServiceId>("request.service_id", &request.service_id)?,
        resource_id: request
            .resource_id
            .as_deref()
            .map(|r| parse::<ResourceId>("request.resource_id", r))
            .transpose()?,
        start: instant("request.start", &request.start)?,
    };
    let valid = core_validate(
        &business,
        &service,
        &snapshot(&snapshot_json)?,
        parse::<ClientId>("client_id", &client_id)?,
        &to_intervals("client_busy", &client_busy)?,
        &request,
        instant("now", &now)?,
    )?;
    Ok(ValidBooking {
        client_id: valid.client_id.to_string(),
        service_id: valid.service_id.to_string(),
        resource_id: valid.resource_id.to_string(),
        interval: TimeInterval::of(valid.interval),
        seats_left: valid.seats_left,
        price: Money {
            amount_minor: valid.price.amount_minor,
            currency: valid.price.currency.to_string(),
        },
        buffer_before_minutes: valid.buffer_before_minutes,
        buffer_after_minutes: valid.buffer_after_minutes,
    })
}

/// Positions (ascending) of the intervals sharing an instant with `query`; touching intervals
/// do not overlap.
#[uniffi::export]
pub fn find_overlaps(intervals: Vec<TimeInterval>, query: TimeInterval) -> Result<Vec<u32>> {
    let items = to_intervals("intervals", &intervals)?;
    let query = query.to_core("query")?;
    let index = OverlapIndex::new(
        items
            .into_iter()
            .enumerate()
            .map(|(i, iv)| (iv, i as u32))
            .collect(),
    );
    let mut positions: Vec<u32> = index.overlapping(query).map(|(_, &i)| i).collect();
    positions.sort_unstable();
    Ok(positions)
}

/// Positions `[i, j]` (i < j) of two overlapping intervals, or null when none overlap.
#[uniffi::export]
pub fn find_overlapping_pair(intervals: Vec<TimeInterval>) -> Result<Option<Vec<u32>>> {
    let items = to_intervals("intervals", &intervals)?;
    Ok(core_pair(&items).map(|(i, j)| vec![i as u32, j as u32]))
}

/// Occurrence starts (UTC) of an RRULE anchored at a local DTSTART, inside the window.
#[uniffi::export]
pub fn expand_recurrence(input: RecurrenceInput) -> Result<Expansion> {
    let dtstart: NaiveDateTime = parse("dtstart", &input.dtstart)?;
    let exdates = input
        .exdates
        .iter()
        .map(|x| parse::<NaiveDateTime>("exdates", x))
        .collect::<Result<Vec<_>>>()?;
    let zone = Zone::parse(&input.time_zone)?;
    let rule = RecurrenceRule::parse(&input.rule)?;
    let recurrence = Recurrence::new(dtstart, zone.0, rule)?.with_exdates(exdates);
    let window = input.window.to_core("window")?;
    let expansion = recurrence.expand(window, input.limit as usize);
    Ok(Expansion {
        occurrences: expansion
            .occurrences
            .iter()
            .map(ToString::to_string)
            .collect(),
        truncated: expansion.truncated,
    })
}
