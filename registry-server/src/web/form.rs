//! Reading a submitted form, after checking its CSRF token and origin.
//!
//! [`CsrfForm<T>`] is the only way portal handlers read a POST body: it refuses a form whose
//! `Origin` is another site or whose `csrf` field does not match the browser's cookie and session
//! (403, "the form expired"), a body over the configured limit (413) and anything that is not
//! `application/x-www-form-urlencoded` or does not decode into `T` (400 naming the problem).
//!
//! This module must not act on the form; handlers do.

use axum::extract::{FromRequest, Request};
use axum::http::header::{CONTENT_TYPE, ORIGIN};
use axum::http::HeaderMap;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::context::{request_host, Ctx};
use super::csrf::same_origin;
use super::render::PageError;

/// A form body of type `T` whose CSRF token was valid.
#[derive(Debug, Clone)]
pub struct CsrfForm<T>(pub T);

#[derive(Deserialize)]
struct TokenField {
    #[serde(default)]
    csrf: String,
}

fn context(req: &Request) -> Result<Ctx, PageError> {
    req.extensions()
        .get::<Ctx>()
        .cloned()
        .ok_or_else(|| PageError::internal("the portal middleware did not run"))
}

/// Refuses a request whose `Origin` header names another site.
fn check_origin(headers: &HeaderMap) -> Result<(), PageError> {
    match headers.get(ORIGIN).map(|v| v.to_str()) {
        None => Ok(()),
        Some(Ok(origin)) if same_origin(origin, request_host(headers)) => Ok(()),
        Some(_) => Err(PageError::csrf().with_detail("origin")),
    }
}

fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for CsrfForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, _: &S) -> Result<Self, PageError> {
        let ctx = context(&req)?;
        check_origin(req.headers())?;
        let ct = content_type(req.headers());
        if ct != "application/x-www-form-urlencoded" {
            return Err(PageError::bad_request(format!(
                "expected a form (application/x-www-form-urlencoded), got {ct:?}"
            )));
        }
        let limit = ctx.state.web.config.max_form_bytes;
        let body = axum::body::to_bytes(req.into_body(), limit)
            .await
            .map_err(|_| PageError::too_large(limit))?;
        let token: TokenField = serde_urlencoded::from_bytes(&body)
            .map_err(|e| PageError::bad_request(format!("form: {e}")))?;
        if !ctx.csrf_ok(&token.csrf) {
            return Err(PageError::csrf());
        }
        let value = serde_urlencoded::from_bytes(&body)
            .map_err(|e| PageError::bad_request(format!("form: {e}")))?;
        Ok(CsrfForm(value))
    }
}

/// Query parameters of type `T`, or a 400 page naming what could not be read.
#[derive(Debug, Clone)]
pub struct PageQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for PageQuery<T> {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, PageError> {
        let query = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(query)
            .map(PageQuery)
            .map_err(|e| PageError::bad_request(format!("query: {e}")))
    }
}
