//! The business's images (issue 18 item 1, BIZ-2, SVC-4): its logo
//! (`/api/entreprise/mon-entreprise/logo/`) and cover (`…/couverture/`), each replaced by a
//! `PUT` and removed by a `DELETE`, and the upload pipeline the ordered images of each service
//! share (`super::service_images`: add, delete, reorder). Uploads are
//! `multipart/form-data` with one field `file`, checked in the order of `crate::images`; a
//! refused file leaves no row and no file. Owner only; another business's service answers 404.

use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use rdv_core::Uuid;
use rdv_core::model::{BusinessId, ServiceId};
use rdv_storage::images::{ImageKind, ImageStore as _, StoredImage};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::images::store::{ImageStore as _, key_of};
use crate::images::{self, validate};
use crate::routes::Json;
use crate::state::AppState;

/// The routes of this file. Uploads are limited by `image_max_bytes` while they stream in
/// ([`images::read_upload`]), not by the API's JSON body limit.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_logo, delete_logo))
        .routes(routes!(put_cover, delete_cover))
        .merge(super::service_images::router())
        .layer(axum::extract::DefaultBodyLimit::disable())
}

/// An image upload: one multipart field `file` (JPEG, PNG or WebP).
// `Deserialize` only for `deny_unknown_fields`, which the document states as
// `additionalProperties: false`; the handler reads the multipart body itself.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImageUpload {
    /// The image file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// A stored image: the URLs of its three sizes (each a JPEG, or a PNG when it has alpha).
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImageOut {
    /// Identifier (for deletion and order).
    pub id: Uuid,
    /// Fits in 256 × 256 pixels.
    pub thumb: String,
    /// Fits in 1024 × 1024 pixels.
    pub medium: String,
    /// The re-encoded original, fits in 2560 × 2560 pixels.
    pub original: String,
    /// Width of the original, in pixels.
    pub width: i64,
    /// Height of the original, in pixels.
    pub height: i64,
    /// `image/jpeg` or `image/png`.
    pub content_type: String,
}

impl ImageOut {
    /// The answer for a stored row.
    pub fn new(state: &AppState, image: &StoredImage) -> Self {
        let url = |key: &str| images::url(&state.config, key);
        Self {
            id: image.id,
            thumb: url(&image.thumb_key),
            medium: url(&image.medium_key),
            original: url(&image.original_key),
            width: image.width,
            height: image.height,
            content_type: image.content_type.clone(),
        }
    }
}

pub(super) fn no_image() -> ApiError {
    ApiError::new(HttpCode::ImageNotFound, "your business has no such image")
}

pub(super) fn multipart(body: Result<Multipart, MultipartRejection>) -> ApiResult<Multipart> {
    body.map_err(|e| {
        images::refused(
            HttpCode::UnsupportedMediaType,
            "not_multipart",
            &format!(
                "send multipart/form-data with a field named file ({})",
                e.body_text()
            ),
        )
    })
}

/// Reads, validates and re-encodes the upload, stores its files and then its row (through the
/// write path); the stored row. Nothing is stored when the file is refused.
pub(super) async fn upload(
    state: &AppState,
    body: Multipart,
    business: BusinessId,
    kind: ImageKind,
    service: Option<ServiceId>,
) -> ApiResult<StoredImage> {
    let max_bytes = state.config.image_max_bytes as usize;
    let bytes = images::read_upload(body, max_bytes).await?;
    let max_pixels = state.config.image_max_pixels;
    let processed =
        tokio::task::spawn_blocking(move || validate::process(&bytes, u64::from(max_pixels)))
            .await
            .map_err(|e| ApiError::internal(format!("image processing: {e}")))?
            .map_err(|r| images::refusal(r, max_pixels))?;
    let mut keys = Vec::new();
    for size in [&processed.thumb, &processed.medium, &processed.original] {
        let key = key_of(&size.bytes, processed.extension);
        state
            .images
            .put(&key, size.bytes.clone(), processed.content_type)
            .await
            .map_err(ApiError::internal)?;
        keys.push(key);
    }
    let [thumb_key, medium_key, original_key]: [String; 3] = keys
        .try_into()
        .map_err(|_| ApiError::internal("three sizes"))?;
    let image = StoredImage {
        id: Uuid::new_v4(),
        business_id: business.0,
        service_id: service.map(|s| s.0),
        kind,
        position: 0,
        content_type: processed.content_type.to_owned(),
        width: i64::from(processed.original.width),
        height: i64::from(processed.original.height),
        thumb_key,
        medium_key,
        original_key,
        created_at: state.now(),
    };
    match state.writes().store_image(&image).await {
        Ok(Some(replaced)) => release(state, &replaced).await,
        Ok(None) => {}
        Err(e) => {
            release(state, &image).await;
            return Err(e.into());
        }
    }
    Ok(image)
}

/// Deletes the files of a removed row that no row names any more (a failure is logged: a
/// leftover file is harmless, its key is never answered by a row).
pub(super) async fn release(state: &AppState, image: &StoredImage) {
    for key in image.keys() {
        match state.store().image_key_in_use(key).await {
            Ok(false) => {
                if let Err(e) = state.images.delete(key).await {
                    tracing::warn!(key, error = %e, "image file not deleted");
                }
            }
            Ok(true) => {}
            Err(e) => tracing::warn!(key, error = %e, "image key check failed"),
        }
    }
}

async fn put_business_image(
    state: &AppState,
    session: &OwnerSession,
    body: Result<Multipart, MultipartRejection>,
    kind: ImageKind,
) -> ApiResult<Json<ImageOut>> {
    let business = my_business(state, session).await?;
    let image = upload(state, multipart(body)?, business.id, kind, None).await?;
    Ok(axum::Json(ImageOut::new(state, &image)))
}

async fn delete_business_image(
    state: &AppState,
    session: &OwnerSession,
    kind: ImageKind,
) -> ApiResult<StatusCode> {
    let business = my_business(state, session).await?;
    let removed = state
        .writes()
        .remove_business_image(business.id, kind)
        .await?
        .ok_or_else(no_image)?;
    release(state, &removed).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets (or replaces) the business's logo.
#[utoipa::path(put, path = "/api/entreprise/mon-entreprise/logo/", tag = "entreprise",
    security(("bearer" = [])),
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The logo's sizes", body = ImageOut),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE (`file`: too_large)", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE (`file`: unsupported_type, not_multipart)", body = crate::error::Problem),
        (status = 422, description = "INVALID_IMAGE (`file`: too_many_pixels, undecodable); INVALID_BODY (`file`: required)", body = crate::error::Problem),
    ))]
pub async fn put_logo(
    State(state): State<AppState>,
    session: OwnerSession,
    body: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImageOut>> {
    put_business_image(&state, &session, body, ImageKind::Logo).await
}

/// Removes the business's logo.
#[utoipa::path(delete, path = "/api/entreprise/mon-entreprise/logo/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "IMAGE_NOT_FOUND (no logo), NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn delete_logo(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<StatusCode> {
    delete_business_image(&state, &session, ImageKind::Logo).await
}

/// Sets (or replaces) the business's cover picture.
#[utoipa::path(put, path = "/api/entreprise/mon-entreprise/couverture/", tag = "entreprise",
    security(("bearer" = [])),
    request_body(content = ImageUpload, content_type = "multipart/form-data"),
    responses(
        (status = 200, description = "The cover's sizes", body = ImageOut),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE (`file`: too_large)", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE (`file`: unsupported_type, not_multipart)", body = crate::error::Problem),
        (status = 422, description = "INVALID_IMAGE (`file`: too_many_pixels, undecodable); INVALID_BODY (`file`: required)", body = crate::error::Problem),
    ))]
pub async fn put_cover(
    State(state): State<AppState>,
    session: OwnerSession,
    body: Result<Multipart, MultipartRejection>,
) -> ApiResult<Json<ImageOut>> {
    put_business_image(&state, &session, body, ImageKind::Cover).await
}

/// Removes the business's cover picture.
#[utoipa::path(delete, path = "/api/entreprise/mon-entreprise/couverture/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Removed"),
        (status = 404, description = "IMAGE_NOT_FOUND (no cover), NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn delete_cover(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<StatusCode> {
    delete_business_image(&state, &session, ImageKind::Cover).await
}
