//! Accounts and sessions of the reference server: users with their password hashes, refresh
//! token families, revoked access tokens, single-use tokens (password reset, email
//! verification), the outbox of messages to send, and idempotency records.
//!
//! These are not booking rules, so they are not core ports; the server owns their meaning and
//! this module only stores them, atomically where it matters:
//!
//! * a message announcing a change is written in the same transaction as the change
//!   ([`AccountStore::create_user`], [`AccountStore::issue_one_time_token`]);
//! * a refresh token is spent by one conditional `UPDATE`, so two concurrent refreshes with
//!   one token yield at most one success, and presenting a spent token revokes its family
//!   ([`AccountStore::rotate_refresh_token`]);
//! * a single-use token is consumed by one conditional `UPDATE`.
//!
//! One SQL text serves both backends (`$1` placeholders, UUID text, integer seconds); the
//! [`impl_account_store!`] macro instantiates it for SQLite and PostgreSQL.

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};
use serde::{Deserialize, Serialize};

/// What a user may do.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Books for themself.
    Client,
    /// Owns a business.
    Owner,
    /// Validates businesses.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Owner => "owner",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "client" => Some(Role::Client),
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A user account.
#[derive(Clone, PartialEq, Eq)]
pub struct User {
    /// Identifier (for a client, also the client profile's id).
    pub id: Uuid,
    /// Normalised email, unique.
    pub email: String,
    /// argon2id PHC string.
    pub password_hash: String,
    /// Role.
    pub role: Role,
    /// Preferred language (`en`, `fr`).
    pub locale: String,
    /// When the email was verified.
    pub email_verified_at: Option<Timestamp>,
    /// Creation time.
    pub created_at: Timestamp,
    /// Last password change; access tokens issued before it are refused.
    pub password_changed_at: Timestamp,
}

impl std::fmt::Debug for User {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("User")
            .field("id", &self.id)
            .field("role", &self.role)
            .field("email_verified_at", &self.email_verified_at)
            .finish_non_exhaustive()
    }
}

/// What a single-use token is for.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TokenPurpose {
    /// Resetting a forgotten password.
    PasswordReset,
    /// Proving an email address.
    EmailVerification,
}

impl TokenPurpose {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::PasswordReset => "password_reset",
            TokenPurpose::EmailVerification => "email_verification",
        }
    }
}

/// A single-use token, stored by hash.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OneTimeToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Whose it is.
    pub user_id: Uuid,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// Issue time.
    pub created_at: Timestamp,
    /// Refused from this instant on.
    pub expires_at: Timestamp,
}

/// A refresh token, stored by hash.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RefreshToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// The login it descends from; reuse of any spent member revokes them all.
    pub family_id: Uuid,
    /// Whose it is.
    pub user_id: Uuid,
    /// Issue time.
    pub created_at: Timestamp,
    /// Refused from this instant on.
    pub expires_at: Timestamp,
}

/// What an access token check reads about its user.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct SessionState {
    /// Tokens issued before this instant are refused.
    pub password_changed_at: Timestamp,
    /// The token's `jti` is on the denylist.
    pub revoked: bool,
}

/// How long rows that have served their purpose are kept ([`AccountStore::purge_expired`]).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Retention {
    /// Sent and dead messages, processed notification events, and refresh tokens after
    /// their expiry, are kept this long (seconds). It must exceed the longest reminder offset,
    /// since a reminder's processed event is what stops it from being recorded again.
    pub settled_secs: i64,
    /// Idempotency records are kept this long after their request (seconds).
    pub idempotency_secs: i64,
}

/// Rows deleted by one [`AccountStore::purge_expired`].
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Purged {
    /// Denylisted access tokens past their expiry.
    pub revoked_access_tokens: u64,
    /// Expired single-use tokens.
    pub one_time_tokens: u64,
    /// Refresh tokens expired for longer than the retention.
    pub refresh_tokens: u64,
    /// Idempotency records older than their retention.
    pub idempotency_keys: u64,
    /// Sent or dead messages older than the retention.
    pub messages: u64,
    /// Notification events processed longer ago than the retention.
    pub events: u64,
}

/// Rows one purge statement deletes at most, each batch in its own short transaction (on
/// SQLite the writer task waits for each).
pub const PURGE_BATCH: i64 = 500;

/// What presenting a refresh token did.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum RefreshOutcome {
    /// The token was live; it is now spent and the new one stored in its family.
    Rotated {
        /// The token's owner.
        user_id: Uuid,
        /// Its family.
        family_id: Uuid,
    },
    /// The token had already been spent: its whole family is now revoked.
    Reused,
    /// Unknown, expired or revoked.
    Invalid,
}

/// A message waiting in the outbox.
#[derive(Clone, PartialEq, Debug, Serialize, Deserialize)]
pub struct OutboxMessage {
    /// Identifier.
    pub id: Uuid,
    /// Unique per logical message, so a retried write never queues it twice.
    pub dedup_key: String,
    /// What it announces (`email_verification`, `password_reset`, …): the template name.
    pub kind: String,
    /// How it travels.
    pub channel: crate::notifications::Channel,
    /// Email address, E.164 phone number or webhook id, depending on the channel.
    pub recipient: String,
    /// What the template needs.
    pub payload: serde_json::Value,
    /// When it was queued.
    pub created_at: Timestamp,
}

/// Where a request with an `Idempotency-Key` stands.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum IdempotencyState {
    /// First time: the caller runs the request, then calls
    /// [`AccountStore::idempotency_finish`] (or [`AccountStore::idempotency_forget`]).
    Started,
    /// Done before: answer with this status and body again.
    Replay {
        /// HTTP status.
        status: u16,
        /// Response body.
        body: String,
    },
    /// The key was used for a different request.
    Mismatch,
    /// The first request with the key is still running.
    InProgress,
}

/// Storage of accounts, sessions, single-use tokens, the outbox and idempotency records.
pub trait AccountStore: Send + Sync {
    /// Inserts a user, with an optional verification token and the messages announcing it, in
    /// one transaction. `Ok(false)` when the email is already taken (nothing written).
    fn create_user(
        &self,
        user: &User,
        token: Option<&OneTimeToken>,
        messages: &[OutboxMessage],
    ) -> impl Future<Output = Result<bool>> + Send;
    /// A user by normalised email.
    fn user_by_email(&self, email: &str) -> impl Future<Output = Result<Option<User>>> + Send;
    /// A user by id.
    fn user_by_id(&self, id: Uuid) -> impl Future<Output = Result<Option<User>>> + Send;
    /// Marks the email verified.
    fn mark_email_verified(
        &self,
        user: Uuid,
        at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Replaces the password hash and revokes every refresh token of the user except those of
    /// `keep_family` (the session that made the change), in one transaction.
    fn set_password(
        &self,
        user: Uuid,
        password_hash: &str,
        at: Timestamp,
        keep_family: Option<Uuid>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Stores a single-use token (voiding the user's earlier unused ones of the same purpose)
    /// with the messages carrying it, in one transaction. With `limit = Some((max, since))`,
    /// nothing is written and `Ok(false)` returned when the user already has `max` tokens of
    /// this purpose issued since `since`; the check holds under concurrent requests (the
    /// user's row is locked for the transaction).
    fn issue_one_time_token(
        &self,
        token: &OneTimeToken,
        messages: &[OutboxMessage],
        limit: Option<(u32, Timestamp)>,
    ) -> impl Future<Output = Result<bool>> + Send;
    /// How many tokens of `purpose` the user was issued since `since` (per-account limits).
    fn count_one_time_tokens(
        &self,
        user: Uuid,
        purpose: TokenPurpose,
        since: Timestamp,
    ) -> impl Future<Output = Result<u32>> + Send;
    /// Spends a live token of `purpose`; its user, or `None` when unknown, spent or expired.
    fn consume_one_time_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<Uuid>>> + Send;
    /// Stores the first refresh token of a new login.
    fn insert_refresh_token(&self, token: &RefreshToken)
    -> impl Future<Output = Result<()>> + Send;
    /// Spends `old_hash` and stores `new_hash` in its family (same user), atomically.
    fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<RefreshOutcome>> + Send;
    /// Revokes a whole login by its family id (logout without the refresh token), for `user`.
    fn revoke_family(
        &self,
        user: Uuid,
        family: Uuid,
        now: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Revokes the family of a refresh token (logout); the family id when the token existed.
    fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<Uuid>>> + Send;
    /// Puts an access token's `jti` on the denylist until it expires.
    fn revoke_access_token(
        &self,
        jti: &str,
        expires_at: Timestamp,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Whether an access token's `jti` is on the denylist.
    fn is_access_token_revoked(&self, jti: &str) -> impl Future<Output = Result<bool>> + Send;
    /// What an access token check needs, in one statement: the user's last password change,
    /// and whether `jti` or the token's login (`family`) is revoked; `None` when the user no
    /// longer exists.
    fn session_state(
        &self,
        user: Uuid,
        jti: &str,
        family: &str,
    ) -> impl Future<Output = Result<Option<SessionState>>> + Send;
    /// Queues messages that announce no stored change of their own (one transaction).
    fn enqueue_messages(
        &self,
        messages: &[OutboxMessage],
    ) -> impl Future<Output = Result<()>> + Send;
    /// Queued messages to `recipient`, oldest first.
    fn outbox_for(
        &self,
        recipient: &str,
    ) -> impl Future<Output = Result<Vec<OutboxMessage>>> + Send;
    /// Claims an idempotency key for a request (identified by `request_hash`).
    fn idempotency_begin(
        &self,
        user: Uuid,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<IdempotencyState>> + Send;
    /// Records the response of a claimed key.
    fn idempotency_finish(
        &self,
        user: Uuid,
        key: &str,
        status: u16,
        body: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Releases a claimed key without a result (the request failed on the server's side and
    /// may be retried).
    fn idempotency_forget(&self, user: Uuid, key: &str) -> impl Future<Output = Result<()>> + Send;
    /// Whether the database answers.
    fn ping(&self) -> impl Future<Output = Result<()>> + Send;
    /// Deletes what has served its purpose: denylisted access tokens a minute past their
    /// expiry (beyond any verifier's leeway), single-use tokens past their expiry, refresh tokens, sent and dead messages and processed notification
    /// events older than `retention.settled_secs`, idempotency records older than
    /// `retention.idempotency_secs`. Pending messages and events are never touched. Works in
    /// batches of [`PURGE_BATCH`] rows.
    fn purge_expired(
        &self,
        now: Timestamp,
        retention: Retention,
    ) -> impl Future<Output = Result<Purged>> + Send;
}

/// Implements [`AccountStore`] for a store type with one SQL text. `$pool` is an expression
/// of the store's pool (with `self` bound to `$s`), `$begin` opens a write transaction on it,
/// and `$read` is the executor of a single read statement (the pool, or a store-owned
/// connection).
#[macro_export]
#[doc(hidden)]
macro_rules! impl_account_store {
    ($store:ty, $db:ty, |$s:ident| $pool:expr, |$p:ident| $begin:expr, $read:expr) => {
        impl $crate::accounts::AccountStore for $store {
            async fn create_user(
                &self,
                user: &$crate::accounts::User,
                token: Option<&$crate::accounts::OneTimeToken>,
                messages: &[$crate::accounts::OutboxMessage],
            ) -> rdv_core::Result<bool> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let inserted = sqlx::query(
                    "INSERT INTO users (id, email, password_hash, role, locale, email_verified_at, \
                     created_at, password_changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                     ON CONFLICT (email) DO NOTHING",
                )
                .bind(user.id.to_string())
                .bind(&user.email)
                .bind(&user.password_hash)
                .bind(user.role.as_str())
                .bind(&user.locale)
                .bind(user.email_verified_at.map(|t| t.secs()))
                .bind(user.created_at.secs())
                .bind(user.password_changed_at.secs())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                if inserted == 0 {
                    return Ok(false);
                }
                if let Some(token) = token {
                    $crate::accounts::sql::insert_token::<$db>(&mut *tx, token).await?;
                }
                for m in messages {
                    $crate::accounts::sql::insert_message::<$db>(&mut *tx, m).await?;
                }
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(true)
            }

            async fn user_by_email(
                &self,
                email: &str,
            ) -> rdv_core::Result<Option<$crate::accounts::User>> {
                let $s = self;
                let row = sqlx::query("SELECT * FROM users WHERE email = $1")
                    .bind(email)
                    .fetch_optional($read)
                    .await
                    .map_err($crate::codec::db_error)?;
                row.as_ref().map($crate::accounts::sql::user_from_row).transpose()
            }

            async fn user_by_id(
                &self,
                id: rdv_core::Uuid,
            ) -> rdv_core::Result<Option<$crate::accounts::User>> {
                let $s = self;
                let row = sqlx::query("SELECT * FROM users WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional($read)
                    .await
                    .map_err($crate::codec::db_error)?;
                row.as_ref().map($crate::accounts::sql::user_from_row).transpose()
            }

            async fn mark_email_verified(
                &self,
                user: rdv_core::Uuid,
                at: rdv_core::Timestamp,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "UPDATE users SET email_verified_at = $1 WHERE id = $2 \
                     AND email_verified_at IS NULL",
                )
                .bind(at.secs())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn set_password(
                &self,
                user: rdv_core::Uuid,
                password_hash: &str,
                at: rdv_core::Timestamp,
                keep_family: Option<rdv_core::Uuid>,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "UPDATE users SET password_hash = $1, password_changed_at = $2 WHERE id = $3",
                )
                .bind(password_hash)
                .bind(at.secs())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE user_id = $2 \
                     AND revoked_at IS NULL AND family_id <> $3",
                )
                .bind(at.secs())
                .bind(user.to_string())
                .bind(keep_family.map(|f| f.to_string()).unwrap_or_default())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn issue_one_time_token(
                &self,
                token: &$crate::accounts::OneTimeToken,
                messages: &[$crate::accounts::OutboxMessage],
                limit: Option<(u32, rdv_core::Timestamp)>,
            ) -> rdv_core::Result<bool> {
                use sqlx::Row as _;
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                if let Some((max, since)) = limit {
                    // Row lock on PostgreSQL; SQLite's write transaction is already exclusive.
                    sqlx::query("UPDATE users SET id = id WHERE id = $1")
                        .bind(token.user_id.to_string())
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?;
                    let row = sqlx::query(
                        "SELECT COUNT(*) AS n FROM one_time_tokens WHERE user_id = $1 \
                         AND purpose = $2 AND created_at >= $3",
                    )
                    .bind(token.user_id.to_string())
                    .bind(token.purpose.as_str())
                    .bind(since.secs())
                    .fetch_one(&mut *tx)
                    .await
                    .map_err($crate::codec::db_error)?;
                    let n: i64 = row.try_get("n").map_err($crate::codec::db_error)?;
                    if n >= i64::from(max) {
                        tx.rollback().await.map_err($crate::codec::db_error)?;
                        return Ok(false);
                    }
                }
                sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 \
                     AND used_at IS NULL",
                )
                .bind(token.created_at.secs())
                .bind(token.user_id.to_string())
                .bind(token.purpose.as_str())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                $crate::accounts::sql::insert_token::<$db>(&mut *tx, token).await?;
                for m in messages {
                    $crate::accounts::sql::insert_message::<$db>(&mut *tx, m).await?;
                }
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(true)
            }

            async fn count_one_time_tokens(
                &self,
                user: rdv_core::Uuid,
                purpose: $crate::accounts::TokenPurpose,
                since: rdv_core::Timestamp,
            ) -> rdv_core::Result<u32> {
                use sqlx::Row as _;
                let $s = self;
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM one_time_tokens WHERE user_id = $1 \
                     AND purpose = $2 AND created_at >= $3",
                )
                .bind(user.to_string())
                .bind(purpose.as_str())
                .bind(since.secs())
                .fetch_one($read)
                .await
                .map_err($crate::codec::db_error)?;
                let n: i64 = row.try_get("n").map_err($crate::codec::db_error)?;
                Ok(u32::try_from(n).unwrap_or(u32::MAX))
            }

            async fn consume_one_time_token(
                &self,
                token_hash: &str,
                purpose: $crate::accounts::TokenPurpose,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<Option<rdv_core::Uuid>> {
                use sqlx::Row as _;
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let row = sqlx::query(
                    "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 \
                     AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id",
                )
                .bind(now.secs())
                .bind(token_hash)
                .bind(purpose.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)?;
                row.map(|r| {
                    let id: String = r.try_get("user_id").map_err($crate::codec::db_error)?;
                    $crate::accounts::sql::parse_uuid(&id)
                })
                .transpose()
            }

            async fn insert_refresh_token(
                &self,
                token: &$crate::accounts::RefreshToken,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                $crate::accounts::sql::insert_refresh::<$db>(&mut *tx, token).await?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn rotate_refresh_token(
                &self,
                old_hash: &str,
                new_hash: &str,
                now: rdv_core::Timestamp,
                expires_at: rdv_core::Timestamp,
            ) -> rdv_core::Result<$crate::accounts::RefreshOutcome> {
                use sqlx::Row as _;
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                // Serialises with password changes and logouts of the same user (row lock on
                // PostgreSQL; SQLite's write transaction is already exclusive).
                sqlx::query(
                    "UPDATE users SET id = id WHERE id = \
                     (SELECT user_id FROM refresh_tokens WHERE token_hash = $1)",
                )
                .bind(old_hash)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                let spent = sqlx::query(
                    "UPDATE refresh_tokens SET used_at = $1 WHERE token_hash = $2 \
                     AND used_at IS NULL AND revoked_at IS NULL AND expires_at > $1 \
                     RETURNING user_id, family_id",
                )
                .bind(now.secs())
                .bind(old_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                let outcome = match spent {
                    Some(row) => {
                        let user: String =
                            row.try_get("user_id").map_err($crate::codec::db_error)?;
                        let family: String =
                            row.try_get("family_id").map_err($crate::codec::db_error)?;
                        let token = $crate::accounts::RefreshToken {
                            token_hash: new_hash.to_owned(),
                            family_id: $crate::accounts::sql::parse_uuid(&family)?,
                            user_id: $crate::accounts::sql::parse_uuid(&user)?,
                            created_at: now,
                            expires_at,
                        };
                        $crate::accounts::sql::insert_refresh::<$db>(&mut *tx, &token).await?;
                        $crate::accounts::RefreshOutcome::Rotated {
                            user_id: token.user_id,
                            family_id: token.family_id,
                        }
                    }
                    None => {
                        let reused = sqlx::query(
                            "UPDATE refresh_tokens SET revoked_at = $1 WHERE revoked_at IS NULL \
                             AND family_id = (SELECT family_id FROM refresh_tokens \
                             WHERE token_hash = $2 AND used_at IS NOT NULL)",
                        )
                        .bind(now.secs())
                        .bind(old_hash)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?
                        .rows_affected();
                        let known_spent = sqlx::query(
                            "SELECT 1 AS one FROM refresh_tokens WHERE token_hash = $1 \
                             AND used_at IS NOT NULL",
                        )
                        .bind(old_hash)
                        .fetch_optional(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?;
                        if reused > 0 || known_spent.is_some() {
                            $crate::accounts::RefreshOutcome::Reused
                        } else {
                            $crate::accounts::RefreshOutcome::Invalid
                        }
                    }
                };
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(outcome)
            }

            async fn revoke_family(
                &self,
                user: rdv_core::Uuid,
                family: rdv_core::Uuid,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 \
                     AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(now.secs())
                .bind(family.to_string())
                .bind(user.to_string())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn revoke_refresh_family(
                &self,
                token_hash: &str,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<Option<rdv_core::Uuid>> {
                use sqlx::Row as _;
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                let family = sqlx::query(
                    "SELECT family_id FROM refresh_tokens WHERE token_hash = $1",
                )
                .bind(token_hash)
                .fetch_optional(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                let family = match family {
                    Some(row) => {
                        let f: String =
                            row.try_get("family_id").map_err($crate::codec::db_error)?;
                        sqlx::query(
                            "UPDATE refresh_tokens SET revoked_at = $1 WHERE family_id = $2 \
                             AND revoked_at IS NULL",
                        )
                        .bind(now.secs())
                        .bind(&f)
                        .execute(&mut *tx)
                        .await
                        .map_err($crate::codec::db_error)?;
                        Some($crate::accounts::sql::parse_uuid(&f)?)
                    }
                    None => None,
                };
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(family)
            }

            async fn revoke_access_token(
                &self,
                jti: &str,
                expires_at: rdv_core::Timestamp,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2) \
                     ON CONFLICT (jti) DO NOTHING",
                )
                .bind(jti)
                .bind(expires_at.secs())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn is_access_token_revoked(&self, jti: &str) -> rdv_core::Result<bool> {
                let $s = self;
                let row = sqlx::query("SELECT 1 AS one FROM revoked_access_tokens WHERE jti = $1")
                    .bind(jti)
                    .fetch_optional($read)
                    .await
                    .map_err($crate::codec::db_error)?;
                Ok(row.is_some())
            }

            async fn session_state(
                &self,
                user: rdv_core::Uuid,
                jti: &str,
                family: &str,
            ) -> rdv_core::Result<Option<$crate::accounts::SessionState>> {
                use sqlx::Row as _;
                let $s = self;
                let row = sqlx::query(
                    "SELECT password_changed_at, (EXISTS (SELECT 1 FROM revoked_access_tokens \
                     WHERE jti = $2) OR EXISTS (SELECT 1 FROM refresh_tokens \
                     WHERE family_id = $3 AND revoked_at IS NOT NULL)) AS revoked \
                     FROM users WHERE id = $1",
                )
                .bind(user.to_string())
                .bind(jti)
                .bind(family)
                .fetch_optional($read)
                .await
                .map_err($crate::codec::db_error)?;
                row.map(|r| {
                    let changed: i64 =
                        r.try_get("password_changed_at").map_err($crate::codec::db_error)?;
                    let revoked: bool = r.try_get("revoked").map_err($crate::codec::db_error)?;
                    Ok($crate::accounts::SessionState {
                        password_changed_at: rdv_core::Timestamp::from_secs(changed),
                        revoked,
                    })
                })
                .transpose()
            }

            async fn enqueue_messages(
                &self,
                messages: &[$crate::accounts::OutboxMessage],
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                for m in messages {
                    $crate::accounts::sql::insert_message::<$db>(&mut *tx, m).await?;
                }
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn outbox_for(
                &self,
                recipient: &str,
            ) -> rdv_core::Result<Vec<$crate::accounts::OutboxMessage>> {
                let $s = self;
                let rows = sqlx::query(
                    "SELECT * FROM outbox WHERE recipient = $1 ORDER BY created_at, id",
                )
                .bind(recipient)
                .fetch_all($read)
                .await
                .map_err($crate::codec::db_error)?;
                rows.iter().map($crate::accounts::sql::message_from_row).collect()
            }

            async fn idempotency_begin(
                &self,
                user: rdv_core::Uuid,
                key: &str,
                request_hash: &str,
                now: rdv_core::Timestamp,
            ) -> rdv_core::Result<$crate::accounts::IdempotencyState> {
                use sqlx::Row as _;
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                // A claim left unfinished for a minute (its request died) may be taken over.
                let taken_over = sqlx::query(
                    "UPDATE idempotency_keys SET created_at = $4 WHERE user_id = $1 AND key = $2 \
                     AND request_hash = $3 AND status_code IS NULL AND created_at < $5",
                )
                .bind(user.to_string())
                .bind(key)
                .bind(request_hash)
                .bind(now.secs())
                .bind(now.secs() - 60)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected();
                let claimed = if taken_over == 1 { 1 } else { sqlx::query(
                    "INSERT INTO idempotency_keys (user_id, key, request_hash, created_at) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (user_id, key) DO NOTHING",
                )
                .bind(user.to_string())
                .bind(key)
                .bind(request_hash)
                .bind(now.secs())
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?
                .rows_affected() };
                let state = if claimed == 1 {
                    $crate::accounts::IdempotencyState::Started
                } else {
                    let row = sqlx::query(
                        "SELECT request_hash, status_code, response FROM idempotency_keys \
                         WHERE user_id = $1 AND key = $2",
                    )
                    .bind(user.to_string())
                    .bind(key)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err($crate::codec::db_error)?;
                    let hash: String =
                        row.try_get("request_hash").map_err($crate::codec::db_error)?;
                    let status: Option<i64> =
                        row.try_get("status_code").map_err($crate::codec::db_error)?;
                    let body: Option<String> =
                        row.try_get("response").map_err($crate::codec::db_error)?;
                    match (hash == request_hash, status, body) {
                        (false, _, _) => $crate::accounts::IdempotencyState::Mismatch,
                        (true, Some(status), Some(body)) => {
                            $crate::accounts::IdempotencyState::Replay {
                                status: u16::try_from(status).unwrap_or(500),
                                body,
                            }
                        }
                        (true, _, _) => $crate::accounts::IdempotencyState::InProgress,
                    }
                };
                tx.commit().await.map_err($crate::codec::db_error)?;
                Ok(state)
            }

            async fn idempotency_finish(
                &self,
                user: rdv_core::Uuid,
                key: &str,
                status: u16,
                body: &str,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "UPDATE idempotency_keys SET status_code = $1, response = $2 \
                     WHERE user_id = $3 AND key = $4",
                )
                .bind(i64::from(status))
                .bind(body)
                .bind(user.to_string())
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn idempotency_forget(
                &self,
                user: rdv_core::Uuid,
                key: &str,
            ) -> rdv_core::Result<()> {
                let $s = self;
                let $p = $pool;
                let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                sqlx::query(
                    "DELETE FROM idempotency_keys WHERE user_id = $1 AND key = $2 \
                     AND status_code IS NULL",
                )
                .bind(user.to_string())
                .bind(key)
                .execute(&mut *tx)
                .await
                .map_err($crate::codec::db_error)?;
                tx.commit().await.map_err($crate::codec::db_error)
            }

            async fn purge_expired(
                &self,
                now: rdv_core::Timestamp,
                retention: $crate::accounts::Retention,
            ) -> rdv_core::Result<$crate::accounts::Purged> {
                let settled = now.secs() - retention.settled_secs;
                let idempotency = now.secs() - retention.idempotency_secs;
                // (table, key, condition on the cutoff $1, cutoff): the key finds a batch's
                // rows by an index (idempotency records, keyed by two columns, by their
                // creation time: every row sharing a listed time is past the cutoff too).
                let plans: [(&str, &str, &str, i64); 6] = [
                    // A denylisted token stays listed a minute past its expiry: verifiers
                    // accept tokens a few seconds late (leeway).
                    ("revoked_access_tokens", "jti", "expires_at < $1", now.secs() - 60),
                    ("one_time_tokens", "token_hash", "expires_at < $1", now.secs()),
                    ("refresh_tokens", "token_hash", "expires_at < $1", settled),
                    ("idempotency_keys", "created_at", "created_at < $1", idempotency),
                    ("outbox", "id", "status <> 'pending' AND created_at < $1", settled),
                    (
                        "notification_events",
                        "id",
                        "processed_at IS NOT NULL AND processed_at < $1",
                        settled,
                    ),
                ];
                let mut counts = [0_u64; 6];
                for ((table, key, condition, cutoff), count) in plans.iter().zip(&mut counts) {
                    let sql = format!(
                        "DELETE FROM {table} WHERE {key} IN \
                         (SELECT {key} FROM {table} WHERE {condition} LIMIT {})",
                        $crate::accounts::PURGE_BATCH
                    );
                    loop {
                        let $s = self;
                        let $p = $pool;
                        let mut tx = $begin.await.map_err($crate::codec::db_error)?;
                        let deleted = sqlx::query(&sql)
                            .bind(*cutoff)
                            .execute(&mut *tx)
                            .await
                            .map_err($crate::codec::db_error)?
                            .rows_affected();
                        tx.commit().await.map_err($crate::codec::db_error)?;
                        *count += deleted;
                        if deleted < $crate::accounts::PURGE_BATCH as u64 {
                            break;
                        }
                    }
                }
                let [revoked_access_tokens, one_time_tokens, refresh_tokens, idempotency_keys, messages, events] =
                    counts;
                Ok($crate::accounts::Purged {
                    revoked_access_tokens,
                    one_time_tokens,
                    refresh_tokens,
                    idempotency_keys,
                    messages,
                    events,
                })
            }

            async fn ping(&self) -> rdv_core::Result<()> {
                let $s = self;
                sqlx::query("SELECT 1")
                    .execute($read)
                    .await
                    .map_err($crate::codec::db_error)
                    .map(|_| ())
            }
        }
    };
}

/// Statements and row readers shared by both instantiations.
#[doc(hidden)]
pub mod sql {
    use rdv_core::{Error, Result, Timestamp, Uuid};
    use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, Row, Type};

    use super::{OneTimeToken, OutboxMessage, RefreshToken, Role, User};
    use crate::codec::db_error;

    /// Parses a stored UUID.
    pub fn parse_uuid(s: &str) -> Result<Uuid> {
        Uuid::parse_str(s).map_err(|_| Error::DataIntegrity {
            field: format!("identifier {s:?}"),
        })
    }

    /// Reads a column, with the store's error mapping.
    pub fn get<'r, R, T>(row: &'r R, col: &str) -> Result<T>
    where
        R: Row,
        for<'c> &'c str: ColumnIndex<R>,
        T: Decode<'r, R::Database> + Type<R::Database>,
    {
        row.try_get(col).map_err(db_error)
    }

    /// Reads a `users` row.
    pub fn user_from_row<R>(row: &R) -> Result<User>
    where
        R: Row,
        for<'c> &'c str: ColumnIndex<R>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> Option<i64>: Decode<'r, R::Database> + Type<R::Database>,
    {
        let role: String = get(row, "role")?;
        Ok(User {
            id: parse_uuid(&get::<R, String>(row, "id")?)?,
            email: get(row, "email")?,
            password_hash: get(row, "password_hash")?,
            role: Role::parse(&role).ok_or_else(|| Error::DataIntegrity {
                field: format!("users.role {role:?}"),
            })?,
            locale: get(row, "locale")?,
            email_verified_at: get::<R, Option<i64>>(row, "email_verified_at")?
                .map(Timestamp::from_secs),
            created_at: Timestamp::from_secs(get(row, "created_at")?),
            password_changed_at: Timestamp::from_secs(get(row, "password_changed_at")?),
        })
    }

    /// Reads an `outbox` row.
    pub fn message_from_row<R>(row: &R) -> Result<OutboxMessage>
    where
        R: Row,
        for<'c> &'c str: ColumnIndex<R>,
        for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
        for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
    {
        let payload: String = get(row, "payload")?;
        Ok(OutboxMessage {
            id: parse_uuid(&get::<R, String>(row, "id")?)?,
            dedup_key: get(row, "dedup_key")?,
            kind: get(row, "kind")?,
            channel: crate::notifications::sql::channel_of(&get::<R, String>(row, "channel")?)?,
            recipient: get(row, "recipient")?,
            payload: serde_json::from_str(&payload).map_err(|_| Error::DataIntegrity {
                field: "outbox.payload".into(),
            })?,
            created_at: Timestamp::from_secs(get(row, "created_at")?),
        })
    }

    /// Inserts a single-use token.
    pub async fn insert_token<DB>(conn: &mut DB::Connection, t: &OneTimeToken) -> Result<()>
    where
        DB: Database,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        for<'q> String: Encode<'q, DB> + Type<DB>,
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Type<DB>,
        for<'q> <DB as Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    {
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.token_hash.clone())
        .bind(t.user_id.to_string())
        .bind(t.purpose.as_str())
        .bind(t.created_at.secs())
        .bind(t.expires_at.secs())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Inserts a refresh token.
    pub async fn insert_refresh<DB>(conn: &mut DB::Connection, t: &RefreshToken) -> Result<()>
    where
        DB: Database,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        for<'q> String: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Type<DB>,
        for<'q> <DB as Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    {
        sqlx::query(
            "INSERT INTO refresh_tokens (token_hash, family_id, user_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(t.token_hash.clone())
        .bind(t.family_id.to_string())
        .bind(t.user_id.to_string())
        .bind(t.created_at.secs())
        .bind(t.expires_at.secs())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }

    /// Queues a message; a second message with the same `dedup_key` is ignored.
    pub async fn insert_message<DB>(conn: &mut DB::Connection, m: &OutboxMessage) -> Result<()>
    where
        DB: Database,
        for<'c> &'c mut DB::Connection: Executor<'c, Database = DB>,
        for<'q> String: Encode<'q, DB> + Type<DB>,
        for<'q> i64: Encode<'q, DB> + Type<DB>,
        for<'q> <DB as Database>::Arguments<'q>: sqlx::IntoArguments<'q, DB>,
    {
        sqlx::query(
            "INSERT INTO outbox (id, dedup_key, kind, recipient, payload, created_at, status, \
             attempts, next_attempt_at, channel) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $6, $7) \
             ON CONFLICT (dedup_key) DO NOTHING",
        )
        .bind(m.id.to_string())
        .bind(m.dedup_key.clone())
        .bind(m.kind.clone())
        .bind(m.recipient.clone())
        .bind(m.payload.to_string())
        .bind(m.created_at.secs())
        .bind(m.channel.as_str().to_owned())
        .execute(&mut *conn)
        .await
        .map_err(db_error)?;
        Ok(())
    }
}
