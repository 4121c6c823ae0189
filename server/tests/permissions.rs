//! The permission matrix (PERM-1): every route of the OpenAPI document × {anonymous, client,
//! other client, owner, other owner, admin, staff}, with the exact answer of every cell. The
//! staff member works for the owner's business on a second resource that holds none of the
//! matrix's reservations: the routes owners and staff share answer them (their own lists) or
//! 404 (a reservation of another resource), every other owner route 403. Denied cells
//! answer 401 `UNAUTHENTICATED`, 403 `FORBIDDEN` or a 404 (another's object is "not found",
//! never "forbidden", so nothing leaks), as problem+json; allowed cells send valid bodies and
//! get the route's success status, except where a row names the domain rule that answers.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::collections::BTreeSet;

use common::{Backend, PASSWORD, Srv, run};
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
    Staff,
}

const ACTORS: [Actor; 7] = [
    Actor::Anonymous,
    Actor::OtherClient,
    Actor::OtherOwner,
    Actor::Admin,
    Actor::Client,
    Actor::Owner,
    Actor::Staff,
];

/// What the staff member gets on a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StaffCell {
    /// 403 `FORBIDDEN`: an owner's route staff may not use (and every client or admin route).
    Denied,
    /// The route's allowed answer (lists of their own resource).
    Allowed,
    /// The route's 404: the object belongs to another resource of the business.
    NotFound,
}

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

/// An exact answer: the status and, at JSON pointers of the body, the strings found there.
#[derive(Clone, Debug)]
struct Answer {
    status: StatusCode,
    body: Vec<(&'static str, &'static str)>,
}

impl Answer {
    fn status(status: StatusCode) -> Answer {
        Answer {
            status,
            body: Vec::new(),
        }
    }

    /// A problem+json answer with this `code`.
    fn problem(status: StatusCode, code: &'static str) -> Answer {
        Answer::status(status).at("/code", code)
    }

    fn at(mut self, pointer: &'static str, value: &'static str) -> Answer {
        self.body.push((pointer, value));
        self
    }

    fn check(&self, r: &common::Resp, cell: &str) {
        assert_eq!(r.status, self.status, "{cell}: {r:?}");
        for (pointer, value) in &self.body {
            assert_eq!(
                r.body.pointer(pointer).and_then(Value::as_str),
                Some(*value),
                "{cell}: {pointer} of {r:?}"
            );
        }
        if self.status.is_client_error() {
            assert_eq!(
                r.headers
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json"),
                "{cell}: {r:?}"
            );
        }
    }
}

/// One route called by every actor.
struct Route {
    method: Method,
    /// The OpenAPI path template the call exercises.
    template: &'static str,
    path: String,
    scope: Scope,
    body: Option<Value>,
    /// Bodies of particular callers, where allowed callers sending the same body would collide.
    body_for: Vec<(Actor, Value)>,
    /// The answer of the allowed cells.
    allowed: Answer,
    /// `Scope::OwnerListWithRefs`: the other owner's answer for naming the owner's objects.
    foreign_refs: Option<Answer>,
    /// The code of the 404 answering another's object.
    not_found: &'static str,
    /// While the row runs, the server's clock shows this instant (RFC 3339); then now again.
    clock_at: Option<String>,
    /// The staff member's cell.
    staff: StaffCell,
    /// A body sent as is with its content type, instead of JSON (an ICS file).
    raw: Option<(&'static str, &'static str)>,
}

fn route(
    method: Method,
    template: &'static str,
    path: impl Into<String>,
    scope: Scope,
    allowed: StatusCode,
) -> Route {
    Route {
        method,
        template,
        path: path.into(),
        scope,
        body: None,
        body_for: Vec::new(),
        allowed: Answer::status(allowed),
        foreign_refs: None,
        not_found: "NOT_FOUND",
        clock_at: None,
        staff: StaffCell::Denied,
        raw: None,
    }
}

impl Route {
    fn body(mut self, body: Value) -> Route {
        self.body = Some(body);
        self
    }

    fn raw(mut self, content_type: &'static str, body: &'static str) -> Route {
        self.raw = Some((content_type, body));
        self
    }

    fn body_for(mut self, actor: Actor, body: Value) -> Route {
        self.body_for.push((actor, body));
        self
    }

    fn allowed(mut self, answer: Answer) -> Route {
        self.allowed = answer;
        self
    }

    fn foreign_refs(mut self, answer: Answer) -> Route {
        self.foreign_refs = Some(answer);
        self
    }

    fn not_found(mut self, code: &'static str) -> Route {
        self.not_found = code;
        self
    }

    fn staff(mut self, cell: StaffCell) -> Route {
        self.staff = cell;
        self
    }

    fn clock_at(mut self, instant: String) -> Route {
        self.clock_at = Some(instant);
        self
    }

    fn body_of(&self, actor: Actor) -> Option<Value> {
        self.body_for
            .iter()
            .find(|(a, _)| *a == actor)
            .map(|(_, b)| b.clone())
            .or_else(|| self.body.clone())
    }
}

/// The exact answer of `actor` calling `route`.
fn expected(route: &Route, actor: Actor) -> Answer {
    use Actor::*;
    let unauthorized = Answer::problem(StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
    let forbidden = Answer::problem(StatusCode::FORBIDDEN, "FORBIDDEN");
    let not_found = Answer::problem(StatusCode::NOT_FOUND, route.not_found);
    let allowed = route.allowed.clone();
    match (route.scope, actor) {
        (Scope::Public, _) => allowed,
        (_, Anonymous) => unauthorized,
        (Scope::SignedIn, _) => allowed,
        (_, Staff) => match route.staff {
            StaffCell::Denied => forbidden,
            StaffCell::Allowed => allowed,
            StaffCell::NotFound => not_found,
        },
        (Scope::ClientList, Client | OtherClient) => allowed,
        (Scope::ClientObject, Client) => allowed,
        (Scope::ClientObject, OtherClient) => not_found,
        (Scope::OwnerList, Owner | OtherOwner) => allowed,
        (Scope::OwnerListWithRefs, Owner) => allowed,
        (Scope::OwnerListWithRefs, OtherOwner) => route
            .foreign_refs
            .clone()
            .expect("a row naming the owner's objects says what another owner gets"),
        (Scope::OwnerObject, Owner) => allowed,
        (Scope::OwnerObject, OtherOwner) => not_found,
        (Scope::Admin, Admin) => allowed,
        _ => forbidden,
    }
}

struct World {
    owner: common::Owner,
    tokens: Vec<(Actor, Option<String>)>,
    /// The client's booking at 10:00 tomorrow: read, rescheduled, confirmed, then cancelled by
    /// the owner.
    reservation: String,
    /// Confirmed bookings at 08:00 and 08:30 tomorrow, completed and marked absent.
    done: String,
    absent: String,
    /// A booking at 11:00 tomorrow the client cancels.
    to_cancel: String,
    webhook: String,
    dead_message: String,
    /// The client's place on the waitlist of 08:30 tomorrow (held by `absent`).
    place: String,
    /// A resource without staff, for the invitation row.
    free_resource: String,
    /// An open staff invitation, for the revocation row.
    invited: String,
    /// Calendar feeds: the owner's and the client's (rotated, then revoked), and the path of
    /// another feed of the owner's, read by token.
    owner_feed: String,
    client_feed: String,
    feed_path: String,
}

impl World {
    fn token(&self, actor: Actor) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(a, _)| *a == actor)
            .and_then(|(_, t)| t.as_deref())
    }
}

fn routes(w: &World) -> Vec<Route> {
    use Scope::*;
    let o = &w.owner;
    let (b, s, win, r, res, hook) = (
        &o.business,
        &o.service,
        &o.window,
        &w.reservation,
        &o.resource,
        &w.webhook,
    );
    let range = format!("from={}&to={}", o.at("00:00"), o.at("23:00"));
    let window =
        |from: &str, to: &str| json!({"resource_id": res, "start": o.at(from), "end": o.at(to)});
    // Three days after tomorrow, 09:00 in the business's zone.
    let later = (chrono::Utc::now() + chrono::Duration::days(4)).format("%Y-%m-%dT09:00:00");
    let (ok, created, no_content, accepted) = (
        StatusCode::OK,
        StatusCode::CREATED,
        StatusCode::NO_CONTENT,
        StatusCode::ACCEPTED,
    );
    let (get, post, put, delete) = (Method::GET, Method::POST, Method::PUT, Method::DELETE);
    vec![
        // Public reads and auth forms.
        route(
            get.clone(),
            "/api/entreprises/",
            "/api/entreprises/",
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/categories/",
            "/api/categories/",
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/recherche/",
            "/api/recherche/?q=salon",
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/entreprises/{id}/",
            format!("/api/entreprises/{b}/"),
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/entreprises/{id}/services/",
            format!("/api/entreprises/{b}/services/"),
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/services/{id}/",
            format!("/api/services/{s}/"),
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/services/{id}/creneaux/",
            format!("/api/services/{s}/creneaux/?{range}"),
            Public,
            ok,
        ),
        route(
            get.clone(),
            "/api/services/{id}/snapshot/",
            format!("/api/services/{s}/snapshot/?{range}"),
            Public,
            ok,
        ),
        route(get.clone(), "/healthz", "/healthz", Public, ok),
        route(get.clone(), "/readyz", "/readyz", Public, ok),
        route(get.clone(), "/metrics", "/metrics", Public, ok),
        route(
            post.clone(),
            "/api/auth/password-reset/",
            "/api/auth/password-reset/",
            Public,
            accepted,
        )
        .body(json!({"email": "nobody@example.com"})),
        route(
            post.clone(),
            "/api/auth/verify-email/resend/",
            "/api/auth/verify-email/resend/",
            Public,
            accepted,
        )
        .body(json!({"email": "nobody@example.com"})),
        route(get.clone(), "/api/auth/me/", "/api/auth/me/", SignedIn, ok),
        // Each caller sets its own password again; the loop goes on with the fresh tokens.
        route(
            post.clone(),
            "/api/auth/password-change/",
            "/api/auth/password-change/",
            SignedIn,
            ok,
        )
        .body(json!({"current_password": PASSWORD, "new_password": PASSWORD})),
        // Client.
        route(
            get.clone(),
            "/api/client/mon-profil/",
            "/api/client/mon-profil/",
            ClientList,
            ok,
        ),
        route(
            put.clone(),
            "/api/client/mon-profil/",
            "/api/client/mon-profil/",
            ClientList,
            ok,
        )
        .body(json!({"email": "x@example.com", "first_name": "X", "last_name": "Y"})),
        route(
            get.clone(),
            "/api/client/reservations/",
            "/api/client/reservations/",
            ClientList,
            ok,
        ),
        route(
            post.clone(),
            "/api/client/reservations/",
            "/api/client/reservations/",
            ClientList,
            created,
        )
        .body(json!({"service_id": s, "start": o.at("15:00")}))
        .body_for(
            Actor::OtherClient,
            json!({"service_id": s, "start": o.at("14:00")}),
        ),
        route(
            get.clone(),
            "/api/client/reservations/{id}/",
            format!("/api/client/reservations/{r}/"),
            ClientObject,
            ok,
        ),
        route(
            post.clone(),
            "/api/client/reservations/{id}/reschedule/",
            format!("/api/client/reservations/{r}/reschedule/"),
            ClientObject,
            ok,
        )
        .body(json!({"start": o.at("16:00")})),
        // The waitlist: 08:00 is full (the client's own confirmed booking). The client's
        // place (08:30) is read, claimed without an offer, left; then both clients may join.
        route(
            get.clone(),
            "/api/client/liste-attente/",
            "/api/client/liste-attente/",
            ClientList,
            ok,
        ),
        // The client's place waits: no offer to claim yet.
        route(
            post.clone(),
            "/api/client/liste-attente/{id}/accepter/",
            format!("/api/client/liste-attente/{}/accepter/", w.place),
            ClientObject,
            ok,
        )
        .body(json!({}))
        .allowed(Answer::problem(
            StatusCode::CONFLICT,
            "INVALID_STATUS_TRANSITION",
        )),
        route(
            delete.clone(),
            "/api/client/liste-attente/{id}/",
            format!("/api/client/liste-attente/{}/", w.place),
            ClientObject,
            ok,
        ),
        // Once the client left, both clients may join.
        route(
            post.clone(),
            "/api/client/liste-attente/",
            "/api/client/liste-attente/",
            ClientList,
            created,
        )
        .body(json!({"service_id": s, "from": o.at("08:00"), "to": o.at("08:01")})),
        route(
            get.clone(),
            "/api/entreprise/liste-attente/",
            "/api/entreprise/liste-attente/",
            OwnerList,
            ok,
        ),
        // Owner.
        route(
            get.clone(),
            "/api/entreprise/mon-entreprise/",
            "/api/entreprise/mon-entreprise/",
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        // Both owners created their business through this route (201, in `Srv::owner`); a
        // second one is the one-business-per-owner conflict, past the permission layer.
        route(
            post.clone(),
            "/api/entreprise/mon-entreprise/",
            "/api/entreprise/mon-entreprise/",
            OwnerList,
            created,
        )
        .body(common::business_body("Another"))
        .allowed(Answer::problem(StatusCode::CONFLICT, "BUSINESS_EXISTS")),
        route(
            put.clone(),
            "/api/entreprise/mon-entreprise/",
            "/api/entreprise/mon-entreprise/",
            OwnerList,
            ok,
        )
        .body(common::business_body("Salon Test")),
        route(
            get.clone(),
            "/api/entreprise/ressources/",
            "/api/entreprise/ressources/",
            OwnerList,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/ressources/",
            "/api/entreprise/ressources/",
            OwnerList,
            created,
        )
        .body(json!({"name": "Extra", "kind": "room"})),
        route(
            get.clone(),
            "/api/entreprise/ressources/{id}/",
            format!("/api/entreprise/ressources/{res}/"),
            OwnerObject,
            ok,
        ),
        route(
            put.clone(),
            "/api/entreprise/ressources/{id}/",
            format!("/api/entreprise/ressources/{res}/"),
            OwnerObject,
            ok,
        )
        .body(json!({"name": "Alice", "kind": "staff"})),
        // Busy times from other calendars: a dry run of a right file, then the list and the
        // removal of a source the other rows never fill.
        route(
            post.clone(),
            "/api/entreprise/ressources/{id}/occupations/",
            format!("/api/entreprise/ressources/{res}/occupations/?source=matrix&dry_run=true"),
            OwnerObject,
            ok,
        )
        .raw(
            "text/calendar",
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:matrix\r\n\
             DTSTART:20300107T090000Z\r\nDTEND:20300107T100000Z\r\nEND:VEVENT\r\n\
             END:VCALENDAR\r\n",
        ),
        route(
            get.clone(),
            "/api/entreprise/ressources/{id}/occupations/",
            format!("/api/entreprise/ressources/{res}/occupations/"),
            OwnerObject,
            ok,
        ),
        route(
            delete.clone(),
            "/api/entreprise/ressources/{id}/occupations/",
            format!("/api/entreprise/ressources/{res}/occupations/?source=matrix"),
            OwnerObject,
            ok,
        ),
        // Deactivated (listing the world's bookings it holds), then active again at once.
        route(
            post.clone(),
            "/api/entreprise/ressources/{id}/desactiver/",
            format!("/api/entreprise/ressources/{res}/desactiver/"),
            OwnerObject,
            ok,
        )
        .body(json!({})),
        route(
            post.clone(),
            "/api/entreprise/ressources/{id}/activer/",
            format!("/api/entreprise/ressources/{res}/activer/"),
            OwnerObject,
            ok,
        )
        .body(json!({})),
        route(
            get.clone(),
            "/api/entreprise/services/",
            "/api/entreprise/services/",
            OwnerList,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/services/",
            "/api/entreprise/services/",
            OwnerListWithRefs,
            created,
        )
        .body(common::service_body(res))
        .foreign_refs(
            Answer::problem(StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED")
                .at("/errors/0/field", "resource_ids[0]")
                .at("/errors/0/code", "not_found"),
        ),
        route(
            get.clone(),
            "/api/entreprise/disponibilites/",
            "/api/entreprise/disponibilites/",
            OwnerList,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/disponibilites/",
            "/api/entreprise/disponibilites/",
            OwnerListWithRefs,
            created,
        )
        .body(window("19:00", "20:00"))
        .foreign_refs(Answer::problem(StatusCode::NOT_FOUND, "NOT_FOUND")),
        route(
            post.clone(),
            "/api/entreprise/disponibilites/bulk/",
            "/api/entreprise/disponibilites/bulk/",
            OwnerListWithRefs,
            created,
        )
        .body(json!({"items": [window("20:00", "21:00")]}))
        .foreign_refs(
            Answer::problem(StatusCode::UNPROCESSABLE_ENTITY, "BULK_REJECTED")
                .at("/failures/0/code", "NOT_FOUND"),
        ),
        route(
            post.clone(),
            "/api/entreprise/disponibilites/recurrentes/",
            "/api/entreprise/disponibilites/recurrentes/",
            OwnerListWithRefs,
            created,
        )
        .body(json!({"resource_id": res, "rrule": "FREQ=DAILY;COUNT=1",
                     "first_start": later.to_string(), "wall_minutes": 60}))
        .foreign_refs(Answer::problem(StatusCode::NOT_FOUND, "NOT_FOUND")),
        route(
            get.clone(),
            "/api/entreprise/reservations/",
            "/api/entreprise/reservations/",
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/statistiques/",
            format!("/api/entreprise/statistiques/?{range}"),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/statistiques/graphiques/bookings/",
            format!("/api/entreprise/statistiques/graphiques/bookings/?{range}"),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/statistiques/graphiques/revenue/",
            format!("/api/entreprise/statistiques/graphiques/revenue/?{range}"),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/statistiques/graphiques/utilisation/",
            format!("/api/entreprise/statistiques/graphiques/utilisation/?{range}"),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/calendrier/",
            format!("/api/entreprise/calendrier/?view=week&date={}", o.day),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/services/{id}/",
            format!("/api/entreprise/services/{s}/"),
            OwnerObject,
            ok,
        ),
        route(
            put.clone(),
            "/api/entreprise/services/{id}/",
            format!("/api/entreprise/services/{s}/"),
            OwnerObject,
            ok,
        )
        .body(common::service_body(res)),
        route(
            post.clone(),
            "/api/entreprise/services/{id}/activer/",
            format!("/api/entreprise/services/{s}/activer/"),
            OwnerObject,
            ok,
        )
        .body(json!({})),
        route(
            get.clone(),
            "/api/entreprise/disponibilites/{id}/",
            format!("/api/entreprise/disponibilites/{win}/"),
            OwnerObject,
            ok,
        ),
        route(
            put.clone(),
            "/api/entreprise/disponibilites/{id}/",
            format!("/api/entreprise/disponibilites/{win}/"),
            OwnerObject,
            ok,
        )
        .body(json!({"start": o.at("07:00"), "end": o.at("18:00")})),
        route(
            get.clone(),
            "/api/entreprise/reservations/{id}/",
            format!("/api/entreprise/reservations/{r}/"),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound),
        route(
            post.clone(),
            "/api/entreprise/reservations/{id}/confirmer/",
            format!("/api/entreprise/reservations/{r}/confirmer/"),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound)
        .body(json!({})),
        route(
            post.clone(),
            "/api/entreprise/reservations/{id}/reschedule/",
            format!("/api/entreprise/reservations/{r}/reschedule/"),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound)
        .body(json!({"start": o.at("17:00")})),
        // Completing and marking absent need a reservation that has started: the clock shows
        // tomorrow 09:00 meanwhile.
        route(
            post.clone(),
            "/api/entreprise/reservations/{id}/terminer/",
            format!("/api/entreprise/reservations/{}/terminer/", w.done),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound)
        .body(json!({}))
        .clock_at(o.at("09:00")),
        route(
            post.clone(),
            "/api/entreprise/reservations/{id}/absence/",
            format!("/api/entreprise/reservations/{}/absence/", w.absent),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound)
        .body(json!({}))
        .clock_at(o.at("09:00")),
        // Notification settings, webhooks, the delivery queue.
        route(
            get.clone(),
            "/api/client/notifications/",
            "/api/client/notifications/",
            ClientList,
            ok,
        ),
        route(
            put.clone(),
            "/api/client/notifications/",
            "/api/client/notifications/",
            ClientList,
            ok,
        )
        .body(json!({"email": true, "sms": false})),
        route(
            get.clone(),
            "/api/entreprise/notifications/",
            "/api/entreprise/notifications/",
            OwnerList,
            ok,
        ),
        route(
            put.clone(),
            "/api/entreprise/notifications/",
            "/api/entreprise/notifications/",
            OwnerList,
            ok,
        )
        .body(json!({"email": true, "events": ["reservation_created"]})),
        route(
            get.clone(),
            "/api/entreprise/webhooks/",
            "/api/entreprise/webhooks/",
            OwnerList,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/webhooks/",
            "/api/entreprise/webhooks/",
            OwnerList,
            created,
        )
        .body(json!({"url": "https://hooks.example/rdv", "events": ["reservation_created"]})),
        route(
            get.clone(),
            "/api/entreprise/webhooks/{id}/",
            format!("/api/entreprise/webhooks/{hook}/"),
            OwnerObject,
            ok,
        )
        .not_found("WEBHOOK_NOT_FOUND"),
        route(
            get.clone(),
            "/api/admin/notifications/",
            "/api/admin/notifications/",
            Admin,
            ok,
        ),
        route(
            post.clone(),
            "/api/admin/notifications/{id}/relancer/",
            format!("/api/admin/notifications/{}/relancer/", w.dead_message),
            Admin,
            ok,
        )
        .body(json!({})),
        // Admin.
        route(
            get.clone(),
            "/api/admin/entreprises/",
            "/api/admin/entreprises/",
            Admin,
            ok,
        ),
        route(
            post.clone(),
            "/api/admin/entreprises/{id}/valider/",
            format!("/api/admin/entreprises/{b}/valider/"),
            Admin,
            ok,
        )
        .body(json!({})),
        // Exports: the owner's own data, as CSV.
        route(
            get.clone(),
            "/api/entreprise/exports/reservations/",
            "/api/entreprise/exports/reservations/",
            OwnerList,
            ok,
        ),
        route(
            get.clone(),
            "/api/entreprise/exports/clients/",
            "/api/entreprise/exports/clients/",
            OwnerList,
            ok,
        ),
        route(
            get.clone(),
            "/api/entreprise/exports/services/",
            "/api/entreprise/exports/services/",
            OwnerList,
            ok,
        ),
        route(
            get.clone(),
            "/api/entreprise/exports/statistiques/",
            format!("/api/entreprise/exports/statistiques/?{range}"),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        // Imports: dry runs of a right file, so the other rows see nothing of them.
        route(
            post.clone(),
            "/api/entreprise/imports/ressources/",
            "/api/entreprise/imports/ressources/?dry_run=true",
            OwnerList,
            ok,
        )
        .body(json!([{"name": "Matrix room", "kind": "room"}])),
        route(
            post.clone(),
            "/api/entreprise/imports/services/",
            "/api/entreprise/imports/services/?dry_run=true",
            OwnerList,
            ok,
        )
        .body(
            json!([{"name": "Matrix", "duration_minutes": 30, "price_minor": 100,
                       "currency": "EUR", "resources": ["Alice"]}]),
        ),
        route(
            post.clone(),
            "/api/entreprise/imports/disponibilites/",
            "/api/entreprise/imports/disponibilites/?dry_run=true",
            OwnerList,
            ok,
        )
        .body({
            // A month after the other rows' windows: a dry run meets none of them.
            let day = chrono::NaiveDate::parse_from_str(&o.day, "%Y-%m-%d").unwrap()
                + chrono::Duration::days(30);
            json!([{"resource": "Alice", "start": format!("{day}T09:00"),
                    "end": format!("{day}T10:00")}])
        }),
        route(
            post.clone(),
            "/api/entreprise/imports/fermetures/",
            "/api/entreprise/imports/fermetures/?dry_run=true",
            OwnerList,
            ok,
        )
        .body(json!([{"kind": "days", "first_day": "2030-01-01", "last_day": "2030-01-02"}])),
        route(
            post.clone(),
            "/api/entreprise/imports/clients/",
            "/api/entreprise/imports/clients/?dry_run=true",
            OwnerList,
            ok,
        )
        .body(json!([{"first_name": "Léa", "last_name": "Martin", "email": "lea.matrix@example.com"}])),
        // PDF: the day sheet and the monthly statement; staff get their resource's.
        route(
            get.clone(),
            "/api/entreprise/exports/feuille-du-jour/",
            format!("/api/entreprise/exports/feuille-du-jour/?date={}", o.day),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            get.clone(),
            "/api/entreprise/exports/releve-mensuel/",
            format!(
                "/api/entreprise/exports/releve-mensuel/?month={}",
                &o.day[..7]
            ),
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        // The team: the owner invites for a resource without staff; another owner naming it
        // is refused it.
        route(
            get.clone(),
            "/api/entreprise/equipe/",
            "/api/entreprise/equipe/",
            OwnerList,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/equipe/",
            "/api/entreprise/equipe/",
            OwnerListWithRefs,
            created,
        )
        .body(json!({"email": "nina@example.com", "name": "Nina", "resource_id": w.free_resource}))
        .foreign_refs(Answer::problem(StatusCode::NOT_FOUND, "NOT_FOUND")),
        // Calendar feeds: each caller's own; the feed itself by its token.
        route(
            get.clone(),
            "/api/entreprise/flux-calendrier/",
            "/api/entreprise/flux-calendrier/",
            OwnerList,
            ok,
        )
        .staff(StaffCell::Allowed),
        route(
            post.clone(),
            "/api/entreprise/flux-calendrier/",
            "/api/entreprise/flux-calendrier/",
            OwnerList,
            created,
        )
        .body(json!({"kind": "free_busy"}))
        .staff(StaffCell::Allowed),
        route(
            post.clone(),
            "/api/entreprise/flux-calendrier/{id}/rotation/",
            format!("/api/entreprise/flux-calendrier/{}/rotation/", w.owner_feed),
            OwnerObject,
            ok,
        )
        .not_found("CALENDAR_FEED_NOT_FOUND")
        .staff(StaffCell::NotFound),
        route(
            get.clone(),
            "/api/client/flux-calendrier/",
            "/api/client/flux-calendrier/",
            ClientList,
            ok,
        ),
        route(
            post.clone(),
            "/api/client/flux-calendrier/",
            "/api/client/flux-calendrier/",
            ClientList,
            created,
        ),
        route(
            post.clone(),
            "/api/client/flux-calendrier/{id}/rotation/",
            format!("/api/client/flux-calendrier/{}/rotation/", w.client_feed),
            ClientObject,
            ok,
        )
        .not_found("CALENDAR_FEED_NOT_FOUND"),
        route(
            get.clone(),
            "/calendrier/{file}",
            w.feed_path.clone(),
            Public,
            ok,
        ),
        // Images: the matrix sends JSON, so an allowed upload is refused by its body (the
        // uploads themselves are server/tests/images.rs); the world holds no image to delete.
        route(
            put.clone(),
            "/api/entreprise/mon-entreprise/logo/",
            "/api/entreprise/mon-entreprise/logo/",
            OwnerList,
            ok,
        )
        .body(json!({}))
        .allowed(Answer::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        )),
        route(
            put.clone(),
            "/api/entreprise/mon-entreprise/couverture/",
            "/api/entreprise/mon-entreprise/couverture/",
            OwnerList,
            ok,
        )
        .body(json!({}))
        .allowed(Answer::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        )),
        route(
            delete.clone(),
            "/api/entreprise/mon-entreprise/logo/",
            "/api/entreprise/mon-entreprise/logo/",
            OwnerList,
            no_content,
        )
        .allowed(Answer::problem(StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND")),
        route(
            delete.clone(),
            "/api/entreprise/mon-entreprise/couverture/",
            "/api/entreprise/mon-entreprise/couverture/",
            OwnerList,
            no_content,
        )
        .allowed(Answer::problem(StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND")),
        route(
            post.clone(),
            "/api/entreprise/services/{id}/images/",
            format!("/api/entreprise/services/{s}/images/"),
            OwnerObject,
            created,
        )
        .body(json!({}))
        .allowed(Answer::problem(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
        )),
        route(
            put.clone(),
            "/api/entreprise/services/{id}/images/ordre/",
            format!("/api/entreprise/services/{s}/images/ordre/"),
            OwnerObject,
            ok,
        )
        .body(json!([])),
        route(
            delete.clone(),
            "/api/entreprise/services/{id}/images/{image_id}/",
            format!(
                "/api/entreprise/services/{s}/images/{}/",
                uuid::Uuid::new_v4()
            ),
            OwnerObject,
            no_content,
        )
        .allowed(Answer::problem(StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND")),
        route(
            get.clone(),
            "/images/{key}",
            format!("/images/{}.jpg", "0".repeat(64)),
            Public,
            ok,
        )
        .allowed(Answer::problem(StatusCode::NOT_FOUND, "IMAGE_NOT_FOUND")),
        // Destructive last.
        route(
            delete.clone(),
            "/api/entreprise/flux-calendrier/{id}/",
            format!("/api/entreprise/flux-calendrier/{}/", w.owner_feed),
            OwnerObject,
            ok,
        )
        .not_found("CALENDAR_FEED_NOT_FOUND")
        .staff(StaffCell::NotFound),
        route(
            delete.clone(),
            "/api/client/flux-calendrier/{id}/",
            format!("/api/client/flux-calendrier/{}/", w.client_feed),
            ClientObject,
            ok,
        )
        .not_found("CALENDAR_FEED_NOT_FOUND"),
        route(
            delete.clone(),
            "/api/entreprise/equipe/{id}/",
            format!("/api/entreprise/equipe/{}/", w.invited),
            OwnerObject,
            ok,
        )
        .not_found("STAFF_MEMBER_NOT_FOUND"),
        route(
            delete.clone(),
            "/api/entreprise/webhooks/{id}/",
            format!("/api/entreprise/webhooks/{hook}/"),
            OwnerObject,
            ok,
        )
        .not_found("WEBHOOK_NOT_FOUND"),
        route(
            delete.clone(),
            "/api/entreprise/reservations/{id}/",
            format!("/api/entreprise/reservations/{r}/?reason=fermeture"),
            OwnerObject,
            ok,
        )
        .staff(StaffCell::NotFound),
        route(
            delete.clone(),
            "/api/client/reservations/{id}/",
            format!(
                "/api/client/reservations/{}/?reason=empêchement",
                w.to_cancel
            ),
            ClientObject,
            ok,
        ),
        route(
            post.clone(),
            "/api/entreprise/services/{id}/desactiver/",
            format!("/api/entreprise/services/{s}/desactiver/"),
            OwnerObject,
            ok,
        )
        .body(json!({})),
        route(
            delete.clone(),
            "/api/entreprise/services/{id}/",
            format!("/api/entreprise/services/{s}/"),
            OwnerObject,
            ok,
        ),
        route(
            delete.clone(),
            "/api/entreprise/disponibilites/{id}/",
            // The window holds the booking the client made through the matrix: it stays.
            format!("/api/entreprise/disponibilites/{win}/?reservations=keep"),
            OwnerObject,
            no_content,
        ),
        // It still holds the booking the client made through the matrix: the owner is
        // refused, and nothing changes.
        route(
            delete.clone(),
            "/api/entreprise/ressources/{id}/",
            format!("/api/entreprise/ressources/{res}/"),
            OwnerObject,
            no_content,
        )
        .allowed(Answer::problem(
            StatusCode::CONFLICT,
            "RESOURCE_HAS_RESERVATIONS",
        )),
        // Both owners' businesses are validated: only a rejected one is resubmitted.
        route(
            post.clone(),
            "/api/entreprise/mon-entreprise/soumettre/",
            "/api/entreprise/mon-entreprise/soumettre/",
            OwnerList,
            ok,
        )
        .body(json!({}))
        .allowed(Answer::problem(
            StatusCode::CONFLICT,
            "INVALID_STATUS_TRANSITION",
        )),
        route(
            post.clone(),
            "/api/admin/entreprises/{id}/suspendre/",
            format!("/api/admin/entreprises/{b}/suspendre/"),
            Admin,
            ok,
        )
        .body(json!({"reason": "unpaid", "reservations": {"action": "keep"}})),
        route(
            post,
            "/api/admin/entreprises/{id}/rejeter/",
            format!("/api/admin/entreprises/{b}/rejeter/"),
            Admin,
            ok,
        )
        .body(json!({"reason": "incomplete"})),
    ]
}

/// Routes reachable without a session and tested on their own (forms whose answer does not
/// depend on who calls).
const FORMS: [&str; 7] = [
    "/api/auth/register/",
    "/api/auth/invitation/accepter/",
    "/api/auth/login/",
    "/api/auth/token/refresh/",
    "/api/auth/logout/",
    "/api/auth/verify-email/",
    "/api/auth/password-reset/confirm/",
];

/// The owner's team: a staff member signed in on a new resource (Bruno) that holds none of
/// the matrix's reservations, a resource without staff (Chloé), and an open invitation on
/// the owner's first resource. The staff member's access token, Chloé's id, the invitation's.
async fn team(srv: &Srv, owner: &common::Owner) -> (String, String, String) {
    let mut resources = Vec::new();
    for name in ["Bruno", "Chloé"] {
        let r = srv
            .post(
                "/api/entreprise/ressources/",
                owner.t(),
                json!({"name": name, "kind": "staff"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        resources.push(r.body["id"].as_str().unwrap().to_owned());
    }
    let invite = |email: &'static str, resource: String| {
        srv.post(
            "/api/entreprise/equipe/",
            owner.t(),
            json!({"email": email, "name": "Staff", "resource_id": resource}),
        )
    };
    let r = invite("staff@example.com", resources[0].clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let token = srv
        .outbox_token("staff@example.com", "staff_invitation")
        .await;
    let r = srv
        .post(
            "/api/auth/invitation/accepter/",
            None,
            json!({"token": token, "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let staff = r.body["access_token"].as_str().unwrap().to_owned();
    let r = invite("invited@example.com", owner.resource.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let invited = r.body["id"].as_str().unwrap().to_owned();
    (staff, resources.swap_remove(1), invited)
}

async fn book(srv: &Srv, client: &str, service: &str, start: String) -> String {
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(client),
            json!({"service_id": service, "start": start}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

/// The status of reservation `id` as its client sees it.
async fn status_of(srv: &Srv, world: &World, id: &str) -> String {
    let r = srv
        .get(
            &format!("/api/client/reservations/{id}/"),
            world.token(Actor::Client),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["status"].as_str().unwrap().to_owned()
}

async fn matrix(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other_owner = srv.owner("other-owner@example.com").await;
    let client = srv.client("client@example.com").await;
    let other_client = srv.client("other-client@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let reservation = book(&srv, &client, &owner.service, owner.at("10:00")).await;
    let done = book(&srv, &client, &owner.service, owner.at("08:00")).await;
    let absent = book(&srv, &client, &owner.service, owner.at("08:30")).await;
    let to_cancel = book(&srv, &client, &owner.service, owner.at("11:00")).await;
    for id in [&done, &absent] {
        let r = srv
            .post(
                &format!("/api/entreprise/reservations/{id}/confirmer/"),
                owner.t(),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
    }
    let r = srv
        .post(
            "/api/entreprise/webhooks/",
            owner.t(),
            json!({"url": "https://hooks.example/owner", "events": ["reservation_created"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let webhook = r.body["id"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/client/liste-attente/",
            Some(client.as_str()),
            json!({"service_id": owner.service, "from": owner.at("08:30"), "to": owner.at("08:31")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let place = r.body["id"].as_str().unwrap().to_owned();
    let (staff, free_resource, invited) = team(&srv, &owner).await;
    let mut feeds = Vec::new();
    for (path, token) in [
        ("/api/entreprise/flux-calendrier/", owner.t()),
        ("/api/entreprise/flux-calendrier/", owner.t()),
        ("/api/client/flux-calendrier/", Some(client.as_str())),
    ] {
        let r = srv.post(path, token, json!({"kind": "business"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        feeds.push(r.body.clone());
    }
    let feed_path = feeds[1]["url"].as_str().unwrap();
    let feed_path = format!(
        "/calendrier/{}",
        feed_path.split_once("/calendrier/").unwrap().1
    );
    let mut world = World {
        owner_feed: feeds[0]["id"].as_str().unwrap().to_owned(),
        client_feed: feeds[2]["id"].as_str().unwrap().to_owned(),
        feed_path,
        place,
        free_resource,
        invited,
        reservation,
        done,
        absent,
        to_cancel,
        webhook,
        dead_message: common::dead_letter(&srv).await.to_string(),
        tokens: vec![
            (Actor::Anonymous, None),
            (Actor::OtherClient, Some(other_client)),
            (Actor::OtherOwner, Some(other_owner.token.clone())),
            (Actor::Admin, Some(admin)),
            (Actor::Client, Some(client)),
            (Actor::Owner, Some(owner.token.clone())),
            (Actor::Staff, Some(staff)),
        ],
        owner,
    };
    assert_eq!(
        world.tokens.iter().map(|(a, _)| *a).collect::<Vec<_>>(),
        ACTORS
    );
    let table = routes(&world);
    let mut cells = 0;
    let mut covered = BTreeSet::new();
    for route in &table {
        covered.insert((route.method.to_string().to_lowercase(), route.template));
        let shift = route.clock_at.as_deref().map(|at| {
            chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .timestamp()
                - srv.state.now().secs()
        });
        if let Some(secs) = shift {
            srv.state.clock().advance(secs);
        }
        for i in 0..world.tokens.len() {
            let (actor, token) = world.tokens[i].clone();
            let r = match route.raw {
                Some((content_type, body)) => {
                    let url = format!("{}{}", srv.base, route.path);
                    let mut req = srv.http.request(route.method.clone(), url);
                    if let Some(t) = token.as_deref() {
                        req = req.bearer_auth(t);
                    }
                    let req = req.header(reqwest::header::CONTENT_TYPE, content_type);
                    Srv::finish(req.body(body)).await
                }
                None => {
                    srv.call(
                        route.method.clone(),
                        &route.path,
                        token.as_deref(),
                        route.body_of(actor),
                    )
                    .await
                }
            };
            let want = expected(route, actor);
            want.check(&r, &format!("{} {} as {actor:?}", route.method, route.path));
            if want.status.is_client_error() {
                assert!(
                    !r.text.contains(&world.reservation) || route.path.contains(&world.reservation),
                    "leak: {r:?}"
                );
            }
            // The change ended the caller's other sessions; it goes on with the fresh tokens.
            if route.template == "/api/auth/password-change/" && r.status == StatusCode::OK {
                world.tokens[i].1 = Some(r.body["access_token"].as_str().unwrap().to_owned());
            }
            cells += 1;
        }
        if let Some(secs) = shift {
            srv.state.clock().advance(-secs);
        }
    }
    assert_eq!(cells, table.len() * ACTORS.len());
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
                    covered.contains(&(method.to_owned(), path.as_str())),
                    "{method} {path} is missing from the permission matrix"
                );
            }
        }
    }
    // Each reservation ended as its allowed cells left it, and denied calls changed nothing:
    // the history of the first holds the client's booking and rescheduling, the owner's
    // confirmation, move and cancellation only.
    let mut ends = Vec::new();
    for id in [
        &world.reservation,
        &world.done,
        &world.absent,
        &world.to_cancel,
    ] {
        ends.push(status_of(&srv, &world, id).await);
    }
    assert_eq!(
        ends,
        [
            "cancelled_by_business",
            "completed",
            "no_show",
            "cancelled_by_client"
        ]
    );
    let r = srv
        .get(
            &format!("/api/client/reservations/{}/", world.reservation),
            world.token(Actor::Client),
        )
        .await;
    let actors: Vec<&str> = r.body["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["actor"].as_str().unwrap())
        .collect();
    assert_eq!(
        actors,
        ["client", "client", "business", "business", "business"],
        "{r:?}"
    );
}

#[test]
fn permission_matrix_on_sqlite() {
    run(Backend::Sqlite, long_tokens, matrix);
}

#[test]
fn permission_matrix_on_postgres() {
    run(Backend::Postgres, long_tokens, matrix);
}

/// Access tokens outlive the rows that move the clock to tomorrow.
fn long_tokens(c: &mut rdv_server::config::Config) {
    c.access_token_seconds = 3 * 86_400;
}
