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
