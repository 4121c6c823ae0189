//! Authentication (AUTH-1..5): argon2id password hashes computed off the async runtime, a
//! password policy, short-lived HS256 access tokens with a fixed algorithm list and required
//! claims, opaque refresh tokens and single-use tokens stored only as SHA-256 hashes, and the
//! extractors that turn a bearer token into a checked session of a given role.

use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use base64::Engine as _;
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use rdv_core::{Timestamp, Uuid};
use rdv_storage::AnyStore;
use rdv_storage::accounts::{AccountStore, Role};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, HttpCode};

/// Fills `out` with bytes from a CSPRNG seeded by the operating system.
pub fn random_bytes(out: &mut [u8]) {
    rand::fill(out);
}

/// A new opaque token (256 bits, URL-safe base64) and its SHA-256 hash (what is stored).
pub fn new_opaque_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    random_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_token(&token);
    (token, hash)
}

/// SHA-256 of a token, hex: tokens are stored only in this form.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The account key of an email: the core's normalisation, then lower case throughout, so
/// `Ana@Example.com` and `ana@example.com` are one account.
pub fn account_email(field: &str, raw: &str) -> Result<String, ApiError> {
    Ok(rdv_core::validation::normalize_email(field, raw)?.to_lowercase())
}

// ------------------------------------------------------------------------------------------
// Passwords

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (anything up to it is used exactly as typed).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Passwords refused whatever their length: the most common choices and keyboard walks.
const COMMON_PASSWORDS: &[&str] = &[
    "password",
    "password1",
    "password12",
    "password123",
    "passw0rd",
    "p@ssw0rd",
    "p@ssword",
    "12345678",
    "123456789",
    "1234567890",
    "0123456789",
    "87654321",
    "11111111",
    "00000000",
    "12341234",
    "11223344",
    "123123123",
    "qwertyuiop",
    "qwerty123",
    "qwerty12",
    "qwertyui",
    "azertyuiop",
    "azerty123",
    "azerty12",
    "motdepasse",
    "motdepasse1",
    "iloveyou",
    "iloveyou1",
    "sunshine",
    "princess",
    "football",
    "baseball",
    "welcome1",
    "welcome123",
    "letmein1",
    "letmein123",
    "trustno1",
    "superman",
    "batman123",
    "dragon123",
    "monkey123",
    "abc12345",
    "abcd1234",
    "abcdefgh",
    "aaaaaaaa",
    "1q2w3e4r",
    "1q2w3e4r5t",
    "zaq12wsx",
    "qazwsxedc",
    "q1w2e3r4",
    "asdfghjkl",
    "changeme",
    "changeme1",
    "administrator",
    "admin123",
    "admin1234",
    "bonjour1",
    "soleil123",
    "chocolat",
    "doudou123",
    "loveyou1",
    "starwars",
    "whatever",
    "freedom1",
    "computer",
    "internet",
    "michelle",
    "jennifer",
    "nicolas1",
    "marseille",
];

/// Checks a new password: length, not a common password, not the email or its local part.
pub fn check_password_policy(field: &str, password: &str, email: &str) -> Result<(), ApiError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(ApiError::field(
            field,
            "too_short",
            format!("{field} must have at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(ApiError::field(
            field,
            "too_long",
            format!("{field} must have at most {MAX_PASSWORD_CHARS} characters"),
        ));
    }
    let lower = password.to_lowercase();
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    let first = password.chars().next();
    let one_char = password.chars().all(|c| Some(c) == first);
    if COMMON_PASSWORDS.contains(&lower.as_str())
        || one_char
        || lower == email.to_lowercase()
        || (!local.is_empty() && lower == local)
    {
        return Err(ApiError::field(
            field,
            "too_common",
            format!("{field} is too easy to guess; choose another"),
        ));
    }
    Ok(())
}

fn argon2() -> Argon2<'static> {
    // OWASP's argon2id minimum: 19 MiB, 2 passes, 1 lane.
    let params = Params::new(19_456, 2, 1, None).expect("static argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// At most this many argon2 computations at once (19 MiB each): more would only queue on the
/// two cores and grow memory.
static ARGON2_SLOTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);

/// Hashes a password with argon2id on the blocking pool (never on the async workers).
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("argon2 semaphore: {e}")))?;
    tokio::task::spawn_blocking(move || {
        argon2()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| ApiError::internal(format!("argon2 hash: {e}")))
    })
    .await
    .map_err(|e| ApiError::internal(format!("argon2 task: {e}")))?
}

/// Checks a password against a stored PHC string on the blocking pool.
pub async fn verify_password(password: String, phc: String) -> Result<bool, ApiError> {
    let _slot = ARGON2_SLOTS
        .acquire()
        .await
        .map_err(|e| ApiError::internal(format!("argon2 semaphore: {e}")))?;
    tokio::task::spawn_blocking(move || {
        match argon2().verify_password(password.as_bytes(), phc.as_str()) {
            Ok(()) => Ok(true),
            Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
            Err(e) => Err(ApiError::internal(format!("argon2 verify: {e}"))),
        }
    })
    .await
    .map_err(|e| ApiError::internal(format!("argon2 task: {e}")))?
}

// ------------------------------------------------------------------------------------------
// Access tokens

/// Claims of an access token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issue time.
    pub iat: i64,
    /// Unique id (the logout denylist key).
    pub jti: String,
    /// The user's role.
    pub role: Role,
    /// The login (refresh token family) this token belongs to.
    pub sid: String,
}

/// Keys and checks of access tokens.
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
    /// Lifetime in seconds.
    pub lifetime_secs: i64,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys").finish_non_exhaustive()
    }
}

impl TokenKeys {
    /// Keys from the configured secret (at least 32 bytes, checked by the config).
    pub fn new(secret: &[u8], issuer: &str, audience: &str, lifetime_secs: i64) -> Self {
        // Exactly one algorithm; `exp`, `iss`, `aud` and `sub` required; 5 s of clock skew.
        let mut validation = Validation::new(jsonwebtoken::Algorithm::HS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        // Expiry is checked against the server's clock in `verify` (the injected clock, so
        // tests that move time see tokens expire or stay valid consistently).
        validation.leeway = 5;
        validation.validate_exp = false;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            lifetime_secs,
        }
    }

    /// Signs an access token for a user and session.
    pub fn issue(&self, user: Uuid, role: Role, session: Uuid, now: Timestamp) -> String {
        let claims = Claims {
            sub: user.to_string(),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            exp: now.secs() + self.lifetime_secs,
            iat: now.secs(),
            jti: Uuid::new_v4().to_string(),
            role,
            sid: session.to_string(),
        };
        jsonwebtoken::encode(
            &Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &self.encoding,
        )
        .expect("HS256 signing of serialisable claims cannot fail")
    }

    /// Verifies signature, algorithm and claims, and that the token has not expired at `now`
    /// (with the same 5 s of leeway).
    pub fn verify(&self, token: &str, now: Timestamp) -> Result<Claims, ApiError> {
        let claims = self.decode(token)?;
        if claims.exp + i64::try_from(self.validation.leeway).unwrap_or(0) < now.secs() {
            return Err(ApiError::new(
                HttpCode::InvalidToken,
                "the access token has expired",
            ));
        }
        Ok(claims)
    }

    fn decode(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                ApiError::new(
                    HttpCode::InvalidToken,
                    match e.kind() {
                        jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                            "the access token has expired"
                        }
                        _ => "the access token is not valid",
                    },
                )
            })
    }
}

// ------------------------------------------------------------------------------------------
// Extractors

/// What the session extractors need from the server's state (implemented by
/// `crate::state::AppState`; this module sits below the state and does not know it).
pub trait SessionCheck: Send + Sync {
    /// The access token keys.
    fn tokens(&self) -> &TokenKeys;
    /// Now, on the server's clock.
    fn now(&self) -> Timestamp;
    /// The store holding sessions.
    fn store(&self) -> &AnyStore;
    /// One request from a signed-in account (its rate limit).
    fn check_account(&self, user: Uuid) -> Result<(), ApiError>;
}

/// A checked session: the bearer token verified, not revoked, not older than the last
/// password change, the user still existing, and the account within its rate limit.
#[derive(Clone, Debug)]
pub struct Session {
    /// The user.
    pub user_id: Uuid,
    /// Their role.
    pub role: Role,
    /// The token's claims.
    pub claims: Claims,
}

impl Session {
    /// The session (refresh token family) id.
    pub fn family(&self) -> Option<Uuid> {
        self.claims.sid.parse().ok()
    }
}

fn invalid_token() -> ApiError {
    ApiError::new(HttpCode::InvalidToken, "the access token is not valid")
}

impl<S: SessionCheck> FromRequestParts<S> for Session {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let value = parts
            .headers
            .get(header::AUTHORIZATION)
            .ok_or_else(ApiError::unauthenticated)?;
        let token = value
            .to_str()
            .ok()
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(ApiError::unauthenticated)?;
        let claims = state.tokens().verify(token, state.now())?;
        let user_id: Uuid = claims.sub.parse().map_err(|_| invalid_token())?;
        let session = state
            .store()
            .session_state(user_id, &claims.jti, &claims.sid)
            .await?
            .ok_or_else(invalid_token)?;
        if session.revoked || claims.iat < session.password_changed_at.secs() {
            return Err(invalid_token());
        }
        crate::observe::set_user(&claims.sub);
        state.check_account(user_id)?;
        Ok(Session {
            user_id,
            role: claims.role,
            claims,
        })
    }
}

macro_rules! role_session {
    ($name:ident, $role:expr, $doc:literal) => {
        #[doc = $doc]
        #[derive(Clone, Debug)]
        pub struct $name(pub Session);

        impl<S: SessionCheck> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(
                parts: &mut Parts,
                state: &S,
            ) -> Result<Self, Self::Rejection> {
                let session = Session::from_request_parts(parts, state).await?;
                if session.role != $role {
                    return Err(ApiError::forbidden());
                }
                Ok($name(session))
            }
        }
    };
}

role_session!(ClientSession, Role::Client, "A session of a client.");
role_session!(OwnerSession, Role::Owner, "A session of a business owner.");
role_session!(AdminSession, Role::Admin, "A session of an administrator.");

/// A session of a business owner or of one of its staff members: the routes both may use
/// (reservations, calendar, statistics, the business's profile). What a staff member reaches
/// there is narrowed to their own resource by the route (`rdv_core::scope::Scope::Staff`).
#[derive(Clone, Debug)]
pub struct BusinessSession(pub Session);

impl<S: SessionCheck> FromRequestParts<S> for BusinessSession {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        if !matches!(session.role, Role::Owner | Role::Staff) {
            return Err(ApiError::forbidden());
        }
        Ok(BusinessSession(session))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_policy_names_the_field_and_the_rule() {
        let code = |pw: &str| {
            check_password_policy("password", pw, "jeanne.d@example.com")
                .err()
                .map(|e| format!("{e:?}"))
        };
        assert!(code("correct horse battery").is_none());
        assert!(code("short").unwrap().contains("too_short"));
        assert!(code(&"x".repeat(257)).unwrap().contains("too_long"));
        assert!(code("Password123").unwrap().contains("too_common"));
        assert!(code("zzzzzzzzzz").unwrap().contains("too_common"));
        assert!(code("jeanne.d").unwrap().contains("too_common"));
        // Exactly as typed: spaces and case matter, long passphrases pass.
        assert!(code(&"éa".repeat(100)).is_none());
    }

    #[test]
    fn opaque_tokens_are_long_random_and_stored_hashed() {
        let (a, ha) = new_opaque_token();
        let (b, hb) = new_opaque_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert_eq!(hash_token(&a), ha);
        assert_ne!(ha, hb);
        assert_eq!(ha.len(), 64);
    }

    #[test]
    fn access_tokens_round_trip_and_refuse_other_keys() {
        let keys = TokenKeys::new(&[7u8; 32], "rdv", "rdv-api", 900);
        let now = Timestamp::from_secs(jsonwebtoken::get_current_timestamp() as i64);
        let user = Uuid::new_v4();
        let token = keys.issue(user, Role::Owner, Uuid::new_v4(), now);
        let claims = keys.verify(&token, now).unwrap();
        assert_eq!(claims.sub, user.to_string());
        assert_eq!(claims.role, Role::Owner);
        assert!(
            keys.verify(&token, now.add_secs(904)).is_ok(),
            "within the leeway"
        );
        assert_eq!(
            keys.verify(&token, now.add_secs(906)).unwrap_err().code(),
            HttpCode::InvalidToken.as_str(),
            "expired on the server's clock"
        );
        let other = TokenKeys::new(&[8u8; 32], "rdv", "rdv-api", 900);
        assert_eq!(
            other.verify(&token, now).unwrap_err().code(),
            HttpCode::InvalidToken.as_str()
        );
    }
}
