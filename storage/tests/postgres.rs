//! The core's conformance suite on PostgreSQL. Needs `TEST_DATABASE_URL` (for example
//! `postgres://root@127.0.0.1:5432/rdv_test`); every test gets its own schema. Without the
//! variable, or when its server is unreachable, each test fails if `CI` is set and is
//! otherwise skipped and listed as such (`common::environment`).
#![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

use std::future::Future;

use rdv_storage::PgStore;

mod common;

/// `TEST_DATABASE_URL`, once [`run`] has found it set and reachable.
fn database_url() -> Option<String> {
    common::environment::postgres_url()
}

/// Runs a test's future when PostgreSQL is there; otherwise skips, or fails in CI.
fn run<F: Future<Output = ()>>(future: F) {
    if common::environment::postgres_url().is_none() {
        return;
    }
    common::block_on(future);
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
    PgStore::open_with(options, common::cipher())
        .await
        .expect("open postgres")
}

backend_suites!(run, fresh);

mod postgres_only {
    use rdv_core::conformance::Fixture;
    use rdv_core::ports::{DirectoryStore, ReservationStore};
    use rdv_core::{ErrorCode, Interval, Timestamp};

    use super::*;

    /// With sequential scans disabled, no main query falls back to one: each has an index.
    #[test]
    fn main_queries_use_indexes() {
        run(async {
            let plans = fresh().await.query_plans().await.unwrap();
            common::assert_plans_use_indexes(plans, |line| line.contains("Seq Scan"));
        });
    }

    /// A year of finished reservations of the fixture's business, live and archived, and
    /// the planner's statistics of them.
    async fn seed_a_year(store: &PgStore, f: &Fixture) {
        let columns = "id, business_id, client_id, service_id, resource_id, start_at, end_at, \
            blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, \
            exclusive, session_key, price_minor, currency, reschedule_count, version, history, \
            created_at";
        let rows = "SELECT gen_random_uuid(), $1, gen_random_uuid(), $2, $3, \
            1750000000 + k * 3600, 1750001800 + k * 3600, 1750000000 + k * 3600, \
            1750001800 + k * 3600, 0, 0, 'completed', true, gen_random_uuid()::text, 2500, \
            'EUR', 0, 1, '[]'::jsonb, 1749990000 + k * 3600";
        for sql in [
            format!(
                "INSERT INTO reservations ({columns}) {rows} FROM generate_series(0, 8759) AS k"
            ),
            format!(
                "INSERT INTO reservations_archive ({columns}, archived_at) {rows}, 0 FROM generate_series(0, 8759) AS k"
            ),
            "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at) \
             SELECT gen_random_uuid(), $1, $3, 1750000000 + k * 86400, 1750028800 + k * 86400 \
             FROM generate_series(0, 364) AS k WHERE $2::uuid IS NOT NULL"
                .to_owned(),
        ] {
            sqlx::query(&sql)
                .bind(f.business.id.0)
                .bind(f.service.id.0)
                .bind(f.resource.id.0)
                .execute(store.pool())
                .await
                .unwrap();
        }
        sqlx::query("ANALYZE reservations, reservations_archive, availability_windows")
            .execute(store.pool())
            .await
            .unwrap();
    }

    /// The calendar's read walks the `(business_id, start_at)` index of the live table and of
    /// the archive once they hold a year of the business's rows.
    #[test]
    fn calendar_reads_through_the_business_start_indexes() {
        run(async {
            let store = fresh().await;
            let f = Fixture::new(&store).await;
            seed_a_year(&store, &f).await;
            let month = Interval::new(
                Timestamp::from_secs(1_780_000_000),
                Timestamp::from_secs(1_780_000_000 + 31 * 86_400),
            )
            .unwrap();
            let plan = store
                .calendar_plan(f.business.id, month, true)
                .await
                .unwrap();
            for index in [
                "reservations_business_start",
                "reservations_archive_business_start",
            ] {
                assert!(plan.contains(index), "{index} unused:\n{plan}");
            }
        });
    }

    /// The statistics query reads each table through its business index (reservations,
    /// live and archived, by start and by creation; windows by start) once the tables hold a
    /// year of the business's rows and the planner has their statistics.
    #[test]
    fn statistics_read_through_the_business_indexes() {
        run(async {
            let store = fresh().await;
            let f = Fixture::new(&store).await;
            seed_a_year(&store, &f).await;
            let day = 86_400;
            let range = Interval::new(
                Timestamp::from_secs(1_780_000_000),
                Timestamp::from_secs(1_780_000_000 + 3 * day),
            )
            .unwrap();
            let days: Vec<Interval> = (0..3)
                .map(|k| {
                    Interval::new(
                        Timestamp::from_secs(1_780_000_000 + k * day),
                        Timestamp::from_secs(1_780_000_000 + (k + 1) * day),
                    )
                    .unwrap()
                })
                .collect();
            let request = rdv_core::stats::AggregateRequest::new(
                f.business.id,
                (None, None),
                None,
                &days,
                rdv_core::stats::ZoneOffsets::new(f.business.time_zone.0, range),
            )
            .unwrap();
            let plan = store.stats_plan(&request).await.unwrap();
            for index in [
                "reservations_business_start",
                "reservations_archive_business_start",
                "reservations_business_created",
                "reservations_archive_business_created",
                "availability_windows_business_start",
            ] {
                assert!(plan.contains(index), "{index} unused:\n{plan}");
            }
        });
    }

    /// Phone numbers are stored encrypted; a tampered value is a typed error.
    #[test]
    fn phone_numbers_are_encrypted_at_rest_and_tampering_is_detected() {
        run(async {
            let store = fresh().await;
            let f = Fixture::new(&store).await;
            let raw: String = sqlx::query_scalar("SELECT phone FROM clients WHERE id = $1")
                .bind(f.client.id.0)
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert!(
                raw.starts_with("v1:test:") && !raw.contains("612345678"),
                "{raw}"
            );
            let tampered = format!(
                "{}{}",
                &raw[..raw.len() - 2],
                if raw.ends_with("A=") { "B=" } else { "A=" }
            );
            sqlx::query("UPDATE clients SET phone = $1 WHERE id = $2")
                .bind(tampered)
                .bind(f.client.id.0)
                .execute(store.pool())
                .await
                .unwrap();
            assert_eq!(
                store.get_client(f.client.id).await.unwrap_err().code(),
                ErrorCode::DataIntegrity
            );
        });
    }

    /// The exclusion constraint itself refuses an overlapping row written behind the
    /// application's back, and the error maps to the typed conflict.
    #[test]
    fn the_database_refuses_overlaps_written_around_the_application() {
        run(async {
            let store = fresh().await;
            let f = Fixture::new(&store).await;
            let start = Timestamp::from_secs(1_780_000_000);
            let r = f.reservation(
                f.client.id,
                f.resource.id,
                Interval::new(start, start.add_secs(1800)).unwrap(),
            );
            store.insert_reservation(&r, 1).await.unwrap();
            let err = sqlx::query(
                "INSERT INTO reservations (id, business_id, client_id, service_id, resource_id, start_at, end_at, \
                 blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, exclusive, session_key, \
                 price_minor, currency, reschedule_count, version, history, created_at) SELECT gen_random_uuid(), business_id, gen_random_uuid(), service_id, resource_id, \
                 start_at + 60, end_at + 60, blocked_start + 60, blocked_end + 60, buffer_before_minutes, buffer_after_minutes, \
                 status, exclusive, gen_random_uuid()::text, price_minor, currency, reschedule_count, version, history, created_at \
                 FROM reservations WHERE id = $1",
            )
            .bind(r.id.0)
            .execute(store.pool())
            .await
            .unwrap_err();
            assert_eq!(
                rdv_storage::codec::db_error(err).code(),
                ErrorCode::BookingOverlap
            );
        });
    }
}

mod postgres_migrations {
    use super::*;

    async fn schema_of(pool: &sqlx::PgPool, schema: &str) -> Vec<String> {
        let queries = [
            "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') || ' ' || coalesce(generation_expression, '') \
             FROM information_schema.columns WHERE table_schema = $1 AND table_name <> '_sqlx_migrations' ORDER BY 1",
            "SELECT tablename || ' ' || replace(indexdef, $1 || '.', '') FROM pg_indexes WHERE schemaname = $1 AND tablename <> '_sqlx_migrations' ORDER BY 1",
            "SELECT c.conname || ' ' || pg_get_constraintdef(c.oid) FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace \
             WHERE n.nspname = $1 ORDER BY 1",
        ];
        let mut out = Vec::new();
        for sql in queries {
            let rows: Vec<String> = sqlx::query_scalar(sql)
                .bind(schema)
                .fetch_all(pool)
                .await
                .unwrap();
            // Definitions name their schema; compare them without it.
            out.extend(rows.into_iter().map(|r| r.replace(schema, "<schema>")));
        }
        out
    }

    async fn migrated_schema(
        url: &str,
        migrators: &[&sqlx::migrate::Migrator],
    ) -> (String, sqlx::PgPool) {
        let schema = format!("m_{}", uuid::Uuid::new_v4().simple());
        let admin = sqlx::PgPool::connect(url).await.unwrap();
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&admin)
            .await
            .unwrap();
        let options = rdv_storage::postgres::connect_options(url)
            .unwrap()
            .options([("search_path", format!("{schema},public"))]);
        let pool = sqlx::postgres::PgPoolOptions::new()
            .max_connections(1)
            .connect_with(options)
            .await
            .unwrap();
        for m in migrators {
            m.run(&pool).await.unwrap();
        }
        pool.close().await;
        (schema, admin)
    }

    /// Applying the migrations one release at a time yields the same schema as a fresh
    /// database migrated at once.
    #[test]
    fn a_database_migrated_step_by_step_equals_a_fresh_one() {
        run(async {
            let url = database_url().unwrap();
            // Extensions first (shared by every schema of the database).
            drop(fresh().await);
            let migrations = common::environment::temp_dir("rdv-pg-migrations-");
            let dir = migrations.path();
            let source =
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
            let mut files: Vec<_> = std::fs::read_dir(&source)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            assert!(files.len() >= 2);
            std::fs::copy(&files[0], dir.join(files[0].file_name().unwrap())).unwrap();
            let first = sqlx::migrate::Migrator::new(dir).await.unwrap();
            let (stepwise, admin) =
                migrated_schema(&url, &[&first, &rdv_storage::postgres::MIGRATOR]).await;
            let (fresh_schema, _) =
                migrated_schema(&url, &[&rdv_storage::postgres::MIGRATOR]).await;
            let a = schema_of(&admin, &stepwise).await;
            let b = schema_of(&admin, &fresh_schema).await;
            assert!(b.len() > 50, "{b:?}");
            assert_eq!(a, b);
        });
    }
}

/// The reachability check reads the server's address from the URL (this runs without
/// PostgreSQL).
#[test]
fn postgres_addresses_are_read_from_urls() {
    use common::environment::postgres_address;
    assert_eq!(
        postgres_address("postgres://root@127.0.0.1:5432/rdv_test").as_deref(),
        Some("127.0.0.1:5432")
    );
    assert_eq!(
        postgres_address("postgresql://u:p%40ss@db.example/x?sslmode=disable").as_deref(),
        Some("db.example:5432")
    );
    assert_eq!(
        postgres_address("postgres://[::1]:6543/x").as_deref(),
        Some("[::1]:6543")
    );
    assert_eq!(
        postgres_address("postgres://[::1]/x").as_deref(),
        Some("[::1]:5432")
    );
    assert_eq!(postgres_address("postgres:///rdv_test?host=/run/pg"), None);
}
