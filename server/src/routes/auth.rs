//! `/api/auth/`: registration, email verification, login, token refresh, logout, password
//! change and reset (AUTH-1..5).
//!
//! Messages for verification and reset are written to the outbox in the same transaction as
//! their token. A reset request answers the same way, and after the same work, whether or not
//! the email exists: the database write happens after the answer.

use axum::extract::State;
use axum::http::StatusCode;
use rdv_core::model::{Address, ClientId};
use rdv_core::usecases::ClientProfileInput;
use rdv_core::{Timestamp, Uuid};
use rdv_storage::accounts::{
    AccountStore, OneTimeToken, OutboxMessage, RefreshOutcome, RefreshToken, Role, TokenPurpose,
    User,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{Ack, ApiJson, Json};
use crate::auth::{
    Session, check_password_policy, hash_password, hash_token, new_opaque_token, verify_password,
};
use crate::error::{ApiError, ApiResult, HttpCode};
use crate::state::{AppState, Inner};

/// The routes of this module.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
        .routes(routes!(password_change))
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
}

/// Who may register through the API (administrators are created by the CLI).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegisterRole {
    /// Books appointments.
    Client,
    /// Runs a business.
    Owner,
}

/// Registration form.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "jeanne@example.com", "password": "correct horse battery",
    "role": "client", "first_name": "Jeanne", "last_name": "Dupont", "phone": "06 12 34 56 78",
    "locale": "fr"}))]
pub struct RegisterRequest {
    /// Email, the login name.
    pub email: String,
    /// 8 to 256 characters, used exactly as typed.
    pub password: String,
    /// `client` or `owner`.
    pub role: RegisterRole,
    /// First name (required for clients).
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (required for clients).
    #[serde(default)]
    pub last_name: Option<String>,
    /// Phone, any common notation (clients).
    #[serde(default)]
    pub phone: Option<String>,
    /// Postal address (clients).
    #[serde(default)]
    pub address: Option<Address>,
    /// `en` or `fr` (default `en`).
    #[serde(default)]
    pub locale: Option<String>,
}

/// A user as the API shows it to themself.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct UserOut {
    /// Identifier (for a client, also the client profile's id).
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Role.
    #[schema(value_type = String, example = "client")]
    pub role: Role,
    /// Preferred language.
    pub locale: String,
    /// Whether the email is verified.
    pub email_verified: bool,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            role: u.role,
            locale: u.locale.clone(),
            email_verified: u.email_verified_at.is_some(),
        }
    }
}

/// Access and refresh tokens.
#[derive(Serialize, Deserialize, utoipa::ToSchema)]
pub struct TokenPair {
    /// Short-lived JWT for the `Authorization: Bearer` header.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// Opaque, single-use token for `/api/auth/token/refresh/`.
    pub refresh_token: String,
    /// The signed-in user.
    pub user: UserOut,
}

/// A single-use token from an email.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// The token.
    pub token: String,
}

/// An email address.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmailRequest {
    /// The email.
    pub email: String,
}

/// Sign-in form.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"email": "jeanne@example.com", "password": "correct horse battery"}))]
pub struct LoginRequest {
    /// Email.
    pub email: String,
    /// Password.
    pub password: String,
}

/// A refresh token.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token.
    pub refresh_token: String,
}

/// Logout form.
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LogoutRequest {
    /// The session's refresh token (its family is revoked too).
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Password change form.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// Password reset confirmation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the email.
    pub token: String,
    /// The new password.
    pub new_password: String,
}

fn locale_of(requested: Option<&str>) -> String {
    match requested {
        Some("fr") => "fr".into(),
        _ => "en".into(),
    }
}

fn message(
    kind: &str,
    user: &User,
    dedup: &str,
    payload: serde_json::Value,
    now: Timestamp,
) -> OutboxMessage {
    OutboxMessage {
        id: Uuid::new_v4(),
        dedup_key: format!("{kind}:{dedup}"),
        kind: kind.to_owned(),
        channel: rdv_storage::notifications::Channel::Email,
        recipient: user.email.clone(),
        payload,
        created_at: now,
    }
}

/// A verification token and the message carrying it.
fn verification_for(state: &Inner, user: &User, now: Timestamp) -> (OneTimeToken, OutboxMessage) {
    let (token, hash) = new_opaque_token();
    let expires = now.add_secs(i64::from(state.config.email_verification_hours) * 3600);
    let link = format!("{}/verify-email?token={token}", state.config.public_url);
    let m = message(
        "email_verification",
        user,
        &hash,
        json!({ "locale": user.locale, "token": token, "link": link, "expires_at": expires,
            "expires_hours": state.config.email_verification_hours }),
        now,
    );
    (
        OneTimeToken {
            token_hash: hash,
            user_id: user.id,
            purpose: TokenPurpose::EmailVerification,
            created_at: now,
            expires_at: expires,
        },
        m,
    )
}

/// Registers a client or a business owner; sends a verification email (through the outbox).
#[utoipa::path(post, path = "/api/auth/register/", tag = "auth",
    request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered; verify the email before signing in", body = UserOut),
        (status = 409, description = "EMAIL_TAKEN", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED (per-field errors)", body = crate::error::Problem),
    ))]
pub async fn register(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<RegisterRequest>,
) -> ApiResult<(StatusCode, Json<UserOut>)> {
    let email = crate::auth::account_email("email", &input.email)?;
    check_password_policy("password", &input.password, &email)?;
    let id = Uuid::new_v4();
    let profile = match input.role {
        RegisterRole::Client => Some(
            ClientProfileInput {
                email: email.clone(),
                first_name: input.first_name.clone().unwrap_or_default(),
                last_name: input.last_name.clone().unwrap_or_default(),
                phone: input.phone.clone(),
                address: input.address.clone(),
            }
            .validate(ClientId::from_uuid(id))?,
        ),
        RegisterRole::Owner => None,
    };
    let now = state.now();
    let user = User {
        id,
        email,
        password_hash: hash_password(input.password).await?,
        role: match input.role {
            RegisterRole::Client => Role::Client,
            RegisterRole::Owner => Role::Owner,
        },
        locale: locale_of(input.locale.as_deref()),
        email_verified_at: None,
        created_at: now,
        password_changed_at: now,
    };
    let (token, m) = verification_for(&state, &user, now);
    if !state.store().create_user(&user, Some(&token), &[m]).await? {
        return Err(ApiError::new(
            HttpCode::EmailTaken,
            "an account with this email exists; sign in or reset the password",
        ));
    }
    if let Some(profile) = profile {
        use rdv_core::ports::DirectoryStore as _;
        state.store().save_client(&profile).await?;
    }
    Ok((StatusCode::CREATED, axum::Json(UserOut::from(&user))))
}

/// Verifies an email with the token it received.
#[utoipa::path(post, path = "/api/auth/verify-email/", tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "Verified", body = Ack),
        (status = 400, description = "INVALID_ONE_TIME_TOKEN", body = crate::error::Problem),
    ))]
pub async fn verify_email(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<TokenRequest>,
) -> ApiResult<Json<Ack>> {
    let now = state.now();
    let user = state
        .store()
        .consume_one_time_token(
            &hash_token(&input.token),
            TokenPurpose::EmailVerification,
            now,
        )
        .await?
        .ok_or_else(invalid_one_time_token)?;
    state.store().mark_email_verified(user, now).await?;
    Ok(Ack::new("verified"))
}

fn invalid_one_time_token() -> ApiError {
    ApiError::new(
        HttpCode::InvalidOneTimeToken,
        "this link is unknown, already used or expired; ask for a new one",
    )
}

/// Sends a new verification email (same answer whether or not the account exists).
#[utoipa::path(post, path = "/api/auth/verify-email/resend/", tag = "auth",
    request_body = EmailRequest,
    responses((status = 202, description = "Accepted", body = Ack)))]
pub async fn resend_verification(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<EmailRequest>,
) -> ApiResult<(StatusCode, Json<Ack>)> {
    let email = crate::auth::account_email("email", &input.email)?;
    let state2 = state.clone();
    tokio::spawn(async move {
        let now = state2.now();
        let Ok(Some(user)) = state2.store().user_by_email(&email).await else {
            return;
        };
        if user.email_verified_at.is_some() {
            return;
        }
        let (token, m) = verification_for(&state2, &user, now);
        let limit = Some((state2.config.password_resets_per_hour, now.add_secs(-3600)));
        match state2
            .store()
            .issue_one_time_token(&token, &[m], limit)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(user_id = %user.id, "verification email limit reached"),
            Err(e) => tracing::error!(error = %e, "could not queue a verification email"),
        }
    });
    Ok((StatusCode::ACCEPTED, Ack::new("accepted")))
}

async fn issue_pair(state: &Inner, user: &User, family: Uuid) -> ApiResult<TokenPair> {
    let now = state.now();
    let (refresh, hash) = new_opaque_token();
    state
        .store()
        .insert_refresh_token(&RefreshToken {
            token_hash: hash,
            family_id: family,
            user_id: user.id,
            created_at: now,
            expires_at: now.add_secs(i64::from(state.config.refresh_token_days) * 86_400),
        })
        .await?;
    Ok(TokenPair {
        access_token: state.tokens.issue(user.id, user.role, family, now),
        token_type: "Bearer".into(),
        expires_in: state.tokens.lifetime_secs,
        refresh_token: refresh,
        user: UserOut::from(user),
    })
}

fn invalid_credentials() -> ApiError {
    ApiError::new(HttpCode::InvalidCredentials, "wrong email or password")
}

/// Signs in with email and password.
#[utoipa::path(post, path = "/api/auth/login/", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenPair),
        (status = 401, description = "INVALID_CREDENTIALS", body = crate::error::Problem),
        (status = 403, description = "EMAIL_NOT_VERIFIED", body = crate::error::Problem),
        (status = 429, description = "RATE_LIMITED", body = crate::error::Problem),
    ))]
pub async fn login(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<LoginRequest>,
) -> ApiResult<Json<TokenPair>> {
    let email =
        crate::auth::account_email("email", &input.email).map_err(|_| invalid_credentials())?;
    // Guessing one account's password from many addresses is limited per account too.
    state.limits.check_login(&email)?;
    let user = state.store().user_by_email(&email).await?;
    let phc = user
        .as_ref()
        .map_or_else(|| state.decoy_hash.clone(), |u| u.password_hash.clone());
    let matches = verify_password(input.password, phc).await?;
    let user = match user {
        Some(u) if matches => u,
        _ => return Err(invalid_credentials()),
    };
    if user.email_verified_at.is_none() {
        return Err(ApiError::new(
            HttpCode::EmailNotVerified,
            "verify your email first (see /api/auth/verify-email/resend/)",
        ));
    }
    Ok(axum::Json(issue_pair(&state, &user, Uuid::new_v4()).await?))
}

/// Trades a refresh token for a new pair. Each refresh token works once; presenting a spent
/// one revokes every token of its login.
#[utoipa::path(post, path = "/api/auth/token/refresh/", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenPair),
        (status = 401, description = "INVALID_REFRESH_TOKEN or REFRESH_TOKEN_REUSED", body = crate::error::Problem),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<RefreshRequest>,
) -> ApiResult<Json<TokenPair>> {
    let now = state.now();
    let (new_token, new_hash) = new_opaque_token();
    let expires = now.add_secs(i64::from(state.config.refresh_token_days) * 86_400);
    let outcome = state
        .store()
        .rotate_refresh_token(&hash_token(&input.refresh_token), &new_hash, now, expires)
        .await?;
    match outcome {
        RefreshOutcome::Rotated { user_id, family_id } => {
            let user = state
                .store()
                .user_by_id(user_id)
                .await?
                .ok_or_else(|| ApiError::internal("refresh token of a missing user"))?;
            Ok(axum::Json(TokenPair {
                access_token: state.tokens.issue(user.id, user.role, family_id, now),
                token_type: "Bearer".into(),
                expires_in: state.tokens.lifetime_secs,
                refresh_token: new_token,
                user: UserOut::from(&user),
            }))
        }
        RefreshOutcome::Reused => {
            tracing::warn!("refresh token reuse detected; family revoked");
            Err(ApiError::new(
                HttpCode::RefreshTokenReused,
                "this refresh token was already used; every session of this login is ended",
            ))
        }
        RefreshOutcome::Invalid => Err(ApiError::new(
            HttpCode::InvalidRefreshToken,
            "unknown, expired or revoked refresh token",
        )),
    }
}

/// Ends the session: the access token is refused from now on and the login's refresh tokens
/// are revoked.
#[utoipa::path(post, path = "/api/auth/logout/", tag = "auth",
    request_body = LogoutRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed out", body = Ack),
        (status = 401, description = "UNAUTHENTICATED or INVALID_TOKEN", body = crate::error::Problem),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    body: axum::body::Bytes,
) -> ApiResult<Json<Ack>> {
    // The body is optional: a bare POST signs out too.
    let input: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::new(HttpCode::InvalidBody, e.to_string()))?
    };
    let now = state.now();
    if let Some(family) = session.family() {
        state
            .store()
            .revoke_family(session.user_id, family, now)
            .await?;
    }
    state
        .store()
        .revoke_access_token(
            &session.claims.jti,
            Timestamp::from_secs(session.claims.exp),
        )
        .await?;
    if let Some(token) = input.refresh_token {
        state
            .store()
            .revoke_refresh_family(&hash_token(&token), now)
            .await?;
    }
    Ok(Ack::new("signed_out"))
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/auth/me/", tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The user", body = UserOut),
        (status = 401, description = "UNAUTHENTICATED or INVALID_TOKEN", body = crate::error::Problem),
    ))]
pub async fn me(State(state): State<AppState>, session: Session) -> ApiResult<Json<UserOut>> {
    let user = state
        .store()
        .user_by_id(session.user_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    Ok(axum::Json(UserOut::from(&user)))
}

/// Changes the password (the current one is required). Every other session ends; the answer
/// carries fresh tokens for this one.
#[utoipa::path(post, path = "/api/auth/password-change/", tag = "auth",
    request_body = PasswordChangeRequest,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed; fresh tokens", body = TokenPair),
        (status = 401, description = "INVALID_CREDENTIALS (wrong current password)", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn password_change(
    State(state): State<AppState>,
    session: Session,
    ApiJson(input): ApiJson<PasswordChangeRequest>,
) -> ApiResult<Json<TokenPair>> {
    let user = state
        .store()
        .user_by_id(session.user_id)
        .await?
        .ok_or_else(ApiError::unauthenticated)?;
    if !verify_password(input.current_password, user.password_hash.clone()).await? {
        return Err(invalid_credentials());
    }
    check_password_policy("new_password", &input.new_password, &user.email)?;
    let hash = hash_password(input.new_password).await?;
    let now = state.now();
    // Every login's refresh tokens die, this one's too (its old refresh token may have been
    // stolen with it); access tokens issued before now are refused. The caller continues with
    // a new login.
    state
        .store()
        .set_password(user.id, &hash, now, None)
        .await?;
    Ok(axum::Json(issue_pair(&state, &user, Uuid::new_v4()).await?))
}

/// Asks for a password reset email. The answer is the same whether or not the account exists.
#[utoipa::path(post, path = "/api/auth/password-reset/", tag = "auth",
    request_body = EmailRequest,
    responses((status = 202, description = "Accepted", body = Ack)))]
pub async fn password_reset(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<EmailRequest>,
) -> ApiResult<(StatusCode, Json<Ack>)> {
    let Ok(email) = crate::auth::account_email("email", &input.email) else {
        return Ok((StatusCode::ACCEPTED, Ack::new("accepted")));
    };
    // The token is drawn either way; the lookup and write run after the answer, so timing
    // says nothing about the account.
    let (token, hash) = new_opaque_token();
    let state2 = state.clone();
    tokio::spawn(async move {
        let now = state2.now();
        let Ok(Some(user)) = state2.store().user_by_email(&email).await else {
            return;
        };
        let expires = now.add_secs(i64::from(state2.config.password_reset_minutes) * 60);
        let link = format!("{}/reset-password?token={token}", state2.config.public_url);
        let m = message(
            "password_reset",
            &user,
            &hash,
            json!({ "locale": user.locale, "token": token, "link": link, "expires_at": expires,
                "expires_minutes": state2.config.password_reset_minutes }),
            now,
        );
        let record = OneTimeToken {
            token_hash: hash,
            user_id: user.id,
            purpose: TokenPurpose::PasswordReset,
            created_at: now,
            expires_at: expires,
        };
        let limit = Some((state2.config.password_resets_per_hour, now.add_secs(-3600)));
        match state2
            .store()
            .issue_one_time_token(&record, &[m], limit)
            .await
        {
            Ok(true) => {}
            Ok(false) => tracing::warn!(user_id = %user.id, "password reset limit reached"),
            Err(e) => tracing::error!(error = %e, "could not queue a password reset email"),
        }
    });
    Ok((StatusCode::ACCEPTED, Ack::new("accepted")))
}

/// Sets a new password with the token from the reset email; every session ends.
#[utoipa::path(post, path = "/api/auth/password-reset/confirm/", tag = "auth",
    request_body = PasswordResetConfirm,
    responses(
        (status = 200, description = "Password set; sign in again", body = Ack),
        (status = 400, description = "INVALID_ONE_TIME_TOKEN", body = crate::error::Problem),
        (status = 422, description = "VALIDATION_FAILED", body = crate::error::Problem),
    ))]
pub async fn password_reset_confirm(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<PasswordResetConfirm>,
) -> ApiResult<Json<Ack>> {
    let now = state.now();
    // Checked before spending the token, so a refused password does not burn the link.
    check_password_policy("new_password", &input.new_password, "")?;
    let user_id = state
        .store()
        .consume_one_time_token(&hash_token(&input.token), TokenPurpose::PasswordReset, now)
        .await?
        .ok_or_else(invalid_one_time_token)?;
    let user = state
        .store()
        .user_by_id(user_id)
        .await?
        .ok_or_else(invalid_one_time_token)?;
    check_password_policy("new_password", &input.new_password, &user.email)?;
    let hash = hash_password(input.new_password).await?;
    state
        .store()
        .set_password(user.id, &hash, now, None)
        .await?;
    // Proving control of the mailbox also verifies it.
    state.store().mark_email_verified(user.id, now).await?;
    Ok(Ack::new("password_set"))
}
