//! Reservations: scoped transitions and rescheduling.

use super::*;
use crate::ports::{PageRequest, ReservationFilter, ReservationSort};

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

#[test]
fn finished_reservations_move_to_the_archive_after_the_delay() {
    let w = world(1);
    block_on(async move {
        // Booked on Monday 8 June 2026 10:00-10:30 UTC; the clock says 1 June 06:00.
        let r = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T10:00:00Z"))
            .await
            .unwrap();
        assert_eq!(w.app.archive_finished_reservations(1).await.unwrap(), 0);
        let later = UseCases {
            clock: FixedClock(ts("2026-06-10T10:31:00Z")),
            ..w.app
        };
        assert_eq!(
            later.archive_finished_reservations(3).await.unwrap(),
            0,
            "ended 2 days ago"
        );
        assert_eq!(later.archive_finished_reservations(2).await.unwrap(), 1);
        let all = |include_archived| ReservationFilter {
            include_archived,
            ..Default::default()
        };
        let page = PageRequest::first(10);
        let live = later
            .list_reservations(&all(false), ReservationSort::StartAsc, &page)
            .await
            .unwrap();
        assert!(live.items.is_empty());
        let with_archive = later
            .list_reservations(&all(true), ReservationSort::StartAsc, &page)
            .await
            .unwrap();
        assert_eq!(with_archive.items[0].reservation.id, r.id);
        assert_eq!(
            later
                .archive_finished_reservations(0)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::ValidationFailed
        );
    });
}
