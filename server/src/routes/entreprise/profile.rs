//! `/api/entreprise/mon-entreprise/`: the owner's business itself (BIZ-3, BIZ-4), and its
//! resubmission after a rejection (BIZ-1).

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::Error;
use rdv_core::business_status::BusinessAction;
use rdv_core::model::Business;
use rdv_core::usecases::NewBusiness;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{business_access, find_business, my_business};
use crate::auth::{BusinessSession, OwnerSession};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::{ApiJson, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_business, create_business, update_business))
        .routes(routes!(resubmit_business))
}

/// The owner's business (a staff member's: the business they work for).
#[utoipa::path(get, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The business", body = Business),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn get_business(
    State(state): State<AppState>,
    session: BusinessSession,
) -> ApiResult<Json<Business>> {
    Ok(axum::Json(
        business_access(&state, &session).await?.business,
    ))
}

/// Creates the owner's business (one per owner); it is public once an admin validates it.
#[utoipa::path(post, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewBusiness,
    responses(
        (status = 201, description = "Created, awaiting validation", body = Business),
        (status = 409, description = "BUSINESS_EXISTS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED, UNKNOWN_TIME_ZONE", body = crate::error::Problem),
    ))]
pub async fn create_business(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<NewBusiness>,
) -> ApiResult<(StatusCode, Json<Business>)> {
    // The early check keeps the answer of a second creation ahead of the body's validation;
    // the database's unique owner index decides between concurrent creations.
    if find_business(&state, &session).await?.is_some() {
        return Err(business_exists());
    }
    let owner = rdv_core::model::UserId::from_uuid(session.0.user_id);
    match state.writes().create_business(owner, input).await {
        Ok(business) => Ok((StatusCode::CREATED, axum::Json(business))),
        Err(Error::OwnerHasBusiness) => Err(business_exists()),
        Err(e) => Err(e.into()),
    }
}

/// The answer to a second business of one owner, sequential or concurrent.
fn business_exists() -> ApiError {
    ApiError::new(
        HttpCode::BusinessExists,
        "you already have a business; update it with PUT",
    )
}

/// Replaces the business's profile, opening hours and closures.
#[utoipa::path(put, path = "/api/entreprise/mon-entreprise/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewBusiness,
    responses(
        (status = 200, description = "Updated", body = Business),
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

/// Submits a rejected business for review again (after editing it with PUT): it becomes
/// `pending` and its rejection reason is cleared. Only a rejected business is resubmitted.
#[utoipa::path(post, path = "/api/entreprise/mon-entreprise/soumettre/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Pending review again", body = Business),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 409, description = "INVALID_STATUS_TRANSITION (the business is not rejected)", body = crate::error::Problem),
    ))]
pub async fn resubmit_business(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<Business>> {
    let current = my_business(&state, &session).await?;
    let business = state
        .writes()
        .change_business_status(current.id, &BusinessAction::Resubmit)
        .await?;
    Ok(axum::Json(business))
}
