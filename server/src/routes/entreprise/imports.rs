//! `/api/entreprise/imports/`: a file of services, resources, availability windows, closures
//! or clients in one request (issue 18 item 5, ADV-3). The body is the file itself, CSV (`text/csv`) or
//! JSON (`application/json`), at most `import_max_bytes` (read as it streams in, never more)
//! and `import_max_rows` data rows. Every row goes through the core's rules
//! ([`rdv_core::usecases::UseCases::import`]); the answer lists every problem by row, field and
//! code, and nothing is written unless the whole file is right. `dry_run=true` checks without
//! writing. The columns are in [`crate::imports`] and `docs/imports.md`.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use rdv_core::imports::{ImportKind, ImportReport};
use serde::Deserialize;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::OwnerSession;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::imports::Format;
use crate::routes::{ApiQuery, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(import_services))
        .routes(routes!(import_resources))
        .routes(routes!(import_availabilities))
        .routes(routes!(import_closures))
        .routes(routes!(import_clients))
}

/// Options of an import.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check every row and answer the report without writing anything (default false).
    pub dry_run: Option<bool>,
}

type Imported = (StatusCode, Json<ImportReport>);

/// Reads, checks and (unless a dry run) writes one file of `kind` rows.
async fn run_import(
    state: &AppState,
    session: &OwnerSession,
    kind: ImportKind,
    query: ImportQuery,
    headers: &HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    let business = my_business(state, session).await?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let format = Format::of(content_type).ok_or_else(|| {
        ApiError::new(
            HttpCode::UnsupportedMediaType,
            "send the file as text/csv or application/json",
        )
    })?;
    let limit = state.config.import_max_bytes as usize;
    let bytes = axum::body::to_bytes(body, limit).await.map_err(|_| {
        ApiError::new(
            HttpCode::PayloadTooLarge,
            format!("the file is larger than {limit} bytes: split it"),
        )
    })?;
    let dry_run = query.dry_run.unwrap_or(false);
    let report = crate::imports::run(state, &business, kind, format, &bytes, dry_run).await?;
    let status = if dry_run {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, axum::Json(report)))
}

/// Imports services from a file: `name`, `duration_minutes`, `price_minor`, `currency`,
/// `resources` (names or ids between `|`), and optionally `description`, `category`, `tags`,
/// `step_minutes`, `buffer_before_minutes`, `buffer_after_minutes`, `min_notice_minutes`,
/// `horizon_days`, `seats`, `cancellation_deadline_minutes`, `max_reschedules`. A name the
/// business already has is `already_exists`.
#[utoipa::path(post, path = "/api/entreprise/imports/services/", tag = "entreprise",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<serde_json::Value> = "application/json"),
    ), description = "The file: CSV with a header row, or a JSON array of objects"),
    responses(
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 200, description = "Dry run: every row is right, nothing written", body = ImportReport),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: neither text/csv nor application/json", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by row, field and code; nothing written", body = crate::error::Problem),
    ))]
pub async fn import_services(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    run_import(
        &state,
        &session,
        ImportKind::Services,
        query,
        &headers,
        body,
    )
    .await
}

/// Imports staff members and rooms from a file: `name`, and optionally `kind` (`staff`, the
/// default, or `room`). They work the business's opening hours.
#[utoipa::path(post, path = "/api/entreprise/imports/ressources/", tag = "entreprise",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<serde_json::Value> = "application/json"),
    ), description = "The file: CSV with a header row, or a JSON array of objects"),
    responses(
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 200, description = "Dry run: every row is right, nothing written", body = ImportReport),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: neither text/csv nor application/json", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by row, field and code; nothing written", body = crate::error::Problem),
    ))]
pub async fn import_resources(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    run_import(
        &state,
        &session,
        ImportKind::Resources,
        query,
        &headers,
        body,
    )
    .await
}

/// Imports availability windows from a file: `resource` (name or id), `start` and `end`
/// (local times of the business, `2027-03-01T09:00`), and optionally `rrule` (RFC 5545; the
/// row is then its first occurrence) and `exdates` (local starts to skip, between `|`).
/// Windows may overlap neither each other nor the stored ones.
#[utoipa::path(post, path = "/api/entreprise/imports/disponibilites/", tag = "entreprise",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<serde_json::Value> = "application/json"),
    ), description = "The file: CSV with a header row, or a JSON array of objects"),
    responses(
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 200, description = "Dry run: every row is right, nothing written", body = ImportReport),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: neither text/csv nor application/json", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by row, field and code; nothing written", body = crate::error::Problem),
    ))]
pub async fn import_availabilities(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    let kind = ImportKind::Availabilities;
    run_import(&state, &session, kind, query, &headers, body).await
}

/// Imports closures from a file: `kind` (`days` with `first_day` and `last_day`, or `period`
/// with local `start` and `end`) and optionally `reason`. A closure the business already has
/// is `already_exists`.
#[utoipa::path(post, path = "/api/entreprise/imports/fermetures/", tag = "entreprise",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<serde_json::Value> = "application/json"),
    ), description = "The file: CSV with a header row, or a JSON array of objects"),
    responses(
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 200, description = "Dry run: every row is right, nothing written", body = ImportReport),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: neither text/csv nor application/json", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by row, field and code; nothing written", body = crate::error::Problem),
    ))]
pub async fn import_closures(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    run_import(
        &state,
        &session,
        ImportKind::Closures,
        query,
        &headers,
        body,
    )
    .await
}

/// Imports the business's client file from a previous system: `first_name`, `last_name`,
/// `email`, and optionally `phone` (international, or national to the business's country).
/// They become contacts of the business, listed in the clients export, not accounts: a client
/// signs up themself. An email the business already has (a contact, or a client who booked),
/// case aside, is `already_exists`.
#[utoipa::path(post, path = "/api/entreprise/imports/clients/", tag = "entreprise",
    security(("bearer" = [])),
    params(ImportQuery),
    request_body(content(
        (String = "text/csv"),
        (Vec<serde_json::Value> = "application/json"),
    ), description = "The file: CSV with a header row, or a JSON array of objects"),
    responses(
        (status = 201, description = "Every row imported", body = ImportReport),
        (status = 200, description = "Dry run: every row is right, nothing written", body = ImportReport),
        (status = 413, description = "PAYLOAD_TOO_LARGE: larger than import_max_bytes", body = crate::error::Problem),
        (status = 415, description = "UNSUPPORTED_MEDIA_TYPE: neither text/csv nor application/json", body = crate::error::Problem),
        (status = 422, description = "IMPORT_REJECTED: every problem by row, field and code; nothing written", body = crate::error::Problem),
    ))]
pub async fn import_clients(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiQuery(query): ApiQuery<ImportQuery>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Imported> {
    let kind = ImportKind::Clients;
    run_import(&state, &session, kind, query, &headers, body).await
}
