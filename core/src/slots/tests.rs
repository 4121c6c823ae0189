use chrono::{Datelike, NaiveDate, Timelike};
use chrono_tz::Tz;
use proptest::prelude::*;
use uuid::Uuid;

use super::*;
use crate::hours::{ClosureKind, TimeRange, WallTime};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

fn rid(n: u128) -> ResourceId {
    ResourceId::from_uuid(Uuid::from_u128(n))
}

fn weekdays(start: &str, end: &str) -> OpeningHours {
    OpeningHours::same_every_day(&[TimeRange::parse(start, end).unwrap()], &[0, 1, 2, 3, 4])
}

fn schedule(zone: &str, hours: OpeningHours, rules: SlotRules, windows: Vec<Interval>) -> Schedule {
    Schedule {
        version: SNAPSHOT_VERSION,
        time_zone: Zone::parse(zone).unwrap(),
        opening_hours: hours,
        closures: vec![],
        special_hours: vec![],
        rules,
        resources: vec![ResourceSchedule {
            resource_id: rid(1),
            windows,
            busy: vec![],
            working_hours: None,
        }],
    }
}

fn query(from: &str, to: &str, now: &str) -> SlotQuery {
    SlotQuery {
        from: ts(from),
        to: ts(to),
        now: ts(now),
        limit: 10_000,
    }
}

fn local_starts(s: &Schedule, list: &SlotList) -> Vec<String> {
    list.slots
        .iter()
        .map(|slot| {
            slot.start
                .to_utc()
                .with_timezone(&s.time_zone.0)
                .format("%m-%d %H:%M")
                .to_string()
        })
        .collect()
}

/// One-to-one rules with a horizon long enough for every test date.
fn simple(duration: u32) -> SlotRules {
    let mut rules = SlotRules::simple(duration);
    rules.horizon_days = 400;
    rules
}

const NOW: &str = "2026-01-01T00:00:00Z";

#[test]
fn buffers_block_neighbouring_slots_and_are_explained() {
    let mut rules = simple(30);
    rules.buffer_before_minutes = 5;
    let mut s = schedule(
        "UTC",
        weekdays("09:00", "12:00"),
        rules,
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    s.resources[0].busy.push(Busy {
        start: ts("2026-06-01T10:00:00Z"),
        end: ts("2026-06-01T10:30:00Z"),
        buffer_before_minutes: 0,
        buffer_after_minutes: 10,
        same_service: false,
    });
    let q = query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW);
    let list = compute_slots(&s, &q).unwrap();
    // 09:30's blocked range [09:25, 10:00) only touches the reservation: free.
    // 10:30 starts 5 minutes after 10:30-10:40's cleaning buffer would end: refused.
    assert_eq!(
        local_starts(&s, &list),
        ["06-01 09:00", "06-01 09:30", "06-01 11:00", "06-01 11:30"]
    );
    let check = |t: &str| check_slot(&s, rid(1), ts(t), ts(NOW)).map_err(|e| e.code());
    assert_eq!(
        check("2026-06-01T10:00:00Z"),
        Err(ErrorCode::BookingOverlap)
    );
    assert_eq!(
        check("2026-06-01T10:30:00Z"),
        Err(ErrorCode::BufferConflict)
    );
    assert_eq!(check("2026-06-01T11:00:00Z"), Ok(1));
    assert_eq!(check("2026-06-01T11:10:00Z"), Err(ErrorCode::NotOnSlotGrid));
    assert_eq!(
        check("2026-06-01T11:45:00Z"),
        Err(ErrorCode::OutsideOpeningHours)
    );
    assert_eq!(
        check("2026-06-03T09:00:00Z"),
        Err(ErrorCode::OutsideAvailability)
    );
    assert_eq!(check("2025-06-03T09:00:00Z"), Err(ErrorCode::SlotInPast));
    let explained = explain_candidates(&s, &q).unwrap();
    let verdicts: Vec<_> = explained.iter().map(|c| c.verdict).collect();
    assert_eq!(
        verdicts,
        [
            Ok(1),
            Ok(1),
            Err(ErrorCode::BookingOverlap),
            Err(ErrorCode::BufferConflict),
            Ok(1),
            Ok(1)
        ]
    );
}

#[test]
fn minimum_notice_and_horizon_bound_the_list() {
    let mut rules = simple(60);
    rules.min_notice_minutes = 120;
    rules.horizon_days = 1;
    let s = schedule(
        "UTC",
        OpeningHours::always_open(),
        rules,
        vec![iv("2026-06-01T00:00:00Z", "2026-06-05T00:00:00Z")],
    );
    let now = "2026-06-01T08:30:00Z";
    let list = compute_slots(
        &s,
        &query("2026-06-01T00:00:00Z", "2026-06-05T00:00:00Z", now),
    )
    .unwrap();
    assert_eq!(
        list.slots.first().unwrap().start,
        ts("2026-06-01T11:00:00Z")
    );
    assert_eq!(list.slots.last().unwrap().start, ts("2026-06-02T08:00:00Z"));
    let check = |t: &str| check_slot(&s, rid(1), ts(t), ts(now)).unwrap_err();
    assert_eq!(
        check("2026-06-01T10:00:00Z"),
        Error::MinimumNotice {
            earliest: ts("2026-06-01T10:30:00Z")
        }
    );
    assert_eq!(
        check("2026-06-02T09:00:00Z"),
        Error::BeyondHorizon {
            latest: ts("2026-06-02T08:30:00Z")
        }
    );
}

#[test]
fn holidays_and_closed_periods_remove_slots() {
    let mut s = schedule(
        "Europe/Paris",
        weekdays("09:00", "12:00"),
        simple(60),
        vec![iv("2026-12-21T00:00:00Z", "2026-12-27T00:00:00Z")],
    );
    s.closures = vec![
        Closure::days(
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
            NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
        )
        .unwrap(),
        Closure::period(iv("2026-12-24T09:30:00Z", "2026-12-24T10:00:00Z")),
    ];
    let list = compute_slots(
        &s,
        &query("2026-12-24T00:00:00Z", "2026-12-26T00:00:00Z", NOW),
    )
    .unwrap();
    // Thursday 24th: 09:00 free, 10:00 and 11:00 local overlap the 10:30–11:00 local closure.
    assert_eq!(local_starts(&s, &list), ["12-24 09:00", "12-24 11:00"]);
    assert_eq!(
        check_slot(&s, rid(1), ts("2026-12-25T08:00:00Z"), ts(NOW)),
        Err(Error::BusinessClosed)
    );
}

#[test]
fn special_hours_replace_a_day_s_opening_hours_for_slots_and_bookings() {
    let mut s = schedule(
        "Europe/Paris",
        weekdays("09:00", "12:00"),
        simple(60),
        vec![iv("2026-12-21T00:00:00Z", "2026-12-28T00:00:00Z")],
    );
    let date = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
    s.special_hours = vec![
        // Thursday 24: 10:00–14:00 instead of 09:00–12:00; Saturday 26 (closed on
        // weekends): 10:00–12:00; Tuesday 22: closed.
        SpecialHours {
            date: date(24),
            ranges: vec![TimeRange::parse("10:00", "14:00").unwrap()],
            reason: Some("Christmas Eve".into()),
        },
        SpecialHours {
            date: date(26),
            ranges: vec![TimeRange::parse("10:00", "12:00").unwrap()],
            reason: None,
        },
        SpecialHours {
            date: date(22),
            ranges: vec![],
            reason: None,
        },
    ];
    let list = compute_slots(
        &s,
        &query("2026-12-21T00:00:00Z", "2026-12-28T00:00:00Z", NOW),
    )
    .unwrap();
    assert_eq!(
        local_starts(&s, &list),
        [
            "12-21 09:00",
            "12-21 10:00",
            "12-21 11:00", // Monday: its weekday's hours
            "12-23 09:00",
            "12-23 10:00",
            "12-23 11:00",
            "12-24 10:00",
            "12-24 11:00",
            "12-24 12:00",
            "12-24 13:00",
            "12-25 09:00",
            "12-25 10:00",
            "12-25 11:00",
            "12-26 10:00",
            "12-26 11:00",
        ]
    );
    let check = |t: &str| check_slot(&s, rid(1), ts(t), ts(NOW)).map_err(|e| e.code());
    assert_eq!(
        check("2026-12-24T12:00:00Z"),
        Ok(1),
        "13:00 local on the 24th"
    );
    assert_eq!(
        check("2026-12-24T08:00:00Z"),
        Err(ErrorCode::OutsideOpeningHours),
        "09:00 local on the 24th"
    );
    assert_eq!(
        check("2026-12-22T08:00:00Z"),
        Err(ErrorCode::OutsideOpeningHours),
        "closed on the 22nd"
    );
    // The snapshot carries the special hours and reads back the same.
    let json = serde_json::to_string(&s).unwrap();
    assert!(
        json.contains(r#""special_hours":[{"date":"2026-12-24""#),
        "{json}"
    );
    assert_eq!(Schedule::from_json(&json).unwrap(), s);
    s.special_hours.clear();
    assert!(!serde_json::to_string(&s).unwrap().contains("special_hours"));
}

/// Weekly 09:00–17:00 windows and hours stay 09:00–17:00 local on both sides of each change.
#[test]
fn weekly_hours_keep_their_wall_times_across_dst_changes() {
    for (zone, from, to) in [
        (
            "Europe/Paris",
            "2026-03-23T00:00:00Z",
            "2026-04-04T00:00:00Z",
        ),
        (
            "Europe/Paris",
            "2026-10-19T00:00:00Z",
            "2026-10-31T00:00:00Z",
        ),
        (
            "America/New_York",
            "2026-03-02T00:00:00Z",
            "2026-03-14T00:00:00Z",
        ),
        (
            "America/New_York",
            "2026-10-26T00:00:00Z",
            "2026-11-07T00:00:00Z",
        ),
    ] {
        let mut rules = simple(60);
        rules.horizon_days = 365;
        let s = schedule(zone, weekdays("09:00", "17:00"), rules, vec![iv(from, to)]);
        let list = compute_slots(&s, &query(from, to, NOW)).unwrap();
        let tz = s.time_zone.0;
        assert_eq!(list.slots.len(), 10 * 8, "{zone} {from}");
        for slot in &list.slots {
            let local = slot.start.to_utc().with_timezone(&tz);
            assert!(
                (9..17).contains(&local.hour()) && local.minute() == 0,
                "{zone} {local}"
            );
            assert!(local.weekday().num_days_from_monday() < 5);
            assert_eq!(slot.end.secs() - slot.start.secs(), 3600);
        }
    }
}

/// A slot across the missing hour lasts its real 30 minutes and shows its true local end.
#[test]
fn a_slot_across_the_missing_hour_is_thirty_real_minutes() {
    let mut hours = OpeningHours::default();
    hours.sunday = vec![TimeRange::parse("01:00", "04:00").unwrap()];
    let s = schedule(
        "Europe/Paris",
        hours,
        simple(30),
        vec![iv("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z")],
    );
    let list = compute_slots(
        &s,
        &query("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", NOW),
    )
    .unwrap();
    assert_eq!(
        local_starts(&s, &list),
        ["03-29 01:00", "03-29 01:30", "03-29 03:00", "03-29 03:30"]
    );
    let second = list.slots[1];
    assert_eq!(second.end.secs() - second.start.secs(), 1800);
    assert_eq!(
        crate::tz::format_local(s.time_zone.0, second.end),
        "2026-03-29T03:00:00+02:00"
    );
}

/// On the fall-back night the repeated hour gives two distinct slots with distinct offsets.
#[test]
fn the_repeated_hour_gives_distinct_instants() {
    let mut hours = OpeningHours::default();
    hours.sunday = vec![TimeRange::parse("01:00", "04:00").unwrap()];
    let s = schedule(
        "Europe/Paris",
        hours,
        simple(60),
        vec![iv("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z")],
    );
    let list = compute_slots(
        &s,
        &query("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", NOW),
    )
    .unwrap();
    let shown: Vec<String> = list
        .slots
        .iter()
        .map(|x| crate::tz::format_local(s.time_zone.0, x.start))
        .collect();
    // 01:00 CEST to 04:00 CET is four real hours.
    assert_eq!(
        shown,
        [
            "2026-10-25T01:00:00+02:00",
            "2026-10-25T02:00:00+02:00",
            "2026-10-25T02:00:00+01:00",
            "2026-10-25T03:00:00+01:00"
        ]
    );
}

#[test]
fn group_slots_share_seats_with_the_same_service_only() {
    let mut rules = simple(60);
    rules.seats = 3;
    let mut s = schedule(
        "UTC",
        weekdays("09:00", "12:00"),
        rules,
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    let seat = |start: &str, end: &str, same_service| Busy {
        same_service,
        ..Busy::new(iv(start, end))
    };
    s.resources[0].busy = vec![
        seat("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z", true),
        seat("2026-06-01T09:00:00Z", "2026-06-01T10:00:00Z", true),
        seat("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z", true),
        seat("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z", true),
        seat("2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z", true),
        seat("2026-06-01T11:00:00Z", "2026-06-01T11:30:00Z", false),
    ];
    let list = compute_slots(
        &s,
        &query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW),
    )
    .unwrap();
    assert_eq!(list.slots.len(), 1);
    assert_eq!(list.slots[0].seats_left, 1);
    let check = |t: &str| check_slot(&s, rid(1), ts(t), ts(NOW));
    assert_eq!(check("2026-06-01T09:00:00Z"), Ok(1));
    assert_eq!(
        check("2026-06-01T10:00:00Z"),
        Err(Error::SlotFull { seats: 3 })
    );
    assert_eq!(check("2026-06-01T11:00:00Z"), Err(Error::BookingOverlap));
}

#[test]
fn several_resources_are_merged_by_start_and_the_limit_reports_truncation() {
    let mut s = schedule(
        "UTC",
        weekdays("09:00", "11:00"),
        simple(60),
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    s.resources.push(ResourceSchedule {
        resource_id: rid(2),
        windows: vec![iv("2026-06-01T09:30:00Z", "2026-06-01T11:00:00Z")],
        busy: vec![],
        working_hours: None,
    });
    let mut q = query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW);
    let list = compute_slots(&s, &q).unwrap();
    let got: Vec<(String, u128)> = list
        .slots
        .iter()
        .map(|x| (x.start.to_string(), x.resource_id.0.as_u128()))
        .collect();
    assert_eq!(
        got,
        [
            ("2026-06-01T09:00:00Z".to_owned(), 1),
            ("2026-06-01T09:30:00Z".to_owned(), 2),
            ("2026-06-01T10:00:00Z".to_owned(), 1),
        ]
    );
    assert!(!list.truncated);
    q.limit = 2;
    let cut = compute_slots(&s, &q).unwrap();
    assert_eq!(cut.slots.len(), 2);
    assert!(cut.truncated);
}

#[test]
fn absurd_queries_and_snapshots_are_refused_with_their_codes() {
    let s = schedule("UTC", weekdays("09:00", "11:00"), simple(60), vec![]);
    let code = |q: SlotQuery| compute_slots(&s, &q).unwrap_err().code();
    assert_eq!(
        code(query("2026-06-02T00:00:00Z", "2026-06-01T00:00:00Z", NOW)),
        ErrorCode::InvalidInterval
    );
    assert_eq!(
        code(query("2026-01-01T00:00:00Z", "2027-06-01T00:00:00Z", NOW)),
        ErrorCode::RangeTooLarge
    );
    let mut bad = s.clone();
    bad.version = 2;
    assert_eq!(
        compute_slots(
            &bad,
            &query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW)
        )
        .unwrap_err()
        .code(),
        ErrorCode::UnsupportedSnapshotVersion
    );
    let mut bad = s.clone();
    bad.rules.step_minutes = 0;
    let err = compute_slots(
        &bad,
        &query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW),
    )
    .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "rules.step_minutes");
    assert_eq!(
        check_slot(&s, rid(9), ts("2026-06-01T09:00:00Z"), ts(NOW))
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}

#[test]
fn snapshot_round_trips_through_json() {
    let mut s = schedule(
        "Europe/Berlin",
        weekdays("09:00", "17:00"),
        simple(30),
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    s.resources[0].busy.push(Busy::new(iv(
        "2026-06-01T10:00:00Z",
        "2026-06-01T10:30:00Z",
    )));
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains(r#""time_zone":"Europe/Berlin""#), "{json}");
    assert_eq!(serde_json::from_str::<Schedule>(&json).unwrap(), s);
    let unknown = json.replacen(r#""version":1"#, r#""version":1,"extra":true"#, 1);
    assert!(serde_json::from_str::<Schedule>(&unknown).is_err());
}

// ---------------------------------------------------------------------------------------------
// Property tests

const ZONES: [&str; 4] = [
    "UTC",
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
];

/// Start days around DST changes of the test zones, and ordinary days.
const START_DAYS: [&str; 5] = [
    "2026-03-26T00:00:00Z",
    "2026-10-22T00:00:00Z",
    "2026-03-06T00:00:00Z",
    "2026-04-02T00:00:00Z",
    "2026-07-01T00:00:00Z",
];

fn arb_ranges() -> impl Strategy<Value = Vec<TimeRange>> {
    // Up to two ranges, quarter-hour aligned, ending by 23:45 (no midnight chaining here).
    prop::collection::vec((0u32..92, 1u32..40), 0..3).prop_map(|raw| {
        let mut out: Vec<TimeRange> = Vec::new();
        let mut cursor = 0;
        for (gap, len) in raw {
            let start = cursor + gap;
            let end = (start + len).min(95);
            if start < end {
                out.push(TimeRange {
                    start: WallTime::new(start / 4, (start % 4) * 15).unwrap(),
                    end: WallTime::new(end / 4, (end % 4) * 15).unwrap(),
                });
                cursor = end;
            }
        }
        out
    })
}

prop_compose! {
    fn arb_schedule()(
        zone in 0..ZONES.len(),
        day0 in 0..START_DAYS.len(),
        days in prop::collection::vec(arb_ranges(), 7),
        windows in prop::collection::vec((0i64..6 * 96, 1i64..200), 1..5),
        busy in prop::collection::vec((0i64..6 * 96 * 3, 1i64..12, 0u32..3, 0u32..3, any::<bool>()), 0..25),
        closures in prop::collection::vec((0i64..6 * 96, 1i64..100), 0..3),
        duration in prop::sample::select(vec![15u32, 30, 45, 60, 90]),
        step_choice in 0usize..4,
        buffers in (0u32..3, 0u32..3),
        notice in prop::sample::select(vec![0u32, 60, 120]),
        horizon in 1u32..10,
        seats in prop::sample::select(vec![1u32, 1, 2, 3]),
        now_offset in -2i64..6 * 96,
    ) -> (Schedule, SlotQuery) {
        let base = ts(START_DAYS[day0]).secs();
        let q = |n: i64| base + n * 900; // quarter hours
        let mut hours = OpeningHours::default();
        for (d, ranges) in days.into_iter().enumerate() {
            match d {
                0 => hours.monday = ranges,
                1 => hours.tuesday = ranges,
                2 => hours.wednesday = ranges,
                3 => hours.thursday = ranges,
                4 => hours.friday = ranges,
                5 => hours.saturday = ranges,
                _ => hours.sunday = ranges,
            }
        }
        let step = [duration, 15, 10, 30][step_choice];
        let rules = SlotRules {
            duration_minutes: duration,
            step_minutes: step,
            buffer_before_minutes: buffers.0 * 5,
            buffer_after_minutes: buffers.1 * 5,
            min_notice_minutes: notice,
            horizon_days: horizon,
            seats,
        };
        let windows = windows
            .into_iter()
            .map(|(s, len)| Interval::from_secs_unchecked(q(s), q(s + len)))
            .collect();
        let busy = busy
            .into_iter()
            .map(|(s, len, bb, ba, same)| {
                // Same-service reservations sit on quarter-hour grid with the service's length
                // so that some of them share group slots.
                let (start, end) = if same {
                    (q(s / 4 * 4), q(s / 4 * 4) + i64::from(duration) * 60)
                } else {
                    (q(s / 3), q(s / 3 + len))
                };
                Busy {
                    start: Timestamp::from_secs(start),
                    end: Timestamp::from_secs(end),
                    buffer_before_minutes: bb * 5,
                    buffer_after_minutes: ba * 5,
                    same_service: same,
                }
            })
            .collect();
        let closures = closures
            .into_iter()
            .map(|(s, len)| Closure::period(Interval::from_secs_unchecked(q(s), q(s + len))))
            .collect();
        let schedule = Schedule {
            version: SNAPSHOT_VERSION,
            time_zone: Zone::parse(ZONES[zone]).unwrap(),
            opening_hours: hours,
            closures,
            special_hours: vec![],
            rules,
            resources: vec![ResourceSchedule {
                resource_id: rid(1),
                windows,
                busy,
                working_hours: None,
            }],
        };
        let query = SlotQuery {
            from: Timestamp::from_secs(q(8)),
            to: Timestamp::from_secs(q(5 * 96)),
            now: Timestamp::from_secs(q(now_offset)),
            limit: 100_000,
        };
        (schedule, query)
    }
}

fn local_wall(tz: Tz, t: i64) -> (NaiveDate, u32) {
    let local = Timestamp::from_secs(t)
        .to_utc()
        .with_timezone(&tz)
        .naive_local();
    (local.date(), local.hour() * 60 + local.minute())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// Invariant (1): every slot lies inside a window and inside one opening range of its local
    /// day, meets no closure, and its blocked range meets no reservation's blocked range (except
    /// seats shared with the same service at the same time).
    #[test]
    fn slots_respect_windows_hours_closures_and_buffers((schedule, query) in arb_schedule()) {
        let list = compute_slots(&schedule, &query).unwrap();
        let tz = schedule.time_zone.0;
        let rules = schedule.rules;
        let resource = &schedule.resources[0];
        for slot in &list.slots {
            let (s, e) = (slot.start.secs(), slot.end.secs());
            prop_assert_eq!(e - s, i64::from(rules.duration_minutes) * 60);
            prop_assert!(query.from.secs() <= s && s < query.to.secs());
            prop_assert!(s >= query.now.secs() + i64::from(rules.min_notice_minutes) * 60);
            prop_assert!(s <= query.now.secs() + i64::from(rules.horizon_days) * 86_400);
            // Inside the union of windows: walk merged windows.
            let mut windows: Vec<(i64, i64)> = resource.windows.iter().map(|w| (w.start().secs(), w.end().secs())).collect();
            merge_spans(&mut windows);
            prop_assert!(windows.iter().any(|w| w.0 <= s && e <= w.1), "slot {:?} outside windows", slot);
            // Inside one opening period of its local day: the period's wall times resolved with
            // the documented DST policy (a fall-back period holds the repeated hour too).
            let (d1, _) = local_wall(tz, s);
            let weekday = d1.weekday().num_days_from_monday() as u8;
            // Touching ranges of a day form one opening period.
            let mut merged: Vec<(u32, u32)> = Vec::new();
            for r in schedule.opening_hours.day(weekday) {
                match merged.last_mut() {
                    Some(last) if last.1 == r.start.minutes() => last.1 = r.end.minutes(),
                    _ => merged.push((r.start.minutes(), r.end.minutes())),
                }
            }
            let at = |m: u32| {
                crate::tz::resolve_local(tz, d1.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(m))).secs()
            };
            let inside = merged.iter().any(|&(a, b)| at(a) <= s && e <= at(b));
            prop_assert!(inside, "slot {:?} outside opening hours of {}", slot, d1);
            for c in &schedule.closures {
                if let ClosureKind::Period { interval } = c.kind {
                    prop_assert!(!(interval.start().secs() < e && s < interval.end().secs()));
                }
            }
            let (bs, be) = (s - i64::from(rules.buffer_before_minutes) * 60, e + i64::from(rules.buffer_after_minutes) * 60);
            let mut shared = 0;
            for b in &resource.busy {
                let (ob, oe) = (
                    b.start.secs() - i64::from(b.buffer_before_minutes) * 60,
                    b.end.secs() + i64::from(b.buffer_after_minutes) * 60,
                );
                if ob < be && bs < oe {
                    let same_session = rules.seats > 1 && b.same_service && b.start.secs() == s && b.end.secs() == e;
                    prop_assert!(same_session, "slot {:?} collides with {:?}", slot, b);
                    shared += 1;
                }
            }
            prop_assert_eq!(slot.seats_left, rules.seats - shared);
        }
    }

    /// The fast walk and the plain rules agree: a grid candidate is listed exactly when
    /// `check_slot` accepts it, with the same seats, and every refusal has the same code.
    #[test]
    fn fast_walk_agrees_with_the_plain_rules((schedule, query) in arb_schedule()) {
        let list = compute_slots(&schedule, &query).unwrap();
        let candidates = explain_candidates(&schedule, &query).unwrap();
        let accepted: Vec<(Timestamp, u32)> = candidates
            .iter()
            .filter_map(|c| c.verdict.ok().map(|seats| (c.start, seats)))
            .collect();
        let listed: Vec<(Timestamp, u32)> = list.slots.iter().map(|s| (s.start, s.seats_left)).collect();
        prop_assert_eq!(&listed, &accepted);
        for c in candidates {
            let direct = check_slot(&schedule, rid(1), c.start, query.now).map_err(|e| e.code());
            prop_assert_eq!(direct, c.verdict, "candidate {:?}", c.start);
        }
    }

    /// The list does not depend on the query range: a slot found over a long range is found
    /// over any sub-range that contains its start (anchors never move).
    #[test]
    fn slots_do_not_depend_on_the_query_range((schedule, query) in arb_schedule(), cut in 1i64..400) {
        let full = compute_slots(&schedule, &query).unwrap();
        let mid = Timestamp::from_secs(query.from.secs() + cut * 900);
        prop_assume!(mid < query.to);
        let later = compute_slots(&schedule, &SlotQuery { from: mid, ..query }).unwrap();
        let expected: Vec<Slot> = full.slots.into_iter().filter(|s| s.start >= mid).collect();
        prop_assert_eq!(later.slots, expected);
    }
}

#[test]
fn snapshot_json_reports_version_and_zone_with_their_codes() {
    let ok = r#"{"version":1,"time_zone":"Europe/Paris","opening_hours":{},"rules":{"duration_minutes":30,"step_minutes":30,"buffer_before_minutes":0,"buffer_after_minutes":0,"min_notice_minutes":0,"horizon_days":90,"seats":1},"resources":[]}"#;
    assert!(Schedule::from_json(ok).is_ok());
    let v2 = ok.replace(r#""version":1"#, r#""version":2,"extra":true"#);
    assert_eq!(
        Schedule::from_json(&v2).unwrap_err().code(),
        ErrorCode::UnsupportedSnapshotVersion
    );
    let zone = ok.replace("Europe/Paris", "Mars/Olympus");
    assert_eq!(
        Schedule::from_json(&zone).unwrap_err().code(),
        ErrorCode::UnknownTimeZone
    );
    let bad =
        Schedule::from_json(&ok.replace(r#""resources":[]"#, r#""resources":1"#)).unwrap_err();
    assert_eq!(bad.code(), ErrorCode::ValidationFailed);
    assert_eq!(bad.field_errors()[0].field, "snapshot");
    assert_eq!(
        Schedule::from_json("{").unwrap_err().code(),
        ErrorCode::ValidationFailed
    );
}

proptest! {
    /// The linear-time sort of busy periods orders starts exactly like the standard sort and
    /// keeps every span, for clustered, spread and extreme values.
    #[test]
    fn sort_by_start_orders_like_the_standard_sort(
        narrow in prop::collection::vec((0i64..5_000, 0i64..100), 0..300),
        wide in prop::collection::vec((any::<i64>(), any::<i64>()), 0..40),
        use_wide in any::<bool>(),
    ) {
        let mut a = if use_wide { wide } else { narrow };
        let mut b = a.clone();
        sort_by_start(&mut a);
        b.sort_by_key(|s| s.0);
        let starts = |v: &[(i64, i64)]| v.iter().map(|s| s.0).collect::<Vec<_>>();
        prop_assert_eq!(starts(&a), starts(&b));
        a.sort_unstable();
        b.sort_unstable();
        prop_assert_eq!(a, b);
    }
}

fn arb_working_hours() -> impl Strategy<Value = OpeningHours> {
    prop::collection::vec(arb_ranges(), 7).prop_map(|days| {
        let mut hours = OpeningHours::default();
        for (d, ranges) in days.into_iter().enumerate() {
            match d {
                0 => hours.monday = ranges,
                1 => hours.tuesday = ranges,
                2 => hours.wednesday = ranges,
                3 => hours.thursday = ranges,
                4 => hours.friday = ranges,
                5 => hours.saturday = ranges,
                _ => hours.sunday = ranges,
            }
        }
        hours
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Working hours (issue 17 item 3, VAL-2): no slot ever starts, or runs, outside one
    /// working range of its local day (read with the zone's DST policy) nor outside the opening
    /// hours; the plain rules agree with the walk; and a resource working every opening hour
    /// gets the same slots as one without working hours.
    #[test]
    fn no_slot_lies_outside_the_resource_s_working_hours(
        (mut schedule, query) in arb_schedule(),
        working in arb_working_hours(),
    ) {
        let all_hours = compute_slots(&schedule, &query).unwrap();
        schedule.resources[0].working_hours = Some(schedule.opening_hours.clone());
        prop_assert_eq!(&compute_slots(&schedule, &query).unwrap(), &all_hours);
        schedule.resources[0].working_hours = Some(working.clone());
        let list = compute_slots(&schedule, &query).unwrap();
        let tz = schedule.time_zone.0;
        for slot in &list.slots {
            let (s, e) = (slot.start.secs(), slot.end.secs());
            let (day, _) = local_wall(tz, s);
            let weekday = day.weekday().num_days_from_monday() as u8;
            let at = |m: u32| {
                crate::tz::resolve_local(tz, day.and_hms_opt(0, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(m))).secs()
            };
            // Touching working ranges form one (07:00–07:45 and 07:45–08:00 hold 07:30–08:00).
            let mut works: Vec<(u32, u32)> = Vec::new();
            for r in working.day(weekday) {
                match works.last_mut() {
                    Some(last) if last.1 == r.start.minutes() => last.1 = r.end.minutes(),
                    _ => works.push((r.start.minutes(), r.end.minutes())),
                }
            }
            let inside = works.iter().any(|&(a, b)| at(a) <= s && e <= at(b));
            prop_assert!(inside, "slot {:?} outside the working hours of {}", slot, day);
            // And still inside one opening period (touching ranges form one).
            let mut open: Vec<(u32, u32)> = Vec::new();
            for r in schedule.opening_hours.day(weekday) {
                match open.last_mut() {
                    Some(last) if last.1 == r.start.minutes() => last.1 = r.end.minutes(),
                    _ => open.push((r.start.minutes(), r.end.minutes())),
                }
            }
            prop_assert!(open.iter().any(|&(a, b)| at(a) <= s && e <= at(b)), "slot {:?} outside opening hours", slot);
        }
        let candidates = explain_candidates(&schedule, &query).unwrap();
        let accepted: Vec<Timestamp> = candidates
            .iter()
            .filter(|c| c.verdict.is_ok())
            .map(|c| c.start)
            .collect();
        let listed: Vec<Timestamp> = list.slots.iter().map(|s| s.start).collect();
        prop_assert_eq!(listed, accepted);
    }
}

#[test]
fn a_time_outside_the_working_hours_is_refused_like_outside_the_opening_hours() {
    // Monday 1 June 2026 in UTC: open 09:00–17:00, the resource works 10:00–12:00.
    let mut s = schedule(
        "UTC",
        weekdays("09:00", "17:00"),
        simple(60),
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    s.resources[0].working_hours = Some(weekdays("10:00", "12:00"));
    let q = query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW);
    let starts: Vec<String> = compute_slots(&s, &q)
        .unwrap()
        .slots
        .iter()
        .map(|x| x.start.to_string())
        .collect();
    assert_eq!(starts, ["2026-06-01T10:00:00Z", "2026-06-01T11:00:00Z"]);
    let now = ts(NOW);
    assert_eq!(
        check_slot(&s, rid(1), ts("2026-06-01T09:00:00Z"), now).unwrap_err(),
        Error::OutsideOpeningHours
    );
    assert_eq!(
        check_slot(&s, rid(1), ts("2026-06-01T11:30:00Z"), now).unwrap_err(),
        Error::OutsideOpeningHours
    );
    assert_eq!(
        check_slot(&s, rid(1), ts("2026-06-01T10:00:00Z"), now),
        Ok(1)
    );
    // A move keeps the appointment's time: off the target's grid and past the notice is fine,
    // outside its working hours or onto a reservation is not.
    assert_eq!(check_move(&s, rid(1), ts("2026-06-01T10:30:00Z")), Ok(1));
    assert_eq!(
        check_move(&s, rid(1), ts("2026-06-01T11:30:00Z")).unwrap_err(),
        Error::OutsideOpeningHours
    );
    s.resources[0].busy = vec![Busy::new(iv(
        "2026-06-01T10:00:00Z",
        "2026-06-01T11:00:00Z",
    ))];
    assert_eq!(
        check_move(&s, rid(1), ts("2026-06-01T10:30:00Z")).unwrap_err(),
        Error::BookingOverlap
    );
    assert_eq!(
        check_slot(&s, rid(2), ts("2026-06-01T10:00:00Z"), now).unwrap_err(),
        Error::NotFound {
            entity: crate::error::Entity::Resource
        }
    );
}

#[test]
fn snapshots_without_working_hours_are_unchanged_and_invalid_ones_are_named() {
    let mut s = schedule(
        "UTC",
        weekdays("09:00", "17:00"),
        simple(60),
        vec![iv("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z")],
    );
    let text = serde_json::to_string(&s).unwrap();
    assert!(!text.contains("working_hours"), "{text}");
    assert_eq!(Schedule::from_json(&text).unwrap(), s);
    let mut hours = OpeningHours::default();
    hours.tuesday = vec![
        TimeRange::parse("10:00", "12:00").unwrap(),
        TimeRange::parse("11:00", "13:00").unwrap(),
    ];
    s.resources[0].working_hours = Some(hours);
    let text = serde_json::to_string(&s).unwrap();
    assert_eq!(Schedule::from_json(&text).unwrap(), s);
    let q = query("2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", NOW);
    let err = compute_slots(&s, &q).unwrap_err();
    assert_eq!(
        err.field_errors()[0].field,
        "resources[0].working_hours.tuesday[1]"
    );
    assert_eq!(err.field_errors()[0].code, "overlap");
}
