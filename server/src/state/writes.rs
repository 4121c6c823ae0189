//! The one write path of the server. Every change the public can see — a business, its
//! resources, services and availability windows, a reservation — goes through [`Writes`]:
//! each method calls the core's use case and, when it succeeds, [`Writes::changed`] drops the
//! public cache of the business concerned and counts the change in the metrics. Handlers hold
//! no other handle on the mutating use cases nor on the cache's invalidation, so none can
//! forget either; `a_handler_cannot_write_past_the_write_path` below keeps them off the
//! store's own write methods for these objects.
//!
//! [`Reads`] gives the read-only use cases.

use rdv_core::Interval;
use rdv_core::booking::BookingRequest;
use rdv_core::business_status::BusinessAction;
use rdv_core::calendar::{Calendar, CalendarRequest};
use rdv_core::lifecycle::Action;
use rdv_core::model::WaitlistId;
use rdv_core::model::{
    AvailabilityId, AvailabilityWindow, Business, BusinessId, ClientId, ClientProfile, Reservation,
    ReservationId, Resource, ResourceId, ResourceKind, Service, ServiceId, UserId,
};
use rdv_core::ports::{Page, PageRequest, ReservationFilter, ReservationSort, ReservationView};
use rdv_core::resources::{DecisionKind, ReservationDecision};
use rdv_core::scope::Scope;
use rdv_core::slots::{Schedule, SlotList};
use rdv_core::stats::{Statistics, StatsQuery};
use rdv_core::usecases::JoinWaitlist;
use rdv_core::usecases::{
    ClientProfileInput, NewBusiness, NewService, RecurringAvailability, ResourceDeactivation,
    ResourceInput,
};
use rdv_core::waitlist::WaitlistEntry;
use rdv_core::window_changes::HeldReservations;
use rdv_core::{Result, Timestamp, Uuid};
use rdv_storage::images::{ImageKind, ImageStore as _, StoredImage};

use super::{Inner, ServerUseCases};

/// What a successful change was, for the metrics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Change {
    /// A reservation was created.
    Booked,
    /// A reservation was cancelled (by its client or its business).
    Cancelled,
    /// Anything else the public can see.
    Other,
}

/// The mutating use cases, each followed by [`Writes::changed`] when it succeeds.
#[derive(Clone, Copy, Debug)]
pub struct Writes<'a> {
    state: &'a Inner,
}

impl<'a> Writes<'a> {
    pub(super) fn new(state: &'a Inner) -> Self {
        Self { state }
    }

    /// After every successful change: the public cache of `business` is dropped and the
    /// change is counted.
    fn changed(&self, business: BusinessId, change: Change) {
        self.state.cache.invalidate(business);
        let metrics = &self.state.metrics;
        match change {
            Change::Booked => {
                metrics.bookings_created.inc();
            }
            Change::Cancelled => {
                metrics.bookings_cancelled.inc();
            }
            Change::Other => {}
        }
    }

    fn uc(&self) -> &'a ServerUseCases {
        &self.state.uc
    }

    /// Creates a business (unpublished until validated).
    pub async fn create_business(&self, owner: UserId, input: NewBusiness) -> Result<Business> {
        let business = self.uc().create_business(owner, input).await?;
        self.changed(business.id, Change::Other);
        Ok(business)
    }

    /// Replaces a business's profile, opening hours and closures.
    pub async fn update_business(&self, id: BusinessId, input: NewBusiness) -> Result<Business> {
        let business = self.uc().update_business(id, input).await?;
        self.changed(business.id, Change::Other);
        Ok(business)
    }

    /// Publishes a business (admin).
    pub async fn validate_business(&self, id: BusinessId) -> Result<Business> {
        let business = self.uc().validate_business(id).await?;
        self.changed(business.id, Change::Other);
        Ok(business)
    }

    /// Changes a business's status: an admin's rejection, the owner's resubmission.
    pub async fn change_business_status(
        &self,
        id: BusinessId,
        action: &BusinessAction,
    ) -> Result<Business> {
        let business = self.uc().change_business_status(id, action).await?;
        self.changed(business.id, Change::Other);
        Ok(business)
    }

    /// Suspends a business (admin), keeping or cancelling its future reservations; the ids
    /// of those cancelled.
    pub async fn suspend_business(
        &self,
        id: BusinessId,
        reason: &str,
        held: &HeldReservations,
    ) -> Result<(Business, Vec<ReservationId>)> {
        let (business, cancelled) = self.uc().suspend_business(id, reason, held).await?;
        self.changed(business.id, Change::Other);
        for _ in &cancelled {
            self.state.metrics.bookings_cancelled.inc();
        }
        Ok((business, cancelled))
    }

    /// Adds a staff member or room.
    pub async fn create_resource(
        &self,
        business: BusinessId,
        name: &str,
        kind: ResourceKind,
    ) -> Result<Resource> {
        let resource = self.uc().create_resource(business, name, kind).await?;
        self.changed(business, Change::Other);
        Ok(resource)
    }

    /// Adds a staff member or room with its working hours.
    pub async fn add_resource(
        &self,
        business: BusinessId,
        input: ResourceInput,
    ) -> Result<Resource> {
        let resource = self.uc().add_resource(business, input).await?;
        self.changed(business, Change::Other);
        Ok(resource)
    }

    /// Replaces a resource's name, kind and working hours.
    pub async fn update_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
        input: ResourceInput,
    ) -> Result<Resource> {
        let resource = self.uc().update_resource(business, id, input).await?;
        self.changed(business, Change::Other);
        Ok(resource)
    }

    /// Makes a deactivated resource take bookings again.
    pub async fn activate_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
    ) -> Result<Resource> {
        let resource = self.uc().activate_resource(business, id).await?;
        self.changed(business, Change::Other);
        Ok(resource)
    }

    /// Deactivates a resource and applies the owner's decision for each reservation it holds;
    /// every applied cancellation is counted.
    pub async fn deactivate_resource(
        &self,
        business: BusinessId,
        id: ResourceId,
        decisions: &[ReservationDecision],
    ) -> Result<ResourceDeactivation> {
        let answer = self
            .uc()
            .deactivate_resource(business, id, decisions)
            .await?;
        self.changed(business, Change::Other);
        for outcome in &answer.outcomes {
            if outcome.applied && outcome.action == DecisionKind::Cancel {
                self.state.metrics.bookings_cancelled.inc();
            }
        }
        Ok(answer)
    }

    /// Deletes a resource that holds no reservation any more.
    pub async fn remove_resource(&self, business: BusinessId, id: ResourceId) -> Result<()> {
        self.uc().delete_resource(business, id).await?;
        self.changed(business, Change::Other);
        Ok(())
    }

    /// Creates an active service.
    pub async fn create_service(&self, business: BusinessId, input: NewService) -> Result<Service> {
        let service = self.uc().create_service(business, input).await?;
        self.changed(business, Change::Other);
        Ok(service)
    }

    /// Replaces a service's fields.
    pub async fn update_service(
        &self,
        business: BusinessId,
        id: ServiceId,
        input: NewService,
    ) -> Result<Service> {
        let service = self.uc().update_service(business, id, input).await?;
        self.changed(business, Change::Other);
        Ok(service)
    }

    /// Makes a service bookable or not.
    pub async fn set_service_active(
        &self,
        business: BusinessId,
        id: ServiceId,
        active: bool,
    ) -> Result<Service> {
        let service = self.uc().set_service_active(business, id, active).await?;
        self.changed(business, Change::Other);
        Ok(service)
    }

    /// Adds an availability window.
    pub async fn create_availability(
        &self,
        business: BusinessId,
        resource: ResourceId,
        interval: Interval,
    ) -> Result<AvailabilityWindow> {
        let window = self
            .uc()
            .create_availability(business, resource, interval)
            .await?;
        self.changed(business, Change::Other);
        Ok(window)
    }

    /// Adds many windows, all or none.
    pub async fn create_availabilities(
        &self,
        business: BusinessId,
        items: &[(ResourceId, Timestamp, Timestamp)],
    ) -> Result<Vec<AvailabilityWindow>> {
        let windows = self.uc().create_availabilities(business, items).await?;
        self.changed(business, Change::Other);
        Ok(windows)
    }

    /// Imports a file's rows (ADV-3): the report, and the cache dropped when something was
    /// written.
    pub async fn import(
        &self,
        business: BusinessId,
        rows: rdv_core::imports::ImportRows,
        dry_run: bool,
    ) -> Result<rdv_core::imports::ImportReport> {
        let report = self.uc().import(business, rows, dry_run).await?;
        if report.created > 0 {
            self.changed(business, Change::Other);
        }
        Ok(report)
    }

    /// Replaces a resource's busy times from one source with a calendar's events: the
    /// report, and the cache dropped when something was written.
    pub async fn import_busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: &str,
        events: &[rdv_core::busy_times::BusyEvent],
        dry_run: bool,
    ) -> Result<rdv_core::busy_times::BusyImportReport> {
        let report = self
            .uc()
            .import_busy_times(business, resource, source, events, dry_run)
            .await?;
        if !dry_run && report.problems.is_empty() {
            self.changed(business, Change::Other);
        }
        Ok(report)
    }

    /// Removes a resource's busy times from one source; how many there were.
    pub async fn remove_busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: &str,
    ) -> Result<u64> {
        let removed = self
            .uc()
            .remove_busy_times(business, resource, source)
            .await?;
        self.changed(business, Change::Other);
        Ok(removed)
    }

    /// Adds the windows of a recurrence rule.
    pub async fn create_recurring_availabilities(
        &self,
        business: BusinessId,
        input: &RecurringAvailability,
    ) -> Result<Vec<AvailabilityWindow>> {
        let windows = self
            .uc()
            .create_recurring_availabilities(business, input)
            .await?;
        self.changed(business, Change::Other);
        Ok(windows)
    }

    /// Moves a window; `held` says what to do with the reservations it would leave out.
    pub async fn update_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
        interval: Interval,
        held: Option<&HeldReservations>,
    ) -> Result<AvailabilityWindow> {
        let window = self
            .uc()
            .update_availability(business, id, interval, held)
            .await?;
        self.changed(business, Change::Other);
        Ok(window)
    }

    /// Deletes a window; `held` says what to do with the reservations it holds.
    pub async fn delete_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
        held: Option<&HeldReservations>,
    ) -> Result<()> {
        self.uc().delete_availability(business, id, held).await?;
        self.changed(business, Change::Other);
        Ok(())
    }

    /// Saves a client's own profile. The public never sees it: nothing to drop or count.
    pub async fn save_client_profile(
        &self,
        client: ClientId,
        input: ClientProfileInput,
    ) -> Result<ClientProfile> {
        self.uc().save_client_profile(client, input).await
    }

    /// Books a reservation for a client.
    pub async fn book(&self, client: ClientId, request: &BookingRequest) -> Result<Reservation> {
        let reservation = self.uc().book(client, request).await?;
        self.changed(reservation.business_id, Change::Booked);
        Ok(reservation)
    }

    /// Changes a reservation's status (confirm, cancel, complete, no-show) for `scope`.
    pub async fn transition(
        &self,
        scope: Scope,
        id: ReservationId,
        action: Action,
    ) -> Result<Reservation> {
        let change = match action {
            Action::Cancel { .. } => Change::Cancelled,
            _ => Change::Other,
        };
        let reservation = self.uc().transition(scope, id, action).await?;
        self.changed(reservation.business_id, change);
        Ok(reservation)
    }

    /// Moves the reservations that ended more than `after_days` days ago to the archive.
    /// Nothing the public sees changes (those times are past), so no cache is touched.
    pub async fn archive_finished_reservations(&self, after_days: u32) -> Result<u64> {
        self.uc().archive_finished_reservations(after_days).await
    }

    /// Moves a reservation to a new start, for its client or its business.
    pub async fn reschedule(
        &self,
        scope: Scope,
        id: ReservationId,
        new_start: Timestamp,
    ) -> Result<Reservation> {
        let reservation = self.uc().reschedule(scope, id, new_start).await?;
        self.changed(reservation.business_id, Change::Other);
        Ok(reservation)
    }
}

/// The waitlist's changes ([`rdv_core::waitlist`]).
impl Writes<'_> {
    /// A client joins the waitlist of a full range (nothing the public sees changes).
    pub async fn join_waitlist(
        &self,
        client: ClientId,
        input: &JoinWaitlist,
    ) -> Result<WaitlistEntry> {
        self.uc().join_waitlist(client, input).await
    }

    /// A client leaves the waitlist.
    pub async fn leave_waitlist(&self, client: ClientId, id: WaitlistId) -> Result<WaitlistEntry> {
        self.uc().leave_waitlist(client, id).await
    }

    /// A client claims an offered seat: a booking.
    pub async fn claim_waitlist_offer(
        &self,
        client: ClientId,
        id: WaitlistId,
    ) -> Result<(WaitlistEntry, Reservation)> {
        let (entry, reservation) = self.uc().claim_waitlist_offer(client, id).await?;
        self.changed(reservation.business_id, Change::Booked);
        Ok((entry, reservation))
    }

    /// The worker's run: expired offers pass on, freed seats are offered.
    pub async fn offer_freed_seats(&self) -> Result<Vec<WaitlistEntry>> {
        let minutes = self.state.config.waitlist_offer_minutes;
        self.uc().offer_freed_seats(minutes).await
    }
}

/// The read-only use cases.
#[derive(Clone, Copy)]
pub struct Reads<'a> {
    uc: &'a ServerUseCases,
}

impl std::fmt::Debug for Reads<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reads").finish_non_exhaustive()
    }
}

impl<'a> Reads<'a> {
    pub(super) fn new(uc: &'a ServerUseCases) -> Self {
        Self { uc }
    }

    /// A client's places on waitlists.
    pub async fn client_waitlist(&self, client: ClientId) -> Result<Vec<WaitlistEntry>> {
        self.uc.client_waitlist(client).await
    }

    /// A business's open waitlist places.
    pub async fn business_waitlist(&self, business: BusinessId) -> Result<Vec<WaitlistEntry>> {
        self.uc.business_waitlist(business).await
    }

    /// One of a business's resources (another business's answers `NOT_FOUND`).
    pub async fn owned_resource(&self, business: BusinessId, id: ResourceId) -> Result<Resource> {
        self.uc.owned_resource(business, id).await
    }

    /// A resource's busy times from other calendars meeting `range`.
    pub async fn busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> Result<Vec<rdv_core::busy_times::BusyTime>> {
        self.uc.busy_times(business, resource, source, range).await
    }

    /// One of a business's services (another business's answers `NOT_FOUND`).
    pub async fn owned_service(&self, business: BusinessId, id: ServiceId) -> Result<Service> {
        self.uc.owned_service(business, id).await
    }

    /// One of a business's windows.
    pub async fn get_availability(
        &self,
        business: BusinessId,
        id: AvailabilityId,
    ) -> Result<AvailabilityWindow> {
        self.uc.get_availability(business, id).await
    }

    /// A business's windows meeting `range`, of one resource or all.
    pub async fn list_availabilities(
        &self,
        business: BusinessId,
        resource: Option<ResourceId>,
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        self.uc.list_availabilities(business, resource, range).await
    }

    /// A reservation as `scope` may reach it.
    pub async fn reservation(&self, scope: Scope, id: ReservationId) -> Result<Reservation> {
        self.uc.reservation(scope, id).await
    }

    /// A page of reservations with names.
    pub async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        self.uc.list_reservations(filter, sort, page).await
    }

    /// The clients of a business a search by who booked finds.
    pub async fn find_business_clients(
        &self,
        business: BusinessId,
        field: &str,
        text: &str,
    ) -> Result<Vec<ClientId>> {
        self.uc.find_business_clients(business, field, text).await
    }

    /// A business's statistics over a period (BIZ-5, STAT-2, STAT-3).
    pub async fn statistics(&self, business: BusinessId, query: &StatsQuery) -> Result<Statistics> {
        self.uc.statistics(business, query).await
    }

    /// A business's calendar of a day, week or month, per resource (ADV-1), or of one of its
    /// resources when `only` names it.
    pub async fn resource_calendar(
        &self,
        business: BusinessId,
        only: Option<ResourceId>,
        request: &CalendarRequest,
    ) -> Result<Calendar> {
        self.uc.resource_calendar(business, only, request).await
    }

    /// The free slots of a service.
    pub async fn slots_for_service(
        &self,
        service: ServiceId,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Result<SlotList> {
        self.uc.slots_for_service(service, from, to, limit).await
    }

    /// A business, whatever its status (for administrators).
    pub async fn business(&self, id: BusinessId) -> Result<Business> {
        self.uc.business(id).await
    }

    /// A business the public may see, or `NOT_FOUND`.
    pub async fn public_business(&self, id: BusinessId) -> Result<Business> {
        self.uc.public_business(id).await
    }

    /// A service the public may see.
    pub async fn public_service(&self, id: ServiceId) -> Result<Service> {
        self.uc.public_service(id).await
    }

    /// The services of a business the public may see.
    pub async fn public_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        self.uc.public_services(business).await
    }

    /// The schedule snapshot of a service the public may see.
    pub async fn public_schedule(&self, service: ServiceId, range: Interval) -> Result<Schedule> {
        self.uc.public_schedule(service, range).await
    }
}

/// The images of businesses and services (issue 18 item 1): the public answers carry their
/// URLs, so each change drops the business's cache like any other write.
impl Writes<'_> {
    /// Stores an image row; a logo or cover replaces the previous one, returned.
    pub async fn store_image(&self, image: &StoredImage) -> Result<Option<StoredImage>> {
        let replaced = self.state.uc.store.put_image(image).await?;
        self.changed(BusinessId(image.business_id), Change::Other);
        Ok(replaced)
    }

    /// Deletes one of the business's images; the row, `None` when it has no such image.
    pub async fn remove_image(
        &self,
        business: BusinessId,
        id: Uuid,
    ) -> Result<Option<StoredImage>> {
        let removed = self.state.uc.store.delete_image(business.0, id).await?;
        if removed.is_some() {
            self.changed(business, Change::Other);
        }
        Ok(removed)
    }

    /// Deletes the business's logo or cover; the row, `None` when it had none.
    pub async fn remove_business_image(
        &self,
        business: BusinessId,
        kind: ImageKind,
    ) -> Result<Option<StoredImage>> {
        let removed = self
            .state
            .uc
            .store
            .delete_business_image(business.0, kind)
            .await?;
        if removed.is_some() {
            self.changed(business, Change::Other);
        }
        Ok(removed)
    }

    /// Orders a service's images; `false` unless `order` names each of them once.
    pub async fn order_images(
        &self,
        business: BusinessId,
        service: ServiceId,
        order: &[Uuid],
    ) -> Result<bool> {
        let done = self
            .state
            .uc
            .store
            .reorder_images(business.0, service.0, order)
            .await?;
        if done {
            self.changed(business, Change::Other);
        }
        Ok(done)
    }
}

#[cfg(test)]
mod tests {
    /// The store's own writes of what the public sees; only this module may call them.
    const PUBLIC_WRITES: [&str; 16] = [
        ".replace_busy_times(",
        ".put_image(",
        ".delete_image(",
        ".delete_business_image(",
        ".reorder_images(",
        ".save_business(",
        ".save_resource(",
        ".delete_resource(",
        ".save_service(",
        ".insert_windows(",
        ".update_window(",
        ".delete_window(",
        ".insert_reservation(",
        ".insert_on_first_free(",
        ".update_reservation(",
        ".archive_reservations(",
    ];

    fn sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn a_handler_cannot_write_past_the_write_path() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        sources(&src, &mut files);
        assert!(files.len() > 10, "{files:?}");
        let this = std::path::Path::new(file!()).file_name().unwrap();
        for file in files {
            if file.ends_with(std::path::Path::new("state").join(this)) {
                continue;
            }
            let text = std::fs::read_to_string(&file).unwrap();
            for call in PUBLIC_WRITES {
                assert!(
                    !text.contains(call),
                    "{} calls {call} directly: go through state.writes()",
                    file.display()
                );
            }
            assert!(
                !text.contains("cache.invalidate("),
                "{} drops the cache itself",
                file.display()
            );
        }
    }
}
