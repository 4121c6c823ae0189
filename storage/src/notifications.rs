//! Notifications of the reference server (issue 6): reservation events, the delivery queue,
//! reminders, preferences and webhooks.
//!
//! * **Events.** Database triggers write a `notification_events` row for every reservation
//!   that is created, changes status or moves, in the transaction of the change (migration
//!   0004), so nothing is announced for a change that rolled back and nothing is lost for one
//!   that committed, whichever code path made it. [`NotificationStore::schedule_reminders`]
//!   adds reminder events, at most one per reservation, offset and start time (the event id
//!   is the deduplication key).
//! * **Fan-out.** The worker turns events into outbox messages and marks them processed in one
//!   transaction per batch ([`NotificationStore::fan_out`]); every message has a deduplication key, so
//!   a fan-out repeated after a crash queues nothing twice.
//! * **Delivery queue.** [`NotificationStore::claim_deliveries`] leases due messages to one
//!   worker (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: one writer at a time), counting
//!   the attempt; the worker then marks each sent, failed (retry at a later time) or dead. A
//!   worker that dies leaves leases that run out, and another worker takes the rows over.
//!
//! One SQL text serves both backends; [`impl_notification_store!`] instantiates it.

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};
use serde::{Deserialize, Serialize};

use crate::accounts::OutboxMessage;

/// How a message travels.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// SMTP email.
    Email,
    /// Text message through the SMS provider.
    Sms,
    /// Signed HTTP POST to a business's endpoint.
    Webhook,
}

impl Channel {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Webhook => "webhook",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Channel> {
        match s {
            "email" => Some(Channel::Email),
            "sms" => Some(Channel::Sms),
            "webhook" => Some(Channel::Webhook),
            _ => None,
        }
    }
}

/// A change that may notify someone, written by a trigger (or the reminder scan).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct NotificationEvent {
    /// Unique per change; the base of its messages' deduplication keys.
    pub id: String,
    /// `reservation_created`, `reservation_confirmed`, `reservation_cancelled_by_client`,
    /// `reservation_cancelled_by_business`, `reservation_completed`, `reservation_no_show`,
    /// `reservation_rescheduled` or `reservation_reminder`.
    pub kind: String,
    /// The reservation concerned.
    pub reservation_id: Uuid,
    /// For reminders: how many minutes before the start.
    pub offset_minutes: Option<u32>,
    /// When it was recorded.
    pub occurred_at: Timestamp,
}

/// One event's messages, ready to be queued ([`NotificationStore::fan_out`]).
#[derive(Clone, Debug)]
pub struct FanOut {
    /// The event announced.
    pub event_id: String,
    /// Its messages (none when nobody is to be told).
    pub messages: Vec<OutboxMessage>,
}

/// Where a queued message stands.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its next attempt (or being attempted under a lease).
    Pending,
    /// Delivered.
    Sent,
    /// Given up after the last attempt, or refused for good: dead letter.
    Dead,
}

impl DeliveryStatus {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Dead => "dead",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        match s {
            "pending" => Some(DeliveryStatus::Pending),
            "sent" => Some(DeliveryStatus::Sent),
            "dead" => Some(DeliveryStatus::Dead),
            _ => None,
        }
    }
}

/// A queued message with its delivery state.
#[derive(Clone, PartialEq, Debug)]
pub struct Delivery {
    /// The message.
    pub message: OutboxMessage,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts so far (a claim counts as one).
    pub attempts: u32,
    /// When it may be tried next.
    pub next_attempt_at: Timestamp,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was delivered.
    pub sent_at: Option<Timestamp>,
}

/// How a user wants to be told.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Preferences {
    /// Emails.
    pub email: bool,
    /// Text messages (needs a phone number in the profile).
    pub sms: bool,
    /// For business owners: which reservation events notify them.
    pub events: Vec<String>,
}

/// An endpoint a business registered for some events.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Webhook {
    /// Identifier.
    pub id: Uuid,
    /// Owner business.
    pub business_id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Signing secret (plain here, encrypted at rest).
    pub secret: String,
    /// Event kinds it receives.
    pub events: Vec<String>,
    /// When it was registered.
    pub created_at: Timestamp,
}

/// Storage of notification events, the delivery queue, preferences and webhooks.
pub trait NotificationStore: Send + Sync {
    /// Events not yet turned into messages, oldest first.
    fn pending_events(
        &self,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<NotificationEvent>>> + Send;
    /// Queues the messages of several events (duplicates by deduplication key are ignored)
    /// and marks the events processed, all in one transaction.
    fn fan_out(&self, events: &[FanOut], now: Timestamp)
    -> impl Future<Output = Result<()>> + Send;
    /// Records a reminder event for every active reservation whose start is `offset_minutes`
    /// away or less (and still ahead), created before that moment; at most one per
    /// reservation, offset and start. Returns how many were new.
    fn schedule_reminders(
        &self,
        now: Timestamp,
        offset_minutes: u32,
    ) -> impl Future<Output = Result<u64>> + Send;
    /// Leases up to `limit` due messages of the given channels to `owner` until
    /// `lease_until`, counting an attempt. Messages of other channels wait untouched.
    fn claim_deliveries(
        &self,
        owner: &str,
        channels: &[Channel],
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send;
    /// Marks a leased message delivered (secrets in its payload are dropped). `false` when
    /// `owner` no longer holds the lease.
    fn mark_sent(
        &self,
        id: Uuid,
        owner: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// Records a failed attempt: tried again at `retry_at`, or dead when it is `None`.
    fn mark_failed(
        &self,
        id: Uuid,
        owner: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Gives back every lease of `owner` that was not settled (clean shutdown); the attempt
    /// is not counted.
    fn release_leases(&self, owner: &str) -> impl Future<Output = Result<u64>> + Send;
    /// Queued messages with a status, newest first, after the cursor `(created_at, id)`.
    fn list_deliveries(
        &self,
        status: DeliveryStatus,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Delivery>>> + Send;
    /// One queued message.
    fn delivery(&self, id: Uuid) -> impl Future<Output = Result<Option<Delivery>>> + Send;
    /// Puts a dead message back in the queue with fresh attempts; `false` when it is not dead.
    fn requeue(&self, id: Uuid, now: Timestamp) -> impl Future<Output = Result<bool>> + Send;
    /// A user's preferences, `None` when never set.
    fn preferences(&self, user: Uuid) -> impl Future<Output = Result<Option<Preferences>>> + Send;
    /// Stores a user's preferences.
    fn set_preferences(
        &self,
        user: Uuid,
        preferences: &Preferences,
        now: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Registers a webhook (its secret encrypted at rest).
    fn insert_webhook(&self, webhook: &Webhook) -> impl Future<Output = Result<()>> + Send;
    /// A business's webhooks, oldest first.
    fn list_webhooks(&self, business: Uuid) -> impl Future<Output = Result<Vec<Webhook>>> + Send;
    /// One webhook.
    fn webhook(&self, id: Uuid) -> impl Future<Output = Result<Option<Webhook>>> + Send;
    /// Deletes a business's webhook; `false` when it has no such webhook.
    fn delete_webhook(&self, business: Uuid, id: Uuid)
    -> impl Future<Output = Result<bool>> + Send;
}

/// Implements [`NotificationStore`] with one SQL text. `$pool` is an expression of the
/// store's pool and `$cipher` of its field cipher (with `self` bound to `$s`), `$begin` opens
/// a write transaction, `$read` is the executor of a single read statement, and `$lock` ends the claim's row selection (`FOR UPDATE SKIP LOCKED`
/// on PostgreSQL, empty on SQLite where writers take turns).
#[macro_export]
#[doc(hidden)]
macro_rules! impl_notification_store {
    ($store:ty, $db:ty, |$s:ident| $pool:expr, $cipher:expr, |$p:ident| $begin:expr, $read:expr, $lock:literal) => {
        impl $crate::notifications::NotificationStore for $store {
            async fn pending_events(
                &self,
                limit: u32,
            ) -> rdv_core::Result<Vec<$crate::notifications::NotificationEvent>> {
                use sqlx::Row as _;
                let $s = self;
                let rows = sqlx::query(
                    "SELECT id, kind, reservation_id, offset_minutes, occurred_at \
                     FROM notification_events WHERE processed_at IS NULL \
                     ORDER BY occurred_at, id LIMIT $1",
                )
                .bind(i64::from(limit))
                .fetch_all($read)
                .await
                .map_err($crate::codec::db_error)?;
                rows.iter()
                    .map(|r| {
                        let reservation: String =
                            r.try_get("reservation_id").map_err($crate::codec::db_error)?;
                        let offset: Option<i64> =
                            r.try_get("offset_minutes").map_err($crate::codec::db_error)?;
                        Ok($crate::notifications::NotificationEvent {
                            id: r.try_get("id").map_err($crate::codec::db_error)?,
                            kind: r.try_get("kind").map_err($crate::codec::db_error)?,
                            reservation_id: $crate::accounts::sql::parse_uuid(&reservation)?,
                            offset_minutes: offset.and_then(|o| u32::try_from(o).ok()),
                            occurred_at: rdv_core::Timestamp::from_secs(
                                r.try_get("occurred_at").map_err($crate::codec::db_error)?,
                            ),
                        })
                    })
                    .collect()
            }

            async fn fan_out(
                &self,
                events: &[$crate::notifications::FanOut],
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<()> {
                if events.is_empty() {
                    return Ok(());
                }
                // A few multi-row statements, not one per message: the transaction holds the
                // write lock (on SQLite, the writer task waits for it) for as short as it can.
                const ROWS: usize = 256;
                let $s = self;
                let $p = $pool;
                let messages: Vec<&$crate::accounts::OutboxMessage> =
                    events.iter().flat_map(|e| &e.messages).collect();
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                for chunk in messages.chunks(ROWS) {
                    let mut insert = sqlx::QueryBuilder::<$db>::new(
                        "INSERT INTO outbox (id, dedup_key, kind, recipient, payload, created_at, \
                         status, attempts, next_attempt_at, channel) ",
                    );
                    insert.push_values(chunk, |mut row, m| {
                        row.push_bind(m.id.to_string())
                            .push_bind(m.dedup_key.clone())
                            .push_bind(m.kind.clone())
                            .push_bind(m.recipient.clone())
                            .push_bind(m.payload.to_string())
                            .push_bind(m.created_at.secs())
                            .push_bind("pending")
                            .push_bind(0_i64)
                            .push_bind(m.created_at.secs())
                            .push_bind(m.channel.as_str());
                    });
                    insert.push(" ON CONFLICT (dedup_key) DO NOTHING");
                    insert
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?;
                }
                for chunk in events.chunks(ROWS) {
                    let mut update = sqlx::QueryBuilder::<$db>::new(
                        "UPDATE notification_events SET processed_at = ",
                    );
                    update.push_bind(now.secs()).push(" WHERE id IN (");
                    let mut ids = update.separated(", ");
                    for event in chunk {
                        ids.push_bind(event.event_id.as_str());
                    }
                    update.push(")");
                    update
                        .build()
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?;
                }
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn schedule_reminders(
                &self,
                now: rdv_core::Timestamp,
                offset_minutes: u32,
            ) -> rdv_core::Result<u64> {
                let $s = self;
                let $p = $pool;
                let offset_secs = i64::from(offset_minutes) * 60;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let added = sqlx::query(
                    "INSERT INTO notification_events \
                     (id, kind, reservation_id, offset_minutes, occurred_at) \
                     SELECT 'reminder:' || CAST(id AS TEXT) || ':' || $1 || ':' \
                     || CAST(start_at AS TEXT), 'reservation_reminder', CAST(id AS TEXT), $2, $3 \
                     FROM reservations WHERE active AND start_at > $3 AND start_at <= $3 + $4 \
                     AND created_at <= start_at - $4 \
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(offset_minutes.to_string())
                .bind(i64::from(offset_minutes))
                .bind(now.secs())
                .bind(offset_secs)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(added)
            }

            async fn claim_deliveries(
                &self,
                owner: &str,
                channels: &[$crate::notifications::Channel],
                now: rdv_core::Timestamp,
                lease_until: rdv_core::Timestamp,
                limit: u32,
            ) -> rdv_core::Result<Vec<$crate::notifications::Delivery>> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let rows = sqlx::query(concat!(
                    "UPDATE outbox SET lease_owner = $1, lease_until = $2, \
                     attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox \
                     WHERE status = 'pending' AND next_attempt_at <= $3 \
                     AND (lease_until IS NULL OR lease_until <= $3) \
                     AND channel IN ($5, $6, $7) \
                     ORDER BY next_attempt_at, id LIMIT $4",
                    $lock,
                    ") RETURNING *"
                ))
                .bind(owner)
                .bind(lease_until.secs())
                .bind(now.secs())
                .bind(i64::from(limit))
                .bind(channels.first().map_or("", |c| c.as_str()))
                .bind(channels.get(1).map_or("", |c| c.as_str()))
                .bind(channels.get(2).map_or("", |c| c.as_str()))
                .fetch_all(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)?;
                let mut out: Vec<$crate::notifications::Delivery> = rows
                    .iter()
                    .map($crate::notifications::sql::delivery_from_row)
                    .collect::<rdv_core::Result<_>>()?;
                out.sort_by_key(|d| (d.next_attempt_at, d.message.created_at));
                Ok(out)
            }

            async fn mark_sent(
                &self,
                id: rdv_core::Uuid,
                owner: &str,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<bool> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let done = sqlx::query(
                    "UPDATE outbox SET status = 'sent', sent_at = $1, lease_owner = NULL, \
                     lease_until = NULL, last_error = NULL, payload = CASE WHEN kind IN \
                     ('password_reset', 'email_verification') THEN '{\"redacted\":true}' \
                     ELSE payload END WHERE id = $2 AND lease_owner = $3 AND status = 'pending'",
                )
                .bind(now.secs())
                .bind(id.to_string())
                .bind(owner)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(done == 1)
            }

            async fn mark_failed(
                &self,
                id: rdv_core::Uuid,
                owner: &str,
                error: &str,
                retry_at: Option<rdv_core::Timestamp>,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let error: String = error.chars().take(500).collect();
                sqlx::query(
                    "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, \
                     next_attempt_at), last_error = $3, lease_owner = NULL, lease_until = NULL \
                     WHERE id = $4 AND lease_owner = $5 AND status = 'pending'",
                )
                .bind(if retry_at.is_some() { "pending" } else { "dead" })
                .bind(retry_at.map(|t| t.secs()))
                .bind(error)
                .bind(id.to_string())
                .bind(owner)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn release_leases(&self, owner: &str) -> rdv_core::Result<u64> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let released = sqlx::query(
                    "UPDATE outbox SET lease_owner = NULL, lease_until = NULL, \
                     attempts = attempts - 1 WHERE lease_owner = $1 AND status = 'pending'",
                )
                .bind(owner)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(released)
            }

            async fn list_deliveries(
                &self,
                status: $crate::notifications::DeliveryStatus,
                after: Option<(rdv_core::Timestamp, rdv_core::Uuid)>,
                limit: u32,
            ) -> rdv_core::Result<Vec<$crate::notifications::Delivery>> {
                let $s = self;
                let (at, id) = after
                    .map(|(t, id)| (t.secs(), id.to_string()))
                    .unwrap_or((i64::MAX, String::new()));
                let rows = sqlx::query(
                    "SELECT * FROM outbox WHERE status = $1 AND (created_at < $2 \
                     OR (created_at = $2 AND id < $3) OR $3 = '') \
                     ORDER BY created_at DESC, id DESC LIMIT $4",
                )
                .bind(status.as_str())
                .bind(at)
                .bind(id)
                .bind(i64::from(limit))
                .fetch_all($read)
                .await
                .map_err($crate::codec::db_error)?;
                rows.iter()
                    .map($crate::notifications::sql::delivery_from_row)
                    .collect()
            }

            async fn delivery(
                &self,
                id: rdv_core::Uuid,
            ) -> rdv_core::Result<Option<$crate::notifications::Delivery>> {
                let $s = self;
                let row = sqlx::query("SELECT * FROM outbox WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional($read)
                    .await
                    .map_err($crate::codec::db_error)?;
                row.as_ref()
                    .map($crate::notifications::sql::delivery_from_row)
                    .transpose()
            }

            async fn requeue(
                &self,
                id: rdv_core::Uuid,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<bool> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let done = sqlx::query(
                    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, \
                     last_error = NULL WHERE id = $2 AND status = 'dead'",
                )
                .bind(now.secs())
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(done == 1)
            }

            async fn preferences(
                &self,
                user: rdv_core::Uuid,
            ) -> rdv_core::Result<Option<$crate::notifications::Preferences>> {
                use sqlx::Row as _;
                let $s = self;
                let row = sqlx::query(
                    "SELECT email, sms, events FROM notification_preferences WHERE user_id = $1",
                )
                .bind(user.to_string())
                .fetch_optional($read)
                .await
                .map_err($crate::codec::db_error)?;
                row.map(|r| {
                    let events: String = r.try_get("events").map_err($crate::codec::db_error)?;
                    Ok($crate::notifications::Preferences {
                        email: r.try_get("email").map_err($crate::codec::db_error)?,
                        sms: r.try_get("sms").map_err($crate::codec::db_error)?,
                        events: $crate::codec::from_json("notification_preferences.events", &events)?,
                    })
                })
                .transpose()
            }

            async fn set_preferences(
                &self,
                user: rdv_core::Uuid,
                preferences: &$crate::notifications::Preferences,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "INSERT INTO notification_preferences (user_id, email, sms, events, updated_at) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
                     email = excluded.email, sms = excluded.sms, events = excluded.events, \
                     updated_at = excluded.updated_at",
                )
                .bind(user.to_string())
                .bind(preferences.email)
                .bind(preferences.sms)
                .bind($crate::codec::to_json(&preferences.events)?)
                .bind(now.secs())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn insert_webhook(
                &self,
                webhook: &$crate::notifications::Webhook,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let secret = $cipher.encrypt(&webhook.secret)?;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "INSERT INTO webhooks (id, business_id, url, secret, events, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(webhook.id.to_string())
                .bind(webhook.business_id.to_string())
                .bind(webhook.url.clone())
                .bind(secret)
                .bind($crate::codec::to_json(&webhook.events)?)
                .bind(webhook.created_at.secs())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn list_webhooks(
                &self,
                business: rdv_core::Uuid,
            ) -> rdv_core::Result<Vec<$crate::notifications::Webhook>> {
                let $s = self;
                let rows = sqlx::query(
                    "SELECT * FROM webhooks WHERE business_id = $1 ORDER BY created_at, id",
                )
                .bind(business.to_string())
                .fetch_all($read)
                .await
                .map_err($crate::codec::db_error)?;
                rows.iter()
                    .map(|r| $crate::notifications::sql::webhook_from_row(r, &$cipher))
                    .collect()
            }

            async fn webhook(
                &self,
                id: rdv_core::Uuid,
            ) -> rdv_core::Result<Option<$crate::notifications::Webhook>> {
                let $s = self;
                let row = sqlx::query("SELECT * FROM webhooks WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional($read)
                    .await
                    .map_err($crate::codec::db_error)?;
                row.as_ref()
                    .map(|r| $crate::notifications::sql::webhook_from_row(r, &$cipher))
                    .transpose()
            }

            async fn delete_webhook(
                &self,
                business: rdv_core::Uuid,
                id: rdv_core::Uuid,
            ) -> rdv_core::Result<bool> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let done = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND business_id = $2")
                    .bind(id.to_string())
                    .bind(business.to_string())
                    .execute(&mut *tx)
                    .await
                    .map_err($crate::codec::db_error)?
                    .rows_affected();
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(done == 1)
            }
        }
    };
}

/// Row readers shared by both instantiations.
#[doc(hidden)]
pub mod sql {
    use rdv_core::{Error, Result, Timestamp};
    use sqlx::{ColumnIndex, Decode, Row, Type};

    use super::{Channel, Delivery, DeliveryStatus, Webhook};
    use crate::accounts::sql::{get, parse_uuid};
    use crate::crypto::FieldCipher;

    /// Reads an `outbox` row with its delivery state.
    pub fn delivery_from_row<R>(row: &R) -> Result<Delivery>
    where
        R: Row,
        for<'c> &'c str: ColumnIndex<R>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> Option<String>: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    {
        let message = crate::accounts::sql::message_from_row(row)?;
        let status: String = get(row, "status")?;
        let attempts: i64 = get(row, "attempts")?;
        Ok(Delivery {
            message,
            status: DeliveryStatus::parse(&status).ok_or_else(|| Error::DataIntegrity {
                field: format!("outbox.status {status:?}"),
            })?,
            attempts: u32::try_from(attempts.max(0)).unwrap_or(u32::MAX),
            next_attempt_at: Timestamp::from_secs(get(row, "next_attempt_at")?),
            last_error: get(row, "last_error")?,
            sent_at: get::<R, Option<i64>>(row, "sent_at")?.map(Timestamp::from_secs),
        })
    }

    /// Reads a `webhooks` row, decrypting its secret.
    pub fn webhook_from_row<R>(row: &R, cipher: &FieldCipher) -> Result<Webhook>
    where
        R: Row,
        for<'c> &'c str: ColumnIndex<R>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let events: String = get(row, "events")?;
        let secret: String = get(row, "secret")?;
        Ok(Webhook {
            id: parse_uuid(&get::<R, String>(row, "id")?)?,
            business_id: parse_uuid(&get::<R, String>(row, "business_id")?)?,
            url: get(row, "url")?,
            secret: cipher.decrypt("webhooks.secret", &secret)?,
            events: crate::codec::from_json("webhooks.events", &events)?,
            created_at: Timestamp::from_secs(get(row, "created_at")?),
        })
    }

    /// The channel of a stored message.
    pub fn channel_of(stored: &str) -> Result<Channel> {
        Channel::parse(stored).ok_or_else(|| Error::DataIntegrity {
            field: format!("outbox.channel {stored:?}"),
        })
    }
}
