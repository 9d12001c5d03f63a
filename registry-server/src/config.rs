//! The registry's settings, from flags and environment variables (see [`crate::cli`]), with the
//! defaults a local demo needs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// Largest request body accepted (a 300-device report is well under 1 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;

/// Largest body `POST /api/v1/check` accepts by default.
pub const DEFAULT_CHECK_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Everything `serve` needs besides the listener.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub database: String,
    pub max_body_bytes: usize,
    /// Whole-request deadline, including reading a slow body.
    pub request_timeout: Duration,
    /// Failed authentications allowed per client address per window before 429.
    pub auth_failures_per_window: u32,
    pub auth_failure_window: Duration,
    /// The oldest `mxcert` version whose reports are accepted without a failed check.
    pub min_tool_version: String,
    /// Where plan files (`*.toml`) are read from; `None` uses the plans shipped with mxcert.
    pub plans_dir: Option<PathBuf>,
    /// How long a certificate is valid.
    pub certificate_validity: chrono::Duration,
    /// The web portal's settings (public URL, session length, form size).
    pub web: crate::web::WebConfig,
    /// Largest body `POST /api/v1/check` accepts (a big server's `udevadm info --export-db` is
    /// well under 1 MiB).
    pub check_max_body_bytes: usize,
    /// Public (unauthenticated) POSTs per client address per minute, after a burst of
    /// `public_post_burst`; 0 turns the limit off.
    pub public_posts_per_minute: u32,
    pub public_post_burst: u32,
    /// How often certificates that expired are swept out of the device index.
    pub expiry_sweep_interval: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "sqlite://mxcert-registry.db".into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(30),
            auth_failures_per_window: 20,
            auth_failure_window: Duration::from_secs(60),
            min_tool_version: "0.1.0".into(),
            plans_dir: None,
            certificate_validity: chrono::Duration::days(3 * 365),
            web: crate::web::WebConfig::default(),
            check_max_body_bytes: DEFAULT_CHECK_MAX_BODY_BYTES,
            public_posts_per_minute: 60,
            public_post_burst: 20,
            expiry_sweep_interval: Duration::from_secs(600),
        }
    }
}
