//! Storage load benchmark (issue 3): committed bookings per second with 1 and 16 concurrent
//! writers, slot queries per second over 30 days with 1,000 existing reservations, and on
//! PostgreSQL a hot-slot run (16 writers fighting over 20 slots of one resource) that must
//! surface no deadlock and no storage error — only typed conflicts.
//!
//! `cargo bench -p rdv-benches --bench storage_load` runs the full load and prints a table;
//! with `-- --test` (CI) it runs a few hundred operations and checks the same invariants.
//! PostgreSQL runs when `TEST_DATABASE_URL` (or `BENCH_DATABASE_URL`) is set; without a
//! reachable one its part is skipped, which fails the run when `CI` is set.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdv_core::conformance::Fixture;
use rdv_core::hours::OpeningHours;
use rdv_core::model::{
    Actor, ClientId, Reservation, ReservationStatus, Resource, ResourceId, TransitionRecord,
};
use rdv_core::ports::{FixedClock, SequentialIds, Store};
use rdv_core::usecases::UseCases;
use rdv_core::{ErrorCode, Interval, Timestamp};
use rdv_storage::{FieldCipher, PgStore, SqliteStore};

/// Temporary folders, and PostgreSQL that may be missing: skipped here, a failure in CI.
#[path = "../../storage/tests/common/environment.rs"]
mod environment;

const BASE: i64 = 1_798_761_600; // 2027-01-01T00:00:00Z

fn cipher() -> FieldCipher {
    FieldCipher::new("bench", &[1u8; 32]).unwrap()
}

/// `count` new resources of the fixture's business, named `{prefix}{i}`.
async fn new_resources<S: Store>(
    store: &S,
    f: &Fixture,
    count: usize,
    prefix: &str,
) -> Vec<ResourceId> {
    let mut ids = Vec::with_capacity(count);
    for i in 0..count {
        let r = Resource {
            id: ResourceId::from_uuid(uuid::Uuid::new_v4()),
            name: format!("{prefix}{i}"),
            ..f.resource.clone()
        };
        store.save_resource(&r).await.unwrap();
        ids.push(r.id);
    }
    ids
}

/// `writers` tasks each commit `per_writer` bookings on their own resource; bookings/s.
async fn bookings_per_second<S: Store + Clone + 'static>(
    store: &S,
    f: &Fixture,
    writers: usize,
    per_writer: usize,
) -> f64 {
    let resources = new_resources(store, f, writers, "w").await;
    let start = Instant::now();
    let tasks: Vec<_> = resources
        .into_iter()
        .map(|resource| {
            let store = store.clone();
            let slots: Vec<Reservation> = (0..per_writer)
                .map(|k| {
                    let s = Timestamp::from_secs(BASE + k as i64 * 3600);
                    f.reservation(
                        ClientId::from_uuid(uuid::Uuid::new_v4()),
                        resource,
                        Interval::new(s, s.add_secs(1800)).unwrap(),
                    )
                })
                .collect();
            tokio::spawn(async move {
                for r in slots {
                    store.insert_reservation(&r, 1).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    (writers * per_writer) as f64 / start.elapsed().as_secs_f64()
}

/// Slot queries per second through the use cases: 30 days, 1,000 reservations in store, for
/// each number of concurrent querying tasks in `tasks`. Returns the rates and the slot count.
async fn slot_queries_per_second<S: Store + Clone + 'static>(
    store: S,
    duration: Duration,
    tasks: &[usize],
) -> (Vec<f64>, usize) {
    let f = Fixture::new(&store).await;
    let mut business = f.business.clone();
    business.opening_hours = OpeningHours::always_open();
    store.save_business(&business).await.unwrap();
    let mut service = f.service.clone();
    service.resource_ids = vec![f.resource.id];
    service.rules.horizon_days = 400;
    store.save_service(&service).await.unwrap();
    let day = 86_400;
    let mut windows = Vec::new();
    for d in 0..40 {
        let s = Timestamp::from_secs(BASE + d * day + 8 * 3600);
        windows.push(f.window(
            f.resource.id,
            Interval::new(s, s.add_secs(10 * 3600)).unwrap(),
        ));
    }
    store.insert_windows(&windows).await.unwrap();
    // 1,000 reservations over 200 days, 5 a day every other hour (40-minute blocks).
    for d in 0..200 {
        for k in 0..5 {
            let s = Timestamp::from_secs(BASE + d * day + 8 * 3600 + k * 7200);
            let r = f.reservation(
                ClientId::from_uuid(uuid::Uuid::new_v4()),
                f.resource.id,
                Interval::new(s, s.add_secs(1800)).unwrap(),
            );
            store.insert_reservation(&r, 1).await.unwrap();
        }
    }
    let app = Arc::new(UseCases::new(
        store,
        FixedClock(Timestamp::from_secs(BASE - day)),
        SequentialIds::default(),
    ));
    let (from, to) = (
        Timestamp::from_secs(BASE),
        Timestamp::from_secs(BASE + 30 * day),
    );
    let slots = app
        .slots_for_service(service.id, from, to, 10_000)
        .await
        .unwrap()
        .slots
        .len();
    let mut rates = Vec::new();
    for &n in tasks {
        let start = Instant::now();
        let workers: Vec<_> = (0..n)
            .map(|_| {
                let app = app.clone();
                tokio::spawn(async move {
                    let mut done = 0u64;
                    while start.elapsed() < duration {
                        let list = app
                            .slots_for_service(service.id, from, to, 10_000)
                            .await
                            .unwrap();
                        assert_eq!(list.slots.len(), slots);
                        done += 1;
                    }
                    done
                })
            })
            .collect();
        let mut done = 0;
        for w in workers {
            done += w.await.unwrap();
        }
        rates.push(done as f64 / start.elapsed().as_secs_f64());
    }
    (rates, slots)
}

/// 16 writers, one resource, 20 slots: book, and cancel half of what they got so slots keep
/// changing hands. Returns (bookings, cancellations, typed conflicts, other errors).
async fn hot_slot<S: Store + Clone + 'static>(
    store: &S,
    f: &Fixture,
    duration: Duration,
) -> (u64, u64, u64, u64) {
    let counters: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let deadline = Instant::now() + duration;
    let tasks: Vec<_> = (0..16u64)
        .map(|w| {
            let store = store.clone();
            let counters = counters.clone();
            let template = f.reservation(
                f.client.id,
                f.resource.id,
                Interval::new(
                    Timestamp::from_secs(BASE),
                    Timestamp::from_secs(BASE + 1800),
                )
                .unwrap(),
            );
            tokio::spawn(async move {
                let mut n = w;
                while Instant::now() < deadline {
                    n = n
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    let slot = (n >> 33) % 20;
                    let s = Timestamp::from_secs(BASE + slot as i64 * 1800);
                    let mut r = template.clone();
                    r.id = rdv_core::model::ReservationId::from_uuid(uuid::Uuid::new_v4());
                    r.client_id = ClientId::from_uuid(uuid::Uuid::new_v4());
                    r.interval = Interval::new(s, s.add_secs(1200)).unwrap();
                    r.buffer_after_minutes = 5;
                    match store.insert_reservation(&r, 1).await {
                        Ok(()) => {
                            counters[0].fetch_add(1, Ordering::Relaxed);
                            if n % 2 == 0 {
                                r.history.push(TransitionRecord {
                                    from: Some(ReservationStatus::Pending),
                                    to: ReservationStatus::CancelledByClient,
                                    actor: Actor::Client,
                                    at: Timestamp::from_secs(BASE - 3600),
                                    reason: None,
                                });
                                r.status = ReservationStatus::CancelledByClient;
                                match store.update_reservation(&r, None).await {
                                    Ok(()) => counters[1].fetch_add(1, Ordering::Relaxed),
                                    Err(_) => counters[3].fetch_add(1, Ordering::Relaxed),
                                };
                            }
                        }
                        Err(e)
                            if matches!(
                                e.code(),
                                ErrorCode::BookingOverlap
                                    | ErrorCode::BufferConflict
                                    | ErrorCode::ClientDoubleBooked
                                    | ErrorCode::ConcurrentModification
                            ) =>
                        {
                            counters[2].fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            eprintln!("unexpected error: {e:?}");
                            counters[3].fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let c = |i: usize| counters[i].load(Ordering::Relaxed);
    (c(0), c(1), c(2), c(3))
}

async fn sqlite_store(dir: &std::path::Path) -> SqliteStore {
    let url = format!(
        "sqlite://{}",
        dir.join(format!("{}.db", uuid::Uuid::new_v4())).display()
    );
    SqliteStore::open(&url, cipher()).await.unwrap()
}

/// Removes the triggers that record reservation changes for the statistics' rollup (SQLite
/// migration 0015, PostgreSQL 0014): the baseline the bookings' cost of recording them is
/// measured against, in the same run.
async fn without_stats_rollup_sqlite(store: SqliteStore) -> SqliteStore {
    for name in ["insert", "update"] {
        sqlx::query(&format!("DROP TRIGGER reservations_stats_{name}"))
            .execute(store.pool())
            .await
            .unwrap();
    }
    store
}

async fn without_stats_rollup_pg(store: PgStore) -> PgStore {
    for name in ["insert", "update"] {
        sqlx::query(&format!(
            "DROP TRIGGER reservations_stats_{name} ON reservations"
        ))
        .execute(store.pool())
        .await
        .unwrap();
    }
    store
}

/// The ceiling for PostgreSQL bookings: `pgbench` with `clients` connections running the
/// same INSERT as the store's (same schema, constraints and triggers, one row per
/// transaction, prepared), each connection on its own resource; with `on_conflict_nothing`
/// exactly the store's statement, else a plain INSERT. Transactions per second, or `None`
/// when `pgbench` is not installed.
async fn pgbench_ceiling(
    url: &str,
    schema: &str,
    store: &PgStore,
    f: &Fixture,
    clients: usize,
    seconds: u32,
    on_conflict_nothing: bool,
) -> Option<f64> {
    let resources: Vec<String> = new_resources(store, f, clients, "pgbench")
        .await
        .iter()
        .map(|id| format!("'{id}'"))
        .collect();
    sqlx::query(&format!(
        "CREATE SEQUENCE IF NOT EXISTS {schema}.pgbench_slots START 1000000"
    ))
    .execute(store.pool())
    .await
    .unwrap();
    let sample = f.reservation(
        f.client.id,
        f.resource.id,
        Interval::new(
            Timestamp::from_secs(BASE),
            Timestamp::from_secs(BASE + 1800),
        )
        .unwrap(),
    );
    // pgbench reads `:name` as a variable: a space after each key's colon keeps `"from":null`
    // a JSON literal.
    let history = serde_json::to_string(&sample.history)
        .unwrap()
        .replace("\":", "\": ");
    let script = format!(
        "INSERT INTO reservations (id, business_id, client_id, service_id, resource_id, \
         start_at, end_at, blocked_start, blocked_end, buffer_before_minutes, \
         buffer_after_minutes, status, exclusive, session_key, price_minor, currency, \
         reschedule_count, version, history, created_at) \
         SELECT id, '{business}', gen_random_uuid(), '{service}', \
         (ARRAY[{resources}])[:client_id + 1]::uuid, s, s + 1800, s - {before}, s + 1800 + {after}, \
         {before_min}, {after_min}, 'pending', true, id::text, {price}, '{currency}', 0, 1, \
         '{history}'::jsonb, {created} \
         FROM (SELECT gen_random_uuid() AS id, {BASE} + nextval('pgbench_slots') * 3600 AS s) AS v\
         {on_conflict};\n",
        on_conflict = if on_conflict_nothing {
            " ON CONFLICT DO NOTHING"
        } else {
            ""
        },
        business = f.business.id,
        service = f.service.id,
        resources = resources.join(", "),
        before = sample.buffer_before_minutes * 60,
        after = sample.buffer_after_minutes * 60,
        before_min = sample.buffer_before_minutes,
        after_min = sample.buffer_after_minutes,
        price = sample.price.amount_minor,
        currency = sample.price.currency.as_str(),
        created = sample.created_at.secs(),
    );
    let path = std::env::temp_dir().join(format!("rdv-pgbench-{schema}.sql"));
    std::fs::write(&path, script).unwrap();
    let separator = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{separator}options=-csearch_path%3D{schema},public");
    let output = std::process::Command::new("pgbench")
        .args(["-n", "-M", "prepared", "-j", "2"])
        .arg(format!("-c{clients}"))
        .arg(format!("-T{seconds}"))
        .arg("-f")
        .arg(&path)
        .arg(&target)
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "pgbench failed: {text}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    text.lines()
        .find_map(|l| l.strip_prefix("tps = "))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

async fn pg_store(url: &str) -> PgStore {
    pg_store_in(url).await.0
}

/// A store in a fresh schema, and the schema's name.
async fn pg_store_in(url: &str) -> (PgStore, String) {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let pool = sqlx::PgPool::connect(url).await.unwrap();
    for sql in [
        "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public".to_owned(),
        "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public".to_owned(),
        format!("CREATE SCHEMA {schema}"),
    ] {
        sqlx::query(&sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    let options = rdv_storage::postgres::connect_options(url)
        .unwrap()
        .options([("search_path", format!("{schema},public"))]);
    (PgStore::open_with(options, cipher()).await.unwrap(), schema)
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    // `-- slots` (or `bookings`, `hot`) runs only the named parts, e.g. under a profiler.
    let parts: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| ["bookings", "slots", "hot"].contains(&a.as_str()))
        .collect();
    let run = |part: &str| parts.is_empty() || parts.iter().any(|p| p == part);
    // PostgreSQL's 8 writers commit 1,000 bookings each: a run about as long as pgbench's 5 s,
    // so both sides of the ratio are measured over the same stretch of a noisy machine.
    let (per_writer_1, per_writer_16, per_writer_8, query_time, hot_time) = if test_mode {
        (
            50,
            10,
            10,
            Duration::from_millis(200),
            Duration::from_millis(500),
        )
    } else {
        (
            3_000,
            500,
            1_000,
            Duration::from_secs(3),
            Duration::from_secs(10),
        )
    };
    // The SQLite databases' folder, removed after the runtime stops (declared before it).
    let folder = environment::temp_dir("rdv-bench-");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        println!("storage/sqlite:");
        if run("bookings") {
            // With the statistics' rollup kept (as shipped), then without it, twice.
            for round in 0..4 {
                let store = sqlite_store(folder.path()).await;
                let (store, label) = if round % 2 == 0 {
                    (store, "")
                } else {
                    (without_stats_rollup_sqlite(store).await, " (without the statistics rollup)")
                };
                let f = Fixture::new(&store).await;
                let one = bookings_per_second(&store, &f, 1, per_writer_1).await;
                let sixteen = bookings_per_second(&store, &f, 16, per_writer_16).await;
                println!("  bookings/s, 1 writer{label}:   {one:>9.0}");
                println!("  bookings/s, 16 writers{label}: {sixteen:>9.0}");
                if test_mode {
                    break;
                }
            }
        }
        if run("slots") {
            let (rates, slots) =
                slot_queries_per_second(sqlite_store(folder.path()).await, query_time, &[1, 4]).await;
            assert!(slots > 100, "the slot query must find slots");
            println!("  slot queries/s (30 days, 1,000 reservations, {slots} slots), 1 task:   {:>9.0}", rates[0]);
            println!("  slot queries/s (30 days, 1,000 reservations, {slots} slots), 4 tasks:  {:>9.0}", rates[1]);
        }
        if run("hot") {
            let store = sqlite_store(folder.path()).await;
            let f = Fixture::new(&store).await;
            let (booked, cancelled, conflicts, errors) = hot_slot(&store, &f, hot_time).await;
            println!("  hot slot: {booked} booked, {cancelled} cancelled, {conflicts} typed conflicts, {errors} other errors");
            assert_eq!(errors, 0, "only typed conflicts may reach callers");
        }

        let url = std::env::var("BENCH_DATABASE_URL").ok().filter(|u| !u.is_empty()).or_else(environment::postgres_url);
        let Some(url) = url else {
            println!("storage/postgres: skipped (set TEST_DATABASE_URL or BENCH_DATABASE_URL)");
            return;
        };
        println!("storage/postgres:");
        if run("bookings") {
            if !test_mode {
                // The cost of keeping the statistics' rollup: the same runs without it.
                for _ in 0..2 {
                    let store = without_stats_rollup_pg(pg_store(&url).await).await;
                    let f = Fixture::new(&store).await;
                    let one = bookings_per_second(&store, &f, 1, per_writer_1 / 3).await;
                    let eight = bookings_per_second(&store, &f, 8, per_writer_8).await;
                    println!("  bookings/s, 1 writer (without the statistics rollup):   {one:>9.0}");
                    println!("  bookings/s, 8 writers (without the statistics rollup):  {eight:>9.0}");
                }
            }
            let (store, schema) = pg_store_in(&url).await;
            let f = Fixture::new(&store).await;
            let one = bookings_per_second(&store, &f, 1, per_writer_1 / 3).await;
            let eight = bookings_per_second(&store, &f, 8, per_writer_8).await;
            println!("  bookings/s, 1 writer:   {one:>9.0}");
            println!("  bookings/s, 8 writers:  {eight:>9.0}");
            let seconds = if test_mode { 1 } else { 5 };
            for (on_conflict, label) in [(true, "ON CONFLICT DO NOTHING"), (false, "plain INSERT")] {
                match pgbench_ceiling(&url, &schema, &store, &f, 8, seconds, on_conflict).await {
                    Some(tps) => println!(
                        "  pgbench, 8 clients, {label}: {tps:>9.0}/s (the store's 8 writers: {:.0} %)",
                        100.0 * eight / tps
                    ),
                    None => println!("  pgbench: not installed, ceiling skipped"),
                }
            }
        }
        if run("slots") {
            let (rates, _) = slot_queries_per_second(pg_store(&url).await, query_time, &[1, 4]).await;
            println!("  slot queries/s (30 days, 1,000 reservations), 1 task:   {:>9.0}", rates[0]);
            println!("  slot queries/s (30 days, 1,000 reservations), 4 tasks:  {:>9.0}", rates[1]);
        }
        if run("hot") {
            let store = pg_store(&url).await;
            let f = Fixture::new(&store).await;
            let (booked, cancelled, conflicts, errors) = hot_slot(&store, &f, hot_time).await;
            println!("  hot slot: {booked} booked, {cancelled} cancelled, {conflicts} typed conflicts, {errors} other errors");
            assert_eq!(errors, 0, "no deadlock or storage error may reach callers");
        }
    });
}
