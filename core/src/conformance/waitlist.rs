//! The waitlist case of the conformance suite: places round-trip, a client has one open place
//! per service, and a place changes only from the status its writer read.

use super::{Fixture, iv, ts};
use crate::error::Error;
use crate::model::{ClientId, ReservationId, WaitlistId};
use crate::ports::{IdSource, Store, WaitlistStore};
use crate::waitlist::{Offer, WaitlistEntry, WaitlistStatus};

/// Places round-trip with their offer; a second open place of one client on one service is
/// `ALREADY_ON_WAITLIST` (once the first is closed, a new one is fine); open places come
/// oldest first; an update from a status the place no longer has changes nothing.
pub async fn waitlist_places_are_unique_while_open_and_change_only_from_what_was_read(
    store: impl Store + WaitlistStore,
) {
    let f = Fixture::new(&store).await;
    let place = |client: ClientId, joined: &str| WaitlistEntry {
        id: WaitlistId::from_uuid(f.ids.next_uuid()),
        business_id: f.business.id,
        service_id: f.service.id,
        client_id: client,
        resource_id: Some(f.resource.id),
        range: iv("2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
        status: WaitlistStatus::Waiting,
        offer: None,
        reservation_id: None,
        created_at: ts(joined),
    };
    let other = ClientId::from_uuid(f.ids.next_uuid());
    let late = place(f.client.id, "2026-06-01T10:00:00Z");
    let early = place(other, "2026-06-01T09:00:00Z");
    store.insert_waitlist_entry(&late).await.unwrap();
    store.insert_waitlist_entry(&early).await.unwrap();
    let twice = place(f.client.id, "2026-06-01T11:00:00Z");
    assert_eq!(
        store.insert_waitlist_entry(&twice).await.unwrap_err(),
        Error::AlreadyOnWaitlist
    );
    let open = store.open_waitlist_entries(10).await.unwrap();
    assert_eq!(open, [early.clone(), late.clone()]);
    assert_eq!(
        store.open_waitlist_entries(1).await.unwrap(),
        std::slice::from_ref(&early)
    );

    // Offered: the offer round-trips; an update from `waiting` no longer applies.
    let mut offered = late.clone();
    offered.status = WaitlistStatus::Offered;
    offered.offer = Some(Offer {
        resource_id: f.resource.id,
        start: ts("2026-06-08T10:00:00Z"),
        expires_at: ts("2026-06-01T10:30:00Z"),
    });
    assert!(
        store
            .update_waitlist_entry(&offered, WaitlistStatus::Waiting)
            .await
            .unwrap()
    );
    let mut stale = late.clone();
    stale.status = WaitlistStatus::Left;
    assert!(
        !store
            .update_waitlist_entry(&stale, WaitlistStatus::Waiting)
            .await
            .unwrap()
    );
    assert_eq!(
        store.get_waitlist_entry(late.id).await.unwrap(),
        Some(offered.clone())
    );

    // Booked: closed, so the client may wait again; the business lists open places only.
    let mut booked = offered.clone();
    booked.status = WaitlistStatus::Booked;
    booked.reservation_id = Some(ReservationId::from_uuid(f.ids.next_uuid()));
    assert!(
        store
            .update_waitlist_entry(&booked, WaitlistStatus::Offered)
            .await
            .unwrap()
    );
    store.insert_waitlist_entry(&twice).await.unwrap();
    assert_eq!(
        store.list_waitlist(Some(f.client.id), None).await.unwrap(),
        [booked.clone(), twice.clone()]
    );
    assert_eq!(
        store
            .list_waitlist(None, Some(f.business.id))
            .await
            .unwrap(),
        [early.clone(), twice.clone()]
    );
    assert_eq!(
        store
            .get_waitlist_entry(WaitlistId::from_uuid(f.ids.next_uuid()))
            .await
            .unwrap(),
        None
    );
}
