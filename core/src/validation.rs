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
            "{field} must be in international form, like +33 6 12 34 56 78"
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
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::model::Currency;

    /// The `field:code` pairs of a client policy's refusal; empty when it is accepted.
    fn policy_errors(limits: &ServiceLimits, deadline: u32, reschedules: u32) -> Vec<String> {
        let mut errors = FieldErrors::new();
        limits.check_client_policy(deadline, reschedules, &mut errors);
        errors.finish(()).map_or_else(
            |e| {
                e.field_errors()
                    .iter()
                    .map(|f| format!("{}:{}", f.field, f.code))
                    .collect()
            },
            |()| Vec::new(),
        )
    }

    #[test]
    fn the_client_policy_is_bounded_by_30_days_and_20_reschedules() {
        let limits = ServiceLimits::default();
        assert_eq!(limits.max_cancellation_deadline_minutes, 43_200);
        assert_eq!(limits.max_reschedules, 20);
        assert!(policy_errors(&limits, 0, 0).is_empty());
        assert!(policy_errors(&limits, 43_200, 20).is_empty());
        assert_eq!(
            policy_errors(&limits, 43_201, 20),
            ["cancellation_deadline_minutes:out_of_range"]
        );
        assert_eq!(
            policy_errors(&limits, 43_200, 21),
            ["max_reschedules:out_of_range"]
        );
        assert_eq!(
            policy_errors(&limits, u32::MAX, u32::MAX),
            [
                "cancellation_deadline_minutes:out_of_range",
                "max_reschedules:out_of_range"
            ]
        );
    }

    /// One row of the limits table in `docs/data-model.md`: the first cell without its
    /// backticks, the minimum and the maximum (`—` is none), the unit cell.
    struct Documented {
        field: String,
        min: Option<i64>,
        max: Option<i64>,
        unit: String,
    }

    /// The rows of the "Service limits" table of `docs/data-model.md`.
    fn documented_limits() -> Vec<Documented> {
        let doc = include_str!("../../docs/data-model.md");
        let section = doc
            .split("\n## Service limits\n")
            .nth(1)
            .expect("docs/data-model.md has a Service limits section");
        let number = |cell: &str| -> Option<i64> {
            (cell != "—").then(|| {
                cell.replace(',', "")
                    .parse()
                    .unwrap_or_else(|_| panic!("{cell:?} is neither a number nor —"))
            })
        };
        section
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .skip(2) // the header and its rule
            .map(|line| {
                let cells: Vec<&str> = line.trim_matches('|').split('|').map(str::trim).collect();
                assert_eq!(cells.len(), 5, "{line}");
                Documented {
                    field: cells[0].trim_matches('`').to_owned(),
                    min: number(cells[1]),
                    max: number(cells[2]),
                    unit: cells[3].to_owned(),
                }
            })
            .collect()
    }

    /// The codes a valid service gets on `field` once `field` is set to `value`.
    fn codes_on(limits: &ServiceLimits, field: &str, value: i64) -> Vec<String> {
        let mut rules = SlotRules::simple(30);
        let mut price = Money::new(2500, Currency::parse("EUR").unwrap());
        let (mut deadline, mut reschedules) = (0, 0);
        let small = u32::try_from(value).unwrap_or(u32::MAX);
        match field {
            "rules.duration_minutes" => {
                rules.duration_minutes = small;
                rules.step_minutes = 5;
            }
            "rules.step_minutes" => rules.step_minutes = small,
            "rules.buffer_before_minutes" => rules.buffer_before_minutes = small,
            "rules.buffer_after_minutes" => rules.buffer_after_minutes = small,
            "rules.horizon_days" => rules.horizon_days = small,
            "rules.seats" => rules.seats = small,
            "price.amount_minor" => price.amount_minor = value,
            "cancellation_deadline_minutes" => deadline = small,
            "max_reschedules" => reschedules = small,
            other => panic!("the test does not know the documented field {other}"),
        }
        let mut errors = FieldErrors::new();
        limits.check_price(&price, &mut errors);
        limits.check_rules(&rules, &mut errors);
        limits.check_client_policy(deadline, reschedules, &mut errors);
        errors.finish(()).map_or_else(
            |e| {
                e.field_errors()
                    .iter()
                    .map(|f| format!("{}:{}", f.field, f.code))
                    .collect()
            },
            |()| Vec::new(),
        )
    }

    #[test]
    fn the_documented_service_limits_are_the_code_s() {
        let limits = ServiceLimits::default();
        let documented = documented_limits();
        let bounds: Vec<(&str, Option<i64>, Option<i64>)> = documented
            .iter()
            .map(|d| (d.field.as_str(), d.min, d.max))
            .collect();
        let l = |v: u32| Some(i64::from(v));
        assert_eq!(
            bounds,
            [
                (
                    "rules.duration_minutes",
                    l(limits.min_duration_minutes),
                    l(limits.max_duration_minutes)
                ),
                ("rules.step_minutes", l(1), l(MAX_STEP_MINUTES)),
                (
                    "rules.buffer_before_minutes",
                    l(0),
                    l(limits.max_buffer_minutes)
                ),
                (
                    "rules.buffer_after_minutes",
                    l(0),
                    l(limits.max_buffer_minutes)
                ),
                ("duration with both buffers", None, l(MAX_BLOCKED_MINUTES)),
                ("rules.horizon_days", l(1), l(limits.max_horizon_days)),
                ("rules.seats", l(1), l(limits.max_seats)),
                (
                    "price.amount_minor",
                    Some(limits.min_price_minor),
                    Some(limits.max_price_minor)
                ),
                (
                    "cancellation_deadline_minutes",
                    l(0),
                    l(limits.max_cancellation_deadline_minutes)
                ),
                ("max_reschedules", l(0), l(limits.max_reschedules)),
            ]
        );
        let granularity = format!("a multiple of {}", limits.duration_granularity_minutes);
        assert!(
            documented[0].unit.contains(&granularity),
            "{}",
            documented[0].unit
        );
        // And the code really accepts each documented bound and refuses one past it.
        for d in documented.iter().filter(|d| !d.field.contains(' ')) {
            let (Some(min), Some(max)) = (d.min, d.max) else {
                panic!("{} has both bounds", d.field);
            };
            let refused = vec![format!("{}:out_of_range", d.field)];
            assert_eq!(
                codes_on(&limits, &d.field, min),
                Vec::<String>::new(),
                "{} at {min}",
                d.field
            );
            assert_eq!(
                codes_on(&limits, &d.field, max),
                Vec::<String>::new(),
                "{} at {max}",
                d.field
            );
            assert_eq!(
                codes_on(&limits, &d.field, max + 1),
                refused,
                "{} at {}",
                d.field,
                max + 1
            );
            // Below zero is only reachable for the price; the others are unsigned.
            if min > 0 || d.field == "price.amount_minor" {
                assert_eq!(
                    codes_on(&limits, &d.field, min - 1),
                    refused,
                    "{} at {}",
                    d.field,
                    min - 1
                );
            }
        }
    }

    proptest! {
        /// Invariant: a client policy passes exactly when both values are at most their
        /// bounds, and each value past its bound is reported on its own field.
        #[test]
        fn a_client_policy_passes_exactly_within_its_bounds(
            deadline in 0u32..90_000,
            reschedules in 0u32..50,
            max_deadline in 0u32..60_000,
            max_reschedules in 0u32..30,
        ) {
            let limits = ServiceLimits {
                max_cancellation_deadline_minutes: max_deadline,
                max_reschedules,
                ..ServiceLimits::default()
            };
            let mut expected = Vec::new();
            if deadline > max_deadline {
                expected.push("cancellation_deadline_minutes:out_of_range".to_owned());
            }
            if reschedules > max_reschedules {
                expected.push("max_reschedules:out_of_range".to_owned());
            }
            prop_assert_eq!(policy_errors(&limits, deadline, reschedules), expected);
        }
    }

    #[test]
    fn emails_are_trimmed_and_their_domain_lowercased() {
        assert_eq!(
            normalize_email("email", "  Jeanne.Dupont@Example.FR ").unwrap(),
            "Jeanne.Dupont@example.fr"
        );
        assert_eq!(
            normalize_email("email", "a+tag@sub.example.com").unwrap(),
            "a+tag@sub.example.com"
        );
    }

    #[test]
    fn malformed_emails_are_refused_with_a_reason() {
        for (raw, code) in [
            ("", "required"),
            ("no-at.example.com", "invalid_format"),
            ("a@b@c.com", "invalid_format"),
            ("a@localhost", "invalid_format"),
            ("a b@example.com", "invalid_format"),
            (".a@example.com", "invalid_format"),
            ("a@-example.com", "invalid_format"),
            ("a@example.c0m", "invalid_format"),
            ("a@exa_mple.com", "invalid_format"),
        ] {
            let err = normalize_email("email", raw).unwrap_err();
            assert_eq!(err.field_errors()[0].code, code, "{raw:?}");
            assert_eq!(err.field_errors()[0].field, "email");
        }
        let long = format!("{}@example.com", "a".repeat(65));
        assert!(normalize_email("email", &long).is_err());
    }

    #[test]
    fn emails_are_masked_for_the_public() {
        assert_eq!(mask_email("jeanne@example.com"), "j***@example.com");
        assert_eq!(mask_email("broken"), "***");
    }

    #[test]
    fn phones_become_e164() {
        assert_eq!(
            normalize_phone("phone", "+33 6 12 34 56 78", None).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalize_phone("phone", "0033 (6) 12.34.56.78", None).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalize_phone("phone", "06 12 34 56 78", Some("33")).unwrap(),
            "+33612345678"
        );
        assert_eq!(
            normalize_phone("phone", "+1 (212) 555-0100", None).unwrap(),
            "+12125550100"
        );
    }

    #[test]
    fn malformed_phones_are_refused() {
        for raw in [
            "06 12 34 56 78",
            "+33 6 12 ab",
            "+0 123456789",
            "+331234",
            "+1234567890123456",
            "6+12345678",
        ] {
            let err = normalize_phone("phone", raw, None).unwrap_err();
            assert_eq!(err.field_errors()[0].code, "invalid_format", "{raw:?}");
        }
        assert_eq!(
            normalize_phone("phone", " ", None)
                .unwrap_err()
                .field_errors()[0]
                .code,
            "required"
        );
    }

    #[test]
    fn names_are_trimmed_bounded_and_plain() {
        assert_eq!(clean_name("first_name", "  Élodie ", 50).unwrap(), "Élodie");
        assert_eq!(
            clean_name("first_name", "", 50).unwrap_err().field_errors()[0].code,
            "required"
        );
        assert_eq!(
            clean_name("first_name", &"é".repeat(51), 50)
                .unwrap_err()
                .field_errors()[0]
                .code,
            "too_long"
        );
        assert_eq!(
            clean_name("last_name", "<script>x</script>", 50)
                .unwrap_err()
                .field_errors()[0]
                .code,
            "markup"
        );
        assert!(clean_text("description", "line one\nline two", 100).is_ok());
        assert!(clean_text("description", "<b>bold</b>", 100).is_err());
    }

    #[test]
    fn default_service_limits_are_5_minutes_to_12_hours_and_0_to_a_million() {
        let limits = ServiceLimits::default();
        let eur = Currency::parse("EUR").unwrap();
        let check = |duration: u32, price: i64| {
            let mut errors = FieldErrors::new();
            let mut rules = SlotRules::simple(duration);
            rules.step_minutes = 5;
            limits.check_rules(&rules, &mut errors);
            limits.check_price(&Money::new(price, eur), &mut errors);
            errors.finish(()).map_err(|e| {
                e.field_errors()
                    .iter()
                    .map(|f| format!("{}:{}", f.field, f.code))
                    .collect::<Vec<_>>()
            })
        };
        assert!(check(5, 0).is_ok());
        assert!(check(720, 100_000_000).is_ok());
        assert_eq!(
            check(0, 0).unwrap_err(),
            ["rules.duration_minutes:out_of_range"]
        );
        assert_eq!(
            check(725, 0).unwrap_err(),
            ["rules.duration_minutes:out_of_range"]
        );
        assert_eq!(
            check(32, 0).unwrap_err(),
            ["rules.duration_minutes:not_a_multiple"]
        );
        assert_eq!(
            check(30, -1).unwrap_err(),
            ["price.amount_minor:out_of_range"]
        );
        assert_eq!(
            check(3, 100_000_001).unwrap_err(),
            [
                "rules.duration_minutes:out_of_range",
                "price.amount_minor:out_of_range"
            ]
        );
    }
}
