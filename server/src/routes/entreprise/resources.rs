//! `/api/entreprise/ressources/`: the business's staff and rooms, their working hours,
//! deactivation (with the owner's decision for each reservation a resource holds) and
//! deletion ([`rdv_core::resources`]). Another business's resource answers 404 exactly like a
//! missing one.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::hours::OpeningHours;
use rdv_core::model::{Resource, ResourceId, ResourceKind};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::resources::ReservationDecision;
use rdv_core::usecases::{ResourceDeactivation, ResourceInput};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::{
    ApiJson, ApiPath, ApiQuery, Json, PageOut, PageParams, page_loaded, page_request,
};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(get_resource, update_resource, delete_resource))
        .routes(routes!(deactivate_resource))
        .routes(routes!(activate_resource))
}

/// A resource as the owner writes it: on creation, and as the whole replacement on update.
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
    /// When it works, each range inside the business's opening hours of its weekday (a
    /// stylist who works Tuesday to Saturday); left out or `null`: all the opening hours.
    /// A range outside them is a 422 naming it (`working_hours.tuesday[0]`,
    /// `outside_opening_hours`).
    #[serde(default)]
    pub working_hours: Option<OpeningHours>,
}

impl NewResourceRequest {
    fn input(self) -> ResourceInput {
        ResourceInput {
            name: self.name,
            kind: self.kind,
            working_hours: self.working_hours,
        }
    }
}

/// What to do with the reservations of a resource being deactivated; without it (or with
/// no body at all) the resource is deactivated and its reservations listed.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeactivateRequest {
    /// One decision per reservation, at most 500: `keep`, `cancel` with a `reason` (the
    /// client is told), or `move` to `to_resource_id`, another active resource of the same
    /// service free at the same time (the client is told). Each is applied on its own and
    /// reported in `outcomes`.
    #[serde(default)]
    pub decisions: Vec<ReservationDecision>,
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
        (status = 422, description = "VALIDATION_FAILED (name; working_hours: `outside_opening_hours` for a range outside the business's opening hours, `overlap`, `too_many`)", body = crate::error::Problem),
    ))]
pub async fn create_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewResourceRequest>,
) -> ApiResult<(StatusCode, Json<Resource>)> {
    let business = my_business(&state, &session).await?;
    let r = state
        .writes()
        .add_resource(business.id, input.input())
        .await?;
    Ok((StatusCode::CREATED, axum::Json(r)))
}

/// One of the business's resources.
#[utoipa::path(get, path = "/api/entreprise/ressources/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id")),
    responses(
        (status = 200, description = "The resource", body = Resource),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's); NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn get_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
) -> ApiResult<Json<Resource>> {
    let business = my_business(&state, &session).await?;
    Ok(axum::Json(
        state.reads().owned_resource(business.id, id).await?,
    ))
}

/// Replaces a resource's name, kind and working hours (the whole resource: working hours
/// left out mean all the opening hours again); whether it is active does not change.
/// Existing reservations keep their times.
#[utoipa::path(put, path = "/api/entreprise/ressources/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id")),
    request_body = NewResourceRequest,
    responses(
        (status = 200, description = "Replaced", body = Resource),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's); NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (name; working_hours: `outside_opening_hours` for a range outside the business's opening hours, `overlap`, `too_many`)", body = crate::error::Problem),
    ))]
pub async fn update_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
    ApiJson(input): ApiJson<NewResourceRequest>,
) -> ApiResult<Json<Resource>> {
    let business = my_business(&state, &session).await?;
    let r = state
        .writes()
        .update_resource(business.id, id, input.input())
        .await?;
    Ok(axum::Json(r))
}

/// Deactivates a resource: from now on it takes no new booking (slots leave it out, a
/// booking naming it answers `RESOURCE_INACTIVE`). Answers the resource and the reservations
/// it still holds (pending or confirmed, not over), with who booked, so the owner decides
/// for each one: the same call with `decisions` keeps, cancels (with a reason; the client is
/// told) or moves it to another free resource of the same service at the same time (atomic;
/// the client is told like a reschedule). Each decision is applied on its own and reported in
/// `outcomes` (a busy target is reported with its code, the others still apply); the
/// answer's `reservations` are those still held afterwards. Calling it again on an inactive
/// resource only applies the decisions. The body is optional.
#[utoipa::path(post, path = "/api/entreprise/ressources/{id}/desactiver/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id")),
    request_body = Option<DeactivateRequest>,
    responses(
        (status = 200, description = "Deactivated; the reservations it holds and the outcome of each decision", body = ResourceDeactivation),
        (status = 400, description = "MALFORMED_JSON", body = crate::error::Problem),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's); NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE", body = crate::error::Problem),
        (status = 422, description = "INVALID_BODY; VALIDATION_FAILED (decisions: `too_many`; decisions[i].reservation_id: `duplicate`; decisions[i].reason: `required`, `too_long`), nothing changed", body = crate::error::Problem),
    ))]
pub async fn deactivate_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<ResourceDeactivation>> {
    let request = optional_body::<DeactivateRequest>(body)?;
    let business = my_business(&state, &session).await?;
    let answer = state
        .writes()
        .deactivate_resource(business.id, id, &request.decisions)
        .await?;
    Ok(axum::Json(answer))
}

/// Makes a deactivated resource take bookings again (nothing changes for an active one).
#[utoipa::path(post, path = "/api/entreprise/ressources/{id}/activer/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id")),
    responses(
        (status = 200, description = "Active", body = Resource),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's); NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn activate_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
) -> ApiResult<Json<Resource>> {
    let business = my_business(&state, &session).await?;
    Ok(axum::Json(
        state.writes().activate_resource(business.id, id).await?,
    ))
}

/// Deletes a resource that holds no reservation any more (none pending or confirmed that has
/// not ended); otherwise 409 `RESOURCE_HAS_RESERVATIONS` lists them (deactivate it to keep,
/// cancel or move each one) and nothing changes. Refused too, with 409
/// `LAST_RESOURCE_OF_SERVICE`, while it is the only resource of a service. Once deleted it
/// answers 404 everywhere, its services no longer list it and its windows that had not
/// started are removed; its past reservations stay, still naming it, in the reservation
/// lists, their history and the statistics.
#[utoipa::path(delete, path = "/api/entreprise/ressources/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "NOT_FOUND (missing, already deleted or another business's); NO_BUSINESS", body = crate::error::Problem),
        (status = 409, description = "RESOURCE_HAS_RESERVATIONS (the problem's `reservations` lists them, with who booked); LAST_RESOURCE_OF_SERVICE; nothing changed", body = crate::error::Problem),
    ))]
pub async fn delete_resource(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
) -> ApiResult<StatusCode> {
    let business = my_business(&state, &session).await?;
    state.writes().remove_resource(business.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// An optional JSON body: nothing (or only whitespace, or `null`) is the default request.
fn optional_body<T: serde::de::DeserializeOwned + Default>(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<T> {
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpCode::PayloadTooLarge
        } else {
            HttpCode::MalformedJson
        };
        ApiError::new(code, e.body_text())
    })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(T::default());
    }
    let parsed = serde_json::from_slice::<Option<T>>(&body).map_err(|e| {
        let code = if e.is_syntax() || e.is_eof() {
            HttpCode::MalformedJson
        } else {
            HttpCode::InvalidBody
        };
        ApiError::new(code, e.to_string())
    })?;
    Ok(parsed.unwrap_or_default())
}
