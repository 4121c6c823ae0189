//! Business status use cases (BIZ-1, [`crate::business_status`]): an administrator validates,
//! rejects, suspends or reinstates a business; its owner resubmits a rejected one. What a
//! suspension does to future reservations is the administrator's explicit decision.

use super::UseCases;
use crate::business_status::{BusinessAction, next_business_status};
use crate::error::Result;
use crate::lifecycle::Action;
use crate::model::{Business, BusinessId, ReservationId, ReservationStatus};
use crate::ports::{
    Clock, IdSource, MAX_PAGE_SIZE, PageRequest, ReservationFilter, ReservationSort, Store,
};
use crate::scope::Scope;
use crate::window_changes::HeldReservations;

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Moves a business to the status `action` leads to ([`next_business_status`]: an
    /// administrator validates, rejects or suspends; the owner resubmits a rejected one),
    /// recording the reason. Reservations are not touched (see
    /// [`suspend_business`](Self::suspend_business) for a suspension's).
    pub async fn change_business_status(
        &self,
        id: BusinessId,
        action: &BusinessAction,
    ) -> Result<Business> {
        let mut business = self.business(id).await?;
        let (status, reason) = next_business_status(business.status, action)?;
        business.status = status;
        business.status_reason = reason;
        self.store.save_business(&business).await?;
        Ok(business)
    }

    /// An administrator suspends a validated business with `reason` (told to the owner) and
    /// says what happens to its future reservations (those starting from now, pending or
    /// confirmed): kept, or cancelled on behalf of the business with the decision's reason
    /// (each client is told). The business is suspended first, so no new booking slips in
    /// meanwhile; the answer lists the reservations cancelled.
    pub async fn suspend_business(
        &self,
        id: BusinessId,
        reason: &str,
        held: &HeldReservations,
    ) -> Result<(Business, Vec<ReservationId>)> {
        let held = held.validate()?;
        let action = BusinessAction::Suspend {
            reason: reason.to_owned(),
        };
        let business = self.change_business_status(id, &action).await?;
        let HeldReservations::Cancel { reason } = held else {
            return Ok((business, Vec::new()));
        };
        let filter = ReservationFilter {
            business_id: Some(id),
            statuses: vec![ReservationStatus::Pending, ReservationStatus::Confirmed],
            from: Some(self.clock.now()),
            ..ReservationFilter::default()
        };
        let mut cancelled = Vec::new();
        loop {
            // Each page's reservations leave the filter once cancelled: read the first page
            // again until it is empty.
            let page = self
                .store
                .list_reservations(
                    &filter,
                    ReservationSort::StartAsc,
                    &PageRequest::first(MAX_PAGE_SIZE),
                )
                .await?;
            if page.items.is_empty() {
                return Ok((business, cancelled));
            }
            for view in page.items {
                let action = Action::Cancel {
                    reason: Some(reason.clone()),
                };
                let id = view.reservation.id;
                self.transition(Scope::Business(business.id), id, action)
                    .await?;
                cancelled.push(id);
            }
        }
    }
}
