//! Tests of the validation rules and of the documented service limits.

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
    let doc = include_str!("../../../docs/data-model.md");
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

#[test]
fn national_phones_are_read_with_the_address_country() {
    assert_eq!(national_calling_code("FR"), Some("33"));
    assert_eq!(national_calling_code(" fr "), Some("33"));
    assert_eq!(national_calling_code("GB"), Some("44"));
    assert_eq!(national_calling_code("IT"), None, "Italy keeps its 0");
    assert_eq!(national_calling_code("US"), None);
    let codes: Vec<&str> = TRUNK_ZERO_COUNTRIES.iter().map(|(c, _)| *c).collect();
    let mut sorted = codes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(codes, sorted, "sorted, each country once");
    let profile = |country: &str| crate::usecases::ClientProfileInput {
        email: "jeanne@example.com".into(),
        first_name: "Jeanne".into(),
        last_name: "Dupont".into(),
        phone: Some("06 12 34 56 78".into()),
        address: Some(crate::model::Address {
            street: "12 rue de la République".into(),
            postal_code: "69002".into(),
            city: "Lyon".into(),
            country: country.into(),
        }),
    };
    let id = crate::model::ClientId::from_uuid(uuid::Uuid::from_u128(1));
    assert_eq!(
        profile("FR").validate(id).unwrap().phone.as_deref(),
        Some("+33612345678")
    );
    let err = profile("ES").validate(id).unwrap_err();
    assert_eq!(err.field_errors()[0].field, "phone");
    assert_eq!(err.field_errors()[0].code, "invalid_format");
    let mut no_address = profile("FR");
    no_address.address = None;
    assert_eq!(
        no_address.validate(id).unwrap_err().field_errors()[0].code,
        "invalid_format"
    );
}
