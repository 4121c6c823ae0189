//! Demo data (`--demo`, `seed-demo`): three validated businesses in two time zones with staff,
//! services (one a group class), eight weeks of recurring availabilities, two clients and an
//! administrator, so a newcomer can click through the API at once; the first business, the
//! Lyon salon, also has six clients and twelve weeks of reservations behind it and two ahead
//! ([`history`]), for the dashboard. Loading twice does nothing.

mod history;

use chrono::{Datelike, Duration, NaiveTime};
use rdv_core::hours::{OpeningHours, TimeRange};
use rdv_core::model::{
    Address, ClientId, Currency, Money, ResourceKind, ServiceId, SlotRules, UserId, Zone,
};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::usecases::{ClientProfileInput, NewBusiness, NewService, RecurringAvailability};
use rdv_core::{Error, Uuid};
use rdv_storage::accounts::{AccountStore, Role, User};

use crate::auth::{check_password_policy, hash_password};
use crate::error::ApiError;
use crate::state::AppState;

/// Password of every demo account.
pub const DEMO_PASSWORD: &str = "demo-password-2026";

/// The salon's clients (email: the first name, lowercase, `@demo.rdv`).
const SALON_CLIENTS: [(&str, &str, &str); 6] = [
    ("Camille", "Martin", "+33 6 11 22 33 44"),
    ("Lucas", "Bernard", "+33 6 22 33 44 55"),
    ("Chloe", "Petit", "+33 6 33 44 55 66"),
    ("Hugo", "Robert", "+33 6 44 55 66 77"),
    ("Emma", "Richard", "+33 6 55 66 77 88"),
    ("Louis", "Durand", "+33 6 66 77 88 99"),
];

async fn user(state: &AppState, email: &str, password: &str, role: Role) -> Result<User, ApiError> {
    let now = state.now();
    let user = User {
        id: Uuid::new_v4(),
        email: crate::auth::account_email("email", email)?,
        password_hash: hash_password(password.to_owned()).await?,
        role,
        locale: "fr".into(),
        email_verified_at: Some(now),
        created_at: now,
        password_changed_at: now,
    };
    if !state.store().create_user(&user, None, &[]).await? {
        return Err(ApiError::field(
            "email",
            "taken",
            format!("{email} already has an account"),
        ));
    }
    Ok(user)
}

/// Creates a verified administrator account (CLI `create-admin`).
pub async fn create_admin(state: &AppState, email: &str, password: &str) -> Result<User, ApiError> {
    let email = crate::auth::account_email("email", email)?;
    check_password_policy("password", password, &email)?;
    user(state, &email, password, Role::Admin).await
}

fn address(street: &str, postal_code: &str, city: &str, country: &str) -> Address {
    Address {
        street: street.into(),
        postal_code: postal_code.into(),
        city: city.into(),
        country: country.into(),
    }
}

struct DemoBusiness {
    owner: &'static str,
    name: &'static str,
    domain: &'static str,
    description: &'static str,
    address: Address,
    zone: &'static str,
    hours: (&'static str, &'static str),
    staff: &'static [(&'static str, ResourceKind)],
    services: &'static [(&'static str, u32, i64, u32)],
    rrule_days: &'static str,
}

/// Loads the demo data; a summary of what is there (nothing is loaded twice).
pub async fn seed(state: &AppState) -> Result<String, ApiError> {
    if state
        .store()
        .user_by_email("admin@demo.rdv")
        .await?
        .is_some()
    {
        return Ok(format!(
            "demo data already loaded (accounts *@demo.rdv, password {DEMO_PASSWORD:?})"
        ));
    }
    user(state, "admin@demo.rdv", DEMO_PASSWORD, Role::Admin).await?;
    let businesses = [
        DemoBusiness {
            owner: "salon@demo.rdv",
            name: "Coiffeur Élégance",
            domain: "coiffure",
            description: "Coupes, couleurs et soins au cœur de Lyon.",
            address: address("12 rue de la République", "69002", "Lyon", "FR"),
            zone: "Europe/Paris",
            hours: ("09:00", "19:00"),
            staff: &[
                ("Alice", ResourceKind::Staff),
                ("Bruno", ResourceKind::Staff),
            ],
            services: &[("Coupe femme", 45, 4500, 1), ("Coupe homme", 30, 2500, 1)],
            rrule_days: "MO,TU,WE,TH,FR,SA",
        },
        DemoBusiness {
            owner: "yoga@demo.rdv",
            name: "Studio Yoga Zen",
            domain: "bien-être",
            description: "Cours collectifs de yoga en petits groupes.",
            address: address("5 rue Oberkampf", "75011", "Paris", "FR"),
            zone: "Europe/Paris",
            hours: ("07:00", "21:00"),
            staff: &[("Grande salle", ResourceKind::Room)],
            services: &[("Yoga vinyasa", 60, 1800, 12)],
            rrule_days: "MO,TU,WE,TH,FR",
        },
        DemoBusiness {
            owner: "dental@demo.rdv",
            name: "Hudson Dental Care",
            domain: "santé",
            description: "Check-ups and cleanings in Manhattan.",
            address: address("200 Hudson St", "10013", "New York", "US"),
            zone: "America/New_York",
            hours: ("08:00", "17:00"),
            staff: &[("Dr. Rivera", ResourceKind::Staff)],
            services: &[("Check-up", 30, 9000, 1), ("Cleaning", 60, 15000, 1)],
            rrule_days: "MO,TU,WE,TH,FR",
        },
    ];
    let mut lines = Vec::new();
    let mut salon = None;
    for demo in &businesses {
        let owner = user(state, demo.owner, DEMO_PASSWORD, Role::Owner).await?;
        let zone = Zone::parse(demo.zone)?;
        let hours = OpeningHours::same_every_day(
            &[TimeRange::parse(demo.hours.0, demo.hours.1)?],
            &[0, 1, 2, 3, 4, 5],
        );
        let business = state
            .writes()
            .create_business(
                UserId::from_uuid(owner.id),
                NewBusiness {
                    name: demo.name.into(),
                    domain: demo.domain.into(),
                    description: demo.description.into(),
                    city: demo.address.city.clone(),
                    address: demo.address.clone(),
                    time_zone: zone,
                    opening_hours: hours,
                    closures: vec![],
                    special_hours: vec![],
                },
            )
            .await?;
        let business = state.writes().validate_business(business.id).await?;
        let mut resource_ids = Vec::new();
        for (name, kind) in demo.staff {
            resource_ids.push(
                state
                    .writes()
                    .create_resource(business.id, name, *kind)
                    .await?
                    .id,
            );
        }
        let currency = if demo.zone.starts_with("America") {
            "USD"
        } else {
            "EUR"
        };
        let mut service_ids: Vec<ServiceId> = Vec::new();
        for (name, minutes, price, seats) in demo.services {
            let mut rules = SlotRules::simple(*minutes);
            rules.step_minutes = 15;
            rules.buffer_after_minutes = if *seats > 1 { 0 } else { 5 };
            rules.min_notice_minutes = 60;
            rules.horizon_days = 60;
            rules.seats = *seats;
            let service = state
                .writes()
                .create_service(
                    business.id,
                    NewService {
                        name: (*name).into(),
                        description: String::new(),
                        price: Money::new(*price, Currency::parse(currency)?),
                        category: Some(demo.domain.into()),
                        tags: vec![],
                        rules,
                        resource_ids: resource_ids.clone(),
                        cancellation_deadline_minutes: 120,
                        max_reschedules: 2,
                    },
                )
                .await?;
            service_ids.push(service.id);
        }
        let today = state.now().to_utc().with_timezone(&zone.0).date_naive();
        let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
        let (open, close) = (
            NaiveTime::parse_from_str(demo.hours.0, "%H:%M")
                .map_err(|e| Error::field("hours", "invalid_format", e.to_string()))?,
            NaiveTime::parse_from_str(demo.hours.1, "%H:%M")
                .map_err(|e| Error::field("hours", "invalid_format", e.to_string()))?,
        );
        let wall_minutes = (close - open).num_minutes() as u32;
        for resource_id in &resource_ids {
            state
                .writes()
                .create_recurring_availabilities(
                    business.id,
                    &RecurringAvailability {
                        resource_id: *resource_id,
                        rrule: format!("FREQ=WEEKLY;BYDAY={};COUNT=48", demo.rrule_days),
                        first_start: monday.and_time(open),
                        wall_minutes,
                        exdates: vec![],
                        generate_until: None,
                    },
                )
                .await?;
        }
        lines.push(format!(
            "  {} ({}) — owner {}",
            demo.name, demo.zone, demo.owner
        ));
        if salon.is_none() {
            salon = Some((
                business.id,
                zone,
                resource_ids,
                service_ids,
                open,
                wall_minutes,
            ));
        }
    }
    for (email, first, last, phone) in [
        ("jeanne@demo.rdv", "Jeanne", "Dupont", "+33 6 12 34 56 78"),
        ("marc@demo.rdv", "Marc", "Lefèvre", "+33 7 98 76 54 32"),
    ] {
        let client = user(state, email, DEMO_PASSWORD, Role::Client).await?;
        let profile = ClientProfileInput {
            email: email.into(),
            first_name: first.into(),
            last_name: last.into(),
            phone: Some(phone.into()),
            address: None,
        }
        .validate(ClientId::from_uuid(client.id))?;
        state.store().save_client(&profile).await?;
    }
    // The salon's own clients, who book its history (the two above stay free for trying).
    let mut clients = Vec::new();
    for (first, last, phone) in SALON_CLIENTS {
        let email = format!("{}@demo.rdv", first.to_lowercase());
        let client = user(state, &email, DEMO_PASSWORD, Role::Client).await?;
        let profile = ClientProfileInput {
            email,
            first_name: first.into(),
            last_name: last.into(),
            phone: Some(phone.into()),
            address: None,
        }
        .validate(ClientId::from_uuid(client.id))?;
        state.store().save_client(&profile).await?;
        clients.push(profile.id);
    }
    let mut history_line = String::new();
    if let Some((business, zone, resources, services, open, wall_minutes)) = salon {
        let written = history::write(
            state,
            &history::Salon {
                business,
                zone,
                resources: &resources,
                services: &services,
                open,
                wall_minutes,
                rrule_days: businesses[0].rrule_days,
                clients: &clients,
            },
        )
        .await?;
        history_line = format!(
            "\n  {}: {} past reservations, {} of yesterday and today, {} upcoming",
            businesses[0].name, written.past, written.recent, written.upcoming
        );
    }
    Ok(format!(
        "demo data loaded:\n{}{history_line}\n  clients jeanne@demo.rdv, marc@demo.rdv (and the salon's camille@, lucas@, chloe@, hugo@, emma@, louis@demo.rdv); admin admin@demo.rdv\n  password of every demo account: {DEMO_PASSWORD}",
        lines.join("\n")
    ))
}
