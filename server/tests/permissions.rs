//! The permission matrix (PERM-1): every route of the OpenAPI document × {anonymous, client,
//! other client, owner, other owner, admin}, with the expected answer, asserted cell by cell.
//! Denied cells must answer exactly 401, 403 or 404 (another's object is "not found", never
//! "forbidden", so nothing leaks); allowed cells must pass the permission layer.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::collections::BTreeSet;

use common::{Backend, Srv, run};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Actor {
    Anonymous,
    OtherClient,
    OtherOwner,
    Admin,
    Client,
    Owner,
}

const ACTORS: [Actor; 6] = [
    Actor::Anonymous,
    Actor::OtherClient,
    Actor::OtherOwner,
    Actor::Admin,
    Actor::Client,
    Actor::Owner,
];

/// Who a route belongs to.
#[derive(Clone, Copy, Debug)]
enum Scope {
    /// Anyone, same answer.
    Public,
    /// Any signed-in user.
    SignedIn,
    /// Clients; each sees only their own.
    ClientList,
    /// One client's object.
    ClientObject,
    /// Owners; each sees only their own business.
    OwnerList,
    /// Owners, with a body naming the owner's objects: another owner is refused them.
    OwnerListWithRefs,
    /// One business's object.
    OwnerObject,
    /// Administrators.
    Admin,
}

#[derive(Debug, PartialEq)]
enum Expect {
    Allowed,
    Status(StatusCode),
    /// 404, or 422 whose problem says which referenced object was not found.
    NotFoundInBody,
}

fn expect(scope: Scope, actor: Actor) -> Expect {
    use Actor::*;
    use Expect::*;
    let unauthorized = Status(StatusCode::UNAUTHORIZED);
    let forbidden = Status(StatusCode::FORBIDDEN);
    let not_found = Status(StatusCode::NOT_FOUND);
    match (scope, actor) {
        (Scope::Public, _) => Allowed,
        (_, Anonymous) => unauthorized,
        (Scope::SignedIn, _) => Allowed,
        (Scope::ClientList, Client | OtherClient) => Allowed,
        (Scope::ClientObject, Client) => Allowed,
        (Scope::ClientObject, OtherClient) => not_found,
        (Scope::OwnerList, Owner | OtherOwner) => Allowed,
        (Scope::OwnerListWithRefs, Owner) => Allowed,
        (Scope::OwnerListWithRefs, OtherOwner) => NotFoundInBody,
        (Scope::OwnerObject, Owner) => Allowed,
        (Scope::OwnerObject, OtherOwner) => not_found,
        (Scope::Admin, Admin) => Allowed,
        _ => forbidden,
    }
}

struct World {
    owner: common::Owner,
    tokens: Vec<(Actor, Option<String>)>,
    reservation: String,
    webhook: String,
    dead_message: String,
}

fn routes(w: &World) -> Vec<(Method, String, Option<Value>, Scope, &'static str)> {
    let o = &w.owner;
    let (b, s, win, r, res) = (
        &o.business,
        &o.service,
        &o.window,
        &w.reservation,
        &o.resource,
    );
    let range = format!("from={}&to={}", o.at("00:00"), o.at("23:00"));
    let window = json!({"resource_id": res, "start": o.at("19:00"), "end": o.at("20:00")});
    let get = Method::GET;
    let post = Method::POST;
    let put = Method::PUT;
    let delete = Method::DELETE;
    use Scope::*;
    vec![
        // Public reads and auth forms (template paths name the OpenAPI entry).
        (
            get.clone(),
            "/api/entreprises/".into(),
            None,
            Public,
            "/api/entreprises/",
        ),
        (
            get.clone(),
            "/api/recherche/?q=salon".into(),
            None,
            Public,
            "/api/recherche/",
        ),
        (
            get.clone(),
            format!("/api/entreprises/{b}/"),
            None,
            Public,
            "/api/entreprises/{id}/",
        ),
        (
            get.clone(),
            format!("/api/entreprises/{b}/services/"),
            None,
            Public,
            "/api/entreprises/{id}/services/",
        ),
        (
            get.clone(),
            format!("/api/services/{s}/"),
            None,
            Public,
            "/api/services/{id}/",
        ),
        (
            get.clone(),
            format!("/api/services/{s}/creneaux/?{range}"),
            None,
            Public,
            "/api/services/{id}/creneaux/",
        ),
        (
            get.clone(),
            format!("/api/services/{s}/snapshot/?{range}"),
            None,
            Public,
            "/api/services/{id}/snapshot/",
        ),
        (get.clone(), "/healthz".into(), None, Public, "/healthz"),
        (get.clone(), "/readyz".into(), None, Public, "/readyz"),
        (get.clone(), "/metrics".into(), None, Public, "/metrics"),
        (
            post.clone(),
            "/api/auth/password-reset/".into(),
            Some(json!({"email": "nobody@example.com"})),
            Public,
            "/api/auth/password-reset/",
        ),
        (
            post.clone(),
            "/api/auth/verify-email/resend/".into(),
            Some(json!({"email": "nobody@example.com"})),
            Public,
            "/api/auth/verify-email/resend/",
        ),
        (
            get.clone(),
            "/api/auth/me/".into(),
            None,
            SignedIn,
            "/api/auth/me/",
        ),
        (
            post.clone(),
            "/api/auth/password-change/".into(),
            Some(
                json!({"current_password": "not the password", "new_password": "whatever long enough"}),
            ),
            SignedIn,
            "/api/auth/password-change/",
        ),
        // Client.
        (
            get.clone(),
            "/api/client/mon-profil/".into(),
            None,
            ClientList,
            "/api/client/mon-profil/",
        ),
        (
            put.clone(),
            "/api/client/mon-profil/".into(),
            Some(json!({"email": "x@example.com", "first_name": "X", "last_name": "Y"})),
            ClientList,
            "/api/client/mon-profil/",
        ),
        (
            get.clone(),
            "/api/client/reservations/".into(),
            None,
            ClientList,
            "/api/client/reservations/",
        ),
        (
            post.clone(),
            "/api/client/reservations/".into(),
            Some(json!({"service_id": s, "start": o.at("15:00")})),
            ClientList,
            "/api/client/reservations/",
        ),
        (
            get.clone(),
            format!("/api/client/reservations/{r}/"),
            None,
            ClientObject,
            "/api/client/reservations/{id}/",
        ),
        (
            post.clone(),
            format!("/api/client/reservations/{r}/reschedule/"),
            Some(json!({"start": o.at("16:00")})),
            ClientObject,
            "/api/client/reservations/{id}/reschedule/",
        ),
        // Owner.
        (
            get.clone(),
            "/api/entreprise/mon-entreprise/".into(),
            None,
            OwnerList,
            "/api/entreprise/mon-entreprise/",
        ),
        (
            post.clone(),
            "/api/entreprise/mon-entreprise/".into(),
            Some(common::business_body("Another")),
            OwnerList,
            "/api/entreprise/mon-entreprise/",
        ),
        (
            put.clone(),
            "/api/entreprise/mon-entreprise/".into(),
            Some(common::business_body("Salon Test")),
            OwnerList,
            "/api/entreprise/mon-entreprise/",
        ),
        (
            get.clone(),
            "/api/entreprise/ressources/".into(),
            None,
            OwnerList,
            "/api/entreprise/ressources/",
        ),
        (
            post.clone(),
            "/api/entreprise/ressources/".into(),
            Some(json!({"name": "Extra", "kind": "room"})),
            OwnerList,
            "/api/entreprise/ressources/",
        ),
        (
            get.clone(),
            "/api/entreprise/services/".into(),
            None,
            OwnerList,
            "/api/entreprise/services/",
        ),
        (
            post.clone(),
            "/api/entreprise/services/".into(),
            Some(common::service_body(res)),
            OwnerListWithRefs,
            "/api/entreprise/services/",
        ),
        (
            get.clone(),
            "/api/entreprise/disponibilites/".into(),
            None,
            OwnerList,
            "/api/entreprise/disponibilites/",
        ),
        (
            post.clone(),
            "/api/entreprise/disponibilites/".into(),
            Some(window.clone()),
            OwnerListWithRefs,
            "/api/entreprise/disponibilites/",
        ),
        (
            post.clone(),
            "/api/entreprise/disponibilites/bulk/".into(),
            Some(json!({"items": [window.clone()]})),
            OwnerListWithRefs,
            "/api/entreprise/disponibilites/bulk/",
        ),
        (
            post.clone(),
            "/api/entreprise/disponibilites/recurrentes/".into(),
            Some(
                json!({"resource_id": res, "rrule": "FREQ=DAILY;COUNT=1", "first_start": "2030-01-01T09:00:00", "wall_minutes": 60}),
            ),
            OwnerListWithRefs,
            "/api/entreprise/disponibilites/recurrentes/",
        ),
        (
            get.clone(),
            "/api/entreprise/reservations/".into(),
            None,
            OwnerList,
            "/api/entreprise/reservations/",
        ),
        (
            get.clone(),
            format!("/api/entreprise/services/{s}/"),
            None,
            OwnerObject,
            "/api/entreprise/services/{id}/",
        ),
        (
            put.clone(),
            format!("/api/entreprise/services/{s}/"),
            Some(common::service_body(res)),
            OwnerObject,
            "/api/entreprise/services/{id}/",
        ),
        (
            post.clone(),
            format!("/api/entreprise/services/{s}/activer/"),
            Some(json!({})),
            OwnerObject,
            "/api/entreprise/services/{id}/activer/",
        ),
        (
            get.clone(),
            format!("/api/entreprise/disponibilites/{win}/"),
            None,
            OwnerObject,
            "/api/entreprise/disponibilites/{id}/",
        ),
        (
            put.clone(),
            format!("/api/entreprise/disponibilites/{win}/"),
            Some(json!({"start": o.at("07:00"), "end": o.at("18:00")})),
            OwnerObject,
            "/api/entreprise/disponibilites/{id}/",
        ),
        (
            get.clone(),
            format!("/api/entreprise/reservations/{r}/"),
            None,
            OwnerObject,
            "/api/entreprise/reservations/{id}/",
        ),
        (
            post.clone(),
            format!("/api/entreprise/reservations/{r}/confirmer/"),
            Some(json!({})),
            OwnerObject,
            "/api/entreprise/reservations/{id}/confirmer/",
        ),
        (
            post.clone(),
            format!("/api/entreprise/reservations/{r}/terminer/"),
            Some(json!({})),
            OwnerObject,
            "/api/entreprise/reservations/{id}/terminer/",
        ),
        (
            post.clone(),
            format!("/api/entreprise/reservations/{r}/absence/"),
            Some(json!({})),
            OwnerObject,
            "/api/entreprise/reservations/{id}/absence/",
        ),
        // Notification settings, webhooks, the delivery queue.
        (
            get.clone(),
            "/api/client/notifications/".into(),
            None,
            ClientList,
            "/api/client/notifications/",
        ),
        (
            put.clone(),
            "/api/client/notifications/".into(),
            Some(json!({"email": true, "sms": false})),
            ClientList,
            "/api/client/notifications/",
        ),
        (
            get.clone(),
            "/api/entreprise/notifications/".into(),
            None,
            OwnerList,
            "/api/entreprise/notifications/",
        ),
        (
            put.clone(),
            "/api/entreprise/notifications/".into(),
            Some(json!({"email": true, "events": ["reservation_created"]})),
            OwnerList,
            "/api/entreprise/notifications/",
        ),
        (
            get.clone(),
            "/api/entreprise/webhooks/".into(),
            None,
            OwnerList,
            "/api/entreprise/webhooks/",
        ),
        (
            post.clone(),
            "/api/entreprise/webhooks/".into(),
            Some(json!({"url": "https://hooks.example/rdv", "events": ["reservation_created"]})),
            OwnerList,
            "/api/entreprise/webhooks/",
        ),
        (
            get.clone(),
            format!("/api/entreprise/webhooks/{}/", w.webhook),
            None,
            OwnerObject,
            "/api/entreprise/webhooks/{id}/",
        ),
        (
            get.clone(),
            "/api/admin/notifications/".into(),
            None,
            Admin,
            "/api/admin/notifications/",
        ),
        (
            post.clone(),
            format!("/api/admin/notifications/{}/relancer/", w.dead_message),
            Some(json!({})),
            Admin,
            "/api/admin/notifications/{id}/relancer/",
        ),
        // Admin.
        (
            get.clone(),
            "/api/admin/entreprises/".into(),
            None,
            Admin,
            "/api/admin/entreprises/",
        ),
        (
            post.clone(),
            format!("/api/admin/entreprises/{b}/valider/"),
            Some(json!({})),
            Admin,
            "/api/admin/entreprises/{id}/valider/",
        ),
        // Destructive last.
        (
            delete.clone(),
            format!("/api/entreprise/webhooks/{}/", w.webhook),
            None,
            OwnerObject,
            "/api/entreprise/webhooks/{id}/",
        ),
        (
            delete.clone(),
            format!("/api/entreprise/reservations/{r}/?reason=fermeture"),
            None,
            OwnerObject,
            "/api/entreprise/reservations/{id}/",
        ),
        (
            delete.clone(),
            format!("/api/client/reservations/{r}/?reason=empêchement"),
            None,
            ClientObject,
            "/api/client/reservations/{id}/",
        ),
        (
            post.clone(),
            format!("/api/entreprise/services/{s}/desactiver/"),
            Some(json!({})),
            OwnerObject,
            "/api/entreprise/services/{id}/desactiver/",
        ),
        (
            delete.clone(),
            format!("/api/entreprise/services/{s}/"),
            None,
            OwnerObject,
            "/api/entreprise/services/{id}/",
        ),
        (
            delete.clone(),
            format!("/api/entreprise/disponibilites/{win}/"),
            None,
            OwnerObject,
            "/api/entreprise/disponibilites/{id}/",
        ),
        (
            post.clone(),
            format!("/api/admin/entreprises/{b}/rejeter/"),
            Some(json!({"reason": "incomplete"})),
            Admin,
            "/api/admin/entreprises/{id}/rejeter/",
        ),
    ]
}

/// Routes reachable without a session and tested on their own (forms whose answer does not
/// depend on who calls).
const FORMS: [&str; 6] = [
    "/api/auth/register/",
    "/api/auth/login/",
    "/api/auth/token/refresh/",
    "/api/auth/logout/",
    "/api/auth/verify-email/",
    "/api/auth/password-reset/confirm/",
];

async fn matrix(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other_owner = srv.owner("other-owner@example.com").await;
    let client = srv.client("client@example.com").await;
    let other_client = srv.client("other-client@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("10:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let reservation = r.body["id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/entreprise/webhooks/",
            owner.t(),
            json!({"url": "https://hooks.example/owner", "events": ["reservation_created"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let webhook = r.body["id"].as_str().unwrap().to_owned();
    let world = World {
        reservation,
        webhook,
        dead_message: common::dead_letter(&srv).await.to_string(),
        tokens: vec![
            (Actor::Anonymous, None),
            (Actor::OtherClient, Some(other_client)),
            (Actor::OtherOwner, Some(other_owner.token.clone())),
            (Actor::Admin, Some(admin)),
            (Actor::Client, Some(client)),
            (Actor::Owner, Some(owner.token.clone())),
        ],
        owner,
    };
    let table = routes(&world);
    let mut cells = 0;
    let mut covered = BTreeSet::new();
    for (method, path, body, scope, template) in &table {
        covered.insert((method.to_string().to_lowercase(), template.to_string()));
        for (actor, token) in &world.tokens {
            assert!(ACTORS.contains(actor));
            let r = srv
                .call(method.clone(), path, token.as_deref(), body.clone())
                .await;
            match expect(*scope, *actor) {
                Expect::Allowed => assert!(
                    ![
                        StatusCode::UNAUTHORIZED,
                        StatusCode::FORBIDDEN,
                        StatusCode::NOT_FOUND
                    ]
                    .contains(&r.status)
                        || (template.contains("password-change")
                            && r.code() == "INVALID_CREDENTIALS"),
                    "{method} {path} as {actor:?}: expected to pass, got {r:?}"
                ),
                Expect::NotFoundInBody => assert!(
                    r.status == StatusCode::NOT_FOUND
                        || (r.status == StatusCode::UNPROCESSABLE_ENTITY
                            && r.text.to_lowercase().contains("not_found")),
                    "{method} {path} as {actor:?}: expected not found, got {r:?}"
                ),
                Expect::Status(status) => {
                    assert_eq!(r.status, status, "{method} {path} as {actor:?}: {r:?}");
                    assert!(
                        !r.text.contains(&world.reservation) || path.contains(&world.reservation),
                        "leak: {r:?}"
                    );
                }
            }
            cells += 1;
        }
    }
    assert_eq!(cells, table.len() * 6);
    // Every documented operation is in the matrix or among the forms tested elsewhere.
    let doc = rdv_server::app::openapi();
    for (path, item) in &doc.paths.paths {
        for method in ["get", "post", "put", "delete"] {
            let present = match method {
                "get" => item.get.is_some(),
                "post" => item.post.is_some(),
                "put" => item.put.is_some(),
                _ => item.delete.is_some(),
            };
            if present && !FORMS.contains(&path.as_str()) {
                assert!(
                    covered.contains(&(method.to_owned(), path.clone())),
                    "{method} {path} is missing from the permission matrix"
                );
            }
        }
    }
    // Denied calls changed nothing: the reservation's history holds the client's booking,
    // the owner's confirmation and the owner's cancellation only.
    let r = srv
        .get(
            &format!("/api/client/reservations/{}/", world.reservation),
            world.tokens[4].1.as_deref(),
        )
        .await;
    let actors: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["actor"].as_str().unwrap())
        .collect();
    assert!(
        actors.iter().all(|a| *a == "client" || *a == "business"),
        "{r:?}"
    );
}

#[test]
fn permission_matrix_on_sqlite() {
    run(Backend::Sqlite, |_| {}, matrix);
}

#[test]
fn permission_matrix_on_postgres() {
    run(Backend::Postgres, |_| {}, matrix);
}
