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
//! 2. **Fan-out.** [`Notifier::tick`] turns each event into messages for the people who want
//!    them — the client (email and/or SMS per their preferences), the business owner (email,
//!    for the events they chose) and each webhook subscribed to the event — rendered later
//!    from the context stored with the message. Queuing and marking the event processed is
//!    one transaction; each message has a deduplication key, so repeating a fan-out after a
//!    crash queues nothing twice.
//! 3. **Delivery.** The worker claims due messages with a lease (PostgreSQL `FOR UPDATE SKIP
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
pub mod ics;
pub mod targets;
pub mod templates;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rdv_core::model::{
    Business, BusinessId, ClientProfile, Reservation, ReservationId, ReservationStatus, ResourceId,
    ServiceId,
};
use rdv_core::ports::{DirectoryStore as _, ReservationStore as _};
use rdv_core::{Timestamp, Uuid};
use rdv_storage::accounts::{AccountStore as _, OutboxMessage, Purged, User};
use rdv_storage::notifications::{
    Channel, Delivery, FanOut, NotificationEvent, NotificationStore as _, Preferences, Webhook,
};
use serde_json::{Value, json};
use tokio::sync::watch;

use self::channels::{EmailSender, IcsAttachment, SendError, SmsSender};
use self::templates::Templates;
use crate::config::ConfigError;
use crate::state::AppState;

/// Reservation events a business owner can ask to be told about.
pub const OWNER_EVENTS: [&str; 3] = [
    "reservation_created",
    "reservation_cancelled_by_client",
    "reservation_rescheduled",
];

/// Every reservation event (what webhooks may subscribe to).
pub const RESERVATION_EVENTS: [&str; 8] = [
    "reservation_created",
    "reservation_confirmed",
    "reservation_cancelled_by_client",
    "reservation_cancelled_by_business",
    "reservation_completed",
    "reservation_no_show",
    "reservation_rescheduled",
    "reservation_reminder",
];

/// Events sent to clients by SMS as well when they chose SMS.
const SMS_EVENTS: [&str; 6] = [
    "reservation_created",
    "reservation_confirmed",
    "reservation_reminder",
    "reservation_cancelled_by_client",
    "reservation_cancelled_by_business",
    "reservation_rescheduled",
];

/// Preferences of a user who never set any: email only; owners hear of new bookings,
/// client cancellations and moves.
pub fn default_preferences() -> Preferences {
    Preferences {
        email: true,
        sms: false,
        events: OWNER_EVENTS.iter().map(|e| (*e).to_owned()).collect(),
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

    /// Runs until `shutdown` turns `true`: ticks, and sleeps `notify_poll_ms` when there was
    /// nothing to do. On shutdown, the batch in flight finishes and unsent leases are given
    /// back.
    pub async fn run(self: Arc<Self>, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(u64::from(self.state.config.notify_poll_ms.max(10)));
        tracing::info!(worker = %self.worker_id, email = self.email.is_some(),
            sms = self.sms.is_some(), "notification worker started");
        let mut last_purge: Option<tokio::time::Instant> = None;
        while !*shutdown.borrow() {
            if last_purge.is_none_or(|at| at.elapsed() >= PURGE_EVERY) {
                last_purge = Some(tokio::time::Instant::now());
                if let Err(e) = self.purge().await {
                    tracing::warn!(worker = %self.worker_id, error = %e, "housekeeping failed");
                }
            }
            let busy = match self.tick().await {
                Ok(report) => report.claimed > 0 || report.events > 0,
                Err(e) => {
                    tracing::warn!(worker = %self.worker_id, error = %e, "notification tick failed");
                    false
                }
            };
            if !busy {
                tokio::select! {
                    _ = tokio::time::sleep(poll) => {}
                    _ = shutdown.changed() => {}
                }
            }
        }
        match self.state.store().release_leases(&self.worker_id).await {
            Ok(n) => {
                tracing::info!(worker = %self.worker_id, released = n, "notification worker stopped")
            }
            Err(e) => {
                tracing::warn!(worker = %self.worker_id, error = %e, "could not release leases")
            }
        }
    }

    /// Housekeeping: deletes what has served its purpose (expired tokens, old idempotency
    /// records, settled messages and processed events past `retention_days`). The worker runs
    /// it at start and then every [`PURGE_EVERY`].
    pub async fn purge(&self) -> rdv_core::Result<Purged> {
        let purged = self
            .state
            .store()
            .purge_expired(self.state.now(), self.state.config.retention())
            .await?;
        if purged != Purged::default() {
            tracing::info!(worker = %self.worker_id, ?purged, "housekeeping");
        }
        Ok(purged)
    }

    /// One round: records due reminders, fans out pending events, then delivers one batch of
    /// due messages. Tests drive the worker with it.
    pub async fn tick(&self) -> rdv_core::Result<TickReport> {
        let mut report = TickReport::default();
        let now = self.state.now();
        for &offset in &self.state.config.notify_reminder_minutes {
            report.reminders += self.state.store().schedule_reminders(now, offset).await?;
        }
        let events = self.state.store().pending_events(64).await?;
        let mut batch = Vec::with_capacity(events.len());
        let mut shared = SharedReads::default();
        for event in &events {
            batch.push(FanOut {
                event_id: event.id.clone(),
                messages: self.messages_for(event, &mut shared).await?,
            });
        }
        self.state.store().fan_out(&batch, now).await?;
        report.events = events.len();
        let config = &self.state.config;
        let lease_until = now.add_secs(i64::from(config.notify_lease_seconds));
        let batch = self
            .state
            .store()
            .claim_deliveries(
                &self.worker_id,
                &self.channels(),
                now,
                lease_until,
                config.notify_concurrency,
            )
            .await?;
        report.claimed = batch.len();
        // Each message is settled as soon as its own send ends, so a crash while other sends
        // of the batch are still in flight cannot leave a delivered message unrecorded.
        let outcomes = futures_util::future::join_all(batch.iter().map(|d| async move {
            let result = self.deliver(d).await;
            self.settle(d, result).await
        }))
        .await;
        for outcome in outcomes {
            if outcome? {
                report.sent += 1;
            } else {
                report.failed += 1;
            }
        }
        Ok(report)
    }

    /// Records the outcome of one attempt: sent, retried later (backoff) or dead. `true` when
    /// it was delivered.
    async fn settle(
        &self,
        delivery: &Delivery,
        result: Result<(), SendError>,
    ) -> rdv_core::Result<bool> {
        let config = &self.state.config;
        let retry = |e: &SendError| !e.permanent && delivery.attempts < config.notify_max_attempts;
        let outcome = match &result {
            Ok(()) => "sent",
            Err(e) if retry(e) => "retry",
            Err(_) => "dead",
        };
        self.state
            .metrics
            .notifications
            .get_or_create(&crate::observe::NotificationLabels {
                channel: delivery.message.channel.as_str().to_owned(),
                outcome: outcome.to_owned(),
            })
            .inc();
        let store = self.state.store();
        match result {
            Ok(()) => {
                let settled = store
                    .mark_sent(delivery.message.id, &self.worker_id, self.state.now())
                    .await?;
                if !settled {
                    tracing::warn!(message = %delivery.message.id,
                        "lease lost before the send was recorded: another worker may send it again");
                }
                Ok(true)
            }
            Err(e) => {
                let retry_at = retry(&e).then(|| {
                    self.state
                        .now()
                        .add_secs(self.backoff_secs(delivery.attempts))
                });
                tracing::warn!(message = %delivery.message.id, kind = %delivery.message.kind,
                    channel = delivery.message.channel.as_str(), attempts = delivery.attempts,
                    dead = retry_at.is_none(), error = %e.message, "delivery failed");
                store
                    .mark_failed(delivery.message.id, &self.worker_id, &e.message, retry_at)
                    .await?;
                Ok(false)
            }
        }
    }

    /// The channels this worker can deliver: webhooks always, email and SMS when configured.
    /// Messages of the others wait in the queue until a worker that has them runs.
    pub fn channels(&self) -> Vec<Channel> {
        let mut channels = vec![Channel::Webhook];
        if self.email.is_some() {
            channels.push(Channel::Email);
        }
        if self.sms.is_some() {
            channels.push(Channel::Sms);
        }
        channels
    }

    /// Seconds before the next attempt after `attempts` failed ones: base × 2^(attempts−1),
    /// capped, then a random share of it between one half and all (jitter spreads the
    /// retries of many messages that failed together).
    pub fn backoff_secs(&self, attempts: u32) -> i64 {
        let config = &self.state.config;
        let exp = attempts.saturating_sub(1).min(30);
        let full = u64::from(config.notify_backoff_base_seconds)
            .saturating_mul(1u64 << exp)
            .min(u64::from(config.notify_backoff_max_seconds))
            .max(1);
        let mut r = [0u8; 8];
        crate::auth::random_bytes(&mut r);
        let jitter = u64::from_le_bytes(r) % (full / 2 + 1);
        i64::try_from(full - jitter).unwrap_or(i64::MAX)
    }

    /// Sends one claimed message on its channel.
    async fn deliver(&self, delivery: &Delivery) -> Result<(), SendError> {
        let m = &delivery.message;
        let timeout = Duration::from_secs(u64::from(self.state.config.notify_send_timeout_seconds));
        let send = async {
            match m.channel {
                Channel::Email => self.deliver_email(m).await,
                Channel::Sms => self.deliver_sms(m).await,
                Channel::Webhook => self.deliver_webhook(m).await,
            }
        };
        tokio::time::timeout(timeout, send)
            .await
            .unwrap_or_else(|_| Err(SendError::transient("send timed out")))
    }

    fn render(&self, m: &OutboxMessage) -> Result<templates::Rendered, SendError> {
        let locale = m.payload["locale"].as_str().unwrap_or("en");
        self.templates
            .render(&m.kind, locale, &m.payload)
            .map_err(SendError::permanent)
    }

    async fn deliver_email(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let Some(email) = &self.email else {
            return Err(SendError::transient("email is not configured (smtp_host)"));
        };
        let rendered = self.render(m)?;
        let ics = match m.payload.get("invite") {
            Some(invite) if !invite.is_null() => {
                let invite: ics::Invite = serde_json::from_value(invite.clone())
                    .map_err(|e| SendError::permanent(format!("invitation: {e}")))?;
                Some(IcsAttachment {
                    method: invite.method.as_str(),
                    text: ics::render(&invite, self.state.now().to_utc()),
                })
            }
            _ => None,
        };
        let message = email.build(&m.recipient, &m.dedup_key, &rendered, ics.as_ref())?;
        email.send(message).await
    }

    async fn deliver_sms(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let Some(sms) = &self.sms else {
            return Err(SendError::transient("SMS is not configured (sms_base_url)"));
        };
        let body = self
            .render(m)?
            .sms
            .ok_or_else(|| SendError::permanent(format!("template {} has no sms block", m.kind)))?;
        sms.send(&self.http, &m.recipient, &body).await
    }

    async fn deliver_webhook(&self, m: &OutboxMessage) -> Result<(), SendError> {
        let id = Uuid::parse_str(&m.recipient)
            .map_err(|_| SendError::permanent("webhook id is not a UUID"))?;
        let Some(hook) = self
            .state
            .store()
            .webhook(id)
            .await
            .map_err(|e| SendError::transient(format!("store: {e}")))?
        else {
            return Err(SendError::permanent("the webhook was deleted"));
        };
        if !self.state.config.webhook_private_targets {
            let url = reqwest::Url::parse(&hook.url)
                .map_err(|e| SendError::permanent(format!("webhook URL: {e}")))?;
            match targets::check_url(&url).await {
                Ok(()) => {}
                Err(e @ targets::TargetError::Lookup(_)) => {
                    return Err(SendError::transient(format!("webhook: {e}")));
                }
                Err(e) => return Err(SendError::permanent(format!("webhook: {e}"))),
            }
        }
        let body = m.payload.to_string();
        channels::send_webhook(
            &self.http,
            &hook.url,
            &hook.secret,
            &m.kind,
            &m.id.to_string(),
            &body,
            self.state.now().secs(),
        )
        .await
    }

    /// The business side of a tick's events, read once per business.
    async fn business_side(
        &self,
        id: BusinessId,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Option<Arc<BusinessSide>>> {
        if let Some(side) = shared.businesses.get(&id) {
            return Ok(side.clone());
        }
        let store = self.state.store();
        let side = match store.get_business(id).await? {
            None => None,
            Some(business) => {
                let owner = store.user_by_id(business.owner_id.0).await?;
                let owner_preferences = match &owner {
                    Some(owner) => store
                        .preferences(owner.id)
                        .await?
                        .unwrap_or_else(default_preferences),
                    None => default_preferences(),
                };
                let webhooks = store.list_webhooks(business.id.0).await?;
                Some(Arc::new(BusinessSide {
                    business,
                    owner,
                    owner_preferences,
                    webhooks,
                }))
            }
        };
        shared.businesses.insert(id, side.clone());
        Ok(side)
    }

    /// The names of a service and a resource, read once per pair and tick.
    async fn names(
        &self,
        service: ServiceId,
        resource: ResourceId,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Arc<Names>> {
        if let Some(names) = shared.names.get(&(service, resource)) {
            return Ok(names.clone());
        }
        let store = self.state.store();
        let service_name = store.get_service(service).await?.map(|s| s.name);
        let resource_name = store.get_resource(resource).await?.map(|r| r.name);
        let names = Arc::new(Names {
            service: service_name.unwrap_or_default(),
            resource: resource_name.unwrap_or_default(),
        });
        shared.names.insert((service, resource), names.clone());
        Ok(names)
    }

    /// The messages announcing one event, per recipient and channel.
    async fn messages_for(
        &self,
        event: &NotificationEvent,
        shared: &mut SharedReads,
    ) -> rdv_core::Result<Vec<OutboxMessage>> {
        let store = self.state.store();
        let Some(reservation) = store
            .get_reservation(ReservationId::from_uuid(event.reservation_id))
            .await?
        else {
            return Ok(Vec::new()); // archived or gone: nobody to tell
        };
        if event.kind == "reservation_reminder" && !reservation.status.is_active() {
            return Ok(Vec::new()); // cancelled before the reminder was due
        }
        let Some(side) = self.business_side(reservation.business_id, shared).await? else {
            return Ok(Vec::new());
        };
        let business = &side.business;
        let names = self
            .names(reservation.service_id, reservation.resource_id, shared)
            .await?;
        let client = store.get_client(reservation.client_id).await?;
        let client_user = store.user_by_id(reservation.client_id.0).await?;
        let now = self.state.now();
        let mut out = Vec::new();
        let message =
            |channel: Channel, kind: &str, audience: &str, recipient: String, payload: Value| {
                OutboxMessage {
                    id: Uuid::new_v4(),
                    dedup_key: format!("{}:{}:{audience}", event.id, channel.as_str()),
                    kind: kind.to_owned(),
                    channel,
                    recipient,
                    payload,
                    created_at: now,
                }
            };

        if let Some(user) = &client_user {
            let prefs = store
                .preferences(user.id)
                .await?
                .unwrap_or_else(default_preferences);
            let context = self.context(
                event,
                &reservation,
                business,
                &names,
                client.as_ref(),
                user,
                false,
            );
            if prefs.email {
                out.push(message(
                    Channel::Email,
                    &event.kind,
                    "client",
                    user.email.clone(),
                    context.clone(),
                ));
            }
            let phone = client.as_ref().and_then(|c| c.phone.clone());
            if let (true, Some(phone)) = (
                prefs.sms && SMS_EVENTS.contains(&event.kind.as_str()),
                phone,
            ) {
                out.push(message(Channel::Sms, &event.kind, "client", phone, context));
            }
        }
        if let Some(owner) = &side.owner {
            let prefs = &side.owner_preferences;
            let kind = format!("owner_{}", event.kind);
            if prefs.email && prefs.events.contains(&event.kind) && self.templates.has(&kind) {
                let context = self.context(
                    event,
                    &reservation,
                    business,
                    &names,
                    client.as_ref(),
                    owner,
                    true,
                );
                out.push(message(
                    Channel::Email,
                    &kind,
                    "owner",
                    owner.email.clone(),
                    context,
                ));
            }
        }
        for hook in &side.webhooks {
            if hook.events.contains(&event.kind) {
                let body = json!({
                    "id": event.id,
                    "type": event.kind,
                    "created_at": Timestamp::to_utc(event.occurred_at),
                    "data": {
                        "reservation_id": reservation.id,
                        "business_id": business.id,
                        "service_id": reservation.service_id,
                        "resource_id": reservation.resource_id,
                        "status": reservation.status,
                        "start": reservation.interval.start(),
                        "end": reservation.interval.end(),
                        "offset_minutes": event.offset_minutes,
                    },
                });
                out.push(message(
                    Channel::Webhook,
                    &event.kind,
                    &hook.id.to_string(),
                    hook.id.to_string(),
                    body,
                ));
            }
        }
        Ok(out)
    }

    /// The template context of a reservation message for `user` (the client, or the owner
    /// when `for_owner`): names, local date and time in the business's zone, links, and the
    /// calendar invitation when the message carries one.
    #[allow(clippy::too_many_arguments)]
    fn context(
        &self,
        event: &NotificationEvent,
        r: &Reservation,
        business: &Business,
        names: &Names,
        client: Option<&ClientProfile>,
        user: &User,
        for_owner: bool,
    ) -> Value {
        let locale = templates::locale_of(&user.locale);
        let tz = business.time_zone.0;
        let start = r.interval.start().to_utc().with_timezone(&tz);
        let end = r.interval.end().to_utc().with_timezone(&tz);
        let chrono_locale = if locale == "fr" {
            chrono::Locale::fr_FR
        } else {
            chrono::Locale::en_GB
        };
        let date = start
            .format_localized("%A %-d %B %Y", chrono_locale)
            .to_string();
        let client_name = client
            .map(|c| format!("{} {}", c.first_name, c.last_name))
            .unwrap_or_default();
        let recipient_name = if for_owner {
            business.name.clone()
        } else {
            client.map(|c| c.first_name.clone()).unwrap_or_default()
        };
        let a = &business.address;
        let address = [
            a.street.as_str(),
            &format!("{} {}", a.postal_code, a.city),
            a.country.as_str(),
        ]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let reason = r
            .history
            .last()
            .filter(|h| {
                matches!(
                    h.to,
                    ReservationStatus::CancelledByClient | ReservationStatus::CancelledByBusiness
                )
            })
            .and_then(|h| h.reason.clone())
            .unwrap_or_default();
        let base = self.state.config.public_url.trim_end_matches('/');
        let digits = 2;
        let price = format!(
            "{}.{:0digits$} {}",
            r.price.amount_minor / 100,
            (r.price.amount_minor % 100).abs(),
            r.price.currency
        );
        let method = match event.kind.as_str() {
            "reservation_confirmed" | "reservation_rescheduled"
                if r.status == ReservationStatus::Confirmed =>
            {
                Some(ics::Method::Request)
            }
            "reservation_cancelled_by_client" | "reservation_cancelled_by_business" => {
                Some(ics::Method::Cancel)
            }
            _ => None,
        };
        let invite = method.filter(|_| !for_owner).map(|method| ics::Invite {
            method,
            uid: r.id.to_string(),
            sequence: u32::try_from(r.history.len()).unwrap_or(0) + r.reschedule_count,
            start: r.interval.start().to_utc(),
            end: r.interval.end().to_utc(),
            summary: format!("{} — {}", names.service, business.name),
            description: if names.resource.is_empty() {
                names.service.clone()
            } else {
                format!("{} ({})", names.service, names.resource)
            },
            location: address.clone(),
            organizer: (business.name.clone(), self.email_from_address()),
            attendee: (client_name.clone(), user.email.clone()),
        });
        json!({
            "locale": locale,
            "reservation_id": r.id,
            "recipient_name": recipient_name,
            "business_name": business.name,
            "business_address": address,
            "time_zone": tz.name(),
            "service_name": names.service,
            "resource_name": names.resource,
            "date": date,
            "start_time": start.format("%H:%M").to_string(),
            "end_time": end.format("%H:%M").to_string(),
            "price": price,
            "reason": reason,
            "client_name": client_name,
            "hours_before": event.offset_minutes.map(|m| m / 60).unwrap_or(0),
            "view_url": format!("{base}/reservations/{}", r.id),
            "cancel_url": format!("{base}/reservations/{}/cancel", r.id),
            "manage_url": format!("{base}/business/reservations/{}", r.id),
            "invite": invite,
        })
    }

    fn email_from_address(&self) -> String {
        self.state
            .config
            .smtp_from
            .parse::<lettre::message::Mailbox>()
            .map(|m| m.email.to_string())
            .unwrap_or_else(|_| "no-reply@localhost".into())
    }
}

struct Names {
    service: String,
    resource: String,
}

/// A business as its events need it: the owner, the owner's preferences, the webhooks.
struct BusinessSide {
    business: Business,
    owner: Option<User>,
    owner_preferences: Preferences,
    webhooks: Vec<Webhook>,
}

/// What the events of one tick share, read once per tick (a burst of bookings at one
/// business reads its owner, preferences and webhooks once, not once per booking).
#[derive(Default)]
struct SharedReads {
    businesses: HashMap<BusinessId, Option<Arc<BusinessSide>>>,
    names: HashMap<(ServiceId, ResourceId), Arc<Names>>,
}
