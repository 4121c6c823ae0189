use rdv_core::imports::{ImportKind, ImportRows};
use rdv_core::model::Zone;

use super::{Format, parse};

fn paris() -> Zone {
    Zone::parse("Europe/Paris").unwrap()
}

fn problems(parsed: &super::Parsed) -> Vec<(usize, &str, &str)> {
    parsed
        .problems
        .iter()
        .map(|p| (p.row, p.field.as_str(), p.code.as_str()))
        .collect()
}

#[test]
fn a_semicolon_csv_with_a_bom_and_quoted_cells_is_read_as_a_spreadsheet_writes_it() {
    let file = "\u{feff}Name;Duration_minutes;price_minor;currency;resources;tags;description\r\n\
                Coupe;30;2500;eur;Alice|Bob;a|b;\"Court; puis \"\"brushing\"\"\n2 lignes\"\r\n\
                \r\n";
    let parsed = parse(
        ImportKind::Services,
        Format::Csv,
        file.as_bytes(),
        paris(),
        10,
    );
    assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
    let ImportRows::Services(rows) = parsed.rows else {
        panic!("services")
    };
    assert_eq!(parsed.count, 1);
    let (row, s) = &rows[0];
    assert_eq!(*row, 2);
    assert_eq!(s.name, "Coupe");
    assert_eq!(s.price.amount_minor, 2500);
    assert_eq!(s.price.currency.as_str(), "EUR");
    assert_eq!(s.resources, ["Alice", "Bob"]);
    assert_eq!(s.tags, ["a", "b"]);
    assert_eq!(s.description, "Court; puis \"brushing\"\n2 lignes");
    assert_eq!(
        (
            s.rules.duration_minutes,
            s.rules.step_minutes,
            s.rules.seats
        ),
        (30, 30, 1)
    );
}

#[test]
fn a_cell_an_export_kept_from_being_a_formula_comes_back_as_written() {
    let file = "name,kind\n'=Salle,room\n'Quote,staff\n";
    let parsed = parse(
        ImportKind::Resources,
        Format::Csv,
        file.as_bytes(),
        paris(),
        10,
    );
    let ImportRows::Resources(rows) = parsed.rows else {
        panic!("resources")
    };
    assert_eq!(rows[0].1.name, "=Salle");
    assert_eq!(rows[1].1.name, "'Quote");
}

#[test]
fn unknown_and_missing_columns_are_reported_on_the_header_row() {
    let file = "resource,start,ends,id\nAlice,2027-01-04T09:00,2027-01-04T12:00,x\n";
    let parsed = parse(
        ImportKind::Availabilities,
        Format::Csv,
        file.as_bytes(),
        paris(),
        10,
    );
    assert_eq!(
        problems(&parsed),
        [(1, "ends", "unknown_column"), (1, "end", "required")]
    );
    assert!(parsed.rows.is_empty());
}

#[test]
fn bad_cells_are_reported_by_row_and_column_and_the_other_rows_still_read() {
    let file = b"name,duration_minutes,price_minor,currency,resources\n\
                 Coupe,thirty,25.00,EURO,\n\
                 Barbe,20,1500,EUR,Alice\n\
                 Soin,20\n\
                 \xff,20,1500,EUR,Alice\n";
    let parsed = parse(ImportKind::Services, Format::Csv, file, paris(), 10);
    assert_eq!(
        problems(&parsed),
        [
            (2, "duration_minutes", "invalid_format"),
            (2, "price_minor", "invalid_format"),
            (2, "currency", "invalid_format"),
            (2, "resources", "required"),
            (4, "", "malformed"),
            (5, "name", "invalid_encoding"),
        ]
    );
    let ImportRows::Services(rows) = parsed.rows else {
        panic!("services")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, 3);
}

#[test]
fn a_json_array_is_read_item_by_item_with_lists_and_numbers() {
    let file = r#"[
        {"resource": "Alice", "start": "2027-01-04 09:00", "end": "2027-01-04T17:00",
         "rrule": "FREQ=WEEKLY;BYDAY=MO", "exdates": ["2027-01-11T09:00"]},
        {"resource": "Bob", "start": "2027-01-04T09:00"},
        {"resource": "Bob", "start": "2027-01-04T09:00", "end": "2027-01-04T10:00", "colour": "red"},
        7
    ]"#;
    let parsed = parse(
        ImportKind::Availabilities,
        Format::Json,
        file.as_bytes(),
        paris(),
        10,
    );
    assert_eq!(
        problems(&parsed),
        [
            (2, "end", "required"),
            (3, "colour", "unknown_column"),
            (4, "", "malformed")
        ]
    );
    let ImportRows::Availabilities(rows) = parsed.rows else {
        panic!("windows")
    };
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1.exdates.len(), 1);
    assert_eq!(rows[0].1.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=MO"));
}

#[test]
fn closures_of_days_and_of_a_local_period() {
    let file = "kind,first_day,last_day,start,end,reason\n\
                days,2027-12-24,2027-12-26,,,Noël\n\
                period,,,2027-07-01T12:00,2027-07-01T16:00,Formation\n\
                days,2027-12-26,2027-12-24,,,\n\
                week,,,,,\n";
    let parsed = parse(
        ImportKind::Closures,
        Format::Csv,
        file.as_bytes(),
        paris(),
        10,
    );
    assert_eq!(
        problems(&parsed),
        [
            (4, "last_day", "out_of_range"),
            (5, "kind", "invalid_value")
        ]
    );
    let ImportRows::Closures(rows) = parsed.rows else {
        panic!("closures")
    };
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].1.reason.as_deref(), Some("Noël"));
    let rdv_core::hours::ClosureKind::Period { interval } = &rows[1].1.kind else {
        panic!("period")
    };
    assert_eq!(interval.start().to_string(), "2027-07-01T10:00:00Z");
}

#[test]
fn too_many_rows_and_empty_files_are_problems_of_the_whole_file() {
    let file = "name\na\nb\nc\n";
    let parsed = parse(
        ImportKind::Resources,
        Format::Csv,
        file.as_bytes(),
        paris(),
        2,
    );
    assert_eq!(problems(&parsed), [(0, "", "too_many_rows")]);
    let parsed = parse(ImportKind::Resources, Format::Csv, b"name\n", paris(), 2);
    assert_eq!(problems(&parsed), [(0, "", "empty_file")]);
    let parsed = parse(
        ImportKind::Resources,
        Format::Json,
        b"{\"name\": 1}",
        paris(),
        2,
    );
    assert_eq!(problems(&parsed), [(0, "", "malformed")]);
}

#[test]
fn the_format_comes_from_the_content_type_or_the_file_name() {
    assert_eq!(Format::of("text/csv; charset=utf-8"), Some(Format::Csv));
    assert_eq!(Format::of("Application/JSON"), Some(Format::Json));
    assert_eq!(Format::of("exports/services.CSV"), Some(Format::Csv));
    assert_eq!(Format::of("application/xml"), None);
}

#[test]
fn a_million_rows_stop_at_the_limit() {
    let file = format!("name\n{}", "a\n".repeat(1_000_000));
    let parsed = parse(
        ImportKind::Resources,
        Format::Csv,
        file.as_bytes(),
        paris(),
        10_000,
    );
    assert_eq!(problems(&parsed), [(0, "", "too_many_rows")]);
    assert!(parsed.rows.is_empty());
}
