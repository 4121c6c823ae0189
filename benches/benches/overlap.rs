//! Overlap index benchmarks (CORE-2): one 1-hour query against a year of bookings.
//!
//! Bookings last 30–90 minutes on a 5-minute grid, start between 08:00 and 19:00 UTC on a
//! random day of 2026, and often overlap each other (many resources share the index). Each
//! iteration runs one query from a fixed rotation of 1,024 realistic 1-hour queries and asserts
//! the number of hits against the naive reference, computed once before measuring.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rdv_core::overlap::{OverlapIndex, overlaps_naive};
use rdv_core::{Interval, Timestamp};

/// 2026-01-01T00:00:00Z.
const YEAR_START: i64 = 1_767_225_600;
const MINUTE: i64 = 60;
const DAY: i64 = 86_400;
/// Queries in the rotation; a power of two so the rotation is a mask.
const QUERIES: usize = 1024;

/// xorshift64*: small, deterministic, good enough to scatter bookings.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> i64 {
        (self.next() % n) as i64
    }
}

fn interval(start: i64, minutes: i64) -> Interval {
    Interval::new(
        Timestamp::from_secs(start),
        Timestamp::from_secs(start + minutes * MINUTE),
    )
    .expect("positive length")
}

/// A start between 08:00 and 19:00 on a 5-minute grid, on a random day of the year.
fn business_start(rng: &mut XorShift) -> i64 {
    YEAR_START + rng.below(365) * DAY + 8 * 60 * MINUTE + rng.below(11 * 12) * 5 * MINUTE
}

fn bookings(n: usize, seed: u64) -> Vec<Interval> {
    let mut rng = XorShift(seed);
    (0..n)
        .map(|_| {
            let start = business_start(&mut rng);
            interval(start, 30 + 5 * rng.below(13))
        })
        .collect()
}

fn queries(seed: u64) -> Vec<Interval> {
    let mut rng = XorShift(seed);
    (0..QUERIES)
        .map(|_| interval(business_start(&mut rng), 60))
        .collect()
}

fn bench_queries(c: &mut Criterion, n: usize) {
    let items = bookings(n, 0x9E37_79B9_7F4A_7C15 ^ n as u64);
    let queries = queries(0xD1B5_4A32_D192_ED03);
    let expected: Vec<usize> = queries
        .iter()
        .map(|&q| overlaps_naive(&items, q).len())
        .collect();
    let index: OverlapIndex<usize> = items.iter().copied().zip(0..).collect();
    let mean = expected.iter().sum::<usize>() as f64 / QUERIES as f64;
    eprintln!("overlap/query/{n}: {mean:.1} hits per query on average");

    let mut i = 0;
    c.bench_function(&format!("overlap/query/{n}"), |b| {
        b.iter(|| {
            i = (i + 1) & (QUERIES - 1);
            let hits = index.overlapping(black_box(queries[i])).count();
            assert_eq!(hits, expected[i]);
            hits
        });
    });

    if n < 100_000 {
        return;
    }

    c.bench_function(&format!("overlap/visit/{n}"), |b| {
        b.iter(|| {
            i = (i + 1) & (QUERIES - 1);
            let mut hits = 0;
            index.for_each_overlapping(black_box(queries[i]), |_, _| hits += 1);
            assert_eq!(hits, expected[i]);
            hits
        });
    });

    c.bench_function(&format!("overlap/any/{n}"), |b| {
        b.iter(|| {
            i = (i + 1) & (QUERIES - 1);
            let any = index.any_overlap(black_box(queries[i]));
            assert_eq!(any, expected[i] > 0);
            any
        });
    });

    c.bench_function(&format!("overlap/naive/{n}"), |b| {
        b.iter(|| {
            i = (i + 1) & (QUERIES - 1);
            let hits = overlaps_naive(black_box(&items), black_box(queries[i])).len();
            assert_eq!(hits, expected[i]);
            hits
        });
    });

    let pairs: Vec<(Interval, usize)> = items.iter().copied().zip(0..).collect();
    c.bench_function(&format!("overlap/build/{n}"), |b| {
        b.iter_batched(
            || pairs.clone(),
            |pairs| {
                let index = OverlapIndex::new(pairs);
                assert_eq!(index.len(), n);
                index
            },
            BatchSize::LargeInput,
        );
    });
}

fn overlap(c: &mut Criterion) {
    bench_queries(c, 1_000);
    bench_queries(c, 100_000);
}

criterion_group!(benches, overlap);
criterion_main!(benches);
