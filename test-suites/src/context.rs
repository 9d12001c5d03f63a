//! What a check gets besides its parameters: the machine as probed, where to read hardware
//! state, where to write scratch files, and what the person running the plan allowed.

use std::path::{Path, PathBuf};
use std::time::Duration;

use mxcert_core::inventory::Inventory;
use serde::{Deserialize, Serialize};

/// Choices made on the command line that checks honour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// `host:port` of an `mxcert peer` for `network.throughput`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<String>,
    /// Whether `power.suspend` may suspend the machine.
    #[serde(default)]
    pub allow_suspend: bool,
    /// Whether `power.reboot` may restart the machine.
    #[serde(default)]
    pub allow_reboot: bool,
    /// The identity of the device a device plan certifies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// The runner's socket for checks that wait for a person's action (see
    /// [`crate::attention`]); none in a non-interactive run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attention: Option<PathBuf>,
    /// `--wifi-config FILE`: the networks `wifi.connect` joins (passphrases stay in the file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wifi_config: Option<PathBuf>,
}

/// Everything a check may use. Serialisable, so the runner can hand it to a child process.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// The machine as probed when the session started.
    pub inventory: Inventory,
    /// A directory laid out like `/`; every read of `/sys`, `/proc` and `/dev/kmsg` goes through
    /// it. `/` on a live run.
    pub root: PathBuf,
    /// A directory for scratch files (the default place `storage.rw-verify` writes to).
    pub scratch: PathBuf,
    pub options: Options,
    /// Whether the check runs with root privileges.
    pub is_root: bool,
    /// When set, checks that run other programs stop them (with their whole process group) after
    /// this long and return `timeout`. The runner leaves it unset: it runs each check in its own
    /// process group and stops the whole group itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<Duration>,
}

impl Context {
    /// A context for the live machine.
    pub fn live(inventory: Inventory, scratch: PathBuf, options: Options) -> Context {
        Context {
            inventory,
            root: PathBuf::from("/"),
            scratch,
            options,
            is_root: nix::unistd::geteuid().is_root(),
            timeout: None,
        }
    }

    /// The real path of a system path such as `/sys/class/net`.
    pub fn path(&self, system_path: &str) -> PathBuf {
        crate::root::join(&self.root, system_path)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}
