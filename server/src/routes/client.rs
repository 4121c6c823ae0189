//! `/api/client/`: the signed-in client's profile (CLI-2, CLI-3) and reservations (RES-1,
//! RES-2, RES-4): book (idempotent with an `Idempotency-Key` header), list, detail,
//! reschedule, cancel. Another client's reservation answers 404, exactly like a missing one.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rdv_core::booking::BookingRequest;
use rdv_core::error::Entity;
use rdv_core::lifecycle::Action;
use rdv_core::model::{
    ClientId, ClientProfile, Reservation, ReservationId, ReservationStatus, ResourceId, ServiceId,
};
use rdv_core::ports::{DirectoryStore as _, ReservationFilter, ReservationSort, ReservationView};
use rdv_core::scope::Scope;
use rdv_core::usecases::ClientProfileInput;
use rdv_core::{Error, Timestamp};
use rdv_storage::accounts::{AccountStore, IdempotencyState};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, Json, PageOut, page_request};
use crate::auth::ClientSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_profile, put_profile))
        .routes(routes!(create_reservation, list_reservations))
        .routes(routes!(get_reservation, cancel_reservation))
        .routes(routes!(reschedule_reservation))
}

fn client_id(session: &ClientSession) -> ClientId {
    ClientId::from_uuid(session.0.user_id)
}

/// The client's profile.
#[utoipa::path(get, path = "/api/client/mon-profil/", tag = "client",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The profile", body = ClientProfile),
        (status = 401, description = "UNAUTHENTICATED", body = crate::error::Problem),
        (status = 403, description = "FORBIDDEN (not a client)", body = crate::error::Problem),
    ))]
pub async fn get_profile(
    State(state): State<AppState>,
    session: ClientSession,
) -> ApiResult<Json<ClientProfile>> {
    let profile = state
        .store()
        .get_client(client_id(&session))
        .await?
        .ok_or(Error::NotFound {
            entity: Entity::Client,
        })?;
    Ok(axum::Json(profile))
}

/// Replaces the client's profile (email normalised, phone stored as E.164 and encrypted).
#[utoipa::path(put, path = "/api/client/mon-profil/", tag = "client",
    security(("bearer" = [])),
    request_body = ClientProfileInput,
    responses(
        (status = 200, description = "The saved profile", body = ClientProfile),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn put_profile(
    State(state): State<AppState>,
    session: ClientSession,
    ApiJson(input): ApiJson<ClientProfileInput>,
) -> ApiResult<Json<ClientProfile>> {
    let profile = state
        .writes()
        .save_client_profile(client_id(&session), input)
        .await?;
    Ok(axum::Json(profile))
}

/// Query of reservation lists.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReservationQuery {
    /// Comma-separated statuses: pending, confirmed, completed, no_show,
    /// cancelled_by_client, cancelled_by_business.
    #[param(value_type = Option<Vec<ReservationStatus>>, style = Form, explode = false)]
    pub status: Option<String>,
    /// Starting at or after (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Starting before (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    /// Of this service.
    #[param(value_type = Option<uuid::Uuid>)]
    pub service_id: Option<ServiceId>,
    /// With this resource.
    #[param(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
    /// Of this client (business lists only).
    #[param(value_type = Option<uuid::Uuid>)]
    pub client_id: Option<ClientId>,
    /// Who booked (business lists only): part of the client's first name, last name or email
    /// (accents and case ignored, every word must match), or a phone number in any notation
    /// (a national one is read with the business's country). At most 100 characters; a
    /// search matching more than 1,000 clients is refused (`too_broad`). Documented on the
    /// business list only: the client's own list refuses it (`not_allowed`).
    #[param(ignore)]
    pub q: Option<String>,
    /// start_asc (default), start_desc, created_asc, created_desc.
    #[param(value_type = Option<ReservationSort>, inline)]
    pub sort: Option<ReservationSort>,
    /// Also old, archived reservations.
    pub include_archived: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = crate::routes::seconds_cursor_schema)]
    pub cursor: Option<String>,
}

impl ReservationQuery {
    /// The store filter.
    pub fn filter(&self) -> Result<ReservationFilter, ApiError> {
        let statuses = parse_statuses(self.status.as_deref())?;
        Ok(ReservationFilter {
            service_id: self.service_id,
            resource_id: self.resource_id,
            client_id: self.client_id,
            statuses,
            from: self.from,
            to: self.to,
            include_archived: self.include_archived.unwrap_or(false),
            business_id: None,
            client_ids: None,
        })
    }
}

/// Pages of reservations with their names, for both client and business lists.
/// The statuses of a comma-separated `status` parameter; an unknown one is a 422 on `status`.
pub fn parse_statuses(text: Option<&str>) -> Result<Vec<ReservationStatus>, ApiError> {
    let mut statuses = Vec::new();
    for s in text
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let status: ReservationStatus =
            serde_json::from_value(serde_json::json!(s)).map_err(|_| {
                ApiError::field("status", "invalid_value", format!("unknown status {s:?}"))
            })?;
        statuses.push(status);
    }
    Ok(statuses)
}

pub async fn reservation_page(
    state: &AppState,
    filter: ReservationFilter,
    query: &ReservationQuery,
) -> ApiResult<Json<PageOut<ReservationView>>> {
    let page = page_request(query.limit, query.cursor.clone())?;
    let limit = page.limit;
    let result = state
        .reads()
        .list_reservations(&filter, query.sort.unwrap_or_default(), &page)
        .await?;
    Ok(axum::Json(PageOut::from_page(result, limit)))
}

/// The client's reservations, filtered, sorted, paginated (archived ones on request).
#[utoipa::path(get, path = "/api/client/reservations/", tag = "client",
    security(("bearer" = [])),
    params(ReservationQuery),
    responses(
        (status = 200, description = "A page of reservations with business, service and resource names", body = PageOut<ReservationView>),
        (status = 422, description = "VALIDATION_FAILED (bad cursor, limit or status; q: not_allowed)", body = crate::error::Problem),
    ))]
pub async fn list_reservations(
    State(state): State<AppState>,
    session: ClientSession,
    ApiQuery(query): ApiQuery<ReservationQuery>,
) -> ApiResult<Json<PageOut<ReservationView>>> {
    if query.q.is_some() {
        return Err(ApiError::field(
            "q",
            "not_allowed",
            "q searches by who booked, in business lists only",
        ));
    }
    let mut filter = query.filter()?;
    filter.client_id = Some(client_id(&session));
    reservation_page(&state, filter, &query).await
}

fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value
        .to_str()
        .ok()
        .map(str::trim)
        .filter(|k| !k.is_empty() && k.len() <= 255)
        .ok_or_else(|| {
            ApiError::field(
                "Idempotency-Key",
                "invalid_format",
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
            )
        })?;
    Ok(Some(key.to_owned()))
}

fn json_response(status: StatusCode, body: Vec<u8>, replayed: bool) -> Response {
    let mut response = (status, Body::from(body)).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

/// Books a slot. With an `Idempotency-Key` header, a retry of the same request returns the
/// first answer (same reservation) instead of booking twice or conflicting.
#[utoipa::path(post, path = "/api/client/reservations/", tag = "client",
    security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, max_length = 255,
        pattern = "^[!-~](?:[\\t -~]{0,253}[!-~])?$",
        description = "Makes retries safe: the same key and body return the first answer (a key is remembered for idempotency_hours, 24 by default). 1 to 255 visible ASCII characters (spaces and tabs inside).")),
    request_body = BookingRequest,
    responses(
        (status = 201, description = "Booked (pending until the business confirms)", body = Reservation),
        (status = 409, description = "BOOKING_OVERLAP, BUFFER_CONFLICT, SLOT_FULL, CLIENT_DOUBLE_BOOKED, IDEMPOTENCY_IN_PROGRESS", body = crate::error::Problem),
        (status = 403, description = "BUSINESS_NOT_VALIDATED, FORBIDDEN", body = crate::error::Problem),
        (status = 404, description = "NOT_FOUND (no such service)", body = crate::error::Problem),
        (status = 422, description = "SLOT_IN_PAST, MINIMUM_NOTICE, BEYOND_BOOKING_HORIZON, OUTSIDE_AVAILABILITY, OUTSIDE_OPENING_HOURS, BUSINESS_CLOSED, NOT_ON_SLOT_GRID, SERVICE_INACTIVE, RESOURCE_NOT_ELIGIBLE, IDEMPOTENCY_KEY_REUSED, VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn create_reservation(
    State(state): State<AppState>,
    session: ClientSession,
    headers: HeaderMap,
    ApiJson(request): ApiJson<BookingRequest>,
) -> ApiResult<Response> {
    let client = client_id(&session);
    let Some(key) = idempotency_key(&headers)? else {
        let reservation = book(&state, client, &request).await?;
        let body =
            serde_json::to_vec(&reservation).map_err(|e| ApiError::internal(e.to_string()))?;
        return Ok(json_response(StatusCode::CREATED, body, false));
    };
    let canonical = serde_json::to_vec(&request).map_err(|e| ApiError::internal(e.to_string()))?;
    let request_hash = hex::encode(Sha256::digest(&canonical));
    let user = session.0.user_id;
    // The claimed key, the booking and the recorded answer run in their own task: a client
    // that disconnects midway cannot leave the key claimed without an answer.
    let state = state.clone();
    tokio::spawn(
        async move { keyed_booking(state, client, user, key, request_hash, request).await },
    )
    .await
    .map_err(|e| ApiError::internal(format!("booking task: {e}")))?
}

async fn keyed_booking(
    state: AppState,
    client: ClientId,
    user: rdv_core::Uuid,
    key: String,
    request_hash: String,
    request: BookingRequest,
) -> ApiResult<Response> {
    match state
        .store()
        .idempotency_begin(user, &key, &request_hash, state.now())
        .await?
    {
        IdempotencyState::Started => match book(&state, client, &request).await {
            Ok(reservation) => {
                let body = serde_json::to_vec(&reservation)
                    .map_err(|e| ApiError::internal(e.to_string()))?;
                let text = String::from_utf8(body.clone())
                    .map_err(|e| ApiError::internal(e.to_string()))?;
                state
                    .store()
                    .idempotency_finish(user, &key, StatusCode::CREATED.as_u16(), &text)
                    .await?;
                Ok(json_response(StatusCode::CREATED, body, false))
            }
            Err(e) => {
                // A refused booking leaves the key free: a retry runs the rules again.
                state.store().idempotency_forget(user, &key).await?;
                Err(e)
            }
        },
        IdempotencyState::Replay { status, body } => Ok(json_response(
            StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
            body.into_bytes(),
            true,
        )),
        IdempotencyState::Mismatch => Err(ApiError::new(
            HttpCode::IdempotencyKeyReused,
            "this Idempotency-Key was used for a different request",
        )),
        IdempotencyState::InProgress => Err(ApiError::new(
            HttpCode::IdempotencyInProgress,
            "the first request with this Idempotency-Key is still running; retry shortly",
        )),
    }
}

async fn book(
    state: &AppState,
    client: ClientId,
    request: &BookingRequest,
) -> ApiResult<Reservation> {
    let reservation = state.writes().book(client, request).await?;
    Ok(reservation)
}

/// One of the client's reservations.
#[utoipa::path(get, path = "/api/client/reservations/{id}/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation with its history", body = Reservation),
        (status = 404, description = "NOT_FOUND (also for another client's reservation)", body = crate::error::Problem),
    ))]
pub async fn get_reservation(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<ReservationId>,
) -> ApiResult<Json<Reservation>> {
    let r = state
        .reads()
        .reservation(Scope::Client(ClientId(session.0.user_id)), id)
        .await?;
    Ok(axum::Json(r))
}

/// Why a reservation is cancelled.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CancelQuery {
    /// Reason shown to the other side (required from businesses): plain text, line breaks
    /// and tabs allowed, no `<`, `>` nor other control character (`markup`), at most 500
    /// characters.
    #[param(
        max_length = 500,
        pattern = "^[^<>\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F]*$"
    )]
    pub reason: Option<String>,
}

/// Cancels one of the client's reservations (before the service's cancellation deadline).
#[utoipa::path(delete, path = "/api/client/reservations/{id}/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id"), CancelQuery),
    responses(
        (status = 200, description = "Cancelled", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION", body = crate::error::Problem),
        (status = 422, description = "CANCELLATION_DEADLINE_PASSED", body = crate::error::Problem),
    ))]
pub async fn cancel_reservation(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<ReservationId>,
    ApiQuery(query): ApiQuery<CancelQuery>,
) -> ApiResult<Json<Reservation>> {
    let r = state
        .writes()
        .transition(
            Scope::Client(ClientId(session.0.user_id)),
            id,
            Action::Cancel {
                reason: query.reason,
            },
        )
        .await?;
    Ok(axum::Json(r))
}

/// New time of a reservation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    /// New start (RFC 3339).
    pub start: Timestamp,
}

/// Moves one of the client's reservations; the old time is freed only if the new one is taken.
#[utoipa::path(post, path = "/api/client/reservations/{id}/reschedule/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Reservation id")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "Moved", body = Reservation),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "BOOKING_OVERLAP, BUFFER_CONFLICT, SLOT_FULL, CLIENT_DOUBLE_BOOKED, INVALID_STATUS_TRANSITION", body = crate::error::Problem),
        (status = 422, description = "RESCHEDULE_LIMIT_REACHED and the booking rule codes (SLOT_IN_PAST, MINIMUM_NOTICE, OUTSIDE_AVAILABILITY...)", body = crate::error::Problem),
    ))]
pub async fn reschedule_reservation(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<ReservationId>,
    ApiJson(input): ApiJson<RescheduleRequest>,
) -> ApiResult<Json<Reservation>> {
    let r = state
        .writes()
        .reschedule(Scope::Client(ClientId(session.0.user_id)), id, input.start)
        .await?;
    Ok(axum::Json(r))
}
