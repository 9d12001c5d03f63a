//! Signing in with an API token, and signing out.
//!
//! `GET /acceder` shows the form; `POST /acceder` checks the token exactly as the API does
//! ([`crate::auth::caller_for_token`]), counting failures against the same per-address limiter
//! (429 once it is used up), then opens a session and sends the browser on to where it was going
//! (only paths on this site), or to its area. `POST /salir` closes the session. Both forms carry
//! CSRF tokens, so another site can neither sign a browser in to its own account nor out.
//!
//! This module must not store tokens: only the session (see [`super::session`]) is kept.

use askama::Template;
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::context::Ctx;
use super::form::{CsrfForm, PageQuery};
use super::render::{msg, page, PageError};
use super::session;

#[derive(Template)]
#[template(path = "signin.html")]
struct SignInPage<'a> {
    ctx: &'a Ctx,
    next: &'a str,
    error: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    next: String,
}

/// `next` if it is a path on this site, else empty (no open redirects).
fn local_path(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && next.len() <= 2000
        && !next.chars().any(char::is_control);
    if ok {
        next
    } else {
        ""
    }
}

/// A 303 redirect.
pub fn see_other(to: &str) -> Response {
    let mut r = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        r.headers_mut().insert(LOCATION, v);
    }
    r
}

/// `GET /acceder`.
pub async fn form(ctx: Ctx, PageQuery(q): PageQuery<NextQuery>) -> Result<Response, PageError> {
    page(&SignInPage {
        ctx: &ctx,
        next: local_path(&q.next),
        error: None,
    })
}

/// `POST /acceder`.
pub async fn submit(ctx: Ctx, CsrfForm(f): CsrfForm<SignInForm>) -> Result<Response, PageError> {
    let token = f.token.trim();
    // A valid token signs in whatever its address's failures (see `auth::FailureLimiter`).
    let caller = match crate::auth::caller_for_token(&ctx.state, token).await {
        Ok(c) => c,
        Err(e) if e.status == StatusCode::UNAUTHORIZED => {
            let refused = ctx.state.auth_failures.refuse(ctx.ip, e);
            if let Some(retry_after) = refused.retry_after {
                return Err(PageError::rate_limited(retry_after));
            }
            let mut r = page(&SignInPage {
                ctx: &ctx,
                next: local_path(&f.next),
                error: Some(msg("signin.error_token")),
            })?;
            *r.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(r);
        }
        Err(e) => return Err(PageError::internal(e)),
    };
    let cookie = session::open(&ctx.state, &caller, ctx.tls).await?;
    let default = if caller.role.can_review() {
        "/revision"
    } else {
        "/proveedor"
    };
    let to = match local_path(&f.next) {
        "" => default,
        next => next,
    };
    let mut r = see_other(to);
    r.headers_mut().append(SET_COOKIE, cookie);
    Ok(r)
}

#[derive(Debug, Deserialize)]
pub struct Empty {}

/// `POST /salir`.
pub async fn sign_out(ctx: Ctx, CsrfForm(_): CsrfForm<Empty>) -> Result<Response, PageError> {
    let mut r = see_other("/");
    if let Some(signed) = &ctx.signed {
        let cookie = session::close(&ctx.state, signed, ctx.tls).await?;
        r.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::local_path;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/revision/abc?x=1"), "/revision/abc?x=1");
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil",
            "revision",
            "/a\nb",
            "",
        ] {
            assert_eq!(local_path(bad), "", "{bad:?}");
        }
    }
}
