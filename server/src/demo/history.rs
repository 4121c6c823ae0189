//! The demo salon's reservations, so the dashboard has something to show: twelve weeks of
//! history (completed, no-shows, cancelled by the client and by the business), a few
//! appointments today, and two weeks of upcoming pending and confirmed ones, with six demo
//! clients.
//!
//! Every reservation goes through the use cases and their rules, as a client and the owner
//! would have made it at the time: the server's clock is moved back to when each was booked,
//! confirmed, cancelled or completed ([`TimeTravel`]), and put back when the history is
//! written (also on an error). Which times are booked and how each one ends is a pure function
//! of its local date and slot ([`mix`]), so the same day always gets the same reservations.

use chrono::{Datelike, Duration, NaiveDate, NaiveTime};
use rdv_core::booking::BookingRequest;
use rdv_core::lifecycle::Action;
use rdv_core::model::{BusinessId, ClientId, ResourceId, ServiceId, Zone};
use rdv_core::scope::Scope;
use rdv_core::usecases::RecurringAvailability;
use rdv_core::{Timestamp, tz};

use crate::error::ApiError;
use crate::state::AppState;

/// Weeks of history before this week's Monday.
pub const HISTORY_WEEKS: i64 = 12;

/// Days of upcoming reservations, today included.
const UPCOMING_DAYS: i64 = 14;

/// The local start hours a resource may be booked at.
const HOURS: [u32; 7] = [9, 10, 11, 14, 15, 16, 17];

/// What the salon's history is made of.
pub struct Salon<'a> {
    /// The business.
    pub business: BusinessId,
    /// Its zone.
    pub zone: Zone,
    /// Its resources.
    pub resources: &'a [ResourceId],
    /// Its services.
    pub services: &'a [ServiceId],
    /// Its opening time and length of a day, as the demo's windows.
    pub open: NaiveTime,
    /// Minutes of each daily window.
    pub wall_minutes: u32,
    /// Its weekly days, as an RRULE BYDAY list.
    pub rrule_days: &'a str,
    /// The clients who book.
    pub clients: &'a [ClientId],
}

/// How many reservations were written.
#[derive(Debug, Default)]
pub struct Written {
    /// Before yesterday, all finished.
    pub past: u32,
    /// Today and yesterday, before now.
    pub recent: u32,
    /// From now on, pending or confirmed.
    pub upcoming: u32,
}

/// A number in `0..100` mixing a date, a resource and a slot (a small integer hash).
fn mix(day: NaiveDate, resource: usize, slot: usize, salt: u32) -> u32 {
    let mut x = (day.num_days_from_ce() as u32)
        .wrapping_mul(2_654_435_761)
        .wrapping_add((resource as u32 + 1).wrapping_mul(40_503))
        .wrapping_add((slot as u32 + 1).wrapping_mul(97_231))
        .wrapping_add(salt.wrapping_mul(2_246_822_519));
    x ^= x >> 15;
    x = x.wrapping_mul(2_246_822_507);
    x ^= x >> 13;
    x % 100
}

/// The server's clock moved to chosen instants, put back when dropped.
struct TimeTravel<'a> {
    state: &'a AppState,
    moved: i64,
}

impl<'a> TimeTravel<'a> {
    fn new(state: &'a AppState) -> Self {
        Self { state, moved: 0 }
    }

    fn to(&mut self, at: Timestamp) {
        let by = at.secs() - self.state.now().secs();
        self.state.clock().advance(by);
        self.moved += by;
    }

    fn back(&mut self) {
        self.state.clock().advance(-self.moved);
        self.moved = 0;
    }
}

impl Drop for TimeTravel<'_> {
    fn drop(&mut self) {
        self.back();
    }
}

/// How a reservation of the past ends.
#[derive(Clone, Copy)]
enum End {
    Completed,
    NoShow,
    CancelledByClient,
    CancelledByBusiness,
}

fn end_of(roll: u32) -> End {
    match roll {
        0..70 => End::Completed,
        70..80 => End::NoShow,
        80..91 => End::CancelledByClient,
        _ => End::CancelledByBusiness,
    }
}

/// Writes the salon's windows of the history weeks and its reservations.
pub async fn write(state: &AppState, salon: &Salon<'_>) -> Result<Written, ApiError> {
    let zone = salon.zone;
    let now = state.now();
    let today = now.to_utc().with_timezone(&zone.0).date_naive();
    let monday = today - Duration::days(i64::from(today.weekday().num_days_from_monday()));
    let first = monday - Duration::weeks(HISTORY_WEEKS);
    let at = |day: NaiveDate, time: NaiveTime| tz::resolve_local(zone.0, day.and_time(time));
    let mut clock = TimeTravel::new(state);
    // The history's windows: the days before the demo's own series, which skipped those of
    // this week already over when it was written (today's too, after closing time).
    let close = at(today, salon.open).add_secs(i64::from(salon.wall_minutes) * 60);
    let last = if now.secs() >= close.secs() {
        today
    } else {
        today - Duration::days(1)
    };
    let codes: Vec<&str> = salon.rrule_days.split(',').collect();
    let code = |d: NaiveDate| {
        ["MO", "TU", "WE", "TH", "FR", "SA", "SU"][d.weekday().num_days_from_monday() as usize]
    };
    let count = first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| codes.contains(&code(*d)))
        .count();
    clock.to(at(first, salon.open).add_secs(-86_400));
    for resource_id in salon.resources {
        state
            .writes()
            .create_recurring_availabilities(
                salon.business,
                &RecurringAvailability {
                    resource_id: *resource_id,
                    rrule: format!("FREQ=WEEKLY;BYDAY={};COUNT={count}", salon.rrule_days),
                    first_start: first.and_time(salon.open),
                    wall_minutes: salon.wall_minutes,
                    exdates: vec![],
                    generate_until: None,
                },
            )
            .await?;
    }
    let mut written = Written::default();
    let mut day = first;
    while day < today + Duration::days(UPCOMING_DAYS) {
        if !codes.contains(&code(day)) {
            day += Duration::days(1);
            continue;
        }
        let offset = (day - today).num_days();
        let density = match offset {
            0 => 60,
            _ if offset < 0 => 42,
            _ => 35,
        };
        for (r, resource_id) in salon.resources.iter().enumerate() {
            for (slot, hour) in HOURS.iter().enumerate() {
                if mix(day, r, slot, 1) >= density {
                    continue;
                }
                let start = at(
                    day,
                    NaiveTime::from_hms_opt(*hour, 0, 0).unwrap_or_default(),
                );
                let service = salon.services[mix(day, r, slot, 2) as usize % salon.services.len()];
                // Two resources booked at one time have two different clients.
                let client = salon.clients
                    [(day.num_days_from_ce() as usize * 3 + slot * 2 + r) % salon.clients.len()];
                let request = BookingRequest {
                    service_id: service,
                    resource_id: Some(*resource_id),
                    start,
                };
                let business = Scope::Business(salon.business);
                if start.secs() >= now.secs() + 2 * 3600 {
                    // Upcoming: booked a few days ago, half of them confirmed since.
                    clock.back();
                    let lead_days = 1 + i64::from(mix(day, r, slot, 3) % 10);
                    let booked_at = (start.secs() - lead_days * 86_400).min(now.secs() - 3600);
                    clock.to(Timestamp::from_secs(booked_at));
                    let reservation = state.writes().book(client, &request).await?;
                    if written.upcoming >= 2 && mix(day, r, slot, 4) < 50 {
                        clock.to(Timestamp::from_secs(booked_at + 3600));
                        state
                            .writes()
                            .transition(business, reservation.id, Action::Confirm)
                            .await?;
                    }
                    written.upcoming += 1;
                } else if start.secs() < now.secs() {
                    // Past: booked one to ten days before, then it ended one way or another.
                    let lead = 86_400 * (1 + i64::from(mix(day, r, slot, 3) % 10))
                        + 3600 * i64::from(mix(day, r, slot, 5) % 12);
                    let booked_at = start.secs() - lead;
                    clock.to(Timestamp::from_secs(booked_at));
                    let reservation = state.writes().book(client, &request).await?;
                    let id = reservation.id;
                    let ending = if offset >= -1 {
                        End::Completed
                    } else {
                        end_of(mix(day, r, slot, 6))
                    };
                    let after = |secs: i64| Timestamp::from_secs(booked_at + secs);
                    match ending {
                        End::CancelledByClient => {
                            clock.to(after(3600));
                            let cancel = Action::Cancel {
                                reason: Some("Empêchement".into()),
                            };
                            state
                                .writes()
                                .transition(Scope::Client(client), id, cancel)
                                .await?;
                        }
                        End::CancelledByBusiness => {
                            clock.to(after(3 * 3600));
                            let cancel = Action::Cancel {
                                reason: Some("Coiffeur absent ce jour-là".into()),
                            };
                            state.writes().transition(business, id, cancel).await?;
                        }
                        End::Completed | End::NoShow => {
                            clock.to(after(2 * 3600));
                            state
                                .writes()
                                .transition(business, id, Action::Confirm)
                                .await?;
                            let (when, action) = match ending {
                                End::NoShow => (start.secs() + 900, Action::MarkNoShow),
                                _ => (reservation.interval.end().secs() + 600, Action::Complete),
                            };
                            clock.to(Timestamp::from_secs(when.min(now.secs())));
                            state.writes().transition(business, id, action).await?;
                        }
                    }
                    if offset >= -1 {
                        written.recent += 1;
                    } else {
                        written.past += 1;
                    }
                }
                // Otherwise too soon to book now, and not over yet: left free.
            }
        }
        day += Duration::days(1);
    }
    clock.back();
    Ok(written)
}
