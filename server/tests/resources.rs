//! Resources over real HTTP on SQLite and PostgreSQL (issue 17 item 3): replaced and read
//! back, working hours inside the opening hours that bound slots and bookings (a stylist who
//! works Tuesday to Saturday), deactivation listing the reservations a resource holds and
//! applying the owner's keep, cancel and move decisions one by one (the client told), and
//! deletion refused while reservations remain.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use chrono::{Datelike as _, Duration, NaiveDate, TimeZone as _};
use common::{Owner, Srv};
use rdv_server::config::Config;
use rdv_server::notify::Notifier;
use rdv_storage::accounts::AccountStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn quiet_worker(c: &mut Config) {
    c.notify_worker = false;
}

fn resource_path(id: &str) -> String {
    format!("/api/entreprise/ressources/{id}/")
}

/// A second resource of the owner's business, performing the service too, with a window
/// tomorrow 08:00–18:00 UTC.
async fn add_bob(srv: &Srv, owner: &Owner) -> String {
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            owner.t(),
            json!({"name": "Bob", "kind": "staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let bob = r.body["id"].as_str().unwrap().to_owned();
    let mut service = common::service_body(&owner.resource);
    service["resource_ids"] = json!([owner.resource, bob]);
    let r = srv
        .put(
            &format!("/api/entreprise/services/{}/", owner.service),
            owner.t(),
            service,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post(
            "/api/entreprise/disponibilites/",
            owner.t(),
            json!({"resource_id": bob, "start": owner.at("08:00"), "end": owner.at("18:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    bob
}

async fn book(srv: &Srv, client: &str, owner: &Owner, resource: &str, start: &str) -> Value {
    srv.post(
        "/api/client/reservations/",
        Some(client),
        json!({"service_id": owner.service, "resource_id": resource, "start": start}),
    )
    .await
    .body
}

async fn booked(srv: &Srv, client: &str, owner: &Owner, resource: &str, hhmm: &str) -> String {
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(client),
            json!({"service_id": owner.service, "resource_id": resource, "start": owner.at(hhmm)}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

async fn reservation(srv: &Srv, owner: &Owner, id: &str) -> Value {
    let r = srv
        .get(&format!("/api/entreprise/reservations/{id}/"), owner.t())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

/// The starts of the service's free slots in `[from, to)`, with their resources.
async fn slots(srv: &Srv, owner: &Owner, from: &str, to: &str) -> Vec<(String, String)> {
    let path = format!(
        "/api/services/{}/creneaux/?from={from}&to={to}",
        owner.service
    );
    let r = srv.get(&path, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["start"].as_str().unwrap().to_owned(),
                s["resource_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// How many outbox messages of `kind` went to `email`.
async fn count(srv: &Srv, email: &str, kind: &str) -> usize {
    let messages = srv.state.store().outbox_for(email).await.unwrap();
    messages.iter().filter(|m| m.kind == kind).count()
}

/// The owner's business opens Monday to Saturday 09:00–19:00 and is closed on Sunday.
async fn open_monday_to_saturday(srv: &Srv, owner: &Owner) {
    let mut body = common::business_body("Salon Test");
    let day = json!([{"start": "09:00", "end": "19:00"}]);
    body["opening_hours"] = json!({"monday": day, "tuesday": day, "wednesday": day,
        "thursday": day, "friday": day, "saturday": day});
    let r = srv
        .put("/api/entreprise/mon-entreprise/", owner.t(), body)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn a_resource_is_replaced_read_back_and_hidden_from_other_businesses(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    open_monday_to_saturday(&srv, &owner).await;
    let path = resource_path(&owner.resource);
    let ten_to_six = json!([{"start": "10:00", "end": "18:00"}]);
    let hours = json!({"tuesday": ten_to_six, "wednesday": ten_to_six, "thursday": ten_to_six,
        "friday": ten_to_six, "saturday": [{"start": "09:00", "end": "13:00"}]});
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({"name": "  Alice Martin ", "kind": "room", "working_hours": hours}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let empty = json!([]);
    let expected = json!({
        "id": owner.resource,
        "business_id": owner.business,
        "name": "Alice Martin",
        "kind": "room",
        "active": true,
        "working_hours": {"monday": empty, "tuesday": ten_to_six, "wednesday": ten_to_six,
            "thursday": ten_to_six, "friday": ten_to_six,
            "saturday": [{"start": "09:00", "end": "13:00"}], "sunday": empty},
    });
    assert_eq!(r.body, expected);
    let r = srv.get(&path, owner.t()).await;
    assert_eq!((r.status, &r.body), (StatusCode::OK, &expected), "{r:?}");
    let r = srv.get("/api/entreprise/ressources/", owner.t()).await;
    assert_eq!(r.body["items"], json!([expected]), "{r:?}");

    // A full replacement: without working hours, the resource works all the opening hours.
    let r = srv
        .put(&path, owner.t(), json!({"name": "Alice", "kind": "staff"}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["working_hours"], Value::Null);
    assert_eq!(srv.get(&path, owner.t()).await.body, r.body);

    // Ranges outside the opening hours are named; nothing changes.
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({"name": "", "kind": "staff", "working_hours": {
                "tuesday": [{"start": "08:00", "end": "12:00"}, {"start": "14:00", "end": "19:00"}],
                "sunday": [{"start": "10:00", "end": "12:00"}]}}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        "{r:?}"
    );
    let fields: Vec<(&str, &str)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("name", "required"),
            ("working_hours.tuesday[0]", "outside_opening_hours"),
            ("working_hours.sunday[0]", "outside_opening_hours"),
        ]
    );
    assert_eq!(srv.get(&path, owner.t()).await.body["name"], "Alice");
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({"name": "Alice", "kind": "staff", "active": false}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY"),
        "{r:?}"
    );
    // Created with working hours too.
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            owner.t(),
            json!({"name": "Chloé", "kind": "staff", "working_hours": {"sunday": [{"start": "10:00", "end": "11:00"}]}}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["field"].as_str()),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("working_hours.sunday[0]")
        ),
        "{r:?}"
    );

    // Another business's resource answers exactly like a missing one, and stays unchanged.
    let other = srv.owner("other@example.com").await;
    let missing = resource_path("0196f1a2-3b4c-7d5e-8f60-718293a4b5c6");
    for target in [&path, &missing] {
        let not_found = [
            srv.get(target, other.t()).await,
            srv.put(target, other.t(), json!({"name": "X", "kind": "staff"}))
                .await,
            srv.post(&format!("{target}desactiver/"), other.t(), json!({}))
                .await,
            srv.post(&format!("{target}activer/"), other.t(), json!({}))
                .await,
            srv.delete(target, other.t()).await,
        ];
        for r in not_found {
            assert_eq!(
                (r.status, r.code(), r.body["detail"].as_str()),
                (
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    Some("resource not found")
                ),
                "{target}: {r:?}"
            );
        }
    }
    let r = srv.get(&path, owner.t()).await;
    assert_eq!(
        (r.body["name"].as_str(), r.body["active"].as_bool()),
        (Some("Alice"), Some(true))
    );
}

/// The first Monday at least two days from now (UTC), `YYYY-MM-DD`.
fn next_monday() -> NaiveDate {
    let mut day = chrono::Utc::now().date_naive() + Duration::days(2);
    while day.weekday() != chrono::Weekday::Mon {
        day += Duration::days(1);
    }
    day
}

/// `HH:MM` Paris time on `day` as an RFC 3339 UTC instant.
fn paris(day: NaiveDate, hhmm: &str) -> String {
    let (h, m) = hhmm.split_once(':').unwrap();
    let local = day
        .and_hms_opt(h.parse().unwrap(), m.parse().unwrap(), 0)
        .unwrap();
    chrono_tz::Europe::Paris
        .from_local_datetime(&local)
        .unwrap()
        .with_timezone(&chrono::Utc)
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

async fn a_stylist_working_tuesday_to_saturday_is_offered_and_booked_only_then(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let monday = next_monday();
    let tuesday = monday + Duration::days(1);
    let wednesday = monday + Duration::days(2);
    for day in [monday, tuesday] {
        let r = srv
            .post(
                "/api/entreprise/disponibilites/",
                owner.t(),
                json!({"resource_id": owner.resource, "start": format!("{day}T06:00:00Z"),
                       "end": format!("{day}T18:00:00Z")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    }
    let hours = json!([{"start": "10:00", "end": "12:00"}]);
    let r = srv
        .put(
            &resource_path(&owner.resource),
            owner.t(),
            json!({"name": "Alice", "kind": "staff", "working_hours": {"tuesday": hours,
                "wednesday": hours, "thursday": hours, "friday": hours, "saturday": hours}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Monday: a window all day but no working hours, no slot. Tuesday: 10:00–12:00 Paris.
    let got = slots(
        &srv,
        &owner,
        &format!("{monday}T00:00:00Z"),
        &format!("{wednesday}T00:00:00Z"),
    )
    .await;
    let expected: Vec<(String, String)> = ["10:00", "10:30", "11:00", "11:30"]
        .iter()
        .map(|t| (paris(tuesday, t), owner.resource.clone()))
        .collect();
    assert_eq!(got, expected);
    // Booking outside the working hours is refused like outside the opening hours.
    for start in [
        paris(monday, "10:00"),
        paris(tuesday, "09:30"),
        paris(tuesday, "11:45"),
    ] {
        let r = book(&srv, &client, &owner, &owner.resource, &start).await;
        assert_eq!(r["code"], "OUTSIDE_OPENING_HOURS", "{start}: {r}");
    }
    let r = book(
        &srv,
        &client,
        &owner,
        &owner.resource,
        &paris(tuesday, "10:00"),
    )
    .await;
    assert_eq!(
        (r["interval"]["start"].as_str(), r["resource_id"].as_str()),
        (
            Some(paris(tuesday, "10:00").as_str()),
            Some(owner.resource.as_str())
        ),
        "{r}"
    );
    // The snapshot carries the working hours, so apps compute the same slots.
    let r = srv
        .get(
            &format!(
                "/api/services/{}/snapshot/?from={monday}T00:00:00Z&to={wednesday}T00:00:00Z",
                owner.service
            ),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["resources"][0]["working_hours"]["tuesday"], hours);
    assert_eq!(r.body["resources"][0]["working_hours"]["monday"], json!([]));
}

async fn deactivation_lists_the_reservations_and_applies_each_decision(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let bob = add_bob(&srv, &owner).await;
    let alice = owner.resource.clone();
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let notifier = Notifier::new(srv.state.clone()).unwrap();
    let keep = booked(&srv, &jeanne, &owner, &alice, "09:00").await;
    let blocked = booked(&srv, &jeanne, &owner, &alice, "10:00").await;
    let moved = booked(&srv, &jeanne, &owner, &alice, "11:00").await;
    let cancel = booked(&srv, &jeanne, &owner, &alice, "12:00").await;
    booked(&srv, &marc, &owner, &bob, "10:00").await;
    // A cancelled one is not held any more.
    let gone = booked(&srv, &marc, &owner, &alice, "15:00").await;
    let r = srv
        .delete(&format!("/api/client/reservations/{gone}/"), Some(&marc))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    notifier.tick().await.unwrap();

    let deactivate = format!("{}desactiver/", resource_path(&alice));
    let r = srv.post(&deactivate, owner.t(), json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["resource"]["active"], false);
    assert_eq!(r.body["outcomes"], json!([]));
    let listed: Vec<(&str, &str, &str, &str)> = r.body["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["reservation"]["id"].as_str().unwrap(),
                v["resource_name"].as_str().unwrap(),
                v["client"]["email"].as_str().unwrap(),
                v["client"]["phone"].as_str().unwrap(),
            )
        })
        .collect();
    let who = ("Alice", "jeanne@example.com", "+33612345678");
    assert_eq!(
        listed,
        [&keep, &blocked, &moved, &cancel].map(|id| (id.as_str(), who.0, who.1, who.2))
    );
    // No new booking on Alice: slots are Bob's only, and naming her is refused.
    let got = slots(&srv, &owner, &owner.at("13:00"), &owner.at("14:00")).await;
    assert_eq!(
        got,
        [
            (owner.at("13:00"), bob.clone()),
            (owner.at("13:30"), bob.clone())
        ]
    );
    let lea = srv.client("lea@example.com").await;
    let r = book(&srv, &lea, &owner, &alice, &owner.at("16:00")).await;
    assert_eq!(r["code"], "RESOURCE_INACTIVE", "{r}");

    // A malformed decision list changes nothing.
    let r = srv
        .post(
            &deactivate,
            owner.t(),
            json!({"decisions": [{"action": "cancel", "reservation_id": cancel, "reason": " "},
                                 {"action": "keep", "reservation_id": cancel}]}),
        )
        .await;
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        (r.status, fields),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            vec!["decisions[0].reason", "decisions[1].reservation_id"]
        ),
        "{r:?}"
    );
    assert_eq!(
        reservation(&srv, &owner, &cancel).await["status"],
        "pending"
    );

    let r = srv
        .post(
            &deactivate,
            owner.t(),
            json!({"decisions": [
                {"action": "keep", "reservation_id": keep},
                {"action": "move", "reservation_id": blocked, "to_resource_id": bob},
                {"action": "move", "reservation_id": moved, "to_resource_id": bob},
                {"action": "cancel", "reservation_id": cancel, "reason": "Alice is away"},
                {"action": "keep", "reservation_id": gone},
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let outcomes: Vec<(&str, &str, bool, Option<&str>)> = r.body["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["reservation_id"].as_str().unwrap(),
                o["action"].as_str().unwrap(),
                o["applied"].as_bool().unwrap(),
                o["code"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            (keep.as_str(), "keep", true, None),
            (blocked.as_str(), "move", false, Some("BOOKING_OVERLAP")),
            (moved.as_str(), "move", true, None),
            (cancel.as_str(), "cancel", true, None),
            (gone.as_str(), "keep", false, Some("NOT_FOUND")),
        ]
    );
    let still: Vec<&str> = r.body["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["reservation"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(still, [keep.as_str(), blocked.as_str()]);
    let state = |v: &Value| {
        (
            v["status"].as_str().unwrap().to_owned(),
            v["resource_id"].as_str().unwrap().to_owned(),
            v["interval"]["start"].as_str().unwrap().to_owned(),
        )
    };
    let pending = || "pending".to_owned();
    assert_eq!(
        state(&reservation(&srv, &owner, &keep).await),
        (pending(), alice.clone(), owner.at("09:00"))
    );
    assert_eq!(
        state(&reservation(&srv, &owner, &blocked).await),
        (pending(), alice.clone(), owner.at("10:00"))
    );
    let moved_now = reservation(&srv, &owner, &moved).await;
    assert_eq!(
        state(&moved_now),
        (pending(), bob.clone(), owner.at("11:00"))
    );
    assert_eq!(moved_now["reschedule_count"], 0);
    let last = moved_now["history"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (
            last["actor"].as_str(),
            last["from"].as_str(),
            last["to"].as_str()
        ),
        (Some("business"), Some("pending"), Some("pending"))
    );
    let cancelled = reservation(&srv, &owner, &cancel).await;
    assert_eq!(
        state(&cancelled),
        (
            "cancelled_by_business".to_owned(),
            alice.clone(),
            owner.at("12:00")
        )
    );
    assert_eq!(
        cancelled["history"].as_array().unwrap().last().unwrap()["reason"],
        "Alice is away"
    );
    // Alice's 11:00 is not Bob's to give again, and Bob's 11:00 is taken.
    let r = book(&srv, &lea, &owner, &bob, &owner.at("11:00")).await;
    assert_eq!(r["code"], "BOOKING_OVERLAP", "{r}");
    // Jeanne is told of the move and of the cancellation, once each.
    notifier.tick().await.unwrap();
    assert_eq!(
        count(&srv, "jeanne@example.com", "reservation_rescheduled").await,
        1
    );
    assert_eq!(
        count(
            &srv,
            "jeanne@example.com",
            "reservation_cancelled_by_business"
        )
        .await,
        1
    );

    // Reactivated, Alice takes bookings again.
    let r = srv
        .post(
            &format!("{}activer/", resource_path(&alice)),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["active"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{r:?}"
    );
    let r = book(&srv, &lea, &owner, &alice, &owner.at("16:00")).await;
    assert_eq!(r["resource_id"], alice.as_str(), "{r}");
}

async fn deletion_is_refused_while_reservations_remain_and_keeps_the_past(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let bob = add_bob(&srv, &owner).await;
    let jeanne = srv.client("jeanne@example.com").await;
    let held = booked(&srv, &jeanne, &owner, &bob, "09:00").await;
    let bob_path = resource_path(&bob);

    let r = srv.delete(&bob_path, owner.t()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "RESOURCE_HAS_RESERVATIONS"),
        "{r:?}"
    );
    let listed: Vec<&str> = r.body["reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["reservation"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(listed, [held.as_str()]);
    // Nothing changed: Bob is there, in the service, with his window and reservation.
    assert_eq!(srv.get(&bob_path, owner.t()).await.status, StatusCode::OK);
    let service_path = format!("/api/entreprise/services/{}/", owner.service);
    let service = srv.get(&service_path, owner.t()).await.body;
    assert_eq!(service["resource_ids"], json!([owner.resource, bob]));
    assert_eq!(
        slots(&srv, &owner, &owner.at("09:30"), &owner.at("10:00")).await,
        [
            (owner.at("09:30"), owner.resource.clone()),
            (owner.at("09:30"), bob.clone())
        ]
    );

    // Alice alone performs another service: she cannot be deleted while it has no other.
    let r = srv
        .post(
            "/api/entreprise/services/",
            owner.t(),
            common::service_body(&owner.resource),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = srv.delete(&resource_path(&owner.resource), owner.t()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "LAST_RESOURCE_OF_SERVICE"),
        "{r:?}"
    );

    // Once Bob's reservation is over (here: the clock passes its end), he can go.
    let now = srv.state.now().secs();
    let end = chrono::DateTime::parse_from_rfc3339(&owner.at("09:30"))
        .unwrap()
        .timestamp();
    srv.state.clock().advance(end - now);
    let token = srv.login("owner@example.com", common::PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = Some(token.as_str());
    let r = srv.delete(&bob_path, t).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    assert_eq!(srv.get(&bob_path, t).await.code(), "NOT_FOUND");
    assert_eq!(srv.delete(&bob_path, t).await.code(), "NOT_FOUND");
    let r = srv.get("/api/entreprise/ressources/", t).await;
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alice"]);
    assert_eq!(
        srv.get(&service_path, t).await.body["resource_ids"],
        json!([owner.resource])
    );
    // His past reservation stays, still naming him.
    let r = srv
        .get(
            &format!("/api/entreprise/reservations/?resource_id={bob}"),
            t,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let items = r.body["items"].as_array().unwrap();
    assert_eq!(
        (
            items.len(),
            items[0]["reservation"]["id"].as_str(),
            items[0]["resource_name"].as_str()
        ),
        (1, Some(held.as_str()), Some("Bob"))
    );
}

server_tests!(
    config = super::quiet_worker;
    a_resource_is_replaced_read_back_and_hidden_from_other_businesses,
    a_stylist_working_tuesday_to_saturday_is_offered_and_booked_only_then,
    deactivation_lists_the_reservations_and_applies_each_decision,
    deletion_is_refused_while_reservations_remain_and_keeps_the_past,
);
