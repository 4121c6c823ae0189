//! [`StatsStore`] on PostgreSQL: the shared aggregate statement ([`crate::sql::stats`]) in a
//! transaction without JIT compilation.
//!
//! **Why no JIT.** The planner prices every branch of the statement's bucket `CASE` trees, so
//! a year of day buckets costs the statement far beyond `jit_above_cost` although each row
//! takes only about log₂ 366 comparisons; compiling those expressions took 1.5 s of a 1.6 s
//! answer over 100,000 reservations, and 0.45 s without it. `SET LOCAL` keeps the setting to
//! this transaction.

use rdv_core::Result;
use rdv_core::ports::StatsStore;
use rdv_core::stats::{AggregateRequest, AggregateRows};

use super::{PgStore, backend};
use crate::codec::db_error;
use crate::sql::stats;

impl StatsStore for PgStore {
    async fn stats_aggregates(&self, request: &AggregateRequest) -> Result<AggregateRows> {
        let statement = stats::aggregates("", request);
        let mut tx = self.pool.begin().await.map_err(db_error)?;
        sqlx::query("SET LOCAL jit = off")
            .execute(&mut *tx)
            .await
            .map_err(db_error)?;
        self.counted();
        let rows = backend::query(&statement)
            .fetch_all(&mut *tx)
            .await
            .map_err(db_error)?;
        tx.commit().await.map_err(db_error)?;
        stats::aggregate_rows(&rows)
    }
}
