//! `GET /api/entreprise/statistiques/` over real HTTP on SQLite and PostgreSQL: the exact
//! figures after bookings and every kind of transition, the filters, and the refusals.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use chrono::{Datelike as _, Duration, NaiveDate};
use common::Srv;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn ts(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

/// The day after `day` (`YYYY-MM-DD`), and the day before.
fn next(day: &str, days: i64) -> String {
    (day.parse::<NaiveDate>().unwrap() + Duration::days(days)).to_string()
}

/// Paris local (weekday name, hour) of a UTC instant.
fn paris(text: &str) -> (String, u32) {
    use chrono::Timelike as _;
    let local = chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Paris);
    let weekday = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ][local.weekday().num_days_from_monday() as usize];
    (weekday.to_owned(), local.hour())
}

fn count(value: u64, previous: u64) -> Value {
    json!({"value": value, "previous": previous})
}

/// Six bookings tomorrow, each ending in another state: completed (08:00), no-show (08:30),
/// cancelled by the client (09:00) and by the business (09:30), confirmed (10:00), pending
/// (10:30). The statistics of today and tomorrow count them exactly; the previous two days
/// are empty.
async fn statistics_count_bookings_and_transitions(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let c = Some(client.as_str());
    let mut ids = Vec::new();
    let mut leads = 0;
    for hhmm in ["08:00", "08:30", "09:00", "09:30", "10:00", "10:30"] {
        let r = srv
            .post(
                "/api/client/reservations/",
                c,
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        leads += ts(&owner.at(hhmm)) - ts(r.body["created_at"].as_str().unwrap());
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let post = |path: String, token: String| {
        let srv = &srv;
        async move {
            let r = srv.post(&path, Some(token.as_str()), json!({})).await;
            assert_eq!(r.status, StatusCode::OK, "{path}: {r:?}");
        }
    };
    for k in [0, 1, 4] {
        let path = format!("/api/entreprise/reservations/{}/confirmer/", ids[k]);
        post(path, owner.token.clone()).await;
    }
    let r = srv
        .delete(&format!("/api/client/reservations/{}/", ids[2]), c)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .delete(
            &format!("/api/entreprise/reservations/{}/?reason=Fermeture", ids[3]),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Completion and no-shows come from the start: the clock moves to tomorrow 08:45, where
    // the owner signs in again (the first access token has expired there).
    let now = srv.state.now().secs();
    srv.state.clock().advance(ts(&owner.at("08:45")) - now);
    let later = srv.login("owner@example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    post(
        format!("/api/entreprise/reservations/{}/terminer/", ids[0]),
        later.clone(),
    )
    .await;
    post(
        format!("/api/entreprise/reservations/{}/absence/", ids[1]),
        later.clone(),
    )
    .await;
    let token = Some(later.as_str());

    let today = next(&owner.day, -1);
    let (from, to) = (
        format!("{today}T00:00:00Z"),
        format!("{}T00:00:00Z", next(&owner.day, 1)),
    );
    let path = format!("/api/entreprise/statistiques/?from={from}&to={to}");
    let r = srv.get(&path, token).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let s = &r.body;
    assert_eq!(s["period"], json!({"start": from, "end": to}));
    assert_eq!(
        s["previous_period"],
        json!({"start": format!("{}T00:00:00Z", next(&today, -2)), "end": from})
    );
    assert_eq!(s["bucket"], "day");
    assert_eq!(s["time_zone"], "Europe/Paris");
    let t = &s["totals"];
    assert_eq!(t["appointments"], count(6, 0));
    for status in [
        "pending",
        "confirmed",
        "completed",
        "no_show",
        "cancelled_by_client",
        "cancelled_by_business",
    ] {
        assert_eq!(t[status], count(1, 0), "{status}: {t}");
    }
    assert_eq!(t["created"], count(6, 0));
    assert_eq!(
        t["completed_revenue"],
        json!([{"currency": "EUR", "value_minor": 2500, "previous_minor": 0}])
    );
    assert_eq!(
        t["booked_revenue"],
        json!([{"currency": "EUR", "value_minor": 5000, "previous_minor": 0}])
    );
    // Completed, no-show, confirmed and pending hold 30 minutes each of the 600 the window
    // 08:00–18:00 offers.
    assert_eq!(t["booked_minutes"], count(120, 0));
    assert_eq!(t["available_minutes"], count(600, 0));
    assert_eq!(t["utilisation"], json!({"value": 0.2, "previous": null}));
    assert_eq!(
        t["cancellation_rate"],
        json!({"value": 2.0 / 6.0, "previous": null})
    );
    assert_eq!(t["no_show_rate"], json!({"value": 0.5, "previous": null}));
    assert_eq!(
        t["mean_lead_time_minutes"],
        json!({"value": leads as f64 / 60.0 / 6.0, "previous": null})
    );

    // Three buckets: the rest of today and tomorrow in Paris, then the hours of the day
    // after that fall before midnight UTC. Tomorrow holds the six appointments and the
    // window.
    let buckets = s["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 3, "{s}");
    assert_eq!(buckets[0]["label"], today.as_str());
    assert_eq!(buckets[1]["label"], owner.day.as_str());
    assert_eq!(buckets[2]["label"], next(&owner.day, 1).as_str());
    let b = &buckets[1];
    assert_eq!(
        (b["appointments"].clone(), b["booked_minutes"].clone()),
        (json!(6), json!(120))
    );
    assert_eq!(b["available_minutes"], 600);
    assert_eq!(b["utilisation"], 0.2);
    assert_eq!(
        b["completed_revenue"],
        json!([{"amount_minor": 2500, "currency": "EUR"}])
    );
    let created: u64 = buckets.iter().map(|b| b["created"].as_u64().unwrap()).sum();
    assert_eq!(created, 6, "created today, in its local day");
    assert_eq!(buckets[0]["appointments"], 0);
    assert_eq!(buckets[2]["appointments"], 0);

    let group = |name: &str, id: &str| {
        json!([{
            "id": id,
            "name": name,
            "appointments": count(6, 0),
            "completed": count(1, 0),
            "cancelled": count(2, 0),
            "no_show": count(1, 0),
            "completed_revenue": [{"currency": "EUR", "value_minor": 2500, "previous_minor": 0}],
            "booked_revenue": [{"currency": "EUR", "value_minor": 5000, "previous_minor": 0}],
        }])
    };
    assert_eq!(s["by_service"], group("Coupe", &owner.service));
    assert_eq!(s["by_resource"], group("Alice", &owner.resource));

    // Weekday and hours of the four appointments that hold their time, in Paris.
    let (weekday, _) = paris(&owner.at("08:00"));
    let weekdays = s["weekdays"].as_array().unwrap();
    assert_eq!(weekdays.len(), 7);
    for w in weekdays {
        let want = if w["weekday"] == weekday.as_str() {
            4
        } else {
            0
        };
        assert_eq!(w["appointments"], count(want, 0), "{w}");
    }
    let mut want_hours = [0u64; 24];
    for hhmm in ["08:00", "08:30", "10:00", "10:30"] {
        want_hours[paris(&owner.at(hhmm)).1 as usize] += 1;
    }
    let hours: Vec<u64> = s["hours"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["appointments"]["value"].as_u64().unwrap())
        .collect();
    assert_eq!(hours, want_hours);
    let (_, first_hour) = paris(&owner.at("08:00"));
    assert_eq!(
        s["busiest"],
        json!({"weekday": weekday, "previous_weekday": null, "hour": first_hour, "previous_hour": null})
    );

    // The service and resource filters keep everything here (one of each); week and month
    // buckets cut the same figures differently.
    for extra in [
        format!("&service_id={}&bucket=week", owner.service),
        format!("&resource_id={}&bucket=month", owner.resource),
    ] {
        let r = srv.get(&format!("{path}{extra}"), token).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body["totals"], s["totals"], "{extra}");
        assert!(r.body["buckets"].as_array().unwrap().len() <= 2, "{r:?}");
    }
}

/// Another owner's service or resource is not found, like a missing one; periods past the
/// bounds are refused; only owners with a business get statistics.
async fn statistics_are_the_owners_own_and_bounded(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let day = &owner.day;
    let base = format!(
        "/api/entreprise/statistiques/?from={day}T00:00:00Z&to={}T00:00:00Z",
        next(day, 7)
    );
    for filter in [
        format!("&service_id={}", other.service),
        format!("&resource_id={}", other.resource),
    ] {
        let r = srv.get(&format!("{base}{filter}"), owner.t()).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{filter}: {r:?}"
        );
    }
    let refused = [
        (
            format!("from={day}T00:00:00Z&to={day}T00:00:00Z"),
            "INVALID_INTERVAL",
        ),
        (
            format!("from={day}T00:00:00Z&to={}T00:00:01Z", next(day, 366)),
            "RANGE_TOO_LARGE",
        ),
        (
            "from=1999-12-31T00:00:00Z&to=2000-01-02T00:00:00Z".to_owned(),
            "VALIDATION_FAILED",
        ),
    ];
    for (range, code) in refused {
        let r = srv
            .get(&format!("/api/entreprise/statistiques/?{range}"), owner.t())
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::UNPROCESSABLE_ENTITY, code),
            "{range}: {r:?}"
        );
    }
    let r = srv
        .get(
            &format!(
                "/api/entreprise/statistiques/?from={day}T00:00:00Z&to={}T00:00:00Z",
                next(day, 366)
            ),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "366 days are accepted: {r:?}");
    assert_eq!(r.body["buckets"].as_array().unwrap().len(), 367);
    let r = srv.get(&base, Some(client.as_str())).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "{r:?}"
    );
    let r = srv.get(&base, None).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "UNAUTHENTICATED"),
        "{r:?}"
    );
    let newcomer = srv.account("new@example.com", "owner").await;
    let r = srv
        .get(&base, Some(newcomer["access_token"].as_str().unwrap()))
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NO_BUSINESS"),
        "{r:?}"
    );
}

server_tests!(
    statistics_count_bookings_and_transitions,
    statistics_are_the_owners_own_and_bounded,
);
