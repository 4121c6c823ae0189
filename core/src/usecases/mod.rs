//! Use cases: each runs the rules, then calls the ports. Servers and embedders call these;
//! they never re-implement a rule.
//!
//! Permission scoping (PERM-1) is part of each use case's signature: a business action takes
//! the acting business's id, a client action the client's id, and an object that belongs to
//! someone else answers `NOT_FOUND` exactly like a missing one, so nothing leaks.
//!
//! One file per aggregate, each with its own `impl` block of [`UseCases`] and its input types:
//! `directory` (businesses, services, client profiles), `resources` (a business's resources:
//! working hours, deactivation with a decision per reservation, deletion), `businesses` (a business's
//! status: validated, rejected, suspended, resubmitted), `availability` (windows,
//! one at a time, in bulk or from a recurrence rule), `booking` (schedule snapshot, slots,
//! booking), `reservations` (reading, lifecycle transitions, rescheduling, listing),
//! `calendar` (a business's day, week or month per resource, [`crate::calendar`]),
//! `statistics` (a business's figures over a period, [`crate::stats`]), `imports` (files of
//! services, resources, windows or closures, checked row by row, [`crate::imports`]),
//! `waitlist` (joining, offers of freed seats, claims, [`crate::waitlist`]) and `busy_times`
//! (a resource's busy times from other calendars, [`crate::busy_times`]).

mod availability;
mod booking;
mod businesses;
mod busy_times;
mod calendar;
mod directory;
mod imports;
mod reservations;
mod resources;
mod statistics;
mod waitlist;

pub use availability::RecurringAvailability;
pub use booking::{MAX_FIRST_FREE_CANDIDATES, MAX_RESOURCE_RETRIES};
pub use directory::{ClientProfileInput, NewBusiness, NewService};
pub use resources::{ResourceDeactivation, ResourceInput};
pub use waitlist::{JoinWaitlist, MAX_OPEN_PLACES_PER_RUN};

pub use crate::availability::{MAX_BULK_ITEMS, MAX_WINDOW_DAYS};

use crate::ports::{Clock, IdSource, Store};
use crate::validation::ServiceLimits;

/// The use cases over a store, a clock and an identifier source.
pub struct UseCases<S, C, I> {
    /// The storage.
    pub store: S,
    /// The clock.
    pub clock: C,
    /// Identifier source.
    pub ids: I,
    /// Service bounds.
    pub limits: ServiceLimits,
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Wires the use cases with default service limits.
    pub fn new(store: S, clock: C, ids: I) -> Self {
        Self {
            store,
            clock,
            ids,
            limits: ServiceLimits::default(),
        }
    }
}

#[cfg(test)]
mod tests;
