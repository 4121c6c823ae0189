//! Business states over real HTTP on SQLite and PostgreSQL (issue 17 item 6): pending,
//! validated, rejected (with a reason, told to the owner, editable and resubmittable) and
//! suspended by an admin (its future reservations kept or cancelled as the admin says).
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Srv, business_body};
use rdv_server::config::Config;
use rdv_server::notify::Notifier;
use rdv_storage::accounts::AccountStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn quiet_worker(c: &mut Config) {
    c.notify_worker = false;
}

/// The payloads of the outbox messages of `kind` to `email`.
async fn told(srv: &Srv, email: &str, kind: &str) -> Vec<Value> {
    let messages = srv.state.store().outbox_for(email).await.unwrap();
    messages
        .into_iter()
        .filter(|m| m.kind == kind)
        .map(|m| m.payload)
        .collect()
}

fn state_of(body: &Value) -> (&str, Option<&str>) {
    (
        body["status"].as_str().unwrap(),
        body["status_reason"].as_str(),
    )
}

async fn a_rejected_business_is_edited_resubmitted_and_validated(srv: Srv) {
    let admin = srv.admin("admin@example.com").await;
    let a = Some(admin.as_str());
    let owner = srv.account("owner@example.com", "owner").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let o = Some(owner.as_str());
    let r = srv
        .post(
            "/api/entreprise/mon-entreprise/",
            o,
            business_body("Salon Rose"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(state_of(&r.body), ("pending", None));
    let id = r.body["id"].as_str().unwrap().to_owned();
    let listed = |status: &'static str| {
        let (srv, a) = (&srv, a);
        async move {
            let r = srv
                .get(&format!("/api/admin/entreprises/?status={status}"), a)
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(listed("pending").await, ["Salon Rose"]);
    let r = srv.get("/api/admin/entreprises/", a).await;
    assert_eq!(r.body["items"][0]["id"], id, "pending is the default");

    // Rejected with a reason: hidden, and the owner is told why.
    let reject = format!("/api/admin/entreprises/{id}/rejeter/");
    let r = srv.post(&reject, a, json!({"reason": "   "})).await;
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
    let r = srv
        .post(&reject, a, json!({"reason": " Adresse incomplète "}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(state_of(&r.body), ("rejected", Some("Adresse incomplète")));
    assert_eq!(listed("rejected").await, ["Salon Rose"]);
    assert!(listed("pending").await.is_empty());
    let mails = told(&srv, "owner@example.com", "business_rejected").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(
        (&mails[0]["business_name"], &mails[0]["reason"]),
        (&json!("Salon Rose"), &json!("Adresse incomplète"))
    );
    let r = srv.get(&format!("/api/entreprises/{id}/"), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");

    // Edited: still rejected with its reason; resubmitted: pending, reason cleared.
    let mut edited = business_body("Salon Rose");
    edited["address"]["street"] = json!("3 rue de la Paix");
    let r = srv.put("/api/entreprise/mon-entreprise/", o, edited).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(state_of(&r.body), ("rejected", Some("Adresse incomplète")));
    let resubmit = "/api/entreprise/mon-entreprise/soumettre/";
    let r = srv.post(resubmit, o, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(state_of(&r.body), ("pending", None));
    assert_eq!(r.body["address"]["street"], "3 rue de la Paix");
    let r = srv.post(resubmit, o, json!({})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );

    // Validated: public, and the owner is told; validating again tells nobody.
    let validate = format!("/api/admin/entreprises/{id}/valider/");
    for _ in 0..2 {
        let r = srv.post(&validate, a, json!({})).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(state_of(&r.body), ("validated", None));
    }
    let mails = told(&srv, "owner@example.com", "business_validated").await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0]["business_name"], "Salon Rose");
    let r = srv.get(&format!("/api/entreprises/{id}/"), None).await;
    assert_eq!(
        (r.status, r.body["name"].as_str()),
        (StatusCode::OK, Some("Salon Rose"))
    );
    let r = srv.get("/api/admin/entreprises/?status=closed", a).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_PARAMETER"),
        "{r:?}"
    );
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{}/valider/", uuid::Uuid::new_v4()),
            a,
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
}

async fn a_suspension_keeps_or_cancels_future_reservations(srv: Srv) {
    let admin = srv.admin("admin@example.com").await;
    let a = Some(admin.as_str());
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let notifier = Notifier::new(srv.state.clone()).unwrap();
    let mut ids = Vec::new();
    for hhmm in ["10:00", "11:00"] {
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(jeanne.as_str()),
                json!({"service_id": owner.service, "start": owner.at(hhmm)}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        ids.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let status = |id: String| {
        let srv = &srv;
        let t = owner.token.clone();
        async move {
            let r = srv
                .get(
                    &format!("/api/entreprise/reservations/{id}/"),
                    Some(t.as_str()),
                )
                .await;
            r.body["status"].as_str().unwrap().to_owned()
        }
    };
    let suspend = format!("/api/admin/entreprises/{}/suspendre/", owner.business);
    // Bad requests change nothing.
    let r = srv.post(&suspend, a, json!({"reason": "Unpaid"})).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY"),
        "the decision is required: {r:?}"
    );
    let r = srv
        .post(
            &suspend,
            a,
            json!({"reason": "Unpaid", "reservations": {"action": "cancel", "reason": ""}}),
        )
        .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["field"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("reason")),
        "{r:?}"
    );
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "still public: {r:?}");

    // Keep: hidden, no new booking, the reservations stand and the owner still manages them.
    let r = srv
        .post(
            &suspend,
            a,
            json!({"reason": "Unpaid", "reservations": {"action": "keep"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(state_of(&r.body["business"]), ("suspended", Some("Unpaid")));
    assert_eq!(r.body["cancelled_reservations"], json!([]));
    let mails = told(&srv, "owner@example.com", "business_suspended").await;
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0]["reason"], "Unpaid");
    let r = srv
        .get(&format!("/api/entreprises/{}/", owner.business), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(jeanne.as_str()),
            json!({"service_id": owner.service, "start": owner.at("12:00")}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{}/confirmer/", ids[0]),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(status(ids[1].clone()).await, "pending");
    // Only a validated business is suspended.
    let r = srv
        .post(
            &suspend,
            a,
            json!({"reason": "Again", "reservations": {"action": "keep"}}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );

    // Reinstated, then suspended with cancel: both are cancelled and Jeanne is told twice.
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{}/valider/", owner.business),
            a,
            json!({}),
        )
        .await;
    assert_eq!(state_of(&r.body), ("validated", None));
    assert_eq!(
        told(&srv, "owner@example.com", "business_validated")
            .await
            .len(),
        1,
        "the reinstatement is told"
    );
    notifier.tick().await.unwrap();
    let kind = "reservation_cancelled_by_business";
    assert!(told(&srv, "jeanne@example.com", kind).await.is_empty());
    let r = srv
        .post(
            &suspend,
            a,
            json!({"reason": "Fraud", "reservations": {"action": "cancel", "reason": "Salon fermé"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut cancelled: Vec<String> = r.body["cancelled_reservations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    cancelled.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(cancelled, expected);
    for id in &ids {
        assert_eq!(status(id.clone()).await, "cancelled_by_business");
    }
    notifier.tick().await.unwrap();
    let mails = told(&srv, "jeanne@example.com", kind).await;
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert_eq!(mails[0]["reason"], "Salon fermé");
}

server_tests!(
    config = super::quiet_worker;
    a_rejected_business_is_edited_resubmitted_and_validated,
    a_suspension_keeps_or_cancels_future_reservations,
);
