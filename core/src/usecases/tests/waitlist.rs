//! The waitlist: joining a full range, offers in the order clients joined, expiry, claims.

use super::*;
use crate::ports::WaitlistStore;
use crate::usecases::JoinWaitlist;
use crate::waitlist::WaitlistStatus;

fn join(w: &World, from: &str, to: &str) -> JoinWaitlist {
    JoinWaitlist {
        service_id: w.service.id,
        resource_id: Some(w.staff[0].id),
        from: ts(from),
        to: ts(to),
    }
}

#[test]
fn a_freed_seat_is_offered_in_order_held_then_passed_on_and_claimed() {
    let mut w = world(1);
    block_on(async {
        let held = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T07:00:00Z"))
            .await
            .unwrap();
        let full = join(&w, "2026-06-08T07:00:00Z", "2026-06-08T07:01:00Z");
        let second = w.app.join_waitlist(client(2), &full).await.unwrap();
        let third = w.app.join_waitlist(client(3), &full).await.unwrap();
        assert_eq!(
            w.app.join_waitlist(client(2), &full).await.unwrap_err(),
            Error::AlreadyOnWaitlist
        );
        let open = join(&w, "2026-06-08T08:00:00Z", "2026-06-08T09:00:00Z");
        assert_eq!(
            w.app
                .join_waitlist(client(4), &open)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::SlotsAvailable
        );
        assert_eq!(w.app.offer_freed_seats(30).await.unwrap(), []);

        // The seat frees: offered to the first who joined, held for them.
        w.app
            .transition(
                Scope::Client(client(1)),
                held.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap();
        let offered = w.app.offer_freed_seats(30).await.unwrap();
        assert_eq!(offered.len(), 1);
        assert_eq!(offered[0].id, second.id);
        let offer = offered[0].offer.unwrap();
        assert_eq!(
            (offer.resource_id, offer.start, offer.expires_at),
            (
                w.staff[0].id,
                ts("2026-06-08T07:00:00Z"),
                ts(NOW).add_secs(1800)
            )
        );
        assert_eq!(w.app.offer_freed_seats(30).await.unwrap(), [], "held");
        assert_eq!(
            w.app
                .claim_waitlist_offer(client(3), third.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidStatusTransition
        );
        assert_eq!(
            w.app
                .claim_waitlist_offer(client(3), second.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::NotFound,
            "another client's place"
        );

        // Half an hour later the offer runs out and passes to the next client.
        w.app.clock = FixedClock(ts(NOW).add_secs(1800));
        let offered = w.app.offer_freed_seats(30).await.unwrap();
        assert_eq!(offered.len(), 1);
        assert_eq!(offered[0].id, third.id);
        let expired = w.app.waitlist_entry(client(2), second.id).await.unwrap();
        assert_eq!(expired.status, WaitlistStatus::Expired);
        assert_eq!(
            w.app
                .claim_waitlist_offer(client(2), second.id)
                .await
                .unwrap_err(),
            Error::InvalidStatusTransition {
                from: "expired".into(),
                to: "booked".into()
            }
        );
        let (entry, reservation) = w
            .app
            .claim_waitlist_offer(client(3), third.id)
            .await
            .unwrap();
        assert_eq!(
            (entry.status, entry.reservation_id),
            (WaitlistStatus::Booked, Some(reservation.id))
        );
        assert_eq!(
            (
                reservation.client_id,
                reservation.resource_id,
                reservation.interval.start()
            ),
            (client(3), w.staff[0].id, ts("2026-06-08T07:00:00Z"))
        );
        // Claiming twice books nothing more.
        assert_eq!(
            w.app
                .claim_waitlist_offer(client(3), third.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidStatusTransition
        );
        assert_eq!(
            w.app.business_waitlist(w.business.id).await.unwrap(),
            [],
            "nobody waits any more"
        );
    });
}

#[test]
fn a_claim_after_the_public_took_the_seat_waits_again_and_an_expired_claim_is_refused() {
    let mut w = world(1);
    block_on(async {
        let held = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T07:00:00Z"))
            .await
            .unwrap();
        let full = join(&w, "2026-06-08T07:00:00Z", "2026-06-08T07:01:00Z");
        let place = w.app.join_waitlist(client(2), &full).await.unwrap();
        w.app
            .transition(
                Scope::Client(client(1)),
                held.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap();
        assert_eq!(w.app.offer_freed_seats(30).await.unwrap().len(), 1);
        // An offer does not block the public: someone books the seat first.
        w.app
            .book(client(5), &request(&w, Some(0), "2026-06-08T07:00:00Z"))
            .await
            .unwrap();
        let err = w
            .app
            .claim_waitlist_offer(client(2), place.id)
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BookingOverlap);
        let again = w.app.waitlist_entry(client(2), place.id).await.unwrap();
        assert_eq!((again.status, again.offer), (WaitlistStatus::Waiting, None));
        // The client leaves; leaving twice is refused.
        let left = w.app.leave_waitlist(client(2), place.id).await.unwrap();
        assert_eq!(left.status, WaitlistStatus::Left);
        assert_eq!(
            w.app
                .leave_waitlist(client(2), place.id)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidStatusTransition
        );
        // An offer claimed once it ran out is refused and expires.
        let other = w.app.join_waitlist(client(3), &full).await.unwrap();
        let reservations = w
            .app
            .list_reservations(
                &crate::ports::ReservationFilter {
                    client_id: Some(client(5)),
                    ..Default::default()
                },
                crate::ports::ReservationSort::StartAsc,
                &crate::ports::PageRequest::first(10),
            )
            .await
            .unwrap();
        w.app
            .transition(
                Scope::Client(client(5)),
                reservations.items[0].reservation.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap();
        assert_eq!(w.app.offer_freed_seats(10).await.unwrap().len(), 1);
        w.app.clock = FixedClock(ts(NOW).add_secs(600));
        assert_eq!(
            w.app
                .claim_waitlist_offer(client(3), other.id)
                .await
                .unwrap_err(),
            Error::OfferExpired {
                expired_at: ts(NOW).add_secs(600)
            }
        );
        assert_eq!(
            w.app
                .store
                .get_waitlist_entry(other.id)
                .await
                .unwrap()
                .unwrap()
                .status,
            WaitlistStatus::Expired
        );
    });
}

#[test]
fn a_waitlist_range_is_bounded_and_its_resource_must_perform_the_service() {
    let w = world(1);
    block_on(async {
        let mut long = join(&w, "2026-06-08T07:00:00Z", "2026-07-10T07:00:00Z");
        assert_eq!(
            w.app
                .join_waitlist(client(1), &long)
                .await
                .unwrap_err()
                .field_errors()[0]
                .code,
            "out_of_range"
        );
        long.to = long.from;
        assert_eq!(
            w.app
                .join_waitlist(client(1), &long)
                .await
                .unwrap_err()
                .code(),
            ErrorCode::InvalidInterval
        );
        let mut foreign = join(&w, "2026-06-08T07:00:00Z", "2026-06-08T07:01:00Z");
        foreign.resource_id = Some(ResourceId::from_uuid(uuid::Uuid::from_u128(99)));
        assert_eq!(
            w.app.join_waitlist(client(1), &foreign).await.unwrap_err(),
            Error::ResourceNotEligible
        );
        assert_eq!(
            w.app.offer_freed_seats(0).await.unwrap_err().field_errors()[0].field,
            "waitlist_offer_minutes"
        );
    });
}
