//! Slot computation benchmarks (issue 2, target a): one resource over 30 days, Mon–Fri
//! 09:00–17:00 Europe/Berlin, 5-minute buffer before and 10 after, 120-minute notice, services
//! of 15 and 30 minutes on a step equal to the duration, with 0 to 10,000 existing
//! reservations given in random order. Results are asserted inside the loop.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::hint::black_box;

use chrono::{Duration, NaiveDate};
use chrono_tz::Tz;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use rdv_core::hours::{OpeningHours, TimeRange};
use rdv_core::model::{ResourceId, SlotRules, Zone};
use rdv_core::slots::{
    Busy, ResourceSchedule, SNAPSHOT_VERSION, Schedule, SlotQuery, compute_slots,
};
use rdv_core::tz::resolve_local;
use rdv_core::{Interval, Timestamp};

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const TZ: Tz = Tz::Europe__Berlin;

fn local(day: NaiveDate, minutes: i64) -> Timestamp {
    resolve_local(
        TZ,
        day.and_hms_opt(0, 0, 0).unwrap() + Duration::minutes(minutes),
    )
}

fn weekdays(first: NaiveDate, count: usize) -> impl Iterator<Item = NaiveDate> {
    first
        .iter_days()
        .filter(|d| chrono::Datelike::weekday(d).num_days_from_monday() < 5)
        .take(count)
}

/// `n` non-overlapping 30-minute reservations (5 + 10 minutes of buffers) spread over
/// weekdays from `first`, at most 7 a day, in random order.
fn reservations(first: NaiveDate, n: usize, rng: &mut XorShift) -> Vec<Busy> {
    if n == 0 {
        return Vec::new();
    }
    let per_day = n.div_ceil(22).clamp(1, 7);
    let days = n.div_ceil(per_day);
    let segment = 480 / per_day as i64; // minutes of opening per reservation
    let mut out = Vec::with_capacity(n);
    for day in weekdays(first, days) {
        for k in 0..per_day {
            if out.len() == n {
                break;
            }
            // A 45-minute blocked range (5 + 30 + 10) somewhere in its segment, on quarter hours.
            let room = (segment - 45) / 15;
            let offset = 9 * 60 + k as i64 * segment + 5 + rng.below(room as u64 + 1) as i64 * 15;
            out.push(Busy {
                start: local(day, offset),
                end: local(day, offset + 30),
                buffer_before_minutes: 5,
                buffer_after_minutes: 10,
                same_service: true,
            });
        }
    }
    for i in (1..out.len()).rev() {
        out.swap(i, rng.below(i as u64 + 1) as usize);
    }
    out
}

fn schedule(first: NaiveDate, duration: u32, busy: Vec<Busy>) -> Schedule {
    let windows = weekdays(first, 22)
        .map(|d| Interval::new(local(d, 9 * 60), local(d, 17 * 60)).unwrap())
        .collect();
    Schedule {
        version: SNAPSHOT_VERSION,
        time_zone: Zone(TZ),
        opening_hours: OpeningHours::same_every_day(
            &[TimeRange::parse("09:00", "17:00").unwrap()],
            &[0, 1, 2, 3, 4],
        ),
        closures: vec![],
        special_hours: vec![],
        rules: SlotRules {
            duration_minutes: duration,
            step_minutes: duration,
            buffer_before_minutes: 5,
            buffer_after_minutes: 10,
            min_notice_minutes: 120,
            horizon_days: 60,
            seats: 1,
        },
        resources: vec![ResourceSchedule {
            resource_id: ResourceId::from_uuid(Default::default()),
            windows,
            busy,
            working_hours: None,
        }],
    }
}

fn query(first: NaiveDate) -> SlotQuery {
    SlotQuery {
        from: local(first, 0),
        to: local(first + Duration::days(30), 0),
        now: local(first - Duration::days(1), 0),
        limit: 100_000,
    }
}

fn bench_slots(c: &mut Criterion) {
    let mut group = c.benchmark_group("slots/compute");
    // 2026-06-01 is a Monday: 30 days hold 22 weekdays and no DST change.
    let june = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    // 2026-03-16 is a Monday: the 30 days contain Berlin's spring-forward (29 March).
    let march = NaiveDate::from_ymd_opt(2026, 3, 16).unwrap();
    for duration in [15u32, 30] {
        for n in [0usize, 10, 100, 1_000, 10_000] {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15 ^ n as u64);
            let s = schedule(june, duration, reservations(june, n, &mut rng));
            let q = query(june);
            let expected = compute_slots(&s, &q).unwrap().slots.len();
            if n == 0 {
                // 22 weekdays × 8 hours, cut into slots of the duration.
                assert_eq!(expected, 22 * 8 * 60 / duration as usize);
            } else {
                assert!(
                    expected < 22 * 8 * 60 / duration as usize,
                    "reservations must remove slots"
                );
            }
            group.bench_with_input(
                BenchmarkId::new(format!("{duration}min"), format!("{n}_bookings")),
                &(s, q),
                |b, (s, q)| {
                    b.iter(|| {
                        let list = compute_slots(black_box(s), black_box(q)).unwrap();
                        assert_eq!(list.slots.len(), expected);
                        list
                    });
                },
            );
        }
        let mut rng = XorShift(7);
        let s = schedule(march, duration, reservations(march, 100, &mut rng));
        let q = query(march);
        let expected = compute_slots(&s, &q).unwrap().slots.len();
        group.bench_with_input(
            BenchmarkId::new(format!("{duration}min_across_dst"), "100_bookings"),
            &(s, q),
            |b, (s, q)| {
                b.iter(|| {
                    let list = compute_slots(black_box(s), black_box(q)).unwrap();
                    assert_eq!(list.slots.len(), expected);
                    list
                });
            },
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench_slots
}
criterion_main!(benches);
