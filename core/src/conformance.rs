//! The storage conformance suite: the behaviour every backend of the ports must show, written
//! once and run unchanged against memory, SQLite and PostgreSQL.
//!
//! A backend's test file invokes [`storage_conformance_tests!`](crate::storage_conformance_tests)
//! with an expression that makes a fresh, empty store (an `async` block) and a function that
//! runs a future to completion; the macro expands to one `#[test]` per case:
//!
//! ```ignore
//! rdv_core::storage_conformance_tests!(
//!     make = async { rdv_core::memory::MemoryStore::new() },
//!     block_on = rdv_core::conformance::block_on
//! );
//! ```
#![allow(
    clippy::unwrap_used,
    reason = "a test suite: a failed step stops the case at its line"
)]

use uuid::Uuid;

use crate::error::{Error, ErrorCode};
use crate::hours::OpeningHours;
use crate::model::*;
use crate::ports::{
    BusinessFilter, BusinessSort, IdSource, PageRequest, ReservationFilter, ReservationSort,
    SequentialIds, Store,
};
use crate::time::{Interval, Timestamp};

pub use crate::memory::block_on;

mod busy_times;
mod calendar;
mod catalog;
mod contacts;
mod imports;
mod resources;
mod stats;
mod stats_reference;
pub use busy_times::busy_times_replace_a_source_whole_and_reach_the_schedule;
pub use calendar::calendar_reads_reservations_meeting_a_range_with_their_buffers;
pub use catalog::the_catalogue_filters_businesses_and_counts_categories;
pub use contacts::contacts_keep_one_email_per_business;
pub use imports::{
    a_large_window_batch_is_all_or_nothing,
    an_import_writes_resources_and_services_together_or_not_at_all,
};
pub use resources::{
    a_reservation_moves_to_another_resource_atomically,
    a_resource_is_deleted_only_once_it_holds_nothing,
    resources_keep_their_working_hours_for_the_schedule,
};
pub use stats::statistics_add_up_live_and_archived_reservations;
pub use stats_reference::statistics_match_the_reference_over_generated_data;
mod waitlist;
pub use waitlist::waitlist_places_are_unique_while_open_and_change_only_from_what_was_read;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("valid timestamp")
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).expect("valid interval")
}

/// A business, one resource and one service saved in `store`, for the cases.
pub struct Fixture {
    /// The business.
    pub business: Business,
    /// Its resource.
    pub resource: Resource,
    /// A second resource.
    pub other_resource: Resource,
    /// Its service (30 minutes, 10-minute buffer after).
    pub service: Service,
    /// A client.
    pub client: ClientProfile,
    ids: SequentialIds,
}

impl Fixture {
    /// Saves the fixture's entities into `store`.
    pub async fn new(store: &impl Store) -> Fixture {
        let ids = SequentialIds::default();
        let business = Business {
            id: BusinessId::from_uuid(ids.next_uuid()),
            owner_id: UserId::from_uuid(ids.next_uuid()),
            name: "Coiffeur Élégance".into(),
            domain: "coiffure".into(),
            description: "Salon".into(),
            city: "Lyon".into(),
            address: Address::default(),
            time_zone: Zone::parse("Europe/Paris").expect("zone"),
            status: crate::business_status::BusinessStatus::Validated,
            status_reason: None,
            opening_hours: OpeningHours::always_open(),
            closures: vec![],
            special_hours: vec![],
        };
        let resource = Resource {
            id: ResourceId::from_uuid(ids.next_uuid()),
            business_id: business.id,
            name: "Alice".into(),
            kind: ResourceKind::Staff,
            active: true,
            working_hours: None,
        };
        let other_resource = Resource {
            id: ResourceId::from_uuid(ids.next_uuid()),
            name: "Bob".into(),
            ..resource.clone()
        };
        let mut rules = SlotRules::simple(30);
        rules.buffer_after_minutes = 10;
        let service = Service {
            id: ServiceId::from_uuid(ids.next_uuid()),
            business_id: business.id,
            name: "Coupe".into(),
            description: String::new(),
            price: Money::new(2500, Currency::parse("EUR").expect("currency")),
            category: Some("hair".into()),
            tags: vec!["short".into()],
            active: true,
            rules,
            resource_ids: vec![resource.id, other_resource.id],
            cancellation_deadline_minutes: 60,
            max_reschedules: 2,
        };
        let client = ClientProfile {
            id: ClientId::from_uuid(ids.next_uuid()),
            email: "jeanne@example.com".into(),
            first_name: "Jeanne".into(),
            last_name: "Dupont".into(),
            phone: Some("+33612345678".into()),
            address: None,
        };
        store.save_business(&business).await.expect("save business");
        store.save_resource(&resource).await.expect("save resource");
        store
            .save_resource(&other_resource)
            .await
            .expect("save resource");
        store.save_service(&service).await.expect("save service");
        store.save_client(&client).await.expect("save client");
        Fixture {
            business,
            resource,
            other_resource,
            service,
            client,
            ids,
        }
    }

    /// A pending reservation of the fixture's service, not yet stored.
    pub fn reservation(
        &self,
        client: ClientId,
        resource: ResourceId,
        interval: Interval,
    ) -> Reservation {
        Reservation {
            id: ReservationId::from_uuid(self.ids.next_uuid()),
            business_id: self.business.id,
            client_id: client,
            service_id: self.service.id,
            resource_id: resource,
            interval,
            buffer_before_minutes: self.service.rules.buffer_before_minutes,
            buffer_after_minutes: self.service.rules.buffer_after_minutes,
            status: ReservationStatus::Pending,
            price: self.service.price,
            reschedule_count: 0,
            history: vec![TransitionRecord {
                from: None,
                to: ReservationStatus::Pending,
                actor: Actor::Client,
                at: ts("2026-05-01T00:00:00Z"),
                reason: None,
            }],
            created_at: ts("2026-05-01T00:00:00Z"),
        }
    }

    /// A fresh client id.
    pub fn new_client(&self) -> ClientId {
        ClientId::from_uuid(self.ids.next_uuid())
    }

    /// A window of the given resource, not yet stored.
    pub fn window(&self, resource: ResourceId, interval: Interval) -> AvailabilityWindow {
        AvailabilityWindow {
            id: AvailabilityId::from_uuid(self.ids.next_uuid()),
            business_id: self.business.id,
            resource_id: resource,
            interval,
            series_id: None,
        }
    }
}

fn code<T: std::fmt::Debug>(r: Result<T, Error>) -> ErrorCode {
    r.expect_err("expected an error").code()
}

/// Saved entities read back equal; lists come sorted by name.
pub async fn directory_round_trip(store: impl Store) {
    let f = Fixture::new(&store).await;
    assert_eq!(
        store.get_business(f.business.id).await.unwrap(),
        Some(f.business.clone())
    );
    assert_eq!(
        store.get_service(f.service.id).await.unwrap(),
        Some(f.service.clone())
    );
    assert_eq!(
        store.get_client(f.client.id).await.unwrap(),
        Some(f.client.clone())
    );
    let names: Vec<String> = store
        .list_resources(f.business.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, ["Alice", "Bob"]);
    assert_eq!(
        store.list_services(f.business.id).await.unwrap(),
        std::slice::from_ref(&f.service)
    );
    assert_eq!(
        store
            .get_business(BusinessId::from_uuid(Uuid::nil()))
            .await
            .unwrap(),
        None
    );
    let mut changed = f.business.clone();
    changed.status = crate::business_status::BusinessStatus::Rejected;
    changed.status_reason = Some("Adresse incomplète".into());
    changed.special_hours = vec![crate::hours::SpecialHours {
        date: chrono::NaiveDate::from_ymd_opt(2026, 12, 24).expect("date"),
        ranges: vec![crate::hours::TimeRange::parse("10:00", "14:00").expect("range")],
        reason: Some("Réveillon".into()),
    }];
    store.save_business(&changed).await.unwrap();
    assert_eq!(
        store.get_business(f.business.id).await.unwrap(),
        Some(changed.clone())
    );
    // The one-read schedule carries the business's special hours too.
    let range = iv("2026-12-24T00:00:00Z", "2026-12-25T00:00:00Z");
    let inputs = store
        .load_schedule(f.service.id, range, range)
        .await
        .unwrap()
        .expect("schedule");
    assert_eq!(inputs.business, changed);
}

/// Windows never overlap per resource; a batch with one overlap stores nothing.
pub async fn availability_windows_never_overlap(store: impl Store) {
    let f = Fixture::new(&store).await;
    let a = f.window(
        f.resource.id,
        iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
    );
    let b = f.window(
        f.resource.id,
        iv("2026-06-01T12:00:00Z", "2026-06-01T16:00:00Z"),
    );
    let other = f.window(
        f.other_resource.id,
        iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
    );
    store
        .insert_windows(&[a.clone(), b.clone(), other.clone()])
        .await
        .unwrap();
    let clash = f.window(
        f.resource.id,
        iv("2026-06-01T11:00:00Z", "2026-06-01T13:00:00Z"),
    );
    let fine = f.window(
        f.resource.id,
        iv("2026-06-02T08:00:00Z", "2026-06-02T12:00:00Z"),
    );
    assert_eq!(
        code(store.insert_windows(&[fine.clone(), clash]).await),
        ErrorCode::AvailabilityOverlap
    );
    assert_eq!(
        store.get_window(fine.id).await.unwrap(),
        None,
        "a rejected batch stores nothing"
    );
    let twins = [
        f.window(
            f.resource.id,
            iv("2026-06-03T08:00:00Z", "2026-06-03T12:00:00Z"),
        ),
        f.window(
            f.resource.id,
            iv("2026-06-03T09:00:00Z", "2026-06-03T10:00:00Z"),
        ),
    ];
    assert_eq!(
        code(store.insert_windows(&twins).await),
        ErrorCode::AvailabilityOverlap
    );
    let listed = store
        .list_windows(
            &[f.resource.id],
            iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(listed, [a.clone(), b.clone()]);
    let mut moved = b.clone();
    moved.interval = iv("2026-06-01T11:00:00Z", "2026-06-01T16:00:00Z");
    assert_eq!(
        code(store.update_window(&moved).await),
        ErrorCode::AvailabilityOverlap
    );
    moved.interval = iv("2026-06-01T13:00:00Z", "2026-06-01T17:00:00Z");
    store.update_window(&moved).await.unwrap();
    assert_eq!(store.get_window(b.id).await.unwrap(), Some(moved));
    store.delete_window(a.id).await.unwrap();
    assert_eq!(code(store.delete_window(a.id).await), ErrorCode::NotFound);
}

/// The atomic insert refuses overlaps, buffer conflicts and client double bookings, and
/// cancelled reservations stop blocking.
pub async fn reservations_respect_capacity_buffers_and_clients(store: impl Store) {
    let f = Fixture::new(&store).await;
    let c1 = f.client.id;
    let c2 = f.new_client();
    let first = f.reservation(
        c1,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&first, 1).await.unwrap();
    let overlap = f.reservation(
        c2,
        f.resource.id,
        iv("2026-06-01T09:15:00Z", "2026-06-01T09:45:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&overlap, 1).await),
        ErrorCode::BookingOverlap
    );
    let in_buffer = f.reservation(
        c2,
        f.resource.id,
        iv("2026-06-01T09:35:00Z", "2026-06-01T10:05:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&in_buffer, 1).await),
        ErrorCode::BufferConflict
    );
    let after_buffer = f.reservation(
        c2,
        f.resource.id,
        iv("2026-06-01T09:40:00Z", "2026-06-01T10:10:00Z"),
    );
    store.insert_reservation(&after_buffer, 1).await.unwrap();
    let double = f.reservation(
        c1,
        f.other_resource.id,
        iv("2026-06-01T09:20:00Z", "2026-06-01T09:50:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&double, 1).await),
        ErrorCode::ClientDoubleBooked
    );
    let touching = f.reservation(
        c1,
        f.other_resource.id,
        iv("2026-06-01T09:30:00Z", "2026-06-01T10:00:00Z"),
    );
    store.insert_reservation(&touching, 1).await.unwrap();

    let mut cancelled = first.clone();
    cancelled.status = ReservationStatus::CancelledByClient;
    cancelled.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::CancelledByClient,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: None,
    });
    store.update_reservation(&cancelled, None).await.unwrap();
    let retry = f.reservation(
        c2,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&retry, 1).await.unwrap();
    let busy = store
        .list_active_for_resources(
            &[f.resource.id],
            iv("2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z"),
        )
        .await
        .unwrap();
    let ids: Vec<ReservationId> = busy.iter().map(|r| r.id).collect();
    assert_eq!(ids, [retry.id, after_buffer.id]);
    // The buffer after counts: a range starting right after the appointment still finds it.
    let by_buffer = store
        .list_active_for_resources(
            &[f.resource.id],
            iv("2026-06-01T10:15:00Z", "2026-06-01T10:16:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(by_buffer.len(), 1);
    // Busy periods are the same reservations, reduced to what slot queries need.
    let periods = store
        .list_busy(
            &[f.resource.id, f.other_resource.id],
            iv("2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z"),
        )
        .await
        .unwrap();
    let expected: Vec<BusyPeriod> = store
        .list_active_for_resources(
            &[f.resource.id, f.other_resource.id],
            iv("2026-06-01T09:00:00Z", "2026-06-01T12:00:00Z"),
        )
        .await
        .unwrap()
        .iter()
        .map(BusyPeriod::from)
        .collect();
    assert_eq!(periods, expected);
    assert_eq!(periods.len(), 3, "retry, after_buffer and touching");
    let by_buffer = store
        .list_busy(
            &[f.resource.id],
            iv("2026-06-01T10:15:00Z", "2026-06-01T10:16:00Z"),
        )
        .await
        .unwrap();
    assert_eq!(by_buffer.len(), 1);
    assert!(
        store
            .list_busy(&[], iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"))
            .await
            .unwrap()
            .is_empty()
    );
    let mine = store
        .list_active_for_client(c1, iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(mine.iter().map(|r| r.id).collect::<Vec<_>>(), [touching.id]);
}

/// A booking handed several resources lands on the first one still free, in the order given;
/// a client's own overlap stops it at once; when all are taken nothing is stored.
pub async fn first_free_booking_takes_the_next_free_resource(store: impl Store) {
    let f = Fixture::new(&store).await;
    let both = [f.resource.id, f.other_resource.id];
    let slot = iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z");
    let first = f.reservation(f.client.id, f.other_resource.id, slot);
    let got = store.insert_on_first_free(&first, &both, 1).await.unwrap();
    assert_eq!(got, f.resource.id, "the first resource was free");
    let stored = store.get_reservation(first.id).await.unwrap().unwrap();
    assert_eq!(stored.resource_id, f.resource.id);

    let second = f.reservation(f.new_client(), f.resource.id, slot);
    let got = store.insert_on_first_free(&second, &both, 1).await.unwrap();
    assert_eq!(
        got, f.other_resource.id,
        "the first was taken, the next one was free"
    );
    let stored = store.get_reservation(second.id).await.unwrap().unwrap();
    assert_eq!(stored.resource_id, f.other_resource.id);

    let third = f.reservation(f.new_client(), f.resource.id, slot);
    assert_eq!(
        code(store.insert_on_first_free(&third, &both, 1).await),
        ErrorCode::BookingOverlap,
        "every resource taken: the first one's error"
    );
    assert!(store.get_reservation(third.id).await.unwrap().is_none());

    let near = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T09:35:00Z", "2026-06-01T10:05:00Z"),
    );
    assert_eq!(
        code(store.insert_on_first_free(&near, &both, 1).await),
        ErrorCode::BufferConflict,
        "inside both buffers"
    );

    let other = Resource {
        id: ResourceId::from_uuid(f.ids.next_uuid()),
        name: "Chloé".into(),
        ..f.resource.clone()
    };
    store.save_resource(&other).await.unwrap();
    let again = f.reservation(f.client.id, other.id, slot);
    assert_eq!(
        code(
            store
                .insert_on_first_free(&again, &[f.resource.id, other.id], 1)
                .await
        ),
        ErrorCode::ClientDoubleBooked,
        "the client's own overlap is not a reason to try another resource"
    );
    assert!(store.get_reservation(again.id).await.unwrap().is_none());
    assert_eq!(
        code(store.insert_on_first_free(&again, &[], 1).await),
        ErrorCode::ResourceNotEligible
    );
}

/// Overlap checks and busy reads find a reservation by its blocked range however long it is:
/// one almost as long as the schema allows still blocks its last minutes, whether it was
/// booked long or rescheduled into a long one.
pub async fn long_reservations_block_to_their_end(store: impl Store) {
    let f = Fixture::new(&store).await;
    // Many short ones first, so a store that learns lengths has seen only short ones.
    for hour in 0..6 {
        let start = ts("2026-06-01T00:00:00Z").add_secs(hour * 3600);
        let r = f.reservation(
            f.new_client(),
            f.resource.id,
            Interval::new(start, start.add_secs(1800)).unwrap(),
        );
        store.insert_reservation(&r, 1).await.unwrap();
    }
    let long = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-02T00:00:00Z", "2026-06-03T23:00:00Z"),
    );
    store.insert_reservation(&long, 1).await.unwrap();
    let at_its_end = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-03T22:30:00Z", "2026-06-03T23:00:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&at_its_end, 1).await),
        ErrorCode::BookingOverlap
    );
    let in_its_buffer = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-03T23:05:00Z", "2026-06-03T23:35:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&in_its_buffer, 1).await),
        ErrorCode::BufferConflict
    );
    let late = iv("2026-06-03T22:50:00Z", "2026-06-03T23:20:00Z");
    let busy = store.list_busy(&[f.resource.id], late).await.unwrap();
    assert!(busy.iter().any(|b| b.interval == long.interval), "{busy:?}");
    let active = store
        .list_active_for_resources(&[f.resource.id, f.other_resource.id], late)
        .await
        .unwrap();
    assert_eq!(active.iter().map(|r| r.id).collect::<Vec<_>>(), [long.id]);
    let inputs = store
        .load_schedule(f.service.id, late, late)
        .await
        .unwrap()
        .unwrap();
    assert!(inputs.busy.iter().any(|b| b.interval == long.interval));

    // Rescheduled into a long one on the other resource, which held only a short one.
    let short = f.reservation(
        f.new_client(),
        f.other_resource.id,
        iv("2026-06-05T00:00:00Z", "2026-06-05T00:30:00Z"),
    );
    store.insert_reservation(&short, 1).await.unwrap();
    let mut longer = short.clone();
    longer.interval = iv("2026-06-05T00:00:00Z", "2026-06-06T23:00:00Z");
    longer.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::Pending,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: Some("longer".into()),
    });
    store.update_reservation(&longer, Some(1)).await.unwrap();
    let on_other = f.reservation(
        f.new_client(),
        f.other_resource.id,
        iv("2026-06-06T22:30:00Z", "2026-06-06T23:00:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&on_other, 1).await),
        ErrorCode::BookingOverlap
    );
    let later = iv("2026-06-06T22:50:00Z", "2026-06-06T23:20:00Z");
    let busy = store
        .list_busy(&[f.other_resource.id], later)
        .await
        .unwrap();
    assert!(
        busy.iter().any(|b| b.interval == longer.interval),
        "{busy:?}"
    );
}

/// One read brings what a slot query needs: the service, its business, and the windows and
/// busy periods of the service's resources only, over the range extended by the duration.
pub async fn schedule_inputs_hold_what_a_slot_query_reads(store: impl Store) {
    let f = Fixture::new(&store).await;
    let outsider = Resource {
        id: ResourceId::from_uuid(f.ids.next_uuid()),
        name: "Outsider".into(),
        ..f.resource.clone()
    };
    store.save_resource(&outsider).await.unwrap();
    // 30 minutes with 15 minutes before and 10 after: busy periods matter from 07:45.
    let mut service = f.service.clone();
    service.resource_ids = vec![f.other_resource.id, f.resource.id];
    service.rules.buffer_before_minutes = 15;
    store.save_service(&service).await.unwrap();
    let second_service = Service {
        id: ServiceId::from_uuid(f.ids.next_uuid()),
        name: "Other service".into(),
        ..f.service.clone()
    };
    store.save_service(&second_service).await.unwrap();
    let range = iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z");
    let windows = [
        f.window(
            f.resource.id,
            iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
        ),
        f.window(
            f.other_resource.id,
            iv("2026-06-01T09:00:00Z", "2026-06-01T11:00:00Z"),
        ),
        // Starts within the service's duration after the range: a slot may end in it.
        f.window(
            f.resource.id,
            iv("2026-06-01T12:20:00Z", "2026-06-01T13:00:00Z"),
        ),
        // Starts after the last slot's end (12:30), even counting the buffer after: no slot
        // of the range reaches it.
        f.window(
            f.other_resource.id,
            iv("2026-06-01T12:35:00Z", "2026-06-01T13:00:00Z"),
        ),
        f.window(
            outsider.id,
            iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z"),
        ),
        f.window(
            f.resource.id,
            iv("2026-07-01T08:00:00Z", "2026-07-01T12:00:00Z"),
        ),
    ];
    store.insert_windows(&windows).await.unwrap();
    let kept = f.reservation(
        f.client.id,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    let other = f.reservation(
        f.new_client(),
        f.other_resource.id,
        iv("2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z"),
    );
    let elsewhere = f.reservation(
        f.new_client(),
        outsider.id,
        iv("2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z"),
    );
    let mut cancelled = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T11:00:00Z", "2026-06-01T11:30:00Z"),
    );
    // Ends at 07:40 but its 10-minute buffer runs to 07:50, into the first slot's buffer
    // before (07:45); one ending with its buffer at 07:35 cannot conflict.
    let early = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T07:20:00Z", "2026-06-01T07:40:00Z"),
    );
    let too_early = f.reservation(
        f.new_client(),
        f.other_resource.id,
        iv("2026-06-01T07:00:00Z", "2026-06-01T07:25:00Z"),
    );
    // Another service on the same resource.
    let mut mixed = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T09:45:00Z", "2026-06-01T10:15:00Z"),
    );
    mixed.service_id = second_service.id;
    // Slots start before 12:00, so the last one ends before 12:30 and its 10-minute buffer
    // before 12:40: a reservation blocking from 12:35 can conflict, one from 12:45 cannot.
    let edge = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T12:35:00Z", "2026-06-01T13:05:00Z"),
    );
    let beyond = f.reservation(
        f.new_client(),
        f.other_resource.id,
        iv("2026-06-01T12:45:00Z", "2026-06-01T13:15:00Z"),
    );
    for r in [
        &kept, &other, &elsewhere, &cancelled, &edge, &beyond, &early, &too_early, &mixed,
    ] {
        store.insert_reservation(r, 1).await.unwrap();
    }
    cancelled.status = ReservationStatus::CancelledByClient;
    cancelled.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::CancelledByClient,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: None,
    });
    store.update_reservation(&cancelled, None).await.unwrap();

    let inputs = store
        .load_schedule(service.id, range, range)
        .await
        .unwrap()
        .expect("the service exists");
    assert_eq!(inputs.service, service);
    assert_eq!(inputs.business, f.business);
    assert_eq!(
        inputs.windows,
        [
            OpenPeriod::from(&windows[0]),
            OpenPeriod::from(&windows[1]),
            OpenPeriod::from(&windows[2])
        ]
    );
    assert_eq!(
        inputs.busy,
        [
            BusyPeriod::from(&early),
            BusyPeriod::from(&kept),
            BusyPeriod::from(&mixed),
            BusyPeriod::from(&other),
            BusyPeriod::from(&edge)
        ]
    );
    // Busy periods follow the slot range, not the window range.
    let late = iv("2026-06-01T12:30:00Z", "2026-06-01T12:31:00Z");
    let inputs = store
        .load_schedule(service.id, range, late)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(inputs.windows.len(), 3);
    assert_eq!(
        inputs.busy,
        [BusyPeriod::from(&edge), BusyPeriod::from(&beyond)]
    );
    assert_eq!(
        store
            .load_schedule(ServiceId::from_uuid(f.ids.next_uuid()), range, range)
            .await
            .unwrap(),
        None
    );
}

/// A group slot takes exactly `seats` reservations of the same service and time.
pub async fn group_slots_fill_exactly_their_seats(store: impl Store) {
    let f = Fixture::new(&store).await;
    let slot = iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z");
    for _ in 0..3 {
        let r = f.reservation(f.new_client(), f.resource.id, slot);
        store.insert_reservation(&r, 3).await.unwrap();
    }
    let fourth = f.reservation(f.new_client(), f.resource.id, slot);
    assert_eq!(
        code(store.insert_reservation(&fourth, 3).await),
        ErrorCode::SlotFull
    );
    let shifted = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T09:10:00Z", "2026-06-01T09:40:00Z"),
    );
    assert_eq!(
        code(store.insert_reservation(&shifted, 3).await),
        ErrorCode::BookingOverlap
    );
}

/// Updates need the next version; confirmation re-checks capacity.
pub async fn updates_are_versioned_and_confirmation_rechecks(store: impl Store) {
    let f = Fixture::new(&store).await;
    let slot = iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z");
    let a = f.reservation(f.new_client(), f.resource.id, slot);
    store.insert_reservation(&a, 1).await.unwrap();
    let mut stale = a.clone();
    stale.status = ReservationStatus::Confirmed;
    assert_eq!(
        code(store.update_reservation(&stale, None).await),
        ErrorCode::ConcurrentModification
    );
    // Moving `a` onto a slot another reservation holds is refused and changes nothing.
    let b = f.reservation(
        f.new_client(),
        f.resource.id,
        iv("2026-06-01T10:00:00Z", "2026-06-01T10:30:00Z"),
    );
    store.insert_reservation(&b, 1).await.unwrap();
    let mut moved = a.clone();
    moved.interval = iv("2026-06-01T10:10:00Z", "2026-06-01T10:40:00Z");
    moved.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::Pending,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: Some("rescheduled".into()),
    });
    assert_eq!(
        code(store.update_reservation(&moved, Some(1)).await),
        ErrorCode::BookingOverlap
    );
    assert_eq!(store.get_reservation(a.id).await.unwrap(), Some(a.clone()));
    moved.interval = iv("2026-06-01T11:00:00Z", "2026-06-01T11:30:00Z");
    store.update_reservation(&moved, Some(1)).await.unwrap();
    assert_eq!(store.get_reservation(a.id).await.unwrap(), Some(moved));
}

/// History lists filter, sort and paginate with stable cursors.
pub async fn reservation_lists_filter_sort_and_paginate(store: impl Store) {
    let f = Fixture::new(&store).await;
    let mut all = Vec::new();
    for day in 1..=9 {
        let start = format!("2026-06-0{day}T09:00:00Z");
        let end = format!("2026-06-0{day}T09:30:00Z");
        let mut r = f.reservation(f.client.id, f.resource.id, iv(&start, &end));
        r.created_at = ts(&format!("2026-05-{:02}T00:00:00Z", 20 - day));
        if day % 3 == 0 {
            r.status = ReservationStatus::Confirmed;
        }
        store.insert_reservation(&r, 1).await.unwrap();
        all.push(r);
    }
    let filter = ReservationFilter {
        client_id: Some(f.client.id),
        ..Default::default()
    };
    let mut seen = Vec::new();
    let mut page = PageRequest::first(4);
    loop {
        let got = store
            .list_reservations(&filter, ReservationSort::StartAsc, &page)
            .await
            .unwrap();
        assert!(got.items.len() <= 4);
        seen.extend(got.items.iter().map(|v| v.reservation.id));
        match got.next_cursor {
            Some(c) => page.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, all.iter().map(|r| r.id).collect::<Vec<_>>());
    let newest_first = store
        .list_reservations(&filter, ReservationSort::CreatedAsc, &PageRequest::first(2))
        .await
        .unwrap();
    assert_eq!(
        newest_first.items[0].reservation.id, all[8].id,
        "created_at ascending: day 9 was created first"
    );
    let desc = store
        .list_reservations(&filter, ReservationSort::StartDesc, &PageRequest::first(3))
        .await
        .unwrap();
    assert_eq!(
        desc.items
            .iter()
            .map(|v| v.reservation.id)
            .collect::<Vec<_>>(),
        [all[8].id, all[7].id, all[6].id]
    );
    let confirmed = ReservationFilter {
        business_id: Some(f.business.id),
        statuses: vec![ReservationStatus::Confirmed],
        from: Some(ts("2026-06-04T00:00:00Z")),
        to: Some(ts("2026-06-09T00:00:00Z")),
        ..Default::default()
    };
    let got = store
        .list_reservations(
            &confirmed,
            ReservationSort::StartAsc,
            &PageRequest::first(50),
        )
        .await
        .unwrap();
    assert_eq!(
        got.items
            .iter()
            .map(|v| v.reservation.id)
            .collect::<Vec<_>>(),
        [all[5].id]
    );
    assert_eq!(got.next_cursor, None);
    let bad = PageRequest {
        limit: 5,
        cursor: Some("garbage".into()),
    };
    assert_eq!(
        code(
            store
                .list_reservations(&filter, ReservationSort::StartAsc, &bad)
                .await
        ),
        ErrorCode::ValidationFailed
    );
}

/// History views carry the business, service and resource names.
pub async fn reservation_views_carry_names(store: impl Store) {
    let f = Fixture::new(&store).await;
    let r = f.reservation(
        f.client.id,
        f.other_resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&r, 1).await.unwrap();
    let filter = ReservationFilter {
        client_id: Some(f.client.id),
        ..Default::default()
    };
    let page = store
        .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
        .await
        .unwrap();
    let v = &page.items[0];
    assert_eq!(v.reservation, r);
    assert_eq!(
        (
            v.business_name.as_str(),
            v.service_name.as_str(),
            v.resource_name.as_str()
        ),
        ("Coiffeur Élégance", "Coupe", "Bob")
    );
    // Who booked, the phone decrypted.
    assert_eq!(
        v.client,
        crate::ports::ClientContact {
            first_name: "Jeanne".into(),
            last_name: "Dupont".into(),
            email: "jeanne@example.com".into(),
            phone: Some("+33612345678".into()),
        }
    );
}

/// A business's clients are those with a reservation of it, archived ones included; a list
/// filtered by client ids shows only theirs, and an empty id list shows nothing.
pub async fn business_clients_and_the_client_filter(store: impl Store) {
    let f = Fixture::new(&store).await;
    let other = ClientProfile {
        id: ClientId::from_uuid(f.ids.next_uuid()),
        email: "zoe@example.com".into(),
        first_name: "Zoé".into(),
        last_name: "Martin".into(),
        phone: None,
        address: None,
    };
    let stranger = ClientProfile {
        id: ClientId::from_uuid(f.ids.next_uuid()),
        email: "nobody@example.com".into(),
        ..other.clone()
    };
    store.save_client(&other).await.unwrap();
    store.save_client(&stranger).await.unwrap();
    let old = f.reservation(
        other.id,
        f.resource.id,
        iv("2026-01-05T09:00:00Z", "2026-01-05T09:30:00Z"),
    );
    let new = f.reservation(
        f.client.id,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&old, 1).await.unwrap();
    store.insert_reservation(&new, 1).await.unwrap();
    store
        .archive_reservations("2026-02-01T00:00:00Z".parse().unwrap())
        .await
        .unwrap();
    let mut clients = store.business_clients(f.business.id).await.unwrap();
    clients.sort_by_key(|c| c.id);
    let mut expected = vec![f.client.clone(), other.clone()];
    expected.sort_by_key(|c| c.id);
    assert_eq!(clients, expected, "the stranger never booked here");
    let ids = |filter: ReservationFilter| {
        let store = &store;
        async move {
            store
                .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
                .await
                .unwrap()
                .items
                .into_iter()
                .map(|v| v.reservation.id)
                .collect::<Vec<_>>()
        }
    };
    let of = |clients: Vec<ClientId>| ReservationFilter {
        business_id: Some(f.business.id),
        client_ids: Some(clients),
        include_archived: true,
        ..Default::default()
    };
    assert_eq!(ids(of(vec![other.id])).await, [old.id]);
    assert_eq!(ids(of(vec![other.id, f.client.id])).await, [old.id, new.id]);
    assert_eq!(ids(of(vec![])).await, Vec::<ReservationId>::new());
}

/// Reservations that ended before the cut-off move to the archive in one step; lists show
/// them only when asked.
pub async fn old_reservations_move_to_the_archive(store: impl Store) {
    let f = Fixture::new(&store).await;
    let old = f.reservation(
        f.client.id,
        f.resource.id,
        iv("2026-01-05T09:00:00Z", "2026-01-05T09:30:00Z"),
    );
    let recent = f.reservation(
        f.client.id,
        f.resource.id,
        iv("2026-06-01T09:00:00Z", "2026-06-01T09:30:00Z"),
    );
    store.insert_reservation(&old, 1).await.unwrap();
    store.insert_reservation(&recent, 1).await.unwrap();
    assert_eq!(
        store
            .archive_reservations(ts("2026-03-01T00:00:00Z"))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        store
            .archive_reservations(ts("2026-03-01T00:00:00Z"))
            .await
            .unwrap(),
        0
    );
    let mut filter = ReservationFilter {
        client_id: Some(f.client.id),
        ..Default::default()
    };
    let ids = |p: crate::ports::Page<crate::ports::ReservationView>| {
        p.items
            .into_iter()
            .map(|v| v.reservation.id)
            .collect::<Vec<_>>()
    };
    let live = store
        .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids(live), [recent.id]);
    filter.include_archived = true;
    let all = store
        .list_reservations(&filter, ReservationSort::StartAsc, &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(ids(all), [old.id, recent.id]);
    assert_eq!(
        store.get_reservation(old.id).await.unwrap(),
        None,
        "archived reservations leave the live table"
    );
}

/// Search is accent-insensitive, ranked, and lists only validated businesses and active
/// services.
pub async fn search_finds_validated_businesses_and_active_services(store: impl Store) {
    use crate::search::{HitKind, SearchQuery};
    let f = Fixture::new(&store).await;
    let mut other = f.business.clone();
    other.id = BusinessId::from_uuid(Uuid::from_u128(0xB2));
    other.owner_id = UserId::from_uuid(f.ids.next_uuid());
    other.name = "Barbier Central".into();
    other.description = "Un coiffeur pour hommes".into();
    other.city = "Paris".into();
    store.save_business(&other).await.unwrap();
    let mut hidden = f.business.clone();
    hidden.id = BusinessId::from_uuid(Uuid::from_u128(0xB3));
    hidden.owner_id = UserId::from_uuid(f.ids.next_uuid());
    hidden.name = "Coiffeur Caché".into();
    hidden.status = crate::business_status::BusinessStatus::Suspended;
    store.save_business(&hidden).await.unwrap();
    let mut inactive = f.service.clone();
    inactive.id = ServiceId::from_uuid(Uuid::from_u128(0x5E));
    inactive.name = "Coiffeur express".into();
    inactive.active = false;
    store.save_service(&inactive).await.unwrap();

    let q = |text: &str, city: Option<&str>| SearchQuery {
        text: text.into(),
        city: city.map(Into::into),
        domain: None,
        limit: 10,
    };
    let hits = store.search(&q("coiffeur", None)).await.unwrap();
    let names: Vec<(&str, HitKind)> = hits.iter().map(|h| (h.name.as_str(), h.kind)).collect();
    // The name match ranks above the description match; the unvalidated business and the
    // inactive service never appear.
    assert_eq!(
        names,
        [
            ("Coiffeur Élégance", HitKind::Business),
            ("Barbier Central", HitKind::Business)
        ]
    );
    assert!(hits[0].rank > hits[1].rank);
    let accented = store.search(&q("ÉLÉGANCE", None)).await.unwrap();
    assert_eq!(accented.len(), 1);
    assert_eq!(accented[0].business_id, f.business.id);
    let in_paris = store.search(&q("coiffeur", Some("paris"))).await.unwrap();
    assert_eq!(
        in_paris.iter().map(|h| h.business_id).collect::<Vec<_>>(),
        [other.id]
    );
    let service = store.search(&q("coupe", None)).await.unwrap();
    assert_eq!(
        (service[0].kind, service[0].id),
        (HitKind::Service, f.service.id.0)
    );
    assert!(store.search(&q("pedicure", None)).await.unwrap().is_empty());
    assert_eq!(
        code(store.search(&q("  ", None)).await),
        ErrorCode::ValidationFailed
    );
}

/// Business lists filter by validation, owner, domain and city (case-insensitive), sort by
/// name either way and page without gaps or repeats.
pub async fn business_lists_filter_sort_and_paginate(store: impl Store) {
    let f = Fixture::new(&store).await;
    let mut owners = Vec::new();
    let names = [
        "Zen Spa",
        "atelier",
        "Barbier Marcel",
        "Atelier Nord",
        "Café",
    ];
    for (i, name) in names.iter().enumerate() {
        let b = Business {
            id: BusinessId::from_uuid(f.ids.next_uuid()),
            owner_id: UserId::from_uuid(f.ids.next_uuid()),
            name: (*name).into(),
            domain: "spa".into(),
            city: if i % 2 == 0 { "Paris" } else { "LYON" }.into(),
            status: if i == 4 {
                crate::business_status::BusinessStatus::Pending
            } else {
                crate::business_status::BusinessStatus::Validated
            },
            ..f.business.clone()
        };
        store.save_business(&b).await.expect("save business");
        owners.push(b.owner_id);
    }
    let all_names = |page: crate::ports::Page<Business>| -> Vec<String> {
        page.items.into_iter().map(|b| b.name).collect()
    };
    let spas = BusinessFilter {
        domain: Some("SPA".into()),
        ..BusinessFilter::default()
    };
    let page = store
        .list_businesses(&spas, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .expect("list");
    assert_eq!(page.next_cursor, None);
    assert_eq!(
        all_names(page),
        [
            "Atelier Nord",
            "Barbier Marcel",
            "Café",
            "Zen Spa",
            "atelier"
        ]
    );
    // Page by two, descending: every item exactly once.
    let mut seen = Vec::new();
    let mut request = PageRequest::first(2);
    loop {
        let page = store
            .list_businesses(&spas, BusinessSort::NameDesc, &request)
            .await
            .expect("list");
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|b| b.name.clone()));
        match page.next_cursor {
            Some(c) => request.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "atelier",
            "Zen Spa",
            "Café",
            "Barbier Marcel",
            "Atelier Nord"
        ]
    );
    let lyon_validated = BusinessFilter {
        status: Some(crate::business_status::BusinessStatus::Validated),
        city: Some("lyon".into()),
        ..BusinessFilter::default()
    };
    let page = store
        .list_businesses(
            &lyon_validated,
            BusinessSort::NameAsc,
            &PageRequest::first(50),
        )
        .await
        .expect("list");
    assert_eq!(
        all_names(page),
        ["Atelier Nord", "Coiffeur Élégance", "atelier"]
    );
    let of_owner = BusinessFilter {
        owner_id: Some(owners[2]),
        ..BusinessFilter::default()
    };
    let page = store
        .list_businesses(&of_owner, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .expect("list");
    assert_eq!(all_names(page), ["Barbier Marcel"]);
    let awaiting = BusinessFilter {
        status: Some(crate::business_status::BusinessStatus::Pending),
        ..BusinessFilter::default()
    };
    let page = store
        .list_businesses(&awaiting, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .expect("list");
    assert_eq!(all_names(page), ["Café"]);
    let bad = PageRequest {
        limit: 10,
        cursor: Some("garbage".into()),
    };
    assert_eq!(
        code(
            store
                .list_businesses(&spas, BusinessSort::NameAsc, &bad)
                .await
        ),
        ErrorCode::ValidationFailed
    );
}

/// An owner has at most one business: another business of the fixture's owner is refused
/// with `OWNER_HAS_BUSINESS` and not stored; the owner's business can still be saved again
/// (an update), and another owner's business is stored.
pub async fn an_owner_has_one_business(store: impl Store) {
    let f = Fixture::new(&store).await;
    let second = Business {
        id: BusinessId::from_uuid(f.ids.next_uuid()),
        name: "Second salon".into(),
        ..f.business.clone()
    };
    assert_eq!(
        code(store.save_business(&second).await),
        ErrorCode::OwnerHasBusiness
    );
    assert_eq!(store.get_business(second.id).await.expect("get"), None);
    let renamed = Business {
        name: "Coiffeur Élégance et Fils".into(),
        ..f.business.clone()
    };
    store.save_business(&renamed).await.expect("update");
    assert_eq!(
        store.get_business(f.business.id).await.expect("get"),
        Some(renamed)
    );
    let another = Business {
        owner_id: UserId::from_uuid(f.ids.next_uuid()),
        ..second
    };
    store.save_business(&another).await.expect("another owner");
    assert_eq!(
        store.get_business(another.id).await.expect("get"),
        Some(another)
    );
}

/// Expands to one `#[test]` per conformance case for a backend. `make` is an expression whose
/// value is a future of a fresh, empty store; `block_on` runs a future to completion.
#[macro_export]
macro_rules! storage_conformance_tests {
    (make = $make:expr, block_on = $block_on:expr) => {
        $crate::storage_conformance_tests!(@cases $make, $block_on;
            directory_round_trip,
            availability_windows_never_overlap,
            reservations_respect_capacity_buffers_and_clients,
            first_free_booking_takes_the_next_free_resource,
            long_reservations_block_to_their_end,
            schedule_inputs_hold_what_a_slot_query_reads,
            group_slots_fill_exactly_their_seats,
            updates_are_versioned_and_confirmation_rechecks,
            reservation_lists_filter_sort_and_paginate,
            reservation_views_carry_names,
            business_clients_and_the_client_filter,
            old_reservations_move_to_the_archive,
            search_finds_validated_businesses_and_active_services,
            business_lists_filter_sort_and_paginate,
            an_owner_has_one_business,
            statistics_add_up_live_and_archived_reservations,
            statistics_match_the_reference_over_generated_data,
            calendar_reads_reservations_meeting_a_range_with_their_buffers,
            waitlist_places_are_unique_while_open_and_change_only_from_what_was_read,
            resources_keep_their_working_hours_for_the_schedule,
            a_reservation_moves_to_another_resource_atomically,
            a_resource_is_deleted_only_once_it_holds_nothing,
            the_catalogue_filters_businesses_and_counts_categories,
            an_import_writes_resources_and_services_together_or_not_at_all,
            a_large_window_batch_is_all_or_nothing,
            busy_times_replace_a_source_whole_and_reach_the_schedule,
            contacts_keep_one_email_per_business,
        );
    };
    (@cases $make:expr, $block_on:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                ($block_on)(async {
                    let store = $make.await;
                    $crate::conformance::$case(store).await;
                });
            }
        )*
    };
}

#[cfg(test)]
mod memory_backend {
    storage_conformance_tests!(
        make = async { crate::memory::MemoryStore::new() },
        block_on = crate::conformance::block_on
    );
}
