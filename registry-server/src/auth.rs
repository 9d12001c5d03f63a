//! Who is calling: API tokens, roles, and rate limits on failed authentication.
//!
//! Tokens are `mxr_` followed by 43 characters of URL-safe base64 (32 random bytes from the OS).
//! They are shown once when made; the registry keeps only their SHA-256, looks them up by it and
//! compares the stored hash again in constant time. A token can expire and be revoked; a disabled
//! member or organisation disables its tokens. Repeated failures from one client address (see
//! [`crate::client_addr`]) are answered with 429 for a while; a valid token is never refused
//! because of them.
//!
//! This module decides identity and role only; what a role may do to which resource is decided by
//! the route (see [`Caller::require_review`] and friends).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::client_addr::ClientAddr;
use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{parse_ts, Actor, Role};

/// Every token starts with this.
pub const TOKEN_PREFIX: &str = "mxr_";

/// A new token in the clear. `Debug` does not print it.
pub struct NewTokenSecret {
    pub token: String,
    pub sha256: String,
    /// What listings show: the prefix and the first 6 random characters.
    pub display_prefix: String,
}

impl std::fmt::Debug for NewTokenSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewTokenSecret")
            .field("display_prefix", &self.display_prefix)
            .finish_non_exhaustive()
    }
}

/// Makes a new random token.
pub fn generate_token() -> Result<NewTokenSecret, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes)?;
    let token = format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes));
    Ok(NewTokenSecret {
        sha256: hash_token(&token),
        display_prefix: token[..TOKEN_PREFIX.len() + 6].to_owned(),
        token,
    })
}

/// The stored form of a token: lowercase hex SHA-256.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// An authenticated caller (what `GET /api/v1/me` answers).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(as = Me)]
pub struct Caller {
    pub token_id: String,
    pub org_id: String,
    pub org_name: String,
    pub role: Role,
    pub member_id: Option<String>,
    /// The member's name, or the token's label.
    pub name: String,
}

impl Caller {
    /// The audit-log actor for this caller.
    pub fn actor(&self) -> Actor {
        Actor {
            kind: "token",
            id: self.token_id.clone(),
            org_id: Some(self.org_id.clone()),
            role: Some(self.role),
            name: self.name.clone(),
        }
    }

    /// Reviewers and admins.
    pub fn require_review(&self) -> Result<(), ApiError> {
        if self.role.can_review() {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs a reviewer or admin token; yours is a {} token",
                self.role
            )))
        }
    }

    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs an admin token; yours is a {} token",
                self.role
            )))
        }
    }

    pub fn require_vendor(&self) -> Result<(), ApiError> {
        if self.role == Role::Vendor {
            Ok(())
        } else {
            Err(ApiError::forbidden(format!(
                "this needs a vendor token; yours is a {} token",
                self.role
            )))
        }
    }

    /// May this caller see things that belong to `org_id`? Its own organisation, or a reviewer.
    pub fn require_org_or_review(&self, org_id: &str) -> Result<(), ApiError> {
        if self.role.can_review() || self.org_id == org_id {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this belongs to another organisation".to_owned(),
            ))
        }
    }
}

/// The caller of a request: anonymous (the public) or a token holder. A request with a bad token
/// is refused (401) rather than treated as anonymous.
#[derive(Debug, Clone)]
pub struct Auth(pub Option<Caller>);

impl Auth {
    /// The caller, or 401 for the public.
    pub fn caller(self) -> Result<Caller, ApiError> {
        self.0.ok_or_else(|| {
            ApiError::unauthenticated("this needs a token: send Authorization: Bearer TOKEN")
        })
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    /// A caller is required: the public gets 401 before the body is read.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Auth::from_request_parts(parts, state).await?.caller()
    }
}

/// A reviewer or admin (401 for the public, 403 for vendors, before the body is read).
#[derive(Debug, Clone)]
pub struct Reviewer(pub Caller);

impl FromRequestParts<AppState> for Reviewer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_review()?;
        Ok(Reviewer(caller))
    }
}

/// A vendor (401 for the public, 403 for other roles, before the body is read).
#[derive(Debug, Clone)]
pub struct Vendor(pub Caller);

impl FromRequestParts<AppState> for Vendor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_vendor()?;
        Ok(Vendor(caller))
    }
}

/// An admin (401 for the public, 403 for other roles, before the body is read).
#[derive(Debug, Clone)]
pub struct Admin(pub Caller);

impl FromRequestParts<AppState> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        caller.require_admin()?;
        Ok(Admin(caller))
    }
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Auth(None));
        };
        match authenticate(header.as_bytes(), state).await {
            Ok(caller) => Ok(Auth(Some(caller))),
            Err(e) if e.status == axum::http::StatusCode::UNAUTHORIZED => {
                let ip = ClientAddr::of(
                    &parts.headers,
                    &parts.extensions,
                    &state.config.trusted_proxies,
                );
                Err(state.auth_failures.refuse(ip, e))
            }
            Err(e) => Err(e),
        }
    }
}

async fn authenticate(header: &[u8], state: &AppState) -> Result<Caller, ApiError> {
    let header = std::str::from_utf8(header)
        .map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    let token = header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .map(str::trim)
        .ok_or_else(|| ApiError::unauthenticated("use Authorization: Bearer TOKEN"))?;
    caller_for_token(state, token).await
}

/// The caller a token in the clear authenticates as (the `Authorization` header, or the web
/// portal's sign-in form).
pub async fn caller_for_token(state: &AppState, token: &str) -> Result<Caller, ApiError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Err(ApiError::unauthenticated("not an mxcert registry token"));
    }
    caller_for_hash(state, &hash_token(token)).await
}

/// The caller whose token has this SHA-256, if the token is still valid: not revoked, not
/// expired, its member and organisation enabled. Web sessions call it on every request.
pub async fn caller_for_hash(state: &AppState, sha: &str) -> Result<Caller, ApiError> {
    let identity = state
        .store
        .token_by_hash(sha)
        .await?
        .ok_or_else(|| ApiError::unauthenticated("unknown token"))?;
    if !bool::from(identity.sha256.as_bytes().ct_eq(sha.as_bytes())) {
        return Err(ApiError::unauthenticated("unknown token"));
    }
    if identity.revoked_at.is_some() {
        return Err(ApiError::unauthenticated("this token was revoked"));
    }
    if let Some(expires) = &identity.expires_at {
        if parse_ts(expires)? <= chrono::Utc::now() {
            return Err(ApiError::unauthenticated(format!(
                "this token expired at {expires}"
            )));
        }
    }
    if let Err(e) = state.store.touch_token(&identity).await {
        // Bookkeeping only: a busy database must not refuse an otherwise valid request.
        tracing::warn!("recording the use of token {}: {e}", identity.token_id);
    }
    Ok(Caller {
        token_id: identity.token_id,
        org_id: identity.org_id,
        org_name: identity.org_name,
        role: identity.role,
        member_id: identity.member_id,
        name: identity.member_name.unwrap_or(identity.label),
    })
}

/// Counts failed authentications per client address in a fixed window; once the limit is
/// reached, further failures from that address are answered 429 until the window ends.
///
/// Only failing attempts are throttled: a valid token is accepted whatever its address's count,
/// so that one client's mistakes (or an attacker sharing its address, or a reverse proxy the
/// registry was not told about) cannot lock others out. This gives a brute-force attacker
/// nothing: tokens are 32 random bytes, so each guess succeeds with probability 2^-256 whether
/// or not a valid one is let through. An address over its limit still has each token looked up
/// (one hash and one indexed read, what any authenticated request costs); a bad one gets 429
/// with `Retry-After` instead of 401.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: u32,
    window: Duration,
    seen: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl FailureLimiter {
    pub fn new(max_failures: u32, window: Duration) -> FailureLimiter {
        FailureLimiter {
            max_failures,
            window,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// 429 when `ip` has used up its failures in the current window.
    pub fn check(&self, ip: IpAddr) -> Result<(), ApiError> {
        let seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((start, count)) = seen.get(&ip) {
            let elapsed = start.elapsed();
            if elapsed < self.window && *count >= self.max_failures {
                let left = (self.window - elapsed).as_secs().max(1);
                return Err(ApiError::rate_limited(left));
            }
        }
        Ok(())
    }

    pub fn record_failure(&self, ip: IpAddr) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if seen.len() > 100_000 {
            let window = self.window;
            seen.retain(|_, (start, _)| start.elapsed() < window);
        }
        let entry = seen.entry(ip).or_insert((Instant::now(), 0));
        if entry.0.elapsed() >= self.window {
            *entry = (Instant::now(), 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// The answer to a failed authentication from `ip`: 429 once the address has used up its
    /// failures, otherwise `error` (and the failure is counted).
    pub fn refuse(&self, ip: IpAddr, error: ApiError) -> ApiError {
        match self.check(ip) {
            Err(limited) => limited,
            Ok(()) => {
                self.record_failure(ip);
                error
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_random_and_hashed() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert!(a.token.starts_with("mxr_"));
        assert_eq!(a.token.len(), 4 + 43);
        assert_ne!(a.token, b.token);
        assert_eq!(a.sha256, hash_token(&a.token));
        assert_eq!(a.sha256.len(), 64);
        assert!(a.token.starts_with(&a.display_prefix));
        assert!(!format!("{a:?}").contains(&a.token));
    }

    #[test]
    fn limiter_refuses_after_the_limit_within_the_window() {
        let l = FailureLimiter::new(3, Duration::from_secs(60));
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            assert!(l.check(ip).is_ok());
            l.record_failure(ip);
        }
        let e = l.check(ip).unwrap_err();
        assert_eq!(e.code, "rate_limited");
        assert!(e.retry_after.unwrap() <= 60);
        assert!(l.check(other).is_ok());
        let short = FailureLimiter::new(1, Duration::from_millis(1));
        short.record_failure(ip);
        std::thread::sleep(Duration::from_millis(5));
        assert!(short.check(ip).is_ok());
    }
}
