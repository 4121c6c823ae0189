use proptest::prelude::*;

use super::*;
use crate::conformance::block_on;
use crate::error::ErrorCode;
use crate::hours::TimeRange;
use crate::memory::MemoryStore;
use crate::model::Currency;
use crate::ports::{
    AvailabilityStore, DirectoryStore, FixedClock, ReservationStore, SequentialIds,
};

type App = UseCases<MemoryStore, FixedClock, SequentialIds>;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

const NOW: &str = "2026-06-01T06:00:00Z";

struct World {
    app: App,
    business: Business,
    staff: Vec<Resource>,
    service: Service,
}

/// A validated Paris salon open Mon–Fri 09:00–17:00 with two staff available on Monday
/// 2026-06-08 and a 30-minute service with a 10-minute buffer after.
fn world(seats: u32) -> World {
    block_on(async {
        let app = UseCases::new(
            MemoryStore::new(),
            FixedClock(ts(NOW)),
            SequentialIds::default(),
        );
        let hours = OpeningHours::same_every_day(
            &[TimeRange::parse("09:00", "17:00").unwrap()],
            &[0, 1, 2, 3, 4],
        );
        let business = app
            .create_business(
                UserId::from_uuid(uuid::Uuid::from_u128(7)),
                NewBusiness {
                    name: "Coiffeur Élégance".into(),
                    domain: "coiffure".into(),
                    description: String::new(),
                    city: "Paris".into(),
                    address: Address::default(),
                    time_zone: Zone::parse("Europe/Paris").unwrap(),
                    opening_hours: hours,
                    closures: vec![],
                },
            )
            .await
            .unwrap();
        let business = app.validate_business(business.id).await.unwrap();
        let mut staff = Vec::new();
        for name in ["Alice", "Bob"] {
            let r = app
                .create_resource(business.id, name, ResourceKind::Staff)
                .await
                .unwrap();
            app.create_availability(
                business.id,
                r.id,
                iv("2026-06-08T07:00:00Z", "2026-06-08T15:00:00Z"),
            )
            .await
            .unwrap();
            staff.push(r);
        }
        let mut rules = SlotRules::simple(30);
        rules.buffer_after_minutes = 10;
        rules.seats = seats;
        rules.horizon_days = 365;
        let service = app
            .create_service(
                business.id,
                NewService {
                    name: "Coupe".into(),
                    description: String::new(),
                    price: Money::new(2500, Currency::parse("EUR").unwrap()),
                    category: None,
                    tags: vec!["Hair".into()],
                    rules,
                    resource_ids: staff.iter().map(|r| r.id).collect(),
                    cancellation_deadline_minutes: 120,
                    max_reschedules: 1,
                },
            )
            .await
            .unwrap();
        World {
            app,
            business,
            staff,
            service,
        }
    })
}

fn request(w: &World, resource: Option<usize>, start: &str) -> BookingRequest {
    BookingRequest {
        service_id: w.service.id,
        resource_id: resource.map(|i| w.staff[i].id),
        start: ts(start),
    }
}

fn client(n: u128) -> ClientId {
    ClientId::from_uuid(uuid::Uuid::from_u128(1000 + n))
}

#[test]
fn booking_takes_the_slot_and_the_second_client_gets_a_typed_overlap() {
    let w = world(1);
    block_on(async {
        let r = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        assert_eq!(r.status, ReservationStatus::Pending);
        assert_eq!(
            r.interval,
            iv("2026-06-08T08:00:00Z", "2026-06-08T08:30:00Z")
        );
        let err = w
            .app
            .book(client(2), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::BookingOverlap);
        // Without a resource, the next free one is chosen.
        let other = w
            .app
            .book(client(2), &request(&w, None, "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        assert_eq!(other.resource_id, w.staff[1].id);
        // The same client cannot be in two places at once.
        let err = w
            .app
            .book(client(1), &request(&w, Some(1), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BookingOverlap);
        let err = w
            .app
            .book(client(1), &request(&w, None, "2026-06-08T09:00:00Z"))
            .await;
        assert!(err.is_ok());
        let slots = w
            .app
            .slots_for_service(
                w.service.id,
                ts("2026-06-08T00:00:00Z"),
                ts("2026-06-09T00:00:00Z"),
                1000,
            )
            .await
            .unwrap();
        assert!(
            slots
                .slots
                .iter()
                .all(|s| s.start != ts("2026-06-08T08:00:00Z"))
        );
    });
}

#[test]
fn a_client_cannot_hold_two_overlapping_reservations_with_different_staff() {
    let w = world(1);
    block_on(async {
        w.app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let err = w
            .app
            .book(client(1), &request(&w, Some(1), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::ClientDoubleBooked);
    });
}

#[test]
fn rules_refuse_inactive_services_unvalidated_businesses_and_past_times() {
    let w = world(1);
    block_on(async {
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-05-01T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::SlotInPast);
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T16:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::OutsideAvailability);
        w.app
            .set_service_active(w.business.id, w.service.id, false)
            .await
            .unwrap();
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::ServiceInactive);
        w.app
            .set_service_active(w.business.id, w.service.id, true)
            .await
            .unwrap();
        let mut b = w.business.clone();
        b.validated = false;
        w.app.store.save_business(&b).await.unwrap();
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::BusinessNotValidated);
    });
}

#[test]
fn the_business_confirms_and_the_client_cancels_only_its_own_reservation() {
    let w = world(1);
    block_on(async {
        let r = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let other_business = uuid::Uuid::from_u128(999);
        let err = w
            .app
            .transition(Actor::Business, other_business, r.id, Action::Confirm)
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::NotFound,
            "another business sees nothing"
        );
        let r = w
            .app
            .transition(Actor::Business, w.business.id.0, r.id, Action::Confirm)
            .await
            .unwrap();
        assert_eq!(r.status, ReservationStatus::Confirmed);
        let err = w
            .app
            .transition(
                Actor::Client,
                client(2).0,
                r.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::NotFound,
            "another client sees nothing"
        );
        let r = w
            .app
            .transition(
                Actor::Client,
                client(1).0,
                r.id,
                Action::Cancel {
                    reason: Some("sick".into()),
                },
            )
            .await
            .unwrap();
        assert_eq!(r.status, ReservationStatus::CancelledByClient);
        assert_eq!(r.history.len(), 3);
        // The freed slot can be booked again.
        w.app
            .book(client(2), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
    });
}

#[test]
fn rescheduling_frees_the_old_slot_only_when_the_new_one_is_taken() {
    let w = world(1);
    block_on(async {
        let a = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let b = w
            .app
            .book(client(2), &request(&w, Some(0), "2026-06-08T09:00:00Z"))
            .await
            .unwrap();
        let err = w
            .app
            .reschedule(Actor::Client, client(1).0, a.id, b.interval.start())
            .await
            .unwrap_err();
        assert_eq!(err, Error::BookingOverlap);
        assert_eq!(
            w.app
                .store
                .get_reservation(a.id)
                .await
                .unwrap()
                .unwrap()
                .interval,
            a.interval
        );
        // Moving by 30 minutes next to itself is fine: it does not block its own new time.
        let moved = w
            .app
            .reschedule(Actor::Client, client(1).0, a.id, ts("2026-06-08T08:20:00Z"))
            .await;
        assert_eq!(moved.unwrap_err().code(), ErrorCode::NotOnSlotGrid);
        let moved = w
            .app
            .reschedule(Actor::Client, client(1).0, a.id, ts("2026-06-08T10:00:00Z"))
            .await
            .unwrap();
        assert_eq!(
            (moved.reschedule_count, moved.interval.start()),
            (1, ts("2026-06-08T10:00:00Z"))
        );
        w.app
            .book(client(3), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let err = w
            .app
            .reschedule(Actor::Client, client(1).0, a.id, ts("2026-06-08T11:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::RescheduleLimitReached { max: 1 });
    });
}

#[test]
fn bulk_availability_is_all_or_nothing_with_a_report_per_item() {
    let w = world(1);
    block_on(async {
        let items = [
            (
                w.staff[0].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[0].id,
                iv("2026-06-08T14:00:00Z", "2026-06-08T16:00:00Z"),
            ), // overlaps stored
            (
                w.staff[1].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[1].id,
                iv("2026-06-09T08:00:00Z", "2026-06-09T09:00:00Z"),
            ), // overlaps item 2
            (
                ResourceId::from_uuid(uuid::Uuid::from_u128(5)),
                iv("2026-06-09T07:00:00Z", "2026-06-09T08:00:00Z"),
            ),
        ];
        let err = w
            .app
            .create_availabilities(w.business.id, &items)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        let report: Vec<(usize, &str)> = failures
            .iter()
            .map(|f| (f.index, f.code.as_str()))
            .collect();
        assert_eq!(
            report,
            [
                (1, "AVAILABILITY_OVERLAP"),
                (3, "AVAILABILITY_OVERLAP"),
                (4, "NOT_FOUND")
            ]
        );
        let day = iv("2026-06-09T00:00:00Z", "2026-06-10T00:00:00Z");
        assert!(
            w.app
                .store
                .list_windows(&[w.staff[0].id, w.staff[1].id], day)
                .await
                .unwrap()
                .is_empty()
        );
        let ok = w
            .app
            .create_availabilities(w.business.id, &[items[0], items[2]])
            .await
            .unwrap();
        assert_eq!(ok.len(), 2);
    });
}

#[test]
fn service_creation_reports_every_invalid_field() {
    let w = world(1);
    block_on(async {
        let mut rules = SlotRules::simple(3);
        rules.horizon_days = 0;
        let err = w
            .app
            .create_service(
                w.business.id,
                NewService {
                    name: " ".into(),
                    description: "<b>x</b>".into(),
                    price: Money::new(-5, Currency::parse("EUR").unwrap()),
                    category: None,
                    tags: vec![],
                    rules,
                    resource_ids: vec![],
                    cancellation_deadline_minutes: 0,
                    max_reschedules: 0,
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "description",
                "price.amount_minor",
                "rules.duration_minutes",
                "rules.horizon_days",
                "resource_ids"
            ]
        );
    });
}

#[test]
fn client_profiles_are_normalised_and_every_bad_field_reported() {
    let w = world(1);
    block_on(async {
        let p = w
            .app
            .save_client_profile(
                client(1),
                ClientProfileInput {
                    email: " Jeanne@Example.COM ".into(),
                    first_name: " Jeanne ".into(),
                    last_name: "Dupont".into(),
                    phone: Some("+33 6 12 34 56 78".into()),
                    address: None,
                },
            )
            .await
            .unwrap();
        assert_eq!(
            (p.email.as_str(), p.first_name.as_str(), p.phone.as_deref()),
            ("Jeanne@example.com", "Jeanne", Some("+33612345678"))
        );
        let err = w
            .app
            .save_client_profile(
                client(1),
                ClientProfileInput {
                    email: "nope".into(),
                    first_name: "".into(),
                    last_name: "Dupont".into(),
                    phone: Some("12".into()),
                    address: None,
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, ["email", "first_name", "phone"]);
        assert_eq!(
            w.app.store.get_client(client(1)).await.unwrap(),
            Some(p),
            "a rejected update loses nothing"
        );
    });
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(60))]

    /// Invariant (2): whatever sequence of bookings, cancellations and confirmations arrives,
    /// the accepted active reservations never exceed a resource's capacity (no overlapping
    /// blocked ranges; at most `seats` per group slot) and never double-book a client.
    #[test]
    fn accepted_bookings_never_exceed_capacity_or_double_book_a_client(
        seats in prop::sample::select(vec![1u32, 1, 2, 3]),
        ops in prop::collection::vec((0u8..10, 0u128..6, prop::option::of(0usize..2), 0i64..32), 1..60),
    ) {
        let w = world(seats);
        block_on(async {
            let mut booked: Vec<ReservationId> = Vec::new();
            for (kind, who, resource, quarter) in ops {
                let start = ts("2026-06-08T07:00:00Z").add_minutes(quarter * 15 - 15);
                match kind {
                    0..=6 => {
                        if let Ok(r) = w.app.book(client(who), &request(&w, resource, &start.to_string())).await {
                            booked.push(r.id);
                        }
                    }
                    7 | 8 if !booked.is_empty() => {
                        let id = booked[quarter as usize % booked.len()];
                        let _ = w.app.transition(Actor::Business, w.business.id.0, id, Action::Confirm).await;
                    }
                    _ if !booked.is_empty() => {
                        let id = booked[quarter as usize % booked.len()];
                        let _ = w.app.transition(Actor::Business, w.business.id.0, id, Action::Cancel { reason: Some("closed".into()) }).await;
                    }
                    _ => {}
                }
            }
            let all = w.app.store
                .list_active_for_resources(&[w.staff[0].id, w.staff[1].id], iv("2026-06-07T00:00:00Z", "2026-06-10T00:00:00Z"))
                .await
                .unwrap();
            for (i, a) in all.iter().enumerate() {
                let mut same_session = 0;
                for b in &all[i + 1..] {
                    if a.client_id == b.client_id {
                        assert!(!a.interval.overlaps(&b.interval), "client double booked: {a:?} {b:?}");
                    }
                    if a.resource_id == b.resource_id && a.blocked_interval().overlaps(&b.blocked_interval()) {
                        assert!(seats > 1 && a.interval == b.interval, "resource over capacity: {a:?} {b:?}");
                        same_session += 1;
                    }
                }
                assert!(same_session < seats);
            }
        });
    }
}

#[test]
fn recurring_availability_generates_a_series_that_keeps_local_hours_across_dst() {
    let w = world(1);
    block_on(async {
        let input = RecurringAvailability {
            resource_id: w.staff[0].id,
            rrule: "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=6".into(),
            // Monday 19 October 2026, 09:00 Paris; clocks fall back on Sunday 25 October.
            first_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 19)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            wall_minutes: 8 * 60,
            exdates: vec![
                chrono::NaiveDate::from_ymd_opt(2026, 10, 27)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            ],
            generate_until: None,
        };
        let windows = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap();
        let shown: Vec<String> = windows
            .iter()
            .map(|x| crate::tz::format_local(w.business.time_zone.0, x.interval.start()))
            .collect();
        assert_eq!(
            shown,
            [
                "2026-10-19T09:00:00+02:00",
                "2026-10-20T09:00:00+02:00",
                "2026-10-26T09:00:00+01:00",
                "2026-11-02T09:00:00+01:00",
                "2026-11-03T09:00:00+01:00",
            ]
        );
        assert!(
            windows
                .iter()
                .all(|x| x.interval.duration_secs() == 8 * 3600)
        );
        let series = windows[0].series_id.unwrap();
        assert!(windows.iter().all(|x| x.series_id == Some(series)));
        // The same rule again overlaps itself: nothing more is stored, every item reported.
        let err = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        assert_eq!(failures.len(), 5);
        // Slots follow: the Monday after the change still starts at 09:00 local.
        let slots = w
            .app
            .slots_for_service(
                w.service.id,
                ts("2026-10-26T00:00:00Z"),
                ts("2026-10-27T00:00:00Z"),
                100,
            )
            .await
            .unwrap();
        assert_eq!(slots.slots[0].start, ts("2026-10-26T08:00:00Z"));
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=DAILY".into(),
                    generate_until: Some(ts("2029-01-01T00:00:00Z")),
                    ..input.clone()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::RecurrenceTooLarge);
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=SECONDLY".into(),
                    ..input
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRecurrence);
    });
}

#[test]
fn other_free_resources_are_the_later_ones_free_in_the_snapshot() {
    let w = world(1);
    block_on(async {
        w.app
            .book(client(1), &request(&w, Some(1), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let range = iv("2026-06-08T00:00:00Z", "2026-06-09T00:00:00Z");
        let (_, service, schedule) = w
            .app
            .schedule_for_service(w.service.id, range)
            .await
            .unwrap();
        let now = ts(NOW);
        let at = |s: &str| ts(s);
        assert_eq!(
            other_free_resources(
                &service,
                &schedule,
                w.staff[0].id,
                at("2026-06-08T08:00:00Z"),
                now
            ),
            Vec::<ResourceId>::new(),
            "the second staff is booked at 08:00"
        );
        assert_eq!(
            other_free_resources(
                &service,
                &schedule,
                w.staff[0].id,
                at("2026-06-08T09:00:00Z"),
                now
            ),
            vec![w.staff[1].id]
        );
        assert_eq!(
            other_free_resources(
                &service,
                &schedule,
                w.staff[1].id,
                at("2026-06-08T09:00:00Z"),
                now
            ),
            Vec::<ResourceId>::new(),
            "only resources after the chosen one"
        );
    });
}
