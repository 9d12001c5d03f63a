//! The session directory: `session.json` (what was decided at the start), the journal, the
//! scratch directory and the final report, guarded by an exclusive lock so two runners never
//! share a session.
//!
//! `session.json` is written once, atomically, before the first test; it is an internal file
//! (not a published format) but versioned so a newer mxcert refuses an older layout clearly.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mxcert_core::inventory::Inventory;
use mxcert_core::plan::Plan;
use mxcert_core::report::Tool;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::journal::{Journal, Replay};
use super::RunError;

pub const SESSION_FILE: &str = "session.json";
pub const JOURNAL_FILE: &str = "journal.jsonl";
pub const REPORT_FILE: &str = "report.json";
const LOCK_FILE: &str = "lock";
const SCRATCH_DIR: &str = "scratch";
const SESSION_VERSION: u32 = 1;

/// Which tests the person chose.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Selection {
    #[serde(default)]
    pub only: Vec<String>,
    #[serde(default)]
    pub skip: Vec<String>,
}

impl Selection {
    /// Why a test is not run, if it is deselected.
    pub fn deselected(&self, test: &str) -> Option<&'static str> {
        if !self.only.is_empty() && !self.only.iter().any(|t| t == test) {
            Some("not selected (the run used --only)")
        } else if self.skip.iter().any(|t| t == test) {
            Some("deselected with --skip")
        } else {
            None
        }
    }
}

/// What was decided when the session started.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionInfo {
    pub schema_version: u32,
    pub report_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub tool: Tool,
    /// The `--plan` argument, for messages.
    pub plan_source: String,
    pub plan: Plan,
    pub plan_sha256: String,
    pub selection: Selection,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// `--out` and `--junit` of the first invocation, used again on resume unless overridden.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub junit: Option<PathBuf>,
    /// The plan's declarations the tester made (sorted), fixed at the start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub declared: Vec<String>,
    /// `--root`: the directory checks read hardware through instead of `/` (a fixture tree).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub root: Option<PathBuf>,
    pub inventory: Inventory,
}

/// An open, locked session.
#[derive(Debug)]
pub struct Session {
    pub dir: PathBuf,
    pub info: SessionInfo,
    _lock: Flock<File>,
}

fn lock(dir: &Path) -> Result<Flock<File>, RunError> {
    let path = dir.join(LOCK_FILE);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|source| RunError::Write {
            path: path.clone(),
            source,
        })?;
    Flock::lock(file, FlockArg::LockExclusiveNonblock).map_err(|(_, errno)| {
        if errno == nix::errno::Errno::EWOULDBLOCK {
            RunError::Locked {
                dir: dir.to_path_buf(),
            }
        } else {
            RunError::Write {
                path,
                source: std::io::Error::from(errno),
            }
        }
    })
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

impl Session {
    /// Starts a session in `dir` (created if missing; it must not hold a session yet).
    pub fn create(dir: &Path, info: SessionInfo) -> Result<(Session, Journal), RunError> {
        let write_err = |path: &Path| {
            let path = path.to_path_buf();
            move |source| RunError::Write { path, source }
        };
        fs::create_dir_all(dir).map_err(write_err(dir))?;
        let lock = lock(dir)?;
        let session_file = dir.join(SESSION_FILE);
        if session_file.exists() || dir.join(JOURNAL_FILE).exists() {
            return Err(RunError::SessionExists {
                dir: dir.to_path_buf(),
            });
        }
        let bytes = mxcert_core::format::to_json_pretty(&info);
        crate::output::write_atomic(&session_file, &bytes, Some(0o600)).map_err(|e| {
            RunError::Write {
                path: session_file.clone(),
                source: std::io::Error::other(e.to_string()),
            }
        })?;
        let journal = Journal::create(&dir.join(JOURNAL_FILE), info.report_id)?;
        sync_dir(dir);
        Ok((
            Session {
                dir: dir.to_path_buf(),
                info,
                _lock: lock,
            },
            journal,
        ))
    }

    /// Opens the session in `dir` to resume it.
    pub fn open(dir: &Path) -> Result<(Session, Journal, Replay), RunError> {
        let session_file = dir.join(SESSION_FILE);
        if !session_file.exists() {
            return Err(RunError::NoSession {
                dir: dir.to_path_buf(),
                file: session_file,
            });
        }
        let lock = lock(dir)?;
        let info = read_info(&session_file)?;
        let (journal, replay) = Journal::open(&dir.join(JOURNAL_FILE), info.report_id)?;
        Ok((
            Session {
                dir: dir.to_path_buf(),
                info,
                _lock: lock,
            },
            journal,
            replay,
        ))
    }

    /// The scratch directory for one test (created empty).
    pub fn scratch_for(&self, test: &str) -> Result<PathBuf, RunError> {
        let dir = self.dir.join(SCRATCH_DIR).join(test);
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).map_err(|source| RunError::Write {
            path: dir.clone(),
            source,
        })?;
        Ok(dir)
    }

    /// Removes a test's scratch directory, whatever the check left in it.
    pub fn clean_scratch(&self, test: &str) {
        let _ = fs::remove_dir_all(self.dir.join(SCRATCH_DIR).join(test));
    }

    /// Removes the whole scratch directory (at the end of the run).
    pub fn remove_scratch(&self) {
        let _ = fs::remove_dir_all(self.dir.join(SCRATCH_DIR));
    }

    pub fn report_path(&self) -> PathBuf {
        self.dir.join(REPORT_FILE)
    }
}

/// Reads and checks `session.json`: its version, and that the plan it holds still has the
/// digest recorded (so a hand-edited plan is refused rather than reported under the old digest).
pub fn read_info(path: &Path) -> Result<SessionInfo, RunError> {
    let bytes = fs::read(path).map_err(|source| RunError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let bad = |message: String| RunError::BadSession {
        path: path.to_path_buf(),
        message,
    };
    let info: SessionInfo =
        mxcert_core::format::from_json(&bytes).map_err(|e| bad(e.to_string()))?;
    if info.schema_version != SESSION_VERSION {
        return Err(bad(format!(
            "session version {} (this mxcert reads version {SESSION_VERSION})",
            info.schema_version
        )));
    }
    if info.plan.sha256() != info.plan_sha256 {
        return Err(bad(
            "the plan in it does not match its recorded digest".into()
        ));
    }
    for t in &info.plan.tests {
        t.typed_check()
            .map_err(|e| bad(format!("test {}: {e}", t.id)))?;
    }
    Ok(info)
}

/// A new session's record.
pub fn new_info(
    plan: Plan,
    plan_source: String,
    selection: Selection,
    device: Option<String>,
    out: Option<PathBuf>,
    junit: Option<PathBuf>,
    inventory: Inventory,
) -> SessionInfo {
    let now = Utc::now();
    SessionInfo {
        schema_version: SESSION_VERSION,
        report_id: Uuid::now_v7(),
        created_at: now,
        tool: crate::tool(),
        plan_source,
        plan_sha256: plan.sha256(),
        plan,
        selection,
        device,
        out,
        junit,
        declared: Vec::new(),
        root: None,
        inventory,
    }
}

/// Where sessions live when `--session` is not given.
pub fn default_root() -> PathBuf {
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
    match state {
        Some(s) => s.join("mxcert/sessions"),
        None => PathBuf::from("mxcert-sessions"),
    }
}

/// A new session directory under the default root, named for the plan, the time and the report.
pub fn default_dir(info: &SessionInfo) -> PathBuf {
    let id = info.report_id.simple().to_string();
    default_root().join(format!(
        "{}-{}-{}",
        info.plan.id,
        info.created_at.format("%Y%m%d-%H%M%S"),
        &id[id.len() - 8..]
    ))
}

/// The most recently started session under the default root that has no report yet.
pub fn latest_unfinished() -> Result<PathBuf, RunError> {
    let root = default_root();
    let mut best: Option<(std::time::SystemTime, PathBuf)> = None;
    for entry in fs::read_dir(&root).into_iter().flatten().flatten() {
        let dir = entry.path();
        let session = dir.join(SESSION_FILE);
        if dir.join(REPORT_FILE).exists() {
            continue;
        }
        if let Ok(modified) = fs::metadata(&session).and_then(|m| m.modified()) {
            if best.as_ref().is_none_or(|(t, _)| modified > *t) {
                best = Some((modified, dir));
            }
        }
    }
    best.map(|(_, d)| d)
        .ok_or(RunError::NothingToResume { dir: root })
}
