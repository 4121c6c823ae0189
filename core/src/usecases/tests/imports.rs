//! The import use case: every row checked, a report by row, all rows or none.

use super::*;
use crate::hours::{Closure, ClosureKind};
use crate::imports::{ImportKind, ImportRows, ResourceRow, ServiceRow, WindowRow};
use crate::ports::ContactStore as _;

fn local(s: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
}

fn window_row(resource: &str, start: &str, end: &str, rrule: Option<&str>) -> WindowRow {
    WindowRow {
        resource: resource.into(),
        start: local(start),
        end: local(end),
        rrule: rrule.map(str::to_owned),
        exdates: vec![],
    }
}

fn service_row(name: &str, resources: &[&str]) -> ServiceRow {
    ServiceRow {
        name: name.into(),
        description: String::new(),
        price: Money::new(3000, Currency::parse("EUR").unwrap()),
        category: Some("coupe".into()),
        tags: vec![],
        rules: SlotRules::simple(45),
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        cancellation_deadline_minutes: 0,
        max_reschedules: 0,
    }
}

/// `(row, field, code)` of each problem of `report`.
fn found(report: &crate::imports::ImportReport) -> Vec<(usize, &str, &str)> {
    report
        .problems
        .iter()
        .map(|p| (p.row, p.field.as_str(), p.code.as_str()))
        .collect()
}

fn windows_of(w: &World, resource: usize) -> Vec<crate::model::AvailabilityWindow> {
    block_on(w.app.store.list_windows(
        &[w.staff[resource].id],
        iv("2026-06-01T00:00:00Z", "2026-12-31T00:00:00Z"),
    ))
    .unwrap()
}

#[test]
fn an_availabilities_file_makes_one_window_a_row_and_one_an_occurrence_in_local_time() {
    let w = world(1);
    let rows = ImportRows::Availabilities(vec![
        (
            2,
            window_row("alice", "2026-06-09T09:00", "2026-06-09T12:00", None),
        ),
        (
            3,
            window_row(
                "Bob",
                "2026-06-15T09:00",
                "2026-06-15T17:00",
                Some("FREQ=WEEKLY;COUNT=3"),
            ),
        ),
    ]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    assert_eq!(
        (report.kind, report.rows, report.objects, report.created),
        (ImportKind::Availabilities, 2, 4, 4)
    );
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    assert_eq!(report.ids.len(), 4);
    let alice = windows_of(&w, 0);
    // Paris in June is UTC+2: 09:00 local is 07:00 UTC.
    assert_eq!(
        alice[1].interval,
        iv("2026-06-09T07:00:00Z", "2026-06-09T10:00:00Z")
    );
    let bob = windows_of(&w, 1);
    assert_eq!(bob.len(), 4, "the world's window and three occurrences");
    let series: Vec<_> = bob.iter().filter_map(|x| x.series_id).collect();
    assert_eq!(series.len(), 3);
    assert!(series.iter().all(|s| *s == series[0]));
}

#[test]
fn overlaps_inside_the_file_and_with_stored_windows_are_reported_and_nothing_is_written() {
    let w = world(1);
    let rows = ImportRows::Availabilities(vec![
        (
            2,
            window_row("Alice", "2026-06-10T09:00", "2026-06-10T12:00", None),
        ),
        (
            3,
            window_row("Alice", "2026-06-10T11:00", "2026-06-10T13:00", None),
        ),
        // The world has Alice available on 2026-06-08 09:00-17:00 local.
        (
            4,
            window_row("Alice", "2026-06-08T16:00", "2026-06-08T18:00", None),
        ),
        (
            5,
            window_row("Nobody", "2026-06-10T09:00", "2026-06-10T12:00", None),
        ),
        (
            6,
            window_row("Bob", "2026-05-10T09:00", "2026-05-10T12:00", None),
        ),
    ]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    let found = found(&report);
    assert_eq!(
        found,
        [
            (3, "start", "AVAILABILITY_OVERLAP"),
            (4, "start", "AVAILABILITY_OVERLAP"),
            (5, "resource", "not_found"),
            (6, "end", "in_past"),
        ]
    );
    assert_eq!(report.created, 0);
    assert_eq!(windows_of(&w, 0).len(), 1, "only the world's window");
}

#[test]
fn a_dry_run_reports_what_would_be_created_and_writes_nothing() {
    let w = world(1);
    let rows = ImportRows::Resources(vec![(
        2,
        ResourceRow {
            name: "Salle 1".into(),
            kind: ResourceKind::Room,
        },
    )]);
    let report = block_on(w.app.import(w.business.id, rows, true)).unwrap();
    assert_eq!(
        (report.dry_run, report.objects, report.created),
        (true, 1, 0)
    );
    assert!(report.ids.is_empty());
    assert_eq!(
        block_on(w.app.store.list_resources(w.business.id))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn services_name_their_resources_and_a_name_is_never_imported_twice() {
    let w = world(1);
    let rows = ImportRows::Services(vec![
        (2, service_row("Barbe", &["alice", "BOB"])),
        (3, service_row("barbe", &["Alice"])),
        (4, service_row("Coupe", &["Alice"])),
        (5, service_row("Brushing", &["Carole"])),
    ]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    let found = found(&report);
    assert_eq!(
        found,
        [
            (3, "name", "already_exists"),
            (4, "name", "already_exists"),
            (5, "resources[0]", "not_found"),
        ]
    );
    assert_eq!(
        block_on(w.app.store.list_services(w.business.id))
            .unwrap()
            .len(),
        1
    );

    let rows = ImportRows::Services(vec![(2, service_row("Barbe", &["alice", "BOB"]))]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    assert_eq!(report.created, 1);
    let services = block_on(w.app.store.list_services(w.business.id)).unwrap();
    let barbe = services.iter().find(|s| s.name == "Barbe").unwrap();
    assert_eq!(barbe.resource_ids, [w.staff[0].id, w.staff[1].id]);
    assert!(barbe.active);
}

#[test]
fn a_service_row_goes_through_the_rules_of_a_single_create() {
    let w = world(1);
    let mut row = service_row("Soin", &["Alice"]);
    row.rules.duration_minutes = 0;
    row.price.amount_minor = -5;
    let report = block_on(
        w.app
            .import(w.business.id, ImportRows::Services(vec![(2, row)]), false),
    )
    .unwrap();
    let fields: Vec<&str> = report.problems.iter().map(|p| p.field.as_str()).collect();
    assert!(fields.contains(&"price.amount_minor"), "{fields:?}");
    assert!(fields.contains(&"rules.duration_minutes"), "{fields:?}");
    assert!(report.problems.iter().all(|p| p.row == 2));
}

#[test]
fn closures_are_added_once_and_their_reasons_checked_by_row() {
    let w = world(1);
    let christmas = Closure::days(
        chrono::NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
        chrono::NaiveDate::from_ymd_opt(2026, 12, 26).unwrap(),
    )
    .unwrap();
    let afternoon = Closure {
        kind: ClosureKind::Period {
            interval: iv("2026-07-01T12:00:00Z", "2026-07-01T16:00:00Z"),
        },
        reason: Some("x".repeat(201)),
    };
    let rows = ImportRows::Closures(vec![
        (2, christmas.clone()),
        (3, christmas.clone()),
        (4, afternoon),
    ]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    let found = found(&report);
    assert_eq!(
        found,
        [(3, "", "already_exists"), (4, "reason", "too_long")]
    );
    assert!(
        block_on(w.app.business(w.business.id))
            .unwrap()
            .closures
            .is_empty()
    );

    let rows = ImportRows::Closures(vec![(2, christmas.clone())]);
    let report = block_on(w.app.import(w.business.id, rows, false)).unwrap();
    assert_eq!(report.created, 1);
    assert_eq!(
        block_on(w.app.business(w.business.id)).unwrap().closures,
        [christmas]
    );
}

fn contact_row(first: &str, email: &str, phone: Option<&str>) -> crate::contacts::ContactRow {
    crate::contacts::ContactRow {
        first_name: first.into(),
        last_name: "Martin".into(),
        email: email.into(),
        phone: phone.map(str::to_owned),
    }
}

#[test]
fn clients_are_imported_once_into_the_business_s_file() {
    let w = world(1);
    block_on(async {
        // Someone who booked is already a client: importing their email adds nobody.
        w.app
            .save_client_profile(
                client(1),
                ClientProfileInput {
                    email: "booked@example.com".into(),
                    first_name: "Paul".into(),
                    last_name: "Durand".into(),
                    phone: None,
                    address: None,
                },
            )
            .await
            .unwrap();
        w.app
            .book(client(1), &request(&w, Some(0), "2026-06-08T08:00:00Z"))
            .await
            .unwrap();
        let bad = ImportRows::Clients(vec![
            (
                2,
                contact_row("Léa", "lea@example.com", Some("+33 6 12 34 56 78")),
            ),
            (3, contact_row("Léa", "LEA@example.com", None)),
            (4, contact_row("Paul", "Booked@Example.com", None)),
            (5, contact_row("", "not-an-email", None)),
        ]);
        let report = w.app.import(w.business.id, bad, false).await.unwrap();
        assert_eq!(
            found(&report),
            [
                (3, "email", "already_exists"),
                (4, "email", "already_exists"),
                (5, "email", "invalid_format"),
                (5, "first_name", "required"),
            ]
        );
        assert_eq!(
            w.app.store.business_contacts(w.business.id).await.unwrap(),
            []
        );

        let good = ImportRows::Clients(vec![
            (
                2,
                contact_row("Léa", "lea@example.com", Some("+33 6 12 34 56 78")),
            ),
            (3, contact_row("Marc", "marc@example.com", None)),
        ]);
        let report = w
            .app
            .import(w.business.id, good.clone(), false)
            .await
            .unwrap();
        assert_eq!((report.kind, report.created), (ImportKind::Clients, 2));
        let mut stored = w.app.store.business_contacts(w.business.id).await.unwrap();
        stored.sort_by(|a, b| a.email.cmp(&b.email));
        assert_eq!(stored[0].phone.as_deref(), Some("+33612345678"));
        assert_eq!(stored[1].first_name, "Marc");
        let again = w.app.import(w.business.id, good, false).await.unwrap();
        assert_eq!(
            found(&again),
            [
                (2, "email", "already_exists"),
                (3, "email", "already_exists")
            ]
        );
    });
}
