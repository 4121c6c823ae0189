//! Availability: bulk windows and recurring series.

use super::*;

#[test]
fn bulk_availability_is_all_or_nothing_with_a_report_per_item() {
    let w = world(1);
    block_on(async {
        let items = [
            (
                w.staff[0].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[0].id,
                iv("2026-06-08T14:00:00Z", "2026-06-08T16:00:00Z"),
            ), // overlaps stored
            (
                w.staff[1].id,
                iv("2026-06-09T07:00:00Z", "2026-06-09T15:00:00Z"),
            ),
            (
                w.staff[1].id,
                iv("2026-06-09T08:00:00Z", "2026-06-09T09:00:00Z"),
            ), // overlaps item 2
            (
                ResourceId::from_uuid(uuid::Uuid::from_u128(5)),
                iv("2026-06-09T07:00:00Z", "2026-06-09T08:00:00Z"),
            ),
        ];
        let err = w
            .app
            .create_availabilities(w.business.id, &items)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        let report: Vec<(usize, &str)> = failures
            .iter()
            .map(|f| (f.index, f.code.as_str()))
            .collect();
        assert_eq!(
            report,
            [
                (1, "AVAILABILITY_OVERLAP"),
                (3, "AVAILABILITY_OVERLAP"),
                (4, "NOT_FOUND")
            ]
        );
        let day = iv("2026-06-09T00:00:00Z", "2026-06-10T00:00:00Z");
        assert!(
            w.app
                .store
                .list_windows(&[w.staff[0].id, w.staff[1].id], day)
                .await
                .unwrap()
                .is_empty()
        );
        let ok = w
            .app
            .create_availabilities(w.business.id, &[items[0], items[2]])
            .await
            .unwrap();
        assert_eq!(ok.len(), 2);
    });
}

#[test]
fn recurring_availability_generates_a_series_that_keeps_local_hours_across_dst() {
    let w = world(1);
    block_on(async {
        let input = RecurringAvailability {
            resource_id: w.staff[0].id,
            rrule: "FREQ=WEEKLY;BYDAY=MO,TU;COUNT=6".into(),
            // Monday 19 October 2026, 09:00 Paris; clocks fall back on Sunday 25 October.
            first_start: chrono::NaiveDate::from_ymd_opt(2026, 10, 19)
                .unwrap()
                .and_hms_opt(9, 0, 0)
                .unwrap(),
            wall_minutes: 8 * 60,
            exdates: vec![
                chrono::NaiveDate::from_ymd_opt(2026, 10, 27)
                    .unwrap()
                    .and_hms_opt(9, 0, 0)
                    .unwrap(),
            ],
            generate_until: None,
        };
        let windows = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap();
        let shown: Vec<String> = windows
            .iter()
            .map(|x| crate::tz::format_local(w.business.time_zone.0, x.interval.start()))
            .collect();
        assert_eq!(
            shown,
            [
                "2026-10-19T09:00:00+02:00",
                "2026-10-20T09:00:00+02:00",
                "2026-10-26T09:00:00+01:00",
                "2026-11-02T09:00:00+01:00",
                "2026-11-03T09:00:00+01:00",
            ]
        );
        assert!(
            windows
                .iter()
                .all(|x| x.interval.duration_secs() == 8 * 3600)
        );
        let series = windows[0].series_id.unwrap();
        assert!(windows.iter().all(|x| x.series_id == Some(series)));
        // The same rule again overlaps itself: nothing more is stored, every item reported.
        let err = w
            .app
            .create_recurring_availabilities(w.business.id, &input)
            .await
            .unwrap_err();
        let Error::BulkRejected { failures } = err else {
            panic!("expected a bulk report")
        };
        assert_eq!(failures.len(), 5);
        // Slots follow: the Monday after the change still starts at 09:00 local.
        let slots = w
            .app
            .slots_for_service(
                w.service.id,
                ts("2026-10-26T00:00:00Z"),
                ts("2026-10-27T00:00:00Z"),
                100,
            )
            .await
            .unwrap();
        assert_eq!(slots.slots[0].start, ts("2026-10-26T08:00:00Z"));
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=DAILY".into(),
                    generate_until: Some(ts("2029-01-01T00:00:00Z")),
                    ..input.clone()
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::RecurrenceTooLarge);
        let err = w
            .app
            .create_recurring_availabilities(
                w.business.id,
                &RecurringAvailability {
                    rrule: "FREQ=SECONDLY".into(),
                    ..input
                },
            )
            .await
            .unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidRecurrence);
    });
}
