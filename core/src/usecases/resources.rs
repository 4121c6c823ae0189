//! Resource use cases: adding and replacing a business's staff members and rooms with their
//! working hours, deactivating one with the owner's decision for each reservation it holds,
//! reactivating it, moving a reservation to another resource, and deleting one
//! ([`crate::resources`]).

use serde::{Deserialize, Serialize};

use super::UseCases;
use crate::error::{Entity, Error, FieldErrors, Result};
use crate::hours::OpeningHours;
use crate::lifecycle::Action;
use crate::model::{
    Business, BusinessId, Reservation, ReservationId, ReservationStatus, Resource, ResourceId,
    ResourceKind,
};
use crate::ports::{
    Clock, IdSource, MAX_PAGE_SIZE, PageRequest, ReservationFilter, ReservationSort,
    ReservationView, Store,
};
use crate::resources::{
    DecisionOutcome, ReservationDecision, apply_move, holds, services_left_without,
    validate_decisions, validate_working_hours,
};
use crate::scope::Scope;
use crate::slots::check_move;
use crate::time::{Interval, MINUTE};
use crate::validation::{MAX_BLOCKED_MINUTES, clean_name};

/// Input of [`UseCases::add_resource`] and [`UseCases::update_resource`]: the whole
/// resource but its id, business and active flag.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceInput {
    /// Display name: one line, not blank, at most 120 characters.
    pub name: String,
    /// Staff or room.
    pub kind: ResourceKind,
    /// Working hours inside the business's opening hours; `None` for all of them.
    #[serde(default)]
    pub working_hours: Option<OpeningHours>,
}

/// The answer to [`UseCases::deactivate_resource`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceDeactivation {
    /// The resource, now inactive.
    pub resource: Resource,
    /// The reservations it still holds after the decisions ([`holds`]), earliest first, with
    /// who booked: what the owner still has to decide about (kept ones stay listed).
    pub reservations: Vec<ReservationView>,
    /// What became of each decision, in the request's order.
    pub outcomes: Vec<DecisionOutcome>,
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Adds an active staff member or room to a business, with working hours inside its
    /// opening hours ([`validate_working_hours`]); every field problem is reported at once.
    pub async fn add_resource(
        &self,
        business: BusinessId,
        input: ResourceInput,
    ) -> Result<Resource> {
        let business = self.business(business).await?;
        let id = ResourceId::from_uuid(self.ids.next_uuid());
        let resource = Self::checked_resource(&business, id, true, input)?;
        self.store.save_resource(&resource).await?;
        Ok(resource)
    }

    /// Replaces a resource's name, kind and working hours (same checks as
    /// [`Self::add_resource`]); its active flag stays. Another business's resource answers
    /// `NOT_FOUND` like a missing one.
    pub async fn update_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
        input: ResourceInput,
    ) -> Result<Resource> {
        let current = self.owned_resource(business, id).await?;
        let business = self.business(business).await?;
        let resource = Self::checked_resource(&business, id, current.active, input)?;
        self.store.save_resource(&resource).await?;
        Ok(resource)
    }

    pub(super) fn checked_resource(
        business: &Business,
        id: ResourceId,
        active: bool,
        input: ResourceInput,
    ) -> Result<Resource> {
        let mut errors = FieldErrors::new();
        let name = clean_name("name", &input.name, 120)
            .map_err(|e| errors.absorb("", e))
            .ok();
        if let Some(working) = &input.working_hours
            && let Err(e) = validate_working_hours(&business.opening_hours, working)
        {
            errors.absorb("", e);
        }
        errors.finish(Resource {
            id,
            business_id: business.id,
            name: name.unwrap_or_default(),
            kind: input.kind,
            active,
            working_hours: input.working_hours,
        })
    }

    /// Makes a deactivated resource take bookings again.
    pub async fn activate_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Resource> {
        let mut resource = self.owned_resource(business, id).await?;
        if !resource.active {
            resource.active = true;
            self.store.save_resource(&resource).await?;
        }
        Ok(resource)
    }

    /// Deactivates a resource: it takes no new bookings from now on. Then applies the
    /// owner's decisions, each on its own ([`ReservationDecision`]: keep; cancel with a
    /// reason, as [`Self::transition`] for the business; move to another free resource, as
    /// [`Self::move_to_resource`]), reporting each outcome; a refused decision (a busy
    /// target, a reservation the resource does not hold: `NOT_FOUND`) does not stop the
    /// others. Answers the reservations the resource still holds afterwards. Decisions are
    /// checked first ([`validate_decisions`]): a malformed list changes nothing. Calling it
    /// again on an inactive resource only applies the decisions.
    pub async fn deactivate_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
        decisions: &[ReservationDecision],
    ) -> Result<ResourceDeactivation> {
        let decisions = validate_decisions(decisions)?;
        let mut resource = self.owned_resource(business, id).await?;
        if resource.active {
            resource.active = false;
            self.store.save_resource(&resource).await?;
        }
        let held = self.held_reservations(business, id).await?;
        if decisions.is_empty() {
            return Ok(ResourceDeactivation {
                resource,
                reservations: held,
                outcomes: Vec::new(),
            });
        }
        let mut outcomes = Vec::with_capacity(decisions.len());
        for decision in &decisions {
            let reservation_id = decision.reservation_id();
            let result = match held.iter().find(|v| v.reservation.id == reservation_id) {
                None => Err(Error::NotFound {
                    entity: Entity::Reservation,
                }),
                Some(view) => match decision {
                    ReservationDecision::Keep { .. } => Ok(view.reservation.clone()),
                    ReservationDecision::Cancel { reason, .. } => {
                        let action = Action::Cancel {
                            reason: Some(reason.clone()),
                        };
                        self.transition(Scope::Business(business), reservation_id, action)
                            .await
                    }
                    ReservationDecision::Move { to_resource_id, .. } => {
                        self.move_to_resource(business, reservation_id, *to_resource_id)
                            .await
                    }
                },
            };
            outcomes.push(DecisionOutcome::of(decision, result));
        }
        Ok(ResourceDeactivation {
            resource,
            reservations: self.held_reservations(business, id).await?,
            outcomes,
        })
    }

    /// Moves one of the business's reservations to another resource of its service at the
    /// same time ([`apply_move`]): the target must be the business's, active (else
    /// `RESOURCE_INACTIVE`) and free then ([`check_move`]: its windows and working hours, no
    /// other reservation or buffer, seats), and the store swaps atomically with the capacity
    /// check, so a concurrent booking of the target wins or loses as a whole. The status
    /// stays; the client is told like a reschedule.
    pub async fn move_to_resource(
        &self,
        business: BusinessId,
        id: ReservationId,
        to: ResourceId,
    ) -> Result<Reservation> {
        let now = self.clock.now();
        let mut reservation = self
            .store
            .get_reservation(id)
            .await?
            .filter(|r| Scope::Business(business).can_reach(r))
            .ok_or(Error::NotFound {
                entity: Entity::Reservation,
            })?;
        let service = self
            .store
            .get_service(reservation.service_id)
            .await?
            .ok_or(Error::NotFound {
                entity: Entity::Service,
            })?;
        self.owned_resource(business, to).await?;
        apply_move(&mut reservation, &service, to, now)?;
        let start = reservation.interval.start();
        let probe = Interval::new(start, start.add_secs(1))?;
        let (_, _, schedule) = self.schedule_for_service(service.id, probe).await?;
        if !schedule.resources.iter().any(|r| r.resource_id == to) {
            return Err(Error::ResourceInactive);
        }
        check_move(&schedule, to, start)?;
        self.store
            .update_reservation(&reservation, Some(service.rules.seats))
            .await?;
        Ok(reservation)
    }

    /// Deletes a resource that holds no reservation any more ([`holds`]; else
    /// `RESOURCE_HAS_RESERVATIONS` with their list) and is not the only resource of a
    /// service (else `LAST_RESOURCE_OF_SERVICE`); nothing changes when refused. The store
    /// re-checks the reservations atomically with the deletion. Past reservations keep it
    /// for their history and the statistics ([`crate::resources`]).
    pub async fn delete_resource(&self, business: BusinessId, id: ResourceId) -> Result<()> {
        self.owned_resource(business, id).await?;
        let held = self.held_reservations(business, id).await?;
        if !held.is_empty() {
            return Err(Error::ResourceHasReservations { reservations: held });
        }
        let services = self.store.list_services(business).await?;
        let alone = services_left_without(id, &services);
        if !alone.is_empty() {
            return Err(Error::LastResourceOfService { services: alone });
        }
        match self.store.delete_resource(id, self.clock.now()).await {
            // A booking landed between the check and the deletion: list it too.
            Err(Error::ResourceHasReservations { .. }) => Err(Error::ResourceHasReservations {
                reservations: self.held_reservations(business, id).await?,
            }),
            other => other,
        }
    }

    /// The reservations `resource` holds now ([`holds`]), earliest first, with who booked.
    async fn held_reservations(
        &self,
        business: BusinessId,
        resource: ResourceId,
    ) -> Result<Vec<ReservationView>> {
        let now = self.clock.now();
        // A reservation that started before now may not have ended yet; none lasts longer
        // than its blocked range may.
        let longest = i64::from(MAX_BLOCKED_MINUTES) * MINUTE;
        let filter = ReservationFilter {
            business_id: Some(business),
            resource_id: Some(resource),
            statuses: vec![ReservationStatus::Pending, ReservationStatus::Confirmed],
            from: Some(now.add_secs(-longest)),
            ..ReservationFilter::default()
        };
        let mut page = PageRequest::first(MAX_PAGE_SIZE);
        let mut out = Vec::new();
        loop {
            let found = self
                .store
                .list_reservations(&filter, ReservationSort::StartAsc, &page)
                .await?;
            out.extend(
                found
                    .items
                    .into_iter()
                    .filter(|v| holds(&v.reservation, resource, now)),
            );
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(out),
            }
        }
    }
}
