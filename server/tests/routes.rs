//! Behaviour of the older routes the permission matrix only calls (issue 17's proof), over real
//! HTTP on SQLite and PostgreSQL: an administrator's validation and rejection of a business,
//! the client's profile, a client's move of a reservation (its limit and deadline), windows in
//! bulk, reading and moving one window, completion and no-show, a service's detail, edit,
//! withdrawal and activation, and the public search. Each test checks the exact answer and
//! reads the state back through another route.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, Resp, Srv, business_body};
use rdv_server::config::Config;
use rdv_storage::accounts::AccountStore as _;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// No notification worker (the tests read the outbox themselves), and access tokens that
/// outlive the clock moves of a day and a half.
fn config(c: &mut Config) {
    c.notify_worker = false;
    c.access_token_seconds = 7 * 86_400;
}

fn secs(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp()
}

/// Moves the server clock to `at` (RFC 3339).
fn set_clock(srv: &Srv, at: &str) {
    srv.state.clock().advance(secs(at) - srv.state.now().secs());
}

/// `YYYY-MM-DD` `days` after `day`.
fn day_after(day: &str, days: i64) -> String {
    (day.parse::<chrono::NaiveDate>().unwrap() + chrono::Duration::days(days)).to_string()
}

fn access(pair: &Value) -> String {
    pair["access_token"].as_str().unwrap().to_owned()
}

fn id_of(r: &Resp) -> String {
    r.body["id"].as_str().unwrap().to_owned()
}

/// The `id` of every item of a page.
fn item_ids(r: &Resp) -> Vec<String> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_owned())
        .collect()
}

/// `(status, code)` of an answer.
fn problem(r: &Resp) -> (StatusCode, &str) {
    (r.status, r.code())
}

/// `(field, code)` of every field error of a problem.
fn field_errors(r: &Resp) -> Vec<(String, String)> {
    r.body["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| {
                    (
                        e["field"].as_str().unwrap().to_owned(),
                        e["code"].as_str().unwrap().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn fields(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(f, c)| ((*f).to_owned(), (*c).to_owned()))
        .collect()
}

async fn book_at(srv: &Srv, client: &str, service: &str, start: &str) -> Resp {
    srv.post(
        "/api/client/reservations/",
        Some(client),
        json!({"service_id": service, "start": start}),
    )
    .await
}

async fn book(srv: &Srv, client: &str, owner: &Owner, hhmm: &str) -> String {
    let r = book_at(srv, client, &owner.service, &owner.at(hhmm)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    id_of(&r)
}

async fn confirm(srv: &Srv, owner: &Owner, id: &str) {
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{id}/confirmer/"),
            owner.t(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn reservation(srv: &Srv, owner: &Owner, id: &str) -> Value {
    let r = srv
        .get(&format!("/api/entreprise/reservations/{id}/"), owner.t())
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body
}

/// `(start, end, status, reschedule_count)` of a reservation.
fn when(r: &Value) -> (String, String, String, u64) {
    (
        r["interval"]["start"].as_str().unwrap().to_owned(),
        r["interval"]["end"].as_str().unwrap().to_owned(),
        r["status"].as_str().unwrap().to_owned(),
        r["reschedule_count"].as_u64().unwrap(),
    )
}

/// The `to` of every history record.
fn history(r: &Value) -> Vec<String> {
    r["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["to"].as_str().unwrap().to_owned())
        .collect()
}

fn last_record(r: &Value) -> Value {
    r["history"].as_array().unwrap().last().unwrap().clone()
}

/// The slot starts of `service` on `day`, or the answer's status when it is not 200.
async fn slot_starts(srv: &Srv, service: &str, day: &str) -> Result<Vec<String>, StatusCode> {
    let r = srv
        .get(
            &format!("/api/services/{service}/creneaux/?from={day}T00:00:00Z&to={day}T23:59:00Z"),
            None,
        )
        .await;
    if r.status != StatusCode::OK {
        return Err(r.status);
    }
    Ok(r.body["slots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["start"].as_str().unwrap().to_owned())
        .collect())
}

/// Checks where a business stands with the administrators: its `status` (`pending`,
/// `validated`, `rejected`), or, where a business still carries the older `validated` flag
/// instead, that flag (true only for `validated`).
fn assert_standing(business: &Value, status: &str) {
    match business.get("status") {
        Some(s) => assert_eq!(s, status, "{business}"),
        None => assert_eq!(business["validated"], status == "validated", "{business}"),
    }
}

/// An owner whose business is registered but not validated: its token and business id.
async fn unvalidated_owner(srv: &Srv, email: &str, body: Value) -> (String, String) {
    let token = access(&srv.account(email, "owner").await);
    let r = srv
        .post("/api/entreprise/mon-entreprise/", Some(&token), body)
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_standing(&r.body, "pending");
    let id = id_of(&r);
    (token, id)
}

// 1. POST /api/admin/entreprises/{id}/valider/

async fn a_new_business_is_hidden_and_unbookable_until_an_admin_validates_it(srv: Srv) {
    let admin = srv.admin("admin@example.com").await;
    let client = srv.client("jeanne@example.com").await;
    let (token, business) =
        unvalidated_owner(&srv, "owner@example.com", business_body("Salon Neuf")).await;
    let t = Some(token.as_str());
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            t,
            json!({"name": "Alice", "kind": "staff"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let resource = id_of(&r);
    let r = srv
        .post(
            "/api/entreprise/services/",
            t,
            common::service_body(&resource),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let service = id_of(&r);
    let day = common::tomorrow();
    let r = srv
        .post(
            "/api/entreprise/disponibilites/",
            t,
            json!({"resource_id": resource, "start": format!("{day}T08:00:00Z"), "end": format!("{day}T18:00:00Z")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    // Unvalidated: not listed, its pages and its service answer like unknown ids, no booking.
    let page = format!("/api/entreprises/{business}/");
    let services = format!("/api/entreprises/{business}/services/");
    assert_eq!(
        item_ids(&srv.get("/api/entreprises/", None).await),
        Vec::<String>::new()
    );
    for path in [&page, &services, &format!("/api/services/{service}/")] {
        let r = srv.get(path, None).await;
        assert_eq!(
            problem(&r),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}: {r:?}"
        );
    }
    assert_eq!(
        slot_starts(&srv, &service, &day).await,
        Err(StatusCode::NOT_FOUND)
    );
    let r = book_at(&srv, &client, &service, &format!("{day}T10:00:00Z")).await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    // The administrators see it awaiting validation.
    let r = srv.get("/api/admin/entreprises/", Some(&admin)).await;
    assert_eq!(item_ids(&r), std::slice::from_ref(&business));

    // An unknown or malformed id changes nothing.
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{}/valider/", uuid::Uuid::new_v4()),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    let r = srv
        .post(
            "/api/admin/entreprises/not-an-id/valider/",
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::BAD_REQUEST, "INVALID_PARAMETER"),
        "{r:?}"
    );
    assert_eq!(srv.get(&page, None).await.status, StatusCode::NOT_FOUND);

    // Validated: listed, its page and service answer, and it takes bookings.
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{business}/valider/"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (r.body["id"].as_str(), r.body["name"].as_str()),
        (Some(business.as_str()), Some("Salon Neuf")),
        "{r:?}"
    );
    assert_standing(&r.body, "validated");
    assert_eq!(
        item_ids(&srv.get("/api/entreprises/", None).await),
        std::slice::from_ref(&business)
    );
    let r = srv.get(&page, None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (r.body["id"].as_str(), r.body["name"].as_str()),
        (Some(business.as_str()), Some("Salon Neuf"))
    );
    assert_eq!(
        item_ids(&srv.get(&services, None).await),
        std::slice::from_ref(&service)
    );
    assert_eq!(slot_starts(&srv, &service, &day).await.unwrap().len(), 20);
    let r = book_at(&srv, &client, &service, &format!("{day}T10:00:00Z")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    // It left the administrators' queue; the owner sees it validated.
    let r = srv.get("/api/admin/entreprises/", Some(&admin)).await;
    assert_eq!(item_ids(&r), Vec::<String>::new());
    let r = srv.get("/api/entreprise/mon-entreprise/", t).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_standing(&r.body, "validated");
}

// 2. POST /api/admin/entreprises/{id}/rejeter/

async fn rejecting_a_business_needs_a_reason_and_takes_it_off_the_public_pages(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let booked = book(&srv, &jeanne, &owner, "10:00").await;
    let path = format!("/api/admin/entreprises/{}/rejeter/", owner.business);
    let page = format!("/api/entreprises/{}/", owner.business);

    // Every refused body changes nothing: the business stays public.
    let too_long = "x".repeat(1001);
    let refusals = [
        (json!({}), "INVALID_BODY", vec![]),
        (json!({"reason": 5}), "INVALID_BODY", vec![]),
        (json!({"reason": "ok", "note": "x"}), "INVALID_BODY", vec![]),
        (
            json!({"reason": " \n\t "}),
            "VALIDATION_FAILED",
            vec![("reason", "required")],
        ),
        (
            json!({"reason": "<b>non</b>"}),
            "VALIDATION_FAILED",
            vec![("reason", "markup")],
        ),
        (
            json!({"reason": too_long}),
            "VALIDATION_FAILED",
            vec![("reason", "too_long")],
        ),
    ];
    for (body, code, errors) in refusals {
        let r = srv.post(&path, Some(&admin), body.clone()).await;
        assert_eq!(
            problem(&r),
            (StatusCode::UNPROCESSABLE_ENTITY, code),
            "{body}: {r:?}"
        );
        assert_eq!(field_errors(&r), fields(&errors), "{body}: {r:?}");
    }
    let r = srv
        .call(reqwest::Method::POST, &path, Some(&admin), None)
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE"),
        "{r:?}"
    );
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{}/rejeter/", uuid::Uuid::new_v4()),
            Some(&admin),
            json!({"reason": "incomplet"}),
        )
        .await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    assert_eq!(srv.get(&page, None).await.status, StatusCode::OK);
    assert_eq!(
        item_ids(&srv.get("/api/entreprises/", None).await),
        std::slice::from_ref(&owner.business)
    );
    let kind = "business_rejected";
    let told = |srv: &Srv| {
        let state = srv.state.clone();
        async move {
            state
                .store()
                .outbox_for("owner@example.com")
                .await
                .unwrap()
                .into_iter()
                .filter(|m| m.kind == kind)
                .map(|m| m.payload)
                .collect::<Vec<Value>>()
        }
    };
    assert_eq!(told(&srv).await, Vec::<Value>::new());

    // Rejected with a reason: off the list and pages, the owner is told the trimmed reason.
    let r = srv
        .post(
            &path,
            Some(&admin),
            json!({"reason": "  Adresse incomplète  "}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["id"], owner.business.as_str(), "{r:?}");
    assert_standing(&r.body, "rejected");
    if r.body.get("status_reason").is_some() {
        assert_eq!(r.body["status_reason"], "Adresse incomplète", "{r:?}");
    }
    assert_eq!(
        item_ids(&srv.get("/api/entreprises/", None).await),
        Vec::<String>::new()
    );
    for path in [
        page.clone(),
        format!("/api/entreprises/{}/services/", owner.business),
        format!("/api/services/{}/", owner.service),
    ] {
        let r = srv.get(&path, None).await;
        assert_eq!(
            problem(&r),
            (StatusCode::NOT_FOUND, "NOT_FOUND"),
            "{path}: {r:?}"
        );
    }
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day).await,
        Err(StatusCode::NOT_FOUND)
    );
    let payloads = told(&srv).await;
    assert_eq!(payloads.len(), 1, "{payloads:?}");
    assert_eq!(payloads[0]["reason"], "Adresse incomplète", "{payloads:?}");
    // The owner still manages it, and the reservation made before stands.
    let r = srv.get("/api/entreprise/mon-entreprise/", owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_standing(&r.body, "rejected");
    assert_eq!(
        reservation(&srv, &owner, &booked).await["status"],
        "pending"
    );
}

// 3. PUT and GET /api/client/mon-profil/

async fn the_client_profile_is_replaced_normalised_and_read_back(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let pair = srv.account("jeanne@example.com", "client").await;
    let jeanne = access(&pair);
    let me = pair["user"]["id"].as_str().unwrap().to_owned();
    let c = Some(jeanne.as_str());
    // Registration stored the first profile, phone in E.164.
    let r = srv.get("/api/client/mon-profil/", c).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body,
        json!({"id": me, "email": "jeanne@example.com", "first_name": "Jeanne",
               "last_name": "Dupont", "phone": "+33612345678", "address": null})
    );

    // Trimmed names, the email's domain lowercased, a national number read with the
    // address's country.
    let address = json!({"street": "3 place Bellecour", "postal_code": "69002", "city": "Lyon", "country": "FR"});
    let r = srv
        .put(
            "/api/client/mon-profil/",
            c,
            json!({"email": "  Jeanne.Martin@Example.COM ", "first_name": " Jeanne ",
                   "last_name": "Martin", "phone": "06.98.76.54.32", "address": address}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let saved = json!({"id": me, "email": "Jeanne.Martin@example.com", "first_name": "Jeanne",
                       "last_name": "Martin", "phone": "+33698765432", "address": address});
    assert_eq!(r.body, saved);
    assert_eq!(srv.get("/api/client/mon-profil/", c).await.body, saved);
    // The business sees the profile's names, email and phone on a booking.
    book(&srv, &jeanne, &owner, "10:00").await;
    let r = srv.get("/api/entreprise/reservations/", owner.t()).await;
    assert_eq!(
        r.body["items"][0]["client"],
        json!({"first_name": "Jeanne", "last_name": "Martin",
               "email": "Jeanne.Martin@example.com", "phone": "+33698765432"}),
        "{r:?}"
    );
    // The profile's email is not the sign-in email: that one stays.
    srv.login("jeanne@example.com", common::PASSWORD).await;

    // A PUT replaces the whole profile: no address and no phone now; an international
    // number with a 00 prefix.
    let r = srv
        .put(
            "/api/client/mon-profil/",
            c,
            json!({"email": "jeanne@example.com", "first_name": "Jeanne", "last_name": "Martin"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (&r.body["phone"], &r.body["address"]),
        (&Value::Null, &Value::Null)
    );
    let r = srv
        .put(
            "/api/client/mon-profil/",
            c,
            json!({"email": "jeanne@example.com", "first_name": "Jeanne", "last_name": "Martin",
                   "phone": "0044 (20) 7946-0958"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        srv.get("/api/client/mon-profil/", c).await.body,
        json!({"id": me, "email": "jeanne@example.com", "first_name": "Jeanne",
               "last_name": "Martin", "phone": "+442079460958", "address": null})
    );
}

async fn a_bad_profile_is_refused_field_by_field_and_changes_nothing(srv: Srv) {
    let jeanne = srv.client("jeanne@example.com").await;
    let c = Some(jeanne.as_str());
    let before = srv.get("/api/client/mon-profil/", c).await.body;
    let good =
        json!({"email": "jeanne@example.com", "first_name": "Jeanne", "last_name": "Dupont"});
    let with = |changes: Value| {
        let mut body = good.clone();
        for (k, v) in changes.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let cases = [
        (
            with(json!({"phone": "06 12 34 56 78"})),
            vec![("phone", "invalid_format")],
        ),
        (
            with(json!({"phone": "+33 6 12 ab 56"})),
            vec![("phone", "invalid_format")],
        ),
        (
            with(json!({"phone": "+33 6"})),
            vec![("phone", "invalid_format")],
        ),
        (
            with(
                json!({"phone": "06 12 34 56 78", "address": {"street": "1 Main St",
                "postal_code": "10001", "city": "New York", "country": "US"}}),
            ),
            vec![("phone", "invalid_format")],
        ),
        (
            with(json!({"first_name": "   "})),
            vec![("first_name", "required")],
        ),
        (
            with(json!({"last_name": "<script>"})),
            vec![("last_name", "markup")],
        ),
        (
            with(json!({"first_name": "J".repeat(101)})),
            vec![("first_name", "too_long")],
        ),
        // Every problem at once, in field order.
        (
            json!({"email": "nope", "first_name": "", "last_name": " ", "phone": "x"}),
            vec![
                ("email", "invalid_format"),
                ("first_name", "required"),
                ("last_name", "required"),
                ("phone", "invalid_format"),
            ],
        ),
    ];
    for (body, errors) in cases {
        let r = srv.put("/api/client/mon-profil/", c, body.clone()).await;
        assert_eq!(
            problem(&r),
            (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
            "{body}: {r:?}"
        );
        assert_eq!(field_errors(&r), fields(&errors), "{body}: {r:?}");
        assert_eq!(srv.get("/api/client/mon-profil/", c).await.body, before);
    }
    // A missing name or an unknown field is a body error, also without effect.
    for body in [
        json!({"email": "jeanne@example.com", "first_name": "Jeanne"}),
        with(json!({"nickname": "JD"})),
    ] {
        let r = srv.put("/api/client/mon-profil/", c, body.clone()).await;
        assert_eq!(
            problem(&r),
            (StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY"),
            "{body}: {r:?}"
        );
    }
    assert_eq!(srv.get("/api/client/mon-profil/", c).await.body, before);
}

// 4. POST /api/client/reservations/{id}/reschedule/

async fn a_client_s_move_goes_back_to_pending_and_frees_the_old_time(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let marc = srv.client("marc@example.com").await;
    let id = book(&srv, &jeanne, &owner, "10:00").await;
    confirm(&srv, &owner, &id).await;
    let path = format!("/api/client/reservations/{id}/reschedule/");
    let before = srv.state.now().secs();
    let r = srv
        .post(&path, Some(&jeanne), json!({"start": owner.at("11:00")}))
        .await;
    let after = srv.state.now().secs();
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        when(&r.body),
        (
            owner.at("11:00"),
            owner.at("11:30"),
            "pending".to_owned(),
            1
        )
    );
    assert_eq!(history(&r.body), ["pending", "confirmed", "pending"]);
    let last = last_record(&r.body);
    assert_eq!(
        (
            last["from"].as_str(),
            last["actor"].as_str(),
            last["reason"].as_str()
        ),
        (
            Some("confirmed"),
            Some("client"),
            Some(
                format!(
                    "rescheduled from {} to {}",
                    owner.at("10:00"),
                    owner.at("11:00")
                )
                .as_str()
            )
        )
    );
    let at = secs(last["at"].as_str().unwrap());
    assert!((before..=after).contains(&at), "{at} in {before}..={after}");
    // Read back the same by the client and by the business, which must confirm it again.
    let r2 = srv
        .get(&format!("/api/client/reservations/{id}/"), Some(&jeanne))
        .await;
    assert_eq!(r2.body, r.body);
    assert_eq!(reservation(&srv, &owner, &id).await, r.body);
    let r = srv
        .get("/api/entreprise/reservations/?status=pending", owner.t())
        .await;
    assert_eq!(
        r.body["items"][0]["reservation"]["id"],
        id.as_str(),
        "{r:?}"
    );

    // The old time is bookable again; the new one is not.
    let slots = slot_starts(&srv, &owner.service, &owner.day).await.unwrap();
    assert!(slots.contains(&owner.at("10:00")), "{slots:?}");
    assert!(!slots.contains(&owner.at("11:00")), "{slots:?}");
    let taken = book(&srv, &marc, &owner, "10:00").await;

    // Onto Marc's time: refused, nothing moved, and the refusal does not count.
    let r = srv
        .post(&path, Some(&jeanne), json!({"start": owner.at("10:00")}))
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::CONFLICT, "BOOKING_OVERLAP"),
        "{r:?}"
    );
    assert_eq!(
        when(&reservation(&srv, &owner, &id).await),
        (
            owner.at("11:00"),
            owner.at("11:30"),
            "pending".to_owned(),
            1
        )
    );
    // Marc cannot move Jeanne's reservation: it is not his.
    let r = srv
        .post(&path, Some(&marc), json!({"start": owner.at("15:00")}))
        .await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    // A cancelled reservation does not move.
    let r = srv
        .delete(&format!("/api/client/reservations/{taken}/"), Some(&marc))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post(
            &format!("/api/client/reservations/{taken}/reschedule/"),
            Some(&marc),
            json!({"start": owner.at("15:00")}),
        )
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );
}

async fn the_third_move_by_a_client_is_refused(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let id = book(&srv, &jeanne, &owner, "10:00").await;
    let path = format!("/api/client/reservations/{id}/reschedule/");
    for (n, hhmm) in [(1, "11:00"), (2, "12:00")] {
        let r = srv
            .post(&path, Some(&jeanne), json!({"start": owner.at(hhmm)}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        assert_eq!(r.body["reschedule_count"], n, "{r:?}");
    }
    // max_reschedules is 2.
    let r = srv
        .post(&path, Some(&jeanne), json!({"start": owner.at("13:00")}))
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "RESCHEDULE_LIMIT_REACHED"),
        "{r:?}"
    );
    assert_eq!(
        r.body["detail"],
        "reschedule limit reached: at most 2 reschedules"
    );
    let stored = reservation(&srv, &owner, &id).await;
    assert_eq!(
        when(&stored),
        (
            owner.at("12:00"),
            owner.at("12:30"),
            "pending".to_owned(),
            2
        )
    );
    assert_eq!(history(&stored), ["pending", "pending", "pending"]);
    // 13:00 was never taken; the reservation can still be cancelled.
    let slots = slot_starts(&srv, &owner.service, &owner.day).await.unwrap();
    assert!(slots.contains(&owner.at("13:00")), "{slots:?}");
    let r = srv
        .delete(&format!("/api/client/reservations/{id}/"), Some(&jeanne))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
}

async fn a_client_cannot_move_a_reservation_after_the_cancellation_deadline(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let id = book(&srv, &jeanne, &owner, "15:00").await;
    let path = format!("/api/client/reservations/{id}/reschedule/");
    // 65 minutes before the start (the deadline is 60): allowed, and the deadline follows
    // the new start.
    set_clock(&srv, &owner.at("13:55"));
    let r = srv
        .post(&path, Some(&jeanne), json!({"start": owner.at("16:00")}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Half a minute after 15:00, the deadline of the 16:00 start.
    set_clock(&srv, &format!("{}T15:00:30Z", owner.day));
    let r = srv
        .post(&path, Some(&jeanne), json!({"start": owner.at("17:00")}))
        .await;
    assert_eq!(
        problem(&r),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "CANCELLATION_DEADLINE_PASSED"
        ),
        "{r:?}"
    );
    assert_eq!(
        r.body["detail"],
        format!("cancellation deadline passed at {}", owner.at("15:00"))
    );
    assert_eq!(
        when(&reservation(&srv, &owner, &id).await),
        (
            owner.at("16:00"),
            owner.at("16:30"),
            "pending".to_owned(),
            1
        )
    );
    // The client can no longer cancel either; the business still moves it.
    let r = srv
        .delete(&format!("/api/client/reservations/{id}/"), Some(&jeanne))
        .await;
    assert_eq!(
        problem(&r),
        (
            StatusCode::UNPROCESSABLE_ENTITY,
            "CANCELLATION_DEADLINE_PASSED"
        ),
        "{r:?}"
    );
    let r = srv
        .post(
            &format!("/api/entreprise/reservations/{id}/reschedule/"),
            owner.t(),
            json!({"start": owner.at("17:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        when(&r.body),
        (
            owner.at("17:00"),
            owner.at("17:30"),
            "pending".to_owned(),
            2
        )
    );
}

// 5. POST /api/entreprise/disponibilites/bulk/

/// `(resource, start, end)` of every window of the business on `day`, by start.
async fn windows_of(srv: &Srv, owner: &Owner, day: &str) -> Vec<(String, String, String)> {
    let r = srv
        .get(
            &format!(
                "/api/entreprise/disponibilites/?from={day}T00:00:00Z&to={}T00:00:00Z",
                day_after(day, 1)
            ),
            owner.t(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            (
                w["resource_id"].as_str().unwrap().to_owned(),
                w["interval"]["start"].as_str().unwrap().to_owned(),
                w["interval"]["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn bulk_windows_are_stored_all_or_none_with_a_report_per_item(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            owner.t(),
            json!({"name": "Bruno", "kind": "staff"}),
        )
        .await;
    let bruno = id_of(&r);
    let res = owner.resource.as_str();
    let item = |resource: &str, from: &str, to: &str| json!({"resource_id": resource, "start": owner.at(from), "end": owner.at(to)});
    let yesterday = day_after(&owner.day, -2);
    let stored = windows_of(&srv, &owner, &owner.day).await;
    assert_eq!(
        stored,
        [(res.to_owned(), owner.at("08:00"), owner.at("18:00"))]
    );

    // One bad item among good ones: nothing stored, each failing item reported once.
    let r = srv
        .post(
            "/api/entreprise/disponibilites/bulk/",
            owner.t(),
            json!({"items": [
                item(res, "05:00", "06:00"),
                item(res, "06:00", "07:00"),
                item(res, "05:30", "06:30"),
                item(res, "17:00", "19:00"),
                item(&other.resource, "05:00", "06:00"),
                {"resource_id": res, "start": format!("{yesterday}T08:00:00Z"), "end": format!("{yesterday}T09:00:00Z")},
                item(&bruno, "08:00", "09:00"),
            ]}),
        )
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "BULK_REJECTED"),
        "{r:?}"
    );
    assert_eq!(
        r.body["detail"],
        "bulk operation rejected: 4 item(s) failed"
    );
    let failures: Vec<(u64, &str)> = r.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["index"].as_u64().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failures,
        [
            (2, "AVAILABILITY_OVERLAP"),
            (3, "AVAILABILITY_OVERLAP"),
            (4, "NOT_FOUND"),
            (5, "VALIDATION_FAILED"),
        ],
        "{r:?}"
    );
    assert_eq!(
        (
            r.body["failures"][0]["message"].as_str(),
            r.body["failures"][1]["message"].as_str()
        ),
        (
            Some("availability overlap with window items[0]"),
            Some(format!("availability overlap with window {}", owner.window).as_str())
        )
    );
    assert_eq!(windows_of(&srv, &owner, &owner.day).await, stored);
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day)
            .await
            .unwrap()
            .len(),
        20
    );

    // An empty request, and a window ending before it starts.
    let r = srv
        .post(
            "/api/entreprise/disponibilites/bulk/",
            owner.t(),
            json!({"items": []}),
        )
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        "{r:?}"
    );
    assert_eq!(field_errors(&r), fields(&[("items", "out_of_range")]));
    let r = srv
        .post(
            "/api/entreprise/disponibilites/bulk/",
            owner.t(),
            json!({"items": [
                item(res, "05:00", "06:00"),
                item(res, "07:00", "06:30"),
                item(res, "17:00", "19:00"),
            ]}),
        )
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "BULK_REJECTED"),
        "{r:?}"
    );
    // The reversed window is reported with the others, not instead of them.
    let failures: Vec<(u64, &str)> = r.body["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["index"].as_u64().unwrap(), f["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        failures,
        [(1, "INVALID_INTERVAL"), (2, "AVAILABILITY_OVERLAP")],
        "{r:?}"
    );
    assert_eq!(windows_of(&srv, &owner, &owner.day).await, stored);

    // All good: all stored, in the request's order, touching windows and another resource
    // at the same time included.
    let r = srv
        .post(
            "/api/entreprise/disponibilites/bulk/",
            owner.t(),
            json!({"items": [
                item(res, "06:00", "07:00"),
                item(res, "05:00", "06:00"),
                item(&bruno, "08:00", "09:00"),
            ]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let created = r.body.as_array().unwrap();
    assert_eq!(created.len(), 3);
    let answered: Vec<(String, String, String, Value, Value)> = created
        .iter()
        .map(|w| {
            (
                w["resource_id"].as_str().unwrap().to_owned(),
                w["interval"]["start"].as_str().unwrap().to_owned(),
                w["interval"]["end"].as_str().unwrap().to_owned(),
                w["business_id"].clone(),
                w["series_id"].clone(),
            )
        })
        .collect();
    let business = json!(owner.business);
    assert_eq!(
        answered,
        [
            (
                res.to_owned(),
                owner.at("06:00"),
                owner.at("07:00"),
                business.clone(),
                Value::Null
            ),
            (
                res.to_owned(),
                owner.at("05:00"),
                owner.at("06:00"),
                business.clone(),
                Value::Null
            ),
            (
                bruno.clone(),
                owner.at("08:00"),
                owner.at("09:00"),
                business,
                Value::Null
            ),
        ]
    );
    for w in created {
        let r = srv
            .get(
                &format!(
                    "/api/entreprise/disponibilites/{}/",
                    w["id"].as_str().unwrap()
                ),
                owner.t(),
            )
            .await;
        assert_eq!(&r.body, w, "{r:?}");
    }
    let mut all = windows_of(&srv, &owner, &owner.day).await;
    all.sort();
    let mut expected = vec![
        (res.to_owned(), owner.at("05:00"), owner.at("06:00")),
        (res.to_owned(), owner.at("06:00"), owner.at("07:00")),
        (res.to_owned(), owner.at("08:00"), owner.at("18:00")),
        (bruno.clone(), owner.at("08:00"), owner.at("09:00")),
    ];
    expected.sort();
    assert_eq!(all, expected);
    // The service's resource offers 05:00–07:00 as well now.
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day)
            .await
            .unwrap()
            .len(),
        24
    );
}

// 6. GET and PUT /api/entreprise/disponibilites/{id}/

async fn a_window_is_read_and_moved_but_never_onto_another_window(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let path = format!("/api/entreprise/disponibilites/{}/", owner.window);
    let window = |from: &str, to: &str| {
        json!({"id": owner.window, "business_id": owner.business, "resource_id": owner.resource,
               "interval": {"start": owner.at(from), "end": owner.at(to)}, "series_id": null})
    };
    let r = srv.get(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, window("08:00", "18:00"));
    let r = srv
        .post(
            "/api/entreprise/disponibilites/",
            owner.t(),
            json!({"resource_id": owner.resource, "start": owner.at("19:00"), "end": owner.at("20:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    let evening = id_of(&r);
    let evening_path = format!("/api/entreprise/disponibilites/{evening}/");

    // Onto the evening window of the same resource: 409 naming it, nothing changed.
    for (target, bounds, clash) in [
        (&path, ("08:00", "19:30"), &evening),
        (&path, ("19:30", "21:00"), &evening),
        (&evening_path, ("17:00", "20:00"), &owner.window),
    ] {
        let r = srv
            .put(
                target,
                owner.t(),
                json!({"start": owner.at(bounds.0), "end": owner.at(bounds.1)}),
            )
            .await;
        assert_eq!(
            problem(&r),
            (StatusCode::CONFLICT, "AVAILABILITY_OVERLAP"),
            "{bounds:?}: {r:?}"
        );
        assert_eq!(
            r.body["detail"],
            format!("availability overlap with window {clash}")
        );
    }
    assert_eq!(
        srv.get(&path, owner.t()).await.body,
        window("08:00", "18:00")
    );
    assert_eq!(
        srv.get(&evening_path, owner.t()).await.body["interval"],
        json!({"start": owner.at("19:00"), "end": owner.at("20:00")})
    );

    // Bad bounds: reversed, longer than 31 days, over.
    let month_later = format!("{}T08:00:00Z", day_after(&owner.day, 32));
    let yesterday = day_after(&owner.day, -2);
    for (body, status, code, errors) in [
        (
            json!({"start": owner.at("12:00"), "end": owner.at("11:00")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_INTERVAL",
            vec![],
        ),
        (
            json!({"start": owner.at("08:00"), "end": month_later}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_INTERVAL",
            vec![],
        ),
        (
            json!({"start": format!("{yesterday}T08:00:00Z"), "end": format!("{yesterday}T09:00:00Z")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("end", "in_past")],
        ),
        (
            json!({"start": owner.at("08:00")}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "INVALID_BODY",
            vec![],
        ),
    ] {
        let r = srv.put(&path, owner.t(), body.clone()).await;
        assert_eq!(problem(&r), (status, code), "{body}: {r:?}");
        assert_eq!(field_errors(&r), fields(&errors), "{body}: {r:?}");
    }
    assert_eq!(
        srv.get(&path, owner.t()).await.body,
        window("08:00", "18:00")
    );

    // Moved to touch the evening window: read back exactly, and the slots follow (09:00 to
    // 20:00, the two windows joined).
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({"start": owner.at("09:00"), "end": owner.at("19:00")}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, window("09:00", "19:00"));
    assert_eq!(
        srv.get(&path, owner.t()).await.body,
        window("09:00", "19:00")
    );
    let slots = slot_starts(&srv, &owner.service, &owner.day).await.unwrap();
    assert_eq!(slots.len(), 22, "{slots:?}");
    assert_eq!(
        (slots.first().unwrap(), slots.last().unwrap()),
        (&owner.at("09:00"), &owner.at("19:30"))
    );
    // Resized to an hour.
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({"start": owner.at("10:00"), "end": owner.at("11:00")}),
        )
        .await;
    assert_eq!(r.body, window("10:00", "11:00"), "{r:?}");
    assert_eq!(
        windows_of(&srv, &owner, &owner.day).await,
        [
            (owner.resource.clone(), owner.at("10:00"), owner.at("11:00")),
            (owner.resource.clone(), owner.at("19:00"), owner.at("20:00")),
        ]
    );

    // Another business's window and an unknown id answer alike, and nothing changes.
    let foreign = format!("/api/entreprise/disponibilites/{}/", other.window);
    let unknown = format!("/api/entreprise/disponibilites/{}/", uuid::Uuid::new_v4());
    for target in [&foreign, &unknown] {
        let r = srv.get(target, owner.t()).await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
        let r = srv
            .put(
                target,
                owner.t(),
                json!({"start": owner.at("12:00"), "end": owner.at("13:00")}),
            )
            .await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    }
    assert_eq!(
        srv.get(&foreign, other.t()).await.body["interval"],
        json!({"start": owner.at("08:00"), "end": owner.at("18:00")})
    );
}

// 7. POST /api/entreprise/reservations/{id}/terminer/ and /absence/

async fn complete_and_no_show_need_a_confirmed_reservation_that_started(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let done = book(&srv, &jeanne, &owner, "10:00").await;
    let absent = book(&srv, &jeanne, &owner, "10:30").await;
    let pending = book(&srv, &jeanne, &owner, "11:00").await;
    let cancelled = book(&srv, &jeanne, &owner, "11:30").await;
    confirm(&srv, &owner, &done).await;
    confirm(&srv, &owner, &absent).await;
    let r = srv
        .delete(
            &format!("/api/client/reservations/{cancelled}/"),
            Some(&jeanne),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let act = |id: &str, action: &str| {
        let (srv, path) = (&srv, format!("/api/entreprise/reservations/{id}/{action}/"));
        let token = owner.token.clone();
        async move { srv.post(&path, Some(&token), json!({})).await }
    };

    // Before the start: too early, naming the earliest instant.
    for (action, name) in [("terminer", "complete"), ("absence", "mark as no-show")] {
        let r = act(&done, action).await;
        assert_eq!(
            problem(&r),
            (StatusCode::CONFLICT, "TRANSITION_TOO_EARLY"),
            "{r:?}"
        );
        assert_eq!(
            r.body["detail"],
            format!(
                "transition too early: {name} is possible from {}",
                owner.at("10:00")
            )
        );
    }
    assert_eq!(
        history(&reservation(&srv, &owner, &done).await),
        ["pending", "confirmed"]
    );

    // Five seconds after 10:00: the first one is completed.
    set_clock(&srv, &format!("{}T10:00:05Z", owner.day));
    let before = srv.state.now().secs();
    let r = act(&done, "terminer").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "completed");
    assert_eq!(history(&r.body), ["pending", "confirmed", "completed"]);
    let last = last_record(&r.body);
    assert_eq!(
        (
            last["from"].as_str(),
            last["actor"].as_str(),
            &last["reason"]
        ),
        (Some("confirmed"), Some("business"), &Value::Null)
    );
    assert!(secs(last["at"].as_str().unwrap()) >= before);
    assert_eq!(reservation(&srv, &owner, &done).await, r.body);
    let r = srv
        .get(&format!("/api/client/reservations/{done}/"), Some(&jeanne))
        .await;
    assert_eq!(r.body["status"], "completed", "{r:?}");
    // Done is final: neither a no-show nor a second completion, nor the client's cancellation.
    for (action, to) in [("absence", "no_show"), ("terminer", "completed")] {
        let r = act(&done, action).await;
        assert_eq!(
            problem(&r),
            (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
            "{r:?}"
        );
        assert_eq!(
            r.body["detail"],
            format!("invalid status transition from completed to {to}")
        );
    }
    let r = srv
        .delete(&format!("/api/client/reservations/{done}/"), Some(&jeanne))
        .await;
    assert_eq!(
        problem(&r),
        (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
        "{r:?}"
    );

    // The 10:30 one has not started yet; once it has, it is a no-show.
    let r = act(&absent, "absence").await;
    assert_eq!(
        problem(&r),
        (StatusCode::CONFLICT, "TRANSITION_TOO_EARLY"),
        "{r:?}"
    );
    set_clock(&srv, &format!("{}T11:40:00Z", owner.day));
    let r = act(&absent, "absence").await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(history(&r.body), ["pending", "confirmed", "no_show"]);
    assert_eq!(
        (
            last_record(&r.body)["from"].as_str(),
            last_record(&r.body)["actor"].as_str()
        ),
        (Some("confirmed"), Some("business"))
    );
    let r = srv
        .get("/api/entreprise/reservations/?status=no_show", owner.t())
        .await;
    assert_eq!(
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["reservation"]["id"].as_str().unwrap())
            .collect::<Vec<_>>(),
        [absent.as_str()],
        "{r:?}"
    );
    let r = act(&absent, "terminer").await;
    assert_eq!(
        r.body["detail"], "invalid status transition from no_show to completed",
        "{r:?}"
    );

    // Only from confirmed: a pending one (started) and a cancelled one are refused.
    for (id, from) in [(&pending, "pending"), (&cancelled, "cancelled_by_client")] {
        for (action, to) in [("terminer", "completed"), ("absence", "no_show")] {
            let r = act(id, action).await;
            assert_eq!(
                problem(&r),
                (StatusCode::CONFLICT, "INVALID_STATUS_TRANSITION"),
                "{r:?}"
            );
            assert_eq!(
                r.body["detail"],
                format!("invalid status transition from {from} to {to}")
            );
        }
    }
    assert_eq!(
        reservation(&srv, &owner, &pending).await["status"],
        "pending"
    );
    // Another business's reservation and an unknown id answer alike.
    let unknown = uuid::Uuid::new_v4().to_string();
    for id in [&absent, &unknown] {
        let r = srv
            .post(
                &format!("/api/entreprise/reservations/{id}/terminer/"),
                other.t(),
                json!({}),
            )
            .await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    }
}

// 8. GET, PUT, DELETE /api/entreprise/services/{id}/, POST .../activer/

async fn a_service_is_read_and_replaced_field_by_field(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let other = srv.owner("other@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let path = format!("/api/entreprise/services/{}/", owner.service);
    let original = json!({
        "id": owner.service, "business_id": owner.business, "name": "Coupe",
        "description": "Coupe simple", "price": {"amount_minor": 2500, "currency": "EUR"},
        "category": null, "tags": [], "active": true,
        "rules": {"duration_minutes": 30, "step_minutes": 30, "buffer_before_minutes": 0,
                  "buffer_after_minutes": 0, "min_notice_minutes": 0, "horizon_days": 60, "seats": 1},
        "resource_ids": [owner.resource], "cancellation_deadline_minutes": 60, "max_reschedules": 2
    });
    let r = srv.get(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body, original);
    let booked = book(&srv, &jeanne, &owner, "10:00").await;
    let r = srv
        .post(
            "/api/entreprise/ressources/",
            owner.t(),
            json!({"name": "Bruno", "kind": "staff"}),
        )
        .await;
    let bruno = id_of(&r);

    // A bad edit reports every field and changes nothing.
    let mut bad = common::service_body(&owner.resource);
    bad["name"] = json!("  ");
    bad["resource_ids"] = json!([other.resource]);
    let r = srv.put(&path, owner.t(), bad).await;
    assert_eq!(
        problem(&r),
        (StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED"),
        "{r:?}"
    );
    assert_eq!(
        field_errors(&r),
        fields(&[("name", "required"), ("resource_ids[0]", "not_found")])
    );
    let mut bad = common::service_body(&owner.resource);
    bad["resource_ids"] = json!([]);
    let r = srv.put(&path, owner.t(), bad).await;
    assert_eq!(
        field_errors(&r),
        fields(&[("resource_ids", "required")]),
        "{r:?}"
    );
    assert_eq!(srv.get(&path, owner.t()).await.body, original);

    // Every field replaced: names trimmed, tags lowercased; the id, business and active flag
    // stay.
    let r = srv
        .put(
            &path,
            owner.t(),
            json!({
                "name": "  Coupe longue ", "description": "Coupe et brushing",
                "price": {"amount_minor": 4000, "currency": "EUR"},
                "category": " Cheveux ", "tags": ["Femme", " Long "],
                "rules": {"duration_minutes": 60, "step_minutes": 60, "buffer_before_minutes": 0,
                          "buffer_after_minutes": 15, "min_notice_minutes": 0, "horizon_days": 30, "seats": 1},
                "resource_ids": [owner.resource, bruno],
                "cancellation_deadline_minutes": 120, "max_reschedules": 1
            }),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let updated = json!({
        "id": owner.service, "business_id": owner.business, "name": "Coupe longue",
        "description": "Coupe et brushing", "price": {"amount_minor": 4000, "currency": "EUR"},
        "category": "cheveux", "tags": ["femme", "long"], "active": true,
        "rules": {"duration_minutes": 60, "step_minutes": 60, "buffer_before_minutes": 0,
                  "buffer_after_minutes": 15, "min_notice_minutes": 0, "horizon_days": 30, "seats": 1},
        "resource_ids": [owner.resource, bruno], "cancellation_deadline_minutes": 120,
        "max_reschedules": 1
    });
    assert_eq!(r.body, updated);
    assert_eq!(srv.get(&path, owner.t()).await.body, updated);
    let r = srv
        .get(&format!("/api/services/{}/", owner.service), None)
        .await;
    let mut public = updated.clone();
    public["images"] = json!([]); // public answers carry the service's images (none here)
    assert_eq!(r.body, public, "the public sees the edit at once");
    // The reservation made before keeps its price and times.
    let r = reservation(&srv, &owner, &booked).await;
    assert_eq!(
        (
            &r["price"],
            r["interval"]["start"].as_str(),
            r["interval"]["end"].as_str()
        ),
        (
            &json!({"amount_minor": 2500, "currency": "EUR"}),
            Some(owner.at("10:00").as_str()),
            Some(owner.at("10:30").as_str())
        )
    );
    // New bookings follow the new rules: an hour long.
    let r = book_at(&srv, &jeanne, &owner.service, &owner.at("14:00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(
        (
            r.body["interval"]["end"].as_str(),
            r.body["price"]["amount_minor"].as_i64()
        ),
        (Some(owner.at("15:00").as_str()), Some(4000))
    );

    // An inactive service stays inactive through an edit.
    let r = srv
        .post(&format!("{path}desactiver/"), owner.t(), json!({}))
        .await;
    assert_eq!(r.body["active"], false, "{r:?}");
    let r = srv
        .put(&path, owner.t(), common::service_body(&owner.resource))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut expected = original.clone();
    expected["active"] = json!(false);
    assert_eq!(r.body, expected);

    // Another business's service and an unknown id answer alike.
    let foreign = format!("/api/entreprise/services/{}/", other.service);
    let unknown = format!("/api/entreprise/services/{}/", uuid::Uuid::new_v4());
    for target in [&foreign, &unknown] {
        let r = srv.get(target, owner.t()).await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
        let r = srv
            .put(target, owner.t(), common::service_body(&owner.resource))
            .await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    }
    assert_eq!(srv.get(&foreign, other.t()).await.body["name"], "Coupe");
}

async fn a_deleted_service_is_withdrawn_kept_and_can_be_activated_again(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let jeanne = srv.client("jeanne@example.com").await;
    let booked = book(&srv, &jeanne, &owner, "10:00").await;
    let path = format!("/api/entreprise/services/{}/", owner.service);
    let public_list = format!("/api/entreprises/{}/services/", owner.business);
    let public = format!("/api/services/{}/", owner.service);

    // DELETE answers 200 with the withdrawn (inactive) service.
    let r = srv.delete(&path, owner.t()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        (r.body["id"].as_str(), r.body["active"].as_bool()),
        (Some(owner.service.as_str()), Some(false)),
        "{r:?}"
    );
    // The owner still reads and lists it; the public and new bookings no longer find it.
    let r = srv.get(&path, owner.t()).await;
    assert_eq!(
        (r.status, r.body["active"].as_bool()),
        (StatusCode::OK, Some(false))
    );
    assert_eq!(
        item_ids(&srv.get("/api/entreprise/services/", owner.t()).await),
        std::slice::from_ref(&owner.service)
    );
    assert_eq!(
        item_ids(&srv.get(&public_list, None).await),
        Vec::<String>::new()
    );
    let r = srv.get(&public, None).await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day).await,
        Err(StatusCode::NOT_FOUND)
    );
    let r = book_at(&srv, &jeanne, &owner.service, &owner.at("11:00")).await;
    assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    // The reservation made before stands, and the business still confirms it.
    assert_eq!(
        reservation(&srv, &owner, &booked).await["status"],
        "pending"
    );
    let r = srv
        .get(
            &format!("/api/client/reservations/{booked}/"),
            Some(&jeanne),
        )
        .await;
    assert_eq!(
        (r.status, r.body["service_id"].as_str()),
        (StatusCode::OK, Some(owner.service.as_str()))
    );
    confirm(&srv, &owner, &booked).await;
    // A second DELETE answers the same.
    let r = srv.delete(&path, owner.t()).await;
    assert_eq!(
        (r.status, r.body["active"].as_bool()),
        (StatusCode::OK, Some(false))
    );

    // Activated again: listed, readable and bookable, with the 10:00 slot still taken.
    let r = srv
        .post(&format!("{path}activer/"), owner.t(), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["active"], true, "{r:?}");
    assert_eq!(
        item_ids(&srv.get(&public_list, None).await),
        std::slice::from_ref(&owner.service)
    );
    let r = srv.get(&public, None).await;
    assert_eq!(
        (r.status, r.body["active"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let slots = slot_starts(&srv, &owner.service, &owner.day).await.unwrap();
    assert_eq!(slots.len(), 19, "{slots:?}");
    assert!(!slots.contains(&owner.at("10:00")));
    let r = book_at(&srv, &jeanne, &owner.service, &owner.at("11:00")).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
}

async fn an_inactive_service_is_hidden_until_activated_again(srv: Srv) {
    let owner = srv.owner("owner@example.com").await;
    let path = format!("/api/entreprise/services/{}/", owner.service);
    let public_list = format!("/api/entreprises/{}/services/", owner.business);
    let listed = srv.get(&public_list, None).await;
    assert_eq!(item_ids(&listed), std::slice::from_ref(&owner.service));
    let service = listed.body["items"][0].clone();
    let search = || async {
        let r = srv.get("/api/recherche/?q=coupe", None).await;
        item_ids(&r)
    };
    assert_eq!(search().await, std::slice::from_ref(&owner.service));

    let r = srv
        .post(&format!("{path}desactiver/"), owner.t(), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut inactive = service.clone();
    inactive["active"] = json!(false);
    // The owner's answer is the service alone; the public one adds its images.
    inactive.as_object_mut().unwrap().remove("images");
    assert_eq!(r.body, inactive);
    assert_eq!(
        item_ids(&srv.get(&public_list, None).await),
        Vec::<String>::new()
    );
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day).await,
        Err(StatusCode::NOT_FOUND)
    );
    assert_eq!(search().await, Vec::<String>::new());
    // Deactivating twice changes nothing more.
    let r = srv
        .post(&format!("{path}desactiver/"), owner.t(), json!({}))
        .await;
    assert_eq!(r.body, inactive, "{r:?}");

    let r = srv
        .post(&format!("{path}activer/"), owner.t(), json!({}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut active = service.clone();
    active.as_object_mut().unwrap().remove("images");
    assert_eq!(r.body, active);
    let r = srv.get(&public_list, None).await;
    assert_eq!(r.body["items"], json!([service]), "{r:?}");
    assert_eq!(
        slot_starts(&srv, &owner.service, &owner.day)
            .await
            .unwrap()
            .len(),
        20
    );
    assert_eq!(search().await, std::slice::from_ref(&owner.service));
    // Another business cannot switch it.
    let other = srv.owner("other@example.com").await;
    for action in ["activer", "desactiver"] {
        let r = srv
            .post(&format!("{path}{action}/"), other.t(), json!({}))
            .await;
        assert_eq!(problem(&r), (StatusCode::NOT_FOUND, "NOT_FOUND"), "{r:?}");
    }
    assert_eq!(srv.get(&path, owner.t()).await.body["active"], true);
}

// 9. GET /api/recherche/

/// `(kind, id, business_id, name)` of every hit, sorted (ranks differ between backends).
fn hits(r: &Resp) -> Vec<(String, String, String, String)> {
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut hits: Vec<_> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            assert!(h["rank"].as_f64().unwrap() > 0.0, "{h}");
            (
                h["kind"].as_str().unwrap().to_owned(),
                h["id"].as_str().unwrap().to_owned(),
                h["business_id"].as_str().unwrap().to_owned(),
                h["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    hits.sort();
    hits
}

async fn search_finds_validated_businesses_and_active_services_by_whole_words(srv: Srv) {
    let salon = srv.owner("owner@example.com").await;
    let admin = srv.admin("admin@example.com").await;
    let mut body = business_body("Élégance Barbier");
    body["domain"] = json!("barbier");
    body["description"] = json!("Rasage à l'ancienne");
    body["city"] = json!("Marseille");
    body["address"]["city"] = json!("Marseille");
    let (_, barbier) = unvalidated_owner(&srv, "barbier@example.com", body).await;
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{barbier}/valider/"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut body = business_body("Zèbre Coiffure");
    body["description"] = json!("Nouveau salon");
    let (_, zebre) = unvalidated_owner(&srv, "zebre@example.com", body).await;

    let search = |query: &str| {
        let (srv, path) = (&srv, format!("/api/recherche/?{query}"));
        async move { srv.get(&path, None).await }
    };
    let business = |id: &str, name: &str| {
        (
            "business".to_owned(),
            id.to_owned(),
            id.to_owned(),
            name.to_owned(),
        )
    };
    let salon_hit = business(&salon.business, "Salon Test");
    let barbier_hit = business(&barbier, "Élégance Barbier");
    let r = search("q=elegance").await;
    assert_eq!(hits(&r), std::slice::from_ref(&barbier_hit));
    assert_eq!(
        (&r.body["next_cursor"], &r.body["limit"]),
        (&Value::Null, &json!(20))
    );
    // Accents and case are ignored on both sides; every word must match, in the name,
    // line of business, city or description.
    for query in [
        "q=%C3%89L%C3%89GANCE",
        "q=barbier%20marseille",
        "q=rasage",
        "q=Marseille",
    ] {
        assert_eq!(
            hits(&search(query).await),
            std::slice::from_ref(&barbier_hit),
            "{query}"
        );
    }
    for query in ["q=lyon", "q=coiffure", "q=salon", "q=salon&city=LYON"] {
        assert_eq!(
            hits(&search(query).await),
            std::slice::from_ref(&salon_hit),
            "{query}"
        );
    }
    // A service is found by its own words.
    assert_eq!(
        hits(&search("q=coupe").await),
        [(
            "service".to_owned(),
            salon.service.clone(),
            salon.business.clone(),
            "Coupe".to_owned()
        )]
    );
    // No hit: another city, a word not in one business, part of a word, the unvalidated one.
    for query in [
        "q=salon&city=marseille",
        "q=salon&domain=barbier",
        "q=barbier%20lyon",
        "q=coif",
        "q=zebre",
        "q=nouveau",
    ] {
        assert_eq!(hits(&search(query).await), [], "{query}");
    }
    // Both businesses, and the limit.
    let mut desc = business_body("Salon Test");
    desc["description"] = json!("Salon de test, rasage");
    let r = srv
        .put("/api/entreprise/mon-entreprise/", salon.t(), desc)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let mut expected = vec![barbier_hit.clone(), salon_hit.clone()];
    expected.sort();
    assert_eq!(hits(&search("q=rasage").await), expected);
    let r = search("q=rasage&limit=1").await;
    assert_eq!(
        (r.body["items"].as_array().unwrap().len(), &r.body["limit"]),
        (1, &json!(1)),
        "{r:?}"
    );
    // Once validated, the third one is found.
    let r = srv
        .post(
            &format!("/api/admin/entreprises/{zebre}/valider/"),
            Some(&admin),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        hits(&search("q=zebre").await),
        [business(&zebre, "Zèbre Coiffure")]
    );
}

async fn search_refuses_a_missing_empty_or_too_long_query(srv: Srv) {
    srv.owner("owner@example.com").await;
    let seventeen = vec!["salon"; 17].join("%20");
    let sixteen = vec!["salon"; 16].join("%20");
    for (query, status, code, errors) in [
        ("", StatusCode::BAD_REQUEST, "INVALID_PARAMETER", vec![]),
        (
            "city=lyon",
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
            vec![],
        ),
        (
            "q=",
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("q", "required")],
        ),
        (
            "q=%20--%20!",
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("q", "required")],
        ),
        (
            &format!("q={seventeen}"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("q", "too_long")],
        ),
        (
            "q=salon&limit=0",
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("limit", "out_of_range")],
        ),
        (
            "q=salon&limit=51",
            StatusCode::UNPROCESSABLE_ENTITY,
            "VALIDATION_FAILED",
            vec![("limit", "out_of_range")],
        ),
        (
            "q=salon&sort=name",
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
            vec![],
        ),
    ] {
        let r = srv.get(&format!("/api/recherche/?{query}"), None).await;
        assert_eq!(problem(&r), (status, code), "{query}: {r:?}");
        assert_eq!(field_errors(&r), fields(&errors), "{query}: {r:?}");
    }
    // Sixteen words and fifty hits are the bounds.
    for query in [format!("q={sixteen}"), "q=salon&limit=50".to_owned()] {
        let r = srv.get(&format!("/api/recherche/?{query}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {r:?}");
        assert_eq!(r.body["items"].as_array().unwrap().len(), 1, "{r:?}");
    }
}

server_tests!(
    config = super::config;
    a_new_business_is_hidden_and_unbookable_until_an_admin_validates_it,
    rejecting_a_business_needs_a_reason_and_takes_it_off_the_public_pages,
    the_client_profile_is_replaced_normalised_and_read_back,
    a_bad_profile_is_refused_field_by_field_and_changes_nothing,
    a_client_s_move_goes_back_to_pending_and_frees_the_old_time,
    the_third_move_by_a_client_is_refused,
    a_client_cannot_move_a_reservation_after_the_cancellation_deadline,
    bulk_windows_are_stored_all_or_none_with_a_report_per_item,
    a_window_is_read_and_moved_but_never_onto_another_window,
    complete_and_no_show_need_a_confirmed_reservation_that_started,
    a_service_is_read_and_replaced_field_by_field,
    a_deleted_service_is_withdrawn_kept_and_can_be_activated_again,
    an_inactive_service_is_hidden_until_activated_again,
    search_finds_validated_businesses_and_active_services_by_whole_words,
    search_refuses_a_missing_empty_or_too_long_query,
);
