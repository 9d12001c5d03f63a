//! Reading a submitted form, after checking its CSRF token and origin.
//!
//! [`CsrfForm<T>`] is the only way portal handlers read a POST body: it refuses a form whose
//! `Origin` is another site or whose `csrf` field does not match the browser's cookie and session
//! (403, "the form expired"), a body over the configured limit (413) and anything that is not
//! `application/x-www-form-urlencoded` or does not decode into `T` (400 naming the problem).
//! [`CsrfMultipart`] does the same for forms that upload a file (`multipart/form-data`).
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
        refuse_nul("form", &body)?;
        let value = serde_urlencoded::from_bytes(&body)
            .map_err(|e| PageError::bad_request(format!("form: {e}")))?;
        Ok(CsrfForm(value))
    }
}

/// Refuses a form or query with a NUL character in a name or value (`%00`) with a 400 page naming
/// the field: no text the portal stores or searches may hold one (PostgreSQL can neither store nor
/// compare it; the JSON API refuses it the same way, `crate::extract`).
fn refuse_nul(what: &str, encoded: &[u8]) -> Result<(), PageError> {
    let Ok(pairs) = serde_urlencoded::from_bytes::<Vec<(String, String)>>(encoded) else {
        return Ok(()); // the caller's own parse names what is wrong
    };
    match pairs
        .iter()
        .find(|(name, value)| name.contains('\0') || value.contains('\0'))
    {
        Some((name, _)) => Err(PageError::bad_request(format!(
            "{what}: field {:?} contains a NUL character",
            name.replace('\0', "\\0")
        ))),
        None => Ok(()),
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
        refuse_nul("query", query.as_bytes())?;
        serde_urlencoded::from_str(query)
            .map(PageQuery)
            .map_err(|e| PageError::bad_request(format!("query: {e}")))
    }
}

/// The fields of a `multipart/form-data` form (one that uploads a file) whose CSRF token was
/// valid, in order.
#[derive(Debug, Clone, Default)]
pub struct CsrfMultipart {
    fields: Vec<(String, Vec<u8>)>,
}

impl CsrfMultipart {
    /// The bytes of the first field called `name`.
    pub fn bytes(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// Every field called `name` as text (checkboxes), in order.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.fields
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
            .collect()
    }

    /// The first field called `name` as text (invalid UTF-8 replaced).
    pub fn text(&self, name: &str) -> Option<String> {
        self.bytes(name)
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

impl<S: Send + Sync> FromRequest<S> for CsrfMultipart {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &S) -> Result<Self, PageError> {
        let ctx = context(&req)?;
        check_origin(req.headers())?;
        let ct = content_type(req.headers());
        if ct != "multipart/form-data" {
            return Err(PageError::bad_request(format!(
                "expected a form with a file (multipart/form-data), got {ct:?}"
            )));
        }
        let limit = ctx.state.web.config.max_form_bytes;
        let mut multipart = axum::extract::Multipart::from_request(req, state)
            .await
            .map_err(|e| PageError::bad_request(format!("form: {e}")))?;
        let mut form = CsrfMultipart::default();
        let mut total = 0usize;
        let read_error = |e: axum::extract::multipart::MultipartError, total: usize| {
            if total >= limit || e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                PageError::too_large(limit)
            } else {
                PageError::bad_request(format!("form: {}", e.body_text()))
            }
        };
        while let Some(mut field) = multipart
            .next_field()
            .await
            .map_err(|e| read_error(e, total))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let mut data = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| read_error(e, total))? {
                total += chunk.len();
                if total > limit {
                    return Err(PageError::too_large(limit));
                }
                data.extend_from_slice(&chunk);
            }
            form.fields.push((name, data));
        }
        if !ctx.csrf_ok(&form.text("csrf").unwrap_or_default()) {
            return Err(PageError::csrf());
        }
        Ok(form)
    }
}
