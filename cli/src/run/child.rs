//! The isolation boundary: every automated check runs in a child process, `mxcert __check`,
//! started in its own process group. The runner writes a [`Request`] (the test and its context)
//! to the child's standard input and reads an [`Outcome`] as JSON from its standard output.
//!
//! When the test's time is up, or the person presses Ctrl-C, the runner kills the whole process
//! group (the check and anything it started), so a hung check never hangs the run. After a
//! check ends its group is killed as well, so nothing it left behind keeps running.
//!
//! A check dies with its runner, even with `kill -9` of the runner, and takes its process group
//! (a `command` check's program and whatever that started) with it:
//! - between fork and exec the child asks the kernel for SIGKILL when its parent dies
//!   (`PR_SET_PDEATHSIG`), then looks whether the parent already died before that took effect
//!   (`getppid()` is no longer the runner's pid) and if so exits at once;
//! - `mxcert __check` then has a thread wait for SIGTERM to SIGKILL its own process group, and
//!   switches its death signal to SIGTERM (looking at `getppid()` again afterwards). The
//!   grandchildren get no death signal of their own: a program's children would escape it, while
//!   all of them stay in the check's group unless they leave it on purpose.
//!
//! The kernel sends the death signal when the *thread* that spawned the child ends, not the
//! process: [`run`] must be called from a thread that lives as long as the run (the runner calls
//! it from the main thread).

use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mxcert_core::plan::Test;
use mxcert_suites::process::{self, Waited};
use mxcert_suites::{Context, Outcome};
use nix::sys::signal::Signal;
use serde::{Deserialize, Serialize};

use super::survivor::CheckProcess;
use super::RunError;

/// The exit status of a check process whose runner was already gone when it started.
const ORPHANED: i32 = 125;

/// What the runner sends a child.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    pub test: Test,
    pub context: Context,
}

/// How a child ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ChildEnd {
    /// The check finished and reported.
    Finished(Outcome),
    /// The check process died or answered garbage; the text says how.
    Crashed(String),
    /// The timeout passed; the process group was killed.
    TimedOut,
    /// Ctrl-C (or SIGTERM/SIGHUP); the process group was killed.
    Interrupted,
}

/// `mxcert __check`: reads a request on standard input, runs the check, writes the outcome.
/// Returns the process exit code.
/// `runner` is the runner's pid (`--runner-pid`).
pub fn child_main(runner: Option<u32>) -> u8 {
    if let Some(runner) = runner {
        take_group_along(runner);
    }
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("mxcert __check: failed to read the request: {e}");
        return crate::exit::BAD_INPUT;
    }
    let request: Request = match serde_json::from_slice(&input) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("mxcert __check: invalid request: {e}");
            return crate::exit::BAD_INPUT;
        }
    };
    let outcome = match request.test.typed_check() {
        Ok(check) => {
            let root = request.context.root.clone();
            mxcert_suites::checks::run_check_with(&check, &request.context, &|| reprobe(&root))
        }
        Err(e) => Outcome::error(format!("bad parameters: {e}")),
    };
    let mut out = std::io::stdout().lock();
    match serde_json::to_writer(&mut out, &outcome)
        .and_then(|()| out.flush().map_err(serde_json::Error::io))
    {
        Ok(()) => crate::exit::SUCCESS,
        Err(e) => {
            eprintln!("mxcert __check: failed to write the outcome: {e}");
            crate::exit::ENVIRONMENT
        }
    }
}

/// The inventory now, probed as the run started: live on `/`, the walker on a fixture tree.
pub fn reprobe(root: &std::path::Path) -> Result<mxcert_core::inventory::Inventory, String> {
    let source = if root == std::path::Path::new("/") {
        crate::probe::Source::Live
    } else {
        crate::probe::Source::Root(root.to_path_buf())
    };
    crate::probe::probe(&source).map_err(|e| e.to_string())
}

/// SIGKILL to this process's group, itself included.
fn kill_own_group() {
    let _ = nix::sys::signal::killpg(nix::unistd::getpgrp(), Signal::SIGKILL);
}

/// Makes the death of the runner (pid `runner`) end this check's whole process group, not only
/// this process: see the module documentation.
fn take_group_along(runner: u32) {
    use nix::unistd::{getpgrp, getpid, getppid};
    use signal_hook::consts::SIGTERM;
    // Only a group leader may kill its group (run by hand, the group is the caller's); the
    // death signal from before exec stays SIGKILL then.
    if getpgrp() != getpid() {
        return;
    }
    // From here SIGTERM no longer ends the process by itself: the thread kills the group.
    let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM]) else {
        return;
    };
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            kill_own_group();
        }
    });
    if nix::sys::prctl::set_pdeathsig(Signal::SIGTERM).is_err() {
        return;
    }
    // The runner may have died before the new death signal took effect.
    if u32::try_from(getppid().as_raw()).ok() != Some(runner) {
        kill_own_group();
    }
}

fn describe(status: ExitStatus) -> String {
    match (status.code(), status.signal()) {
        (Some(c), _) => format!("exited with status {c}"),
        (None, Some(s)) => format!(
            "was killed by signal {}",
            Signal::try_from(s)
                .map(|s| s.as_str().to_owned())
                .unwrap_or_else(|_| s.to_string())
        ),
        _ => "ended abnormally".into(),
    }
}

/// The last lines of a stream, for messages.
fn tail(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(5)..].join(" | ")
}

/// Runs `request` in a child of `exe` with `timeout`; `started` is told who the check process is
/// before the check is sent to it (the journal records it), and `tick` is called about every
/// 100 ms while it runs (the UI's spinner).
///
/// Call this from a thread that lives as long as the run: the child's death signal fires when
/// the thread that spawned it ends.
pub fn run(
    exe: &Path,
    request: &Request,
    timeout: Duration,
    interrupt: &AtomicBool,
    started: &mut dyn FnMut(Option<CheckProcess>) -> Result<(), RunError>,
    tick: &mut dyn FnMut(),
) -> Result<ChildEnd, RunError> {
    let runner = std::process::id();
    let mut command = Command::new(exe);
    command
        .arg("__check")
        .arg("--runner-pid")
        .arg(runner.to_string())
        .process_group(0)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: between fork and exec only async-signal-safe calls: prctl(2), getppid(2), _exit(2).
    #[allow(unsafe_code)]
    unsafe {
        command.pre_exec(move || {
            nix::sys::prctl::set_pdeathsig(Signal::SIGKILL)?;
            if u32::try_from(nix::unistd::getppid().as_raw()).ok() != Some(runner) {
                libc::_exit(ORPHANED);
            }
            Ok(())
        });
    }
    let mut child = command.spawn().map_err(|source| RunError::Spawn {
        exe: exe.to_path_buf(),
        source,
    })?;
    let pid = child.id();
    // The check has not started: it waits for its request on standard input.
    if let Err(e) = started(CheckProcess::of(pid)) {
        process::kill_group(pid);
        let _ = child.wait();
        return Err(e);
    }

    let (tx, rx) = mpsc::channel::<(usize, Vec<u8>)>();
    for (i, stream) in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .enumerate()
    {
        if let Some(mut s) = stream {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = s.by_ref().take(64 << 20).read_to_end(&mut buf);
                let _ = tx.send((i, buf));
            });
        }
    }
    drop(tx);
    if let Some(mut stdin) = child.stdin.take() {
        let bytes = serde_json::to_vec(request).unwrap_or_default();
        // The child reads everything before it starts; if it died first, its exit says why.
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }

    let status = match process::wait(
        child,
        Some(timeout),
        &|| interrupt.load(Ordering::Relaxed),
        tick,
    )
    .map_err(|source| RunError::Spawn {
        exe: exe.to_path_buf(),
        source,
    })? {
        Waited::Exited(status) => status,
        Waited::TimedOut => return Ok(ChildEnd::TimedOut),
        Waited::Stopped => return Ok(ChildEnd::Interrupted),
    };
    // Whatever the check started and left behind goes too.
    process::kill_group(pid);

    let mut streams = [Vec::new(), Vec::new()];
    let deadline = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok((i, bytes)) => streams[i] = bytes,
            Err(_) => break,
        }
    }
    let [stdout, stderr] = streams;
    if status.success() {
        if let Ok(outcome) = serde_json::from_slice::<Outcome>(&stdout) {
            return Ok(ChildEnd::Finished(outcome));
        }
    }
    let mut why = format!("the check process {}", describe(status));
    let err = tail(&stderr);
    if !err.is_empty() {
        why.push_str(&format!(": {err}"));
    } else if status.success() {
        why.push_str(" without reporting a result");
    }
    Ok(ChildEnd::Crashed(why))
}
