//! Tests of the calendar's rules: the period's days across DST changes, the request's bounds,
//! and each resource's working hours, windows, reservations and free gaps.

use chrono_tz::Tz;
use proptest::prelude::*;

use super::*;
use crate::business_status::BusinessStatus;
use crate::hours::{Closure, OpeningHours, TimeRange};
use crate::model::{Address, BusinessId, ClientId, Currency, Money, Reservation, UserId};

fn ts(s: &str) -> Timestamp {
    s.parse().unwrap()
}

fn iv(a: &str, b: &str) -> Interval {
    Interval::new(ts(a), ts(b)).unwrap()
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn range(a: &str, b: &str) -> TimeRange {
    TimeRange::parse(a, b).unwrap()
}

fn id(n: u128) -> uuid::Uuid {
    uuid::Uuid::from_u128(n)
}

fn bounds(days: &[PeriodDay]) -> Vec<(String, String, String)> {
    days.iter()
        .map(|d| {
            (
                d.date.to_string(),
                d.interval.start().to_string(),
                d.interval.end().to_string(),
            )
        })
        .collect()
}

fn strings(intervals: &[Interval]) -> Vec<String> {
    intervals
        .iter()
        .map(|i| format!("{}/{}", i.start(), i.end()))
        .collect()
}

#[test]
fn a_paris_week_ending_on_the_autumn_change_has_a_25_hour_sunday() {
    let days = period_days(Tz::Europe__Paris, CalendarView::Week, date("2026-10-21"));
    let expected = [
        ("2026-10-19", "2026-10-18T22:00:00Z", "2026-10-19T22:00:00Z"),
        ("2026-10-20", "2026-10-19T22:00:00Z", "2026-10-20T22:00:00Z"),
        ("2026-10-21", "2026-10-20T22:00:00Z", "2026-10-21T22:00:00Z"),
        ("2026-10-22", "2026-10-21T22:00:00Z", "2026-10-22T22:00:00Z"),
        ("2026-10-23", "2026-10-22T22:00:00Z", "2026-10-23T22:00:00Z"),
        ("2026-10-24", "2026-10-23T22:00:00Z", "2026-10-24T22:00:00Z"),
        ("2026-10-25", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z"),
    ];
    let expected: Vec<_> = expected
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
    assert_eq!(bounds(&days), expected);
    assert_eq!(days[6].interval.duration_secs(), 25 * 3600);
}

#[test]
fn a_paris_week_ending_on_the_spring_change_has_a_23_hour_sunday() {
    let days = period_days(Tz::Europe__Paris, CalendarView::Week, date("2026-03-29"));
    assert_eq!(days[0].date, date("2026-03-23"));
    assert_eq!(days[6].date, date("2026-03-29"));
    assert_eq!(
        days[6].interval,
        iv("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
    );
    assert_eq!(days[6].interval.duration_secs(), 23 * 3600);
    let hours: Vec<i64> = days
        .iter()
        .map(|d| d.interval.duration_secs() / 3600)
        .collect();
    assert_eq!(hours, [24, 24, 24, 24, 24, 24, 23]);
}

#[test]
fn a_month_view_is_the_calendar_month_and_a_day_view_the_date() {
    let october = period_days(Tz::Europe__Paris, CalendarView::Month, date("2026-10-25"));
    assert_eq!(october.len(), 31);
    assert_eq!(october[0].date, date("2026-10-01"));
    assert_eq!(october[30].date, date("2026-10-31"));
    assert_eq!(october[0].interval.start(), ts("2026-09-30T22:00:00Z"));
    assert_eq!(october[30].interval.end(), ts("2026-10-31T23:00:00Z"));
    let total: i64 = october.iter().map(|d| d.interval.duration_secs()).sum();
    assert_eq!(total, (31 * 24 + 1) * 3600);
    let february = period_days(
        Tz::America__New_York,
        CalendarView::Month,
        date("2028-02-10"),
    );
    assert_eq!(february.len(), 29, "2028 is a leap year");
    let day = period_days(Tz::Europe__Paris, CalendarView::Day, date("2026-03-29"));
    assert_eq!(bounds(&day).len(), 1);
    assert_eq!(
        day[0].interval,
        iv("2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z")
    );
}

#[test]
fn a_week_starts_on_monday_even_across_a_month_or_a_year() {
    assert_eq!(
        period_dates(CalendarView::Week, date("2027-01-01")),
        (date("2026-12-28"), date("2027-01-03"))
    );
    assert_eq!(
        period_dates(CalendarView::Week, date("2026-12-07")),
        (date("2026-12-07"), date("2026-12-13"))
    );
    assert_eq!(
        period_dates(CalendarView::Week, date("2026-12-13")),
        (date("2026-12-07"), date("2026-12-13"))
    );
}

#[test]
fn a_day_the_zone_skipped_is_left_out_and_the_days_still_tile_the_week() {
    // Samoa skipped Friday 30 December 2011 when it crossed the date line.
    let days = period_days(Tz::Pacific__Apia, CalendarView::Week, date("2011-12-28"));
    let dates: Vec<String> = days.iter().map(|d| d.date.to_string()).collect();
    assert_eq!(
        dates,
        [
            "2011-12-26",
            "2011-12-27",
            "2011-12-28",
            "2011-12-29",
            "2011-12-31",
            "2012-01-01"
        ]
    );
    for pair in days.windows(2) {
        assert_eq!(pair[0].interval.end(), pair[1].interval.start());
    }
}

#[test]
fn requests_are_read_from_text_with_every_problem_named() {
    let r = CalendarRequest::parse("month", "2026-12-07", true).unwrap();
    assert_eq!(
        r,
        CalendarRequest {
            view: CalendarView::Month,
            date: date("2026-12-07"),
            include_archived: true
        }
    );
    let fields = |e: Error| -> Vec<(String, String)> {
        assert_eq!(e.code(), crate::ErrorCode::ValidationFailed);
        e.field_errors()
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    assert_eq!(
        fields(CalendarRequest::parse("Week", "2026-12-07", false).unwrap_err()),
        [pair("view", "invalid_choice")]
    );
    assert_eq!(
        fields(CalendarRequest::parse("week", "2026-12-7", false).unwrap_err()),
        [pair("date", "invalid_format")]
    );
    assert_eq!(
        fields(CalendarRequest::parse("year", "2026-13-01", false).unwrap_err()),
        [
            pair("view", "invalid_choice"),
            pair("date", "invalid_format")
        ]
    );
    assert_eq!(
        fields(CalendarRequest::parse("day", "1999-12-31", false).unwrap_err()),
        [pair("date", "out_of_range")]
    );
    assert_eq!(
        fields(CalendarRequest::parse("day", "2100-01-01", false).unwrap_err()),
        [pair("date", "out_of_range")]
    );
    assert!(CalendarRequest::parse("month", "2099-12-31", false).is_ok());
    assert!(CalendarRequest::parse("day", "2000-01-01", false).is_ok());
    let built = CalendarRequest {
        view: CalendarView::Day,
        date: date("1999-01-01"),
        include_archived: false,
    };
    assert_eq!(
        fields(check_request(&built).unwrap_err()),
        [pair("date", "out_of_range")]
    );
}

#[test]
fn free_gaps_are_windows_inside_working_hours_without_blocked_time() {
    // Touching windows join; blocked ranges outside the windows change nothing.
    assert_eq!(
        free_gaps(
            &[(200, 300), (100, 200)],
            &[(0, 1000)],
            &[(50, 60), (290, 400)]
        ),
        [(100, 290)]
    );
    // A blocked range covering a whole window leaves nothing of it.
    assert_eq!(free_gaps(&[(100, 200)], &[(0, 1000)], &[(90, 210)]), []);
    // Blocked ranges that overlap each other are merged first.
    assert_eq!(
        free_gaps(&[(0, 100)], &[(0, 100)], &[(40, 60), (10, 20), (15, 45)]),
        [(0, 10), (60, 100)]
    );
    // Working hours split a window.
    assert_eq!(
        free_gaps(&[(0, 100)], &[(10, 20), (30, 40)], &[]),
        [(10, 20), (30, 40)]
    );
    assert_eq!(free_gaps(&[], &[(0, 100)], &[]), []);
}

fn salon(zone: Tz) -> Business {
    let weekday = [range("09:00", "12:00"), range("14:00", "18:00")];
    let mut hours = OpeningHours::same_every_day(&weekday, &[0, 1, 2, 3, 4, 5]);
    hours.sunday = vec![range("10:00", "12:00")];
    let mut training = Closure::days(date("2026-10-23"), date("2026-10-23")).unwrap();
    training.reason = Some("Staff training".into());
    let mut meeting = Closure::period(iv("2026-10-21T13:00:00Z", "2026-10-21T14:00:00Z"));
    meeting.reason = None;
    Business {
        id: BusinessId(id(1)),
        owner_id: UserId(id(2)),
        name: "Salon".into(),
        domain: "coiffure".into(),
        description: String::new(),
        city: "Paris".into(),
        address: Address::default(),
        time_zone: Zone(zone),
        status: BusinessStatus::Validated,
        status_reason: None,
        opening_hours: hours,
        closures: vec![training, meeting],
        special_hours: vec![SpecialHours {
            date: date("2026-10-22"),
            ranges: vec![range("10:00", "14:00")],
            reason: Some("Inventory".into()),
        }],
    }
}

fn resource(n: u128, name: &str, active: bool) -> Resource {
    Resource {
        id: ResourceId(id(n)),
        business_id: BusinessId(id(1)),
        name: name.into(),
        kind: ResourceKind::Staff,
        active,
        working_hours: None,
    }
}

fn window(n: u128, resource: &Resource, a: &str, b: &str) -> AvailabilityWindow {
    AvailabilityWindow {
        id: AvailabilityId(id(n)),
        business_id: BusinessId(id(1)),
        resource_id: resource.id,
        interval: iv(a, b),
        series_id: None,
    }
}

/// The calendar's rows of `views`, as a store reads them.
fn rows(views: &[ReservationView]) -> Vec<CalendarRow> {
    views.iter().map(CalendarRow::of).collect()
}

fn booking(
    n: u128,
    resource: &Resource,
    (a, b): (&str, &str),
    status: ReservationStatus,
    buffer_after_minutes: u32,
) -> ReservationView {
    ReservationView {
        reservation: Reservation {
            id: ReservationId(id(n)),
            business_id: BusinessId(id(1)),
            client_id: ClientId(id(n + 1000)),
            service_id: ServiceId(id(50)),
            resource_id: resource.id,
            interval: iv(a, b),
            buffer_before_minutes: 0,
            buffer_after_minutes,
            status,
            price: Money::new(2500, Currency::parse("EUR").unwrap()),
            reschedule_count: 0,
            history: vec![],
            created_at: ts("2026-10-01T00:00:00Z"),
        },
        business_name: "Salon".into(),
        service_name: "Coupe".into(),
        resource_name: resource.name.clone(),
        client: ClientContact {
            first_name: format!("Client{n}"),
            last_name: "Martin".into(),
            email: format!("c{n}@example.com"),
            phone: None,
        },
    }
}

fn week(date_text: &str) -> CalendarRequest {
    CalendarRequest {
        view: CalendarView::Week,
        date: date(date_text),
        include_archived: false,
    }
}

/// The week of Monday 19 to Sunday 25 October 2026 in Paris (clocks go back on the Sunday):
/// Monday to Saturday 09:00–12:00 and 14:00–18:00, Sunday 10:00–12:00, special hours on
/// Thursday (10:00–14:00), closed all Friday and on Wednesday 15:00–16:00.
#[test]
fn the_week_shows_each_day_s_hours_closures_windows_reservations_and_free_gaps() {
    let business = salon(Tz::Europe__Paris);
    let alice = resource(10, "Alice", true);
    let bob = resource(11, "Bob", false);
    let mut carla = resource(12, "Carla", true);
    carla.working_hours = Some(OpeningHours::same_every_day(
        &[range("09:00", "12:00")],
        &[1],
    ));
    let windows = [
        window(20, &alice, "2026-10-19T07:00:00Z", "2026-10-19T16:00:00Z"),
        window(21, &alice, "2026-10-21T07:00:00Z", "2026-10-21T16:00:00Z"),
        window(22, &alice, "2026-10-22T06:00:00Z", "2026-10-22T14:00:00Z"),
        window(23, &alice, "2026-10-23T07:00:00Z", "2026-10-23T16:00:00Z"),
        window(24, &alice, "2026-10-25T08:00:00Z", "2026-10-25T11:00:00Z"),
        window(25, &bob, "2026-10-19T07:00:00Z", "2026-10-19T16:00:00Z"),
        window(26, &carla, "2026-10-20T06:00:00Z", "2026-10-21T16:00:00Z"),
    ];
    let reservations = [
        booking(
            31,
            &alice,
            ("2026-10-19T08:00:00Z", "2026-10-19T08:30:00Z"),
            ReservationStatus::Confirmed,
            10,
        ),
        booking(
            32,
            &alice,
            ("2026-10-19T13:00:00Z", "2026-10-19T13:30:00Z"),
            ReservationStatus::CancelledByClient,
            0,
        ),
        booking(
            33,
            &alice,
            ("2026-10-25T09:00:00Z", "2026-10-25T10:00:00Z"),
            ReservationStatus::Pending,
            0,
        ),
        booking(
            34,
            &bob,
            ("2026-10-19T09:00:00Z", "2026-10-19T09:30:00Z"),
            ReservationStatus::Confirmed,
            0,
        ),
    ];
    let resources = [alice.clone(), bob.clone(), carla.clone()];
    let calendar = build_calendar(
        &week("2026-10-21"),
        &CalendarInputs {
            business: &business,
            resources: &resources,
            windows: &windows,
            reservations: &rows(&reservations),
        },
    )
    .unwrap();
    assert_eq!(calendar.view, CalendarView::Week);
    assert_eq!(calendar.time_zone.name(), "Europe/Paris");
    assert_eq!(
        calendar.period,
        iv("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z")
    );

    let opening: Vec<Vec<String>> = calendar
        .days
        .iter()
        .map(|d| strings(&d.opening_hours))
        .collect();
    let two = |d: &str| {
        vec![
            format!("{d}T07:00:00Z/{d}T10:00:00Z"),
            format!("{d}T12:00:00Z/{d}T16:00:00Z"),
        ]
    };
    assert_eq!(opening[0], two("2026-10-19"));
    assert_eq!(opening[1], two("2026-10-20"));
    assert_eq!(
        opening[2],
        [
            "2026-10-21T07:00:00Z/2026-10-21T10:00:00Z",
            "2026-10-21T12:00:00Z/2026-10-21T13:00:00Z",
            "2026-10-21T14:00:00Z/2026-10-21T16:00:00Z"
        ],
        "the Wednesday meeting is cut out"
    );
    assert_eq!(
        opening[3],
        ["2026-10-22T08:00:00Z/2026-10-22T12:00:00Z"],
        "special hours"
    );
    assert!(opening[4].is_empty(), "closed all Friday");
    assert_eq!(opening[5], two("2026-10-24"));
    assert_eq!(
        opening[6],
        ["2026-10-25T09:00:00Z/2026-10-25T11:00:00Z"],
        "CET after the change"
    );

    assert_eq!(
        calendar.days[3].special_hours,
        Some(business.special_hours[0].clone())
    );
    assert_eq!(calendar.days[2].special_hours, None);
    assert_eq!(
        calendar.days[4].closures,
        [CalendarClosure {
            interval: iv("2026-10-22T22:00:00Z", "2026-10-23T22:00:00Z"),
            reason: Some("Staff training".into())
        }]
    );
    assert_eq!(
        calendar.days[2].closures,
        [CalendarClosure {
            interval: iv("2026-10-21T13:00:00Z", "2026-10-21T14:00:00Z"),
            reason: None
        }]
    );
    assert!(calendar.days[0].closures.is_empty());

    let names: Vec<&str> = calendar.resources.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["Alice", "Bob", "Carla"]);
    let a = &calendar.resources[0];
    assert_eq!(a.days.len(), 7);
    let free: Vec<Vec<String>> = a.days.iter().map(|d| strings(&d.free)).collect();
    assert_eq!(
        free,
        [
            vec![
                "2026-10-19T07:00:00Z/2026-10-19T08:00:00Z",
                "2026-10-19T08:40:00Z/2026-10-19T10:00:00Z",
                "2026-10-19T12:00:00Z/2026-10-19T16:00:00Z",
            ],
            vec![],
            vec![
                "2026-10-21T07:00:00Z/2026-10-21T10:00:00Z",
                "2026-10-21T12:00:00Z/2026-10-21T13:00:00Z",
                "2026-10-21T14:00:00Z/2026-10-21T16:00:00Z",
            ],
            vec!["2026-10-22T08:00:00Z/2026-10-22T12:00:00Z"],
            vec![],
            vec![],
            vec!["2026-10-25T10:00:00Z/2026-10-25T11:00:00Z"],
        ]
        .map(|day| day.into_iter().map(str::to_owned).collect::<Vec<_>>())
    );
    assert_eq!(a.days[0].working_hours, calendar.days[0].opening_hours);
    let monday: Vec<(ReservationId, ReservationStatus, &str)> = a.days[0]
        .reservations
        .iter()
        .map(|r| (r.id, r.status, r.client.first_name.as_str()))
        .collect();
    assert_eq!(
        monday,
        [
            (
                ReservationId(id(31)),
                ReservationStatus::Confirmed,
                "Client31"
            ),
            (
                ReservationId(id(32)),
                ReservationStatus::CancelledByClient,
                "Client32"
            ),
        ],
        "a cancelled reservation is shown but does not take free time"
    );
    assert_eq!(a.days[0].reservations[0].service_name, "Coupe");
    assert_eq!(a.days[0].reservations[0].buffer_after_minutes, 10);
    assert_eq!(a.days[6].reservations.len(), 1);
    assert_eq!(
        a.days[4].windows,
        [CalendarWindow {
            id: AvailabilityId(id(23)),
            interval: iv("2026-10-23T07:00:00Z", "2026-10-23T16:00:00Z")
        }],
        "a window on a closed day is shown, and gives no free time"
    );

    let b = &calendar.resources[1];
    assert!(!b.active);
    assert!(
        b.days.iter().all(|d| d.free.is_empty()),
        "inactive: no free gaps"
    );
    assert_eq!(
        b.days[0].reservations.len(),
        1,
        "its reservations are still shown"
    );

    let c = &calendar.resources[2];
    let working: Vec<Vec<String>> = c.days.iter().map(|d| strings(&d.working_hours)).collect();
    assert_eq!(working[1], ["2026-10-20T07:00:00Z/2026-10-20T10:00:00Z"]);
    assert!(
        working
            .iter()
            .enumerate()
            .all(|(i, w)| i == 1 || w.is_empty())
    );
    assert_eq!(
        strings(&c.days[1].free),
        ["2026-10-20T07:00:00Z/2026-10-20T10:00:00Z"]
    );
    assert!(
        c.days[2].free.is_empty(),
        "its window runs on but it does not work on Wednesdays"
    );
    // A window across midnight is cut at the day's bounds.
    assert_eq!(
        c.days[1].windows[0].interval,
        iv("2026-10-20T06:00:00Z", "2026-10-20T22:00:00Z")
    );
    assert_eq!(
        c.days[2].windows[0].interval,
        iv("2026-10-20T22:00:00Z", "2026-10-21T16:00:00Z")
    );
}

#[test]
fn a_reservation_across_midnight_is_listed_on_both_days_and_blocks_both() {
    let mut business = salon(Tz::Europe__Paris);
    business.opening_hours = OpeningHours::always_open();
    business.closures.clear();
    business.special_hours.clear();
    let alice = resource(10, "Alice", true);
    let windows = [window(
        20,
        &alice,
        "2026-12-07T20:00:00Z",
        "2026-12-08T02:00:00Z",
    )];
    let late = booking(
        31,
        &alice,
        ("2026-12-07T22:30:00Z", "2026-12-07T23:30:00Z"),
        ReservationStatus::Confirmed,
        15,
    );
    let calendar = build_calendar(
        &week("2026-12-07"),
        &CalendarInputs {
            business: &business,
            resources: std::slice::from_ref(&alice),
            windows: &windows,
            reservations: &rows(std::slice::from_ref(&late)),
        },
    )
    .unwrap();
    let a = &calendar.resources[0];
    assert_eq!(a.days[0].reservations.len(), 1);
    assert_eq!(a.days[1].reservations.len(), 1);
    assert_eq!(
        a.days[1].reservations[0].interval,
        late.reservation.interval
    );
    assert_eq!(
        strings(&a.days[0].free),
        ["2026-12-07T20:00:00Z/2026-12-07T22:30:00Z"]
    );
    assert_eq!(
        strings(&a.days[1].free),
        ["2026-12-07T23:45:00Z/2026-12-08T02:00:00Z"]
    );
}

#[test]
fn a_group_session_with_seats_left_is_not_free_time() {
    let mut business = salon(Tz::Europe__Paris);
    business.opening_hours = OpeningHours::always_open();
    business.closures.clear();
    business.special_hours.clear();
    let room = resource(10, "Studio", true);
    let windows = [window(
        20,
        &room,
        "2026-12-07T08:00:00Z",
        "2026-12-07T12:00:00Z",
    )];
    let seats = [
        booking(
            31,
            &room,
            ("2026-12-07T09:00:00Z", "2026-12-07T10:00:00Z"),
            ReservationStatus::Confirmed,
            0,
        ),
        booking(
            32,
            &room,
            ("2026-12-07T09:00:00Z", "2026-12-07T10:00:00Z"),
            ReservationStatus::Pending,
            0,
        ),
    ];
    let calendar = build_calendar(
        &CalendarRequest {
            view: CalendarView::Day,
            date: date("2026-12-07"),
            include_archived: false,
        },
        &CalendarInputs {
            business: &business,
            resources: std::slice::from_ref(&room),
            windows: &windows,
            reservations: &rows(&seats),
        },
    )
    .unwrap();
    let day = &calendar.resources[0].days[0];
    assert_eq!(day.reservations.len(), 2);
    assert_eq!(
        strings(&day.free),
        [
            "2026-12-07T08:00:00Z/2026-12-07T09:00:00Z",
            "2026-12-07T10:00:00Z/2026-12-07T12:00:00Z"
        ]
    );
}

fn any_zone() -> impl Strategy<Value = Tz> {
    (0..chrono_tz::TZ_VARIANTS.len()).prop_map(|i| chrono_tz::TZ_VARIANTS[i])
}

fn any_view() -> impl Strategy<Value = CalendarView> {
    prop::sample::select(CalendarView::ALL.to_vec())
}

proptest! {
    /// In every zone, for every view and date, the days of a period are in date order, each
    /// ends where the next begins (no gap, no overlap, also across DST changes), each starts
    /// at its local midnight as the DST policy reads it, and a week has at most 7, a month
    /// at most 31.
    #[test]
    fn the_days_of_a_period_tile_it_in_every_zone(
        zone in any_zone(),
        view in any_view(),
        day in 0i64..36_500,
    ) {
        let anchor = date_of_day(day_number(FIRST_DATE) + day);
        let days = period_days(zone, view, anchor);
        let (first, last) = period_dates(view, anchor);
        prop_assert!(!days.is_empty());
        let most = match view {
            CalendarView::Day => 1,
            CalendarView::Week => 7,
            CalendarView::Month => 31,
        };
        prop_assert!(days.len() <= most);
        let midnight = |d: NaiveDate| crate::tz::resolve_local(zone, d.and_time(chrono::NaiveTime::MIN));
        // Every date of the period is there, unless the zone skipped it whole.
        let mut d = first;
        while d <= last {
            let next = d + chrono::Days::new(1);
            prop_assert_eq!(days.iter().any(|x| x.date == d), midnight(d) < midnight(next), "{}", d);
            d = next;
        }
        prop_assert_eq!(days[0].interval.start(), midnight(first));
        prop_assert_eq!(days[days.len() - 1].interval.end(), midnight(last + chrono::Days::new(1)));
        for pair in days.windows(2) {
            prop_assert!(pair[0].date < pair[1].date);
            prop_assert_eq!(pair[0].interval.end(), pair[1].interval.start());
        }
        for d in &days {
            prop_assert!((first..=last).contains(&d.date));
            prop_assert_eq!(d.interval.start(), midnight(d.date));
            prop_assert!(d.interval.duration_secs() <= 27 * 3600);
        }
    }

    /// Whatever the windows and reservations of a Paris resource around the autumn change,
    /// its free gaps lie inside its windows and working hours, never meet the blocked range
    /// of a pending or confirmed reservation, and cover every other instant of windows ∩
    /// working hours (checked minute by minute).
    #[test]
    fn free_gaps_avoid_blocking_reservations_and_stay_inside_windows_and_hours(
        window_specs in prop::collection::vec((0i64..(7 * 24 * 4), 1i64..(12 * 4)), 0..6),
        booking_specs in prop::collection::vec((0i64..(7 * 24 * 4), 1i64..8, 0u32..4, 0usize..6, 0u32..31), 0..8),
    ) {
        let business = salon(Tz::Europe__Paris);
        let alice = resource(10, "Alice", true);
        let start = ts("2026-10-18T22:00:00Z").secs();
        let quarter = 15 * MINUTE;
        let windows: Vec<AvailabilityWindow> = window_specs
            .iter()
            .enumerate()
            .map(|(i, &(at, len))| {
                let (a, b) = (start + at * quarter, start + (at + len) * quarter);
                AvailabilityWindow {
                    id: AvailabilityId(id(100 + i as u128)),
                    business_id: business.id,
                    resource_id: alice.id,
                    interval: Interval::from_secs_unchecked(a, b),
                    series_id: None,
                }
            })
            .collect();
        let reservations: Vec<ReservationView> = booking_specs
            .iter()
            .enumerate()
            .map(|(i, &(at, len, before, status, after))| {
                let mut v = booking(200 + i as u128, &alice, ("2026-10-19T00:00:00Z", "2026-10-19T01:00:00Z"), ReservationStatus::ALL[status], after);
                v.reservation.interval = Interval::from_secs_unchecked(start + at * quarter, start + (at + len) * quarter);
                v.reservation.buffer_before_minutes = before * 5;
                v
            })
            .collect();
        let calendar = build_calendar(&week("2026-10-21"), &CalendarInputs {
            business: &business,
            resources: std::slice::from_ref(&alice),
            windows: &windows,
            reservations: &rows(&reservations),
        }).unwrap();
        let free: Vec<Interval> = calendar.resources[0].days.iter().flat_map(|d| d.free.clone()).collect();
        let working: Vec<Interval> = calendar.resources[0].days.iter().flat_map(|d| d.working_hours.clone()).collect();
        let blocking: Vec<Interval> = reservations
            .iter()
            .map(|v| &v.reservation)
            .filter(|r| r.status.is_active())
            .map(Reservation::blocked_interval)
            .collect();
        let inside = |t: Timestamp, set: &[Interval]| set.iter().any(|i| i.contains_instant(t));
        let window_set: Vec<Interval> = windows.iter().map(|w| w.interval).collect();
        let end = calendar.period.end().secs();
        let mut t = start;
        while t < end {
            let at = Timestamp::from_secs(t);
            let expected = inside(at, &window_set) && inside(at, &working) && !inside(at, &blocking);
            prop_assert_eq!(inside(at, &free), expected, "at {}", at);
            t += 5 * MINUTE;
        }
        for gap in &free {
            prop_assert!(blocking.iter().all(|b| !b.overlaps(gap)), "{:?} meets a reservation", gap);
        }
    }
}
