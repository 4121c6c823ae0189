//! Parsing, DST, EXDATE, limit and far-window tests, and property tests (one against the
//! `rrule` crate as an oracle).

use chrono::{NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::{Frequency, Recurrence, RecurrenceRule, Until};
use crate::error::Error;
use crate::time::{DAY, Interval, Timestamp};
use crate::tz::resolve_local;

fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
}

fn ts(text: &str) -> Timestamp {
    text.parse().unwrap()
}

fn window(from: &str, to: &str) -> Interval {
    Interval::new(ts(from), ts(to)).unwrap()
}

fn rec(rule: &str, tz: Tz, dtstart: NaiveDateTime) -> Recurrence {
    Recurrence::new(dtstart, tz, RecurrenceRule::parse(rule).unwrap()).unwrap()
}

fn shown(tz: Tz, ts: &[Timestamp]) -> Vec<String> {
    ts.iter().map(|&t| crate::tz::format_local(tz, t)).collect()
}

fn reason(text: &str) -> String {
    match RecurrenceRule::parse(text) {
        Err(Error::InvalidRecurrence { reason }) => reason,
        other => panic!("{text:?} should be refused, got {other:?}"),
    }
}

// ---------------------------------------------------------------- parsing

#[test]
fn parse_errors_name_the_offending_part() {
    let cases = [
        ("", "FREQ is required"),
        ("COUNT=3", "FREQ is required"),
        ("FREQ=WEEKLY;BYDAY=MO,XX", "BYDAY: unknown weekday \"XX\""),
        (
            "FREQ=DAILY;COUNT=3;UNTIL=20260101T000000Z",
            "COUNT and UNTIL are mutually exclusive",
        ),
        (
            "FREQ=HOURLY",
            "FREQ: HOURLY is not supported (use DAILY, WEEKLY or MONTHLY)",
        ),
        (
            "FREQ=YEARLY",
            "FREQ: YEARLY is not supported (use DAILY, WEEKLY or MONTHLY)",
        ),
        (
            "FREQ=FORTNIGHTLY",
            "FREQ: unknown frequency \"FORTNIGHTLY\"",
        ),
        (
            "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO",
            "BYSETPOS is not supported",
        ),
        ("FREQ=DAILY;BYMONTH=1", "BYMONTH is not supported"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR is not supported"),
        ("FREQ=DAILY;COLOR=RED", "unknown rule part \"COLOR\""),
        (
            "FREQ=DAILY;COUNT",
            "\"COUNT\" is not a NAME=VALUE rule part",
        ),
        ("FREQ=DAILY;COUNT=", "COUNT: empty value"),
        ("FREQ=DAILY;FREQ=WEEKLY", "FREQ: given more than once"),
        (
            "FREQ=DAILY;INTERVAL=0",
            "INTERVAL: expected a positive integer, got \"0\"",
        ),
        (
            "FREQ=DAILY;INTERVAL=-2",
            "INTERVAL: expected a positive integer, got \"-2\"",
        ),
        (
            "FREQ=DAILY;INTERVAL=10001",
            "INTERVAL: at most 10000, got 10001",
        ),
        (
            "FREQ=DAILY;COUNT=ten",
            "COUNT: expected a positive integer, got \"TEN\"",
        ),
        (
            "FREQ=DAILY;UNTIL=2026-01-01",
            "UNTIL: expected YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got \"2026-01-01\"",
        ),
        (
            "FREQ=DAILY;UNTIL=20260231",
            "UNTIL: expected YYYYMMDD, YYYYMMDDTHHMMSS or YYYYMMDDTHHMMSSZ, got \"20260231\"",
        ),
        ("FREQ=WEEKLY;WKST=XY", "WKST: unknown weekday \"XY\""),
        (
            "FREQ=WEEKLY;BYDAY=1MO",
            "BYDAY: ordinals like \"1MO\" are only allowed with FREQ=MONTHLY",
        ),
        (
            "FREQ=DAILY;BYDAY=-1FR",
            "BYDAY: ordinals like \"-1FR\" are only allowed with FREQ=MONTHLY",
        ),
        (
            "FREQ=MONTHLY;BYDAY=6MO",
            "BYDAY: ordinal in \"6MO\" must be from 1 to 5 or -5 to -1 in a monthly rule",
        ),
        (
            "FREQ=MONTHLY;BYDAY=0MO",
            "BYDAY: ordinal must not be 0 in \"0MO\"",
        ),
        (
            "FREQ=MONTHLY;BYDAY=+-1MO",
            "BYDAY: invalid ordinal in \"+-1MO\"",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=32",
            "BYMONTHDAY: expected a day from 1 to 31 or -31 to -1, got \"32\"",
        ),
        (
            "FREQ=MONTHLY;BYMONTHDAY=0",
            "BYMONTHDAY: expected a day from 1 to 31 or -31 to -1, got \"0\"",
        ),
        (
            "FREQ=WEEKLY;BYMONTHDAY=1",
            "BYMONTHDAY is not allowed with FREQ=WEEKLY",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(reason(text), expected, "for {text:?}");
    }
    let err = RecurrenceRule::parse("FREQ=DAILY;BYDAY=XX").unwrap_err();
    assert_eq!(err.code().as_str(), "INVALID_RECURRENCE");
}

#[test]
fn parse_accepts_prefix_any_case_and_writes_canonical_text() {
    let rule =
        RecurrenceRule::parse("rrule:byday=fr,-1mo,1mo;Freq=Monthly;interval=2;count=6;").unwrap();
    assert_eq!(rule.frequency(), Frequency::Monthly);
    assert_eq!(rule.interval(), 2);
    assert_eq!(rule.count(), Some(6));
    assert_eq!(
        rule.to_string(),
        "FREQ=MONTHLY;INTERVAL=2;COUNT=6;BYDAY=1MO,-1MO,FR"
    );
    let weekly = RecurrenceRule::parse("FREQ=WEEKLY;WKST=SU;UNTIL=19971224T000000Z").unwrap();
    assert_eq!(
        weekly.until(),
        Some(Until::Instant(ts("1997-12-24T00:00:00Z")))
    );
    assert_eq!(
        weekly.to_string(),
        "FREQ=WEEKLY;UNTIL=19971224T000000Z;WKST=SU"
    );
}

#[test]
fn display_round_trips_through_parse() {
    for text in [
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=10;COUNT=5",
        "FREQ=DAILY;UNTIL=19971224;BYDAY=MO,FR;BYMONTHDAY=1,-1",
        "FREQ=WEEKLY;UNTIL=20261231T235959;WKST=SU;BYDAY=TU,TH",
        "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15",
        "FREQ=MONTHLY;BYDAY=1SU,-1SU",
        "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13",
    ] {
        let rule = RecurrenceRule::parse(text).unwrap();
        assert_eq!(rule.to_string(), text);
        assert_eq!(RecurrenceRule::parse(&rule.to_string()).unwrap(), rule);
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(serde_json::from_str::<RecurrenceRule>(&json).unwrap(), rule);
    }
}

#[test]
fn recurrence_refuses_until_before_dtstart() {
    let rule = RecurrenceRule::parse("FREQ=DAILY;UNTIL=20260101T000000Z").unwrap();
    let err = Recurrence::new(local(2026, 2, 1, 9, 0), Tz::UTC, rule).unwrap_err();
    assert_eq!(
        err,
        Error::InvalidRecurrence {
            reason: "UNTIL is before DTSTART".into()
        }
    );
}

// ---------------------------------------------------------------- DST

/// A weekly 09:00–17:00 availability rule stays 09:00–17:00 local across a DST change, while
/// its UTC instants move by an hour.
fn assert_nine_to_five_across(tz: Tz, change_day: NaiveDate) {
    let start = change_day - chrono::Days::new(7);
    let r = rec(
        "FREQ=WEEKLY;BYDAY=SA,SU,MO",
        tz,
        start.and_hms_opt(9, 0, 0).unwrap(),
    );
    let w = Interval::new(
        resolve_local(tz, start.and_hms_opt(0, 0, 0).unwrap()),
        resolve_local(
            tz,
            (change_day + chrono::Days::new(2))
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        ),
    )
    .unwrap();
    let (intervals, truncated) = r.expand_intervals(w, 100, 8 * 60);
    assert!(!truncated);
    assert_eq!(intervals.len(), 5); // Sun, Mon, then Sat, Sun (the change), Mon
    let mut offsets = Vec::new();
    for i in &intervals {
        let s = i.start().to_utc().with_timezone(&tz);
        let e = i.end().to_utc().with_timezone(&tz);
        assert_eq!(s.format("%H:%M").to_string(), "09:00", "{i:?}");
        assert_eq!(e.format("%H:%M").to_string(), "17:00", "{i:?}");
        assert_eq!(i.duration_secs(), 8 * 3600);
        offsets.push(s.format("%z").to_string());
    }
    assert_ne!(
        offsets.first(),
        offsets.last(),
        "the window must contain the change"
    );
    // Plain starts agree with the intervals.
    let exp = r.expand(w, 100);
    let starts: Vec<Timestamp> = intervals.iter().map(Interval::start).collect();
    assert_eq!(exp.occurrences, starts);
}

#[test]
fn weekly_nine_to_five_stays_local_across_paris_spring_forward() {
    assert_nine_to_five_across(
        Tz::Europe__Paris,
        NaiveDate::from_ymd_opt(2026, 3, 29).unwrap(),
    );
}

#[test]
fn weekly_nine_to_five_stays_local_across_paris_fall_back() {
    assert_nine_to_five_across(
        Tz::Europe__Paris,
        NaiveDate::from_ymd_opt(2026, 10, 25).unwrap(),
    );
}

#[test]
fn weekly_nine_to_five_stays_local_across_new_york_spring_forward() {
    assert_nine_to_five_across(
        Tz::America__New_York,
        NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(),
    );
}

#[test]
fn weekly_nine_to_five_stays_local_across_new_york_fall_back() {
    assert_nine_to_five_across(
        Tz::America__New_York,
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
    );
}

#[test]
fn daily_0230_lands_at_0330_on_paris_spring_forward_and_first_0230_on_fall_back() {
    let r = rec("FREQ=DAILY", Tz::Europe__Paris, local(2026, 3, 27, 2, 30));
    let exp = r.expand(window("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"), 10);
    assert_eq!(
        shown(Tz::Europe__Paris, &exp.occurrences),
        [
            "2026-03-27T02:30:00+01:00",
            "2026-03-28T02:30:00+01:00",
            "2026-03-29T03:30:00+02:00",
            "2026-03-30T02:30:00+02:00",
        ]
    );
    let exp = r.expand(window("2026-10-24T00:00:00Z", "2026-10-27T00:00:00Z"), 10);
    assert_eq!(
        shown(Tz::Europe__Paris, &exp.occurrences),
        [
            "2026-10-24T02:30:00+02:00",
            "2026-10-25T02:30:00+02:00", // the first 02:30 (00:30Z), not the second
            "2026-10-26T02:30:00+01:00",
        ]
    );
    assert_eq!(exp.occurrences[1], ts("2026-10-25T00:30:00Z"));
}

#[test]
fn daily_0230_on_new_york_spring_forward_and_0130_on_fall_back() {
    let r = rec(
        "FREQ=DAILY",
        Tz::America__New_York,
        local(2026, 3, 7, 2, 30),
    );
    let exp = r.expand(window("2026-03-07T00:00:00Z", "2026-03-10T00:00:00Z"), 10);
    assert_eq!(
        shown(Tz::America__New_York, &exp.occurrences),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-09T02:30:00-04:00",
        ]
    );
    let r = rec(
        "FREQ=DAILY",
        Tz::America__New_York,
        local(2026, 10, 31, 1, 30),
    );
    let exp = r.expand(window("2026-10-31T00:00:00Z", "2026-11-03T00:00:00Z"), 10);
    assert_eq!(
        shown(Tz::America__New_York, &exp.occurrences),
        [
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00", // first 01:30 (EDT)
            "2026-11-02T01:30:00-05:00",
        ]
    );
}

#[test]
fn an_interval_across_the_change_keeps_its_wall_times_and_one_swallowed_by_the_gap_is_skipped() {
    // 00:00–06:00 local on the spring-forward night lasts five real hours.
    let r = rec("FREQ=DAILY", Tz::Europe__Paris, local(2026, 3, 28, 0, 0));
    let (iv, _) = r.expand_intervals(
        window("2026-03-29T00:00:00Z", "2026-03-29T12:00:00Z"),
        10,
        360,
    );
    assert_eq!(iv.len(), 1);
    assert_eq!(iv[0].duration_secs(), 5 * 3600);
    // 02:30–03:00 does not exist on that day: its start is read as 03:30, after its end.
    let r = rec("FREQ=DAILY", Tz::Europe__Paris, local(2026, 3, 27, 2, 30));
    let (iv, truncated) = r.expand_intervals(
        window("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z"),
        10,
        30,
    );
    assert!(!truncated);
    let days: Vec<String> = iv
        .iter()
        .map(|i| {
            i.start()
                .to_utc()
                .with_timezone(&Tz::Europe__Paris)
                .format("%d")
                .to_string()
        })
        .collect();
    assert_eq!(days, ["27", "28", "30"]);
}

#[test]
fn intervals_starting_before_the_window_are_included_when_they_overlap_it() {
    let r = rec("FREQ=DAILY", Tz::UTC, local(2026, 1, 1, 22, 0));
    let (iv, _) = r.expand_intervals(
        window("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"),
        10,
        240,
    );
    let starts: Vec<String> = iv.iter().map(|i| i.start().to_string()).collect();
    assert_eq!(starts, ["2026-01-01T22:00:00Z", "2026-01-02T22:00:00Z"]);
}

// ---------------------------------------------------------------- EXDATE, limit, far windows

#[test]
fn exdates_remove_occurrences_but_still_count() {
    let r = rec(
        "FREQ=DAILY;COUNT=5",
        Tz::Europe__Paris,
        local(2026, 3, 27, 2, 30),
    )
    .with_exdates([
        local(2026, 3, 28, 2, 30),
        local(2026, 3, 29, 3, 30), // names the 02:30 occurrence pushed to 03:30 by the gap
        local(2026, 3, 30, 9, 0),  // matches nothing
    ]);
    let exp = r.expand(window("2026-03-01T00:00:00Z", "2026-05-01T00:00:00Z"), 10);
    assert_eq!(
        shown(Tz::Europe__Paris, &exp.occurrences),
        [
            "2026-03-27T02:30:00+01:00",
            "2026-03-30T02:30:00+02:00",
            "2026-03-31T02:30:00+02:00",
        ]
    );
    assert_eq!(r.exdates().len(), 3);
}

#[test]
fn limit_truncates_and_says_so() {
    let r = rec("FREQ=DAILY;COUNT=10", Tz::UTC, local(2026, 1, 1, 9, 0));
    let w = window("2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z");
    let exact = r.expand(w, 10);
    assert_eq!((exact.occurrences.len(), exact.truncated), (10, false));
    let cut = r.expand(w, 3);
    assert_eq!((cut.occurrences.len(), cut.truncated), (3, true));
    assert_eq!(cut.occurrences[..], exact.occurrences[..3]);
    let none = r.expand(w, 0);
    assert_eq!((none.occurrences.len(), none.truncated), (0, true));
    assert_eq!(
        r.expand_all(w, 3),
        Err(Error::RecurrenceTooLarge { limit: 3 })
    );
    assert_eq!(r.expand_all(w, 10).unwrap(), exact.occurrences);
    let empty = r.expand(window("2030-01-01T00:00:00Z", "2031-01-01T00:00:00Z"), 0);
    assert_eq!(empty, super::Expansion::default());
}

#[test]
fn window_boundaries_are_half_open() {
    let r = rec("FREQ=DAILY", Tz::UTC, local(2026, 1, 1, 9, 0));
    let exp = r.expand(window("2026-01-02T09:00:00Z", "2026-01-04T09:00:00Z"), 10);
    let got: Vec<String> = exp.occurrences.iter().map(ToString::to_string).collect();
    assert_eq!(got, ["2026-01-02T09:00:00Z", "2026-01-03T09:00:00Z"]);
}

/// A window 40 years after DTSTART agrees with the full expansion, COUNT included.
fn assert_far_window_matches_full(rule: &str, dtstart: NaiveDateTime, w: Interval) {
    let r = rec(rule, Tz::Europe__Paris, dtstart);
    let full_window = Interval::new(ts("1999-01-01T00:00:00Z"), w.end()).unwrap();
    let full = r.expand(full_window, 1_000_000);
    assert!(!full.truncated);
    let expected: Vec<Timestamp> = full
        .occurrences
        .into_iter()
        .filter(|&t| w.contains_instant(t))
        .collect();
    let got = r.expand(w, 1_000_000);
    assert!(
        !expected.is_empty(),
        "{rule}: test window should not be empty"
    );
    assert_eq!(got.occurrences, expected, "{rule}");
}

#[test]
fn far_windows_agree_with_full_expansion_and_honour_count() {
    let w = window("2040-01-01T00:00:00Z", "2041-01-01T00:00:00Z");
    let start = local(2000, 1, 3, 9, 0);
    for rule in [
        "FREQ=DAILY",
        "FREQ=DAILY;COUNT=14900",
        "FREQ=DAILY;INTERVAL=3;BYDAY=MO,FR;COUNT=2950",
        "FREQ=DAILY;BYMONTHDAY=1,-1;COUNT=970",
        "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=4200",
        "FREQ=WEEKLY;INTERVAL=3;WKST=SU;BYDAY=SU,SA;COUNT=1400",
        "FREQ=MONTHLY;BYDAY=-1FR;COUNT=488",
        "FREQ=MONTHLY;INTERVAL=5;BYMONTHDAY=31;COUNT=60",
        "FREQ=MONTHLY;UNTIL=20400615T000000Z;BYMONTHDAY=3",
    ] {
        assert_far_window_matches_full(rule, start, w);
    }
    // COUNT is reached inside the far window: 14 900 days from 2000-01-03.
    let r = rec("FREQ=DAILY;COUNT=14900", Tz::Europe__Paris, start);
    let exp = r.expand(w, 1000);
    let last = exp
        .occurrences
        .last()
        .unwrap()
        .to_utc()
        .with_timezone(&Tz::Europe__Paris);
    assert_eq!(last.date_naive(), start.date() + chrono::Days::new(14_899));
}

#[test]
fn a_window_thousands_of_years_out_is_cheap() {
    let r = rec(
        "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        Tz::Europe__Berlin,
        local(2000, 1, 3, 9, 0),
    );
    let w = window("9000-01-01T00:00:00Z", "9000-01-15T00:00:00Z");
    let exp = r.expand(w, 100);
    assert_eq!(exp.occurrences.len(), 10);
    let far = window("9999-12-20T00:00:00Z", "9999-12-31T23:00:00Z");
    assert!(r.expand(far, 100).occurrences.len() <= 10);
}

// ---------------------------------------------------------------- properties

const ZONES: [Tz; 5] = [
    Tz::Europe__Paris,
    Tz::America__New_York,
    Tz::Asia__Tokyo,
    Tz::UTC,
    Tz::Australia__Sydney,
];
const CODES: [&str; 7] = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];

/// A random supported rule as text, plus its DTSTART and zone.
#[derive(Debug, Clone)]
struct Case {
    tz: Tz,
    dtstart: NaiveDateTime,
    rule: String,
    window: Interval,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0usize..ZONES.len(),
        0i64..3650,
        0u32..24,
        prop::sample::select(vec![0u32, 15, 30, 45]),
        0u8..3,
        1u32..=4,
        0u8..128,
        prop::collection::vec((-4i8..=4, 0usize..7), 0..3),
        prop::collection::vec(prop_oneof![1i8..=31, -31i8..=-1], 0..3),
        (0u8..3, 1u32..60, 0i64..700),
        0usize..7,
        (-30i64..600, 1i64..200),
    )
        .prop_map(
            |(
                z,
                day,
                h,
                min,
                freq,
                interval,
                mask,
                ordinals,
                monthdays,
                end,
                wkst,
                (woff, wlen),
            )| {
                let tz = ZONES[z];
                let dtstart = (NaiveDate::from_ymd_opt(2020, 1, 1).unwrap()
                    + chrono::Days::new(day as u64))
                .and_hms_opt(h, min, 0)
                .unwrap();
                let mut parts = vec![format!(
                    "FREQ={}",
                    ["DAILY", "WEEKLY", "MONTHLY"][freq as usize]
                )];
                parts.push(format!("INTERVAL={interval}"));
                match end {
                    (1, n, _) => parts.push(format!("COUNT={n}")),
                    (2, _, days) => {
                        let until = resolve_local(tz, dtstart).add_secs(days * DAY);
                        parts.push(format!("UNTIL={}", until.to_utc().format("%Y%m%dT%H%M%SZ")));
                    }
                    _ => {}
                }
                parts.push(format!("WKST={}", CODES[wkst]));
                let mut days: Vec<String> = (0..7)
                    .filter(|i| mask & 1 << i != 0 && mask & 0x80 == 0)
                    .map(|i| CODES[i].to_owned())
                    .collect();
                if freq == 2 {
                    // Monthly: a few entries, some with ordinals.
                    days = ordinals
                        .iter()
                        .map(|&(n, w)| {
                            if n == 0 {
                                CODES[w].to_owned()
                            } else {
                                format!("{n}{}", CODES[w])
                            }
                        })
                        .collect();
                } else if mask % 3 == 0 {
                    days.clear();
                }
                if !days.is_empty() {
                    parts.push(format!("BYDAY={}", days.join(",")));
                }
                if freq != 1 && !monthdays.is_empty() {
                    let list: Vec<String> = monthdays.iter().map(ToString::to_string).collect();
                    parts.push(format!("BYMONTHDAY={}", list.join(",")));
                }
                let from = resolve_local(tz, dtstart).add_secs(woff * DAY + (woff * 7919) % DAY);
                let window = Interval::new(from, from.add_secs(wlen * DAY)).unwrap();
                Case {
                    tz,
                    dtstart,
                    rule: parts.join(";"),
                    window,
                }
            },
        )
}

fn recurrence_of(c: &Case) -> Recurrence {
    Recurrence::new(c.dtstart, c.tz, RecurrenceRule::parse(&c.rule).unwrap()).unwrap()
}

/// Occurrences in `window` according to the `rrule` crate.
///
/// The `rrule` crate resolves a local time that is missing or repeated by adding the time of
/// day to local midnight, which for these zones (whose changes are never at midnight) gives
/// the same instant as RFC 5545's policy; its DTSTART however is a resolved instant, so a
/// DTSTART inside a gap would carry the shifted time of day to every occurrence. Cases whose
/// DTSTART is in a gap are therefore left out of the comparison, and so are those whose DTSTART
/// is in a repeated hour, which the crate refuses as ambiguous.
fn oracle(c: &Case, rule_text: &str) -> Vec<Timestamp> {
    let set: rrule::RRuleSet = format!(
        "DTSTART;TZID={}:{}\nRRULE:{rule_text}",
        c.tz.name(),
        c.dtstart.format("%Y%m%dT%H%M%S")
    )
    .parse()
    .unwrap_or_else(|e| panic!("rrule refused {rule_text}: {e}"));
    let utc = |t: Timestamp| rrule::Tz::UTC.timestamp_opt(t.secs(), 0).unwrap();
    set.after(utc(c.window.start()))
        .before(utc(c.window.end()))
        .all(u16::MAX)
        .dates
        .into_iter()
        .map(|d| Timestamp::from_secs(d.timestamp()))
        .filter(|&t| c.window.contains_instant(t))
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Occurrences are strictly increasing, inside the window, and at DTSTART's wall time
    /// (or later by the gap, when that wall time does not exist on the day).
    #[test]
    fn occurrences_are_ordered_inside_the_window_at_the_local_time(c in case()) {
        let r = recurrence_of(&c);
        let exp = r.expand(c.window, 10_000);
        prop_assert!(!exp.truncated);
        for pair in exp.occurrences.windows(2) {
            prop_assert!(pair[0] < pair[1]);
        }
        for &t in &exp.occurrences {
            prop_assert!(c.window.contains_instant(t));
            let seen = t.to_utc().with_timezone(&c.tz).naive_local();
            let nominal = seen.date().and_time(c.dtstart.time());
            match c.tz.from_local_datetime(&nominal) {
                chrono::LocalResult::None => {
                    prop_assert!(seen > nominal && seen - nominal <= chrono::Duration::hours(3));
                    prop_assert_eq!(resolve_local(c.tz, nominal), t);
                }
                _ => prop_assert_eq!(seen, nominal),
            }
        }
    }

    /// Any window gives the same occurrences as the full expansion from DTSTART, cut to the
    /// window: the arithmetic jump to the window (and the COUNT before it) is exact.
    #[test]
    fn window_expansion_equals_the_full_expansion_cut_to_the_window(c in case(), limit in 0usize..40) {
        let r = recurrence_of(&c);
        let from = resolve_local(c.tz, c.dtstart).add_secs(-DAY).min(c.window.start());
        let full_window = Interval::new(from, c.window.end()).unwrap();
        let full = r.expand(full_window, 100_000);
        let expected: Vec<Timestamp> = full.occurrences.into_iter().filter(|&t| c.window.contains_instant(t)).collect();
        let got = r.expand(c.window, limit);
        prop_assert_eq!(got.truncated, expected.len() > limit);
        prop_assert_eq!(&got.occurrences[..], &expected[..expected.len().min(limit)]);
    }

    /// The `rrule` crate, as an oracle, finds the same occurrences in the window.
    #[test]
    fn expansion_agrees_with_the_rrule_crate(c in case()) {
        // DTSTART in a gap or in a repeated hour: the `rrule` crate refuses the latter (it will
        // not pick one of the two instants), and see `oracle` for the former.
        prop_assume!(matches!(c.tz.from_local_datetime(&c.dtstart), chrono::LocalResult::Single(_)));
        let r = recurrence_of(&c);
        // The `rrule` crate (like python-dateutil) intersects plain and ordinal BYDAY entries
        // (`MO,-1MO` gives only the last Monday); RFC 5545 makes BYDAY a set, so we take the
        // union (every Monday). Such mixed lists are left out of the comparison.
        let by_day = r.rule().by_day();
        prop_assume!(
            by_day.iter().all(|d| d.ordinal().is_some()) || by_day.iter().all(|d| d.ordinal().is_none())
        );
        // Our canonical text is what rrule parses: this also checks the interchange format.
        let text = r.rule().to_string();
        let ours = r.expand(c.window, 10_000).occurrences;
        prop_assert_eq!(ours, oracle(&c, &text), "rule {}", text);
    }

    /// Each availability interval runs from an occurrence to the wall time `wall_minutes`
    /// later, both resolved with the RFC 5545 policy; exactly the occurrences whose interval
    /// overlaps the window appear, in order.
    #[test]
    fn intervals_are_the_occurrences_stretched_in_wall_clock_time(c in case(), wall_minutes in 1u32..(36 * 60)) {
        let r = recurrence_of(&c);
        let (intervals, truncated) = r.expand_intervals(c.window, 10_000, wall_minutes);
        prop_assert!(!truncated);
        let wall = i64::from(wall_minutes) * 60;
        let wide = Interval::new(c.window.start().add_secs(-wall - 2 * DAY), c.window.end()).unwrap();
        let expected: Vec<Interval> = r
            .expand(wide, 100_000)
            .occurrences
            .into_iter()
            .filter_map(|start| {
                let nominal = start.to_utc().with_timezone(&c.tz).date_naive().and_time(c.dtstart.time());
                let end = resolve_local(c.tz, nominal + chrono::Duration::seconds(wall));
                Interval::new(start, end).ok()
            })
            .filter(|i| i.overlaps(&c.window))
            .collect();
        prop_assert_eq!(intervals, expected);
    }

    /// Display always parses back to the same rule.
    #[test]
    fn generated_rules_round_trip(c in case()) {
        let rule = RecurrenceRule::parse(&c.rule).unwrap();
        prop_assert_eq!(RecurrenceRule::parse(&rule.to_string()).unwrap(), rule);
    }
}

#[test]
fn monthly_by_day_is_a_set_plain_and_ordinal_entries_add_up() {
    // RFC 5545: BYDAY=MO,-1FR is every Monday plus the last Friday.
    let r = rec(
        "FREQ=MONTHLY;BYDAY=MO,-1FR",
        Tz::UTC,
        local(2026, 1, 1, 9, 0),
    );
    let exp = r.expand(window("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z"), 10);
    let days: Vec<String> = exp
        .occurrences
        .iter()
        .map(|t| t.to_utc().format("%d").to_string())
        .collect();
    assert_eq!(days, ["05", "12", "19", "26", "30"]);
}
