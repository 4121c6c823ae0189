//! Notifications (RES-5, NOTIF-1..3, INT-3): reservation events become emails, text messages
//! and signed webhooks, delivered at least once by a worker, with reminders before each
//! appointment.
//!
//! # The path of a message
//!
//! 1. **Event.** A database trigger records every reservation change in
//!    `notification_events`, in the transaction of the change (storage migration 0004).
//!    Account messages (verification, reset) are queued in the transaction of their token.
//!    Reminders are events too, added by [`Notifier::tick`] when one is due (exactly once per
//!    reservation, offset and start: the event id is the key).
//! 2. **Fan-out** (`fanout.rs`). [`Notifier::tick`] turns each event into messages for the people who want
//!    them — the client (email and/or SMS per their preferences), the business owner (email,
//!    for the events they chose) and each webhook subscribed to the event — rendered later
//!    from the context stored with the message. Queuing and marking the event processed is
//!    one transaction; each message has a deduplication key, so repeating a fan-out after a
//!    crash queues nothing twice.
//! 3. **Delivery** (`worker.rs` for the loop, leases, backoff and outcomes; `delivery.rs` for
//!    the send on each channel). The worker claims due messages with a lease (PostgreSQL `FOR UPDATE SKIP
//!    LOCKED`, so two servers never hold the same message), sends up to
//!    `notify_concurrency` at once, and marks each sent, retried later (exponential backoff
//!    with jitter) or dead after `notify_max_attempts` or a permanent refusal. A worker that
//!    dies leaves leases that expire; another worker then sends those messages. Emails carry a
//!    `Message-ID` derived from the deduplication key and webhooks a `Rdv-Delivery` id, so a
//!    receiver can drop the copy that such a crash may cause. Shutdown lets sends in flight
//!    finish and gives back the leases of the rest.
//! 4. **Housekeeping.** At start and then hourly the worker deletes what has served its
//!    purpose ([`Notifier::purge`]): sent and dead messages and processed events older than
//!    `retention_days`, expired tokens, idempotency records older than `idempotency_hours`.

pub mod channels;
mod delivery;
mod event;
mod fanout;
pub mod ics;
pub mod targets;
pub mod templates;
mod worker;

use std::sync::Arc;
use std::time::Duration;

use rdv_core::Uuid;
use rdv_storage::notifications::Preferences;

use self::channels::{EmailSender, SmsSender};
pub use self::event::EventKind;
use self::templates::Templates;
use crate::config::ConfigError;
use crate::state::AppState;

/// Preferences of a user who never set any: email only; owners hear of new bookings,
/// client cancellations and moves.
pub fn default_preferences() -> Preferences {
    Preferences {
        email: true,
        sms: false,
        events: EventKind::FOR_OWNERS
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect(),
    }
}

/// How often the worker runs its housekeeping ([`Notifier::purge`]).
pub const PURGE_EVERY: Duration = Duration::from_secs(3600);

/// What one [`Notifier::tick`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TickReport {
    /// Reminder events recorded.
    pub reminders: u64,
    /// Events turned into messages.
    pub events: usize,
    /// Messages claimed.
    pub claimed: usize,
    /// Messages delivered.
    pub sent: usize,
    /// Failed attempts (retried later or dead).
    pub failed: usize,
}

/// The delivery worker.
pub struct Notifier {
    state: AppState,
    templates: Templates,
    email: Option<EmailSender>,
    sms: Option<SmsSender>,
    http: reqwest::Client,
    worker_id: String,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("worker_id", &self.worker_id)
            .field("email", &self.email.is_some())
            .field("sms", &self.sms.is_some())
            .finish_non_exhaustive()
    }
}

/// Installs ring as the process's TLS provider (HTTP client); calling it again does nothing.
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

impl Notifier {
    /// A worker with the channels the configuration enables and its templates compiled.
    pub fn new(state: AppState) -> Result<Notifier, ConfigError> {
        install_tls_provider();
        let config = &state.config;
        let templates = Templates::load(&config.notify_templates_dir)?;
        let email = EmailSender::from_config(config)?;
        let sms = SmsSender::from_config(config)?;
        let mut http = reqwest::Client::builder()
            .timeout(Duration::from_secs(u64::from(
                config.notify_send_timeout_seconds,
            )))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent("rdv-notifier");
        if !config.webhook_private_targets {
            http = http.dns_resolver(Arc::new(targets::PublicOnlyResolver));
        }
        let http = http
            .build()
            .map_err(|e| ConfigError(format!("HTTP client: {e}")))?;
        Ok(Notifier {
            state,
            templates,
            email,
            sms,
            http,
            worker_id: format!("worker-{}", Uuid::new_v4()),
        })
    }

    /// This worker's lease owner name.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }
}
