//! The command-runner seam: how a check runs another program (`eglinfo`, `fwupdmgr`,
//! `ipmitool`, `nmcli`, ...), so that the same check runs against the real tool on a live
//! machine and against recorded outputs of real tools in tests.
//!
//! [`SystemRunner`] spawns the program (no shell) in its own process group with standard input
//! closed, keeps at most [`MAX_OUTPUT`] bytes of each stream, and kills the whole group when the
//! timeout passes. [`RecordedRunner`] replays files from a directory: for the command line
//! `fwupdmgr get-devices --json` it reads `fwupdmgr_get-devices_--json.stdout` (see
//! [`recording_name`]), plus optional `.stderr` and `.status` files; a command without a
//! recording is a missing tool. A `.status` file holds the exit status (`0` when absent), or
//! `timeout` to replay a tool that never answered.
//!
//! Checks take a `&dyn CommandRunner` in their `run_with` function; their `run` passes a
//! [`SystemRunner`].

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use crate::process::{self, Waited};

/// At most this many bytes of each output stream are kept; the rest is read and dropped.
pub const MAX_OUTPUT: usize = 4 * 1024 * 1024;

/// What a program printed and how it ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOutput {
    /// The exit status; `None` when a signal killed it.
    pub status: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
}

impl CommandOutput {
    /// Whether it exited with status 0.
    pub fn success(&self) -> bool {
        self.status == Some(0)
    }

    /// Standard output as text (lossy UTF-8).
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Standard error as text (lossy UTF-8).
    pub fn stderr_text(&self) -> String {
        String::from_utf8_lossy(&self.stderr).into_owned()
    }
}

/// Why a program gave no output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunError {
    /// The program is not installed (not on `PATH`, or not recorded).
    NotFound { program: String },
    /// It did not finish within the timeout; its process group was killed.
    TimedOut { program: String, after: Duration },
    /// It could not be started or waited for.
    Failed { program: String, reason: String },
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::NotFound { program } => write!(f, "{program} is not installed"),
            RunError::TimedOut { program, after } => write!(
                f,
                "{program} did not finish within {} s; its process group was killed",
                after.as_secs_f64()
            ),
            RunError::Failed { program, reason } => write!(f, "cannot run {program}: {reason}"),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs a program with arguments, bounded by a timeout.
pub trait CommandRunner {
    fn run(
        &self,
        program: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError>;
}

/// Runs real programs.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRunner;

fn read_bounded(mut r: impl Read + Send + 'static, tx: mpsc::Sender<(usize, Vec<u8>)>, i: usize) {
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buf = [0u8; 8192];
        loop {
            match r.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let room = MAX_OUTPUT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
            }
        }
        let _ = tx.send((i, kept));
    });
}

impl CommandRunner for SystemRunner {
    fn run(
        &self,
        program: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        let mut cmd = std::process::Command::new(program);
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .env("LC_ALL", "C")
            .process_group(0);
        let mut child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(RunError::NotFound {
                    program: program.to_owned(),
                })
            }
            Err(e) => {
                return Err(RunError::Failed {
                    program: program.to_owned(),
                    reason: e.to_string(),
                })
            }
        };
        let (tx, rx) = mpsc::channel();
        if let Some(o) = child.stdout.take() {
            read_bounded(o, tx.clone(), 0);
        }
        if let Some(e) = child.stderr.take() {
            read_bounded(e, tx, 1);
        }
        let status = match process::wait(child, Some(timeout), &|| false, &mut || {}) {
            Ok(Waited::Exited(s)) => s,
            Ok(_) => {
                return Err(RunError::TimedOut {
                    program: program.to_owned(),
                    after: timeout,
                })
            }
            Err(e) => {
                return Err(RunError::Failed {
                    program: program.to_owned(),
                    reason: e.to_string(),
                })
            }
        };
        // The pipes close when the program exits, unless it left a background process holding
        // them: wait a little, then go on without the rest.
        let mut streams = [Vec::new(), Vec::new()];
        let grace = Instant::now() + Duration::from_secs(2);
        for _ in 0..2 {
            match rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
                Ok((i, bytes)) => streams[i] = bytes,
                Err(_) => break,
            }
        }
        let [stdout, stderr] = streams;
        Ok(CommandOutput {
            status: status.code(),
            stdout,
            stderr,
        })
    }
}

/// Replays recorded outputs from a directory (see the module documentation).
#[derive(Debug, Clone)]
pub struct RecordedRunner {
    dir: PathBuf,
}

/// The file name (without extension) a command line's recording has: the words joined with
/// `_`, every character but ASCII letters, digits, `.`, `-` and `+` replaced by `_`.
pub fn recording_name(program: &str, args: &[&str]) -> String {
    std::iter::once(program)
        .chain(args.iter().copied())
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || ".-+".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("_")
}

impl RecordedRunner {
    pub fn new(dir: impl Into<PathBuf>) -> RecordedRunner {
        RecordedRunner { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl CommandRunner for RecordedRunner {
    fn run(
        &self,
        program: &str,
        args: &[&str],
        timeout: Duration,
    ) -> Result<CommandOutput, RunError> {
        let name = recording_name(program, args);
        let file = |ext: &str| self.dir.join(format!("{name}.{ext}"));
        let failed = |e: std::io::Error, path: &Path| RunError::Failed {
            program: program.to_owned(),
            reason: format!("cannot read the recording {}: {e}", path.display()),
        };
        let optional = |path: PathBuf| match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(failed(e, &path)),
        };
        let status = optional(file("status"))?;
        if status.as_deref().map(|s| s.trim_ascii()) == Some(b"timeout") {
            return Err(RunError::TimedOut {
                program: program.to_owned(),
                after: timeout,
            });
        }
        let Some(stdout) = optional(file("stdout"))? else {
            return Err(RunError::NotFound {
                program: program.to_owned(),
            });
        };
        let status = match status {
            None => Some(0),
            Some(s) => {
                let text = String::from_utf8_lossy(&s);
                match text.trim() {
                    "signal" => None,
                    t => Some(t.parse().map_err(|_| RunError::Failed {
                        program: program.to_owned(),
                        reason: format!("the recording {name}.status holds {t:?}, not a status"),
                    })?),
                }
            }
        };
        Ok(CommandOutput {
            status,
            stdout,
            stderr: optional(file("stderr"))?.unwrap_or_default(),
        })
    }
}
