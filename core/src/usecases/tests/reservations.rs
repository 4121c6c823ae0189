//! Reservations: scoped transitions and rescheduling.

use super::*;

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
            .transition(
                Scope::Business(BusinessId(other_business)),
                r.id,
                Action::Confirm,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::NotFound,
            "another business sees nothing"
        );
        let r = w
            .app
            .transition(Scope::Business(w.business.id), r.id, Action::Confirm)
            .await
            .unwrap();
        assert_eq!(r.status, ReservationStatus::Confirmed);
        let err = w
            .app
            .transition(
                Scope::Client(client(2)),
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
                Scope::Client(client(1)),
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
            .reschedule(Scope::Client(client(1)), a.id, b.interval.start())
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
            .reschedule(Scope::Client(client(1)), a.id, ts("2026-06-08T08:20:00Z"))
            .await;
        assert_eq!(moved.unwrap_err().code(), ErrorCode::NotOnSlotGrid);
        let moved = w
            .app
            .reschedule(Scope::Client(client(1)), a.id, ts("2026-06-08T10:00:00Z"))
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
            .reschedule(Scope::Client(client(1)), a.id, ts("2026-06-08T11:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err, Error::RescheduleLimitReached { max: 1 });
    });
}
