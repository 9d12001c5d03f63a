//! How `storage.hotplug` learns that block devices changed: from udev's events when a udev
//! daemon runs on the machine being tested, otherwise by reading `/sys/class/block` every
//! 100 ms. Either way the check then reads sysfs itself (the events only wake it up), so both
//! paths decide the same way; the path taken, and why, goes into the evidence.
//!
//! The udev path listens to the `udev` netlink group (events udevd re-sends once it has
//! processed them), subsystem `block`, through the `udev` crate's `MonitorBuilder`. It is used
//! when the root is `/` and `/run/udev/control` exists (the daemon's control socket, the test
//! systemd's own tools use). A fixture root, no daemon (containers, minimal systems) or a
//! monitor that cannot be opened falls back to polling, with the reason.

use std::os::fd::AsFd;
use std::path::Path;
use std::time::Duration;

use crate::Context;

/// The polling interval without udev.
pub const POLL: Duration = Duration::from_millis(100);

/// The udev daemon's control socket: it exists while udevd runs.
pub const UDEV_CONTROL: &str = "/run/udev/control";

/// A way of waiting for block device changes.
pub enum BlockWatch {
    /// udev's block events; how many arrived so far.
    Udev {
        socket: udev::MonitorSocket,
        events: u64,
    },
    /// Reading sysfs every [`POLL`]; why not udev.
    Poll { reason: String },
}

impl std::fmt::Debug for BlockWatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl BlockWatch {
    /// The watch for `ctx`: udev when its daemon runs on this machine, else polling.
    pub fn for_context(ctx: &Context) -> BlockWatch {
        if ctx.root() != Path::new("/") {
            return BlockWatch::poll("the root is a fixture tree, not this machine's devices");
        }
        if !Path::new(UDEV_CONTROL).exists() {
            return BlockWatch::poll(format!(
                "no udev daemon is running ({UDEV_CONTROL} is missing)"
            ));
        }
        BlockWatch::udev().unwrap_or_else(BlockWatch::poll)
    }

    /// Listens to udev's block events now (whether or not a daemon sends any).
    pub fn udev() -> Result<BlockWatch, String> {
        udev::MonitorBuilder::new()
            .and_then(|b| b.match_subsystem("block"))
            .and_then(|b| b.listen())
            .map(|socket| BlockWatch::Udev { socket, events: 0 })
            .map_err(|e| format!("cannot listen to udev's block events: {e}"))
    }

    /// Polling, for `reason`.
    pub fn poll(reason: impl Into<String>) -> BlockWatch {
        BlockWatch::Poll {
            reason: reason.into(),
        }
    }

    /// Waits at most `slice` for a change; true when the caller should read sysfs again
    /// (always after a poll interval; with udev only when events arrived).
    pub fn wait(&mut self, slice: Duration) -> bool {
        match self {
            BlockWatch::Poll { .. } => {
                std::thread::sleep(slice.min(POLL));
                true
            }
            BlockWatch::Udev { socket, events } => {
                use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
                let ms = u16::try_from(slice.as_millis()).unwrap_or(u16::MAX);
                let ready = {
                    let mut fds = [PollFd::new(socket.as_fd(), PollFlags::POLLIN)];
                    poll(&mut fds, PollTimeout::from(ms)).unwrap_or(0) > 0
                };
                if !ready {
                    return false;
                }
                let n = socket.iter().count() as u64;
                *events += n;
                n > 0
            }
        }
    }

    /// For the evidence: which path, and why or how many events.
    pub fn describe(&self) -> String {
        match self {
            BlockWatch::Udev { events, .. } => {
                format!("watched udev's block events ({events} received)")
            }
            BlockWatch::Poll { reason } => format!(
                "polled /sys/class/block every {} ms: {reason}",
                POLL.as_millis()
            ),
        }
    }
}
