//! Check processes that outlived their runner.
//!
//! Before a check starts, the journal records who it is: its pid, its process group and its
//! start time (`/proc/PID/stat` field 22), since a pid alone may have been reused by an
//! unrelated process by the time anyone looks. A check dies with its runner (see [`super::child`]),
//! but if one is still there when the session is resumed (its death signal was lost, or it was
//! started by an mxcert without it), `--resume` stops its whole process group before running
//! that test again, so two runs of one test never measure each other.

use std::path::Path;
use std::time::{Duration, Instant};

use mxcert_core::procfs::{self, PidStat};
use nix::errno::Errno;
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use serde::{Deserialize, Serialize};

/// Who a check process is, as the journal records it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckProcess {
    pub pid: u32,
    /// Its process group (the check leads its own group, so this is its pid).
    pub pgid: u32,
    /// `/proc/PID/stat` field 22: clock ticks after boot.
    pub start_time: u64,
}

/// How long a survivor has after SIGTERM before SIGKILL.
pub const GRACE: Duration = Duration::from_secs(5);
/// How long a SIGKILLed group may take to disappear before the runner gives up.
const KILL_WAIT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(20);

fn stat_of(pid: u32) -> Option<PidStat> {
    std::fs::read_to_string(Path::new("/proc").join(pid.to_string()).join("stat"))
        .ok()
        .and_then(|t| procfs::pid_stat(&t))
}

impl CheckProcess {
    /// The identity of the running process `pid`, if `/proc` shows it.
    pub fn of(pid: u32) -> Option<CheckProcess> {
        let stat = stat_of(pid)?;
        Some(CheckProcess {
            pid,
            pgid: u32::try_from(stat.pgrp).ok()?,
            start_time: stat.start_time,
        })
    }

    /// Whether this very process (same pid, same start time, still in its group) is alive.
    pub fn is_running(&self) -> bool {
        stat_of(self.pid).is_some_and(|s| {
            !s.ended()
                && s.start_time == self.start_time
                && u32::try_from(s.pgrp).ok() == Some(self.pgid)
        })
    }
}

/// Whether any live process is in process group `pgid`.
fn group_alive(pgid: u32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return false;
    };
    dir.flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(stat_of)
        .any(|s| !s.ended() && u32::try_from(s.pgrp).ok() == Some(pgid))
}

/// Polls until group `pgid` has no live process or `wait` passes; true when it is gone.
fn wait_gone(pgid: u32, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    loop {
        if !group_alive(pgid) {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(POLL);
    }
}

/// Why a survivor could not be stopped.
#[derive(Debug, thiserror::Error)]
pub enum StopError {
    #[error("failed to signal process group {pgid}: {errno}")]
    Signal { pgid: u32, errno: Errno },
    #[error("process group {pgid} was still there {seconds} s after SIGKILL")]
    StillThere { pgid: u32, seconds: u64 },
}

/// Stops `process` and everything in its process group if it is still running: SIGTERM, up to
/// `grace` to end, then SIGKILL; returns once the group is gone. `Ok(false)`: it was not running
/// (gone, or its pid now belongs to another process), nothing was signalled.
pub fn stop(process: &CheckProcess, grace: Duration) -> Result<bool, StopError> {
    let own_group = nix::unistd::getpgrp().as_raw();
    let Ok(pgid) = i32::try_from(process.pgid) else {
        return Ok(false);
    };
    // A journal is a file on disk: never signal init's group, our own or "every group".
    if pgid <= 1 || pgid == own_group || !process.is_running() {
        return Ok(false);
    }
    let signal = |sig| match killpg(Pid::from_raw(pgid), sig) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(errno) => Err(StopError::Signal {
            pgid: process.pgid,
            errno,
        }),
    };
    signal(Signal::SIGTERM)?;
    if wait_gone(process.pgid, grace) {
        return Ok(true);
    }
    signal(Signal::SIGKILL)?;
    if wait_gone(process.pgid, KILL_WAIT) {
        Ok(true)
    } else {
        Err(StopError::StillThere {
            pgid: process.pgid,
            seconds: KILL_WAIT.as_secs(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    fn sleeper() -> std::process::Child {
        Command::new("sleep")
            .arg("300")
            .process_group(0)
            .spawn()
            .unwrap()
    }

    #[test]
    fn a_reused_pid_is_not_taken_for_the_survivor() {
        let mut child = sleeper();
        let me = CheckProcess::of(child.id()).unwrap();
        assert_eq!(me.pgid, child.id());
        assert!(me.is_running());
        // Same pid, another start time: another process; it is left alone.
        let other = CheckProcess {
            start_time: me.start_time + 1,
            ..me
        };
        assert!(!other.is_running());
        assert!(!stop(&other, GRACE).unwrap());
        assert!(child.try_wait().unwrap().is_none(), "it was signalled");
        // The real identity stops it.
        assert!(stop(&me, GRACE).unwrap());
        let status = child.wait().unwrap();
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(status.signal(), Some(libc::SIGTERM));
        assert!(!me.is_running());
        assert!(!stop(&me, GRACE).unwrap(), "already gone");
    }

    #[test]
    fn our_own_group_and_init_are_never_signalled() {
        let own = CheckProcess::of(std::process::id()).unwrap();
        assert!(!stop(&own, GRACE).unwrap());
        let init = CheckProcess {
            pid: 1,
            pgid: 1,
            start_time: CheckProcess::of(1).map_or(0, |p| p.start_time),
        };
        assert!(!stop(&init, GRACE).unwrap());
    }
}
