//! The HTTP API. Paths keep the seed's French words and trailing slashes; every body is JSON
//! with snake_case fields; every list is a page `{items, next_cursor, limit}`.
//!
//! Handlers hold no booking rule: they authenticate, scope the request to the caller (a client's
//! own reservations, an owner's own business) and call the core's use cases: reads through
//! `state.reads()` or the store, every change through `state.writes()` (which drops the public
//! cache and counts the change).

pub mod admin;
pub mod auth;
pub mod client;
pub mod entreprise;
pub mod feeds;
pub mod images;
pub mod notifications;
pub mod ops;
pub mod public;
pub mod waitlist;

use axum::extract::{FromRequest, FromRequestParts};
use rdv_core::ports::{MAX_PAGE_SIZE, Page, PageRequest};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// A JSON body; unknown fields, bad JSON, wrong content type and oversize bodies answer in the
/// API's error format.
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// A query string, with the API's error format on failure.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters, with the API's error format on failure.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// A JSON answer.
pub type Json<T> = axum::Json<T>;

/// The stable shape of every list.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PageOut<T> {
    /// This page's items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
    /// The page size used.
    pub limit: u32,
}

impl<T> PageOut<T> {
    /// Wraps a store page.
    pub fn from_page(page: Page<T>, limit: u32) -> Self {
        Self {
            items: page.items,
            next_cursor: page.next_cursor,
            limit,
        }
    }
}

/// Pagination query parameters.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageParams {
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = loaded_cursor_schema)]
    pub cursor: Option<String>,
}

/// A hyphenated UUID, as an ECMA-262 regular expression (the cursor patterns below).
const UUID_HYPHENATED: &str =
    "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/// A UUID in the forms `Uuid::parse_str` reads without a colon: hyphenated, simple, braced.
fn uuid_forms_without_colon() -> String {
    format!("(?:{UUID_HYPHENATED}|[0-9a-fA-F]{{32}}|\\{{{UUID_HYPHENATED}\\}})")
}

/// A UUID in every form `Uuid::parse_str` reads: hyphenated, simple, braced, URN.
fn uuid_forms() -> String {
    format!(
        "(?:{UUID_HYPHENATED}|[0-9a-fA-F]{{32}}|\\{{{UUID_HYPHENATED}\\}}|urn:uuid:{UUID_HYPHENATED})"
    )
}

/// The schema of a `cursor` query parameter: a string of `pattern`. A cursor is a keyset
/// position (the sort key and id of the last item returned), so every string of the pattern
/// is a position the list accepts, and any other is refused with 422 `cursor`.
fn cursor_schema(pattern: String) -> utoipa::openapi::Object {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::Type::String)
        .description(Some("The `next_cursor` of the previous page."))
        .pattern(Some(pattern))
        .build()
}

/// Cursor of a list paged by [`page_loaded`]: `{sort key}|{id}`.
pub fn loaded_cursor_schema() -> utoipa::openapi::Object {
    cursor_schema(format!("^[\\s\\S]*\\|{}$", uuid_forms()))
}

/// Cursor of a reservation list ([`rdv_core::ports::reservation_cursor`]) and of the admin's
/// message list: `{seconds}_{id}`.
pub fn seconds_cursor_schema() -> utoipa::openapi::Object {
    cursor_schema(format!("^[+-]?[0-9]{{1,18}}_{}$", uuid_forms()))
}

/// Cursor of a business list ([`rdv_core::ports::business_cursor`]): `{id}:{name}`, the id in
/// a form without a colon.
pub fn business_cursor_schema() -> utoipa::openapi::Object {
    cursor_schema(format!("^{}:[\\s\\S]*$", uuid_forms_without_colon()))
}

/// Turns `limit` and `cursor` into a page request, refusing out-of-range sizes.
pub fn page_request(limit: Option<u32>, cursor: Option<String>) -> Result<PageRequest, ApiError> {
    let limit = limit.unwrap_or(50);
    if limit == 0 || limit > MAX_PAGE_SIZE {
        return Err(ApiError::field(
            "limit",
            "out_of_range",
            format!("limit must be between 1 and {MAX_PAGE_SIZE}"),
        ));
    }
    Ok(PageRequest { limit, cursor })
}

/// Pages a bounded list that is loaded whole (a business's resources or services, the
/// windows of a date range) by keyset: `key` gives each item's sort key and id, the list is
/// sorted by them, and the cursor names the last item returned.
pub fn page_loaded<T>(
    mut items: Vec<T>,
    key: impl Fn(&T) -> (String, rdv_core::Uuid),
    page: &PageRequest,
) -> Result<PageOut<T>, ApiError> {
    items.sort_by_cached_key(|item| key(item));
    let after = match &page.cursor {
        None => None,
        Some(cursor) => {
            let bad = || {
                ApiError::field(
                    "cursor",
                    "invalid_format",
                    "cursor is not one this API returned",
                )
            };
            let (sort_key, id) = cursor.rsplit_once('|').ok_or_else(bad)?;
            Some((
                sort_key.to_owned(),
                id.parse::<rdv_core::Uuid>().map_err(|_| bad())?,
            ))
        }
    };
    let limit = page.limit as usize;
    let mut rest: Vec<T> = items
        .into_iter()
        .filter(|item| after.as_ref().is_none_or(|a| key(item) > *a))
        .take(limit + 1)
        .collect();
    let next_cursor = if rest.len() > limit {
        rest.truncate(limit);
        rest.last().map(|item| {
            let (k, id) = key(item);
            format!("{k}|{id}")
        })
    } else {
        None
    };
    Ok(PageOut {
        items: rest,
        next_cursor,
        limit: page.limit,
    })
}

/// Sort key of an instant that orders like the instant (zero-padded seconds).
pub fn instant_key(t: rdv_core::Timestamp) -> String {
    format!("{:015}", t.secs() + 100_000_000_000_000)
}

/// A `{ "status": ... }` acknowledgement.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Ack {
    /// What happened.
    pub status: String,
}

impl Ack {
    /// An acknowledgement.
    pub fn new(status: &str) -> axum::Json<Ack> {
        axum::Json(Ack {
            status: status.to_owned(),
        })
    }
}
