//! Whole journeys over real HTTP, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::io::Read as _;

use common::{Resp, Srv, business_body};
use reqwest::StatusCode;
use serde_json::json;

/// register → verify email → login → browse → book → business confirms → client cancels.
async fn client_books_business_confirms_client_cancels(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let c = Some(client.as_str());

    // Browse: the business is listed, its service and slots are public.
    let r = srv.get("/api/entreprises/?city=lyon", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["items"][0]["id"], owner.business.as_str());
    assert!(
        r.body["items"][0].get("owner_id").is_none(),
        "owner ids stay private"
    );
    let r = srv
        .get(
            &format!("/api/entreprises/{}/services/", owner.business),
            None,
        )
        .await;
    assert_eq!(r.body["items"][0]["id"], owner.service.as_str(), "{r:?}");
    let slots_path = format!(
        "/api/services/{}/creneaux/?from={}&to={}",
        owner.service,
        owner.at("00:00"),
        owner.at("23:59")
    );
    let r = srv.get(&slots_path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let slots = r.body["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 20, "08:00–18:00 in 30-minute slots: {r:?}");
    assert_eq!(slots[0]["start"], owner.at("08:00").as_str());

    // Book the 10:00 slot.
    let r = srv
        .post(
            "/api/client/reservations/",
            c,
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["status"], "pending");
    let id = r.body["id"].as_str().unwrap().to_owned();
    // The slot is gone for everyone.
    let r = srv.get(&slots_path, None).await;
    assert_eq!(r.body["slots"].as_array().unwrap().len(), 19);

    // The business sees it and confirms it.
    let r = srv
        .get("/api/entreprise/reservations/?status=pending", owner.t())
        .await;
    assert_eq!(
        r.body["items"][0]["reservation"]["id"],
        id.as_str(),
        "{r:?}"
    );
    assert_eq!(r.body["items"][0]["service_name"], "Coupe");
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{id}/confirmer/"),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "confirmed");

    // The client cancels with a reason; the history has every step.
    let r = srv
        .delete(
            &format!("/api/client/reservations/{id}/?reason=empêchement"),
            c,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "cancelled_by_client");
    let r = srv.get(&format!("/api/client/reservations/{id}/"), c).await;
    let history: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["pending", "confirmed", "cancelled_by_client"]);
    let r = srv.get(&slots_path, None).await;
    assert_eq!(
        r.body["slots"].as_array().unwrap().len(),
        20,
        "slot free again"
    );

    // Metrics counted the booking and the cancellation.
    let metrics = srv.get("/metrics", None).await.text;
    assert!(
        metrics.contains("rdv_bookings_created_total 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rdv_bookings_cancelled_total 1"),
        "{metrics}"
    );
}

/// business creates recurring availabilities → client sees the slots → books.
async fn recurring_availabilities_become_bookable_slots(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();
    // A second resource with a weekly rule, in the business's zone (Europe/Paris).
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            t,
            json!({"name": "Bruno", "kind": "staff"}),
        )
        .await;
    let bruno = r.body["id"].as_str().unwrap().to_owned();
    let mut body = common::service_body(&bruno);
    body["name"] = json!("Barbe");
    let r = srv.post("/api/entreprise/services/", t, body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let service = r.body["id"].as_str().unwrap().to_owned();
    let first = (chrono::Utc::now() + chrono::Duration::days(2)).format("%Y-%m-%dT09:00:00");
    let r = srv
        .post(
            "/api/entreprise/disponibilites/recurrentes/",
            t,
            json!({"resource_id": bruno, "rrule": "FREQ=DAILY;COUNT=5", "first_start": first.to_string(), "wall_minutes": 120}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let windows = r.body.as_array().unwrap().clone();
    assert_eq!(windows.len(), 5);
    // The availability list shows them by date range.
    let from = (chrono::Utc::now() + chrono::Duration::days(1)).format("%Y-%m-%dT00:00:00Z");
    let r = srv
        .get(
            &format!("/api/entreprise/disponibilites/?from={from}&resource_id={bruno}"),
            t,
        )
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 5, "{r:?}");
    // Paged by two, in start order, every window once.
    let r2 = srv
        .get(
            &format!("/api/entreprise/disponibilites/?from={from}&resource_id={bruno}&limit=2"),
            t,
        )
        .await;
    assert_eq!(r2.body["items"].as_array().unwrap().len(), 2);
    let cursor = r2.body["next_cursor"].as_str().unwrap().to_owned();
    let r3 = srv
        .get(
            &format!("/api/entreprise/disponibilites/?from={from}&resource_id={bruno}&limit=2&cursor={cursor}"),
            t,
        )
        .await;
    assert_eq!(
        r3.body["items"][0]["id"], r.body["items"][2]["id"],
        "{r3:?}"
    );

    let client = srv.client("marc@example.com").await;
    let to = (chrono::Utc::now() + chrono::Duration::days(10)).format("%Y-%m-%dT00:00:00Z");
    let r = srv
        .get(
            &format!("/api/services/{service}/creneaux/?from={from}&to={to}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let slots = r.body["slots"].as_array().unwrap().clone();
    assert_eq!(slots.len(), 5 * 4, "two hours a day in 30-minute slots");
    let start = slots[0]["start"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": service, "start": start}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["resource_id"], bruno.as_str());
    // The snapshot carries the same windows and the busy interval, without client data.
    let r = srv
        .get(
            &format!("/api/services/{service}/snapshot/?from={from}&to={to}"),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert!(!r.text.contains("marc@example.com"));
    assert!(!r.text.contains("client_id"), "{}", r.text);
}

/// A retried booking with the same Idempotency-Key returns the first reservation; the same key
/// with another body is refused; no key, second attempt: a conflict.
async fn idempotency_key_makes_booking_retries_safe(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let body = json!({"service_id": owner.service, "start": owner.at("11:00")});
    let send = |key: &'static str, body: serde_json::Value| {
        let req = srv
            .http
            .post(format!("{}/api/client/reservations/", srv.base))
            .bearer_auth(&client)
            .header("Idempotency-Key", key)
            .json(&body);
        Srv::finish(req)
    };
    let first = send("retry-1", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let again = send("retry-1", body.clone()).await;
    assert_eq!(again.status, StatusCode::CREATED, "{again:?}");
    assert_eq!(again.body["id"], first.body["id"]);
    assert_eq!(again.headers["idempotent-replayed"], "true");
    let other = send(
        "retry-1",
        json!({"service_id": owner.service, "start": owner.at("12:00")}),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY, "{other:?}");
    assert_eq!(other.code(), "IDEMPOTENCY_KEY_REUSED");
    let no_key = srv
        .post("/api/client/reservations/", Some(&client), body)
        .await;
    assert_eq!(no_key.status, StatusCode::CONFLICT, "{no_key:?}");
    assert_eq!(no_key.code(), "BOOKING_OVERLAP");
    let r = srv.get("/api/client/reservations/", Some(&client)).await;
    assert_eq!(
        r.body["items"].as_array().unwrap().len(),
        1,
        "one reservation only"
    );
}

/// A write to a business is visible on the next public read (the cache is dropped).
async fn public_reads_are_cached_and_writes_are_seen_at_once(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let path = format!("/api/entreprises/{}/", owner.business);
    assert_eq!(srv.get(&path, None).await.body["name"], "Salon Test");
    let r = srv
        .put(
            "/api/entreprise/mon-entreprise/",
            owner.t(),
            business_body("Salon Renommé"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(srv.get(&path, None).await.body["name"], "Salon Renommé");
    let services = format!("/api/entreprises/{}/services/", owner.business);
    assert_eq!(
        srv.get(&services, None).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = srv
        .post(
            &format!("/api/entreprise/services/{}/desactiver/", owner.service),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        srv.get(&services, None).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

/// Eight clients book the same time at once on a service with three resources and no resource
/// chosen: exactly three succeed, on three different resources (a lost race moves on to the
/// next free resource instead of failing).
async fn concurrent_bookings_fill_every_free_resource(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let t = owner.t();
    let mut resources = vec![owner.resource.clone()];
    for name in ["Bruno", "Chloé"] {
        let r = srv
            .post(
                "/api/entreprise/ressources/",
                t,
                json!({"name": name, "kind": "staff"}),
            )
            .await;
        let id = r.body["id"].as_str().unwrap().to_owned();
        let r = srv
            .post(
                "/api/entreprise/disponibilites/",
                t,
                json!({"resource_id": id, "start": owner.at("08:00"), "end": owner.at("18:00")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        resources.push(id);
    }
    let mut body = common::service_body(&resources[0]);
    body["resource_ids"] = json!(resources);
    let r = srv.post("/api/entreprise/services/", t, body).await;
    let service = r.body["id"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for i in 0..8 {
        tokens.push(srv.client(&format!("c{i}@example.com")).await);
    }
    let tasks: Vec<_> = tokens
        .into_iter()
        .map(|token| {
            let http = srv.http.clone();
            let url = format!("{}/api/client/reservations/", srv.base);
            let body = json!({"service_id": service, "start": owner.at("09:00")});
            tokio::spawn(
                async move { Srv::finish(http.post(url).bearer_auth(token).json(&body)).await },
            )
        })
        .collect();
    let mut booked = Vec::new();
    for task in tasks {
        let r = task.await.unwrap();
        match r.status {
            StatusCode::CREATED => booked.push(r.body["resource_id"].as_str().unwrap().to_owned()),
            StatusCode::CONFLICT => {}
            _ => panic!("unexpected answer {r:?}"),
        }
    }
    booked.sort();
    resources.sort();
    assert_eq!(booked, resources, "one booking per resource");
}

/// Slot answers come from the cache, gzip-compressed for clients that accept it (the same
/// JSON once decompressed), and every change is visible on the next read: a window added and
/// removed, a booking, a cancellation by the business, and the clock moving on.
async fn slot_answers_are_cached_compressed_and_fresh_after_every_change(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let path = format!(
        "/api/services/{}/creneaux/?from={}&to={}",
        owner.service,
        owner.at("00:00"),
        owner.at("23:59")
    );
    let count = |r: &Resp| r.body["slots"].as_array().unwrap().len();
    let plain = srv.get(&path, None).await;
    assert_eq!(
        count(&plain),
        20,
        "08:00–18:00 in 30-minute slots: {plain:?}"
    );
    assert_eq!(plain.headers["vary"], "accept-encoding");
    assert!(plain.headers.get("content-encoding").is_none());

    let get_encoded = |accept: &'static str| {
        srv.http
            .get(format!("{}{path}", srv.base))
            .header("accept-encoding", accept)
            .send()
    };
    let r = get_encoded("br;q=1, gzip;q=0.5").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-encoding"], "gzip");
    assert_eq!(r.headers()["content-type"], "application/json");
    let compressed = r.bytes().await.unwrap();
    let mut text = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(text, plain.text);
    assert!(
        compressed.len() < plain.text.len() / 4,
        "{} bytes",
        compressed.len()
    );
    let r = get_encoded("gzip;q=0, identity").await.unwrap();
    assert!(
        r.headers().get("content-encoding").is_none(),
        "q=0 refuses gzip"
    );

    // A window added, then removed.
    let r = srv
        .post(
            "/api/entreprise/disponibilites/",
            owner.t(),
            json!({"resource_id": owner.resource, "start": owner.at("18:00"), "end": owner.at("20:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let window = r.body["id"].as_str().unwrap().to_owned();
    assert_eq!(count(&srv.get(&path, None).await), 24);
    let r = srv
        .delete(
            &format!("/api/entreprise/disponibilites/{window}/"),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(count(&srv.get(&path, None).await), 20);

    // A booking, then its cancellation by the business.
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let after = srv.get(&path, None).await;
    assert_eq!(count(&after), 19);
    let booked_start = format!("\"start\":\"{}\"", owner.at("10:00"));
    assert!(!after.text.contains(&booked_start), "{after:?}");
    let r = srv
        .delete(
            &format!("/api/entreprise/reservations/{id}/?reason=fermeture"),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count(&srv.get(&path, None).await), 20);

    // The clock reaches 11:45 on that day: slots before noon are gone without any write.
    let noon = chrono::DateTime::parse_from_rfc3339(&owner.at("11:45")).unwrap();
    srv.state
        .clock()
        .advance((noon.timestamp() - srv.state.now().secs()).max(0));
    let later = srv.get(&path, None).await;
    assert_eq!(count(&later), 12, "12:00–18:00: {later:?}");
    assert_eq!(later.body["slots"][0]["start"], owner.at("12:00").as_str());
}

/// Every kind of write route drops the public cache of its business: each change is seen by
/// the very next public read, which was cached just before it (admin validation and
/// rejection, service edits and activation, bulk, recurring and moved windows, a client's
/// booking, move and cancellation).
async fn every_kind_of_write_is_seen_by_the_next_public_read(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let t = owner.t();
    let slots = format!(
        "/api/services/{}/creneaux/?from={}&to={}",
        owner.service,
        owner.at("00:00"),
        owner.at("23:59")
    );
    // The slot starts, or `None` when the service is not bookable; read twice, so the second
    // answer comes from the cache.
    let starts = || async {
        let first = srv.get(&slots, None).await;
        let second = srv.get(&slots, None).await;
        assert_eq!(first.status, second.status);
        if first.status == StatusCode::OK {
            assert_eq!(first.text, second.text);
        }
        (second.status == StatusCode::OK).then(|| {
            second.body["slots"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["start"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
    };
    let count = || async { starts().await.map(|s| s.len()) };
    let detail = format!("/api/entreprises/{}/", owner.business);
    let detail_status = || async {
        let first = srv.get(&detail, None).await;
        assert_eq!(first.status, srv.get(&detail, None).await.status);
        first.status
    };
    assert_eq!(count().await, Some(20));

    // Admin: rejection unpublishes, validation publishes again.
    assert_eq!(detail_status().await, StatusCode::OK);
    let admin_path = |action: &str| format!("/api/admin/entreprises/{}/{action}/", owner.business);
    let r = srv
        .post(
            &admin_path("rejeter"),
            Some(&admin),
            json!({"reason": "incomplet"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_ne!(detail_status().await, StatusCode::OK);
    let r = srv
        .post(&admin_path("valider"), Some(&admin), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(detail_status().await, StatusCode::OK);
    assert_eq!(count().await, Some(20));

    // Owner: a service's duration, then its activation.
    let service = format!("/api/entreprise/services/{}/", owner.service);
    let mut body = common::service_body(&owner.resource);
    body["rules"]["duration_minutes"] = json!(60);
    body["rules"]["step_minutes"] = json!(60);
    let r = srv.put(&service, t, body).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count().await, Some(10));
    let r = srv
        .put(&service, t, common::service_body(&owner.resource))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count().await, Some(20));
    let r = srv
        .post(&format!("{service}desactiver/"), t, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_ne!(count().await, Some(20));
    let r = srv.post(&format!("{service}activer/"), t, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count().await, Some(20));

    // Owner: windows in bulk, from a recurrence rule, then moved.
    let r = srv
        .post(
            "/api/entreprise/disponibilites/bulk/",
            t,
            json!({"items": [{"resource_id": owner.resource, "start": owner.at("05:00"), "end": owner.at("06:00")}]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let early = r.body[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(count().await, Some(22));
    let r = srv
        .post(
            "/api/entreprise/disponibilites/recurrentes/",
            t,
            json!({"resource_id": owner.resource, "rrule": "FREQ=DAILY;COUNT=1",
                   "first_start": format!("{}T22:00:00", owner.day), "wall_minutes": 60}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(count().await, Some(24));
    let r = srv
        .put(
            &format!("/api/entreprise/disponibilites/{early}/"),
            t,
            json!({"start": owner.at("05:00"), "end": owner.at("07:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count().await, Some(26));

    // Client: a booking, its move, its cancellation.
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let after = starts().await.unwrap();
    assert_eq!(after.len(), 25);
    assert!(!after.contains(&owner.at("10:00")));
    let r = srv
        .post(
            &format!("/api/client/reservations/{id}/reschedule/"),
            Some(&client),
            json!({"start": owner.at("14:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let after = starts().await.unwrap();
    assert_eq!(after.len(), 25);
    assert!(after.contains(&owner.at("10:00")));
    assert!(!after.contains(&owner.at("14:00")));
    let r = srv
        .delete(&format!("/api/client/reservations/{id}/"), Some(&client))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(count().await, Some(26));
}

/// An inactive service and a business an administrator unpublished are answered on every
/// public route, and on a new booking, exactly like an unknown id: 404 `NOT_FOUND`.
async fn hidden_services_look_missing_on_every_public_route(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let range = format!(
        "from={}&to={}",
        owner.at("00:00").replace(':', "%3A"),
        owner.at("23:00").replace(':', "%3A")
    );
    // What the public and a client see of one service id: status, code and entity per route.
    let answers = |service: String| {
        let (srv, client, range) = (&srv, client.clone(), range.clone());
        async move {
            let mut seen = Vec::new();
            for path in [
                format!("/api/services/{service}/"),
                format!("/api/services/{service}/creneaux/?{range}"),
                format!("/api/services/{service}/snapshot/?{range}"),
            ] {
                let r = srv.get(&path, None).await;
                seen.push((
                    path.replace(&service, "{id}"),
                    r.status,
                    r.body["code"].clone(),
                    r.body["detail"].clone(),
                ));
            }
            let r = srv
                .post(
                    "/api/client/reservations/",
                    Some(&client),
                    json!({"service_id": service, "start": owner_at(&range)}),
                )
                .await;
            seen.push((
                "book".into(),
                r.status,
                r.body["code"].clone(),
                r.body["detail"].clone(),
            ));
            seen
        }
    };
    let missing = answers(unknown.clone()).await;
    for (route, status, code, _) in &missing {
        assert_eq!(*status, StatusCode::NOT_FOUND, "{route}");
        assert_eq!(code, "NOT_FOUND", "{route}");
    }
    let shown = answers(owner.service.clone()).await;
    for (route, status, _, _) in &shown {
        assert!(status.is_success(), "{route}: {status}");
    }

    let t = owner.t();
    let r = srv
        .post(
            &format!("/api/entreprise/services/{}/desactiver/", owner.service),
            t,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        answers(owner.service.clone()).await,
        missing,
        "inactive service"
    );
    let r = srv
        .post(
            &format!("/api/entreprise/services/{}/activer/", owner.service),
            t,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");

    let r = srv
        .post(
            &format!("/api/admin/entreprises/{}/rejeter/", owner.business),
            Some(&admin),
            json!({"reason": "incomplete address"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        answers(owner.service.clone()).await,
        missing,
        "unvalidated business"
    );
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = srv
        .get(
            &format!("/api/entreprises/{}/services/", owner.business),
            None,
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
}

/// A start inside the range's day for booking probes: 10:00 of the range's first day.
fn owner_at(range: &str) -> String {
    let day = &range["from=".len().."from=".len() + 10];
    format!("{day}T10:00:00Z")
}

/// Special hours on a date replace that day's opening hours for slots and bookings, are
/// shown publicly, and bad ones are refused field by field.
async fn special_hours_on_a_date_decide_its_slots_and_bookings(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let mut body = business_body("Salon Test");
    body["special_hours"] = json!([{"date": owner.day, "ranges": [{"start": "12:00", "end": "13:00"}], "reason": "Réveillon"}]);
    let r = srv
        .put("/api/entreprise/mon-entreprise/", owner.t(), body.clone())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["special_hours"], body["special_hours"]);
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(r.body["special_hours"], body["special_hours"], "{r:?}");
    let r = srv
        .get(
            &format!(
                "/api/services/{}/creneaux/?from={}&to={}",
                owner.service,
                owner.at("00:00"),
                owner.at("23:59")
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // 12:00 and 12:30 local, whatever the UTC offset of that date.
    let starts: Vec<String> = r.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(starts.len(), 2, "{starts:?}");
    let client = srv.client("jeanne@example.com").await;
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("08:00")}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "OUTSIDE_OPENING_HOURS"),
        "{r:?}"
    );
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": starts[1]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    body["special_hours"] = json!([
        {"date": owner.day, "ranges": [{"start": "12:00", "end": "13:00"}, {"start": "12:30", "end": "14:00"}]},
        {"date": owner.day, "ranges": []}
    ]);
    let r = srv
        .put("/api/entreprise/mon-entreprise/", owner.t(), body)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let fields: Vec<(String, String)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["field"].as_str().unwrap().to_owned(),
                e["code"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        fields,
        [
            (
                "special_hours[0].ranges[1]".to_owned(),
                "overlap".to_owned()
            ),
            ("special_hours[1].date".to_owned(), "duplicate".to_owned()),
        ]
    );
}

/// The business sees who booked (name, email, decrypted phone) and finds reservations by the
/// client's name without accents or case, by email or by phone in national notation; clients
/// cannot search their own list by who booked.
async fn the_business_sees_and_finds_who_booked(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let r = srv
        .post(
            "/api/auth/register/",
            None,
            json!({"email": "zoe@example.com", "password": common::PASSWORD, "role": "client",
                   "first_name": "Zoé", "last_name": "Hervé"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let token = srv
        .outbox_token("zoe@example.com", "email_verification")
        .await;
    let r = srv
        .post("/api/auth/verify-email/", None, json!({"token": token}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let zoe = srv.login("zoe@example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    for (client, at) in [(&jeanne, "10:00"), (&zoe, "11:00")] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(client),
                json!({"service_id": owner.service, "start": owner.at(at)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let list = |q: &str| {
        let (srv, token) = (&srv, owner.token.clone());
        let path = format!("/api/entreprise/reservations/?q={q}");
        async move { srv.get(&path, Some(&token)).await }
    };
    let r = srv.get("/api/entreprise/reservations/", owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let clients: Vec<&serde_json::Value> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["client"])
        .collect();
    assert_eq!(
        clients,
        [
            &json!({"first_name": "Jeanne", "last_name": "Dupont", "email": "jeanne@example.com", "phone": "+33612345678"}),
            &json!({"first_name": "Zoé", "last_name": "Hervé", "email": "zoe@example.com", "phone": null}),
        ]
    );
    let found = |r: Resp| -> Vec<String> {
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["client"]["email"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found(list("HERVE").await), ["zoe@example.com"]);
    assert_eq!(found(list("jeanne%20dupont").await), ["jeanne@example.com"]);
    assert_eq!(found(list("example.com").await).len(), 2);
    assert_eq!(
        found(list("06%2012%2034%2056%2078").await),
        ["jeanne@example.com"]
    );
    assert_eq!(found(list("%2B33612345678").await), ["jeanne@example.com"]);
    assert_eq!(found(list("nobody").await), Vec::<String>::new());
    let r = list("%40%40").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["errors"][0]["field"], "q");
    assert_eq!(r.body["errors"][0]["code"], "required");
    let r = srv
        .get("/api/client/reservations/?q=dupont", Some(&jeanne))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["errors"][0]["code"], "not_allowed");
}

/// A finished reservation moves to the archive after the configured delay: lists show it
/// only with `include_archived`, and the statistics still count it.
async fn finished_reservations_are_archived_and_stay_readable(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let id = r.body["id"].as_str().unwrap().to_owned();
    let archive = |days| {
        let state = srv.state.clone();
        async move {
            state
                .writes()
                .archive_finished_reservations(days)
                .await
                .unwrap()
        }
    };
    assert_eq!(archive(1).await, 0, "not over yet");
    // Two and a half days after its end (whatever the time of day the test runs at), it
    // ended more than two days ago and less than three.
    let end = chrono::DateTime::parse_from_rfc3339(&owner.at("10:30"))
        .unwrap()
        .timestamp();
    srv.state
        .clock()
        .advance(end + 5 * 43_200 - srv.state.now().secs());
    assert_eq!(archive(3).await, 0, "ended less than three days ago");
    assert_eq!(archive(2).await, 1);
    // The owner signs in again: days outlive an access token.
    let token = srv.login("owner@example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let ids = |path: String| {
        let (srv, token) = (&srv, token.clone());
        async move {
            let r = srv.get(&path, Some(&token)).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v["reservation"]["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert!(ids("/api/entreprise/reservations/".into()).await.is_empty());
    assert_eq!(
        ids("/api/entreprise/reservations/?include_archived=true".into()).await,
        [id]
    );
    let day = chrono::NaiveDate::parse_from_str(&owner.day, "%Y-%m-%d").unwrap();
    let next = day + chrono::Duration::days(1);
    let r = srv
        .get(
            &format!(
                "/api/entreprise/statistiques/?from={}&to={next}T00:00:00Z",
                owner.at("00:00")
            ),
            Some(&token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let totals = &r.body["totals"];
    assert_eq!(
        totals["appointments"],
        json!({"value": 1, "previous": 0}),
        "{r:?}"
    );
    assert_eq!(
        totals["pending"],
        json!({"value": 1, "previous": 0}),
        "{r:?}"
    );
    // Booked today: created in the previous period of equal length.
    assert_eq!(
        totals["created"],
        json!({"value": 0, "previous": 1}),
        "{r:?}"
    );
}

server_tests!(
    concurrent_bookings_fill_every_free_resource,
    client_books_business_confirms_client_cancels,
    recurring_availabilities_become_bookable_slots,
    idempotency_key_makes_booking_retries_safe,
    public_reads_are_cached_and_writes_are_seen_at_once,
    slot_answers_are_cached_compressed_and_fresh_after_every_change,
    every_kind_of_write_is_seen_by_the_next_public_read,
    hidden_services_look_missing_on_every_public_route,
    special_hours_on_a_date_decide_its_slots_and_bookings,
    the_business_sees_and_finds_who_booked,
    finished_reservations_are_archived_and_stay_readable,
);
