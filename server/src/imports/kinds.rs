//! The columns of each kind of import and the reading of one record into the core's row type.
//!
//! | kind | required | optional |
//! |------|----------|----------|
//! | services | `name`, `duration_minutes`, `price_minor`, `currency`, `resources` | `description`, `category`, `tags`, `step_minutes`, `buffer_before_minutes`, `buffer_after_minutes`, `min_notice_minutes`, `horizon_days`, `seats`, `cancellation_deadline_minutes`, `max_reschedules` |
//! | resources | `name` | `kind` (`staff`, the default, or `room`) |
//! | availabilities | `resource`, `start`, `end` | `rrule`, `exdates` |
//! | closures | `kind` (`days` or `period`) | `first_day`, `last_day` (days), `start`, `end` (period), `reason` |
//! | clients | `first_name`, `last_name`, `email` | `phone` |
//!
//! Columns the exports write but an import sets itself (`id`, `active`) are accepted and
//! ignored, so an exported file can be edited and imported again; any other column is
//! `unknown_column`, so a misspelt one is not silently dropped.

use rdv_core::Interval;
use rdv_core::contacts::ContactRow;
use rdv_core::hours::{Closure, ClosureKind};
use rdv_core::imports::{ImportKind, ImportRows, ResourceRow, RowProblem, ServiceRow, WindowRow};
use rdv_core::model::{Currency, Money, ResourceKind, SlotRules, Zone};
use rdv_core::tz::resolve_local;

use super::Record;
use super::cells::Cells;

/// The required and optional columns of `kind`.
pub fn columns(kind: ImportKind) -> (&'static [&'static str], &'static [&'static str]) {
    match kind {
        ImportKind::Services => (
            &[
                "name",
                "duration_minutes",
                "price_minor",
                "currency",
                "resources",
            ],
            &[
                "description",
                "category",
                "tags",
                "step_minutes",
                "buffer_before_minutes",
                "buffer_after_minutes",
                "min_notice_minutes",
                "horizon_days",
                "seats",
                "cancellation_deadline_minutes",
                "max_reschedules",
            ],
        ),
        ImportKind::Resources => (&["name"], &["kind"]),
        ImportKind::Availabilities => (&["resource", "start", "end"], &["rrule", "exdates"]),
        ImportKind::Closures => (
            &["kind"],
            &["first_day", "last_day", "start", "end", "reason"],
        ),
        ImportKind::Clients => (&["first_name", "last_name", "email"], &["phone"]),
    }
}

/// Written by the exports, set by the import itself: accepted and ignored.
const IGNORED: [&str; 2] = ["id", "active"];

/// Unknown and missing columns of `record` (CSV: the header's, reported on row `row` = 1).
pub fn check_columns(kind: ImportKind, record: &Record, row: usize) -> Vec<RowProblem> {
    let (required, optional) = columns(kind);
    let mut problems = Vec::new();
    for name in record.cells.keys() {
        let known = required.contains(&name.as_str())
            || optional.contains(&name.as_str())
            || IGNORED.contains(&name.as_str());
        if !known {
            let mut expected: Vec<&str> = required.iter().chain(optional).copied().collect();
            expected.sort_unstable();
            problems.push(RowProblem::new(
                row,
                name,
                "unknown_column",
                format!(
                    "unknown column {name:?}; the columns are {}",
                    expected.join(", ")
                ),
            ));
        }
    }
    // A JSON item may leave a column out: its cells are then `required` problems of the row.
    if record.csv {
        for name in required {
            if !record.cells.contains_key(*name) {
                problems.push(RowProblem::new(
                    row,
                    name,
                    "required",
                    format!("the file has no {name:?} column"),
                ));
            }
        }
    }
    problems
}

/// No rows of `kind`.
pub fn empty(kind: ImportKind) -> ImportRows {
    match kind {
        ImportKind::Services => ImportRows::Services(Vec::new()),
        ImportKind::Resources => ImportRows::Resources(Vec::new()),
        ImportKind::Availabilities => ImportRows::Availabilities(Vec::new()),
        ImportKind::Closures => ImportRows::Closures(Vec::new()),
        ImportKind::Clients => ImportRows::Clients(Vec::new()),
    }
}

/// The rows of `records` that read cleanly; the others' problems go to `problems`.
pub fn rows(
    kind: ImportKind,
    records: &[Record],
    zone: Zone,
    problems: &mut Vec<RowProblem>,
) -> ImportRows {
    let mut out = empty(kind);
    for record in records {
        if !record.csv {
            let columns = check_columns(kind, record, record.row);
            if !columns.is_empty() {
                problems.extend(columns);
                continue;
            }
        }
        let mut cells = Cells::new(record);
        let row = record.row;
        match &mut out {
            ImportRows::Services(rows) => {
                if let Some(item) = service(&mut cells) {
                    rows.push((row, item));
                }
            }
            ImportRows::Resources(rows) => {
                if let Some(item) = resource(&mut cells) {
                    rows.push((row, item));
                }
            }
            ImportRows::Availabilities(rows) => {
                if let Some(item) = window(&mut cells) {
                    rows.push((row, item));
                }
            }
            ImportRows::Closures(rows) => {
                if let Some(item) = closure(&mut cells, zone) {
                    rows.push((row, item));
                }
            }
            ImportRows::Clients(rows) => {
                if let Some(item) = contact(&mut cells) {
                    rows.push((row, item));
                }
            }
        }
        problems.append(&mut cells.problems);
    }
    out
}

/// `Some` only when no cell had a problem.
fn clean<T>(cells: &Cells<'_>, item: T) -> Option<T> {
    cells.problems.is_empty().then_some(item)
}

fn service(c: &mut Cells<'_>) -> Option<ServiceRow> {
    let name = c.required("name");
    let duration = c.number("duration_minutes", None);
    let rules = duration.map(|d| SlotRules {
        duration_minutes: d,
        step_minutes: d,
        ..SlotRules::simple(d)
    });
    // Without a readable duration, the step's default does not matter: the row is refused.
    let step = c.number("step_minutes", Some(duration.unwrap_or(0)));
    let before = c.number("buffer_before_minutes", Some(0));
    let after = c.number("buffer_after_minutes", Some(0));
    let notice = c.number("min_notice_minutes", Some(0));
    let horizon = c.number("horizon_days", Some(90));
    let seats = c.number("seats", Some(1));
    let amount = c.amount("price_minor");
    let currency = c.required("currency").and_then(|code| {
        let row = c.row();
        Currency::parse(&code.to_ascii_uppercase())
            .map_err(|e| {
                c.problems
                    .extend(RowProblem::from_error(row, "currency", &e));
            })
            .ok()
    });
    let resources = c.list("resources");
    if resources.is_empty() && !c.problems.iter().any(|p| p.field == "resources") {
        c.problems.push(RowProblem::new(
            c.row(),
            "resources",
            "required",
            "resources must name at least one resource (names or ids between |)",
        ));
    }
    let item = ServiceRow {
        name: name?,
        description: c.text("description").unwrap_or_default(),
        price: Money::new(amount?, currency?),
        category: c.text("category"),
        tags: c.list("tags"),
        rules: SlotRules {
            step_minutes: step?,
            buffer_before_minutes: before?,
            buffer_after_minutes: after?,
            min_notice_minutes: notice?,
            horizon_days: horizon?,
            seats: seats?,
            ..rules?
        },
        resources,
        cancellation_deadline_minutes: c.number("cancellation_deadline_minutes", Some(0))?,
        max_reschedules: c.number("max_reschedules", Some(0))?,
    };
    clean(c, item)
}

fn resource(c: &mut Cells<'_>) -> Option<ResourceRow> {
    let name = c.required("name");
    let kind = match c.text("kind").map(|k| k.to_ascii_lowercase()).as_deref() {
        None | Some("staff") => Some(ResourceKind::Staff),
        Some("room") => Some(ResourceKind::Room),
        Some(other) => {
            c.problems.push(RowProblem::new(
                c.row(),
                "kind",
                "invalid_value",
                format!("kind must be staff or room, got {other:?}"),
            ));
            None
        }
    };
    let item = ResourceRow {
        name: name?,
        kind: kind?,
    };
    clean(c, item)
}

fn window(c: &mut Cells<'_>) -> Option<WindowRow> {
    let resource = c.required("resource");
    let start = c.local_time("start");
    let end = c.local_time("end");
    let item = WindowRow {
        resource: resource?,
        start: start?,
        end: end?,
        rrule: c.text("rrule"),
        exdates: c.local_times("exdates"),
    };
    clean(c, item)
}

fn contact(c: &mut Cells<'_>) -> Option<ContactRow> {
    let first_name = c.required("first_name");
    let last_name = c.required("last_name");
    let email = c.required("email");
    let item = ContactRow {
        first_name: first_name?,
        last_name: last_name?,
        email: email?,
        phone: c.text("phone"),
    };
    clean(c, item)
}

fn closure(c: &mut Cells<'_>, zone: Zone) -> Option<Closure> {
    let reason = c.text("reason");
    let kind = match c.required("kind")?.to_ascii_lowercase().as_str() {
        "days" => {
            let (first, last) = (c.date("first_day"), c.date("last_day"));
            match Closure::days(first?, last?) {
                Ok(closure) => closure.kind,
                Err(e) => {
                    let row = c.row();
                    c.problems
                        .extend(RowProblem::from_error(row, "last_day", &e));
                    return None;
                }
            }
        }
        "period" => {
            let (start, end) = (c.local_time("start"), c.local_time("end"));
            let (start, end) = (resolve_local(zone.0, start?), resolve_local(zone.0, end?));
            match Interval::new(start, end) {
                Ok(interval) => ClosureKind::Period { interval },
                Err(e) => {
                    let row = c.row();
                    c.problems.extend(RowProblem::from_error(row, "end", &e));
                    return None;
                }
            }
        }
        other => {
            c.problems.push(RowProblem::new(
                c.row(),
                "kind",
                "invalid_value",
                format!("kind must be days or period, got {other:?}"),
            ));
            return None;
        }
    };
    clean(c, Closure { kind, reason })
}
