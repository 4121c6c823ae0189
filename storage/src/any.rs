//! [`AnyStore`]: one type for either backend, chosen from the database URL at start-up, so the
//! server runs on SQLite or PostgreSQL with no other change. Every port method is forwarded to
//! the backend inside by one macro, [`delegate!`], from one list of signatures: a new port
//! method is one more line in that list.

// The ports and the types of their signatures.
use crate::accounts::*;
use crate::calendar_feeds::*;
use crate::images::*;
use crate::notifications::*;
use crate::staff::*;
use rdv_core::model::*;
use rdv_core::ports::*;
use rdv_core::search::{SearchHit, SearchQuery};
use rdv_core::{Error, Interval, Result, Timestamp, Uuid};

use crate::{FieldCipher, PgStore, SqliteStore};

/// Either backend.
#[derive(Debug)]
pub enum AnyStore {
    /// The embedded default.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    Postgres(PgStore),
}

/// Which backend a URL names.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Backend {
    /// `sqlite:` URLs.
    Sqlite,
    /// `postgres:` and `postgresql:` URLs.
    Postgres,
}

impl Backend {
    /// The backend of a database URL; a validation error on `database_url` otherwise.
    pub fn of_url(url: &str) -> Result<Backend> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(Error::field(
                "database_url",
                "invalid_format",
                "database_url must start with sqlite:, postgres:// or postgresql://",
            ))
        }
    }
}

impl AnyStore {
    /// Opens and migrates the database at `url`.
    pub async fn open(url: &str, cipher: FieldCipher) -> Result<AnyStore> {
        Ok(match Backend::of_url(url)? {
            Backend::Sqlite => AnyStore::Sqlite(SqliteStore::open(url, cipher).await?),
            Backend::Postgres => AnyStore::Postgres(PgStore::open(url, cipher).await?),
        })
    }

    /// Applies pending migrations only (the CLI's `migrate`).
    pub async fn migrate(url: &str) -> Result<()> {
        match Backend::of_url(url)? {
            Backend::Sqlite => crate::sqlite::migrate(url).await,
            Backend::Postgres => {
                crate::postgres::migrate(crate::postgres::connect_options(url)?).await
            }
        }
    }

    /// Which backend this is.
    pub fn backend(&self) -> Backend {
        match self {
            AnyStore::Sqlite(_) => Backend::Sqlite,
            AnyStore::Postgres(_) => Backend::Postgres,
        }
    }

    /// Folds the changes recorded for the statistics' rollup into it; how many there were.
    pub async fn fold_stats(&self) -> Result<u64> {
        match self {
            AnyStore::Sqlite(s) => s.fold_stats().await,
            AnyStore::Postgres(s) => s.fold_stats().await,
        }
    }

    /// Statements run so far.
    pub fn query_count(&self) -> u64 {
        match self {
            AnyStore::Sqlite(s) => s.query_count(),
            AnyStore::Postgres(s) => s.query_count(),
        }
    }
}

/// Implements each listed trait for [`AnyStore`], every listed method running the same call
/// on whichever backend is inside. Takes `Trait { fn method(&self, arg: Type, …) -> Ret; … }`.
macro_rules! delegate {
    ($($port:ident { $(fn $method:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)* })*) => {
        $(impl $port for AnyStore {
            $(async fn $method(&self $(, $arg: $ty)*) -> $ret {
                match self {
                    AnyStore::Sqlite(s) => s.$method($($arg),*).await,
                    AnyStore::Postgres(s) => s.$method($($arg),*).await,
                }
            })*
        })*
    };
}

delegate! {
    DirectoryStore {
        fn get_business(&self, id: BusinessId) -> Result<Option<Business>>;
        fn save_business(&self, business: &Business) -> Result<()>;
        fn list_businesses(&self, filter: &BusinessFilter, sort: BusinessSort, page: &PageRequest) -> Result<Page<Business>>;
        fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>>;
        fn save_resource(&self, resource: &Resource) -> Result<()>;
        fn delete_resource(&self, id: ResourceId, now: Timestamp) -> Result<()>;
        fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>>;
        fn get_service(&self, id: ServiceId) -> Result<Option<Service>>;
        fn save_service(&self, service: &Service) -> Result<()>;
        fn save_directory(&self, resources: &[Resource], services: &[Service]) -> Result<()>;
        fn list_services(&self, business: BusinessId) -> Result<Vec<Service>>;
        fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>>;
        fn save_client(&self, client: &ClientProfile) -> Result<()>;
        fn business_clients(&self, business: BusinessId) -> Result<Vec<ClientProfile>>;
        fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>>;
        fn categories_in_use(&self) -> Result<Vec<rdv_core::catalog::CategoryCount>>;
    }
    AvailabilityStore {
        fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>>;
        fn list_windows(&self, resources: &[ResourceId], range: Interval) -> Result<Vec<AvailabilityWindow>>;
        fn insert_windows(&self, windows: &[AvailabilityWindow]) -> Result<()>;
        fn update_window(&self, window: &AvailabilityWindow) -> Result<()>;
        fn delete_window(&self, id: AvailabilityId) -> Result<()>;
    }
    ContactStore {
        fn insert_contacts(&self, contacts: &[rdv_core::contacts::Contact]) -> Result<()>;
        fn business_contacts(&self, business: BusinessId) -> Result<Vec<rdv_core::contacts::Contact>>;
    }
    BusyTimeStore {
        fn replace_busy_times(&self, resource: ResourceId, source: &str, busy: &[rdv_core::busy_times::BusyTime]) -> Result<u64>;
        fn list_busy_times(&self, resource: ResourceId, source: Option<&str>, range: Interval) -> Result<Vec<rdv_core::busy_times::BusyTime>>;
        fn list_external_busy(&self, resources: &[ResourceId], range: Interval) -> Result<Vec<rdv_core::busy_times::ExternalBusy>>;
    }
    Store {
        fn load_schedule(&self, service: ServiceId, windows: Interval, slots: Interval) -> Result<Option<ScheduleInputs>>;
    }
    ReservationStore {
        fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>>;
        fn list_active_for_resources(&self, resources: &[ResourceId], range: Interval) -> Result<Vec<Reservation>>;
        fn list_busy(&self, resources: &[ResourceId], range: Interval) -> Result<Vec<BusyPeriod>>;
        fn list_active_for_client(&self, client: ClientId, range: Interval) -> Result<Vec<Reservation>>;
        fn insert_reservation(&self, reservation: &Reservation, seats: u32) -> Result<()>;
        fn insert_on_first_free(&self, reservation: &Reservation, resources: &[ResourceId], seats: u32) -> Result<ResourceId>;
        fn update_reservation(&self, reservation: &Reservation, recheck_seats: Option<u32>) -> Result<()>;
        fn list_reservations(&self, filter: &ReservationFilter, sort: ReservationSort, page: &PageRequest) -> Result<Page<ReservationView>>;
        fn calendar_reservations(&self, business: BusinessId, range: Interval, include_archived: bool) -> Result<Vec<rdv_core::calendar::CalendarRow>>;
        fn archive_reservations(&self, ended_before: Timestamp) -> Result<u64>;
    }
    StatsStore {
        fn stats_aggregates(&self, request: &rdv_core::stats::AggregateRequest) -> Result<rdv_core::stats::AggregateRows>;
    }
    WaitlistStore {
        fn insert_waitlist_entry(&self, entry: &rdv_core::waitlist::WaitlistEntry) -> Result<()>;
        fn get_waitlist_entry(&self, id: WaitlistId) -> Result<Option<rdv_core::waitlist::WaitlistEntry>>;
        fn open_waitlist_entries(&self, limit: u32) -> Result<Vec<rdv_core::waitlist::WaitlistEntry>>;
        fn list_waitlist(&self, client: Option<ClientId>, business: Option<BusinessId>) -> Result<Vec<rdv_core::waitlist::WaitlistEntry>>;
        fn update_waitlist_entry(&self, entry: &rdv_core::waitlist::WaitlistEntry, expected: rdv_core::waitlist::WaitlistStatus) -> Result<bool>;
    }
    AccountStore {
        fn create_user(&self, user: &User, token: Option<&OneTimeToken>, messages: &[OutboxMessage]) -> Result<bool>;
        fn user_by_email(&self, email: &str) -> Result<Option<User>>;
        fn user_by_id(&self, id: Uuid) -> Result<Option<User>>;
        fn mark_email_verified(&self, user: Uuid, at: Timestamp) -> Result<()>;
        fn set_password(&self, user: Uuid, password_hash: &str, at: Timestamp, keep_family: Option<Uuid>) -> Result<()>;
        fn issue_one_time_token(&self, token: &OneTimeToken, messages: &[OutboxMessage], limit: Option<(u32, Timestamp)>) -> Result<bool>;
        fn count_one_time_tokens(&self, user: Uuid, purpose: TokenPurpose, since: Timestamp) -> Result<u32>;
        fn consume_one_time_token(&self, token_hash: &str, purpose: TokenPurpose, now: Timestamp) -> Result<Option<Uuid>>;
        fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()>;
        fn rotate_refresh_token(&self, old_hash: &str, new_hash: &str, now: Timestamp, expires_at: Timestamp) -> Result<RefreshOutcome>;
        fn revoke_refresh_family(&self, token_hash: &str, now: Timestamp) -> Result<Option<Uuid>>;
        fn revoke_access_token(&self, jti: &str, expires_at: Timestamp) -> Result<()>;
        fn is_access_token_revoked(&self, jti: &str) -> Result<bool>;
        fn session_state(&self, user: Uuid, jti: &str, family: &str) -> Result<Option<SessionState>>;
        fn revoke_family(&self, user: Uuid, family: Uuid, now: Timestamp) -> Result<()>;
        fn enqueue_messages(&self, messages: &[OutboxMessage]) -> Result<()>;
        fn outbox_for(&self, recipient: &str) -> Result<Vec<OutboxMessage>>;
        fn idempotency_begin(&self, user: Uuid, key: &str, request_hash: &str, now: Timestamp) -> Result<IdempotencyState>;
        fn idempotency_finish(&self, user: Uuid, key: &str, status: u16, body: &str) -> Result<()>;
        fn idempotency_forget(&self, user: Uuid, key: &str) -> Result<()>;
        fn ping(&self) -> Result<()>;
        fn purge_expired(&self, now: Timestamp, retention: Retention) -> Result<Purged>;
    }
    StaffStore {
        fn invite_staff(&self, member: &StaffMember, token_hash: &str, messages: &[OutboxMessage]) -> Result<InviteOutcome>;
        fn list_staff(&self, business: Uuid) -> Result<Vec<StaffMember>>;
        fn staff_member(&self, business: Uuid, id: Uuid) -> Result<Option<StaffMember>>;
        fn staff_invitation(&self, token_hash: &str) -> Result<Option<StaffMember>>;
        fn staff_by_user(&self, user: Uuid) -> Result<Option<StaffMember>>;
        fn accept_staff_invitation(&self, token_hash: &str, user: &User, now: Timestamp) -> Result<AcceptOutcome>;
        fn revoke_staff(&self, business: Uuid, id: Uuid, now: Timestamp) -> Result<Option<StaffMember>>;
    }
    CalendarFeedStore {
        fn insert_calendar_feed(&self, feed: &CalendarFeed, token_hash: &str) -> Result<()>;
        fn list_calendar_feeds(&self, user: Uuid) -> Result<Vec<CalendarFeed>>;
        fn calendar_feed_by_token(&self, token_hash: &str) -> Result<Option<CalendarFeed>>;
        fn rotate_calendar_feed(&self, user: Uuid, id: Uuid, token_hash: &str, now: Timestamp) -> Result<Option<CalendarFeed>>;
        fn revoke_calendar_feed(&self, user: Uuid, id: Uuid, now: Timestamp) -> Result<Option<CalendarFeed>>;
    }
    ImageStore {
        fn put_image(&self, image: &StoredImage) -> Result<Option<StoredImage>>;
        fn business_images(&self, business: Uuid) -> Result<Vec<StoredImage>>;
        fn logos_and_covers(&self, businesses: &[Uuid]) -> Result<Vec<StoredImage>>;
        fn service_images(&self, service: Uuid) -> Result<Vec<StoredImage>>;
        fn delete_image(&self, business: Uuid, id: Uuid) -> Result<Option<StoredImage>>;
        fn delete_business_image(&self, business: Uuid, kind: ImageKind) -> Result<Option<StoredImage>>;
        fn reorder_images(&self, business: Uuid, service: Uuid, order: &[Uuid]) -> Result<bool>;
        fn image_key_in_use(&self, key: &str) -> Result<bool>;
    }
    NotificationStore {
        fn pending_events(&self, limit: u32) -> Result<Vec<NotificationEvent>>;
        fn fan_out(&self, events: &[FanOut], now: Timestamp) -> Result<()>;
        fn schedule_reminders(&self, now: Timestamp, offset_minutes: u32) -> Result<u64>;
        fn claim_deliveries(&self, owner: &str, channels: &[Channel], now: Timestamp, lease_until: Timestamp, limit: u32) -> Result<Vec<Delivery>>;
        fn mark_sent(&self, id: Uuid, owner: &str, now: Timestamp) -> Result<bool>;
        fn mark_failed(&self, id: Uuid, owner: &str, error: &str, retry_at: Option<Timestamp>) -> Result<()>;
        fn release_leases(&self, owner: &str) -> Result<u64>;
        fn list_deliveries(&self, status: DeliveryStatus, after: Option<(Timestamp, Uuid)>, limit: u32) -> Result<Vec<Delivery>>;
        fn delivery(&self, id: Uuid) -> Result<Option<Delivery>>;
        fn requeue(&self, id: Uuid, now: Timestamp) -> Result<bool>;
        fn preferences(&self, user: Uuid) -> Result<Option<Preferences>>;
        fn set_preferences(&self, user: Uuid, preferences: &Preferences, now: Timestamp) -> Result<()>;
        fn insert_webhook(&self, webhook: &Webhook, limit: u32) -> Result<WebhookInsert>;
        fn list_webhooks(&self, business: Uuid) -> Result<Vec<Webhook>>;
        fn webhook(&self, id: Uuid) -> Result<Option<Webhook>>;
        fn delete_webhook(&self, business: Uuid, id: Uuid) -> Result<bool>;
    }
}
