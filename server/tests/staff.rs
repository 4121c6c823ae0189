//! Staff accounts (issue 17 item 3) over HTTP on both backends: the owner invites by email,
//! the staff member accepts through the link's token, signs in, sees and manages only their
//! own resource's reservations, calendar and figures, is refused the owner's other routes,
//! and stops working the moment the owner revokes them.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, PASSWORD, Srv};
use reqwest::StatusCode;
use serde_json::{Value, json};

const STAFF_PASSWORD: &str = "staff passphrase 2026";

/// A second resource (Bruno) with its own service and a window tomorrow 08:00–18:00 UTC;
/// its id and the service's.
async fn second_resource(srv: &Srv, owner: &Owner) -> (String, String) {
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            owner.t(),
            json!({"name": "Bruno", "kind": "staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let bruno = r.body["id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/entreprise/services/",
            owner.t(),
            common::service_body(&bruno),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let service = r.body["id"].as_str().unwrap().to_owned();
    let window =
        json!({"resource_id": bruno, "start": owner.at("08:00"), "end": owner.at("18:00")});
    let r = srv
        .post("/api/entreprise/disponibilites/", owner.t(), window)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    (bruno, service)
}

async fn book(srv: &Srv, client: &str, service: &str, start: String) -> String {
    let body = json!({"service_id": service, "start": start});
    let r = srv
        .post("/api/client/reservations/", Some(client), body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

async fn invite(srv: &Srv, owner: &Owner, email: &str, resource: &str) -> common::Resp {
    srv.post(
        "/api/entreprise/equipe/",
        owner.t(),
        json!({"email": email, "name": "Marc Petit", "resource_id": resource, "locale": "en"}),
    )
    .await
}

async fn accept(srv: &Srv, token: &str, password: &str) -> common::Resp {
    srv.post(
        "/api/auth/invitation/accepter/",
        None,
        json!({"token": token, "password": password}),
    )
    .await
}

fn ids(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reservation"]["id"].as_str().unwrap())
        .collect()
}

async fn staff_member_sees_and_manages_only_their_resource(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let (bruno, bruno_service) = second_resource(&srv, &owner).await;
    let client = srv.client("client@example.com").await;
    let alice_booking = book(&srv, &client, &owner.service, owner.at("10:00")).await;
    let bruno_booking = book(&srv, &client, &bruno_service, owner.at("14:00")).await;

    let r = invite(&srv, &owner, " Marc@Example.com ", &owner.resource).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["email"], "marc@example.com");
    assert_eq!(r.body["status"], "invited");
    assert_eq!(r.body["resource_id"], owner.resource.as_str());
    let member = r.body["id"].as_str().unwrap().to_owned();
    // The email carries a link to the invitation page with the token.
    let messages = {
        use rdv_storage::accounts::AccountStore as _;
        srv.state
            .store()
            .outbox_for("marc@example.com")
            .await
            .unwrap()
    };
    assert_eq!(messages.len(), 1);
    let m = &messages[0];
    assert_eq!(m.kind, "staff_invitation");
    assert_eq!(m.payload["business_name"], "Salon Test");
    assert_eq!(m.payload["resource_name"], "Alice");
    assert_eq!(m.payload["staff_name"], "Marc Petit");
    let token = m.payload["token"].as_str().unwrap().to_owned();
    assert!(
        m.payload["link"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/invitation?token={token}")),
        "{m:?}"
    );

    // A refused password leaves the invitation usable; then it works once.
    let r = accept(&srv, &token, "short").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    assert_eq!(r.body["errors"][0]["field"], "password");
    assert_eq!(r.body["errors"][0]["code"], "too_short");
    let r = accept(&srv, &token, STAFF_PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["user"]["role"], "staff");
    assert_eq!(r.body["user"]["email"], "marc@example.com");
    assert_eq!(r.body["user"]["email_verified"], true);
    let r = accept(&srv, &token, STAFF_PASSWORD).await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
    assert_eq!(r.code(), "INVITATION_USED");

    let pair = srv.login("marc@example.com", STAFF_PASSWORD).await;
    let staff = pair["access_token"].as_str().unwrap().to_owned();
    let t = Some(staff.as_str());

    // Only Alice's reservations, with who booked.
    let r = srv.get("/api/entreprise/reservations/", t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(ids(&r.body), [alice_booking.as_str()]);
    assert_eq!(r.body["items"][0]["client"]["last_name"], "Dupont", "{r:?}");
    let r = srv
        .get(
            &format!("/api/entreprise/reservations/?resource_id={bruno}"),
            t,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    assert_eq!(r.code(), "NOT_FOUND");
    let owners = srv.get("/api/entreprise/reservations/", owner.t()).await;
    assert_eq!(ids(&owners.body).len(), 2, "{owners:?}");
    // Bruno's reservation does not exist for them, and cannot be acted on.
    for (path, body) in [
        (
            format!("/api/entreprise/reservations/{bruno_booking}/"),
            None,
        ),
        (
            format!("/api/entreprise/reservations/{bruno_booking}/confirmer/"),
            Some(json!({})),
        ),
    ] {
        let r = match body {
            None => srv.get(&path, t).await,
            Some(b) => srv.post(&path, t, b).await,
        };
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {r:?}");
        assert_eq!(r.code(), "NOT_FOUND");
    }
    // Their own: read, confirmed (as the business), moved.
    let path = format!("/api/entreprise/reservations/{alice_booking}/");
    let r = srv.get(&path, t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv.post(&format!("{path}confirmer/"), t, json!({})).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "confirmed");
    assert_eq!(
        r.body["history"].as_array().unwrap().last().unwrap()["actor"],
        "business"
    );
    let r = srv
        .post(
            &format!("{path}reschedule/"),
            t,
            json!({"start": owner.at("11:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["interval"]["start"], owner.at("11:00").as_str());
    assert_eq!(r.body["resource_id"], owner.resource.as_str());

    // The calendar and the figures are Alice's only.
    let calendar = format!("/api/entreprise/calendrier/?view=day&date={}", owner.day);
    let r = srv.get(&calendar, t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let names = |c: &Value| -> Vec<String> {
        c["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&r.body), ["Alice"]);
    let r = srv.get(&calendar, owner.t()).await;
    assert_eq!(names(&r.body), ["Alice", "Bruno"]);
    let r = srv
        .get(&format!("{calendar}&resource_id={bruno}"), owner.t())
        .await;
    assert_eq!(names(&r.body), ["Bruno"]);
    let r = srv.get(&format!("{calendar}&resource_id={bruno}"), t).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{r:?}");
    let stats = format!(
        "/api/entreprise/statistiques/?from={}T00:00:00Z&to={}T23:59:00Z",
        owner.day, owner.day
    );
    let r = srv.get(&stats, t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["totals"]["appointments"]["value"], 1, "{r:?}");
    let r = srv.get(&stats, owner.t()).await;
    assert_eq!(r.body["totals"]["appointments"]["value"], 2, "{r:?}");
    let r = srv.get("/api/entreprise/mon-entreprise/", t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["id"], owner.business.as_str());

    // The owner's other routes are not theirs.
    for (method, path) in [
        ("GET", "/api/entreprise/equipe/".to_owned()),
        ("GET", "/api/entreprise/ressources/".to_owned()),
        ("POST", "/api/entreprise/services/".to_owned()),
        ("PUT", "/api/entreprise/mon-entreprise/".to_owned()),
        ("GET", "/api/client/reservations/".to_owned()),
        ("DELETE", format!("/api/entreprise/equipe/{member}/")),
    ] {
        let r = srv
            .call(method.parse().unwrap(), &path, t, Some(json!({})))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{method} {path}: {r:?}");
        assert_eq!(r.code(), "FORBIDDEN");
    }

    // The owner sees the member active, revokes it: its session and login stop at once.
    let r = srv.get("/api/entreprise/equipe/", owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body.as_array().unwrap().len(), 1);
    assert_eq!(r.body[0]["status"], "active");
    assert!(r.body[0]["accepted_at"].is_string(), "{r:?}");
    let r = srv
        .delete(&format!("/api/entreprise/equipe/{member}/"), owner.t())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "revoked");
    let r = srv.get("/api/entreprise/reservations/", t).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert_eq!(r.code(), "INVALID_TOKEN");
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "marc@example.com", "password": STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    assert_eq!(r.code(), "INVALID_CREDENTIALS");
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
    // Revoking twice answers the same; the member stays listed; the email may come back.
    let r = srv
        .delete(&format!("/api/entreprise/equipe/{member}/"), owner.t())
        .await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("revoked"))
    );
    let r = invite(&srv, &owner, "marc@example.com", &owner.resource).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let r = srv.get("/api/entreprise/equipe/", owner.t()).await;
    let statuses: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["invited", "revoked"]);
}

async fn invitations_refuse_bad_input_conflicts_expiry_and_revocation(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let (bruno, _) = second_resource(&srv, &owner).await;
    srv.client("client@example.com").await;

    let r = srv
        .post(
            "/api/entreprise/equipe/",
            owner.t(),
            json!({"email": "not-an-email", "name": " ", "resource_id": owner.resource, "locale": "de"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
    let fields: Vec<(&str, &str)> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("email", "invalid_format"),
            ("name", "required"),
            ("locale", "invalid_choice")
        ]
    );
    let r = invite(&srv, &owner, "ana@example.com", &other.resource).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "NOT_FOUND"),
        "{r:?}"
    );
    let r = invite(&srv, &owner, "client@example.com", &owner.resource).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "EMAIL_TAKEN"),
        "{r:?}"
    );
    let r = invite(&srv, &owner, "ana@example.com", &owner.resource).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let ana = r.body["id"].as_str().unwrap().to_owned();
    let r = invite(&srv, &owner, "ana@example.com", &bruno).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "STAFF_ALREADY_INVITED"),
        "{r:?}"
    );
    let r = invite(&srv, &owner, "leo@example.com", &owner.resource).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "RESOURCE_HAS_STAFF"),
        "{r:?}"
    );
    // Nothing was queued for the refused invitations.
    {
        use rdv_storage::accounts::AccountStore as _;
        for email in ["client@example.com", "leo@example.com"] {
            let queued = srv.state.store().outbox_for(email).await.unwrap();
            assert!(
                queued.iter().all(|m| m.kind != "staff_invitation"),
                "{email}"
            );
        }
    }
    let r = srv
        .delete(&format!("/api/entreprise/equipe/{ana}/"), other.t())
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::NOT_FOUND, "STAFF_MEMBER_NOT_FOUND"),
        "{r:?}"
    );

    // Leo's invitation (Bruno, a second later: the list is newest first) expires after 7
    // days; Ana's is revoked before she accepts.
    srv.state.clock().advance(1);
    let r = invite(&srv, &owner, "leo@example.com", &bruno).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let leo_token = srv
        .outbox_token("leo@example.com", "staff_invitation")
        .await;
    let ana_token = srv
        .outbox_token("ana@example.com", "staff_invitation")
        .await;
    let r = srv
        .delete(&format!("/api/entreprise/equipe/{ana}/"), owner.t())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = accept(&srv, &ana_token, STAFF_PASSWORD).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_ONE_TIME_TOKEN"),
        "{r:?}"
    );
    let r = accept(&srv, "no-such-token", STAFF_PASSWORD).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::BAD_REQUEST, "INVALID_ONE_TIME_TOKEN"),
        "{r:?}"
    );
    srv.state.clock().advance(7 * 86_400);
    let r = accept(&srv, &leo_token, STAFF_PASSWORD).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::GONE, "INVITATION_EXPIRED"),
        "{r:?}"
    );
    let owner_token = srv.login("owner@example.com", PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = srv.get("/api/entreprise/equipe/", Some(&owner_token)).await;
    let statuses: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["expired", "revoked"]);
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "leo@example.com", "password": STAFF_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
}

server_tests!(
    config = super::long_tokens;
    staff_member_sees_and_manages_only_their_resource,
    invitations_refuse_bad_input_conflicts_expiry_and_revocation,
);

/// Access tokens outlive the clock moves of the expiry case.
fn long_tokens(c: &mut rdv_server::config::Config) {
    c.access_token_seconds = 3 * 86_400;
}
