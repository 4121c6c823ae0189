//! Conformance cases of resources (issue 17 item 3): working hours stored and read by the
//! schedule, a reservation moved to another resource with the capacity rule applied
//! atomically, and deletion only once a resource holds nothing, keeping its history.

use super::{Fixture, iv, ts};
use crate::error::ErrorCode;
use crate::hours::{OpeningHours, TimeRange};
use crate::model::*;
use crate::ports::{PageRequest, ReservationFilter, ReservationSort, Store};

fn tuesday_to_saturday() -> OpeningHours {
    OpeningHours::same_every_day(
        &[TimeRange::parse("10:00", "18:00").unwrap()],
        &[1, 2, 3, 4, 5],
    )
}

/// Working hours and the active flag round-trip, and the one schedule read returns the
/// service's resources with them (not another business's, not a deleted one).
pub async fn resources_keep_their_working_hours_for_the_schedule(store: impl Store) {
    let f = Fixture::new(&store).await;
    let stylist = Resource {
        working_hours: Some(tuesday_to_saturday()),
        ..f.resource.clone()
    };
    store.save_resource(&stylist).await.unwrap();
    let resting = Resource {
        active: false,
        ..f.other_resource.clone()
    };
    store.save_resource(&resting).await.unwrap();
    assert_eq!(
        store.get_resource(stylist.id).await.unwrap(),
        Some(stylist.clone())
    );
    assert_eq!(
        store.list_resources(f.business.id).await.unwrap(),
        [stylist.clone(), resting.clone()]
    );
    let range = iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z");
    let inputs = store
        .load_schedule(f.service.id, range, range)
        .await
        .unwrap()
        .expect("the service exists");
    let mut resources = inputs.resources;
    resources.sort_by_key(|r| r.name.clone());
    assert_eq!(resources, [stylist.clone(), resting]);
    // Back to the business's hours.
    store.save_resource(&f.resource).await.unwrap();
    assert_eq!(
        store.get_resource(f.resource.id).await.unwrap(),
        Some(f.resource.clone())
    );
}

/// `update_reservation` replaces the resource too: onto a busy resource it is refused with
/// the capacity rule's code and nothing changes; onto a free one the reservation leaves its
/// old resource, whose time is free again.
pub async fn a_reservation_moves_to_another_resource_atomically(store: impl Store) {
    let f = Fixture::new(&store).await;
    let slot = iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z");
    let r = f.reservation(f.client.id, f.resource.id, slot);
    store.insert_reservation(&r, 1).await.unwrap();
    let mut blocker = f.reservation(f.new_client(), f.other_resource.id, slot);
    store.insert_reservation(&blocker, 1).await.unwrap();
    let mut moved = r.clone();
    moved.resource_id = f.other_resource.id;
    moved.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::Pending,
        actor: Actor::Business,
        at: ts("2026-05-02T00:00:00Z"),
        reason: Some("moved".into()),
    });
    assert_eq!(
        store
            .update_reservation(&moved, Some(1))
            .await
            .expect_err("busy")
            .code(),
        ErrorCode::BookingOverlap
    );
    assert_eq!(store.get_reservation(r.id).await.unwrap(), Some(r.clone()));
    blocker.status = ReservationStatus::CancelledByClient;
    blocker.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::CancelledByClient,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: None,
    });
    store.update_reservation(&blocker, None).await.unwrap();
    store.update_reservation(&moved, Some(1)).await.unwrap();
    assert_eq!(
        store.get_reservation(r.id).await.unwrap(),
        Some(moved.clone())
    );
    let wide = iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z");
    let on = |resource: ResourceId| {
        let store = &store;
        async move {
            store
                .list_active_for_resources(&[resource], wide)
                .await
                .unwrap()
                .iter()
                .map(|x| x.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(on(f.other_resource.id).await, [r.id]);
    assert_eq!(on(f.resource.id).await, []);
    let again = f.reservation(f.new_client(), f.resource.id, slot);
    store.insert_reservation(&again, 1).await.unwrap();
}

/// A resource holding a reservation that has not ended is not deleted, and nothing changes;
/// once it has ended, the resource leaves every read and its services, its windows from
/// then on go, and its past reservation still names it.
pub async fn a_resource_is_deleted_only_once_it_holds_nothing(store: impl Store) {
    let f = Fixture::new(&store).await;
    let early = f.window(
        f.resource.id,
        iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
    );
    let later = f.window(
        f.resource.id,
        iv("2026-06-02T08:00:00Z", "2026-06-02T12:00:00Z"),
    );
    store
        .insert_windows(&[early.clone(), later.clone()])
        .await
        .unwrap();
    let r = f.reservation(
        f.client.id,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&r, 1).await.unwrap();

    let during = ts("2026-06-01T09:10:00Z");
    assert_eq!(
        store
            .delete_resource(f.resource.id, during)
            .await
            .expect_err("held")
            .code(),
        ErrorCode::ResourceHasReservations
    );
    assert_eq!(
        store.get_resource(f.resource.id).await.unwrap(),
        Some(f.resource.clone())
    );
    assert_eq!(
        store.get_service(f.service.id).await.unwrap(),
        Some(f.service.clone())
    );
    assert_eq!(
        store.get_window(later.id).await.unwrap(),
        Some(later.clone())
    );

    let after = ts("2026-06-01T09:30:00Z");
    store.delete_resource(f.resource.id, after).await.unwrap();
    assert_eq!(store.get_resource(f.resource.id).await.unwrap(), None);
    assert_eq!(
        store.list_resources(f.business.id).await.unwrap(),
        std::slice::from_ref(&f.other_resource)
    );
    let service = store.get_service(f.service.id).await.unwrap().unwrap();
    assert_eq!(service.resource_ids, [f.other_resource.id]);
    assert_eq!(store.get_window(early.id).await.unwrap(), Some(early));
    assert_eq!(store.get_window(later.id).await.unwrap(), None);
    let filter = ReservationFilter {
        resource_id: Some(f.resource.id),
        ..ReservationFilter::default()
    };
    let page = store
        .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(
        page.items
            .iter()
            .map(|v| (v.reservation.id, v.resource_name.as_str()))
            .collect::<Vec<_>>(),
        [(r.id, "Alice")]
    );
    assert_eq!(
        store
            .delete_resource(f.resource.id, after)
            .await
            .expect_err("gone")
            .code(),
        ErrorCode::NotFound
    );
    // Saving it again (a stale update) does not bring it back.
    store.save_resource(&f.resource).await.unwrap();
    assert_eq!(store.get_resource(f.resource.id).await.unwrap(), None);
}
