//! Reading the `Cookie` header and writing `Set-Cookie` headers with the portal's flags.
//!
//! Every cookie the portal sets is `HttpOnly` (no script reads them), `Path=/`, has a
//! `SameSite` attribute, and is `Secure` when the request came over TLS (see
//! [`super::context::is_tls`]). Names and values are restricted to URL-safe characters, so nothing
//! needs quoting. This module must not decide what goes into a cookie.

use axum::http::header::COOKIE;
use axum::http::{HeaderMap, HeaderValue};

/// The session of a signed-in reviewer or vendor.
pub const SESSION: &str = "mxcert_session";
/// The random nonce CSRF tokens are derived from.
pub const CSRF: &str = "mxcert_csrf";
/// The language chosen with the switch.
pub const LANG: &str = "mxcert_lang";

/// The value of cookie `name` in the request, if any (the first one when repeated).
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim_matches('"'))
}

/// How strictly the browser keeps a cookie to this site.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SameSite {
    Lax,
    Strict,
}

/// A `Set-Cookie` value. `max_age` `None` makes a browser-session cookie; `Some(0)` deletes.
#[derive(Debug, Clone)]
pub struct SetCookie<'a> {
    pub name: &'a str,
    pub value: &'a str,
    pub max_age: Option<u64>,
    pub same_site: SameSite,
    pub secure: bool,
}

impl SetCookie<'_> {
    /// The header value; `None` if the name or value holds a character a cookie cannot carry
    /// unquoted (never the case for the values this portal makes).
    pub fn header(&self) -> Option<HeaderValue> {
        let safe = |s: &str| {
            s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b))
        };
        if self.name.is_empty() || !safe(self.name) || !safe(self.value) {
            return None;
        }
        let mut v = format!("{}={}; Path=/; HttpOnly", self.name, self.value);
        v.push_str(match self.same_site {
            SameSite::Lax => "; SameSite=Lax",
            SameSite::Strict => "; SameSite=Strict",
        });
        if let Some(age) = self.max_age {
            v.push_str(&format!("; Max-Age={age}"));
        }
        if self.secure {
            v.push_str("; Secure");
        }
        HeaderValue::from_str(&v).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_cookies_from_one_or_more_headers() {
        let mut h = HeaderMap::new();
        h.append(COOKIE, HeaderValue::from_static("a=1; mxcert_lang=en"));
        h.append(COOKIE, HeaderValue::from_static("mxcert_csrf=\"xyz\""));
        assert_eq!(get(&h, LANG), Some("en"));
        assert_eq!(get(&h, CSRF), Some("xyz"));
        assert_eq!(get(&h, "a"), Some("1"));
        assert_eq!(get(&h, SESSION), None);
    }

    #[test]
    fn set_cookie_carries_the_flags() {
        let c = SetCookie {
            name: SESSION,
            value: "abc-_",
            max_age: Some(60),
            same_site: SameSite::Strict,
            secure: true,
        };
        assert_eq!(
            c.header().unwrap(),
            "mxcert_session=abc-_; Path=/; HttpOnly; SameSite=Strict; Max-Age=60; Secure"
        );
        let lax = SetCookie {
            secure: false,
            same_site: SameSite::Lax,
            max_age: None,
            ..c.clone()
        };
        assert_eq!(
            lax.header().unwrap(),
            "mxcert_session=abc-_; Path=/; HttpOnly; SameSite=Lax"
        );
        let bad = SetCookie { value: "a;b", ..c };
        assert!(bad.header().is_none());
    }
}
