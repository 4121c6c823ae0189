//! The ordered images of a service (issue 18 item 1, SVC-4):
//! `/api/entreprise/services/{id}/images/` (add after the others), `…/{image_id}/` (delete),
//! `…/ordre/` (reorder). Uploads go through `super::images::upload`; owner only, and another
//! business's service answers 404 `NOT_FOUND`.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use rdv_core::error::Entity;
use rdv_core::model::{BusinessId, ServiceId};
use rdv_core::ports::DirectoryStore as _;
use rdv_core::{Error, Uuid};
use rdv_storage::images::{ImageKind, ImageStore as _};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::images::{ImageOut, ImageUpload, multipart, no_image, release, upload};
use super::my_business;
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult};
use crate::routes::{ApiJson, ApiPath, Json};
use crate::state::AppState;

/// The routes of this file (merged into `super::images`'s, under its body-limit exemption).
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(add_service_image))
        .routes(routes!(delete_service_image))
        .routes(routes!(order_service_images))
}

/// The owner's business and its service `id` (another business's is `NOT_FOUND`).
async fn own_service(
    state: &AppState,
    session: &OwnerSession,
    id: ServiceId,
) -> ApiResult<BusinessId> {
    let business = my_business(state, session).await?;
    match state.store().get_service(id).await? {
        Some(service) if service.business_id == business.id => Ok(business.id),
        _ => Err(Error::NotFound {
            entity: Entity::Service,
        }
        .into()),
    }
}

/// Adds an image after the service's others.
#[utoipa::path(post, path = "/api/entreprise/services/{id}/images/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "The image's sizes", body = ImageOut),
        (status = 400, description = "INVALID_PARAMETER (the id is not a UUID)", body = crate::error::Problem),
        (status = 404, description = "NOT_FOUND (also another business's service), NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE (`file`: too_large)", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE (`file`: unsupported_type, not_multipart)", body = crate::error::Problem),
        (status = 422, description = "INVALID_IMAGE (`file`: too_many_pixels, undecodable); INVALID_BODY (`file`: required)", body = crate::error::Problem),
    ))]
pub async fn add_service_image(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
    body: Result<Multipart, MultipartRejection>,
) -> ApiResult<(StatusCode, Json<ImageOut>)> {
    let business = own_service(&state, &session, id).await?;
    let image = upload(
        &state,
        multipart(body)?,
        business,
        ImageKind::Service,
        Some(id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(ImageOut::new(&state, &image)),
    ))
}

/// Deletes one of the service's images (the others keep their order).
#[utoipa::path(delete, path = "/api/entreprise/services/{id}/images/{image_id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(
        ("id" = uuid::Uuid, Path, description = "Service id"),
        ("image_id" = uuid::Uuid, Path, description = "Image id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, description = "INVALID_PARAMETER (an id is not a UUID)", body = crate::error::Problem),
        (status = 404, description = "IMAGE_NOT_FOUND, NOT_FOUND (another business's service), NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn delete_service_image(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath((id, image_id)): ApiPath<(Uuid, Uuid)>,
) -> ApiResult<StatusCode> {
    let business = own_service(&state, &session, ServiceId(id)).await?;
    let listed = state.store().service_images(id).await?;
    if !listed.iter().any(|i| i.id == image_id) {
        return Err(no_image());
    }
    let removed = state
        .writes()
        .remove_image(business, image_id)
        .await?
        .ok_or_else(no_image)?;
    release(&state, &removed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Orders the service's images: the body lists each of their ids once, first shown first.
#[utoipa::path(put, path = "/api/entreprise/services/{id}/images/ordre/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Service id")),
    request_body(content = Vec<uuid::Uuid>, description = "Every image id of the service, once each, in the new order"),
    responses(
        (status = 200, description = "The images in their new order", body = Vec<ImageOut>),
        (status = 400, description = "INVALID_PARAMETER (the id is not a UUID), MALFORMED_JSON", body = crate::error::Problem),
        (status = 404, description = "NOT_FOUND (also another business's service), NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE (not application/json)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (`ids`: not_a_permutation), INVALID_BODY", body = crate::error::Problem),
    ))]
pub async fn order_service_images(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ServiceId>,
    ApiJson(order): ApiJson<Vec<Uuid>>,
) -> ApiResult<Json<Vec<ImageOut>>> {
    let business = own_service(&state, &session, id).await?;
    if !state.writes().order_images(business, id, &order).await? {
        return Err(ApiError::field(
            "ids",
            "not_a_permutation",
            "list each image id of the service exactly once",
        ));
    }
    let images = state.store().service_images(id.0).await?;
    Ok(axum::Json(
        images.iter().map(|i| ImageOut::new(&state, i)).collect(),
    ))
}
