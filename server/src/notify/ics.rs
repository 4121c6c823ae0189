//! iCalendar invitations (RFC 5545 / iTIP RFC 5546) attached to confirmation, reschedule and
//! cancellation emails, built with the `icalendar` crate.
//!
//! The `UID` is the reservation's id, so a calendar app updates or removes the same entry;
//! `SEQUENCE` grows with every change of the reservation (its history length plus its
//! reschedules), so a later message always wins. Times are written in UTC (`…Z`), which every
//! calendar app accepts and shows in the reader's zone.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike, EventStatus, Property};
use serde::{Deserialize, Serialize};

/// What the invitation asks of the calendar app.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Method {
    /// Add or update the event.
    Request,
    /// Remove the event.
    Cancel,
}

impl Method {
    /// The `METHOD` value (also the `method` parameter of the MIME type).
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

/// Everything an invitation says.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Invite {
    /// Request or cancel.
    pub method: Method,
    /// Stable id of the appointment (the reservation id).
    pub uid: String,
    /// Version of this message (greater for later changes).
    pub sequence: u32,
    /// Start (UTC).
    pub start: DateTime<Utc>,
    /// End (UTC).
    pub end: DateTime<Utc>,
    /// Title, e.g. "Haircut — Salon Élégance".
    pub summary: String,
    /// Longer text.
    pub description: String,
    /// Address, may be empty.
    pub location: String,
    /// Name and address of the organiser (the sender), e.g. ("Salon", "no-reply@x").
    pub organizer: (String, String),
    /// Name and email of the attendee (the client).
    pub attendee: (String, String),
}

/// The invitation as an `.ics` text.
pub fn render(invite: &Invite, now: DateTime<Utc>) -> String {
    let mut event = Event::new();
    event
        .uid(&format!("{}@rdv", invite.uid))
        .sequence(invite.sequence)
        .timestamp(now)
        .starts(invite.start)
        .ends(invite.end)
        .summary(&invite.summary)
        .description(&invite.description)
        .status(match invite.method {
            Method::Request => EventStatus::Confirmed,
            Method::Cancel => EventStatus::Cancelled,
        });
    if !invite.location.is_empty() {
        event.location(&invite.location);
    }
    event.append_property(
        Property::new("ORGANIZER", format!("mailto:{}", invite.organizer.1))
            .add_parameter("CN", &invite.organizer.0)
            .done(),
    );
    event.append_property(
        Property::new("ATTENDEE", format!("mailto:{}", invite.attendee.1))
            .add_parameter("CN", &invite.attendee.0)
            .add_parameter("ROLE", "REQ-PARTICIPANT")
            .add_parameter("PARTSTAT", "ACCEPTED")
            .add_parameter("RSVP", "FALSE")
            .done(),
    );
    let mut calendar = Calendar::new();
    calendar.append_property(Property::new("METHOD", invite.method.as_str()).done());
    calendar.push(event.done());
    calendar.done().to_string()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use icalendar::CalendarComponent;

    use super::*;

    fn invite(method: Method) -> Invite {
        Invite {
            method,
            uid: "0199-abc".into(),
            sequence: 2,
            start: Utc.with_ymd_and_hms(2026, 10, 25, 9, 0, 0).unwrap(),
            end: Utc.with_ymd_and_hms(2026, 10, 25, 9, 30, 0).unwrap(),
            summary: "Coupe — Salon Élégance, Paris; centre".into(),
            description: "Avec Marc".into(),
            location: "1 rue de la Paix, 75002 Paris".into(),
            organizer: ("Salon Élégance".into(), "no-reply@rdv.test".into()),
            attendee: ("Léa Martin".into(), "lea@example.com".into()),
        }
    }

    /// The text parses back as one VEVENT with the UTC times, UID, SEQUENCE and METHOD, and
    /// follows the format's line rules (CRLF, folded at 75 octets).
    #[test]
    fn an_invitation_parses_back_with_its_utc_times_and_uid() {
        let now = Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0).unwrap();
        let text = render(&invite(Method::Request), now);
        assert!(text.contains("METHOD:REQUEST\r\n"), "{text}");
        assert!(text.contains("DTSTART:20261025T090000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20261025T093000Z\r\n"), "{text}");
        assert!(text.contains("UID:0199-abc@rdv\r\n"), "{text}");
        assert!(text.contains("SEQUENCE:2\r\n"), "{text}");
        assert!(text.contains("STATUS:CONFIRMED\r\n"), "{text}");
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "line longer than 75 octets: {line:?}");
        }
        let parsed: Calendar = text.parse().unwrap();
        let events: Vec<_> = parsed
            .components
            .iter()
            .filter_map(|c| match c {
                CalendarComponent::Event(e) => Some(e),
                _ => None,
            })
            .collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].get_uid(), Some("0199-abc@rdv"));
        assert_eq!(
            events[0].get_summary(),
            Some("Coupe — Salon Élégance, Paris; centre")
        );
    }

    /// A cancellation carries METHOD:CANCEL and STATUS:CANCELLED for the same UID.
    #[test]
    fn a_cancellation_names_the_same_uid() {
        let now = Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0).unwrap();
        let text = render(&invite(Method::Cancel), now);
        assert!(text.contains("METHOD:CANCEL\r\n"), "{text}");
        assert!(text.contains("STATUS:CANCELLED\r\n"), "{text}");
        assert!(text.contains("UID:0199-abc@rdv\r\n"), "{text}");
    }
}
