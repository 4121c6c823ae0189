//! The waitlist over real HTTP on SQLite and PostgreSQL (issue 17 item 7): clients join a full
//! range, a freed seat is offered in the order they joined and held, then passed on; claiming
//! books through the normal path; concurrent claimers and bookers never double-book a seat.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, Srv};
use rdv_server::config::Config;
use rdv_server::routes::waitlist::offer_and_tell;
use rdv_storage::accounts::AccountStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn quiet(c: &mut Config) {
    c.notify_worker = false;
    // The clock moves past offers' holds: sessions outlive them.
    c.access_token_seconds = 3 * 86_400;
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

async fn cancel(srv: &Srv, client: &str, id: &str) {
    let r = srv
        .delete(&format!("/api/client/reservations/{id}/"), Some(client))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn join(srv: &Srv, client: &str, owner: &Owner, from: &str, to: &str) -> common::Resp {
    srv.post(
        "/api/client/liste-attente/",
        Some(client),
        json!({"service_id": owner.service, "from": owner.at(from), "to": owner.at(to)}),
    )
    .await
}

/// The client's place `id` as they see it.
async fn place(srv: &Srv, client: &str, id: &str) -> Value {
    let r = srv.get("/api/client/liste-attente/", Some(client)).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == id)
        .cloned()
        .unwrap()
}

async fn a_freed_seat_is_offered_in_order_held_passed_on_and_claimed(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let lea = srv.client("lea@example.com").await;
    let zoe = srv.client("zoe@example.com").await;
    let held = book(&srv, &jeanne, &owner, "10:00").await;

    let r = join(&srv, &marc, &owner, "10:00", "10:30").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (r.body["status"].as_str(), &r.body["offer"]),
        (Some("waiting"), &Value::Null)
    );
    let marc_place = r.body["id"].as_str().unwrap().to_owned();
    let r = join(&srv, &lea, &owner, "10:00", "10:30").await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let lea_place = r.body["id"].as_str().unwrap().to_owned();
    let r = join(&srv, &marc, &owner, "10:00", "10:30").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "ALREADY_ON_WAITLIST"),
        "{r:?}"
    );
    let r = join(&srv, &zoe, &owner, "11:00", "12:00").await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "SLOTS_AVAILABLE"),
        "{r:?}"
    );
    let r = srv.get("/api/entreprise/liste-attente/", owner.t()).await;
    let waiting: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(waiting, [marc_place.as_str(), lea_place.as_str()]);
    assert_eq!(
        offer_and_tell(&srv.state).await.unwrap(),
        0,
        "nothing freed"
    );

    // Jeanne cancels: the seat goes to Marc, who joined first, held 30 minutes, told by email.
    cancel(&srv, &jeanne, &held).await;
    assert_eq!(offer_and_tell(&srv.state).await.unwrap(), 1);
    let marc_now = place(&srv, &marc, &marc_place).await;
    assert_eq!(marc_now["status"], "offered");
    assert_eq!(marc_now["offer"]["start"], owner.at("10:00"));
    assert_eq!(marc_now["offer"]["resource_id"], owner.resource);
    let expires = marc_now["offer"]["expires_at"].as_str().unwrap().to_owned();
    let held_secs = chrono::DateTime::parse_from_rfc3339(&expires)
        .unwrap()
        .timestamp()
        - srv.state.now().secs();
    assert!((1795..=1800).contains(&held_secs), "{held_secs}");
    let mails: Vec<Value> = srv
        .state
        .store()
        .outbox_for("marc@example.com")
        .await
        .unwrap()
        .into_iter()
        .filter(|m| m.kind == "waitlist_offer")
        .map(|m| m.payload)
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    // 10:00 UTC is 11:00 in Paris in winter; the day is the owner's.
    assert_eq!(
        mails[0]["start_local"],
        format!("{} 11:00", owner.day),
        "{mails:?}"
    );
    assert_eq!(mails[0]["service_name"], "Coupe");
    assert_eq!(
        offer_and_tell(&srv.state).await.unwrap(),
        0,
        "held for Marc"
    );
    let claim = |client: &str, id: &str| {
        let (srv, client, id) = (&srv, client.to_owned(), id.to_owned());
        async move {
            srv.post(
                &format!("/api/client/liste-attente/{id}/accepter/"),
                Some(client.as_str()),
                json!({}),
            )
            .await
        }
    };
    let r = claim(&lea, &lea_place).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );
    let r = claim(&lea, &marc_place).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );

    // Marc does not answer: 30 minutes later the seat passes to Lea, who claims it.
    srv.state.clock().advance(1800);
    assert_eq!(offer_and_tell(&srv.state).await.unwrap(), 1);
    assert_eq!(place(&srv, &marc, &marc_place).await["status"], "expired");
    assert_eq!(place(&srv, &lea, &lea_place).await["status"], "offered");
    let r = claim(&marc, &marc_place).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );
    let r = claim(&lea, &lea_place).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["entry"]["status"], "booked");
    assert_eq!(
        r.body["entry"]["reservation_id"],
        r.body["reservation"]["id"]
    );
    assert_eq!(
        (
            r.body["reservation"]["interval"]["start"].as_str(),
            r.body["reservation"]["status"].as_str()
        ),
        (Some(owner.at("10:00").as_str()), Some("pending"))
    );
    let r = srv.get("/api/entreprise/liste-attente/", owner.t()).await;
    assert_eq!(r.body, json!([]), "nobody waits any more");

    // Leaving: a waiting place leaves once; a booked one cannot leave.
    let r = join(&srv, &marc, &owner, "10:00", "10:30").await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a closed place lets Marc wait again: {r:?}"
    );
    let again = r.body["id"].as_str().unwrap().to_owned();
    let leave = |client: &str, id: &str| {
        let (srv, client, id) = (&srv, client.to_owned(), id.to_owned());
        async move {
            srv.delete(
                &format!("/api/client/liste-attente/{id}/"),
                Some(client.as_str()),
            )
            .await
        }
    };
    let r = leave(&marc, &again).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("left"))
    );
    let r = leave(&marc, &again).await;
    assert_eq!(r.code(), "INVALID_STATUS_TRANSITION", "{r:?}");
    let r = leave(&lea, &lea_place).await;
    assert_eq!(r.code(), "INVALID_STATUS_TRANSITION", "{r:?}");
}

async fn joining_is_validated(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    book(&srv, &jeanne, &owner, "10:00").await;
    let marc = srv.client("marc@example.com").await;
    let m = Some(marc.as_str());
    let cases = [
        (
            json!({"service_id": owner.service, "from": owner.at("10:30"), "to": owner.at("10:00")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_INTERVAL",
        ),
        (
            json!({"service_id": owner.service, "from": owner.at("10:00"), "to": format!("{}T10:00:00Z", "2099-01-01")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
        ),
        (
            json!({"service_id": uuid::Uuid::new_v4(), "from": owner.at("10:00"), "to": owner.at("10:30")}),
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
        ),
        (
            json!({"service_id": owner.service, "resource_id": uuid::Uuid::new_v4(), "from": owner.at("10:00"), "to": owner.at("10:30")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "RESOURCE_NOT_ELIGIBLE",
        ),
        (
            json!({"service_id": owner.service, "from": owner.at("10:00")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_BODY",
        ),
    ];
    for (body, status, code) in cases {
        let r = srv
            .post("/api/client/liste-attente/", m, body.clone())
            .await;
        assert_eq!((r.status, r.code()), (status, code), "{body}: {r:?}");
    }
    let r = srv.get("/api/client/liste-attente/", m).await;
    assert_eq!(r.body, json!([]), "nothing stored");
}

/// A seat freed and offered to Marc, then at the same moment Marc claims it twice and Léa
/// books it: exactly one of the three gets it, eight rounds over.
async fn concurrent_claims_and_bookings_give_a_freed_seat_once(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let lea = srv.client("lea@example.com").await;
    for hour in 9..17 {
        let at = format!("{hour:02}:00");
        let end = format!("{hour:02}:30");
        let held = book(&srv, &jeanne, &owner, &at).await;
        let r = join(&srv, &marc, &owner, &at, &end).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let id = r.body["id"].as_str().unwrap().to_owned();
        cancel(&srv, &jeanne, &held).await;
        assert_eq!(offer_and_tell(&srv.state).await.unwrap(), 1);
        let claim_path = format!("/api/client/liste-attente/{id}/accepter/");
        let (a, b, c) = tokio::join!(
            srv.post(&claim_path, Some(marc.as_str()), json!({})),
            srv.post(&claim_path, Some(marc.as_str()), json!({})),
            srv.post(
                "/api/client/reservations/",
                Some(lea.as_str()),
                json!({"service_id": owner.service, "start": owner.at(&at)}),
            ),
        );
        let won: Vec<&common::Resp> = [&a, &b, &c]
            .into_iter()
            .filter(|r| r.status == StatusCode::CREATED)
            .collect();
        assert_eq!(won.len(), 1, "{at}: {a:?} / {b:?} / {c:?}");
        for r in [&a, &b, &c] {
            assert!(
                r.status == StatusCode::CREATED || r.status == StatusCode::CONFLICT,
                "{at}: {r:?}"
            );
        }
        let r = srv
            .get(
                &format!(
                    "/api/entreprise/reservations/?status=pending&from={}&to={}",
                    owner.at(&at),
                    owner.at(&end)
                ),
                owner.t(),
            )
            .await;
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{at}: {r:?}");
        // Marc's place is booked when he won, waiting again when Léa did.
        let status = place(&srv, &marc, &id).await["status"].clone();
        let marc_won = a.status == StatusCode::CREATED || b.status == StatusCode::CREATED;
        assert_eq!(status, if marc_won { "booked" } else { "waiting" }, "{at}");
        if !marc_won {
            let r = srv
                .delete(
                    &format!("/api/client/liste-attente/{id}/"),
                    Some(marc.as_str()),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
        }
    }
}

server_tests!(
    config = super::quiet;
    a_freed_seat_is_offered_in_order_held_passed_on_and_claimed,
    joining_is_validated,
    concurrent_claims_and_bookings_give_a_freed_seat_once,
);
