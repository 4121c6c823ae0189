//! `/api/admin/`: businesses by status; validation, rejection, suspension and reinstatement
//! (BIZ-1, [`rdv_core::business_status`]), each told to the owner by email.

use axum::extract::State;
use rdv_core::Uuid;
use rdv_core::business_status::{BusinessAction, BusinessStatus};
use rdv_core::model::{Business, BusinessId, ReservationId};
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore as _};
use rdv_core::window_changes::HeldReservations;
use rdv_storage::accounts::{AccountStore, OutboxMessage};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, Json, PageOut, page_request};
use crate::auth::AdminSession;
use crate::error::ApiResult;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_businesses))
        .routes(routes!(validate_business))
        .routes(routes!(reject_business))
        .routes(routes!(suspend_business))
}

/// Filters of the admin business list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AdminBusinessQuery {
    /// `pending` (default: awaiting review), `validated`, `rejected` or `suspended`.
    pub status: Option<BusinessStatus>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = super::business_cursor_schema)]
    pub cursor: Option<String>,
}

/// Businesses in one status (by default those awaiting review), by name.
#[utoipa::path(get, path = "/api/admin/entreprises/", tag = "admin",
    security(("bearer" = [])),
    params(AdminBusinessQuery),
    responses(
        (status = 200, description = "A page of businesses", body = PageOut<Business>),
        (status = 403, description = "FORBIDDEN", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (limit or cursor out of range)", body = crate::error::Problem),
    ))]
pub async fn list_businesses(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiQuery(query): ApiQuery<AdminBusinessQuery>,
) -> ApiResult<Json<PageOut<Business>>> {
    let page = page_request(query.limit, query.cursor)?;
    let filter = BusinessFilter {
        status: Some(query.status.unwrap_or(BusinessStatus::Pending)),
        ..BusinessFilter::default()
    };
    let result = state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &page)
        .await?;
    Ok(axum::Json(PageOut::from_page(result, page.limit)))
}

/// Queues the email that tells the owner of `business` its new status (`business_validated`,
/// `business_rejected`, `business_suspended`), with the reason.
async fn tell_owner(state: &AppState, business: &Business) -> ApiResult<()> {
    let kind = match business.status {
        BusinessStatus::Validated => "business_validated",
        BusinessStatus::Rejected => "business_rejected",
        BusinessStatus::Suspended => "business_suspended",
        BusinessStatus::Pending => return Ok(()),
    };
    let Some(owner) = state.store().user_by_id(business.owner_id.0).await? else {
        return Ok(());
    };
    let now = state.now();
    let message = OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: format!("{kind}:{}:{}", business.id, now.secs()),
        kind: kind.into(),
        channel: rdv_storage::notifications::Channel::Email,
        recipient: owner.email,
        payload: json!({
            "locale": owner.locale,
            "business_name": business.name,
            "reason": business.status_reason.clone().unwrap_or_default(),
        }),
        created_at: now,
    };
    state.store().enqueue_messages(&[message]).await?;
    Ok(())
}

/// Validates a business (pending, rejected or suspended): it becomes public and bookable, and
/// its owner is told.
#[utoipa::path(post, path = "/api/admin/entreprises/{id}/valider/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    responses(
        (status = 200, description = "Validated; the owner is notified", body = Business),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn validate_business(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<BusinessId>,
) -> ApiResult<Json<Business>> {
    let before = state.reads().business(id).await?.status;
    let business = state.writes().validate_business(id).await?;
    if before != BusinessStatus::Validated {
        tell_owner(&state, &business).await?;
    }
    Ok(axum::Json(business))
}

/// Why a business is rejected or suspended.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectRequest {
    /// Sent to the owner: plain text (no `<`, `>` or control character but newline and tab),
    /// not blank, at most 1000 characters.
    #[schema(
        max_length = 1000,
        pattern = "^[^<>\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F]*[^<>\\s\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F][^<>\\x00-\\x08\\x0B-\\x1F\\x7F-\\x9F]*$"
    )]
    pub reason: String,
}

/// Rejects a business (from any status): it is not public, its reservations stay, and its
/// owner is told why; the owner may edit it and resubmit it
/// (`POST /api/entreprise/mon-entreprise/soumettre/`).
#[utoipa::path(post, path = "/api/admin/entreprises/{id}/rejeter/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected; the owner is notified", body = Business),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason: required, too_long, invalid_characters)", body = crate::error::Problem),
    ))]
pub async fn reject_business(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<BusinessId>,
    ApiJson(input): ApiJson<RejectRequest>,
) -> ApiResult<Json<Business>> {
    let action = BusinessAction::Reject {
        reason: input.reason,
    };
    let business = state.writes().change_business_status(id, &action).await?;
    tell_owner(&state, &business).await?;
    Ok(axum::Json(business))
}

/// A suspension: why (told to the owner) and what happens to the future reservations.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuspendRequest {
    /// Sent to the owner: plain text, not blank, at most 1000 characters.
    #[schema(max_length = 1000)]
    pub reason: String,
    /// The reservations starting from now (pending or confirmed): `{"action": "keep"}` (they
    /// stand; the owner still manages them) or `{"action": "cancel", "reason": "…"}` (each
    /// is cancelled by the business with that reason, told to its client).
    pub reservations: HeldReservations,
}

/// A suspended business and the reservations its suspension cancelled.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SuspensionOut {
    /// The business, now `suspended`.
    pub business: Business,
    /// The reservations cancelled (empty when they were kept).
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub cancelled_reservations: Vec<ReservationId>,
}

/// Suspends a validated business: it is no longer public nor bookable until an admin
/// validates it again; its owner is told why; its future reservations are kept or cancelled
/// as the request says.
#[utoipa::path(post, path = "/api/admin/entreprises/{id}/suspendre/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    request_body = SuspendRequest,
    responses(
        (status = 200, description = "Suspended; the owner and any client whose reservation was cancelled are notified", body = SuspensionOut),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION (only a validated business is suspended)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason, reservations.reason)", body = crate::error::Problem),
    ))]
pub async fn suspend_business(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<BusinessId>,
    ApiJson(input): ApiJson<SuspendRequest>,
) -> ApiResult<Json<SuspensionOut>> {
    let (business, cancelled_reservations) = state
        .writes()
        .suspend_business(id, &input.reason, &input.reservations)
        .await?;
    tell_owner(&state, &business).await?;
    Ok(axum::Json(SuspensionOut {
        business,
        cancelled_reservations,
    }))
}
