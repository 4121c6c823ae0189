//! [`CalendarFeedStore`] for every [`SqlBackend`]: one SQL text for SQLite and PostgreSQL.

use rdv_core::{Error, Result, Timestamp, Uuid};

use super::calendar_feeds::{CalendarFeed, CalendarFeedStore, FeedKind};
use super::{parse_uuid, read_one, write_one};
use crate::sql::{SqlBackend, SqlRow, Statement, Value};

/// The columns every read returns.
const COLUMNS: &str =
    "id, user_id, kind, business_id, resource_id, created_at, rotated_at, revoked_at";

/// Reads a `calendar_feeds` row.
fn feed_from_row(row: &impl SqlRow) -> Result<CalendarFeed> {
    let kind = row.text("kind")?;
    let opt_uuid = |col: &str| -> Result<Option<Uuid>> {
        row.opt_text(col)?.as_deref().map(parse_uuid).transpose()
    };
    Ok(CalendarFeed {
        id: parse_uuid(&row.text("id")?)?,
        user_id: parse_uuid(&row.text("user_id")?)?,
        kind: FeedKind::parse(&kind).ok_or_else(|| Error::DataIntegrity {
            field: format!("calendar_feeds.kind {kind:?}"),
        })?,
        business_id: opt_uuid("business_id")?,
        resource_id: opt_uuid("resource_id")?,
        created_at: Timestamp::from_secs(row.int("created_at")?),
        rotated_at: row.opt_int("rotated_at")?.map(Timestamp::from_secs),
        revoked_at: row.opt_int("revoked_at")?.map(Timestamp::from_secs),
    })
}

/// One feed of an account.
fn by_id(user: Uuid, id: Uuid) -> Statement {
    Statement::new(format!(
        "SELECT {COLUMNS} FROM calendar_feeds WHERE user_id = $1 AND id = $2"
    ))
    .text(user.to_string())
    .text(id.to_string())
}

/// An optional identifier as text.
fn opt_text(id: Option<Uuid>) -> Value {
    Value::OptText(id.map(|u| u.to_string()))
}

impl<B: SqlBackend> CalendarFeedStore for B {
    async fn insert_calendar_feed(&self, feed: &CalendarFeed, token_hash: &str) -> Result<()> {
        let insert = Statement::new(
            "INSERT INTO calendar_feeds (id, user_id, kind, business_id, resource_id, \
             token_hash, created_at, rotated_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL)",
        )
        .text(feed.id.to_string())
        .text(feed.user_id.to_string())
        .text(feed.kind.as_str())
        .bind(opt_text(feed.business_id))
        .bind(opt_text(feed.resource_id))
        .text(token_hash)
        .int(feed.created_at.secs());
        write_one(self, insert).await?;
        Ok(())
    }

    async fn list_calendar_feeds(&self, user: Uuid) -> Result<Vec<CalendarFeed>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM calendar_feeds WHERE user_id = $1 \
             ORDER BY created_at DESC, id"
        ))
        .text(user.to_string());
        self.read(&query).await?.iter().map(feed_from_row).collect()
    }

    async fn calendar_feed_by_token(&self, token_hash: &str) -> Result<Option<CalendarFeed>> {
        let query = Statement::new(format!(
            "SELECT {COLUMNS} FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL"
        ))
        .text(token_hash);
        read_one(self, query)
            .await?
            .as_ref()
            .map(feed_from_row)
            .transpose()
    }

    async fn rotate_calendar_feed(
        &self,
        user: Uuid,
        id: Uuid,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<CalendarFeed>> {
        let update = Statement::new(
            "UPDATE calendar_feeds SET token_hash = $1, rotated_at = $2 \
             WHERE user_id = $3 AND id = $4 AND revoked_at IS NULL",
        )
        .text(token_hash)
        .int(now.secs())
        .text(user.to_string())
        .text(id.to_string());
        if write_one(self, update).await? == 0 {
            return Ok(None);
        }
        read_one(self, by_id(user, id))
            .await?
            .as_ref()
            .map(feed_from_row)
            .transpose()
    }

    async fn revoke_calendar_feed(
        &self,
        user: Uuid,
        id: Uuid,
        now: Timestamp,
    ) -> Result<Option<CalendarFeed>> {
        let update = Statement::new(
            "UPDATE calendar_feeds SET revoked_at = $1 \
             WHERE user_id = $2 AND id = $3 AND revoked_at IS NULL",
        )
        .int(now.secs())
        .text(user.to_string())
        .text(id.to_string());
        write_one(self, update).await?;
        read_one(self, by_id(user, id))
            .await?
            .as_ref()
            .map(feed_from_row)
            .transpose()
    }
}
