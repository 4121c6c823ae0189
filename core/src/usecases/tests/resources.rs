//! Resources: working hours bound slots and bookings, deactivation lists what a resource
//! holds and applies each decision, deletion only once nothing is held.

use super::*;
use crate::ports::{PageRequest, ReservationFilter, ReservationSort};
use crate::resources::{DecisionKind, ReservationDecision};
use crate::usecases::ResourceInput;

fn tuesday_only() -> OpeningHours {
    OpeningHours::same_every_day(&[TimeRange::parse("10:00", "12:00").unwrap()], &[1])
}

fn slot_resources(w: &World) -> Vec<(String, ResourceId)> {
    block_on(async {
        w.app
            .slots_for_service(
                w.service.id,
                ts("2026-06-08T00:00:00Z"),
                ts("2026-06-09T00:00:00Z"),
                100,
            )
            .await
            .unwrap()
            .slots
            .iter()
            .map(|s| (s.start.to_string(), s.resource_id))
            .collect()
    })
}

#[test]
fn working_hours_are_checked_stored_and_bound_slots_and_bookings() {
    let w = world(1);
    let alice = w.staff[0].id;
    block_on(async {
        let mut saturday = OpeningHours::default();
        saturday.saturday = vec![TimeRange::parse("10:00", "12:00").unwrap()];
        let err = w
            .app
            .update_resource(
                w.business.id,
                alice,
                ResourceInput {
                    name: " ".into(),
                    kind: ResourceKind::Room,
                    working_hours: Some(saturday),
                },
            )
            .await
            .unwrap_err();
        let fields: Vec<&str> = err
            .field_errors()
            .iter()
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(fields, ["name", "working_hours.saturday[0]"]);
        assert_eq!(
            w.app.store.get_resource(alice).await.unwrap().unwrap(),
            w.staff[0]
        );

        let updated = w
            .app
            .update_resource(
                w.business.id,
                alice,
                ResourceInput {
                    name: "Alice Martin".into(),
                    kind: ResourceKind::Staff,
                    working_hours: Some(tuesday_only()),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            updated,
            Resource {
                name: "Alice Martin".into(),
                working_hours: Some(tuesday_only()),
                ..w.staff[0].clone()
            }
        );
        assert_eq!(
            w.app.store.get_resource(alice).await.unwrap().unwrap(),
            updated
        );
        let other = BusinessId::from_uuid(uuid::Uuid::from_u128(99));
        let input = ResourceInput {
            name: "X".into(),
            kind: ResourceKind::Staff,
            working_hours: None,
        };
        assert_eq!(
            w.app
                .update_resource(other, alice, input)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
    });
    // Monday: Alice does not work, only Bob is offered, and booking Alice is refused.
    let offered = slot_resources(&w);
    assert_eq!(offered.len(), 16);
    assert!(
        offered.iter().all(|(_, r)| *r == w.staff[1].id),
        "{offered:?}"
    );
    let err = block_on(
        w.app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z")),
    );
    assert_eq!(err.unwrap_err(), Error::OutsideOpeningHours);
    let booked = block_on(
        w.app
            .book(client(1), &request(&w, None, "2026-06-08T08:00:00Z")),
    );
    assert_eq!(booked.unwrap().resource_id, w.staff[1].id);
}

#[test]
fn a_deactivated_resource_takes_no_booking_and_each_decision_applies_alone() {
    let w = world(1);
    let (alice, bob) = (w.staff[0].id, w.staff[1].id);
    let book = |n: u128, i: usize, start: &str| {
        block_on(w.app.book(client(n), &request(&w, Some(i), start))).unwrap()
    };
    let kept = book(1, 0, "2026-06-08T07:00:00Z");
    let blocked = book(2, 0, "2026-06-08T08:00:00Z");
    let moved = book(3, 0, "2026-06-08T09:00:00Z");
    let cancelled = book(4, 0, "2026-06-08T10:00:00Z");
    book(5, 1, "2026-06-08T08:00:00Z");
    block_on(async {
        let answer = w
            .app
            .deactivate_resource(w.business.id, alice, &[])
            .await
            .unwrap();
        assert!(!answer.resource.active);
        assert!(answer.outcomes.is_empty());
        let held: Vec<ReservationId> = answer
            .reservations
            .iter()
            .map(|v| v.reservation.id)
            .collect();
        assert_eq!(held, [kept.id, blocked.id, moved.id, cancelled.id]);
        assert_eq!(answer.reservations[0].resource_name, "Alice");
    });
    assert!(slot_resources(&w).iter().all(|(_, r)| *r == bob));
    let err = block_on(
        w.app
            .book(client(6), &request(&w, Some(0), "2026-06-08T12:00:00Z")),
    );
    assert_eq!(err.unwrap_err(), Error::ResourceInactive);
    let moved_to_bob = ReservationDecision::Move {
        reservation_id: moved.id,
        to_resource_id: bob,
    };
    let decisions = [
        ReservationDecision::Keep {
            reservation_id: kept.id,
        },
        ReservationDecision::Move {
            reservation_id: blocked.id,
            to_resource_id: bob,
        },
        moved_to_bob.clone(),
        ReservationDecision::Cancel {
            reservation_id: cancelled.id,
            reason: "Alice is away".into(),
        },
    ];
    let answer = block_on(w.app.deactivate_resource(w.business.id, alice, &decisions)).unwrap();
    let outcomes: Vec<(DecisionKind, bool, Option<&str>)> = answer
        .outcomes
        .iter()
        .map(|o| (o.action, o.applied, o.code.as_deref()))
        .collect();
    assert_eq!(
        outcomes,
        [
            (DecisionKind::Keep, true, None),
            (DecisionKind::Move, false, Some("BOOKING_OVERLAP")),
            (DecisionKind::Move, true, None),
            (DecisionKind::Cancel, true, None),
        ]
    );
    let held: Vec<ReservationId> = answer
        .reservations
        .iter()
        .map(|v| v.reservation.id)
        .collect();
    assert_eq!(held, [kept.id, blocked.id]);
    let stored = |id| block_on(w.app.store.get_reservation(id)).unwrap().unwrap();
    assert_eq!(
        (stored(moved.id).resource_id, stored(moved.id).status),
        (bob, ReservationStatus::Pending)
    );
    assert_eq!(stored(blocked.id).resource_id, alice);
    assert_eq!(
        stored(cancelled.id).status,
        ReservationStatus::CancelledByBusiness
    );
    // Moving again is refused (it is Bob's now), and a reservation Alice never held is
    // reported as not found.
    let again = block_on(
        w.app
            .deactivate_resource(w.business.id, alice, &[moved_to_bob]),
    )
    .unwrap();
    assert_eq!(again.outcomes[0].code.as_deref(), Some("NOT_FOUND"));
    // No move to an inactive resource.
    let reactivate = block_on(w.app.activate_resource(w.business.id, alice)).unwrap();
    assert!(reactivate.active);
    block_on(w.app.deactivate_resource(w.business.id, bob, &[])).unwrap();
    assert_eq!(
        block_on(w.app.move_to_resource(w.business.id, blocked.id, bob)).unwrap_err(),
        Error::ResourceInactive
    );
    let other = BusinessId::from_uuid(uuid::Uuid::from_u128(99));
    assert_eq!(
        block_on(w.app.move_to_resource(other, blocked.id, bob))
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}

#[test]
fn deletion_waits_until_nothing_is_held_and_keeps_the_history() {
    let w = world(1);
    let (alice, bob) = (w.staff[0].id, w.staff[1].id);
    let r = block_on(
        w.app
            .book(client(1), &request(&w, Some(0), "2026-06-08T07:00:00Z")),
    )
    .unwrap();
    match block_on(w.app.delete_resource(w.business.id, alice)).unwrap_err() {
        Error::ResourceHasReservations { reservations } => {
            assert_eq!(reservations.len(), 1);
            assert_eq!(reservations[0].reservation.id, r.id);
        }
        other => panic!("{other:?}"),
    }
    assert!(block_on(w.app.store.get_resource(alice)).unwrap().is_some());
    block_on(w.app.transition(
        Scope::Business(w.business.id),
        r.id,
        Action::Cancel {
            reason: Some("closed".into()),
        },
    ))
    .unwrap();
    // Bob alone performs a second service.
    let mut solo = w.service.clone();
    solo.id = crate::model::ServiceId::from_uuid(uuid::Uuid::from_u128(55));
    solo.resource_ids = vec![bob];
    block_on(w.app.store.save_service(&solo)).unwrap();
    assert_eq!(
        block_on(w.app.delete_resource(w.business.id, bob)).unwrap_err(),
        Error::LastResourceOfService {
            services: vec![solo.id]
        }
    );
    block_on(w.app.delete_resource(w.business.id, alice)).unwrap();
    block_on(async {
        assert_eq!(w.app.store.get_resource(alice).await.unwrap(), None);
        let names: Vec<String> = w
            .app
            .store
            .list_resources(w.business.id)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(names, ["Bob"]);
        let service = w
            .app
            .store
            .get_service(w.service.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(service.resource_ids, [bob]);
        let windows = w
            .app
            .store
            .list_windows(&[alice], iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"))
            .await
            .unwrap();
        assert!(windows.is_empty(), "{windows:?}");
        let filter = ReservationFilter {
            resource_id: Some(alice),
            ..ReservationFilter::default()
        };
        let page = w
            .app
            .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
            .await
            .unwrap();
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].resource_name, "Alice");
        assert_eq!(
            w.app
                .delete_resource(w.business.id, alice)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound
        );
    });
}
