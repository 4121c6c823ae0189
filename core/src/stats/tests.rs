//! Tests of the statistics rules: bounds, buckets across DST changes, the reference
//! aggregation and the figures, with hand-computed values and property tests.

use std::collections::BTreeMap;

use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;
use crate::model::{Actor, AvailabilityId, ClientId, Money, ReservationId, TransitionRecord, Zone};
use crate::{ErrorCode, Interval};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// `(start, end, label)` of each bucket, as text.
fn cut(zone: Tz, period: Interval, bucket: Bucket) -> Vec<(String, String, String)> {
    buckets(zone, period, bucket)
        .unwrap()
        .into_iter()
        .map(|b| {
            (
                b.interval.start().to_string(),
                b.interval.end().to_string(),
                b.label.to_string(),
            )
        })
        .collect()
}

fn row(a: &str, b: &str, label: &str) -> (String, String, String) {
    (a.to_owned(), b.to_owned(), label.to_owned())
}

#[test]
fn a_period_lasts_at_most_366_days_between_2000_and_2100() {
    let start = ts("2026-01-01T00:00:00Z");
    let year = Interval::new(start, start.add_secs(366 * DAY)).unwrap();
    assert_eq!(check_period(year), Ok(()));
    let longer = Interval::new(start, start.add_secs(366 * DAY + 1)).unwrap();
    assert_eq!(
        check_period(longer),
        Err(Error::RangeTooLarge { max_days: 366 })
    );
    let early = iv("1999-12-31T23:59:59Z", "2000-01-02T00:00:00Z");
    let err = check_period(early).unwrap_err();
    assert_eq!(
        (
            err.field_errors()[0].field.as_str(),
            err.field_errors()[0].code.as_str()
        ),
        ("from", "out_of_range")
    );
    assert_eq!(
        check_period(iv("2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z")),
        Ok(())
    );
    let late = iv("2099-12-31T00:00:00Z", "2100-01-01T00:00:01Z");
    assert_eq!(
        check_period(late).unwrap_err().field_errors()[0].field,
        "to"
    );
    assert_eq!(
        check_period(iv("2099-12-31T00:00:00Z", "2100-01-01T00:00:00Z")),
        Ok(())
    );
}

#[test]
fn a_period_is_cut_into_at_most_370_buckets() {
    assert_eq!(check_bucket_count(370), Ok(()));
    let err = check_bucket_count(371).unwrap_err();
    assert_eq!(err.code(), ErrorCode::ValidationFailed);
    assert_eq!(err.field_errors()[0].field, "bucket");
    // The longest period, from a local noon, has 367 day buckets: partial days at both ends.
    let from = ts("2027-01-01T11:00:00Z");
    let longest = Interval::new(from, from.add_secs(366 * DAY)).unwrap();
    assert_eq!(
        buckets(Tz::Europe__Paris, longest, Bucket::Day)
            .unwrap()
            .len(),
        367
    );
}

#[test]
fn the_previous_period_has_the_same_length_and_ends_where_the_period_starts() {
    let march = iv("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z"); // 743 hours
    assert_eq!(
        previous_period(march),
        iv("2026-01-29T00:00:00Z", "2026-02-28T23:00:00Z")
    );
}

#[test]
fn paris_days_around_the_spring_change_are_24_23_and_24_hours() {
    let period = iv("2026-03-27T23:00:00Z", "2026-03-30T22:00:00Z");
    assert_eq!(
        cut(Tz::Europe__Paris, period, Bucket::Day),
        [
            row("2026-03-27T23:00:00Z", "2026-03-28T23:00:00Z", "2026-03-28"),
            row("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", "2026-03-29"),
            row("2026-03-29T22:00:00Z", "2026-03-30T22:00:00Z", "2026-03-30"),
        ]
    );
}

#[test]
fn the_paris_autumn_change_day_lasts_25_hours() {
    let period = iv("2026-10-24T22:00:00Z", "2026-10-26T23:00:00Z");
    assert_eq!(
        cut(Tz::Europe__Paris, period, Bucket::Day),
        [
            row("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", "2026-10-25"),
            row("2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z", "2026-10-26"),
        ]
    );
}

#[test]
fn a_missing_midnight_starts_the_day_when_the_clocks_have_jumped() {
    // Santiago skips 2026-09-06 00:00–01:00: the day starts at 01:00 −03:00 and lasts 23 h.
    let period = iv("2026-09-05T04:00:00Z", "2026-09-07T03:00:00Z");
    assert_eq!(
        cut(Tz::America__Santiago, period, Bucket::Day),
        [
            row("2026-09-05T04:00:00Z", "2026-09-06T04:00:00Z", "2026-09-05"),
            row("2026-09-06T04:00:00Z", "2026-09-07T03:00:00Z", "2026-09-06"),
        ]
    );
}

#[test]
fn a_day_a_zone_skipped_whole_makes_no_bucket() {
    // Samoa went from 2011-12-29 23:59 −10:00 to 2011-12-31 00:00 +14:00.
    let period = iv("2011-12-29T10:00:00Z", "2011-12-31T10:00:00Z");
    assert_eq!(
        cut(Tz::Pacific__Apia, period, Bucket::Day),
        [
            row("2011-12-29T10:00:00Z", "2011-12-30T10:00:00Z", "2011-12-29"),
            row("2011-12-30T10:00:00Z", "2011-12-31T10:00:00Z", "2011-12-31"),
        ]
    );
}

#[test]
fn weeks_start_on_local_mondays_and_the_ends_are_clipped() {
    let period = iv("2026-03-25T12:00:00Z", "2026-04-08T12:00:00Z");
    assert_eq!(
        cut(Tz::Europe__Paris, period, Bucket::Week),
        [
            row("2026-03-25T12:00:00Z", "2026-03-29T22:00:00Z", "2026-03-23"),
            row("2026-03-29T22:00:00Z", "2026-04-05T22:00:00Z", "2026-03-30"),
            row("2026-04-05T22:00:00Z", "2026-04-08T12:00:00Z", "2026-04-06"),
        ]
    );
}

#[test]
fn months_start_on_the_local_first() {
    let period = iv("2026-01-15T00:00:00Z", "2026-04-15T00:00:00Z");
    assert_eq!(
        cut(Tz::Europe__Paris, period, Bucket::Month),
        [
            row("2026-01-15T00:00:00Z", "2026-01-31T23:00:00Z", "2026-01-01"),
            row("2026-01-31T23:00:00Z", "2026-02-28T23:00:00Z", "2026-02-01"),
            row("2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z", "2026-03-01"),
            row("2026-03-31T22:00:00Z", "2026-04-15T00:00:00Z", "2026-04-01"),
        ]
    );
}

#[test]
fn offsets_place_instants_at_their_local_weekday_and_hour_across_a_change() {
    let offsets = ZoneOffsets::new(
        Tz::Europe__Paris,
        iv("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z"),
    );
    assert_eq!(offsets.initial, 3600);
    assert_eq!(offsets.changes, [(ts("2026-03-29T01:00:00Z"), 7200)]);
    // Sunday 29 March: 00:59:59Z is 01:59:59 CET, 01:00Z is 03:00 CEST.
    let at = |t: &str| weekday_and_hour(offsets.local_secs(ts(t)));
    assert_eq!(at("2026-03-29T00:59:59Z"), (6, 1));
    assert_eq!(at("2026-03-29T01:00:00Z"), (6, 3));
    assert_eq!(at("2026-03-28T23:30:00Z"), (6, 0));
    assert_eq!(at("2026-03-28T22:59:00Z"), (5, 23));
}

fn spans(list: &[(&str, &str)]) -> Vec<Interval> {
    list.iter().map(|(a, b)| iv(a, b)).collect()
}

fn request(spans: &[Interval]) -> AggregateRequest {
    AggregateRequest::new(
        BusinessId::from_uuid(Uuid::from_u128(1)),
        (None, None),
        None,
        spans,
        ZoneOffsets::new(Tz::UTC, iv("2026-01-01T00:00:00Z", "2026-01-05T00:00:00Z")),
    )
    .unwrap()
}

#[test]
fn aggregate_requests_need_contiguous_buckets() {
    let gap = spans(&[
        ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ("2026-01-02T01:00:00Z", "2026-01-03T00:00:00Z"),
    ]);
    let make = |spans: &[Interval]| {
        AggregateRequest::new(
            BusinessId::from_uuid(Uuid::nil()),
            (None, None),
            None,
            spans,
            ZoneOffsets::new(Tz::UTC, gap[0]),
        )
    };
    assert_eq!(make(&gap).unwrap_err().code(), ErrorCode::InvalidInterval);
    assert_eq!(make(&[]).unwrap_err().code(), ErrorCode::InvalidInterval);
    let days = spans(&[
        ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        ("2026-01-02T00:00:00Z", "2026-01-03T00:00:00Z"),
        ("2026-01-03T00:00:00Z", "2026-01-04T00:00:00Z"),
    ]);
    let r = request(&days);
    assert_eq!(r.bucket_count(), 3);
    assert_eq!(
        r.range(),
        iv("2026-01-01T00:00:00Z", "2026-01-04T00:00:00Z")
    );
    let at = |t: &str| r.bucket_of(ts(t));
    assert_eq!(at("2025-12-31T00:00:00Z"), 0, "before the range: the first");
    assert_eq!(at("2026-01-01T23:59:59Z"), 0);
    assert_eq!(at("2026-01-02T00:00:00Z"), 1);
    assert_eq!(at("2026-01-03T12:00:00Z"), 2);
    assert_eq!(at("2026-01-09T00:00:00Z"), 2, "after the range: the last");
}

#[test]
fn spans_spread_over_the_buckets_they_cross() {
    let b: Vec<Timestamp> = ["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-04"]
        .iter()
        .map(|d| ts(&format!("{d}T00:00:00Z")))
        .collect();
    let secs = |t: &str| ts(t).secs();
    // One span inside day 1 (2 h), two spans from day 0 22:00 to day 2 01:00 (2 h + 24 h +
    // 1 h each).
    let rows = [
        SpanRow {
            first: 1,
            last: 1,
            count: 1,
            start_secs: secs("2026-01-02T08:00:00Z"),
            end_secs: secs("2026-01-02T10:00:00Z"),
        },
        SpanRow {
            first: 0,
            last: 2,
            count: 2,
            start_secs: 2 * secs("2026-01-01T22:00:00Z"),
            end_secs: 2 * secs("2026-01-03T01:00:00Z"),
        },
    ];
    let mut out = vec![0; 3];
    spread(&rows, &b, &mut out).unwrap();
    assert_eq!(out, [2 * 2 * 3600, 2 * 3600 + 2 * 24 * 3600, 2 * 3600]);
    let outside = SpanRow { last: 3, ..rows[0] };
    assert_eq!(
        spread(&[outside], &b, &mut out).unwrap_err().code(),
        ErrorCode::StorageError
    );
}

const EUR: &str = "EUR";

fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap()
}

fn outcome(
    bucket: u32,
    status: ReservationStatus,
    code: &str,
    count: u64,
    amount: i64,
) -> OutcomeRow {
    OutcomeRow {
        bucket,
        status,
        currency: currency(code),
        count,
        amount_minor: amount,
    }
}

#[test]
fn figures_add_rows_up_with_rates_means_and_the_previous_period() {
    use ReservationStatus as S;
    let days = spans(&[
        ("2026-01-05T00:00:00Z", "2026-01-06T00:00:00Z"),
        ("2026-01-06T00:00:00Z", "2026-01-07T00:00:00Z"),
    ]);
    let buckets: Vec<BucketSpan> = days
        .iter()
        .map(|&interval| BucketSpan {
            interval,
            label: date(&interval.start().to_string()[..10]),
        })
        .collect();
    let query = StatsQuery {
        period: iv("2026-01-05T00:00:00Z", "2026-01-07T00:00:00Z"),
        bucket: Bucket::Day,
        service_id: None,
        resource_id: None,
    };
    let service = Uuid::from_u128(10);
    let secs = |t: &str| ts(t).secs();
    let current = AggregateRows {
        outcomes: vec![
            outcome(0, S::Completed, EUR, 3, 7500),
            outcome(0, S::Completed, "CHF", 1, 4000),
            outcome(0, S::NoShow, EUR, 1, 2500),
            outcome(1, S::Confirmed, EUR, 2, 5000),
            outcome(1, S::CancelledByClient, EUR, 1, 2500),
            outcome(1, S::CancelledByBusiness, EUR, 2, 5000),
        ],
        by_service: vec![
            GroupRow {
                key: service,
                status: S::Completed,
                currency: currency(EUR),
                count: 3,
                amount_minor: 7500,
            },
            GroupRow {
                key: service,
                status: S::CancelledByClient,
                currency: currency(EUR),
                count: 1,
                amount_minor: 2500,
            },
        ],
        by_resource: vec![],
        created: vec![
            CreatedRow {
                bucket: 0,
                count: 2,
                lead_secs: 2 * 3600,
            },
            CreatedRow {
                bucket: 1,
                count: 2,
                lead_secs: 6 * 3600,
            },
        ],
        slots: vec![
            SlotRow {
                weekday: 0,
                hour: 9,
                count: 2,
            },
            SlotRow {
                weekday: 1,
                hour: 9,
                count: 2,
            },
            SlotRow {
                weekday: 0,
                hour: 14,
                count: 3,
            },
        ],
        booked: vec![SpanRow {
            first: 0,
            last: 1,
            count: 1,
            start_secs: secs("2026-01-05T23:00:00Z"),
            end_secs: secs("2026-01-06T01:00:00Z"),
        }],
        available: vec![SpanRow {
            first: 0,
            last: 1,
            count: 1,
            start_secs: secs("2026-01-05T20:00:00Z"),
            end_secs: secs("2026-01-06T04:00:00Z"),
        }],
    };
    let previous = AggregateRows {
        outcomes: vec![outcome(0, S::Completed, EUR, 1, 2500)],
        by_service: vec![GroupRow {
            key: service,
            status: S::Completed,
            currency: currency(EUR),
            count: 1,
            amount_minor: 2500,
        }],
        ..AggregateRows::default()
    };
    let names = BTreeMap::from([(service, "Coupe".to_owned())]);
    let stats = statistics(StatsInputs {
        query: &query,
        zone: Zone(Tz::UTC),
        buckets: &buckets,
        current: &current,
        previous: &previous,
        names: &names,
    })
    .unwrap();
    let t = &stats.totals;
    let count = |value, previous| CountFigure { value, previous };
    assert_eq!(t.appointments, count(10, 1));
    assert_eq!(t.completed, count(4, 1));
    assert_eq!(t.confirmed, count(2, 0));
    assert_eq!(t.no_show, count(1, 0));
    assert_eq!(t.cancelled_by_client, count(1, 0));
    assert_eq!(t.cancelled_by_business, count(2, 0));
    assert_eq!(t.pending, count(0, 0));
    assert_eq!(t.created, count(4, 0));
    assert_eq!(
        t.completed_revenue,
        [
            MoneyFigure {
                currency: currency("CHF"),
                value_minor: 4000,
                previous_minor: 0
            },
            MoneyFigure {
                currency: currency(EUR),
                value_minor: 7500,
                previous_minor: 2500
            },
        ]
    );
    assert_eq!(
        t.booked_revenue,
        [MoneyFigure {
            currency: currency(EUR),
            value_minor: 5000,
            previous_minor: 0
        }]
    );
    assert_eq!(t.booked_minutes, count(120, 0));
    assert_eq!(t.available_minutes, count(480, 0));
    assert_eq!(t.utilisation.value, Some(0.25));
    assert_eq!(t.utilisation.previous, None, "no available time before");
    assert_eq!(t.cancellation_rate.value, Some(0.3));
    assert_eq!(t.cancellation_rate.previous, Some(0.0));
    assert_eq!(t.no_show_rate.value, Some(0.2));
    assert_eq!(t.no_show_rate.previous, Some(0.0));
    // (2 h + 6 h) / 4 bookings = 2 h.
    assert_eq!(t.mean_lead_time_minutes.value, Some(120.0));
    assert_eq!(t.mean_lead_time_minutes.previous, None);

    let b0 = &stats.buckets[0];
    assert_eq!(
        (b0.appointments, b0.completed, b0.no_show, b0.created),
        (5, 4, 1, 2)
    );
    assert_eq!(
        b0.completed_revenue,
        [
            Money::new(4000, currency("CHF")),
            Money::new(7500, currency(EUR))
        ]
    );
    assert_eq!((b0.booked_minutes, b0.available_minutes), (60, 240));
    assert_eq!(b0.utilisation, Some(0.25));
    let b1 = &stats.buckets[1];
    assert_eq!(
        (
            b1.appointments,
            b1.confirmed,
            b1.cancelled_by_client,
            b1.cancelled_by_business
        ),
        (5, 2, 1, 2)
    );
    assert_eq!(b1.booked_revenue, [Money::new(5000, currency(EUR))]);
    assert_eq!(b1.label, date("2026-01-06"));

    assert_eq!(
        stats.by_service,
        [GroupFigures {
            id: service,
            name: "Coupe".into(),
            appointments: count(4, 1),
            completed: count(3, 1),
            cancelled: count(1, 0),
            no_show: count(0, 0),
            completed_revenue: vec![MoneyFigure {
                currency: currency(EUR),
                value_minor: 7500,
                previous_minor: 2500
            }],
            booked_revenue: vec![],
        }]
    );
    assert_eq!(stats.weekdays[0].appointments, count(5, 0));
    assert_eq!(stats.weekdays[1].appointments, count(2, 0));
    assert_eq!(stats.hours[9].appointments, count(4, 0));
    assert_eq!(stats.hours[14].appointments, count(3, 0));
    assert_eq!(stats.weekday_hours.len(), 3);
    assert_eq!(
        stats.busiest,
        Busiest {
            weekday: Some(Weekday::Monday),
            previous_weekday: None,
            hour: Some(9),
            previous_hour: None,
        }
    );
    assert_eq!(
        stats.previous_period,
        iv("2026-01-03T00:00:00Z", "2026-01-05T00:00:00Z")
    );
}

#[test]
fn the_busiest_is_the_earliest_on_a_tie() {
    let tie = [0, 3, 1, 3];
    assert_eq!(busiest_index(tie), Some(1));
    assert_eq!(busiest_index([0, 0]), None);
}

// ---- property tests ------------------------------------------------------------------------

fn any_zone() -> impl Strategy<Value = Tz> {
    (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i])
}

fn any_bucket() -> impl Strategy<Value = Bucket> {
    prop_oneof![Just(Bucket::Day), Just(Bucket::Week), Just(Bucket::Month)]
}

proptest! {
    /// Buckets cover the period exactly, in order; each inner boundary is an instant where
    /// the local date changes to the first date of a natural bucket (any date, a Monday, a
    /// 1st), and each bucket's label is the natural bucket of the local date it starts on.
    #[test]
    fn buckets_cover_the_period_and_start_on_local_midnights(
        zone in any_zone(),
        start in 946_684_800i64..4_000_000_000,
        length in 1i64..(366 * DAY),
        bucket in any_bucket(),
    ) {
        let period = Interval::new(Timestamp::from_secs(start), Timestamp::from_secs(start + length)).unwrap();
        let out = buckets(zone, period, bucket).unwrap();
        prop_assert!(out.len() <= 368);
        prop_assert_eq!(out[0].interval.start(), period.start());
        prop_assert_eq!(out[out.len() - 1].interval.end(), period.end());
        let segments = ZoneSegments::new(zone, period.start().add_secs(-2 * DAY), period.end().add_secs(2 * DAY));
        let local_date = |t: Timestamp| date_of_day(segments.utc_to_local(t.secs()).div_euclid(DAY));
        for pair in out.windows(2) {
            let b = pair[1].interval.start();
            prop_assert_eq!(pair[0].interval.end(), b);
            prop_assert!(pair[0].label < pair[1].label);
            let (before, after) = (local_date(b.add_secs(-1)), local_date(b));
            prop_assert_ne!(before, after, "{:?} is not a local midnight", b);
            prop_assert_eq!(bucket_start(after, bucket), after, "{:?} starts no natural bucket", b);
        }
        for b in &out {
            prop_assert_eq!(b.label, bucket_start(local_date(b.interval.start()), bucket));
        }
    }

    /// Cutting a period into buckets never changes its totals, and the buckets add up to them.
    #[test]
    fn bucketing_never_changes_the_totals(data in any_data(), cuts in proptest::collection::btree_set(1i64..(10 * DAY), 0..12)) {
        let range = iv("2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z");
        let one = stats_of(&data, &[range]);
        let mut bounds = vec![range.start().secs()];
        bounds.extend(cuts.iter().map(|c| range.start().secs() + c));
        bounds.push(range.end().secs());
        let pieces: Vec<Interval> = bounds
            .windows(2)
            .map(|w| Interval::new(Timestamp::from_secs(w[0]), Timestamp::from_secs(w[1])).unwrap())
            .collect();
        let many = stats_of(&data, &pieces);
        prop_assert_eq!(&one.totals, &many.totals);
        prop_assert_eq!(&one.by_service, &many.by_service);
        prop_assert_eq!(&one.weekday_hours, &many.weekday_hours);
        let sum = |f: &dyn Fn(&BucketFigures) -> u64| many.buckets.iter().map(f).sum::<u64>();
        prop_assert_eq!(sum(&|b| b.appointments), many.totals.appointments.value);
        prop_assert_eq!(sum(&|b| b.created), many.totals.created.value);
        let statuses = |b: &BucketFigures| b.pending + b.confirmed + b.completed + b.no_show
            + b.cancelled_by_client + b.cancelled_by_business;
        for b in &many.buckets {
            prop_assert_eq!(statuses(b), b.appointments);
        }
        // Minutes are whole per bucket, so their sum may lose under a minute per bucket.
        let booked = sum(&|b| b.booked_minutes);
        prop_assert!(booked <= many.totals.booked_minutes.value);
        prop_assert!(many.totals.booked_minutes.value - booked < many.buckets.len() as u64);
        for rate in [many.totals.cancellation_rate.value, many.totals.no_show_rate.value].into_iter().flatten() {
            prop_assert!((0.0..=1.0).contains(&rate));
        }
    }

    /// The booked and available seconds of each bucket equal the overlaps measured directly,
    /// and utilisation stays at most 1 when appointments lie inside the windows.
    #[test]
    fn spread_spans_equal_direct_overlaps(data in any_data(), cuts in proptest::collection::btree_set(1i64..(10 * DAY), 0..12)) {
        let range = iv("2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z");
        let mut bounds = vec![range.start().secs()];
        bounds.extend(cuts.iter().map(|c| range.start().secs() + c));
        bounds.push(range.end().secs());
        let pieces: Vec<Interval> = bounds
            .windows(2)
            .map(|w| Interval::new(Timestamp::from_secs(w[0]), Timestamp::from_secs(w[1])).unwrap())
            .collect();
        let req = AggregateRequest::new(data.business, (None, None), None, &pieces, ZoneOffsets::new(Tz::Europe__Paris, range)).unwrap();
        let rows = aggregate(&req, &data.reservations, &data.windows);
        let boundaries: Vec<Timestamp> = bounds.iter().map(|&s| Timestamp::from_secs(s)).collect();
        let mut booked = vec![0; pieces.len()];
        spread(&rows.booked, &boundaries, &mut booked).unwrap();
        let mut available = vec![0; pieces.len()];
        spread(&rows.available, &boundaries, &mut available).unwrap();
        let overlap = |a: Interval, b: Interval| (a.end().min(b.end()).secs() - a.start().max(b.start()).secs()).max(0);
        for (k, piece) in pieces.iter().enumerate() {
            let mut sessions: Vec<(ResourceId, Interval)> = data.reservations.iter()
                .filter(|r| holds_time(r.status))
                .map(|r| (r.resource_id, r.interval))
                .collect();
            sessions.sort();
            sessions.dedup();
            let direct: i64 = sessions.iter().map(|(_, i)| overlap(*i, *piece)).sum();
            prop_assert_eq!(booked[k], direct);
            let direct: i64 = data.windows.iter().map(|w| overlap(w.interval, *piece)).sum();
            prop_assert_eq!(available[k], direct);
            prop_assert!(booked[k] <= available[k]);
        }
    }
}

/// Reservations of two resources inside their windows: each window holds a few appointments
/// (one-to-one or group seats sharing one interval), in random statuses.
#[derive(Debug, Clone)]
struct Data {
    business: BusinessId,
    reservations: Vec<Reservation>,
    windows: Vec<AvailabilityWindow>,
}

fn any_data() -> impl Strategy<Value = Data> {
    let window = (
        0i64..(12 * DAY / 3600),
        1i64..30,
        proptest::collection::vec((0usize..6, 1u64..4, 0i64..(60 * DAY)), 0..4),
    );
    proptest::collection::vec((0usize..2, window), 0..10).prop_map(|spec| {
        let business = BusinessId::from_uuid(Uuid::from_u128(1));
        let resources = [
            ResourceId::from_uuid(Uuid::from_u128(2)),
            ResourceId::from_uuid(Uuid::from_u128(3)),
        ];
        let service = ServiceId::from_uuid(Uuid::from_u128(4));
        let origin = ts("2026-02-28T00:00:00Z").secs();
        let mut windows = Vec::new();
        let mut reservations = Vec::new();
        let mut used: [Vec<(i64, i64)>; 2] = [Vec::new(), Vec::new()];
        let mut n = 10u128;
        for (resource, (start_hour, hours, appointments)) in spec {
            let start = origin + start_hour * 3600;
            let end = start + hours * 3600;
            if used[resource].iter().any(|&(a, b)| a < end && start < b) {
                continue; // windows of one resource never overlap
            }
            used[resource].push((start, end));
            n += 1;
            windows.push(AvailabilityWindow {
                id: AvailabilityId::from_uuid(Uuid::from_u128(n)),
                business_id: business,
                resource_id: resources[resource],
                interval: Interval::new(Timestamp::from_secs(start), Timestamp::from_secs(end))
                    .unwrap(),
                series_id: None,
            });
            // Appointments cut the window into equal slots; each slot holds `seats` seats.
            let slots = appointments.len() as i64;
            for (k, (status, seats, lead)) in appointments.into_iter().enumerate() {
                let length = (end - start) / slots.max(1);
                let a = start + k as i64 * length;
                if length <= 0 {
                    continue;
                }
                for _ in 0..seats {
                    n += 1;
                    let created = Timestamp::from_secs(a - lead);
                    reservations.push(Reservation {
                        id: ReservationId::from_uuid(Uuid::from_u128(n)),
                        business_id: business,
                        client_id: ClientId::from_uuid(Uuid::from_u128(n)),
                        service_id: service,
                        resource_id: resources[resource],
                        interval: Interval::new(
                            Timestamp::from_secs(a),
                            Timestamp::from_secs(a + length),
                        )
                        .unwrap(),
                        buffer_before_minutes: 0,
                        buffer_after_minutes: 0,
                        status: ReservationStatus::ALL[status],
                        price: Money::new(1000, currency(EUR)),
                        reschedule_count: 0,
                        history: vec![TransitionRecord {
                            from: None,
                            to: ReservationStatus::ALL[status],
                            actor: Actor::Client,
                            at: created,
                            reason: None,
                        }],
                        created_at: created,
                    });
                }
            }
        }
        Data {
            business,
            reservations,
            windows,
        }
    })
}

fn stats_of(data: &Data, pieces: &[Interval]) -> Statistics {
    let range = Interval::new(pieces[0].start(), pieces[pieces.len() - 1].end()).unwrap();
    let req = AggregateRequest::new(
        data.business,
        (None, None),
        None,
        pieces,
        ZoneOffsets::new(Tz::Europe__Paris, range),
    )
    .unwrap();
    let before = previous_period(range);
    let prev = AggregateRequest::new(
        data.business,
        (None, None),
        None,
        &[before],
        ZoneOffsets::new(Tz::Europe__Paris, before),
    )
    .unwrap();
    let spans: Vec<BucketSpan> = pieces
        .iter()
        .map(|&interval| BucketSpan {
            interval,
            label: date("2026-03-01"),
        })
        .collect();
    statistics(StatsInputs {
        query: &StatsQuery {
            period: range,
            bucket: Bucket::Day,
            service_id: None,
            resource_id: None,
        },
        zone: Zone(Tz::Europe__Paris),
        buckets: &spans,
        current: &aggregate(&req, &data.reservations, &data.windows),
        previous: &aggregate(&prev, &data.reservations, &data.windows),
        names: &BTreeMap::new(),
    })
    .unwrap()
}
