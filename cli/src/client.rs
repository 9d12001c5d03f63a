//! The registry HTTP client: JSON in and out, bearer tokens, and registry errors
//! (`{"error":{"code","message"}}`) turned into [`CliError::Registry`] messages.
//!
//! Tokens never appear in messages or `Debug` output.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::args::{PublicRegistryArgs, RegistryArgs};
use crate::config::Settings;
use crate::error::{CliError, Result};

/// A connection to one registry as one user.
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::blocking::Client,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base", &self.base)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Client {
    /// A client for the registry and token in `args`, or else in the configuration files
    /// ([`crate::config`]).
    pub fn new(args: &RegistryArgs) -> Result<Client> {
        let settings = Settings::load()?;
        let token = settings.token(args.token.as_deref(), args.token_file.as_deref())?;
        Client::with_token(&settings.registry(args.registry.as_deref()), Some(token))
    }

    /// An anonymous client for the registry in `args`, or else in the configuration files.
    pub fn public(args: &PublicRegistryArgs) -> Result<Client> {
        let settings = Settings::load()?;
        Client::with_token(&settings.registry(args.registry.as_deref()), None)
    }

    /// The registry's base URL, without a trailing `/`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// A client for `base_url`, optionally authenticated.
    pub fn with_token(base_url: &str, token: Option<String>) -> Result<Client> {
        let base = base_url.trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base)
            .map_err(|e| CliError::Usage(format!("invalid registry URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(CliError::Usage(format!(
                "invalid registry URL {base_url:?}: use http:// or https://"
            )));
        }
        let http = reqwest::blocking::Client::builder()
            .user_agent(concat!("mxcert/", env!("CARGO_PKG_VERSION")))
            .timeout(Duration::from_secs(120))
            .connect_timeout(Duration::from_secs(15))
            .build()
            .map_err(|e| CliError::Environment(format!("failed to set up HTTP client: {e}")))?;
        Ok(Client { base, token, http })
    }

    /// The absolute URL for a path the registry returned.
    pub fn absolute(&self, path: &str) -> String {
        if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::blocking::RequestBuilder {
        let mut req = self.http.request(method, self.absolute(path));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        req
    }

    /// GET a JSON document.
    pub fn get_json<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send(path, self.request(reqwest::Method::GET, path))
    }

    /// POST a JSON body, read a JSON answer.
    pub fn post_json<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.send(path, self.request(reqwest::Method::POST, path).json(body))
    }

    /// POST raw bytes with a content type, read a JSON answer.
    pub fn post_bytes<T: DeserializeOwned>(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
    ) -> Result<T> {
        self.send(
            path,
            self.request(reqwest::Method::POST, path)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body),
        )
    }

    /// DELETE with one extra header (e.g. a community report's deletion token).
    pub fn delete_with_header(&self, path: &str, header: &str, value: &str) -> Result<()> {
        self.send_raw(
            path,
            self.request(reqwest::Method::DELETE, path)
                .header(header, value),
        )
        .map(|_| ())
    }

    /// POST raw bytes whose effect is idempotent (the registry answers a second copy of the same
    /// signed report with the submission it already has), retrying with backoff what may be
    /// passing: no connection, a broken answer, 408, 429, 500, 502, 503 and 504 (a restarting
    /// instance or database behind a proxy). `Retry-After` is honoured up to the backoff's cap.
    /// Each retry is noted on stderr. Other refusals are answered at once.
    pub fn post_bytes_retrying<T: DeserializeOwned>(
        &self,
        path: &str,
        content_type: &str,
        body: Vec<u8>,
        policy: &Retry,
    ) -> Result<T> {
        let url = self.absolute(path);
        let mut attempt = 1;
        loop {
            let req = self
                .request(reqwest::Method::POST, path)
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body.clone());
            let (wait, why) = match req.send() {
                Err(e) => (None, format!("failed to reach {url}: {}", error_chain(&e))),
                Ok(resp) => {
                    let status = resp.status();
                    let retry_after = resp
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.trim().parse::<u64>().ok())
                        .map(Duration::from_secs);
                    match resp.bytes() {
                        Ok(bytes) if status.is_success() => {
                            return serde_json::from_slice(&bytes).map_err(|e| {
                                CliError::Registry(format!(
                                    "unexpected answer from {url} (HTTP {}): {e}",
                                    status.as_u16()
                                ))
                            })
                        }
                        Ok(bytes) if !Retry::passing(status.as_u16()) => {
                            return Err(CliError::Registry(registry_error(
                                status.as_u16(),
                                &bytes,
                                &url,
                            )))
                        }
                        Ok(bytes) => (retry_after, registry_error(status.as_u16(), &bytes, &url)),
                        Err(e) => (None, format!("failed to read the answer from {url}: {e}")),
                    }
                }
            };
            if attempt >= policy.attempts {
                return Err(CliError::Registry(format!(
                    "{why} (gave up after {attempt} attempts)"
                )));
            }
            let delay = wait
                .unwrap_or_else(|| policy.delay(attempt))
                .min(policy.max_delay);
            eprintln!(
                "mxcert: {why}; retrying in {:.1} s ({attempt}/{})",
                delay.as_secs_f64(),
                policy.attempts
            );
            std::thread::sleep(delay);
            attempt += 1;
        }
    }

    /// GET raw bytes (signed documents as stored, PEM keys).
    pub fn get_bytes(&self, path: &str) -> Result<Vec<u8>> {
        self.send_raw(path, self.request(reqwest::Method::GET, path))
            .map(|(_, bytes)| bytes)
    }

    fn send<T: DeserializeOwned>(
        &self,
        path: &str,
        req: reqwest::blocking::RequestBuilder,
    ) -> Result<T> {
        let url = self.absolute(path);
        let (status, bytes) = self.send_raw(path, req)?;
        serde_json::from_slice(&bytes).map_err(|e| {
            CliError::Registry(format!(
                "unexpected answer from {url} (HTTP {}): {e}",
                status.as_u16()
            ))
        })
    }

    /// Sends a request; a non-success answer becomes a [`CliError::Registry`].
    fn send_raw(
        &self,
        path: &str,
        req: reqwest::blocking::RequestBuilder,
    ) -> Result<(reqwest::StatusCode, Vec<u8>)> {
        let url = self.absolute(path);
        let resp = req.send().map_err(|e| {
            CliError::Registry(format!(
                "failed to reach the registry at {url}: {}",
                error_chain(&e)
            ))
        })?;
        let status = resp.status();
        let bytes = resp.bytes().map_err(|e| {
            CliError::Registry(format!("failed to read the answer from {url}: {e}"))
        })?;
        if !status.is_success() {
            return Err(CliError::Registry(registry_error(
                status.as_u16(),
                &bytes,
                &url,
            )));
        }
        Ok((status, bytes.to_vec()))
    }
}

/// How a retried request is retried: how many attempts in all, and the exponential backoff
/// between them (`first_delay`, doubled each time, at most `max_delay`).
#[derive(Debug, Clone)]
pub struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl Default for Retry {
    /// 8 attempts over about 20 seconds: enough for a registry instance or its database to
    /// restart.
    fn default() -> Retry {
        Retry {
            attempts: 8,
            first_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(5),
        }
    }
}

impl Retry {
    /// Whether an HTTP status may be passing (worth a retry of an idempotent request).
    pub fn passing(status: u16) -> bool {
        matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
    }

    /// The wait after failed attempt `attempt` (1-based), before jitter is applied: up to a
    /// quarter less, so that many clients retrying together spread out.
    fn delay(&self, attempt: u32) -> Duration {
        let base = self
            .first_delay
            .saturating_mul(1 << attempt.saturating_sub(1).min(16))
            .min(self.max_delay);
        let mut byte = [0u8; 1];
        let jitter = if getrandom::getrandom(&mut byte).is_ok() {
            f64::from(byte[0]) / 1024.0
        } else {
            0.0
        };
        base.mul_f64(1.0 - jitter)
    }
}

/// Formats a registry error answer: `registry refused (HTTP 422 bad_signature): message`.
fn registry_error(status: u16, body: &[u8], url: &str) -> String {
    #[derive(serde::Deserialize)]
    struct Wrapper {
        error: Inner,
    }
    #[derive(serde::Deserialize)]
    struct Inner {
        code: String,
        message: String,
    }
    match serde_json::from_slice::<Wrapper>(body) {
        Ok(w) => format!(
            "registry refused (HTTP {status} {}): {}",
            w.error.code, w.error.message
        ),
        Err(_) => format!(
            "registry answered HTTP {status} from {url}: {}",
            String::from_utf8_lossy(&body[..body.len().min(200)])
        ),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut source = e.source();
    while let Some(inner) = source {
        s.push_str(": ");
        s.push_str(&inner.to_string());
        source = inner.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Retry;

    #[test]
    fn only_passing_failures_are_retried_and_the_backoff_grows_to_its_cap() {
        for status in [408, 429, 500, 502, 503, 504] {
            assert!(Retry::passing(status), "{status}");
        }
        for status in [400, 401, 403, 404, 409, 413, 422] {
            assert!(!Retry::passing(status), "{status}");
        }
        let r = Retry::default();
        let delays: Vec<Duration> = (1..=r.attempts).map(|a| r.delay(a)).collect();
        // Jitter takes up to a quarter off: each wait is within [3/4, 1] of its nominal value.
        for (a, d) in delays.iter().enumerate() {
            let nominal = r.first_delay.saturating_mul(1 << a).min(r.max_delay);
            assert!(*d <= nominal && *d >= nominal.mul_f64(0.75), "{a}: {d:?}");
        }
        assert!(delays.iter().sum::<Duration>() <= Duration::from_secs(30));
    }
}
