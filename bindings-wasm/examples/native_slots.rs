//! The native side of `bench/slots.mjs`: times `rdv_core::slots::compute_slots` on the same
//! input file, without any marshalling (the snapshot is read once).

use std::time::{Duration, Instant};

use rdv_core::slots::{Schedule, SlotQuery, compute_slots};

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: native_slots <input.json>");
    let input: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read input")).expect("json");
    let schedule = Schedule::from_json_value(input["snapshot"].clone()).expect("snapshot");
    let query: SlotQuery = serde_json::from_value(input["query"].clone()).expect("query");
    let count = compute_slots(&schedule, &query).expect("slots").slots.len();
    let mut n = 0u32;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        let list = compute_slots(std::hint::black_box(&schedule), &query).expect("slots");
        assert_eq!(list.slots.len(), count);
        n += 1;
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("native compute_slots: {us:.2} µs/call ({n} calls) slots={count}");

    // The same with the snapshot read from its JSON text on every call (what a binding pays
    // at least, before crossing into JavaScript).
    let text = input["snapshot"].to_string();
    let mut n = 0u32;
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(2) {
        let schedule = Schedule::from_json(std::hint::black_box(&text)).expect("snapshot");
        let list = compute_slots(&schedule, &query).expect("slots");
        assert_eq!(list.slots.len(), count);
        n += 1;
    }
    let us = start.elapsed().as_secs_f64() * 1e6 / f64::from(n);
    println!("native from_json + compute_slots: {us:.2} µs/call ({n} calls)");
}
