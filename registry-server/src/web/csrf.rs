//! Cross-site request forgery protection for every form of the portal.
//!
//! Each browser gets a random nonce in the `mxcert_csrf` cookie (HttpOnly, SameSite=Lax). A form
//! carries the token `HMAC-SHA256(key, nonce | session)` in its hidden `csrf` field, where
//! `session` is the signed-in session's public id (empty when signed out), so a token stops
//! working when its user signs in or out. A POST is accepted only when its token matches the one
//! recomputed from the request's own cookie, compared in constant time, and, when the browser
//! sends an `Origin` header, that origin is this site. Another site can neither read the cookie
//! nor compute the token without the key.
//!
//! This module computes and checks tokens; it must not read request bodies (see
//! [`super::form`]) or decide who is signed in.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq as _;

type HmacSha256 = Hmac<Sha256>;

/// `n` random bytes from the operating system as URL-safe base64 (no padding).
pub fn random_id(n: usize) -> Result<String, getrandom::Error> {
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The key tokens are made with (an HMAC-SHA256 key of one block). `Debug` does not print it.
#[derive(Clone)]
pub struct CsrfKey([u8; 64]);

impl std::fmt::Debug for CsrfKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CsrfKey(..)")
    }
}

impl CsrfKey {
    /// A key derived from a long-lived secret (so every instance of the registry, and the same
    /// instance after a restart, accepts the forms it served).
    pub fn derive(secret: &[u8]) -> CsrfKey {
        let mut h = Sha512::new();
        h.update(b"mxcert web csrf v1\0");
        h.update(secret);
        CsrfKey(h.finalize().into())
    }

    /// A fresh random key (forms served before a restart stop working after it).
    pub fn random() -> Result<CsrfKey, getrandom::Error> {
        let mut key = [0u8; 64];
        getrandom::getrandom(&mut key)?;
        Ok(CsrfKey(key))
    }

    fn mac(&self) -> HmacSha256 {
        <HmacSha256 as KeyInit>::new(&self.0.into())
    }

    /// The token forms carry for this browser nonce and session.
    pub fn token(&self, nonce: &str, session: Option<&str>) -> String {
        let mut mac = self.mac();
        mac.update(nonce.as_bytes());
        mac.update(b"|");
        mac.update(session.unwrap_or("").as_bytes());
        URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
    }

    /// Whether `presented` is the token for this nonce and session. An empty nonce (no cookie)
    /// never verifies.
    pub fn verify(&self, nonce: &str, session: Option<&str>, presented: &str) -> bool {
        if nonce.is_empty() || presented.is_empty() {
            return false;
        }
        let expected = self.token(nonce, session);
        bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
    }
}

/// Whether an `Origin` header names this site, whose host (with port) is `host`. `null` and
/// other hosts are refused; the scheme is not compared because TLS may end at a proxy.
pub fn same_origin(origin: &str, host: &str) -> bool {
    let Some((_, rest)) = origin.split_once("://") else {
        return false;
    };
    let origin_host = rest.split('/').next().unwrap_or_default();
    !host.is_empty() && origin_host.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_nonce_session_and_key() {
        let key = CsrfKey::derive(b"secret");
        let t = key.token("nonce1", None);
        assert!(key.verify("nonce1", None, &t));
        assert!(!key.verify("nonce2", None, &t));
        assert!(!key.verify("nonce1", Some("s1"), &t));
        assert!(!key.verify("", None, &key.token("", None)));
        assert!(!key.verify("nonce1", None, ""));
        let other = CsrfKey::derive(b"other secret");
        assert!(!other.verify("nonce1", None, &t));
        assert_eq!(
            CsrfKey::derive(b"secret").token("n", Some("s")),
            key.token("n", Some("s"))
        );
        assert_eq!(format!("{key:?}"), "CsrfKey(..)");
    }

    #[test]
    fn random_ids_are_random_and_url_safe() {
        let a = random_id(32).unwrap();
        let b = random_id(32).unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(a
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
    }

    #[test]
    fn origin_must_be_this_host() {
        assert!(same_origin("http://127.0.0.1:8080", "127.0.0.1:8080"));
        assert!(same_origin("https://Registro.example", "registro.example"));
        assert!(!same_origin("https://evil.example", "registro.example"));
        assert!(!same_origin("null", "registro.example"));
        assert!(!same_origin("http://127.0.0.1:8081", "127.0.0.1:8080"));
        assert!(!same_origin("http://x", ""));
    }
}
