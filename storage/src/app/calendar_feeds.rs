//! Calendar feeds (issue 18 item 4, INT-2): the subscribable iCalendar feeds an owner, a staff
//! member or a client creates, each reached by a secret token stored only as its SHA-256 hash
//! (like staff invitations). The server decides who may create which feed and what it shows;
//! this module stores the feeds, rotates their token ([`CalendarFeedStore::rotate_calendar_feed`]:
//! the old hash is replaced, so the old token stops answering at once) and revokes them.

use std::future::Future;

use rdv_core::{Result, Timestamp, Uuid};

/// What a feed shows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FeedKind {
    /// Every reservation of a business, with client names.
    Business,
    /// Every reservation of one resource, with client names.
    Resource,
    /// Busy times only (of a business, or of one resource), no personal data.
    FreeBusy,
    /// One client's own reservations.
    Client,
}

impl FeedKind {
    /// The stored and answered name.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedKind::Business => "business",
            FeedKind::Resource => "resource",
            FeedKind::FreeBusy => "free_busy",
            FeedKind::Client => "client",
        }
    }

    /// The kind a name stands for.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "business" => Some(FeedKind::Business),
            "resource" => Some(FeedKind::Resource),
            "free_busy" => Some(FeedKind::FreeBusy),
            "client" => Some(FeedKind::Client),
            _ => None,
        }
    }
}

/// A calendar feed.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CalendarFeed {
    /// Identifier.
    pub id: Uuid,
    /// The account that created it and manages it.
    pub user_id: Uuid,
    /// What it shows.
    pub kind: FeedKind,
    /// The business it shows (none for a client's feed).
    pub business_id: Option<Uuid>,
    /// The resource it is narrowed to, if any.
    pub resource_id: Option<Uuid>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When its token was last replaced.
    pub rotated_at: Option<Timestamp>,
    /// When it was revoked (its token answers nothing from then on).
    pub revoked_at: Option<Timestamp>,
}

/// Storage of calendar feeds.
pub trait CalendarFeedStore: Send + Sync {
    /// Stores a new feed whose token's SHA-256 is `token_hash`.
    fn insert_calendar_feed(
        &self,
        feed: &CalendarFeed,
        token_hash: &str,
    ) -> impl Future<Output = Result<()>> + Send;
    /// The feeds of an account, revoked ones included, newest first.
    fn list_calendar_feeds(
        &self,
        user: Uuid,
    ) -> impl Future<Output = Result<Vec<CalendarFeed>>> + Send;
    /// The feed, not revoked, whose token hashes to `token_hash`.
    fn calendar_feed_by_token(
        &self,
        token_hash: &str,
    ) -> impl Future<Output = Result<Option<CalendarFeed>>> + Send;
    /// Replaces the token of `user`'s feed `id` (not revoked) by the one hashing to
    /// `token_hash`; the feed as it now stands, `None` when the account has no such open feed.
    fn rotate_calendar_feed(
        &self,
        user: Uuid,
        id: Uuid,
        token_hash: &str,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<CalendarFeed>>> + Send;
    /// Revokes `user`'s feed `id`; the feed as it now stands, `None` when the account has no
    /// such feed. Revoking twice changes nothing.
    fn revoke_calendar_feed(
        &self,
        user: Uuid,
        id: Uuid,
        now: Timestamp,
    ) -> impl Future<Output = Result<Option<CalendarFeed>>> + Send;
}
