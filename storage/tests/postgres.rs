//! The core's conformance suite on PostgreSQL. Needs `TEST_DATABASE_URL` (for example
//! `postgres://root@127.0.0.1:5432/rdv_test`); every test gets its own schema. Without the
//! variable each test prints that it was skipped and passes.

use std::future::Future;

use rdv_storage::{FieldCipher, PgStore};

fn database_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

fn run<F: Future<Output = ()>>(future: F) {
    if database_url().is_none() {
        eprintln!("skipped: TEST_DATABASE_URL is not set, PostgreSQL tests did not run");
        return;
    }
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime")
        .block_on(future)
}

async fn fresh() -> PgStore {
    let url = database_url().expect("checked by run()");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&url)
        .await
        .expect("connect to TEST_DATABASE_URL");
    // Extensions are per database: create them once, serialised, before the parallel tests'
    // migrations ask for them.
    for sql in [
        "SELECT pg_advisory_lock(7331)",
        "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public",
        "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public",
        "SELECT pg_advisory_unlock(7331)",
    ] {
        sqlx::query(sql).execute(&mut admin).await.expect(sql);
    }
    sqlx::query(&format!("CREATE SCHEMA {schema}"))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let options = rdv_storage::postgres::connect_options(&url)
        .expect("valid url")
        .options([("search_path", format!("{schema},public"))]);
    PgStore::open_with(
        options,
        FieldCipher::new("test", &[42u8; 32]).expect("cipher"),
    )
    .await
    .expect("open postgres")
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
