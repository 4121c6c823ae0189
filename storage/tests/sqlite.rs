//! The core's conformance suite and the SQLite-specific guarantees.
#![allow(clippy::unwrap_used, reason = "tests stop at the line that failed")]

use rdv_storage::SqliteStore;

mod common;

use std::cell::RefCell;
use std::future::Future;
use std::path::{Path, PathBuf};

use common::environment::temp_dir;
use common::{block_on, cipher};

thread_local! {
    /// The folder of the running test's databases (the harness runs each test on a thread).
    static FOLDER: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// Runs a test's future with a new folder for its databases, removed when the test ends or
/// panics.
fn run<F: Future>(future: F) -> F::Output {
    let folder = temp_dir("rdv-storage-");
    FOLDER.with(|f| *f.borrow_mut() = Some(folder.path().to_owned()));
    let out = block_on(future);
    FOLDER.with(|f| *f.borrow_mut() = None);
    out
}

/// A new database in the running test's folder (inside [`run`]).
fn temp_url() -> String {
    let folder = FOLDER
        .with(|f| f.borrow().clone())
        .expect("temp_url() runs inside run()");
    url_in(&folder)
}

fn url_in(folder: &Path) -> String {
    let file = folder.join(format!("{}.db", uuid::Uuid::new_v4()));
    format!("sqlite://{}", file.display())
}

async fn fresh() -> SqliteStore {
    SqliteStore::open(&temp_url(), cipher())
        .await
        .expect("open sqlite")
}

backend_suites!(run, fresh);

mod sqlite_only {
    use rdv_core::conformance::Fixture;
    use rdv_core::model::ClientProfile;
    use rdv_core::ports::{DirectoryStore, ReservationStore};
    use rdv_core::{ErrorCode, Interval, Timestamp};
    use sqlx::Row;

    use super::*;

    fn schema(rows: Vec<sqlx::sqlite::SqliteRow>) -> Vec<String> {
        rows.iter()
            .map(|r| {
                format!(
                    "{} {} {}",
                    r.get::<String, _>(0),
                    r.get::<String, _>(1),
                    r.get::<Option<String>, _>(2).unwrap_or_default()
                )
            })
            .collect()
    }

    const SCHEMA_SQL: &str = "SELECT type, name, sql FROM sqlite_master \
        WHERE name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations' ORDER BY type, name";

    /// Applying the migrations one release at a time yields the same schema as a fresh
    /// database migrated at once.
    #[test]
    fn a_database_migrated_step_by_step_equals_a_fresh_one() {
        run(async {
            let migrations = temp_dir("rdv-migrations-");
            let dir = migrations.path();
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
            let mut files: Vec<_> = std::fs::read_dir(&source)
                .unwrap()
                .map(|e| e.unwrap().path())
                .collect();
            files.sort();
            assert!(files.len() >= 2, "expects at least two migrations");
            std::fs::copy(&files[0], dir.join(files[0].file_name().unwrap())).unwrap();

            let stepwise_url = temp_url();
            rdv_storage::sqlite::migrate_with(
                &stepwise_url,
                &sqlx::migrate::Migrator::new(dir).await.unwrap(),
            )
            .await
            .unwrap();
            rdv_storage::sqlite::migrate(&stepwise_url).await.unwrap();
            let fresh_url = temp_url();
            rdv_storage::sqlite::migrate(&fresh_url).await.unwrap();

            let read = |url: String| async move {
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                schema(sqlx::query(SCHEMA_SQL).fetch_all(&pool).await.unwrap())
            };
            let (stepwise, fresh) = (read(stepwise_url).await, read(fresh_url).await);
            assert!(fresh.len() > 20);
            assert_eq!(stepwise, fresh);
        });
    }

    /// Upgrading a database that already holds reservations (migration 0006) teaches each
    /// resource its longest stored blocked range, so overlap lookbacks stay long enough.
    #[test]
    fn upgrading_learns_the_longest_blocked_range_of_each_resource() {
        run(async {
            let migrations = temp_dir("rdv-upgrade-");
            let dir = migrations.path();
            let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
            for entry in std::fs::read_dir(&source).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_str().unwrap().to_owned();
                if name.as_str() < "0006" {
                    std::fs::copy(&path, dir.join(name)).unwrap();
                }
            }
            let url = temp_url();
            rdv_storage::sqlite::migrate_with(
                &url,
                &sqlx::migrate::Migrator::new(dir).await.unwrap(),
            )
            .await
            .unwrap();
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let mut conn = pool.acquire().await.unwrap();
            sqlx::query("PRAGMA foreign_keys = OFF")
                .execute(&mut *conn)
                .await
                .unwrap();
            for (id, blocked) in [("long", 30 * 3600), ("short", 1800), ("idle", 0)] {
                sqlx::query(
                    "INSERT INTO resources (id, business_id, name, kind, active) \
                     VALUES (?1, 'b', ?1, 'staff', 1)",
                )
                .bind(id)
                .execute(&mut *conn)
                .await
                .unwrap();
                if blocked == 0 {
                    continue;
                }
                for (k, start) in [0_i64, 200_000].into_iter().enumerate() {
                    // The second one is shorter and cancelled: the longest counts either way.
                    let (length, status) = if k == 0 {
                        (blocked, "confirmed")
                    } else {
                        (600, "cancelled_by_client")
                    };
                    sqlx::query(
                        "INSERT INTO reservations (id, business_id, client_id, service_id, resource_id, \
                         start_at, end_at, blocked_start, blocked_end, buffer_before_minutes, \
                         buffer_after_minutes, status, exclusive, price_minor, currency, reschedule_count, \
                         version, history, created_at) \
                         VALUES (?1, 'b', ?1, 's', ?2, ?3, ?4, ?3, ?4, 0, 0, ?5, 1, 0, 'EUR', 0, 1, '[]', 0)",
                    )
                    .bind(format!("{id}-{k}"))
                    .bind(id)
                    .bind(start)
                    .bind(start + length)
                    .bind(status)
                    .execute(&mut *conn)
                    .await
                    .unwrap();
                }
            }
            drop(conn);
            pool.close().await;
            rdv_storage::sqlite::migrate(&url).await.unwrap();
            let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
            let learned: Vec<(String, i64)> =
                sqlx::query_as("SELECT id, longest_blocked_secs FROM resources ORDER BY id")
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let expected = [("idle", 0), ("long", 30 * 3600), ("short", 1800)]
                .map(|(id, secs)| (id.to_owned(), secs));
            assert_eq!(learned, expected);
        });
    }

    /// Phone numbers never reach the file in clear; a tampered value is a typed error.
    #[test]
    fn phone_numbers_are_encrypted_at_rest_and_tampering_is_detected() {
        run(async {
            let store = fresh().await;
            let f = Fixture::new(&store).await;
            let raw: String = sqlx::query_scalar("SELECT phone FROM clients WHERE id = ?1")
                .bind(f.client.id.to_string())
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert!(raw.starts_with("v1:test:"), "{raw}");
            assert!(!raw.contains("612345678"));
            let all: Vec<String> = sqlx::query_scalar("SELECT quote(phone) || email FROM clients")
                .fetch_all(store.pool())
                .await
                .unwrap();
            assert!(all.iter().all(|row| !row.contains("612345678")));
            let read: Option<ClientProfile> = store.get_client(f.client.id).await.unwrap();
            assert_eq!(read.unwrap().phone.as_deref(), Some("+33612345678"));

            let tampered = format!("{}A", &raw[..raw.len() - 1].replace('A', "B"));
            sqlx::query("UPDATE clients SET phone = ?1 WHERE id = ?2")
                .bind(tampered)
                .bind(f.client.id.to_string())
                .execute(store.pool())
                .await
                .unwrap();
            assert_eq!(
                store.get_client(f.client.id).await.unwrap_err().code(),
                ErrorCode::DataIntegrity
            );
        });
    }

    const CHILD_ENV: &str = "RDV_CRASH_CHILD_DB";

    /// The child side of the crash test: books in a loop and prints each committed id. It does
    /// nothing unless the parent test started it.
    #[test]
    fn crash_child_books_until_killed() {
        let Ok(url) = std::env::var(CHILD_ENV) else {
            return;
        };
        // Killed by the parent: no folder of its own, its database is in the parent's.
        block_on(async move {
            let store = SqliteStore::open(&url, cipher()).await.unwrap();
            let f = Fixture::new(&store).await;
            let mut minute: i64 = 0;
            loop {
                let start = Timestamp::from_secs(1_800_000_000 + minute * 900);
                let r = f.reservation(
                    f.new_client(),
                    f.resource.id,
                    Interval::new(start, start.add_secs(30)).unwrap(),
                );
                store.insert_reservation(&r, 1).await.unwrap();
                println!("COMMITTED {}", r.id);
                minute += 1;
            }
        });
    }

    /// A process killed with SIGKILL mid-write loses nothing it reported as committed, and
    /// the file passes `PRAGMA integrity_check`.
    #[test]
    fn a_killed_writer_loses_no_committed_booking() {
        use std::io::{BufRead, BufReader};
        let folder = temp_dir("rdv-storage-");
        let url = url_in(folder.path());
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "sqlite_only::crash_child_books_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &url)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start the child");
        let mut committed = Vec::new();
        for line in BufReader::new(child.stdout.take().unwrap()).lines() {
            let line = line.unwrap();
            if let Some(id) = line.strip_prefix("COMMITTED ") {
                committed.push(id.to_owned());
                if committed.len() == 300 {
                    child.kill().expect("SIGKILL the child");
                    break;
                }
            }
        }
        child.wait().unwrap();
        assert_eq!(
            committed.len(),
            300,
            "the child must have committed 300 bookings"
        );
        run(async move {
            let store = SqliteStore::open(&url, cipher()).await.unwrap();
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(store.pool())
                .await
                .unwrap();
            assert_eq!(check, "ok");
            for id in &committed {
                let found = store.get_reservation(id.parse().unwrap()).await.unwrap();
                assert!(
                    found.is_some(),
                    "committed reservation {id} is missing after the crash"
                );
            }
        });
    }

    /// No main list or slot query scans a whole table.
    #[test]
    fn main_queries_use_indexes() {
        run(async {
            let plans = fresh().await.query_plans().await.unwrap();
            common::assert_plans_use_indexes(plans, |line| {
                // `SCAN (subquery-N)` walks rows a subquery already found by index, and so
                // do `SCAN stats_…` and `SCAN rollup_…`, the statistics queries' own
                // materialised rows (CTEs).
                let line = line.trim_start();
                line.starts_with("SCAN ")
                    && !line.contains("USING")
                    && !line.starts_with("SCAN (subquery-")
                    && !line.starts_with("SCAN stats_")
                    && !line.starts_with("SCAN rollup_")
            });
        });
    }

    /// A year of finished reservations of the fixture's business, live and archived, and
    /// the planner's statistics of them.
    async fn seed_a_year(store: &SqliteStore, f: &Fixture) {
        let columns = "id, business_id, client_id, service_id, resource_id, start_at, end_at, \
            blocked_start, blocked_end, buffer_before_minutes, buffer_after_minutes, status, \
            exclusive, price_minor, currency, reschedule_count, version, history, created_at";
        let rows = "SELECT lower(hex(randomblob(16))), ?1, lower(hex(randomblob(16))), ?2, ?3, \
            1750000000 + k * 3600, 1750001800 + k * 3600, 1750000000 + k * 3600, \
            1750001800 + k * 3600, 0, 0, 'completed', 1, 2500, 'EUR', 0, 1, '[]', \
            1749990000 + k * 3600";
        let series =
            "WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 8759)";
        for sql in [
            format!("INSERT INTO reservations ({columns}) {series} {rows} FROM n"),
            format!(
                "INSERT INTO reservations_archive ({columns}, archived_at) {series} {rows}, 0 FROM n"
            ),
            "INSERT INTO availability_windows (id, business_id, resource_id, start_at, end_at) \
             WITH RECURSIVE n(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM n WHERE k < 364) \
             SELECT lower(hex(randomblob(16))), ?1, ?3, 1750000000 + k * 86400, \
             1750028800 + k * 86400 FROM n WHERE ?2 IS NOT NULL"
                .to_owned(),
            "ANALYZE".to_owned(),
        ] {
            let mut query = sqlx::query(&sql);
            if sql.contains("?1") {
                query = query
                    .bind(f.business.id.to_string())
                    .bind(f.service.id.to_string())
                    .bind(f.resource.id.to_string());
            }
            query.execute(store.pool()).await.unwrap();
        }
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
}
