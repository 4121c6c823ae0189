//! `/api/entreprise/statistiques/`: the business's statistics over a period (BIZ-5, STAT-2,
//! STAT-3): counts by status, revenue per currency, utilisation, rates, lead time, busiest
//! weekdays and hours, by day, week or month in the business's time zone, each total beside
//! the previous period of equal length. What each figure counts is `rdv_core::stats`'s.

use axum::extract::State;
use rdv_core::model::{ResourceId, ServiceId};
use rdv_core::stats::{Bucket, Statistics, StatsQuery};
use rdv_core::{Interval, Timestamp};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{BusinessAccess, business_access};
use crate::auth::BusinessSession;
use crate::error::ApiResult;
use crate::routes::{ApiQuery, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(statistics))
}

/// Query of the statistics.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct StatisticsQuery {
    /// Start of the period, included (RFC 3339); 2000-01-01T00:00:00Z or later.
    #[param(value_type = String, format = DateTime)]
    pub from: Timestamp,
    /// End of the period, excluded (RFC 3339): after `from`, at most 366 days later, and
    /// 2100-01-01T00:00:00Z or earlier.
    #[param(value_type = String, format = DateTime)]
    pub to: Timestamp,
    /// Size of the series' buckets in the business's time zone: day (default), week (from
    /// Monday) or month.
    #[param(value_type = Option<Bucket>)]
    pub bucket: Option<Bucket>,
    /// Only this service's reservations (and its resources' windows as available time).
    #[param(value_type = Option<uuid::Uuid>)]
    pub service_id: Option<ServiceId>,
    /// Only this resource's reservations and windows (a staff member's figures are always
    /// their own resource's).
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
}

impl StatisticsQuery {
    /// The statistics this query asks of `access`'s business: the period, the bucket (day by
    /// default), the service filter, and the resource filter narrowed to a staff member's own
    /// ([`BusinessAccess::narrow`]). The figures, their charts and their export all read
    /// them here.
    pub(super) async fn run(
        &self,
        state: &AppState,
        access: &BusinessAccess,
    ) -> ApiResult<Statistics> {
        let query = StatsQuery {
            period: Interval::new(self.from, self.to)?,
            bucket: self.bucket.unwrap_or_default(),
            service_id: self.service_id,
            resource_id: access.narrow(self.resource_id)?,
        };
        Ok(state.reads().statistics(access.id(), &query).await?)
    }
}

/// The business's statistics over a period: reservations created, by status, revenue of
/// completed and of booked ones per currency, by service and by resource, booked and
/// available minutes, utilisation, cancellation and no-show rates, mean lead time, busiest
/// weekdays and hours, a series by bucket; archived reservations included.
#[utoipa::path(get, path = "/api/entreprise/statistiques/", tag = "entreprise",
    security(("bearer" = [])),
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The figures, each total beside the previous period's", body = Statistics),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet), NOT_FOUND (a service or resource of another business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL (to not after from), RANGE_TOO_LARGE (more than 366 days), VALIDATION_FAILED (a bound before 2000 or after 2100)", body = crate::error::Problem),
    ))]
pub async fn statistics(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> ApiResult<Json<Statistics>> {
    let access = business_access(&state, &session).await?;
    Ok(axum::Json(query.run(&state, &access).await?))
}
