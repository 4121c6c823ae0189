//! Bulk imports (ADV-3): what one row of an imported file is for each kind, the per-row report,
//! and the rules an import adds to those of a single create: rows naming a resource by name
//! or id ([`resolve_resource`]), no name imported twice ([`check_new_name`]), no overlap of
//! windows inside the file ([`overlaps_in_file`]) or with the stored ones
//! ([`overlaps_with_stored`]). Reading cells from CSV or JSON is the caller's; every row then
//! goes through the same checks as a single create ([`crate::usecases::UseCases::import`]).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldError};
use crate::model::{AvailabilityWindow, Money, Resource, ResourceId, ResourceKind, SlotRules};

/// Most windows an import may create once recurring rows are expanded.
pub const MAX_IMPORTED_WINDOWS: usize = 50_000;

/// One problem of an imported file: where it is and why, with a stable code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RowProblem {
    /// The row as a spreadsheet numbers it: the header is row 1, the first data row 2 (JSON:
    /// the first item is row 1). `0` for a problem of the whole file.
    pub row: usize,
    /// The column (CSV) or key (JSON) at fault; empty when the whole row is.
    pub field: String,
    /// Stable code: a field code (`required`, `too_long`, `invalid_format`, `not_found`,
    /// `already_exists`…) or a rule's error code (`AVAILABILITY_OVERLAP`, `PAST_SLOT`…).
    pub code: String,
    /// Readable reason.
    pub message: String,
}

impl RowProblem {
    /// A problem of `row`'s `field`.
    pub fn new(row: usize, field: &str, code: &str, message: impl Into<String>) -> Self {
        Self {
            row,
            field: field.to_owned(),
            code: code.to_owned(),
            message: message.into(),
        }
    }

    /// The problems `error` reports about `row`: one per field error of a validation error,
    /// else one under `field` with the error's own code.
    pub fn from_error(row: usize, field: &str, error: &Error) -> Vec<Self> {
        match error.field_errors() {
            [] => vec![Self::new(
                row,
                field,
                error.code().as_str(),
                error.to_string(),
            )],
            errors => errors
                .iter()
                .map(|e: &FieldError| Self::new(row, &e.field, &e.code, e.message.clone()))
                .collect(),
        }
    }
}

/// What can be imported.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    /// Services, naming their resources.
    Services,
    /// Staff members and rooms.
    Resources,
    /// Availability windows, one-off or recurring (RRULE).
    Availabilities,
    /// The business's closures (holidays, exceptional closures).
    Closures,
    /// The business's client file: contacts known from before ([`crate::contacts`]).
    Clients,
}

/// The answer to an import: what was (or, in a dry run, would be) created, or every problem.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportReport {
    /// What was imported.
    pub kind: ImportKind,
    /// `true` when nothing was written on purpose.
    pub dry_run: bool,
    /// Data rows read.
    pub rows: usize,
    /// Objects the rows make (a recurring row makes one window per occurrence).
    pub objects: usize,
    /// Objects written: `objects` when the import went through, else 0.
    pub created: usize,
    /// Ids of the created objects, in row order (empty in a dry run or on refusal).
    pub ids: Vec<String>,
    /// Every problem found, by row; not empty means nothing was written.
    pub problems: Vec<RowProblem>,
}

/// One row of a services import: a service like [`crate::usecases::NewService`], naming its
/// resources by name or id.
#[derive(Clone, PartialEq, Debug)]
pub struct ServiceRow {
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Price.
    pub price: Money,
    /// Category.
    pub category: Option<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Timing rules.
    pub rules: SlotRules,
    /// Resources that perform it, each a name or an id ([`resolve_resource`]).
    pub resources: Vec<String>,
    /// Client cancellation deadline, minutes before the start.
    pub cancellation_deadline_minutes: u32,
    /// Reschedules allowed per reservation.
    pub max_reschedules: u32,
}

/// One row of a resources import.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ResourceRow {
    /// Display name.
    pub name: String,
    /// Staff or room.
    pub kind: ResourceKind,
}

/// One row of an availabilities import: a window in the business's local time, repeated by
/// `rrule` when there is one (the first occurrence is `start`–`end`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WindowRow {
    /// The resource, by name or id ([`resolve_resource`]).
    pub resource: String,
    /// Local start (of the first occurrence).
    pub start: NaiveDateTime,
    /// Local end (of the first occurrence).
    pub end: NaiveDateTime,
    /// RFC 5545 rule, e.g. `FREQ=WEEKLY;BYDAY=MO,TU;UNTIL=20270630`.
    pub rrule: Option<String>,
    /// Occurrences to skip (local starts).
    pub exdates: Vec<NaiveDateTime>,
}

/// A row's items, each with its row number.
#[derive(Clone, PartialEq, Debug)]
pub enum ImportRows {
    /// Services.
    Services(Vec<(usize, ServiceRow)>),
    /// Resources.
    Resources(Vec<(usize, ResourceRow)>),
    /// Availability windows.
    Availabilities(Vec<(usize, WindowRow)>),
    /// Closures.
    Closures(Vec<(usize, crate::hours::Closure)>),
    /// Contacts of the client file.
    Clients(Vec<(usize, crate::contacts::ContactRow)>),
}

impl ImportRows {
    /// The kind of these rows.
    pub fn kind(&self) -> ImportKind {
        match self {
            Self::Services(_) => ImportKind::Services,
            Self::Resources(_) => ImportKind::Resources,
            Self::Availabilities(_) => ImportKind::Availabilities,
            Self::Closures(_) => ImportKind::Closures,
            Self::Clients(_) => ImportKind::Clients,
        }
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        match self {
            Self::Services(r) => r.len(),
            Self::Resources(r) => r.len(),
            Self::Availabilities(r) => r.len(),
            Self::Closures(r) => r.len(),
            Self::Clients(r) => r.len(),
        }
    }

    /// Whether there is no row.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The comparison key of a name: trimmed and lowercased (`Salle A` and ` salle a` clash).
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// Finds the resource a row names: its id (as written by an export) or its name, case
/// aside, among `resources`. Unknown, or a name two resources share, is a `not_found` or
/// `ambiguous` problem of `field`.
pub fn resolve_resource(
    row: usize,
    field: &str,
    reference: &str,
    resources: &[Resource],
) -> Result<ResourceId, RowProblem> {
    let reference = reference.trim();
    if let Some(r) = resources.iter().find(|r| r.id.to_string() == reference) {
        return Ok(r.id);
    }
    let key = name_key(reference);
    let mut named = resources.iter().filter(|r| name_key(&r.name) == key);
    match (named.next(), named.next()) {
        (Some(r), None) => Ok(r.id),
        (Some(_), Some(_)) => Err(RowProblem::new(
            row,
            field,
            "ambiguous",
            format!("several resources are named {reference:?}: name it by id"),
        )),
        (None, _) => Err(RowProblem::new(
            row,
            field,
            "not_found",
            format!("no resource of the business is named {reference:?}"),
        )),
    }
}

/// No name imported twice: a name (case aside) already stored, or on an earlier row of the
/// file, is an `already_exists` problem of the row's `name` (importing the same file twice
/// creates nothing twice). `seen` holds the names met so far with their rows.
pub fn check_new_name(
    row: usize,
    name: &str,
    stored: &[&str],
    seen: &mut HashMap<String, usize>,
) -> Result<(), RowProblem> {
    let key = name_key(name);
    if stored.iter().any(|s| name_key(s) == key) {
        return Err(RowProblem::new(
            row,
            "name",
            "already_exists",
            format!("{:?} already exists", name.trim()),
        ));
    }
    if let Some(first) = seen.get(&key) {
        return Err(RowProblem::new(
            row,
            "name",
            "already_exists",
            format!("{:?} is already on row {first}", name.trim()),
        ));
    }
    seen.insert(key, row);
    Ok(())
}

/// AV-4 inside a file: each window (with its row) that overlaps an earlier one of the same
/// resource gives an `AVAILABILITY_OVERLAP` problem naming the other's row. One sweep over
/// the windows sorted by resource and start: O(n log n) for any file.
pub fn overlaps_in_file(windows: &[(usize, AvailabilityWindow)]) -> Vec<RowProblem> {
    let mut order: Vec<usize> = (0..windows.len()).collect();
    order.sort_by_key(|&i| {
        let w = &windows[i].1;
        (w.resource_id, w.interval.start(), windows[i].0)
    });
    let mut problems = Vec::new();
    // The window reaching furthest so far on the current resource.
    let mut reach: Option<(ResourceId, usize)> = None;
    for i in order {
        let (row, w) = &windows[i];
        match reach {
            Some((resource, j)) if resource == w.resource_id => {
                let (other_row, other) = &windows[j];
                if other.interval.overlaps(&w.interval) {
                    problems.push(RowProblem::new(
                        *row,
                        "start",
                        "AVAILABILITY_OVERLAP",
                        format!(
                            "the window {:?} overlaps the window of row {other_row}",
                            w.interval
                        ),
                    ));
                }
                if w.interval.end() > other.interval.end() {
                    reach = Some((w.resource_id, i));
                }
            }
            _ => reach = Some((w.resource_id, i)),
        }
    }
    problems.sort_by_key(|p| p.row);
    problems
}

/// AV-4 against the store: each window (with its row) that overlaps a stored window of its
/// resource gives an `AVAILABILITY_OVERLAP` problem naming that window's id. `stored` may be
/// in any order; one sweep after sorting both.
pub fn overlaps_with_stored(
    windows: &[(usize, AvailabilityWindow)],
    stored: &[AvailabilityWindow],
) -> Vec<RowProblem> {
    let mut by_resource: HashMap<ResourceId, Vec<&AvailabilityWindow>> = HashMap::new();
    for s in stored {
        by_resource.entry(s.resource_id).or_default().push(s);
    }
    for list in by_resource.values_mut() {
        list.sort_by_key(|w| w.interval.start());
    }
    let mut problems = Vec::new();
    for (row, w) in windows {
        let Some(list) = by_resource.get(&w.resource_id) else {
            continue;
        };
        // Stored windows never overlap each other (AV-4), so their ends grow with their
        // starts: the first one ending after `w` starts is the only candidate.
        let first = list.partition_point(|s| s.interval.end() <= w.interval.start());
        if let Some(s) = list.get(first)
            && s.interval.overlaps(&w.interval)
        {
            problems.push(RowProblem::new(
                *row,
                "start",
                "AVAILABILITY_OVERLAP",
                format!(
                    "the window {:?} overlaps the stored window {}",
                    w.interval, s.id
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests;
