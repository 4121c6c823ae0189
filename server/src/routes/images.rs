//! `GET /images/{key}`: an image file, public (its key is the SHA-256 of its bytes, so it is
//! unguessable and never changes meaning). Answers carry the content type of the key's
//! extension, `X-Content-Type-Options: nosniff`, a strong `ETag` (the hash) answering
//! `If-None-Match` with 304, and `Cache-Control: public, max-age=31536000, immutable`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, ApiResult, HttpCode};
use crate::images::store::{ImageStore as _, content_type_of, valid_key};
use crate::routes::ApiPath;
use crate::state::AppState;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(image_file))
}

/// A year: the longest `max-age` caches honour; the key never names other bytes.
const CACHE: &str = "public, max-age=31536000, immutable";

fn unknown() -> ApiError {
    ApiError::new(HttpCode::ImageNotFound, "no image has this key")
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|t| t == etag || t == "*")
}

/// An image file (a size of a business's logo or cover, or of a service's image), by the key
/// its URL names in the public answers.
#[utoipa::path(get, path = "/images/{key}", tag = "public",
    params(("key" = String, Path, description = "SHA-256 of the file in hex, `.jpg` or `.png`")),
    responses(
        (status = 200, description = "The file (`image/jpeg` or `image/png`), with a strong ETag", content_type = "image/jpeg", body = Vec<u8>),
        (status = 304, description = "Not modified: `If-None-Match` named the ETag"),
        (status = 400, description = "INVALID_PARAMETER", body = crate::error::Problem),
        (status = 404, description = "IMAGE_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn image_file(
    State(state): State<AppState>,
    ApiPath(key): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !valid_key(&key) {
        return Err(unknown());
    }
    let hash = key.split('.').next().unwrap_or_default();
    let etag = format!("\"{hash}\"");
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|_| ApiError::internal("etag not a header value"))?;
    let common = [
        (header::ETAG, etag_value),
        (header::CACHE_CONTROL, HeaderValue::from_static(CACHE)),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    let bytes = state
        .images
        .get(&key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(unknown)?;
    if matches(&headers, &etag) {
        return Ok((StatusCode::NOT_MODIFIED, common).into_response());
    }
    Ok((
        common,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(content_type_of(&key)),
        )],
        Body::from(bytes),
    )
        .into_response())
}
