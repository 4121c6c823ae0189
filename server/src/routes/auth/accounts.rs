//! Registration, email verification and its resend.

use super::*;

/// The routes of this file.
pub(super) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(verify_email))
        .routes(routes!(resend_verification))
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
