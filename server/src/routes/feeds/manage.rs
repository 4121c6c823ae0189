//! Creating, listing, rotating and revoking calendar feeds, for the business's people and for
//! clients.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::ResourceId;
use rdv_core::{Timestamp, Uuid};
use rdv_storage::calendar_feeds::{CalendarFeed, CalendarFeedStore as _, FeedKind};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{BusinessSession, ClientSession, new_opaque_token};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::entreprise::business_access;
use crate::routes::{ApiJson, ApiPath, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_business_feeds, create_business_feed))
        .routes(routes!(rotate_business_feed))
        .routes(routes!(revoke_business_feed))
        .routes(routes!(list_client_feeds, create_client_feed))
        .routes(routes!(rotate_client_feed))
        .routes(routes!(revoke_client_feed))
}

/// A feed to create for the business.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCalendarFeed {
    /// `business` (every reservation, owner only), `resource` (one resource's) or `free_busy`
    /// (busy times only, of the business or of `resource_id`).
    #[schema(example = "resource")]
    pub kind: String,
    /// The resource of a `resource` feed (required) or of a `free_busy` feed (optional); a
    /// staff member's feeds are always of their own resource.
    #[schema(value_type = Option<uuid::Uuid>)]
    pub resource_id: Option<ResourceId>,
}

/// A calendar feed as its owner sees it. `token` and `url` appear only in the answers of
/// creation and rotation: the token is never shown again.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarFeedOut {
    /// Identifier.
    pub id: Uuid,
    /// `business`, `resource`, `free_busy` or `client`.
    #[schema(example = "business")]
    pub kind: String,
    /// The resource it is narrowed to.
    pub resource_id: Option<Uuid>,
    /// `active` or `revoked`.
    #[schema(example = "active")]
    pub status: String,
    /// The secret token (creation and rotation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The URL to subscribe to (creation and rotation only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// When it was created.
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
    /// When its token was last replaced.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub rotated_at: Option<Timestamp>,
    /// When it was revoked.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl CalendarFeedOut {
    fn new(state: &AppState, feed: &CalendarFeed, token: Option<String>) -> Self {
        let url = token
            .as_ref()
            .map(|t| format!("{}/calendrier/{t}.ics", state.config.links_base()));
        Self {
            id: feed.id,
            kind: feed.kind.as_str().to_owned(),
            resource_id: feed.resource_id,
            status: if feed.revoked_at.is_some() {
                "revoked"
            } else {
                "active"
            }
            .to_owned(),
            token,
            url,
            created_at: feed.created_at,
            rotated_at: feed.rotated_at,
            revoked_at: feed.revoked_at,
        }
    }
}

fn feed_not_found() -> ApiError {
    ApiError::new(
        HttpCode::CalendarFeedNotFound,
        "you have no open calendar feed with this id",
    )
}

/// Stores `feed` with a new token; the answer shows the token once.
async fn create(
    state: &AppState,
    feed: CalendarFeed,
) -> ApiResult<(StatusCode, Json<CalendarFeedOut>)> {
    let (token, hash) = new_opaque_token();
    state.store().insert_calendar_feed(&feed, &hash).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(CalendarFeedOut::new(state, &feed, Some(token))),
    ))
}

async fn list(state: &AppState, user: Uuid) -> ApiResult<Json<Vec<CalendarFeedOut>>> {
    let feeds = state.store().list_calendar_feeds(user).await?;
    Ok(axum::Json(
        feeds
            .iter()
            .map(|f| CalendarFeedOut::new(state, f, None))
            .collect(),
    ))
}

async fn rotate(state: &AppState, user: Uuid, id: Uuid) -> ApiResult<Json<CalendarFeedOut>> {
    let (token, hash) = new_opaque_token();
    let feed = state
        .store()
        .rotate_calendar_feed(user, id, &hash, state.now())
        .await?
        .ok_or_else(feed_not_found)?;
    Ok(axum::Json(CalendarFeedOut::new(state, &feed, Some(token))))
}

async fn revoke(state: &AppState, user: Uuid, id: Uuid) -> ApiResult<Json<CalendarFeedOut>> {
    let feed = state
        .store()
        .revoke_calendar_feed(user, id, state.now())
        .await?
        .ok_or_else(feed_not_found)?;
    Ok(axum::Json(CalendarFeedOut::new(state, &feed, None)))
}

/// Creates a feed of the business: every reservation with client names (`business`, owner
/// only), one resource's (`resource`), or busy times only (`free_busy`). The answer carries the
/// token and the URL to subscribe to, shown this once.
#[utoipa::path(post, path = "/api/entreprise/flux-calendrier/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewCalendarFeed,
    responses(
        (status = 201, description = "Created; `token` and `url` are shown this once", body = CalendarFeedOut),
        (status = 404, description = "NOT_FOUND (a resource of another business, or not the staff member's own); NO_BUSINESS", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (kind: invalid_choice, not_allowed for a staff member's business feed; resource_id: required for a resource feed)", body = crate::error::Problem),
    ))]
pub async fn create_business_feed(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiJson(input): ApiJson<NewCalendarFeed>,
) -> ApiResult<(StatusCode, Json<CalendarFeedOut>)> {
    let kind = match FeedKind::parse(&input.kind) {
        Some(k @ (FeedKind::Business | FeedKind::Resource | FeedKind::FreeBusy)) => k,
        Some(FeedKind::Client) | None => {
            return Err(ApiError::field(
                "kind",
                "invalid_choice",
                "kind must be business, resource or free_busy",
            ));
        }
    };
    let access = business_access(&state, &session).await?;
    if kind == FeedKind::Business && access.resource.is_some() {
        return Err(ApiError::field(
            "kind",
            "not_allowed",
            "a staff member's feeds show their own resource only",
        ));
    }
    let resource = match access.narrow(input.resource_id)? {
        Some(id) => Some(state.reads().owned_resource(access.id(), id).await?.id),
        None => None,
    };
    if kind == FeedKind::Resource && resource.is_none() {
        return Err(ApiError::field(
            "resource_id",
            "required",
            "a resource feed needs resource_id",
        ));
    }
    let feed = CalendarFeed {
        id: Uuid::new_v4(),
        user_id: session.0.user_id,
        kind,
        business_id: Some(access.id().0),
        resource_id: if kind == FeedKind::Business {
            None
        } else {
            resource.map(|r| r.0)
        },
        created_at: state.now(),
        rotated_at: None,
        revoked_at: None,
    };
    create(&state, feed).await
}

/// The caller's feeds of the business, revoked ones included, newest first (no tokens).
#[utoipa::path(get, path = "/api/entreprise/flux-calendrier/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's feeds", body = Vec<CalendarFeedOut>),
    ))]
pub async fn list_business_feeds(
    State(state): State<AppState>,
    session: BusinessSession,
) -> ApiResult<Json<Vec<CalendarFeedOut>>> {
    list(&state, session.0.user_id).await
}

/// Replaces a feed's token: the old one answers 404 from now on; the new one is shown once.
#[utoipa::path(post, path = "/api/entreprise/flux-calendrier/{id}/rotation/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Feed id")),
    responses(
        (status = 200, description = "Rotated; `token` and `url` are shown this once", body = CalendarFeedOut),
        (status = 404, description = "CALENDAR_FEED_NOT_FOUND (not the caller's, or revoked)", body = crate::error::Problem),
    ))]
pub async fn rotate_business_feed(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CalendarFeedOut>> {
    rotate(&state, session.0.user_id, id).await
}

/// Revokes a feed: its token answers 404 from now on. Revoking twice answers the same.
#[utoipa::path(delete, path = "/api/entreprise/flux-calendrier/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Feed id")),
    responses(
        (status = 200, description = "Revoked", body = CalendarFeedOut),
        (status = 404, description = "CALENDAR_FEED_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn revoke_business_feed(
    State(state): State<AppState>,
    session: BusinessSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CalendarFeedOut>> {
    revoke(&state, session.0.user_id, id).await
}

/// Creates a feed of the client's own reservations (business, service and resource names; no
/// other client). The answer carries the token and the URL, shown this once.
#[utoipa::path(post, path = "/api/client/flux-calendrier/", tag = "client",
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `token` and `url` are shown this once", body = CalendarFeedOut),
    ))]
pub async fn create_client_feed(
    State(state): State<AppState>,
    session: ClientSession,
) -> ApiResult<(StatusCode, Json<CalendarFeedOut>)> {
    let feed = CalendarFeed {
        id: Uuid::new_v4(),
        user_id: session.0.user_id,
        kind: FeedKind::Client,
        business_id: None,
        resource_id: None,
        created_at: state.now(),
        rotated_at: None,
        revoked_at: None,
    };
    create(&state, feed).await
}

/// The client's feeds, revoked ones included, newest first (no tokens).
#[utoipa::path(get, path = "/api/client/flux-calendrier/", tag = "client",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The client's feeds", body = Vec<CalendarFeedOut>),
    ))]
pub async fn list_client_feeds(
    State(state): State<AppState>,
    session: ClientSession,
) -> ApiResult<Json<Vec<CalendarFeedOut>>> {
    list(&state, session.0.user_id).await
}

/// Replaces the token of one of the client's feeds; the old one answers 404 from now on.
#[utoipa::path(post, path = "/api/client/flux-calendrier/{id}/rotation/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Feed id")),
    responses(
        (status = 200, description = "Rotated; `token` and `url` are shown this once", body = CalendarFeedOut),
        (status = 404, description = "CALENDAR_FEED_NOT_FOUND (not the client's, or revoked)", body = crate::error::Problem),
    ))]
pub async fn rotate_client_feed(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CalendarFeedOut>> {
    rotate(&state, session.0.user_id, id).await
}

/// Revokes one of the client's feeds. Revoking twice answers the same.
#[utoipa::path(delete, path = "/api/client/flux-calendrier/{id}/", tag = "client",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Feed id")),
    responses(
        (status = 200, description = "Revoked", body = CalendarFeedOut),
        (status = 404, description = "CALENDAR_FEED_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn revoke_client_feed(
    State(state): State<AppState>,
    session: ClientSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<CalendarFeedOut>> {
    revoke(&state, session.0.user_id, id).await
}
