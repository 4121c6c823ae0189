//! Availability use cases: one window, many at once, a recurring series, reading, moving
//! and deleting windows (AV-1 to AV-4), and what a move or a deletion does to the
//! reservations a window holds. The rules themselves are in [`crate::availability`] and
//! [`crate::window_changes`].

use serde::{Deserialize, Serialize};

use super::UseCases;
use crate::availability::{
    MAX_BULK_ITEMS, check_batch_overlaps, check_batch_size, check_no_overlap_with_existing,
    check_recurring_expansion, check_wall_minutes, check_window_length, check_window_period,
    recurring_generation_range,
};
use crate::error::{Entity, Error, ItemFailure, Result};
use crate::lifecycle::Action;
use crate::model::{AvailabilityId, AvailabilityWindow, BusinessId, ReservationStatus, ResourceId};
use crate::ports::{
    Clock, IdSource, MAX_PAGE_SIZE, PageRequest, ReservationFilter, ReservationSort,
    ReservationView, Store,
};
use crate::scope::Scope;
use crate::time::{Interval, MINUTE, Timestamp};
use crate::validation::MAX_BLOCKED_MINUTES;
use crate::window_changes::{HeldReservations, is_displaced};

/// Input of [`UseCases::create_recurring_availabilities`] (AV-3): "every Monday 09:00–17:00".
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", schema(examples(json!({
    "resource_id": "0196f1a2-3b4c-7d5e-8f60-718293a4b5c6",
    "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=10",
    "first_start": "2026-04-06T09:00:00",
    "wall_minutes": 480,
    "exdates": ["2026-04-13T09:00:00"],
    "generate_until": "2026-07-01T00:00:00Z"
}))))]
pub struct RecurringAvailability {
    /// The resource that is available.
    pub resource_id: ResourceId,
    /// RFC 5545 rule text, e.g. `FREQ=WEEKLY;BYDAY=MO;COUNT=10`.
    pub rrule: String,
    /// Local wall-clock start of the first occurrence, in the business's zone.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::local_date_time))]
    pub first_start: chrono::NaiveDateTime,
    /// Wall-clock length of each window (09:00–17:00 is 480, on DST days too).
    pub wall_minutes: u32,
    /// Occurrences to skip (local wall-clock starts).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::local_date_times))]
    pub exdates: Vec<chrono::NaiveDateTime>,
    /// Generate windows starting before this instant at the latest; defaults to one year
    /// after `now`, and may be at most the longest booking horizon (730 days) after `now`.
    /// Rules without COUNT/UNTIL are bounded by it. Occurrences already over are skipped.
    #[serde(default)]
    pub generate_until: Option<Timestamp>,
}

/// The report of one failing item of a bulk request.
fn item_failure(index: usize, e: &Error) -> ItemFailure {
    ItemFailure {
        index,
        code: e.code().as_str().to_owned(),
        message: e.to_string(),
    }
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Creates one availability window (AV-4: never overlapping another of the resource).
    pub async fn create_availability(
        &self,
        business: BusinessId,
        resource: ResourceId,
        interval: Interval,
    ) -> Result<AvailabilityWindow> {
        let window = self.new_window(business, resource, interval);
        self.check_new_window(&window, Ok(())).await?;
        self.store
            .insert_windows(std::slice::from_ref(&window))
            .await?;
        Ok(window)
    }

    fn new_window(
        &self,
        business: BusinessId,
        resource_id: ResourceId,
        interval: Interval,
    ) -> AvailabilityWindow {
        AvailabilityWindow {
            id: AvailabilityId::from_uuid(self.ids.next_uuid()),
            business_id: business,
            resource_id,
            interval,
            series_id: None,
        }
    }

    /// The checks of one new window, in this order: its resource belongs to the business,
    /// its length, its period (not over, not beyond the longest horizon), no overlap with an earlier item of the same request (`in_batch`, the
    /// answer of [`check_batch_overlaps`] for it), and none with stored windows.
    async fn check_new_window(&self, w: &AvailabilityWindow, in_batch: Result<()>) -> Result<()> {
        self.owned_resource(w.business_id, w.resource_id).await?;
        check_window_length(&w.interval)?;
        check_window_period(&w.interval, self.clock.now(), self.limits.max_horizon_days)?;
        in_batch?;
        self.check_stored_overlaps(w).await
    }

    /// AV-4 against the store: reads the resource's windows meeting `w` and applies
    /// [`check_no_overlap_with_existing`] (which ignores `w` itself, so a moved window does
    /// not clash with its old place).
    async fn check_stored_overlaps(&self, w: &AvailabilityWindow) -> Result<()> {
        let stored = self
            .store
            .list_windows(&[w.resource_id], w.interval)
            .await?;
        check_no_overlap_with_existing(w, &stored)
    }

    /// Creates many windows at once, each a resource with its start and end, all or nothing
    /// (AV-2): on any problem nothing is stored and [`Error::BulkRejected`] lists every
    /// failing item with its code, by position (an item whose end is not after its start
    /// among them, `INVALID_INTERVAL`).
    pub async fn create_availabilities(
        &self,
        business: BusinessId,
        items: &[(ResourceId, Timestamp, Timestamp)],
    ) -> Result<Vec<AvailabilityWindow>> {
        check_batch_size(items.len())?;
        let mut windows = Vec::with_capacity(items.len());
        let mut positions = Vec::with_capacity(items.len());
        let mut failures = Vec::new();
        for (i, &(resource, start, end)) in items.iter().enumerate() {
            match Interval::new(start, end) {
                Ok(interval) => {
                    windows.push(self.new_window(business, resource, interval));
                    positions.push(i);
                }
                Err(e) => failures.push(item_failure(i, &e)),
            }
        }
        self.insert_new_windows(windows, Some(&positions), failures)
            .await
    }

    /// Checks every window (adding a report per failing item to `failures`, by the item's
    /// position in the request: `positions[i]` for `windows[i]`, or `i` itself) and inserts
    /// all or none.
    async fn insert_new_windows(
        &self,
        windows: Vec<AvailabilityWindow>,
        positions: Option<&[usize]>,
        mut failures: Vec<ItemFailure>,
    ) -> Result<Vec<AvailabilityWindow>> {
        let in_batch = check_batch_overlaps(&windows);
        for (i, (w, batch)) in windows.iter().zip(in_batch).enumerate() {
            if let Err(e) = self.check_new_window(w, batch).await {
                let index = positions.map_or(i, |p| p[i]);
                failures.push(item_failure(index, &e));
            }
        }
        if !failures.is_empty() {
            failures.sort_by_key(|f| f.index);
            return Err(Error::BulkRejected { failures });
        }
        // The store re-checks overlaps atomically: a concurrent writer cannot slip in between.
        self.store.insert_windows(&windows).await?;
        Ok(windows)
    }

    /// Generates the windows of a recurrence rule in the business's zone (AV-3) and inserts
    /// them all or none, as one series. At most [`MAX_BULK_ITEMS`] windows per call: a rule
    /// that yields more fails with `RECURRENCE_TOO_LARGE` (shorten it with COUNT/UNTIL or
    /// `generate_until`).
    pub async fn create_recurring_availabilities(
        &self,
        business: BusinessId,
        input: &RecurringAvailability,
    ) -> Result<Vec<AvailabilityWindow>> {
        let zone = self.business(business).await?.time_zone;
        self.owned_resource(business, input.resource_id).await?;
        check_wall_minutes(input.wall_minutes)?;
        let rule = crate::recurrence::RecurrenceRule::parse(&input.rrule)?;
        let recurrence = crate::recurrence::Recurrence::new(input.first_start, zone.0, rule)?
            .with_exdates(input.exdates.iter().copied());
        let now = self.clock.now();
        let start = crate::tz::resolve_local(zone.0, input.first_start);
        let window = recurring_generation_range(
            start,
            input.generate_until,
            now,
            self.limits.max_horizon_days,
        )?;
        let (intervals, truncated) =
            recurrence.expand_intervals(window, MAX_BULK_ITEMS, input.wall_minutes);
        check_recurring_expansion(intervals.len(), truncated)?;
        let series = crate::model::SeriesId::from_uuid(self.ids.next_uuid());
        let windows = intervals
            .into_iter()
            .map(|interval| AvailabilityWindow {
                series_id: Some(series),
                ..self.new_window(business, input.resource_id, interval)
            })
            .collect();
        self.insert_new_windows(windows, None, Vec::new()).await
    }

    /// A window of the business (`NOT_FOUND` for another business's).
    pub async fn get_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
    ) -> Result<AvailabilityWindow> {
        match self.store.get_window(id).await? {
            Some(w) if w.business_id == business => Ok(w),
            _ => Err(Error::NotFound {
                entity: Entity::Availability,
            }),
        }
    }

    /// The business's windows overlapping `range`, optionally of one resource, by start.
    pub async fn list_availabilities(
        &self,
        business: BusinessId,
        resource: Option<ResourceId>,
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        let resources: Vec<ResourceId> = match resource {
            Some(r) => vec![self.owned_resource(business, r).await?.id],
            None => self
                .store
                .list_resources(business)
                .await?
                .into_iter()
                .map(|r| r.id)
                .collect(),
        };
        if resources.is_empty() {
            return Ok(Vec::new());
        }
        self.store.list_windows(&resources, range).await
    }

    /// Deletes a window of the business (AV-1). When it holds reservations that have not
    /// ended ([`is_displaced`]), nothing changes unless `held` says what to do with them:
    /// without it the answer is [`Error::WindowHoldsReservations`] with their list.
    pub async fn delete_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
        held: Option<&HeldReservations>,
    ) -> Result<()> {
        let held = held.map(HeldReservations::validate).transpose()?;
        let window = self.get_availability(business, id).await?;
        let displaced = self.displaced_reservations(&window, None).await?;
        self.settle_displaced(business, displaced, held.as_ref())
            .await?;
        self.store.delete_window(id).await
    }

    /// Moves or resizes an availability window (AV-1), keeping AV-4: the new interval passes
    /// the same length, period and overlap rules as a new window
    /// ([`check_window_length`], [`check_window_period`], [`check_no_overlap_with_existing`]
    /// against the resource's other windows), so a move onto another window is
    /// `AVAILABILITY_OVERLAP` whatever the store. When the new interval would leave
    /// reservations outside ([`is_displaced`]), nothing changes unless `held` says what to do
    /// with them: without it the answer is [`Error::WindowHoldsReservations`] with their list.
    pub async fn update_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
        interval: Interval,
        held: Option<&HeldReservations>,
    ) -> Result<AvailabilityWindow> {
        let held = held.map(HeldReservations::validate).transpose()?;
        let old = self.get_availability(business, id).await?;
        check_window_length(&interval)?;
        check_window_period(&interval, self.clock.now(), self.limits.max_horizon_days)?;
        let window = AvailabilityWindow {
            interval,
            ..old.clone()
        };
        // The same AV-4 rule as a new window, ignoring the window's own old place; the store
        // re-checks atomically with the write.
        self.check_stored_overlaps(&window).await?;
        let displaced = self.displaced_reservations(&old, Some(&interval)).await?;
        self.settle_displaced(business, displaced, held.as_ref())
            .await?;
        self.store.update_window(&window).await?;
        Ok(window)
    }

    /// The reservations of `window`'s resource that changing it to `new` (`None`: deleting
    /// it) displaces, by start, with who booked. Reads every page: a long window of a group
    /// class may hold more than one page of them.
    async fn displaced_reservations(
        &self,
        window: &AvailabilityWindow,
        new: Option<&Interval>,
    ) -> Result<Vec<ReservationView>> {
        let now = self.clock.now();
        // A reservation that overlaps the window starts at most its longest possible length
        // before the window's start.
        let longest = i64::from(MAX_BLOCKED_MINUTES) * MINUTE;
        let filter = ReservationFilter {
            business_id: Some(window.business_id),
            resource_id: Some(window.resource_id),
            statuses: vec![ReservationStatus::Pending, ReservationStatus::Confirmed],
            from: Some(window.interval.start().add_secs(-longest)),
            to: Some(window.interval.end()),
            ..ReservationFilter::default()
        };
        let mut page = PageRequest::first(MAX_PAGE_SIZE);
        let mut displaced = Vec::new();
        loop {
            let found = self
                .store
                .list_reservations(&filter, ReservationSort::StartAsc, &page)
                .await?;
            displaced.extend(
                found
                    .items
                    .into_iter()
                    .filter(|v| is_displaced(&v.reservation, &window.interval, new, now)),
            );
            match found.next_cursor {
                Some(cursor) => page.cursor = Some(cursor),
                None => return Ok(displaced),
            }
        }
    }

    /// Applies the owner's decision to the displaced reservations, before the window
    /// changes: none, or `keep`, lets the change go on; `cancel` cancels each on behalf of
    /// the business with the reason (the client is notified); no decision refuses the change
    /// with the list.
    async fn settle_displaced(
        &self,
        business: BusinessId,
        displaced: Vec<ReservationView>,
        held: Option<&HeldReservations>,
    ) -> Result<()> {
        if displaced.is_empty() {
            return Ok(());
        }
        match held {
            None => Err(Error::WindowHoldsReservations {
                reservations: displaced,
            }),
            Some(HeldReservations::Keep) => Ok(()),
            Some(HeldReservations::Cancel { reason }) => {
                for view in displaced {
                    let action = Action::Cancel {
                        reason: Some(reason.clone()),
                    };
                    self.transition(Scope::Business(business), view.reservation.id, action)
                        .await?;
                }
                Ok(())
            }
        }
    }
}
