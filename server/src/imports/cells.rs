//! Reading one cell of a record: text, whole numbers, lists (a JSON array, or `|` between
//! items in a CSV cell, as the exports write tags), local date-times and dates. Each reader
//! records a [`RowProblem`] naming the row and the column when the cell is not what it must
//! be, and answers `None`.

use chrono::{NaiveDate, NaiveDateTime};
use rdv_core::imports::RowProblem;
use serde_json::Value;

use super::Record;

/// The cells of one record and the problems found reading them.
pub struct Cells<'a> {
    record: &'a Record,
    /// Problems of this record's cells.
    pub problems: Vec<RowProblem>,
}

impl<'a> Cells<'a> {
    /// Reads `record`.
    pub fn new(record: &'a Record) -> Self {
        Self {
            record,
            problems: Vec::new(),
        }
    }

    /// The record's row number.
    pub fn row(&self) -> usize {
        self.record.row
    }

    fn problem(&mut self, field: &str, code: &str, message: String) {
        self.problems
            .push(RowProblem::new(self.record.row, field, code, message));
    }

    /// The cell as text, trimmed; `None` when absent, empty or null. A CSV cell that an
    /// export kept from being a formula (`'=…`, `'+…`, `'-…`, `'@…`) loses its `'`.
    pub fn text(&mut self, field: &str) -> Option<String> {
        match self.record.cells.get(field) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let s = s.trim();
                let s = match s.strip_prefix('\'') {
                    Some(rest) if self.record.csv && rest.starts_with(['=', '+', '-', '@']) => rest,
                    _ => s,
                };
                (!s.is_empty()).then(|| s.to_owned())
            }
            Some(Value::Number(n)) => Some(n.to_string()),
            Some(Value::Bool(b)) => Some(b.to_string()),
            Some(_) => {
                self.problem(field, "invalid_type", format!("{field} must be text"));
                None
            }
        }
    }

    /// The cell as text; a `required` problem when it is missing.
    pub fn required(&mut self, field: &str) -> Option<String> {
        let text = self.text(field);
        if text.is_none() && !self.has_problem(field) {
            self.problem(field, "required", format!("{field} is required"));
        }
        text
    }

    fn has_problem(&self, field: &str) -> bool {
        self.problems.iter().any(|p| p.field == field)
    }

    /// A whole number from 0 to `u32::MAX`, or `default` when the cell is empty.
    pub fn number(&mut self, field: &str, default: Option<u32>) -> Option<u32> {
        let Some(text) = self.text(field) else {
            if default.is_none() && !self.has_problem(field) {
                self.problem(field, "required", format!("{field} is required"));
            }
            return default;
        };
        match text.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    field,
                    "invalid_format",
                    format!("{field} must be a whole number from 0, got {text:?}"),
                );
                None
            }
        }
    }

    /// A whole number that may be negative (an amount in minor units).
    pub fn amount(&mut self, field: &str) -> Option<i64> {
        let text = self.required(field)?;
        match text.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.problem(
                    field,
                    "invalid_format",
                    format!("{field} must be a whole number of minor units (cents), got {text:?}"),
                );
                None
            }
        }
    }

    /// A list: a JSON array of texts, or a CSV cell's items between `|`; empty items dropped.
    pub fn list(&mut self, field: &str) -> Vec<String> {
        match self.record.cells.get(field) {
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) if !s.trim().is_empty() => out.push(s.trim().to_owned()),
                        Value::String(_) => {}
                        _ => self.problem(
                            &format!("{field}[{i}]"),
                            "invalid_type",
                            format!("{field} must be a list of texts"),
                        ),
                    }
                }
                out
            }
            _ => self
                .text(field)
                .map(|t| {
                    t.split('|')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// A local date and time: `2027-03-01T09:00`, `2027-03-01 09:00`, seconds optional.
    pub fn local_time(&mut self, field: &str) -> Option<NaiveDateTime> {
        let text = self.required(field)?;
        parse_local(&text).or_else(|| {
            self.problem(
                field,
                "invalid_format",
                format!(
                    "{field} must be a local date and time like 2027-03-01T09:00, got {text:?}"
                ),
            );
            None
        })
    }

    /// Local date-times of a list cell (exdates).
    pub fn local_times(&mut self, field: &str) -> Vec<NaiveDateTime> {
        let items = self.list(field);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match parse_local(&item) {
                Some(t) => out.push(t),
                None => self.problem(
                    field,
                    "invalid_format",
                    format!("{field}: {item:?} is not a local date and time like 2027-03-01T09:00"),
                ),
            }
        }
        out
    }

    /// A date: `2027-12-24`.
    pub fn date(&mut self, field: &str) -> Option<NaiveDate> {
        let text = self.required(field)?;
        NaiveDate::parse_from_str(&text, "%Y-%m-%d")
            .ok()
            .or_else(|| {
                self.problem(
                    field,
                    "invalid_format",
                    format!("{field} must be a date like 2027-12-24, got {text:?}"),
                );
                None
            })
    }
}

/// `2027-03-01T09:00[:00]` or with a space instead of `T`.
fn parse_local(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}
