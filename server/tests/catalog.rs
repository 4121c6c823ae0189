//! Categories and tags (SVC-3) in the public API on both backends: the categories in use, the
//! business list and a business's services filtered by category and tag, and the typed error
//! of a filter value no service could carry.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Owner, Srv};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn service(srv: &Srv, owner: &Owner, name: &str, category: &str, tags: &[&str]) -> String {
    let mut body = common::service_body(&owner.resource);
    body["name"] = json!(name);
    body["category"] = json!(category);
    body["tags"] = json!(tags);
    let r = srv.post("/api/entreprise/services/", owner.t(), body).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect()
}

async fn the_public_catalogue_filters_by_category_and_tag(srv: Srv) {
    let salon = srv.owner("salon@example.com").await; // "Salon Test", service Coupe (none)
    let spa = srv.owner("spa@example.com").await;
    let r = srv
        .put(
            "/api/entreprise/mon-entreprise/",
            spa.t(),
            common::business_body("Spa Zen"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    // Stored in lower case, tags without duplicates.
    let massage = service(
        &srv,
        &spa,
        "Massage",
        " Massage ",
        &["Relax", "relax", "duo"],
    )
    .await;
    let r = srv
        .get(&format!("/api/entreprise/services/{massage}/"), spa.t())
        .await;
    assert_eq!(
        (&r.body["category"], &r.body["tags"]),
        (&json!("massage"), &json!(["relax", "duo"]))
    );
    service(&srv, &spa, "Soin visage", "soin", &["relax"]).await;
    service(&srv, &salon, "Brushing", "coiffure", &["femme"]).await;
    service(&srv, &salon, "Massage crânien", "massage", &["express"]).await;
    // A pending business's services are not public.
    let hidden = srv.account("hidden@example.com", "owner").await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = srv
        .post(
            "/api/entreprise/mon-entreprise/",
            Some(&hidden),
            common::business_body("Hidden"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");

    let r = srv.get("/api/categories/", None).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body,
        json!([
            {"name": "coiffure", "services": 1, "businesses": 1},
            {"name": "massage", "services": 2, "businesses": 2},
            {"name": "soin", "services": 1, "businesses": 1},
        ])
    );
    for (query, expected) in [
        ("category=MASSAGE", vec!["Salon Test", "Spa Zen"]),
        ("category=soin", vec!["Spa Zen"]),
        ("tag=femme", vec!["Salon Test"]),
        ("category=massage&tag=relax", vec!["Spa Zen"]),
        ("category=coiffure&tag=relax", vec![]),
        ("category=yoga", vec![]),
    ] {
        let r = srv.get(&format!("/api/entreprises/?{query}"), None).await;
        assert_eq!(r.status, StatusCode::OK, "{query}: {r:?}");
        assert_eq!(names(&r.body), expected, "{query}");
    }
    let services = format!("/api/entreprises/{}/services/", spa.business);
    let r = srv.get(&format!("{services}?tag=relax"), None).await;
    assert_eq!(names(&r.body), ["Massage", "Soin visage"], "{r:?}");
    let r = srv
        .get(&format!("{services}?category=massage&limit=1"), None)
        .await;
    assert_eq!(names(&r.body), ["Massage"], "{r:?}");
    let r = srv.get(&format!("{services}?tag=duo"), None).await;
    assert_eq!(
        names(&r.body),
        ["Massage"],
        "the cache keeps filters apart: {r:?}"
    );
    // Deactivating the last massage service of the spa takes it out of the category.
    let r = srv
        .post(
            &format!("/api/entreprise/services/{massage}/desactiver/"),
            spa.t(),
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv.get("/api/entreprises/?category=massage", None).await;
    assert_eq!(names(&r.body), ["Salon Test"], "{r:?}");
    let r = srv.get(&format!("{services}?tag=duo"), None).await;
    assert_eq!(names(&r.body), Vec::<&str>::new(), "{r:?}");

    for (path, field, code) in [
        ("/api/entreprises/?category=", "category", "required"),
        ("/api/entreprises/?tag=%3Cb%3E", "tag", "markup"),
        (
            &*format!("{services}?category={}", "x".repeat(61)),
            "category",
            "too_long",
        ),
    ] {
        let r = srv.get(path, None).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {r:?}");
        assert_eq!(r.code(), "VALIDATION_FAILED");
        assert_eq!(r.body["errors"][0]["field"], field, "{path}");
        assert_eq!(r.body["errors"][0]["code"], code, "{path}");
    }
}

server_tests!(the_public_catalogue_filters_by_category_and_tag);
