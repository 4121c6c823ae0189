//! Imports (issue 18 item 5, ADV-3) over HTTP on both backends: a CSV or JSON file of each
//! kind through the core's rules, a per-row report before anything is written, all or
//! nothing, dry runs, and the limits on size, rows and formats.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Resp, Srv};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn upload(
    srv: &Srv,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: &str,
) -> Resp {
    upload_bytes(srv, path, token, content_type, body.as_bytes().to_vec()).await
}

async fn upload_bytes(
    srv: &Srv,
    path: &str,
    token: Option<&str>,
    content_type: &str,
    body: Vec<u8>,
) -> Resp {
    let mut req = srv
        .http
        .post(format!("{}{path}", srv.base))
        .header("content-type", content_type)
        .body(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    Srv::finish(req).await
}

/// `(row, field, code)` of each problem of a refused import.
fn problems(r: &Resp) -> Vec<(u64, String, String)> {
    r.body["problems"]
        .as_array()
        .unwrap_or(&Vec::new())
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["field"].as_str().unwrap().to_owned(),
                p["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn triples(items: &[(u64, &str, &str)]) -> Vec<(u64, String, String)> {
    items
        .iter()
        .map(|(r, f, c)| (*r, (*f).to_owned(), (*c).to_owned()))
        .collect()
}

/// The first day of next month's first full week, `YYYY-MM-DD` (a Monday), local.
fn next_month_monday() -> chrono::NaiveDate {
    use chrono::Datelike as _;
    let mut d = chrono::Utc::now().date_naive() + chrono::Duration::days(35);
    while d.weekday() != chrono::Weekday::Mon {
        d += chrono::Duration::days(1);
    }
    d
}

async fn every_kind_is_imported_and_shows_in_the_api(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();

    let resources = "name,kind\nBob,staff\nSalle 1,room\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/ressources/",
        t,
        "text/csv",
        resources,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (
            r.body["kind"].clone(),
            r.body["rows"].clone(),
            r.body["created"].clone()
        ),
        (json!("resources"), json!(2), json!(2))
    );
    let listed = srv.get("/api/entreprise/ressources/", t).await;
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .or(listed.body.as_array())
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice", "Bob", "Salle 1"], "{listed:?}");

    // Semicolons and a price in cents, resources by name, as a French spreadsheet saves it.
    let services = "\u{feff}name;duration_minutes;price_minor;currency;resources;tags;seats\n\
                    Barbe;20;1500;EUR;alice|BOB;homme|rapide;1\n\
                    Cours collectif;60;1000;EUR;Salle 1;;8\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/services/",
        t,
        "text/csv; charset=utf-8",
        services,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["created"], 2);
    let barbe_id = r.body["ids"][0].as_str().unwrap().to_owned();
    let barbe = srv
        .get(&format!("/api/entreprise/services/{barbe_id}/"), t)
        .await;
    assert_eq!(barbe.status, StatusCode::OK, "{barbe:?}");
    assert_eq!(barbe.body["name"], "Barbe");
    assert_eq!(barbe.body["tags"], json!(["homme", "rapide"]));
    assert_eq!(
        barbe.body["price"],
        json!({"amount_minor": 1500, "currency": "EUR"})
    );
    assert_eq!(barbe.body["resource_ids"].as_array().unwrap().len(), 2);

    // Windows in Paris time: one-off and weekly; JSON this time.
    let monday = next_month_monday();
    let windows = json!([
        {"resource": "Bob", "start": format!("{monday}T09:00"), "end": format!("{monday}T12:00")},
        {"resource": "Salle 1", "start": format!("{monday}T14:00"), "end": format!("{monday}T18:00"),
         "rrule": "FREQ=WEEKLY;COUNT=4", "exdates": [format!("{}T14:00", monday + chrono::Duration::days(7))]}
    ]);
    let r = upload(
        &srv,
        "/api/entreprise/imports/disponibilites/",
        t,
        "application/json",
        &windows.to_string(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (r.body["rows"].clone(), r.body["created"].clone()),
        (json!(2), json!(4))
    );
    let bob_window = r.body["ids"][0].as_str().unwrap();
    let w = srv
        .get(&format!("/api/entreprise/disponibilites/{bob_window}/"), t)
        .await;
    let expected = chrono::TimeZone::from_local_datetime(
        &chrono_tz::Europe::Paris,
        &monday.and_hms_opt(9, 0, 0).unwrap(),
    )
    .unwrap()
    .with_timezone(&chrono::Utc)
    .format("%Y-%m-%dT%H:%M:%SZ")
    .to_string();
    assert_eq!(w.body["interval"]["start"], expected, "{w:?}");

    let closures = "kind,first_day,last_day,start,end,reason\n\
                    days,2027-12-24,2027-12-26,,,Noël\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/fermetures/",
        t,
        "text/csv",
        closures,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let profile = srv.get("/api/entreprise/mon-entreprise/", t).await;
    assert_eq!(
        profile.body["closures"],
        json!([{"kind": "days", "first_day": "2027-12-24", "last_day": "2027-12-26", "reason": "Noël"}])
    );

    // The same files again create nothing twice.
    let r = upload(
        &srv,
        "/api/entreprise/imports/services/",
        t,
        "text/csv",
        services,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "IMPORT_REJECTED")
    );
    assert_eq!(
        problems(&r),
        triples(&[(2, "name", "already_exists"), (3, "name", "already_exists")])
    );
    let r = upload(
        &srv,
        "/api/entreprise/imports/fermetures/",
        t,
        "text/csv",
        closures,
    )
    .await;
    assert_eq!(problems(&r), triples(&[(2, "", "already_exists")]));
}

async fn a_file_with_problems_is_refused_by_row_and_nothing_is_written(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();
    let day = &owner.day; // Alice is available 08:00-18:00 UTC that day (09:00 or 10:00 in Paris)
    let monday = next_month_monday();
    let file = format!(
        "resource,start,end,rrule\n\
         Alice,{monday}T09:00,{monday}T12:00,\n\
         Alice,{monday}T11:00,{monday}T13:00,\n\
         Alice,{day}T12:00,{day}T13:00,\n\
         Carole,{monday}T09:00,{monday}T12:00,\n\
         Alice,{monday} 9h,{monday}T12:00,\n\
         Alice,{monday}T09:00,{monday}T17:00,FREQ=SOMETIMES\n"
    );
    let r = upload(
        &srv,
        "/api/entreprise/imports/disponibilites/",
        t,
        "text/csv",
        &file,
    )
    .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "IMPORT_REJECTED"),
        "{r:?}"
    );
    assert_eq!(
        problems(&r),
        triples(&[
            (3, "start", "AVAILABILITY_OVERLAP"),
            (4, "start", "AVAILABILITY_OVERLAP"),
            (5, "resource", "not_found"),
            (6, "start", "invalid_format"),
            (7, "rrule", "INVALID_RECURRENCE"),
        ])
    );
    assert_eq!(
        r.body["detail"],
        "5 problem(s) in 5 row(s): nothing was imported"
    );
    let from = format!("{monday}T00:00:00Z");
    let listed = srv
        .get(&format!("/api/entreprise/disponibilites/?from={from}"), t)
        .await;
    assert_eq!(listed.body["items"], json!([]), "{listed:?}");

    // Hostile files: Latin-1 bytes, a rule without bound that would never end, formulas.
    let latin1 = b"name,kind\nNo\xebl,room\n".to_vec();
    let r = upload_bytes(
        &srv,
        "/api/entreprise/imports/ressources/",
        t,
        "text/csv",
        latin1,
    )
    .await;
    assert_eq!(problems(&r), triples(&[(2, "name", "invalid_encoding")]));
    // A rule without COUNT or UNTIL is generated up to a year ahead, no further.
    let file =
        format!("resource,start,end,rrule\nAlice,{monday}T09:00,{monday}T09:30,FREQ=DAILY\n");
    let path = "/api/entreprise/imports/disponibilites/?dry_run=true";
    let r = upload(&srv, path, t, "text/csv", &file).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let horizon = chrono::Utc::now() + chrono::Duration::days(366);
    let expected = (0..400)
        .map(|d| monday + chrono::Duration::days(d))
        .filter(|d| {
            let nine = d.and_hms_opt(9, 0, 0).unwrap();
            chrono::TimeZone::from_local_datetime(&chrono_tz::Europe::Paris, &nine).unwrap()
                < horizon
        })
        .count();
    assert_eq!(r.body["objects"], expected, "{r:?}");
    let r = upload(
        &srv,
        "/api/entreprise/imports/ressources/",
        t,
        "text/csv",
        "name\n=HYPERLINK(\"http://x\")\n",
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let listed = srv.get("/api/entreprise/ressources/", t).await;
    assert!(
        listed.text.contains("=HYPERLINK"),
        "kept as text, as written: {listed:?}"
    );

    // A dry run of a right file answers its report and writes nothing.
    let file = format!("resource,start,end\nAlice,{monday}T09:00,{monday}T12:00\n");
    let r = upload(
        &srv,
        "/api/entreprise/imports/disponibilites/?dry_run=true",
        t,
        "text/csv",
        &file,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (
            r.body["dry_run"].clone(),
            r.body["objects"].clone(),
            r.body["created"].clone(),
            r.body["ids"].clone()
        ),
        (json!(true), json!(1), json!(0), json!([]))
    );
    let listed = srv
        .get(&format!("/api/entreprise/disponibilites/?from={from}"), t)
        .await;
    assert_eq!(listed.body["items"], json!([]));
}

async fn sizes_rows_formats_and_roles_are_checked(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();
    let path = "/api/entreprise/imports/ressources/";
    let big = format!("name\n{}", "Quelqu'un\n".repeat(120)); // 1,205 bytes, over the limit
    let r = upload(&srv, path, t, "text/csv", &big).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE"),
        "{r:?}"
    );
    let r = upload(&srv, path, t, "text/csv", "name\na\nb\nc\nd\n").await;
    assert_eq!(problems(&r), triples(&[(0, "", "too_many_rows")]));
    let r = upload(&srv, path, t, "text/plain", "name\na\n").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE")
    );
    let r = upload(&srv, path, t, "application/json", "{\"name\": \"a\"}").await;
    assert_eq!(problems(&r), triples(&[(0, "", "malformed")]));
    let r = upload(&srv, path, t, "text/csv", "name,colour\na,red\n").await;
    assert_eq!(problems(&r), triples(&[(1, "colour", "unknown_column")]));
    let client = srv.client("client@example.com").await;
    let r = upload(&srv, path, Some(&client), "text/csv", "name\na\n").await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    let listed: Value = srv.get("/api/entreprise/ressources/", t).await.body;
    assert_eq!(
        listed
            .as_array()
            .or(listed["items"].as_array())
            .unwrap()
            .len(),
        1
    );
}

fn small_limits(c: &mut rdv_server::config::Config) {
    c.import_max_bytes = 1_000;
    c.import_max_rows = 3;
}

/// The clients export read back: `(email, origin)` by row, and the phones by email.
async fn client_file(srv: &Srv, t: Option<&str>) -> Vec<(String, String, String)> {
    let r = srv.get("/api/entreprise/exports/clients/", t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut reader = csv::Reader::from_reader(r.text.as_bytes());
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    reader
        .records()
        .map(|row| {
            let row = row.unwrap();
            (
                row[at("email")].to_owned(),
                row[at("phone")].to_owned(),
                row[at("origin")].to_owned(),
            )
        })
        .collect()
}

async fn clients_join_the_client_file_once(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();
    // Someone who booked is a client already.
    let booked = srv.client("client@example.com").await;
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&booked),
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    // A French spreadsheet's client list: national phones, the booked client again, a typo.
    let file = "pr\u{e9}nom;nom;email\nL\u{e9}a;Martin;lea@example.com\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/clients/",
        t,
        "text/csv",
        file,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let found = problems(&r);
    for expected in triples(&[
        (1, "pr\u{e9}nom", "unknown_column"),
        (1, "first_name", "required"),
        (1, "last_name", "required"),
    ]) {
        assert!(found.contains(&expected), "{expected:?} in {r:?}");
    }
    let file = "first_name;last_name;email;phone\n\
                L\u{e9}a;Martin;lea@example.com;06 12 34 56 78\n\
                Jeanne;Dupont;CLIENT@example.com;\n\
                Marc;Petit;marc@;\n\
                Zo\u{e9};Bernard;lea@EXAMPLE.com;\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/clients/",
        t,
        "text/csv",
        file,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(
        problems(&r),
        triples(&[
            (3, "email", "already_exists"),
            (4, "email", "invalid_format"),
            (5, "email", "already_exists"),
        ]),
        "{r:?}"
    );
    assert_eq!(client_file(&srv, t).await.len(), 1, "nothing was imported");

    let file = "first_name;last_name;email;phone\n\
                L\u{e9}a;Martin;lea@example.com;06 12 34 56 78\n\
                Marc;Petit;marc@example.com;\n";
    let r = upload(
        &srv,
        "/api/entreprise/imports/clients/?dry_run=true",
        t,
        "text/csv",
        file,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        client_file(&srv, t).await.len(),
        1,
        "a dry run writes nothing"
    );
    let r = upload(
        &srv,
        "/api/entreprise/imports/clients/",
        t,
        "text/csv",
        file,
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (r.body["kind"].clone(), r.body["created"].clone()),
        (json!("clients"), json!(2))
    );
    assert_eq!(
        client_file(&srv, t).await,
        [
            (
                "client@example.com".into(),
                "'+33612345678".into(),
                "account".into()
            ),
            (
                "lea@example.com".into(),
                "'+33612345678".into(),
                "imported".into()
            ),
            ("marc@example.com".into(), String::new(), "imported".into()),
        ]
    );
    // The same file again adds nobody.
    let r = upload(
        &srv,
        "/api/entreprise/imports/clients/",
        t,
        "text/csv",
        file,
    )
    .await;
    assert_eq!(
        problems(&r),
        triples(&[
            (2, "email", "already_exists"),
            (3, "email", "already_exists")
        ])
    );
    // Another business's file is its own.
    let other = srv.owner("other@example.com").await;
    assert_eq!(client_file(&srv, other.t()).await, []);
}

server_tests!(
    every_kind_is_imported_and_shows_in_the_api,
    clients_join_the_client_file_once,
    a_file_with_problems_is_refused_by_row_and_nothing_is_written,
);

mod limits {
    use super::*;
    server_tests!(config = super::small_limits; sizes_rows_formats_and_roles_are_checked);
}
