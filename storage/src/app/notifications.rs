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
//! One SQL text serves both backends: the implementation ([`super::notification_store`]) is
//! generic over [`crate::sql::SqlBackend`].

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};
use serde::{Deserialize, Serialize};

use super::accounts::OutboxMessage;

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

/// What [`NotificationStore::insert_webhook`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WebhookInsert {
    /// The webhook is registered.
    Inserted,
    /// The business already has as many webhooks as the limit allows; nothing was written.
    LimitReached,
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
    /// Registers a webhook (its secret encrypted at rest) unless its business already has
    /// `limit`. The count and the insert are one write transaction, serialised per business
    /// (PostgreSQL: an advisory lock on the business id; SQLite: write transactions take
    /// turns), so concurrent registrations never pass the limit.
    fn insert_webhook(
        &self,
        webhook: &Webhook,
        limit: u32,
    ) -> impl Future<Output = Result<WebhookInsert>> + Send;
    /// A business's webhooks, oldest first.
    fn list_webhooks(&self, business: Uuid) -> impl Future<Output = Result<Vec<Webhook>>> + Send;
    /// One webhook.
    fn webhook(&self, id: Uuid) -> impl Future<Output = Result<Option<Webhook>>> + Send;
    /// Deletes a business's webhook; `false` when it has no such webhook.
    fn delete_webhook(&self, business: Uuid, id: Uuid)
    -> impl Future<Output = Result<bool>> + Send;
}
