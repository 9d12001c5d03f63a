//! Sessions of signed-in reviewers, vendors and admins.
//!
//! Signing in exchanges an API token for a session: the browser gets a random 256-bit value in
//! the `mxcert_session` cookie (HttpOnly, SameSite=Strict, Secure over TLS); the database keeps
//! only its SHA-256 (`web_sessions`, see [`crate::store::web_sessions`]), the token it was opened
//! with, when it ends, and a random secret that the session's CSRF tokens are bound to. Every
//! request re-checks the token through [`crate::auth::caller_for_hash`], so revoking a token,
//! disabling its member or organisation, or letting it expire ends its sessions at once. Signing
//! out closes the session in the database and clears the cookie.
//!
//! This module must not decide who may sign in or what a role may see (see [`super::signin`] and
//! the pages).

use axum::http::{HeaderMap, HeaderValue};
use sha2::{Digest as _, Sha256};

use super::cookies::{self, SameSite, SetCookie};
use super::csrf::random_id;
use super::render::PageError;
use crate::auth::Caller;
use crate::state::AppState;
use crate::store::{ts, NewWebSession, WebSession};

/// A request's valid session and who it belongs to.
#[derive(Debug, Clone)]
pub struct Signed {
    pub session: WebSession,
    pub caller: Caller,
}

/// The stored form of a session cookie's value.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// The session named by the request's cookie, if it is open, unexpired and its token still
/// valid. A database failure counts as signed out (and is logged).
pub async fn resolve(state: &AppState, headers: &HeaderMap) -> Option<Signed> {
    let secret = cookies::get(headers, cookies::SESSION)?;
    if secret.len() < 32 || secret.len() > 64 {
        return None;
    }
    let session = match state.store.web_session(&hash(secret)).await {
        Ok(s) => s?,
        Err(e) => {
            tracing::error!("web session lookup failed: {e}");
            return None;
        }
    };
    match crate::auth::caller_for_hash(state, &session.token_sha256).await {
        Ok(caller) => Some(Signed { session, caller }),
        Err(_) => None,
    }
}

/// Opens a session for `caller` and returns the `Set-Cookie` value that carries it.
pub async fn open(state: &AppState, caller: &Caller, tls: bool) -> Result<HeaderValue, PageError> {
    let secret = random_id(32).map_err(PageError::internal)?;
    let csrf_secret = random_id(32).map_err(PageError::internal)?;
    let ttl = state.web.config.session_ttl;
    let expires = chrono::Utc::now()
        + chrono::Duration::from_std(ttl).unwrap_or_else(|_| chrono::Duration::hours(8));
    state
        .store
        .open_web_session(
            &NewWebSession {
                id_sha256: &hash(&secret),
                token_id: &caller.token_id,
                member_id: caller.member_id.as_deref(),
                org_id: &caller.org_id,
                role: caller.role,
                csrf_secret: &csrf_secret,
                expires_at: ts(expires),
            },
            &caller.actor(),
        )
        .await
        .map_err(PageError::internal)?;
    cookie(&secret, ttl.as_secs(), tls)
}

/// Closes the session and returns the `Set-Cookie` value that clears the cookie.
pub async fn close(state: &AppState, signed: &Signed, tls: bool) -> Result<HeaderValue, PageError> {
    state
        .store
        .close_web_session(&signed.session.id_sha256, &signed.caller.actor())
        .await
        .map_err(PageError::internal)?;
    cookie("", 0, tls)
}

fn cookie(value: &str, max_age: u64, tls: bool) -> Result<HeaderValue, PageError> {
    SetCookie {
        name: cookies::SESSION,
        value,
        max_age: Some(max_age),
        same_site: SameSite::Strict,
        secure: tls,
    }
    .header()
    .ok_or_else(|| PageError::internal("session cookie value"))
}
