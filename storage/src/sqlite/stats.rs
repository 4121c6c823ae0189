//! [`StatsStore`] on SQLite: the rollup's statement when it answers the request, else the
//! statement over the rows ([`crate::sql::stats`]), on one of the store's read connections,
//! beside the writer (WAL), once the writer has folded the recorded changes into the rollup.

use rdv_core::Result;
use rdv_core::ports::StatsStore;
use rdv_core::stats::{AggregateRequest, AggregateRows};

use super::SqliteStore;
use super::writer::WriteOp;
use crate::sql::stats;

impl StatsStore for SqliteStore {
    async fn stats_aggregates(&self, request: &AggregateRequest) -> Result<AggregateRows> {
        if let Some(statement) = stats::rollup("", request) {
            self.fold_stats().await?;
            return stats::rollup_rows(request, &self.fetch_statement(&statement).await?);
        }
        let statement = stats::aggregates("", request);
        stats::aggregate_rows(&self.fetch_statement(&statement).await?)
    }
}

impl SqliteStore {
    /// Folds the changes the triggers recorded into the statistics' rollup (migration 0015);
    /// how many there were. The statistics do it before each read of the rollup; the server
    /// also runs it every minute so that the backlog stays short.
    pub async fn fold_stats(&self) -> Result<u64> {
        self.write(WriteOp::FoldStats).await
    }
}
