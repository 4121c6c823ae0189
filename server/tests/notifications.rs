//! Notifications end to end (issue 6): real SMTP to aiosmtpd on 127.0.0.1, SMS and webhooks
//! to an HTTP recorder on 127.0.0.1, the worker killed mid-batch, retries, dead letters,
//! reminders across the Paris DST change, preferences and webhooks over the API. Every test
//! runs on SQLite and on PostgreSQL. Without aiosmtpd (or PostgreSQL) a test that needs it
//! fails when `CI` is set and is otherwise skipped and listed (`common::environment`).
#![allow(
    clippy::unwrap_used,
    reason = "tests and benchmarks stop at the line that failed"
)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{TimeZone, Utc};
use common::{Backend, PASSWORD, Srv, run};
use hmac::Mac;
use rdv_server::config::Config;
use rdv_server::notify::Notifier;
use rdv_storage::accounts::{AccountStore as _, OutboxMessage};
use rdv_storage::notifications::{
    Channel, DeliveryStatus, NotificationStore as _, Webhook, WebhookInsert,
};
use reqwest::StatusCode;
use serde_json::{Value, json};

// ---------------------------------------------------------------------------------------------
// An SMTP server (aiosmtpd) in a child process.

/// The receiver; its folder is removed once it and every clone of `dir` are dropped.
struct Smtp {
    port: u16,
    dir: Arc<tempfile::TempDir>,
    child: Child,
}

fn python_path() -> String {
    std::env::var("RDV_TEST_PYTHONPATH").unwrap_or_else(|_| {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../.tools/python")
            .display()
            .to_string()
    })
}

/// Whether the SMTP receiver can run here; when it cannot, the running test is recorded as
/// skipped (it fails in CI) and returns.
fn smtp_receiver() -> bool {
    common::environment::smtp_receiver(&python_path())
}

impl Smtp {
    /// Starts aiosmtpd on `port` (0: any free port) writing to a new folder.
    fn start(port: u16, args: &[&str]) -> Smtp {
        Self::start_in(port, common::environment::temp_dir("rdv-smtp-"), args)
    }

    fn start_in(port: u16, dir: tempfile::TempDir, args: &[&str]) -> Smtp {
        use std::io::BufRead as _;
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_receiver.py");
        let mut child = Command::new("python3")
            .arg(script)
            .arg("--port")
            .arg(port.to_string())
            .arg("--out")
            .arg(dir.path())
            .args(args)
            .env("PYTHONPATH", python_path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("READY ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "the SMTP receiver did not start ({line:?}); it needs aiosmtpd: \
                     run `bash scripts/test.sh`, or `python3 -m pip install --target \
                     .tools/python aiosmtpd==1.4.6`"
                )
            });
        Smtp {
            port,
            dir: Arc::new(dir),
            child,
        }
    }

    fn configure(&self, c: &mut Config) {
        c.smtp_host = "127.0.0.1".into();
        c.smtp_port = u32::from(self.port);
        c.smtp_tls = "none".into();
        c.smtp_from = "Rdv Test <no-reply@rdv.test>".into();
    }

    /// The messages received so far, in order.
    fn messages(&self) -> Vec<Vec<u8>> {
        received(self.dir.path())
    }
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn received(dir: &Path) -> Vec<Vec<u8>> {
    let mut n = 1;
    let mut out = Vec::new();
    while let Ok(bytes) = std::fs::read(dir.join(format!("{n}.eml"))) {
        out.push(bytes);
        n += 1;
    }
    out
}

struct Mail {
    subject: String,
    to: String,
    from: String,
    message_id: String,
    text: String,
    html: String,
    ics: Option<(String, String)>, // (method parameter, text)
}

fn parse(bytes: &[u8]) -> Mail {
    use mail_parser::MimeHeaders as _;
    let m = mail_parser::MessageParser::default()
        .parse(bytes)
        .expect("a MIME message");
    let ics = m.attachments().find_map(|a| {
        let ct = a.content_type()?;
        (ct.ctype() == "text" && ct.subtype() == Some("calendar")).then(|| {
            (
                ct.attribute("method").unwrap_or("").to_owned(),
                String::from_utf8_lossy(a.contents()).into_owned(),
            )
        })
    });
    Mail {
        subject: m.subject().unwrap_or("").to_owned(),
        to: m
            .to()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or("")
            .to_owned(),
        from: m
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or("")
            .to_owned(),
        message_id: m.message_id().unwrap_or("").to_owned(),
        text: m.body_text(0).map(|s| s.into_owned()).unwrap_or_default(),
        html: m.body_html(0).map(|s| s.into_owned()).unwrap_or_default(),
        ics,
    }
}

fn mails(smtp: &Smtp) -> Vec<Mail> {
    smtp.messages().iter().map(|b| parse(b)).collect()
}

fn mails_to<'a>(all: &'a [Mail], to: &str) -> Vec<&'a Mail> {
    all.iter().filter(|m| m.to == to).collect()
}

// ---------------------------------------------------------------------------------------------
// An HTTP server that records requests (SMS provider, webhook receivers).

#[derive(Clone, Debug)]
struct Recorded {
    path: String,
    headers: axum::http::HeaderMap,
    body: String,
}

#[derive(Clone, Default)]
struct Recorder {
    requests: Arc<Mutex<Vec<Recorded>>>,
    /// Answer this many requests with 503 first.
    fail_first: Arc<Mutex<usize>>,
}

impl Recorder {
    async fn start(fail_first: usize) -> (Recorder, String) {
        let recorder = Recorder::default();
        *recorder.fail_first.lock().unwrap() = fail_first;
        let r = recorder.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let r = r.clone();
            async move {
                let (parts, body) = req.into_parts();
                let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
                r.requests.lock().unwrap().push(Recorded {
                    path: parts.uri.path().to_owned(),
                    headers: parts.headers,
                    body: String::from_utf8_lossy(&body).into_owned(),
                });
                let mut fail = r.fail_first.lock().unwrap();
                if *fail > 0 {
                    *fail -= 1;
                    StatusCode::SERVICE_UNAVAILABLE
                } else {
                    StatusCode::CREATED
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (recorder, base)
    }

    fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers.

fn quiet_worker(c: &mut Config) {
    c.notify_worker = false;
    c.notify_concurrency = 4;
    c.notify_backoff_base_seconds = 60;
    c.notify_backoff_max_seconds = 3600;
}

/// Ticks until there is nothing left to do now; the total of messages sent.
async fn drain(notifier: &Notifier) -> usize {
    let mut sent = 0;
    for _ in 0..50 {
        let r = notifier.tick().await.expect("tick");
        sent += r.sent;
        if r.claimed == 0 && r.events == 0 && r.reminders == 0 {
            return sent;
        }
    }
    panic!("the worker never ran out of work");
}

async fn book(srv: &Srv, client: &str, service: &str, start: &str) -> String {
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

fn ics_field<'a>(ics: &'a str, name: &str) -> Option<&'a str> {
    ics.split("\r\n")
        .find_map(|l| l.strip_prefix(name).and_then(|r| r.strip_prefix(':')))
}

macro_rules! both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite { $( #[test] fn $name() { super::$name(super::Backend::Sqlite) } )* }
        mod postgres { $( #[test] fn $name() { super::$name(super::Backend::Postgres) } )* }
    };
}

both_backends!(
    booking_emails_carry_both_parts_and_calendar_invitations,
    sms_and_webhooks_reach_the_http_receiver_authenticated_and_signed,
    smtp_down_is_retried_until_it_is_back_and_delivered_once,
    a_message_that_always_fails_becomes_a_dead_letter_admins_can_retry,
    a_killed_worker_leaves_every_message_delivered_exactly_once,
    reminders_fire_once_at_the_right_instant_across_the_paris_dst_change,
    account_flows_end_with_the_links_received_by_smtp,
    preferences_and_webhooks_are_validated_and_scoped,
    a_refused_booking_announces_nothing,
    webhooks_cannot_reach_internal_addresses,
    housekeeping_forgets_what_served_its_purpose_after_the_retention,
    prices_in_emails_have_the_currency_s_decimals_in_the_recipient_s_language,
);

// ---------------------------------------------------------------------------------------------
// The tests.

/// Booking, confirming and cancelling send the client a text + HTML email each, the owner a
/// "new booking" and a "cancelled" email, and the client calendar invitations: REQUEST on
/// confirmation, CANCEL on cancellation, same UID, right UTC times.
fn booking_emails_carry_both_parts_and_calendar_invitations(backend: Backend) {
    if !smtp_receiver() {
        return;
    }
    let smtp = Smtp::start(0, &[]);
    let smtp = &smtp;
    run(
        backend,
        |c| {
            quiet_worker(c);
            smtp.configure(c);
        },
        |srv| async move {
            let owner = srv.owner("owner@example.com").await;
            let client = srv.client("lea@example.com").await;
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            drain(&notifier).await; // verification emails
            let before = smtp.messages().len();

            // One step at a time, so the client's emails arrive in order.
            let id = book(&srv, &client, &owner.service, &owner.at("10:00")).await;
            assert_eq!(drain(&notifier).await, 2, "created: client and owner");
            let r = srv
                .post(
                    &format!("/api/entreprise/reservations/{id}/confirmer/"),
                    owner.t(),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            assert_eq!(drain(&notifier).await, 1, "confirmed: the client only");
            let r = srv
                .delete(
                    &format!("/api/client/reservations/{id}/?reason=empêchement"),
                    Some(&client),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            assert_eq!(drain(&notifier).await, 2, "cancelled (client, owner)");

            let all = mails(smtp);
            let new: Vec<Mail> = all.into_iter().skip(before).collect();
            let to_client = mails_to(&new, "lea@example.com");
            let to_owner = mails_to(&new, "owner@example.com");
            assert_eq!((to_client.len(), to_owner.len()), (3, 2));
            for m in &new {
                assert_eq!(m.from, "no-reply@rdv.test");
                assert!(m.message_id.ends_with("@rdv.test"), "{}", m.message_id);
                assert!(m.text.contains("Salon Test"), "{}", m.text);
                assert!(
                    m.html.contains("<html") && m.html.contains("Salon Test"),
                    "{}",
                    m.html
                );
            }
            let ids: BTreeSet<&str> = new.iter().map(|m| m.message_id.as_str()).collect();
            assert_eq!(ids.len(), new.len(), "one Message-ID per message");

            let created = to_client[0];
            assert!(created.ics.is_none(), "no invitation before confirmation");
            // 10:00 UTC tomorrow is 11:00 or 12:00 in Paris: the email shows the local time.
            let start_utc = chrono::DateTime::parse_from_rfc3339(&owner.at("10:00")).unwrap();
            let local = start_utc
                .with_timezone(&chrono_tz::Europe::Paris)
                .format("%H:%M")
                .to_string();
            assert!(
                created.text.contains(&local),
                "local time {local} in {}",
                created.text
            );

            let confirmed = to_client[1];
            assert!(
                confirmed.subject.to_lowercase().contains("confirmed"),
                "{}",
                confirmed.subject
            );
            let (method, ics) = confirmed.ics.clone().expect("an invitation");
            assert_eq!(method, "REQUEST");
            assert_eq!(ics_field(&ics, "METHOD"), Some("REQUEST"));
            let utc = |hhmm: &str| {
                format!(
                    "{}T{}00Z",
                    owner.day.replace('-', ""),
                    hhmm.replace(':', "")
                )
            };
            assert_eq!(ics_field(&ics, "DTSTART"), Some(utc("10:00").as_str()));
            assert_eq!(ics_field(&ics, "DTEND"), Some(utc("10:30").as_str()));
            assert_eq!(ics_field(&ics, "UID"), Some(format!("{id}@rdv").as_str()));
            let parsed: icalendar::Calendar = ics.parse().expect("valid iCalendar");
            assert_eq!(parsed.components.len(), 1);

            let cancelled = to_client[2];
            let (method, cancel_ics) = cancelled.ics.clone().expect("a cancellation");
            assert_eq!(method, "CANCEL");
            assert_eq!(ics_field(&cancel_ics, "UID"), ics_field(&ics, "UID"));
            assert_eq!(ics_field(&cancel_ics, "STATUS"), Some("CANCELLED"));
            let seq = |t: &str| ics_field(t, "SEQUENCE").unwrap().parse::<u32>().unwrap();
            assert!(seq(&cancel_ics) > seq(&ics), "a later SEQUENCE wins");

            assert!(
                to_owner[0].text.contains("Jeanne Dupont"),
                "{}",
                to_owner[0].text
            );
            assert!(
                to_owner[1].text.contains("empêchement"),
                "{}",
                to_owner[1].text
            );
        },
    );
}

/// Prices in emails have as many decimals as their currency (ISO 4217) and are written in the
/// recipient's language: a French client reads `25,00 €`, the English-speaking owner `€25.00`;
/// yens have no decimals, Kuwaiti dinars three (`rdv_core::money::format_money`).
fn prices_in_emails_have_the_currency_s_decimals_in_the_recipient_s_language(backend: Backend) {
    if !smtp_receiver() {
        return;
    }
    let smtp = Smtp::start(0, &[]);
    let smtp = &smtp;
    run(
        backend,
        |c| {
            quiet_worker(c);
            smtp.configure(c);
        },
        |srv| async move {
            let owner = srv.owner("owner@example.com").await;
            let r = srv
                .post(
                    "/api/auth/register/",
                    None,
                    json!({"email": "marc@example.com", "password": PASSWORD, "role": "client",
                           "first_name": "Marc", "last_name": "Petit", "locale": "fr"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            let token = srv
                .outbox_token("marc@example.com", "email_verification")
                .await;
            let r = srv
                .post("/api/auth/verify-email/", None, json!({"token": token}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let client = srv.login("marc@example.com", PASSWORD).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            drain(&notifier).await; // verification emails

            let mut service = common::service_body(&owner.resource);
            for (start, amount_minor, currency, french, english) in [
                (
                    "10:00",
                    2500,
                    "EUR",
                    "Tarif : 25,00\u{a0}€",
                    "Price: €25.00",
                ),
                (
                    "11:00",
                    1500,
                    "JPY",
                    "Tarif : 1\u{202f}500\u{a0}JPY",
                    "Price: JPY\u{a0}1,500",
                ),
                (
                    "12:00",
                    25_000,
                    "KWD",
                    "Tarif : 25,000\u{a0}KWD",
                    "Price: KWD\u{a0}25.000",
                ),
            ] {
                service["price"] = json!({"amount_minor": amount_minor, "currency": currency});
                let r = srv
                    .put(
                        &format!("/api/entreprise/services/{}/", owner.service),
                        owner.t(),
                        service.clone(),
                    )
                    .await;
                assert_eq!(r.status, StatusCode::OK, "{r:?}");
                let before = smtp.messages().len();
                book(&srv, &client, &owner.service, &owner.at(start)).await;
                assert_eq!(drain(&notifier).await, 2, "created: client and owner");
                let new: Vec<Mail> = mails(smtp).into_iter().skip(before).collect();
                let to_client = mails_to(&new, "marc@example.com");
                let to_owner = mails_to(&new, "owner@example.com");
                assert_eq!((to_client.len(), to_owner.len()), (1, 1), "{currency}");
                for (mail, price) in [(to_client[0], french), (to_owner[0], english)] {
                    assert!(mail.text.contains(price), "{price:?} in {}", mail.text);
                    assert!(mail.html.contains(price), "{price:?} in {}", mail.html);
                }
            }
        },
    );
}

/// A client who chose SMS gets text messages through the Twilio-shaped API (form POST, basic
/// auth, account SID in the path, E.164 number); a webhook receives the events it subscribed
/// to, signed as documented; a 503 from the receiver is retried.
fn sms_and_webhooks_reach_the_http_receiver_authenticated_and_signed(backend: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sms, sms_base) = rt.block_on(Recorder::start(0));
    let (hooks, hooks_base) = rt.block_on(Recorder::start(1));
    run(
        backend,
        |c| {
            quiet_worker(c);
            c.webhook_private_targets = true; // the receiver listens on 127.0.0.1
            c.sms_base_url = sms_base.clone();
            c.sms_account_sid = "AC0123456789".into();
            c.sms_auth_token = rdv_server::config::Secret::new("sms-token");
            c.sms_from = "+33100000000".into();
        },
        |srv| async move {
            let owner = srv.owner("owner@example.com").await;
            let client = srv.client("lea@example.com").await;
            let r = srv
                .put(
                    "/api/client/notifications/",
                    Some(&client),
                    json!({"email": false, "sms": true}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let r = srv
                .post(
                    "/api/entreprise/webhooks/",
                    owner.t(),
                    json!({"url": format!("{hooks_base}/hooks/rdv"), "events": ["reservation_created"]}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            let secret = r.body["secret"].as_str().unwrap().to_owned();
            assert!(secret.starts_with("whsec_") && secret.len() > 40);

            let notifier = Notifier::new(srv.state.clone()).unwrap();
            let id = book(&srv, &client, &owner.service, &owner.at("10:00")).await;
            drain(&notifier).await;

            let texts = sms.requests();
            assert_eq!(texts.len(), 1, "{texts:?}");
            let t = &texts[0];
            assert_eq!(t.path, "/2010-04-01/Accounts/AC0123456789/Messages.json");
            use base64::Engine as _;
            let basic = base64::engine::general_purpose::STANDARD.encode("AC0123456789:sms-token");
            assert_eq!(
                t.headers["authorization"],
                format!("Basic {basic}").as_str()
            );
            assert!(
                t.headers["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/x-www-form-urlencoded")
            );
            let form: Vec<(String, String)> = url_decode(&t.body);
            let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
            assert_eq!(field("To"), Some("+33612345678"));
            assert_eq!(field("From"), Some("+33100000000"));
            assert!(field("Body").unwrap().contains("Salon Test"), "{form:?}");

            // The webhook answered 503 once: nothing yet, then delivered after the backoff.
            assert_eq!(hooks.requests().len(), 1);
            srv.state.clock().advance(3600);
            drain(&notifier).await;
            let calls = hooks.requests();
            assert_eq!(calls.len(), 2, "retried once after the 503");
            let call = &calls[1];
            assert_eq!(call.path, "/hooks/rdv");
            assert_eq!(call.headers["rdv-event"], "reservation_created");
            assert_eq!(
                call.headers["rdv-delivery"], calls[0].headers["rdv-delivery"],
                "same delivery id on retry"
            );
            let sig = call.headers["rdv-signature"].to_str().unwrap();
            let (t_part, v_part) = sig.split_once(',').unwrap();
            let ts = t_part.strip_prefix("t=").unwrap();
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
            mac.update(format!("{ts}.{}", call.body).as_bytes());
            let expected = hex_lower(&mac.finalize().into_bytes());
            assert_eq!(v_part, format!("v1={expected}"), "signature verifies");
            let body: Value = serde_json::from_str(&call.body).unwrap();
            assert_eq!(body["type"], "reservation_created");
            assert_eq!(body["data"]["reservation_id"], id.as_str());
            assert!(
                body.get("client").is_none() && !call.body.contains("lea@example.com"),
                "no personal data"
            );
        },
    );
}

/// Registering a webhook at `url` answers 422 on the `url` field with `code`.
async fn assert_webhook_refused(srv: &Srv, owner: &common::Owner, url: &str, code: &str) {
    let r = srv
        .post(
            "/api/entreprise/webhooks/",
            owner.t(),
            json!({"url": url, "events": ["reservation_created"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{url}: {r:?}");
    assert_eq!(r.body["errors"][0]["field"], "url", "{url}: {r:?}");
    assert_eq!(r.body["errors"][0]["code"], code, "{url}: {r:?}");
}

fn hex_lower(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn url_decode(body: &str) -> Vec<(String, String)> {
    body.split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode_component(k), decode_component(v)))
        .collect()
}

fn decode_component(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// With the SMTP server down, the verification email is retried with growing delays; once
/// the server is back it arrives exactly once.
fn smtp_down_is_retried_until_it_is_back_and_delivered_once(backend: Backend) {
    // Reserve a port, then leave it closed: the SMTP server is "down".
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    if !smtp_receiver() {
        return;
    }
    let dir = common::environment::temp_dir("rdv-smtp-");
    run(
        backend,
        |c| {
            quiet_worker(c);
            c.smtp_host = "127.0.0.1".into();
            c.smtp_port = u32::from(port);
            c.smtp_tls = "none".into();
            c.notify_backoff_base_seconds = 30;
        },
        |srv| async move {
            let r = srv
                .post(
                    "/api/auth/register/",
                    None,
                    json!({"email": "ana@example.com", "password": PASSWORD, "role": "client",
                           "first_name": "Ana", "last_name": "Lopez"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            let r = notifier.tick().await.unwrap();
            assert_eq!((r.claimed, r.sent, r.failed), (1, 0, 1));
            let pending = srv
                .state
                .store()
                .list_deliveries(DeliveryStatus::Pending, None, 10)
                .await
                .unwrap();
            assert_eq!(pending.len(), 1);
            let first_retry = pending[0].next_attempt_at.secs() - srv.state.now().secs();
            assert!(
                (15..=30).contains(&first_retry),
                "first retry after 15–30 s: {first_retry}"
            );
            assert!(
                pending[0].last_error.as_deref().unwrap().contains("smtp"),
                "{pending:?}"
            );
            // Not due yet: nothing is attempted.
            assert_eq!(notifier.tick().await.unwrap().claimed, 0);
            srv.state.clock().advance(31);
            let r = notifier.tick().await.unwrap();
            assert_eq!((r.claimed, r.failed), (1, 1), "second attempt, still down");
            let pending = srv
                .state
                .store()
                .list_deliveries(DeliveryStatus::Pending, None, 10)
                .await
                .unwrap();
            let second_retry = pending[0].next_attempt_at.secs() - srv.state.now().secs();
            assert!(
                (30..=60).contains(&second_retry),
                "backoff doubles: {second_retry}"
            );

            let smtp = Smtp::start_in(port, dir, &[]);
            srv.state.clock().advance(61);
            assert_eq!(drain(&notifier).await, 1);
            srv.state.clock().advance(3600);
            assert_eq!(drain(&notifier).await, 0);
            let received = mails(&smtp);
            assert_eq!(received.len(), 1);
            assert_eq!(received[0].to, "ana@example.com");
            let sent = srv
                .state
                .store()
                .list_deliveries(DeliveryStatus::Sent, None, 10)
                .await
                .unwrap();
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0].attempts, 3);
        },
    );
}

/// An SMTP server that refuses every message (451): after `notify_max_attempts` attempts the
/// message is a dead letter, listed for admins with its last error; an admin can queue it
/// again.
fn a_message_that_always_fails_becomes_a_dead_letter_admins_can_retry(backend: Backend) {
    if !smtp_receiver() {
        return;
    }
    let smtp = Smtp::start(0, &["--always-fail"]);
    let smtp = &smtp;
    run(
        backend,
        |c| {
            quiet_worker(c);
            smtp.configure(c);
            c.notify_max_attempts = 3;
        },
        |srv| async move {
            srv.admin("admin@example.com").await;
            let r = srv
                .post(
                    "/api/auth/password-reset/",
                    None,
                    json!({"email": "admin@example.com"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{r:?}");
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            // Wait for the reset request's background write.
            let mut attempts = 0;
            for _ in 0..100 {
                let r = notifier.tick().await.unwrap();
                attempts += r.failed;
                if attempts > 0 {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            for _ in 0..5 {
                srv.state.clock().advance(3 * 3600);
                attempts += notifier.tick().await.unwrap().failed;
            }
            assert_eq!(attempts, 3, "exactly notify_max_attempts attempts");
            let admin = srv.login("admin@example.com", PASSWORD).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned(); // the first token expired on the moved clock
            let r = srv.get("/api/admin/notifications/", Some(&admin)).await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            let items = r.body["items"].as_array().unwrap();
            assert_eq!(items.len(), 1, "{r:?}");
            assert_eq!(items[0]["status"], "dead");
            assert_eq!(items[0]["attempts"], 3);
            assert_eq!(items[0]["kind"], "password_reset");
            assert!(
                items[0]["last_error"].as_str().unwrap().contains("451"),
                "{r:?}"
            );
            assert!(!r.text.contains("token"), "no message content in the list");
            let id = items[0]["id"].as_str().unwrap();
            let r = srv
                .post(
                    &format!("/api/admin/notifications/{id}/relancer/"),
                    Some(&admin),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            assert_eq!(r.body["status"], "pending");
            assert_eq!(r.body["attempts"], 0);
            let r = srv
                .post(
                    &format!("/api/admin/notifications/{id}/relancer/"),
                    Some(&admin),
                    json!({}),
                )
                .await;
            assert_eq!(r.status, StatusCode::NOT_FOUND, "only dead letters: {r:?}");
            assert_eq!(r.code(), "MESSAGE_NOT_FOUND");
            assert!(smtp.messages().is_empty());
        },
    );
}

/// A worker process killed (SIGKILL) while the SMTP server holds its messages: after two new
/// workers start, every message has arrived exactly once (distinct Message-IDs, count at the
/// receiver), and a clean stop (SIGTERM) exits at once.
fn a_killed_worker_leaves_every_message_delivered_exactly_once(backend: Backend) {
    const N: usize = 12;
    if !smtp_receiver() {
        return;
    }
    let first = Smtp::start(0, &["--hold-after", "5"]);
    let port = first.port;
    run(backend, quiet_worker, |srv| async move {
        let now = srv.state.now();
        let messages: Vec<OutboxMessage> = (0..N)
            .map(|i| OutboxMessage {
                id: uuid::Uuid::new_v4(),
                dedup_key: format!("kill-test:{i}"),
                kind: "password_reset".into(),
                channel: Channel::Email,
                recipient: format!("user{i}@example.com"),
                payload: json!({"locale": "en", "link": format!("https://app.example/r/{i}"),
                                "expires_minutes": 30}),
                created_at: now,
            })
            .collect();
        srv.state.store().enqueue_messages(&messages).await.unwrap();

        let worker = |extra: &[(&str, &str)]| {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_rdv-server"));
            cmd.arg("worker")
                .env("DATABASE_URL", &srv.state.config.database_url)
                .env("RDV_PROFILE", "dev")
                .env("RDV_JWT_SECRET", "kill-test-secret-kill-test-secret-0001")
                .env(
                    "RDV_ENCRYPTION_KEY",
                    srv.state.config.encryption_key.expose(),
                )
                .env("RDV_SMTP_HOST", "127.0.0.1")
                .env("RDV_SMTP_PORT", port.to_string())
                .env("RDV_SMTP_TLS", "none")
                .env("RDV_NOTIFY_CONCURRENCY", "4")
                .env("RDV_NOTIFY_POLL_MS", "50")
                .env("RDV_NOTIFY_LEASE_SECONDS", "2")
                .env("RDV_NOTIFY_SEND_TIMEOUT_SECONDS", "60")
                .env("RDV_LOG_LEVEL", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (k, v) in extra {
                cmd.env(k, v);
            }
            cmd.spawn().expect("worker starts")
        };
        let mut a = worker(&[]);
        wait_until(Duration::from_secs(60), || first.messages().len() == 5).await;
        tokio::time::sleep(Duration::from_millis(500)).await; // sends 6.. are held in flight
        a.kill().unwrap(); // SIGKILL, mid-batch
        a.wait().unwrap();
        // The held messages stay readable after the receiver stops.
        let held_dir = Arc::clone(&first.dir);
        drop(first);
        let sent = srv
            .state
            .store()
            .list_deliveries(DeliveryStatus::Sent, None, 100)
            .await
            .unwrap();
        assert_eq!(sent.len(), 5, "the held messages were not recorded as sent");

        let second = Smtp::start(port, &[]);
        let mut b1 = worker(&[]);
        let mut b2 = worker(&[]);
        let total = || received(held_dir.path()).len() + second.messages().len();
        wait_until(Duration::from_secs(60), || total() >= N).await;
        tokio::time::sleep(Duration::from_millis(2500)).await; // any duplicate would land now
        assert_eq!(total(), N, "every message exactly once at the receiver");
        let ids: BTreeSet<String> = received(held_dir.path())
            .iter()
            .chain(second.messages().iter())
            .map(|b| parse(b).message_id)
            .collect();
        assert_eq!(ids.len(), N, "distinct Message-IDs");
        let sent = srv
            .state
            .store()
            .list_deliveries(DeliveryStatus::Sent, None, 100)
            .await
            .unwrap();
        assert_eq!(sent.len(), N);
        assert!(
            sent.iter().all(|d| d.message.payload.get("link").is_none()),
            "links dropped once sent"
        );

        for child in [&mut b1, &mut b2] {
            let pid = child.id().to_string();
            Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        }
        for child in [&mut b1, &mut b2] {
            let status = wait_child(child, Duration::from_secs(10));
            assert!(status.success(), "a clean stop exits 0: {status:?}");
        }
    });
}

async fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn wait_child(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("the worker did not stop within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A reservation on Sunday 2026-10-25 at 10:00 in Paris (09:00 UTC, after the clocks went
/// back at 03:00): its 24-hour reminder is due at 09:00 UTC on the 24th (11:00 summer time),
/// not a second earlier; it is sent once, even after a restart; a reservation cancelled
/// before its reminder is due gets none.
fn reminders_fire_once_at_the_right_instant_across_the_paris_dst_change(backend: Backend) {
    if !smtp_receiver() {
        return;
    }
    let smtp = Smtp::start(0, &[]);
    let smtp = &smtp;
    run(
        backend,
        |c| {
            quiet_worker(c);
            smtp.configure(c);
        },
        |srv| async move {
            let at = |s: &str| {
                Utc.from_utc_datetime(
                    &chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap(),
                )
                .timestamp()
            };
            let move_to = |target: i64| srv.state.clock().advance(target - srv.state.now().secs());
            move_to(at("2026-10-20 12:00:00"));
            let owner = srv.owner("owner@example.com").await;
            let client = srv.client("lea@example.com").await;
            let r = srv
                .post(
                    "/api/entreprise/disponibilites/",
                    owner.t(),
                    json!({"resource_id": owner.resource, "start": "2026-10-25T08:00:00Z", "end": "2026-10-25T12:00:00Z"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            let kept = book(&srv, &client, &owner.service, "2026-10-25T09:00:00Z").await;
            let cancelled = book(&srv, &client, &owner.service, "2026-10-25T10:00:00Z").await;
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            drain(&notifier).await;
            let reminders = |smtp: &Smtp| {
                mails(smtp)
                    .into_iter()
                    .filter(|m| m.subject.to_lowercase().contains("reminder"))
                    .count()
            };
            assert_eq!(reminders(smtp), 0);

            move_to(at("2026-10-24 08:59:59"));
            drain(&notifier).await;
            assert_eq!(reminders(smtp), 0, "not a second early");
            let client = srv.login("lea@example.com", PASSWORD).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned(); // the first token expired on the moved clock
            let r = srv
                .delete(
                    &format!("/api/client/reservations/{cancelled}/?reason=change"),
                    Some(&client),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");

            move_to(at("2026-10-24 09:00:00"));
            drain(&notifier).await;
            assert_eq!(
                reminders(smtp),
                1,
                "due at 09:00 UTC, 11:00 in Paris (summer time)"
            );
            let reminder = mails(smtp)
                .into_iter()
                .find(|m| m.subject.to_lowercase().contains("reminder"))
                .unwrap();
            assert_eq!(reminder.to, "lea@example.com");
            assert!(
                reminder.text.contains("10:00"),
                "local time after the change: {}",
                reminder.text
            );
            assert!(
                reminder.text.contains("Sunday 25 October 2026"),
                "{}",
                reminder.text
            );
            assert!(
                reminder.text.contains(&kept) || reminder.html.contains(&kept),
                "links to the reservation"
            );

            move_to(at("2026-10-24 12:00:00"));
            drain(&notifier).await;
            let restarted = Notifier::new(srv.state.clone()).unwrap();
            drain(&restarted).await;
            move_to(at("2026-10-25 08:00:00"));
            drain(&restarted).await;
            assert_eq!(reminders(smtp), 1, "none twice, none for the cancelled one");
        },
    );
}

fn link_token(mail: &Mail) -> String {
    let start = mail.text.find("token=").expect("a link with a token") + "token=".len();
    mail.text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

/// Register → the verification email arrives by SMTP → its link verifies the account;
/// password reset → the email arrives → its link sets a new password that signs in. Once
/// sent, the outbox no longer holds the tokens.
fn account_flows_end_with_the_links_received_by_smtp(backend: Backend) {
    if !smtp_receiver() {
        return;
    }
    let smtp = Smtp::start(0, &["--auth", "mailer:mail-pass"]);
    let smtp = &smtp;
    run(
        backend,
        |c| {
            smtp.configure(c);
            c.smtp_username = "mailer".into();
            c.smtp_password = rdv_server::config::Secret::new("mail-pass");
            c.notify_poll_ms = 20; // the worker runs inside the server here
        },
        |srv| async move {
            let r = srv
                .post(
                    "/api/auth/register/",
                    None,
                    json!({"email": "marc@example.com", "password": PASSWORD, "role": "client",
                           "first_name": "Marc", "last_name": "Petit", "locale": "fr"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
            wait_until(Duration::from_secs(20), || !smtp.messages().is_empty()).await;
            let verification = mails(smtp).remove(0);
            assert_eq!(verification.to, "marc@example.com");
            let token = link_token(&verification);
            let r = srv
                .post("/api/auth/verify-email/", None, json!({"token": token}))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            srv.login("marc@example.com", PASSWORD).await;

            let r = srv
                .post(
                    "/api/auth/password-reset/",
                    None,
                    json!({"email": "marc@example.com"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::ACCEPTED, "{r:?}");
            wait_until(Duration::from_secs(20), || smtp.messages().len() == 2).await;
            let reset = mails(smtp).remove(1);
            let token = link_token(&reset);
            let r = srv
                .post(
                    "/api/auth/password-reset/confirm/",
                    None,
                    json!({"token": token, "new_password": "another long passphrase"}),
                )
                .await;
            assert_eq!(r.status, StatusCode::OK, "{r:?}");
            srv.login("marc@example.com", "another long passphrase")
                .await;

            let stored = srv
                .state
                .store()
                .outbox_for("marc@example.com")
                .await
                .unwrap();
            assert_eq!(stored.len(), 2);
            for m in stored {
                assert!(
                    m.payload.get("token").is_none() && m.payload.get("link").is_none(),
                    "{m:?}"
                );
            }
            let envelope: Value = serde_json::from_str(
                &std::fs::read_to_string(smtp.dir.path().join("1.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(
                envelope["authenticated"], true,
                "SMTP AUTH with the configured credentials"
            );
        },
    );
}

/// The settings answer in the API's error format: SMS without a phone number, unknown events,
/// a webhook URL that is not http(s); a webhook's secret shows once; another owner's webhook
/// is not found.
fn preferences_and_webhooks_are_validated_and_scoped(backend: Backend) {
    run(backend, quiet_worker, |srv| async move {
        let owner = srv.owner("owner@example.com").await;
        let other = srv.owner("other@example.com").await;
        let r = srv
            .post(
                "/api/auth/register/",
                None,
                json!({"email": "nophone@example.com", "password": PASSWORD, "role": "client",
                       "first_name": "No", "last_name": "Phone"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let token = srv
            .outbox_token("nophone@example.com", "email_verification")
            .await;
        srv.post("/api/auth/verify-email/", None, json!({"token": token}))
            .await;
        let client = srv.login("nophone@example.com", PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = srv.get("/api/client/notifications/", Some(&client)).await;
        assert_eq!(r.body, json!({"email": true, "sms": false}));
        let r = srv
            .put(
                "/api/client/notifications/",
                Some(&client),
                json!({"email": true, "sms": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
        assert_eq!(r.body["errors"][0]["field"], "sms", "{r:?}");

        let r = srv
            .put(
                "/api/entreprise/notifications/",
                owner.t(),
                json!({"email": true, "events": ["reservation_exploded"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
        assert_eq!(r.body["errors"][0]["field"], "events[0]", "{r:?}");
        let r = srv
            .put(
                "/api/entreprise/notifications/",
                owner.t(),
                json!({"email": false, "events": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let r = srv.get("/api/entreprise/notifications/", owner.t()).await;
        assert_eq!(r.body, json!({"email": false, "events": []}));

        for (url, field_code) in [
            ("ftp://x.example/h", "invalid_scheme"),
            ("not a url", "invalid_url"),
            ("https://user:pw@x.example/h", "invalid_url"),
        ] {
            assert_webhook_refused(&srv, &owner, url, field_code).await;
        }
        let r = srv
            .post(
                "/api/entreprise/webhooks/",
                owner.t(),
                json!({"url": "https://x.example/h", "events": []}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{r:?}");
        let r = srv.post("/api/entreprise/webhooks/", owner.t(), json!({"url": "https://x.example/h", "events": ["reservation_created", "reservation_reminder"]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let id = r.body["id"].as_str().unwrap().to_owned();
        assert!(r.body["secret"].is_string());
        let r = srv
            .get(&format!("/api/entreprise/webhooks/{id}/"), owner.t())
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(
            r.body.get("secret").is_none(),
            "the secret shows only once: {r:?}"
        );
        let r = srv.get("/api/entreprise/webhooks/", owner.t()).await;
        assert_eq!(r.body.as_array().unwrap().len(), 1);
        assert!(!r.text.contains("whsec_"));
        let r = srv
            .get(&format!("/api/entreprise/webhooks/{id}/"), other.t())
            .await;
        assert_eq!(
            (r.status, r.code()),
            (StatusCode::NOT_FOUND, "WEBHOOK_NOT_FOUND")
        );
        let r = srv
            .delete(&format!("/api/entreprise/webhooks/{id}/"), other.t())
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND);
        let r = srv
            .delete(&format!("/api/entreprise/webhooks/{id}/"), owner.t())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let hooks = srv
            .state
            .store()
            .list_webhooks(owner.business.parse().unwrap())
            .await
            .unwrap();
        assert!(hooks.is_empty());
    });
}

/// A booking refused by the database (the slot is taken) leaves no event behind: nothing is
/// announced for a change that did not commit.
fn a_refused_booking_announces_nothing(backend: Backend) {
    run(backend, quiet_worker, |srv| async move {
        let owner = srv.owner("owner@example.com").await;
        let a = srv.client("a@example.com").await;
        let b = srv.client("b@example.com").await;
        book(&srv, &a, &owner.service, &owner.at("10:00")).await;
        let r = srv
            .post(
                "/api/client/reservations/",
                Some(&b),
                json!({"service_id": owner.service, "start": owner.at("10:00")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{r:?}");
        let events = srv.state.store().pending_events(100).await.unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].kind, "reservation_created");
    });
}

/// By default webhooks reach public addresses only (server-side request forgery): loopback,
/// private, link-local (cloud metadata) and `localhost` URLs are refused at registration with
/// `private_address`; a webhook stored with such a URL anyway (registered while allowed) is
/// never called: its delivery becomes a dead letter at once and the receiver hears nothing.
fn webhooks_cannot_reach_internal_addresses(backend: Backend) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (hooks, hooks_base) = rt.block_on(Recorder::start(0));
    run(backend, quiet_worker, |srv| async move {
        let owner = srv.owner("owner@example.com").await;
        let client = srv.client("lea@example.com").await;
        for url in [
            format!("{hooks_base}/hooks/rdv"),
            "http://10.1.2.3/h".to_owned(),
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "http://[::1]:8080/h".to_owned(),
            "http://[::ffff:192.168.1.1]/h".to_owned(),
            "http://localhost:8080/h".to_owned(),
        ] {
            assert_webhook_refused(&srv, &owner, &url, "private_address").await;
        }
        assert!(
            srv.state
                .store()
                .list_webhooks(owner.business.parse().unwrap())
                .await
                .unwrap()
                .is_empty()
        );

        let stored = srv
            .state
            .store()
            .insert_webhook(
                &Webhook {
                    id: uuid::Uuid::new_v4(),
                    business_id: owner.business.parse().unwrap(),
                    url: format!("{hooks_base}/hooks/rdv"),
                    secret: "whsec_test".into(),
                    events: vec!["reservation_created".into()],
                    created_at: srv.state.now(),
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(stored, WebhookInsert::Inserted);
        let notifier = Notifier::new(srv.state.clone()).unwrap();
        book(&srv, &client, &owner.service, &owner.at("10:00")).await;
        drain(&notifier).await;
        srv.state.clock().advance(3 * 3600);
        drain(&notifier).await;
        assert!(
            hooks.requests().is_empty(),
            "the internal receiver was never called"
        );

        let admin = srv.admin("admin@example.com").await;
        let r = srv.get("/api/admin/notifications/", Some(&admin)).await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        let dead: Vec<&Value> = r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["channel"] == "webhook")
            .collect();
        assert_eq!(dead.len(), 1, "{r:?}");
        assert_eq!(dead[0]["status"], "dead", "{r:?}");
        assert_eq!(
            dead[0]["attempts"], 1,
            "refused at once, not retried: {r:?}"
        );
        assert!(
            dead[0]["last_error"]
                .as_str()
                .unwrap()
                .contains("not a public address"),
            "{r:?}"
        );
    });
}

/// The worker's housekeeping keeps processed events and idempotency records for the configured
/// retention, then deletes them: after that, the same key starts a new request.
fn housekeeping_forgets_what_served_its_purpose_after_the_retention(backend: Backend) {
    run(
        backend,
        |c| {
            quiet_worker(c);
            c.retention_days = 2;
            c.idempotency_hours = 1;
            // One hour ahead: the bookings' reminders are never due while the test runs,
            // whatever the time of day (a 24-hour one could be, two hours after 08:00 UTC).
            c.notify_reminder_minutes = vec![60];
        },
        |srv| async move {
            let owner = srv.owner("owner@example.com").await;
            let client = srv.client("lea@example.com").await;
            let send = |token: &str, start: &str| {
                let req = srv
                    .http
                    .post(format!("{}/api/client/reservations/", srv.base))
                    .bearer_auth(token)
                    .header("Idempotency-Key", "k-1")
                    .json(&json!({"service_id": owner.service, "start": owner.at(start)}));
                Srv::finish(req)
            };
            let booked = send(&client, "10:00").await;
            assert_eq!(booked.status, StatusCode::CREATED, "{booked:?}");
            let reused = send(&client, "12:00").await;
            assert_eq!(reused.code(), "IDEMPOTENCY_KEY_REUSED", "{reused:?}");
            let notifier = Notifier::new(srv.state.clone()).unwrap();
            drain(&notifier).await;
            assert_eq!(
                notifier.purge().await.unwrap(),
                Default::default(),
                "nothing is old yet"
            );

            srv.state.clock().advance(2 * 3600);
            let purged = notifier.purge().await.unwrap();
            assert_eq!(purged.idempotency_keys, 1, "{purged:?}");
            assert_eq!(purged.events, 0, "{purged:?}");
            let token = srv.login("lea@example.com", PASSWORD).await["access_token"]
                .as_str()
                .unwrap()
                .to_owned(); // the first one expired on the moved clock
            let fresh = send(&token, "12:00").await;
            assert_eq!(
                fresh.status,
                StatusCode::CREATED,
                "the key is forgotten: {fresh:?}"
            );
            drain(&notifier).await;
            srv.state.clock().advance(3 * 86_400);
            let purged = notifier.purge().await.unwrap();
            assert_eq!(purged.events, 2, "both bookings' events: {purged:?}");
            assert!(
                srv.state
                    .store()
                    .pending_events(10)
                    .await
                    .unwrap()
                    .is_empty()
            );
        },
    );
}
