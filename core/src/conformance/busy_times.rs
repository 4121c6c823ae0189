//! Conformance case of busy times from other calendars: a source replaced whole, reads by
//! range and source, and the schedule read that slot queries use.

use super::{Fixture, iv};
use crate::busy_times::{BusyTime, ExternalBusy, MAX_BUSY_PIECE_SECS};
use crate::ports::Store;
use crate::time::Timestamp;

/// `replace_busy_times` swaps one resource's source in one call and leaves other sources and
/// resources alone; range reads look back a whole piece and no further; the schedule carries
/// the busy times of the service's resources that can meet the slots asked for.
pub async fn busy_times_replace_a_source_whole_and_reach_the_schedule(store: impl Store) {
    let f = Fixture::new(&store).await;
    let alice = f.resource.id;
    let bob = f.other_resource.id;
    let row = |resource, source: &str, uid: &str, a: &str, b: &str| BusyTime {
        resource_id: resource,
        source: source.into(),
        uid: uid.into(),
        interval: iv(a, b),
    };
    let first = [
        row(
            alice,
            "ics",
            "m1",
            "2026-06-08T09:00:00Z",
            "2026-06-08T10:00:00Z",
        ),
        row(
            alice,
            "ics",
            "m2",
            "2026-06-08T13:00:00Z",
            "2026-06-08T14:00:00Z",
        ),
    ];
    assert_eq!(store.replace_busy_times(alice, "ics", &first).await, Ok(0));
    let other = [row(
        alice,
        "caldav:x",
        "c",
        "2026-06-08T11:00:00Z",
        "2026-06-08T12:00:00Z",
    )];
    assert_eq!(
        store.replace_busy_times(alice, "caldav:x", &other).await,
        Ok(0)
    );
    let bobs = [row(
        bob,
        "ics",
        "b",
        "2026-06-08T09:00:00Z",
        "2026-06-08T10:00:00Z",
    )];
    assert_eq!(store.replace_busy_times(bob, "ics", &bobs).await, Ok(0));
    let day = iv("2026-06-08T00:00:00Z", "2026-06-09T00:00:00Z");
    let uids = |list: Vec<BusyTime>| list.into_iter().map(|b| b.uid).collect::<Vec<_>>();
    assert_eq!(
        uids(store.list_busy_times(alice, None, day).await.unwrap()),
        ["m1", "c", "m2"]
    );

    // A new file for the same source replaces both rows at once.
    let second = [row(
        alice,
        "ics",
        "n1",
        "2026-06-08T15:00:00Z",
        "2026-06-08T16:00:00Z",
    )];
    assert_eq!(store.replace_busy_times(alice, "ics", &second).await, Ok(2));
    assert_eq!(
        store
            .list_busy_times(alice, Some("ics"), day)
            .await
            .unwrap(),
        second.to_vec()
    );
    assert_eq!(
        uids(store.list_busy_times(alice, None, day).await.unwrap()),
        ["c", "n1"]
    );
    assert_eq!(
        uids(store.list_busy_times(bob, None, day).await.unwrap()),
        ["b"]
    );

    // Half-open: a range ending when a period starts does not meet it.
    let before = iv("2026-06-08T00:00:00Z", "2026-06-08T11:00:00Z");
    assert_eq!(
        store.list_busy_times(alice, None, before).await.unwrap(),
        []
    );

    // A piece as long as allowed is found from its last minute.
    let long_start = Timestamp::from_secs(
        iv("2026-07-01T00:00:00Z", "2026-07-02T00:00:00Z")
            .start()
            .secs(),
    );
    let long = BusyTime {
        resource_id: bob,
        source: "ics".into(),
        uid: "holiday".into(),
        interval: crate::time::Interval::new(long_start, long_start.add_secs(MAX_BUSY_PIECE_SECS))
            .unwrap(),
    };
    store
        .replace_busy_times(bob, "ics", std::slice::from_ref(&long))
        .await
        .unwrap();
    let last_minute =
        crate::time::Interval::new(long.interval.end().add_secs(-60), long.interval.end()).unwrap();
    assert_eq!(
        store
            .list_external_busy(&[alice, bob], last_minute)
            .await
            .unwrap(),
        [ExternalBusy {
            resource_id: bob,
            interval: long.interval
        }]
    );

    // The schedule read carries them, for the service's resources.
    let inputs = store
        .load_schedule(f.service.id, day, day)
        .await
        .unwrap()
        .expect("the service exists");
    assert_eq!(
        inputs.external_busy,
        [
            ExternalBusy {
                resource_id: alice,
                interval: iv("2026-06-08T11:00:00Z", "2026-06-08T12:00:00Z")
            },
            ExternalBusy {
                resource_id: alice,
                interval: iv("2026-06-08T15:00:00Z", "2026-06-08T16:00:00Z")
            },
        ]
    );
    // Removing a source leaves nothing of it.
    assert_eq!(
        store.replace_busy_times(alice, "caldav:x", &[]).await,
        Ok(1)
    );
    assert_eq!(
        uids(store.list_busy_times(alice, None, day).await.unwrap()),
        ["n1"]
    );
}
