//! Recurrence expansion: `FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR` at 09:00 Europe/Berlin from
//! Monday 2026-01-05, expanded over one and ten years, against the `rrule` crate on the same
//! rule and window.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::hint::black_box;

use chrono::{NaiveDate, TimeZone};
use criterion::{Criterion, criterion_group, criterion_main};
use rdv_core::recurrence::{Recurrence, RecurrenceRule};
use rdv_core::{Interval, Timestamp};

const RULE: &str = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR";

/// `(name, window end, weekdays in [2026-01-05, end))`.
const CASES: [(&str, &str, usize); 2] = [
    // 365 days from a Monday: 52 weeks and Monday 2027-01-04.
    ("weekdays_1y", "2027-01-05T00:00:00Z", 261),
    // 3652 days (2028 and 2032 are leap years): 521 weeks and Monday..Friday.
    ("weekdays_10y", "2036-01-05T00:00:00Z", 2610),
];

fn recurrence(c: &mut Criterion) {
    let start = "2026-01-05T00:00:00Z".parse::<Timestamp>().unwrap();
    let dtstart = NaiveDate::from_ymd_opt(2026, 1, 5)
        .unwrap()
        .and_hms_opt(9, 0, 0)
        .unwrap();
    let ours = Recurrence::new(
        dtstart,
        chrono_tz::Europe::Berlin,
        RecurrenceRule::parse(RULE).unwrap(),
    )
    .unwrap();
    let theirs: rrule::RRuleSet =
        format!("DTSTART;TZID=Europe/Berlin:20260105T090000\nRRULE:{RULE}")
            .parse()
            .unwrap();

    let mut group = c.benchmark_group("recurrence/expand");
    for (name, end, expected) in CASES {
        let window = Interval::new(start, end.parse().unwrap()).unwrap();
        group.bench_function(name, |b| {
            b.iter(|| {
                let exp = black_box(&ours).expand(black_box(window), 10_000);
                assert_eq!(exp.occurrences.len(), expected);
                assert!(!exp.truncated);
                exp
            });
        });
    }
    group.finish();

    let mut group = c.benchmark_group("recurrence/rrule_crate");
    let utc = |t: Timestamp| rrule::Tz::UTC.timestamp_opt(t.secs(), 0).unwrap();
    for (name, end, expected) in CASES {
        let (after, before) = (utc(start), utc(end.parse().unwrap()));
        group.bench_function(name, |b| {
            b.iter(|| {
                let result = black_box(&theirs)
                    .clone()
                    .after(after)
                    .before(before)
                    .all(u16::MAX);
                assert_eq!(result.dates.len(), expected);
                result
            });
        });
    }
    group.finish();
}

criterion_group!(benches, recurrence);
criterion_main!(benches);
