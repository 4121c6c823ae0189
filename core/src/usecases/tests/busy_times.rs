//! Busy times from other calendars: they block slots and bookings, a source is replaced
//! whole, conflicts are reported, and every refusal writes nothing.

use super::*;
use crate::busy_times::{BusyEvent, EventTime};

fn meeting(row: usize, uid: &str, start: &str, end: &str) -> BusyEvent {
    BusyEvent {
        row,
        uid: uid.into(),
        start: Some(EventTime::Utc(ts(start))),
        end: Some(EventTime::Utc(ts(end))),
        ..BusyEvent::default()
    }
}

fn starts(slots: &crate::slots::SlotList, resource: ResourceId) -> Vec<Timestamp> {
    slots
        .slots
        .iter()
        .filter(|s| s.resource_id == resource)
        .map(|s| s.start)
        .collect()
}

#[test]
fn an_imported_busy_time_blocks_the_slots_it_meets_and_a_booking_there() {
    let w = world(1);
    block_on(async {
        let alice = w.staff[0].id;
        let events = [meeting(
            1,
            "m1",
            "2026-06-08T09:00:00Z",
            "2026-06-08T10:00:00Z",
        )];
        let report = w
            .app
            .import_busy_times(w.business.id, alice, "agenda", &events, false)
            .await
            .unwrap();
        assert_eq!((report.busy_times, report.replaced), (1, 0));
        assert!(report.problems.is_empty());
        let day = (ts("2026-06-08T00:00:00Z"), ts("2026-06-09T00:00:00Z"));
        let slots = w
            .app
            .slots_for_service(w.service.id, day.0, day.1, 1000)
            .await
            .unwrap();
        let free = starts(&slots, alice);
        // 30-minute slots with a 10-minute buffer after: 08:30 would run into 09:00 with its
        // buffer, so the last free start before the meeting is 08:00; the first after is 10:00.
        assert!(free.contains(&ts("2026-06-08T08:00:00Z")));
        for taken in [
            "2026-06-08T08:30:00Z",
            "2026-06-08T09:00:00Z",
            "2026-06-08T09:30:00Z",
        ] {
            assert!(!free.contains(&ts(taken)), "{taken} should be busy");
        }
        assert!(free.contains(&ts("2026-06-08T10:00:00Z")));
        // Bob is free at 09:00; Alice named is refused.
        let err = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T09:00:00Z"))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::BookingOverlap);
        let any = w
            .app
            .book(client(1), &request(&w, None, "2026-06-08T09:00:00Z"))
            .await
            .unwrap();
        assert_eq!(any.resource_id, w.staff[1].id);
    });
}

#[test]
fn a_new_import_replaces_its_source_only_and_reports_the_reservations_it_meets() {
    let w = world(1);
    block_on(async {
        let alice = w.staff[0].id;
        let held = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T12:00:00Z"))
            .await
            .unwrap();
        let first = [meeting(
            1,
            "a",
            "2026-06-08T09:00:00Z",
            "2026-06-08T10:00:00Z",
        )];
        w.app
            .import_busy_times(w.business.id, alice, "one", &first, false)
            .await
            .unwrap();
        let other = [meeting(
            1,
            "b",
            "2026-06-08T14:00:00Z",
            "2026-06-08T15:00:00Z",
        )];
        w.app
            .import_busy_times(w.business.id, alice, "two", &other, false)
            .await
            .unwrap();
        let second = [meeting(
            1,
            "c",
            "2026-06-08T11:45:00Z",
            "2026-06-08T12:15:00Z",
        )];
        // A dry run says what would happen and writes nothing.
        let dry = w
            .app
            .import_busy_times(w.business.id, alice, "one", &second, true)
            .await
            .unwrap();
        assert_eq!((dry.replaced, dry.conflicts.clone()), (1, vec![held.id]));
        let range = iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z");
        let uids = |list: Vec<crate::busy_times::BusyTime>| {
            list.into_iter().map(|b| b.uid).collect::<Vec<_>>()
        };
        let stored = w.app.busy_times(w.business.id, alice, None, range).await;
        assert_eq!(uids(stored.unwrap()), ["a", "b"]);
        let report = w
            .app
            .import_busy_times(w.business.id, alice, "one", &second, false)
            .await
            .unwrap();
        assert_eq!((report.replaced, report.conflicts), (1, vec![held.id]));
        let stored = w.app.busy_times(w.business.id, alice, None, range).await;
        assert_eq!(uids(stored.unwrap()), ["c", "b"]);
        // The reservation met is kept, for the owner to decide.
        let kept = w.app.store.get_reservation(held.id).await.unwrap().unwrap();
        assert!(kept.status.is_active());
        assert_eq!(
            w.app.remove_busy_times(w.business.id, alice, "two").await,
            Ok(1)
        );
        let stored = w
            .app
            .busy_times(w.business.id, alice, Some("one"), range)
            .await;
        assert_eq!(uids(stored.unwrap()), ["c"]);
    });
}

#[test]
fn a_bad_file_or_a_foreign_resource_writes_nothing() {
    let w = world(1);
    block_on(async {
        let alice = w.staff[0].id;
        let good = meeting(1, "ok", "2026-06-08T09:00:00Z", "2026-06-08T10:00:00Z");
        let bad = meeting(2, "", "2026-06-08T11:00:00Z", "2026-06-08T12:00:00Z");
        let report = w
            .app
            .import_busy_times(w.business.id, alice, "agenda", &[good.clone(), bad], false)
            .await
            .unwrap();
        assert_eq!(report.problems.len(), 1);
        assert_eq!(
            (report.problems[0].row, report.problems[0].code.as_str()),
            (2, "required")
        );
        let range = iv("2026-06-01T00:00:00Z", "2026-07-01T00:00:00Z");
        let stored = w.app.busy_times(w.business.id, alice, None, range).await;
        assert_eq!(stored.unwrap(), []);
        let stranger = BusinessId::from_uuid(uuid::Uuid::from_u128(999));
        let err = w
            .app
            .import_busy_times(
                stranger,
                alice,
                "agenda",
                std::slice::from_ref(&good),
                false,
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let err = w
            .app
            .import_busy_times(w.business.id, alice, "bad source", &[good], false)
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "source");
    });
}
