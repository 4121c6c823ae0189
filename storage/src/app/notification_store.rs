//! [`NotificationStore`] for every [`SqlBackend`]: one SQL text for SQLite and PostgreSQL.

use rdv_core::{Result, Timestamp, Uuid};

use super::accounts::OutboxMessage;
use super::notifications::{
    Channel, Delivery, DeliveryStatus, FanOut, NotificationEvent, NotificationStore, Preferences,
    Webhook, WebhookInsert,
};
use super::{delivery_from_row, parse_uuid, read_one, webhook_from_row, write_one};
use crate::codec::{from_json, to_json};
use crate::sql::{SqlBackend, SqlRow, Statement, Value};

/// Rows one multi-row statement of a fan-out writes at most.
const FAN_OUT_ROWS: usize = 256;

/// Reads a `notification_events` row.
fn event_from_row(r: &impl SqlRow) -> Result<NotificationEvent> {
    Ok(NotificationEvent {
        id: r.text("id")?,
        kind: r.text("kind")?,
        reservation_id: parse_uuid(&r.text("reservation_id")?)?,
        offset_minutes: r
            .opt_int("offset_minutes")?
            .and_then(|o| u32::try_from(o).ok()),
        occurred_at: Timestamp::from_secs(r.int("occurred_at")?),
    })
}

/// One multi-row `INSERT` of outbox messages (duplicates by deduplication key ignored).
fn insert_messages(chunk: &[&OutboxMessage]) -> Statement {
    let mut insert = Statement::new(
        "INSERT INTO outbox (id, dedup_key, kind, recipient, payload, created_at, \
         status, attempts, next_attempt_at, channel) VALUES ",
    );
    for (k, m) in chunk.iter().enumerate() {
        insert.push(if k == 0 { "(" } else { ", (" });
        insert.push_list([
            Value::Text(m.id.to_string()),
            Value::Text(m.dedup_key.clone()),
            Value::Text(m.kind.clone()),
            Value::Text(m.recipient.clone()),
            Value::Text(m.payload.to_string()),
            Value::Int(m.created_at.secs()),
            Value::Text("pending".into()),
            Value::Int(0),
            Value::Int(m.created_at.secs()),
            Value::Text(m.channel.as_str().into()),
        ]);
        insert.push(")");
    }
    insert.push(" ON CONFLICT (dedup_key) DO NOTHING");
    insert
}

impl<B: SqlBackend> NotificationStore for B {
    async fn pending_events(&self, limit: u32) -> Result<Vec<NotificationEvent>> {
        let query = Statement::new(
            "SELECT id, kind, reservation_id, offset_minutes, occurred_at \
             FROM notification_events WHERE processed_at IS NULL \
             ORDER BY occurred_at, id LIMIT $1",
        )
        .int(i64::from(limit));
        let rows = self.read(&query).await?;
        rows.iter().map(event_from_row).collect()
    }

    async fn fan_out(&self, events: &[FanOut], now: Timestamp) -> Result<()> {
        if events.is_empty() {
            return Ok(());
        }
        // A few multi-row statements, not one per message: the transaction holds the write
        // lock (on SQLite, the writer task waits for it) for as short as it can.
        let messages: Vec<&OutboxMessage> = events.iter().flat_map(|e| &e.messages).collect();
        let mut tx = self.begin().await?;
        for chunk in messages.chunks(FAN_OUT_ROWS) {
            B::execute(&mut tx, &insert_messages(chunk)).await?;
        }
        for chunk in events.chunks(FAN_OUT_ROWS) {
            let mut update = Statement::new("UPDATE notification_events SET processed_at = ");
            update
                .push_bind(Value::Int(now.secs()))
                .push(" WHERE id IN (");
            update.push_list(chunk.iter().map(|e| Value::Text(e.event_id.clone())));
            update.push(")");
            B::execute(&mut tx, &update).await?;
        }
        Ok(B::commit(tx).await?)
    }

    async fn schedule_reminders(&self, now: Timestamp, offset_minutes: u32) -> Result<u64> {
        let insert = Statement::new(
            "INSERT INTO notification_events \
             (id, kind, reservation_id, offset_minutes, occurred_at) \
             SELECT 'reminder:' || CAST(id AS TEXT) || ':' || $1 || ':' \
             || CAST(start_at AS TEXT), 'reservation_reminder', CAST(id AS TEXT), $2, $3 \
             FROM reservations WHERE active AND start_at > $3 AND start_at <= $3 + $4 \
             AND created_at <= start_at - $4 \
             ON CONFLICT (id) DO NOTHING",
        )
        .text(offset_minutes.to_string())
        .int(i64::from(offset_minutes))
        .int(now.secs())
        .int(i64::from(offset_minutes) * 60);
        write_one(self, insert).await
    }

    async fn claim_deliveries(
        &self,
        owner: &str,
        channels: &[Channel],
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let claim = Statement::new(format!(
            "UPDATE outbox SET lease_owner = $1, lease_until = $2, \
             attempts = attempts + 1 WHERE id IN (SELECT id FROM outbox \
             WHERE status = 'pending' AND next_attempt_at <= $3 \
             AND (lease_until IS NULL OR lease_until <= $3) \
             AND channel IN ($5, $6, $7) \
             ORDER BY next_attempt_at, id LIMIT $4{}) RETURNING *",
            B::SKIP_LOCKED
        ))
        .text(owner)
        .int(lease_until.secs())
        .int(now.secs())
        .int(i64::from(limit))
        .text(channels.first().map_or("", |c| c.as_str()))
        .text(channels.get(1).map_or("", |c| c.as_str()))
        .text(channels.get(2).map_or("", |c| c.as_str()));
        let mut tx = self.begin().await?;
        let rows = B::fetch(&mut tx, &claim).await?;
        B::commit(tx).await?;
        let mut out: Vec<Delivery> = rows.iter().map(delivery_from_row).collect::<Result<_>>()?;
        out.sort_by_key(|d| (d.next_attempt_at, d.message.created_at));
        Ok(out)
    }

    async fn mark_sent(&self, id: Uuid, owner: &str, now: Timestamp) -> Result<bool> {
        let update = Statement::new(
            "UPDATE outbox SET status = 'sent', sent_at = $1, lease_owner = NULL, \
             lease_until = NULL, last_error = NULL, payload = CASE WHEN kind IN \
             ('password_reset', 'email_verification') THEN '{\"redacted\":true}' \
             ELSE payload END WHERE id = $2 AND lease_owner = $3 AND status = 'pending'",
        )
        .int(now.secs())
        .text(id.to_string())
        .text(owner);
        Ok(write_one(self, update).await? == 1)
    }

    async fn mark_failed(
        &self,
        id: Uuid,
        owner: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        let update = Statement::new(
            "UPDATE outbox SET status = $1, next_attempt_at = COALESCE($2, \
             next_attempt_at), last_error = $3, lease_owner = NULL, lease_until = NULL \
             WHERE id = $4 AND lease_owner = $5 AND status = 'pending'",
        )
        .text(if retry_at.is_some() {
            "pending"
        } else {
            "dead"
        })
        .bind(Value::OptInt(retry_at.map(|t| t.secs())))
        .text(error.chars().take(500).collect::<String>())
        .text(id.to_string())
        .text(owner);
        write_one(self, update).await.map(|_| ())
    }

    async fn release_leases(&self, owner: &str) -> Result<u64> {
        let update = Statement::new(
            "UPDATE outbox SET lease_owner = NULL, lease_until = NULL, \
             attempts = attempts - 1 WHERE lease_owner = $1 AND status = 'pending'",
        )
        .text(owner);
        write_one(self, update).await
    }

    async fn list_deliveries(
        &self,
        status: DeliveryStatus,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        let (at, id) = after.map_or((i64::MAX, String::new()), |(t, id)| {
            (t.secs(), id.to_string())
        });
        let query = Statement::new(
            "SELECT * FROM outbox WHERE status = $1 AND (created_at < $2 \
             OR (created_at = $2 AND id < $3) OR $3 = '') \
             ORDER BY created_at DESC, id DESC LIMIT $4",
        )
        .text(status.as_str())
        .int(at)
        .text(id)
        .int(i64::from(limit));
        let rows = self.read(&query).await?;
        rows.iter().map(delivery_from_row).collect()
    }

    async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>> {
        let query = Statement::new("SELECT * FROM outbox WHERE id = $1").text(id.to_string());
        let row = read_one(self, query).await?;
        row.as_ref().map(delivery_from_row).transpose()
    }

    async fn requeue(&self, id: Uuid, now: Timestamp) -> Result<bool> {
        let update = Statement::new(
            "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = $1, \
             last_error = NULL WHERE id = $2 AND status = 'dead'",
        )
        .int(now.secs())
        .text(id.to_string());
        Ok(write_one(self, update).await? == 1)
    }

    async fn preferences(&self, user: Uuid) -> Result<Option<Preferences>> {
        let query = Statement::new(
            "SELECT email, sms, events FROM notification_preferences WHERE user_id = $1",
        )
        .text(user.to_string());
        let row = read_one(self, query).await?;
        row.map(|r| {
            Ok(Preferences {
                email: r.flag("email")?,
                sms: r.flag("sms")?,
                events: from_json("notification_preferences.events", &r.text("events")?)?,
            })
        })
        .transpose()
    }

    async fn set_preferences(
        &self,
        user: Uuid,
        preferences: &Preferences,
        now: Timestamp,
    ) -> Result<()> {
        let upsert = Statement::new(
            "INSERT INTO notification_preferences (user_id, email, sms, events, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id) DO UPDATE SET \
             email = excluded.email, sms = excluded.sms, events = excluded.events, \
             updated_at = excluded.updated_at",
        )
        .text(user.to_string())
        .bind(Value::Bool(preferences.email))
        .bind(Value::Bool(preferences.sms))
        .text(to_json(&preferences.events)?)
        .int(now.secs());
        write_one(self, upsert).await.map(|_| ())
    }

    async fn insert_webhook(&self, webhook: &Webhook, limit: u32) -> Result<WebhookInsert> {
        let secret = self.cipher().encrypt(&webhook.secret)?;
        let count = Statement::new("SELECT count(*) AS n FROM webhooks WHERE business_id = $1")
            .text(webhook.business_id.to_string());
        let insert = Statement::new(
            "INSERT INTO webhooks (id, business_id, url, secret, events, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .text(webhook.id.to_string())
        .text(webhook.business_id.to_string())
        .text(webhook.url.clone())
        .text(secret)
        .text(to_json(&webhook.events)?)
        .int(webhook.created_at.secs());
        let mut tx = self.begin().await?;
        B::serialise_on(&mut tx, webhook.business_id).await?;
        let stored = match B::fetch(&mut tx, &count).await?.first() {
            Some(row) => row.int("n")?,
            None => 0,
        };
        if stored >= i64::from(limit) {
            B::rollback(tx).await?;
            return Ok(WebhookInsert::LimitReached);
        }
        B::execute(&mut tx, &insert).await?;
        B::commit(tx).await?;
        Ok(WebhookInsert::Inserted)
    }

    async fn list_webhooks(&self, business: Uuid) -> Result<Vec<Webhook>> {
        let query =
            Statement::new("SELECT * FROM webhooks WHERE business_id = $1 ORDER BY created_at, id")
                .text(business.to_string());
        let rows = self.read(&query).await?;
        rows.iter()
            .map(|r| webhook_from_row(r, self.cipher()))
            .collect()
    }

    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>> {
        let query = Statement::new("SELECT * FROM webhooks WHERE id = $1").text(id.to_string());
        let row = read_one(self, query).await?;
        row.as_ref()
            .map(|r| webhook_from_row(r, self.cipher()))
            .transpose()
    }

    async fn delete_webhook(&self, business: Uuid, id: Uuid) -> Result<bool> {
        let delete = Statement::new("DELETE FROM webhooks WHERE id = $1 AND business_id = $2")
            .text(id.to_string())
            .text(business.to_string());
        Ok(write_one(self, delete).await? == 1)
    }
}
