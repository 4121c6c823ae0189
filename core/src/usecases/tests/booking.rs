//! Booking: slots, the capacity rule, the client rule and the first free resource.

use proptest::prelude::*;

use super::*;
use crate::error::Entity;

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
fn rules_refuse_past_times_and_a_new_booking_of_a_hidden_service_looks_missing() {
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
        // A new booking of a hidden service is answered like one of a missing service.
        let hidden = Error::NotFound {
            entity: Entity::Service,
        };
        assert_eq!(err, hidden);
        w.app
            .set_service_active(w.business.id, w.service.id, true)
            .await
            .unwrap();
        let mut b = w.business.clone();
        b.status = crate::business_status::BusinessStatus::Pending;
        w.app.store.save_business(&b).await.unwrap();
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, hidden);
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
                        let _ = w.app.transition(Scope::Business(w.business.id), id, Action::Confirm).await;
                    }
                    _ if !booked.is_empty() => {
                        let id = booked[quarter as usize % booked.len()];
                        let _ = w.app.transition(Scope::Business(w.business.id), id, Action::Cancel { reason: Some("closed".into()) }).await;
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
