//! The certification runner behind `mxcert run`.
//!
//! A run is a *session*: a directory holding `session.json` (the resolved plan, the inventory,
//! the report id and time, chosen at the start), `journal.jsonl` (one line per event, each
//! appended and fsynced before the next test starts), a `scratch/` directory for the checks,
//! and, at the end, `report.json`. Any interruption (Ctrl-C, `kill -9`, a crash, a reboot)
//! leaves a session that `mxcert run --resume --session DIR` continues with its first unfinished
//! test; finished tests never run again, and the final report is the one an uninterrupted run
//! would have written (same report id and creation time, inventory from the start).
//!
//! Each automated test runs in a child process (`mxcert __check`, [`child`]) in its own process
//! group, so a test past its timeout is killed with everything it started and recorded as
//! `timeout`, and a crashing check cannot take the runner down. Manual tests are asked in the
//! runner itself ([`prompt`]).
//!
//! Modules: [`plan_source`] (plan ids and files), [`declare`] (the tester's declarations),
//! [`session`] (the directory, its lock and `session.json`), [`journal`] (the append-only journal and its recovery), [`child`] (the
//! isolation boundary), [`survivor`] (check processes that outlived their runner, stopped on
//! `--resume`), [`restart`] (the resume unit and the restart of `power.reboot`), [`runner`] (the loop over tests), [`ui`] (progress and summary),
//! [`prompt`] (manual questions), [`attention`] (checks waiting for a person's action, with a
//! countdown), [`interrupt`] (signals), [`report`] (report and JUnit),
//! [`sampler`] (measurements once a second while a test runs), [`attachments`] (the kernel
//! log, failed units and firmware devices, scrubbed and bounded, attached to the report).
//!
//! What must not be here: the checks themselves (`mxcert-suites`), plan parsing
//! (`mxcert_core::plan`), or probing (`crate::probe`).

pub mod attachments;
pub mod attention;
pub mod child;
pub mod declare;
pub mod interrupt;
pub mod journal;
pub mod plan_source;
pub mod prompt;
pub mod report;
pub mod restart;
pub mod runner;
pub mod sampler;
pub mod session;
pub mod survivor;
pub mod ui;

use std::path::PathBuf;

/// Why a run could not go on.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("failed to read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{dir} already holds a session; continue it with --resume or choose another directory"
    )]
    SessionExists { dir: PathBuf },
    #[error("{dir} holds no session to resume ({file} is missing)")]
    NoSession { dir: PathBuf, file: PathBuf },
    #[error("no unfinished session to resume in {dir}; give one with --session DIR")]
    NothingToResume { dir: PathBuf },
    #[error("session {dir} is in use by another mxcert run")]
    Locked { dir: PathBuf },
    #[error("{path} is not a valid session file: {message}")]
    BadSession { path: PathBuf, message: String },
    #[error("journal {path} is corrupt at line {line}: {message}; lines after it were written later, so this is not a torn last write and the session cannot be resumed safely")]
    CorruptJournal {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("failed to run a check process ({exe}): {source}")]
    Spawn {
        exe: PathBuf,
        source: std::io::Error,
    },
    #[error("failed to stop process {pid}, still running test {test} from the stopped session: {source}")]
    Survivor {
        test: String,
        pid: u32,
        source: survivor::StopError,
    },
    #[error("interrupted")]
    Interrupted,
}

impl RunError {
    /// The CLI error for this, with its exit code.
    pub fn into_cli(self) -> crate::error::CliError {
        use crate::error::CliError;
        match self {
            RunError::Read { .. }
            | RunError::BadSession { .. }
            | RunError::CorruptJournal { .. } => CliError::BadInput(self.to_string()),
            RunError::SessionExists { .. }
            | RunError::NoSession { .. }
            | RunError::NothingToResume { .. } => CliError::Usage(self.to_string()),
            RunError::Write { .. }
            | RunError::Locked { .. }
            | RunError::Spawn { .. }
            | RunError::Survivor { .. } => CliError::Environment(self.to_string()),
            RunError::Interrupted => CliError::Interrupted,
        }
    }
}
