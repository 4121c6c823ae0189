//! WebAssembly bindings over `rdv-core` (issue 5, WASM-1): the booking rules for browsers and
//! Node, through `wasm-bindgen`.
//!
//! Thin by design: every export converts its arguments (plain JS objects with RFC 3339
//! strings, snake_case fields exactly as in the schedule snapshot JSON), calls one `rdv-core`
//! function and converts the result back. No rule is implemented here. Failures are thrown as
//! JS `Error` objects whose `code` is the core's stable [`rdv_core::ErrorCode`] string, whose
//! `message` is the core's message, and, for `VALIDATION_FAILED`, whose `fields` lists
//! `{ field, code, message }`.
//!
//! The TypeScript types of arguments and results are declared in the custom section below and
//! attached to each export with `unchecked_param_type` / `unchecked_return_type`.

use chrono::NaiveDateTime;
use js_sys::{Array, JSON, Object, Reflect};
use rdv_core::booking::{BookingRequest, validate_booking as core_validate_booking};
use rdv_core::model::{Business, ClientId, ResourceId, Service, Zone};
use rdv_core::overlap::{OverlapIndex, find_overlapping_pair as core_find_overlapping_pair};
use rdv_core::slots::{self, SNAPSHOT_VERSION, Schedule, SlotQuery};
use rdv_core::{Error, Interval, Recurrence, RecurrenceRule, Timestamp};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** An RFC 3339 instant, e.g. "2026-06-01T07:00:00Z" (results are always UTC, "Z"). */
export type Instant = string;
/** A half-open interval [start, end). */
export interface TimeInterval { start: Instant; end: Instant }
export interface TimeRange { start: string; end: string }
export interface OpeningHours {
  monday?: TimeRange[]; tuesday?: TimeRange[]; wednesday?: TimeRange[]; thursday?: TimeRange[];
  friday?: TimeRange[]; saturday?: TimeRange[]; sunday?: TimeRange[];
}
export type Closure =
  | { kind: "days"; first_day: string; last_day: string; reason?: string | null }
  | { kind: "period"; interval: TimeInterval; reason?: string | null };
export interface SlotRules {
  duration_minutes: number; step_minutes: number; buffer_before_minutes: number;
  buffer_after_minutes: number; min_notice_minutes: number; horizon_days: number; seats: number;
}
export interface Busy {
  start: Instant; end: Instant; buffer_before_minutes?: number; buffer_after_minutes?: number;
  same_service?: boolean;
}
/** A resource's windows and busy periods; `working_hours` only when it works less than the opening hours. */
export interface ResourceSchedule {
  resource_id: string; windows: TimeInterval[]; busy?: Busy[]; working_hours?: OpeningHours;
}
/** The versioned schedule snapshot (rdv_core::slots::Schedule), as an object or its JSON text. */
/** Opening hours replacing a weekday's on one local date (`YYYY-MM-DD`); no ranges = closed. */
export interface SpecialHours { date: string; ranges?: TimeRange[]; reason?: string | null }
export interface Snapshot {
  version: number; time_zone: string; opening_hours: OpeningHours; closures?: Closure[];
  special_hours?: SpecialHours[]; rules: SlotRules; resources: ResourceSchedule[];
}
export interface SlotQuery { from: Instant; to: Instant; now: Instant; limit: number }
export interface Slot { resource_id: string; start: Instant; end: Instant; seats_left: number }
export interface SlotList { slots: Slot[]; truncated: boolean }
/** A grid point with its verdict: `seats_left` when bookable, else the error `code`. */
export interface Candidate {
  resource_id: string; start: Instant; end: Instant; seats_left: number | null; code: string | null;
}
export interface Money { amount_minor: number; currency: string }
export interface BookingCheck {
  /** rdv_core::model::Business as JSON. */
  business: Record<string, unknown>;
  /** rdv_core::model::Service as JSON. */
  service: Record<string, unknown>;
  snapshot: Snapshot | string;
  client_id: string;
  client_busy: TimeInterval[];
  request: { service_id: string; resource_id?: string | null; start: Instant };
  now: Instant;
}
export interface ValidBooking {
  client_id: string; service_id: string; resource_id: string; interval: TimeInterval;
  seats_left: number; price: Money; buffer_before_minutes: number; buffer_after_minutes: number;
}
export interface RecurrenceInput {
  /** An RRULE value, e.g. "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4". */
  rule: string;
  /** Local wall time in `time_zone`, "YYYY-MM-DDTHH:MM:SS". */
  dtstart: string;
  time_zone: string;
  exdates?: string[];
  window: TimeInterval;
  limit: number;
}
export interface Expansion { occurrences: Instant[]; truncated: boolean }
export interface FieldError { field: string; code: string; message: string }
/** What every function throws. */
export interface RdvError extends Error { code: string; fields?: FieldError[] }
"#;

/// The JS `Error` for a core error: `.code`, `.message`, and `.fields` for `VALIDATION_FAILED`.
fn to_js_error(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.to_string());
    js.set_name("RdvError");
    let code = error.code().as_str();
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&js, &"code".into(), &code.into());
    if !error.field_errors().is_empty() {
        let fields = Array::new();
        for f in error.field_errors() {
            let o = Object::new();
            let _ = Reflect::set(&o, &"field".into(), &f.field.as_str().into());
            let _ = Reflect::set(&o, &"code".into(), &f.code.as_str().into());
            let _ = Reflect::set(&o, &"message".into(), &f.message.as_str().into());
            fields.push(&o);
        }
        let _ = Reflect::set(&js, &"fields".into(), &fields);
    }
    js.into()
}

type JsResult<T> = Result<T, JsValue>;

fn core<T>(result: rdv_core::Result<T>) -> JsResult<T> {
    result.map_err(|e| to_js_error(&e))
}

/// Converts a JS argument; a shape or format mismatch is a `VALIDATION_FAILED` on `field`.
///
/// Values cross the boundary as JSON text (one `JSON.stringify`, one copy) rather than
/// property by property: several times faster for snapshots with many reservations.
fn arg<T: DeserializeOwned>(field: &str, value: JsValue) -> JsResult<T> {
    let text = match value.as_string() {
        // A bare string argument (an id, an instant) is a JSON string value.
        Some(s) => serde_json::Value::String(s).to_string(),
        None => JSON::stringify(&value)
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_else(|| "null".to_owned()),
    };
    serde_json::from_str(&text).map_err(|e| {
        to_js_error(&Error::field(
            field,
            "invalid_format",
            format!("{field}: {e}"),
        ))
    })
}

/// Converts a result to plain JS values through its JSON text (`JSON.parse`), for the same
/// reason.
fn ret<T: Serialize + ?Sized>(value: &T) -> JsResult<JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
    JSON::parse(&text)
}

/// The snapshot argument, given as an object or as its JSON text, read by the core.
fn snapshot(value: JsValue) -> JsResult<Schedule> {
    match value.as_string() {
        Some(text) => core(Schedule::from_json(&text)),
        None => core(Schedule::from_json_value(arg("snapshot", value)?)),
    }
}

#[derive(Deserialize)]
struct RawInterval {
    start: Timestamp,
    end: Timestamp,
}

fn intervals(field: &str, value: JsValue) -> JsResult<Vec<Interval>> {
    let raw: Vec<RawInterval> = arg(field, value)?;
    core(
        raw.into_iter()
            .map(|r| Interval::new(r.start, r.end))
            .collect(),
    )
}

fn interval(field: &str, value: JsValue) -> JsResult<Interval> {
    let raw: RawInterval = arg(field, value)?;
    core(Interval::new(raw.start, raw.end))
}

/// The snapshot format version this package reads.
#[wasm_bindgen(js_name = snapshotVersion)]
pub fn snapshot_version() -> u32 {
    SNAPSHOT_VERSION
}

/// Free slots of the snapshot's service in `[query.from, query.to)`.
#[wasm_bindgen(js_name = computeSlots, unchecked_return_type = "SlotList")]
pub fn compute_slots(
    #[wasm_bindgen(unchecked_param_type = "Snapshot | string")] snapshot_value: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SlotQuery")] query: JsValue,
) -> JsResult<JsValue> {
    let schedule = snapshot(snapshot_value)?;
    let query: SlotQuery = arg("query", query)?;
    ret(&core(slots::compute_slots(&schedule, &query))?)
}

#[derive(Serialize)]
struct CandidateOut {
    resource_id: ResourceId,
    start: Timestamp,
    end: Timestamp,
    seats_left: Option<u32>,
    code: Option<&'static str>,
}

/// Every grid point of the range with its verdict (why a time is or is not bookable).
#[wasm_bindgen(js_name = explainCandidates, unchecked_return_type = "Candidate[]")]
pub fn explain_candidates(
    #[wasm_bindgen(unchecked_param_type = "Snapshot | string")] snapshot_value: JsValue,
    #[wasm_bindgen(unchecked_param_type = "SlotQuery")] query: JsValue,
) -> JsResult<JsValue> {
    let schedule = snapshot(snapshot_value)?;
    let query: SlotQuery = arg("query", query)?;
    let list = core(slots::explain_candidates(&schedule, &query))?;
    let out: Vec<CandidateOut> = list
        .iter()
        .map(|c| CandidateOut {
            resource_id: c.resource_id,
            start: c.start,
            end: c.end,
            seats_left: c.verdict.ok(),
            code: c.verdict.err().map(|code| code.as_str()),
        })
        .collect();
    ret(&out)
}

/// Seats left if `start` is bookable on the resource at `now`; throws the reason otherwise.
#[wasm_bindgen(js_name = checkSlot)]
pub fn check_slot(
    #[wasm_bindgen(unchecked_param_type = "Snapshot | string")] snapshot_value: JsValue,
    #[wasm_bindgen(js_name = resourceId)] resource_id: &str,
    start: &str,
    now: &str,
) -> JsResult<u32> {
    let schedule = snapshot(snapshot_value)?;
    let resource_id: ResourceId = arg("resource_id", resource_id.into())?;
    let start: Timestamp = arg("start", start.into())?;
    let now: Timestamp = arg("now", now.into())?;
    core(slots::check_slot(&schedule, resource_id, start, now))
}

/// The full booking validation of the core (business, service, snapshot, the client's other
/// reservations); returns the validated booking or throws the first rule it breaks.
#[wasm_bindgen(js_name = validateBooking, unchecked_return_type = "ValidBooking")]
pub fn validate_booking(
    #[wasm_bindgen(unchecked_param_type = "BookingCheck")] input: JsValue,
) -> JsResult<JsValue> {
    let get = |key: &str| Reflect::get(&input, &key.into()).unwrap_or(JsValue::UNDEFINED);
    let business: Business = arg("business", get("business"))?;
    let service: Service = arg("service", get("service"))?;
    let schedule = snapshot(get("snapshot"))?;
    let client_id: ClientId = arg("client_id", get("client_id"))?;
    let client_busy = intervals("client_busy", get("client_busy"))?;
    let request: BookingRequest = arg("request", get("request"))?;
    let now: Timestamp = arg("now", get("now"))?;
    let valid = core(core_validate_booking(
        &business,
        &service,
        &schedule,
        client_id,
        &client_busy,
        &request,
        now,
    ))?;
    ret(&valid)
}

/// Positions (ascending) of the intervals that share an instant with `query`; touching
/// intervals do not overlap.
#[wasm_bindgen(js_name = findOverlaps, unchecked_return_type = "number[]")]
pub fn find_overlaps(
    #[wasm_bindgen(unchecked_param_type = "TimeInterval[]")] items: JsValue,
    #[wasm_bindgen(unchecked_param_type = "TimeInterval")] query: JsValue,
) -> JsResult<JsValue> {
    let items = intervals("intervals", items)?;
    let query = interval("query", query)?;
    let index = OverlapIndex::new(
        items
            .into_iter()
            .enumerate()
            .map(|(i, iv)| (iv, i))
            .collect(),
    );
    let mut positions: Vec<usize> = index.overlapping(query).map(|(_, &i)| i).collect();
    positions.sort_unstable();
    ret(&positions)
}

/// Positions `[i, j]` (i < j) of two overlapping intervals, or `null` when none overlap.
#[wasm_bindgen(js_name = findOverlappingPair, unchecked_return_type = "[number, number] | null")]
pub fn find_overlapping_pair(
    #[wasm_bindgen(unchecked_param_type = "TimeInterval[]")] items: JsValue,
) -> JsResult<JsValue> {
    let items = intervals("intervals", items)?;
    ret(&core_find_overlapping_pair(&items).map(|(i, j)| [i, j]))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RecurrenceInput {
    rule: String,
    dtstart: NaiveDateTime,
    time_zone: String,
    #[serde(default)]
    exdates: Vec<NaiveDateTime>,
    window: RawInterval,
    limit: usize,
}

#[derive(Serialize)]
struct ExpansionOut {
    occurrences: Vec<Timestamp>,
    truncated: bool,
}

/// Occurrence starts (UTC) of an RRULE anchored at a local DTSTART, inside the window, at
/// most `limit` of them.
#[wasm_bindgen(js_name = expandRecurrence, unchecked_return_type = "Expansion")]
pub fn expand_recurrence(
    #[wasm_bindgen(unchecked_param_type = "RecurrenceInput")] input: JsValue,
) -> JsResult<JsValue> {
    let input: RecurrenceInput = arg("recurrence", input)?;
    let zone = core(Zone::parse(&input.time_zone))?;
    let rule = core(RecurrenceRule::parse(&input.rule))?;
    let recurrence =
        core(Recurrence::new(input.dtstart, zone.0, rule))?.with_exdates(input.exdates);
    let window = core(Interval::new(input.window.start, input.window.end))?;
    let expansion = recurrence.expand(window, input.limit);
    ret(&ExpansionOut {
        occurrences: expansion.occurrences,
        truncated: expansion.truncated,
    })
}
