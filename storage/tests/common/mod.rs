//! What every database backend's test binary shares: the runtime and cipher of a test,
//! [`backend_suites!`] (the suites each backend runs unchanged), and the concurrency cases:
//! many tasks released together by a barrier try to break the booking invariants; afterwards
//! an invariant check over the stored rows finds no overlap.

pub mod accounts;
pub mod environment;
pub mod notifications;
pub mod staff;

use std::future::Future;
use std::sync::Arc;

use rdv_core::ErrorCode;
use rdv_core::conformance::Fixture;
use rdv_core::model::{
    Actor, Business, BusinessId, Reservation, ReservationStatus, Resource, ResourceId,
    TransitionRecord, UserId,
};
use rdv_core::ports::{
    BusinessFilter, BusinessSort, PageRequest, ReservationFilter, ReservationSort, Store,
};
use rdv_core::{Interval, Timestamp};
use rdv_storage::FieldCipher;
use tokio::sync::Barrier;

/// Runs a test's future on its own two-thread runtime.
pub fn block_on<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

/// The cipher of every test store.
pub fn cipher() -> FieldCipher {
    FieldCipher::new("test", &[42u8; 32]).expect("cipher")
}

/// Asserts that no line of any main query's plan is a scan of a whole table, as the
/// backend's `scans_table` recognises one in its `EXPLAIN` output.
pub fn assert_plans_use_indexes(plans: Vec<(String, String)>, scans_table: fn(&str) -> bool) {
    for (name, plan) in plans {
        assert!(
            !plan.lines().any(scans_table),
            "{name} scans a whole table:\n{plan}"
        );
    }
}

/// Expands to the suites every backend runs unchanged, one module each: the core's
/// conformance suite and this crate's concurrency, account, notification and staff cases. `$run`
/// drives a future, `$fresh` makes an empty store; both are in scope where it expands.
#[macro_export]
macro_rules! backend_suites {
    ($run:ident, $fresh:ident) => {
        mod conformance {
            use super::*;
            rdv_core::storage_conformance_tests!(make = $fresh(), block_on = $run);
        }

        mod concurrency {
            use super::*;
            $crate::concurrency_tests!($run, $fresh);
        }

        mod accounts {
            use super::*;
            $crate::account_tests!($run, $fresh);
        }

        mod notifications {
            use super::*;
            $crate::notification_tests!($run, $fresh);
        }

        mod staff {
            use super::*;
            $crate::staff_tests!($run, $fresh);
        }

        mod listings {
            use super::*;

            /// The history list returns business, service and resource names in one
            /// statement, whatever the page size (no N+1).
            #[test]
            fn history_lists_run_one_query_whatever_the_page_size() {
                $run(async { $crate::common::history_list_is_one_query($fresh().await).await });
            }
        }
    };
}

/// A store that counts its statements.
pub trait Counted {
    /// Statements run so far.
    fn query_count(&self) -> u64;
}

impl Counted for rdv_storage::SqliteStore {
    fn query_count(&self) -> u64 {
        rdv_storage::SqliteStore::query_count(self)
    }
}

impl Counted for rdv_storage::PgStore {
    fn query_count(&self) -> u64 {
        rdv_storage::PgStore::query_count(self)
    }
}

/// Pages of 1, 10 and 30 of a client's 30 reservations each cost one statement, names
/// included.
pub async fn history_list_is_one_query<S: Store + Counted>(store: S) {
    let f = Fixture::new(&store).await;
    for day in 1..=30i64 {
        let start = Timestamp::from_secs(1_780_000_000 + day * 86_400);
        let slot = Interval::new(start, start.add_secs(1800)).unwrap();
        store
            .insert_reservation(&f.reservation(f.client.id, f.resource.id, slot), 1)
            .await
            .unwrap();
    }
    let filter = ReservationFilter {
        client_id: Some(f.client.id),
        ..Default::default()
    };
    for size in [1, 10, 30] {
        let before = store.query_count();
        let page = store
            .list_reservations(
                &filter,
                ReservationSort::StartAsc,
                &PageRequest::first(size),
            )
            .await
            .unwrap();
        assert_eq!(page.items.len(), size as usize);
        assert!(
            page.items
                .iter()
                .all(|v| v.service_name == "Coupe" && v.business_name == "Coiffeur Élégance")
        );
        assert_eq!(store.query_count() - before, 1, "page of {size}");
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).expect("interval")
}

/// Runs every booking attempt at once; returns how many succeeded and the codes of the rest.
async fn race<S: Store + Clone + 'static>(
    store: &S,
    attempts: Vec<(Reservation, u32)>,
) -> (usize, Vec<ErrorCode>) {
    let barrier = Arc::new(Barrier::new(attempts.len()));
    let tasks: Vec<_> = attempts
        .into_iter()
        .map(|(r, seats)| {
            let store = store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store.insert_reservation(&r, seats).await
            })
        })
        .collect();
    let mut ok = 0;
    let mut codes = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(()) => ok += 1,
            Err(e) => codes.push(e.code()),
        }
    }
    (ok, codes)
}

/// Every stored active reservation respects capacity (seats per group session) and no client
/// holds two overlapping ones.
pub async fn assert_invariants<S: Store>(store: &S, resources: &[ResourceId], seats: u32) {
    let all = store
        .list_active_for_resources(
            resources,
            iv("2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"),
        )
        .await
        .expect("list");
    for (i, a) in all.iter().enumerate() {
        let mut session = 1;
        for b in &all[i + 1..] {
            if a.client_id == b.client_id {
                assert!(
                    !a.interval.overlaps(&b.interval),
                    "client double booked: {a:?} {b:?}"
                );
            }
            if a.resource_id == b.resource_id
                && a.blocked_interval().overlaps(&b.blocked_interval())
            {
                assert!(
                    seats > 1 && a.interval == b.interval && a.service_id == b.service_id,
                    "overlap: {a:?} {b:?}"
                );
                session += 1;
            }
        }
        assert!(
            session <= seats,
            "{session} reservations share a session of {seats} seats"
        );
    }
}

/// 50 tasks book the same slot at once, 20 times: exactly one wins each time, 49 get a typed
/// conflict.
pub async fn fifty_tasks_one_slot<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    for round in 0..20 {
        let day = format!("2026-07-{:02}", round + 1);
        let slot = iv(&format!("{day}T09:00:00Z"), &format!("{day}T09:30:00Z"));
        let attempts = (0..50)
            .map(|_| (f.reservation(f.new_client(), f.resource.id, slot), 1))
            .collect();
        let (ok, codes) = race(&store, attempts).await;
        assert_eq!(ok, 1, "round {round}");
        assert_eq!(codes.len(), 49);
        assert!(
            codes.iter().all(|c| *c == ErrorCode::BookingOverlap),
            "round {round}: {codes:?}"
        );
    }
    assert_invariants(&store, &[f.resource.id], 1).await;
}

/// Three partially overlapping intervals at once: at most one wins; two back-to-back ones
/// (buffer included) both win.
pub async fn partial_overlaps_and_back_to_back<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    for round in 0..10 {
        let day = format!("2026-08-{:02}", round + 1);
        let at = |h: &str| ts(&format!("{day}T{h}:00Z"));
        let attempts = [("09:00", "09:30"), ("09:15", "09:45"), ("09:25", "09:55")]
            .iter()
            .map(|(a, b)| {
                (
                    f.reservation(
                        f.new_client(),
                        f.resource.id,
                        Interval::new(at(a), at(b)).unwrap(),
                    ),
                    1,
                )
            })
            .collect();
        let (ok, _) = race(&store, attempts).await;
        assert!(
            ok <= 1,
            "round {round}: {ok} overlapping bookings succeeded"
        );
        // The service has a 10-minute buffer after: 14:00–14:30 and 14:40–15:10 touch.
        let attempts = [("14:00", "14:30"), ("14:40", "15:10")]
            .iter()
            .map(|(a, b)| {
                (
                    f.reservation(
                        f.new_client(),
                        f.resource.id,
                        Interval::new(at(a), at(b)).unwrap(),
                    ),
                    1,
                )
            })
            .collect();
        let (ok, codes) = race(&store, attempts).await;
        assert_eq!(
            ok, 2,
            "round {round}: back-to-back bookings must both succeed: {codes:?}"
        );
    }
    assert_invariants(&store, &[f.resource.id], 1).await;
}

/// Ten new resources of the fixture's business, named `{prefix} {i}`, saved in `store`.
async fn ten_resources<S: Store>(store: &S, f: &Fixture, prefix: &str) -> Vec<ResourceId> {
    let mut resources = Vec::new();
    for i in 0..10 {
        let r = Resource {
            id: ResourceId::from_uuid(uuid::Uuid::new_v4()),
            name: format!("{prefix} {i}"),
            ..f.resource.clone()
        };
        store.save_resource(&r).await.unwrap();
        resources.push(r.id);
    }
    resources
}

/// One client books ten different resources at the same time: exactly one succeeds.
pub async fn one_client_ten_resources<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    let resources = ten_resources(&store, &f, "Room").await;
    let slot = iv("2026-09-01T09:00:00Z", "2026-09-01T09:30:00Z");
    let attempts = resources
        .iter()
        .map(|&r| (f.reservation(f.client.id, r, slot), 1))
        .collect();
    let (ok, codes) = race(&store, attempts).await;
    assert_eq!(ok, 1);
    assert!(
        codes.iter().all(|c| *c == ErrorCode::ClientDoubleBooked),
        "{codes:?}"
    );
    assert_invariants(&store, &resources, 1).await;
}

/// Twelve clients book the same time at once, each handing all ten resources in the same order
/// (`insert_on_first_free`), five rounds: exactly ten succeed, each on a different resource,
/// and the two others get a typed overlap.
pub async fn first_free_bookings_spread_over_the_resources<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    let resources = ten_resources(&store, &f, "Chair").await;
    for round in 0..5 {
        let day = format!("2026-11-{:02}", round + 2);
        let slot = iv(&format!("{day}T09:00:00Z"), &format!("{day}T09:30:00Z"));
        let barrier = Arc::new(Barrier::new(12));
        let tasks: Vec<_> = (0..12)
            .map(|_| {
                let store = store.clone();
                let barrier = barrier.clone();
                let resources = resources.clone();
                let r = f.reservation(f.new_client(), resources[0], slot);
                tokio::spawn(async move {
                    barrier.wait().await;
                    store.insert_on_first_free(&r, &resources, 1).await
                })
            })
            .collect();
        let mut got = Vec::new();
        let mut codes = Vec::new();
        for t in tasks {
            match t.await.expect("task") {
                Ok(resource) => got.push(resource),
                Err(e) => codes.push(e.code()),
            }
        }
        got.sort();
        got.dedup();
        assert_eq!(
            got.len(),
            10,
            "round {round}: each resource once: {codes:?}"
        );
        assert_eq!(codes, [ErrorCode::BookingOverlap; 2], "round {round}");
    }
    assert_invariants(&store, &resources, 1).await;
}

/// Seats = 3: twenty clients try at once, exactly three get a seat.
pub async fn three_seats_exactly_three<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    for round in 0..5 {
        let day = format!("2026-10-{:02}", round + 1);
        let slot = iv(&format!("{day}T09:00:00Z"), &format!("{day}T09:30:00Z"));
        let attempts = (0..20)
            .map(|_| (f.reservation(f.new_client(), f.resource.id, slot), 3))
            .collect();
        let (ok, codes) = race(&store, attempts).await;
        assert_eq!(ok, 3, "round {round}: {codes:?}");
        assert!(codes.iter().all(|c| *c == ErrorCode::SlotFull), "{codes:?}");
    }
    assert_invariants(&store, &[f.resource.id], 3).await;
}

/// Two pending seats of a group session whose seats drop to one are confirmed in parallel:
/// at most one is confirmed.
pub async fn parallel_confirmations_respect_capacity<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    let slot = iv("2026-11-02T09:00:00Z", "2026-11-02T09:30:00Z");
    let a = f.reservation(f.new_client(), f.resource.id, slot);
    let b = f.reservation(f.new_client(), f.resource.id, slot);
    store.insert_reservation(&a, 2).await.unwrap();
    store.insert_reservation(&b, 2).await.unwrap();
    let confirmed = |r: &Reservation| {
        let mut r = r.clone();
        r.history.push(TransitionRecord {
            from: Some(ReservationStatus::Pending),
            to: ReservationStatus::Confirmed,
            actor: Actor::Business,
            at: ts("2026-10-01T00:00:00Z"),
            reason: None,
        });
        r.status = ReservationStatus::Confirmed;
        r
    };
    let barrier = Arc::new(Barrier::new(2));
    let tasks: Vec<_> = [confirmed(&a), confirmed(&b)]
        .into_iter()
        .map(|r| {
            let store = store.clone();
            let barrier = barrier.clone();
            tokio::spawn(async move {
                barrier.wait().await;
                store.update_reservation(&r, Some(1)).await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        if t.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert!(ok <= 1, "{ok} confirmations succeeded for one seat");
}

/// Twenty businesses of one new owner are saved at once (the server's concurrent creations):
/// exactly one is stored, the others get the typed `OWNER_HAS_BUSINESS`; the stored one can
/// still be saved again (an update).
pub async fn one_business_per_owner_under_concurrency<S: Store + Clone + 'static>(store: S) {
    let f = Fixture::new(&store).await;
    let owner = UserId::from_uuid(uuid::Uuid::new_v4());
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let business = Business {
                id: BusinessId::from_uuid(uuid::Uuid::new_v4()),
                owner_id: owner,
                name: format!("Salon {i}"),
                ..f.business.clone()
            };
            tokio::spawn(async move {
                barrier.wait().await;
                store.save_business(&business).await.map(|()| business)
            })
        })
        .collect();
    let mut stored = Vec::new();
    let mut codes = Vec::new();
    for t in tasks {
        match t.await.expect("task") {
            Ok(business) => stored.push(business),
            Err(e) => codes.push(e.code()),
        }
    }
    assert_eq!(stored.len(), 1, "{codes:?}");
    assert_eq!(codes, [ErrorCode::OwnerHasBusiness; 19]);
    let mine = BusinessFilter {
        owner_id: Some(owner),
        ..BusinessFilter::default()
    };
    let page = store
        .list_businesses(&mine, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .expect("list");
    assert_eq!(page.items, stored);
    let mut renamed = stored[0].clone();
    renamed.name = "Salon renamed".into();
    store.save_business(&renamed).await.expect("update");
}

/// Expands to one `#[test]` per concurrency case for a backend: `$run` drives a future,
/// `$fresh` makes an empty store.
#[macro_export]
macro_rules! concurrency_tests {
    ($run:path, $fresh:path) => {
        #[test]
        fn fifty_tasks_booking_one_slot_give_one_success_and_49_conflicts() {
            $run(async { common::fifty_tasks_one_slot($fresh().await).await });
        }

        #[test]
        fn partially_overlapping_bookings_give_at_most_one_success() {
            $run(async { common::partial_overlaps_and_back_to_back($fresh().await).await });
        }

        #[test]
        fn one_client_booking_ten_resources_at_once_gets_exactly_one() {
            $run(async { common::one_client_ten_resources($fresh().await).await });
        }

        #[test]
        fn first_free_bookings_of_one_time_spread_over_the_resources() {
            $run(async {
                common::first_free_bookings_spread_over_the_resources($fresh().await).await
            });
        }

        #[test]
        fn three_seats_are_taken_by_exactly_three_of_twenty() {
            $run(async { common::three_seats_exactly_three($fresh().await).await });
        }

        #[test]
        fn parallel_confirmations_never_exceed_capacity() {
            $run(async { common::parallel_confirmations_respect_capacity($fresh().await).await });
        }

        #[test]
        fn twenty_concurrent_businesses_of_one_owner_store_exactly_one() {
            $run(async { common::one_business_per_owner_under_concurrency($fresh().await).await });
        }
    };
}
