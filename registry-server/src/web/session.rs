//! Sessions of signed-in reviewers and vendors.
//!
//! Signing in exchanges an API token for a session: the browser gets a random 256-bit id in the
//! `mxcert_session` cookie (HttpOnly, SameSite=Strict, Secure over TLS) and the server keeps only
//! the id's SHA-256, with who signed in and when the session ends. The hash doubles as the
//! session's public id, which CSRF tokens are bound to. Signing out forgets the session at once.
//!
//! This module must not check tokens or roles (see [`super::signin`]); it only remembers who
//! signed in.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::http::HeaderMap;
use sha2::{Digest as _, Sha256};

use super::cookies;

/// Who a session belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    /// The API token the session was opened with.
    pub token_id: String,
    pub org_id: String,
    pub org_name: String,
    /// `reviewer`, `admin` or `vendor`.
    pub role: String,
    /// The member's or the token's name.
    pub name: String,
}

impl SessionUser {
    pub fn can_review(&self) -> bool {
        self.role == "reviewer" || self.role == "admin"
    }

    pub fn is_vendor(&self) -> bool {
        self.role == "vendor"
    }
}

/// A session found from the request's cookie.
#[derive(Debug, Clone)]
pub struct ResolvedSession {
    /// The SHA-256 of the cookie's secret, lowercase hex.
    pub public_id: String,
    pub user: SessionUser,
}

#[derive(Debug)]
struct Entry {
    user: SessionUser,
    expires: Instant,
}

/// The open sessions.
#[derive(Debug)]
pub struct Sessions {
    ttl: Duration,
    open: Mutex<HashMap<String, Entry>>,
}

/// The stored form of a session secret.
fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

impl Sessions {
    pub fn new(ttl: Duration) -> Sessions {
        Sessions {
            ttl,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// How long a session lasts (the cookie's `Max-Age`).
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Opens a session and returns the secret for the cookie.
    pub async fn open(&self, user: SessionUser) -> Result<String, getrandom::Error> {
        let secret = super::csrf::random_id(32)?;
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if open.len() > 10_000 {
            let now = Instant::now();
            open.retain(|_, e| e.expires > now);
        }
        open.insert(
            hash(&secret),
            Entry {
                user,
                expires: Instant::now() + self.ttl,
            },
        );
        Ok(secret)
    }

    /// The session named by the request's cookie, if it exists and has not ended.
    pub async fn resolve(&self, headers: &HeaderMap) -> Option<ResolvedSession> {
        let secret = cookies::get(headers, cookies::SESSION)?;
        if secret.is_empty() || secret.len() > 64 {
            return None;
        }
        let id = hash(secret);
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        match open.get(&id) {
            Some(e) if e.expires > Instant::now() => Some(ResolvedSession {
                user: e.user.clone(),
                public_id: id,
            }),
            Some(_) => {
                open.remove(&id);
                None
            }
            None => None,
        }
    }

    /// Forgets the session with this public id.
    pub async fn close(&self, public_id: &str) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        open.remove(public_id);
    }
}
