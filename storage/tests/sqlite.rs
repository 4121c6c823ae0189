//! The core's conformance suite and the SQLite-specific guarantees.

use std::future::Future;

use rdv_storage::{FieldCipher, SqliteStore};

fn run<F: Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

fn temp_url() -> String {
    let dir = std::env::temp_dir().join("rdv-storage-tests");
    std::fs::create_dir_all(&dir).expect("temp dir");
    let file = dir.join(format!("{}.db", uuid::Uuid::new_v4()));
    format!("sqlite://{}", file.display())
}

fn cipher() -> FieldCipher {
    FieldCipher::new("test", &[42u8; 32]).expect("cipher")
}

async fn fresh() -> SqliteStore {
    SqliteStore::open(&temp_url(), cipher())
        .await
        .expect("open sqlite")
}

mod common;

mod conformance {
    use super::*;
    rdv_core::storage_conformance_tests!(make = fresh(), block_on = run);
}

mod concurrency {
    use super::*;

    #[test]
    fn fifty_tasks_booking_one_slot_give_one_success_and_49_conflicts() {
        run(async { common::fifty_tasks_one_slot(fresh().await).await });
    }

    #[test]
    fn partially_overlapping_bookings_give_at_most_one_success() {
        run(async { common::partial_overlaps_and_back_to_back(fresh().await).await });
    }

    #[test]
    fn one_client_booking_ten_resources_at_once_gets_exactly_one() {
        run(async { common::one_client_ten_resources(fresh().await).await });
    }

    #[test]
    fn three_seats_are_taken_by_exactly_three_of_twenty() {
        run(async { common::three_seats_exactly_three(fresh().await).await });
    }

    #[test]
    fn parallel_confirmations_never_exceed_capacity() {
        run(async { common::parallel_confirmations_respect_capacity(fresh().await).await });
    }
}
