//! Back-office benchmarks (issue 17): a business's statistics over a year by month and over a
//! quarter by week, and its month calendar of 10 resources, beside a trivial query (one
//! reservation by id) measured in the same run, on SQLite and on PostgreSQL.
//!
//! The data set is one Paris salon in 2027: 10 resources open 07:00–21:00 every day (one
//! window per resource and day), four one-to-one services on all of them and a group class
//! (an hour, four seats, three sessions a day) on the tenth, and 100,000 reservations spread
//! evenly over the year's 30-minute slots and seats, with a realistic mix of statuses (completed, no-shows and cancellations
//! in the past; confirmed, pending and cancellations ahead of "now", 1 October 2027). The
//! first two months are moved to the archive by the archiving use case. Everything is
//! deterministic and goes through the store's ports.
//!
//! `cargo bench -p rdv-benches --bench back_office` runs the full data set; with `-- --test`
//! (CI) it seeds 10,000 reservations, runs each benchmark once, and checks the statistics of
//! each SQL store against the in-memory store's (the core's reference aggregate). PostgreSQL
//! runs when `TEST_DATABASE_URL` (or `BENCH_DATABASE_URL`) is set; without a reachable one its
//! part is skipped, which fails the run when `CI` is set.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, TimeZone as _};
use criterion::Criterion;
use rdv_core::calendar::{CalendarRequest, CalendarView};
use rdv_core::conformance::Fixture;
use rdv_core::memory::MemoryStore;
use rdv_core::model::{
    Actor, ClientId, ClientProfile, Currency, Money, Reservation, ReservationId, ReservationStatus,
    Resource, ResourceId, Service, ServiceId, SlotRules, TransitionRecord,
};
use rdv_core::ports::{FixedClock, SequentialIds, StatsStore, Store};
use rdv_core::stats::{Bucket, StatsQuery};
use rdv_core::usecases::UseCases;
use rdv_core::{Interval, Timestamp};
use rdv_storage::{FieldCipher, PgStore, SqliteStore};

/// Temporary folders, and PostgreSQL that may be missing: skipped here, a failure in CI.
#[path = "../../storage/tests/common/environment.rs"]
mod environment;

const ZONE: chrono_tz::Tz = chrono_tz::Europe::Paris;
/// "Now": 2027-10-01T00:00:00Z.
const NOW: i64 = 1_822_348_800;
/// Reservations that ended more than this many days before now are archived: those of
/// January and February 2027.
const ARCHIVE_AFTER_DAYS: u32 = 214;
const RESOURCES: usize = 10;
/// 30-minute slots from 07:00 to 21:00 local.
const SLOTS_PER_DAY: u32 = 28;
const GROUP_SEATS: u32 = 4;
/// The group class's slots (10:00, 14:00, 18:00; each lasts two slots).
const GROUP_SLOTS: [u32; 3] = [6, 14, 22];
const CLIENTS: usize = 2_000;
/// Concurrent seeding tasks (the SQLite writer batches them).
const SEEDERS: usize = 16;

fn cipher() -> FieldCipher {
    FieldCipher::new("bench", &[1u8; 32]).unwrap()
}

/// A deterministic 64-bit mix of `x` (splitmix64's finaliser).
fn mix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn local(date: NaiveDate, minutes: u32) -> Timestamp {
    let naive = date.and_hms_opt(minutes / 60, minutes % 60, 0).unwrap();
    Timestamp::from_secs(
        ZONE.from_local_datetime(&naive)
            .single()
            .unwrap()
            .timestamp(),
    )
}

fn local_midnight(y: i32, m: u32, d: u32) -> Timestamp {
    local(NaiveDate::from_ymd_opt(y, m, d).unwrap(), 0)
}

/// The seeded business: what the benchmarks query, and what was stored.
struct Seeded {
    business: rdv_core::model::BusinessId,
    sample: ReservationId,
    reservations: Vec<Reservation>,
}

/// The services: four one-to-one on every resource (duration, buffer before, buffer after,
/// price in cents; a blocked range of at most 30 minutes, so the 30-minute grid never
/// overlaps) and the group class (an hour, four seats) on the last resource.
fn services(f: &Fixture, resources: &[ResourceId]) -> Vec<Service> {
    let one_to_one = [
        ("Coupe", 30, 0, 0, 3500),
        ("Barbe", 15, 0, 5, 1800),
        ("Couleur", 25, 5, 0, 6000),
        ("Brushing", 20, 0, 10, 2800),
    ];
    let eur = Currency::parse("EUR").unwrap();
    let mut out: Vec<Service> = one_to_one
        .iter()
        .enumerate()
        .map(|(k, &(name, duration, before, after, price))| {
            let mut rules = SlotRules::simple(duration);
            rules.buffer_before_minutes = before;
            rules.buffer_after_minutes = after;
            Service {
                id: ServiceId::from_uuid(uuid::Uuid::from_u128(0x5E00 + k as u128)),
                name: name.into(),
                price: Money::new(price, eur),
                rules,
                resource_ids: resources.to_vec(),
                ..f.service.clone()
            }
        })
        .collect();
    let mut rules = SlotRules::simple(60);
    rules.seats = GROUP_SEATS;
    out.push(Service {
        id: ServiceId::from_uuid(uuid::Uuid::from_u128(0x5E10)),
        name: "Atelier coiffage".into(),
        price: Money::new(2000, eur),
        rules,
        resource_ids: vec![resources[RESOURCES - 1]],
        ..f.service.clone()
    });
    out
}

/// The status of the reservation `g` starting at `start`, by a fixed mix: in the past 78 %
/// completed, 5 % no-shows, 10 % cancelled by the client, 3 % by the business, 4 % still
/// confirmed; ahead 70 % confirmed, 18 % pending, 9 % / 3 % cancelled.
fn status_of(g: u64, start: Timestamp) -> ReservationStatus {
    use ReservationStatus::*;
    let u = mix(g ^ 0x5747) % 100;
    if start.secs() < NOW {
        match u {
            0..78 => Completed,
            78..83 => NoShow,
            83..93 => CancelledByClient,
            93..96 => CancelledByBusiness,
            _ => Confirmed,
        }
    } else {
        match u {
            0..70 => Confirmed,
            70..88 => Pending,
            88..97 => CancelledByClient,
            _ => CancelledByBusiness,
        }
    }
}

/// The history that leads to `status`: created pending, then confirmed and closed by the
/// business, or cancelled.
fn history(
    status: ReservationStatus,
    created: Timestamp,
    start: Timestamp,
) -> Vec<TransitionRecord> {
    use ReservationStatus::*;
    let record = |from: Option<ReservationStatus>, to, actor, at| TransitionRecord {
        from,
        to,
        actor,
        at,
        reason: None,
    };
    let mut out = vec![record(None, Pending, Actor::Client, created)];
    let confirmed = created.add_secs(600);
    match status {
        Pending => {}
        Confirmed => out.push(record(Some(Pending), Confirmed, Actor::Business, confirmed)),
        Completed | NoShow => {
            out.push(record(Some(Pending), Confirmed, Actor::Business, confirmed));
            out.push(record(
                Some(Confirmed),
                status,
                Actor::Business,
                start.add_secs(1800),
            ));
        }
        CancelledByClient => out.push(record(Some(Pending), status, Actor::Client, confirmed)),
        CancelledByBusiness => {
            out.push(record(Some(Pending), Confirmed, Actor::Business, confirmed));
            out.push(record(
                Some(Confirmed),
                status,
                Actor::Business,
                confirmed.add_secs(3600),
            ));
        }
    }
    out
}

/// `count` reservations spread evenly over the candidate slots of 2027 (each one-to-one
/// resource's 30-minute slots, and each seat of the group class's sessions).
fn reservations(
    f: &Fixture,
    resources: &[ResourceId],
    services: &[Service],
    clients: &[ClientId],
    count: usize,
) -> Vec<Reservation> {
    // Candidates in time order: (day, slot, resource, seat of a group session or none). The
    // last resource hosts the group class at 10:00, 14:00 and 18:00 (an hour each, four
    // seats) and one-to-one services in its other slots.
    let mut candidates = Vec::new();
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    for day in 0..365 {
        for slot in 0..SLOTS_PER_DAY {
            for r in 0..RESOURCES {
                let group_resource = r == RESOURCES - 1;
                if group_resource && GROUP_SLOTS.contains(&slot) {
                    candidates.extend((0..GROUP_SEATS).map(|seat| (day, slot, r, Some(seat))));
                } else if !(group_resource && GROUP_SLOTS.contains(&(slot.wrapping_sub(1)))) {
                    candidates.push((day, slot, r, None));
                }
            }
        }
    }
    assert!(
        count <= candidates.len(),
        "at most {} reservations",
        candidates.len()
    );
    (0..count)
        .map(|i| {
            let (day, slot, r, seat) = candidates[i * candidates.len() / count];
            let g = i as u64;
            let date = first + chrono::Days::new(day);
            let start = local(date, 7 * 60 + slot * 30);
            let service = match seat {
                Some(_) => &services[4],
                None => &services[(mix(g) % 4) as usize],
            };
            let rules = service.rules;
            let interval = Interval::starting_at(
                start.add_secs(i64::from(rules.buffer_before_minutes) * 60),
                rules.duration_minutes,
            )
            .unwrap();
            // Booked between one hour and 30 days ahead.
            let lead = 3600 + (mix(g ^ 0x1EAD) % (30 * 86_400)) as i64;
            let created = interval.start().add_secs(-lead);
            let status = status_of(g, interval.start());
            // Slots at the same time hold distinct clients (they differ by less than 64).
            let client = (day * 64 * u64::from(SLOTS_PER_DAY)
                + u64::from(slot) * 64
                + r as u64
                + 11 * u64::from(seat.unwrap_or(0))) as usize
                % clients.len();
            Reservation {
                id: ReservationId::from_uuid(uuid::Uuid::from_u128(0xB000_0000 + i as u128)),
                service_id: service.id,
                interval,
                buffer_before_minutes: rules.buffer_before_minutes,
                buffer_after_minutes: rules.buffer_after_minutes,
                status,
                price: service.price,
                history: history(status, created, interval.start()),
                created_at: created,
                ..f.reservation(clients[client], resources[r], interval)
            }
        })
        .collect()
}

/// Seeds `count` reservations of one business into `store` (see the module docs); the
/// caller archives.
async fn seed<S: Store>(store: &S, count: usize) -> Seeded {
    let f = Fixture::new(store).await;
    let mut resources = vec![f.resource.id, f.other_resource.id];
    for k in 2..RESOURCES {
        let r = Resource {
            id: ResourceId::from_uuid(uuid::Uuid::from_u128(0x7E00 + k as u128)),
            name: format!("Poste {k}"),
            ..f.resource.clone()
        };
        store.save_resource(&r).await.unwrap();
        resources.push(r.id);
    }
    let services = services(&f, &resources);
    for s in &services {
        store.save_service(s).await.unwrap();
    }
    let mut clients = Vec::with_capacity(CLIENTS);
    for k in 0..CLIENTS {
        let c = ClientProfile {
            id: ClientId::from_uuid(uuid::Uuid::from_u128(0xC000_0000 + k as u128)),
            email: format!("client{k}@example.com"),
            first_name: format!("Prénom{k}"),
            last_name: format!("Nom{k}"),
            ..f.client.clone()
        };
        store.save_client(&c).await.unwrap();
        clients.push(c.id);
    }
    // One window per resource and day, 07:00–21:00 local.
    let first = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
    let mut windows = Vec::new();
    for day in 0..365 {
        let date = first + chrono::Days::new(day);
        for &r in &resources {
            let interval = Interval::new(local(date, 7 * 60), local(date, 21 * 60)).unwrap();
            windows.push(f.window(r, interval));
        }
    }
    for chunk in windows.chunks(500) {
        store.insert_windows(chunk).await.unwrap();
    }
    let all = reservations(&f, &resources, &services, &clients, count);
    let group = services[4].id;
    let seeders = (0..SEEDERS).map(|t| {
        let mine = all.iter().skip(t).step_by(SEEDERS);
        async move {
            for r in mine {
                let seats = if r.service_id == group {
                    GROUP_SEATS
                } else {
                    1
                };
                store.insert_reservation(r, seats).await.unwrap();
            }
        }
    });
    futures_util::future::join_all(seeders).await;
    Seeded {
        business: f.business.id,
        sample: all[all.len() / 2].id,
        reservations: all,
    }
}

/// The use cases over `store` at "now", after archiving the first two months of the seed.
async fn archived_app<S: Store>(store: S) -> UseCases<S, FixedClock, SequentialIds> {
    let app = UseCases::new(
        store,
        FixedClock(Timestamp::from_secs(NOW)),
        SequentialIds::default(),
    );
    let archived = app
        .archive_finished_reservations(ARCHIVE_AFTER_DAYS)
        .await
        .unwrap();
    assert!(archived > 0, "the first months are archived");
    app
}

fn year_by_month() -> StatsQuery {
    StatsQuery {
        period: Interval::new(local_midnight(2027, 1, 1), local_midnight(2028, 1, 1)).unwrap(),
        bucket: Bucket::Month,
        service_id: None,
        resource_id: None,
    }
}

fn quarter_by_week() -> StatsQuery {
    StatsQuery {
        period: Interval::new(local_midnight(2027, 7, 1), local_midnight(2027, 10, 1)).unwrap(),
        bucket: Bucket::Week,
        service_id: None,
        resource_id: None,
    }
}

fn month_calendar() -> CalendarRequest {
    CalendarRequest {
        view: CalendarView::Month,
        date: NaiveDate::from_ymd_opt(2027, 6, 15).unwrap(),
        include_archived: false,
    }
}

/// The statistics of the three queries of `store` equal the in-memory store's over the
/// same reservations (the core's reference aggregate).
async fn check_against_reference<S: Store + StatsStore>(
    app: &UseCases<S, FixedClock, SequentialIds>,
    seeded: &Seeded,
) {
    let memory = MemoryStore::new();
    let reference = seed(&memory, seeded.reservations.len()).await;
    assert_eq!(reference.business, seeded.business);
    let reference = archived_app(memory).await;
    let filtered = StatsQuery {
        service_id: Some(ServiceId::from_uuid(uuid::Uuid::from_u128(0x5E10))),
        bucket: Bucket::Day,
        ..quarter_by_week()
    };
    for query in [year_by_month(), quarter_by_week(), filtered] {
        let want = reference.statistics(seeded.business, &query).await.unwrap();
        let got = app.statistics(seeded.business, &query).await.unwrap();
        assert_eq!(got, want, "statistics of {query:?}");
    }
}

/// Median wall time of `runs` runs of `f`.
fn median(rt: &tokio::runtime::Runtime, runs: usize, f: impl AsyncFn()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            rt.block_on(f());
            start.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

/// The four benchmarks of one backend, then a summary of medians with their ratio to the
/// trivial query.
fn bench_backend<S: Store + StatsStore + Clone + 'static>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    backend: &str,
    store: S,
    count: usize,
    test_mode: bool,
    analyze: Option<sqlx::PgPool>,
) {
    let started = Instant::now();
    let seeded = rt.block_on(seed(&store, count));
    let app = rt.block_on(archived_app(store.clone()));
    // What autovacuum does after such a load (the test server runs without it): the planner
    // learns the tables' sizes.
    if let Some(pool) = analyze {
        rt.block_on(sqlx::query("ANALYZE").execute(&pool)).unwrap();
    }
    let seeding = started.elapsed();
    if test_mode {
        rt.block_on(check_against_reference(&app, &seeded));
    }
    let (business, sample) = (seeded.business, seeded.sample);
    let calendar = month_calendar();
    let year = year_by_month();
    let quarter = quarter_by_week();
    let appointments_in = |q: &StatsQuery| {
        seeded
            .reservations
            .iter()
            .filter(|r| q.period.contains_instant(r.interval.start()))
            .count() as u64
    };
    let (year_count, quarter_count) = (appointments_in(&year), appointments_in(&quarter));
    let trivial = async || {
        let r = store.get_reservation(sample).await.unwrap();
        assert_eq!(r.unwrap().id, sample);
    };
    let stats_year = async || {
        let s = app.statistics(business, &year).await.unwrap();
        assert_eq!(s.totals.appointments.value, year_count);
    };
    let stats_quarter = async || {
        let s = app.statistics(business, &quarter).await.unwrap();
        assert_eq!(s.totals.appointments.value, quarter_count);
    };
    let month = async || {
        let cal = app.business_calendar(business, &calendar).await.unwrap();
        assert_eq!(cal.resources.len(), RESOURCES);
        black_box(cal);
    };
    // What the calendar reads from the store, without building it: where its time goes.
    let period = rdv_core::calendar::period_of(ZONE, &calendar).unwrap();
    let month_read = async || {
        let read = store
            .calendar_reservations(business, period, false)
            .await
            .unwrap();
        assert!(!read.is_empty());
    };
    let mut group = c.benchmark_group(format!("back_office/{backend}"));
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(4));
    group.bench_function("trivial_get_reservation", |b| {
        b.iter(|| rt.block_on(trivial()));
    });
    group.bench_function("statistics_year_by_month", |b| {
        b.iter(|| rt.block_on(stats_year()));
    });
    group.bench_function("statistics_quarter_by_week", |b| {
        b.iter(|| rt.block_on(stats_quarter()));
    });
    group.bench_function("calendar_month_10_resources", |b| {
        b.iter(|| rt.block_on(month()));
    });
    group.finish();
    if test_mode {
        println!("back_office/{backend}: {count} reservations seeded in {seeding:.1?}");
        return;
    }
    // The same four, interleaved and timed by hand, so their ratios come from one stretch of
    // a noisy machine.
    let runs = 31;
    let base = median(rt, runs * 10, trivial);
    println!(
        "back_office/{backend}: {count} reservations seeded in {seeding:.1?}; medians of {runs} runs:"
    );
    println!("  trivial query (reservation by id):  {base:>10.2?}");
    for (label, time) in [
        ("statistics, year by month:", median(rt, runs, stats_year)),
        (
            "statistics, quarter by week:",
            median(rt, runs, stats_quarter),
        ),
        ("month calendar, 10 resources:", median(rt, runs, month)),
        (
            "  its reservations' read alone:",
            median(rt, runs, month_read),
        ),
    ] {
        let ratio = time.as_secs_f64() / base.as_secs_f64();
        println!("  {label:<34}{time:>10.2?}  ({ratio:.0}× the trivial query)");
    }
}

async fn pg_store(url: &str) -> PgStore {
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
    PgStore::open_with(options, cipher()).await.unwrap()
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let count = if test_mode { 10_000 } else { 100_000 };
    let mut c = Criterion::default().configure_from_args();
    // The SQLite database's folder, removed after the runtime stops (declared before it).
    let folder = environment::temp_dir("rdv-bench-");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let url = format!(
        "sqlite://{}",
        folder.path().join("back_office.db").display()
    );
    let sqlite = rt.block_on(SqliteStore::open(&url, cipher())).unwrap();
    bench_backend(&mut c, &rt, "sqlite", sqlite, count, test_mode, None);
    let url = std::env::var("BENCH_DATABASE_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .or_else(environment::postgres_url);
    match url {
        Some(url) => {
            let pg = rt.block_on(pg_store(&url));
            let pool = pg.pool().clone();
            bench_backend(&mut c, &rt, "postgres", pg, count, test_mode, Some(pool));
        }
        None => {
            println!("back_office/postgres: skipped (set TEST_DATABASE_URL or BENCH_DATABASE_URL)");
        }
    }
    c.final_summary();
}
