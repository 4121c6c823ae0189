//! Query plans of the main SQLite reads, for the tests that prove none scans a table.

use rdv_core::ports::{ReservationFilter, ReservationSort};
use sqlx::sqlite::SqliteRow;

use rdv_core::model::*;
use rdv_core::{Interval, Result, Timestamp};

use super::availability::windows_json_query;
use super::reservations::{active_for_client_sql, active_for_resources_query, busy_json_query};
use super::schedule::schedule_sql;
use super::{SqliteStore, backend};
use crate::codec::db_error;
use crate::sql::{SqlRow, queries};

impl SqliteStore {
    /// `EXPLAIN QUERY PLAN` of the main list and slot queries, with representative
    /// parameters: `(query name, plan lines)`. Tests assert that none scans a whole table.
    pub async fn query_plans(&self) -> Result<Vec<(String, String)>> {
        let any = ResourceId(Uuid::nil());
        let range = Interval::new(
            Timestamp::from_secs(1_780_000_000),
            Timestamp::from_secs(1_782_592_000),
        )?;
        let prefix = "EXPLAIN QUERY PLAN ";
        let by_business = ReservationFilter {
            business_id: Some(BusinessId(Uuid::nil())),
            ..Default::default()
        };
        let by_client = ReservationFilter {
            client_id: Some(ClientId(Uuid::nil())),
            ..Default::default()
        };
        let last = Some((0, ReservationId(Uuid::nil())));
        let mut builders = vec![
            (
                "windows of resources in a range",
                windows_json_query(prefix, &[any], range),
            ),
            (
                "busy periods of resources in a range",
                busy_json_query(prefix, &[any], range),
            ),
            (
                "active reservations of resources in a range",
                active_for_resources_query(prefix, &[any], range),
            ),
        ];
        let mut plans = Vec::new();
        for (name, builder) in &mut builders {
            let rows = builder
                .build()
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            plans.push((name.to_string(), plan_text(&rows)?));
        }
        let lists = [
            (
                "business history by start",
                queries::reservation_list::<SqliteStore>(
                    prefix,
                    &by_business,
                    ReservationSort::StartAsc,
                    None,
                    50,
                ),
            ),
            (
                "client history newest first",
                queries::reservation_list::<SqliteStore>(
                    prefix,
                    &by_client,
                    ReservationSort::CreatedDesc,
                    last,
                    50,
                ),
            ),
            (
                "statistics of a business",
                crate::sql::stats::aggregates(prefix, &crate::sql::stats::plan_request()?),
            ),
            (
                "statistics of a business from its rollup",
                crate::sql::stats::rollup(prefix, &crate::sql::stats::plan_request()?).ok_or_else(
                    || rdv_core::Error::Storage {
                        message: "the plan request is off the rollup's grid".into(),
                    },
                )?,
            ),
            (
                "calendar of a business, archive included",
                queries::calendar_reservations::<SqliteStore>(
                    prefix,
                    BusinessId(Uuid::nil()),
                    range,
                    true,
                ),
            ),
        ];
        for (name, statement) in &lists {
            let rows = backend::query(statement)
                .fetch_all(&self.read)
                .await
                .map_err(db_error)?;
            plans.push((name.to_string(), plan_text(&rows)?));
        }
        let client_sql = active_for_client_sql(prefix);
        let rows = sqlx::query(&client_sql)
            .bind(Uuid::nil().to_string())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plans.push(("active reservations of a client".into(), plan_text(&rows)?));
        let rows = sqlx::query(&schedule_sql(prefix))
            .bind(Uuid::nil().to_string())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .bind(range.start().secs())
            .bind(range.end().secs())
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plans.push(("schedule of a service".into(), plan_text(&rows)?));
        Ok(plans)
    }
}

fn plan_text(rows: &[SqliteRow]) -> Result<String> {
    Ok(rows
        .iter()
        .map(|r| Ok(r.text("detail")?))
        .collect::<Result<Vec<_>>>()?
        .join("\n"))
}

impl SqliteStore {
    /// `EXPLAIN QUERY PLAN` of the calendar's read of `business` over `range`, one line per
    /// step.
    pub async fn calendar_plan(
        &self,
        business: BusinessId,
        range: Interval,
        include_archived: bool,
    ) -> Result<String> {
        let statement = queries::calendar_reservations::<SqliteStore>(
            "EXPLAIN QUERY PLAN ",
            business,
            range,
            include_archived,
        );
        let rows = backend::query(&statement)
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plan_text(&rows)
    }

    /// `EXPLAIN QUERY PLAN` of the statistics query of `request`, one line per step.
    pub async fn stats_plan(&self, request: &rdv_core::stats::AggregateRequest) -> Result<String> {
        let statement = crate::sql::stats::aggregates("EXPLAIN QUERY PLAN ", request);
        let rows = backend::query(&statement)
            .fetch_all(&self.read)
            .await
            .map_err(db_error)?;
        plan_text(&rows)
    }
}
