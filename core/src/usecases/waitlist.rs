//! Waitlist use cases ([`crate::waitlist`]): a client joins the waitlist of a full time range,
//! leaves it or claims an offer; the worker offers freed seats in the order clients joined;
//! the business sees who waits.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::UseCases;
use crate::booking::BookingRequest;
use crate::error::{Entity, Error, Result};
use crate::model::{ClientId, Reservation, ResourceId, ServiceId, WaitlistId};
use crate::ports::{Clock, IdSource, Store, WaitlistStore};
use crate::slots::{Slot, SlotQuery, compute_slots};
use crate::time::{Interval, Timestamp};
use crate::visibility::check_service_is_public;
use crate::waitlist::{
    WaitlistEntry, WaitlistStatus, allocate_offers, check_waitlist_range, offer_expiry,
    offer_is_over,
};

/// Most open places one run of [`UseCases::offer_freed_seats`] looks at.
pub const MAX_OPEN_PLACES_PER_RUN: u32 = 1000;
/// Most free slots read per waiting place in one run.
const FREE_SLOTS_PER_PLACE: usize = 64;

/// Input of [`UseCases::join_waitlist`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct JoinWaitlist {
    /// The service.
    pub service_id: ServiceId,
    /// Only this resource (optional: any of the service's).
    #[serde(default)]
    pub resource_id: Option<ResourceId>,
    /// Acceptable slot starts from (RFC 3339)…
    pub from: Timestamp,
    /// …to (excluded; at most 31 days after `from`).
    pub to: Timestamp,
}

impl<S: Store + WaitlistStore, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// The free slots of a public service starting in `range` from `now` on (of `resource`
    /// when given), at most `limit`.
    async fn free_slots(
        &self,
        service: ServiceId,
        resource: Option<ResourceId>,
        range: Interval,
        limit: usize,
    ) -> Result<Vec<Slot>> {
        let now = self.clock.now();
        let from = range.start().max(now);
        if from >= range.end() {
            return Ok(Vec::new());
        }
        let window = Interval::new(from, range.end())?;
        let (business, svc, schedule) = self.schedule_for_service(service, window).await?;
        check_service_is_public(&business, &svc)?;
        let list = compute_slots(
            &schedule,
            &SlotQuery {
                from,
                to: range.end(),
                now,
                limit,
            },
        )?;
        Ok(list
            .slots
            .into_iter()
            .filter(|s| resource.is_none_or(|r| r == s.resource_id))
            .collect())
    }

    /// A client joins the waitlist of a public service for slot starts in `[from, to)`
    /// ([`check_waitlist_range`]), of one resource of the service or any. Only a full range is
    /// waited for: one with a free slot answers `SLOTS_AVAILABLE`; a client waits at most once
    /// per service (`ALREADY_ON_WAITLIST`).
    pub async fn join_waitlist(
        &self,
        client: ClientId,
        input: &JoinWaitlist,
    ) -> Result<WaitlistEntry> {
        let now = self.clock.now();
        let range = Interval::new(input.from, input.to)?;
        check_waitlist_range(&range, now)?;
        let service = self.public_service(input.service_id).await?;
        if let Some(r) = input.resource_id
            && !service.resource_ids.contains(&r)
        {
            return Err(Error::ResourceNotEligible);
        }
        let free = self
            .free_slots(service.id, input.resource_id, range, FREE_SLOTS_PER_PLACE)
            .await?;
        if !free.is_empty() {
            return Err(Error::SlotsAvailable { count: free.len() });
        }
        let entry = WaitlistEntry {
            id: WaitlistId::from_uuid(self.ids.next_uuid()),
            business_id: service.business_id,
            service_id: service.id,
            client_id: client,
            resource_id: input.resource_id,
            range,
            status: WaitlistStatus::Waiting,
            offer: None,
            reservation_id: None,
            created_at: now,
        };
        self.store.insert_waitlist_entry(&entry).await?;
        Ok(entry)
    }

    /// One of the client's places (another client's answers `NOT_FOUND`).
    pub async fn waitlist_entry(&self, client: ClientId, id: WaitlistId) -> Result<WaitlistEntry> {
        self.store
            .get_waitlist_entry(id)
            .await?
            .filter(|e| e.client_id == client)
            .ok_or(Error::NotFound {
                entity: Entity::WaitlistEntry,
            })
    }

    /// The client leaves the waitlist (from waiting or offered; an offered seat passes on).
    pub async fn leave_waitlist(&self, client: ClientId, id: WaitlistId) -> Result<WaitlistEntry> {
        let mut entry = self.waitlist_entry(client, id).await?;
        let before = entry.status;
        if !before.is_open() {
            return Err(Error::InvalidStatusTransition {
                from: before.as_str().into(),
                to: WaitlistStatus::Left.as_str().into(),
            });
        }
        entry.status = WaitlistStatus::Left;
        entry.offer = None;
        if !self.store.update_waitlist_entry(&entry, before).await? {
            return Err(Error::ConcurrentModification);
        }
        Ok(entry)
    }

    /// The client's places, in the order they joined.
    pub async fn client_waitlist(&self, client: ClientId) -> Result<Vec<WaitlistEntry>> {
        self.store.list_waitlist(Some(client), None).await
    }

    /// The business's open places (waiting or offered), in the order clients joined.
    pub async fn business_waitlist(
        &self,
        business: crate::model::BusinessId,
    ) -> Result<Vec<WaitlistEntry>> {
        self.store.list_waitlist(None, Some(business)).await
    }

    /// One run of the waitlist worker: offers that ran out expire, then each service's freed
    /// seats are offered to its waiting clients in the order they joined
    /// ([`allocate_offers`]), each held `hold_minutes` ([`offer_expiry`]). Every change is a
    /// conditional update, so a place a client left or claimed meanwhile is skipped. Answers
    /// the places just offered a seat (to tell their clients). Meant to run in one worker at
    /// a time.
    pub async fn offer_freed_seats(&self, hold_minutes: u32) -> Result<Vec<WaitlistEntry>> {
        let now = self.clock.now();
        let expires_at = offer_expiry(now, hold_minutes)?;
        let mut open = self
            .store
            .open_waitlist_entries(MAX_OPEN_PLACES_PER_RUN)
            .await?;
        for entry in open.iter_mut() {
            if entry.status == WaitlistStatus::Offered
                && entry.offer.is_some_and(|o| offer_is_over(&o, now))
            {
                entry.status = WaitlistStatus::Expired;
                self.store
                    .update_waitlist_entry(entry, WaitlistStatus::Offered)
                    .await?;
            }
        }
        open.retain(|e| e.status.is_open());
        let mut by_service: Vec<(ServiceId, Vec<WaitlistEntry>)> = Vec::new();
        for entry in open {
            match by_service.iter_mut().find(|(s, _)| *s == entry.service_id) {
                Some((_, group)) => group.push(entry),
                None => by_service.push((entry.service_id, vec![entry])),
            }
        }
        let mut offered = Vec::new();
        for (service, group) in by_service {
            let mut free: HashMap<WaitlistId, Vec<Slot>> = HashMap::new();
            for entry in group.iter().filter(|e| e.status == WaitlistStatus::Waiting) {
                match self
                    .free_slots(
                        service,
                        entry.resource_id,
                        entry.range,
                        FREE_SLOTS_PER_PLACE,
                    )
                    .await
                {
                    Ok(slots) => {
                        free.insert(entry.id, slots);
                    }
                    // A service or business hidden meanwhile offers nothing.
                    Err(Error::NotFound { .. }) => break,
                    Err(e) => return Err(e),
                }
            }
            let made = allocate_offers(
                &group,
                |e| free.get(&e.id).cloned().unwrap_or_default(),
                now,
                expires_at,
            );
            for (id, offer) in made {
                let Some(entry) = group.iter().find(|e| e.id == id) else {
                    continue;
                };
                let mut entry = entry.clone();
                entry.status = WaitlistStatus::Offered;
                entry.offer = Some(offer);
                if self
                    .store
                    .update_waitlist_entry(&entry, WaitlistStatus::Waiting)
                    .await?
                {
                    offered.push(entry);
                }
            }
        }
        Ok(offered)
    }

    /// The client claims the seat offered to them: booked through the normal atomic booking
    /// path ([`UseCases::book`]) on the offered resource and start. An offer that ran out is
    /// `OFFER_EXPIRED` (the place expires); a seat someone else booked meanwhile answers the
    /// booking's own conflict and the place waits again for the next seat.
    pub async fn claim_waitlist_offer(
        &self,
        client: ClientId,
        id: WaitlistId,
    ) -> Result<(WaitlistEntry, Reservation)> {
        let now = self.clock.now();
        let mut entry = self.waitlist_entry(client, id).await?;
        let offer = match (entry.status, entry.offer) {
            (WaitlistStatus::Offered, Some(offer)) => offer,
            (status, _) => {
                return Err(Error::InvalidStatusTransition {
                    from: status.as_str().into(),
                    to: WaitlistStatus::Booked.as_str().into(),
                });
            }
        };
        if offer_is_over(&offer, now) {
            entry.status = WaitlistStatus::Expired;
            self.store
                .update_waitlist_entry(&entry, WaitlistStatus::Offered)
                .await?;
            return Err(Error::OfferExpired {
                expired_at: offer.expires_at,
            });
        }
        let request = BookingRequest {
            service_id: entry.service_id,
            resource_id: Some(offer.resource_id),
            start: offer.start,
        };
        match self.book(client, &request).await {
            Ok(reservation) => {
                entry.status = WaitlistStatus::Booked;
                entry.reservation_id = Some(reservation.id);
                // Booked whatever a concurrent writer did to the place meanwhile (the worker
                // expiring it, a second claim of the same client sending it back to waiting):
                // the claim came before the offer ran out and the seat is the client's.
                for from in [
                    WaitlistStatus::Offered,
                    WaitlistStatus::Expired,
                    WaitlistStatus::Waiting,
                ] {
                    if self.store.update_waitlist_entry(&entry, from).await? {
                        break;
                    }
                }
                Ok((entry, reservation))
            }
            Err(e) if e.is_resource_conflict() => {
                entry.status = WaitlistStatus::Waiting;
                entry.offer = None;
                self.store
                    .update_waitlist_entry(&entry, WaitlistStatus::Offered)
                    .await?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }
}
