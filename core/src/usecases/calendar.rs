//! The business calendar use case (ADV-1): checks the request, reads the business, its
//! resources, their windows and its reservations over the period in four store calls whatever
//! the view and the number of resources, and builds the calendar with the rules of
//! [`crate::calendar`].

use super::UseCases;
use crate::calendar::{
    Calendar, CalendarInputs, CalendarRequest, build_calendar, check_request, period_of,
};
use crate::error::{Entity, Error, Result};
use crate::model::{BusinessId, ResourceId};
use crate::ports::{Clock, IdSource, Store};

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// The calendar of `business` for `request` ([`crate::calendar`]): per day its opening
    /// hours, special hours and closures, and per resource (deleted ones excepted) its
    /// working hours, windows, reservations of every status with who booked and what, and its
    /// free gaps. `NOT_FOUND` when the business does not exist; a request outside
    /// [`check_request`]'s bounds is a field error on `date`. Reads: the business, its
    /// resources, their windows meeting the period, and its reservations whose blocked range
    /// meets it ([`crate::ports::ReservationStore::calendar_reservations`]), archived ones
    /// too when the request says so.
    pub async fn business_calendar(
        &self,
        business: BusinessId,
        request: &CalendarRequest,
    ) -> Result<Calendar> {
        self.resource_calendar(business, None, request).await
    }

    /// [`Self::business_calendar`] reduced to one resource when `only` names one (a staff
    /// member's calendar, or an owner's filter): the days are the same, the resources only
    /// that one with its windows and reservations. `NOT_FOUND` when `only` is not a resource
    /// of the business (deleted ones are not listed).
    pub async fn resource_calendar(
        &self,
        business: BusinessId,
        only: Option<ResourceId>,
        request: &CalendarRequest,
    ) -> Result<Calendar> {
        check_request(request)?;
        let found = self
            .store
            .get_business(business)
            .await?
            .ok_or(Error::NotFound {
                entity: Entity::Business,
            })?;
        let period = period_of(found.time_zone.0, request).ok_or_else(|| {
            Error::field(
                "date",
                "out_of_range",
                "the time zone skips every day of this period",
            )
        })?;
        let mut resources = self.store.list_resources(business).await?;
        if let Some(only) = only {
            resources.retain(|r| r.id == only);
            if resources.is_empty() {
                return Err(Error::NotFound {
                    entity: Entity::Resource,
                });
            }
        }
        let ids: Vec<ResourceId> = resources.iter().map(|r| r.id).collect();
        let windows = if ids.is_empty() {
            Vec::new()
        } else {
            self.store.list_windows(&ids, period).await?
        };
        let mut reservations = self
            .store
            .calendar_reservations(business, period, request.include_archived)
            .await?;
        if let Some(only) = only {
            reservations.retain(|row| row.resource_id == only);
        }
        build_calendar(
            request,
            &CalendarInputs {
                business: &found,
                resources: &resources,
                windows: &windows,
                reservations: &reservations,
            },
        )
    }
}
