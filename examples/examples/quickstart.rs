//! Quickstart: embed the booking rules with the in-memory store.
//!
//! A hair salon in Paris with opening hours and a recurring availability; next week's free
//! slots; a booking; and the typed error a second client gets for the same slot.
//!
//! Run it with `cargo run -p rdv-examples --example quickstart`.

use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{Datelike, Duration, NaiveTime};
use rdv_core::booking::BookingRequest;
use rdv_core::hours::{OpeningHours, TimeRange};
use rdv_core::memory::{MemoryStore, block_on};
use rdv_core::model::{Address, ClientId, Currency, Money, ResourceKind, SlotRules, UserId, Zone};
use rdv_core::ports::{Clock, SequentialIds};
use rdv_core::tz::format_local;
use rdv_core::usecases::{NewBusiness, NewService, RecurringAvailability, UseCases};
use rdv_core::{Error, Timestamp};

/// The real clock lives at the edge: the core only ever receives `now`.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        Timestamp::from_secs(secs as i64)
    }
}

fn main() -> Result<(), Error> {
    block_on(run())
}

async fn run() -> Result<(), Error> {
    let app = UseCases::new(MemoryStore::new(), SystemClock, SequentialIds::default());
    let paris = Zone::parse("Europe/Paris")?;

    // A business open Monday to Friday, 09:00–12:00 and 14:00–18:00, validated by an admin.
    let hours = OpeningHours::same_every_day(
        &[
            TimeRange::parse("09:00", "12:00")?,
            TimeRange::parse("14:00", "18:00")?,
        ],
        &[0, 1, 2, 3, 4],
    );
    let owner = UserId::from_uuid(Default::default());
    let salon = app
        .create_business(
            owner,
            NewBusiness {
                name: "Coiffeur Élégance".into(),
                domain: "coiffure".into(),
                description: "Coupes et couleurs".into(),
                city: "Paris".into(),
                address: Address {
                    street: "12 rue de Rivoli".into(),
                    postal_code: "75004".into(),
                    city: "Paris".into(),
                    country: "FR".into(),
                },
                time_zone: paris,
                opening_hours: hours,
                closures: vec![],
                special_hours: vec![],
            },
        )
        .await?;
    let salon = app.validate_business(salon.id).await?;
    let alice = app
        .create_resource(salon.id, "Alice", ResourceKind::Staff)
        .await?;

    // A 30-minute cut with 10 minutes of cleaning after it, booked at least 2 hours ahead.
    let mut rules = SlotRules::simple(30);
    rules.buffer_after_minutes = 10;
    rules.min_notice_minutes = 120;
    let cut = app
        .create_service(
            salon.id,
            NewService {
                name: "Coupe".into(),
                description: String::new(),
                price: Money::new(3500, Currency::parse("EUR")?),
                category: Some("hair".into()),
                tags: vec!["short".into()],
                rules,
                resource_ids: vec![alice.id],
                cancellation_deadline_minutes: 24 * 60,
                max_reschedules: 2,
            },
        )
        .await?;

    // Alice works every weekday 09:00–18:00, Paris time, for the next four weeks.
    let today = SystemClock
        .now()
        .to_utc()
        .with_timezone(&paris.0)
        .date_naive();
    let next_monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let series = app
        .create_recurring_availabilities(
            salon.id,
            &RecurringAvailability {
                resource_id: alice.id,
                rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;COUNT=20".into(),
                first_start: next_monday.and_time(NaiveTime::from_hms_opt(9, 0, 0).expect("09:00")),
                wall_minutes: 9 * 60,
                exdates: vec![],
                generate_until: None,
            },
        )
        .await?;
    println!(
        "{} availability windows generated from one RRULE",
        series.len()
    );

    // Next week's free slots.
    let from =
        rdv_core::tz::resolve_local(paris.0, next_monday.and_hms_opt(0, 0, 0).expect("midnight"));
    let to = from.add_secs(7 * 86_400);
    let week = app.slots_for_service(cut.id, from, to, 1_000).await?;
    println!("{} free slots next week; the first ones:", week.slots.len());
    for slot in week.slots.iter().take(6) {
        println!(
            "  {} → {}",
            format_local(paris.0, slot.start),
            format_local(paris.0, slot.end)
        );
    }

    // Jeanne books the first one.
    let jeanne = ClientId::from_uuid(uuid_from(1));
    let first = week.slots[0];
    let request = BookingRequest {
        service_id: cut.id,
        resource_id: None,
        start: first.start,
    };
    let booked = app.book(jeanne, &request).await?;
    println!(
        "booked {} at {} ({}, {} {})",
        booked.id,
        format_local(paris.0, booked.interval.start()),
        booked.status,
        booked.price.amount_minor,
        booked.price.currency
    );

    // Paul asks for the same time, then for 12:30 (lunch break): typed errors with stable codes.
    let paul = ClientId::from_uuid(uuid_from(2));
    for (label, start) in [
        ("same slot", first.start),
        ("12:30, lunch break", first.start.add_secs(3 * 3600 + 1800)),
    ] {
        let request = BookingRequest {
            service_id: cut.id,
            resource_id: None,
            start,
        };
        match app.book(paul, &request).await {
            Ok(r) => println!("{label}: booked {}", r.id),
            Err(e) => println!("{label}: refused, code {} — {e}", e.code()),
        }
    }
    Ok(())
}

fn uuid_from(n: u128) -> rdv_core::model::Uuid {
    rdv_core::model::Uuid::from_u128(n)
}
