//! Turning templates into responses, and errors into error pages.
//!
//! Handlers return `Result<Response, PageError>`. A [`PageError`] carries a status and a catalogue
//! key, not HTML: its response is marked, and the portal middleware renders it in the request's
//! language with the error template. A template that fails to render (which askama's compile-time
//! checks make unlikely) becomes a 500 page, never a panic.
//!
//! This module must not choose statuses for business reasons; handlers do.

use askama::Template;
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};

use super::context::Ctx;
use crate::error::ApiError;
use crate::store::StoreError;

/// The identity function for catalogue keys kept in data (so the catalogue test finds them).
pub const fn msg(key: &'static str) -> &'static str {
    key
}

/// A page that could not be shown: rendered as an error page by the middleware.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageError {
    pub status: StatusCode,
    /// The catalogue key of the explanation shown to the user.
    pub key: &'static str,
    /// A precise detail (e.g. which parameter was wrong), shown under the explanation.
    pub detail: Option<String>,
    /// Seconds, for 429.
    pub retry_after: Option<u64>,
}

impl PageError {
    pub fn new(status: StatusCode, key: &'static str) -> PageError {
        PageError {
            status,
            key,
            detail: None,
            retry_after: None,
        }
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> PageError {
        self.detail = Some(detail.into());
        self
    }

    pub fn not_found() -> PageError {
        PageError::new(StatusCode::NOT_FOUND, msg("error.not_found"))
    }

    pub fn bad_request(detail: impl Into<String>) -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, msg("error.bad_request")).with_detail(detail)
    }

    pub fn csrf() -> PageError {
        PageError::new(StatusCode::FORBIDDEN, msg("error.csrf"))
    }

    pub fn forbidden() -> PageError {
        PageError::new(StatusCode::FORBIDDEN, msg("error.forbidden"))
    }

    pub fn too_large(limit: usize) -> PageError {
        PageError::new(StatusCode::PAYLOAD_TOO_LARGE, msg("error.too_large"))
            .with_detail(format!("{} KiB", limit / 1024))
    }

    pub fn rate_limited(retry_after: u64) -> PageError {
        PageError {
            retry_after: Some(retry_after),
            ..PageError::new(StatusCode::TOO_MANY_REQUESTS, msg("error.rate_limited"))
        }
    }

    /// Not signed in: the middleware answers with a redirect to the sign-in page, which comes
    /// back to `here` afterwards.
    pub fn sign_in(here: &str) -> PageError {
        PageError::new(StatusCode::SEE_OTHER, msg("error.sign_in")).with_detail(format!(
            "/acceder?{}",
            serde_urlencoded::to_string([("next", here)]).unwrap_or_default()
        ))
    }

    pub fn conflict(detail: impl Into<String>) -> PageError {
        PageError::new(StatusCode::CONFLICT, msg("error.conflict")).with_detail(detail)
    }

    /// A failure of ours (database, template): logged with its cause, shown without it.
    pub fn internal(cause: impl std::fmt::Display) -> PageError {
        tracing::error!("web portal: {cause}");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, msg("error.internal"))
    }
}

/// The API's errors, as pages: the same status, the API's message as the detail (server errors
/// keep theirs to the log).
impl From<ApiError> for PageError {
    fn from(e: ApiError) -> PageError {
        match e.status {
            StatusCode::NOT_FOUND => PageError::not_found(),
            StatusCode::FORBIDDEN => PageError::forbidden(),
            StatusCode::CONFLICT => PageError::conflict(e.message),
            StatusCode::TOO_MANY_REQUESTS => PageError::rate_limited(e.retry_after.unwrap_or(60)),
            s if s.is_server_error() => {
                PageError::new(StatusCode::INTERNAL_SERVER_ERROR, msg("error.internal"))
            }
            s => PageError::new(s, msg("error.bad_request")).with_detail(e.message),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(e: StoreError) -> PageError {
        PageError::from(ApiError::from(e))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if self.status == StatusCode::SEE_OTHER {
            return super::signin::see_other(self.detail.as_deref().unwrap_or("/"));
        }
        // The middleware replaces this body with the error page in the user's language.
        let mut r = (self.status, self.status.to_string()).into_response();
        if let Some(s) = self.retry_after {
            r.headers_mut().insert(RETRY_AFTER, HeaderValue::from(s));
        }
        r.extensions_mut().insert(self);
        r
    }
}

/// Renders a page template as a 200 response.
pub fn page<T: Template>(template: &T) -> Result<Response, PageError> {
    let html = template
        .render()
        .map_err(|e| PageError::internal(format!("template: {e}")))?;
    Ok(Html(html).into_response())
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate<'a> {
    ctx: &'a Ctx,
    status: u16,
    title: &'a str,
    err: &'a PageError,
}

/// The error page for `err`, in the context's language, with `err`'s status.
pub fn error_page(ctx: &Ctx, err: &PageError) -> Response {
    let title = match err.status {
        StatusCode::NOT_FOUND => ctx.t("error.title_not_found"),
        StatusCode::CONFLICT => ctx.t("error.title_conflict"),
        StatusCode::FORBIDDEN => ctx.t("error.title_forbidden"),
        StatusCode::TOO_MANY_REQUESTS => ctx.t("error.title_rate_limited"),
        StatusCode::SERVICE_UNAVAILABLE => ctx.t("error.title_busy"),
        s if s.is_server_error() => ctx.t("error.title_internal"),
        _ => ctx.t("error.title_bad_request"),
    };
    let t = ErrorTemplate {
        ctx,
        status: err.status.as_u16(),
        title,
        err,
    };
    match t.render() {
        Ok(html) => (err.status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!("web portal: error template: {e}");
            (err.status, err.status.to_string()).into_response()
        }
    }
}
