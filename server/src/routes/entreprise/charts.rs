//! `/api/entreprise/statistiques/graphiques/{bookings,revenue,utilisation}/`: the dashboard's
//! charts as SVG drawn by the server with `plotters` (no bitmap, no font file, no JavaScript
//! library; the drawing is [`draw`]'s): bookings over time, revenue by service, appointments
//! by weekday × hour. Each is drawn from the answer of
//! the statistics use case for the same query as `/api/entreprise/statistiques/`, so a chart
//! never shows a figure the JSON does not. One route per chart (path parameters are ids in
//! this API), so another name is the router's 404 `ROUTE_NOT_FOUND`.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::StatisticsQuery;
use super::business_access;
use crate::auth::BusinessSession;
use crate::error::{ApiError, ApiResult};
use crate::routes::ApiQuery;
use crate::state::AppState;

mod draw;

pub use self::draw::colours;
use self::draw::draw;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(bookings_chart))
        .routes(routes!(revenue_chart))
        .routes(routes!(utilisation_chart))
}

/// The content type of every chart.
pub const SVG: &str = "image/svg+xml";

/// Which chart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chart {
    /// Appointments, completed, cancelled and no-shows per bucket of the period.
    Bookings,
    /// Completed and booked revenue per service and currency.
    Revenue,
    /// Appointments that hold their time by local weekday and hour of their start.
    Utilisation,
}

impl Chart {
    /// Every chart, in the dashboard's order.
    pub const ALL: [Chart; 3] = [Chart::Bookings, Chart::Revenue, Chart::Utilisation];

    /// Its name in the path.
    pub fn name(self) -> &'static str {
        match self {
            Chart::Bookings => "bookings",
            Chart::Revenue => "revenue",
            Chart::Utilisation => "utilisation",
        }
    }
}

/// The answer of every chart route: `chart` drawn from the statistics of `query`.
async fn chart(
    state: AppState,
    session: BusinessSession,
    query: StatisticsQuery,
    chart: Chart,
) -> ApiResult<Response> {
    let access = business_access(&state, &session).await?;
    let stats = query.run(&state, &access).await?;
    let svg = draw(chart, &stats)
        .map_err(|e| ApiError::internal(format!("drawing the {} chart: {e}", chart.name())))?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(SVG)),
            // Opened on its own, the document may not load or run anything.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'"),
            ),
        ],
        svg,
    )
        .into_response())
}

/// Bookings over time as SVG: appointments, completed, cancelled and no-shows per bucket of
/// the period, from the statistics of the same query as `/api/entreprise/statistiques/`.
#[utoipa::path(get, path = "/api/entreprise/statistiques/graphiques/bookings/", tag = "entreprise",
    security(("bearer" = [])),
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The chart, an SVG document with a title", content_type = "image/svg+xml", body = String),
        (status = 400, description = "INVALID_PARAMETER (a query parameter of the wrong shape)", body = crate::error::Problem),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet), NOT_FOUND (a service or resource of another business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL (to not after from), RANGE_TOO_LARGE (more than 366 days), VALIDATION_FAILED (a bound before 2000 or after 2100)", body = crate::error::Problem),
    ))]
pub async fn bookings_chart(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> ApiResult<Response> {
    chart(state, session, query, Chart::Bookings).await
}

/// Revenue by service as SVG: completed and booked revenue of each service in each currency,
/// from the statistics of the same query as `/api/entreprise/statistiques/`.
#[utoipa::path(get, path = "/api/entreprise/statistiques/graphiques/revenue/", tag = "entreprise",
    security(("bearer" = [])),
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The chart, an SVG document with a title", content_type = "image/svg+xml", body = String),
        (status = 400, description = "INVALID_PARAMETER (a query parameter of the wrong shape)", body = crate::error::Problem),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet), NOT_FOUND (a service or resource of another business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL (to not after from), RANGE_TOO_LARGE (more than 366 days), VALIDATION_FAILED (a bound before 2000 or after 2100)", body = crate::error::Problem),
    ))]
pub async fn revenue_chart(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> ApiResult<Response> {
    chart(state, session, query, Chart::Revenue).await
}

/// Appointments by weekday and hour as SVG (the busy times: appointments that hold their
/// time, by the local weekday and hour of their start), from the statistics of the same
/// query as `/api/entreprise/statistiques/`.
#[utoipa::path(get, path = "/api/entreprise/statistiques/graphiques/utilisation/", tag = "entreprise",
    security(("bearer" = [])),
    params(StatisticsQuery),
    responses(
        (status = 200, description = "The chart, an SVG document with a title", content_type = "image/svg+xml", body = String),
        (status = 400, description = "INVALID_PARAMETER (a query parameter of the wrong shape)", body = crate::error::Problem),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet), NOT_FOUND (a service or resource of another business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL (to not after from), RANGE_TOO_LARGE (more than 366 days), VALIDATION_FAILED (a bound before 2000 or after 2100)", body = crate::error::Problem),
    ))]
pub async fn utilisation_chart(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<StatisticsQuery>,
) -> ApiResult<Response> {
    chart(state, session, query, Chart::Utilisation).await
}
