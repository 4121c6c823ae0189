//! Query plans of the main PostgreSQL reads, for the tests that prove each has an index.

use rdv_core::Result;
use rdv_core::model::*;
use rdv_core::ports::{ReservationFilter, ReservationSort};
use sqlx::postgres::PgRow;

use super::reservations::{active_for_resources_sql, busy_sql};
use super::{PgStore, backend};
use crate::codec::{MAX_WINDOW_SECS, db_error};
use crate::sql::{SqlRow, queries};

impl PgStore {
    /// `EXPLAIN` of the main list and slot queries with sequential scans disabled: a plan that
    /// still shows `Seq Scan` has no usable index. `(query name, plan)`.
    pub async fn query_plans(&self) -> Result<Vec<(String, String)>> {
        let mut conn = self.pool.acquire().await.map_err(db_error)?;
        sqlx::query("SET enable_seqscan = off")
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        let nil = Uuid::nil();
        let by_business = ReservationFilter {
            business_id: Some(BusinessId(nil)),
            ..Default::default()
        };
        let by_client = ReservationFilter {
            client_id: Some(ClientId(nil)),
            ..Default::default()
        };
        let mut plans = Vec::new();
        let lines = |rows: Vec<PgRow>| -> Result<String> {
            Ok(rows
                .iter()
                .map(|r| Ok(r.text("QUERY PLAN")?))
                .collect::<Result<Vec<_>>>()?
                .join("\n"))
        };
        for (name, statement) in [
            (
                "business history by start",
                queries::reservation_list::<PgStore>(
                    "EXPLAIN ",
                    &by_business,
                    ReservationSort::StartAsc,
                    None,
                    50,
                ),
            ),
            (
                "client history newest first",
                queries::reservation_list::<PgStore>(
                    "EXPLAIN ",
                    &by_client,
                    ReservationSort::CreatedDesc,
                    Some((0, ReservationId(nil))),
                    50,
                ),
            ),
            (
                "statistics of a business",
                crate::sql::stats::aggregates("EXPLAIN ", &crate::sql::stats::plan_request()?),
            ),
            (
                "statistics of a business from its rollup",
                crate::sql::stats::rollup("EXPLAIN ", &crate::sql::stats::plan_request()?)
                    .ok_or_else(|| rdv_core::Error::Storage {
                        message: "the plan request is off the rollup's grid".into(),
                    })?,
            ),
            (
                "calendar of a business, archive included",
                queries::calendar_reservations::<PgStore>(
                    "EXPLAIN ",
                    BusinessId(nil),
                    rdv_core::Interval::new(
                        rdv_core::Timestamp::from_secs(1_780_000_000),
                        rdv_core::Timestamp::from_secs(1_782_592_000),
                    )?,
                    true,
                ),
            ),
        ] {
            let rows = backend::query(&statement)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            plans.push((name.to_owned(), lines(rows)?));
        }
        for (name, sql) in [
            (
                "active reservations of resources in a range",
                active_for_resources_sql("EXPLAIN "),
            ),
            ("busy periods of resources in a range", busy_sql("EXPLAIN ")),
        ] {
            let rows = sqlx::query(&sql)
                .bind(vec![nil])
                .bind(1_780_000_000i64)
                .bind(1_782_592_000i64)
                .fetch_all(&mut *conn)
                .await
                .map_err(db_error)?;
            plans.push((name.to_owned(), lines(rows)?));
        }
        let rows = sqlx::query(&format!(
            "EXPLAIN SELECT * FROM availability_windows WHERE resource_id = ANY($1) AND start_at < $3 \
             AND start_at > $2 - {MAX_WINDOW_SECS} AND end_at > $2 ORDER BY start_at, id"
        ))
        .bind(vec![nil])
        .bind(1_780_000_000i64)
        .bind(1_782_592_000i64)
        .fetch_all(&mut *conn)
        .await
        .map_err(db_error)?;
        plans.push(("windows of resources in a range".into(), lines(rows)?));
        sqlx::query("RESET enable_seqscan")
            .execute(&mut *conn)
            .await
            .map_err(db_error)?;
        Ok(plans)
    }
}

impl PgStore {
    /// `EXPLAIN` of the calendar's read of `business` over `range`, one line per plan node.
    pub async fn calendar_plan(
        &self,
        business: BusinessId,
        range: rdv_core::Interval,
        include_archived: bool,
    ) -> Result<String> {
        let statement = queries::calendar_reservations::<PgStore>(
            "EXPLAIN ",
            business,
            range,
            include_archived,
        );
        self.explain(&statement).await
    }

    /// `EXPLAIN` of the statistics query of `request`, one line per plan node.
    pub async fn stats_plan(&self, request: &rdv_core::stats::AggregateRequest) -> Result<String> {
        let statement = crate::sql::stats::aggregates("EXPLAIN ", request);
        self.explain(&statement).await
    }

    /// The plan of an `EXPLAIN` statement, one line per plan node.
    async fn explain(&self, statement: &crate::sql::Statement) -> Result<String> {
        let rows = backend::query(statement)
            .fetch_all(&self.pool)
            .await
            .map_err(db_error)?;
        Ok(rows
            .iter()
            .map(|r| Ok(r.text("QUERY PLAN")?))
            .collect::<Result<Vec<_>>>()?
            .join("\n"))
    }
}
