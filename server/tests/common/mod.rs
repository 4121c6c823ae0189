//! A real server on 127.0.0.1, port 0, with its own database per test: a SQLite file in a
//! temporary folder removed after the test (also when it panics), or a fresh PostgreSQL schema
//! in `TEST_DATABASE_URL`. Without a reachable PostgreSQL its tests fail when `CI` is set and
//! are otherwise skipped and listed as such ([`environment`], shared with the storage tests).

#![allow(
    dead_code,
    reason = "each test crate uses a different part of these helpers"
)]

use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;

use rdv_server::config::{Config, Secret};
use rdv_server::state::AppState;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[path = "../../../storage/tests/common/environment.rs"]
pub mod environment;

/// `TEST_DATABASE_URL` when it is set and reachable; otherwise `None` once the running test
/// has been recorded as skipped (or has failed, in CI).
pub fn pg_url() -> Option<String> {
    environment::postgres_url()
}

/// Runs a test body against a fresh server on `backend`. The server's temporary folder (its
/// SQLite database) is removed after the runtime and the server have stopped, also when the
/// test panics.
pub fn run<F, Fut>(backend: Backend, tweak: impl FnOnce(&mut Config), body: F)
where
    F: FnOnce(Srv) -> Fut,
    Fut: Future<Output = ()>,
{
    if backend == Backend::Postgres && pg_url().is_none() {
        return;
    }
    // Declared before the runtime, so dropped after it.
    let folder = environment::temp_dir("rdv-server-");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let path = folder.path();
    rt.block_on(async move {
        let srv = Srv::start(backend, path, tweak).await;
        body(srv).await;
    });
}

async fn database_url(backend: Backend, folder: &Path) -> String {
    match backend {
        Backend::Sqlite => format!("sqlite://{}/rdv.db", folder.display()),
        Backend::Postgres => {
            let url = pg_url().expect("checked");
            let schema = format!("srv_{}", uuid::Uuid::new_v4().simple());
            let mut admin = <sqlx_conn::PgConnection as sqlx_conn::Connection>::connect(&url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            for sql in [
                "SELECT pg_advisory_lock(7331)".to_owned(),
                "CREATE EXTENSION IF NOT EXISTS btree_gist SCHEMA public".to_owned(),
                "CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public".to_owned(),
                "SELECT pg_advisory_unlock(7331)".to_owned(),
                format!("CREATE SCHEMA {schema}"),
            ] {
                sqlx_conn::query(&sql)
                    .execute(&mut admin)
                    .await
                    .expect("setup");
            }
            let sep = if url.contains('?') { '&' } else { '?' };
            format!("{url}{sep}options=-c%20search_path%3D{schema}%2Cpublic")
        }
    }
}

mod sqlx_conn {
    pub use sqlx::{Connection, PgConnection, query};
}

pub struct Srv {
    pub base: String,
    pub addr: SocketAddr,
    pub state: AppState,
    pub http: reqwest::Client,
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Resp {
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }
}

impl std::fmt::Debug for Resp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.text)
    }
}

impl Srv {
    /// Starts a server on `backend`; a SQLite database goes in `folder`.
    pub async fn start(backend: Backend, folder: &Path, tweak: impl FnOnce(&mut Config)) -> Srv {
        let mut config = Config::default();
        config.database_url = database_url(backend, folder).await;
        config.jwt_secret = Secret::new("test-secret-test-secret-test-secret-42");
        config.encryption_key = Secret::new("cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q=");
        config.rate_limit_per_minute = 100_000;
        config.auth_rate_limit_per_minute = 100_000;
        config.account_rate_limit_per_minute = 100_000;
        config.cors_origins = vec!["https://app.example".into()];
        // Uploaded images go to the test's own folder, whatever the backend (PostgreSQL's
        // default would be `data/images` under the working directory).
        config.images_dir = folder.join("images").display().to_string();
        tweak(&mut config);
        config.check().expect("test config");
        let state = rdv_server::build_state(config).await.expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
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

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        Self::finish(req).await
    }

    pub async fn finish(req: reqwest::RequestBuilder) -> Resp {
        let res = req.send().await.expect("request");
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Resp {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: Value) -> Resp {
        self.call(Method::PUT, path, token, Some(body)).await
    }

    pub async fn delete(&self, path: &str, token: Option<&str>) -> Resp {
        self.call(Method::DELETE, path, token, None).await
    }

    /// The newest outbox message of `kind` to `email` (waits for background writes).
    pub async fn outbox_token(&self, email: &str, kind: &str) -> String {
        use rdv_storage::accounts::AccountStore as _;
        for _ in 0..100 {
            let messages = self.state.store().outbox_for(email).await.expect("outbox");
            if let Some(m) = messages.iter().rev().find(|m| m.kind == kind) {
                return m.payload["token"].as_str().expect("token").to_owned();
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        panic!("no {kind} message to {email}");
    }

    /// Registers, verifies and signs in; the token pair.
    pub async fn account(&self, email: &str, role: &str) -> Value {
        let r = self
            .post(
                "/api/auth/register/",
                None,
                json!({"email": email, "password": PASSWORD, "role": role,
                       "first_name": "Jeanne", "last_name": "Dupont", "phone": "+33 6 12 34 56 78"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let token = self.outbox_token(email, "email_verification").await;
        let r = self
            .post("/api/auth/verify-email/", None, json!({"token": token}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        self.login(email, PASSWORD).await
    }

    pub async fn login(&self, email: &str, password: &str) -> Value {
        let r = self
            .post(
                "/api/auth/login/",
                None,
                json!({"email": email, "password": password}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{r:?}");
        r.body
    }

    /// An access token of a new client.
    pub async fn client(&self, email: &str) -> String {
        self.account(email, "client").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    /// An owner with a validated business (always open, Europe/Paris), one resource, one
    /// 30-minute service, and an availability window tomorrow 08:00–18:00 UTC.
    pub async fn owner(&self, email: &str) -> Owner {
        let token = self.account(email, "owner").await["access_token"]
            .as_str()
            .unwrap()
            .to_owned();
        self.open_business(token).await
    }

    /// The validated business of the signed-in owner whose access token is `token`: one
    /// resource, one 30-minute service, and a window tomorrow 08:00–18:00 UTC.
    pub async fn open_business(&self, token: String) -> Owner {
        let t = Some(token.as_str());
        let r = self
            .post(
                "/api/entreprise/mon-entreprise/",
                t,
                business_body("Salon Test"),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let business = r.body["id"].as_str().unwrap().to_owned();
        let r = self
            .post(
                "/api/entreprise/ressources/",
                t,
                json!({"name": "Alice", "kind": "staff"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let resource = r.body["id"].as_str().unwrap().to_owned();
        let r = self
            .post("/api/entreprise/services/", t, service_body(&resource))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let service = r.body["id"].as_str().unwrap().to_owned();
        let day = tomorrow();
        let r = self
            .post(
                "/api/entreprise/disponibilites/",
                t,
                json!({"resource_id": resource, "start": format!("{day}T08:00:00Z"), "end": format!("{day}T18:00:00Z")}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{r:?}");
        let window = r.body["id"].as_str().unwrap().to_owned();
        self.state
            .writes()
            .validate_business(business.parse().unwrap())
            .await
            .expect("validate");
        Owner {
            token,
            business,
            resource,
            service,
            window,
            day,
        }
    }

    /// A verified admin's access token.
    pub async fn admin(&self, email: &str) -> String {
        rdv_server::demo::create_admin(&self.state, email, PASSWORD)
            .await
            .expect("admin");
        self.login(email, PASSWORD).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

/// Queues one email and makes it a dead letter (as if every attempt had failed); its id.
pub async fn dead_letter(srv: &Srv) -> uuid::Uuid {
    use rdv_storage::accounts::{AccountStore as _, OutboxMessage};
    use rdv_storage::notifications::{Channel, NotificationStore as _};
    let now = srv.state.now();
    let id = uuid::Uuid::new_v4();
    let message = OutboxMessage {
        id,
        dedup_key: format!("test-dead:{id}"),
        kind: "password_reset".into(),
        channel: Channel::Email,
        recipient: "nobody@example.com".into(),
        payload: json!({"locale": "en", "link": "x", "expires_minutes": 30}),
        created_at: now,
    };
    let store = srv.state.store();
    store.enqueue_messages(&[message]).await.expect("enqueue");
    let worker = format!("test-{id}");
    let claimed = store
        .claim_deliveries(&worker, &[Channel::Email], now, now.add_secs(60), 1000)
        .await
        .expect("claim");
    assert!(claimed.iter().any(|d| d.message.id == id), "claimed");
    store
        .mark_failed(id, &worker, "test: refused", None)
        .await
        .expect("dead");
    store
        .release_leases(&worker)
        .await
        .expect("release the others");
    id
}

pub struct Owner {
    pub token: String,
    pub business: String,
    pub resource: String,
    pub service: String,
    pub window: String,
    /// Tomorrow (UTC), `YYYY-MM-DD`.
    pub day: String,
}

impl Owner {
    pub fn t(&self) -> Option<&str> {
        Some(self.token.as_str())
    }

    /// `HH:MM` tomorrow as an RFC 3339 UTC instant.
    pub fn at(&self, hhmm: &str) -> String {
        format!("{}T{hhmm}:00Z", self.day)
    }
}

pub fn tomorrow() -> String {
    (chrono::Utc::now() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string()
}

pub fn business_body(name: &str) -> Value {
    let day = json!([{"start": "00:00", "end": "24:00"}]);
    json!({
        "name": name,
        "domain": "coiffure",
        "description": "Salon de test",
        "city": "Lyon",
        "address": {"street": "1 rue A", "postal_code": "69001", "city": "Lyon", "country": "FR"},
        "time_zone": "Europe/Paris",
        "opening_hours": {"monday": day, "tuesday": day, "wednesday": day, "thursday": day,
                          "friday": day, "saturday": day, "sunday": day},
        "closures": []
    })
}

pub fn service_body(resource: &str) -> Value {
    json!({
        "name": "Coupe",
        "description": "Coupe simple",
        "price": {"amount_minor": 2500, "currency": "EUR"},
        "rules": {"duration_minutes": 30, "step_minutes": 30, "buffer_before_minutes": 0,
                  "buffer_after_minutes": 0, "min_notice_minutes": 0, "horizon_days": 60, "seats": 1},
        "resource_ids": [resource],
        "cancellation_deadline_minutes": 60,
        "max_reschedules": 2
    })
}

/// Declares one test per backend for each listed async test function `fn(Srv)`; with
/// `config = f;` first, each server's configuration goes through `f` before it starts.
#[macro_export]
macro_rules! server_tests {
    (config = $tweak:path; $($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::common::run($crate::common::Backend::Sqlite, $tweak, super::$name);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    $crate::common::run($crate::common::Backend::Postgres, $tweak, super::$name);
                }
            )*
        }
    };
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() {
                    $crate::common::run($crate::common::Backend::Sqlite, |_| {}, super::$name);
                }
            )*
        }
        mod postgres {
            $(
                #[test]
                fn $name() {
                    $crate::common::run($crate::common::Backend::Postgres, |_| {}, super::$name);
                }
            )*
        }
    };
}
