//! [`AnyStore`]: one type for either backend, chosen from the database URL at start-up, so the
//! server runs on SQLite or PostgreSQL with no other change.

use rdv_core::model::*;
use rdv_core::ports::{
    AvailabilityStore, BusinessFilter, BusinessSort, DirectoryStore, Page, PageRequest,
    ReservationFilter, ReservationSort, ReservationStore, ReservationView, ScheduleInputs, Store,
};
use rdv_core::search::{SearchHit, SearchQuery};
use rdv_core::{Error, Interval, Result, Timestamp, Uuid};

use crate::accounts::{
    AccountStore, IdempotencyState, OneTimeToken, OutboxMessage, Purged, RefreshOutcome,
    RefreshToken, Retention, SessionState, TokenPurpose, User,
};
use crate::notifications::{
    Channel, Delivery, DeliveryStatus, FanOut, NotificationEvent, NotificationStore, Preferences,
    Webhook,
};
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

    /// Statements run so far.
    pub fn query_count(&self) -> u64 {
        match self {
            AnyStore::Sqlite(s) => s.query_count(),
            AnyStore::Postgres(s) => s.query_count(),
        }
    }
}

/// Runs the same call on whichever backend is inside.
macro_rules! dispatch {
    ($self:ident, $s:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($s) => $call.await,
            AnyStore::Postgres($s) => $call.await,
        }
    };
}

impl DirectoryStore for AnyStore {
    async fn get_business(&self, id: BusinessId) -> Result<Option<Business>> {
        dispatch!(self, s => s.get_business(id))
    }
    async fn save_business(&self, business: &Business) -> Result<()> {
        dispatch!(self, s => s.save_business(business))
    }
    async fn list_businesses(
        &self,
        filter: &BusinessFilter,
        sort: BusinessSort,
        page: &PageRequest,
    ) -> Result<Page<Business>> {
        dispatch!(self, s => s.list_businesses(filter, sort, page))
    }
    async fn get_resource(&self, id: ResourceId) -> Result<Option<Resource>> {
        dispatch!(self, s => s.get_resource(id))
    }
    async fn save_resource(&self, resource: &Resource) -> Result<()> {
        dispatch!(self, s => s.save_resource(resource))
    }
    async fn list_resources(&self, business: BusinessId) -> Result<Vec<Resource>> {
        dispatch!(self, s => s.list_resources(business))
    }
    async fn get_service(&self, id: ServiceId) -> Result<Option<Service>> {
        dispatch!(self, s => s.get_service(id))
    }
    async fn save_service(&self, service: &Service) -> Result<()> {
        dispatch!(self, s => s.save_service(service))
    }
    async fn list_services(&self, business: BusinessId) -> Result<Vec<Service>> {
        dispatch!(self, s => s.list_services(business))
    }
    async fn get_client(&self, id: ClientId) -> Result<Option<ClientProfile>> {
        dispatch!(self, s => s.get_client(id))
    }
    async fn save_client(&self, client: &ClientProfile) -> Result<()> {
        dispatch!(self, s => s.save_client(client))
    }
    async fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        dispatch!(self, s => s.search(query))
    }
}

impl AvailabilityStore for AnyStore {
    async fn get_window(&self, id: AvailabilityId) -> Result<Option<AvailabilityWindow>> {
        dispatch!(self, s => s.get_window(id))
    }
    async fn list_windows(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<AvailabilityWindow>> {
        dispatch!(self, s => s.list_windows(resources, range))
    }
    async fn insert_windows(&self, windows: &[AvailabilityWindow]) -> Result<()> {
        dispatch!(self, s => s.insert_windows(windows))
    }
    async fn update_window(&self, window: &AvailabilityWindow) -> Result<()> {
        dispatch!(self, s => s.update_window(window))
    }
    async fn delete_window(&self, id: AvailabilityId) -> Result<()> {
        dispatch!(self, s => s.delete_window(id))
    }
}

impl Store for AnyStore {
    async fn load_schedule(
        &self,
        service: ServiceId,
        windows: Interval,
        slots: Interval,
    ) -> Result<Option<ScheduleInputs>> {
        dispatch!(self, s => s.load_schedule(service, windows, slots))
    }
}

impl ReservationStore for AnyStore {
    async fn get_reservation(&self, id: ReservationId) -> Result<Option<Reservation>> {
        dispatch!(self, s => s.get_reservation(id))
    }
    async fn list_active_for_resources(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        dispatch!(self, s => s.list_active_for_resources(resources, range))
    }
    async fn list_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<BusyPeriod>> {
        dispatch!(self, s => s.list_busy(resources, range))
    }
    async fn list_active_for_client(
        &self,
        client: ClientId,
        range: Interval,
    ) -> Result<Vec<Reservation>> {
        dispatch!(self, s => s.list_active_for_client(client, range))
    }
    async fn insert_reservation(&self, reservation: &Reservation, seats: u32) -> Result<()> {
        dispatch!(self, s => s.insert_reservation(reservation, seats))
    }
    async fn insert_on_first_free(
        &self,
        reservation: &Reservation,
        resources: &[ResourceId],
        seats: u32,
    ) -> Result<ResourceId> {
        dispatch!(self, s => s.insert_on_first_free(reservation, resources, seats))
    }
    async fn update_reservation(
        &self,
        reservation: &Reservation,
        recheck_seats: Option<u32>,
    ) -> Result<()> {
        dispatch!(self, s => s.update_reservation(reservation, recheck_seats))
    }
    async fn list_reservations(
        &self,
        filter: &ReservationFilter,
        sort: ReservationSort,
        page: &PageRequest,
    ) -> Result<Page<ReservationView>> {
        dispatch!(self, s => s.list_reservations(filter, sort, page))
    }
    async fn archive_reservations(&self, ended_before: Timestamp) -> Result<u64> {
        dispatch!(self, s => s.archive_reservations(ended_before))
    }
}

impl AccountStore for AnyStore {
    async fn create_user(
        &self,
        user: &User,
        token: Option<&OneTimeToken>,
        messages: &[OutboxMessage],
    ) -> Result<bool> {
        dispatch!(self, s => s.create_user(user, token, messages))
    }
    async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        dispatch!(self, s => s.user_by_email(email))
    }
    async fn user_by_id(&self, id: Uuid) -> Result<Option<User>> {
        dispatch!(self, s => s.user_by_id(id))
    }
    async fn mark_email_verified(&self, user: Uuid, at: Timestamp) -> Result<()> {
        dispatch!(self, s => s.mark_email_verified(user, at))
    }
    async fn set_password(
        &self,
        user: Uuid,
        password_hash: &str,
        at: Timestamp,
        keep_family: Option<Uuid>,
    ) -> Result<()> {
        dispatch!(self, s => s.set_password(user, password_hash, at, keep_family))
    }
    async fn issue_one_time_token(
        &self,
        token: &OneTimeToken,
        messages: &[OutboxMessage],
        limit: Option<(u32, Timestamp)>,
    ) -> Result<bool> {
        dispatch!(self, s => s.issue_one_time_token(token, messages, limit))
    }
    async fn count_one_time_tokens(
        &self,
        user: Uuid,
        purpose: TokenPurpose,
        since: Timestamp,
    ) -> Result<u32> {
        dispatch!(self, s => s.count_one_time_tokens(user, purpose, since))
    }
    async fn consume_one_time_token(
        &self,
        token_hash: &str,
        purpose: TokenPurpose,
        now: Timestamp,
    ) -> Result<Option<Uuid>> {
        dispatch!(self, s => s.consume_one_time_token(token_hash, purpose, now))
    }
    async fn insert_refresh_token(&self, token: &RefreshToken) -> Result<()> {
        dispatch!(self, s => s.insert_refresh_token(token))
    }
    async fn rotate_refresh_token(
        &self,
        old_hash: &str,
        new_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<RefreshOutcome> {
        dispatch!(self, s => s.rotate_refresh_token(old_hash, new_hash, now, expires_at))
    }
    async fn revoke_refresh_family(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<Uuid>> {
        dispatch!(self, s => s.revoke_refresh_family(token_hash, now))
    }
    async fn revoke_access_token(&self, jti: &str, expires_at: Timestamp) -> Result<()> {
        dispatch!(self, s => s.revoke_access_token(jti, expires_at))
    }
    async fn is_access_token_revoked(&self, jti: &str) -> Result<bool> {
        dispatch!(self, s => s.is_access_token_revoked(jti))
    }
    async fn session_state(
        &self,
        user: Uuid,
        jti: &str,
        family: &str,
    ) -> Result<Option<SessionState>> {
        dispatch!(self, s => s.session_state(user, jti, family))
    }
    async fn revoke_family(&self, user: Uuid, family: Uuid, now: Timestamp) -> Result<()> {
        dispatch!(self, s => s.revoke_family(user, family, now))
    }
    async fn enqueue_messages(&self, messages: &[OutboxMessage]) -> Result<()> {
        dispatch!(self, s => s.enqueue_messages(messages))
    }
    async fn outbox_for(&self, recipient: &str) -> Result<Vec<OutboxMessage>> {
        dispatch!(self, s => s.outbox_for(recipient))
    }
    async fn idempotency_begin(
        &self,
        user: Uuid,
        key: &str,
        request_hash: &str,
        now: Timestamp,
    ) -> Result<IdempotencyState> {
        dispatch!(self, s => s.idempotency_begin(user, key, request_hash, now))
    }
    async fn idempotency_finish(
        &self,
        user: Uuid,
        key: &str,
        status: u16,
        body: &str,
    ) -> Result<()> {
        dispatch!(self, s => s.idempotency_finish(user, key, status, body))
    }
    async fn idempotency_forget(&self, user: Uuid, key: &str) -> Result<()> {
        dispatch!(self, s => s.idempotency_forget(user, key))
    }
    async fn ping(&self) -> Result<()> {
        dispatch!(self, s => s.ping())
    }
    async fn purge_expired(&self, now: Timestamp, retention: Retention) -> Result<Purged> {
        dispatch!(self, s => s.purge_expired(now, retention))
    }
}

impl NotificationStore for AnyStore {
    async fn pending_events(&self, limit: u32) -> Result<Vec<NotificationEvent>> {
        dispatch!(self, s => s.pending_events(limit))
    }
    async fn fan_out(&self, events: &[FanOut], now: Timestamp) -> Result<()> {
        dispatch!(self, s => s.fan_out(events, now))
    }
    async fn schedule_reminders(&self, now: Timestamp, offset_minutes: u32) -> Result<u64> {
        dispatch!(self, s => s.schedule_reminders(now, offset_minutes))
    }
    async fn claim_deliveries(
        &self,
        owner: &str,
        channels: &[Channel],
        now: Timestamp,
        lease_until: Timestamp,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        dispatch!(self, s => s.claim_deliveries(owner, channels, now, lease_until, limit))
    }
    async fn mark_sent(&self, id: Uuid, owner: &str, now: Timestamp) -> Result<bool> {
        dispatch!(self, s => s.mark_sent(id, owner, now))
    }
    async fn mark_failed(
        &self,
        id: Uuid,
        owner: &str,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<()> {
        dispatch!(self, s => s.mark_failed(id, owner, error, retry_at))
    }
    async fn release_leases(&self, owner: &str) -> Result<u64> {
        dispatch!(self, s => s.release_leases(owner))
    }
    async fn list_deliveries(
        &self,
        status: DeliveryStatus,
        after: Option<(Timestamp, Uuid)>,
        limit: u32,
    ) -> Result<Vec<Delivery>> {
        dispatch!(self, s => s.list_deliveries(status, after, limit))
    }
    async fn delivery(&self, id: Uuid) -> Result<Option<Delivery>> {
        dispatch!(self, s => s.delivery(id))
    }
    async fn requeue(&self, id: Uuid, now: Timestamp) -> Result<bool> {
        dispatch!(self, s => s.requeue(id, now))
    }
    async fn preferences(&self, user: Uuid) -> Result<Option<Preferences>> {
        dispatch!(self, s => s.preferences(user))
    }
    async fn set_preferences(
        &self,
        user: Uuid,
        preferences: &Preferences,
        now: Timestamp,
    ) -> Result<()> {
        dispatch!(self, s => s.set_preferences(user, preferences, now))
    }
    async fn insert_webhook(&self, webhook: &Webhook) -> Result<()> {
        dispatch!(self, s => s.insert_webhook(webhook))
    }
    async fn list_webhooks(&self, business: Uuid) -> Result<Vec<Webhook>> {
        dispatch!(self, s => s.list_webhooks(business))
    }
    async fn webhook(&self, id: Uuid) -> Result<Option<Webhook>> {
        dispatch!(self, s => s.webhook(id))
    }
    async fn delete_webhook(&self, business: Uuid, id: Uuid) -> Result<bool> {
        dispatch!(self, s => s.delete_webhook(business, id))
    }
}
