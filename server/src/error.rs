//! The one error format of the API (ERR-1..3): RFC 9457 `application/problem+json` with a
//! stable `code` (the core's codes plus the HTTP layer's own), per-field `errors` for
//! validation, per-item `failures` for bulk requests, and the `request_id`. Framework
//! rejections (bad JSON, wrong content type, body too large, unknown route, wrong method) go
//! through the same type. A 5xx body carries only the request id; the detail goes to the log.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rdv_core::error::{FieldError, ItemFailure};
use rdv_core::{Error, ErrorCode};
use serde::Serialize;

use crate::observe;

/// Codes of the HTTP layer, beside the core's [`ErrorCode`]s.
pub mod codes {
    /// No or malformed `Authorization: Bearer` header.
    pub const UNAUTHENTICATED: &str = "UNAUTHENTICATED";
    /// The access token is invalid, expired or revoked.
    pub const INVALID_TOKEN: &str = "INVALID_TOKEN";
    /// Signed in, but this role may not use this route.
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// Wrong email or password.
    pub const INVALID_CREDENTIALS: &str = "INVALID_CREDENTIALS";
    /// The account's email is not verified yet.
    pub const EMAIL_NOT_VERIFIED: &str = "EMAIL_NOT_VERIFIED";
    /// An account with this email exists.
    pub const EMAIL_TAKEN: &str = "EMAIL_TAKEN";
    /// Unknown, expired or revoked refresh token.
    pub const INVALID_REFRESH_TOKEN: &str = "INVALID_REFRESH_TOKEN";
    /// A spent refresh token was presented again: its whole family is revoked.
    pub const REFRESH_TOKEN_REUSED: &str = "REFRESH_TOKEN_REUSED";
    /// Unknown, spent or expired single-use token (reset, verification).
    pub const INVALID_ONE_TIME_TOKEN: &str = "INVALID_ONE_TIME_TOKEN";
    /// The owner has no business yet.
    pub const NO_BUSINESS: &str = "NO_BUSINESS";
    /// The owner already has a business.
    pub const BUSINESS_EXISTS: &str = "BUSINESS_EXISTS";
    /// The `Idempotency-Key` was used for a different request.
    pub const IDEMPOTENCY_KEY_REUSED: &str = "IDEMPOTENCY_KEY_REUSED";
    /// The first request with this `Idempotency-Key` is still running.
    pub const IDEMPOTENCY_IN_PROGRESS: &str = "IDEMPOTENCY_IN_PROGRESS";
    /// Body is not valid JSON.
    pub const MALFORMED_JSON: &str = "MALFORMED_JSON";
    /// Body is JSON of the wrong shape (unknown field, wrong type, missing field).
    pub const INVALID_BODY: &str = "INVALID_BODY";
    /// Query string or path parameter of the wrong shape.
    pub const INVALID_PARAMETER: &str = "INVALID_PARAMETER";
    /// Body is not `application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
    /// Body larger than the configured limit.
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// No such route.
    pub const ROUTE_NOT_FOUND: &str = "ROUTE_NOT_FOUND";
    /// The route exists with other methods.
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
    /// Too many requests; retry after `Retry-After` seconds.
    pub const RATE_LIMITED: &str = "RATE_LIMITED";
    /// The database does not answer.
    pub const UNAVAILABLE: &str = "UNAVAILABLE";
    /// Anything unexpected; the log has the detail under the request id.
    pub const INTERNAL_ERROR: &str = "INTERNAL_ERROR";
    /// No webhook of the caller's business has this id.
    pub const WEBHOOK_NOT_FOUND: &str = "WEBHOOK_NOT_FOUND";
    /// No queued notification has this id (or it is not a dead letter, for a retry).
    pub const MESSAGE_NOT_FOUND: &str = "MESSAGE_NOT_FOUND";

    /// Every HTTP-layer code with its status, for the docs and the error-code table test.
    pub const ALL: [(&str, u16); 25] = [
        (UNAUTHENTICATED, 401),
        (INVALID_TOKEN, 401),
        (FORBIDDEN, 403),
        (INVALID_CREDENTIALS, 401),
        (EMAIL_NOT_VERIFIED, 403),
        (EMAIL_TAKEN, 409),
        (INVALID_REFRESH_TOKEN, 401),
        (REFRESH_TOKEN_REUSED, 401),
        (INVALID_ONE_TIME_TOKEN, 400),
        (NO_BUSINESS, 404),
        (BUSINESS_EXISTS, 409),
        (IDEMPOTENCY_KEY_REUSED, 422),
        (IDEMPOTENCY_IN_PROGRESS, 409),
        (MALFORMED_JSON, 400),
        (INVALID_BODY, 422),
        (INVALID_PARAMETER, 400),
        (UNSUPPORTED_MEDIA_TYPE, 415),
        (PAYLOAD_TOO_LARGE, 413),
        (ROUTE_NOT_FOUND, 404),
        (METHOD_NOT_ALLOWED, 405),
        (RATE_LIMITED, 429),
        (UNAVAILABLE, 503),
        (INTERNAL_ERROR, 500),
        (WEBHOOK_NOT_FOUND, 404),
        (MESSAGE_NOT_FOUND, 404),
    ];
}

/// A problem details body.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// URI naming the problem type: `urn:rdv:error:<code>`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What happened in this case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable code to branch on.
    pub code: String,
    /// Per-field problems (validation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Per-item problems (bulk requests).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<ItemFailure>,
    /// Identifier of the request, as in the logs and the `x-request-id` header.
    pub request_id: String,
}

/// An error answer (boxed: handlers return it often and it should stay small).
#[derive(Debug)]
pub struct ApiError(Box<Details>);

#[derive(Debug)]
struct Details {
    status: StatusCode,
    code: String,
    detail: Option<String>,
    errors: Vec<FieldError>,
    failures: Vec<ItemFailure>,
    retry_after: Option<u64>,
    /// Logged, never sent.
    internal: Option<String>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with an HTTP-layer code.
    pub fn new(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            code: code.to_owned(),
            detail: Some(detail.into()),
            errors: Vec::new(),
            failures: Vec::new(),
            retry_after: None,
            internal: None,
        }))
    }

    /// A 500 whose `detail` goes to the log only.
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::INTERNAL_SERVER_ERROR, codes::INTERNAL_ERROR, "");
        e.0.internal = Some(detail.into());
        e.0.detail = None;
        e
    }

    /// A 429 with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            codes::RATE_LIMITED,
            "too many requests; retry later",
        );
        e.0.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 401 without credentials.
    pub fn unauthenticated() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            codes::UNAUTHENTICATED,
            "send an access token in the Authorization: Bearer header",
        )
    }

    /// 403 for a role that may not use the route.
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            codes::FORBIDDEN,
            "your role may not use this route",
        )
    }

    /// A validation error on one field.
    pub fn field(field: &str, code: &str, message: impl Into<String>) -> Self {
        Error::field(field, code, message).into()
    }

    /// The stable code.
    pub fn code(&self) -> &str {
        &self.0.code
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.0.status
    }
}

/// The HTTP status of each core error code.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::NotFound => StatusCode::NOT_FOUND,
        C::BookingOverlap
        | C::BufferConflict
        | C::SlotFull
        | C::ClientDoubleBooked
        | C::AvailabilityOverlap
        | C::ConcurrentModification
        | C::InvalidStatusTransition
        | C::TransitionTooEarly => StatusCode::CONFLICT,
        C::BusinessNotValidated | C::TransitionNotAllowed => StatusCode::FORBIDDEN,
        C::DataIntegrity | C::StorageError => StatusCode::INTERNAL_SERVER_ERROR,
        _ => StatusCode::UNPROCESSABLE_ENTITY,
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        let code = e.code();
        let status = status_of(code);
        if status.is_server_error() {
            return ApiError::internal(e.to_string());
        }
        let detail = e.to_string();
        let (errors, failures) = match e {
            Error::Validation { errors } => (errors, Vec::new()),
            Error::BulkRejected { failures } => (Vec::new(), failures),
            _ => (Vec::new(), Vec::new()),
        };
        let mut e = ApiError::new(status, code.as_str(), detail);
        e.0.errors = errors;
        e.0.failures = failures;
        e
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match &r {
            JsonRejection::JsonDataError(_) => codes::INVALID_BODY,
            JsonRejection::JsonSyntaxError(_) => codes::MALFORMED_JSON,
            JsonRejection::MissingJsonContentType(_) => codes::UNSUPPORTED_MEDIA_TYPE,
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => codes::PAYLOAD_TOO_LARGE,
            _ => codes::MALFORMED_JSON,
        };
        ApiError::new(r.status(), code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_PARAMETER,
            r.body_text(),
        )
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            codes::INVALID_PARAMETER,
            r.body_text(),
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let this = *self.0;
        let request_id = observe::current_request_id();
        if let Some(internal) = &this.internal {
            tracing::error!(request_id = %request_id, code = %this.code, detail = %internal, "request failed");
        }
        let title = this.status.canonical_reason().unwrap_or("Error").to_owned();
        let problem = Problem {
            kind: format!("urn:rdv:error:{}", this.code.to_lowercase()),
            title,
            status: this.status.as_u16(),
            detail: this.detail.filter(|d| !d.is_empty()),
            code: this.code,
            errors: this.errors,
            failures: this.failures,
            request_id,
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (this.status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = this.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The answer of an unknown route.
pub async fn route_not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        codes::ROUTE_NOT_FOUND,
        "no route matches this path",
    )
}

/// The answer of a known route called with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "this route does not accept this method",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(section: &str) -> Vec<(String, u16)> {
        section
            .lines()
            .filter_map(|line| line.strip_prefix("| `"))
            .map(|rest| {
                let code = rest.split('`').next().unwrap().to_owned();
                let status = rest.trim_end_matches(" |").rsplit("| ").next().unwrap();
                (code, status.trim().parse().expect("status column"))
            })
            .collect()
    }

    #[test]
    fn the_error_code_table_lists_every_code_with_its_status() {
        let doc = include_str!("../../docs/error-codes.md");
        let (core_part, http_part) = doc.split_once("## HTTP layer codes").unwrap();
        let core_rows = rows(core_part);
        assert_eq!(core_rows.len(), ErrorCode::ALL.len());
        for ((code, status), expected) in core_rows.iter().zip(ErrorCode::ALL) {
            assert_eq!(code, expected.as_str());
            assert_eq!(*status, status_of(expected).as_u16(), "{code}");
        }
        let http_rows = rows(http_part);
        let expected: Vec<(String, u16)> = codes::ALL
            .iter()
            .map(|(c, s)| ((*c).to_owned(), *s))
            .collect();
        assert_eq!(http_rows, expected);
    }
}
