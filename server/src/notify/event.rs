//! The kinds of reservation events. The database stores them as text (`notification_events.kind`,
//! written by the triggers of storage migration 0004 and by the reminder scheduler); the
//! server parses that text once into [`EventKind`] and matches on the enum.

/// What happened to a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// `reservation_created`: booked.
    Created,
    /// `reservation_confirmed`: confirmed by the business.
    Confirmed,
    /// `reservation_cancelled_by_client`.
    CancelledByClient,
    /// `reservation_cancelled_by_business`.
    CancelledByBusiness,
    /// `reservation_completed`: done.
    Completed,
    /// `reservation_no_show`: the client did not come.
    NoShow,
    /// `reservation_rescheduled`: moved to another time.
    Rescheduled,
    /// `reservation_reminder`: a reminder before the start is due.
    Reminder,
}

impl EventKind {
    /// Every kind (what webhooks may subscribe to), in the documented order.
    pub const ALL: [EventKind; 8] = [
        EventKind::Created,
        EventKind::Confirmed,
        EventKind::CancelledByClient,
        EventKind::CancelledByBusiness,
        EventKind::Completed,
        EventKind::NoShow,
        EventKind::Rescheduled,
        EventKind::Reminder,
    ];

    /// The kinds a business owner can ask to be told about (by email).
    pub const FOR_OWNERS: [EventKind; 3] = [
        EventKind::Created,
        EventKind::CancelledByClient,
        EventKind::Rescheduled,
    ];

    /// The stored text, also the name of the event's templates and webhook `type`.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::Created => "reservation_created",
            EventKind::Confirmed => "reservation_confirmed",
            EventKind::CancelledByClient => "reservation_cancelled_by_client",
            EventKind::CancelledByBusiness => "reservation_cancelled_by_business",
            EventKind::Completed => "reservation_completed",
            EventKind::NoShow => "reservation_no_show",
            EventKind::Rescheduled => "reservation_rescheduled",
            EventKind::Reminder => "reservation_reminder",
        }
    }

    /// The kind of a stored text, if it is one.
    pub fn parse(text: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == text)
    }

    /// Whether a client who chose SMS gets a text message for it as well.
    pub const fn sent_by_sms(self) -> bool {
        match self {
            EventKind::Created
            | EventKind::Confirmed
            | EventKind::Reminder
            | EventKind::CancelledByClient
            | EventKind::CancelledByBusiness
            | EventKind::Rescheduled => true,
            EventKind::Completed | EventKind::NoShow => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_from_its_stored_text() {
        for kind in EventKind::ALL {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("reservation_pending"), None);
        assert_eq!(EventKind::parse("reservation.created"), None);
    }

    #[test]
    fn the_triggers_write_only_known_kinds() {
        // `'reservation_' || NEW.status` in the triggers: every status but `pending` names a
        // kind (a reservation never goes back to pending).
        for status in [
            "confirmed",
            "cancelled_by_client",
            "cancelled_by_business",
            "completed",
            "no_show",
        ] {
            assert!(
                EventKind::parse(&format!("reservation_{status}")).is_some(),
                "{status}"
            );
        }
    }
}
