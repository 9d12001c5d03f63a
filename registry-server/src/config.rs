//! The registry's settings, from flags, environment variables and an optional TOML file (see
//! [`crate::cli`] for the precedence), with the
//! defaults a local demo needs.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::client_addr::{TrustedProxies, TrustedProxy};
pub use crate::witness::WitnessSetting;

/// Largest request body accepted (a 300-device report is well under 1 MiB): the envelope budget
/// of `mxcert_core::budget` (8 MiB), which `mxcert run` trims reports to and `mxcert submit`
/// checks before sending. A registry configured lower answers larger envelopes with 413.
pub const DEFAULT_MAX_BODY_BYTES: usize = mxcert_core::budget::MAX_ENVELOPE_BYTES;

/// Largest body `POST /api/v1/check` accepts by default.
pub const DEFAULT_CHECK_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// How often the offline snapshot may be rebuilt at most, by default.
pub const DEFAULT_SNAPSHOT_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// The longest a certificate or a token may be made valid for, in days: 100 years, far inside
/// what stored timestamps hold (they end at the year 9999) and what date arithmetic can add
/// without overflowing.
pub const MAX_VALIDITY_DAYS: u32 = 36_500;

/// `days` as a duration when it is between 1 and [`MAX_VALIDITY_DAYS`]; otherwise a message
/// naming `name` and the value (the API answers it as a 400, the command line as a usage error).
pub fn validity_days(name: &str, days: u32) -> Result<chrono::Duration, String> {
    if (1..=MAX_VALIDITY_DAYS).contains(&days) {
        Ok(chrono::Duration::days(i64::from(days)))
    } else {
        Err(format!(
            "{name} must be between 1 and {MAX_VALIDITY_DAYS} days, not {days}"
        ))
    }
}

/// The longest request or header deadline, in seconds (a day): a deadline is added to the
/// current instant, which overflows (a panic on every connection) for values near `u64::MAX`.
pub const MAX_TIMEOUT_SECS: u64 = 86_400;

/// Checks a deadline setting against [`MAX_TIMEOUT_SECS`]; the message names `name` and the value.
pub fn timeout_secs(name: &str, secs: u64) -> Result<u64, String> {
    if secs <= MAX_TIMEOUT_SECS {
        Ok(secs)
    } else {
        Err(format!(
            "{name} must be at most {MAX_TIMEOUT_SECS} seconds, not {secs}"
        ))
    }
}

/// Everything `serve` needs besides the listener.
#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://...`.
    pub database: String,
    pub max_body_bytes: usize,
    /// Whole-request deadline, including reading a slow body.
    pub request_timeout: Duration,
    /// How long a client may take to send a request's headers (and how long an idle keep-alive
    /// connection stays open) before it is disconnected.
    pub header_read_timeout: Duration,
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
    pub web: WebConfig,
    /// The transparency log's origin line; `None` derives it from the public URL
    /// (`store::tlog::default_origin`). Fixed when the log is made.
    pub log_origin: Option<String>,
    /// Largest body `POST /api/v1/check` accepts (a big server's `udevadm info --export-db` is
    /// well under 1 MiB).
    pub check_max_body_bytes: usize,
    /// Public (unauthenticated) POSTs per client address per minute, after a burst of
    /// `public_post_burst`; 0 turns the limit off.
    pub public_posts_per_minute: u32,
    pub public_post_burst: u32,
    /// Community reports per client address per hour, after a burst of
    /// `community_report_burst`; 0 turns the limit off.
    pub community_reports_per_hour: u32,
    pub community_report_burst: u32,
    /// Community reports per machine id per hour (after a burst of 3); 0 turns it off.
    pub community_reports_per_machine_per_hour: u32,
    /// How often certificates that expired are swept out of the device index.
    pub expiry_sweep_interval: Duration,
    /// Reverse proxies whose `Forwarded`/`X-Forwarded-For` name the client (see
    /// [`crate::client_addr`]); none by default.
    pub trusted_proxies: TrustedProxies,
    /// The published mark (see [`crate::published`]): `None` keeps none (the default for
    /// PostgreSQL); SQLite databases default to `DB.published` beside the file.
    pub published_mark: Option<PathBuf>,
    /// The transparency log's witnesses (C2SP `tlog-witness`, see [`crate::witness`]); none by
    /// default.
    pub witnesses: Vec<WitnessSetting>,
    /// Deadline of one request to a witness.
    pub witness_timeout: Duration,
    /// The longest wait between two tries of a witness that failed.
    pub witness_retry_max: Duration,
    /// The offline snapshot is rebuilt when its data changed, at most once per this interval
    /// (see [`crate::public::snapshot`]).
    pub snapshot_min_interval: Duration,
    /// Bytes of device answers kept in memory ([`crate::public::answer_cache`]); 0 turns the
    /// cache off.
    pub answer_cache_bytes: u64,
    /// How often the stored data generation is read: how long another instance's write may take
    /// to show in this instance's cached answers ([`crate::store::generation`]).
    pub data_generation_poll: Duration,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database: "sqlite://mxcert-registry.db".into(),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            request_timeout: Duration::from_secs(30),
            header_read_timeout: Duration::from_secs(10),
            auth_failures_per_window: 20,
            auth_failure_window: Duration::from_secs(60),
            min_tool_version: "0.1.0".into(),
            plans_dir: None,
            certificate_validity: chrono::Duration::days(3 * 365),
            web: WebConfig::default(),
            log_origin: None,
            check_max_body_bytes: DEFAULT_CHECK_MAX_BODY_BYTES,
            public_posts_per_minute: 60,
            public_post_burst: 20,
            community_reports_per_hour: 30,
            community_report_burst: 10,
            community_reports_per_machine_per_hour: 6,
            expiry_sweep_interval: Duration::from_secs(600),
            trusted_proxies: TrustedProxies::default(),
            published_mark: None,
            witnesses: Vec::new(),
            witness_timeout: Duration::from_secs(10),
            witness_retry_max: Duration::from_secs(60),
            snapshot_min_interval: DEFAULT_SNAPSHOT_MIN_INTERVAL,
            answer_cache_bytes: DEFAULT_ANSWER_CACHE_BYTES,
            data_generation_poll: crate::store::generation::POLL,
        }
    }
}

/// The default budget of the device answer cache: 64 MiB.
pub const DEFAULT_ANSWER_CACHE_BYTES: u64 = 64 << 20;

/// What a configuration file (`--config FILE`, TOML) may set. Every key is optional; a flag or
/// its environment variable overrides the file, and the file overrides the defaults. Unknown keys
/// are errors, so a misspelt setting is never silently ignored. Relative paths in the file are
/// relative to the file's directory.
///
/// ```toml
/// database = "sqlite:///var/lib/mxcert/registry.db"
/// listen = "0.0.0.0:8080"
/// public_url = "https://registro.mxos.mx"
/// request_timeout_secs = 30
/// trusted_proxies = ["10.0.0.1", "192.168.0.0/24"]
/// ```
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub database: Option<String>,
    pub listen: Option<SocketAddr>,
    pub plans_dir: Option<PathBuf>,
    pub min_tool_version: Option<String>,
    pub max_body_bytes: Option<usize>,
    pub check_max_body_bytes: Option<usize>,
    pub request_timeout_secs: Option<u64>,
    pub header_read_timeout_secs: Option<u64>,
    pub certificate_validity_days: Option<u32>,
    pub public_url: Option<String>,
    pub log_origin: Option<String>,
    pub public_posts_per_minute: Option<u32>,
    pub public_post_burst: Option<u32>,
    pub community_reports_per_hour: Option<u32>,
    pub community_report_burst: Option<u32>,
    pub community_reports_per_machine_per_hour: Option<u32>,
    pub auth_failures_per_minute: Option<u32>,
    /// Addresses or CIDR ranges, e.g. `["10.0.0.1", "fd00::/8"]`.
    pub trusted_proxies: Option<Vec<TrustedProxy>>,
    /// The published mark's file (see [`crate::published`]).
    pub published_mark: Option<PathBuf>,
    /// The transparency log's witnesses: `[[witness]]` tables of `key` (signed-note vkey) and
    /// `url` (submission prefix).
    #[serde(rename = "witness")]
    pub witnesses: Option<Vec<WitnessSetting>>,
    /// Deadline of one request to a witness, in seconds, at most 86400.
    pub witness_timeout_secs: Option<u64>,
    /// Seconds between two rebuilds of the offline snapshot at most (1 to 86400).
    pub snapshot_min_interval_secs: Option<u64>,
    /// Bytes of device answers kept in memory (default 64 MiB; 0 turns the cache off).
    pub answer_cache_bytes: Option<u64>,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {message}")]
    Parse { path: PathBuf, message: String },
}

impl FileSettings {
    /// Reads and parses `path`; relative `plans_dir` and `sqlite://` paths are resolved against
    /// the file's directory.
    pub fn load(path: &std::path::Path) -> Result<FileSettings, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut settings = FileSettings::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })?;
        let base = path.parent().unwrap_or(std::path::Path::new("."));
        if let Some(dir) = &settings.plans_dir {
            if dir.is_relative() {
                settings.plans_dir = Some(base.join(dir));
            }
        }
        if let Some(file) = &settings.published_mark {
            if file.is_relative() {
                settings.published_mark = Some(base.join(file));
            }
        }
        if let Some(db) = &settings.database {
            if let Some(file) = db.strip_prefix("sqlite://") {
                let file = std::path::Path::new(file);
                if file.is_relative() && !file.as_os_str().is_empty() {
                    settings.database = Some(format!("sqlite://{}", base.join(file).display()));
                }
            }
        }
        Ok(settings)
    }

    /// Parses the TOML text of a configuration file; the error names the line and column, or
    /// the key whose value is out of range.
    pub fn parse(text: &str) -> Result<FileSettings, String> {
        let settings: FileSettings = toml::from_str(text).map_err(|e| {
            let message = e.message().to_owned();
            match e.span() {
                Some(span) => {
                    let line = text[..span.start.min(text.len())].matches('\n').count() + 1;
                    format!("line {line}: {message}")
                }
                None => message,
            }
        })?;
        if let Some(days) = settings.certificate_validity_days {
            validity_days("certificate_validity_days", days)?;
        }
        if let Some(secs) = settings.request_timeout_secs {
            timeout_secs("request_timeout_secs", secs)?;
        }
        if let Some(secs) = settings.header_read_timeout_secs {
            timeout_secs("header_read_timeout_secs", secs)?;
        }
        if let Some(secs) = settings.witness_timeout_secs {
            timeout_secs("witness_timeout_secs", secs)?;
        }
        for w in settings.witnesses.iter().flatten() {
            crate::witness::Witness::from_setting(w)?;
        }
        if let Some(secs) = settings.snapshot_min_interval_secs {
            if !(1..=86_400).contains(&secs) {
                return Err(format!(
                    "snapshot_min_interval_secs = {secs} is out of range (1 to 86400 seconds)"
                ));
            }
        }
        Ok(settings)
    }
}

/// The portal's settings.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL the public reaches the registry at (e.g. `https://registro.mxos.mx`); when it is
    /// `https`, cookies are always `Secure`.
    pub public_url: Option<String>,
    /// How long a sign-in lasts.
    pub session_ttl: Duration,
    /// Largest form body accepted (a pasted `udevadm info --export-db` is a few hundred KiB).
    pub max_form_bytes: usize,
}

impl Default for WebConfig {
    fn default() -> WebConfig {
        WebConfig {
            public_url: None,
            session_ttl: Duration::from_secs(8 * 3600),
            max_form_bytes: 4 * 1024 * 1024,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_with_every_key_parses() {
        let s = FileSettings::parse(
            r#"
database = "postgres://mxcert@db/registry"
listen = "0.0.0.0:9000"
plans_dir = "/etc/mxcert/plans"
min_tool_version = "0.2.0"
max_body_bytes = 1048576
check_max_body_bytes = 65536
request_timeout_secs = 5
header_read_timeout_secs = 3
certificate_validity_days = 365
public_url = "https://registro.mxos.mx"
public_posts_per_minute = 0
public_post_burst = 5
auth_failures_per_minute = 10
trusted_proxies = ["10.0.0.1", "fd00::/8"]
witness_timeout_secs = 5
snapshot_min_interval_secs = 300
"#,
        )
        .unwrap();
        assert_eq!(s.snapshot_min_interval_secs, Some(300));
        assert_eq!(s.listen, Some(SocketAddr::from(([0, 0, 0, 0], 9000))));
        assert_eq!(s.public_posts_per_minute, Some(0));
        assert_eq!(s.header_read_timeout_secs, Some(3));
        assert_eq!(s.database.as_deref(), Some("postgres://mxcert@db/registry"));
        let proxies: Vec<String> = s
            .trusted_proxies
            .unwrap()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(proxies, ["10.0.0.1/32", "fd00::/8"]);
        assert_eq!(s.witness_timeout_secs, Some(5));
        let key = mxcert_core::tlog::cosignature::CosignerKey::new(
            "witness.example/w1",
            ed25519_dalek::SigningKey::from_bytes(&[3; 32]).verifying_key(),
        )
        .unwrap();
        let s = FileSettings::parse(&format!(
            "[[witness]]\nkey = \"{key}\"\nurl = \"https://witness.example/w1\"\n"
        ))
        .unwrap();
        assert_eq!(s.witnesses.unwrap()[0].url, "https://witness.example/w1");
        let e =
            FileSettings::parse("[[witness]]\nkey = \"nope\"\nurl = \"http://w\"\n").unwrap_err();
        assert!(
            e.starts_with("witness key \"nope\" is not a cosignature"),
            "{e}"
        );
    }

    #[test]
    fn a_trusted_proxy_that_is_not_an_address_names_itself_and_the_line() {
        let e = FileSettings::parse(
            "listen = \"127.0.0.1:1\"\ntrusted_proxies = [\"10.0.0.1\", \"proxy.lan\"]\n",
        )
        .unwrap_err();
        assert!(
            e.starts_with("line 2: ") && e.contains("\"proxy.lan\" is not an IP address"),
            "{e}"
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_line() {
        let e =
            FileSettings::parse("listen = \"127.0.0.1:1\"\nlisten_adress = \"x\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2: unknown field `listen_adress`"),
            "{e}"
        );
        let e = FileSettings::parse("\n\nmax_body_bytes = \"big\"\n").unwrap_err();
        assert!(e.starts_with("line 3: "), "{e}");
        let e = FileSettings::parse("listen = \"not an address\"\n").unwrap_err();
        assert!(e.starts_with("line 1: "), "{e}");
        let e = FileSettings::parse("snapshot_min_interval_secs = 0\n").unwrap_err();
        assert!(
            e.contains("snapshot_min_interval_secs = 0 is out of range"),
            "{e}"
        );
    }

    #[test]
    fn relative_paths_are_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("registry.toml");
        std::fs::write(
            &path,
            "database = \"sqlite://data/r.db\"\nplans_dir = \"plans\"\n",
        )
        .unwrap();
        let s = FileSettings::load(&path).unwrap();
        assert_eq!(
            s.database.unwrap(),
            format!("sqlite://{}", dir.path().join("data/r.db").display())
        );
        assert_eq!(s.plans_dir.unwrap(), dir.path().join("plans"));
        let missing = dir.path().join("nope.toml");
        let e = FileSettings::load(&missing).unwrap_err().to_string();
        assert!(
            e.starts_with("cannot read config file ") && e.contains("nope.toml"),
            "{e}"
        );
    }
}
