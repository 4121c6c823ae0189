//! The business calendar over the memory store: who booked what on which resource, the free
//! gaps that leaves, archived reservations on request, and the request's refusals.

use super::*;
use crate::calendar::{CalendarRequest, CalendarView};
use crate::usecases::ClientProfileInput;

fn profile(w: &World, n: u128, first_name: &str) {
    block_on(w.app.save_client_profile(
        client(n),
        ClientProfileInput {
            email: format!("{}@example.com", first_name.to_lowercase()),
            first_name: first_name.into(),
            last_name: "Martin".into(),
            phone: Some("+33 6 12 34 56 78".into()),
            address: None,
        },
    ))
    .unwrap();
}

fn week_of(date: &str, include_archived: bool) -> CalendarRequest {
    CalendarRequest {
        view: CalendarView::Week,
        date: date.parse().unwrap(),
        include_archived,
    }
}

fn spans(intervals: &[Interval]) -> Vec<String> {
    intervals
        .iter()
        .map(|i| format!("{}/{}", i.start(), i.end()))
        .collect()
}

#[test]
fn the_week_lists_each_resource_s_bookings_with_who_booked_and_the_free_gaps_left() {
    let w = world(1);
    profile(&w, 1, "Jeanne");
    profile(&w, 2, "Paul");
    block_on(async {
        let a = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let b = w
            .app
            .book(client(2), &request(&w, Some(1), "2026-06-08T09:00:00Z"))
            .await
            .unwrap();
        w.app
            .transition(Scope::Business(w.business.id), b.id, Action::Confirm)
            .await
            .unwrap();
        let c = w
            .app
            .book(client(1), &request(&w, Some(1), "2026-06-08T12:00:00Z"))
            .await
            .unwrap();
        w.app
            .transition(
                Scope::Client(client(1)),
                c.id,
                Action::Cancel { reason: None },
            )
            .await
            .unwrap();

        let calendar = w
            .app
            .business_calendar(w.business.id, &week_of("2026-06-10", false))
            .await
            .unwrap();
        assert_eq!(
            calendar.period,
            iv("2026-06-07T22:00:00Z", "2026-06-14T22:00:00Z")
        );
        let dates: Vec<String> = calendar.days.iter().map(|d| d.date.to_string()).collect();
        assert_eq!(
            dates,
            [
                "2026-06-08",
                "2026-06-09",
                "2026-06-10",
                "2026-06-11",
                "2026-06-12",
                "2026-06-13",
                "2026-06-14"
            ]
        );
        assert_eq!(
            spans(&calendar.days[0].opening_hours),
            ["2026-06-08T07:00:00Z/2026-06-08T15:00:00Z"]
        );
        assert!(
            calendar.days[5].opening_hours.is_empty(),
            "closed on Saturday"
        );
        let alice = &calendar.resources[0];
        let bob = &calendar.resources[1];
        assert_eq!((alice.name.as_str(), bob.name.as_str()), ("Alice", "Bob"));
        let monday = &alice.days[0];
        assert_eq!(
            spans(&monday.working_hours),
            spans(&calendar.days[0].opening_hours)
        );
        assert_eq!(
            monday
                .reservations
                .iter()
                .map(|r| (
                    r.id,
                    r.status,
                    r.client.first_name.as_str(),
                    r.service_name.as_str()
                ))
                .collect::<Vec<_>>(),
            [(a.id, ReservationStatus::Pending, "Jeanne", "Coupe")]
        );
        assert_eq!(monday.reservations[0].client.email, "jeanne@example.com");
        assert_eq!(
            monday.reservations[0].client.phone.as_deref(),
            Some("+33612345678")
        );
        // The 10-minute buffer after each appointment is not free.
        assert_eq!(
            spans(&monday.free),
            [
                "2026-06-08T07:00:00Z/2026-06-08T08:00:00Z",
                "2026-06-08T08:40:00Z/2026-06-08T15:00:00Z"
            ]
        );
        let statuses: Vec<_> = bob.days[0]
            .reservations
            .iter()
            .map(|r| (r.id, r.status, r.client.first_name.as_str()))
            .collect();
        assert_eq!(
            statuses,
            [
                (b.id, ReservationStatus::Confirmed, "Paul"),
                (c.id, ReservationStatus::CancelledByClient, "Jeanne")
            ]
        );
        assert_eq!(
            spans(&bob.days[0].free),
            [
                "2026-06-08T07:00:00Z/2026-06-08T09:00:00Z",
                "2026-06-08T09:40:00Z/2026-06-08T15:00:00Z"
            ],
            "the cancelled booking at 12:00 leaves its time free"
        );
        assert!(
            alice.days[1..]
                .iter()
                .all(|d| d.free.is_empty() && d.windows.is_empty())
        );
    });
}

#[test]
fn archived_reservations_appear_only_when_asked_for() {
    let w = world(1);
    profile(&w, 1, "Jeanne");
    block_on(async {
        let a = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        w.app
            .transition(
                Scope::Business(w.business.id),
                a.id,
                Action::Cancel {
                    reason: Some("Closed".into()),
                },
            )
            .await
            .unwrap();
        let moved = w
            .app
            .store
            .archive_reservations(ts("2026-06-09T00:00:00Z"))
            .await
            .unwrap();
        assert_eq!(moved, 1);
        let live = w
            .app
            .business_calendar(w.business.id, &week_of("2026-06-08", false))
            .await
            .unwrap();
        assert!(live.resources[0].days[0].reservations.is_empty());
        let all = w
            .app
            .business_calendar(w.business.id, &week_of("2026-06-08", true))
            .await
            .unwrap();
        let shown: Vec<_> = all.resources[0].days[0]
            .reservations
            .iter()
            .map(|r| (r.id, r.status))
            .collect();
        assert_eq!(shown, [(a.id, ReservationStatus::CancelledByBusiness)]);
        assert_eq!(
            spans(&all.resources[0].days[0].free),
            ["2026-06-08T07:00:00Z/2026-06-08T15:00:00Z"]
        );
    });
}

#[test]
fn a_month_reads_reservations_that_start_before_it_and_end_in_it() {
    let w = world(1);
    block_on(async {
        // Open all night on 30 June → 1 July (a Tuesday into a Wednesday).
        let mut business = w.business.clone();
        business.opening_hours = OpeningHours::always_open();
        w.app.store.save_business(&business).await.unwrap();
        w.app
            .create_availability(
                w.business.id,
                w.staff[0].id,
                iv("2026-06-30T21:15:00Z", "2026-06-30T23:00:00Z"),
            )
            .await
            .unwrap();
        // 23:45 to 00:15 local, with its 10-minute buffer after.
        let late = w
            .app
            .book(client(1), &request(&w, Some(0), "2026-06-30T21:45:00Z"))
            .await
            .unwrap();
        let july = w
            .app
            .business_calendar(
                w.business.id,
                &CalendarRequest {
                    view: CalendarView::Month,
                    date: "2026-07-15".parse().unwrap(),
                    include_archived: false,
                },
            )
            .await
            .unwrap();
        assert_eq!(july.days.len(), 31);
        assert_eq!(
            july.period,
            iv("2026-06-30T22:00:00Z", "2026-07-31T22:00:00Z")
        );
        let first = &july.resources[0].days[0];
        assert_eq!(
            first.reservations.iter().map(|r| r.id).collect::<Vec<_>>(),
            [late.id]
        );
        assert_eq!(
            spans(&first.free),
            ["2026-06-30T22:25:00Z/2026-06-30T23:00:00Z"],
            "its end and buffer take the first minutes of July"
        );
    });
}

#[test]
fn an_unknown_business_is_not_found_and_a_date_out_of_bounds_is_a_field_error() {
    let w = world(1);
    block_on(async {
        let err = w
            .app
            .business_calendar(
                BusinessId::from_uuid(uuid::Uuid::from_u128(999)),
                &week_of("2026-06-08", false),
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::NotFound);
        let err = w
            .app
            .business_calendar(w.business.id, &week_of("2100-01-04", false))
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::ValidationFailed);
        assert_eq!(err.field_errors()[0].field, "date");
        assert_eq!(err.field_errors()[0].code, "out_of_range");
    });
}
