//! wasm-bindgen tests of the JS glue (not of the rules, which the shared vectors cover): run in
//! Node by default and in headless Chromium with `WASM_BINDGEN_USE_BROWSER=1`.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]
#![cfg(target_arch = "wasm32")]

use js_sys::{JSON, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::wasm_bindgen_test;

const SNAPSHOT: &str = r#"{"version":1,"time_zone":"Europe/Paris",
  "opening_hours":{"monday":[{"start":"09:00","end":"12:00"}]},
  "rules":{"duration_minutes":60,"step_minutes":60,"buffer_before_minutes":0,
    "buffer_after_minutes":0,"min_notice_minutes":0,"horizon_days":90,"seats":1},
  "resources":[{"resource_id":"00000000-0000-0000-0000-0000000000a1",
    "windows":[{"start":"2026-06-01T00:00:00Z","end":"2026-06-02T00:00:00Z"}],
    "busy":[{"start":"2026-06-01T08:00:00Z","end":"2026-06-01T09:00:00Z"}]}]}"#;
const QUERY: &str = r#"{"from":"2026-06-01T00:00:00Z","to":"2026-06-02T00:00:00Z",
  "now":"2026-05-30T12:00:00Z","limit":100}"#;
const R1: &str = "00000000-0000-0000-0000-0000000000a1";

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap()
}

#[wasm_bindgen_test]
fn slots_come_back_as_plain_objects_with_iso_strings() {
    let list = rdv_wasm::compute_slots(js(SNAPSHOT), js(QUERY)).unwrap();
    let json = JSON::stringify(&list).unwrap().as_string().unwrap();
    assert_eq!(
        json,
        r#"{"slots":[{"resource_id":"00000000-0000-0000-0000-0000000000a1","start":"2026-06-01T07:00:00Z","end":"2026-06-01T08:00:00Z","seats_left":1},{"resource_id":"00000000-0000-0000-0000-0000000000a1","start":"2026-06-01T09:00:00Z","end":"2026-06-01T10:00:00Z","seats_left":1}],"truncated":false}"#
    );
}

#[wasm_bindgen_test]
fn the_snapshot_may_be_json_text() {
    let list = rdv_wasm::compute_slots(SNAPSHOT.into(), js(QUERY)).unwrap();
    assert_eq!(js_sys::Array::from(&get(&list, "slots")).length(), 2);
}

#[wasm_bindgen_test]
fn errors_are_js_errors_with_the_core_code() {
    let err = rdv_wasm::check_slot(
        js(SNAPSHOT),
        R1,
        "2026-06-01T08:00:00Z",
        "2026-05-30T12:00:00Z",
    )
    .unwrap_err();
    assert!(err.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&err, "code").as_string().unwrap(), "BOOKING_OVERLAP");
    let message = get(&err, "message").as_string().unwrap();
    assert!(message.contains("already booked"), "{message}");
}

#[wasm_bindgen_test]
fn validation_errors_list_their_fields() {
    let bad = SNAPSHOT.replace(r#""seats":1"#, r#""seats":0"#);
    let err = rdv_wasm::compute_slots(js(&bad), js(QUERY)).unwrap_err();
    assert_eq!(get(&err, "code").as_string().unwrap(), "VALIDATION_FAILED");
    let first = js_sys::Array::from(&get(&err, "fields")).get(0);
    assert_eq!(get(&first, "field").as_string().unwrap(), "rules.seats");
}

#[wasm_bindgen_test]
fn candidates_carry_a_code_or_seats() {
    let list = rdv_wasm::explain_candidates(js(SNAPSHOT), js(QUERY)).unwrap();
    let second = js_sys::Array::from(&list).get(1);
    assert_eq!(get(&second, "code").as_string().unwrap(), "BOOKING_OVERLAP");
    assert!(get(&second, "seats_left").is_null());
}

#[wasm_bindgen_test]
fn recurrence_and_overlaps_use_plain_numbers() {
    let exp = rdv_wasm::expand_recurrence(js(r#"{"rule":"FREQ=DAILY;COUNT=2",
        "dtstart":"2026-03-28T09:00:00","time_zone":"Europe/Paris",
        "window":{"start":"2026-03-01T00:00:00Z","end":"2026-04-01T00:00:00Z"},"limit":10}"#))
    .unwrap();
    assert_eq!(
        JSON::stringify(&get(&exp, "occurrences"))
            .unwrap()
            .as_string()
            .unwrap(),
        r#"["2026-03-28T08:00:00Z","2026-03-29T07:00:00Z"]"#
    );
    let hits = rdv_wasm::find_overlaps(
        js(r#"[{"start":"2026-06-01T08:00:00Z","end":"2026-06-01T09:00:00Z"}]"#),
        js(r#"{"start":"2026-06-01T08:30:00Z","end":"2026-06-01T08:45:00Z"}"#),
    )
    .unwrap();
    assert_eq!(js_sys::Array::from(&hits).get(0).as_f64(), Some(0.0));
}
