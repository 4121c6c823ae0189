//! `/api/entreprise/reservations/`: the business's reservations (RES-*): listed, read,
//! confirmed, cancelled, completed, marked as no-shows, moved. The owner reaches every one; a
//! staff member those of their own resource (another answers 404, like a missing id).

use axum::extract::State;
use rdv_core::lifecycle::Action;
use rdv_core::model::{Reservation, ReservationId};
use rdv_core::ports::ReservationView;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::business_access;
use crate::auth::BusinessSession;
use crate::error::ApiResult;
use crate::routes::client::{CancelQuery, RescheduleRequest, ReservationQuery, reservation_page};
use crate::routes::{ApiJson, ApiPath, ApiQuery, Json, PageOut};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_reservations))
        .routes(routes!(get_reservation, cancel_reservation))
        .routes(routes!(confirm_reservation))
        .routes(routes!(complete_reservation))
        .routes(routes!(no_show_reservation))
        .routes(routes!(reschedule_reservation))
}

/// The business's reservations, filtered (status, dates, service, resource, client, who
/// booked), sorted, paginated; each carries the client's name, email and phone.
#[utoipa::path(get, path = "/api/entreprise/reservations/", tag = "entreprise",
    security(("bearer" = [])),
    params(ReservationQuery, ("q" = Option<String>, Query, max_length = 100, example = "dupont",
        description = "Who booked: part of the client's first name, last name or email (accents and case ignored, every word must match), or a phone number in any notation (a national one is read with the business's country). At most 100 characters; a search matching more than 1,000 clients is refused (`too_broad`).")),
    responses(
        (status = 200, description = "A page of reservations with names and who booked", body = PageOut<ReservationView>),
        (status = 422, description = "VALIDATION_FAILED (q: required, too_long, too_broad; bad cursor, limit or status)", body = crate::error::Problem),
    ))]
pub async fn list_reservations(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiQuery(query): ApiQuery<ReservationQuery>,
) -> ApiResult<Json<PageOut<ReservationView>>> {
    let access = business_access(&state, &session).await?;
    let mut filter = query.filter()?;
    filter.business_id = Some(access.id());
    filter.resource_id = access.narrow(filter.resource_id)?;
    if let Some(text) = &query.q {
        let clients = state
            .reads()
            .find_business_clients(access.id(), "q", text)
            .await?;
        filter.client_ids = Some(clients);
    }
    reservation_page(&state, filter, &query).await
}

/// One reservation of the business.
#[utoipa::path(get, path = "/api/entreprise/reservations/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn get_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    let access = business_access(&state, &session).await?;
    Ok(axum::Json(
        state.reads().reservation(access.scope(), id).await?,
    ))
}

async fn act(
    state: &AppState,
    session: &BusinessSession,
    id: ReservationId,
    action: Action,
) -> ApiResult<Json<Reservation>> {
    let access = business_access(state, session).await?;
    let r = state
        .writes()
        .transition(access.scope(), id, action)
        .await?;
    Ok(axum::Json(r))
}

/// Cancels a reservation (a reason is required).
#[utoipa::path(delete, path = "/api/entreprise/reservations/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id"), CancelQuery),
    responses(
        (status = 200, description = "Cancelled", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason missing)", body = crate::error::Problem),
    ))]
pub async fn cancel_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
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
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Confirmed", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION, SLOT_FULL", body = crate::error::Problem),
    ))]
pub async fn confirm_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::Confirm).await
}

/// Marks a confirmed reservation as done (after its start).
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/terminer/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Completed", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION, TRANSITION_TOO_EARLY", body = crate::error::Problem),
    ))]
pub async fn complete_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::Complete).await
}

/// Marks a confirmed reservation as a no-show (after its start).
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/absence/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "No-show", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION, TRANSITION_TOO_EARLY", body = crate::error::Problem),
    ))]
pub async fn no_show_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    act(&state, &session, id, Action::MarkNoShow).await
}

/// Moves a reservation to another time on its resource, as the client's move does: the new
/// time passes every booking rule and the old one is freed only if the new one is taken. The
/// status stays (a confirmed reservation stays confirmed), the client's reschedule limit and
/// deadline do not apply to the business, and the client is notified.
#[utoipa::path(post, path = "/api/entreprise/reservations/{id}/reschedule/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "Moved", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "BOOKING_OVERLAP, BUFFER_CONFLICT, SLOT_FULL, CLIENT_DOUBLE_BOOKED, INVALID_STATUS_TRANSITION", body = crate::error::Problem),
        (status = 422, description = "The booking rule codes (SLOT_IN_PAST, MINIMUM_NOTICE, OUTSIDE_AVAILABILITY, OUTSIDE_OPENING_HOURS, NOT_ON_SLOT_GRID...)", body = crate::error::Problem),
    ))]
pub async fn reschedule_reservation(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<ReservationId>,
    ApiJson(input): ApiJson<RescheduleRequest>,
) -> ApiResult<Json<Reservation>> {
    let access = business_access(&state, &session).await?;
    let r = state
        .writes()
        .reschedule(access.scope(), id, input.start)
        .await?;
    Ok(axum::Json(r))
}
