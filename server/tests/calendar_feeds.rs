//! Calendar feeds (issue 18 item 4, INT-2) over HTTP on both backends, parsed with Python's
//! `icalendar`: the owner's business feed (client names), the client's own feed (no other
//! client), the free/busy feed (no personal data); stable UIDs, SEQUENCE growing with each
//! change, cancelled events, UTC times; ETag and 304; rotated and revoked tokens answer 404.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::path::Path;
use std::process::Command;

use common::Srv;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The feed as Python's `icalendar` reads it: the calendar's properties and, per event, its
/// UID, SEQUENCE, STATUS, DTSTART and DTEND (UTC, RFC 3339), SUMMARY and DESCRIPTION.
fn python_feed(text: &str) -> Value {
    let dir = common::environment::temp_dir("rdv-feed-");
    let path = dir.path().join("feed.ics");
    std::fs::write(&path, text).unwrap();
    let script = "import icalendar, json, sys, datetime\n\
        cal = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n\
        def utc(p):\n\
        \x20   d = p.dt\n\
        \x20   assert d.tzinfo is not None and d.utcoffset() == datetime.timedelta(0), d\n\
        \x20   return d.strftime('%Y-%m-%dT%H:%M:%SZ')\n\
        events = [{'uid': str(e['UID']), 'sequence': int(e['SEQUENCE']), 'status': str(e['STATUS']),\n\
        \x20  'start': utc(e['DTSTART']), 'end': utc(e['DTEND']), 'summary': str(e['SUMMARY']),\n\
        \x20  'description': str(e.get('DESCRIPTION', ''))} for e in cal.walk('VEVENT')]\n\
        print(json.dumps({'refresh': str(cal['REFRESH-INTERVAL'].to_ical().decode()),\n\
        \x20  'refresh_params': dict(cal['REFRESH-INTERVAL'].params), 'ttl': str(cal['X-PUBLISHED-TTL']),\n\
        \x20  'events': sorted(events, key=lambda e: e['start'])}))\n";
    let python_path = std::env::var("RDV_TEST_PYTHONPATH").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.tools/python")
            .display()
            .to_string()
    });
    let out = Command::new("python3")
        .env("PYTHONPATH", python_path)
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// GET of a feed URL, optionally conditional: status, ETag, body.
async fn fetch(
    srv: &Srv,
    url: &str,
    etag: Option<&str>,
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let path = url.split_once("/calendrier/").unwrap().1;
    let mut req = srv.http.get(format!("{}/calendrier/{path}", srv.base));
    if let Some(e) = etag {
        req = req.header("if-none-match", e);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    let headers = r.headers().clone();
    (status, headers, r.text().await.unwrap())
}

async fn profile(srv: &Srv, token: &str, email: &str, first: &str, last: &str) {
    let r = srv
        .put(
            "/api/client/mon-profil/",
            Some(token),
            json!({"email": email, "first_name": first, "last_name": last}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn feeds_follow_reservations_and_hide_other_people(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let ana = srv.client("ana@example.com").await;
    let bob = srv.client("bob@example.com").await;
    profile(&srv, &ana, "ana@example.com", "Ana", "Martin; Jr, \"A\"").await;
    profile(&srv, &bob, "bob@example.com", "Bob", "Durand").await;
    let mut ids = Vec::new();
    for (who, hhmm) in [(&ana, "10:00"), (&ana, "11:00"), (&bob, "12:00")] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(who),
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }

    // Feeds: the business's, the free/busy one, Ana's.
    let mut urls = Vec::new();
    for kind in ["business", "free_busy"] {
        let r = srv
            .post(
                "/api/entreprise/flux-calendrier/",
                owner.t(),
                json!({"kind": kind}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        assert_eq!(r.body["kind"], kind);
        assert!(r.body["token"].as_str().unwrap().len() >= 43, "{r:?}");
        urls.push(r.body["url"].as_str().unwrap().to_owned());
    }
    let r = srv
        .post("/api/client/flux-calendrier/", Some(&ana), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let ana_feed = r.body["id"].as_str().unwrap().to_owned();
    urls.push(r.body["url"].as_str().unwrap().to_owned());
    let (business_url, busy_url, ana_url) = (&urls[0], &urls[1], &urls[2]);

    // The owner's feed: every reservation, client names, UTC times, refresh announced.
    let (status, headers, text) = fetch(&srv, business_url, None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(headers["content-type"], "text/calendar; charset=utf-8");
    assert_eq!(headers["cache-control"], "private, max-age=900");
    // RFC 5545's line rules: CRLF line ends, lines folded at 75 octets.
    assert!(text.ends_with("END:VCALENDAR\r\n"), "{text}");
    for line in text.split("\r\n") {
        assert!(line.len() <= 75 && !line.contains('\n'), "{line:?}");
    }
    let feed = python_feed(&text);
    assert_eq!(feed["refresh"], "PT15M");
    assert_eq!(feed["refresh_params"], json!({"VALUE": "DURATION"}));
    assert_eq!(feed["ttl"], "PT15M");
    let events = feed["events"].as_array().unwrap();
    let uids: Vec<String> = ids.iter().map(|id| format!("{id}@rdv")).collect();
    assert_eq!(
        events
            .iter()
            .map(|e| e["uid"].as_str().unwrap())
            .collect::<Vec<_>>(),
        uids.iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert_eq!(events[0]["start"], owner.at("10:00"));
    assert_eq!(events[0]["end"], owner.at("10:30"));
    assert!(
        events[0]["summary"]
            .as_str()
            .unwrap()
            .contains("Ana Martin; Jr, \"A\""),
        "{feed}"
    );
    assert!(
        events[2]["summary"]
            .as_str()
            .unwrap()
            .contains("Bob Durand"),
        "{feed}"
    );
    let first_sequence = events[0]["sequence"].as_i64().unwrap();
    let first_status = events[0]["status"].as_str().unwrap().to_owned();
    assert!(
        ["TENTATIVE", "CONFIRMED"].contains(&first_status.as_str()),
        "{feed}"
    );

    // 304 on the same ETag; the ETag is the body's.
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let (status, _, body) = fetch(&srv, business_url, Some(&etag)).await;
    assert_eq!((status, body.as_str()), (StatusCode::NOT_MODIFIED, ""));

    // Ana's feed: hers only; the free/busy feed: no names, no services.
    let ana_events = python_feed(&fetch(&srv, ana_url, None).await.2)["events"].clone();
    assert_eq!(
        ana_events
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["uid"].clone())
            .collect::<Vec<_>>(),
        vec![json!(uids[0]), json!(uids[1])]
    );
    assert!(!ana_events.to_string().contains("Bob"), "{ana_events}");
    assert!(
        ana_events[0]["summary"]
            .as_str()
            .unwrap()
            .contains("Salon Test"),
        "{ana_events}"
    );
    let busy = fetch(&srv, busy_url, None).await.2;
    for word in ["Ana", "Bob", "Martin", "Durand", "@example.com"] {
        assert!(!busy.contains(word), "{word} in the free/busy feed: {busy}");
    }
    let busy_events = python_feed(&busy)["events"].clone();
    assert_eq!(busy_events.as_array().unwrap().len(), 3);
    assert!(
        busy_events
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["summary"] == "Busy" && e["description"] == "")
    );

    // A reschedule and a cancellation: SEQUENCE grows, STATUS:CANCELLED, a new ETag.
    let r = srv
        .post(
            &format!("/api/client/reservations/{}/reschedule/", ids[0]),
            Some(&ana),
            json!({"start": owner.at("14:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .delete(&format!("/api/client/reservations/{}/", ids[1]), Some(&ana))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let (status, headers, text) = fetch(&srv, business_url, Some(&etag)).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(headers["etag"].to_str().unwrap(), etag);
    let events = python_feed(&text)["events"].as_array().unwrap().clone();
    let moved = events
        .iter()
        .find(|e| e["uid"] == uids[0].as_str())
        .unwrap();
    assert_eq!(moved["start"], owner.at("14:00"));
    assert_eq!(moved["end"], owner.at("14:30"));
    assert_eq!(moved["sequence"].as_i64().unwrap(), first_sequence + 1);
    let cancelled = events
        .iter()
        .find(|e| e["uid"] == uids[1].as_str())
        .unwrap();
    assert_eq!(cancelled["status"], "CANCELLED");
    assert_eq!(cancelled["sequence"].as_i64().unwrap(), first_sequence + 1);

    // The list never shows a token again.
    let r = srv.get("/api/entreprise/flux-calendrier/", owner.t()).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body.as_array().unwrap().len(), 2);
    assert!(
        !r.text.contains("token") && !r.text.contains("/calendrier/"),
        "{}",
        r.text
    );

    // Rotation: the old token answers 404, the new one the feed; revocation: 404.
    let r = srv
        .post(
            &format!("/api/client/flux-calendrier/{ana_feed}/rotation/"),
            Some(&ana),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let rotated = r.body["url"].as_str().unwrap().to_owned();
    let (status, headers, text) = fetch(&srv, ana_url, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    assert_eq!(headers["content-type"], "application/problem+json");
    assert!(text.contains("CALENDAR_FEED_NOT_FOUND"), "{text}");
    assert_eq!(fetch(&srv, &rotated, None).await.0, StatusCode::OK);
    // Bob cannot rotate or revoke Ana's feed.
    let r = srv
        .delete(
            &format!("/api/client/flux-calendrier/{ana_feed}/"),
            Some(&bob),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "CALENDAR_FEED_NOT_FOUND")
    );
    let r = srv
        .delete(
            &format!("/api/client/flux-calendrier/{ana_feed}/"),
            Some(&ana),
        )
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    let (status, _, text) = fetch(&srv, &rotated, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{text}");
    let (status, _, _) = fetch(&srv, "x/calendrier/not-a-token.ics", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Bad input: an unknown kind, a resource feed without its resource.
    let r = srv
        .post(
            "/api/entreprise/flux-calendrier/",
            owner.t(),
            json!({"kind": "everything"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        "{r:?}"
    );
    let r = srv
        .post(
            "/api/entreprise/flux-calendrier/",
            owner.t(),
            json!({"kind": "resource"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        "{r:?}"
    );
    let r = srv
        .post(
            "/api/entreprise/flux-calendrier/",
            owner.t(),
            json!({"kind": "resource", "resource_id": owner.resource}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["resource_id"], owner.resource.as_str());
}

server_tests!(feeds_follow_reservations_and_hide_other_people);
