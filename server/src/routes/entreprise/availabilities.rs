//! `/api/entreprise/disponibilites/`: the business's availability windows (AV-*): one, many
//! at once, from a recurrence rule; listed by date, moved, deleted.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::{AvailabilityId, AvailabilityWindow, ResourceId};
use rdv_core::usecases::RecurringAvailability;
use rdv_core::window_changes::HeldReservations;
use rdv_core::{Interval, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::ApiResult;
use crate::routes::{
    ApiJson, ApiPath, ApiQuery, Json, PageOut, instant_key, page_loaded, page_request,
};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_availabilities, create_availability))
        .routes(routes!(create_availabilities_bulk))
        .routes(routes!(create_recurring_availabilities))
        .routes(routes!(
            get_availability,
            update_availability,
            delete_availability
        ))
}

/// Date filter of availability lists.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WindowQuery {
    /// Windows ending after (RFC 3339; default now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Windows starting before (RFC 3339; default 31 days after `from`).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    /// Only this resource.
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = crate::routes::loaded_cursor_schema)]
    pub cursor: Option<String>,
}

/// Longest range of an availability list.
const MAX_WINDOW_LIST_DAYS: i64 = 366;

/// The business's availability windows overlapping a date range, by start.
#[utoipa::path(get, path = "/api/entreprise/disponibilites/", tag = "entreprise",
    security(("bearer" = [])),
    params(WindowQuery),
    responses(
        (status = 200, description = "Windows by start", body = PageOut<AvailabilityWindow>),
        (status = 404, description = "NOT_FOUND (`resource_id` is not a resource of the business)", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE, VALIDATION_FAILED (limit or cursor out of range)", body = crate::error::Problem),
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
    #[schema(min_items = 1, max_items = 500)]
    pub items: Vec<WindowInput>,
}

/// Adds an availability window (never overlapping another of the same resource).
#[utoipa::path(post, path = "/api/entreprise/disponibilites/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = WindowInput,
    responses(
        (status = 201, description = "Created", body = AvailabilityWindow),
        (status = 404, description = "NOT_FOUND (`resource_id` is not a resource of the business)", body = crate::error::Problem),
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
        (status = 201, description = "All created", body = Vec<AvailabilityWindow>),
        (status = 422, description = "BULK_REJECTED with per-item failures", body = crate::error::Problem),
    ))]
pub async fn create_availabilities_bulk(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<BulkWindows>,
) -> ApiResult<(StatusCode, Json<Vec<AvailabilityWindow>>)> {
    let business = my_business(&state, &session).await?;
    let items: Vec<_> = input
        .items
        .iter()
        .map(|w| (w.resource_id, w.start, w.end))
        .collect();
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
    request_body = RecurringAvailability,
    responses(
        (status = 201, description = "Created", body = Vec<AvailabilityWindow>),
        (status = 404, description = "NOT_FOUND (`resource_id` is not a resource of the business)", body = crate::error::Problem),
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
    params(("id" = uuid::Uuid, Path, description = "Window id")),
    responses(
        (status = 200, description = "The window", body = AvailabilityWindow),
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
    /// What to do with the reservations the new bounds would leave out: `{"action": "keep"}`
    /// or `{"action": "cancel", "reason": "…"}`. Without it, a move that leaves reservations
    /// out changes nothing and answers 409 `WINDOW_HOLDS_RESERVATIONS` with their list.
    #[serde(default)]
    pub reservations: Option<HeldReservations>,
}

/// Moves or resizes a window (still never overlapping another of its resource). Reservations
/// it would leave out (pending or confirmed, not over) are listed in a 409 unless the request
/// says to keep them (they stay booked) or to cancel them (each client is notified).
#[utoipa::path(put, path = "/api/entreprise/disponibilites/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Window id")),
    request_body = WindowBounds,
    responses(
        (status = 200, description = "Moved", body = AvailabilityWindow),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "AVAILABILITY_OVERLAP; WINDOW_HOLDS_RESERVATIONS (the problem's `reservations` lists them, with who booked; nothing changed)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason required to cancel), INVALID_INTERVAL", body = crate::error::Problem),
    ))]
pub async fn update_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<AvailabilityId>,
    ApiJson(input): ApiJson<WindowBounds>,
) -> ApiResult<Json<AvailabilityWindow>> {
    let business = my_business(&state, &session).await?;
    let interval = Interval::new(input.start, input.end)?;
    let w = state
        .writes()
        .update_availability(business.id, id, interval, input.reservations.as_ref())
        .await?;
    Ok(axum::Json(w))
}

/// What to do with the reservations a deleted window holds.
#[derive(Clone, Copy, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum HeldAction {
    /// They stay booked.
    Keep,
    /// Each is cancelled by the business with `reason` (the client is notified).
    Cancel,
}

/// The decision of a window deletion.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteWindowQuery {
    /// What to do with the reservations the window holds (pending or confirmed, not over).
    /// Without it, a window that holds some is not deleted: 409 `WINDOW_HOLDS_RESERVATIONS`.
    pub reservations: Option<HeldAction>,
    /// Why they are cancelled (required with `reservations=cancel`, refused otherwise); at
    /// most 500 characters.
    #[param(max_length = 500)]
    pub reason: Option<String>,
}

impl DeleteWindowQuery {
    /// The decision, or a field error on `reason` when one is given without `cancel`.
    fn decision(self) -> ApiResult<Option<HeldReservations>> {
        match (self.reservations, self.reason) {
            (Some(HeldAction::Cancel), reason) => Ok(Some(HeldReservations::Cancel {
                reason: reason.unwrap_or_default(),
            })),
            (_, Some(_)) => Err(rdv_core::Error::field(
                "reason",
                "not_allowed",
                "a reason goes only with reservations=cancel",
            )
            .into()),
            (Some(HeldAction::Keep), None) => Ok(Some(HeldReservations::Keep)),
            (None, None) => Ok(None),
        }
    }
}

/// Deletes a window. Reservations it holds (pending or confirmed, not over) are listed in a
/// 409 unless `reservations=keep` (they stay booked) or `reservations=cancel` with a `reason`
/// (each client is notified).
#[utoipa::path(delete, path = "/api/entreprise/disponibilites/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Window id"), DeleteWindowQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "WINDOW_HOLDS_RESERVATIONS (the problem's `reservations` lists them, with who booked; nothing changed)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason: required with cancel, not_allowed without it, too_long)", body = crate::error::Problem),
    ))]
pub async fn delete_availability(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<AvailabilityId>,
    ApiQuery(query): ApiQuery<DeleteWindowQuery>,
) -> ApiResult<StatusCode> {
    let decision = query.decision()?;
    let business = my_business(&state, &session).await?;
    state
        .writes()
        .delete_availability(business.id, id, decision.as_ref())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
