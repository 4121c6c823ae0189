//! `/api/entreprise/services/`: the business's services (SVC-*), their edits and activation.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::{Service, ServiceId};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::usecases::NewService;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::ApiResult;
use crate::routes::{
    ApiJson, ApiPath, ApiQuery, Json, PageOut, PageParams, page_loaded, page_request,
};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service, delete_service))
        .routes(routes!(activate_service))
        .routes(routes!(deactivate_service))
}

/// The business's services, active or not, by name.
#[utoipa::path(get, path = "/api/entreprise/services/", tag = "entreprise",
    security(("bearer" = [])),
    params(PageParams),
    responses(
        (status = 200, description = "Services", body = PageOut<Service>),
        (status = 404, description = "NO_BUSINESS (the owner has no business yet)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (limit or cursor out of range)", body = crate::error::Problem),
    ))]
pub async fn list_services(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(params): ApiQuery<PageParams>,
) -> ApiResult<Json<PageOut<Service>>> {
    let page = page_request(params.limit, params.cursor)?;
    let business = my_business(&state, &session).await?;
    let all = state.store().list_services(business.id).await?;
    Ok(axum::Json(page_loaded(
        all,
        |s| (s.name.clone(), s.id.0),
        &page,
    )?))
}

/// Creates an active service.
#[utoipa::path(post, path = "/api/entreprise/services/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewService,
    responses(
        (status = 201, description = "Created", body = Service),
        (status = 422, description = "VALIDATION_FAILED (price, duration, buffers...)", body = crate::error::Problem),
    ))]
pub async fn create_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewService>,
) -> ApiResult<(StatusCode, Json<Service>)> {
    let business = my_business(&state, &session).await?;
    let service = state.writes().create_service(business.id, input).await?;
    Ok((StatusCode::CREATED, axum::Json(service)))
}

/// One of the business's services.
#[utoipa::path(get, path = "/api/entreprise/services/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = Service),
        (status = 404, description = "NOT_FOUND (also another business's)", body = crate::error::Problem),
    ))]
pub async fn get_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<Service>> {
    let business = my_business(&state, &session).await?;
    Ok(axum::Json(
        state.reads().owned_service(business.id, id).await?,
    ))
}

/// Replaces a service's fields (reservations keep their price and times).
#[utoipa::path(put, path = "/api/entreprise/services/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    request_body = NewService,
    responses(
        (status = 200, description = "Updated", body = Service),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn update_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
    ApiJson(input): ApiJson<NewService>,
) -> ApiResult<Json<Service>> {
    let business = my_business(&state, &session).await?;
    let service = state
        .writes()
        .update_service(business.id, id, input)
        .await?;
    Ok(axum::Json(service))
}

/// Withdraws a service: it is deactivated (hidden, not bookable) and kept for the history of
/// its reservations.
#[utoipa::path(delete, path = "/api/entreprise/services/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "Withdrawn (inactive)", body = Service),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn delete_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<Service>> {
    set_active(state, session, id, false).await
}

async fn set_active(
    state: AppState,
    session: OwnerSession,
    id: ServiceId,
    active: bool,
) -> ApiResult<Json<Service>> {
    let business = my_business(&state, &session).await?;
    let service = state
        .writes()
        .set_service_active(business.id, id, active)
        .await?;
    Ok(axum::Json(service))
}

/// Makes a service bookable again.
#[utoipa::path(post, path = "/api/entreprise/services/{id}/activer/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "Active", body = Service),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn activate_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<Service>> {
    set_active(state, session, id, true).await
}

/// Stops bookings of a service (SVC-3).
#[utoipa::path(post, path = "/api/entreprise/services/{id}/desactiver/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    responses(
        (status = 200, description = "Inactive", body = Service),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn deactivate_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<Service>> {
    set_active(state, session, id, false).await
}
