//! Operations: liveness, readiness (the database answers) and Prometheus metrics.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use rdv_storage::accounts::AccountStore;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Ack, Json};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(metrics))
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "ops",
    responses((status = 200, description = "Alive", body = Ack)))]
pub async fn healthz() -> Json<Ack> {
    Ack::new("ok")
}

/// The database answers.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses(
        (status = 200, description = "Ready", body = Ack),
        (status = 503, description = "UNAVAILABLE", body = crate::error::Problem),
    ))]
pub async fn readyz(State(state): State<AppState>) -> ApiResult<Json<Ack>> {
    state.store().ping().await.map_err(|e| {
        tracing::error!(error = %e, "database not reachable");
        ApiError::new(HttpCode::Unavailable, "the database does not answer")
    })?;
    Ok(Ack::new("ready"))
}

/// Metrics in the OpenMetrics text format (which Prometheus reads).
#[utoipa::path(get, path = "/metrics", tag = "ops",
    responses((status = 200, description = "OpenMetrics text exposition (version 1.0.0)", body = String, content_type = "application/openmetrics-text")))]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut response = state.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}
