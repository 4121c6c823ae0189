//! Authentication: email verification, sessions, refresh rotation with reuse detection, logout,
//! password change and reset, and forged or stale access tokens.
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use base64::Engine as _;
use common::{PASSWORD, Srv};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use serde_json::{Value, json};

const SECRET: &[u8] = b"test-secret-test-secret-test-secret-42";

fn b64(v: &Value) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

fn claims_of(token: &str) -> Value {
    let part = token.split('.').nth(1).unwrap();
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn sign(alg: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(SECRET)).unwrap()
}

async fn registration_needs_a_verified_email_and_a_unique_address(srv: Srv) {
    let body = json!({"email": "Ana@Example.com", "password": PASSWORD, "role": "owner"});
    let r = srv.post("/api/auth/register/", None, body.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    assert_eq!(r.body["email"], "ana@example.com");
    assert_eq!(r.body["email_verified"], false);
    let r = srv.post("/api/auth/register/", None, body).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::CONFLICT, "EMAIL_TAKEN"),
        "{r:?}"
    );
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "ana@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "EMAIL_NOT_VERIFIED"),
        "{r:?}"
    );
    let r = srv
        .post("/api/auth/register/", None, json!({"email": "b@example.com", "password": "password123", "role": "client", "first_name": "B", "last_name": "C"}))
        .await;
    assert_eq!(r.body["errors"][0]["code"], "too_common", "{r:?}");
    let token = srv
        .outbox_token("ana@example.com", "email_verification")
        .await;
    let r = srv
        .post("/api/auth/verify-email/", None, json!({"token": token}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post("/api/auth/verify-email/", None, json!({"token": token}))
        .await;
    assert_eq!(r.code(), "INVALID_ONE_TIME_TOKEN", "single use: {r:?}");
    let pair = srv.login("ana@example.com", PASSWORD).await;
    let r = srv
        .get("/api/auth/me/", pair["access_token"].as_str())
        .await;
    assert_eq!(r.body["role"], "owner", "{r:?}");
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "ana@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
    );
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
    );
}

async fn refresh_tokens_rotate_and_a_reused_one_ends_the_login(srv: Srv) {
    let pair = srv.account("r@example.com", "client").await;
    let first = pair["refresh_token"].as_str().unwrap().to_owned();
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let second = r.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    // Replaying the first: reuse detected, and the second dies with its family.
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "REFRESH_TOKEN_REUSED")
    );
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": second}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "INVALID_REFRESH_TOKEN")
    );

    // Concurrent refreshes with one token: at most one success.
    let pair = srv.login("r@example.com", PASSWORD).await;
    let token = pair["refresh_token"].as_str().unwrap().to_owned();
    let attempts = (0..8).map(|_| {
        srv.post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": token}),
        )
    });
    let results = futures_join(attempts).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert!(ok <= 1, "{ok} successes");
}

async fn futures_join<F: Future<Output = common::Resp>>(
    futures: impl Iterator<Item = F>,
) -> Vec<common::Resp> {
    let handles: Vec<_> = futures.collect();
    let mut out = Vec::new();
    // Poll all at once through a local set of joined futures.
    let joined = async {
        let mut pinned: Vec<std::pin::Pin<Box<F>>> = handles.into_iter().map(Box::pin).collect();
        let mut results: Vec<Option<common::Resp>> = (0..pinned.len()).map(|_| None).collect();
        std::future::poll_fn(|cx| {
            let mut pending = false;
            for (i, f) in pinned.iter_mut().enumerate() {
                if results[i].is_none() {
                    match f.as_mut().poll(cx) {
                        std::task::Poll::Ready(v) => results[i] = Some(v),
                        std::task::Poll::Pending => pending = true,
                    }
                }
            }
            if pending {
                std::task::Poll::Pending
            } else {
                std::task::Poll::Ready(())
            }
        })
        .await;
        results.into_iter().map(|r| r.unwrap()).collect::<Vec<_>>()
    };
    out.extend(joined.await);
    out
}

async fn logout_revokes_the_access_token_and_the_login(srv: Srv) {
    let pair = srv.account("l@example.com", "client").await;
    let access = pair["access_token"].as_str().unwrap();
    let refresh = pair["refresh_token"].as_str().unwrap();
    assert_eq!(
        srv.get("/api/auth/me/", Some(access)).await.status,
        StatusCode::OK
    );
    let r = srv
        .post(
            "/api/auth/logout/",
            Some(access),
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv.get("/api/auth/me/", Some(access)).await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "INVALID_TOKEN")
    );
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": refresh}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_REFRESH_TOKEN");
}

async fn a_bare_logout_ends_the_login_of_the_token(srv: Srv) {
    let pair = srv.account("bare@example.com", "client").await;
    let access = pair["access_token"].as_str().unwrap();
    let r = Srv::finish(
        srv.http
            .post(format!("{}/api/auth/logout/", srv.base))
            .bearer_auth(access),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        srv.get("/api/auth/me/", Some(access)).await.code(),
        "INVALID_TOKEN"
    );
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": pair["refresh_token"]}),
        )
        .await;
    assert_eq!(
        r.code(),
        "INVALID_REFRESH_TOKEN",
        "the login's refresh token dies with it"
    );
    // After reuse detection, the family's access tokens stop working too.
    let pair = srv.login("bare@example.com", PASSWORD).await;
    let first = pair["refresh_token"].as_str().unwrap();
    let next = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    let access = next.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        srv.get("/api/auth/me/", Some(&access)).await.status,
        StatusCode::OK
    );
    let reused = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": first}),
        )
        .await;
    assert_eq!(reused.code(), "REFRESH_TOKEN_REUSED");
    assert_eq!(
        srv.get("/api/auth/me/", Some(&access)).await.code(),
        "INVALID_TOKEN"
    );
}

async fn password_change_ends_the_other_sessions(srv: Srv) {
    let a = srv.account("p@example.com", "client").await;
    // Tokens are issued per second: make the change strictly later than the first login.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let b = srv.login("p@example.com", PASSWORD).await;
    let r = srv
        .post(
            "/api/auth/password-change/",
            a["access_token"].as_str(),
            json!({"current_password": "wrong one!", "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_CREDENTIALS", "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = srv
        .post(
            "/api/auth/password-change/",
            a["access_token"].as_str(),
            json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let fresh = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        srv.get("/api/auth/me/", Some(&fresh)).await.status,
        StatusCode::OK
    );
    // The other session is over: its access token and its refresh token.
    assert_eq!(
        srv.get("/api/auth/me/", b["access_token"].as_str())
            .await
            .code(),
        "INVALID_TOKEN"
    );
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": b["refresh_token"]}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_REFRESH_TOKEN");
    // This session's old refresh token is revoked too; the new pair carries on.
    let r = srv
        .post(
            "/api/auth/token/refresh/",
            None,
            json!({"refresh_token": a["refresh_token"]}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_REFRESH_TOKEN");
    srv.login("p@example.com", "a brand new passphrase").await;
}

async fn password_reset_is_silent_single_use_and_ends_sessions(srv: Srv) {
    let before = srv.account("reset@example.com", "client").await;
    let unknown = srv
        .post(
            "/api/auth/password-reset/",
            None,
            json!({"email": "ghost@example.com"}),
        )
        .await;
    let known = srv
        .post(
            "/api/auth/password-reset/",
            None,
            json!({"email": "reset@example.com"}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::ACCEPTED);
    assert_eq!((known.status, &known.body), (unknown.status, &unknown.body));
    let token = srv
        .outbox_token("reset@example.com", "password_reset")
        .await;
    let r = srv
        .post(
            "/api/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": "123"}),
        )
        .await;
    assert_eq!(r.code(), "VALIDATION_FAILED", "{r:?}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = srv
        .post(
            "/api/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": "another good passphrase"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    let r = srv
        .post(
            "/api/auth/password-reset/confirm/",
            None,
            json!({"token": token, "new_password": "yet another passphrase"}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_ONE_TIME_TOKEN");
    assert_eq!(
        srv.get("/api/auth/me/", before["access_token"].as_str())
            .await
            .code(),
        "INVALID_TOKEN"
    );
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": "reset@example.com", "password": PASSWORD}),
        )
        .await;
    assert_eq!(r.code(), "INVALID_CREDENTIALS");
    srv.login("reset@example.com", "another good passphrase")
        .await;
    // Per-account limit: three reset emails an hour.
    for _ in 0..5 {
        srv.post(
            "/api/auth/password-reset/",
            None,
            json!({"email": "reset@example.com"}),
        )
        .await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    use rdv_storage::accounts::AccountStore as _;
    let sent = srv
        .state
        .store()
        .outbox_for("reset@example.com")
        .await
        .unwrap()
        .iter()
        .filter(|m| m.kind == "password_reset")
        .count();
    assert_eq!(sent, 3);
}

async fn forged_and_stale_access_tokens_are_refused(srv: Srv) {
    let pair = srv.account("t@example.com", "client").await;
    let good = pair["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        srv.get("/api/auth/me/", Some(&good)).await.status,
        StatusCode::OK
    );
    let claims = claims_of(&good);
    let refused = |token: String| {
        let srv = &srv;
        async move {
            let r = srv.get("/api/auth/me/", Some(&token)).await;
            assert_eq!(
                (r.status, r.code()),
                (StatusCode::UNAUTHORIZED, "INVALID_TOKEN"),
                "{r:?}"
            );
        }
    };
    // alg: none, unsigned.
    refused(format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    ))
    .await;
    // Another algorithm with the right secret.
    refused(sign(Algorithm::HS512, &claims)).await;
    // Tampered claims under the original signature.
    let mut admin = claims.clone();
    admin["role"] = json!("admin");
    let sig = good.split('.').nth(2).unwrap();
    let head = good.split('.').next().unwrap();
    refused(format!("{head}.{}.{sig}", b64(&admin))).await;
    // Missing exp, string exp, wrong audience, expired.
    let mut c = claims.clone();
    c.as_object_mut().unwrap().remove("exp");
    refused(sign(Algorithm::HS256, &c)).await;
    let mut c = claims.clone();
    c["exp"] = json!(c["exp"].to_string());
    refused(sign(Algorithm::HS256, &c)).await;
    let mut c = claims.clone();
    c["aud"] = json!("someone-else");
    refused(sign(Algorithm::HS256, &c)).await;
    let mut c = claims.clone();
    c["exp"] = json!(c["iat"].as_i64().unwrap() - 60);
    refused(sign(Algorithm::HS256, &c)).await;
    // Correctly signed with everything right still works (the forgeries failed for their flaw).
    assert_eq!(
        srv.get("/api/auth/me/", Some(&sign(Algorithm::HS256, &claims)))
            .await
            .status,
        StatusCode::OK
    );
    // Not a bearer token at all.
    let r = Srv::finish(
        srv.http
            .get(format!("{}/api/auth/me/", srv.base))
            .header("authorization", "Basic abc"),
    )
    .await;
    assert_eq!(r.code(), "UNAUTHENTICATED");
}

server_tests!(
    registration_needs_a_verified_email_and_a_unique_address,
    refresh_tokens_rotate_and_a_reused_one_ends_the_login,
    logout_revokes_the_access_token_and_the_login,
    a_bare_logout_ends_the_login_of_the_token,
    password_change_ends_the_other_sessions,
    password_reset_is_silent_single_use_and_ends_sessions,
    forged_and_stale_access_tokens_are_refused,
);
