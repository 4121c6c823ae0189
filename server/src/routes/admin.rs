//! `/api/admin/`: businesses awaiting validation, validation and rejection (BIZ-1).

use axum::extract::State;
use rdv_core::Uuid;
use rdv_core::model::{Business, BusinessId};
use rdv_core::ports::{BusinessFilter, BusinessSort, DirectoryStore as _};
use rdv_storage::accounts::{AccountStore, OutboxMessage};
use serde::Deserialize;
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiJson, ApiPath, ApiQuery, Json, PageOut, page_request};
use crate::auth::AdminSession;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_businesses))
        .routes(routes!(validate_business))
        .routes(routes!(reject_business))
}

/// Filters of the admin business list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AdminBusinessQuery {
    /// `false` (default): awaiting validation; `true`: validated.
    pub validated: Option<bool>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = super::business_cursor_schema)]
    pub cursor: Option<String>,
}

/// Businesses awaiting validation (or validated ones), by name.
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
        validated: Some(query.validated.unwrap_or(false)),
        ..BusinessFilter::default()
    };
    let result = state
        .store()
        .list_businesses(&filter, BusinessSort::NameAsc, &page)
        .await?;
    Ok(axum::Json(PageOut::from_page(result, page.limit)))
}

/// Validates a business: it becomes public and bookable.
#[utoipa::path(post, path = "/api/admin/entreprises/{id}/valider/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    responses(
        (status = 200, description = "Validated", body = Business),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn validate_business(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<BusinessId>,
) -> ApiResult<Json<Business>> {
    let business = state.writes().validate_business(id).await?;
    Ok(axum::Json(business))
}

/// Why a business is rejected.
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

/// Rejects a business: it stays unpublished and its owner is told why.
#[utoipa::path(post, path = "/api/admin/entreprises/{id}/rejeter/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Business id")),
    request_body = RejectRequest,
    responses(
        (status = 200, description = "Rejected; the owner is notified", body = Business),
        (status = 404, description = "NOT_FOUND", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (reason)", body = crate::error::Problem),
    ))]
pub async fn reject_business(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<BusinessId>,
    ApiJson(input): ApiJson<RejectRequest>,
) -> ApiResult<Json<Business>> {
    let reason = rdv_core::validation::clean_text("reason", &input.reason, 1000)?;
    if reason.is_empty() {
        return Err(ApiError::field(
            "reason",
            "required",
            "reason must not be empty",
        ));
    }
    let business = state.writes().unpublish_business(id).await?;
    let owner = state.store().user_by_id(business.owner_id.0).await?;
    if let Some(owner) = owner {
        let now = state.now();
        state
            .store()
            .enqueue_messages(&[OutboxMessage {
                id: Uuid::new_v4(),
                dedup_key: format!("business_rejected:{id}:{}", now.secs()),
                kind: "business_rejected".into(),
                channel: rdv_storage::notifications::Channel::Email,
                recipient: owner.email,
                payload: json!({ "locale": owner.locale, "business": business.name, "reason": reason }),
                created_at: now,
            }])
            .await?;
    }
    Ok(axum::Json(business))
}
