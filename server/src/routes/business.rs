//! `/api/entreprise/`: the signed-in owner's business (BIZ-3, BIZ-4), its resources, services
//! (SVC-*), availability windows (AV-*) and reservations (RES-*). Everything is scoped to the
//! owner's own business: another business's object answers 404.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::lifecycle::Action;
use rdv_core::model::{
    Actor, AvailabilityId, AvailabilityWindow, Business, Reservation, ReservationId, Resource,
    ResourceId, ResourceKind, Service, ServiceId,
};
use rdv_core::ports::{
    BusinessFilter, BusinessSort, DirectoryStore as _, PageRequest, ReservationView,
};
use rdv_core::usecases::{NewBusiness, NewService, RecurringAvailability};
use rdv_core::{Interval, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::client::{CancelQuery, ReservationQuery, reservation_page};
use super::{
    ApiJson, ApiPath, ApiQuery, Json, PageOut, PageParams, instant_key, page_loaded, page_request,
};
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_business, create_business, update_business))
        .routes(routes!(list_resources, create_resource))
        .routes(routes!(list_services, create_service))
        .routes(routes!(get_service, update_service, delete_service))
        .routes(routes!(activate_service))
        .routes(routes!(deactivate_service))
        .routes(routes!(list_availabilities, create_availability))
        .routes(routes!(create_availabilities_bulk))
        .routes(routes!(create_recurring_availabilities))
        .routes(routes!(
            get_availability,
            update_availability,
            delete_availability
        ))
        .routes(routes!(list_reservations))
        .routes(routes!(get_reservation, cancel_reservation))
        .routes(routes!(confirm_reservation))
        .routes(routes!(complete_reservation))
        .routes(routes!(no_show_reservation))
}

/// The owner's business, or 404 `NO_BUSINESS`.
pub(crate) async fn my_business(state: &AppState, session: &OwnerSession) -> ApiResult<Business> {
    find_business(state, session).await?.ok_or_else(|| {
        ApiError::new(
            HttpCode::NoBusiness,
            "create your business first (POST /api/entreprise/mon-entreprise/)",
        )
    })
}

async fn find_business(state: &AppState, session: &OwnerSession) -> ApiResult<Option<Business>> {
    let filter = BusinessFilter {
        owner_id: Some(rdv_core::model::UserId::from_uuid(session.0.user_id)),
        ..BusinessFilter::default()
    };
    let page = state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &PageRequest::first(1))
        .await?;
    Ok(page.items.into_iter().next())
}

/// The owner's business.
#[utoipa::path(get, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The business", body = rdv_core::model::Business),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn get_business(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<Business>> {
    Ok(axum::Json(my_business(&state, &session).await?))
}

/// Creates the owner's business (one per owner); it is public once an admin validates it.
#[utoipa::path(post, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = rdv_core::usecases::NewBusiness,
    responses(
        (status = 201, description = "Created, awaiting validation", body = rdv_core::model::Business),
        (status = 409, description = "BUSINESS_EXISTS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED, UNKNOWN_TIME_ZONE", body = crate::error::Problem),
    ))]
pub async fn create_business(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewBusiness>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    if find_business(&state, &session).await?.is_some() {
        return Err(ApiError::new(
            HttpCode::BusinessExists,
            "you already have a business; update it with PUT",
        ));
    }
    let owner = rdv_core::model::UserId::from_uuid(session.0.user_id);
    let business = state.writes().create_business(owner, input).await?;
    Ok((StatusCode::CREATED, axum::Json(business)))
}

/// Replaces the business's profile, opening hours and closures.
#[utoipa::path(put, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = rdv_core::usecases::NewBusiness,
    responses(
        (status = 200, description = "Updated", body = rdv_core::model::Business),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn update_business(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewBusiness>,
) -> ApiResult<Json<Business>> {
    let current = my_business(&state, &session).await?;
    let business = state.writes().update_business(current.id, input).await?;
    Ok(axum::Json(business))
}

/// A new resource.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewResourceRequest {
    /// Display name.
    pub name: String,
    /// `staff` or `room`.
    pub kind: ResourceKind,
}

/// The business's resources (staff, rooms), by name.
#[utoipa::path(get, path = "/api/entreprise/ressources/", tag = "entreprise",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "Resources", body = PageOut<rdv_core::model::Resource>)))]
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
        (status = 201, description = "Created", body = rdv_core::model::Resource),
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

/// The business's services, active or not, by name.
#[utoipa::path(get, path = "/api/entreprise/services/", tag = "entreprise",
    security(("bearer" = [])),
    params(PageParams),
    responses((status = 200, description = "Services", body = PageOut<rdv_core::model::Service>)))]
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
    request_body = rdv_core::usecases::NewService,
    responses(
        (status = 201, description = "Created", body = rdv_core::model::Service),
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
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "The service", body = rdv_core::model::Service),
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
    params(("id" = String, Path, description = "Service id")),
    request_body = rdv_core::usecases::NewService,
    responses(
        (status = 200, description = "Updated", body = rdv_core::model::Service),
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
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "Withdrawn (inactive)", body = rdv_core::model::Service),
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
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "Active", body = rdv_core::model::Service),
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
    params(("id" = String, Path, description = "Service id")),
    responses(
        (status = 200, description = "Inactive", body = rdv_core::model::Service),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn deactivate_service(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
) -> ApiResult<Json<Service>> {
    set_active(state, session, id, false).await
}

/// Date filter of availability lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    /// Windows ending after (RFC 3339; default now).
    #[param(value_type = Option<String>)]
    pub from: Option<Timestamp>,
    /// Windows starting before (RFC 3339; default 31 days after `from`).
    #[param(value_type = Option<String>)]
    pub to: Option<Timestamp>,
    /// Only this resource.
    #[param(value_type = Option<String>)]
    pub resource_id: Option<ResourceId>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Longest range of an availability list.
const MAX_WINDOW_LIST_DAYS: i64 = 366;

/// The business's availability windows overlapping a date range, by start.
#[utoipa::path(get, path = "/api/entreprise/disponibilites/", tag = "entreprise",
    security(("bearer" = [])),
    params(WindowQuery),
    responses(
        (status = 200, description = "Windows by start", body = PageOut<rdv_core::model::AvailabilityWindow>),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE", body = crate::error::Problem),
    ))]
pub async fn list_availabilities(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<WindowQuery>,
) -> ApiResult<Json<PageOut<AvailabilityWindow>>> {
    let page = page_request(query.limit, query.cursor.clone())?;
    let business = my_business(&state, &session).await?;
    let from = query.from.unwrap_or_else(|| state.now());
    let to = query.to.unwrap_or(from.add_secs(31 * 86_400));
    let range = Interval::new(from, to)?;
    if range.duration_secs() > MAX_WINDOW_LIST_DAYS * 86_400 {
        return Err(rdv_core::Error::RangeTooLarge {
            max_days: MAX_WINDOW_LIST_DAYS as u32,
        }
        .into());
    }
    let windows = state
        .reads()
        .list_availabilities(business.id, query.resource_id, range)
        .await?;
    Ok(axum::Json(page_loaded(
        windows,
        |w| (instant_key(w.interval.start()), w.id.0),
        &page,
    )?))
}

/// One availability window.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowInput {
    /// The resource that is available.
    pub resource_id: ResourceId,
    /// Start (RFC 3339).
    pub start: Timestamp,
    /// End (RFC 3339), after the start, at most 31 days later.
    pub end: Timestamp,
}

/// Several windows at once.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkWindows {
    /// 1 to 500 windows; all are created or none.
    pub items: Vec<WindowInput>,
}

/// Adds an availability window (never overlapping another of the same resource).
#[utoipa::path(post, path = "/api/entreprise/disponibilites/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = WindowInput,
    responses(
        (status = 201, description = "Created", body = rdv_core::model::AvailabilityWindow),
        (status = 409, description = "AVAILABILITY_OVERLAP", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL", body = crate::error::Problem),
    ))]
pub async fn create_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<WindowInput>,
) -> ApiResult<(StatusCode, Json<AvailabilityWindow>)> {
    let business = my_business(&state, &session).await?;
    let w = state
        .writes()
        .create_availability(
            business.id,
            input.resource_id,
            Interval::new(input.start, input.end)?,
        )
        .await?;
    Ok((StatusCode::CREATED, axum::Json(w)))
}

/// Adds many windows, all or none (AV-2); a refusal lists every failing item with its code.
#[utoipa::path(post, path = "/api/entreprise/disponibilites/bulk/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = BulkWindows,
    responses(
        (status = 201, description = "All created", body = Vec<rdv_core::model::AvailabilityWindow>),
        (status = 422, description = "BULK_REJECTED with per-item failures", body = crate::error::Problem),
    ))]
pub async fn create_availabilities_bulk(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<BulkWindows>,
) -> ApiResult<(StatusCode, Json<Vec<AvailabilityWindow>>)> {
    let business = my_business(&state, &session).await?;
    let mut items = Vec::with_capacity(input.items.len());
    let mut failures = Vec::new();
    for (index, w) in input.items.iter().enumerate() {
        match Interval::new(w.start, w.end) {
            Ok(interval) => items.push((w.resource_id, interval)),
            Err(e) => failures.push(rdv_core::error::ItemFailure {
                index,
                code: e.code().as_str().to_owned(),
                message: e.to_string(),
            }),
        }
    }
    if !failures.is_empty() {
        return Err(rdv_core::Error::BulkRejected { failures }.into());
    }
    let windows = state
        .writes()
        .create_availabilities(business.id, &items)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(windows)))
}

/// Generates windows from a recurrence rule ("every Monday 09:00–17:00"), as one series, in
/// the business's time zone (AV-3).
#[utoipa::path(post, path = "/api/entreprise/disponibilites/recurrentes/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = rdv_core::usecases::RecurringAvailability,
    responses(
        (status = 201, description = "Created", body = Vec<rdv_core::model::AvailabilityWindow>),
        (status = 422, description = "INVALID_RECURRENCE, RECURRENCE_TOO_LARGE, BULK_REJECTED", body = crate::error::Problem),
    ))]
pub async fn create_recurring_availabilities(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<RecurringAvailability>,
) -> ApiResult<(StatusCode, Json<Vec<AvailabilityWindow>>)> {
    let business = my_business(&state, &session).await?;
    let windows = state
        .writes()
        .create_recurring_availabilities(business.id, &input)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(windows)))
}

/// One window.
#[utoipa::path(get, path = "/api/entreprise/disponibilites/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Window id")),
    responses(
        (status = 200, description = "The window", body = rdv_core::model::AvailabilityWindow),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn get_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<AvailabilityId>,
) -> ApiResult<Json<AvailabilityWindow>> {
    let business = my_business(&state, &session).await?;
    Ok(axum::Json(
        state.reads().get_availability(business.id, id).await?,
    ))
}

/// New bounds of a window.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WindowBounds {
    /// Start (RFC 3339).
    pub start: Timestamp,
    /// End (RFC 3339).
    pub end: Timestamp,
}

/// Moves a window (still never overlapping another of its resource).
#[utoipa::path(put, path = "/api/entreprise/disponibilites/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Window id")),
    request_body = WindowBounds,
    responses(
        (status = 200, description = "Moved", body = rdv_core::model::AvailabilityWindow),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "AVAILABILITY_OVERLAP", body = crate::error::Problem),
    ))]
pub async fn update_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<AvailabilityId>,
    ApiJson(input): ApiJson<WindowBounds>,
) -> ApiResult<Json<AvailabilityWindow>> {
    let business = my_business(&state, &session).await?;
    let w = state
        .writes()
        .update_availability(business.id, id, Interval::new(input.start, input.end)?)
        .await?;
    Ok(axum::Json(w))
}

/// Deletes a window; reservations already made stay.
#[utoipa::path(delete, path = "/api/entreprise/disponibilites/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Window id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn delete_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<AvailabilityId>,
) -> ApiResult<StatusCode> {
    let business = my_business(&state, &session).await?;
    state.writes().delete_availability(business.id, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The business's reservations, filtered (status, dates, service, resource, client), sorted,
/// paginated.
#[utoipa::path(get, path = "/api/entreprise/reservations/", tag = "entreprise",
    security(("bearer" = [])),
    params(ReservationQuery),
    responses(
        (status = 200, description = "A page of reservations with names", body = PageOut<rdv_core::ports::ReservationView>),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn list_reservations(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ReservationQuery>,
) -> ApiResult<Json<PageOut<ReservationView>>> {
    let business = my_business(&state, &session).await?;
    let mut filter = query.filter()?;
    filter.business_id = Some(business.id);
    reservation_page(&state, filter, &query).await
}

/// One reservation of the business.
#[utoipa::path(get, path = "/api/entreprise/reservations/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = rdv_core::model::Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn get_reservation(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    let business = my_business(&state, &session).await?;
    Ok(axum::Json(
        state
            .reads()
            .reservation(Actor::Business, business.id.0, id)
            .await?,
    ))
}

async fn act(
    state: &AppState,
    session: &OwnerSession,
    id: ReservationId,
    action: Action,
) -> ApiResult<Json<Reservation>> {
    let business = my_business(state, session).await?;
    let r = state
        .writes()
        .transition(Actor::Business, business.id.0, id, action)
        .await?;
    Ok(axum::Json(r))
}

/// Cancels a reservation (a reason is required).
#[utoipa::path(delete, path = "/api/entreprise/reservations/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Reservation id"), CancelQuery),
    responses(
        (status = 200, description = "Cancelled", body = rdv_core::model::Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason missing)", body = crate::error::Problem),
    ))]
pub async fn cancel_reservation(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ReservationId>,
    ApiQuery(query): ApiQuery<CancelQuery>,
) -> ApiResult<Json<Reservation>> {
    act(
        &state,
        &session,
        id,
        Action::Cancel {
            reason: query.reason,
        },
    )
    .await
}

/// Confirms a pending reservation (capacity is checked again).
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/confirmer/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Confirmed", body = rdv_core::model::Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION, SLOT_FULL", body = crate::error::Problem),
    ))]
pub async fn confirm_reservation(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::Confirm).await
}

/// Marks a confirmed reservation as done (after its start).
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/terminer/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Completed", body = rdv_core::model::Reservation),
        (status = 409, description = "INVALID_STATUS_TRANSITION, TRANSITION_TOO_EARLY", body = crate::error::Problem),
    ))]
pub async fn complete_reservation(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::Complete).await
}

/// Marks a confirmed reservation as a no-show (after its start).
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/absence/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = String, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "No-show", body = rdv_core::model::Reservation),
        (status = 409, description = "INVALID_STATUS_TRANSITION, TRANSITION_TOO_EARLY", body = crate::error::Problem),
    ))]
pub async fn no_show_reservation(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::MarkNoShow).await
}
