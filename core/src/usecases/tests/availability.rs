//! Availability: bulk windows, recurring series, and moving a window.

use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::model::{
    AvailabilityId, AvailabilityWindow, BusinessId, ClientProfile, Reservation, ServiceId,
};
use crate::ports::{
    BusinessFilter, BusinessSort, Page, PageRequest, ReservationFilter, ReservationSort,
    ReservationView,
};
use crate::search::{SearchHit, SearchQuery};
use crate::window_changes::HeldReservations;

#[test]
fn bulk_availability_is_all_or_nothing_with_a_report_per_item() {
    let w = world(1);
    block_on(async {
        let items = [
            (
                w.staff[0].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[0].id,
                iv("2026-06-08T14:00:00Z", "2026-06-08T16:00:00Z"),
            ), // overlaps stored
            (
                w.staff[1].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[1].id,
                iv("2026-06-09T08:00:00Z", "2026-06-09T09:00:00Z"),
            ), // overlaps item 2
            (
                ResourceId::from_uuid(uuid::Uuid::from_u128(5)),
                iv("2026-06-09T07:00:00Z", "2026-06-09T08:00:00Z"),
            ),
        ];
        let mut items: Vec<_> = items
            .iter()
            .map(|&(resource, interval)| (resource, interval.start(), interval.end()))
            .collect();
        // An item whose end comes before its start is reported with the others.
        items.push((
            w.staff[1].id,
            ts("2026-06-09T18:00:00Z"),
            ts("2026-06-09T17:00:00Z"),
        ));
        let err = w
            .app
            .create_availabilities(w.business.id, &items)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        let report: Vec<(usize, &str)> = failures
            .iter()
            .map(|f| (f.index, f.code.as_str()))
            .collect();
        assert_eq!(
            report,
            [
                (1, "AVAILABILITY_OVERLAP"),
                (3, "AVAILABILITY_OVERLAP"),
                (4, "NOT_FOUND"),
                (5, "INVALID_INTERVAL")
            ]
        );
        let day = iv("2026-06-09T00:00:00Z", "2026-06-10T00:00:00Z");
        assert!(
            w.app
                .store
                .list_windows(&[w.staff[0].id, w.staff[1].id], day)
                .await
                .unwrap()
                .is_empty()
        );
        let ok = w
            .app
            .create_availabilities(w.business.id, &[items[0], items[2]])
            .await
            .unwrap();
        assert_eq!(ok.len(), 2);
    });
}

#[test]
fn recurring_availability_generates_a_series_that_keeps_local_hours_across_dst() {
    let w = world(1);
    block_on(async {
        let input = RecurringAvailability {
            resource_id: w.staff[0].id,
            rrule: "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=6".into(),
            // Monday 19 October 2026, 09:00 Paris; clocks fall back on Sunday 25 October.
            first_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 19)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            wall_minutes: 8 * 60,
            exdates: vec![
                chrono::NaiveDate::from_ymd_opt(2026, 10, 27)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            ],
            generate_until: None,
        };
        let windows = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap();
        let shown: Vec<String> = windows
            .iter()
            .map(|x| crate::tz::format_local(w.business.time_zone.0, x.interval.start()))
            .collect();
        assert_eq!(
            shown,
            [
                "2026-10-19T09:00:00+02:00",
                "2026-10-20T09:00:00+02:00",
                "2026-10-26T09:00:00+01:00",
                "2026-11-02T09:00:00+01:00",
                "2026-11-03T09:00:00+01:00",
            ]
        );
        assert!(
            windows
                .iter()
                .all(|x| x.interval.duration_secs() == 8 * 3600)
        );
        let series = windows[0].series_id.unwrap();
        assert!(windows.iter().all(|x| x.series_id == Some(series)));
        // The same rule again overlaps itself: nothing more is stored, every item reported.
        let err = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        assert_eq!(failures.len(), 5);
        // Slots follow: the Monday after the change still starts at 09:00 local.
        let slots = w
            .app
            .slots_for_service(
                w.service.id,
                ts("2026-10-26T00:00:00Z"),
                ts("2026-10-27T00:00:00Z"),
                100,
            )
            .await
            .unwrap();
        assert_eq!(slots.slots[0].start, ts("2026-10-26T08:00:00Z"));
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=DAILY".into(),
                    generate_until: Some(ts("2028-05-01T00:00:00Z")),
                    ..input.clone()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::RecurrenceTooLarge);
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=SECONDLY".into(),
                    ..input
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRecurrence);
    });
}

/// The window of `resource` starting at `start` (the world's Monday windows).
fn window_at(w: &World, resource: usize, start: &str) -> AvailabilityWindow {
    block_on(async {
        w.app
            .list_availabilities(
                w.business.id,
                Some(w.staff[resource].id),
                iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z"),
            )
            .await
            .unwrap()
            .into_iter()
            .find(|win| win.interval.start() == ts(start))
            .unwrap()
    })
}

#[test]
fn moving_a_window_onto_another_of_its_resource_is_refused() {
    let w = world(1);
    block_on(async {
        let monday = window_at(&w, 0, "2026-06-08T07:00:00Z");
        let tuesday = w
            .app
            .create_availability(
                w.business.id,
                w.staff[0].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            )
            .await
            .unwrap();
        let err = w
            .app
            .update_availability(
                w.business.id,
                tuesday.id,
                iv("2026-06-08T14:00:00Z", "2026-06-08T18:00:00Z"),
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::AvailabilityOverlap {
                existing: monday.id.to_string()
            }
        );
        assert_eq!(
            w.app.store.get_window(tuesday.id).await.unwrap(),
            Some(tuesday.clone()),
            "a refused move changes nothing"
        );
        // Resizing over its own old place, touching the neighbour, or taking a time only
        // another resource is available at are all fine.
        let resized = w
            .app
            .update_availability(
                w.business.id,
                tuesday.id,
                iv("2026-06-08T15:00:00Z", "2026-06-09T18:00:00Z"),
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            resized.interval,
            iv("2026-06-08T15:00:00Z", "2026-06-09T18:00:00Z")
        );
        let bob = window_at(&w, 1, "2026-06-08T07:00:00Z");
        w.app
            .update_availability(
                w.business.id,
                bob.id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T12:00:00Z"),
                None,
            )
            .await
            .unwrap();
    });
}

/// The in-memory store that counts the window updates it is asked for: a refused move that
/// never reaches it was refused by the core.
#[derive(Default)]
struct CountingStore {
    inner: MemoryStore,
    window_updates: AtomicUsize,
}

impl DirectoryStore for CountingStore {
    async fn get_business(&self, id: BusinessId) -> crate::Result<Option<Business>> {
        self.inner.get_business(id).await
    }
    async fn save_business(&self, business: &Business) -> crate::Result<()> {
        self.inner.save_business(business).await
    }
    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> crate::Result<Page<Business>> {
        self.inner.list_businesses(filter, sort, page).await
    }
    async fn get_resource(&self, id: ResourceId) -> crate::Result<Option<Resource>> {
        self.inner.get_resource(id).await
    }
    async fn save_resource(&self, resource: &Resource) -> crate::Result<()> {
        self.inner.save_resource(resource).await
    }
    async fn delete_resource(&self, id: ResourceId, now: Timestamp) -> crate::Result<()> {
        self.inner.delete_resource(id, now).await
    }
    async fn list_resources(&self, business: BusinessId) -> crate::Result<Vec<Resource>> {
        self.inner.list_resources(business).await
    }
    async fn get_service(&self, id: ServiceId) -> crate::Result<Option<Service>> {
        self.inner.get_service(id).await
    }
    async fn save_service(&self, service: &Service) -> crate::Result<()> {
        self.inner.save_service(service).await
    }
    async fn save_directory(
        &self,
        resources: &[Resource],
        services: &[Service],
    ) -> crate::Result<()> {
        self.inner.save_directory(resources, services).await
    }
    async fn list_services(&self, business: BusinessId) -> crate::Result<Vec<Service>> {
        self.inner.list_services(business).await
    }
    async fn get_client(&self, id: ClientId) -> crate::Result<Option<ClientProfile>> {
        self.inner.get_client(id).await
    }
    async fn save_client(&self, client: &ClientProfile) -> crate::Result<()> {
        self.inner.save_client(client).await
    }
    async fn business_clients(&self, business: BusinessId) -> crate::Result<Vec<ClientProfile>> {
        self.inner.business_clients(business).await
    }
    async fn search(&self, query: &SearchQuery) -> crate::Result<Vec<SearchHit>> {
        self.inner.search(query).await
    }
    async fn categories_in_use(&self) -> crate::Result<Vec<crate::catalog::CategoryCount>> {
        self.inner.categories_in_use().await
    }
}

impl AvailabilityStore for CountingStore {
    async fn get_window(&self, id: AvailabilityId) -> crate::Result<Option<AvailabilityWindow>> {
        self.inner.get_window(id).await
    }
    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> crate::Result<Vec<AvailabilityWindow>> {
        self.inner.list_windows(resources, range).await
    }
    async fn insert_windows(&self, windows: &[AvailabilityWindow]) -> crate::Result<()> {
        self.inner.insert_windows(windows).await
    }
    async fn update_window(&self, window: &AvailabilityWindow) -> crate::Result<()> {
        self.window_updates.fetch_add(1, Ordering::SeqCst);
        self.inner.update_window(window).await
    }
    async fn delete_window(&self, id: AvailabilityId) -> crate::Result<()> {
        self.inner.delete_window(id).await
    }
}

impl ReservationStore for CountingStore {
    async fn get_reservation(&self, id: ReservationId) -> crate::Result<Option<Reservation>> {
        self.inner.get_reservation(id).await
    }
    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> crate::Result<Vec<Reservation>> {
        self.inner.list_active_for_resources(resources, range).await
    }
    async fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> crate::Result<Vec<Reservation>> {
        self.inner.list_active_for_client(client, range).await
    }
    async fn insert_reservation(&self, reservation: &Reservation, seats: u32) -> crate::Result<()> {
        self.inner.insert_reservation(reservation, seats).await
    }
    async fn update_reservation(
        &self,
        reservation: &Reservation,
        recheck_seats: Option<u32>,
    ) -> crate::Result<()> {
        self.inner
            .update_reservation(reservation, recheck_seats)
            .await
    }
    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> crate::Result<Page<ReservationView>> {
        self.inner.list_reservations(filter, sort, page).await
    }
    async fn archive_reservations(&self, ended_before: Timestamp) -> crate::Result<u64> {
        self.inner.archive_reservations(ended_before).await
    }
}

impl Store for CountingStore {}

impl crate::ports::ContactStore for CountingStore {
    async fn insert_contacts(&self, contacts: &[crate::contacts::Contact]) -> crate::Result<()> {
        self.inner.insert_contacts(contacts).await
    }
    async fn business_contacts(
        &self,
        business: BusinessId,
    ) -> crate::Result<Vec<crate::contacts::Contact>> {
        self.inner.business_contacts(business).await
    }
}

impl crate::ports::BusyTimeStore for CountingStore {
    async fn replace_busy_times(
        &self,
        resource: ResourceId,
        source: &str,
        busy: &[crate::busy_times::BusyTime],
    ) -> crate::Result<u64> {
        self.inner.replace_busy_times(resource, source, busy).await
    }
    async fn list_busy_times(
        &self,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> crate::Result<Vec<crate::busy_times::BusyTime>> {
        self.inner.list_busy_times(resource, source, range).await
    }
    async fn list_external_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> crate::Result<Vec<crate::busy_times::ExternalBusy>> {
        self.inner.list_external_busy(resources, range).await
    }
}

#[test]
fn the_core_refuses_an_overlapping_move_before_asking_the_store() {
    block_on(async {
        let app = UseCases::new(
            CountingStore::default(),
            FixedClock(ts(NOW)),
            SequentialIds::default(),
        );
        let owner = UserId::from_uuid(uuid::Uuid::from_u128(7));
        let business = app
            .create_business(
                owner,
                NewBusiness {
                    name: "Salon".into(),
                    domain: "coiffure".into(),
                    description: String::new(),
                    city: "Lyon".into(),
                    address: Address::default(),
                    time_zone: Zone::parse("Europe/Paris").unwrap(),
                    opening_hours: OpeningHours::default(),
                    closures: vec![],
                    special_hours: vec![],
                },
            )
            .await
            .unwrap();
        let alice = app
            .create_resource(business.id, "Alice", ResourceKind::Staff)
            .await
            .unwrap();
        let first = app
            .create_availability(
                business.id,
                alice.id,
                iv("2026-06-08T07:00:00Z", "2026-06-08T15:00:00Z"),
            )
            .await
            .unwrap();
        let second = app
            .create_availability(
                business.id,
                alice.id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            )
            .await
            .unwrap();
        let onto_first = iv("2026-06-08T10:00:00Z", "2026-06-08T16:00:00Z");
        assert_eq!(
            app.update_availability(business.id, second.id, onto_first, None)
                .await
                .unwrap_err(),
            Error::AvailabilityOverlap {
                existing: first.id.to_string()
            }
        );
        assert_eq!(
            app.store.window_updates.load(Ordering::SeqCst),
            0,
            "the store was never asked"
        );
        let later = iv("2026-06-09T08:00:00Z", "2026-06-09T16:00:00Z");
        app.update_availability(business.id, second.id, later, None)
            .await
            .unwrap();
        assert_eq!(app.store.window_updates.load(Ordering::SeqCst), 1);
    });
}

#[test]
fn a_window_holding_reservations_changes_only_when_told_what_to_do_with_them() {
    let w = world(1);
    block_on(async {
        let window = window_at(&w, 0, "2026-06-08T07:00:00Z");
        let book = |n: u128, resource: usize, start: &'static str| {
            let request = request(&w, Some(resource), start);
            let app = &w.app;
            async move { app.book(client(n), &request).await.unwrap() }
        };
        let early = book(1, 0, "2026-06-08T07:00:00Z").await;
        let late = book(2, 0, "2026-06-08T13:00:00Z").await;
        // Bob's appointment at the same time is on another resource: never in the way.
        book(3, 1, "2026-06-08T13:00:00Z").await;
        let ids = |e: Error| match e {
            Error::WindowHoldsReservations { reservations } => reservations
                .into_iter()
                .map(|v| v.reservation.id)
                .collect::<Vec<_>>(),
            other => panic!("expected the held reservations, got {other:?}"),
        };
        let morning = iv("2026-06-08T07:00:00Z", "2026-06-08T11:00:00Z");
        let err = w
            .app
            .update_availability(w.business.id, window.id, morning, None)
            .await
            .unwrap_err();
        assert_eq!(ids(err), [late.id]);
        assert_eq!(
            w.app.store.get_window(window.id).await.unwrap(),
            Some(window.clone()),
            "a refused shrink changes nothing"
        );
        let kept = w
            .app
            .update_availability(
                w.business.id,
                window.id,
                morning,
                Some(&HeldReservations::Keep),
            )
            .await
            .unwrap();
        assert_eq!(kept.interval, morning);
        let status = |id| {
            let app = &w.app;
            async move { app.store.get_reservation(id).await.unwrap().unwrap() }
        };
        assert_eq!(status(late.id).await.status, ReservationStatus::Pending);

        let err = w
            .app
            .delete_availability(w.business.id, window.id, None)
            .await
            .unwrap_err();
        assert_eq!(ids(err), [early.id]);
        let blank = HeldReservations::Cancel { reason: " ".into() };
        let err = w
            .app
            .delete_availability(w.business.id, window.id, Some(&blank))
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "reason");
        assert_eq!(status(early.id).await.status, ReservationStatus::Pending);
        let cancel = HeldReservations::Cancel {
            reason: " Closed for works ".into(),
        };
        w.app
            .delete_availability(w.business.id, window.id, Some(&cancel))
            .await
            .unwrap();
        let early = status(early.id).await;
        assert_eq!(early.status, ReservationStatus::CancelledByBusiness);
        assert_eq!(
            early.history.last().unwrap().reason.as_deref(),
            Some("Closed for works")
        );
        assert_eq!(w.app.store.get_window(window.id).await.unwrap(), None);
        assert_eq!(status(late.id).await.status, ReservationStatus::Pending);
    });
}
