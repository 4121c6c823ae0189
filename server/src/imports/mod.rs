//! Reading imported files (ADV-3): a CSV (RFC 4180 by the `csv` crate; `,` or `;` between
//! cells, as spreadsheets in France write it; UTF-8 with or without a byte order mark) or a
//! JSON array of objects, into records of named cells with their row numbers, then into the
//! core's [`ImportRows`] ([`kinds`]). Problems of the file itself (encoding, shape, too many
//! rows) and of single cells (a number that is not one) come back as [`RowProblem`]s, like
//! the core's; the core then checks every row that could be read.

mod cells;
pub mod ics;
mod kinds;

use rdv_core::imports::{ImportKind, ImportReport, ImportRows, RowProblem};
use rdv_core::model::{Business, Zone};
use serde_json::{Map, Value};

pub use self::kinds::columns;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The formats an import reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Comma- or semicolon-separated values with a header row.
    Csv,
    /// A JSON array of objects.
    Json,
}

impl Format {
    /// The format of a `Content-Type` (`text/csv`, `application/json`), or of a file name's
    /// extension (`.csv`, `.json`).
    pub fn of(name: &str) -> Option<Self> {
        let name = name.trim().to_ascii_lowercase();
        let essence = name.split(';').next().unwrap_or("").trim();
        if essence == "text/csv" || essence.ends_with(".csv") {
            Some(Self::Csv)
        } else if essence == "application/json" || essence.ends_with(".json") {
            Some(Self::Json)
        } else {
            None
        }
    }
}

/// One data row: its number as a spreadsheet shows it (CSV: the header is row 1; JSON: the
/// first item is row 1) and its cells by column.
#[derive(Debug)]
pub struct Record {
    /// The row number.
    pub row: usize,
    /// Cells by column: strings from a CSV, any JSON value from JSON.
    pub cells: Map<String, Value>,
    /// Whether the cells came from a CSV (an exported cell may carry the `'` that kept it
    /// from being read as a formula).
    pub csv: bool,
}

/// What a file gives: the rows the core will check and the problems already found.
#[derive(Debug)]
pub struct Parsed {
    /// Rows that could be read.
    pub rows: ImportRows,
    /// Data rows in the file.
    pub count: usize,
    /// Problems of the file and of its cells.
    pub problems: Vec<RowProblem>,
}

/// Imports the file `bytes` of `kind` rows into `business` (the HTTP route's and the CLI's
/// work): read, checked by the core, written unless `dry_run`; every problem of the file is an
/// `IMPORT_REJECTED` error with the list.
pub async fn run(
    state: &AppState,
    business: &Business,
    kind: ImportKind,
    format: Format,
    bytes: &[u8],
    dry_run: bool,
) -> ApiResult<ImportReport> {
    let max_rows = state.config.import_max_rows as usize;
    let parsed = parse(kind, format, bytes, business.time_zone, max_rows);
    // With problems in the cells, the readable rows are still checked (as a dry run), so the
    // answer lists every problem of the file at once.
    let check_only = dry_run || !parsed.problems.is_empty();
    let mut report = state
        .writes()
        .import(business.id, parsed.rows, check_only)
        .await?;
    report.rows = parsed.count;
    report.dry_run = dry_run;
    report.problems.extend(parsed.problems);
    report.problems.sort_by_key(|p| p.row);
    if report.problems.is_empty() {
        Ok(report)
    } else {
        Err(ApiError::import_rejected(report.problems))
    }
}

/// Reads `bytes` as a file of `kind` rows in `format`, with times in `zone`; at most
/// `max_rows` data rows.
pub fn parse(
    kind: ImportKind,
    format: Format,
    bytes: &[u8],
    zone: Zone,
    max_rows: usize,
) -> Parsed {
    let records = match format {
        Format::Csv => csv_records(bytes, max_rows),
        Format::Json => json_records(bytes, max_rows),
    };
    let (records, mut problems) = match records {
        Ok(records) => records,
        Err(problem) => (Vec::new(), vec![problem]),
    };
    let count = records.len() + problems.len();
    if problems.is_empty() && count == 0 {
        problems.push(RowProblem::new(
            0,
            "",
            "empty_file",
            "the file has no data row",
        ));
    }
    // A CSV's columns are the header's: checked once, and wrong ones make every row wrong.
    // JSON items are checked one by one.
    if let (Format::Csv, Some(first)) = (format, records.first()) {
        let columns = kinds::check_columns(kind, first, 1);
        if !columns.is_empty() {
            problems.splice(0..0, columns);
            return Parsed {
                rows: kinds::empty(kind),
                count,
                problems,
            };
        }
    }
    let rows = kinds::rows(kind, &records, zone, &mut problems);
    problems.sort_by_key(|p| p.row);
    Parsed {
        rows,
        count,
        problems,
    }
}

fn too_many(max_rows: usize) -> RowProblem {
    RowProblem::new(
        0,
        "",
        "too_many_rows",
        format!("the file has more than {max_rows} data rows: split it"),
    )
}

type Records = (Vec<Record>, Vec<RowProblem>);

/// The records of a CSV file. The header names the columns (trimmed, lowercased); a row with
/// another number of cells than the header, or a cell that is not UTF-8, is a problem of its
/// row; the other rows are still read.
fn csv_records(bytes: &[u8], max_rows: usize) -> Result<Records, RowProblem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let count = |c: u8| first_line.iter().filter(|&&b| b == c).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(bytes);
    let header = reader
        .byte_headers()
        .map_err(|e| RowProblem::new(1, "", "malformed", format!("the header row: {e}")))?
        .clone();
    let mut names = Vec::with_capacity(header.len());
    for (i, cell) in header.iter().enumerate() {
        let name = std::str::from_utf8(cell).map_err(|_| {
            RowProblem::new(1, "", "invalid_encoding", "the header row is not UTF-8")
        })?;
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() {
            return Err(RowProblem::new(
                1,
                "",
                "required",
                format!("column {} of the header row has no name", i + 1),
            ));
        }
        if names.contains(&name) {
            return Err(RowProblem::new(
                1,
                &name,
                "duplicate",
                format!("the header names column {name:?} twice"),
            ));
        }
        names.push(name);
    }
    let mut records = Vec::new();
    let mut problems = Vec::new();
    for (i, result) in reader.byte_records().enumerate() {
        let row = i + 2;
        if records.len() + problems.len() >= max_rows {
            return Err(too_many(max_rows));
        }
        let record = match result {
            Ok(record) => record,
            Err(e) => {
                problems.push(RowProblem::new(row, "", "malformed", e.to_string()));
                continue;
            }
        };
        if record.iter().all(|c| c.iter().all(u8::is_ascii_whitespace)) {
            continue; // a blank line, as spreadsheets leave at the end
        }
        if record.len() != names.len() {
            problems.push(RowProblem::new(
                row,
                "",
                "malformed",
                format!("{} cells, the header has {}", record.len(), names.len()),
            ));
            continue;
        }
        let mut cells = Map::new();
        let mut bad = false;
        for (name, cell) in names.iter().zip(record.iter()) {
            match std::str::from_utf8(cell) {
                Ok(text) => {
                    cells.insert(name.clone(), Value::String(text.to_owned()));
                }
                Err(_) => {
                    problems.push(RowProblem::new(
                        row,
                        name,
                        "invalid_encoding",
                        "the cell is not UTF-8: save the file as UTF-8",
                    ));
                    bad = true;
                }
            }
        }
        if !bad {
            records.push(Record {
                row,
                cells,
                csv: true,
            });
        }
    }
    Ok((records, problems))
}

/// The records of a JSON array of objects; keys are lowercased.
fn json_records(bytes: &[u8], max_rows: usize) -> Result<Records, RowProblem> {
    let value: Value = serde_json::from_slice(bytes)
        .map_err(|e| RowProblem::new(0, "", "malformed", format!("not JSON: {e}")))?;
    let Value::Array(items) = value else {
        return Err(RowProblem::new(
            0,
            "",
            "malformed",
            "the file must be a JSON array of objects",
        ));
    };
    if items.len() > max_rows {
        return Err(too_many(max_rows));
    }
    let mut records = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let row = i + 1;
        match item {
            Value::Object(map) => records.push(Record {
                row,
                cells: map
                    .into_iter()
                    .map(|(k, v)| (k.to_ascii_lowercase(), v))
                    .collect(),
                csv: false,
            }),
            _ => problems.push(RowProblem::new(
                row,
                "",
                "malformed",
                "an item must be an object",
            )),
        }
    }
    Ok((records, problems))
}

#[cfg(test)]
mod tests;
