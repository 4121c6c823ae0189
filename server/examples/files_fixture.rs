//! Prepares a database for the files benchmark (`benches/files/run.sh`): two validated Paris
//! businesses open all day, one with 10,000 reservations and one with 100,000, each on 20
//! resources with 15-minute bookings by 2,000 clients, and an owner token for each. Prints the
//! shell variables the script reads: `small_business`, `small_token`, `large_business`,
//! `large_token`, `large_resource`.
//!
//! Usage: `files_fixture <database-url>` with `RDV_JWT_SECRET` set as for the server.

use std::sync::Arc;

use rdv_core::booking::BookingRequest;
use rdv_core::hours::OpeningHours;
use rdv_core::model::{
    Address, Business, ClientId, Currency, Money, ResourceId, ResourceKind, ServiceId, SlotRules,
    UserId, Zone,
};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::usecases::{ClientProfileInput, NewBusiness, NewService};
use rdv_core::{Interval, Timestamp, Uuid};
use rdv_server::config::{Config, Secret};
use rdv_server::state::AppState;
use rdv_storage::accounts::{AccountStore as _, Role, User};

const CLIENTS: usize = 2_000;
const RESOURCES: usize = 20;
const TASKS: usize = 16;
const DAY: i64 = 86_400;

struct Seeded {
    business: Business,
    token: String,
    resources: Vec<ResourceId>,
}

async fn user(state: &AppState, email: String, role: Role, hash: &str, now: Timestamp) -> Uuid {
    let id = Uuid::new_v4();
    let user = User {
        id,
        email,
        password_hash: hash.to_owned(),
        role,
        locale: "en".into(),
        email_verified_at: Some(now),
        created_at: now,
        password_changed_at: now,
    };
    state
        .store()
        .create_user(&user, None, &[])
        .await
        .expect("user");
    id
}

/// A business of 20 resources, each available for the 60 days from tomorrow (two 30-day
/// windows), with a 15-minute service on all of them, and `reservations` bookings from
/// `first_day` days after tomorrow.
async fn business(
    state: &AppState,
    name: &str,
    reservations: usize,
    first_day: i64,
    clients: &Arc<[ClientId]>,
    hash: &str,
) -> Result<Seeded, Box<dyn std::error::Error>> {
    let uc = state.writes();
    let now = state.now();
    let owner = user(state, format!("owner@{name}.test"), Role::Owner, hash, now).await;
    let business = uc
        .create_business(
            UserId::from_uuid(owner),
            NewBusiness {
                name: name.into(),
                domain: "test".into(),
                description: String::new(),
                city: "Paris".into(),
                address: Address::default(),
                time_zone: Zone::parse("Europe/Paris")?,
                opening_hours: OpeningHours::always_open(),
                closures: vec![],
                special_hours: vec![],
            },
        )
        .await?;
    let business = uc.validate_business(business.id).await?;
    let start = Timestamp::from_secs((now.secs() / DAY + 1) * DAY);
    let mut resources = Vec::with_capacity(RESOURCES);
    for i in 0..RESOURCES {
        let r = uc
            .create_resource(business.id, &format!("Staff {i}"), ResourceKind::Staff)
            .await?;
        for half in 0..2 {
            let from = start.add_secs(half * 30 * DAY);
            uc.create_availability(
                business.id,
                r.id,
                Interval::new(from, from.add_secs(30 * DAY))?,
            )
            .await?;
        }
        resources.push(r.id);
    }
    let mut rules = SlotRules::simple(15);
    rules.horizon_days = 90;
    let service = uc
        .create_service(
            business.id,
            NewService {
                name: "Rendez-vous".into(),
                description: String::new(),
                price: Money::new(2500, Currency::parse("EUR")?),
                category: None,
                tags: vec![],
                rules,
                resource_ids: resources.clone(),
                cancellation_deadline_minutes: 0,
                max_reschedules: 0,
            },
        )
        .await?;
    let first = start.add_secs(first_day * DAY);
    book_all(state, service.id, &resources, first, reservations, clients).await?;
    let token = state.tokens.issue(owner, Role::Owner, Uuid::new_v4(), now);
    Ok(Seeded {
        business,
        token,
        resources,
    })
}

/// Booking `i` takes resource `i % 20` at the `i / 20`-th quarter hour from `start`, for client
/// `i % 2000`: no two overlap on a resource or for a client. 16 tasks book concurrently.
async fn book_all(
    state: &AppState,
    service: ServiceId,
    resources: &[ResourceId],
    start: Timestamp,
    count: usize,
    clients: &Arc<[ClientId]>,
) -> Result<(), Box<dyn std::error::Error>> {
    let resources: Arc<[ResourceId]> = resources.into();
    let mut tasks = Vec::with_capacity(TASKS);
    for task in 0..TASKS {
        let (state, resources, clients) = (state.clone(), resources.clone(), clients.clone());
        tasks.push(tokio::spawn(async move {
            for i in (task..count).step_by(TASKS) {
                let request = BookingRequest {
                    service_id: service,
                    resource_id: Some(resources[i % RESOURCES]),
                    start: start.add_secs((i / RESOURCES) as i64 * 900),
                };
                state
                    .writes()
                    .book(clients[i % CLIENTS], &request)
                    .await
                    .map_err(|e| format!("booking {i}: {e}"))?;
            }
            Ok::<(), String>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = std::env::args().nth(1).ok_or("database url")?;
    let mut config = Config::default();
    config.database_url = url;
    config.jwt_secret = Secret::new(std::env::var("RDV_JWT_SECRET")?);
    config.encryption_key = Secret::new("cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q=");
    config.access_token_seconds = 3600;
    config.notify_worker = false;
    config.check()?;
    let state = rdv_server::build_state(config).await?;
    let started = std::time::Instant::now();
    let now = state.now();
    let hash = rdv_server::auth::hash_password("files-bench-password".into())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut clients = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let id = user(
            &state,
            format!("client{i}@files.test"),
            Role::Client,
            &hash,
            now,
        )
        .await;
        let profile = ClientProfileInput {
            email: format!("client{i}@files.test"),
            first_name: "Camille".into(),
            last_name: format!("Client {i}"),
            phone: Some(format!("+33 6 12 34 {:02} {:02}", i / 100, i % 100)),
            address: None,
        }
        .validate(ClientId::from_uuid(id))?;
        state.store().save_client(&profile).await?;
        clients.push(ClientId::from_uuid(id));
    }
    let clients: Arc<[ClientId]> = clients.into();
    // The clients book both: the large business's bookings start after the small one's end
    // (10,000 / 20 quarter hours = 5.2 days), so no client is booked twice at once.
    let small = business(&state, "small", 10_000, 0, &clients, &hash).await?;
    let large = business(&state, "large", 100_000, 6, &clients, &hash).await?;
    println!("small_business={}", small.business.id);
    println!("small_token={}", small.token);
    println!("large_business={}", large.business.id);
    println!("large_token={}", large.token);
    println!("large_resource={}", large.resources[0]);
    eprintln!(
        "fixture ready in {:.0} s: 110,000 reservations, {CLIENTS} clients",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
