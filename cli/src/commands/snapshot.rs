//! The signed offline snapshot: `mxcert snapshot update` fetches the registry's newest one
//! (`GET /api/v1/snapshot`, then its file by SHA-256), verifies the manifest's signature against
//! the registry's key and the file against the manifest, and saves them; [`load`] is what
//! `mxcert check --offline` answers from (the rules are `mxcert_core::snapshot`).
//!
//! Where things are: the snapshot (manifest `mxcert-snapshot.dsse.json`, its data file, and the
//! registry key it was verified with, `registry.pub`) under `$XDG_DATA_HOME/mxcert/snapshot`
//! (or `~/.local/share/mxcert/snapshot`); the highest snapshot version ever accepted in
//! `$XDG_STATE_HOME/mxcert/snapshot-state.json` (or `~/.local/state/...`). A snapshot with a lower
//! version than that is refused (someone may be replaying an old one). A snapshot past its
//! expiry is used with a warning for 7 days (`mxcert_core::snapshot::GRACE`), then refused.
//!
//! Exit codes: 1 when a snapshot is refused (signature or file digest does not verify, older
//! than one seen, expired beyond the grace period), 3 when a file is missing, damaged or not a
//! snapshot, 4 when the registry cannot be reached or serves something that does not verify
//! as a file, 5 when the snapshot cannot be saved.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mxcert_core::keys::{self, VerifyingKey};
use mxcert_core::snapshot::{self, Freshness, Index, Manifest, SnapshotError};
use serde::{Deserialize, Serialize};

use crate::args::SnapshotUpdateArgs;
use crate::client::Client;
use crate::commands::keys::read_public_key;
use crate::error::{CliError, Result};
use crate::{exit, output};

/// The manifest's file name (the same name `mxcert-registry admin snapshot export` writes).
pub const MANIFEST_FILE: &str = "mxcert-snapshot.dsse.json";
/// The registry key a saved snapshot was verified with.
pub const KEY_FILE: &str = "registry.pub";

fn xdg(var: &str, fallback: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(fallback)))
}

/// Where `mxcert snapshot update` saves the snapshot.
pub fn default_dir() -> Result<PathBuf> {
    xdg("XDG_DATA_HOME", ".local/share")
        .map(|d| d.join("mxcert/snapshot"))
        .ok_or_else(|| {
            CliError::Environment("neither XDG_DATA_HOME nor HOME is set: give --dir".into())
        })
}

fn state_path() -> Result<PathBuf> {
    xdg("XDG_STATE_HOME", ".local/state")
        .map(|d| d.join("mxcert/snapshot-state.json"))
        .ok_or_else(|| CliError::Environment("neither XDG_STATE_HOME nor HOME is set".into()))
}

/// What this user has accepted before.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Seen {
    highest_version: u64,
}

fn read_seen(path: &Path) -> Result<Seen> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
            CliError::Environment(format!(
                "failed to read {} (delete it to start over): {e}",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Seen::default()),
        Err(e) => Err(CliError::Environment(format!(
            "failed to read {}: {e}",
            path.display()
        ))),
    }
}

/// Refuses a manifest older than one accepted before; records a newer one.
fn check_and_record_version(m: &Manifest) -> Result<()> {
    let path = state_path()?;
    let seen = read_seen(&path)?;
    if m.version < seen.highest_version {
        return Err(CliError::Failed(format!(
            "snapshot refused: its version {} is older than version {} already seen \
             (an old snapshot may be being replayed; run mxcert snapshot update)",
            m.version, seen.highest_version
        )));
    }
    if m.version > seen.highest_version {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| CliError::write(dir, e))?;
        }
        let bytes = mxcert_core::format::to_json_pretty(&Seen {
            highest_version: m.version,
        });
        output::write_atomic(&path, &bytes, Some(0o600))?;
    }
    Ok(())
}

/// A refusal of snapshot input as an error with the right exit code: 1 when it does not
/// verify, else `damaged` (3 for files, 4 for what a registry served).
fn refusal(what: &str, e: SnapshotError, damaged: fn(String) -> CliError) -> CliError {
    let message = format!("{what}: {e} ({})", e.code());
    if e.is_untrusted() {
        CliError::Failed(format!("snapshot refused: {message}"))
    } else {
        damaged(message)
    }
}

/// Reads a file of at most `max` bytes.
fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .map_err(|e| CliError::read(path, e))?
        .len();
    if len > max {
        return Err(CliError::BadInput(format!(
            "{} is {len} bytes; a snapshot file is at most {max}",
            path.display()
        )));
    }
    output::read_input(path)
}

/// A snapshot ready to answer checks.
#[derive(Debug)]
pub struct Loaded {
    pub manifest: Manifest,
    pub index: Index,
}

/// Opens the snapshot for `mxcert check --offline`: verifies it, refuses one older than seen or
/// expired beyond the grace period (warning on stderr within it).
pub fn load(manifest: Option<&Path>, key: Option<&Path>, now: DateTime<Utc>) -> Result<Loaded> {
    let manifest_path = match manifest {
        Some(p) => p.to_owned(),
        None => {
            let p = default_dir()?.join(MANIFEST_FILE);
            if !p.exists() {
                return Err(CliError::BadInput(format!(
                    "no snapshot at {}: run mxcert snapshot update (with a network) or give \
                     --snapshot FILE",
                    p.display()
                )));
            }
            p
        }
    };
    let dir = manifest_path
        .parent()
        .map(Path::to_owned)
        .unwrap_or_default();
    let key_path = match key {
        Some(k) => k.to_owned(),
        None => {
            let beside = dir.join(KEY_FILE);
            if !beside.exists() {
                return Err(CliError::Usage(format!(
                    "no registry key beside {}: give the registry's public key with \
                     --registry-key PEM",
                    manifest_path.display()
                )));
            }
            beside
        }
    };
    let key = read_public_key(&key_path)?;
    let bytes = read_bounded(&manifest_path, snapshot::MAX_MANIFEST_BYTES as u64)?;
    let m = snapshot::open_manifest(&bytes, &key)
        .map_err(|e| refusal(&manifest_path.display().to_string(), e, CliError::BadInput))?;
    match snapshot::freshness(&m, now) {
        Freshness::Fresh => {}
        Freshness::Expired { refused_after } => eprintln!(
            "mxcert: warning: the snapshot (version {}) expired at {}; it will be refused after \
             {refused_after}: run mxcert snapshot update",
            m.version, m.expires_at
        ),
        Freshness::TooOld { refused_since } => {
            return Err(CliError::Failed(format!(
                "snapshot refused: it expired at {} and is too old to use since {refused_since}: \
                 run mxcert snapshot update",
                m.expires_at
            )))
        }
    }
    let data_path = dir.join(&m.data.name);
    let data = read_bounded(&data_path, m.data.size)?;
    let data = snapshot::open_data(&m, &data)
        .map_err(|e| refusal(&data_path.display().to_string(), e, CliError::BadInput))?;
    check_and_record_version(&m)?;
    Ok(Loaded {
        manifest: m,
        index: Index::new(data),
    })
}

fn registry_key(
    args: &SnapshotUpdateArgs,
    client: &Client,
) -> Result<(VerifyingKey, Option<String>)> {
    if let Some(path) = &args.registry_key {
        return Ok((read_public_key(path)?, None));
    }
    let pem = client.get_bytes("/api/v1/registry-key")?;
    let pem = String::from_utf8_lossy(&pem).into_owned();
    let key = keys::public_key_from_pem(&pem).map_err(|e| {
        CliError::Registry(format!(
            "the registry's key at {} is not a public key: {e}",
            client.base()
        ))
    })?;
    Ok((key, Some(pem)))
}

pub fn update(args: &SnapshotUpdateArgs) -> Result<u8> {
    let client = Client::public(&args.registry)?;
    let (key, fetched_pem) = registry_key(args, &client)?;
    let bytes = client.get_bytes("/api/v1/snapshot")?;
    let what = format!("{}/api/v1/snapshot", client.base());
    let m =
        snapshot::open_manifest(&bytes, &key).map_err(|e| refusal(&what, e, CliError::Registry))?;
    if let Freshness::TooOld { .. } = snapshot::freshness(&m, Utc::now()) {
        return Err(CliError::Registry(format!(
            "the registry served a snapshot that expired at {}",
            m.expires_at
        )));
    }
    let data = client.get_bytes(&format!("/api/v1/snapshot/data/{}", m.data.sha256))?;
    let opened =
        snapshot::open_data(&m, &data).map_err(|e| refusal(&what, e, CliError::Registry))?;
    check_and_record_version(&m)?;
    let dir = match &args.dir {
        Some(d) => d.clone(),
        None => default_dir()?,
    };
    std::fs::create_dir_all(&dir).map_err(|e| CliError::write(&dir, e))?;
    output::write_atomic(&dir.join(&m.data.name), &data, Some(0o644))?;
    let key_pem = match fetched_pem {
        Some(pem) => pem,
        None => keys::public_key_to_pem(&key).map_err(|e| CliError::Environment(e.to_string()))?,
    };
    output::write_atomic(&dir.join(KEY_FILE), key_pem.as_bytes(), Some(0o644))?;
    // The manifest last: a reader never finds a manifest without its file.
    output::write_atomic(&dir.join(MANIFEST_FILE), &bytes, Some(0o644))?;
    let line = format!(
        "snapshot version {} ({} certified systems, {} devices), created {}, expires {}: {}\n",
        m.version,
        opened.systems.len(),
        opened.devices.len(),
        m.created_at,
        m.expires_at,
        dir.join(MANIFEST_FILE).display()
    );
    output::write_stdout(line.as_bytes())?;
    Ok(exit::SUCCESS)
}
