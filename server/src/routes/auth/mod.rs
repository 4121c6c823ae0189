//! `/api/auth/`: registration, email verification, login, token refresh, logout, password
//! change and reset (AUTH-1..5).
//!
//! Messages for verification and reset are written to the outbox in the same transaction as
//! their token. A reset request answers the same way, and after the same work, whether or not
//! the email exists: the database write happens after the answer.
//!
//! This file holds the bodies and the helpers the routes share; the routes are in
//! `accounts.rs` (registration, verification), `sessions.rs` (login, refresh, logout, me) and
//! `password.rs` (change, reset), `invitation.rs` (a staff member accepting an invitation).

mod accounts;
mod invitation;
mod password;
mod sessions;

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
        .merge(accounts::router())
        .merge(sessions::router())
        .merge(password::router())
        .merge(invitation::router())
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
    "address": {"street": "12 rue de la République", "postal_code": "69002", "city": "Lyon",
    "country": "FR"},
    "locale": "fr"}))]
pub struct RegisterRequest {
    /// Email, the login name: `local@domain.tld`, at most 254 characters (64 before the `@`),
    /// a top-level domain of letters.
    #[schema(
        max_length = 254,
        pattern = "^(?=[^@]{1,64}@)[!#-'*+\\-/-9=?A-Z^-~]+(?:\\.[!#-'*+\\-/-9=?A-Z^-~]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$"
    )]
    pub email: String,
    /// 8 to 256 characters, used exactly as typed.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// `client` or `owner`.
    pub role: RegisterRole,
    /// First name (required for clients).
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name (required for clients).
    #[serde(default)]
    pub last_name: Option<String>,
    /// Phone (clients): international form (`+33 6 12 34 56 78`), or national form
    /// (`06 12 34 56 78`) read with the address's country when that country writes numbers
    /// with a trunk 0 (France, Belgium, Switzerland, Germany, the UK…); stored as E.164.
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
    /// Email: `local@domain.tld`, at most 254 characters (64 before the `@`), a top-level
    /// domain of letters.
    #[schema(
        max_length = 254,
        pattern = "^(?=[^@]{1,64}@)[!#-'*+\\-/-9=?A-Z^-~]+(?:\\.[!#-'*+\\-/-9=?A-Z^-~]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)+[A-Za-z]{2,63}$"
    )]
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
    /// The new password: 8 to 256 characters, used exactly as typed.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

/// Password reset confirmation.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetConfirm {
    /// The token from the email.
    pub token: String,
    /// The new password: 8 to 256 characters, used exactly as typed.
    #[schema(min_length = 8, max_length = 256)]
    pub new_password: String,
}

pub(super) fn locale_of(requested: Option<&str>) -> String {
    match requested {
        Some("fr") => "fr".into(),
        _ => "en".into(),
    }
}

pub(super) fn message(
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
pub(super) fn verification_for(
    state: &Inner,
    user: &User,
    now: Timestamp,
) -> (OneTimeToken, OutboxMessage) {
    let (token, hash) = new_opaque_token();
    let expires = now.add_secs(i64::from(state.config.email_verification_hours) * 3600);
    let link = format!("{}/verify-email?token={token}", state.config.links_base());
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

pub(super) fn invalid_one_time_token() -> ApiError {
    ApiError::new(
        HttpCode::InvalidOneTimeToken,
        "this link is unknown, already used or expired; ask for a new one",
    )
}

pub(super) async fn issue_pair(state: &Inner, user: &User, family: Uuid) -> ApiResult<TokenPair> {
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

pub(super) fn invalid_credentials() -> ApiError {
    ApiError::new(HttpCode::InvalidCredentials, "wrong email or password")
}
