//! The reference server's own storage, beside the core's ports: accounts, sessions,
//! single-use tokens, the outbox and idempotency records ([`accounts`]), notification
//! events, the delivery queue, preferences and webhooks ([`notifications`]), and the staff
//! members of businesses ([`staff`]), the calendar feeds ([`calendar_feeds`]) and the rows of
//! the businesses' and services' images ([`images`]).
//!
//! The server owns their meaning; this module stores them, with one SQL text for both
//! backends, written once over [`SqlBackend`] ([`account_store`], [`notification_store`],
//! [`staff_store`], [`calendar_feed_store`], [`image_store`]):
//! every identifier of these tables is stored as text, every time as integer seconds.

pub mod account_store;
pub mod accounts;
pub mod calendar_feed_store;
pub mod calendar_feeds;
pub mod image_store;
pub mod images;
pub mod notification_store;
pub mod notifications;
pub mod staff;
pub mod staff_store;

use rdv_core::{Error, Result, Timestamp, Uuid};

use self::accounts::{OutboxMessage, Role, User};
use self::notifications::{Channel, Delivery, DeliveryStatus, Webhook};
use crate::codec::from_json;
use crate::crypto::FieldCipher;
use crate::sql::{SqlBackend, SqlRow, Statement};

/// Parses a stored UUID.
fn parse_uuid(s: &str) -> Result<Uuid> {
    Uuid::parse_str(s).map_err(|_| Error::DataIntegrity {
        field: format!("identifier {s:?}"),
    })
}

/// Runs one read; its first row.
async fn read_one<B: SqlBackend>(store: &B, statement: Statement) -> Result<Option<B::Row>> {
    Ok(store.read(&statement).await?.into_iter().next())
}

/// Runs one statement in its own write transaction; the rows it affected.
async fn write_one<B: SqlBackend>(store: &B, statement: Statement) -> Result<u64> {
    let mut tx = store.begin().await?;
    let done = B::execute(&mut tx, &statement).await?;
    B::commit(tx).await?;
    Ok(done)
}

/// Reads a `users` row.
fn user_from_row(row: &impl SqlRow) -> Result<User> {
    let role = row.text("role")?;
    Ok(User {
        id: parse_uuid(&row.text("id")?)?,
        email: row.text("email")?,
        password_hash: row.text("password_hash")?,
        role: Role::parse(&role).ok_or_else(|| Error::DataIntegrity {
            field: format!("users.role {role:?}"),
        })?,
        locale: row.text("locale")?,
        email_verified_at: row.opt_int("email_verified_at")?.map(Timestamp::from_secs),
        created_at: Timestamp::from_secs(row.int("created_at")?),
        password_changed_at: Timestamp::from_secs(row.int("password_changed_at")?),
    })
}

/// Inserts a user; affects no row when the email is taken.
fn insert_user(user: &User) -> Statement {
    Statement::new(
        "INSERT INTO users (id, email, password_hash, role, locale, email_verified_at, \
         created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (email) DO NOTHING",
    )
    .text(user.id.to_string())
    .text(user.email.clone())
    .text(user.password_hash.clone())
    .text(user.role.as_str())
    .text(user.locale.clone())
    .bind(crate::sql::Value::OptInt(
        user.email_verified_at.map(|t| t.secs()),
    ))
    .int(user.created_at.secs())
    .int(user.password_changed_at.secs())
}

/// Reads an `outbox` row.
fn message_from_row(row: &impl SqlRow) -> Result<OutboxMessage> {
    let payload = row.text("payload")?;
    let channel = row.text("channel")?;
    Ok(OutboxMessage {
        id: parse_uuid(&row.text("id")?)?,
        dedup_key: row.text("dedup_key")?,
        kind: row.text("kind")?,
        channel: Channel::parse(&channel).ok_or_else(|| Error::DataIntegrity {
            field: format!("outbox.channel {channel:?}"),
        })?,
        recipient: row.text("recipient")?,
        payload: serde_json::from_str(&payload).map_err(|_| Error::DataIntegrity {
            field: "outbox.payload".into(),
        })?,
        created_at: Timestamp::from_secs(row.int("created_at")?),
    })
}

/// Reads an `outbox` row with its delivery state.
fn delivery_from_row(row: &impl SqlRow) -> Result<Delivery> {
    let message = message_from_row(row)?;
    let status = row.text("status")?;
    let attempts = row.int("attempts")?;
    Ok(Delivery {
        message,
        status: DeliveryStatus::parse(&status).ok_or_else(|| Error::DataIntegrity {
            field: format!("outbox.status {status:?}"),
        })?,
        attempts: u32::try_from(attempts.max(0)).unwrap_or(u32::MAX),
        next_attempt_at: Timestamp::from_secs(row.int("next_attempt_at")?),
        last_error: row.opt_text("last_error")?,
        sent_at: row.opt_int("sent_at")?.map(Timestamp::from_secs),
    })
}

/// Reads a `webhooks` row, decrypting its secret.
fn webhook_from_row(row: &impl SqlRow, cipher: &FieldCipher) -> Result<Webhook> {
    let events = row.text("events")?;
    let secret = row.text("secret")?;
    Ok(Webhook {
        id: parse_uuid(&row.text("id")?)?,
        business_id: parse_uuid(&row.text("business_id")?)?,
        url: row.text("url")?,
        secret: cipher.decrypt("webhooks.secret", &secret)?,
        events: from_json("webhooks.events", &events)?,
        created_at: Timestamp::from_secs(row.int("created_at")?),
    })
}

/// Queues a message; a second message with the same `dedup_key` is ignored.
fn insert_message(m: &OutboxMessage) -> Statement {
    Statement::new(
        "INSERT INTO outbox (id, dedup_key, kind, recipient, payload, created_at, status, \
         attempts, next_attempt_at, channel) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6, $7) \
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .text(m.id.to_string())
    .text(m.dedup_key.clone())
    .text(m.kind.clone())
    .text(m.recipient.clone())
    .text(m.payload.to_string())
    .int(m.created_at.secs())
    .text(m.channel.as_str())
}
