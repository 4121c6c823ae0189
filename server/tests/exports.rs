//! CSV exports (issue 18 item 3, ADV-2) over HTTP on both backends, read back with Python's
//! `csv` module: the reservations with the list's filters (streamed across pages), the
//! clients and the services; RFC 4180 quoting, the optional byte order mark, formula cells
//! neutralised.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::process::Command;

use common::Srv;
use rdv_core::ports::ReservationStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The rows of a CSV file as Python's `csv` module reads it (UTF-8, a byte order mark
/// dropped); whether the file started with one.
fn python_rows(bytes: &[u8]) -> (Vec<Vec<String>>, bool) {
    let dir = common::environment::temp_dir("rdv-export-");
    let path = dir.path().join("export.csv");
    std::fs::write(&path, bytes).unwrap();
    let script = "import csv, json, sys\n\
        raw = open(sys.argv[1], 'rb').read()\n\
        text = open(sys.argv[1], encoding='utf-8-sig', newline='').read()\n\
        rows = list(csv.reader(text.splitlines(keepends=True), strict=True))\n\
        print(json.dumps({'bom': raw.startswith(b'\\xef\\xbb\\xbf'), 'rows': rows}))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed: Value = serde_json::from_slice(&out.stdout).unwrap();
    (
        serde_json::from_value(parsed["rows"].clone()).unwrap(),
        parsed["bom"].as_bool().unwrap(),
    )
}

async fn download(
    srv: &Srv,
    path: &str,
    token: Option<&str>,
) -> (reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = srv.http.get(format!("{}{path}", srv.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let r = req.send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    let headers = r.headers().clone();
    (headers, r.bytes().await.unwrap().to_vec())
}

async fn exports_read_back_exactly_with_formulas_neutralised(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("client@example.com").await;
    // A hostile but valid profile: a formula, a comma, quotes and an accent.
    let r = srv
        .put(
            "/api/client/mon-profil/",
            Some(&client),
            json!({"email": "client@example.com", "first_name": "=HYPERLINK(\"http://x\")",
                   "last_name": "Dupont, \"Jr\" Éléonore", "phone": "+33 6 12 34 56 78"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut ids = Vec::new();
    for hhmm in ["10:00", "10:30", "11:00"] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(&client),
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let r = srv
        .delete(
            &format!("/api/client/reservations/{}/", ids[2]),
            Some(&client),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let (headers, body) = download(
        &srv,
        "/api/entreprise/exports/reservations/?bom=true",
        owner.t(),
    )
    .await;
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(
        headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"reservations-"),
        "{headers:?}"
    );
    let (rows, bom) = python_rows(&body);
    assert!(bom);
    assert_eq!(
        rows[0],
        [
            "id",
            "status",
            "start_utc",
            "end_utc",
            "start_local",
            "end_local",
            "service",
            "resource",
            "client_first_name",
            "client_last_name",
            "client_email",
            "client_phone",
            "price_minor",
            "currency",
            "created_at_utc"
        ]
    );
    assert_eq!(rows.len(), 4);
    let local = |hhmm: &str| {
        let t = chrono::DateTime::parse_from_rfc3339(&owner.at(hhmm)).unwrap();
        t.with_timezone(&chrono_tz::Europe::Paris)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    };
    let first = &rows[1];
    assert_eq!(first[0], ids[0]);
    assert_eq!(first[1], "pending");
    assert_eq!(
        (first[2].as_str(), first[3].as_str()),
        (owner.at("10:00").as_str(), owner.at("10:30").as_str())
    );
    assert_eq!(
        (first[4].clone(), first[5].clone()),
        (local("10:00"), local("10:30"))
    );
    assert_eq!(
        &first[6..12],
        [
            "Coupe",
            "Alice",
            "'=HYPERLINK(\"http://x\")",
            "Dupont, \"Jr\" Éléonore",
            "client@example.com",
            "'+33612345678"
        ]
    );
    assert_eq!(&first[12..14], ["2500", "EUR"]);
    assert_eq!(rows[3][1], "cancelled_by_client");
    // The list's filters.
    let (_, body) = download(
        &srv,
        "/api/entreprise/exports/reservations/?status=cancelled_by_client",
        owner.t(),
    )
    .await;
    let (rows, bom) = python_rows(&body);
    assert!(!bom);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], ids[2]);
    let r = srv
        .get(
            "/api/entreprise/exports/reservations/?status=lost",
            owner.t(),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
    );
    assert_eq!(r.body["errors"][0]["field"], "status");

    // Across pages (200 rows each): 250 more, written straight to the store.
    let template: rdv_core::model::Reservation = {
        let r = srv
            .get(
                &format!("/api/client/reservations/{}/", ids[0]),
                Some(&client),
            )
            .await;
        serde_json::from_value(r.body).unwrap()
    };
    let start = template.interval.start();
    for k in 1..=250i64 {
        let at = start.add_secs(86_400 * 3 + k * 1800);
        let copy = rdv_core::model::Reservation {
            id: rdv_core::model::ReservationId(uuid::Uuid::new_v4()),
            interval: rdv_core::Interval::new(at, at.add_secs(1800)).unwrap(),
            history: Vec::new(),
            ..template.clone()
        };
        srv.state
            .store()
            .insert_reservation(&copy, 1)
            .await
            .unwrap();
    }
    let (_, body) = download(&srv, "/api/entreprise/exports/reservations/", owner.t()).await;
    let (rows, _) = python_rows(&body);
    assert_eq!(rows.len(), 1 + 3 + 250);
    let starts: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    let mut sorted = starts.clone();
    sorted.sort_unstable();
    assert_eq!(starts, sorted, "by start");
    let mut unique: Vec<&str> = rows[1..].iter().map(|r| r[0].as_str()).collect();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 253, "no row twice across pages");

    // Clients and services.
    let (_, body) = download(&srv, "/api/entreprise/exports/clients/", owner.t()).await;
    let (rows, _) = python_rows(&body);
    assert_eq!(
        rows,
        [
            vec!["id", "first_name", "last_name", "email", "phone", "origin"],
            vec![
                template.client_id.to_string().as_str(),
                "'=HYPERLINK(\"http://x\")",
                "Dupont, \"Jr\" Éléonore",
                "client@example.com",
                "'+33612345678",
                "account"
            ],
        ]
    );
    let (_, body) = download(
        &srv,
        "/api/entreprise/exports/services/?bom=true",
        owner.t(),
    )
    .await;
    let (rows, bom) = python_rows(&body);
    assert!(bom);
    assert_eq!(
        rows,
        [
            vec![
                "id",
                "name",
                "category",
                "tags",
                "active",
                "duration_minutes",
                "price_minor",
                "currency"
            ],
            vec![
                owner.service.as_str(),
                "Coupe",
                "",
                "",
                "true",
                "30",
                "2500",
                "EUR"
            ],
        ]
    );
    // The statistics, one row per bucket, equal to the API's series.
    let day = &owner.day;
    let next = (chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap()
        + chrono::Duration::days(3))
    .format("%Y-%m-%d");
    let range = format!("from={day}T00:00:00Z&to={next}T00:00:00Z&bucket=day");
    let json = srv
        .get(&format!("/api/entreprise/statistiques/?{range}"), owner.t())
        .await;
    assert_eq!(json.status, StatusCode::OK, "{json:?}");
    let (_, body) = download(
        &srv,
        &format!("/api/entreprise/exports/statistiques/?{range}"),
        owner.t(),
    )
    .await;
    let (rows, _) = python_rows(&body);
    assert_eq!(
        rows[0],
        [
            "label",
            "start_utc",
            "end_utc",
            "created",
            "appointments",
            "pending",
            "confirmed",
            "completed",
            "no_show",
            "cancelled_by_client",
            "cancelled_by_business",
            "booked_minutes",
            "available_minutes",
            "utilisation",
            "completed_revenue_EUR",
            "booked_revenue_EUR"
        ]
    );
    let buckets = json.body["buckets"].as_array().unwrap();
    assert_eq!(rows.len(), 1 + buckets.len());
    for (row, b) in rows[1..].iter().zip(buckets) {
        assert_eq!(row[0], b["label"].as_str().unwrap());
        assert_eq!(row[1], b["interval"]["start"].as_str().unwrap());
        for (i, key) in [
            "created",
            "appointments",
            "pending",
            "confirmed",
            "completed",
            "no_show",
            "cancelled_by_client",
            "cancelled_by_business",
            "booked_minutes",
            "available_minutes",
        ]
        .iter()
        .enumerate()
        {
            assert_eq!(row[3 + i], b[key].to_string(), "{key} of {row:?}");
        }
        let booked: i64 = b["booked_revenue"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["amount_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(row[15], booked.to_string(), "{row:?}");
    }
    assert_eq!(rows[1][4], "3", "the three bookings of tomorrow: {rows:?}");

    // Owners only.
    let r = srv
        .get("/api/entreprise/exports/clients/", Some(&client))
        .await;
    assert_eq!((r.status, r.code()), (StatusCode::FORBIDDEN, "FORBIDDEN"));
    let r = srv.get("/api/entreprise/exports/services/", None).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED")
    );
}

server_tests!(exports_read_back_exactly_with_formulas_neutralised);
