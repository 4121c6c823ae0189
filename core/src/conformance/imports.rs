//! Conformance cases of what an import writes (ADV-3): resources and services in one atomic
//! call, and a batch of windows larger than any backend's statement chunk, all or nothing.

use super::{Fixture, code, iv};
use crate::error::ErrorCode;
use crate::model::*;
use crate::ports::Store;
use crate::time::{Interval, Timestamp};

/// `save_directory` writes the resources, then the services naming them, readable at once;
/// a service naming a resource that does not exist fails and writes none of the batch.
pub async fn an_import_writes_resources_and_services_together_or_not_at_all(store: impl Store) {
    let f = Fixture::new(&store).await;
    let room = Resource {
        id: ResourceId(Uuid::from_u128(0x1_0001)),
        name: "Salle 2".into(),
        kind: ResourceKind::Room,
        ..f.resource.clone()
    };
    let service = Service {
        id: ServiceId(Uuid::from_u128(0x1_0002)),
        name: "Soin".into(),
        resource_ids: vec![room.id, f.resource.id],
        ..f.service.clone()
    };
    store
        .save_directory(std::slice::from_ref(&room), std::slice::from_ref(&service))
        .await
        .expect("save");
    assert_eq!(
        store.get_resource(room.id).await.unwrap(),
        Some(room.clone())
    );
    assert_eq!(store.get_service(service.id).await.unwrap(), Some(service));

    let lost = Resource {
        id: ResourceId(Uuid::from_u128(0x1_0003)),
        name: "Salle 3".into(),
        ..room
    };
    let broken = Service {
        id: ServiceId(Uuid::from_u128(0x1_0004)),
        name: "Orphan".into(),
        resource_ids: vec![ResourceId(Uuid::from_u128(0xdead))],
        ..f.service.clone()
    };
    // The memory store keeps no foreign keys: only the SQL backends refuse the broken service.
    if store
        .save_directory(std::slice::from_ref(&lost), &[broken])
        .await
        .is_err()
    {
        assert_eq!(
            store.get_resource(lost.id).await.unwrap(),
            None,
            "nothing of the batch"
        );
    }
}

/// 2,500 windows (more than one statement's worth on PostgreSQL) are stored together; the
/// same batch with one overlap in its last part stores none of them.
pub async fn a_large_window_batch_is_all_or_nothing(store: impl Store) {
    let f = Fixture::new(&store).await;
    let day: Timestamp = "2026-07-01T08:00:00Z".parse().expect("instant");
    let batch = |first: i64, count: i64| -> Vec<AvailabilityWindow> {
        (first..first + count)
            .map(|i| {
                let start = day.add_secs(i * 3600);
                f.window(
                    f.resource.id,
                    Interval::new(start, start.add_secs(1800)).expect("window"),
                )
            })
            .collect()
    };
    let mut clashing = batch(0, 2_500);
    let last = clashing[2_499].interval;
    clashing.push(f.window(
        f.resource.id,
        Interval::new(last.start().add_secs(600), last.end().add_secs(600)).expect("window"),
    ));
    assert_eq!(
        code(store.insert_windows(&clashing).await),
        ErrorCode::AvailabilityOverlap
    );
    let all = iv("2026-06-30T00:00:00Z", "2026-11-01T00:00:00Z");
    let stored = store_windows(&store, f.resource.id, all).await;
    assert!(stored.is_empty(), "a refused batch stores nothing");

    let fine = batch(0, 2_500);
    store.insert_windows(&fine).await.expect("insert");
    let listed = store_windows(&store, f.resource.id, all).await;
    assert_eq!(listed.len(), 2_500);
    assert_eq!(listed[2_499], fine[2_499]);
}

async fn store_windows(
    store: &impl Store,
    resource: ResourceId,
    range: Interval,
) -> Vec<AvailabilityWindow> {
    store.list_windows(&[resource], range).await.expect("list")
}
