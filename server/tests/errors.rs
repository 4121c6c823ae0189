//! One error format for everything, input limits, CORS, rate limits and the operational
//! endpoints.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use common::{Backend, Srv, run};
use reqwest::StatusCode;
use serde_json::json;

fn assert_problem(r: &common::Resp, status: StatusCode, code: &str) {
    assert_eq!(r.status, status, "{r:?}");
    assert_eq!(
        r.headers["content-type"], "application/problem+json",
        "{r:?}"
    );
    assert_eq!(r.code(), code, "{r:?}");
    assert_eq!(r.body["status"], status.as_u16());
    assert!(
        r.body["type"]
            .as_str()
            .unwrap()
            .starts_with("urn:rdv:error:")
    );
    assert!(r.body["title"].is_string());
    let id = r.body["request_id"].as_str().unwrap();
    assert_eq!(
        r.headers["x-request-id"], id,
        "the body's id is the header's"
    );
}

async fn framework_rejections_use_the_problem_format(srv: Srv) {
    let r = srv.get("/api/nope/", None).await;
    assert_problem(&r, StatusCode::NOT_FOUND, "ROUTE_NOT_FOUND");
    let r = srv.put("/api/auth/login/", None, json!({})).await;
    assert_problem(&r, StatusCode::METHOD_NOT_ALLOWED, "METHOD_NOT_ALLOWED");

    let url = format!("{}/api/auth/login/", srv.base);
    let r = Srv::finish(
        srv.http
            .post(&url)
            .header("content-type", "application/json")
            .body("{\"email\": "),
    )
    .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let r = Srv::finish(
        srv.http
            .post(&url)
            .header("content-type", "text/plain")
            .body("hi"),
    )
    .await;
    assert_problem(
        &r,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "UNSUPPORTED_MEDIA_TYPE",
    );
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "a@b.c", "password": "x", "admin": true}),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "INVALID_BODY");
    assert!(
        r.body["detail"].as_str().unwrap().contains("admin"),
        "{r:?}"
    );
    let big = "x".repeat(100 * 1024);
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": big, "password": "x"}),
        )
        .await;
    assert_problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE");
    let r = srv.get("/api/entreprises/not-a-uuid/", None).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
    let r = srv.get("/api/entreprises/?limit=1000", None).await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED");
    assert_eq!(r.body["errors"][0]["field"], "limit");
    let r = srv.get("/api/entreprises/?colour=red", None).await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
    let r = srv.get("/api/client/mon-profil/", None).await;
    assert_problem(&r, StatusCode::UNAUTHORIZED, "UNAUTHENTICATED");
}

async fn validation_errors_name_every_field(srv: Srv) {
    let r = srv
        .post(
            "/api/auth/register/",
            None,
            json!({"email": "not-an-email", "password": "pw", "role": "client"}),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED");
    assert_eq!(r.body["errors"][0]["field"], "email", "{r:?}");
    let owner = srv.owner("owner@example.com").await;
    let mut body = common::business_body("<script>alert(1)</script>");
    body["city"] = json!("");
    body["address"]["street"] = json!("<img src=x onerror=alert(1)>");
    let r = srv
        .put("/api/entreprise/mon-entreprise/", owner.t(), body)
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "VALIDATION_FAILED");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"name") && fields.contains(&"city"),
        "{r:?}"
    );
    assert!(fields.contains(&"address.street"), "{r:?}");
    // Nothing was changed.
    let r = srv.get("/api/entreprise/mon-entreprise/", owner.t()).await;
    assert_eq!(r.body["name"], "Salon Test");
    // A booking rule error carries the core's code.
    let client = srv.client("c@example.com").await;
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("10:10")}),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "NOT_ON_SLOT_GRID");
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": owner.service, "start": owner.at("19:00")}),
        )
        .await;
    assert_problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "OUTSIDE_AVAILABILITY");
}

async fn cors_allows_only_listed_origins(srv: Srv) {
    let ok = Srv::finish(
        srv.http
            .get(format!("{}/healthz", srv.base))
            .header("origin", "https://app.example"),
    )
    .await;
    assert_eq!(
        ok.headers["access-control-allow-origin"],
        "https://app.example"
    );
    let other = Srv::finish(
        srv.http
            .get(format!("{}/healthz", srv.base))
            .header("origin", "https://evil.example"),
    )
    .await;
    assert!(other.headers.get("access-control-allow-origin").is_none());
}

async fn health_readiness_and_metrics_answer(srv: Srv) {
    let r = srv.get("/healthz", None).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("ok"))
    );
    let r = srv.get("/readyz", None).await;
    assert_eq!(
        (r.status, r.body["status"].as_str()),
        (StatusCode::OK, Some("ready"))
    );
    let r = srv.get("/metrics", None).await;
    assert_eq!(r.status, StatusCode::OK);
    // The media type the OpenAPI document declares.
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text;"),
        "{:?}",
        r.headers
    );
    assert!(
        r.text
            .contains("rdv_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"} 1"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("rdv_http_request_duration_seconds_bucket"),
        "{}",
        r.text
    );
}

/// Sends `GET target` over a raw connection (HTTP clients refuse such long URIs themselves)
/// and reads the whole answer: status, lower-case headers, body.
async fn raw_get(srv: &Srv, target: &str) -> (u16, Vec<(String, String)>, serde_json::Value) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let mut tcp = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    let request = format!(
        "GET {target} HTTP/1.1\r\nhost: {}\r\nconnection: close\r\n\r\n",
        srv.addr
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    tcp.read_to_end(&mut answer).await.unwrap();
    let text = String::from_utf8(answer).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_owned()))
        .collect();
    (
        status,
        headers,
        serde_json::from_str(body).unwrap_or_default(),
    )
}

/// hyper refuses a URI over 65,534 bytes before any route runs; the answer is still a
/// problem document with its code, and the server goes on serving.
async fn a_uri_too_long_answers_a_problem(srv: Srv) {
    let long_path = format!("/api/entreprises/{}/", "a".repeat(100 * 1024));
    let long_query = format!("/api/entreprises/?city={}", "b".repeat(100 * 1024));
    for target in [long_path, long_query] {
        let (status, headers, body) = raw_get(&srv, &target).await;
        assert_eq!(status, 414, "{headers:?} {body}");
        let header = |name: &str| {
            headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(header("content-type"), Some("application/problem+json"));
        assert_eq!(body["code"], "URI_TOO_LONG", "{body}");
        assert_eq!(body["status"], 414);
        assert_eq!(body["type"], "urn:rdv:error:uri_too_long");
        assert_eq!(header("x-request-id"), body["request_id"].as_str());
    }
    // Just under hyper's limit the request reaches the router.
    let (status, _, body) = raw_get(&srv, &format!("/api/{}/", "c".repeat(60 * 1024))).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (404, Some("ROUTE_NOT_FOUND"))
    );
    let r = srv.get("/healthz", None).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// Answers the OpenAPI document now lists (issue 16 item 11) are the server's.
async fn documented_extractor_answers_are_real(srv: Srv) {
    let client = srv.client("extractors@example.com").await;
    let r = Srv::finish(
        srv.http
            .post(format!("{}/api/auth/logout/", srv.base))
            .bearer_auth(&client)
            .body("{\"refresh_token\": "),
    )
    .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "MALFORMED_JSON");
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(&client),
            json!({"service_id": uuid::Uuid::new_v4(), "start": format!("{}T10:00:00Z", common::tomorrow())}),
        )
        .await;
    assert_problem(&r, StatusCode::NOT_FOUND, "NOT_FOUND");
    let r = srv
        .get("/api/client/reservations/not-a-uuid/", Some(&client))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
    let r = srv
        .get("/api/client/reservations/?service_id=x", Some(&client))
        .await;
    assert_problem(&r, StatusCode::BAD_REQUEST, "INVALID_PARAMETER");
}

server_tests!(
    framework_rejections_use_the_problem_format,
    documented_extractor_answers_are_real,
    a_uri_too_long_answers_a_problem,
    validation_errors_name_every_field,
    cors_allows_only_listed_origins,
    health_readiness_and_metrics_answer,
);

/// Past the per-IP budget of auth routes: 429 with Retry-After, other routes still served.
#[test]
fn auth_routes_are_rate_limited_per_ip_with_retry_after() {
    run(
        Backend::Sqlite,
        |c| c.auth_rate_limit_per_minute = 3,
        |srv| async move {
            for _ in 0..3 {
                let r = srv
                    .post(
                        "/api/auth/login/",
                        None,
                        json!({"email": "x@example.com", "password": "whatever1"}),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{r:?}");
            }
            let r = srv
                .post(
                    "/api/auth/login/",
                    None,
                    json!({"email": "x@example.com", "password": "whatever1"}),
                )
                .await;
            assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
            let wait: u64 = r.headers["retry-after"].to_str().unwrap().parse().unwrap();
            assert!((1..=60).contains(&wait), "{wait}");
            assert_eq!(srv.get("/healthz", None).await.status, StatusCode::OK);
        },
    );
}

/// Past the per-account budget: 429 for that account only.
#[test]
fn signed_in_accounts_are_rate_limited() {
    run(
        Backend::Sqlite,
        |c| c.account_rate_limit_per_minute = 5,
        |srv| async move {
            let a = srv.client("a@example.com").await;
            let b = srv.client("b@example.com").await;
            for _ in 0..5 {
                assert_eq!(
                    srv.get("/api/client/mon-profil/", Some(&a)).await.status,
                    StatusCode::OK
                );
            }
            let r = srv.get("/api/client/mon-profil/", Some(&a)).await;
            assert_problem(&r, StatusCode::TOO_MANY_REQUESTS, "RATE_LIMITED");
            assert_eq!(
                srv.get("/api/client/mon-profil/", Some(&b)).await.status,
                StatusCode::OK
            );
        },
    );
}
