//! Rate limiters per client IP (whole API, auth routes), per account and per sign-in email
//! (VAL-3).

use std::num::NonZeroU32;

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use rdv_core::Uuid;

use crate::config::Config;
use crate::error::ApiError;

/// Rate limiters per client IP (whole API, auth routes) and per account (VAL-3).
pub struct Limits {
    ip: DefaultKeyedRateLimiter<std::net::IpAddr>,
    auth_ip: DefaultKeyedRateLimiter<std::net::IpAddr>,
    account: DefaultKeyedRateLimiter<Uuid>,
    login: DefaultKeyedRateLimiter<String>,
}

impl std::fmt::Debug for Limits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limits").finish_non_exhaustive()
    }
}

fn per_minute(n: u32) -> Quota {
    Quota::per_minute(NonZeroU32::new(n.max(1)).expect("at least one"))
}

fn check<K: Clone + std::hash::Hash + Eq>(
    limiter: &DefaultKeyedRateLimiter<K>,
    key: &K,
) -> Result<(), ApiError> {
    limiter.check_key(key).map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        ApiError::rate_limited(wait.as_secs() + 1)
    })
}

impl Limits {
    /// Limiters with the configured quotas.
    pub fn new(config: &Config) -> Self {
        Self {
            ip: DefaultKeyedRateLimiter::keyed(per_minute(config.rate_limit_per_minute)),
            auth_ip: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_rate_limit_per_minute)),
            account: DefaultKeyedRateLimiter::keyed(per_minute(
                config.account_rate_limit_per_minute,
            )),
            login: DefaultKeyedRateLimiter::keyed(per_minute(config.auth_rate_limit_per_minute)),
        }
    }

    /// One request from `ip` (auth routes count twice: once in each budget).
    pub fn check_ip(&self, ip: std::net::IpAddr, auth_route: bool) -> Result<(), ApiError> {
        check(&self.ip, &ip)?;
        if auth_route {
            check(&self.auth_ip, &ip)?;
        }
        Ok(())
    }

    /// One sign-in attempt for an account (whatever the client's address).
    pub fn check_login(&self, email: &str) -> Result<(), ApiError> {
        check(&self.login, &email.to_owned())
    }

    /// Forgets idle keys (called periodically so memory stays bounded).
    pub fn prune(&self) {
        self.ip.retain_recent();
        self.auth_ip.retain_recent();
        self.account.retain_recent();
        self.login.retain_recent();
    }

    /// One request from a signed-in account.
    pub fn check_account(&self, user: Uuid) -> Result<(), ApiError> {
        check(&self.account, &user)
    }
}
