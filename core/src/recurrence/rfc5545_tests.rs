//! RFC 5545 §3.8.5.3 examples within the supported subset, one test per example, each named
//! after the example's caption. All use `DTSTART;TZID=America/New_York` at 09:00; the daylight
//! saving change of 1997-10-26 falls inside most of them, and every occurrence must stay at
//! 9:00 AM local (EDT before, EST after), exactly as the RFC lists them.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::{Recurrence, RecurrenceRule};
use crate::time::{Interval, Timestamp};

const NY: Tz = chrono_tz::America::New_York;

fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y%m%dT%H%M%S").unwrap()
}

/// Expands `rule` from `dtstart` (New York wall time) over 1997–2010, at most `limit`
/// occurrences, formatted as local times with their zone abbreviation.
fn expand(dtstart: &str, rule: &str, exdates: &[&str], limit: usize) -> (Vec<String>, bool) {
    let rule = RecurrenceRule::parse(rule).unwrap();
    let rec = Recurrence::new(local(dtstart), NY, rule)
        .unwrap()
        .with_exdates(exdates.iter().map(|e| local(e)));
    let window = Interval::new(
        "1997-01-01T00:00:00Z".parse::<Timestamp>().unwrap(),
        "2010-01-01T00:00:00Z".parse::<Timestamp>().unwrap(),
    )
    .unwrap();
    let exp = rec.expand(window, limit);
    let shown = exp
        .occurrences
        .iter()
        .map(|t| {
            t.to_utc()
                .with_timezone(&NY)
                .format("%Y-%m-%d %H:%M %Z")
                .to_string()
        })
        .collect();
    (shown, exp.truncated)
}

/// All occurrences of a rule with a finite set (COUNT or UNTIL).
fn finite(dtstart: &str, rule: &str) -> Vec<String> {
    let (shown, truncated) = expand(dtstart, rule, &[], 10_000);
    assert!(!truncated);
    shown
}

/// The first `n` occurrences of a rule that repeats forever.
fn first(n: usize, dtstart: &str, rule: &str) -> Vec<String> {
    let (shown, truncated) = expand(dtstart, rule, &[], n);
    assert!(truncated, "a rule without end must fill the limit");
    shown
}

/// The RFC's notation: `(year 9:00 AM zone) month days…` becomes
/// `[("1997-09", "EDT", &[2, 3])]`.
fn at_nine(groups: &[(&str, &str, &[u32])]) -> Vec<String> {
    groups
        .iter()
        .flat_map(|&(month, zone, days)| {
            days.iter()
                .map(move |d| format!("{month}-{d:02} 09:00 {zone}"))
        })
        .collect()
}

fn range(from: u32, to: u32) -> Vec<u32> {
    (from..=to).collect()
}

/// Daily for 10 occurrences:
/// `DTSTART;TZID=America/New_York:19970902T090000`, `RRULE:FREQ=DAILY;COUNT=10`
/// ==> (1997 9:00 AM EDT) September 2-11
#[test]
fn daily_for_10_occurrences() {
    assert_eq!(
        finite("19970902T090000", "FREQ=DAILY;COUNT=10"),
        at_nine(&[("1997-09", "EDT", &range(2, 11))])
    );
}

/// Daily until December 24, 1997:
/// `RRULE:FREQ=DAILY;UNTIL=19971224T000000Z`
/// ==> (1997 9:00 AM EDT) September 2-30;October 1-25
///     (1997 9:00 AM EST) October 26-31;November 1-30;December 1-23
#[test]
fn daily_until_december_24_1997() {
    assert_eq!(
        finite("19970902T090000", "FREQ=DAILY;UNTIL=19971224T000000Z"),
        at_nine(&[
            ("1997-09", "EDT", &range(2, 30)),
            ("1997-10", "EDT", &range(1, 25)),
            ("1997-10", "EST", &range(26, 31)),
            ("1997-11", "EST", &range(1, 30)),
            ("1997-12", "EST", &range(1, 23)),
        ])
    );
}

/// Every other day - forever:
/// `RRULE:FREQ=DAILY;INTERVAL=2`
/// ==> (1997 9:00 AM EDT) September 2,4,6,8...24,26,28,30; October 2,4,6...20,22,24
///     (1997 9:00 AM EST) October 26,28,30; November 1,3,5,7...25,27,29; December 1,3,...
#[test]
fn every_other_day_forever() {
    let odd = |from, to| (from..=to).step_by(2).collect::<Vec<u32>>();
    assert_eq!(
        first(47, "19970902T090000", "FREQ=DAILY;INTERVAL=2"),
        at_nine(&[
            ("1997-09", "EDT", &odd(2, 30)),
            ("1997-10", "EDT", &odd(2, 24)),
            ("1997-10", "EST", &odd(26, 30)),
            ("1997-11", "EST", &odd(1, 29)),
            ("1997-12", "EST", &[1, 3]),
        ])
    );
}

/// Every 10 days, 5 occurrences:
/// `RRULE:FREQ=DAILY;INTERVAL=10;COUNT=5`
/// ==> (1997 9:00 AM EDT) September 2,12,22; October 2,12
#[test]
fn every_10_days_5_occurrences() {
    assert_eq!(
        finite("19970902T090000", "FREQ=DAILY;INTERVAL=10;COUNT=5"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 12, 22]),
            ("1997-10", "EDT", &[2, 12])
        ])
    );
}

/// Weekly for 10 occurrences:
/// `RRULE:FREQ=WEEKLY;COUNT=10`
/// ==> (1997 9:00 AM EDT) September 2,9,16,23,30;October 7,14,21
///     (1997 9:00 AM EST) October 28;November 4
#[test]
fn weekly_for_10_occurrences() {
    assert_eq!(
        finite("19970902T090000", "FREQ=WEEKLY;COUNT=10"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 9, 16, 23, 30]),
            ("1997-10", "EDT", &[7, 14, 21]),
            ("1997-10", "EST", &[28]),
            ("1997-11", "EST", &[4]),
        ])
    );
}

/// Weekly until December 24, 1997:
/// `RRULE:FREQ=WEEKLY;UNTIL=19971224T000000Z`
/// ==> (1997 9:00 AM EDT) September 2,9,16,23,30; October 7,14,21
///     (1997 9:00 AM EST) October 28; November 4,11,18,25; December 2,9,16,23
#[test]
fn weekly_until_december_24_1997() {
    assert_eq!(
        finite("19970902T090000", "FREQ=WEEKLY;UNTIL=19971224T000000Z"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 9, 16, 23, 30]),
            ("1997-10", "EDT", &[7, 14, 21]),
            ("1997-10", "EST", &[28]),
            ("1997-11", "EST", &[4, 11, 18, 25]),
            ("1997-12", "EST", &[2, 9, 16, 23]),
        ])
    );
}

/// Every other week - forever:
/// `RRULE:FREQ=WEEKLY;INTERVAL=2;WKST=SU`
/// ==> (1997 9:00 AM EDT) September 2,16,30; October 14
///     (1997 9:00 AM EST) October 28; November 11,25; December 9,23
///     (1998 9:00 AM EST) January 6,20; February 3,17 ...
#[test]
fn every_other_week_forever() {
    assert_eq!(
        first(13, "19970902T090000", "FREQ=WEEKLY;INTERVAL=2;WKST=SU"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 16, 30]),
            ("1997-10", "EDT", &[14]),
            ("1997-10", "EST", &[28]),
            ("1997-11", "EST", &[11, 25]),
            ("1997-12", "EST", &[9, 23]),
            ("1998-01", "EST", &[6, 20]),
            ("1998-02", "EST", &[3, 17]),
        ])
    );
}

/// Weekly on Tuesday and Thursday for five weeks:
/// `RRULE:FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH`
/// or `RRULE:FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH`
/// ==> (1997 9:00 AM EDT) September 2,4,9,11,16,18,23,25,30; October 2
#[test]
fn weekly_on_tuesday_and_thursday_for_five_weeks() {
    let expected = at_nine(&[
        ("1997-09", "EDT", &[2, 4, 9, 11, 16, 18, 23, 25, 30]),
        ("1997-10", "EDT", &[2]),
    ]);
    assert_eq!(
        finite(
            "19970902T090000",
            "FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH"
        ),
        expected
    );
    assert_eq!(
        finite(
            "19970902T090000",
            "FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH"
        ),
        expected
    );
}

/// Every other week on Monday, Wednesday, and Friday until December 24, 1997, starting on
/// Monday, September 1, 1997:
/// `DTSTART;TZID=America/New_York:19970901T090000`
/// `RRULE:FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR`
/// ==> (1997 9:00 AM EDT) September 1,3,5,15,17,19,29; October 1,3,13,15,17
///     (1997 9:00 AM EST) October 27,29,31; November 10,12,14,24,26,28; December 8,10,12,22
#[test]
fn every_other_week_on_monday_wednesday_friday_until_december_24_1997() {
    assert_eq!(
        finite(
            "19970901T090000",
            "FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR"
        ),
        at_nine(&[
            ("1997-09", "EDT", &[1, 3, 5, 15, 17, 19, 29]),
            ("1997-10", "EDT", &[1, 3, 13, 15, 17]),
            ("1997-10", "EST", &[27, 29, 31]),
            ("1997-11", "EST", &[10, 12, 14, 24, 26, 28]),
            ("1997-12", "EST", &[8, 10, 12, 22]),
        ])
    );
}

/// Every other week on Tuesday and Thursday, for 8 occurrences:
/// `RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH`
/// ==> (1997 9:00 AM EDT) September 2,4,16,18,30; October 2,14,16
#[test]
fn every_other_week_on_tuesday_and_thursday_for_8_occurrences() {
    assert_eq!(
        finite(
            "19970902T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH"
        ),
        at_nine(&[
            ("1997-09", "EDT", &[2, 4, 16, 18, 30]),
            ("1997-10", "EDT", &[2, 14, 16]),
        ])
    );
}

/// Monthly on the first Friday for 10 occurrences:
/// `DTSTART;TZID=America/New_York:19970905T090000`, `RRULE:FREQ=MONTHLY;COUNT=10;BYDAY=1FR`
/// ==> (1997 9:00 AM EDT) September 5; October 3
///     (1997 9:00 AM EST) November 7; December 5
///     (1998 9:00 AM EST) January 2; February 6; March 6; April 3
///     (1998 9:00 AM EDT) May 1; June 5
#[test]
fn monthly_on_the_first_friday_for_10_occurrences() {
    assert_eq!(
        finite("19970905T090000", "FREQ=MONTHLY;COUNT=10;BYDAY=1FR"),
        at_nine(&[
            ("1997-09", "EDT", &[5]),
            ("1997-10", "EDT", &[3]),
            ("1997-11", "EST", &[7]),
            ("1997-12", "EST", &[5]),
            ("1998-01", "EST", &[2]),
            ("1998-02", "EST", &[6]),
            ("1998-03", "EST", &[6]),
            ("1998-04", "EST", &[3]),
            ("1998-05", "EDT", &[1]),
            ("1998-06", "EDT", &[5]),
        ])
    );
}

/// Monthly on the first Friday until December 24, 1997:
/// `RRULE:FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR`
/// ==> (1997 9:00 AM EDT) September 5; October 3
///     (1997 9:00 AM EST) November 7; December 5
#[test]
fn monthly_on_the_first_friday_until_december_24_1997() {
    assert_eq!(
        finite(
            "19970905T090000",
            "FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR"
        ),
        at_nine(&[
            ("1997-09", "EDT", &[5]),
            ("1997-10", "EDT", &[3]),
            ("1997-11", "EST", &[7]),
            ("1997-12", "EST", &[5]),
        ])
    );
}

/// Every other month on the first and last Sunday of the month for 10 occurrences:
/// `DTSTART;TZID=America/New_York:19970907T090000`
/// `RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU`
/// ==> (1997 9:00 AM EDT) September 7,28
///     (1997 9:00 AM EST) November 2,30
///     (1998 9:00 AM EST) January 4,25; March 1,29
///     (1998 9:00 AM EDT) May 3,31
#[test]
fn every_other_month_on_the_first_and_last_sunday_for_10_occurrences() {
    assert_eq!(
        finite(
            "19970907T090000",
            "FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU"
        ),
        at_nine(&[
            ("1997-09", "EDT", &[7, 28]),
            ("1997-11", "EST", &[2, 30]),
            ("1998-01", "EST", &[4, 25]),
            ("1998-03", "EST", &[1, 29]),
            ("1998-05", "EDT", &[3, 31]),
        ])
    );
}

/// Monthly on the second-to-last Monday of the month for 6 months:
/// `DTSTART;TZID=America/New_York:19970922T090000`, `RRULE:FREQ=MONTHLY;COUNT=6;BYDAY=-2MO`
/// ==> (1997 9:00 AM EDT) September 22; October 20
///     (1997 9:00 AM EST) November 17; December 22
///     (1998 9:00 AM EST) January 19; February 16
#[test]
fn monthly_on_the_second_to_last_monday_for_6_months() {
    assert_eq!(
        finite("19970922T090000", "FREQ=MONTHLY;COUNT=6;BYDAY=-2MO"),
        at_nine(&[
            ("1997-09", "EDT", &[22]),
            ("1997-10", "EDT", &[20]),
            ("1997-11", "EST", &[17]),
            ("1997-12", "EST", &[22]),
            ("1998-01", "EST", &[19]),
            ("1998-02", "EST", &[16]),
        ])
    );
}

/// Monthly on the third-to-the-last day of the month, forever:
/// `DTSTART;TZID=America/New_York:19970928T090000`, `RRULE:FREQ=MONTHLY;BYMONTHDAY=-3`
/// ==> (1997 9:00 AM EDT) September 28
///     (1997 9:00 AM EST) October 29; November 28; December 29
///     (1998 9:00 AM EST) January 29; February 26 ...
#[test]
fn monthly_on_the_third_to_the_last_day_forever() {
    assert_eq!(
        first(6, "19970928T090000", "FREQ=MONTHLY;BYMONTHDAY=-3"),
        at_nine(&[
            ("1997-09", "EDT", &[28]),
            ("1997-10", "EST", &[29]),
            ("1997-11", "EST", &[28]),
            ("1997-12", "EST", &[29]),
            ("1998-01", "EST", &[29]),
            ("1998-02", "EST", &[26]),
        ])
    );
}

/// Monthly on the 2nd and 15th of the month for 10 occurrences:
/// `RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15`
/// ==> (1997 9:00 AM EDT) September 2,15; October 2,15
///     (1997 9:00 AM EST) November 2,15; December 2,15
///     (1998 9:00 AM EST) January 2,15
#[test]
fn monthly_on_the_2nd_and_15th_for_10_occurrences() {
    assert_eq!(
        finite("19970902T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 15]),
            ("1997-10", "EDT", &[2, 15]),
            ("1997-11", "EST", &[2, 15]),
            ("1997-12", "EST", &[2, 15]),
            ("1998-01", "EST", &[2, 15]),
        ])
    );
}

/// Monthly on the first and last day of the month for 10 occurrences:
/// `DTSTART;TZID=America/New_York:19970930T090000`, `RRULE:FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1`
/// ==> (1997 9:00 AM EDT) September 30; October 1
///     (1997 9:00 AM EST) October 31; November 1,30; December 1,31
///     (1998 9:00 AM EST) January 1,31; February 1
#[test]
fn monthly_on_the_first_and_last_day_for_10_occurrences() {
    assert_eq!(
        finite("19970930T090000", "FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1"),
        at_nine(&[
            ("1997-09", "EDT", &[30]),
            ("1997-10", "EDT", &[1]),
            ("1997-10", "EST", &[31]),
            ("1997-11", "EST", &[1, 30]),
            ("1997-12", "EST", &[1, 31]),
            ("1998-01", "EST", &[1, 31]),
            ("1998-02", "EST", &[1]),
        ])
    );
}

/// Every 18 months on the 10th thru 15th of the month for 10 occurrences:
/// `DTSTART;TZID=America/New_York:19970910T090000`
/// `RRULE:FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15`
/// ==> (1997 9:00 AM EDT) September 10,11,12,13,14,15
///     (1999 9:00 AM EST) March 10,11,12,13
#[test]
fn every_18_months_on_the_10th_thru_15th_for_10_occurrences() {
    assert_eq!(
        finite(
            "19970910T090000",
            "FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15"
        ),
        at_nine(&[
            ("1997-09", "EDT", &range(10, 15)),
            ("1999-03", "EST", &range(10, 13)),
        ])
    );
}

/// Every Tuesday, every other month:
/// `RRULE:FREQ=MONTHLY;INTERVAL=2;BYDAY=TU`
/// ==> (1997 9:00 AM EDT) September 2,9,16,23,30
///     (1997 9:00 AM EST) November 4,11,18,25
///     (1998 9:00 AM EST) January 6,13,20,27; March 3,10,17,24,31 ...
#[test]
fn every_tuesday_every_other_month() {
    assert_eq!(
        first(18, "19970902T090000", "FREQ=MONTHLY;INTERVAL=2;BYDAY=TU"),
        at_nine(&[
            ("1997-09", "EDT", &[2, 9, 16, 23, 30]),
            ("1997-11", "EST", &[4, 11, 18, 25]),
            ("1998-01", "EST", &[6, 13, 20, 27]),
            ("1998-03", "EST", &[3, 10, 17, 24, 31]),
        ])
    );
}

/// Every Friday the 13th, forever:
/// `EXDATE;TZID=America/New_York:19970902T090000`
/// `RRULE:FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13`
/// ==> (1998 9:00 AM EST) February 13; March 13; November 13
///     (1999 9:00 AM EDT) August 13
///     (2000 9:00 AM EDT) October 13 ...
#[test]
fn every_friday_the_13th_forever() {
    let (shown, truncated) = expand(
        "19970902T090000",
        "FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13",
        &["19970902T090000"],
        5,
    );
    assert!(truncated);
    assert_eq!(
        shown,
        at_nine(&[
            ("1998-02", "EST", &[13]),
            ("1998-03", "EST", &[13]),
            ("1998-11", "EST", &[13]),
            ("1999-08", "EDT", &[13]),
            ("2000-10", "EDT", &[13]),
        ])
    );
}

/// The first Saturday that follows the first Sunday of the month, forever:
/// `DTSTART;TZID=America/New_York:19970913T090000`
/// `RRULE:FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13`
/// ==> (1997 9:00 AM EDT) September 13; October 11
///     (1997 9:00 AM EST) November 8; December 13
///     (1998 9:00 AM EST) January 10; February 7; March 7
///     (1998 9:00 AM EDT) April 11; May 9; June 13...
#[test]
fn the_first_saturday_that_follows_the_first_sunday_forever() {
    assert_eq!(
        first(
            10,
            "19970913T090000",
            "FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13"
        ),
        at_nine(&[
            ("1997-09", "EDT", &[13]),
            ("1997-10", "EDT", &[11]),
            ("1997-11", "EST", &[8]),
            ("1997-12", "EST", &[13]),
            ("1998-01", "EST", &[10]),
            ("1998-02", "EST", &[7]),
            ("1998-03", "EST", &[7]),
            ("1998-04", "EDT", &[11]),
            ("1998-05", "EDT", &[9]),
            ("1998-06", "EDT", &[13]),
        ])
    );
}

/// An example where the days generated makes a difference because of WKST:
/// `DTSTART;TZID=America/New_York:19970805T090000`
/// `RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO`
/// ==> (1997 EDT) August 5,10,19,24
/// changing only WKST from MO to SU, yields different results...
/// `RRULE:FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU`
/// ==> (1997 EDT) August 5,17,19,31
#[test]
fn an_example_where_the_days_generated_makes_a_difference_because_of_wkst() {
    assert_eq!(
        finite(
            "19970805T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO"
        ),
        at_nine(&[("1997-08", "EDT", &[5, 10, 19, 24])])
    );
    assert_eq!(
        finite(
            "19970805T090000",
            "FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU"
        ),
        at_nine(&[("1997-08", "EDT", &[5, 17, 19, 31])])
    );
}

/// An example where an invalid date (i.e., February 30) is ignored:
/// `DTSTART;TZID=America/New_York:20070115T090000`
/// `RRULE:FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5`
/// ==> (2007 EST) January 15,30
///     (2007 EST) February 15
///     (2007 EDT) March 15,30
#[test]
fn an_example_where_an_invalid_date_is_ignored() {
    assert_eq!(
        finite("20070115T090000", "FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5"),
        at_nine(&[
            ("2007-01", "EST", &[15, 30]),
            ("2007-02", "EST", &[15]),
            ("2007-03", "EDT", &[15, 30]),
        ])
    );
}
