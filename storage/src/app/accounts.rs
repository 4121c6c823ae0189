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
//! One SQL text serves both backends (`$1` placeholders, UUID text, integer seconds): the
//! implementation ([`super::account_store`]) is generic over [`crate::sql::SqlBackend`].

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
    /// Works for a business, on one resource's calendar ([`super::staff`]).
    Staff,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Staff => "staff",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "client" => Some(Role::Client),
            "owner" => Some(Role::Owner),
            "admin" => Some(Role::Admin),
            "staff" => Some(Role::Staff),
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
    pub channel: super::notifications::Channel,
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
