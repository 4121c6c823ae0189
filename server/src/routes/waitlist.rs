//! The waitlist over HTTP ([`rdv_core::waitlist`]): `/api/client/liste-attente/` for clients
//! (join a full range, see and leave their places, claim an offered seat) and
//! `/api/entreprise/liste-attente/` for the business (who waits). The worker in
//! [`crate::serve`] calls [`offer_and_tell`] to offer freed seats and email each client.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::{ClientId, Reservation, WaitlistId};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::usecases::JoinWaitlist;
use rdv_core::waitlist::WaitlistEntry;
use rdv_core::{Result, Uuid};
use rdv_storage::accounts::{AccountStore as _, OutboxMessage};
use serde::Serialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entreprise::my_business;
use super::{ApiJson, ApiPath, Json};
use crate::auth::{ClientSession, OwnerSession};
use crate::error::ApiResult;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_my_places, join_waitlist))
        .routes(routes!(leave_waitlist))
        .routes(routes!(claim_offer))
        .routes(routes!(business_waitlist))
}

fn client_id(session: &ClientSession) -> ClientId {
    ClientId::from_uuid(session.0.user_id)
}

/// The client's places on waitlists, in the order they joined.
#[utoipa::path(get, path = "/api/client/liste-attente/", tag = "client",
    security(("bearer" = [])),
    responses((status = 200, description = "The client's places", body = Vec<WaitlistEntry>)))]
pub async fn list_my_places(
    State(state): State<AppState>,
    session: ClientSession,
) -> ApiResult<Json<Vec<WaitlistEntry>>> {
    let places = state.reads().client_waitlist(client_id(&session)).await?;
    Ok(axum::Json(places))
}

/// Joins the waitlist of a service for slot starts in `[from, to)` (at most 31 days), of one
/// resource or any. Only a full range is waited for; when a seat frees, it is offered to the
/// clients in the order they joined, each offer held for a while (`waitlist_offer_minutes`)
/// and told by email.
#[utoipa::path(post, path = "/api/client/liste-attente/", tag = "client",
    security(("bearer" = [])),
    request_body = JoinWaitlist,
    responses(
        (status = 201, description = "Waiting", body = WaitlistEntry),
        (status = 404, description = "NOT_FOUND (service)", body = crate::error::Problem),
        (status = 409, description = "SLOTS_AVAILABLE (book one instead), ALREADY_ON_WAITLIST", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (to: in_past, out_of_range), INVALID_INTERVAL, RESOURCE_NOT_ELIGIBLE", body = crate::error::Problem),
    ))]
pub async fn join_waitlist(
    State(state): State<AppState>,
    session: ClientSession,
    ApiJson(input): ApiJson<JoinWaitlist>,
) -> ApiResult<(StatusCode, Json<WaitlistEntry>)> {
    let entry = state
        .writes()
        .join_waitlist(client_id(&session), &input)
        .await?;
    Ok((StatusCode::CREATED, axum::Json(entry)))
}

/// Leaves the waitlist (a seat offered to the client passes on).
#[utoipa::path(delete, path = "/api/client/liste-attente/{id}/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Waitlist place id")),
    responses(
        (status = 200, description = "Left", body = WaitlistEntry),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION (already booked, expired or left)", body = crate::error::Problem),
    ))]
pub async fn leave_waitlist(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<WaitlistId>,
) -> ApiResult<Json<WaitlistEntry>> {
    let entry = state
        .writes()
        .leave_waitlist(client_id(&session), id)
        .await?;
    Ok(axum::Json(entry))
}

/// A claimed offer: the place and the reservation made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ClaimOut {
    /// The place, now `booked`.
    pub entry: WaitlistEntry,
    /// The reservation (pending, like any booking).
    pub reservation: Reservation,
}

/// Claims the seat offered to the client: it is booked through the normal booking path. An
/// offer that ran out is refused (`OFFER_EXPIRED`); a seat someone else booked meanwhile
/// answers the booking's conflict and the place waits again for the next seat.
#[utoipa::path(post, path = "/api/client/liste-attente/{id}/accepter/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Waitlist place id")),
    responses(
        (status = 201, description = "Booked", body = ClaimOut),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "OFFER_EXPIRED, INVALID_STATUS_TRANSITION (no offer), BOOKING_OVERLAP, SLOT_FULL, CLIENT_DOUBLE_BOOKED", body = crate::error::Problem),
    ))]
pub async fn claim_offer(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<WaitlistId>,
) -> ApiResult<(StatusCode, Json<ClaimOut>)> {
    let (entry, reservation) = state
        .writes()
        .claim_waitlist_offer(client_id(&session), id)
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ClaimOut { entry, reservation }),
    ))
}

/// Who waits for the business's services: the open places (waiting or offered), in the order
/// clients joined.
#[utoipa::path(get, path = "/api/entreprise/liste-attente/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Open places", body = Vec<WaitlistEntry>),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn business_waitlist(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<Vec<WaitlistEntry>>> {
    let business = my_business(&state, &session).await?;
    let places = state.reads().business_waitlist(business.id).await?;
    Ok(axum::Json(places))
}

/// One run of the waitlist worker: offers freed seats ([`rdv_core::usecases::UseCases::offer_freed_seats`])
/// and queues a `waitlist_offer` email to each client offered one, with the service, the
/// seat's local time and until when it is held. How many seats were offered.
pub async fn offer_and_tell(state: &AppState) -> Result<usize> {
    let offered = state.writes().offer_freed_seats().await?;
    let mut messages = Vec::with_capacity(offered.len());
    for entry in &offered {
        let Some(offer) = entry.offer else { continue };
        let (Some(user), Some(service), Some(business)) = (
            state.store().user_by_id(entry.client_id.0).await?,
            state.store().get_service(entry.service_id).await?,
            state.store().get_business(entry.business_id).await?,
        ) else {
            continue;
        };
        let zone = business.time_zone.0;
        let local = |t: rdv_core::Timestamp| {
            t.to_utc()
                .with_timezone(&zone)
                .format("%Y-%m-%d %H:%M")
                .to_string()
        };
        messages.push(OutboxMessage {
            id: Uuid::new_v4(),
            dedup_key: format!("waitlist_offer:{}:{}", entry.id, offer.start.secs()),
            kind: "waitlist_offer".into(),
            channel: rdv_storage::notifications::Channel::Email,
            recipient: user.email,
            payload: json!({
                "locale": user.locale,
                "waitlist_id": entry.id,
                "business_name": business.name,
                "service_name": service.name,
                "start_local": local(offer.start),
                "expires_local": local(offer.expires_at),
                "time_zone": zone.name(),
            }),
            created_at: state.now(),
        });
    }
    if !messages.is_empty() {
        state.store().enqueue_messages(&messages).await?;
    }
    Ok(offered.len())
}
