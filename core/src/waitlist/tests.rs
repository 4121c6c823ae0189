use proptest::prelude::*;

use super::*;
use crate::model::Uuid;

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn resource(n: u128) -> ResourceId {
    ResourceId(Uuid::from_u128(n))
}

fn entry(n: u128, from: &str, to: &str) -> WaitlistEntry {
    WaitlistEntry {
        id: WaitlistId(Uuid::from_u128(n)),
        business_id: BusinessId(Uuid::from_u128(1)),
        service_id: ServiceId(Uuid::from_u128(2)),
        client_id: ClientId(Uuid::from_u128(100 + n)),
        resource_id: None,
        range: Interval::new(ts(from), ts(to)).unwrap(),
        status: WaitlistStatus::Waiting,
        offer: None,
        reservation_id: None,
        created_at: ts("2026-06-01T00:00:00Z").add_secs(n as i64),
    }
}

fn slot(r: u128, start: &str, seats: u32) -> Slot {
    let start = ts(start);
    Slot {
        resource_id: resource(r),
        start,
        end: start.add_secs(1800),
        seats_left: seats,
    }
}

const NOW: &str = "2026-06-08T06:00:00Z";
const EXPIRES: &str = "2026-06-08T06:30:00Z";

#[test]
fn a_freed_seat_goes_to_the_first_client_who_joined() {
    let entries = [
        entry(1, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
        entry(2, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
    ];
    let free = |_: &WaitlistEntry| vec![slot(7, "2026-06-08T10:00:00Z", 1)];
    let made = allocate_offers(&entries, free, ts(NOW), ts(EXPIRES));
    assert_eq!(
        made,
        [(
            entries[0].id,
            Offer {
                resource_id: resource(7),
                start: ts("2026-06-08T10:00:00Z"),
                expires_at: ts(EXPIRES)
            }
        )]
    );
}

#[test]
fn a_running_offer_keeps_its_seat_and_an_expired_one_passes_it_on() {
    let mut first = entry(1, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z");
    first.status = WaitlistStatus::Offered;
    first.offer = Some(Offer {
        resource_id: resource(7),
        start: ts("2026-06-08T10:00:00Z"),
        expires_at: ts("2026-06-08T06:10:00Z"),
    });
    let second = entry(2, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z");
    let entries = [first, second];
    let free = |_: &WaitlistEntry| vec![slot(7, "2026-06-08T10:00:00Z", 1)];
    assert_eq!(
        allocate_offers(&entries, free, ts(NOW), ts(EXPIRES)),
        [],
        "held for the first client"
    );
    let later = ts("2026-06-08T06:10:00Z");
    assert!(offer_is_over(entries[0].offer.as_ref().unwrap(), later));
    let made = allocate_offers(&entries, free, later, ts(EXPIRES));
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].0, entries[1].id);
}

#[test]
fn group_seats_are_offered_once_each_within_each_range_and_resource() {
    let mut only_bob = entry(3, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z");
    only_bob.resource_id = Some(resource(8));
    let entries = [
        entry(1, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
        entry(2, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
        only_bob,
        entry(4, "2026-06-08T11:00:00Z", "2026-06-08T12:00:00Z"),
        entry(5, "2026-06-08T09:00:00Z", "2026-06-08T12:00:00Z"),
    ];
    let free = |_: &WaitlistEntry| {
        vec![
            slot(7, "2026-06-08T10:00:00Z", 2),
            slot(8, "2026-06-08T10:30:00Z", 1),
        ]
    };
    let made: Vec<(u128, u128, &str)> = allocate_offers(&entries, free, ts(NOW), ts(EXPIRES))
        .iter()
        .map(|(id, o)| {
            let start = if o.start == ts("2026-06-08T10:00:00Z") {
                "10:00"
            } else {
                "10:30"
            };
            (id.0.as_u128(), o.resource_id.0.as_u128(), start)
        })
        .collect();
    // Two seats at 10:00 for the first two; Bob's 10:30 for the one who chose him; nothing
    // in 11:00–12:00 for the fourth; nothing left for the fifth.
    assert_eq!(made, [(1, 7, "10:00"), (2, 7, "10:00"), (3, 8, "10:30")]);
}

#[test]
fn ranges_and_holds_are_bounded() {
    let now = ts(NOW);
    let past = Interval::new(ts("2026-06-07T09:00:00Z"), now).unwrap();
    let long = Interval::new(now, now.add_secs(32 * DAY)).unwrap();
    let field = |r: Result<()>| {
        let e = r.unwrap_err();
        (
            e.field_errors()[0].field.clone(),
            e.field_errors()[0].code.clone(),
        )
    };
    assert_eq!(
        field(check_waitlist_range(&past, now)),
        ("to".into(), "in_past".into())
    );
    assert_eq!(
        field(check_waitlist_range(&long, now)),
        ("to".into(), "out_of_range".into())
    );
    let month = Interval::new(now, now.add_secs(31 * DAY)).unwrap();
    assert!(check_waitlist_range(&month, now).is_ok());
    assert_eq!(offer_expiry(now, 30).unwrap(), ts(EXPIRES));
    assert!(offer_expiry(now, 0).is_err());
    assert!(offer_expiry(now, MAX_OFFER_MINUTES + 1).is_err());
}

#[test]
fn statuses_read_back_from_their_names() {
    for s in WaitlistStatus::ALL {
        assert_eq!(WaitlistStatus::parse(s.as_str()), Some(s));
    }
    assert!(WaitlistStatus::Offered.is_open() && !WaitlistStatus::Booked.is_open());
}

proptest! {
    /// Whatever the entries and free slots: no slot is offered to more entries than it has
    /// seats, every offer lies in its entry's range and resource, and an entry that got
    /// nothing could not have taken any seat a later entry got.
    #[test]
    fn offers_never_exceed_seats_and_follow_the_joining_order(
        entries in prop::collection::vec((0i64..8, 1i64..8, prop::option::of(0u128..3)), 1..12),
        slots in prop::collection::vec((0u128..3, 0i64..16, 1u32..3), 0..12),
    ) {
        let base = ts("2026-06-08T08:00:00Z");
        let at = |half_hours: i64| base.add_secs(half_hours * 1800);
        let entries: Vec<WaitlistEntry> = entries.iter().enumerate().map(|(i, &(from, len, r))| {
            let mut e = entry(i as u128 + 1, "2026-06-08T08:00:00Z", "2026-06-08T09:00:00Z");
            e.range = Interval::new(at(from), at(from + len)).unwrap();
            e.resource_id = r.map(resource);
            e
        }).collect();
        let mut free: Vec<Slot> = slots.iter().map(|&(r, start, seats)| Slot {
            resource_id: resource(r), start: at(start), end: at(start + 1), seats_left: seats,
        }).collect();
        free.sort_by_key(|s| (s.start, s.resource_id));
        free.dedup_by_key(|s| (s.start, s.resource_id));
        let made = allocate_offers(&entries, |_| free.clone(), ts(NOW), ts(EXPIRES));
        for s in &free {
            let n = made.iter().filter(|(_, o)| (o.resource_id, o.start) == (s.resource_id, s.start)).count();
            prop_assert!(n <= s.seats_left as usize);
        }
        for (id, o) in &made {
            let e = entries.iter().find(|e| e.id == *id).unwrap();
            prop_assert!(e.range.contains_instant(o.start));
            prop_assert!(e.resource_id.is_none_or(|r| r == o.resource_id));
        }
        for (i, e) in entries.iter().enumerate() {
            if made.iter().any(|(id, _)| *id == e.id) {
                continue;
            }
            for (id, o) in &made {
                let later = entries.iter().position(|x| x.id == *id).unwrap() > i;
                let fits = e.range.contains_instant(o.start)
                    && e.resource_id.is_none_or(|r| r == o.resource_id);
                prop_assert!(!(later && fits), "entry {} skipped for a later one", i);
            }
        }
    }
}
