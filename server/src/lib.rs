//! The reference server of the booking engine: the seed's HTTP API over `rdv-core`'s use
//! cases and `rdv-storage`'s backends, with authentication, one error format, rate limits,
//! structured logs, metrics and generated OpenAPI documentation.
//!
//! It holds no booking rule: handlers authenticate, scope and call the core.
//!
//! # Module order
//!
//! Modules depend only on those before them (no import circle):
//!
//! 1. `config` — settings; imports no other module.
//! 2. `observe` — request ids, the log line, metrics; imports no other module.
//! 3. `error` — the problem format and every code with its status; imports `observe`.
//! 4. `auth` — passwords, tokens and the session extractors, over the [`auth::SessionCheck`]
//!    trait instead of the state; imports `error`, `observe`.
//!    Beside it, `images` — reading, validating and re-encoding uploads, and the image file
//!    stores (local folder, S3); imports `auth`, `config`, `error`.
//! 5. `state` — use cases, cache, limits, and the one write path ([`state::Writes`]); imports
//!    `auth`, `config`, `error`, `images`, `observe`.
//! 6. `routes`, `notify`, `demo` — import the modules above; `pages` (the HTML behind the
//!    links sent by email) imports `error` and `state`; then `app` (the router) imports
//!    `routes` and `pages`, and this file wires everything.

pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod images;
pub mod imports;
pub mod notify;
pub mod observe;
pub mod pages;
pub mod pdf;
pub mod routes;
pub mod state;

use std::net::SocketAddr;
use std::sync::Arc;

use rdv_core::usecases::UseCases;
use rdv_storage::AnyStore;

use crate::config::{Config, ConfigError, LogFormat};
use crate::state::{AppState, Inner, ServerClock, V7Ids};

/// Creates the folder of a `sqlite://` database file if needed.
pub fn ensure_sqlite_folder(database_url: &str) -> Result<(), ConfigError> {
    let Some(path) = database_url
        .strip_prefix("sqlite://")
        .or_else(|| database_url.strip_prefix("sqlite:"))
    else {
        return Ok(());
    };
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.starts_with(":memory:") {
        return Ok(());
    }
    if let Some(parent) = std::path::Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(parent)
            .map_err(|e| ConfigError(format!("cannot create {}: {e}", parent.display())))?;
    }
    Ok(())
}

/// Opens (and migrates) the database and wires the state. `config` must have passed
/// [`Config::check`].
pub async fn build_state(config: Config) -> Result<AppState, ConfigError> {
    notify::install_tls_provider();
    ensure_sqlite_folder(&config.database_url)?;
    let cipher = config.cipher()?;
    let store = AnyStore::open(&config.database_url, cipher)
        .await
        .map_err(|e| {
            ConfigError(format!(
                "database {}: {e}",
                redact_url(&config.database_url)
            ))
        })?;
    let tokens = auth::TokenKeys::new(
        config.jwt_secret.expose().as_bytes(),
        &config.jwt_issuer,
        &config.jwt_audience,
        i64::from(config.access_token_seconds),
    );
    let mut decoy = [0u8; 24];
    auth::random_bytes(&mut decoy);
    let decoy_hash = auth::hash_password(hex::encode(decoy))
        .await
        .map_err(|e| ConfigError(format!("argon2: {e:?}")))?;
    let images = images::Objects::open(&config)?;
    Ok(Arc::new(Inner::new(
        UseCases::new(store, ServerClock::default(), V7Ids),
        config,
        tokens,
        decoy_hash,
        images,
    )))
}

/// A database URL without its password, for messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}{user}:***{}", &url[..scheme + 3], &url[at..])
        }
        _ => url.to_owned(),
    }
}

/// Installs the log subscriber (JSON lines or text).
pub fn init_logging(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match config.log_format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Serves the application on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            tick.tick().await;
            limits_state.limits.prune();
        }
    });
    if state.config.archive_after_days > 0 {
        tokio::spawn(archive_daily(state.clone()));
    }
    tokio::spawn(offer_waitlist_seats(state.clone()));
    tokio::spawn(fold_statistics(state.clone()));
    let worker = if state.config.notify_worker {
        let notifier = notify::Notifier::new(state.clone())
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let handle = tokio::spawn(Arc::new(notifier).run(stopped));
        Some((stop, handle))
    } else {
        None
    };
    let app = app::router(state);
    let listener = axum::serve::ListenerExt::tap_io(app::ProblemListener(listener), app::untouched);
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    if let Some((stop, handle)) = worker {
        let _ = stop.send(true);
        let _ = handle.await;
    }
    served
}

/// Archives finished reservations at start-up and then every 24 hours (PERF-5); a failed run
/// is logged and tried again the next day. Several instances may run it: each run moves what
/// is left in one transaction.
async fn archive_daily(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(24 * 3600));
    loop {
        tick.tick().await;
        let days = state.config.archive_after_days;
        match state.writes().archive_finished_reservations(days).await {
            Ok(moved) => tracing::info!(moved, after_days = days, "archived finished reservations"),
            Err(e) => tracing::error!(error = %e, "archiving failed; next try in 24 hours"),
        }
    }
}

/// Folds the reservation changes recorded for the statistics' rollup into it every minute, so
/// that the fold a statistics read does first stays short (storage migrations 0015 / 0014); a
/// failed run is logged and tried again at the next tick.
async fn fold_statistics(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = state.store().fold_stats().await {
            tracing::error!(error = %e, "folding the statistics' rollup failed; next try soon");
        }
    }
}

/// Offers freed seats to waitlisted clients every 15 seconds and tells each by email; a failed
/// run is logged and tried again at the next tick.
async fn offer_waitlist_seats(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(15));
    loop {
        tick.tick().await;
        match routes::waitlist::offer_and_tell(&state).await {
            Ok(0) => {}
            Ok(offered) => tracing::info!(offered, "offered freed seats to waitlisted clients"),
            Err(e) => tracing::error!(error = %e, "waitlist offers failed; next try soon"),
        }
    }
}

/// Runs the notification delivery worker alone until `shutdown` completes, then lets the
/// sends in flight finish and gives back the other leases.
pub async fn run_worker(
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ConfigError> {
    let notifier = Arc::new(notify::Notifier::new(state)?);
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let handle = tokio::spawn(notifier.run(stopped));
    shutdown.await;
    let _ = stop.send(true);
    let _ = handle.await;
    Ok(())
}
