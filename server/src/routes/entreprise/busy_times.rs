//! `/api/entreprise/ressources/{id}/occupations/`: a resource's busy times from other
//! calendars ([`rdv_core::busy_times`], issue 18 item 5). `POST` an ICS file (`text/calendar`,
//! as Google Calendar, Outlook or Apple Calendar export it, at most `import_max_bytes`): its
//! events replace the busy times of one `source` for that resource, all or nothing, and block
//! slots like reservations from then on; the answer counts them and names the reservations
//! they meet. `GET` lists them over a range; `DELETE` removes one source.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use rdv_core::busy_times::BusyImportReport;
use rdv_core::model::ResourceId;
use rdv_core::{Interval, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::{ApiPath, ApiQuery, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(
        import_busy_times,
        list_busy_times,
        remove_busy_times
    ))
}

/// The source label when a request names none.
const DEFAULT_SOURCE: &str = "ics";
/// Longest range of a busy-times list.
const MAX_LIST_DAYS: i64 = 366;

/// Options of a busy-times import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyImportQuery {
    /// Which set of busy times the file replaces: 1 to 64 ASCII letters, digits, `-`, `_`,
    /// `.` or `:` (default `ics`). Importing again with the same source replaces that
    /// source's busy times; other sources stay.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub source: Option<String>,
    /// Check every event and answer the report without writing anything (default false).
    pub dry_run: Option<bool>,
}

/// Which busy times to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyListQuery {
    /// Busy times ending after (RFC 3339; default now).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<Timestamp>,
    /// Busy times starting before (RFC 3339; default 31 days after `from`; at most 366 days
    /// after it).
    #[param(value_type = Option<String>, format = DateTime)]
    pub to: Option<Timestamp>,
    /// Only this source.
    #[param(max_length = 64, pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub source: Option<String>,
}

/// Which source to remove.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BusyRemoveQuery {
    /// The source whose busy times are removed (default `ics`).
    #[param(max_length = 64, pattern = "^[A-Za-z0-9._:-]{1,64}$")]
    pub source: Option<String>,
}

/// One busy time of a resource.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BusyTimeOut {
    /// Where it comes from.
    pub source: String,
    /// The event's `UID` (instances and pieces of one event share it).
    pub uid: String,
    /// Start.
    #[schema(value_type = String, format = DateTime)]
    pub start: Timestamp,
    /// End.
    #[schema(value_type = String, format = DateTime)]
    pub end: Timestamp,
}

/// How many busy times a removal took away.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BusyRemoved {
    /// The source removed.
    pub source: String,
    /// Busy times removed.
    pub removed: u64,
}

/// Replaces the resource's busy times from one source with an ICS file's events. Transparent
/// and cancelled events block nothing; recurring events are expanded over the next 400 days
/// (re-import to extend); times with a `TZID` (IANA or Windows names) are that zone's, others
/// the business's. Reservations the new busy times meet are kept and listed in `conflicts`.
#[utoipa::path(post, path = "/api/entreprise/ressources/{id}/occupations/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id"), BusyImportQuery),
    request_body(content((String = "text/calendar")), description = "An iCalendar file (RFC 5545), UTF-8"),
    responses(
        (status = 201, description = "The busy times replaced", body = BusyImportReport),
        (status = 200, description = "Dry run: every event is right, nothing written", body = BusyImportReport),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's resource); NO_BUSINESS", body = crate::error::Problem),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: not text/calendar", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by event (its place in the file) and property; nothing written. VALIDATION_FAILED: `source`", body = crate::error::Problem),
    ))]
pub async fn import_busy_times(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
    ApiQuery(query): ApiQuery<BusyImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<(StatusCode, Json<BusyImportReport>)> {
    let business = my_business(&state, &session).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = content_type.split(';').next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("text/calendar") {
        return Err(ApiError::new(
            HttpCode::UnsupportedMediaType,
            "send the calendar as text/calendar (an .ics file)",
        ));
    }
    let limit = state.config.import_max_bytes as usize;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            HttpCode::PayloadTooLarge,
            format!("the file is larger than {limit} bytes: split it"),
        )
    })?;
    let source = query.source.as_deref().unwrap_or(DEFAULT_SOURCE);
    let dry_run = query.dry_run.unwrap_or(false);
    let (events, mut problems) = crate::imports::ics::read_busy_events(&bytes);
    // With unreadable values, the readable events are still checked (nothing is written), so
    // the answer lists every problem at once.
    let check_only = dry_run || !problems.is_empty();
    let mut report = state
        .writes()
        .import_busy_times(business.id, id, source, &events, check_only)
        .await?;
    problems.append(&mut report.problems);
    problems.sort_by_key(|p| p.row);
    if !problems.is_empty() {
        return Err(ApiError::import_rejected(problems));
    }
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(report)))
}

/// The resource's busy times from other calendars meeting a range, by start.
#[utoipa::path(get, path = "/api/entreprise/ressources/{id}/occupations/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id"), BusyListQuery),
    responses(
        (status = 200, description = "Busy times by start", body = Vec<BusyTimeOut>),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's resource); NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "INVALID_INTERVAL, RANGE_TOO_LARGE, VALIDATION_FAILED (`source`)", body = crate::error::Problem),
    ))]
pub async fn list_busy_times(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
    ApiQuery(query): ApiQuery<BusyListQuery>,
) -> ApiResult<Json<Vec<BusyTimeOut>>> {
    let business = my_business(&state, &session).await?;
    let from = query.from.unwrap_or_else(|| state.now());
    let to = query.to.unwrap_or(from.add_secs(31 * 86_400));
    let range = Interval::new(from, to)?;
    if range.duration_secs() > MAX_LIST_DAYS * 86_400 {
        return Err(rdv_core::Error::RangeTooLarge {
            max_days: MAX_LIST_DAYS as u32,
        }
        .into());
    }
    let found = state
        .reads()
        .busy_times(business.id, id, query.source.as_deref(), range)
        .await?;
    Ok(axum::Json(
        found
            .into_iter()
            .map(|b| BusyTimeOut {
                source: b.source,
                uid: b.uid,
                start: b.interval.start(),
                end: b.interval.end(),
            })
            .collect(),
    ))
}

/// Removes the resource's busy times from one source: they block nothing any more.
#[utoipa::path(delete, path = "/api/entreprise/ressources/{id}/occupations/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Resource id"), BusyRemoveQuery),
    responses(
        (status = 200, description = "How many were removed", body = BusyRemoved),
        (status = 404, description = "NOT_FOUND (missing, deleted or another business's resource); NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (`source`)", body = crate::error::Problem),
    ))]
pub async fn remove_busy_times(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<ResourceId>,
    ApiQuery(query): ApiQuery<BusyRemoveQuery>,
) -> ApiResult<Json<BusyRemoved>> {
    let business = my_business(&state, &session).await?;
    let source = query.source.unwrap_or_else(|| DEFAULT_SOURCE.to_owned());
    let removed = state
        .writes()
        .remove_busy_times(business.id, id, &source)
        .await?;
    Ok(axum::Json(BusyRemoved { source, removed }))
}
