//! Moves by the business over real HTTP on SQLite and PostgreSQL (issue 17 item 4): the
//! owner reschedules a reservation (the old time is freed only when the new one is taken, the
//! client is told, the owner is not told of their own move), races a client's booking for the
//! same time, and changes availability windows that hold reservations (nothing changes until
//! the request says to keep or cancel them).
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, Srv};
use rdv_server::config::Config;
use rdv_server::notify::Notifier;
use rdv_storage::accounts::AccountStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn quiet_worker(c: &mut Config) {
    c.notify_worker = false;
}

async fn book(srv: &Srv, client: &str, owner: &Owner, hhmm: &str) -> String {
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(client),
            json!({"service_id": owner.service, "start": owner.at(hhmm)}),
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

/// How many outbox messages of `kind` went to `email`.
async fn count(srv: &Srv, email: &str, kind: &str) -> usize {
    let messages = srv.state.store().outbox_for(email).await.unwrap();
    messages.iter().filter(|m| m.kind == kind).count()
}

async fn the_business_moves_a_reservation_and_the_client_is_told(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let notifier = Notifier::new(srv.state.clone()).unwrap();
    let id = book(&srv, &jeanne, &owner, "10:00").await;
    let taken = book(&srv, &marc, &owner, "11:00").await;
    let path = format!("/api/entreprise/reservations/{id}/confirmer/");
    assert_eq!(
        srv.post(&path, owner.t(), json!({})).await.status,
        StatusCode::OK
    );
    let move_to = |hhmm: &str| {
        let (srv, owner, id) = (&srv, &owner, &id);
        let body = json!({"start": owner.at(hhmm)});
        async move {
            srv.post(
                &format!("/api/entreprise/reservations/{id}/reschedule/"),
                owner.t(),
                body,
            )
            .await
        }
    };
    // Onto Marc's time: refused, and nothing moved.
    let r = move_to("11:00").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "BOOKING_OVERLAP"),
        "{r:?}"
    );
    assert_eq!(
        reservation(&srv, &owner, &id).await["interval"]["start"],
        owner.at("10:00")
    );
    // To 12:00: moved, still confirmed (the business's move needs no new confirmation).
    let r = move_to("12:00").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (
            r.body["interval"]["start"].as_str().unwrap(),
            r.body["interval"]["end"].as_str().unwrap(),
            r.body["status"].as_str().unwrap(),
            r.body["reschedule_count"].as_u64().unwrap(),
        ),
        (
            owner.at("12:00").as_str(),
            owner.at("12:30").as_str(),
            "confirmed",
            1
        )
    );
    let last = r.body["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (
            last["actor"].as_str(),
            last["from"].as_str(),
            last["to"].as_str()
        ),
        (Some("business"), Some("confirmed"), Some("confirmed"))
    );
    // The old time is free again: another client books it.
    let lea = srv.client("lea@example.com").await;
    book(&srv, &lea, &owner, "10:00").await;
    // The client is told; the owner, who moved it, is not (but hears of the three bookings).
    notifier.tick().await.unwrap();
    assert_eq!(
        count(&srv, "jeanne@example.com", "reservation_rescheduled").await,
        1
    );
    assert_eq!(
        count(&srv, "owner@example.com", "owner_reservation_rescheduled").await,
        0
    );
    assert_eq!(
        count(&srv, "owner@example.com", "owner_reservation_created").await,
        3
    );
    // The client's limit (2 moves) binds the client only: the business moves it twice more.
    for hhmm in ["13:00", "14:00"] {
        let r = move_to(hhmm).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    assert_eq!(reservation(&srv, &owner, &id).await["reschedule_count"], 3);
    // The booking rules still hold: off the slot grid, before the window.
    let r = move_to("14:10").await;
    assert_eq!(r.code(), "NOT_ON_SLOT_GRID", "{r:?}");
    let r = move_to("07:00").await;
    assert_eq!(r.code(), "OUTSIDE_AVAILABILITY", "{r:?}");
    // A cancelled reservation does not move.
    let r = srv
        .delete(
            &format!("/api/entreprise/reservations/{taken}/?reason=closed"),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{taken}/reschedule/"),
            owner.t(),
            json!({"start": owner.at("15:00")}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );
}

async fn the_business_moves_only_its_own_reservations(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let id = book(&srv, &jeanne, &owner, "10:00").await;
    let path = format!("/api/entreprise/reservations/{id}/reschedule/");
    let body = json!({"start": owner.at("12:00")});
    let r = srv.post(&path, other.t(), body.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = srv.post(&path, Some(jeanne.as_str()), body.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "FORBIDDEN"),
        "{r:?}"
    );
    let missing = format!(
        "/api/entreprise/reservations/{}/reschedule/",
        uuid::Uuid::new_v4()
    );
    let r = srv.post(&missing, owner.t(), body.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = srv
        .post(
            &path,
            owner.t(),
            json!({"start": owner.at("12:00"), "resource": 1}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(
        reservation(&srv, &owner, &id).await["interval"]["start"],
        owner.at("10:00"),
        "nothing moved"
    );
}

/// The owner moves Jeanne's 10:00 to 11:00 while Marc books 11:00, twenty times over: each
/// time exactly one of them gets 11:00, and the loser's answer is a conflict.
async fn the_owner_s_move_racing_a_client_s_booking_gives_the_time_once(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    for round in 0..20 {
        // Two fresh half-hours each round, one hour apart: 08:00/09:00, 08:30/09:30, ...
        let minutes = 8 * 60 + round * 30;
        let (from, to) = (
            format!("{:02}:{:02}", minutes / 60, minutes % 60),
            format!("{:02}:{:02}", (minutes + 60) / 60, (minutes + 60) % 60),
        );
        if (minutes + 60) / 60 >= 18 {
            break;
        }
        let id = book(&srv, &jeanne, &owner, &from).await;
        let path = format!("/api/entreprise/reservations/{id}/reschedule/");
        let (moved, booked) = tokio::join!(
            srv.post(&path, owner.t(), json!({"start": owner.at(&to)})),
            srv.post(
                "/api/client/reservations/",
                Some(marc.as_str()),
                json!({"service_id": owner.service, "start": owner.at(&to)}),
            ),
        );
        let outcome = (moved.status, booked.status);
        assert!(
            outcome == (StatusCode::OK, StatusCode::CONFLICT)
                || outcome == (StatusCode::CONFLICT, StatusCode::CREATED),
            "round {round}: exactly one gets {to}: {moved:?} / {booked:?}"
        );
        if moved.status == StatusCode::OK {
            assert_eq!(
                reservation(&srv, &owner, &id).await["interval"]["start"],
                owner.at(&to)
            );
            // Jeanne's old time is free: Marc's next round does not clash with it.
            let r = srv
                .delete(
                    &format!("/api/entreprise/reservations/{id}/?reason=round"),
                    owner.t(),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        } else {
            assert_eq!(
                reservation(&srv, &owner, &id).await["interval"]["start"],
                owner.at(&from)
            );
            let marc_id = booked.body["id"].as_str().unwrap();
            for r in [&id, &marc_id.to_owned()] {
                let r = srv
                    .delete(
                        &format!("/api/entreprise/reservations/{r}/?reason=round"),
                        owner.t(),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{r:?}");
            }
        }
        // At `to`, exactly one active reservation was ever made.
        let r = srv
            .get(
                &format!(
                    "/api/entreprise/reservations/?from={}&to={}",
                    owner.at(&to),
                    owner.at(&format!(
                        "{:02}:{:02}",
                        (minutes + 90) / 60,
                        (minutes + 90) % 60
                    ))
                ),
                owner.t(),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let at_to: Vec<&Value> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["reservation"]["interval"]["start"] == owner.at(&to))
            .collect();
        assert_eq!(at_to.len(), 1, "round {round}: {at_to:?}");
    }
}

async fn a_window_holding_reservations_changes_only_when_told_what_to_do(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let notifier = Notifier::new(srv.state.clone()).unwrap();
    let profile = json!({"first_name": "Jeanne", "last_name": "Dupont", "email": "jeanne@example.com", "phone": "+33612345678"});
    let r = srv
        .put("/api/client/mon-profil/", Some(jeanne.as_str()), profile)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let early = book(&srv, &jeanne, &owner, "09:00").await;
    let late = book(&srv, &marc, &owner, "16:00").await;
    let window = format!("/api/entreprise/disponibilites/{}/", owner.window);
    let morning = json!({"start": owner.at("08:00"), "end": owner.at("12:00")});

    // Shrinking to the morning leaves Marc's 16:00 out: 409 with it, and nothing changes.
    let r = srv.put(&window, owner.t(), morning.clone()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "WINDOW_HOLDS_RESERVATIONS"),
        "{r:?}"
    );
    let held = r.body["reservations"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{r:?}");
    assert_eq!(held[0]["reservation"]["id"], late);
    assert_eq!(held[0]["client"]["email"], "marc@example.com");
    let r = srv.get(&window, owner.t()).await;
    assert_eq!(
        (
            r.body["interval"]["start"].as_str(),
            r.body["interval"]["end"].as_str()
        ),
        (
            Some(owner.at("08:00").as_str()),
            Some(owner.at("18:00").as_str())
        )
    );
    // Moving it wholly over both keeps everyone: no question asked.
    let r = srv
        .put(
            &window,
            owner.t(),
            json!({"start": owner.at("08:30"), "end": owner.at("17:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Keep: the window shrinks, Marc stays booked at 16:00.
    let mut keep = morning.clone();
    keep["reservations"] = json!({"action": "keep"});
    let r = srv.put(&window, owner.t(), keep).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["interval"]["end"], owner.at("12:00"));
    assert_eq!(reservation(&srv, &owner, &late).await["status"], "pending");
    // A bad decision is refused before anything changes.
    let mut blank = morning.clone();
    blank["reservations"] = json!({"action": "cancel", "reason": "  "});
    let r = srv.put(&window, owner.t(), blank).await;
    assert_eq!(
        (
            r.status,
            r.body["errors"][0]["field"].as_str(),
            r.body["errors"][0]["code"].as_str()
        ),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("reason"),
            Some("required")
        ),
        "{r:?}"
    );
    let mut unknown = morning.clone();
    unknown["reservations"] = json!({"action": "move"});
    let r = srv.put(&window, owner.t(), unknown).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");

    // Deleting the morning window holds Jeanne's 09:00, with her name and phone.
    let r = srv.delete(&window, owner.t()).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "WINDOW_HOLDS_RESERVATIONS"),
        "{r:?}"
    );
    let held = r.body["reservations"].as_array().unwrap();
    assert_eq!(held.len(), 1, "{r:?}");
    assert_eq!(held[0]["reservation"]["id"], early);
    assert_eq!(
        (
            held[0]["client"]["first_name"].as_str(),
            held[0]["client"]["last_name"].as_str(),
            held[0]["client"]["phone"].as_str()
        ),
        (Some("Jeanne"), Some("Dupont"), Some("+33612345678"))
    );
    for (query, field, code) in [
        ("?reservations=cancel", "reason", "required"),
        ("?reason=works", "reason", "not_allowed"),
    ] {
        let r = srv.delete(&format!("{window}{query}"), owner.t()).await;
        assert_eq!(
            (
                r.status,
                r.body["errors"][0]["field"].as_str(),
                r.body["errors"][0]["code"].as_str()
            ),
            (StatusCode::UNPROCESSABLE_ENTITY, Some(field), Some(code)),
            "{query}: {r:?}"
        );
    }
    let r = srv
        .delete(&format!("{window}?reservations=discard"), owner.t())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_PARAMETER"),
        "{r:?}"
    );
    assert_eq!(srv.get(&window, owner.t()).await.status, StatusCode::OK);
    notifier.tick().await.unwrap();
    let kind = "reservation_cancelled_by_business";
    assert_eq!(count(&srv, "jeanne@example.com", kind).await, 0);

    // Cancel: Jeanne's reservation is cancelled with the reason, she is told, the window goes.
    let r = srv
        .delete(
            &format!("{window}?reservations=cancel&reason=Closed%20for%20works"),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
    let cancelled = reservation(&srv, &owner, &early).await;
    assert_eq!(cancelled["status"], "cancelled_by_business");
    assert_eq!(
        cancelled["history"].as_array().unwrap().last().unwrap()["reason"],
        "Closed for works"
    );
    assert_eq!(
        srv.get(&window, owner.t()).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(reservation(&srv, &owner, &late).await["status"], "pending");
    notifier.tick().await.unwrap();
    assert_eq!(count(&srv, "jeanne@example.com", kind).await, 1);
}

async fn a_window_without_reservations_in_the_way_changes_at_once(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let id = book(&srv, &jeanne, &owner, "09:00").await;
    // A cancelled reservation is never in the way.
    let r = srv
        .delete(
            &format!("/api/client/reservations/{id}/"),
            Some(jeanne.as_str()),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let window = format!("/api/entreprise/disponibilites/{}/", owner.window);
    let r = srv
        .put(
            &window,
            owner.t(),
            json!({"start": owner.at("12:00"), "end": owner.at("18:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv.delete(&window, owner.t()).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{r:?}");
}

server_tests!(
    config = super::quiet_worker;
    the_business_moves_a_reservation_and_the_client_is_told,
    the_business_moves_only_its_own_reservations,
    the_owner_s_move_racing_a_client_s_booking_gives_the_time_once,
    a_window_holding_reservations_changes_only_when_told_what_to_do,
    a_window_without_reservations_in_the_way_changes_at_once,
);
