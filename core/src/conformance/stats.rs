//! The statistics case of the conformance suite: a fixed data set whose figures are worked
//! out by hand below, the same on every backend.

use std::collections::BTreeMap;

use super::{Fixture, iv, ts};
use crate::model::*;
use crate::ports::{FixedClock, IdSource, SequentialIds, StatsStore, Store};
use crate::stats::{
    Bucket, CountFigure, MinutesFigure, MoneyFigure, RatioFigure, Statistics, StatsQuery, Weekday,
};
use crate::time::Interval;
use crate::usecases::UseCases;

fn count(value: u64, previous: u64) -> CountFigure {
    CountFigure { value, previous }
}

fn ratio(value: Option<f64>, previous: Option<f64>) -> RatioFigure {
    RatioFigure { value, previous }
}

fn money(code: &str, value_minor: i64, previous_minor: i64) -> MoneyFigure {
    MoneyFigure {
        currency: Currency::parse(code).unwrap(),
        value_minor,
        previous_minor,
    }
}

fn amounts(list: &[(i64, &str)]) -> Vec<Money> {
    list.iter()
        .map(|&(amount, code)| Money::new(amount, Currency::parse(code).unwrap()))
        .collect()
}

/// A reservation of `service` with `resource` starting at `start` (UTC), in `status`,
/// created at `created`, for a client of its own.
fn booking(
    f: &Fixture,
    service: &Service,
    resource: ResourceId,
    start: &str,
    status: ReservationStatus,
    created: &str,
) -> Reservation {
    let rules = service.rules;
    Reservation {
        service_id: service.id,
        interval: Interval::starting_at(ts(start), rules.duration_minutes).unwrap(),
        buffer_before_minutes: rules.buffer_before_minutes,
        buffer_after_minutes: rules.buffer_after_minutes,
        status,
        price: service.price,
        history: vec![TransitionRecord {
            from: None,
            to: status,
            actor: Actor::Client,
            at: ts(created),
            reason: None,
        }],
        created_at: ts(created),
        ..f.reservation(f.new_client(), resource, iv(start, "2030-01-01T00:00:00Z"))
    }
}

/// Statistics of a Paris salon over Friday 27 to Monday 30 March 2026, across the change to
/// summer time (Sunday 29 lasts 23 hours), from live and archived reservations of two
/// services in two currencies on two resources, the same on every backend.
///
/// Data (local times; CET = UTC+1 until Sunday 29 03:00 CEST = UTC+2). A = Alice, B = Bob.
/// Coupe: 30 min + 10 min buffer, 25.00 EUR, A or B. Yoga: 60 min group of 3 seats, 40.00 CHF,
/// B. Windows: A Tue 24 09–12 (180 min), B Thu 26 22:00–Fri 02:00 (120 + 120), A Fri 27
/// 09–17 (480), B Sat 28 22:00–Sun 04:00 CEST (5 real hours: 120 Sat + 180 Sun), A Sun 29
/// 09–13 (240), B Mon 30 08–12 (240); another business's window and booking must not count.
///
/// | id | service, resource | start (local) | status | created (UTC) | lead (min) |
/// |---|---|---|---|---|---|
/// | p1 | Coupe A | Tue 24 09:00 | completed | 20th 08:00 | — (before) |
/// | p2 | Coupe A | Tue 24 09:40 | completed | 23rd 08:40 | 1440 (prev) |
/// | p3 | Coupe A | Tue 24 10:20 | no-show | 23rd 09:20 | 1440 (prev) |
/// | p4 | Coupe A | Tue 24 11:00 | cancelled by client | 23rd 10:00 | 1440 (prev) |
/// | p5 | Yoga B | Thu 26 22:00 | completed | 25th 21:00 | 1440 (prev) |
/// | p6 | Coupe B | Thu 26 23:45 | completed | 26th 12:00 | 645 (prev) |
/// | c1 | Coupe A | Fri 27 09:00 | completed | 25th 08:00 | 2880 (prev) |
/// | c2 | Coupe A | Fri 09:40 | completed | 26th 08:40 | 1440 (prev) |
/// | c3 | Coupe A | Fri 10:20 | no-show | 27th 06:20 | 180 |
/// | c4 | Coupe A | Fri 11:00 | cancelled by business | 27th 07:00 | 180 |
/// | c5 | Coupe A | Fri 14:00 | completed | 27th 07:00 | 360 |
/// | c6a,b,c | Yoga B | Sat 28 22:00 | confirmed, pending, cancelled by client | 28th 09, 10, 11:00 | 720, 660, 600 |
/// | c7 | Coupe B | Sat 23:45 | confirmed | 27th 22:45 | 1440 |
/// | c8 | Coupe B | Sun 29 01:30 CET | completed | 26th 00:30 | 4320 (prev) |
/// | c9 | Coupe B | Sun 03:10 CEST | no-show | 28th 13:10 | 720 |
/// | c10 | Coupe A | Sun 09:00 | completed | 29th 06:00 | 60 |
/// | c11 | Coupe A | Sun 10:00 | cancelled by client | 27th 08:00 | 2880 |
/// | c12 | Coupe A | Sun 11:00 | pending | 29th 08:30 | 30 |
/// | c13 | Yoga B | Mon 30 08:00 | confirmed | 29th 20:00 | 600 |
/// | c14 | Coupe B | Mon 09:30 | confirmed | 30th 05:00 | 150 |
/// | c15 | Coupe B | Mon 10:30 | cancelled by business | 30th 05:30 | 180 |
/// | c16 | Coupe A | Thu 2 April 10:00 | pending | 30th 12:00 | 4080 |
///
/// p1–p6 and c1–c5 end before Saturday 28 00:00Z and are archived first. The previous
/// period is the 95 hours before: Monday 23 01:00 CET to Friday 27 00:00 CET.
pub async fn statistics_add_up_live_and_archived_reservations(store: impl Store + StatsStore) {
    use ReservationStatus::{
        CancelledByBusiness as Cbb, CancelledByClient as Cbc, Completed, Confirmed, NoShow, Pending,
    };
    let f = Fixture::new(&store).await;
    let (a, b) = (f.resource.id, f.other_resource.id);
    let coupe = f.service.clone();
    let mut yoga_rules = SlotRules::simple(60);
    yoga_rules.seats = 3;
    let yoga = Service {
        id: ServiceId::from_uuid(f.ids.next_uuid()),
        name: "Yoga".into(),
        price: Money::new(4000, Currency::parse("CHF").unwrap()),
        rules: yoga_rules,
        resource_ids: vec![b],
        ..coupe.clone()
    };
    store.save_service(&yoga).await.unwrap();
    let windows = [
        (a, "2026-03-24T08:00:00Z", "2026-03-24T11:00:00Z"),
        (b, "2026-03-26T21:00:00Z", "2026-03-27T01:00:00Z"),
        (a, "2026-03-27T08:00:00Z", "2026-03-27T16:00:00Z"),
        (b, "2026-03-28T21:00:00Z", "2026-03-29T02:00:00Z"),
        (a, "2026-03-29T07:00:00Z", "2026-03-29T11:00:00Z"),
        (b, "2026-03-30T06:00:00Z", "2026-03-30T10:00:00Z"),
    ];
    let windows: Vec<AvailabilityWindow> = windows
        .iter()
        .map(|&(r, s, e)| f.window(r, iv(s, e)))
        .collect();
    store.insert_windows(&windows).await.unwrap();
    let data = [
        (
            &coupe,
            a,
            "2026-03-24T08:00:00Z",
            Completed,
            "2026-03-20T08:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-24T08:40:00Z",
            Completed,
            "2026-03-23T08:40:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-24T09:20:00Z",
            NoShow,
            "2026-03-23T09:20:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-24T10:00:00Z",
            Cbc,
            "2026-03-23T10:00:00Z",
        ),
        (
            &yoga,
            b,
            "2026-03-26T21:00:00Z",
            Completed,
            "2026-03-25T21:00:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-26T22:45:00Z",
            Completed,
            "2026-03-26T12:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-27T08:00:00Z",
            Completed,
            "2026-03-25T08:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-27T08:40:00Z",
            Completed,
            "2026-03-26T08:40:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-27T09:20:00Z",
            NoShow,
            "2026-03-27T06:20:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-27T10:00:00Z",
            Cbb,
            "2026-03-27T07:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-27T13:00:00Z",
            Completed,
            "2026-03-27T07:00:00Z",
        ),
        (
            &yoga,
            b,
            "2026-03-28T21:00:00Z",
            Confirmed,
            "2026-03-28T09:00:00Z",
        ),
        (
            &yoga,
            b,
            "2026-03-28T21:00:00Z",
            Pending,
            "2026-03-28T10:00:00Z",
        ),
        (
            &yoga,
            b,
            "2026-03-28T21:00:00Z",
            Cbc,
            "2026-03-28T11:00:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-28T22:45:00Z",
            Confirmed,
            "2026-03-27T22:45:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-29T00:30:00Z",
            Completed,
            "2026-03-26T00:30:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-29T01:10:00Z",
            NoShow,
            "2026-03-28T13:10:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-29T07:00:00Z",
            Completed,
            "2026-03-29T06:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-29T08:00:00Z",
            Cbc,
            "2026-03-27T08:00:00Z",
        ),
        (
            &coupe,
            a,
            "2026-03-29T09:00:00Z",
            Pending,
            "2026-03-29T08:30:00Z",
        ),
        (
            &yoga,
            b,
            "2026-03-30T06:00:00Z",
            Confirmed,
            "2026-03-29T20:00:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-30T07:30:00Z",
            Confirmed,
            "2026-03-30T05:00:00Z",
        ),
        (
            &coupe,
            b,
            "2026-03-30T08:30:00Z",
            Cbb,
            "2026-03-30T05:30:00Z",
        ),
        (
            &coupe,
            a,
            "2026-04-02T08:00:00Z",
            Pending,
            "2026-03-30T12:00:00Z",
        ),
    ];
    for (service, resource, start, status, created) in data {
        let r = booking(&f, service, resource, start, status, created);
        store
            .insert_reservation(&r, service.rules.seats)
            .await
            .unwrap();
    }
    // Another business's window and completed booking in the period count nowhere.
    let other = Business {
        id: BusinessId::from_uuid(f.ids.next_uuid()),
        owner_id: UserId::from_uuid(f.ids.next_uuid()),
        ..f.business.clone()
    };
    store.save_business(&other).await.unwrap();
    let other_resource = Resource {
        id: ResourceId::from_uuid(f.ids.next_uuid()),
        business_id: other.id,
        ..f.resource.clone()
    };
    store.save_resource(&other_resource).await.unwrap();
    let other_service = Service {
        id: ServiceId::from_uuid(f.ids.next_uuid()),
        business_id: other.id,
        resource_ids: vec![other_resource.id],
        ..coupe.clone()
    };
    store.save_service(&other_service).await.unwrap();
    let mut window = f.window(
        other_resource.id,
        iv("2026-03-28T08:00:00Z", "2026-03-28T12:00:00Z"),
    );
    window.business_id = other.id;
    store.insert_windows(&[window]).await.unwrap();
    let mut foreign = booking(
        &f,
        &other_service,
        other_resource.id,
        "2026-03-28T10:00:00Z",
        Completed,
        "2026-03-28T07:00:00Z",
    );
    foreign.business_id = other.id;
    store.insert_reservation(&foreign, 1).await.unwrap();
    assert_eq!(
        store
            .archive_reservations(ts("2026-03-28T00:00:00Z"))
            .await
            .unwrap(),
        11,
        "p1–p6 and c1–c5"
    );

    let business = f.business.id;
    let uc = UseCases::new(
        store,
        FixedClock(ts("2026-04-01T00:00:00Z")),
        SequentialIds::default(),
    );
    // Friday 27 00:00 CET to Tuesday 31 00:00 CEST: 24 + 24 + 23 + 24 = 95 hours.
    let period = iv("2026-03-26T23:00:00Z", "2026-03-30T22:00:00Z");
    let query = StatsQuery {
        period,
        bucket: Bucket::Day,
        service_id: None,
        resource_id: None,
    };
    let s: Statistics = uc.statistics(business, &query).await.unwrap();
    assert_eq!(
        s.previous_period,
        iv("2026-03-23T00:00:00Z", "2026-03-26T23:00:00Z")
    );
    let t = &s.totals;
    // Appointments by start: c1–c15 with the three Yoga seats of c6 (17); before: p1–p6.
    assert_eq!(t.appointments, count(17, 6));
    assert_eq!(t.pending, count(2, 0), "c6b, c12");
    assert_eq!(t.confirmed, count(4, 0), "c6a, c7, c13, c14");
    assert_eq!(t.completed, count(5, 4), "c1 c2 c5 c8 c10; p1 p2 p5 p6");
    assert_eq!(t.no_show, count(2, 1), "c3 c9; p3");
    assert_eq!(t.cancelled_by_client, count(2, 1), "c6c c11; p4");
    assert_eq!(t.cancelled_by_business, count(2, 0), "c4 c15");
    // Created in the period: c3 c4 c5 c7 c11 (Fri), c6abc c9 (Sat), c10 c12 c13 (Sun), c14
    // c15 c16 (Mon). Before: p2–p6, c1, c2, c8.
    assert_eq!(t.created, count(15, 8));
    // 180+180+360+1440+2880 + 720+660+600+720 + 60+30+600 + 150+180+4080 = 12840 over 15;
    // before: 1440 × 5 (p2 p3 p4 p5 c2) + 645 + 2880 + 4320 = 15045 over 8.
    assert_eq!(
        t.mean_lead_time_minutes,
        MinutesFigure {
            value: Some(856.0),
            previous: Some(1880.625)
        }
    );
    // Completed: 5 Coupes (12500 EUR); before 3 Coupes (7500 EUR) and p5's Yoga (4000 CHF).
    assert_eq!(
        t.completed_revenue,
        [money("CHF", 0, 4000), money("EUR", 12500, 7500)]
    );
    // Booked, not completed: Yoga c6a c6b c13 (12000 CHF), Coupe c7 c12 c14 (7500 EUR).
    assert_eq!(
        t.booked_revenue,
        [money("CHF", 12000, 0), money("EUR", 7500, 0)]
    );
    // Booked minutes: Fri c1 c2 c3 c5 + p6's 15 after midnight = 135; Sat the Yoga session
    // once (60) + c7 until midnight (15) = 75; Sun c7's other 15 + c8 c9 c10 c12 = 135; Mon c13
    // (60) + c14 = 90; 435 in all. Before: p1 p2 p3 p5 + p6's first 15 = 165.
    assert_eq!(t.booked_minutes, count(435, 165));
    // Available: 600 + 120 + 420 + 240 = 1380; before: 180 + 120 = 300.
    assert_eq!(t.available_minutes, count(1380, 300));
    assert_eq!(
        t.utilisation,
        ratio(Some(435.0 / 1380.0), Some(165.0 / 300.0))
    );
    assert_eq!(
        t.cancellation_rate,
        ratio(Some(4.0 / 17.0), Some(1.0 / 6.0))
    );
    assert_eq!(t.no_show_rate, ratio(Some(2.0 / 7.0), Some(1.0 / 5.0)));

    let days: Vec<_> = s
        .buckets
        .iter()
        .map(|b| {
            (
                b.label.to_string(),
                b.interval.duration_secs() / 3600,
                (b.appointments, b.created),
                (b.pending, b.confirmed, b.completed, b.no_show),
                (b.cancelled_by_client, b.cancelled_by_business),
                (b.booked_minutes, b.available_minutes),
            )
        })
        .collect();
    assert_eq!(
        days,
        [
            (
                "2026-03-27".into(),
                24,
                (5, 5),
                (0, 0, 3, 1),
                (0, 1),
                (135, 600)
            ),
            (
                "2026-03-28".into(),
                24,
                (4, 4),
                (1, 2, 0, 0),
                (1, 0),
                (75, 120)
            ),
            (
                "2026-03-29".into(),
                23,
                (5, 3),
                (1, 0, 2, 1),
                (1, 0),
                (135, 420)
            ),
            (
                "2026-03-30".into(),
                24,
                (3, 3),
                (0, 2, 0, 0),
                (0, 1),
                (90, 240)
            ),
        ]
    );
    let revenue: Vec<_> = s
        .buckets
        .iter()
        .map(|b| (b.completed_revenue.clone(), b.booked_revenue.clone()))
        .collect();
    assert_eq!(
        revenue,
        [
            (amounts(&[(7500, "EUR")]), vec![]),
            (vec![], amounts(&[(8000, "CHF"), (2500, "EUR")])),
            (amounts(&[(5000, "EUR")]), amounts(&[(2500, "EUR")])),
            (vec![], amounts(&[(4000, "CHF"), (2500, "EUR")])),
        ]
    );
    let utilisation: Vec<Option<f64>> = s.buckets.iter().map(|b| b.utilisation).collect();
    assert_eq!(
        utilisation,
        [
            Some(135.0 / 600.0),
            Some(75.0 / 120.0),
            Some(135.0 / 420.0),
            Some(90.0 / 240.0)
        ]
    );

    // By service: Coupe 13 appointments (completed c1 c2 c5 c8 c10, cancelled c4 c11 c15,
    // no-shows c3 c9; booked c7 c12 c14), before p1–p4 and p6; Yoga c6abc and c13, before p5.
    let by_service: Vec<_> = s
        .by_service
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.appointments,
                g.completed,
                g.cancelled,
                g.no_show,
            )
        })
        .collect();
    assert_eq!(
        by_service,
        [
            ("Coupe", count(13, 5), count(5, 3), count(3, 1), count(2, 1)),
            ("Yoga", count(4, 1), count(0, 1), count(1, 0), count(0, 0)),
        ]
    );
    assert_eq!(s.by_service[0].id, coupe.id.0);
    assert_eq!(
        s.by_service[0].completed_revenue,
        [money("EUR", 12500, 7500)]
    );
    assert_eq!(s.by_service[0].booked_revenue, [money("EUR", 7500, 0)]);
    assert_eq!(s.by_service[1].completed_revenue, [money("CHF", 0, 4000)]);
    assert_eq!(s.by_service[1].booked_revenue, [money("CHF", 12000, 0)]);
    // By resource: Alice c1–c5 c10–c12 (8), before p1–p4; Bob the rest (9), before p5 p6.
    let by_resource: Vec<_> = s
        .by_resource
        .iter()
        .map(|g| {
            (
                g.name.as_str(),
                g.appointments,
                g.completed,
                g.cancelled,
                g.no_show,
                g.completed_revenue.clone(),
                g.booked_revenue.clone(),
            )
        })
        .collect();
    assert_eq!(
        by_resource,
        [
            (
                "Alice",
                count(8, 4),
                count(4, 2),
                count(2, 1),
                count(1, 1),
                vec![money("EUR", 10000, 5000)],
                vec![money("EUR", 2500, 0)],
            ),
            (
                "Bob",
                count(9, 2),
                count(1, 2),
                count(2, 0),
                count(1, 0),
                vec![money("CHF", 0, 4000), money("EUR", 2500, 2500)],
                vec![money("CHF", 12000, 0), money("EUR", 5000, 0)],
            ),
        ]
    );

    // Weekdays and hours of the appointments that hold their time (13; before 5): Fri 09 09
    // 10 14, Sat 22 22 23, Sun 01 (CET) 03 (CEST) 09 11, Mon 08 09; before Tue 09 09 10,
    // Thu 22 23.
    let weekdays: Vec<(Weekday, CountFigure)> = s
        .weekdays
        .iter()
        .map(|w| (w.weekday, w.appointments))
        .collect();
    assert_eq!(
        weekdays,
        [
            (Weekday::Monday, count(2, 0)),
            (Weekday::Tuesday, count(0, 3)),
            (Weekday::Wednesday, count(0, 0)),
            (Weekday::Thursday, count(0, 2)),
            (Weekday::Friday, count(4, 0)),
            (Weekday::Saturday, count(3, 0)),
            (Weekday::Sunday, count(4, 0)),
        ]
    );
    let hours: BTreeMap<u8, CountFigure> = s
        .hours
        .iter()
        .filter(|h| h.appointments != CountFigure::default())
        .map(|h| (h.hour, h.appointments))
        .collect();
    assert_eq!(
        hours,
        BTreeMap::from([
            (1, count(1, 0)),
            (3, count(1, 0)),
            (8, count(1, 0)),
            (9, count(4, 2)),
            (10, count(1, 1)),
            (11, count(1, 0)),
            (14, count(1, 0)),
            (22, count(2, 1)),
            (23, count(1, 1)),
        ])
    );
    assert_eq!(s.hours.len(), 24);
    assert_eq!(s.weekday_hours.len(), 15);
    // Friday and Sunday tie at 4: the earlier weekday is the busiest.
    assert_eq!(
        s.busiest,
        crate::stats::Busiest {
            weekday: Some(Weekday::Friday),
            previous_weekday: Some(Weekday::Tuesday),
            hour: Some(9),
            previous_hour: Some(9),
        }
    );

    // Yoga only, by week: its resource Bob's windows are the available time (120 Fri + 120
    // Sat + 180 Sun = 420 in the week of the 23rd, 240 on Monday 30); the session once and
    // c13: 60 + 60. Before: p5 in Bob's 120 minutes on Thursday.
    let yoga_only = StatsQuery {
        bucket: Bucket::Week,
        service_id: Some(yoga.id),
        ..query
    };
    let s = uc.statistics(business, &yoga_only).await.unwrap();
    let weeks: Vec<_> = s
        .buckets
        .iter()
        .map(|b| {
            (
                b.label.to_string(),
                b.appointments,
                b.booked_minutes,
                b.available_minutes,
            )
        })
        .collect();
    assert_eq!(
        weeks,
        [
            ("2026-03-23".to_owned(), 3, 60, 420),
            ("2026-03-30".to_owned(), 1, 60, 240),
        ]
    );
    assert_eq!(s.totals.appointments, count(4, 1));
    assert_eq!(s.totals.created, count(4, 1), "c6abc c13; p5");
    assert_eq!(s.totals.utilisation, ratio(Some(120.0 / 660.0), Some(0.5)));
    assert_eq!(s.by_resource.len(), 1);
    assert_eq!(s.by_resource[0].name, "Bob");

    // Alice only, by month: one bucket labelled 1 March; her windows 480 + 240, booked c1 c2
    // c3 c5 c10 c12 (180). Before: 180 available, p1 p2 p3 booked (90).
    let alice = StatsQuery {
        bucket: Bucket::Month,
        resource_id: Some(a),
        ..query
    };
    let s = uc.statistics(business, &alice).await.unwrap();
    assert_eq!(s.buckets.len(), 1);
    assert_eq!(s.buckets[0].label.to_string(), "2026-03-01");
    assert_eq!(s.totals.appointments, count(8, 4));
    assert_eq!(s.totals.booked_minutes, count(180, 90));
    assert_eq!(s.totals.available_minutes, count(720, 180));
    assert_eq!(s.totals.utilisation, ratio(Some(0.25), Some(0.5)));

    // Yoga with Alice, who does not perform it: nothing booked, no available time.
    let nobody = StatsQuery {
        service_id: Some(yoga.id),
        resource_id: Some(a),
        ..query
    };
    let s = uc.statistics(business, &nobody).await.unwrap();
    assert_eq!(s.totals.appointments, count(0, 0));
    assert_eq!(s.totals.available_minutes, count(0, 0));
    assert_eq!(s.totals.utilisation, ratio(None, None));
}
