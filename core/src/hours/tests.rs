//! Tests of opening hours, special hours and closures.

use chrono_tz::Tz;

use super::*;
use crate::time::Timestamp;

fn ts(s: &str) -> i64 {
    s.parse::<Timestamp>().unwrap().secs()
}

fn day(y: i32, m: u32, d: u32) -> i64 {
    day_number(NaiveDate::from_ymd_opt(y, m, d).unwrap())
}

fn segs(tz: Tz) -> ZoneSegments {
    ZoneSegments::new(
        tz,
        Timestamp::from_secs(ts("2026-01-01T00:00:00Z")),
        Timestamp::from_secs(ts("2027-01-01T00:00:00Z")),
    )
}

#[test]
fn wall_time_parses_hh_mm_and_allows_24_00_only_as_the_last_minute() {
    assert_eq!(WallTime::parse("09:30").unwrap().minutes(), 570);
    assert_eq!(WallTime::parse("24:00").unwrap(), WallTime::END_OF_DAY);
    assert!(WallTime::parse("24:01").is_err());
    assert!(WallTime::parse("9:30").is_err());
    assert!(WallTime::parse("09:60").is_err());
    assert_eq!(WallTime::parse("07:05").unwrap().to_string(), "07:05");
}

#[test]
fn time_range_requires_end_after_start_even_from_json() {
    assert!(TimeRange::parse("10:00", "10:00").is_err());
    let err = serde_json::from_str::<TimeRange>(r#"{"start":"12:00","end":"09:00"}"#);
    assert!(err.is_err());
}

#[test]
fn overlapping_ranges_of_a_day_are_reported_with_their_path() {
    let mut hours = OpeningHours::default();
    hours.tuesday = vec![
        TimeRange::parse("09:00", "12:00").unwrap(),
        TimeRange::parse("11:00", "18:00").unwrap(),
    ];
    let err = hours.validate().unwrap_err();
    assert_eq!(err.field_errors()[0].field, "opening_hours.tuesday[1]");
    assert_eq!(err.field_errors()[0].code, "overlap");
}

#[test]
fn opening_spans_follow_local_time_across_paris_spring_forward() {
    // Friday 27 to Monday 30 March 2026; clocks jump on Sunday the 29th.
    let hours = OpeningHours::same_every_day(
        &[TimeRange::parse("09:00", "17:00").unwrap()],
        &[0, 1, 2, 3, 4, 5, 6],
    );
    let spans = opening_spans(
        &hours,
        &[],
        &segs(Tz::Europe__Paris),
        day(2026, 3, 28),
        day(2026, 3, 30),
    );
    let text: Vec<String> = spans
        .iter()
        .map(|&(s, e)| format!("{}..{}", Timestamp::from_secs(s), Timestamp::from_secs(e)))
        .collect();
    assert_eq!(
        text,
        [
            "2026-03-28T08:00:00Z..2026-03-28T16:00:00Z",
            "2026-03-29T07:00:00Z..2026-03-29T15:00:00Z",
            "2026-03-30T07:00:00Z..2026-03-30T15:00:00Z",
        ]
    );
}

#[test]
fn ranges_in_the_missing_hour_are_read_with_the_offset_before_the_gap() {
    let mut hours = OpeningHours::default();
    hours.sunday = vec![
        TimeRange::parse("01:00", "02:00").unwrap(),
        TimeRange::parse("02:15", "02:45").unwrap(), // wall times that do not exist
        TimeRange::parse("02:50", "04:00").unwrap(), // starts in the gap
    ];
    let d = day(2026, 3, 29);
    let spans = opening_spans(&hours, &[], &segs(Tz::Europe__Paris), d, d);
    // 01:00–02:00 CET; 02:15–02:45 read with +01:00 is 03:15–03:45 CEST; 02:50 read with
    // +01:00 is 03:50 CEST, so the last range shrinks to 03:50–04:00 CEST.
    assert_eq!(
        spans,
        [
            (ts("2026-03-29T00:00:00Z"), ts("2026-03-29T01:00:00Z")),
            (ts("2026-03-29T01:15:00Z"), ts("2026-03-29T01:45:00Z")),
            (ts("2026-03-29T01:50:00Z"), ts("2026-03-29T02:00:00Z")),
        ]
    );
}

#[test]
fn overnight_hours_join_across_midnight() {
    let mut hours = OpeningHours::default();
    hours.friday = vec![TimeRange::parse("22:00", "24:00").unwrap()];
    hours.saturday = vec![TimeRange::parse("00:00", "02:00").unwrap()];
    let spans = opening_spans(
        &hours,
        &[],
        &segs(Tz::UTC),
        day(2026, 6, 5),
        day(2026, 6, 6),
    );
    assert_eq!(
        spans,
        [(ts("2026-06-05T22:00:00Z"), ts("2026-06-06T02:00:00Z"))]
    );
}

#[test]
fn a_holiday_closes_the_whole_local_day() {
    let c = Closure::days(
        NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
        NaiveDate::from_ymd_opt(2026, 12, 26).unwrap(),
    )
    .unwrap();
    let i = c.to_interval(&segs(Tz::Europe__Paris)).unwrap();
    assert_eq!(i.start().to_string(), "2026-12-24T23:00:00Z");
    assert_eq!(i.end().to_string(), "2026-12-26T23:00:00Z");
    let json = serde_json::to_string(&c).unwrap();
    assert_eq!(
        json,
        r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26","reason":null}"#
    );
    assert_eq!(serde_json::from_str::<Closure>(&json).unwrap(), c);
}

#[test]
fn closure_days_must_be_in_order() {
    let d = |x| NaiveDate::from_ymd_opt(2026, 1, x).unwrap();
    assert!(Closure::days(d(2), d(1)).is_err());
}

fn special(date: (i32, u32, u32), ranges: &[(&str, &str)]) -> SpecialHours {
    SpecialHours {
        date: NaiveDate::from_ymd_opt(date.0, date.1, date.2).unwrap(),
        ranges: ranges
            .iter()
            .map(|(a, b)| TimeRange::parse(a, b).unwrap())
            .collect(),
        reason: None,
    }
}

#[test]
fn special_hours_replace_the_weekday_on_their_date_only() {
    let hours = OpeningHours::same_every_day(
        &[TimeRange::parse("09:00", "19:00").unwrap()],
        &[0, 1, 2, 3, 4, 5],
    );
    // Thursday 24 December 2026: 10:00–14:00 Paris; Sunday 27: open 10:00–12:00 though
    // Sundays are closed; Wednesday 23 keeps its weekday's hours.
    let list = [
        special((2026, 12, 24), &[("10:00", "14:00")]),
        special((2026, 12, 27), &[("10:00", "12:00")]),
        special((2026, 12, 31), &[]),
    ];
    let spans = opening_spans(
        &hours,
        &list,
        &segs(Tz::Europe__Paris),
        day(2026, 12, 23),
        day(2026, 12, 31),
    );
    assert_eq!(
        spans,
        [
            (ts("2026-12-23T08:00:00Z"), ts("2026-12-23T18:00:00Z")),
            (ts("2026-12-24T09:00:00Z"), ts("2026-12-24T13:00:00Z")),
            (ts("2026-12-25T08:00:00Z"), ts("2026-12-25T18:00:00Z")),
            (ts("2026-12-26T08:00:00Z"), ts("2026-12-26T18:00:00Z")),
            (ts("2026-12-27T09:00:00Z"), ts("2026-12-27T11:00:00Z")),
            (ts("2026-12-28T08:00:00Z"), ts("2026-12-28T18:00:00Z")),
            (ts("2026-12-29T08:00:00Z"), ts("2026-12-29T18:00:00Z")),
            (ts("2026-12-30T08:00:00Z"), ts("2026-12-30T18:00:00Z")),
        ],
        "31 December has no ranges: closed"
    );
}

#[test]
fn special_hours_report_every_problem() {
    assert_eq!(validate_special_hours(&[]), Ok(()));
    let list = [
        special((2026, 12, 24), &[("10:00", "14:00"), ("13:00", "15:00")]),
        special((2026, 12, 24), &[]),
    ];
    let err = validate_special_hours(&list).unwrap_err();
    let fields: Vec<(String, String)> = err
        .field_errors()
        .iter()
        .map(|e| (e.field.clone(), e.code.clone()))
        .collect();
    assert_eq!(
        fields,
        [
            (
                "special_hours[0].ranges[1]".to_owned(),
                "overlap".to_owned()
            ),
            ("special_hours[1].date".to_owned(), "duplicate".to_owned()),
        ]
    );
    let many: Vec<SpecialHours> = (0..=MAX_SPECIAL_HOURS as i64)
        .map(|i| SpecialHours {
            date: NaiveDate::from_ymd_opt(2026, 1, 1).unwrap() + chrono::Duration::days(i),
            ranges: vec![],
            reason: None,
        })
        .collect();
    let err = validate_special_hours(&many).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "special_hours");
    assert_eq!(err.field_errors()[0].code, "too_many");
}

proptest::proptest! {
    /// Invariant: a day with special hours is open exactly on those ranges, whatever its
    /// weekday's hours; the days around it keep their weekday's.
    #[test]
    fn a_special_day_is_open_exactly_on_its_ranges(
        offset in 0i64..300,
        start in 0u32..20,
        len in 1u32..4,
    ) {
        let hours = OpeningHours::always_open();
        let date = NaiveDate::from_ymd_opt(2026, 1, 10).unwrap() + chrono::Duration::days(offset);
        let range = TimeRange::new(
            WallTime::new(start, 0).unwrap(),
            WallTime::new(start + len, 0).unwrap(),
        )
        .unwrap();
        let list = [SpecialHours { date, ranges: vec![range], reason: None }];
        let segments = segs(Tz::UTC);
        let d = day_number(date);
        let spans = opening_spans(&hours, &list, &segments, d, d);
        let midnight = d * DAY;
        proptest::prop_assert_eq!(
            spans,
            vec![(midnight + i64::from(start) * 3600, midnight + i64::from(start + len) * 3600)]
        );
        let around = opening_spans(&hours, &list, &segments, d - 1, d - 1);
        proptest::prop_assert_eq!(around, vec![((d - 1) * DAY, d * DAY)]);
    }
}

#[test]
fn a_closure_s_kind_is_read_by_name_only() {
    let days = r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26"}"#;
    assert!(serde_json::from_str::<Closure>(days).is_ok());
    let period = r#"{"kind":"period","interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"},"reason":"x"}"#;
    assert!(serde_json::from_str::<Closure>(period).is_ok());
    for bad in [
        r#"{"kind":0,"first_day":"2026-12-25","last_day":"2026-12-26"}"#,
        r#"{"kind":1,"interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"}}"#,
        r#"{"kind":"weeks","first_day":"2026-12-25","last_day":"2026-12-26"}"#,
        r#"{"kind":"days","first_day":"2026-12-25"}"#,
        r#"{"kind":"days","first_day":"2026-12-26","last_day":"2026-12-25"}"#,
        r#"{"kind":"days","first_day":"2026-12-25","last_day":"2026-12-26","colour":"red"}"#,
        r#"{"kind":"period","first_day":"2026-12-25","interval":{"start":"2026-05-11T12:00:00Z","end":"2026-05-11T17:00:00Z"}}"#,
    ] {
        assert!(serde_json::from_str::<Closure>(bad).is_err(), "{bad}");
    }
}
