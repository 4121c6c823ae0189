//! [`StatsStore`] on PostgreSQL: the shared aggregate statement ([`crate::sql::stats`]) on the
//! pool.

use rdv_core::Result;
use rdv_core::ports::StatsStore;
use rdv_core::stats::{AggregateRequest, AggregateRows};

use super::PgStore;
use crate::sql::stats;

impl StatsStore for PgStore {
    async fn stats_aggregates(&self, request: &AggregateRequest) -> Result<AggregateRows> {
        let statement = stats::aggregates("", request);
        stats::aggregate_rows(&self.fetch_statement(&statement).await?)
    }
}
