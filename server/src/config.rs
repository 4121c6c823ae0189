//! Typed configuration (OPS-1..3): built-in defaults, then an optional TOML file, then
//! environment variables (`RDV_<FIELD>`, plus the conventional `DATABASE_URL`); a `.env` file
//! is loaded into the environment when present. Secrets may also come from a file named by
//! `RDV_<FIELD>_FILE` and never appear in `Debug` output or logs.
//!
//! The `prod` profile refuses insecure settings and says which ([`Config::check`]).

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// A secret value: usable, never printed.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value, for the one place that needs it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether no value was configured.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str("Secret(<unset>)")
        } else {
            f.write_str("Secret(<redacted>)")
        }
    }
}

/// Deployment profile.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// A developer's machine: missing secrets are generated (with a warning), logs are text.
    #[default]
    Dev,
    /// Pre-production: like `prod` but insecure settings only warn.
    Staging,
    /// Production: insecure settings stop the server.
    Prod,
}

/// Log line format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One JSON object per line (ERR-4).
    #[default]
    Json,
    /// Human-readable lines.
    Text,
}

/// Everything the server reads at start-up.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// `dev`, `staging` or `prod` (env `RDV_PROFILE`).
    pub profile: Profile,
    /// Address to listen on (env `RDV_BIND`). Default `127.0.0.1:8080`.
    pub bind: SocketAddr,
    /// Database URL: `sqlite://data/rdv.db` (default, created with its folder) or
    /// `postgres://user@host/db` (env `DATABASE_URL` or `RDV_DATABASE_URL`).
    pub database_url: String,
    /// Public base URL of this server (env `RDV_PUBLIC_URL`); links sent by email start with
    /// it unless `links_base_url` is set.
    pub public_url: String,
    /// Base URL of the links sent by email (env `RDV_LINKS_BASE_URL`): `/verify-email?token=…`,
    /// `/reset-password?token=…`, `/reservations/{id}`, `/reservations/{id}/cancel` and
    /// `/business/reservations/{id}` are appended to it. Empty (the default): `public_url`,
    /// whose pages this server serves. Set it when your own front end answers those paths.
    pub links_base_url: String,
    /// HMAC key of access tokens, at least 32 bytes (env `RDV_JWT_SECRET` or
    /// `RDV_JWT_SECRET_FILE`). Generated per start in `dev` when unset.
    pub jwt_secret: Secret,
    /// `iss` claim of access tokens.
    pub jwt_issuer: String,
    /// `aud` claim of access tokens.
    pub jwt_audience: String,
    /// Lifetime of an access token, in seconds (default 900).
    pub access_token_seconds: u32,
    /// Lifetime of a refresh token, in days (default 30).
    pub refresh_token_days: u32,
    /// AES-256 key for fields encrypted at rest, base64 of 32 bytes (env
    /// `RDV_ENCRYPTION_KEY` or `RDV_ENCRYPTION_KEY_FILE`). A fixed development key in `dev`.
    pub encryption_key: Secret,
    /// Identifier of `encryption_key`, written beside each encrypted value (key rotation).
    pub encryption_key_id: String,
    /// Browser origins allowed by CORS, e.g. `https://app.example.com` (comma-separated in
    /// env `RDV_CORS_ORIGINS`). Empty: no cross-origin access. `*` is refused in `prod`.
    pub cors_origins: Vec<String>,
    /// Largest request body, in bytes (default 65536).
    pub body_limit_bytes: u32,
    /// Requests per minute allowed per client IP on the whole API (default 1200).
    pub rate_limit_per_minute: u32,
    /// Requests per minute allowed per client IP on `/api/auth/` (default 20).
    pub auth_rate_limit_per_minute: u32,
    /// Requests per minute allowed per signed-in account (default 600).
    pub account_rate_limit_per_minute: u32,
    /// Password reset emails per account per hour (default 3).
    pub password_resets_per_hour: u32,
    /// Validity of a password reset link, in minutes (default 30).
    pub password_reset_minutes: u32,
    /// Validity of an email verification link, in hours (default 48).
    pub email_verification_hours: u32,
    /// Validity of a staff invitation link, in days (default 7).
    pub staff_invitation_days: u32,
    /// Log format.
    pub log_format: LogFormat,
    /// Log filter, `tracing` syntax (env `RDV_LOG` or `RUST_LOG`). Default `info`.
    pub log_level: String,
    /// Load demo data at start-up (flag `--demo`).
    pub demo: bool,
    /// Folder of the booking widget served at `/widget/` (relative to the working directory).
    pub widget_dir: String,
    /// Folder of the built WASM package (web target) served at `/widget/pkg/`; build it with
    /// `bash bindings-wasm/build.sh`.
    pub wasm_pkg_dir: String,
    /// Run the notification delivery worker inside `serve` (default true). Turn it off when
    /// workers run apart with `rdv-server worker`.
    pub notify_worker: bool,
    /// Reservations that ended more than this many days ago move to the archive (PERF-5),
    /// once at start-up and then daily inside `serve`, or with `rdv-server archive`
    /// (default 90; 0 turns the daily run off; at most 3650). Lists, statistics and the
    /// calendar read the archive when asked.
    pub archive_after_days: u32,
    /// How long a freed seat is held for the waitlisted client it is offered to, in minutes
    /// (default 30, 1 to 10080), before it passes to the next client.
    pub waitlist_offer_minutes: u32,
    /// Messages delivered at once by one worker (default 4).
    pub notify_concurrency: u32,
    /// How often the worker looks for due work, in milliseconds (default 1000).
    pub notify_poll_ms: u32,
    /// Attempts before a message becomes a dead letter (default 8).
    pub notify_max_attempts: u32,
    /// Delay before the first retry, in seconds; doubled at each attempt, with jitter
    /// (default 30).
    pub notify_backoff_base_seconds: u32,
    /// Longest delay between two attempts, in seconds (default 3600).
    pub notify_backoff_max_seconds: u32,
    /// How long a claimed message stays reserved to its worker, in seconds (default 120);
    /// after that another worker may take it over.
    pub notify_lease_seconds: u32,
    /// Time limit of one delivery attempt, in seconds (default 20).
    pub notify_send_timeout_seconds: u32,
    /// When reminders go out, in minutes before the start (default `1440`, 24 hours;
    /// comma-separated in env `RDV_NOTIFY_REMINDER_MINUTES`). Real durations: across a DST
    /// change, 24 hours before 10:00 is 11:00 or 09:00 local on the day before.
    pub notify_reminder_minutes: Vec<u32>,
    /// Folder whose `<locale>/<name>.j2` files replace the built-in templates (empty: none).
    pub notify_templates_dir: String,
    /// SMTP server host; empty disables email delivery (messages wait in the outbox).
    pub smtp_host: String,
    /// SMTP port (default 587).
    pub smtp_port: u32,
    /// `starttls` (default), `tls` (implicit TLS, usually port 465) or `none` (plain,
    /// refused in `prod` unless the host is local).
    pub smtp_tls: String,
    /// SMTP user name (empty: no authentication).
    pub smtp_username: String,
    /// SMTP password (env `RDV_SMTP_PASSWORD` or `RDV_SMTP_PASSWORD_FILE`).
    pub smtp_password: Secret,
    /// Sender of emails, e.g. `Rdv <no-reply@example.com>`.
    pub smtp_from: String,
    /// Base URL of the SMS provider's Twilio-style Messages API, e.g.
    /// `https://api.twilio.com`; empty disables SMS delivery.
    pub sms_base_url: String,
    /// Account SID (user name of the provider's basic auth, part of the path).
    pub sms_account_sid: String,
    /// Auth token (env `RDV_SMS_AUTH_TOKEN` or `RDV_SMS_AUTH_TOKEN_FILE`).
    pub sms_auth_token: Secret,
    /// Sender number or name of text messages.
    pub sms_from: String,
    /// Days sent and dead messages, processed notification events and expired refresh
    /// tokens are kept before the worker deletes them (default 30; more than the longest
    /// reminder offset).
    pub retention_days: u32,
    /// Hours an `Idempotency-Key` is remembered (default 24).
    pub idempotency_hours: u32,
    /// Let webhooks reach loopback, private and link-local addresses (default false: public
    /// addresses only, against server-side request forgery). Set it for receivers inside your
    /// own network.
    pub webhook_private_targets: bool,
    /// Largest uploaded image, in bytes (default 5 MB), counted while the body streams in.
    pub image_max_bytes: u32,
    /// Most pixels (width × height) of an uploaded image, read from its header before any
    /// decoding (default 40,000,000).
    pub image_max_pixels: u32,
    /// Folder of the image files (local storage, the default). Empty: `images` beside the
    /// SQLite database file, or `data/images` with PostgreSQL.
    pub images_dir: String,
    /// S3-compatible endpoint of image storage, e.g. `https://s3.eu-west-3.amazonaws.com`;
    /// empty (default) keeps images in `images_dir`.
    pub s3_endpoint: String,
    /// Bucket of the images (S3 storage).
    pub s3_bucket: String,
    /// Region of the bucket (default `us-east-1`).
    pub s3_region: String,
    /// Access key id (S3 storage).
    pub s3_access_key: String,
    /// Secret access key (env `RDV_S3_SECRET_KEY` or `RDV_S3_SECRET_KEY_FILE`).
    pub s3_secret_key: Secret,
    /// Largest imported file, in bytes (default 5 MB; env `RDV_IMPORT_MAX_BYTES`).
    pub import_max_bytes: u32,
    /// Most data rows of one imported file (default 10,000).
    pub import_max_rows: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            profile: Profile::Dev,
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://data/rdv.db".into(),
            public_url: "http://127.0.0.1:8080".into(),
            links_base_url: String::new(),
            jwt_secret: Secret::default(),
            jwt_issuer: "rdv".into(),
            jwt_audience: "rdv-api".into(),
            access_token_seconds: 900,
            refresh_token_days: 30,
            encryption_key: Secret::default(),
            encryption_key_id: "k1".into(),
            cors_origins: Vec::new(),
            body_limit_bytes: 64 * 1024,
            rate_limit_per_minute: 1200,
            auth_rate_limit_per_minute: 20,
            account_rate_limit_per_minute: 600,
            password_resets_per_hour: 3,
            password_reset_minutes: 30,
            email_verification_hours: 48,
            staff_invitation_days: 7,
            log_format: LogFormat::Json,
            log_level: "info".into(),
            demo: false,
            widget_dir: "examples/web-widget".into(),
            wasm_pkg_dir: "bindings-wasm/pkg/web".into(),
            notify_worker: true,
            archive_after_days: 90,
            waitlist_offer_minutes: rdv_core::waitlist::DEFAULT_OFFER_MINUTES,
            notify_concurrency: 4,
            notify_poll_ms: 1000,
            notify_max_attempts: 8,
            notify_backoff_base_seconds: 30,
            notify_backoff_max_seconds: 3600,
            notify_lease_seconds: 120,
            notify_send_timeout_seconds: 20,
            notify_reminder_minutes: vec![24 * 60],
            notify_templates_dir: String::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_tls: "starttls".into(),
            smtp_username: String::new(),
            smtp_password: Secret::default(),
            smtp_from: "Rdv <no-reply@localhost>".into(),
            sms_base_url: String::new(),
            sms_account_sid: String::new(),
            sms_auth_token: Secret::default(),
            sms_from: String::new(),
            retention_days: 30,
            idempotency_hours: 24,
            webhook_private_targets: false,
            image_max_bytes: 5 * 1024 * 1024,
            image_max_pixels: 40_000_000,
            images_dir: String::new(),
            s3_endpoint: String::new(),
            s3_bucket: String::new(),
            s3_region: "us-east-1".into(),
            s3_access_key: String::new(),
            s3_secret_key: Secret::default(),
            import_max_bytes: 5 * 1024 * 1024,
            import_max_rows: 10_000,
        }
    }
}

/// Fixed key used in `dev` when none is configured: development data is not secret.
const DEV_ENCRYPTION_KEY: &str = "cmR2LWRldmVsb3BtZW50LWtleS1ub3QtZm9yLXByb2Q=";

/// Fields whose values are secrets (they may come from `RDV_<FIELD>_FILE`).
const SECRET_FIELDS: [&str; 5] = [
    "jwt_secret",
    "encryption_key",
    "smtp_password",
    "sms_auth_token",
    "s3_secret_key",
];

/// A configuration problem, naming the setting.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Loads defaults < `file` (if given) < the environment `env` (name → value).
    pub fn load(
        file: Option<&Path>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Config, ConfigError> {
        let mut value = serde_json::to_value(Config::default())
            .map_err(|e| ConfigError(format!("default configuration: {e}")))?;
        let map = value
            .as_object_mut()
            .expect("Config serialises to an object");
        if let Some(path) = file {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))?;
            let table: toml::Table = toml::from_str(&text)
                .map_err(|e| ConfigError(format!("config file {}: {e}", path.display())))?;
            for (key, v) in table {
                if !map.contains_key(&key) {
                    return Err(ConfigError(format!(
                        "config file {}: unknown setting {key:?}",
                        path.display()
                    )));
                }
                let v = serde_json::to_value(v)
                    .map_err(|e| ConfigError(format!("config file setting {key}: {e}")))?;
                map.insert(key, v);
            }
        }
        let keys: Vec<String> = map.keys().cloned().collect();
        for key in keys {
            let var = format!("RDV_{}", key.to_uppercase());
            let mut raw = env(&var);
            if raw.is_none() && key == "database_url" {
                raw = env("DATABASE_URL");
            }
            if raw.is_none() && key == "log_level" {
                raw = env("RDV_LOG").or_else(|| env("RUST_LOG"));
            }
            let file_var = format!("{var}_FILE");
            if let (None, true, Some(path)) =
                (&raw, SECRET_FIELDS.contains(&key.as_str()), env(&file_var))
            {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| ConfigError(format!("{file_var} ({path}): {e}")))?;
                raw = Some(text.trim().to_owned());
            }
            let Some(raw) = raw else { continue };
            let current = &map[&key];
            let parsed = match current {
                serde_json::Value::Bool(_) => match raw.as_str() {
                    "1" | "true" | "yes" => serde_json::Value::Bool(true),
                    "0" | "false" | "no" => serde_json::Value::Bool(false),
                    _ => return Err(ConfigError(format!("{var} must be true or false"))),
                },
                serde_json::Value::Number(_) => serde_json::Value::Number(
                    raw.trim()
                        .parse::<u32>()
                        .map_err(|_| ConfigError(format!("{var} must be a whole number")))?
                        .into(),
                ),
                serde_json::Value::Array(items) => {
                    let numbers = items.first().is_some_and(serde_json::Value::is_number);
                    let mut parsed = Vec::new();
                    for item in raw.split(',').map(str::trim).filter(|s| !s.is_empty()) {
                        parsed.push(if numbers {
                            serde_json::Value::Number(
                                item.parse::<u32>()
                                    .map_err(|_| {
                                        ConfigError(format!("{var} must be whole numbers"))
                                    })?
                                    .into(),
                            )
                        } else {
                            serde_json::Value::String(item.to_owned())
                        });
                    }
                    serde_json::Value::Array(parsed)
                }
                _ => serde_json::Value::String(raw),
            };
            map.insert(key, parsed);
        }
        serde_json::from_value(value).map_err(|e| ConfigError(format!("configuration: {e}")))
    }

    /// Checks the settings for the profile. `prod` refuses insecure ones (all listed at once);
    /// `dev` fills missing secrets. Returns warnings to log.
    pub fn check(&mut self) -> Result<Vec<String>, ConfigError> {
        let mut problems = Vec::new();
        if self.archive_after_days > rdv_core::lifecycle::MAX_ARCHIVE_AFTER_DAYS {
            problems.push(format!(
                "archive_after_days must be at most {} (0 turns the daily archiving off)",
                rdv_core::lifecycle::MAX_ARCHIVE_AFTER_DAYS
            ));
        }
        if !(1..=30).contains(&self.staff_invitation_days) {
            problems.push("staff_invitation_days must be between 1 and 30".to_owned());
        }
        if let Err(e) = rdv_core::waitlist::offer_expiry(
            rdv_core::Timestamp::from_secs(0),
            self.waitlist_offer_minutes,
        ) {
            problems.push(e.to_string());
        }
        if self.jwt_secret.expose().len() < 32 {
            problems.push(if self.jwt_secret.is_empty() {
                "jwt_secret is missing (RDV_JWT_SECRET or RDV_JWT_SECRET_FILE)".to_owned()
            } else {
                "jwt_secret is shorter than 32 bytes".to_owned()
            });
        }
        if self.encryption_key.is_empty() {
            problems.push(
                "encryption_key is missing (RDV_ENCRYPTION_KEY or RDV_ENCRYPTION_KEY_FILE)".into(),
            );
        } else if self.cipher().is_err() {
            return Err(ConfigError(
                "encryption_key must be the base64 encoding of 32 bytes".into(),
            ));
        }
        if self.demo {
            problems.push("demo is on: demo accounts have a published password".into());
        }
        if self.cors_origins.iter().any(|o| o.trim() == "*") {
            problems.push("cors_origins contains \"*\"; list the allowed origins".into());
        }
        if !["starttls", "tls", "none"].contains(&self.smtp_tls.as_str()) {
            return Err(ConfigError("smtp_tls must be starttls, tls or none".into()));
        }
        let local_smtp = ["localhost", "127.0.0.1", "::1"].contains(&self.smtp_host.as_str());
        if self.smtp_tls == "none" && !self.smtp_host.is_empty() && !local_smtp {
            problems.push("smtp_tls is none: mail and SMTP credentials travel in clear".into());
        }
        for (name, url) in [
            ("public_url", &self.public_url),
            ("links_base_url", &self.links_base_url),
        ] {
            let absolute = url.starts_with("https://") || url.starts_with("http://");
            if !(absolute || (name == "links_base_url" && url.is_empty())) {
                return Err(ConfigError(format!(
                    "{name} must be an absolute http:// or https:// URL (links in emails start \
                     with it), not {url:?}"
                )));
            }
        }
        if self.notify_concurrency == 0 || self.notify_max_attempts == 0 {
            return Err(ConfigError(
                "notify_concurrency and notify_max_attempts must be at least 1".into(),
            ));
        }
        let longest_reminder = self
            .notify_reminder_minutes
            .iter()
            .max()
            .copied()
            .unwrap_or(0);
        if u64::from(self.retention_days) * 1440 <= u64::from(longest_reminder)
            || self.idempotency_hours == 0
        {
            return Err(ConfigError(
                "retention_days must exceed the longest of notify_reminder_minutes (a purged \
                 reminder could be sent again) and idempotency_hours must be at least 1"
                    .into(),
            ));
        }
        if self.profile == Profile::Prod && !problems.is_empty() {
            return Err(ConfigError(format!(
                "refusing to start in prod with insecure settings: {}",
                problems.join("; ")
            )));
        }
        if self.jwt_secret.expose().len() < 32 {
            let mut bytes = [0u8; 32];
            rand::fill(&mut bytes);
            self.jwt_secret = Secret::new(hex::encode(bytes));
            problems.push("generated a random jwt_secret for this run: tokens end with it".into());
        }
        if self.encryption_key.is_empty() {
            self.encryption_key = Secret::new(DEV_ENCRYPTION_KEY);
            problems.push("using the fixed development encryption_key".into());
        }
        self.cors_origins.retain(|o| o.trim() != "*");
        Ok(problems)
    }

    /// The base of the links sent by email: `links_base_url`, or `public_url` when it is
    /// empty, without a trailing slash.
    pub fn links_base(&self) -> &str {
        let base = if self.links_base_url.is_empty() {
            &self.public_url
        } else {
            &self.links_base_url
        };
        base.trim_end_matches('/')
    }

    /// How long settled rows are kept ([`rdv_storage::accounts::Retention`]).
    pub fn retention(&self) -> rdv_storage::accounts::Retention {
        rdv_storage::accounts::Retention {
            settled_secs: i64::from(self.retention_days) * 86_400,
            idempotency_secs: i64::from(self.idempotency_hours) * 3600,
        }
    }

    /// The field cipher built from `encryption_key`.
    pub fn cipher(&self) -> Result<rdv_storage::FieldCipher, ConfigError> {
        use base64::Engine as _;
        let key = base64::engine::general_purpose::STANDARD
            .decode(self.encryption_key.expose().trim())
            .map_err(|_| ConfigError("encryption_key is not base64".into()))?;
        let key: [u8; 32] = key
            .try_into()
            .map_err(|_| ConfigError("encryption_key must decode to 32 bytes".into()))?;
        rdv_storage::FieldCipher::new(&self.encryption_key_id, &key)
            .map_err(|e| ConfigError(format!("encryption_key: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    #[test]
    fn environment_overrides_file_which_overrides_defaults() {
        let folder = tempfile::Builder::new()
            .prefix("rdv-config-")
            .tempdir()
            .unwrap();
        let dir = folder.path();
        let file = dir.join("rdv.toml");
        std::fs::write(
            &file,
            "bind = \"127.0.0.1:9000\"\nbody_limit_bytes = 1000\nlog_format = \"text\"\n",
        )
        .unwrap();
        let c = Config::load(
            Some(&file),
            &env(&[
                ("RDV_BODY_LIMIT_BYTES", "2000"),
                ("DATABASE_URL", "postgres://x@127.0.0.1/db"),
                ("RDV_CORS_ORIGINS", "https://a.example, https://b.example"),
                ("RDV_DEMO", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.body_limit_bytes, 2000);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.database_url, "postgres://x@127.0.0.1/db");
        assert_eq!(c.cors_origins, ["https://a.example", "https://b.example"]);
        assert!(c.demo);
        assert_eq!(c.access_token_seconds, 900);
    }

    #[test]
    fn unknown_settings_and_bad_numbers_are_refused_with_their_name() {
        let folder = tempfile::Builder::new()
            .prefix("rdv-config-")
            .tempdir()
            .unwrap();
        let dir = folder.path();
        let file = dir.join("rdv.toml");
        std::fs::write(&file, "jwt_secrett = \"x\"\n").unwrap();
        let e = Config::load(Some(&file), &env(&[])).unwrap_err();
        assert!(e.0.contains("jwt_secrett"), "{e}");
        let e = Config::load(None, &env(&[("RDV_BODY_LIMIT_BYTES", "lots")])).unwrap_err();
        assert!(e.0.contains("RDV_BODY_LIMIT_BYTES"), "{e}");
    }

    #[test]
    fn secrets_come_from_files_and_never_show_in_debug() {
        let folder = tempfile::Builder::new()
            .prefix("rdv-config-")
            .tempdir()
            .unwrap();
        let dir = folder.path();
        let file = dir.join("jwt");
        std::fs::write(&file, "s3cr3t-value-that-is-long-enough-1234\n").unwrap();
        let path = file.display().to_string();
        let c = Config::load(None, &env(&[("RDV_JWT_SECRET_FILE", &path)])).unwrap();
        assert_eq!(
            c.jwt_secret.expose(),
            "s3cr3t-value-that-is-long-enough-1234"
        );
        let debug = format!("{c:?}");
        assert!(!debug.contains("s3cr3t"), "{debug}");
        assert!(debug.contains("<redacted>"));
    }

    #[test]
    fn prod_refuses_to_start_with_insecure_settings_and_names_each() {
        let mut c = Config::load(
            None,
            &env(&[
                ("RDV_PROFILE", "prod"),
                ("RDV_JWT_SECRET", "short"),
                ("RDV_CORS_ORIGINS", "*"),
                ("RDV_DEMO", "true"),
            ]),
        )
        .unwrap();
        let e = c.check().unwrap_err().0;
        assert!(e.contains("demo is on"), "{e}");
        assert!(e.contains("jwt_secret is shorter than 32 bytes"), "{e}");
        assert!(e.contains("encryption_key is missing"), "{e}");
        assert!(e.contains("cors_origins"), "{e}");

        let mut ok = Config::load(
            None,
            &env(&[
                ("RDV_PROFILE", "prod"),
                ("RDV_JWT_SECRET", "0123456789abcdef0123456789abcdef"),
                ("RDV_ENCRYPTION_KEY", DEV_ENCRYPTION_KEY),
                ("RDV_CORS_ORIGINS", "https://app.example"),
            ]),
        )
        .unwrap();
        assert_eq!(ok.check().unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_retention_shorter_than_a_reminder_is_refused() {
        let mut c = Config::load(
            None,
            &env(&[
                ("RDV_RETENTION_DAYS", "1"),
                ("RDV_NOTIFY_REMINDER_MINUTES", "1440,2880"),
            ]),
        )
        .unwrap();
        let e = c.check().unwrap_err();
        assert!(e.to_string().contains("retention_days"), "{e}");
        c.retention_days = 3;
        assert!(c.check().is_ok());
    }

    #[test]
    fn links_start_with_links_base_url_or_else_public_url() {
        let mut c =
            Config::load(None, &env(&[("RDV_PUBLIC_URL", "https://api.example/")])).unwrap();
        c.check().unwrap();
        assert_eq!(c.links_base(), "https://api.example");
        let mut c = Config::load(
            None,
            &env(&[
                ("RDV_PUBLIC_URL", "https://api.example"),
                ("RDV_LINKS_BASE_URL", "https://www.example/account/"),
            ]),
        )
        .unwrap();
        c.check().unwrap();
        assert_eq!(c.links_base(), "https://www.example/account");
        for (var, value) in [
            ("RDV_LINKS_BASE_URL", "www.example"),
            ("RDV_PUBLIC_URL", ""),
            ("RDV_PUBLIC_URL", "ftp://files.example"),
        ] {
            let mut c = Config::load(None, &env(&[(var, value)])).unwrap();
            let setting = var.trim_start_matches("RDV_").to_lowercase();
            assert_eq!(
                c.check().unwrap_err().0,
                format!(
                    "{setting} must be an absolute http:// or https:// URL (links in emails \
                     start with it), not {value:?}"
                )
            );
        }
    }

    #[test]
    fn dev_fills_missing_secrets_and_warns() {
        let mut c = Config::load(None, &env(&[])).unwrap();
        let warnings = c.check().unwrap();
        assert!(
            warnings.iter().any(|w| w.contains("random jwt_secret")),
            "{warnings:?}"
        );
        assert!(c.jwt_secret.expose().len() >= 32);
        assert!(c.cipher().is_ok());
    }
}

#[cfg(test)]
mod env_example_tests {
    use super::*;

    /// The committed `.env.example` loads, names only real settings, and starts in `dev`.
    #[test]
    fn env_example_names_only_real_settings() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.env.example");
        let pairs: Vec<(String, String)> = dotenvy::from_path_iter(&path)
            .expect(".env.example exists")
            .map(|item| item.expect("valid line"))
            .collect();
        let known = serde_json::to_value(Config::default()).unwrap();
        for (name, _) in &pairs {
            let key = name
                .strip_prefix("RDV_")
                .map_or_else(|| name.to_lowercase(), str::to_lowercase);
            assert!(known.get(&key).is_some(), "{name} is not a setting");
        }
        let map: std::collections::HashMap<String, String> = pairs.into_iter().collect();
        let mut config = Config::load(None, &|k| map.get(k).cloned()).unwrap();
        config.check().unwrap();
        assert_eq!(config.profile, Profile::Dev);
    }
}
