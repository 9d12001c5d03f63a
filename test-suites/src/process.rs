//! Waiting for a child process with a deadline and a stop condition, without polling: a thread
//! waits for the exit, the caller's thread wakes at once when it comes (or every 100 ms to
//! check the deadline, the stop condition and tick a spinner). On timeout or stop the child's
//! whole process group is killed (the child must have been spawned as a group leader, with
//! `process_group(0)`) and reaped.
//!
//! Used by the `command` check and by the runner for each check process.

use std::io;
use std::process::{Child, ExitStatus};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;

/// How the wait ended.
#[derive(Debug)]
pub enum Waited {
    Exited(ExitStatus),
    /// The deadline passed; the process group was killed.
    TimedOut,
    /// `stop` returned true; the process group was killed.
    Stopped,
}

/// Sends SIGKILL to the process group led by `pid` (nothing happens if it is gone).
pub fn kill_group(pid: u32) {
    if let Ok(pid) = i32::try_from(pid) {
        let _ = killpg(Pid::from_raw(pid), Signal::SIGKILL);
    }
}

const TICK: Duration = Duration::from_millis(100);

/// Waits for `child` until it exits, `timeout` passes or `stop()` says so.
pub fn wait(
    mut child: Child,
    timeout: Option<Duration>,
    stop: &dyn Fn() -> bool,
    tick: &mut dyn FnMut(),
) -> io::Result<Waited> {
    let pid = child.id();
    let deadline = timeout.map(|t| Instant::now() + t);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait());
    });
    loop {
        let wait_for = deadline.map_or(TICK, |d| {
            d.saturating_duration_since(Instant::now()).min(TICK)
        });
        match rx.recv_timeout(wait_for) {
            Ok(status) => return status.map(Waited::Exited),
            Err(RecvTimeoutError::Disconnected) => {
                return Err(io::Error::other("the thread waiting for the process ended"))
            }
            Err(RecvTimeoutError::Timeout) => {}
        }
        let end = if stop() {
            Some(Waited::Stopped)
        } else if deadline.is_some_and(|d| Instant::now() >= d) {
            Some(Waited::TimedOut)
        } else {
            None
        };
        if let Some(end) = end {
            kill_group(pid);
            // Reap it; SIGKILL cannot be ignored, so this returns promptly.
            let _ = rx.recv();
            return Ok(end);
        }
        tick();
    }
}
