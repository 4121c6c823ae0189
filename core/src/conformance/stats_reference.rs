//! The statistics case of the conformance suite over generated data: a store's aggregates
//! give the same figures as the core's reference [`aggregate`] over the same reservations
//! and windows, in zones whose offsets are whole, half and three-quarter hours, across their
//! DST changes, for every bucket size, with and without filters, and with periods on and off
//! the quarter-hour grid (a SQL store answers the former from its rollup, the latter from
//! the rows).

use std::collections::BTreeMap;

use super::{Fixture, iv, ts};
use crate::model::*;
use crate::ports::{IdSource, StatsStore, Store};
use crate::stats::{
    AggregateRequest, AggregateRows, Bucket, StatsInputs, StatsQuery, ZoneOffsets, aggregate,
    buckets, statistics,
};
use crate::time::{Interval, Timestamp};

/// A deterministic stream of numbers (SplitMix64).
struct Numbers(u64);

impl Numbers {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

const STATUSES: [ReservationStatus; 6] = ReservationStatus::ALL;

/// The figures of `current` and `previous` for `query` in `zone`, names left empty.
fn figures(
    query: &StatsQuery,
    zone: Zone,
    current: &AggregateRows,
    previous: &AggregateRows,
) -> crate::stats::Statistics {
    let spans = buckets(zone.0, query.period, query.bucket).unwrap();
    statistics(StatsInputs {
        query,
        zone,
        buckets: &spans,
        current,
        previous,
        names: &BTreeMap::new(),
    })
    .unwrap()
}

fn request(
    business: BusinessId,
    query: &StatsQuery,
    zone: Zone,
    windows_of: Option<Vec<ResourceId>>,
) -> AggregateRequest {
    let spans = buckets(zone.0, query.period, query.bucket).unwrap();
    let intervals: Vec<Interval> = spans.iter().map(|s| s.interval).collect();
    AggregateRequest::new(
        business,
        (query.service_id, query.resource_id),
        windows_of,
        &intervals,
        ZoneOffsets::new(zone.0, query.period),
    )
    .unwrap()
}

/// 400 generated reservations of two resources over February–April 2026 (one-to-one ones of
/// 10 minutes to 30 hours, group sessions of up to three seats, every status, some moved and
/// re-statused after booking, the oldest archived) and their windows: for 5 zones × 9
/// requests, the store's rows and the reference's give equal figures.
pub async fn statistics_match_the_reference_over_generated_data(store: impl Store + StatsStore) {
    let f = Fixture::new(&store).await;
    let (a, b) = (f.resource.id, f.other_resource.id);
    let mut group_rules = SlotRules::simple(60);
    group_rules.seats = 3;
    let group = Service {
        id: ServiceId::from_uuid(f.ids.next_uuid()),
        name: "Group".into(),
        price: Money::new(1500, Currency::parse("CHF").unwrap()),
        rules: group_rules,
        resource_ids: vec![b],
        ..f.service.clone()
    };
    store.save_service(&group).await.unwrap();
    let mut numbers = Numbers(17);
    let origin = ts("2026-02-01T00:00:00Z").secs();
    let status = |n: &mut Numbers| STATUSES[n.below(6) as usize];
    let mut stored: Vec<Reservation> = Vec::new();
    // One-to-one reservations of `a`, one after the other (any status never overlaps).
    let mut at = origin;
    while stored.len() < 300 {
        at += 60 * 5 * (1 + numbers.below(40) as i64);
        let minutes = match numbers.below(10) {
            0 => 60 * (2 + numbers.below(28)),
            _ => 10 + 5 * numbers.below(24),
        };
        let interval = Interval::new(
            Timestamp::from_secs(at),
            Timestamp::from_secs(at + 60 * minutes as i64),
        )
        .unwrap();
        at = interval.end().secs();
        let mut r = f.reservation(f.new_client(), a, interval);
        (r.buffer_before_minutes, r.buffer_after_minutes) = (0, 0);
        r.status = status(&mut numbers);
        r.created_at = Timestamp::from_secs(at - 60 * numbers.below(20_000) as i64);
        r.price = Money::new(
            100 * numbers.below(90) as i64,
            Currency::parse(["EUR", "CHF"][numbers.below(2) as usize]).unwrap(),
        );
        store.insert_reservation(&r, 1).await.unwrap();
        stored.push(r);
    }
    // Group sessions of `b`: an hour, one to three seats each.
    let mut at = origin + 3_000;
    while stored.len() < 400 {
        at += 60 * 15 * (20 + numbers.below(200) as i64);
        let interval = Interval::starting_at(Timestamp::from_secs(at), 60).unwrap();
        for _ in 0..1 + numbers.below(3) {
            let mut r = f.reservation(f.new_client(), b, interval);
            (r.buffer_before_minutes, r.buffer_after_minutes) = (0, 0);
            r.service_id = group.id;
            r.price = group.price;
            r.status = status(&mut numbers);
            r.created_at = Timestamp::from_secs(at - 60 * numbers.below(5_000) as i64);
            store
                .insert_reservation(&r, group.rules.seats)
                .await
                .unwrap();
            stored.push(r);
        }
    }
    // Some change after booking: a new status, or a shorter appointment.
    for k in (0..stored.len()).step_by(7) {
        let mut r = stored[k].clone();
        r.status = status(&mut numbers);
        if r.resource_id == a && k % 2 == 0 {
            r.interval =
                Interval::new(r.interval.start(), r.interval.start().add_secs(600)).unwrap();
        }
        r.history.push(TransitionRecord {
            from: Some(stored[k].status),
            to: r.status,
            actor: Actor::Business,
            at: r.created_at,
            reason: None,
        });
        store.update_reservation(&r, None).await.unwrap();
        stored[k] = r;
    }
    let windows: Vec<AvailabilityWindow> = (0..80)
        .map(|d| {
            let day = origin + d * 86_400 + 3_600 * (d % 5);
            f.window(
                [a, b][d as usize % 2],
                Interval::new(
                    Timestamp::from_secs(day),
                    Timestamp::from_secs(day + 3_600 * (4 + d % 9)),
                )
                .unwrap(),
            )
        })
        .collect();
    store.insert_windows(&windows).await.unwrap();
    let archived = store
        .archive_reservations(ts("2026-02-20T00:00:00Z"))
        .await
        .unwrap();
    assert!(archived > 20, "the oldest are archived ({archived})");

    let business = f.business.id;
    let zones = [
        "Europe/Paris",
        "Asia/Kolkata",
        "Asia/Kathmandu",
        "America/St_Johns",
        "Australia/Lord_Howe",
    ];
    for name in zones {
        let zone = Zone(crate::tz::parse_zone(name).unwrap());
        let local = |date: &str| {
            let day = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
            crate::tz::resolve_local(zone.0, day.and_hms_opt(0, 0, 0).unwrap())
        };
        let whole = Interval::new(local("2026-02-01"), local("2026-05-01")).unwrap();
        let march = Interval::new(local("2026-03-01"), local("2026-04-01")).unwrap();
        let off_grid = Interval::new(
            local("2026-03-05").add_secs(37 * 60 + 11),
            local("2026-03-19").add_secs(-7),
        )
        .unwrap();
        let week = Interval::new(local("2026-03-24"), local("2026-04-07")).unwrap();
        let on_grid_hours = iv("2026-03-07T10:15:00Z", "2026-03-29T18:45:00Z");
        let queries = [
            (whole, Bucket::Month, None, None),
            (whole, Bucket::Week, None, None),
            (march, Bucket::Day, None, None),
            (whole, Bucket::Day, None, None),
            (week, Bucket::Day, None, None),
            (on_grid_hours, Bucket::Day, None, None),
            (off_grid, Bucket::Day, None, None),
            (march, Bucket::Week, Some(group.id), None),
            (march, Bucket::Day, None, Some(a)),
        ];
        for (period, bucket, service_id, resource_id) in queries {
            let query = StatsQuery {
                period,
                bucket,
                service_id,
                resource_id,
            };
            let windows_of = match (service_id, resource_id) {
                (Some(_), _) => Some(vec![b]),
                (None, Some(r)) => Some(vec![r]),
                (None, None) => None,
            };
            let current = request(business, &query, zone, windows_of.clone());
            let before = crate::stats::previous_period(period);
            let previous = AggregateRequest::new(
                business,
                (service_id, resource_id),
                windows_of,
                &[before],
                ZoneOffsets::new(zone.0, before),
            )
            .unwrap();
            let got = figures(
                &query,
                zone,
                &store.stats_aggregates(&current).await.unwrap(),
                &store.stats_aggregates(&previous).await.unwrap(),
            );
            let want = figures(
                &query,
                zone,
                &aggregate(&current, &stored, &windows),
                &aggregate(&previous, &stored, &windows),
            );
            assert_eq!(got, want, "{name}: {query:?}");
            assert!(
                want.totals.appointments.value > 0,
                "{name}: {query:?} is empty"
            );
        }
    }
}
