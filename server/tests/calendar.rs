//! `GET /api/entreprise/calendrier/` over real HTTP on SQLite and PostgreSQL: a Paris week
//! ending on the autumn DST change (Sunday 25 October 2026 lasts 25 hours) with its exact day
//! bounds, opening hours, special hours, closures, windows, two bookings with who booked and
//! the exact free gaps; the month around it; archived bookings on request; and the refusals.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::Srv;
use rdv_core::ports::ReservationStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ts(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

fn span(start: &str, end: &str) -> Value {
    json!({"start": start, "end": end})
}

/// The salon's world, with the server's clock on Thursday 1 October 2026 08:00 UTC.
struct Salon {
    owner: String,
    alice: String,
    service: String,
    windows: Vec<String>,
}

/// Monday to Saturday 09:00–12:00 and 14:00–18:00, Sunday 10:00–12:00 (Paris); special hours
/// 10:00–14:00 on Thursday 22 October ("Inventory"); closed all Friday 23 October ("Staff
/// training") and on Wednesday 21 October 15:00–16:00 local. Alice has windows on Monday 19,
/// Wednesday 21, Thursday 22 and Sunday 25; the service lasts 30 minutes with 10 after.
async fn salon(srv: &Srv) -> Salon {
    let now = srv.state.now().secs();
    srv.state.clock().advance(ts("2026-10-01T08:00:00Z") - now);
    let owner = srv.account("owner@example.com", "owner").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = Some(owner.as_str());
    let weekday = json!([{"start": "09:00", "end": "12:00"}, {"start": "14:00", "end": "18:00"}]);
    let mut body = common::business_body("Salon Test");
    body["opening_hours"] = json!({"monday": weekday, "tuesday": weekday, "wednesday": weekday,
        "thursday": weekday, "friday": weekday, "saturday": weekday,
        "sunday": [{"start": "10:00", "end": "12:00"}]});
    body["special_hours"] = json!([{"date": "2026-10-22",
        "ranges": [{"start": "10:00", "end": "14:00"}], "reason": "Inventory"}]);
    body["closures"] = json!([
        {"kind": "days", "first_day": "2026-10-23", "last_day": "2026-10-23", "reason": "Staff training"},
        {"kind": "period", "interval": span("2026-10-21T13:00:00Z", "2026-10-21T14:00:00Z")}
    ]);
    let r = srv.post("/api/entreprise/mon-entreprise/", t, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let business = r.body["id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            t,
            json!({"name": "Alice", "kind": "staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let alice = r.body["id"].as_str().unwrap().to_owned();
    let mut service = common::service_body(&alice);
    service["rules"]["buffer_after_minutes"] = json!(10);
    let r = srv.post("/api/entreprise/services/", t, service).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let service = r.body["id"].as_str().unwrap().to_owned();
    let mut windows = Vec::new();
    for (start, end) in [
        ("2026-10-19T07:00:00Z", "2026-10-19T16:00:00Z"),
        ("2026-10-21T07:00:00Z", "2026-10-21T16:00:00Z"),
        ("2026-10-22T06:00:00Z", "2026-10-22T14:00:00Z"),
        ("2026-10-25T08:00:00Z", "2026-10-25T11:00:00Z"),
    ] {
        let r = srv
            .post(
                "/api/entreprise/disponibilites/",
                t,
                json!({"resource_id": alice, "start": start, "end": end}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        windows.push(r.body["id"].as_str().unwrap().to_owned());
    }
    srv.state
        .writes()
        .validate_business(business.parse().unwrap())
        .await
        .expect("validate");
    Salon {
        owner,
        alice,
        service,
        windows,
    }
}

/// A client named `first last` who books `start`; the reservation's id.
async fn booked(srv: &Srv, salon: &Salon, email: &str, name: (&str, &str), start: &str) -> String {
    let token = srv.client(email).await;
    let c = Some(token.as_str());
    let r = srv
        .put(
            "/api/client/mon-profil/",
            c,
            json!({"email": email, "first_name": name.0, "last_name": name.1,
                   "phone": "+33 6 12 34 56 78", "address": null}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post(
            "/api/client/reservations/",
            c,
            json!({"service_id": salon.service, "resource_id": salon.alice, "start": start}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

fn reservation(
    id: &str,
    salon: &Salon,
    at: (&str, &str),
    status: &str,
    who: (&str, &str, &str),
) -> Value {
    json!({
        "id": id,
        "interval": span(at.0, at.1),
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 10,
        "status": status,
        "service_id": salon.service,
        "service_name": "Coupe",
        "client": {"first_name": who.0, "last_name": who.1, "email": who.2, "phone": "+33612345678"}
    })
}

async fn calendar_of_a_paris_week_across_the_autumn_change(srv: Srv) {
    let salon = salon(&srv).await;
    let jeanne = booked(
        &srv,
        &salon,
        "jeanne@example.com",
        ("Jeanne", "Martin"),
        "2026-10-19T08:00:00Z",
    )
    .await;
    let paul = booked(
        &srv,
        &salon,
        "paul@example.com",
        ("Paul", "Durand"),
        "2026-10-25T09:00:00Z",
    )
    .await;
    let t = Some(salon.owner.as_str());
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{jeanne}/confirmer/"),
            t,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let r = srv
        .get(
            "/api/entreprise/calendrier/?view=week&date=2026-10-21&include_archived=false",
            t,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let c = &r.body;
    assert_eq!(c["view"], "week");
    assert_eq!(c["date"], "2026-10-21");
    assert_eq!(c["time_zone"], "Europe/Paris");
    assert_eq!(
        c["period"],
        span("2026-10-18T22:00:00Z", "2026-10-25T23:00:00Z")
    );
    let two = |d: &str| {
        json!([
            span(&format!("{d}T07:00:00Z"), &format!("{d}T10:00:00Z")),
            span(&format!("{d}T12:00:00Z"), &format!("{d}T16:00:00Z"))
        ])
    };
    let day = |date: &str, start: &str, end: &str, opening: Value| {
        json!({"date": date, "interval": span(start, end), "opening_hours": opening,
               "special_hours": null, "closures": []})
    };
    let mut wednesday = day(
        "2026-10-21",
        "2026-10-20T22:00:00Z",
        "2026-10-21T22:00:00Z",
        json!([
            span("2026-10-21T07:00:00Z", "2026-10-21T10:00:00Z"),
            span("2026-10-21T12:00:00Z", "2026-10-21T13:00:00Z"),
            span("2026-10-21T14:00:00Z", "2026-10-21T16:00:00Z")
        ]),
    );
    wednesday["closures"] =
        json!([{"interval": span("2026-10-21T13:00:00Z", "2026-10-21T14:00:00Z"), "reason": null}]);
    let mut thursday = day(
        "2026-10-22",
        "2026-10-21T22:00:00Z",
        "2026-10-22T22:00:00Z",
        json!([span("2026-10-22T08:00:00Z", "2026-10-22T12:00:00Z")]),
    );
    thursday["special_hours"] = json!({"date": "2026-10-22",
        "ranges": [{"start": "10:00", "end": "14:00"}], "reason": "Inventory"});
    let mut friday = day(
        "2026-10-23",
        "2026-10-22T22:00:00Z",
        "2026-10-23T22:00:00Z",
        json!([]),
    );
    friday["closures"] = json!([{"interval": span("2026-10-22T22:00:00Z", "2026-10-23T22:00:00Z"), "reason": "Staff training"}]);
    let days = json!([
        day(
            "2026-10-19",
            "2026-10-18T22:00:00Z",
            "2026-10-19T22:00:00Z",
            two("2026-10-19")
        ),
        day(
            "2026-10-20",
            "2026-10-19T22:00:00Z",
            "2026-10-20T22:00:00Z",
            two("2026-10-20")
        ),
        wednesday,
        thursday,
        friday,
        day(
            "2026-10-24",
            "2026-10-23T22:00:00Z",
            "2026-10-24T22:00:00Z",
            two("2026-10-24")
        ),
        // 25 hours: 00:00 CEST to 24:00 CET.
        day(
            "2026-10-25",
            "2026-10-24T22:00:00Z",
            "2026-10-25T23:00:00Z",
            json!([span("2026-10-25T09:00:00Z", "2026-10-25T11:00:00Z")])
        ),
    ]);
    assert_eq!(c["days"], days);

    let resources = c["resources"].as_array().unwrap();
    assert_eq!(resources.len(), 1);
    let a = &resources[0];
    assert_eq!(
        (&a["resource_id"], &a["name"], &a["kind"], &a["active"]),
        (
            &json!(salon.alice),
            &json!("Alice"),
            &json!("staff"),
            &json!(true)
        )
    );
    let window = |n: usize, start: &str, end: &str| json!([{"id": salon.windows[n], "interval": span(start, end)}]);
    let alice_day = |date: &str, d: &Value, windows: Value, reservations: Value, free: Value| {
        json!({"date": date, "working_hours": d["opening_hours"], "windows": windows,
               "reservations": reservations, "free": free})
    };
    let expected = json!([
        alice_day(
            "2026-10-19",
            &days[0],
            window(0, "2026-10-19T07:00:00Z", "2026-10-19T16:00:00Z"),
            json!([reservation(
                &jeanne,
                &salon,
                ("2026-10-19T08:00:00Z", "2026-10-19T08:30:00Z"),
                "confirmed",
                ("Jeanne", "Martin", "jeanne@example.com")
            )]),
            json!([
                span("2026-10-19T07:00:00Z", "2026-10-19T08:00:00Z"),
                span("2026-10-19T08:40:00Z", "2026-10-19T10:00:00Z"),
                span("2026-10-19T12:00:00Z", "2026-10-19T16:00:00Z")
            ])
        ),
        alice_day("2026-10-20", &days[1], json!([]), json!([]), json!([])),
        alice_day(
            "2026-10-21",
            &days[2],
            window(1, "2026-10-21T07:00:00Z", "2026-10-21T16:00:00Z"),
            json!([]),
            json!([
                span("2026-10-21T07:00:00Z", "2026-10-21T10:00:00Z"),
                span("2026-10-21T12:00:00Z", "2026-10-21T13:00:00Z"),
                span("2026-10-21T14:00:00Z", "2026-10-21T16:00:00Z")
            ])
        ),
        alice_day(
            "2026-10-22",
            &days[3],
            window(2, "2026-10-22T06:00:00Z", "2026-10-22T14:00:00Z"),
            json!([]),
            json!([span("2026-10-22T08:00:00Z", "2026-10-22T12:00:00Z")])
        ),
        alice_day("2026-10-23", &days[4], json!([]), json!([]), json!([])),
        alice_day("2026-10-24", &days[5], json!([]), json!([]), json!([])),
        alice_day(
            "2026-10-25",
            &days[6],
            window(3, "2026-10-25T08:00:00Z", "2026-10-25T11:00:00Z"),
            json!([reservation(
                &paul,
                &salon,
                ("2026-10-25T09:00:00Z", "2026-10-25T09:30:00Z"),
                "pending",
                ("Paul", "Durand", "paul@example.com")
            )]),
            json!([span("2026-10-25T09:40:00Z", "2026-10-25T11:00:00Z")])
        ),
    ]);
    for (i, (got, want)) in a["days"]
        .as_array()
        .unwrap()
        .iter()
        .zip(expected.as_array().unwrap())
        .enumerate()
    {
        assert_eq!(got, want, "day {i}");
    }
    assert_eq!(a["days"], expected);

    // The month holds the same week, and 31 days adding up to 745 hours.
    let r = srv
        .get("/api/entreprise/calendrier/?view=month&date=2026-10-07", t)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let m = &r.body;
    assert_eq!(m["view"], "month");
    assert_eq!(
        m["period"],
        span("2026-09-30T22:00:00Z", "2026-10-31T23:00:00Z")
    );
    let month_days = m["days"].as_array().unwrap();
    assert_eq!(month_days.len(), 31);
    let hours: i64 = month_days
        .iter()
        .map(|d| {
            (ts(d["interval"]["end"].as_str().unwrap())
                - ts(d["interval"]["start"].as_str().unwrap()))
                / 3600
        })
        .sum();
    assert_eq!(hours, 745);
    assert_eq!(month_days[25]["date"], "2026-10-26");
    assert_eq!(
        month_days[25]["interval"],
        span("2026-10-25T23:00:00Z", "2026-10-26T23:00:00Z")
    );
    assert_eq!(&month_days[18..25], &days.as_array().unwrap()[..]);
    let month_alice = m["resources"][0]["days"].as_array().unwrap();
    assert_eq!(&month_alice[18..25], &expected.as_array().unwrap()[..]);
    let booked_days: Vec<&str> = month_alice
        .iter()
        .filter(|d| !d["reservations"].as_array().unwrap().is_empty())
        .map(|d| d["date"].as_str().unwrap())
        .collect();
    assert_eq!(booked_days, ["2026-10-19", "2026-10-25"]);

    // The day view is that one day.
    let r = srv
        .get("/api/entreprise/calendrier/?view=day&date=2026-10-25", t)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["days"], json!([days[6]]));
    assert_eq!(r.body["resources"][0]["days"], json!([expected[6]]));

    // Once Jeanne's finished reservation is archived it leaves the calendar and its time
    // shows as free, unless the archive is asked for.
    let moved = srv
        .state
        .store()
        .archive_reservations(rdv_core::Timestamp::from_secs(ts("2026-10-20T00:00:00Z")))
        .await
        .unwrap();
    assert_eq!(moved, 1);
    let r = srv
        .get("/api/entreprise/calendrier/?view=day&date=2026-10-19", t)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let monday = &r.body["resources"][0]["days"][0];
    assert_eq!(monday["reservations"], json!([]));
    assert_eq!(monday["free"], two("2026-10-19"));
    let r = srv
        .get(
            "/api/entreprise/calendrier/?view=day&date=2026-10-19&include_archived=true",
            t,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["resources"][0]["days"][0], expected[0]);
}

async fn calendar_requests_are_checked_and_the_owners_own(srv: Srv) {
    let salon = salon(&srv).await;
    let t = Some(salon.owner.as_str());
    let refused = |r: &common::Resp| -> Vec<(String, String)> {
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
            "{r:?}"
        );
        r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap().to_owned(),
                    e["code"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
    let base = "/api/entreprise/calendrier/";
    let r = srv
        .get(&format!("{base}?view=year&date=2026-10-21"), t)
        .await;
    assert_eq!(refused(&r), [pair("view", "invalid_choice")]);
    let r = srv
        .get(&format!("{base}?view=week&date=21/10/2026"), t)
        .await;
    assert_eq!(refused(&r), [pair("date", "invalid_format")]);
    let r = srv
        .get(&format!("{base}?view=Month&date=2026-02-30"), t)
        .await;
    assert_eq!(
        refused(&r),
        [
            pair("view", "invalid_choice"),
            pair("date", "invalid_format")
        ]
    );
    let r = srv
        .get(&format!("{base}?view=day&date=1999-12-31"), t)
        .await;
    assert_eq!(refused(&r), [pair("date", "out_of_range")]);
    let r = srv
        .get(&format!("{base}?view=month&date=2100-01-01"), t)
        .await;
    assert_eq!(refused(&r), [pair("date", "out_of_range")]);
    // A missing or malformed parameter is refused before the core reads it.
    for query in [
        "?view=week",
        "?view=week&date=2026-10-21&include_archived=maybe",
        "?view=week&date=2026-10-21&resource=1",
    ] {
        let r = srv.get(&format!("{base}{query}"), t).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::BAD_REQUEST, "INVALID_PARAMETER"),
            "{query}: {r:?}"
        );
    }

    let week = format!("{base}?view=week&date=2026-10-21");
    let client = srv.client("jeanne@example.com").await;
    let r = srv.get(&week, Some(client.as_str())).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "{r:?}"
    );
    let r = srv.get(&week, None).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{r:?}"
    );
    let newcomer = srv.account("new@example.com", "owner").await;
    let r = srv
        .get(&week, Some(newcomer["access_token"].as_str().unwrap()))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NO_BUSINESS"),
        "{r:?}"
    );
    // Another owner sees only their own business: none of the salon's resources.
    let other = srv.owner("other@example.com").await;
    let r = srv.get(&week, other.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let names: Vec<&str> = r.body["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice"]);
    assert_eq!(r.body["resources"][0]["resource_id"], json!(other.resource));
    assert_ne!(other.resource, salon.alice);
}

server_tests!(
    calendar_of_a_paris_week_across_the_autumn_change,
    calendar_requests_are_checked_and_the_owners_own,
);
