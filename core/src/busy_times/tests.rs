use chrono::NaiveDate;
use chrono_tz::Europe::Paris;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::model::{BusinessId, ClientId, Currency, Money, ReservationStatus, ServiceId};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn wall(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

/// The import runs on 2027-03-01 (Paris is UTC+1 until 2027-03-28, then UTC+2).
fn horizon() -> Interval {
    busy_horizon(ts("2027-03-01T00:00:00Z"))
}

fn event(row: usize, uid: &str, start: EventTime, end: EventTime) -> BusyEvent {
    BusyEvent {
        row,
        uid: uid.into(),
        start: Some(start),
        end: Some(end),
        ..BusyEvent::default()
    }
}

fn periods(events: &[BusyEvent]) -> Vec<(String, Interval)> {
    busy_periods_of_events(events, Paris, horizon())
        .unwrap()
        .periods
}

fn codes(events: &[BusyEvent]) -> Vec<(usize, String, String)> {
    busy_periods_of_events(events, Paris, horizon())
        .unwrap_err()
        .into_iter()
        .map(|p| (p.row, p.field, p.code))
        .collect()
}

#[test]
fn a_zoned_event_is_its_wall_time_in_its_zone() {
    let e = event(
        1,
        "a",
        EventTime::Zoned(wall("2027-03-10T09:00"), chrono_tz::America::New_York),
        EventTime::Zoned(wall("2027-03-10T10:30"), chrono_tz::America::New_York),
    );
    // New York switched to summer time on 2027-03-14: on the 10th it is UTC−5.
    assert_eq!(
        periods(&[e]),
        [(
            "a".into(),
            iv("2027-03-10T14:00:00Z", "2027-03-10T15:30:00Z")
        )]
    );
}

#[test]
fn floating_times_and_dates_are_the_business_s_local_time() {
    let floating = event(
        1,
        "f",
        EventTime::Floating(wall("2027-03-10T09:00")),
        EventTime::Floating(wall("2027-03-10T10:00")),
    );
    let all_day = BusyEvent {
        row: 2,
        uid: "d".into(),
        start: Some(EventTime::Date(
            NaiveDate::from_ymd_opt(2027, 3, 12).unwrap(),
        )),
        ..BusyEvent::default()
    };
    assert_eq!(
        periods(&[floating, all_day]),
        [
            (
                "f".into(),
                iv("2027-03-10T08:00:00Z", "2027-03-10T09:00:00Z")
            ),
            // No DTEND on a date: one local day, midnight to midnight in Paris.
            (
                "d".into(),
                iv("2027-03-11T23:00:00Z", "2027-03-12T23:00:00Z")
            ),
        ]
    );
}

#[test]
fn transparent_cancelled_and_zero_length_events_block_nothing() {
    let at = EventTime::Utc(ts("2027-03-10T09:00:00Z"));
    let mut transparent = event(1, "t", at, EventTime::Utc(ts("2027-03-10T10:00:00Z")));
    transparent.transparent = true;
    let mut cancelled = event(2, "c", at, EventTime::Utc(ts("2027-03-10T10:00:00Z")));
    cancelled.cancelled = true;
    let instant = BusyEvent {
        row: 3,
        uid: "i".into(),
        start: Some(at),
        ..BusyEvent::default()
    };
    let found =
        busy_periods_of_events(&[transparent, cancelled, instant], Paris, horizon()).unwrap();
    assert_eq!(found.periods, []);
    assert_eq!(found.skipped, 3);
}

#[test]
fn a_weekly_event_expands_over_the_horizon_at_its_wall_time_across_dst() {
    let mut e = event(
        1,
        "weekly",
        EventTime::Zoned(wall("2027-03-22T12:00"), Paris),
        EventTime::Zoned(wall("2027-03-22T13:00"), Paris),
    );
    e.rrule = Some("FREQ=WEEKLY;COUNT=3".into());
    e.exdates = vec![EventTime::Utc(ts("2027-03-29T10:00:00Z"))];
    assert_eq!(
        periods(&[e]),
        [
            (
                "weekly".into(),
                iv("2027-03-22T11:00:00Z", "2027-03-22T12:00:00Z")
            ),
            // 2027-03-29 is removed by its EXDATE (written in UTC); after the DST change the
            // instance stays at 12:00 Paris time.
            (
                "weekly".into(),
                iv("2027-04-05T10:00:00Z", "2027-04-05T11:00:00Z")
            ),
        ]
    );
}

#[test]
fn a_rule_without_end_expands_only_over_the_horizon() {
    let mut e = event(
        1,
        "daily",
        EventTime::Zoned(wall("2020-01-01T08:00"), Paris),
        EventTime::Zoned(wall("2020-01-01T08:15"), Paris),
    );
    e.rrule = Some("FREQ=DAILY".into());
    let found = periods(&[e]);
    let h = horizon();
    assert!(found.len() >= BUSY_HORIZON_DAYS as usize);
    assert!(found.len() <= BUSY_HORIZON_DAYS as usize + 2);
    assert!(found.iter().all(|(_, i)| i.overlaps(&h)));
}

#[test]
fn an_override_moves_or_cancels_the_instance_it_names() {
    let start = EventTime::Zoned(wall("2027-03-08T09:00"), Paris);
    let mut master = event(
        1,
        "m",
        start,
        EventTime::Zoned(wall("2027-03-08T10:00"), Paris),
    );
    master.rrule = Some("FREQ=DAILY;COUNT=3".into());
    let mut moved = event(
        2,
        "m",
        EventTime::Zoned(wall("2027-03-09T15:00"), Paris),
        EventTime::Zoned(wall("2027-03-09T16:00"), Paris),
    );
    moved.recurrence_id = Some(EventTime::Zoned(wall("2027-03-09T09:00"), Paris));
    let mut cancelled = event(
        3,
        "m",
        EventTime::Zoned(wall("2027-03-10T09:00"), Paris),
        EventTime::Zoned(wall("2027-03-10T10:00"), Paris),
    );
    cancelled.recurrence_id = Some(EventTime::Zoned(wall("2027-03-10T09:00"), Paris));
    cancelled.cancelled = true;
    assert_eq!(
        periods(&[master, moved, cancelled]),
        [
            (
                "m".into(),
                iv("2027-03-08T08:00:00Z", "2027-03-08T09:00:00Z")
            ),
            (
                "m".into(),
                iv("2027-03-09T14:00:00Z", "2027-03-09T15:00:00Z")
            ),
        ]
    );
}

#[test]
fn dtstart_is_the_first_instance_even_off_the_rule() {
    // A Sunday start with a Mondays rule: the Sunday still blocks.
    let mut e = event(
        1,
        "s",
        EventTime::Utc(ts("2027-03-07T09:00:00Z")),
        EventTime::Utc(ts("2027-03-07T10:00:00Z")),
    );
    e.rrule = Some("FREQ=WEEKLY;BYDAY=MO;COUNT=1".into());
    let found = periods(&[e]);
    assert_eq!(
        found[0].1,
        iv("2027-03-07T09:00:00Z", "2027-03-07T10:00:00Z")
    );
    assert_eq!(
        found[1].1,
        iv("2027-03-08T09:00:00Z", "2027-03-08T10:00:00Z")
    );
    assert_eq!(found.len(), 2);
}

#[test]
fn a_long_event_is_stored_in_pieces_of_a_week_at_most() {
    let e = event(
        1,
        "holiday",
        EventTime::Utc(ts("2027-04-01T00:00:00Z")),
        EventTime::Utc(ts("2027-04-20T00:00:00Z")),
    );
    assert_eq!(
        periods(&[e]),
        [
            (
                "holiday".into(),
                iv("2027-04-01T00:00:00Z", "2027-04-08T00:00:00Z")
            ),
            (
                "holiday".into(),
                iv("2027-04-08T00:00:00Z", "2027-04-15T00:00:00Z")
            ),
            (
                "holiday".into(),
                iv("2027-04-15T00:00:00Z", "2027-04-20T00:00:00Z")
            ),
        ]
    );
}

#[test]
fn events_outside_the_horizon_are_counted_not_stored() {
    let past = event(
        1,
        "p",
        EventTime::Utc(ts("2026-01-01T09:00:00Z")),
        EventTime::Utc(ts("2026-01-01T10:00:00Z")),
    );
    let found = busy_periods_of_events(&[past], Paris, horizon()).unwrap();
    assert_eq!((found.periods.len(), found.outside_horizon), (0, 1));
}

#[test]
fn every_bad_event_is_reported_by_row_and_property() {
    let at = EventTime::Utc(ts("2027-03-10T09:00:00Z"));
    let before = EventTime::Utc(ts("2027-03-10T08:00:00Z"));
    let no_uid = event(1, "", at, at);
    let reversed = event(2, "r", at, before);
    let mut bad_rule = event(3, "b", at, EventTime::Utc(ts("2027-03-10T10:00:00Z")));
    bad_rule.rrule = Some("FREQ=SECONDLY".into());
    let no_start = BusyEvent {
        row: 4,
        uid: "n".into(),
        ..BusyEvent::default()
    };
    let twice = event(5, "r", at, EventTime::Utc(ts("2027-03-10T10:00:00Z")));
    let endless = event(6, "e", at, EventTime::Utc(ts("2029-03-10T10:00:00Z")));
    let found = codes(&[no_uid, reversed, bad_rule, no_start, twice, endless]);
    assert_eq!(found[0], (1, "UID".into(), "required".into()));
    assert_eq!(found[1], (2, "DTEND".into(), "invalid_range".into()));
    assert_eq!(found[2].0, 3);
    assert_eq!(found[2].1, "RRULE");
    assert_eq!(found[3], (4, "DTSTART".into(), "required".into()));
    assert_eq!(found[4], (5, "UID".into(), "already_exists".into()));
    assert_eq!(found[5], (6, "DTEND".into(), "too_long".into()));
    assert_eq!(found.len(), 6);
}

#[test]
fn too_many_periods_refuse_the_file() {
    let events: Vec<BusyEvent> = (0..2)
        .map(|i| {
            let mut e = event(
                i + 1,
                &format!("e{i}"),
                EventTime::Utc(ts("2027-03-01T00:00:00Z")),
                EventTime::Utc(ts("2027-03-01T00:05:00Z")),
            );
            e.rrule = Some("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR,SA,SU".into());
            e
        })
        .collect();
    // Two daily events fit; a minutely flood does not.
    assert!(busy_periods_of_events(&events, Paris, horizon()).is_ok());
    let flood: Vec<BusyEvent> = (0..MAX_BUSY_TIMES + 1)
        .map(|i| {
            let start = ts("2027-03-02T00:00:00Z").add_secs(60 * i as i64);
            event(
                i + 1,
                &format!("x{i}"),
                EventTime::Utc(start),
                EventTime::Utc(start.add_secs(60)),
            )
        })
        .collect();
    let found = codes(&flood);
    assert_eq!(found, [(0, String::new(), "too_many".into())]);
}

#[test]
fn a_source_label_is_short_plain_ascii() {
    assert!(check_source("google-export.2027").is_ok());
    assert!(check_source("caldav:team").is_ok());
    for bad in ["", "with space", "é", &"x".repeat(MAX_SOURCE_LEN + 1)] {
        let e = check_source(bad).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "source");
        assert_eq!(e.field_errors()[0].code, "invalid_format");
    }
}

fn reservation(n: u128, start: i64, minutes: i64, status: ReservationStatus) -> Reservation {
    Reservation {
        id: ReservationId::from_uuid(Uuid::from_u128(n)),
        business_id: BusinessId::from_uuid(Uuid::from_u128(1)),
        client_id: ClientId::from_uuid(Uuid::from_u128(2)),
        service_id: ServiceId::from_uuid(Uuid::from_u128(3)),
        resource_id: ResourceId::from_uuid(Uuid::from_u128(4)),
        interval: Interval::new(
            Timestamp::from_secs(start),
            Timestamp::from_secs(start + minutes * 60),
        )
        .unwrap(),
        buffer_before_minutes: 0,
        buffer_after_minutes: 0,
        status,
        price: Money::new(1000, Currency::parse("EUR").unwrap()),
        reschedule_count: 0,
        history: vec![],
        created_at: Timestamp::from_secs(0),
    }
}

proptest! {
    /// Pieces are consecutive, at most a week each, and cover exactly the period.
    #[test]
    fn pieces_cover_the_period_exactly(start in 0i64..1_000_000, len in 1i64..(60 * DAY)) {
        let interval = Interval::new(Timestamp::from_secs(start), Timestamp::from_secs(start + len)).unwrap();
        let pieces = cut_into_pieces(interval);
        prop_assert_eq!(pieces[0].start(), interval.start());
        prop_assert_eq!(pieces.last().unwrap().end(), interval.end());
        for w in pieces.windows(2) {
            prop_assert_eq!(w[0].end(), w[1].start());
        }
        prop_assert!(pieces.iter().all(|p| p.duration_secs() <= MAX_BUSY_PIECE_SECS));
    }

    /// The conflicts are exactly the active reservations meeting a period (checked against
    /// every pair).
    #[test]
    fn conflicts_are_the_active_reservations_meeting_a_period(
        spans in proptest::collection::vec((0i64..20 * DAY, 60i64..(10 * DAY)), 0..20),
        bookings in proptest::collection::vec((0i64..20 * DAY, 15i64..240, any::<bool>()), 0..30),
    ) {
        let mut periods: Vec<Interval> = spans
            .iter()
            .flat_map(|&(s, l)| cut_into_pieces(Interval::new(Timestamp::from_secs(s), Timestamp::from_secs(s + l)).unwrap()))
            .collect();
        periods.sort_by_key(|p| p.start());
        let reservations: Vec<Reservation> = bookings
            .iter()
            .enumerate()
            .map(|(i, &(s, m, active))| {
                let status = if active { ReservationStatus::Confirmed } else { ReservationStatus::CancelledByClient };
                reservation(i as u128 + 10, s, m, status)
            })
            .collect();
        let expected: Vec<ReservationId> = reservations
            .iter()
            .filter(|r| r.status.is_active() && periods.iter().any(|p| p.overlaps(&r.interval)))
            .map(|r| r.id)
            .collect();
        prop_assert_eq!(reservations_in_conflict(&reservations, &periods), expected);
    }

    /// Every period of a recurring event meets the horizon, keeps the event's length and
    /// none is stored twice.
    #[test]
    fn recurring_periods_stay_in_the_horizon_and_keep_their_length(
        day in 0u32..60, hour in 0u32..23, minutes in 1i64..300, interval in 1u32..5,
    ) {
        let start = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap() + chrono::Days::new(u64::from(day));
        let start = start.and_hms_opt(hour, 0, 0).unwrap();
        let mut e = event(1, "p", EventTime::Floating(start), EventTime::Floating(start + chrono::Duration::minutes(minutes)));
        e.rrule = Some(format!("FREQ=DAILY;INTERVAL={interval}"));
        let found = periods(&[e]);
        let h = horizon();
        prop_assert!(!found.is_empty());
        for (_, p) in &found {
            prop_assert!(p.overlaps(&h));
            // A DST change inside the period moves its length by at most an hour.
            prop_assert!((p.duration_secs() - minutes * 60).abs() <= 3600);
        }
        for w in found.windows(2) {
            prop_assert!(w[0].1.start() < w[1].1.start());
        }
    }
}
