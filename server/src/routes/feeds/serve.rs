//! `GET /calendrier/{token}.ics`: a feed, public by its token. The window is 60 days back to
//! 365 days ahead (what a subscribing calendar shows usefully; older reservations are in the
//! archive anyway), read from the live reservation list a page at a time, at most
//! [`MAX_EVENTS`] events. Answers carry a strong `ETag` (SHA-256 of the body) and a
//! `If-None-Match` naming it answers 304 with no body, so frequent polling stays cheap.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rdv_core::model::{BusinessId, ClientId, ResourceId};
use rdv_core::ports::{
    DirectoryStore as _, MAX_PAGE_SIZE, PageRequest, ReservationFilter, ReservationSort,
    ReservationView,
};
use rdv_storage::calendar_feeds::{CalendarFeed, CalendarFeedStore as _, FeedKind};
use sha2::{Digest, Sha256};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::ics::{self, Detail};
use crate::auth::hash_token;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::ApiPath;
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(calendar_feed))
}

/// Days of the past a feed shows.
const DAYS_BACK: i64 = 60;
/// Days of the future a feed shows.
const DAYS_AHEAD: i64 = 365;
/// Most events in one feed.
pub const MAX_EVENTS: usize = 5_000;
/// How long a subscriber may keep an answer (the announced refresh interval).
const MAX_AGE_SECS: u32 = 900;

fn unknown_feed() -> ApiError {
    ApiError::new(
        HttpCode::CalendarFeedNotFound,
        "no calendar feed has this address",
    )
}

/// The reservations a feed shows, by start.
async fn reservations(state: &AppState, feed: &CalendarFeed) -> ApiResult<Vec<ReservationView>> {
    let now = state.now();
    let mut filter = ReservationFilter {
        from: Some(now.add_secs(-DAYS_BACK * 86_400)),
        to: Some(now.add_secs(DAYS_AHEAD * 86_400)),
        resource_id: feed.resource_id.map(ResourceId),
        ..ReservationFilter::default()
    };
    if feed.kind == FeedKind::Client {
        filter.client_id = Some(ClientId::from_uuid(feed.user_id));
    } else {
        filter.business_id = Some(BusinessId(feed.business_id.ok_or_else(unknown_feed)?));
    }
    let mut views = Vec::new();
    let mut page = PageRequest::first(MAX_PAGE_SIZE);
    loop {
        let result = state
            .reads()
            .list_reservations(&filter, ReservationSort::StartAsc, &page)
            .await?;
        views.extend(result.items);
        match result.next_cursor {
            Some(cursor) if views.len() < MAX_EVENTS => page.cursor = Some(cursor),
            _ => break,
        }
    }
    views.truncate(MAX_EVENTS);
    Ok(views)
}

/// The calendar's name: the business's (and the resource's), or the client's.
async fn name(
    state: &AppState,
    feed: &CalendarFeed,
    views: &[ReservationView],
) -> ApiResult<String> {
    let Some(business) = feed.business_id else {
        return Ok("Mes rendez-vous".to_owned());
    };
    let business = state
        .store()
        .get_business(BusinessId(business))
        .await?
        .ok_or_else(unknown_feed)?;
    let resource = feed
        .resource_id
        .and_then(|r| views.iter().find(|v| v.reservation.resource_id.0 == r))
        .map(|v| format!(" — {}", v.resource_name))
        .unwrap_or_default();
    Ok(format!("{}{resource}", business.name))
}

/// Whether `If-None-Match` names `etag` (or is `*`).
fn matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

/// A calendar feed (RFC 5545), for calendar apps to subscribe to. The file name is the feed's
/// token followed by `.ics`. Business and resource feeds show the service and the client's
/// name and contact; a client's feed their own reservations; a free/busy feed busy times only.
#[utoipa::path(get, path = "/calendrier/{file}", tag = "public",
    params(("file" = String, Path, description = "The feed's token followed by `.ics`")),
    responses(
        (status = 200, description = "The feed, `text/calendar; charset=utf-8`, with a strong ETag", content_type = "text/calendar", body = String),
        (status = 304, description = "Not modified: `If-None-Match` named the current ETag"),
        (status = 404, description = "CALENDAR_FEED_NOT_FOUND (unknown, rotated or revoked token: the same answer)", body = crate::error::Problem),
    ))]
pub async fn calendar_feed(
    State(state): State<AppState>,
    ApiPath(file): ApiPath<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = file.strip_suffix(".ics").ok_or_else(unknown_feed)?;
    let feed = state
        .store()
        .calendar_feed_by_token(&hash_token(token))
        .await?
        .ok_or_else(unknown_feed)?;
    let views = reservations(&state, &feed).await?;
    let detail = match feed.kind {
        FeedKind::Business | FeedKind::Resource => Detail::Owner,
        FeedKind::FreeBusy => Detail::Busy,
        FeedKind::Client => Detail::Client,
    };
    let body = ics::render(&name(&state, &feed, &views).await?, &views, detail);
    let etag = format!("\"{}\"", hex::encode(Sha256::digest(body.as_bytes())));
    let etag_value =
        HeaderValue::from_str(&etag).map_err(|_| ApiError::internal("etag not a header value"))?;
    let cache = HeaderValue::from_str(&format!("private, max-age={MAX_AGE_SECS}"))
        .map_err(|_| ApiError::internal("cache-control not a header value"))?;
    if matches(&headers, &etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cache),
        ],
        Body::from(body),
    )
        .into_response())
}
