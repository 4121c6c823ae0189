//! `/api/entreprise/equipe/`: the owner's team (issue 17 item 3). The owner invites a staff
//! member by email for one of the business's resources; the invitation's link
//! (`/invitation?token=…`, one use, `staff_invitation_days` long) lets them choose a password
//! (`POST /api/auth/invitation/accepter/`), and their account then signs in like any other
//! with the role `staff`: it sees and manages only that resource's calendar and reservations
//! (`rdv_core::scope::Scope::Staff`). Revoking deletes the account, which ends its sessions.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::error::FieldErrors;
use rdv_core::model::ResourceId;
use rdv_core::validation::clean_name;
use rdv_core::{Timestamp, Uuid};
use rdv_storage::accounts::OutboxMessage;
use rdv_storage::staff::{InviteOutcome, StaffMember, StaffStore as _};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::my_business;
use crate::auth::{OwnerSession, new_opaque_token};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::routes::{ApiJson, ApiPath, Json};
use crate::state::AppState;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_staff, invite_staff))
        .routes(routes!(revoke_staff))
}

/// Longest staff name.
const MAX_NAME_CHARS: usize = 100;

/// An invitation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffInvitation {
    /// Where the invitation goes; the account's email once accepted.
    #[schema(example = "marc@example.com")]
    pub email: String,
    /// Their name, 1 to 100 characters of plain text.
    #[schema(example = "Marc Petit", max_length = 100)]
    pub name: String,
    /// The business's resource whose calendar becomes theirs.
    #[schema(value_type = uuid::Uuid)]
    pub resource_id: ResourceId,
    /// Language of the email and the account: `fr` or `en` (default `fr`).
    #[schema(example = "fr")]
    pub locale: Option<String>,
}

/// A staff member as the owner sees it.
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StaffMemberOut {
    /// Identifier.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Name.
    pub name: String,
    /// Their resource.
    pub resource_id: Uuid,
    /// `invited`, `expired` (not accepted in time), `active` or `revoked`.
    #[schema(example = "invited")]
    pub status: String,
    /// Language.
    pub locale: String,
    /// When the invitation was sent.
    #[schema(value_type = String, format = DateTime)]
    pub invited_at: Timestamp,
    /// Until when it may be accepted.
    #[schema(value_type = String, format = DateTime)]
    pub expires_at: Timestamp,
    /// When it was accepted.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub accepted_at: Option<Timestamp>,
    /// When the owner revoked it.
    #[schema(value_type = Option<String>, format = DateTime)]
    pub revoked_at: Option<Timestamp>,
}

impl StaffMemberOut {
    fn new(m: &StaffMember, now: Timestamp) -> Self {
        Self {
            id: m.id,
            email: m.email.clone(),
            name: m.name.clone(),
            resource_id: m.resource_id,
            status: m.status(now).as_str().to_owned(),
            locale: m.locale.clone(),
            invited_at: m.invited_at,
            expires_at: m.expires_at,
            accepted_at: m.accepted_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// Invites a staff member by email for one of the business's resources. The email carries a
/// single-use link valid `staff_invitation_days` (default 7).
#[utoipa::path(post, path = "/api/entreprise/equipe/", tag = "entreprise",
    security(("bearer" = [])),
    request_body = StaffInvitation,
    responses(
        (status = 201, description = "Invited; the email is queued", body = StaffMemberOut),
        (status = 404, description = "NOT_FOUND (a resource of another business, or deleted); NO_BUSINESS", body = crate::error::Problem),
        (status = 409, description = "EMAIL_TAKEN (an account uses the email), STAFF_ALREADY_INVITED, RESOURCE_HAS_STAFF", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (email: invalid_format; name: required, too_long, markup; locale: invalid_choice)", body = crate::error::Problem),
    ))]
pub async fn invite_staff(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiJson(input): ApiJson<StaffInvitation>,
) -> ApiResult<(StatusCode, Json<StaffMemberOut>)> {
    let mut errors = FieldErrors::new();
    // The account key of the email, as `crate::auth::account_email` makes it.
    let email = rdv_core::validation::normalize_email("email", &input.email)
        .map(|e| e.to_lowercase())
        .map_err(|e| errors.absorb("", e))
        .ok();
    let name = clean_name("name", &input.name, MAX_NAME_CHARS)
        .map_err(|e| errors.absorb("", e))
        .ok();
    let locale = match input.locale.as_deref() {
        None | Some("fr") => "fr",
        Some("en") => "en",
        Some(_) => {
            errors.add("locale", "invalid_choice", "locale must be fr or en");
            "fr"
        }
    };
    errors.finish(())?;
    let (Some(email), Some(name)) = (email, name) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let business = my_business(&state, &session).await?;
    let resource = state
        .reads()
        .owned_resource(business.id, input.resource_id)
        .await?;
    let now = state.now();
    let expires_at = now.add_secs(i64::from(state.config.staff_invitation_days) * 86_400);
    let member = StaffMember {
        id: Uuid::new_v4(),
        business_id: business.id.0,
        resource_id: resource.id.0,
        email: email.clone(),
        name,
        locale: locale.to_owned(),
        user_id: None,
        invited_by: session.0.user_id,
        invited_at: now,
        expires_at,
        accepted_at: None,
        revoked_at: None,
    };
    let (token, hash) = new_opaque_token();
    let zone = business.time_zone.0;
    let message = OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: format!("staff_invitation:{}", member.id),
        kind: "staff_invitation".into(),
        channel: rdv_storage::notifications::Channel::Email,
        recipient: email,
        payload: json!({
            "locale": locale,
            "token": token,
            "link": format!("{}/invitation?token={token}", state.config.links_base()),
            "business_name": business.name,
            "staff_name": member.name,
            "resource_name": resource.name,
            "expires_local": expires_at.to_utc().with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string(),
            "time_zone": zone.name(),
        }),
        created_at: now,
    };
    match state
        .store()
        .invite_staff(&member, &hash, &[message])
        .await?
    {
        InviteOutcome::Invited => Ok((
            StatusCode::CREATED,
            axum::Json(StaffMemberOut::new(&member, now)),
        )),
        InviteOutcome::EmailTaken => Err(ApiError::new(
            HttpCode::EmailTaken,
            "an account already uses this email; invite another address",
        )),
        InviteOutcome::AlreadyInvited => Err(ApiError::new(
            HttpCode::StaffAlreadyInvited,
            "this email already has an open invitation or membership in the business",
        )),
        InviteOutcome::ResourceTaken => Err(ApiError::new(
            HttpCode::ResourceHasStaff,
            "this resource already has a staff member or an open invitation; revoke it first",
        )),
    }
}

/// The business's staff members: open and expired invitations and active members first, then
/// revoked ones, each newest first.
#[utoipa::path(get, path = "/api/entreprise/equipe/", tag = "entreprise",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The team", body = Vec<StaffMemberOut>),
        (status = 404, description = "NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn list_staff(
    State(state): State<AppState>,
    session: OwnerSession,
) -> ApiResult<Json<Vec<StaffMemberOut>>> {
    let business = my_business(&state, &session).await?;
    let now = state.now();
    let members = state.store().list_staff(business.id.0).await?;
    Ok(axum::Json(
        members
            .iter()
            .map(|m| StaffMemberOut::new(m, now))
            .collect(),
    ))
}

/// Revokes a staff member or an invitation: the invitation stops working, the account is
/// deleted and its sessions end at once (their next request answers 401). The member stays
/// listed as `revoked`; the email and the resource may be invited again. Revoking twice
/// answers the same.
#[utoipa::path(delete, path = "/api/entreprise/equipe/{id}/", tag = "entreprise",
    security(("bearer" = [])),
    params(("id" = uuid::Uuid, Path, description = "Staff member id")),
    responses(
        (status = 200, description = "Revoked", body = StaffMemberOut),
        (status = 404, description = "STAFF_MEMBER_NOT_FOUND; NO_BUSINESS", body = crate::error::Problem),
    ))]
pub async fn revoke_staff(
    State(state): State<AppState>,
    session: OwnerSession,
    ApiPath(id): ApiPath<Uuid>,
) -> ApiResult<Json<StaffMemberOut>> {
    let business = my_business(&state, &session).await?;
    let now = state.now();
    let member = state
        .store()
        .revoke_staff(business.id.0, id, now)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                HttpCode::StaffMemberNotFound,
                "no staff member of your business has this id",
            )
        })?;
    Ok(axum::Json(StaffMemberOut::new(&member, now)))
}
