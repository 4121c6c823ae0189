//! The waitlist (issue 17 item 7): when every slot of a time range is taken, a client joins the
//! waitlist of the service for that range; when a seat frees (a cancellation, a move, a
//! released hold), waitlisted clients are offered it in the order they joined. An offer is
//! held for the client for a set time, then expires and the seat passes to the next client;
//! claiming it books through the normal atomic booking path, so a seat is never booked twice
//! whatever the claimers and the public do at the same moment.
//!
//! ```text
//!   waiting ──offer──▶ offered ──claim──▶ booked
//!     ▲  │               │  │
//!     │  └──leave──▶ left ◀┘  └──(hold over)──▶ expired
//!     └──(seat taken meanwhile by someone else: claim refused)
//! ```
//!
//! An offer does not block the seat for the public: it gives the client priority over the
//! other waitlisted clients, and a claim after someone else booked the seat is refused with the
//! booking's own code, the entry waiting again for the next seat. Offers are made by one worker
//! at a time ([`crate::usecases::UseCases::offer_freed_seats`]).

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{BusinessId, ClientId, ReservationId, ResourceId, ServiceId, WaitlistId};
use crate::slots::Slot;
use crate::time::{DAY, Interval, MINUTE, Timestamp};

/// Longest time range a client waits for.
pub const MAX_WAITLIST_DAYS: i64 = 31;
/// Default time an offer is held for its client.
pub const DEFAULT_OFFER_MINUTES: u32 = 30;
/// Longest time an offer may be held (a deployment setting).
pub const MAX_OFFER_MINUTES: u32 = 7 * 24 * 60;

/// Where a place on the waitlist stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WaitlistStatus {
    /// Waiting for a seat.
    Waiting,
    /// A seat is held for the client until the offer expires.
    Offered,
    /// The client claimed the offer: booked.
    Booked,
    /// The offer ran out before the client claimed it.
    Expired,
    /// The client left the waitlist.
    Left,
}

impl WaitlistStatus {
    /// Every status.
    pub const ALL: [WaitlistStatus; 5] = [
        WaitlistStatus::Waiting,
        WaitlistStatus::Offered,
        WaitlistStatus::Booked,
        WaitlistStatus::Expired,
        WaitlistStatus::Left,
    ];

    /// The snake_case name used in JSON and storage.
    pub const fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "waiting",
            WaitlistStatus::Offered => "offered",
            WaitlistStatus::Booked => "booked",
            WaitlistStatus::Expired => "expired",
            WaitlistStatus::Left => "left",
        }
    }

    /// The status of a stored name, if it is one.
    pub fn parse(text: &str) -> Option<WaitlistStatus> {
        WaitlistStatus::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// Whether the place is still open: waiting or offered.
    pub const fn is_open(self) -> bool {
        matches!(self, WaitlistStatus::Waiting | WaitlistStatus::Offered)
    }
}

/// A seat held for a waitlisted client.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Offer {
    /// The resource whose seat it is.
    pub resource_id: ResourceId,
    /// The slot's start.
    pub start: Timestamp,
    /// Until when it is held; a claim from this instant on is refused.
    pub expires_at: Timestamp,
}

/// A client's place on a service's waitlist.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WaitlistEntry {
    /// Identifier.
    pub id: WaitlistId,
    /// The service's business.
    pub business_id: BusinessId,
    /// The service waited for.
    pub service_id: ServiceId,
    /// Who waits.
    pub client_id: ClientId,
    /// Only this resource, or any of the service's.
    pub resource_id: Option<ResourceId>,
    /// Acceptable slot starts: `[start, end)`.
    pub range: Interval,
    /// Where it stands.
    pub status: WaitlistStatus,
    /// The seat held for the client, while `offered`.
    pub offer: Option<Offer>,
    /// The reservation made, once `booked`.
    pub reservation_id: Option<ReservationId>,
    /// When the client joined: the order of the offers.
    pub created_at: Timestamp,
}

/// Waitlist range rule: a client waits for slot starts in `range`, which must end after
/// `now` (field `to`, `in_past`) and last at most [`MAX_WAITLIST_DAYS`] days (field `to`,
/// `out_of_range`). Both are `VALIDATION_FAILED`.
pub fn check_waitlist_range(range: &Interval, now: Timestamp) -> Result<()> {
    if range.end() <= now {
        return Err(Error::field(
            "to",
            "in_past",
            "a waitlist range must end in the future",
        ));
    }
    if range.duration_secs() > MAX_WAITLIST_DAYS * DAY {
        return Err(Error::field(
            "to",
            "out_of_range",
            format!("a waitlist range lasts at most {MAX_WAITLIST_DAYS} days"),
        ));
    }
    Ok(())
}

/// Offer hold rule: an offer made at `now` is held for `minutes` (1 to
/// [`MAX_OFFER_MINUTES`], else a field error on `waitlist_offer_minutes`); the answer is when
/// it expires.
pub fn offer_expiry(now: Timestamp, minutes: u32) -> Result<Timestamp> {
    if minutes == 0 || minutes > MAX_OFFER_MINUTES {
        return Err(Error::field(
            "waitlist_offer_minutes",
            "out_of_range",
            format!("an offer is held for 1 to {MAX_OFFER_MINUTES} minutes"),
        ));
    }
    Ok(now.add_secs(i64::from(minutes) * MINUTE))
}

/// Offer expiry rule: an offer runs out at its `expires_at`; from then on it can no longer be
/// claimed and its seat passes on.
pub fn offer_is_over(offer: &Offer, now: Timestamp) -> bool {
    now >= offer.expires_at
}

/// Offer allocation rule: given the open entries of one service in the order clients joined,
/// the free slots of each waiting entry (in its range, of its resource when it chose one, from
/// the slot engine) and `now`, which entries get an offer of which seat. A slot with `n`
/// seats left is offered to at most `n` entries at once, counting the offers still running;
/// each waiting entry gets its earliest slot not already offered out; expired offers count for
/// nothing. The answer lists `(entry, offer)` in the order of the entries.
pub fn allocate_offers(
    entries: &[WaitlistEntry],
    free_slots: impl Fn(&WaitlistEntry) -> Vec<Slot>,
    now: Timestamp,
    expires_at: Timestamp,
) -> Vec<(WaitlistId, Offer)> {
    // Seats already held by running offers, by (resource, start).
    let mut held: Vec<(ResourceId, Timestamp)> = entries
        .iter()
        .filter(|e| e.status == WaitlistStatus::Offered)
        .filter_map(|e| e.offer)
        .filter(|o| !offer_is_over(o, now))
        .map(|o| (o.resource_id, o.start))
        .collect();
    let mut made = Vec::new();
    for entry in entries
        .iter()
        .filter(|e| e.status == WaitlistStatus::Waiting)
    {
        let chosen = free_slots(entry).into_iter().find(|slot| {
            entry.range.contains_instant(slot.start)
                && entry.resource_id.is_none_or(|r| r == slot.resource_id)
                && held
                    .iter()
                    .filter(|&&h| h == (slot.resource_id, slot.start))
                    .count()
                    < slot.seats_left as usize
        });
        if let Some(slot) = chosen {
            held.push((slot.resource_id, slot.start));
            made.push((
                entry.id,
                Offer {
                    resource_id: slot.resource_id,
                    start: slot.start,
                    expires_at,
                },
            ));
        }
    }
    made
}

#[cfg(test)]
mod tests;
