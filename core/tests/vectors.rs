//! Runs every shared test vector (`vectors/*.json` at the repository root) against rdv-core
//! directly. The WASM and mobile bindings run the same files through their own APIs; the format
//! is described in `vectors/README.md`.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::path::Path;

use chrono::NaiveDateTime;
use rdv_core::booking::{BookingRequest, validate_booking};
use rdv_core::model::{Business, ClientId, ResourceId, Service, Zone};
use rdv_core::overlap::{OverlapIndex, find_overlapping_pair};
use rdv_core::slots::{Schedule, SlotQuery, check_slot, compute_slots, explain_candidates};
use rdv_core::{Interval, Recurrence, RecurrenceRule, Result, Timestamp};
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
struct RawInterval {
    start: Timestamp,
    end: Timestamp,
}

fn from<T: serde::de::DeserializeOwned>(v: &Value) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("bad vector input {v}: {e}"))
}

fn interval(v: &Value) -> Result<Interval> {
    let raw: RawInterval = from(v);
    Interval::new(raw.start, raw.end)
}

fn intervals(v: &Value) -> Result<Vec<Interval>> {
    v.as_array().unwrap().iter().map(interval).collect()
}

fn run(function: &str, input: &Value) -> Result<Value> {
    let snapshot = || Schedule::from_json_value(input["snapshot"].clone());
    Ok(match function {
        "compute_slots" => json!(compute_slots(&snapshot()?, &from(&input["query"]))?),
        "explain_candidates" => {
            let query: SlotQuery = from(&input["query"]);
            let list = explain_candidates(&snapshot()?, &query)?;
            Value::Array(
                list.iter()
                    .map(|c| {
                        json!({
                            "resource_id": c.resource_id,
                            "start": c.start,
                            "end": c.end,
                            "seats_left": c.verdict.ok(),
                            "code": c.verdict.err().map(|code| code.as_str()),
                        })
                    })
                    .collect(),
            )
        }
        "check_slot" => {
            let seats = check_slot(
                &snapshot()?,
                from::<ResourceId>(&input["resource_id"]),
                from(&input["start"]),
                from(&input["now"]),
            )?;
            json!({ "seats_left": seats })
        }
        "validate_booking" => {
            let business: Business = from(&input["business"]);
            let service: Service = from(&input["service"]);
            let request: BookingRequest = from(&input["request"]);
            let valid = validate_booking(
                &business,
                &service,
                &snapshot()?,
                from::<ClientId>(&input["client_id"]),
                &intervals(&input["client_busy"])?,
                &request,
                from(&input["now"]),
            )?;
            json!(valid)
        }
        "find_overlaps" => {
            let items = intervals(&input["intervals"])?;
            let query = interval(&input["query"])?;
            let index = OverlapIndex::new(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, iv)| (iv, i))
                    .collect(),
            );
            let mut indices: Vec<usize> = index.overlapping(query).map(|(_, &i)| i).collect();
            indices.sort_unstable();
            json!({ "indices": indices })
        }
        "find_overlapping_pair" => {
            let pair = find_overlapping_pair(&intervals(&input["intervals"])?);
            json!({ "pair": pair.map(|(i, j)| [i, j]) })
        }
        "expand_recurrence" => {
            let zone = Zone::parse(input["time_zone"].as_str().unwrap())?;
            let rule = RecurrenceRule::parse(input["rule"].as_str().unwrap())?;
            let local = |v: &Value| -> NaiveDateTime { from(v) };
            let exdates: Vec<NaiveDateTime> = input["exdates"]
                .as_array()
                .unwrap()
                .iter()
                .map(local)
                .collect();
            let recurrence =
                Recurrence::new(local(&input["dtstart"]), zone.0, rule)?.with_exdates(exdates);
            let window = interval(&input["window"])?;
            let expansion = recurrence.expand(window, from(&input["limit"]));
            json!({ "occurrences": expansion.occurrences, "truncated": expansion.truncated })
        }
        other => panic!("unknown vector function {other:?}"),
    })
}

fn outcome(result: Result<Value>, expected: &Value) -> Value {
    match result {
        Ok(value) => json!({ "ok": value }),
        Err(e) => {
            let mut error = json!({ "code": e.code().as_str() });
            if expected["error"].get("fields").is_some() {
                error["fields"] = json!(
                    e.field_errors()
                        .iter()
                        .map(|f| &f.field)
                        .collect::<Vec<_>>()
                );
            }
            json!({ "error": error })
        }
    }
}

#[test]
fn every_shared_vector_holds_against_the_core() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../vectors");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    assert!(
        paths.len() >= 40,
        "expected at least 40 vectors, found {}",
        paths.len()
    );
    let mut failures = Vec::new();
    for path in &paths {
        let vector: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let name = vector["name"].as_str().unwrap();
        assert_eq!(
            path.file_stem().unwrap().to_str().unwrap(),
            name,
            "file name must match the vector name"
        );
        let got = outcome(
            run(vector["function"].as_str().unwrap(), &vector["input"]),
            &vector["expected"],
        );
        if got != vector["expected"] {
            failures.push(format!(
                "{name}:\n  expected {}\n  got      {got}",
                vector["expected"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} vector(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
