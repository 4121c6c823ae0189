//! Use-case tests over the in-memory store, one module per aggregate; the shared world is here.

use super::*;
use crate::booking::{BookingRequest, other_free_resources};
use crate::conformance::block_on;
use crate::error::Error;
use crate::error::ErrorCode;
use crate::hours::OpeningHours;
use crate::hours::TimeRange;
use crate::lifecycle::Action;
use crate::memory::MemoryStore;
use crate::model::Currency;
use crate::model::{
    Address, Business, BusinessId, ClientId, Money, ReservationId, ReservationStatus, Resource,
    ResourceId, ResourceKind, Service, SlotRules, UserId, Zone,
};
use crate::ports::{
    AvailabilityStore, DirectoryStore, FixedClock, ReservationStore, SequentialIds,
};
use crate::scope::Scope;
use crate::time::{Interval, Timestamp};

type App = UseCases<MemoryStore, FixedClock, SequentialIds>;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

const NOW: &str = "2026-06-01T06:00:00Z";

struct World {
    app: App,
    business: Business,
    staff: Vec<Resource>,
    service: Service,
}

/// A validated Paris salon open Mon–Fri 09:00–17:00 with two staff available on Monday
/// 2026-06-08 and a 30-minute service with a 10-minute buffer after.
fn world(seats: u32) -> World {
    block_on(async {
        let app = UseCases::new(
            MemoryStore::new(),
            FixedClock(ts(NOW)),
            SequentialIds::default(),
        );
        let hours = OpeningHours::same_every_day(
            &[TimeRange::parse("09:00", "17:00").unwrap()],
            &[0, 1, 2, 3, 4],
        );
        let business = app
            .create_business(
                UserId::from_uuid(uuid::Uuid::from_u128(7)),
                NewBusiness {
                    name: "Coiffeur Élégance".into(),
                    domain: "coiffure".into(),
                    description: String::new(),
                    city: "Paris".into(),
                    address: Address::default(),
                    time_zone: Zone::parse("Europe/Paris").unwrap(),
                    opening_hours: hours,
                    closures: vec![],
                    special_hours: vec![],
                },
            )
            .await
            .unwrap();
        let business = app.validate_business(business.id).await.unwrap();
        let mut staff = Vec::new();
        for name in ["Alice", "Bob"] {
            let r = app
                .create_resource(business.id, name, ResourceKind::Staff)
                .await
                .unwrap();
            app.create_availability(
                business.id,
                r.id,
                iv("2026-06-08T07:00:00Z", "2026-06-08T15:00:00Z"),
            )
            .await
            .unwrap();
            staff.push(r);
        }
        let mut rules = SlotRules::simple(30);
        rules.buffer_after_minutes = 10;
        rules.seats = seats;
        rules.horizon_days = 365;
        let service = app
            .create_service(
                business.id,
                NewService {
                    name: "Coupe".into(),
                    description: String::new(),
                    price: Money::new(2500, Currency::parse("EUR").unwrap()),
                    category: None,
                    tags: vec!["Hair".into()],
                    rules,
                    resource_ids: staff.iter().map(|r| r.id).collect(),
                    cancellation_deadline_minutes: 120,
                    max_reschedules: 1,
                },
            )
            .await
            .unwrap();
        World {
            app,
            business,
            staff,
            service,
        }
    })
}

fn request(w: &World, resource: Option<usize>, start: &str) -> BookingRequest {
    BookingRequest {
        service_id: w.service.id,
        resource_id: resource.map(|i| w.staff[i].id),
        start: ts(start),
    }
}

fn client(n: u128) -> ClientId {
    ClientId::from_uuid(uuid::Uuid::from_u128(1000 + n))
}

mod availability;
mod booking;
mod businesses;
mod busy_times;
mod calendar;
mod directory;
mod imports;
mod reservations;
mod resources;
mod waitlist;
