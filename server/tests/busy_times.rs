//! Busy times from an ICS file (issue 18 item 5) over HTTP on both backends: a calendar's
//! events block slots and bookings of one resource, a source is replaced whole, the
//! reservations a new busy time meets are named, and a bad file stores nothing.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, Resp, Srv};
use reqwest::StatusCode;
use serde_json::Value;

async fn send_ics(srv: &Srv, owner: &Owner, query: &str, content_type: &str, body: &str) -> Resp {
    let url = format!(
        "{}/api/entreprise/ressources/{}/occupations/{query}",
        srv.base, owner.resource
    );
    let req = srv
        .http
        .post(url)
        .bearer_auth(&owner.token)
        .header("content-type", content_type)
        .body(body.to_owned());
    Srv::finish(req).await
}

fn compact(day: &str) -> String {
    day.replace('-', "")
}

fn day_plus(day: &str, days: i64) -> String {
    let d =
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap() + chrono::Duration::days(days);
    d.format("%Y%m%d").to_string()
}

/// Paris's local 09:00 on `day`, in UTC, `HH:MM`.
fn paris_nine_utc(day: &str) -> String {
    use chrono::TimeZone as _;
    let d = chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
    let local = chrono_tz::Europe::Paris
        .from_local_datetime(&d.and_hms_opt(9, 0, 0).unwrap())
        .single()
        .unwrap();
    local
        .with_timezone(&chrono::Utc)
        .format("%H:%M")
        .to_string()
}

/// A calendar as Google Calendar exports it: a VTIMEZONE block, a plain meeting, a free
/// (transparent) one, a weekly event whose instance tomorrow was moved to 16:00, a cancelled
/// one, and a meeting written in Paris time.
fn calendar(day: &str) -> String {
    let d = compact(day);
    let week_before = day_plus(day, -7);
    format!(
        "BEGIN:VCALENDAR\r\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\r\nVERSION:2.0\r\n\
         BEGIN:VTIMEZONE\r\nTZID:Europe/Paris\r\nBEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\n\
         TZOFFSETTO:+0100\r\nTZNAME:CET\r\nDTSTART:19701025T030000\r\n\
         RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n\
         BEGIN:VEVENT\r\nUID:plain@google.com\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\n\
         SUMMARY:Dentist\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:free@google.com\r\nDTSTART:{d}T120000Z\r\nDTEND:{d}T130000Z\r\n\
         TRANSP:TRANSPARENT\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly@google.com\r\nDTSTART:{week_before}T140000Z\r\n\
         DTEND:{week_before}T143000Z\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:weekly@google.com\r\nRECURRENCE-ID:{d}T140000Z\r\n\
         DTSTART:{d}T160000Z\r\nDURATION:PT30M\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:cancelled@google.com\r\nDTSTART:{d}T170000Z\r\n\
         DTEND:{d}T173000Z\r\nSTATUS:CANCELLED\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:paris@google.com\r\nDTSTART;TZID=Europe/Paris:{d}T090000\r\n\
         DTEND;TZID=Europe/Paris:{d}T093000\r\nSUMMARY:Réunion\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n"
    )
}

async fn slot_starts(srv: &Srv, owner: &Owner) -> Vec<String> {
    let path = format!(
        "/api/services/{}/creneaux/?from={}&to={}",
        owner.service,
        owner.at("00:00"),
        owner.at("23:59")
    );
    let r = srv.get(&path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap()[11..16].to_owned())
        .collect()
}

async fn listed(srv: &Srv, owner: &Owner) -> Vec<(String, String)> {
    let path = format!("/api/entreprise/ressources/{}/occupations/", owner.resource);
    let r = srv.get(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["uid"].as_str().unwrap().to_owned(),
                b["start"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn an_ics_file_blocks_slots_and_bookings_until_its_source_is_replaced(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("client@example.com").await;
    let day = owner.day.clone();
    let before = slot_starts(&srv, &owner).await;
    assert_eq!(before.len(), 20, "08:00–18:00 UTC in 30-minute slots");

    // A dry run counts and stores nothing.
    let ics = calendar(&day);
    let r = send_ics(&srv, &owner, "?dry_run=true", "text/calendar", &ics).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let counts = |r: &Resp| -> Vec<u64> {
        [
            "events",
            "skipped",
            "outside_horizon",
            "busy_times",
            "replaced",
        ]
        .iter()
        .map(|k| r.body[*k].as_u64().unwrap())
        .collect()
    };
    // Six events; the free and the cancelled ones block nothing; the weekly one keeps one
    // instance ahead (last week's is past, tomorrow's was moved); the move and the two
    // meetings make the other three.
    assert_eq!(counts(&r), [6, 2, 0, 4, 0], "{r:?}");
    assert_eq!(r.body["dry_run"], true);
    assert_eq!(listed(&srv, &owner).await, []);
    assert_eq!(slot_starts(&srv, &owner).await, before);

    let r = send_ics(&srv, &owner, "", "text/calendar; charset=utf-8", &ics).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(counts(&r), [6, 2, 0, 4, 0], "{r:?}");
    assert_eq!(r.body["source"], "ics");
    assert_eq!(r.body["conflicts"], Value::Array(vec![]));

    let paris = paris_nine_utc(&day);
    let after = slot_starts(&srv, &owner).await;
    for gone in [paris.as_str(), "10:00", "10:30", "16:00"] {
        assert!(
            !after.contains(&gone.to_owned()),
            "{gone} is busy: {after:?}"
        );
    }
    for kept in ["12:00", "14:00", "17:00"] {
        assert!(
            after.contains(&kept.to_owned()),
            "{kept} is free: {after:?}"
        );
    }
    assert_eq!(after.len(), 16, "{after:?}");
    let next_week = format!(
        "{}T14:00:00Z",
        chrono::NaiveDate::parse_from_str(&day_plus(&day, 7), "%Y%m%d").unwrap()
    );
    assert_eq!(
        listed(&srv, &owner).await,
        [
            ("paris@google.com".into(), format!("{day}T{paris}:00Z")),
            ("plain@google.com".into(), owner.at("10:00")),
            ("weekly@google.com".into(), owner.at("16:00")),
            ("weekly@google.com".into(), next_week),
        ]
    );

    // A booking into a busy time is refused like one into a taken slot.
    let booking = |start: String| serde_json::json!({"service_id": owner.service, "start": start});
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            booking(owner.at("10:00")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
    assert_eq!(r.body["code"], "BOOKING_OVERLAP");
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            booking(owner.at("12:00")),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let held = r.body["id"].as_str().unwrap().to_owned();

    // The next export of the same calendar replaces the whole source and names the
    // reservation its new meeting meets; the reservation stays.
    let d = compact(&day);
    let next = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:late@google.com\r\n\
         DTSTART:{d}T120000Z\r\nDTEND:{d}T130000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let r = send_ics(&srv, &owner, "", "text/calendar", &next).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(counts(&r), [1, 0, 0, 1, 4], "{r:?}");
    assert_eq!(r.body["conflicts"], serde_json::json!([held]));
    let r = srv
        .get(&format!("/api/entreprise/reservations/{held}/"), owner.t())
        .await;
    assert_eq!(r.body["status"], "pending", "{r:?}");
    let after = slot_starts(&srv, &owner).await;
    assert_eq!(
        after.len(),
        18,
        "only 12:00 and 12:30 are busy now: {after:?}"
    );

    // Another source adds to it; removing a source frees its times.
    let other = next
        .replace("late@google.com", "other")
        .replace("T12", "T08")
        .replace("T13", "T09");
    let r = send_ics(&srv, &owner, "?source=outlook", "text/calendar", &other).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(slot_starts(&srv, &owner).await.len(), 16);
    let path = format!(
        "/api/entreprise/ressources/{}/occupations/?source=outlook",
        owner.resource
    );
    let r = srv.delete(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body,
        serde_json::json!({"source": "outlook", "removed": 1})
    );
    assert_eq!(slot_starts(&srv, &owner).await.len(), 18);
    assert_eq!(
        listed(&srv, &owner).await,
        [("late@google.com".into(), owner.at("12:00"))]
    );
}

async fn a_bad_calendar_is_refused_by_event_and_nothing_is_stored(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let d = compact(&owner.day);
    let bad = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nUID:ok\r\nDTSTART:{d}T100000Z\r\nDTEND:{d}T110000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:zone\r\nDTSTART;TZID=Mars/Olympus:{d}T100000\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nDTSTART:{d}T120000Z\r\nDTEND:{d}T130000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:backwards\r\nDTSTART:{d}T150000Z\r\nDTEND:{d}T140000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:rule\r\nDTSTART:{d}T150000Z\r\nDTEND:{d}T160000Z\r\n\
         RRULE:FREQ=HOURLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let r = send_ics(&srv, &owner, "", "text/calendar", &bad).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["code"], "IMPORT_REJECTED");
    let found: Vec<(u64, &str, &str)> = r.body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["row"].as_u64().unwrap(),
                p["field"].as_str().unwrap(),
                p["code"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (2, "DTSTART", "unknown_time_zone"),
            (3, "UID", "required"),
            (4, "DTEND", "invalid_range"),
            (5, "RRULE", "INVALID_RECURRENCE"),
        ],
        "{r:?}"
    );
    assert_eq!(listed(&srv, &owner).await, []);

    let r = send_ics(&srv, &owner, "", "text/csv", "uid,start\n").await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE, "{r:?}");
    let r = send_ics(&srv, &owner, "", "text/calendar", "name,start\nx,y\n").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["problems"][0]["code"], "malformed", "{r:?}");
    let good = format!(
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:ok\r\nDTSTART:{d}T100000Z\r\n\
         DTEND:{d}T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let r = send_ics(&srv, &owner, "?source=two%20words", "text/calendar", &good).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["code"], "VALIDATION_FAILED", "{r:?}");
    assert_eq!(r.body["errors"][0]["field"], "source", "{r:?}");

    // Another owner cannot reach the resource: 404, and nothing is stored.
    let other = srv.owner("other@example.com").await;
    let stranger = Owner {
        resource: owner.resource.clone(),
        ..other
    };
    let r = send_ics(&srv, &stranger, "", "text/calendar", &good).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert_eq!(listed(&srv, &owner).await, []);
}

server_tests!(
    an_ics_file_blocks_slots_and_bookings_until_its_source_is_replaced,
    a_bad_calendar_is_refused_by_event_and_nothing_is_stored,
);
