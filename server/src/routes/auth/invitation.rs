//! A staff member accepts the owner's invitation (`/api/entreprise/equipe/`): the token of
//! the email and a password create the account (role `staff`, its email verified by the link)
//! and sign it in.

use rdv_storage::staff::{AcceptOutcome, StaffStatus, StaffStore as _};

use super::*;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(accept_invitation))
}

/// Accepting a staff invitation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvitationAcceptance {
    /// The token of the invitation's link.
    pub token: String,
    /// The account's password: 8 to 256 characters, used exactly as typed.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
}

/// Accepts a staff invitation: creates the staff account with the invitation's email and
/// this password, and signs it in. The link works once.
#[utoipa::path(post, path = "/api/auth/invitation/accepter/", tag = "auth",
    request_body = InvitationAcceptance,
    responses(
        (status = 200, description = "Accepted and signed in", body = TokenPair),
        (status = 400, description = "INVALID_ONE_TIME_TOKEN (unknown or revoked invitation)", body = crate::error::Problem),
        (status = 409, description = "INVITATION_USED, EMAIL_TAKEN (an account took the email since)", body = crate::error::Problem),
        (status = 410, description = "INVITATION_EXPIRED", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (password: too_short, too_long, too_common)", body = crate::error::Problem),
        (status = 429, description = "RATE_LIMITED", body = crate::error::Problem),
    ))]
pub async fn accept_invitation(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<InvitationAcceptance>,
) -> ApiResult<Json<TokenPair>> {
    let hash = hash_token(&input.token);
    let now = state.now();
    let member = state
        .store()
        .staff_invitation(&hash)
        .await?
        .ok_or_else(invalid_one_time_token)?;
    match member.status(now) {
        StaffStatus::Invited => {}
        StaffStatus::Revoked => return Err(invalid_one_time_token()),
        StaffStatus::Active => return Err(used()),
        StaffStatus::Expired => return Err(expired()),
    }
    check_password_policy("password", &input.password, &member.email)?;
    let user = User {
        id: Uuid::new_v4(),
        email: member.email.clone(),
        password_hash: hash_password(input.password).await?,
        role: Role::Staff,
        locale: member.locale.clone(),
        email_verified_at: Some(now),
        created_at: now,
        password_changed_at: now,
    };
    match state
        .store()
        .accept_staff_invitation(&hash, &user, now)
        .await?
    {
        AcceptOutcome::Accepted(_) => {
            Ok(axum::Json(issue_pair(&state, &user, Uuid::new_v4()).await?))
        }
        AcceptOutcome::Unknown | AcceptOutcome::Revoked => Err(invalid_one_time_token()),
        AcceptOutcome::Used => Err(used()),
        AcceptOutcome::Expired => Err(expired()),
        AcceptOutcome::EmailTaken => Err(ApiError::new(
            HttpCode::EmailTaken,
            "an account took this email since the invitation; ask for another invitation",
        )),
    }
}

fn used() -> ApiError {
    ApiError::new(
        HttpCode::InvitationUsed,
        "this invitation was already accepted; sign in with its email",
    )
}

fn expired() -> ApiError {
    ApiError::new(
        HttpCode::InvitationExpired,
        "this invitation has expired; ask the business to invite you again",
    )
}
