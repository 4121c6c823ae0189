//! The text of a calendar feed (RFC 5545), written by the kept `icalendar` crate, which folds
//! lines at 75 octets, ends them with CRLF and escapes text values (its own tests and
//! `notify::ics`'s prove it); this module only chooses what each event says.
//!
//! * `UID` is `<reservation id>@rdv`, so a calendar app updates the same entry;
//! * `SEQUENCE` is the number of changes since booking (the history's length minus one), so it
//!   grows with every confirmation, reschedule or cancellation;
//! * `DTSTAMP` is the reservation's last change, not the request's time, so an unchanged feed
//!   is byte for byte the same body and keeps its `ETag`;
//! * times are UTC (`…Z`); statuses are `TENTATIVE` (pending), `CONFIRMED`, `CANCELLED`
//!   (cancelled by either side: the slot is free again); completed and no-show ones stay
//!   `CONFIRMED` (the appointment held its time);
//! * the free/busy feed writes busy-only events: `SUMMARY:Busy`, no description, no name, no
//!   service, so it may be shared publicly (plain VEVENTs rather than VFREEBUSY, because the
//!   subscribing apps show VEVENTs and mostly ignore VFREEBUSY in a subscription).

use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use rdv_core::model::ReservationStatus;
use rdv_core::ports::ReservationView;

/// How often subscribers are asked to poll.
pub const REFRESH: &str = "PT15M";

/// What the events of a feed show.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Detail {
    /// The business's view: service, client's name and contact, resource.
    Owner,
    /// The client's view: service, business, resource; nobody else.
    Client,
    /// Busy times only.
    Busy,
}

/// The `STATUS` of a reservation.
fn status(s: ReservationStatus) -> EventStatus {
    match s {
        ReservationStatus::Pending => EventStatus::Tentative,
        ReservationStatus::Confirmed | ReservationStatus::Completed | ReservationStatus::NoShow => {
            EventStatus::Confirmed
        }
        ReservationStatus::CancelledByClient | ReservationStatus::CancelledByBusiness => {
            EventStatus::Cancelled
        }
    }
}

/// One reservation as an event.
fn event(view: &ReservationView, detail: Detail) -> Event {
    let r = &view.reservation;
    let changed = r.history.last().map_or(r.created_at, |h| h.at);
    let sequence = u32::try_from(r.history.len().saturating_sub(1)).unwrap_or(u32::MAX);
    let mut e = Event::new();
    e.uid(&format!("{}@rdv", r.id.0))
        .sequence(sequence)
        .timestamp(changed.to_utc())
        .starts(r.interval.start().to_utc())
        .ends(r.interval.end().to_utc())
        .status(status(r.status));
    match detail {
        Detail::Owner => {
            let c = &view.client;
            let name = format!("{} {}", c.first_name, c.last_name);
            let mut description = format!("{}\n{}\n{}", view.resource_name, name.trim(), c.email);
            if let Some(phone) = &c.phone {
                description.push('\n');
                description.push_str(phone);
            }
            e.summary(&format!("{} — {}", view.service_name, name.trim()))
                .description(&description)
                .location(&view.resource_name);
        }
        Detail::Client => {
            e.summary(&format!("{} — {}", view.service_name, view.business_name))
                .description(&view.resource_name)
                .location(&view.business_name);
        }
        Detail::Busy => {
            e.summary("Busy");
            e.add_property("TRANSP", "OPAQUE");
        }
    }
    e.done()
}

/// The feed's text: the calendar's name, the refresh interval and one event per reservation.
pub fn render(name: &str, views: &[ReservationView], detail: Detail) -> String {
    let mut calendar = Calendar::new();
    calendar.name(name);
    calendar.append_property(
        Property::new("REFRESH-INTERVAL", REFRESH)
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    calendar.append_property(Property::new("X-PUBLISHED-TTL", REFRESH).done());
    for view in views {
        calendar.push(event(view, detail));
    }
    calendar.done().to_string()
}
