//! Conformance case of the business calendar's read (ADV-1): the reservations whose blocked
//! range meets a range, buffers included, of one business, every status, archived ones on
//! request, with their names, by start.

use super::{Fixture, iv, ts};
use crate::calendar::CalendarReservation;
use crate::model::*;
use crate::ports::{ClientContact, Store};

/// `calendar_reservations` returns the business's reservations whose blocked range meets the
/// range (one that ends before it but whose buffer after reaches in, one that starts before it
/// and ends in it, a cancelled one inside it, one whose buffer before reaches in), not those
/// whose blocked range only touches or misses it, sorted by start, with their names; the
/// archive only when asked; another business's id finds nothing.
pub async fn calendar_reads_reservations_meeting_a_range_with_their_buffers(store: impl Store) {
    let f = Fixture::new(&store).await;
    let (alice, bob) = (f.resource.id, f.other_resource.id);
    let at = |resource, client, a: &str, b: &str, before: u32| {
        let mut r = f.reservation(client, resource, iv(a, b));
        r.buffer_before_minutes = before;
        r
    };
    // Blocked 06:30–07:10 and 12:40–13:20: outside [08:00, 12:00).
    let missed_before = at(
        alice,
        f.new_client(),
        "2026-06-01T06:30:00Z",
        "2026-06-01T07:00:00Z",
        0,
    );
    let missed_after = at(
        alice,
        f.new_client(),
        "2026-06-01T12:40:00Z",
        "2026-06-01T13:10:00Z",
        0,
    );
    // Blocked 07:25–08:05: its buffer after reaches in.
    let buffer_in = at(
        alice,
        f.client.id,
        "2026-06-01T07:25:00Z",
        "2026-06-01T07:55:00Z",
        0,
    );
    let crossing = at(
        bob,
        f.new_client(),
        "2026-06-01T07:45:00Z",
        "2026-06-01T08:15:00Z",
        0,
    );
    let cancelled = at(
        alice,
        f.new_client(),
        "2026-06-01T10:00:00Z",
        "2026-06-01T10:30:00Z",
        0,
    );
    // Blocked 11:55–12:45: its buffer before reaches in.
    let early_buffer = at(
        bob,
        f.new_client(),
        "2026-06-01T12:05:00Z",
        "2026-06-01T12:35:00Z",
        10,
    );
    // Blocked from exactly 12:00, where the range ends: touching is not meeting.
    let touching = at(
        alice,
        f.new_client(),
        "2026-06-01T12:00:00Z",
        "2026-06-01T12:20:00Z",
        0,
    );
    let old = at(
        alice,
        f.new_client(),
        "2026-01-05T09:00:00Z",
        "2026-01-05T09:30:00Z",
        0,
    );
    for r in [
        &missed_before,
        &missed_after,
        &buffer_in,
        &crossing,
        &cancelled,
        &early_buffer,
        &touching,
        &old,
    ] {
        store.insert_reservation(r, 1).await.unwrap();
    }
    let mut gone = cancelled.clone();
    gone.status = ReservationStatus::CancelledByClient;
    gone.history.push(TransitionRecord {
        from: Some(ReservationStatus::Pending),
        to: ReservationStatus::CancelledByClient,
        actor: Actor::Client,
        at: ts("2026-05-02T00:00:00Z"),
        reason: None,
    });
    store.update_reservation(&gone, None).await.unwrap();

    let range = iv("2026-06-01T08:00:00Z", "2026-06-01T12:00:00Z");
    let found = store
        .calendar_reservations(f.business.id, range, false)
        .await
        .unwrap();
    let ids: Vec<ReservationId> = found.iter().map(|row| row.reservation.id).collect();
    assert_eq!(
        ids,
        [buffer_in.id, crossing.id, cancelled.id, early_buffer.id]
    );
    let first = &found[0].reservation;
    assert_eq!(first.client.first_name, "Jeanne");
    assert_eq!(first.client.phone.as_deref(), Some("+33612345678"));
    assert_eq!(
        (first.service_name.as_str(), found[0].resource_id),
        ("Coupe", alice)
    );
    assert_eq!(found[1].resource_id, bob);
    assert_eq!(
        found[2].reservation,
        CalendarReservation {
            id: gone.id,
            interval: gone.interval,
            buffer_before_minutes: 0,
            buffer_after_minutes: gone.buffer_after_minutes,
            status: ReservationStatus::CancelledByClient,
            service_id: gone.service_id,
            service_name: "Coupe".into(),
            // The client has no profile: an empty contact.
            client: ClientContact::default(),
        }
    );
    assert_eq!(found[3].reservation.buffer_before_minutes, 10);

    let other = BusinessId::from_uuid(Uuid::from_u128(42));
    assert!(
        store
            .calendar_reservations(other, range, true)
            .await
            .unwrap()
            .is_empty()
    );

    assert_eq!(
        store
            .archive_reservations(ts("2026-03-01T00:00:00Z"))
            .await
            .unwrap(),
        1
    );
    let january = iv("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z");
    let live = store
        .calendar_reservations(f.business.id, january, false)
        .await
        .unwrap();
    assert!(live.is_empty());
    let all = store
        .calendar_reservations(f.business.id, january, true)
        .await
        .unwrap();
    assert_eq!(
        all.iter().map(|row| row.reservation.id).collect::<Vec<_>>(),
        [old.id]
    );
}
