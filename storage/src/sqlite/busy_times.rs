//! [`BusyTimeStore`] on SQLite: the shared SQL of [`crate::sql::busy_times`].

use rdv_core::busy_times::{BusyTime, ExternalBusy};
use rdv_core::model::ResourceId;
use rdv_core::ports::BusyTimeStore;
use rdv_core::{Interval, Result};

use super::SqliteStore;
use crate::sql::busy_times;

impl BusyTimeStore for SqliteStore {
    async fn replace_busy_times(
        &self,
        resource: ResourceId,
        source: &str,
        busy: &[BusyTime],
    ) -> Result<u64> {
        busy_times::replace(self, resource, source, busy).await
    }

    async fn list_busy_times(
        &self,
        resource: ResourceId,
        source: Option<&str>,
        range: Interval,
    ) -> Result<Vec<BusyTime>> {
        busy_times::list(self, resource, source, range).await
    }

    async fn list_external_busy(
        &self,
        resources: &[ResourceId],
        range: Interval,
    ) -> Result<Vec<ExternalBusy>> {
        busy_times::external(self, resources, range).await
    }
}
