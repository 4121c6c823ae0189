//! [`StatsStore`] on PostgreSQL: the rollup's statement when it answers the request, else the
//! statement over the rows ([`crate::sql::stats`]), in a transaction without JIT compilation
//! that first folds the recorded changes into the rollup (`stats_fold()`).
//!
//! **Why no JIT.** The planner prices every branch of the statement's bucket `CASE` trees, so
//! a year of day buckets costs the statement far beyond `jit_above_cost` although each row
//! takes only about log₂ 366 comparisons; compiling those expressions took 1.5 s of a 1.6 s
//! answer over 100,000 reservations, and 0.45 s without it. **Why no parallel workers.** The
//! rollup's statement is a union of small index ranges; starting workers for them cost more
//! than they save (35–52 ms without, 49–74 ms with, same statement and data). `SET LOCAL`
//! keeps both to this transaction, and both come before the fold: set in the fold's own
//! statement (`set_config(…, true)`), they took effect after it, so the fold's large
//! statement was JIT-compiled and the answers were three times slower.

use rdv_core::Result;
use rdv_core::ports::StatsStore;
use rdv_core::stats::{AggregateRequest, AggregateRows};

use super::{PgStore, backend};
use crate::codec::db_error;
use crate::sql::stats;

/// The transaction's settings (see the module docs).
const SETTINGS: [&str; 2] = [
    "SET LOCAL jit = off",
    "SET LOCAL max_parallel_workers_per_gather = 0",
];

impl StatsStore for PgStore {
    async fn stats_aggregates(&self, request: &AggregateRequest) -> Result<AggregateRows> {
        let rollup = stats::rollup("", request);
        let statement = match &rollup {
            Some(statement) => statement.clone(),
            None => stats::aggregates("", request),
        };
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        let fold = rollup.as_ref().map(|_| "SELECT stats_fold()");
        for setting in SETTINGS.into_iter().chain(fold) {
            sqlx::query(setting)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
        }
        self.counted();
        let rows = backend::query(&statement)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        match rollup {
            Some(_) => stats::rollup_rows(request, &rows),
            None => stats::aggregate_rows(&rows),
        }
    }
}

impl PgStore {
    /// Folds the changes the triggers recorded into the statistics' rollup (`stats_fold()`,
    /// migration 0014); how many there were. The statistics do it before each read of the
    /// rollup; the server also runs it every minute so that the backlog stays short.
    pub async fn fold_stats(&self) -> Result<u64> {
        self.counted();
        let folded: i64 = sqlx::query_scalar("SELECT stats_fold()")
            .fetch_one(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(u64::try_from(folded).unwrap_or(0))
    }
}
