//! Prepares a database for the HTTP load benchmark (`benches/load/run.sh`) and writes the Lua
//! parameters wrk needs: a validated business in Europe/Paris, one service whose resource has a
//! 30-day window and 100 existing reservations (the slots scenario), ten resources with 58-day
//! windows for the booking scenario (55,680 free 15-minute slots: more than a 10-second run
//! books), and 1,000 client accounts with access tokens.
//!
//! Usage: `load_fixture <database-url> <out.lua>` with `RDV_JWT_SECRET` set as for the server.

use rdv_core::booking::BookingRequest;
use rdv_core::hours::OpeningHours;
use rdv_core::model::{Address, ClientId, Currency, Money, ResourceKind, SlotRules, UserId, Zone};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::usecases::{ClientProfileInput, NewBusiness, NewService};
use rdv_core::{Interval, Timestamp, Uuid};
use rdv_server::config::{Config, Secret};
use rdv_storage::accounts::{AccountStore as _, Role, User};

const CLIENTS: usize = 1000;
const BOOKING_RESOURCES: usize = 10;

fn service(name: &str, resources: Vec<rdv_core::model::ResourceId>) -> NewService {
    let mut rules = SlotRules::simple(15);
    rules.step_minutes = 15;
    rules.horizon_days = 60;
    NewService {
        name: name.into(),
        description: String::new(),
        price: Money::new(2000, Currency::parse("EUR").expect("EUR")),
        category: None,
        tags: vec![],
        rules,
        resource_ids: resources,
        cancellation_deadline_minutes: 0,
        max_reschedules: 0,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (url, out) = (
        args.get(1).ok_or("database url")?,
        args.get(2).ok_or("out.lua")?,
    );
    let mut config = Config::default();
    config.database_url = url.clone();
    config.jwt_secret = Secret::new(std::env::var("RDV_JWT_SECRET")?);
    config.encryption_key = Secret::new("cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q=");
    config.access_token_seconds = 3600;
    config.check()?;
    let state = rdv_server::build_state(config).await?;
    let uc = state.writes();
    let now = state.now();
    let day = 86_400;
    let start = Timestamp::from_secs((now.secs() / day + 1) * day);
    let month = Interval::new(start, start.add_secs(30 * day))?;
    // Two back-to-back 29-day windows (a window is at most 31 days), within the services'
    // 60-day booking horizon.
    let booking_windows = [
        Interval::new(start, start.add_secs(29 * day))?,
        Interval::new(start.add_secs(29 * day), start.add_secs(58 * day))?,
    ];

    let owner = UserId::from_uuid(Uuid::new_v4());
    let business = uc
        .create_business(
            owner,
            NewBusiness {
                name: "Load Test".into(),
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
    uc.validate_business(business.id).await?;

    // Slots scenario: one resource, a 30-day window, 100 reservations.
    let alice = uc
        .create_resource(business.id, "Alice", ResourceKind::Staff)
        .await?;
    uc.create_availability(business.id, alice.id, month).await?;
    let slots_service = uc
        .create_service(business.id, service("Slots", vec![alice.id]))
        .await?;

    // Booking scenario: ten resources with 58-day windows.
    let mut resources = Vec::new();
    for i in 0..BOOKING_RESOURCES {
        let r = uc
            .create_resource(business.id, &format!("Staff {i}"), ResourceKind::Staff)
            .await?;
        for window in booking_windows {
            uc.create_availability(business.id, r.id, window).await?;
        }
        resources.push(r.id);
    }
    let book_service = uc
        .create_service(business.id, service("Book", resources))
        .await?;

    let hash = rdv_server::auth::hash_password("load-test-password".into())
        .await
        .map_err(|e| format!("{e:?}"))?;
    let mut tokens = Vec::with_capacity(CLIENTS);
    for i in 0..CLIENTS {
        let id = Uuid::new_v4();
        let user = User {
            id,
            email: format!("client{i}@load.test"),
            password_hash: hash.clone(),
            role: Role::Client,
            locale: "en".into(),
            email_verified_at: Some(now),
            created_at: now,
            password_changed_at: now,
        };
        state.store().create_user(&user, None, &[]).await?;
        let profile = ClientProfileInput {
            email: user.email.clone(),
            first_name: "Load".into(),
            last_name: format!("Client {i}"),
            phone: None,
            address: None,
        }
        .validate(ClientId::from_uuid(id))?;
        state.store().save_client(&profile).await?;
        tokens.push(state.tokens.issue(id, Role::Client, Uuid::new_v4(), now));
        if i < 100 {
            // 100 reservations spread over the month on the slots service.
            uc.book(
                ClientId::from_uuid(id),
                &BookingRequest {
                    service_id: slots_service.id,
                    resource_id: Some(alice.id),
                    start: start.add_secs(i as i64 * 7 * 3600),
                },
            )
            .await?;
        }
    }
    let mut lua = String::new();
    lua.push_str(&format!("slots_service = \"{}\"\n", slots_service.id));
    lua.push_str(&format!("book_service = \"{}\"\n", book_service.id));
    lua.push_str(&format!("from = \"{}\"\n", month.start()));
    lua.push_str(&format!("to = \"{}\"\n", month.end()));
    lua.push_str(&format!("start_secs = {}\n", start.secs()));
    lua.push_str(&format!("resources = {BOOKING_RESOURCES}\n"));
    lua.push_str("tokens = {\n");
    for t in &tokens {
        lua.push_str(&format!("  \"{t}\",\n"));
    }
    lua.push_str("}\n");
    std::fs::write(out, lua)?;
    eprintln!(
        "fixture ready: slots service {}, booking service {}, {} clients",
        slots_service.id,
        book_service.id,
        tokens.len()
    );
    Ok(())
}
