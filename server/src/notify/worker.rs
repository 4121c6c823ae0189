//! The worker loop: each tick records due reminders, fans out pending events
//! ([`super::fanout`]), claims due messages under a lease, sends them ([`super::delivery`]) and
//! settles each one (sent, retried after a backoff with jitter, or dead); housekeeping at start
//! and every [`PURGE_EVERY`]; leases given back on shutdown.

use std::sync::Arc;
use std::time::Duration;

use rdv_storage::accounts::{AccountStore as _, Purged};
use rdv_storage::notifications::{Channel, Delivery, FanOut, NotificationStore as _};
use tokio::sync::watch;

use super::channels::SendError;
use super::fanout::SharedReads;
use super::{Notifier, PURGE_EVERY, TickReport};

impl Notifier {
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
                tracing::info!(worker = %self.worker_id, released = n, "notification worker stopped");
            }
            Err(e) => {
                tracing::warn!(worker = %self.worker_id, error = %e, "could not release leases");
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
}
