//! Restarting the machine for `power.reboot`: the unit that resumes the session after boot, the
//! RTC alarm of a cold restart, and the one place that runs `systemctl reboot`/`poweroff`.
//!
//! Safety: the real command runs only when the run reads `/` (no `--root`), `--allow-reboot` was
//! given and the process is root ([`may_restart`]). Everything else, the unit included, is
//! written under the run's root, so a run on a fixture tree writes the tree and restarts nothing:
//! tests simulate the boot (a new boot id in the tree) and `mxcert run --resume`.

use std::path::{Path, PathBuf};

use mxcert_core::plan::params::RebootMode;
use mxcert_suites::checks::power_reboot::{unit_text, UNIT};

/// Where systemd units are installed, under `root`.
pub fn unit_dir(root: &Path) -> PathBuf {
    root.join("etc/systemd/system")
}

/// Installs and enables the resume unit under `root`; returns its path.
pub fn install_unit(root: &Path, mxcert: &Path, session: &Path) -> std::io::Result<PathBuf> {
    let dir = unit_dir(root);
    // The unit names the paths as the booted machine sees them (`/etc/...`).
    let text = unit_text(mxcert, session, Path::new("/etc/systemd/system"));
    let path = dir.join(UNIT);
    std::fs::create_dir_all(&dir)?;
    crate::output::write_atomic(&path, text.as_bytes(), Some(0o644))
        .map_err(|e| std::io::Error::other(e.to_string()))?;
    let wants = dir.join("multi-user.target.wants");
    std::fs::create_dir_all(&wants)?;
    let link = wants.join(UNIT);
    let _ = std::fs::remove_file(&link);
    std::os::unix::fs::symlink(Path::new("/etc/systemd/system").join(UNIT), &link)?;
    Ok(path)
}

/// Removes the resume unit (the run no longer needs it).
pub fn remove_unit(root: &Path) {
    let dir = unit_dir(root);
    let _ = std::fs::remove_file(dir.join("multi-user.target.wants").join(UNIT));
    let _ = std::fs::remove_file(dir.join(UNIT));
}

/// Arms the RTC wake alarm `wake_s` seconds ahead (cold restarts); false when there is none.
pub fn arm_alarm(root: &Path, wake_s: u64) -> bool {
    let alarm = root.join("sys/class/rtc/rtc0/wakealarm");
    alarm.exists()
        && std::fs::write(&alarm, "0")
            .and_then(|()| std::fs::write(&alarm, format!("+{wake_s}")))
            .is_ok()
}

/// Whether this run may really restart the machine.
pub fn may_restart(root: &Path, allow_reboot: bool) -> bool {
    root == Path::new("/") && allow_reboot && nix::unistd::geteuid().is_root()
}

/// Restarts the machine when [`may_restart`]; otherwise does nothing and says why.
pub fn restart(root: &Path, allow_reboot: bool, mode: RebootMode) -> Result<(), String> {
    if !may_restart(root, allow_reboot) {
        return Err(format!(
            "not restarting: the run reads {} (only a run of / with --allow-reboot, as root, restarts)",
            root.display()
        ));
    }
    let verb = match mode {
        RebootMode::Warm => "reboot",
        RebootMode::Cold => "poweroff",
    };
    let status = std::process::Command::new("systemctl")
        .arg(verb)
        .status()
        .map_err(|e| format!("cannot run systemctl {verb}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("systemctl {verb} failed: {status}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_restarts_a_fixture_root_or_without_permission() {
        assert!(!may_restart(Path::new("/tmp/tree"), true));
        assert!(!may_restart(Path::new("/"), false));
        assert!(restart(Path::new("/tmp/tree"), true, RebootMode::Warm)
            .unwrap_err()
            .starts_with("not restarting: the run reads /tmp/tree"));
    }
}
