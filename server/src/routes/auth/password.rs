//! Password change (signed in) and reset (by a single-use token sent by email).

use super::*;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(password_change))
        .routes(routes!(password_reset))
        .routes(routes!(password_reset_confirm))
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

/// Asks for a password reset email. The answer is the same whether or not the account exists;
/// an address that is not one (no `@`, no domain…) is refused, as on every other form.
#[utoipa::path(post, path = "/api/auth/password-reset/", tag = "auth",
    request_body = EmailRequest,
    responses(
        (status = 202, description = "Accepted", body = Ack),
        (status = 422, description = "VALIDATION_FAILED (email: not an email address)", body = crate::error::Problem),
    ))]
pub async fn password_reset(
    State(state): State<AppState>,
    ApiJson(input): ApiJson<EmailRequest>,
) -> ApiResult<(StatusCode, Json<Ack>)> {
    // A malformed address is no account's: refusing it says nothing about who has one.
    let email = crate::auth::account_email("email", &input.email)?;
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
        let link = format!(
            "{}/reset-password?token={token}",
            state2.config.links_base()
        );
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
