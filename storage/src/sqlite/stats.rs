//! [`StatsStore`] on SQLite: the shared aggregate statement ([`crate::sql::stats`]) on one of
//! the store's read connections, beside the writer (WAL).

use rdv_core::Result;
use rdv_core::ports::StatsStore;
use rdv_core::stats::{AggregateRequest, AggregateRows};

use super::SqliteStore;
use crate::sql::stats;

impl StatsStore for SqliteStore {
    async fn stats_aggregates(&self, request: &AggregateRequest) -> Result<AggregateRows> {
        let statement = stats::aggregates("", request);
        stats::aggregate_rows(&self.fetch_statement(&statement).await?)
    }
}
