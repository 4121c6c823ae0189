//! Rules that were a check then an insert in a handler, now held by the storage under
//! concurrency (issue 16): one business per owner (a unique index) and at most ten webhooks
//! per business (a count and an insert in one transaction serialised per business), on
//! SQLite and, when `TEST_DATABASE_URL` is set, on PostgreSQL.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::future::Future;

use common::{Resp, Srv, business_body};
use rdv_core::model::UserId;
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore as _, PageRequest};
use reqwest::StatusCode;
use serde_json::json;

/// An owner's access token (no business yet).
async fn owner_token(srv: &Srv, email: &str) -> String {
    srv.account(email, "owner").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `count` requests sent at once, each built by `send(i)`; their answers in order.
async fn all_at_once<F, Fut>(count: usize, send: F) -> Vec<Resp>
where
    F: Fn(usize) -> Fut,
    Fut: Future<Output = Resp> + Send + 'static,
{
    let tasks: Vec<_> = (0..count).map(|i| tokio::spawn(send(i))).collect();
    let mut answers = Vec::new();
    for t in tasks {
        answers.push(t.await.unwrap());
    }
    answers
}

/// A second business of the same owner, sent after the first, is refused with 409
/// `BUSINESS_EXISTS` (the answer before the rule moved into the database), whatever its body.
async fn a_second_business_of_one_owner_is_refused(srv: Srv) {
    let token = owner_token(&srv, "owner@example.com").await;
    let t = Some(token.as_str());
    let path = "/api/entreprise/mon-entreprise/";
    let first = srv.post(path, t, business_body("Salon A")).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    for body in [business_body("Salon B"), business_body("")] {
        let r = srv.post(path, t, body).await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::CONFLICT, "BUSINESS_EXISTS"),
            "{r:?}"
        );
        assert_eq!(
            r.body["detail"], "you already have a business; update it with PUT",
            "{r:?}"
        );
    }
    let mine = srv.get(path, t).await;
    assert_eq!(mine.body["id"], first.body["id"], "{mine:?}");
}

/// Twenty creations of one owner's business sent at once: exactly one is created, the other
/// nineteen get the same 409 `BUSINESS_EXISTS` as a sequential second creation, and the
/// owner's business is the created one.
async fn concurrent_creations_of_one_owner_give_one_business(srv: Srv) {
    let token = owner_token(&srv, "owner@example.com").await;
    let path = "/api/entreprise/mon-entreprise/";
    let answers = all_at_once(20, |i| {
        let (http, url, token) = (
            srv.http.clone(),
            format!("{}{path}", srv.base),
            token.clone(),
        );
        Srv::finish(
            http.post(url)
                .bearer_auth(token)
                .json(&business_body(&format!("Salon {i}"))),
        )
    })
    .await;
    let created: Vec<&Resp> = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::CONFLICT, "BUSINESS_EXISTS"),
            "{r:?}"
        );
        assert_eq!(
            r.body["detail"], "you already have a business; update it with PUT",
            "{r:?}"
        );
    }
    let mine = srv.get(path, Some(&token)).await;
    assert_eq!(mine.body["id"], created[0].body["id"], "{mine:?}");
    let owner: uuid::Uuid = created[0].body["owner_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let filter = BusinessFilter {
        owner_id: Some(UserId::from_uuid(owner)),
        ..BusinessFilter::default()
    };
    let stored = srv
        .state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &PageRequest::first(50))
        .await
        .unwrap();
    assert_eq!(stored.items.len(), 1, "{:?}", stored.items);
}

/// Twenty webhook registrations of one business sent at once: exactly ten are created, the
/// ten others get today's refusal of an eleventh (422, `too_many` on `url`), and the business
/// has ten webhooks.
async fn concurrent_webhook_registrations_stop_at_ten(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let answers = all_at_once(20, |i| {
        let (http, url, token) = (
            srv.http.clone(),
            format!("{}/api/entreprise/webhooks/", srv.base),
            owner.token.clone(),
        );
        Srv::finish(http.post(url).bearer_auth(token).json(&json!({
            "url": format!("https://x.example/hooks/{i}"),
            "events": ["reservation_created"]
        })))
    })
    .await;
    let created = answers
        .iter()
        .filter(|r| r.status == StatusCode::CREATED)
        .count();
    assert_eq!(created, 10, "{answers:?}");
    for r in answers.iter().filter(|r| r.status != StatusCode::CREATED) {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
        assert_eq!(r.code(), "VALIDATION_FAILED", "{r:?}");
        assert_eq!(r.body["errors"][0]["field"], "url", "{r:?}");
        assert_eq!(r.body["errors"][0]["code"], "too_many", "{r:?}");
    }
    let r = srv.get("/api/entreprise/webhooks/", owner.t()).await;
    assert_eq!(r.body.as_array().unwrap().len(), 10, "{r:?}");
    let r = srv
        .post(
            "/api/entreprise/webhooks/",
            owner.t(),
            json!({"url": "https://x.example/hooks/late", "events": ["reservation_created"]}),
        )
        .await;
    assert_eq!(r.body["errors"][0]["code"], "too_many", "{r:?}");
}

server_tests!(
    a_second_business_of_one_owner_is_refused,
    concurrent_creations_of_one_owner_give_one_business,
    concurrent_webhook_registrations_stop_at_ten,
);
