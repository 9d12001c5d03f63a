//! The per-request context of every page, and the middleware that makes it.
//!
//! The middleware ([`middleware`]) runs around every portal route. Before the handler it works
//! out the language (`?lang=`, then the `mxcert_lang` cookie, then `Accept-Language`, then
//! Spanish), the browser's CSRF nonce (making one when the browser has none), whether the request
//! came over TLS, and who is signed in; it hands all of that to the handler as a [`Ctx`]. After
//! the handler it renders a [`PageError`] into an error page in the same language, sets the
//! cookies it decided on, and adds the security headers (a strict Content-Security-Policy that
//! allows only this site's own styles and scripts, `nosniff`, no framing, same-origin referrers).
//!
//! This module must not query the database beyond resolving the session, and must not hold page
//! logic: handlers do.

use std::net::IpAddr;

use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{
    ACCEPT_LANGUAGE, CACHE_CONTROL, CONTENT_LANGUAGE, CONTENT_SECURITY_POLICY, HOST,
    REFERRER_POLICY, SET_COOKIE, VARY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use super::cookies::{self, SameSite, SetCookie};
use super::i18n::Lang;
use super::render::{msg, PageError};
use super::session::{self, Signed};
use crate::auth::Caller;
use crate::client_addr::ClientAddr;
use crate::state::AppState;
use crate::store::Role;

/// How long the language cookie lasts: a year.
const LANG_COOKIE_SECONDS: u64 = 365 * 24 * 3600;

/// The Content-Security-Policy of every page: nothing from other sites, no inline script.
pub const CSP: &str =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// The catalogue keys of the month names.
const MONTHS: [&str; 12] = [
    msg("date.month_1"),
    msg("date.month_2"),
    msg("date.month_3"),
    msg("date.month_4"),
    msg("date.month_5"),
    msg("date.month_6"),
    msg("date.month_7"),
    msg("date.month_8"),
    msg("date.month_9"),
    msg("date.month_10"),
    msg("date.month_11"),
    msg("date.month_12"),
];

/// What a page handler knows about the request besides its own parameters.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub state: AppState,
    /// The signed-in reviewer, vendor or admin, if any.
    pub user: Option<Caller>,
    /// The session they signed in with.
    pub signed: Option<Signed>,
    /// The client's address (for rate limits).
    pub ip: IpAddr,
    /// The request path, e.g. `/sistemas`.
    pub path: String,
    /// The query string without `lang`, e.g. `vendor=acme&page=2`.
    pub query: String,
    /// Whether the request reached us over TLS (directly or through a proxy that says so).
    pub tls: bool,
    csrf_nonce: String,
}

impl Ctx {
    /// The text of a catalogue key in the page's language.
    pub fn t<'a>(&'a self, key: &'a str) -> &'a str {
        self.state.web.catalogue.get(self.lang, key)
    }

    /// A text with `{0}` filled in.
    pub fn tf1(&self, key: &str, a: impl std::fmt::Display) -> String {
        self.state.web.catalogue.format(self.lang, key, &[&a])
    }

    /// A text with `{0}` and `{1}` filled in.
    pub fn tf2(&self, key: &str, a: impl std::fmt::Display, b: impl std::fmt::Display) -> String {
        self.state.web.catalogue.format(self.lang, key, &[&a, &b])
    }

    /// A stored RFC 3339 timestamp as a date in the page's language (`15 de enero de 2026`),
    /// in UTC; anything unparsable is shown as it is.
    pub fn date(&self, stamp: &str) -> String {
        use chrono::Datelike as _;
        let Ok(t) = chrono::DateTime::parse_from_rfc3339(stamp) else {
            return stamp.to_owned();
        };
        let t = t.with_timezone(&chrono::Utc);
        let month = MONTHS[t.month0() as usize % 12];
        self.state.web.catalogue.format(
            self.lang,
            msg("date.format"),
            &[&t.day(), &self.t(month), &t.year()],
        )
    }

    /// The CSRF token every form of this page carries in its hidden `csrf` field.
    pub fn csrf_token(&self) -> String {
        self.state
            .web
            .csrf
            .token(&self.csrf_nonce, self.csrf_binding())
    }

    /// What CSRF tokens are bound to besides the browser: the session's own secret.
    fn csrf_binding(&self) -> Option<&str> {
        self.signed.as_ref().map(|s| s.session.csrf_secret.as_str())
    }

    /// Whether a form's token is valid for this browser and session.
    pub fn csrf_ok(&self, presented: &str) -> bool {
        self.state
            .web
            .csrf
            .verify(&self.csrf_nonce, self.csrf_binding(), presented)
    }

    /// This page in the other language (the visible switch's link).
    pub fn switch_href(&self) -> String {
        let other = self.lang.other().code();
        if self.query.is_empty() {
            format!("{}?lang={other}", self.path)
        } else {
            format!("{}?{}&lang={other}", self.path, self.query)
        }
    }

    /// This page's path and query, for "come back here after signing in".
    pub fn here(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The versioned URL of a static asset.
    pub fn asset(&self, name: &str) -> String {
        super::assets::url(name)
    }

    /// Whether `path` is the current section (for `aria-current` in the navigation).
    pub fn is_section(&self, prefix: &str) -> bool {
        if prefix == "/" {
            self.path == "/"
        } else {
            self.path == prefix || self.path.starts_with(&format!("{prefix}/"))
        }
    }

    /// Whether a reviewer or admin is signed in.
    pub fn is_reviewer(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role.can_review())
    }

    /// Whether a vendor is signed in.
    pub fn is_vendor(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.role == Role::Vendor)
    }

    /// Builds a context from the request head alone, without a session and without making a
    /// CSRF nonce: for error pages rendered outside the middleware (e.g. the server's 404).
    pub fn from_head(state: &AppState, parts: &Parts) -> Ctx {
        let (lang, _) = choose_lang(parts.uri.query(), &parts.headers);
        Ctx {
            lang,
            state: state.clone(),
            user: None,
            signed: None,
            ip: ClientAddr::of(
                &parts.headers,
                &parts.extensions,
                &state.config.trusted_proxies,
            ),
            path: parts.uri.path().to_owned(),
            query: query_without_lang(parts.uri.query()),
            tls: is_tls(state, &parts.headers),
            csrf_nonce: String::new(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Ctx, PageError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(|| PageError::internal("the portal middleware did not run"))
    }
}

/// Whether the request came over TLS: the configured public URL is `https`, or a proxy in front
/// says `X-Forwarded-Proto: https`. (A client lying about the latter only makes its own cookies
/// stricter.)
pub fn is_tls(state: &AppState, headers: &HeaderMap) -> bool {
    state
        .web
        .config
        .public_url
        .as_deref()
        .is_some_and(|u| u.starts_with("https://"))
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// The page language and whether it was chosen with `?lang=` (and so goes into the cookie).
fn choose_lang(query: Option<&str>, headers: &HeaderMap) -> (Lang, bool) {
    if let Some(l) = query_param(query, "lang").and_then(|v| Lang::parse(&v)) {
        return (l, true);
    }
    if let Some(l) = cookies::get(headers, cookies::LANG).and_then(Lang::parse) {
        return (l, false);
    }
    let accept = headers
        .get(ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Lang::from_accept_language);
    (accept.unwrap_or_default(), false)
}

/// One query parameter, decoded; `None` when absent or not decodable.
fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query?).ok()?;
    pairs.into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

/// The query string with every `lang` parameter removed, re-encoded.
fn query_without_lang(query: Option<&str>) -> String {
    let Some(q) = query else {
        return String::new();
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(q).unwrap_or_default();
    let kept: Vec<(String, String)> = pairs.into_iter().filter(|(k, _)| k != "lang").collect();
    serde_urlencoded::to_string(kept).unwrap_or_default()
}

/// The portal middleware; see the module documentation.
pub async fn middleware(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let (lang, lang_chosen) = choose_lang(req.uri().query(), req.headers());
    let tls = is_tls(&state, req.headers());
    let existing_nonce = cookies::get(req.headers(), cookies::CSRF)
        .filter(|n| n.len() >= 32 && n.len() <= 64)
        .map(str::to_owned);
    let new_nonce = match existing_nonce {
        Some(_) => None,
        None => match super::csrf::random_id(32) {
            Ok(n) => Some(n),
            Err(e) => {
                tracing::error!("no randomness for a CSRF nonce: {e}");
                None
            }
        },
    };
    let csrf_nonce = existing_nonce
        .or_else(|| new_nonce.clone())
        .unwrap_or_default();
    let signed = session::resolve(&state, req.headers()).await;
    let ip = ClientAddr::of(
        req.headers(),
        req.extensions(),
        &state.config.trusted_proxies,
    );
    let ctx = Ctx {
        lang,
        state: state.clone(),
        user: signed.as_ref().map(|s| s.caller.clone()),
        signed,
        ip,
        path: req.uri().path().to_owned(),
        query: query_without_lang(req.uri().query()),
        tls,
        csrf_nonce,
    };
    req.extensions_mut().insert(ctx.clone());

    let mut response = next.run(req).await;
    if let Some(err) = response.extensions_mut().remove::<PageError>() {
        let headers = std::mem::take(response.headers_mut());
        response = super::render::error_page(&ctx, &err);
        // Keep what the handler decided (cookies, Retry-After) under the error page.
        for (name, value) in headers.iter() {
            if name == SET_COOKIE || name == axum::http::header::RETRY_AFTER {
                response.headers_mut().append(name, value.clone());
            }
        }
    }
    let h = response.headers_mut();
    if let Some(nonce) = &new_nonce {
        append_cookie(h, cookies::CSRF, nonce, None, tls);
    }
    if lang_chosen {
        append_cookie(
            h,
            cookies::LANG,
            lang.code(),
            Some(LANG_COOKIE_SECONDS),
            tls,
        );
    }
    h.insert(CONTENT_LANGUAGE, HeaderValue::from_static(lang.tag()));
    h.insert(CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    if !h.contains_key(CACHE_CONTROL) {
        let cache = if ctx.user.is_some() {
            "private, no-store"
        } else {
            "no-cache"
        };
        h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    }
    response
}

/// Appends a `Set-Cookie` with the portal's flags (Lax; session cookies set their own).
fn append_cookie(h: &mut HeaderMap, name: &str, value: &str, max_age: Option<u64>, tls: bool) {
    let cookie = SetCookie {
        name,
        value,
        max_age,
        same_site: SameSite::Lax,
        secure: tls,
    };
    if let Some(v) = cookie.header() {
        h.append(SET_COOKIE, v);
    }
}

/// The `Host` the browser used, only for the `Origin` check of forms: never part of a link
/// (links come from [`crate::urls`]).
pub fn request_host(headers: &HeaderMap) -> &str {
    headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lang_query_wins_then_cookie_then_header() {
        let mut h = HeaderMap::new();
        h.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-US,en;q=0.9"));
        assert_eq!(choose_lang(None, &h), (Lang::En, false));
        h.insert(
            axum::http::header::COOKIE,
            HeaderValue::from_static("mxcert_lang=es"),
        );
        assert_eq!(choose_lang(None, &h), (Lang::Es, false));
        assert_eq!(choose_lang(Some("lang=en&x=1"), &h), (Lang::En, true));
        assert_eq!(choose_lang(Some("lang=xx"), &h), (Lang::Es, false));
        assert_eq!(
            choose_lang(Some("%zz=&&="), &HeaderMap::new()),
            (Lang::Es, false)
        );
    }

    #[test]
    fn the_switch_keeps_the_query_without_lang() {
        assert_eq!(
            query_without_lang(Some("lang=en&q=dell+xps&page=2")),
            "q=dell+xps&page=2"
        );
        assert_eq!(query_without_lang(Some("q=%3Cscript%3E")), "q=%3Cscript%3E");
        assert_eq!(query_without_lang(None), "");
    }
}
