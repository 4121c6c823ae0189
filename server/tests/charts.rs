//! `GET /api/entreprise/statistiques/graphiques/{chart}/` over real HTTP on SQLite and
//! PostgreSQL: each chart is an SVG document drawn from the statistics of the same query
//! (series labels, one point per bucket, one bar per service and currency, one filled cell
//! per weekday × hour with appointments), and the refusals.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::Srv;
use rdv_server::routes::entreprise::chart_colours;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The chart's answer, checked to be an SVG document with `title`; its text.
async fn svg(srv: &Srv, token: &str, chart: &str, query: &str, title: &str) -> String {
    let path = format!("/api/entreprise/statistiques/graphiques/{chart}/?{query}");
    let r = srv.get(&path, Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
    assert_eq!(
        r.headers.get("content-type").unwrap().to_str().unwrap(),
        "image/svg+xml"
    );
    let doc = roxmltree::Document::parse(&r.text).expect("the chart is XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    assert_eq!(root.attribute("aria-label"), Some(title));
    let first = root.first_element_child().unwrap();
    assert_eq!(
        (first.tag_name().name(), first.text()),
        ("title", Some(title))
    );
    r.text
}

/// The texts of the document, trimmed.
fn texts(svg: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("text"))
        .map(|n| n.text().unwrap_or("").trim().to_owned())
        .collect()
}

/// The `rect` elements filled with `colour`.
fn rects(svg: &str, colour: (u8, u8, u8)) -> usize {
    let doc = roxmltree::Document::parse(svg).unwrap();
    doc.descendants()
        .filter(|n| n.has_tag_name("rect"))
        .filter(|n| {
            n.attribute("fill")
                .is_some_and(|f| f.eq_ignore_ascii_case(&hex(colour)))
        })
        .count()
}

/// Three bookings tomorrow, one completed, one cancelled by the business and one still
/// pending: each chart shows exactly the statistics of the same query.
async fn charts_draw_the_statistics_of_the_same_query(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let mut ids = Vec::new();
    for hhmm in ["08:00", "09:00", "10:00"] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(client.as_str()),
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let path = format!("/api/entreprise/reservations/{}/confirmer/", ids[0]);
    let r = srv.post(&path, owner.t(), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let path = format!("/api/entreprise/reservations/{}/?reason=Fermeture", ids[1]);
    let r = srv.delete(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Completion comes from the start: tomorrow 08:40, signed in again there.
    let now = srv.state.now().secs();
    let start = chrono::DateTime::parse_from_rfc3339(&owner.at("08:40"))
        .unwrap()
        .timestamp();
    srv.state.clock().advance(start - now);
    let token = srv.login("owner@example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/entreprise/reservations/{}/terminer/", ids[0]);
    let r = srv.post(&path, Some(token.as_str()), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let day = |n: i64| {
        (owner.day.parse::<chrono::NaiveDate>().unwrap() + chrono::Duration::days(n)).to_string()
    };
    let query = format!("from={}T00:00:00Z&to={}T00:00:00Z", day(-1), day(1));
    let r = srv
        .get(
            &format!("/api/entreprise/statistiques/?{query}"),
            Some(token.as_str()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let stats: Value = r.body;
    let buckets = stats["buckets"].as_array().unwrap().len();
    assert_eq!(
        buckets, 3,
        "the rest of today, tomorrow and an hour or two: {stats}"
    );

    // Bookings: four labelled lines of one point per bucket.
    let bookings = svg(&srv, &token, "bookings", &query, "Bookings over time").await;
    let labels = texts(&bookings);
    for name in ["Appointments", "Completed", "Cancelled", "No-shows"] {
        assert!(labels.iter().any(|t| t == name), "{name} in {labels:?}");
    }
    let doc = roxmltree::Document::parse(&bookings).unwrap();
    let lines: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("polyline"))
        .filter(|n| n.attribute("stroke-width") == Some("2"))
        .collect();
    assert_eq!(lines.len(), 4, "{bookings}");
    for line in &lines {
        let points = line.attribute("points").unwrap().split_whitespace().count();
        assert_eq!(points, buckets, "{line:?}");
    }
    let appointments = lines
        .iter()
        .find(|l| {
            l.attribute("stroke")
                .unwrap()
                .eq_ignore_ascii_case(&hex(chart_colours::APPOINTMENTS))
        })
        .unwrap();
    let ys: Vec<f64> = appointments
        .attribute("points")
        .unwrap()
        .split_whitespace()
        .map(|p| p.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert!(
        ys[1] < ys[0] && ys[0] == ys[2],
        "tomorrow's three appointments stand above empty days: {ys:?}"
    );

    // Revenue: the one service in euros, a bar for completed (25.00) and one for booked
    // revenue (the pending booking, 25.00), plus the legend's swatch of each.
    let revenue = svg(&srv, &token, "revenue", &query, "Revenue by service").await;
    assert_eq!(rects(&revenue, chart_colours::COMPLETED), 2, "{revenue}");
    assert_eq!(rects(&revenue, chart_colours::BOOKED), 2, "{revenue}");
    let labels = texts(&revenue);
    assert!(labels.iter().any(|t| t == "Coupe (EUR)"), "{labels:?}");
    assert_eq!(
        stats["by_service"][0]["completed_revenue"],
        json!([{"currency": "EUR", "value_minor": 2500, "previous_minor": 0}])
    );
    assert_eq!(
        labels.iter().filter(|t| *t == "25.00 EUR").count(),
        2,
        "{labels:?}"
    );

    // Weekday × hour: one filled cell per cell with appointments that hold their time (the
    // completed and the pending ones: 08:00 and 10:00 Paris-time hours), each with its count.
    let cells = svg(
        &srv,
        &token,
        "utilisation",
        &query,
        "Appointments by weekday and hour",
    )
    .await;
    let busy: Vec<&Value> = stats["weekday_hours"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["appointments"]["value"].as_u64().unwrap() > 0)
        .collect();
    assert_eq!(busy.len(), 2, "{stats}");
    assert_eq!(
        rects(&cells, chart_colours::BUSY_CELL),
        busy.len(),
        "{cells}"
    );
    let labels = texts(&cells);
    assert_eq!(labels.iter().filter(|t| *t == "1").count(), 2, "{labels:?}");
    for day in ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"] {
        assert!(labels.iter().any(|t| t == day), "{day}");
    }
}

/// An unknown chart is 404, a malformed query 400, a bad period 422; anonymous callers 401,
/// clients 403, an owner without a business 404.
async fn charts_refuse_what_the_statistics_refuse(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let day = &owner.day;
    let query = format!("from={day}T00:00:00Z&to={day}T12:00:00Z");
    let base = "/api/entreprise/statistiques/graphiques";
    let check = |r: common::Resp, status: StatusCode, code: &str| {
        assert_eq!((r.status, r.code()), (status, code), "{r:?}");
        assert_eq!(
            r.headers.get("content-type").unwrap().to_str().unwrap(),
            "application/problem+json"
        );
    };
    let r = srv.get(&format!("{base}/pie/?{query}"), owner.t()).await;
    check(r, StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    let r = srv
        .get(
            &format!("{base}/bookings/?from=tomorrow&to=later"),
            owner.t(),
        )
        .await;
    check(r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
    let r = srv
        .get(&format!("{base}/revenue/?{query}&colour=red"), owner.t())
        .await;
    check(r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
    let r = srv
        .get(
            &format!("{base}/revenue/?from={day}T12:00:00Z&to={day}T00:00:00Z"),
            owner.t(),
        )
        .await;
    check(r, StatusCode::UNPROCESSABLE_ENTITY, "INVALID_INTERVAL");
    let r = srv
        .get(
            &format!("{base}/utilisation/?{query}"),
            Some(client.as_str()),
        )
        .await;
    check(r, StatusCode::FORBIDDEN, "FORBIDDEN");
    let r = srv.get(&format!("{base}/utilisation/?{query}"), None).await;
    check(r, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    let newcomer = srv.account("new@example.com", "owner").await;
    let r = srv
        .get(
            &format!("{base}/bookings/?{query}"),
            Some(newcomer["access_token"].as_str().unwrap()),
        )
        .await;
    check(r, StatusCode::NOT_FOUND, "NO_BUSINESS");
    // No data: every chart still draws, the revenue chart says there is none.
    for (chart, title) in [
        ("bookings", "Bookings over time"),
        ("revenue", "Revenue by service"),
        ("utilisation", "Appointments by weekday and hour"),
    ] {
        let text = svg(&srv, &owner.token, chart, &query, title).await;
        if chart == "revenue" {
            assert!(
                texts(&text)
                    .iter()
                    .any(|t| t == "No revenue in this period")
            );
        }
    }
}

server_tests!(
    charts_draw_the_statistics_of_the_same_query,
    charts_refuse_what_the_statistics_refuse,
);
