//! Input formats and bounds (ERR-5, ERR-6, ERR-7, SVC-1, SVC-2): emails, phone numbers,
//! names, free text, service prices and durations.
//!
//! Each function returns the normalised value or a validation error naming the field, a stable
//! field code (`required`, `too_long`, `invalid_format`, `out_of_range`, `markup`) and why.
//! Whole inputs are checked with [`FieldErrors`] so a caller learns every problem at once.

use serde::{Deserialize, Serialize};

use crate::error::{Error, FieldErrors, Result};
use crate::model::{Money, SlotRules};

/// Normalises and checks an email address: trimmed, one `@`, a local part of at most 64
/// printable characters without spaces or quotes, a domain of dot-separated labels (letters,
/// digits, hyphens; at least two labels; a top-level label of letters), at most 254
/// characters. The domain is lowercased; the local part is kept as typed.
pub fn normalize_email(field: &str, raw: &str) -> Result<String> {
    let email = raw.trim();
    let bad = |why: &str| Error::field(field, "invalid_format", format!("{field} {why}"));
    if email.is_empty() {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
    if email.len() > 254 {
        return Err(Error::field(
            field,
            "too_long",
            format!("{field} must be at most 254 characters"),
        ));
    }
    let (local, domain) = email
        .split_once('@')
        .ok_or_else(|| bad("must contain an @"))?;
    if domain.contains('@') {
        return Err(bad("must contain exactly one @"));
    }
    if local.is_empty() || local.len() > 64 {
        return Err(bad("must have 1 to 64 characters before the @"));
    }
    if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
        return Err(bad(
            "must not have a leading, trailing or doubled dot before the @",
        ));
    }
    if !local.chars().all(|c| {
        c.is_ascii_graphic()
            && !matches!(
                c,
                '"' | '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | '\\' | ']'
            )
    }) {
        return Err(bad("has a character that is not allowed before the @"));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return Err(bad("must have a domain with a dot, like example.com"));
    }
    for label in &labels {
        if label.is_empty()
            || label.len() > 63
            || label.starts_with('-')
            || label.ends_with('-')
            || !label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(bad("has an invalid domain"));
        }
    }
    let tld = labels[labels.len() - 1];
    if tld.len() < 2 || !tld.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(bad("has an invalid top-level domain"));
    }
    Ok(format!("{local}@{}", domain.to_ascii_lowercase()))
}

/// Masks an email for public display (DATA-2): `jeanne@example.com` → `j***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first = local.chars().next().unwrap_or('*');
            format!("{first}***@{domain}")
        }
        None => "***".to_owned(),
    }
}

/// The countries whose national phone notation is a trunk `0` followed by the subscriber
/// number, with their calling codes: in France `06 12 34 56 78` is `+33 6 12 34 56 78`.
/// Countries that write national numbers otherwise (Italy keeps its `0` in the international
/// form; Spain, Portugal, Denmark or the NANP have no trunk `0`) are absent: there only the
/// international form is read.
pub const TRUNK_ZERO_COUNTRIES: &[(&str, &str)] = &[
    ("AE", "971"),
    ("AT", "43"),
    ("AU", "61"),
    ("BE", "32"),
    ("CH", "41"),
    ("DE", "49"),
    ("DZ", "213"),
    ("FI", "358"),
    ("FR", "33"),
    ("GB", "44"),
    ("GF", "594"),
    ("GP", "590"),
    ("IE", "353"),
    ("IL", "972"),
    ("IN", "91"),
    ("JP", "81"),
    ("KR", "82"),
    ("MA", "212"),
    ("MQ", "596"),
    ("NL", "31"),
    ("NZ", "64"),
    ("RE", "262"),
    ("RO", "40"),
    ("SA", "966"),
    ("SE", "46"),
    ("TR", "90"),
    ("UA", "380"),
    ("YT", "262"),
    ("ZA", "27"),
];

/// The calling code to read a national phone number of `country` (ISO 3166-1 alpha-2, any
/// case) with, when that country writes national numbers with a trunk `0`
/// ([`TRUNK_ZERO_COUNTRIES`]).
pub fn national_calling_code(country: &str) -> Option<&'static str> {
    TRUNK_ZERO_COUNTRIES
        .iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(country.trim()))
        .map(|&(_, code)| code)
}

/// Normalises a phone number to E.164 (`+33612345678`).
///
/// Spaces, dots, dashes and parentheses are ignored; `00` is read as `+`. A national number
/// (leading `0`, no `+`) is accepted when `default_country_code` is given (e.g. `"33"`): its
/// trunk `0` is dropped. The result has 8 to 15 digits and a country code not starting with 0.
pub fn normalize_phone(
    field: &str,
    raw: &str,
    default_country_code: Option<&str>,
) -> Result<String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
    let bad = |why: String| Error::field(field, "invalid_format", why);
    let mut digits = String::with_capacity(16);
    for (i, c) in trimmed.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => {}
            ' ' | '.' | '-' | '(' | ')' => {}
            _ => {
                return Err(bad(format!(
                    "{field} may only contain digits, spaces, dots, dashes, parentheses and a leading +"
                )));
            }
        }
    }
    let international = if trimmed.starts_with('+') {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_owned()
    } else if let (Some(rest), Some(cc)) = (digits.strip_prefix('0'), default_country_code) {
        format!("{cc}{rest}")
    } else {
        return Err(bad(format!(
            "{field} must be in international form, like +33 6 12 34 56 78 (a national number \
             such as 06 12 34 56 78 is read with the address's country)"
        )));
    };
    if international.starts_with('0') {
        return Err(bad(format!("{field} has a country code starting with 0")));
    }
    if !(8..=15).contains(&international.len()) {
        return Err(bad(format!(
            "{field} must have 8 to 15 digits including the country code"
        )));
    }
    Ok(format!("+{international}"))
}

/// Whether the text contains markup or control characters (DATA-3): `<`, `>` or a control
/// character other than newline and tab.
pub fn contains_markup(text: &str) -> bool {
    text.chars()
        .any(|c| c == '<' || c == '>' || (c.is_control() && c != '\n' && c != '\t'))
}

/// Trims a required single-line text (names) and checks its length (1 to `max` characters)
/// and that it holds no markup or control characters.
pub fn clean_name(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Error::field(
            field,
            "required",
            format!("{field} is required"),
        ));
    }
    if text.chars().count() > max {
        return Err(Error::field(
            field,
            "too_long",
            format!("{field} must be at most {max} characters"),
        ));
    }
    if contains_markup(text) || text.contains('\n') {
        return Err(Error::field(
            field,
            "markup",
            format!("{field} must be plain text on one line, without < > or control characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Trims an optional multi-line text (descriptions) and checks its length and that it holds no
/// markup; empty becomes an empty string.
pub fn clean_text(field: &str, raw: &str, max: usize) -> Result<String> {
    let text = raw.trim();
    if text.chars().count() > max {
        return Err(Error::field(
            field,
            "too_long",
            format!("{field} must be at most {max} characters"),
        ));
    }
    if contains_markup(text) {
        return Err(Error::field(
            field,
            "markup",
            format!("{field} must be plain text without < > or control characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Longest time one reservation may block its resource, buffers included (48 hours). Storage
/// backends rely on it to bound their range scans, whatever the configured limits.
pub const MAX_BLOCKED_MINUTES: u32 = 48 * 60;

/// Longest step between two slot starts, minutes (one day), whatever the configured limits.
pub const MAX_STEP_MINUTES: u32 = 24 * 60;

/// Configurable bounds on services (SVC-1, SVC-2). `docs/data-model.md` lists the defaults
/// in its "Service limits" table, which a test compares with this code.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ServiceLimits {
    /// Shortest duration, minutes (default 5).
    pub min_duration_minutes: u32,
    /// Longest duration, minutes (default 720 = 12 h).
    pub max_duration_minutes: u32,
    /// Durations are multiples of this (default 5).
    pub duration_granularity_minutes: u32,
    /// Lowest price, minor units (default 0).
    pub min_price_minor: i64,
    /// Highest price, minor units (default 100,000,000 = 1,000,000.00).
    pub max_price_minor: i64,
    /// Longest buffer before or after, minutes (default 240).
    pub max_buffer_minutes: u32,
    /// Longest booking horizon, days (default 730).
    pub max_horizon_days: u32,
    /// Most seats of a group slot (default 500).
    pub max_seats: u32,
    /// Longest client cancellation deadline, minutes before the start (default 43,200 =
    /// 30 days). A month is far beyond any real cancellation policy; a larger value, often a
    /// unit mistake, would silently forbid clients to cancel anything booked less than that
    /// far ahead.
    pub max_cancellation_deadline_minutes: u32,
    /// Most reschedules one reservation may have (default 20). Every move adds a record to
    /// the reservation's history and bumps its calendar invitation's sequence; twenty moves
    /// is more than any real appointment needs and keeps both small.
    pub max_reschedules: u32,
}

impl Default for ServiceLimits {
    fn default() -> Self {
        Self {
            min_duration_minutes: 5,
            max_duration_minutes: 12 * 60,
            duration_granularity_minutes: 5,
            min_price_minor: 0,
            max_price_minor: 100_000_000,
            max_buffer_minutes: 240,
            max_horizon_days: 730,
            max_seats: 500,
            max_cancellation_deadline_minutes: 30 * 24 * 60,
            max_reschedules: 20,
        }
    }
}

impl ServiceLimits {
    /// Checks a price against the bounds (SVC-1).
    pub fn check_price(&self, price: &Money, errors: &mut FieldErrors) {
        if price.amount_minor < self.min_price_minor || price.amount_minor > self.max_price_minor {
            errors.add(
                "price.amount_minor",
                "out_of_range",
                format!(
                    "price.amount_minor must be between {} and {} (minor units), got {}",
                    self.min_price_minor, self.max_price_minor, price.amount_minor
                ),
            );
        }
    }

    /// Checks a service's client policy: the cancellation deadline and the number of
    /// reschedules, each at most its bound (`out_of_range` on the field).
    pub fn check_client_policy(
        &self,
        cancellation_deadline_minutes: u32,
        max_reschedules: u32,
        errors: &mut FieldErrors,
    ) {
        if cancellation_deadline_minutes > self.max_cancellation_deadline_minutes {
            errors.add(
                "cancellation_deadline_minutes",
                "out_of_range",
                format!(
                    "cancellation_deadline_minutes must be at most {}, got {cancellation_deadline_minutes}",
                    self.max_cancellation_deadline_minutes
                ),
            );
        }
        if max_reschedules > self.max_reschedules {
            errors.add(
                "max_reschedules",
                "out_of_range",
                format!(
                    "max_reschedules must be at most {}, got {max_reschedules}",
                    self.max_reschedules
                ),
            );
        }
    }

    /// Checks every timing rule of a service (SVC-2, ERR-7).
    pub fn check_rules(&self, rules: &SlotRules, errors: &mut FieldErrors) {
        let d = rules.duration_minutes;
        if d < self.min_duration_minutes || d > self.max_duration_minutes {
            errors.add(
                "rules.duration_minutes",
                "out_of_range",
                format!(
                    "rules.duration_minutes must be between {} and {}, got {d}",
                    self.min_duration_minutes, self.max_duration_minutes
                ),
            );
        } else if self.duration_granularity_minutes > 0
            && !d.is_multiple_of(self.duration_granularity_minutes)
        {
            errors.add(
                "rules.duration_minutes",
                "not_a_multiple",
                format!(
                    "rules.duration_minutes must be a multiple of {}, got {d}",
                    self.duration_granularity_minutes
                ),
            );
        }
        let blocked = d
            .saturating_add(rules.buffer_before_minutes)
            .saturating_add(rules.buffer_after_minutes);
        if blocked > MAX_BLOCKED_MINUTES {
            errors.add(
                "rules.duration_minutes",
                "out_of_range",
                format!(
                    "a reservation with its buffers may last at most {MAX_BLOCKED_MINUTES} minutes, got {blocked}"
                ),
            );
        }
        if rules.step_minutes == 0 || rules.step_minutes > MAX_STEP_MINUTES {
            errors.add(
                "rules.step_minutes",
                "out_of_range",
                format!("rules.step_minutes must be between 1 and {MAX_STEP_MINUTES}"),
            );
        }
        for (name, value) in [
            ("rules.buffer_before_minutes", rules.buffer_before_minutes),
            ("rules.buffer_after_minutes", rules.buffer_after_minutes),
        ] {
            if value > self.max_buffer_minutes {
                errors.add(
                    name,
                    "out_of_range",
                    format!("{name} must be at most {}", self.max_buffer_minutes),
                );
            }
        }
        if rules.horizon_days == 0 || rules.horizon_days > self.max_horizon_days {
            errors.add(
                "rules.horizon_days",
                "out_of_range",
                format!(
                    "rules.horizon_days must be between 1 and {}",
                    self.max_horizon_days
                ),
            );
        }
        if rules.min_notice_minutes > rules.horizon_days.saturating_mul(24 * 60) {
            errors.add(
                "rules.min_notice_minutes",
                "out_of_range",
                "rules.min_notice_minutes must be shorter than the booking horizon",
            );
        }
        if rules.seats == 0 || rules.seats > self.max_seats {
            errors.add(
                "rules.seats",
                "out_of_range",
                format!("rules.seats must be between 1 and {}", self.max_seats),
            );
        }
    }
}

#[cfg(test)]
mod tests;
