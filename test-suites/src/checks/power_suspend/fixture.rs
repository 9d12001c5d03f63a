//! The fixture suspender: how `mxcert run --root DIR --allow-suspend` "suspends" a fixture tree,
//! so that the whole path through the binary (suspend, resume checks, copies after suspend) can
//! be tested without ever suspending the machine running the tests.
//!
//! [`select`] picks the suspender for a run's root, and is the only place that does:
//! - the run reads `/` (the root resolves to `/`): the real one ([`super::Live`]), which needs
//!   root and `--allow-suspend`;
//! - the root's `sys/power/state` is on the kernel's sysfs (a tree that links or mounts the real
//!   `/sys`): refused, since writing it would suspend this machine;
//! - otherwise the root is a fixture tree and gets a [`Fixture`].
//!
//! A fixture "suspends" by writing the state to the tree's `sys/power/state` (and putting back
//! what it offered, as a read of the kernel's file would), counting the suspend in
//! `sys/power/suspend_stats/success`, and applying the tree's script, [`SCRIPT`], for this
//! cycle: paths removed (a device gone after resume), driver links removed (a driver unbound),
//! lines appended to `dev/kmsg` (errors while resuming), or a refusal. It "sleeps" for as long as
//! the RTC wake alarm (`sys/class/rtc/rtc0/wakealarm`, `+N`) was set, unless the script says
//! otherwise. Every path it touches is inside the tree.

use std::io::{self, Read};
use std::path::{Component, Path, PathBuf};

use mxcert_core::inventory::Inventory;
use serde::Deserialize;

use super::{Live, Suspender};
use crate::root::attr;
use crate::Context;

/// The script of a fixture tree, under its root.
pub const SCRIPT: &str = "/mxcert-fixture/suspend.toml";
/// The most bytes of the script read.
const MAX_SCRIPT_BYTES: u64 = 64 * 1024;

/// What a fixture tree does on its suspends (see the module documentation).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    #[serde(default)]
    pub resume: Vec<Resume>,
}

/// What one suspend (cycle, from 1, counted over the check's run) changes.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resume {
    pub cycle: u64,
    /// Paths under the root removed on resume (e.g. a device's directory under `sys/devices`).
    #[serde(default)]
    pub remove: Vec<String>,
    /// Device directories under the root whose `driver` link is removed on resume.
    #[serde(default)]
    pub unbind: Vec<String>,
    /// Lines appended to the tree's `dev/kmsg` (in `/dev/kmsg` form: `3,140,9000,-;text`).
    #[serde(default)]
    pub kmsg: Vec<String>,
    /// The kernel refuses to suspend, with this message.
    #[serde(default)]
    pub refuse: Option<String>,
    /// Seconds asleep reported instead of the alarm's.
    #[serde(default)]
    pub slept_s: Option<f64>,
}

impl Script {
    /// Reads and checks the script of the tree at `root`; no script is an empty one.
    pub fn load(root: &Path) -> Result<Script, String> {
        let path = crate::root::join(root, SCRIPT);
        let mut text = String::new();
        match std::fs::File::open(&path) {
            Ok(f) => {
                f.take(MAX_SCRIPT_BYTES + 1)
                    .read_to_string(&mut text)
                    .map_err(|e| {
                        format!("cannot read the fixture script {}: {e}", path.display())
                    })?;
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Script::default()),
            Err(e) => {
                return Err(format!(
                    "cannot read the fixture script {}: {e}",
                    path.display()
                ))
            }
        }
        if text.len() as u64 > MAX_SCRIPT_BYTES {
            return Err(format!(
                "the fixture script {} is larger than {MAX_SCRIPT_BYTES} bytes",
                path.display()
            ));
        }
        let script: Script = toml::from_str(&text)
            .map_err(|e| format!("the fixture script {} is invalid: {e}", path.display()))?;
        for r in &script.resume {
            for p in r.remove.iter().chain(&r.unbind) {
                if !inside(p) {
                    return Err(format!(
                        "the fixture script {}: cycle {}: {p:?} is not a relative path inside the tree",
                        path.display(),
                        r.cycle
                    ));
                }
            }
        }
        Ok(script)
    }
}

/// Whether `p` is a relative path that stays inside the tree (no `..`, not absolute).
fn inside(p: &str) -> bool {
    !p.is_empty()
        && Path::new(p)
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
}

/// A fixture tree's suspender.
pub struct Fixture<'a> {
    root: PathBuf,
    script: Script,
    suspends: u64,
    probe: &'a dyn Fn() -> Result<Inventory, String>,
}

impl std::fmt::Debug for Fixture<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fixture")
            .field("root", &self.root)
            .field("suspends", &self.suspends)
            .finish_non_exhaustive()
    }
}

impl<'a> Fixture<'a> {
    pub fn new(
        root: &Path,
        script: Script,
        probe: &'a dyn Fn() -> Result<Inventory, String>,
    ) -> Fixture<'a> {
        Fixture {
            root: root.to_path_buf(),
            script,
            suspends: 0,
            probe,
        }
    }

    fn path(&self, relative: &str) -> PathBuf {
        crate::root::join(&self.root, relative)
    }

    fn apply(&self, step: &Resume) -> io::Result<()> {
        for p in &step.remove {
            let path = self.path(p);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_dir() => std::fs::remove_dir_all(&path)?,
                Ok(_) => std::fs::remove_file(&path)?,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        }
        for p in &step.unbind {
            match std::fs::remove_file(self.path(p).join("driver")) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        if !step.kmsg.is_empty() {
            use std::io::Write;
            let mut log = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(self.path("/dev/kmsg"))?;
            for line in &step.kmsg {
                writeln!(log, "{}", line.trim_end_matches('\n'))?;
            }
        }
        Ok(())
    }
}

impl Suspender for Fixture<'_> {
    fn suspend(&mut self, state_file: &Path, state: &str) -> io::Result<f64> {
        self.suspends += 1;
        let cycle = self.suspends;
        let step = self
            .script
            .resume
            .iter()
            .find(|r| r.cycle == cycle)
            .cloned()
            .unwrap_or_default();
        if let Some(why) = &step.refuse {
            return Err(io::Error::other(why.clone()));
        }
        let alarm = attr(&self.path("/sys/class/rtc/rtc0/wakealarm")).unwrap_or_default();
        let Some(asleep) = alarm.strip_prefix('+').and_then(|s| s.parse::<u64>().ok()) else {
            return Err(io::Error::other(format!(
                "the RTC wake alarm is {alarm:?}, not armed: the machine would never wake"
            )));
        };
        let offered = std::fs::read(state_file)?;
        std::fs::write(state_file, state)?;
        std::fs::write(state_file, offered)?;
        let success = self.path("/sys/power/suspend_stats/success");
        let count = crate::root::attr_i64(&success).unwrap_or(0);
        std::fs::create_dir_all(success.parent().unwrap_or(&self.root))?;
        std::fs::write(&success, format!("{}\n", count + 1))?;
        self.apply(&step)?;
        Ok(step.slept_s.unwrap_or(asleep as f64))
    }

    fn inventory(&mut self) -> Result<Inventory, String> {
        (self.probe)()
    }

    fn needs_root(&self) -> bool {
        false
    }
}

/// Whether `path` is on the kernel's sysfs (false when it cannot be told, e.g. it is missing).
fn on_sysfs(path: &Path) -> bool {
    nix::sys::statfs::statfs(path)
        .map(|s| s.filesystem_type() == nix::sys::statfs::SYSFS_MAGIC)
        .unwrap_or(false)
}

/// Whether the run's root is `/` itself (through any links).
pub fn is_real_root(root: &Path) -> bool {
    root == Path::new("/") || root.canonicalize().is_ok_and(|r| r == Path::new("/"))
}

/// The suspender for the context's root (see the module documentation), or why there is none.
pub fn select<'a>(
    ctx: &Context,
    probe: &'a dyn Fn() -> Result<Inventory, String>,
) -> Result<Box<dyn Suspender + 'a>, String> {
    if is_real_root(&ctx.root) {
        return Ok(Box::new(Live { probe }));
    }
    let state = ctx.path("/sys/power/state");
    if on_sysfs(&state) {
        return Err(format!(
            "{} is the kernel's own file, reached through the run's root {}: suspending through --root is refused (run without --root to suspend this machine)",
            state.display(),
            ctx.root.display()
        ));
    }
    Ok(Box::new(Fixture::new(
        &ctx.root,
        Script::load(&ctx.root)?,
        probe,
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_paths_must_stay_inside_the_tree() {
        assert!(inside("sys/devices/pci0000:00/0000:00:1f.2"));
        assert!(!inside("/sys/devices"));
        assert!(!inside("sys/../../etc"));
        assert!(!inside(""));
    }
}
