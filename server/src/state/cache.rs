//! The public read cache: serialised business details, service lists and slot answers, kept
//! per business generation. Only the write path ([`super::Writes`]) can raise a generation.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use axum::body::Bytes;
use rdv_core::Timestamp;
use rdv_core::model::{BusinessId, ServiceId};

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

    /// Forgets everything cached about a business. Visible to the `state` module only: the
    /// write path calls it after every successful change, handlers cannot.
    pub(super) fn invalidate(&self, business: BusinessId) {
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
