//! Shared state of the server: the core's use cases over the chosen store, token keys, rate
//! limiters, the public read cache and the metrics.
//!
//! Handlers never hold the mutating use cases: they reach them through [`Inner::writes`], the
//! one write path, which drops the public cache of the business concerned and counts the
//! metrics after every successful change ([`writes`]). Reads go through [`Inner::reads`] (the
//! read-only use cases) or the store.

mod cache;
mod limits;
mod writes;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use rdv_core::Timestamp;
use rdv_core::Uuid;
use rdv_core::model::uuid_v7;
use rdv_core::ports::{Clock, IdSource};
use rdv_core::usecases::UseCases;
use rdv_storage::AnyStore;

pub use self::cache::{PublicCache, SlotBody, SlotEntry, SlotKey};
pub use self::limits::Limits;
pub use self::writes::{Reads, Writes};
use crate::auth::TokenKeys;
use crate::config::Config;
use crate::images::Objects;
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
            .map_or(0, |d| d.as_secs() as i64);
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
            .map_or(0, |d| d.as_millis() as u64);
        let mut random = [0u8; 10];
        crate::auth::random_bytes(&mut random);
        uuid_v7(millis, random)
    }
}

/// The use cases as the server wires them.
pub type ServerUseCases = UseCases<AnyStore, ServerClock, V7Ids>;

/// Everything a handler may use.
pub struct Inner {
    /// The core's use cases over the store: reached only through [`Inner::reads`] and
    /// [`Inner::writes`].
    uc: ServerUseCases,
    /// The configuration.
    pub config: Config,
    /// Access token keys.
    pub tokens: TokenKeys,
    /// Rate limiters.
    pub limits: Limits,
    /// Public read cache (reads only: writes drop it through [`Inner::writes`]).
    pub cache: PublicCache,
    /// Metrics (shared with the request middleware).
    pub metrics: Arc<Metrics>,
    /// Where image files live (a local folder or S3); their rows are in the store.
    pub images: Objects,
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
    /// The state over `uc`, with an empty cache and fresh metrics.
    pub fn new(
        uc: ServerUseCases,
        config: Config,
        tokens: TokenKeys,
        decoy_hash: String,
        images: Objects,
    ) -> Self {
        Self {
            images,
            uc,
            limits: Limits::new(&config),
            tokens,
            cache: PublicCache::default(),
            metrics: Arc::default(),
            decoy_hash,
            config,
        }
    }

    /// The store: reads, and the writes of accounts, sessions and notifications (which the
    /// public never sees). Changes to businesses, services, resources, windows and
    /// reservations go through [`Self::writes`].
    pub fn store(&self) -> &AnyStore {
        &self.uc.store
    }

    /// Now.
    pub fn now(&self) -> Timestamp {
        self.uc.clock.now()
    }

    /// The server's clock (tests move it forward).
    pub fn clock(&self) -> &ServerClock {
        &self.uc.clock
    }

    /// The read-only use cases.
    pub fn reads(&self) -> Reads<'_> {
        Reads::new(&self.uc)
    }

    /// The one write path: every change the public can see.
    pub fn writes(&self) -> Writes<'_> {
        Writes::new(self)
    }
}

impl crate::auth::SessionCheck for AppState {
    fn tokens(&self) -> &TokenKeys {
        &self.tokens
    }

    fn now(&self) -> Timestamp {
        Inner::now(self)
    }

    fn store(&self) -> &AnyStore {
        Inner::store(self)
    }

    fn check_account(&self, user: Uuid) -> Result<(), crate::error::ApiError> {
        self.limits.check_account(user)
    }
}
