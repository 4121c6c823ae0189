//! The one error format of the API (ERR-1..3): RFC 9457 `application/problem+json` with a
//! stable `code` (the core's codes plus the HTTP layer's own), per-field `errors` for
//! validation, per-item `failures` for bulk requests, and the `request_id`. Framework
//! rejections (bad JSON, wrong content type, body too large, unknown route, wrong method) go
//! through the same type. A 5xx body carries only the request id; the detail goes to the log.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rdv_core::error::{FieldError, ItemFailure};
use rdv_core::imports::RowProblem;
use rdv_core::ports::ReservationView;
use rdv_core::{Error, ErrorCode};
use serde::Serialize;

use crate::observe;

/// Codes of the HTTP layer, beside the core's [`ErrorCode`]s, each with its one status
/// ([`HttpCode::status`], an exhaustive `match`: a new code cannot exist without one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpCode {
    /// No or malformed `Authorization: Bearer` header.
    Unauthenticated,
    /// The access token is invalid, expired or revoked.
    InvalidToken,
    /// Signed in, but this role may not use this route.
    Forbidden,
    /// Wrong email or password.
    InvalidCredentials,
    /// The account's email is not verified yet.
    EmailNotVerified,
    /// An account with this email exists.
    EmailTaken,
    /// Unknown, expired or revoked refresh token.
    InvalidRefreshToken,
    /// A spent refresh token was presented again: its whole family is revoked.
    RefreshTokenReused,
    /// Unknown, spent or expired single-use token (reset, verification).
    InvalidOneTimeToken,
    /// The owner has no business yet.
    NoBusiness,
    /// The owner already has a business.
    BusinessExists,
    /// The `Idempotency-Key` was used for a different request.
    IdempotencyKeyReused,
    /// The first request with this `Idempotency-Key` is still running.
    IdempotencyInProgress,
    /// Body is not valid JSON.
    MalformedJson,
    /// Body is JSON of the wrong shape (unknown field, wrong type, missing field).
    InvalidBody,
    /// Query string or path parameter of the wrong shape.
    InvalidParameter,
    /// Body is not `application/json`.
    UnsupportedMediaType,
    /// Body larger than the configured limit.
    PayloadTooLarge,
    /// No such route.
    RouteNotFound,
    /// The route exists with other methods.
    MethodNotAllowed,
    /// Too many requests; retry after `Retry-After` seconds.
    RateLimited,
    /// The database does not answer.
    Unavailable,
    /// Anything unexpected; the log has the detail under the request id.
    InternalError,
    /// No webhook of the caller's business has this id.
    WebhookNotFound,
    /// No queued notification has this id (or it is not a dead letter, for a retry).
    MessageNotFound,
    /// No calendar feed of the caller has this id; or no open feed has this token.
    CalendarFeedNotFound,
    /// The URI is longer than the HTTP layer (hyper) reads: 65,534 bytes.
    UriTooLong,
    /// The request head (request line and headers) is larger than the HTTP layer's buffer.
    HeadersTooLarge,
    /// The staff invitation was accepted already.
    InvitationUsed,
    /// The staff invitation is past its expiry.
    InvitationExpired,
    /// The email has an open invitation or membership in this business.
    StaffAlreadyInvited,
    /// The resource already has a staff member (or an open invitation).
    ResourceHasStaff,
    /// No staff member of the caller's business has this id.
    StaffMemberNotFound,
    /// An imported file has problems (listed in `problems` by row, field and code); nothing
    /// was imported.
    ImportRejected,
    /// An uploaded image is refused after its type was recognised: more pixels than allowed
    /// (`too_many_pixels`, read from the header) or a broken body (`undecodable`).
    InvalidImage,
    /// No image of the caller's business has this id, or no stored image has this key.
    ImageNotFound,
}

impl HttpCode {
    /// Every code, in the order of docs/error-codes.md.
    pub const ALL: [HttpCode; 36] = [
        HttpCode::Unauthenticated,
        HttpCode::InvalidToken,
        HttpCode::Forbidden,
        HttpCode::InvalidCredentials,
        HttpCode::EmailNotVerified,
        HttpCode::EmailTaken,
        HttpCode::InvalidRefreshToken,
        HttpCode::RefreshTokenReused,
        HttpCode::InvalidOneTimeToken,
        HttpCode::NoBusiness,
        HttpCode::BusinessExists,
        HttpCode::IdempotencyKeyReused,
        HttpCode::IdempotencyInProgress,
        HttpCode::MalformedJson,
        HttpCode::InvalidBody,
        HttpCode::InvalidParameter,
        HttpCode::UnsupportedMediaType,
        HttpCode::PayloadTooLarge,
        HttpCode::RouteNotFound,
        HttpCode::MethodNotAllowed,
        HttpCode::RateLimited,
        HttpCode::Unavailable,
        HttpCode::InternalError,
        HttpCode::WebhookNotFound,
        HttpCode::MessageNotFound,
        HttpCode::CalendarFeedNotFound,
        HttpCode::UriTooLong,
        HttpCode::HeadersTooLarge,
        HttpCode::InvitationUsed,
        HttpCode::InvitationExpired,
        HttpCode::StaffAlreadyInvited,
        HttpCode::ResourceHasStaff,
        HttpCode::StaffMemberNotFound,
        HttpCode::ImportRejected,
        HttpCode::InvalidImage,
        HttpCode::ImageNotFound,
    ];

    /// The stable text of the code (`code` in problem documents).
    pub const fn as_str(self) -> &'static str {
        match self {
            HttpCode::Unauthenticated => "UNAUTHENTICATED",
            HttpCode::InvalidToken => "INVALID_TOKEN",
            HttpCode::Forbidden => "FORBIDDEN",
            HttpCode::InvalidCredentials => "INVALID_CREDENTIALS",
            HttpCode::EmailNotVerified => "EMAIL_NOT_VERIFIED",
            HttpCode::EmailTaken => "EMAIL_TAKEN",
            HttpCode::InvalidRefreshToken => "INVALID_REFRESH_TOKEN",
            HttpCode::RefreshTokenReused => "REFRESH_TOKEN_REUSED",
            HttpCode::InvalidOneTimeToken => "INVALID_ONE_TIME_TOKEN",
            HttpCode::NoBusiness => "NO_BUSINESS",
            HttpCode::BusinessExists => "BUSINESS_EXISTS",
            HttpCode::IdempotencyKeyReused => "IDEMPOTENCY_KEY_REUSED",
            HttpCode::IdempotencyInProgress => "IDEMPOTENCY_IN_PROGRESS",
            HttpCode::MalformedJson => "MALFORMED_JSON",
            HttpCode::InvalidBody => "INVALID_BODY",
            HttpCode::InvalidParameter => "INVALID_PARAMETER",
            HttpCode::UnsupportedMediaType => "UNSUPPORTED_MEDIA_TYPE",
            HttpCode::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            HttpCode::RouteNotFound => "ROUTE_NOT_FOUND",
            HttpCode::MethodNotAllowed => "METHOD_NOT_ALLOWED",
            HttpCode::RateLimited => "RATE_LIMITED",
            HttpCode::Unavailable => "UNAVAILABLE",
            HttpCode::InternalError => "INTERNAL_ERROR",
            HttpCode::WebhookNotFound => "WEBHOOK_NOT_FOUND",
            HttpCode::MessageNotFound => "MESSAGE_NOT_FOUND",
            HttpCode::CalendarFeedNotFound => "CALENDAR_FEED_NOT_FOUND",
            HttpCode::UriTooLong => "URI_TOO_LONG",
            HttpCode::HeadersTooLarge => "HEADERS_TOO_LARGE",
            HttpCode::InvitationUsed => "INVITATION_USED",
            HttpCode::InvitationExpired => "INVITATION_EXPIRED",
            HttpCode::StaffAlreadyInvited => "STAFF_ALREADY_INVITED",
            HttpCode::ResourceHasStaff => "RESOURCE_HAS_STAFF",
            HttpCode::StaffMemberNotFound => "STAFF_MEMBER_NOT_FOUND",
            HttpCode::ImportRejected => "IMPORT_REJECTED",
            HttpCode::InvalidImage => "INVALID_IMAGE",
            HttpCode::ImageNotFound => "IMAGE_NOT_FOUND",
        }
    }

    /// The HTTP status every answer with this code has.
    pub const fn status(self) -> StatusCode {
        match self {
            HttpCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            HttpCode::InvalidToken => StatusCode::UNAUTHORIZED,
            HttpCode::Forbidden => StatusCode::FORBIDDEN,
            HttpCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            HttpCode::EmailNotVerified => StatusCode::FORBIDDEN,
            HttpCode::EmailTaken => StatusCode::CONFLICT,
            HttpCode::InvalidRefreshToken => StatusCode::UNAUTHORIZED,
            HttpCode::RefreshTokenReused => StatusCode::UNAUTHORIZED,
            HttpCode::InvalidOneTimeToken => StatusCode::BAD_REQUEST,
            HttpCode::NoBusiness => StatusCode::NOT_FOUND,
            HttpCode::BusinessExists => StatusCode::CONFLICT,
            HttpCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            HttpCode::IdempotencyInProgress => StatusCode::CONFLICT,
            HttpCode::MalformedJson => StatusCode::BAD_REQUEST,
            HttpCode::InvalidBody => StatusCode::UNPROCESSABLE_ENTITY,
            HttpCode::InvalidParameter => StatusCode::BAD_REQUEST,
            HttpCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            HttpCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            HttpCode::RouteNotFound => StatusCode::NOT_FOUND,
            HttpCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            HttpCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            HttpCode::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            HttpCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
            HttpCode::WebhookNotFound => StatusCode::NOT_FOUND,
            HttpCode::MessageNotFound => StatusCode::NOT_FOUND,
            HttpCode::CalendarFeedNotFound => StatusCode::NOT_FOUND,
            HttpCode::UriTooLong => StatusCode::URI_TOO_LONG,
            HttpCode::HeadersTooLarge => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            HttpCode::InvitationUsed => StatusCode::CONFLICT,
            HttpCode::InvitationExpired => StatusCode::GONE,
            HttpCode::StaffAlreadyInvited => StatusCode::CONFLICT,
            HttpCode::ResourceHasStaff => StatusCode::CONFLICT,
            HttpCode::StaffMemberNotFound => StatusCode::NOT_FOUND,
            HttpCode::ImportRejected => StatusCode::UNPROCESSABLE_ENTITY,
            HttpCode::InvalidImage => StatusCode::UNPROCESSABLE_ENTITY,
            HttpCode::ImageNotFound => StatusCode::NOT_FOUND,
        }
    }
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
    /// The reservations in the way, with who booked (`WINDOW_HOLDS_RESERVATIONS`,
    /// `RESOURCE_HAS_RESERVATIONS`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reservations: Vec<ReservationView>,
    /// Every problem of an imported file, by row, field and code (`IMPORT_REJECTED`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<RowProblem>,
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
    reservations: Vec<ReservationView>,
    problems: Vec<RowProblem>,
    retry_after: Option<u64>,
    /// Logged, never sent.
    internal: Option<String>,
}

/// Result of a handler.
pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// An error with an HTTP-layer code, answered with that code's status.
    pub fn new(code: HttpCode, detail: impl Into<String>) -> Self {
        Self::with_status(code.status(), code.as_str(), detail)
    }

    /// An error with any code (the core's or the HTTP layer's) and its status.
    fn with_status(status: StatusCode, code: &str, detail: impl Into<String>) -> Self {
        Self(Box::new(Details {
            status,
            code: code.to_owned(),
            detail: Some(detail.into()),
            errors: Vec::new(),
            failures: Vec::new(),
            reservations: Vec::new(),
            problems: Vec::new(),
            retry_after: None,
            internal: None,
        }))
    }

    /// A 500 whose `detail` goes to the log only.
    pub fn internal(detail: impl Into<String>) -> Self {
        let mut e = Self::new(HttpCode::InternalError, "");
        e.0.internal = Some(detail.into());
        e.0.detail = None;
        e
    }

    /// A 429 with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut e = Self::new(HttpCode::RateLimited, "too many requests; retry later");
        e.0.retry_after = Some(retry_after_secs.max(1));
        e
    }

    /// 401 without credentials.
    pub fn unauthenticated() -> Self {
        Self::new(
            HttpCode::Unauthenticated,
            "send an access token in the Authorization: Bearer header",
        )
    }

    /// 403 for a role that may not use the route.
    pub fn forbidden() -> Self {
        Self::new(HttpCode::Forbidden, "your role may not use this route")
    }

    /// 422 `IMPORT_REJECTED` with every problem of the file.
    pub fn import_rejected(problems: Vec<RowProblem>) -> Self {
        let rows = {
            let mut rows: Vec<usize> = problems.iter().map(|p| p.row).collect();
            rows.dedup();
            rows.len()
        };
        let mut e = Self::new(
            HttpCode::ImportRejected,
            format!(
                "{} problem(s) in {rows} row(s): nothing was imported",
                problems.len()
            ),
        );
        e.0.problems = problems;
        e
    }

    /// This error with per-field problems (`errors`), e.g. the field code of a refused upload.
    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.0.errors = errors;
        self
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

/// The HTTP status of each core error code (an exhaustive `match`: a new core code does not
/// compile here until it has a status).
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode as C;
    match code {
        C::NotFound => StatusCode::NOT_FOUND,
        C::BookingOverlap
        | C::BufferConflict
        | C::SlotFull
        | C::ClientDoubleBooked
        | C::AvailabilityOverlap
        | C::WindowHoldsReservations
        | C::SlotsAvailable
        | C::AlreadyOnWaitlist
        | C::OfferExpired
        | C::ResourceHasReservations
        | C::LastResourceOfService
        | C::OwnerHasBusiness
        | C::ConcurrentModification
        | C::InvalidStatusTransition
        | C::TransitionTooEarly => StatusCode::CONFLICT,
        C::BusinessNotValidated | C::TransitionNotAllowed => StatusCode::FORBIDDEN,
        C::DataIntegrity | C::StorageError => StatusCode::INTERNAL_SERVER_ERROR,
        C::ValidationFailed
        | C::InvalidInterval
        | C::RangeTooLarge
        | C::SlotInPast
        | C::MinimumNotice
        | C::BeyondBookingHorizon
        | C::OutsideAvailability
        | C::OutsideOpeningHours
        | C::BusinessClosed
        | C::NotOnSlotGrid
        | C::ServiceInactive
        | C::ResourceInactive
        | C::ResourceNotEligible
        | C::CancellationDeadlinePassed
        | C::RescheduleLimitReached
        | C::InvalidRecurrence
        | C::RecurrenceTooLarge
        | C::UnknownTimeZone
        | C::BulkRejected
        | C::UnsupportedSnapshotVersion => StatusCode::UNPROCESSABLE_ENTITY,
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
        let mut api = ApiError::with_status(status, code.as_str(), detail);
        match e {
            Error::Validation { errors } => api.0.errors = errors,
            Error::BulkRejected { failures } => api.0.failures = failures,
            Error::WindowHoldsReservations { reservations }
            | Error::ResourceHasReservations { reservations } => api.0.reservations = reservations,
            _ => {}
        }
        api
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        let code = match &r {
            JsonRejection::JsonDataError(_) => HttpCode::InvalidBody,
            JsonRejection::JsonSyntaxError(_) => HttpCode::MalformedJson,
            JsonRejection::MissingJsonContentType(_) => HttpCode::UnsupportedMediaType,
            _ if r.status() == StatusCode::PAYLOAD_TOO_LARGE => HttpCode::PayloadTooLarge,
            _ => HttpCode::MalformedJson,
        };
        ApiError::new(code, r.body_text())
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        ApiError::new(HttpCode::InvalidParameter, r.body_text())
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        ApiError::new(HttpCode::InvalidParameter, r.body_text())
    }
}

impl ApiError {
    /// The problem document of this error, with `request_id` (a 5xx's detail is logged here,
    /// never sent).
    pub fn into_problem(self, request_id: String) -> (Problem, Option<u64>) {
        let this = *self.0;
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
            reservations: this.reservations,
            problems: this.problems,
            request_id,
        };
        (problem, this.retry_after)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.0.status;
        let (problem, retry_after) = self.into_problem(observe::current_request_id());
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// The answer of an unknown route.
pub async fn route_not_found() -> ApiError {
    ApiError::new(HttpCode::RouteNotFound, "no route matches this path")
}

/// The answer of a known route called with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::new(
        HttpCode::MethodNotAllowed,
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
        let expected: Vec<(String, u16)> = ErrorCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), status_of(*c).as_u16()))
            .collect();
        assert_eq!(core_rows, expected, "core codes: docs/error-codes.md");
        let http_rows = rows(http_part);
        let expected: Vec<(String, u16)> = HttpCode::ALL
            .iter()
            .map(|c| (c.as_str().to_owned(), c.status().as_u16()))
            .collect();
        assert_eq!(http_rows, expected, "HTTP layer codes: docs/error-codes.md");
    }

    #[test]
    fn every_code_has_one_explicit_status_and_one_text() {
        // Both lists name each code once, and no code means two things.
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            let status = status_of(code);
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}"
            );
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
        }
        for code in HttpCode::ALL {
            let status = code.status();
            assert!(
                status.is_client_error() || status.is_server_error(),
                "{code:?}"
            );
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert_eq!(code.as_str(), code.as_str().to_uppercase());
            // An HTTP-layer error is answered with its code's status.
            let e = ApiError::new(code, "x");
            assert_eq!((e.code(), e.status()), (code.as_str(), status));
        }
    }

    #[test]
    fn a_core_error_is_answered_with_its_code_and_status() {
        let e: ApiError = Error::NotFound {
            entity: rdv_core::error::Entity::Business,
        }
        .into();
        assert_eq!((e.code(), e.status()), ("NOT_FOUND", StatusCode::NOT_FOUND));
    }
}
