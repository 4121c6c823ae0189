use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::error::ErrorCode;
use crate::hours::WallTime;
use crate::model::*;
use crate::time::Interval;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn range(a: &str, b: &str) -> TimeRange {
    TimeRange::parse(a, b).unwrap()
}

fn nine_to_seven_but_sunday() -> OpeningHours {
    OpeningHours::same_every_day(&[range("09:00", "19:00")], &[0, 1, 2, 3, 4, 5])
}

fn fields(e: &Error) -> Vec<(String, String)> {
    e.field_errors()
        .iter()
        .map(|f| (f.field.clone(), f.code.clone()))
        .collect()
}

#[test]
fn working_hours_inside_the_opening_hours_pass() {
    let business = nine_to_seven_but_sunday();
    let tuesday_to_saturday = OpeningHours::same_every_day(
        &[range("09:00", "12:00"), range("14:00", "19:00")],
        &[1, 2, 3, 4, 5],
    );
    assert_eq!(
        validate_working_hours(&business, &tuesday_to_saturday),
        Ok(())
    );
    assert_eq!(validate_working_hours(&business, &business), Ok(()));
    assert_eq!(
        validate_working_hours(&business, &OpeningHours::default()),
        Ok(())
    );
}

#[test]
fn every_range_outside_the_opening_hours_is_named_by_weekday_and_position() {
    let business = nine_to_seven_but_sunday();
    let mut working = OpeningHours::default();
    working.tuesday = vec![range("08:30", "12:00"), range("14:00", "19:00")];
    working.saturday = vec![range("18:00", "19:30")];
    working.sunday = vec![range("10:00", "11:00")];
    let err = validate_working_hours(&business, &working).unwrap_err();
    assert_eq!(
        fields(&err),
        [
            (
                "working_hours.tuesday[0]".into(),
                "outside_opening_hours".into()
            ),
            (
                "working_hours.saturday[0]".into(),
                "outside_opening_hours".into()
            ),
            (
                "working_hours.sunday[0]".into(),
                "outside_opening_hours".into()
            ),
        ]
    );
    assert_eq!(
        err.field_errors()[0].message,
        "tuesday range 08:30–12:00 is outside the business's opening hours"
    );
}

#[test]
fn touching_business_ranges_hold_one_working_range_and_a_gap_does_not() {
    let mut business = OpeningHours::default();
    business.monday = vec![range("09:00", "12:00"), range("12:00", "14:00")];
    business.friday = vec![range("09:00", "12:00"), range("13:00", "14:00")];
    let mut working = OpeningHours::default();
    working.monday = vec![range("11:00", "13:00")];
    assert_eq!(validate_working_hours(&business, &working), Ok(()));
    working.friday = vec![range("11:00", "13:30")];
    let err = validate_working_hours(&business, &working).unwrap_err();
    assert_eq!(
        fields(&err),
        [(
            "working_hours.friday[0]".into(),
            "outside_opening_hours".into()
        )]
    );
}

#[test]
fn malformed_working_hours_are_reported_under_working_hours() {
    let business = OpeningHours::always_open();
    let mut working = OpeningHours::default();
    working.wednesday = vec![range("10:00", "12:00"), range("11:00", "13:00")];
    let err = validate_working_hours(&business, &working).unwrap_err();
    assert_eq!(
        fields(&err),
        [("working_hours.wednesday[1]".into(), "overlap".into())]
    );
}

fn minute(m: u32) -> WallTime {
    WallTime::new(m / 60, m % 60).unwrap()
}

fn arb_day() -> impl Strategy<Value = Vec<TimeRange>> {
    // Sorted, non-overlapping ranges on a quarter-hour grid (touching allowed).
    prop::collection::vec((0u32..8, 1u32..16), 0..4).prop_map(|raw| {
        let mut out = Vec::new();
        let mut cursor = 0u32;
        for (gap, len) in raw {
            let start = cursor + gap * 15;
            let end = (start + len * 15).min(24 * 60);
            if start < end {
                out.push(TimeRange::new(minute(start), minute(end)).unwrap());
                cursor = end;
            }
        }
        out
    })
}

fn arb_hours() -> impl Strategy<Value = OpeningHours> {
    prop::collection::vec(arb_day(), 7).prop_map(|days| {
        let mut h = OpeningHours::default();
        h.monday = days[0].clone();
        h.tuesday = days[1].clone();
        h.wednesday = days[2].clone();
        h.thursday = days[3].clone();
        h.friday = days[4].clone();
        h.saturday = days[5].clone();
        h.sunday = days[6].clone();
        h
    })
}

proptest! {
    /// The rule accepts working hours exactly when every working minute is an opening minute
    /// of the same weekday, and otherwise names exactly the ranges holding a closed minute.
    #[test]
    fn working_hours_pass_exactly_when_every_minute_is_open(
        business in arb_hours(),
        working in arb_hours(),
    ) {
        let open = |d: u8, m: u32| business.day(d).iter().any(|r| r.start.minutes() <= m && m < r.end.minutes());
        let mut outside = Vec::new();
        for (d, name) in DAYS.iter().enumerate() {
            for (i, r) in working.day(d as u8).iter().enumerate() {
                if (r.start.minutes()..r.end.minutes()).any(|m| !open(d as u8, m)) {
                    outside.push(format!("working_hours.{name}[{i}]"));
                }
            }
        }
        match validate_working_hours(&business, &working) {
            Ok(()) => prop_assert!(outside.is_empty(), "{:?}", outside),
            Err(e) => {
                let named: Vec<String> = e.field_errors().iter().map(|f| f.field.clone()).collect();
                prop_assert_eq!(named, outside);
            }
        }
    }
}

fn reservation(resource: u128, status: ReservationStatus, start: &str, end: &str) -> Reservation {
    Reservation {
        id: ReservationId::from_uuid(Uuid::from_u128(99)),
        business_id: BusinessId::from_uuid(Uuid::from_u128(1)),
        client_id: ClientId::from_uuid(Uuid::from_u128(2)),
        service_id: ServiceId::from_uuid(Uuid::from_u128(3)),
        resource_id: ResourceId::from_uuid(Uuid::from_u128(resource)),
        interval: Interval::new(ts(start), ts(end)).unwrap(),
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        status,
        price: Money::new(2500, Currency::parse("EUR").unwrap()),
        reschedule_count: 0,
        history: vec![TransitionRecord {
            from: None,
            to: status,
            actor: Actor::Client,
            at: ts("2026-05-01T00:00:00Z"),
            reason: None,
        }],
        created_at: ts("2026-05-01T00:00:00Z"),
    }
}

fn rid(n: u128) -> ResourceId {
    ResourceId::from_uuid(Uuid::from_u128(n))
}

fn service(resources: &[u128]) -> Service {
    Service {
        id: ServiceId::from_uuid(Uuid::from_u128(3)),
        business_id: BusinessId::from_uuid(Uuid::from_u128(1)),
        name: "Coupe".into(),
        description: String::new(),
        price: Money::new(2500, Currency::parse("EUR").unwrap()),
        category: None,
        tags: vec![],
        active: true,
        rules: SlotRules::simple(30),
        resource_ids: resources.iter().map(|&n| rid(n)).collect(),
        cancellation_deadline_minutes: 0,
        max_reschedules: 0,
    }
}

#[test]
fn a_resource_holds_its_active_reservations_until_they_end() {
    let now = ts("2026-06-01T10:15:00Z");
    let started = reservation(
        10,
        ReservationStatus::Confirmed,
        "2026-06-01T10:00:00Z",
        "2026-06-01T10:30:00Z",
    );
    assert!(holds(&started, rid(10), now));
    assert!(!holds(&started, rid(11), now));
    let ended = reservation(
        10,
        ReservationStatus::Pending,
        "2026-06-01T09:45:00Z",
        "2026-06-01T10:15:00Z",
    );
    assert!(!holds(&ended, rid(10), now));
    for status in [
        ReservationStatus::Completed,
        ReservationStatus::NoShow,
        ReservationStatus::CancelledByClient,
        ReservationStatus::CancelledByBusiness,
    ] {
        let r = reservation(10, status, "2026-06-02T10:00:00Z", "2026-06-02T10:30:00Z");
        assert!(!holds(&r, rid(10), now), "{status:?}");
    }
}

#[test]
fn a_move_changes_the_resource_and_records_it_for_the_business() {
    let now = ts("2026-06-01T08:00:00Z");
    let mut r = reservation(
        10,
        ReservationStatus::Confirmed,
        "2026-06-01T10:00:00Z",
        "2026-06-01T10:30:00Z",
    );
    apply_move(&mut r, &service(&[10, 11]), rid(11), now).unwrap();
    assert_eq!(
        (r.resource_id, r.status, r.reschedule_count),
        (rid(11), ReservationStatus::Confirmed, 0)
    );
    let last = r.history.last().unwrap();
    assert_eq!(
        (last.from, last.to, last.actor, last.at),
        (
            Some(ReservationStatus::Confirmed),
            ReservationStatus::Confirmed,
            Actor::Business,
            now
        )
    );
    assert_eq!(
        last.reason.as_deref(),
        Some(format!("moved from resource {} to resource {}", rid(10), rid(11)).as_str())
    );
}

#[test]
fn a_move_is_refused_off_the_service_onto_itself_or_once_over() {
    let now = ts("2026-06-01T08:00:00Z");
    let fresh = || {
        reservation(
            10,
            ReservationStatus::Pending,
            "2026-06-01T10:00:00Z",
            "2026-06-01T10:30:00Z",
        )
    };
    let mut r = fresh();
    assert_eq!(
        apply_move(&mut r, &service(&[10, 11]), rid(12), now).unwrap_err(),
        Error::ResourceNotEligible
    );
    assert_eq!(r, fresh(), "nothing changes on a refusal");
    let err = apply_move(&mut r, &service(&[10, 11]), rid(10), now).unwrap_err();
    assert_eq!(
        fields(&err),
        [("to_resource_id".into(), "same_resource".into())]
    );
    let late = ts("2026-06-01T10:30:00Z");
    assert_eq!(
        apply_move(&mut r, &service(&[10, 11]), rid(11), late)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidStatusTransition
    );
    let mut cancelled = reservation(
        10,
        ReservationStatus::CancelledByClient,
        "2026-06-01T10:00:00Z",
        "2026-06-01T10:30:00Z",
    );
    assert_eq!(
        apply_move(&mut cancelled, &service(&[10, 11]), rid(11), now)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidStatusTransition
    );
}

#[test]
fn decisions_are_checked_before_anything_changes() {
    let id = |n: u128| ReservationId::from_uuid(Uuid::from_u128(n));
    let ok = validate_decisions(&[
        ReservationDecision::Keep {
            reservation_id: id(1),
        },
        ReservationDecision::Cancel {
            reservation_id: id(2),
            reason: "  Away  ".into(),
        },
        ReservationDecision::Move {
            reservation_id: id(3),
            to_resource_id: rid(4),
        },
    ])
    .unwrap();
    assert_eq!(
        ok[1],
        ReservationDecision::Cancel {
            reservation_id: id(2),
            reason: "Away".into()
        }
    );
    let err = validate_decisions(&[
        ReservationDecision::Cancel {
            reservation_id: id(1),
            reason: " ".into(),
        },
        ReservationDecision::Keep {
            reservation_id: id(1),
        },
        ReservationDecision::Cancel {
            reservation_id: id(2),
            reason: "x".repeat(501),
        },
    ])
    .unwrap_err();
    assert_eq!(
        fields(&err),
        [
            ("decisions[0].reason".into(), "required".into()),
            ("decisions[1].reservation_id".into(), "duplicate".into()),
            ("decisions[2].reason".into(), "too_long".into()),
        ]
    );
    let many: Vec<ReservationDecision> = (0..=MAX_DECISIONS as u128)
        .map(|n| ReservationDecision::Keep {
            reservation_id: id(n),
        })
        .collect();
    assert_eq!(
        fields(&validate_decisions(&many).unwrap_err()),
        [("decisions".into(), "too_many".into())]
    );
}

#[test]
fn decisions_read_from_json_by_action() {
    let text = r#"[{"action":"keep","reservation_id":"00000000-0000-0000-0000-000000000001"},
        {"action":"move","reservation_id":"00000000-0000-0000-0000-000000000002","to_resource_id":"00000000-0000-0000-0000-000000000004"}]"#;
    let decisions: Vec<ReservationDecision> = serde_json::from_str(text).unwrap();
    assert_eq!(decisions[1].kind(), DecisionKind::Move);
    let unknown =
        r#"{"action":"keep","reservation_id":"00000000-0000-0000-0000-000000000001","reason":"x"}"#;
    assert!(serde_json::from_str::<ReservationDecision>(unknown).is_err());
}

#[test]
fn only_services_a_resource_alone_performs_are_left_without() {
    let mut alone = service(&[10]);
    alone.id = ServiceId::from_uuid(Uuid::from_u128(7));
    let shared = service(&[10, 11]);
    let other = service(&[11]);
    assert_eq!(
        services_left_without(rid(10), &[alone.clone(), shared, other]),
        [alone.id]
    );
    assert_eq!(services_left_without(rid(12), &[alone]), []);
}
