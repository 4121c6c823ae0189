//! Notification settings and the delivery queue: a client's channels
//! (`/api/client/notifications/`), an owner's channels and events
//! (`/api/entreprise/notifications/`), the business's webhooks (`/api/entreprise/webhooks/`),
//! and for administrators the queued, sent and dead messages with a retry
//! (`/api/admin/notifications/`).

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::ClientId;
use rdv_core::ports::DirectoryStore as _;
use rdv_core::{Error, Timestamp, Uuid};
use rdv_storage::notifications::{
    Channel, Delivery, DeliveryStatus, NotificationStore as _, Preferences, Webhook, WebhookInsert,
};
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::entreprise::my_business;
use super::{Ack, ApiJson, ApiPath, ApiQuery, Json, PageOut, page_request};
use crate::auth::{AdminSession, ClientSession, OwnerSession};
use crate::config::Profile;
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::notify::{EventKind, default_preferences};
use crate::state::AppState;

/// Most webhooks one business may register.
pub const MAX_WEBHOOKS_PER_BUSINESS: u32 = 10;

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_client_settings, put_client_settings))
        .routes(routes!(get_owner_settings, put_owner_settings))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(get_webhook, delete_webhook))
        .routes(routes!(list_messages))
        .routes(routes!(retry_message))
}

/// How a client is told about their reservations.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "email": true, "sms": false }))]
pub struct ClientSettings {
    /// Emails (confirmation, reminder, cancellation, with calendar invitations).
    pub email: bool,
    /// Text messages to the phone number of the profile (E.164).
    pub sms: bool,
}

/// How a business owner is told about their business's reservations.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "email": true, "events": ["reservation_created", "reservation_cancelled_by_client"] }))]
pub struct OwnerSettings {
    /// Emails to the owner's address.
    pub email: bool,
    /// Which events notify the owner: any of `reservation_created`,
    /// `reservation_cancelled_by_client`, `reservation_rescheduled`.
    #[schema(schema_with = owner_events_schema)]
    pub events: Vec<String>,
}

/// An array of event names among `kinds` (the names [`check_events`] accepts), at least
/// `min_items` of them.
fn events_schema(
    kinds: &[EventKind],
    min_items: usize,
    description: &str,
) -> utoipa::openapi::Array {
    use utoipa::openapi::{ArrayBuilder, ObjectBuilder, Type};
    ArrayBuilder::new()
        .description(Some(description))
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .enum_values(Some(kinds.iter().map(|k| k.as_str()))),
        )
        .min_items(Some(min_items))
        .build()
}

fn owner_events_schema() -> utoipa::openapi::Array {
    events_schema(
        &EventKind::FOR_OWNERS,
        0,
        "Which events notify the owner (none: no event does).",
    )
}

fn webhook_events_schema() -> utoipa::openapi::Array {
    events_schema(
        &EventKind::ALL,
        1,
        "Events to receive: at least one reservation event.",
    )
}

async fn preferences_of(state: &AppState, user: Uuid) -> ApiResult<Preferences> {
    Ok(state
        .store()
        .preferences(user)
        .await?
        .unwrap_or_else(default_preferences))
}

/// The client's notification channels.
#[utoipa::path(get, path = "/api/client/notifications/", tag = "client",
    security(("bearer" = [])),
    responses((status = 200, description = "The channels", body = ClientSettings)))]
pub async fn get_client_settings(
    State(state): State<AppState>,
    session: ClientSession,
) -> ApiResult<Json<ClientSettings>> {
    let p = preferences_of(&state, session.0.user_id).await?;
    Ok(axum::Json(ClientSettings {
        email: p.email,
        sms: p.sms,
    }))
}

/// Chooses the client's channels. SMS needs a phone number in the profile.
#[utoipa::path(put, path = "/api/client/notifications/", tag = "client",
    security(("bearer" = [])),
    request_body = ClientSettings,
    responses(
        (status = 200, description = "Saved", body = ClientSettings),
        (status = 422, description = "VALIDATION_FAILED (`sms` without a phone number)", body = crate::error::Problem),
    ))]
pub async fn put_client_settings(
    State(state): State<AppState>,
    session: ClientSession,
    ApiJson(body): ApiJson<ClientSettings>,
) -> ApiResult<Json<ClientSettings>> {
    let user = session.0.user_id;
    if body.sms {
        let profile = state.store().get_client(ClientId::from_uuid(user)).await?;
        if profile.and_then(|p| p.phone).is_none() {
            return Err(Error::field(
                "sms",
                "phone_missing",
                "add a phone number to your profile (PUT /api/client/mon-profil/) first",
            )
            .into());
        }
    }
    let mut p = preferences_of(&state, user).await?;
    p.email = body.email;
    p.sms = body.sms;
    state.store().set_preferences(user, &p, state.now()).await?;
    Ok(axum::Json(body))
}

/// The owner's notification settings.
#[utoipa::path(get, path = "/api/entreprise/notifications/", tag = "entreprise",
    security(("bearer" = [])),
    responses((status = 200, description = "The settings", body = OwnerSettings)))]
pub async fn get_owner_settings(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<OwnerSettings>> {
    let p = preferences_of(&state, session.0.user_id).await?;
    Ok(axum::Json(OwnerSettings {
        email: p.email,
        events: p.events,
    }))
}

fn check_events(field: &str, events: &[String], allowed: &[EventKind]) -> Result<(), Error> {
    for (i, e) in events.iter().enumerate() {
        if EventKind::parse(e).is_none_or(|kind| !allowed.contains(&kind)) {
            let allowed: Vec<&str> = allowed.iter().map(|k| k.as_str()).collect();
            return Err(Error::field(
                format!("{field}[{i}]"),
                "unknown_event",
                format!("unknown event {e:?}; one of: {}", allowed.join(", ")),
            ));
        }
    }
    Ok(())
}

/// Chooses the owner's channels and events.
#[utoipa::path(put, path = "/api/entreprise/notifications/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = OwnerSettings,
    responses(
        (status = 200, description = "Saved", body = OwnerSettings),
        (status = 422, description = "VALIDATION_FAILED (unknown event)", body = crate::error::Problem),
    ))]
pub async fn put_owner_settings(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(mut body): ApiJson<OwnerSettings>,
) -> ApiResult<Json<OwnerSettings>> {
    check_events("events", &body.events, &EventKind::FOR_OWNERS)?;
    body.events.sort();
    body.events.dedup();
    let user = session.0.user_id;
    let mut p = preferences_of(&state, user).await?;
    p.email = body.email;
    p.events = body.events.clone();
    state.store().set_preferences(user, &p, state.now()).await?;
    Ok(axum::Json(body))
}

/// A webhook as shown to its business (the secret only once, at creation).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WebhookOut {
    /// Identifier.
    pub id: Uuid,
    /// Where deliveries are POSTed.
    pub url: String,
    /// Events it receives.
    pub events: Vec<String>,
    /// When it was registered.
    pub created_at: Timestamp,
    /// The signing secret: present only in the answer to its creation. Verify each delivery's
    /// `Rdv-Signature: t=<unix seconds>,v1=<hex>` header, where the hex is
    /// HMAC-SHA256(secret, "<t>.<raw body>").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookOut {
    fn of(w: Webhook, with_secret: bool) -> Self {
        Self {
            id: w.id,
            url: w.url,
            events: w.events,
            created_at: w.created_at,
            secret: with_secret.then_some(w.secret),
        }
    }
}

/// A webhook to register.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({ "url": "https://hooks.example.com/rdv", "events": ["reservation_created", "reservation_cancelled_by_client"] }))]
pub struct NewWebhook {
    /// `https://` URL (`http://` is accepted outside the `prod` profile).
    pub url: String,
    /// Events to receive: any reservation event (`reservation_created`, `…_confirmed`,
    /// `…_cancelled_by_client`, `…_cancelled_by_business`, `…_completed`, `…_no_show`,
    /// `…_rescheduled`, `…_reminder`).
    #[schema(schema_with = webhook_events_schema)]
    pub events: Vec<String>,
}

/// The business's webhooks.
#[utoipa::path(get, path = "/api/entreprise/webhooks/", tag = "entreprise",
    security(("bearer" = [])),
    responses((status = 200, description = "The webhooks, oldest first", body = Vec<WebhookOut>)))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<Vec<WebhookOut>>> {
    let business = my_business(&state, &session).await?;
    let hooks = state.store().list_webhooks(business.id.0).await?;
    Ok(axum::Json(
        hooks
            .into_iter()
            .map(|w| WebhookOut::of(w, false))
            .collect(),
    ))
}

/// Registers a webhook; the answer holds its signing secret, shown only this once.
#[utoipa::path(post, path = "/api/entreprise/webhooks/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Registered, with its secret", body = WebhookOut),
        (status = 422, description = "VALIDATION_FAILED (url: invalid_url, invalid_scheme, private_address, too_many; events)", body = crate::error::Problem),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(body): ApiJson<NewWebhook>,
) -> ApiResult<(StatusCode, Json<WebhookOut>)> {
    let business = my_business(&state, &session).await?;
    let url = reqwest::Url::parse(body.url.trim())
        .map_err(|e| Error::field("url", "invalid_url", format!("not a URL: {e}")))?;
    let https_only = state.config.profile == Profile::Prod;
    match url.scheme() {
        "https" => {}
        "http" if !https_only => {}
        _ => {
            return Err(Error::field(
                "url",
                "invalid_scheme",
                if https_only {
                    "the URL must start with https://"
                } else {
                    "the URL must start with https:// or http://"
                },
            )
            .into());
        }
    }
    if !url.username().is_empty() || url.password().is_some() || url.host_str().is_none() {
        return Err(Error::field(
            "url",
            "invalid_url",
            "the URL needs a host and no user name or password",
        )
        .into());
    }
    if !state.config.webhook_private_targets {
        // A name that does not resolve yet is accepted; each delivery checks again.
        match crate::notify::targets::check_url(&url).await {
            Ok(()) | Err(crate::notify::targets::TargetError::Lookup(_)) => {}
            Err(e) => {
                return Err(Error::field("url", "private_address", e.to_string()).into());
            }
        }
    }
    if body.events.is_empty() {
        return Err(Error::field("events", "empty", "name at least one event").into());
    }
    check_events("events", &body.events, &EventKind::ALL)?;
    let mut secret = [0u8; 32];
    crate::auth::random_bytes(&mut secret);
    let mut events = body.events;
    events.sort();
    events.dedup();
    let hook = Webhook {
        id: Uuid::new_v4(),
        business_id: business.id.0,
        url: url.to_string(),
        secret: format!("whsec_{}", hex::encode(secret)),
        events,
        created_at: state.now(),
    };
    // The storage counts and inserts in one transaction serialised per business, so
    // concurrent registrations cannot pass the limit.
    match state
        .store()
        .insert_webhook(&hook, MAX_WEBHOOKS_PER_BUSINESS)
        .await?
    {
        WebhookInsert::Inserted => {
            Ok((StatusCode::CREATED, axum::Json(WebhookOut::of(hook, true))))
        }
        WebhookInsert::LimitReached => Err(Error::field(
            "url",
            "too_many",
            format!("a business may register at most {MAX_WEBHOOKS_PER_BUSINESS} webhooks"),
        )
        .into()),
    }
}

async fn my_webhook(state: &AppState, session: &OwnerSession, id: Uuid) -> ApiResult<Webhook> {
    let business = my_business(state, session).await?;
    state
        .store()
        .webhook(id)
        .await?
        .filter(|w| w.business_id == business.id.0)
        .ok_or_else(|| {
            ApiError::new(
                HttpCode::WebhookNotFound,
                "no webhook of your business has this id",
            )
        })
}

/// One webhook of the business (without its secret).
#[utoipa::path(get, path = "/api/entreprise/webhooks/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The webhook", body = WebhookOut),
        (status = 404, description = "WEBHOOK_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn get_webhook(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<WebhookOut>> {
    let hook = my_webhook(&state, &session, id).await?;
    Ok(axum::Json(WebhookOut::of(hook, false)))
}

/// Deletes a webhook; deliveries still queued for it end as dead letters.
#[utoipa::path(delete, path = "/api/entreprise/webhooks/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Deleted", body = Ack),
        (status = 404, description = "WEBHOOK_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<Ack>> {
    let hook = my_webhook(&state, &session, id).await?;
    state.store().delete_webhook(hook.business_id, id).await?;
    Ok(Ack::new("deleted"))
}

/// A queued message as administrators see it (without its content).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MessageOut {
    /// Identifier.
    pub id: Uuid,
    /// Template / event name.
    pub kind: String,
    /// `email`, `sms` or `webhook`.
    #[schema(value_type = String)]
    pub channel: Channel,
    /// Address, phone number or webhook id.
    pub recipient: String,
    /// `pending`, `sent` or `dead`.
    #[schema(value_type = String)]
    pub status: DeliveryStatus,
    /// Attempts so far.
    pub attempts: u32,
    /// When it was queued.
    pub created_at: Timestamp,
    /// When it may be tried next.
    pub next_attempt_at: Timestamp,
    /// When it was delivered.
    pub sent_at: Option<Timestamp>,
    /// The last failure.
    pub last_error: Option<String>,
}

impl MessageOut {
    fn of(d: Delivery) -> Self {
        Self {
            id: d.message.id,
            kind: d.message.kind,
            channel: d.message.channel,
            recipient: d.message.recipient,
            status: d.status,
            attempts: d.attempts,
            created_at: d.message.created_at,
            next_attempt_at: d.next_attempt_at,
            sent_at: d.sent_at,
            last_error: d.last_error,
        }
    }
}

/// Filters of the message list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MessageQuery {
    /// `dead` (default: the dead letters), `pending` or `sent`.
    #[param(schema_with = message_status_schema)]
    pub status: Option<String>,
    /// Page size, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    #[param(schema_with = super::seconds_cursor_schema)]
    pub cursor: Option<String>,
}

/// The `status` of the message list: the names `DeliveryStatus::parse` reads.
fn message_status_schema() -> utoipa::openapi::Object {
    use utoipa::openapi::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(
            "`dead` (default: the dead letters), `pending` or `sent`.",
        ))
        .enum_values(Some(
            [
                DeliveryStatus::Dead,
                DeliveryStatus::Pending,
                DeliveryStatus::Sent,
            ]
            .map(DeliveryStatus::as_str),
        ))
        .build()
}

fn parse_cursor(cursor: &str) -> Result<(Timestamp, Uuid), Error> {
    let bad = || Error::field("cursor", "invalid_cursor", "not a cursor from this list");
    let (at, id) = cursor.split_once('_').ok_or_else(bad)?;
    Ok((
        Timestamp::from_secs(at.parse().map_err(|_| bad())?),
        Uuid::parse_str(id).map_err(|_| bad())?,
    ))
}

/// Queued notifications by status, newest first: by default the dead letters (messages given
/// up after the last attempt or refused for good), with their last error.
#[utoipa::path(get, path = "/api/admin/notifications/", tag = "admin",
    security(("bearer" = [])),
    params(MessageQuery),
    responses(
        (status = 200, description = "A page of messages", body = PageOut<MessageOut>),
        (status = 400, description = "INVALID_PARAMETER", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (status, limit or cursor out of range)", body = crate::error::Problem),
    ))]
pub async fn list_messages(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiQuery(query): ApiQuery<MessageQuery>,
) -> ApiResult<Json<PageOut<MessageOut>>> {
    let status = match query.status.as_deref() {
        None => DeliveryStatus::Dead,
        Some(s) => DeliveryStatus::parse(s).ok_or_else(|| {
            Error::field("status", "invalid_value", "status is dead, pending or sent")
        })?,
    };
    let page = page_request(query.limit, query.cursor)?;
    let after = page.cursor.as_deref().map(parse_cursor).transpose()?;
    let mut items = state
        .store()
        .list_deliveries(status, after, page.limit + 1)
        .await?;
    let next_cursor = if items.len() > page.limit as usize {
        items.truncate(page.limit as usize);
        items
            .last()
            .map(|d| format!("{}_{}", d.message.created_at.secs(), d.message.id))
    } else {
        None
    };
    Ok(axum::Json(PageOut {
        items: items.into_iter().map(MessageOut::of).collect(),
        next_cursor,
        limit: page.limit,
    }))
}

/// Puts a dead letter back in the queue with fresh attempts.
#[utoipa::path(post, path = "/api/admin/notifications/{id}/relancer/", tag = "admin",
    security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Message id")),
    responses(
        (status = 200, description = "Queued again", body = MessageOut),
        (status = 404, description = "MESSAGE_NOT_FOUND", body = crate::error::Problem),
    ))]
pub async fn retry_message(
    State(state): State<AppState>,
    _admin: AdminSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<MessageOut>> {
    let not_found = || ApiError::new(HttpCode::MessageNotFound, "no dead letter has this id");
    if !state.store().requeue(id, state.now()).await? {
        return Err(not_found());
    }
    let delivery = state.store().delivery(id).await?.ok_or_else(not_found)?;
    Ok(axum::Json(MessageOut::of(delivery)))
}
