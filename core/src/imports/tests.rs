use proptest::prelude::*;

use super::*;
use crate::model::{AvailabilityId, BusinessId};
use crate::time::{Interval, Timestamp};

const T0: i64 = 1_780_000_000;

fn window(id: u128, resource: u128, start: i64, end: i64) -> AvailabilityWindow {
    AvailabilityWindow {
        id: AvailabilityId::from_uuid(uuid::Uuid::from_u128(id)),
        business_id: BusinessId::from_uuid(uuid::Uuid::from_u128(1)),
        resource_id: ResourceId::from_uuid(uuid::Uuid::from_u128(resource)),
        interval: Interval::new(
            Timestamp::from_secs(T0 + start * 60),
            Timestamp::from_secs(T0 + end * 60),
        )
        .unwrap(),
        series_id: None,
    }
}

fn resource(id: u128, name: &str) -> Resource {
    Resource {
        id: ResourceId::from_uuid(uuid::Uuid::from_u128(id)),
        business_id: BusinessId::from_uuid(uuid::Uuid::from_u128(1)),
        name: name.to_owned(),
        kind: ResourceKind::Staff,
        active: true,
        working_hours: None,
    }
}

#[test]
fn a_resource_is_found_by_id_or_by_name_whatever_the_case() {
    let all = [resource(10, "Salle A"), resource(11, "Camille")];
    assert_eq!(
        resolve_resource(2, "resource", " salle a ", &all),
        Ok(all[0].id)
    );
    let by_id = all[1].id.to_string();
    assert_eq!(resolve_resource(2, "resource", &by_id, &all), Ok(all[1].id));
    let missing = resolve_resource(3, "resource", "Salle B", &all).unwrap_err();
    assert_eq!(
        (missing.row, missing.field.as_str(), missing.code.as_str()),
        (3, "resource", "not_found")
    );
}

#[test]
fn a_name_two_resources_share_is_ambiguous() {
    let all = [resource(10, "Alex"), resource(11, "alex")];
    let problem = resolve_resource(4, "resources[0]", "Alex", &all).unwrap_err();
    assert_eq!(problem.code, "ambiguous");
    assert_eq!(problem.field, "resources[0]");
}

#[test]
fn a_name_stored_or_on_an_earlier_row_already_exists() {
    let mut seen = HashMap::new();
    assert!(check_new_name(2, "Coupe", &["Barbe"], &mut seen).is_ok());
    let twice = check_new_name(5, " COUPE", &["Barbe"], &mut seen).unwrap_err();
    assert_eq!((twice.row, twice.code.as_str()), (5, "already_exists"));
    assert!(twice.message.contains("row 2"), "{}", twice.message);
    let stored = check_new_name(6, "barbe", &["Barbe"], &mut seen).unwrap_err();
    assert_eq!(stored.code, "already_exists");
}

#[test]
fn windows_of_one_file_that_touch_do_not_overlap() {
    let rows = [
        (2, window(1, 1, 0, 60)),
        (3, window(2, 1, 60, 120)),
        (4, window(3, 2, 30, 90)),
    ];
    assert!(overlaps_in_file(&rows).is_empty());
}

#[test]
fn an_overlap_inside_the_file_names_the_other_row() {
    let rows = [
        (2, window(1, 1, 0, 600)),
        (3, window(2, 1, 60, 120)),
        (4, window(3, 1, 500, 700)),
    ];
    let problems = overlaps_in_file(&rows);
    let flagged: Vec<usize> = problems.iter().map(|p| p.row).collect();
    assert_eq!(flagged, [3, 4]);
    assert!(
        problems
            .iter()
            .all(|p| p.code == "AVAILABILITY_OVERLAP" && p.message.contains("row 2"))
    );
}

#[test]
fn an_overlap_with_a_stored_window_names_it() {
    let stored = [window(90, 1, 100, 200), window(91, 1, 300, 400)];
    let rows = [
        (2, window(1, 1, 0, 100)),
        (3, window(2, 1, 250, 301)),
        (4, window(3, 2, 100, 200)),
    ];
    let problems = overlaps_with_stored(&rows, &stored);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].row, 3);
    assert!(problems[0].message.contains(&stored[1].id.to_string()));
}

#[test]
fn a_validation_error_gives_one_problem_per_field() {
    let error = Error::Validation {
        errors: vec![
            FieldError::new("name", "required", "name is required"),
            FieldError::new("price", "out_of_range", "too dear"),
        ],
    };
    let problems = RowProblem::from_error(7, "", &error);
    let fields: Vec<(&str, &str)> = problems
        .iter()
        .map(|p| (p.field.as_str(), p.code.as_str()))
        .collect();
    assert_eq!(fields, [("name", "required"), ("price", "out_of_range")]);
    let other = RowProblem::from_error(7, "start", &Error::InvalidInterval { reason: "x".into() });
    assert_eq!(
        (other[0].field.as_str(), other[0].code.as_str()),
        ("start", "INVALID_INTERVAL")
    );
}

fn file_windows() -> impl Strategy<Value = Vec<(usize, AvailabilityWindow)>> {
    prop::collection::vec((0u128..3, 0i64..500, 1i64..120), 0..40).prop_map(|items| {
        items
            .into_iter()
            .enumerate()
            .map(|(i, (r, start, len))| (i + 2, window(i as u128 + 100, r, start, start + len)))
            .collect()
    })
}

proptest! {
    /// The sweep flags exactly the windows that overlap one sorted before them on their
    /// resource (by start, then row): what comparing every pair finds.
    #[test]
    fn the_file_sweep_flags_what_every_pair_finds(rows in file_windows()) {
        let key = |(row, w): &(usize, AvailabilityWindow)| (w.resource_id, w.interval.start(), *row);
        let mut expected: Vec<usize> = rows
            .iter()
            .filter(|a| {
                rows.iter().any(|b| {
                    key(b) < key(a) && b.1.resource_id == a.1.resource_id && b.1.interval.overlaps(&a.1.interval)
                })
            })
            .map(|(row, _)| *row)
            .collect();
        expected.sort_unstable();
        let found: Vec<usize> = overlaps_in_file(&rows).iter().map(|p| p.row).collect();
        prop_assert_eq!(found, expected);
    }

    /// Against stored windows (which never overlap each other), a window is flagged exactly
    /// when one stored window of its resource overlaps it.
    #[test]
    fn the_stored_check_flags_what_every_pair_finds(
        rows in file_windows(),
        gaps in prop::collection::vec((0u128..3, 1i64..60, 1i64..60), 0..30),
    ) {
        let mut ends = [0i64; 3];
        let stored: Vec<AvailabilityWindow> = gaps
            .iter()
            .enumerate()
            .map(|(i, &(r, gap, len))| {
                let start = ends[r as usize] + gap;
                ends[r as usize] = start + len;
                window(i as u128 + 10_000, r, start, start + len)
            })
            .collect();
        let expected: Vec<usize> = rows
            .iter()
            .filter(|(_, w)| stored.iter().any(|s| s.resource_id == w.resource_id && s.interval.overlaps(&w.interval)))
            .map(|(row, _)| *row)
            .collect();
        let found: Vec<usize> = overlaps_with_stored(&rows, &stored).iter().map(|p| p.row).collect();
        prop_assert_eq!(found, expected);
    }
}
