//! `/api/entreprise/ressources/`: the business's staff and rooms.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::{Resource, ResourceKind};
use rdv_core::ports::DirectoryStore as _;
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::ApiResult;
use crate::routes::{ApiJson, ApiQuery, Json, PageOut, PageParams, page_loaded, page_request};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_resources, create_resource))
}

/// A new resource.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResourceRequest {
    /// Display name: one line of plain text (no `<`, `>` or control character), not blank,
    /// at most 120 characters.
    #[schema(
        max_length = 120,
        pattern = "^[^<>\\x00-\\x1F\\x7F-\\x9F]*[^<>\\s\\x00-\\x1F\\x7F-\\x9F][^<>\\x00-\\x1F\\x7F-\\x9F]*$"
    )]
    pub name: String,
    /// `staff` or `room`.
    pub kind: ResourceKind,
}

/// The business's resources (staff, rooms), by name.
#[utoipa::path(get, path = "/api/entreprise/ressources/", tag = "entreprise",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "Resources", body = PageOut<Resource>),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (limit or cursor out of range)", body = crate::error::Problem),
    ))]
pub async fn list_resources(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<PageOut<Resource>>> {
    let page = page_request(params.limit, params.cursor)?;
    let business = my_business(&state, &session).await?;
    let all = state.store().list_resources(business.id).await?;
    Ok(axum::Json(page_loaded(
        all,
        |r| (r.name.clone(), r.id.0),
        &page,
    )?))
}

/// Adds a staff member or room.
#[utoipa::path(post, path = "/api/entreprise/ressources/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewResourceRequest,
    responses(
        (status = 201, description = "Created", body = Resource),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn create_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewResourceRequest>,
) -> ApiResult<(StatusCode, Json<Resource>)> {
    let business = my_business(&state, &session).await?;
    let r = state
        .writes()
        .create_resource(business.id, &input.name, input.kind)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}
