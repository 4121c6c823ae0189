//! Shared state of the server: the core's use cases over the chosen store, token keys,
//! rate limiters, the public read cache and the metrics.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use rdv_core::model::{BusinessId, ServiceId, uuid_v7};
use rdv_core::ports::{Clock, IdSource};
use rdv_core::usecases::UseCases;
use rdv_core::{Timestamp, Uuid};
use rdv_storage::AnyStore;

use crate::auth::TokenKeys;
use crate::config::Config;
use crate::error::ApiError;
use crate::observe::Metrics;

/// The system clock, plus an offset tests may move forward.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset_secs: AtomicI64,
}

impl ServerClock {
    /// Moves this clock by `secs` (tests of expiry).
    pub fn advance(&self, secs: i64) {
        self.offset_secs.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ServerClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        Timestamp::from_secs(secs + self.offset_secs.load(Ordering::SeqCst))
    }
}

/// UUID v7 identifiers from the system time and a CSPRNG.
#[derive(Debug, Default)]
pub struct V7Ids;

impl IdSource for V7Ids {
    fn next_uuid(&self) -> Uuid {
        let millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        let mut random = [0u8; 10];
        crate::auth::random_bytes(&mut random);
        uuid_v7(millis, random)
    }
}

/// The use cases as the server wires them.
pub type ServerUseCases = UseCases<AnyStore, ServerClock, V7Ids>;

/// Rate limiters per client IP (whole API, auth routes) and per account (VAL-3).
pub struct Limits {
    ip: DefaultKeyedRateLimiter<std::net::IpAddr>,
    auth_ip: DefaultKeyedRateLimiter<std::net::IpAddr>,
    account: DefaultKeyedRateLimiter<Uuid>,
    login: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").finish_non_exhaustive()
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

fn check<K: Clone + std::hash::Hash + Eq>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::rate_limited(wait.as_secs() + 1)
    })
}

impl Limits {
    /// Limiters with the configured quotas.
    pub fn new(config: &Config) -> Self {
        Self {
            ip: DefaultKeyedRateLimiter::keyed(per_minute(config.rate_limit_per_minute)),
            auth_ip: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_rate_limit_per_minute)),
            account: DefaultKeyedRateLimiter::keyed(per_minute(
                config.account_rate_limit_per_minute,
            )),
            login: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_rate_limit_per_minute)),
        }
    }

    /// One request from `ip` (auth routes count twice: once in each budget).
    pub fn check_ip(&self, ip: std::net::IpAddr, auth_route: bool) -> Result<(), ApiError> {
        check(&self.ip, &ip)?;
        if auth_route {
            check(&self.auth_ip, &ip)?;
        }
        Ok(())
    }

    /// One sign-in attempt for an account (whatever the client's address).
    pub fn check_login(&self, email: &str) -> Result<(), ApiError> {
        check(&self.login, &email.to_owned())
    }

    /// Forgets idle keys (called periodically so memory stays bounded).
    pub fn prune(&self) {
        self.ip.retain_recent();
        self.auth_ip.retain_recent();
        self.account.retain_recent();
        self.login.retain_recent();
    }

    /// One request from a signed-in account.
    pub fn check_account(&self, user: Uuid) -> Result<(), ApiError> {
        check(&self.account, &user)
    }
}

/// Serialised public reads of a business (detail, services and free slots), dropped on every
/// write to the business (PERF-3).
///
/// Each business has a generation, raised by [`Self::invalidate`] after every write that can
/// change what the public sees: the business, its services, resources and windows, and its
/// reservations. An entry is served only while the generation it was built at is current, so
/// invalidating costs one counter increment whatever the number of entries.
///
/// Slot answers also depend on the time (minimum notice, horizon), so they are kept for the
/// clock second they were computed in; concurrent requests for the same answer wait for one
/// computation instead of each running their own.
#[derive(Debug, Default)]
pub struct PublicCache {
    entries: RwLock<HashMap<(BusinessId, String), (u64, Bytes)>>,
    generations: RwLock<HashMap<BusinessId, u64>>,
    slots: RwLock<HashMap<SlotKey, Arc<SlotEntry>>>,
    service_owners: RwLock<HashMap<ServiceId, BusinessId>>,
}

/// Most entries of each kind kept; beyond it, everything is dropped.
const MAX_CACHE_ENTRIES: usize = 10_000;

/// Most slot answers kept for one clock second. An answer is at most a few hundred KB plus its
/// gzip copy; anyone may vary the range, so past this the answer is computed but not kept.
const MAX_SLOT_ENTRIES: usize = 256;

/// What a slot answer depends on besides the business's data and the time.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct SlotKey {
    /// The service.
    pub service: ServiceId,
    /// First possible start.
    pub from: Timestamp,
    /// Starts before this.
    pub to: Timestamp,
    /// Most slots returned.
    pub limit: u32,
}

/// One slot answer of one clock second, computed once.
#[derive(Debug)]
pub struct SlotEntry {
    second: i64,
    generation: u64,
    /// The answer, filled by the first request that needs it.
    pub body: tokio::sync::OnceCell<SlotBody>,
}

/// A slot answer as JSON, plain and gzip-compressed.
#[derive(Debug)]
pub struct SlotBody {
    /// `application/json` as is.
    pub json: Bytes,
    /// The same bytes gzip-compressed, for clients that accept it.
    pub gzip: Bytes,
}

impl PublicCache {
    /// A cached body, if built at the business's current generation.
    pub fn get(&self, business: BusinessId, what: &str) -> Option<Bytes> {
        let generation = self.generation(business);
        self.entries
            .read()
            .expect("cache lock")
            .get(&(business, what.to_owned()))
            .filter(|(built_at, _)| *built_at == generation)
            .map(|(_, body)| body.clone())
    }

    /// The business's generation: read it before loading, pass it to [`Self::put`].
    pub fn generation(&self, business: BusinessId) -> u64 {
        self.generations
            .read()
            .expect("cache lock")
            .get(&business)
            .copied()
            .unwrap_or(0)
    }

    /// Stores a body loaded at `generation`; ignored when a write happened since (the body
    /// may predate it).
    pub fn put(&self, business: BusinessId, what: String, body: Bytes, generation: u64) {
        if self.generation(business) != generation {
            return;
        }
        let mut entries = self.entries.write().expect("cache lock");
        if entries.len() >= MAX_CACHE_ENTRIES {
            entries.clear();
        }
        entries.insert((business, what), (generation, body));
    }

    /// Forgets everything cached about a business.
    pub fn invalidate(&self, business: BusinessId) {
        *self
            .generations
            .write()
            .expect("cache lock")
            .entry(business)
            .or_insert(0) += 1;
    }

    /// The business a service belongs to, when already seen (it never changes).
    pub fn service_owner(&self, service: ServiceId) -> Option<BusinessId> {
        self.service_owners
            .read()
            .expect("cache lock")
            .get(&service)
            .copied()
    }

    /// Remembers the business of a service.
    pub fn remember_service_owner(&self, service: ServiceId, business: BusinessId) {
        let mut owners = self.service_owners.write().expect("cache lock");
        if owners.len() >= MAX_CACHE_ENTRIES {
            owners.clear();
        }
        owners.insert(service, business);
    }

    /// The slot answer for `key` in clock second `second` at the business's `generation`:
    /// the existing entry when both match, else a new empty one that replaces it. Answers of
    /// earlier seconds can never be served again and are dropped as soon as a later second
    /// starts; past [`MAX_SLOT_ENTRIES`] answers in one second, the new one is not kept.
    pub fn slot_entry(&self, key: SlotKey, second: i64, generation: u64) -> Arc<SlotEntry> {
        let current = |e: &Arc<SlotEntry>| e.second == second && e.generation == generation;
        if let Some(entry) = self.slots.read().expect("cache lock").get(&key)
            && current(entry)
        {
            return entry.clone();
        }
        let mut slots = self.slots.write().expect("cache lock");
        if let Some(entry) = slots.get(&key)
            && current(entry)
        {
            return entry.clone();
        }
        let entry = Arc::new(SlotEntry {
            second,
            generation,
            body: tokio::sync::OnceCell::new(),
        });
        if slots.values().any(|e| e.second < second) {
            slots.retain(|_, e| e.second >= second);
        }
        if slots.len() < MAX_SLOT_ENTRIES {
            slots.insert(key, entry.clone());
        }
        entry
    }
}

/// Everything a handler may use.
pub struct Inner {
    /// The core's use cases over the store.
    pub uc: ServerUseCases,
    /// The configuration.
    pub config: Config,
    /// Access token keys.
    pub tokens: TokenKeys,
    /// Rate limiters.
    pub limits: Limits,
    /// Public read cache.
    pub cache: PublicCache,
    /// Metrics.
    pub metrics: Metrics,
    /// A valid argon2id hash of a random password: verified against when an email is unknown,
    /// so a login takes as long whether or not the account exists.
    pub decoy_hash: String,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner")
            .field("store", &self.uc.store)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Cheap to clone handle on [`Inner`].
pub type AppState = Arc<Inner>;

impl Inner {
    /// The store.
    pub fn store(&self) -> &AnyStore {
        &self.uc.store
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.uc.clock.now()
    }
}
