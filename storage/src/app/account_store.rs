//! [`AccountStore`] for every [`SqlBackend`]: one SQL text for SQLite and PostgreSQL.

use rdv_core::{Result, Timestamp, Uuid};

use super::accounts::{
    AccountStore, IdempotencyState, OneTimeToken, OutboxMessage, PURGE_BATCH, Purged,
    RefreshOutcome, RefreshToken, Retention, SessionState, TokenPurpose, User,
};
use super::{
    insert_message, insert_user, message_from_row, parse_uuid, read_one, user_from_row, write_one,
};
use crate::error::StorageError;
use crate::sql::{SqlBackend, SqlRow, Statement};

/// Inserts a single-use token.
fn insert_token(t: &OneTimeToken) -> Statement {
    Statement::new(
        "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .text(t.token_hash.clone())
    .text(t.user_id.to_string())
    .text(t.purpose.as_str())
    .int(t.created_at.secs())
    .int(t.expires_at.secs())
}

/// Inserts a refresh token.
fn insert_refresh(t: &RefreshToken) -> Statement {
    Statement::new(
        "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .text(t.token_hash.clone())
    .text(t.family_id.to_string())
    .text(t.user_id.to_string())
    .int(t.created_at.secs())
    .int(t.expires_at.secs())
}

/// Counts the tokens of a purpose a user was issued since a time (column `n`).
fn count_tokens(user: Uuid, purpose: TokenPurpose, since: Timestamp) -> Statement {
    Statement::new(
        "SELECT COUNT(*) AS n FROM one_time_tokens WHERE user_id = $1 \
         AND purpose = $2 AND created_at >= $3",
    )
    .text(user.to_string())
    .text(purpose.as_str())
    .int(since.secs())
}

/// Queues messages in an open transaction.
async fn queue<B: SqlBackend>(tx: &mut B::Tx, messages: &[OutboxMessage]) -> Result<()> {
    for m in messages {
        B::execute(tx, &insert_message(m)).await?;
    }
    Ok(())
}

impl<B: SqlBackend> AccountStore for B {
    async fn create_user(
        &self,
        user: &User,
        token: Option<&OneTimeToken>,
        messages: &[OutboxMessage],
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        let insert = insert_user(user);
        if B::execute(&mut tx, &insert).await? == 0 {
            return Ok(false);
        }
        if let Some(token) = token {
            B::execute(&mut tx, &insert_token(token)).await?;
        }
        queue::<B>(&mut tx, messages).await?;
        B::commit(tx).await?;
        Ok(true)
    }

    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let query = Statement::new("SELECT * FROM users WHERE email = $1").text(email);
        let row = read_one(self, query).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>> {
        let query = Statement::new("SELECT * FROM users WHERE id = $1").text(id.to_string());
        let row = read_one(self, query).await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn mark_email_verified(&self, user: Uuid, at: Timestamp) -> Result<()> {
        let update = Statement::new(
            "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
        )
        .int(at.secs())
        .text(user.to_string());
        write_one(self, update).await.map(|_| ())
    }

    async fn set_password(
        &self,
        user: Uuid,
        password_hash: &str,
        at: Timestamp,
        keep_family: Option<Uuid>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let update = Statement::new(
            "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
        )
        .text(password_hash)
        .int(at.secs())
        .text(user.to_string());
        B::execute(&mut tx, &update).await?;
        let revoke = Statement::new(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 \
             AND revoked_at IS NULL AND family_id <> $3",
        )
        .int(at.secs())
        .text(user.to_string())
        .text(keep_family.map(|f| f.to_string()).unwrap_or_default());
        B::execute(&mut tx, &revoke).await?;
        Ok(B::commit(tx).await?)
    }

    async fn issue_one_time_token(
        &self,
        token: &OneTimeToken,
        messages: &[OutboxMessage],
        limit: Option<(u32, Timestamp)>,
    ) -> Result<bool> {
        let mut tx = self.begin().await?;
        if let Some((max, since)) = limit {
            // Row lock on PostgreSQL; SQLite's write transaction is already exclusive.
            let lock = Statement::new("UPDATE users SET id = id WHERE id = $1")
                .text(token.user_id.to_string());
            B::execute(&mut tx, &lock).await?;
            let count = count_tokens(token.user_id, token.purpose, since);
            let n = match B::fetch(&mut tx, &count).await?.first() {
                Some(row) => row.int("n")?,
                None => 0,
            };
            if n >= i64::from(max) {
                B::rollback(tx).await?;
                return Ok(false);
            }
        }
        let void = Statement::new(
            "UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 \
             AND used_at IS NULL",
        )
        .int(token.created_at.secs())
        .text(token.user_id.to_string())
        .text(token.purpose.as_str());
        B::execute(&mut tx, &void).await?;
        B::execute(&mut tx, &insert_token(token)).await?;
        queue::<B>(&mut tx, messages).await?;
        B::commit(tx).await?;
        Ok(true)
    }

    async fn count_one_time_tokens(
        &self,
        user: Uuid,
        purpose: TokenPurpose,
        since: Timestamp,
    ) -> Result<u32> {
        let n = match read_one(self, count_tokens(user, purpose, since)).await? {
            Some(row) => row.int("n")?,
            None => 0,
        };
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    async fn consume_one_time_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        let spend = Statement::new(
            "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 \
             AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
        )
        .int(now.secs())
        .text(token_hash)
        .text(purpose.as_str());
        let rows = B::fetch(&mut tx, &spend).await?;
        B::commit(tx).await?;
        rows.first()
            .map(|r| parse_uuid(&r.text("user_id")?))
            .transpose()
    }

    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        write_one(self, insert_refresh(token)).await.map(|_| ())
    }

    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<RefreshOutcome> {
        let mut tx = self.begin().await?;
        // Serialises with password changes and logouts of the same user (row lock on
        // PostgreSQL; SQLite's write transaction is already exclusive).
        let lock = Statement::new(
            "UPDATE users SET id = id WHERE id = \
             (SELECT user_id FROM refresh_tokens WHERE token_hash = $1)",
        )
        .text(old_hash);
        B::execute(&mut tx, &lock).await?;
        let spend = Statement::new(
            "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 \
             AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
             RETURNING user_id, family_id",
        )
        .int(now.secs())
        .text(old_hash);
        let spent = B::fetch(&mut tx, &spend).await?;
        let outcome = match spent.first() {
            Some(row) => {
                let token = RefreshToken {
                    token_hash: new_hash.to_owned(),
                    family_id: parse_uuid(&row.text("family_id")?)?,
                    user_id: parse_uuid(&row.text("user_id")?)?,
                    created_at: now,
                    expires_at,
                };
                B::execute(&mut tx, &insert_refresh(&token)).await?;
                RefreshOutcome::Rotated {
                    user_id: token.user_id,
                    family_id: token.family_id,
                }
            }
            None => {
                let revoke = Statement::new(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
                     AND family_id = (SELECT family_id FROM refresh_tokens \
                     WHERE token_hash = $2 AND used_at IS NOT NULL)",
                )
                .int(now.secs())
                .text(old_hash);
                let reused = B::execute(&mut tx, &revoke).await?;
                let spent = Statement::new(
                    "SELECT 1 AS one FROM refresh_tokens WHERE token_hash = $1 \
                     AND used_at IS NOT NULL",
                )
                .text(old_hash);
                let known_spent = !B::fetch(&mut tx, &spent).await?.is_empty();
                if reused > 0 || known_spent {
                    RefreshOutcome::Reused
                } else {
                    RefreshOutcome::Invalid
                }
            }
        };
        B::commit(tx).await?;
        Ok(outcome)
    }

    async fn revoke_family(&self, user: Uuid, family: Uuid, now: Timestamp) -> Result<()> {
        let revoke = Statement::new(
            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 \
             AND user_id = $3 AND revoked_at IS NULL",
        )
        .int(now.secs())
        .text(family.to_string())
        .text(user.to_string());
        write_one(self, revoke).await.map(|_| ())
    }

    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Uuid>> {
        let mut tx = self.begin().await?;
        let find = Statement::new("SELECT family_id FROM refresh_tokens WHERE token_hash = $1")
            .text(token_hash);
        let family = match B::fetch(&mut tx, &find).await?.first() {
            Some(row) => {
                let f = row.text("family_id")?;
                let revoke = Statement::new(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 \
                     AND revoked_at IS NULL",
                )
                .int(now.secs())
                .text(f.clone());
                B::execute(&mut tx, &revoke).await?;
                Some(parse_uuid(&f)?)
            }
            None => None,
        };
        B::commit(tx).await?;
        Ok(family)
    }

    async fn revoke_access_token(&self, jti: &str, expires_at: Timestamp) -> Result<()> {
        let insert = Statement::new(
            "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) \
             ON CONFLICT (jti) DO NOTHING",
        )
        .text(jti)
        .int(expires_at.secs());
        write_one(self, insert).await.map(|_| ())
    }

    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool> {
        let query =
            Statement::new("SELECT 1 AS one FROM revoked_access_tokens WHERE jti = $1").text(jti);
        Ok(read_one(self, query).await?.is_some())
    }

    async fn session_state(
        &self,
        user: Uuid,
        jti: &str,
        family: &str,
    ) -> Result<Option<SessionState>> {
        let query = Statement::new(
            "SELECT password_changed_at, (EXISTS (SELECT 1 FROM revoked_access_tokens \
             WHERE jti = $2) OR EXISTS (SELECT 1 FROM refresh_tokens \
             WHERE family_id = $3 AND revoked_at IS NOT NULL)) AS revoked \
             FROM users WHERE id = $1",
        )
        .text(user.to_string())
        .text(jti)
        .text(family);
        let row = read_one(self, query).await?;
        row.map(|r| {
            Ok(SessionState {
                password_changed_at: Timestamp::from_secs(r.int("password_changed_at")?),
                revoked: r.flag("revoked")?,
            })
        })
        .transpose()
    }

    async fn enqueue_messages(&self, messages: &[OutboxMessage]) -> Result<()> {
        let mut tx = self.begin().await?;
        queue::<B>(&mut tx, messages).await?;
        Ok(B::commit(tx).await?)
    }

    async fn outbox_for(&self, recipient: &str) -> Result<Vec<OutboxMessage>> {
        let query =
            Statement::new("SELECT * FROM outbox WHERE recipient = $1 ORDER BY created_at, id")
                .text(recipient);
        let rows = self.read(&query).await?;
        rows.iter().map(message_from_row).collect()
    }

    async fn idempotency_begin(
        &self,
        user: Uuid,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<IdempotencyState> {
        let mut tx = self.begin().await?;
        // A claim left unfinished for a minute (its request died) may be taken over.
        let take_over = Statement::new(
            "UPDATE idempotency_keys SET created_at = $4 WHERE user_id = $1 AND key = $2 \
             AND request_hash = $3 AND status_code IS NULL AND created_at < $5",
        )
        .text(user.to_string())
        .text(key)
        .text(request_hash)
        .int(now.secs())
        .int(now.secs() - 60);
        let claimed = match B::execute(&mut tx, &take_over).await? {
            1 => 1,
            _ => {
                let claim = Statement::new(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING",
                )
                .text(user.to_string())
                .text(key)
                .text(request_hash)
                .int(now.secs());
                B::execute(&mut tx, &claim).await?
            }
        };
        let state = if claimed == 1 {
            IdempotencyState::Started
        } else {
            let find = Statement::new(
                "SELECT request_hash, status_code, response FROM idempotency_keys \
                 WHERE user_id = $1 AND key = $2",
            )
            .text(user.to_string())
            .text(key);
            let rows = B::fetch(&mut tx, &find).await?;
            let row = rows
                .first()
                .ok_or(StorageError::Database(sqlx::Error::RowNotFound))?;
            let hash = row.text("request_hash")?;
            let status = row.opt_int("status_code")?;
            let body = row.opt_text("response")?;
            match (hash == request_hash, status, body) {
                (false, _, _) => IdempotencyState::Mismatch,
                (true, Some(status), Some(body)) => IdempotencyState::Replay {
                    status: u16::try_from(status).unwrap_or(500),
                    body,
                },
                (true, _, _) => IdempotencyState::InProgress,
            }
        };
        B::commit(tx).await?;
        Ok(state)
    }

    async fn idempotency_finish(
        &self,
        user: Uuid,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        let update = Statement::new(
            "UPDATE idempotency_keys SET status_code = $1, response = $2 \
             WHERE user_id = $3 AND key = $4",
        )
        .int(i64::from(status))
        .text(body)
        .text(user.to_string())
        .text(key);
        write_one(self, update).await.map(|_| ())
    }

    async fn idempotency_forget(&self, user: Uuid, key: &str) -> Result<()> {
        let delete = Statement::new(
            "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 \
             AND status_code IS NULL",
        )
        .text(user.to_string())
        .text(key);
        write_one(self, delete).await.map(|_| ())
    }

    async fn ping(&self) -> Result<()> {
        self.read(&Statement::new("SELECT 1")).await?;
        Ok(())
    }

    async fn purge_expired(&self, now: Timestamp, retention: Retention) -> Result<Purged> {
        let settled = now.secs() - retention.settled_secs;
        let idempotency = now.secs() - retention.idempotency_secs;
        // (table, key, condition on the cutoff $1, cutoff): the key finds a batch's rows by
        // an index (idempotency records, keyed by two columns, by their creation time: every
        // row sharing a listed time is past the cutoff too).
        let plans: [(&str, &str, &str, i64); 6] = [
            // A denylisted token stays listed a minute past its expiry: verifiers accept
            // tokens a few seconds late (leeway).
            (
                "revoked_access_tokens",
                "jti",
                "expires_at < $1",
                now.secs() - 60,
            ),
            (
                "one_time_tokens",
                "token_hash",
                "expires_at < $1",
                now.secs(),
            ),
            ("refresh_tokens", "token_hash", "expires_at < $1", settled),
            (
                "idempotency_keys",
                "created_at",
                "created_at < $1",
                idempotency,
            ),
            (
                "outbox",
                "id",
                "status <> 'pending' AND created_at < $1",
                settled,
            ),
            (
                "notification_events",
                "id",
                "processed_at IS NOT NULL AND processed_at < $1",
                settled,
            ),
        ];
        let mut counts = [0_u64; 6];
        for ((table, key, condition, cutoff), count) in plans.iter().zip(&mut counts) {
            let delete = Statement::new(format!(
                "DELETE FROM {table} WHERE {key} IN \
                 (SELECT {key} FROM {table} WHERE {condition} LIMIT {PURGE_BATCH})"
            ))
            .int(*cutoff);
            loop {
                let deleted = write_one(self, delete.clone()).await?;
                *count += deleted;
                if deleted < PURGE_BATCH as u64 {
                    break;
                }
            }
        }
        let [
            revoked_access_tokens,
            one_time_tokens,
            refresh_tokens,
            idempotency_keys,
            messages,
            events,
        ] = counts;
        Ok(Purged {
            revoked_access_tokens,
            one_time_tokens,
            refresh_tokens,
            idempotency_keys,
            messages,
            events,
        })
    }
}
