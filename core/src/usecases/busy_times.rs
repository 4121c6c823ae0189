//! Busy times from other calendars ([`crate::busy_times`]): importing a calendar's events for
//! one resource as one source, reading them back, removing a source.

use super::UseCases;
use crate::busy_times::{
    BusyEvent, BusyImportReport, BusyTime, busy_horizon, busy_periods_of_events, check_source,
    reservations_in_conflict,
};
use crate::error::Result;
use crate::model::{BusinessId, ResourceId};
use crate::ports::{Clock, IdSource, Store};
use crate::time::{Interval, Timestamp};

/// Every instant a store keeps: the range that reads a whole source.
fn all_time() -> Interval {
    Interval::new(
        Timestamp::from_secs(i64::MIN / 4),
        Timestamp::from_secs(i64::MAX / 4),
    )
    .expect("the range is not empty")
}

impl<S: Store, C: Clock, I: IdSource> UseCases<S, C, I> {
    /// Replaces the busy times of `resource` (of `business`, else `NOT_FOUND`) from `source`
    /// with those of `events` ([`busy_periods_of_events`], over [`busy_horizon`] from now):
    /// every problem by event and nothing written, else all of them in one atomic store call
    /// unless `dry_run`. The report names the active reservations the new periods meet; they
    /// are kept for the owner to move or cancel.
    pub async fn import_busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: &str,
        events: &[BusyEvent],
        dry_run: bool,
    ) -> Result<BusyImportReport> {
        let business = self.business(business).await?;
        let resource = self.owned_resource(business.id, resource).await?;
        check_source(source)?;
        let horizon = busy_horizon(self.clock.now());
        let mut report = BusyImportReport {
            dry_run,
            source: source.to_owned(),
            events: events.len(),
            skipped: 0,
            outside_horizon: 0,
            busy_times: 0,
            replaced: 0,
            conflicts: Vec::new(),
            problems: Vec::new(),
        };
        let found = match busy_periods_of_events(events, business.time_zone.0, horizon) {
            Ok(found) => found,
            Err(problems) => {
                report.problems = problems;
                return Ok(report);
            }
        };
        report.skipped = found.skipped;
        report.outside_horizon = found.outside_horizon;
        report.busy_times = found.periods.len();
        let intervals: Vec<Interval> = found.periods.iter().map(|(_, i)| i).copied().collect();
        let held = self
            .store
            .list_active_for_resources(&[resource.id], horizon)
            .await?;
        report.conflicts = reservations_in_conflict(&held, &intervals);
        if dry_run {
            report.replaced = self
                .store
                .list_busy_times(resource.id, Some(source), all_time())
                .await?
                .len();
            return Ok(report);
        }
        let rows: Vec<BusyTime> = found
            .periods
            .into_iter()
            .map(|(uid, interval)| BusyTime {
                resource_id: resource.id,
                source: source.to_owned(),
                uid,
                interval,
            })
            .collect();
        let removed = self
            .store
            .replace_busy_times(resource.id, source, &rows)
            .await?;
        report.replaced = usize::try_from(removed).unwrap_or(usize::MAX);
        Ok(report)
    }

    /// The busy times of `resource` (of `business`, else `NOT_FOUND`) meeting `range`, of one
    /// source or of all, sorted by start.
    pub async fn busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> Result<Vec<BusyTime>> {
        let resource = self.owned_resource(business, resource).await?;
        if let Some(source) = source {
            check_source(source)?;
        }
        self.store.list_busy_times(resource.id, source, range).await
    }

    /// Removes every busy time of `resource` (of `business`, else `NOT_FOUND`) from `source`;
    /// how many there were.
    pub async fn remove_busy_times(
        &self,
        business: BusinessId,
        resource: ResourceId,
        source: &str,
    ) -> Result<u64> {
        let resource = self.owned_resource(business, resource).await?;
        check_source(source)?;
        self.store
            .replace_busy_times(resource.id, source, &[])
            .await
    }
}
