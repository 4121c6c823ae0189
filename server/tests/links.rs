//! The links of the emails lead somewhere (issue 16, item 6). A server on 127.0.0.1 sends its
//! emails by SMTP to aiosmtpd; every link of every email received is followed in headless
//! Chromium (chromedriver + fantoccini) to its end: the account is verified, the new password
//! typed in the page signs in and the old one no longer does, the client sees and cancels a
//! reservation after signing in on the page, the owner sees one and confirms another. The
//! links are built on `links_base_url`, not on `public_url`.
//!
//! With `CI` set, a missing Chromium, chromedriver or SMTP receiver fails the test; without it
//! the test is skipped and says why ([`environment_ready`]).
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

#[path = "support/browser.rs"]
mod browser;
mod common;
#[path = "support/mailbox.rs"]
mod mailbox;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use browser::Browser;
use common::{Backend, PASSWORD, Srv, run, tomorrow};
use mailbox::{Mail, Mailbox};
use rdv_server::config::{Config, Secret};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CLIENT: &str = "lea@example.com";
const OWNER: &str = "owner@example.com";
const NEW_PASSWORD: &str = "a new long passphrase";

/// Whether this machine can run the browser test. The one place that decides between failing
/// and skipping: with `CI` set (and not `0`/`false`), anything missing fails the test;
/// otherwise the test is skipped with a message naming what is missing.
fn environment_ready(test: &str) -> bool {
    let mut missing = browser::missing();
    if !mailbox::receiver_available() {
        missing.push(format!(
            "the SMTP receiver (aiosmtpd importable from {})",
            mailbox::python_path()
        ));
    }
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    let ci = std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false");
    assert!(
        !ci,
        "{test}: {what} missing, and CI is set: install them (`bash scripts/test.sh tests` does)"
    );
    eprintln!("skipped: {test} needs {what}; `bash scripts/test.sh tests` installs them");
    false
}

/// A folder removed when dropped (the test's database).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let dir = std::env::temp_dir().join(format!("rdv-links-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A server whose address is known before it is configured, so that `links_base_url` can
/// name it; `public_url` points elsewhere, so a link built on it would not load.
async fn start(mailbox: &Mailbox, dir: &Path) -> Srv {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut c = Config::default();
    c.database_url = format!("sqlite://{}", dir.join("rdv.db").display());
    c.jwt_secret = Secret::new("test-secret-test-secret-test-secret-42");
    c.encryption_key = Secret::new("cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q=");
    c.rate_limit_per_minute = 100_000;
    c.auth_rate_limit_per_minute = 100_000;
    c.account_rate_limit_per_minute = 100_000;
    c.public_url = "http://public-url.invalid".into();
    c.links_base_url = format!("http://{addr}/");
    c.notify_poll_ms = 20;
    // A minute before the start: no reminder falls due while the test runs.
    c.notify_reminder_minutes = vec![1];
    mailbox.configure(&mut c);
    c.check().unwrap();
    let state = rdv_server::build_state(c).await.unwrap();
    tokio::spawn(rdv_server::serve(
        listener,
        state.clone(),
        std::future::pending(),
    ));
    Srv {
        base: format!("http://{addr}"),
        addr,
        state,
        http: reqwest::Client::new(),
    }
}

#[test]
fn every_link_of_the_emails_is_followed_in_chromium_to_its_end() {
    if !environment_ready("every_link_of_the_emails_is_followed_in_chromium_to_its_end") {
        return;
    }
    let mailbox = Mailbox::start();
    let dir = TempDir::new();
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let srv = start(&mailbox, &dir.0).await;
            let browser = Browser::start().await;
            let mut tab = Tab {
                browser: &browser,
                followed: BTreeSet::new(),
            };
            follow_every_link(&srv, &mailbox, &mut tab).await;
            browser.close().await;
        });
}

/// The browser, and every address it was sent to.
struct Tab<'a> {
    browser: &'a Browser,
    followed: BTreeSet<String>,
}

impl Tab<'_> {
    async fn follow(&mut self, link: &str) {
        self.browser.open(link).await;
        self.followed.insert(link.to_owned());
    }

    /// Signs in on a reservation page that asks for it.
    async fn sign_in(&self, email: &str, password: &str) {
        let b = self.browser;
        b.element("#signin:not([hidden])").await;
        b.fill("#email", email).await;
        b.fill("#password", password).await;
        b.click("#signin-button").await;
    }

    /// Waits for the reservation page to show `status`, then checks every shown field.
    async fn shows(&self, expected: &Shown<'_>, status: (&str, &str)) {
        let b = self.browser;
        let shown = b
            .text(&format!("#status[data-status='{}']", status.0))
            .await;
        assert_eq!(shown, status.1);
        assert_eq!(b.text("#service").await, expected.service);
        assert_eq!(b.text("#resource").await, expected.resource);
        assert_eq!(b.text("#date").await, expected.date);
        assert_eq!(b.text("#time").await, expected.time);
        assert_eq!(b.text("#price").await, expected.price);
        if let Some(business) = expected.business {
            assert_eq!(b.text("#business").await, business);
        }
    }

    async fn displayed(&self, css: &str) -> bool {
        self.browser
            .element(css)
            .await
            .is_displayed()
            .await
            .unwrap()
    }
}

/// What a reservation page shows besides its status.
struct Shown<'a> {
    service: &'a str,
    resource: &'a str,
    business: Option<&'a str>,
    date: String,
    time: String,
    price: &'a str,
}

/// What the owner's page shows of `s` (the business is the owner's own).
fn for_owner<'a>(s: &Shown<'a>) -> Shown<'a> {
    Shown {
        business: None,
        date: s.date.clone(),
        time: s.time.clone(),
        ..*s
    }
}

/// The date and time a reservation page shows for a 30-minute appointment starting at `start`
/// (RFC 3339, UTC), in the business's zone (Europe/Paris).
fn local(start: &str) -> (String, String) {
    let start = chrono::DateTime::parse_from_rfc3339(start)
        .unwrap()
        .with_timezone(&chrono_tz::Europe::Paris);
    let end = start + chrono::Duration::minutes(30);
    (
        start.format("%A %-d %B %Y").to_string(),
        format!(
            "{}–{} (Europe/Paris)",
            start.format("%H:%M"),
            end.format("%H:%M")
        ),
    )
}

async fn register(srv: &Srv, email: &str, role: &str) {
    let r = srv
        .post(
            "/api/auth/register/",
            None,
            json!({"email": email, "password": PASSWORD, "role": role, "first_name": "Léa",
                   "last_name": "Martin", "phone": "+33 6 12 34 56 78"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
}

/// Follows the verification link of the first email to `email` and checks its outcome.
async fn verify_by_link(srv: &Srv, mailbox: &Mailbox, tab: &mut Tab<'_>, email: &str) {
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::FORBIDDEN, "EMAIL_NOT_VERIFIED")
    );
    let mail = mailbox.wait_for(email, 1).await.remove(0);
    tab.follow(&mail.link(&srv.base, "/verify-email")).await;
    assert_eq!(
        tab.browser.text("#message[data-outcome='ok']").await,
        "Your email address is verified. You can now sign in."
    );
    assert_eq!(
        tab.browser.url().await,
        format!("{}/verify-email", srv.base),
        "the token left the address bar"
    );
    srv.login(email, PASSWORD).await;
}

async fn book(srv: &Srv, token: &str, service: &str, start: &str) -> String {
    let r = srv
        .post(
            "/api/client/reservations/",
            Some(token),
            json!({"service_id": service, "start": start}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
    r.body["id"].as_str().unwrap().to_owned()
}

async fn follow_every_link(srv: &Srv, mailbox: &Mailbox, tab: &mut Tab<'_>) {
    let base = srv.base.clone();
    let b = tab.browser;

    // Verification: the page says so, and the API now lets the accounts sign in.
    register(srv, CLIENT, "client").await;
    verify_by_link(srv, mailbox, tab, CLIENT).await;
    let spent = mailbox.wait_for(CLIENT, 1).await[0].link(&base, "/verify-email");
    b.open(&spent).await;
    assert_eq!(
        b.text("#message[data-outcome='error']").await,
        "This link is unknown, already used or expired; ask for a new one"
    );
    assert!(
        tab.displayed("#resend-button").await,
        "a new link is offered"
    );
    register(srv, OWNER, "owner").await;
    verify_by_link(srv, mailbox, tab, OWNER).await;

    // Password reset: the password typed in the page signs in, the old one no longer does.
    let r = srv
        .post("/api/auth/password-reset/", None, json!({"email": CLIENT}))
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{r:?}");
    let reset = mailbox.wait_for(CLIENT, 2).await.remove(1);
    tab.follow(&reset.link(&base, "/reset-password")).await;
    assert_eq!(b.url().await, format!("{base}/reset-password"));
    b.fill("#new-password", NEW_PASSWORD).await;
    b.fill("#repeat-password", "not the same passphrase").await;
    b.click("#set-password").await;
    assert_eq!(
        b.text("#message[data-outcome='error']").await,
        "The two passwords differ."
    );
    b.fill("#repeat-password", NEW_PASSWORD).await;
    b.click("#set-password").await;
    assert_eq!(
        b.text("#message[data-outcome='ok']").await,
        "Your new password is set. Sign in with it."
    );
    let client_token = srv.login(CLIENT, NEW_PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = srv
        .post(
            "/api/auth/login/",
            None,
            json!({"email": CLIENT, "password": PASSWORD}),
        )
        .await;
    assert_eq!(
        (r.status, r.code()),
        (StatusCode::UNAUTHORIZED, "INVALID_CREDENTIALS")
    );

    // A booking: the client views it (signing in on the page), the owner views it (signing in
    // as the owner in the same tab), then the client cancels it from the cancel link.
    let token = srv.login(OWNER, PASSWORD).await["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let business = srv.open_business(token).await;
    let (owner_token, service) = (business.token, business.service);
    let day = tomorrow();
    let start_a = format!("{day}T09:00:00Z");
    let a = book(srv, &client_token, &service, &start_a).await;
    let created = mailbox.wait_for(CLIENT, 3).await.remove(2);
    let owner_created = mailbox.wait_for(OWNER, 2).await.remove(1);
    let (date, time) = local(&start_a);
    let shown_a = Shown {
        service: "Coupe",
        resource: "Alice",
        business: Some("Salon Test"),
        date,
        time,
        price: "€25.00",
    };

    tab.follow(&created.link(&base, &format!("/reservations/{a}")))
        .await;
    tab.sign_in(CLIENT, NEW_PASSWORD).await;
    tab.shows(
        &shown_a,
        ("pending", "Awaiting the business's confirmation"),
    )
    .await;
    assert_eq!(b.text("#title").await, "Your reservation");
    assert!(tab.displayed("#cancel-button").await);

    tab.follow(&owner_created.link(&base, &format!("/business/reservations/{a}")))
        .await;
    tab.sign_in(CLIENT, NEW_PASSWORD).await;
    assert_eq!(
        b.text("#message[data-outcome='error']").await,
        "This account is not a business owner's: sign in with the owner account."
    );
    tab.sign_in(OWNER, PASSWORD).await;
    tab.shows(
        &for_owner(&shown_a),
        ("pending", "Awaiting your confirmation"),
    )
    .await;
    assert!(tab.displayed("#confirm-button").await);

    tab.follow(&created.link(&base, &format!("/reservations/{a}/cancel")))
        .await;
    tab.shows(
        &shown_a,
        ("pending", "Awaiting the business's confirmation"),
    )
    .await;
    assert_eq!(b.text("#title").await, "Cancel your reservation");
    b.fill("#reason", "Plans changed").await;
    b.click("#cancel-button").await;
    tab.shows(&shown_a, ("cancelled_by_client", "Cancelled by you"))
        .await;
    assert_eq!(
        b.text("#message[data-outcome='ok']").await,
        "The reservation is cancelled."
    );
    assert!(!tab.displayed("#cancel").await, "nothing left to cancel");
    let r = srv
        .get(
            &format!("/api/client/reservations/{a}/"),
            Some(&client_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(r.body["status"], "cancelled_by_client");
    let last = r.body["history"].as_array().unwrap().last().unwrap();
    assert_eq!(
        (&last["to"], &last["reason"]),
        (&json!("cancelled_by_client"), &json!("Plans changed"))
    );

    // The emails of the cancellation lead to the cancelled reservation.
    let cancelled = mailbox.wait_for(CLIENT, 4).await.remove(3);
    let owner_cancelled = mailbox.wait_for(OWNER, 3).await.remove(2);
    tab.follow(&cancelled.link(&base, &format!("/reservations/{a}")))
        .await;
    tab.shows(&shown_a, ("cancelled_by_client", "Cancelled by you"))
        .await;
    assert!(!tab.displayed("#cancel").await);
    tab.follow(&owner_cancelled.link(&base, &format!("/business/reservations/{a}")))
        .await;
    tab.shows(
        &for_owner(&shown_a),
        ("cancelled_by_client", "Cancelled by the client"),
    )
    .await;
    assert!(!tab.displayed("#decide").await);

    // A second booking: the owner confirms it from the link of the email.
    let start_b = format!("{day}T10:00:00Z");
    let booked = book(srv, &client_token, &service, &start_b).await;
    let created_b = mailbox.wait_for(CLIENT, 5).await.remove(4);
    let owner_created_b = mailbox.wait_for(OWNER, 4).await.remove(3);
    let (date, time) = local(&start_b);
    let shown_b = Shown {
        date,
        time,
        ..shown_a
    };
    tab.follow(&owner_created_b.link(&base, &format!("/business/reservations/{booked}")))
        .await;
    tab.shows(
        &for_owner(&shown_b),
        ("pending", "Awaiting your confirmation"),
    )
    .await;
    b.click("#confirm-button").await;
    tab.shows(&for_owner(&shown_b), ("confirmed", "Confirmed"))
        .await;
    assert_eq!(
        b.text("#message[data-outcome='ok']").await,
        "The reservation is confirmed."
    );
    let r = srv
        .get(
            &format!("/api/entreprise/reservations/{booked}/"),
            Some(&owner_token),
        )
        .await;
    assert_eq!(r.body["status"], "confirmed", "{r:?}");

    // The client's links to it (the booking's and the confirmation's) show it confirmed and
    // still cancellable.
    let confirmed = mailbox.wait_for(CLIENT, 6).await.remove(5);
    for mail in [&created_b, &confirmed] {
        tab.follow(&mail.link(&base, &format!("/reservations/{booked}")))
            .await;
        tab.shows(&shown_b, ("confirmed", "Confirmed")).await;
        tab.follow(&mail.link(&base, &format!("/reservations/{booked}/cancel")))
            .await;
        tab.shows(&shown_b, ("confirmed", "Confirmed")).await;
        assert_eq!(b.text("#title").await, "Cancel your reservation");
        assert!(tab.displayed("#cancel-button").await);
    }

    // Nothing else arrived, and every link of every email was followed.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let all: Vec<Mail> = mailbox.all();
    let count = |to: &str| all.iter().filter(|m| m.to == to).count();
    assert_eq!((count(CLIENT), count(OWNER), all.len()), (6, 4, 10));
    let mut links = 0;
    for mail in &all {
        assert_eq!(
            mail.text_links, mail.html_links,
            "both parts carry the same links: {mail:?}"
        );
        for link in &mail.text_links {
            assert!(link.starts_with(&format!("{base}/")), "{link}");
            assert!(
                tab.followed.contains(link),
                "{link} of {:?} was not followed",
                mail.subject
            );
            links += 1;
        }
    }
    // Verification 2, reset 1, the client's reservation emails 2 + 1 + 2 + 2, the owner's 3.
    assert_eq!(links, 2 + 1 + 7 + 3, "links in the ten emails");
}

/// The pages are HTML with a strict policy, outside the OpenAPI document; their refusals are
/// problem documents like the API's.
#[test]
fn pages_answer_html_with_a_strict_policy_outside_the_api_document() {
    run(Backend::Sqlite, |_| {}, pages_answer);
}

async fn pages_answer(srv: Srv) {
    let id = uuid::Uuid::new_v4();
    let pages = [
        (
            "/verify-email?token=abc".to_owned(),
            "<title>Verify your email address</title>",
            "/pages/verify-email.js",
        ),
        (
            "/reset-password?token=abc".to_owned(),
            "<title>Choose a new password</title>",
            "/pages/reset-password.js",
        ),
        (
            format!("/reservations/{id}"),
            "<title>Your reservation</title>",
            "/pages/reservation.js",
        ),
        (
            format!("/reservations/{id}/cancel"),
            "<title>Your reservation</title>",
            "/pages/reservation.js",
        ),
        (
            format!("/business/reservations/{id}"),
            "<title>Reservation at your business</title>",
            "/pages/reservation.js",
        ),
    ];
    let header = |r: &common::Resp, name: &str| {
        r.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    for (path, title, script) in &pages {
        let r = srv.get(path, None).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(header(&r, "content-type"), "text/html; charset=utf-8");
        assert_eq!(
            header(&r, "content-security-policy"),
            "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
             img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert_eq!(header(&r, "referrer-policy"), "no-referrer");
        assert!(r.text.contains(title), "{path}: {}", r.text);
        assert!(
            r.text.contains(&format!(
                "<script type=\"module\" src=\"{script}\"></script>"
            )),
            "{path}"
        );
    }
    for (asset, content_type) in [
        ("/pages/pages.css", "text/css; charset=utf-8"),
        ("/pages/common.js", "text/javascript; charset=utf-8"),
        ("/pages/verify-email.js", "text/javascript; charset=utf-8"),
        ("/pages/reset-password.js", "text/javascript; charset=utf-8"),
        ("/pages/reservation.js", "text/javascript; charset=utf-8"),
    ] {
        let r = srv.get(asset, None).await;
        assert_eq!(r.status, StatusCode::OK, "{asset}");
        assert_eq!(header(&r, "content-type"), content_type, "{asset}");
        assert_eq!(header(&r, "x-content-type-options"), "nosniff");
        assert!(!r.text.is_empty());
    }

    // Refusals are problem documents.
    for (method, path, status, code) in [
        (
            reqwest::Method::GET,
            "/reservations/not-a-uuid",
            StatusCode::BAD_REQUEST,
            "INVALID_PARAMETER",
        ),
        (
            reqwest::Method::GET,
            "/business/reservations/42/cancel",
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
        ),
        (
            reqwest::Method::POST,
            "/verify-email",
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
        ),
        (
            reqwest::Method::GET,
            "/pages/missing.js",
            StatusCode::NOT_FOUND,
            "ROUTE_NOT_FOUND",
        ),
    ] {
        let r = srv.call(method, path, None, None).await;
        assert_eq!((r.status, r.code()), (status, code), "{path}: {r:?}");
        assert_eq!(
            header(&r, "content-type"),
            "application/problem+json",
            "{path}"
        );
    }

    // HTML, not API operations.
    let doc: Value = srv.get("/api-docs/openapi.json", None).await.body;
    let paths: Vec<&String> = doc["paths"].as_object().unwrap().keys().collect();
    assert!(paths.len() > 20, "{paths:?}");
    for path in &paths {
        assert!(
            path.starts_with("/api/")
                // The calendar feeds: subscription URLs calendar apps poll, outside `/api/`.
                || path.starts_with("/calendrier/")
                // Image files, public by their content-addressed key, outside `/api/`.
                || path.starts_with("/images/")
                || ["/healthz", "/readyz", "/metrics"].contains(&path.as_str()),
            "{path} is in the API document"
        );
    }
}
