//! Sessions: login, token refresh (rotation with reuse detection), logout, the current user.

use super::*;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(login))
        .routes(routes!(refresh))
        .routes(routes!(logout))
        .routes(routes!(me))
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
    request_body = Option<LogoutRequest>,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Signed out", body = Ack),
        (status = 401, description = "UNAUTHENTICATED or INVALID_TOKEN", body = crate::error::Problem),
    ))]
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<Ack>> {
    // Over the body limit answers in the API's format too.
    let body = body.map_err(|e| {
        let code = if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            HttpCode::PayloadTooLarge
        } else {
            HttpCode::MalformedJson
        };
        ApiError::new(code, e.body_text())
    })?;
    // The body is optional: a bare POST signs out too, and so does a JSON `null`, which the
    // document allows (`LogoutRequest` or `null`).
    let input: LogoutRequest = if body.iter().all(u8::is_ascii_whitespace) {
        LogoutRequest::default()
    } else {
        serde_json::from_slice::<Option<LogoutRequest>>(&body)
            .map_err(|e| {
                let code = if e.is_syntax() || e.is_eof() {
                    HttpCode::MalformedJson
                } else {
                    HttpCode::InvalidBody
                };
                ApiError::new(code, e.to_string())
            })?
            .unwrap_or_default()
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
