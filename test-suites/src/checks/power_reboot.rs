//! `power.reboot`: the machine restarts (warm: a reboot; cold: power off, then on by the RTC
//! wake alarm or a person) and must come back the same: a new boot id, no failed systemd unit,
//! the same devices with their drivers, and a kernel log (the new boot's) without firmware or
//! hardware errors.
//!
//! A check process cannot outlive a reboot, so the runner drives it: before restarting it
//! journals the boot id (`/proc/sys/kernel/random/boot_id` under the run's root) and the
//! inventory, installs [`UNIT`] so the session resumes by itself after boot, and restarts through
//! its own seam, which does anything only on `/`, with `--allow-reboot`, as root. After boot the
//! resumed run calls [`judge`]. This module holds the rules and texts; it restarts nothing.
//! Reads go through the context's root; the failed units come from the plan's `systemctl`.

use std::path::Path;

use mxcert_core::inventory::Inventory;
use mxcert_core::plan::params::PowerReboot;

use super::kernel_firmware_errors::{errors_since, read_log, LogPosition};
use super::power_suspend::lost_devices;
use crate::root::attr;
use crate::{Context, Outcome};

/// Where the kernel says which boot this is.
pub const BOOT_ID: &str = "/proc/sys/kernel/random/boot_id";

/// The systemd unit that resumes a session after boot.
pub const UNIT: &str = "mxcert-resume.service";

/// Why the test does not restart the machine, if it must not.
pub fn refuse(ctx: &Context) -> Option<Outcome> {
    if !ctx.options.allow_reboot {
        return Some(Outcome::skip(
            "reboot not allowed: pass --allow-reboot to let this test restart the machine",
        ));
    }
    if !ctx.is_root {
        return Some(Outcome::skip(
            "restarting needs root (and installs a systemd unit to resume the run)",
        ));
    }
    None
}

/// This boot's id, if the kernel says.
pub fn boot_id(ctx: &Context) -> Option<String> {
    attr(&ctx.path(BOOT_ID)).filter(|s| !s.is_empty())
}

/// A word systemd reads as one argument: quoted, with `\` and `"` escaped, `%` doubled.
fn quoted(s: &str) -> String {
    format!(
        "\"{}\"",
        s.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('%', "%%")
    )
}

/// The text of [`UNIT`]: after boot, once, `mxcert run --resume` of `session`, on the console.
/// It removes itself (`ExecStartPre`) so it runs once per restart.
pub fn unit_text(mxcert: &Path, session: &Path, unit_dir: &Path) -> String {
    let exe = quoted(&mxcert.to_string_lossy());
    let session = quoted(&session.to_string_lossy());
    let wants = quoted(
        &unit_dir
            .join("multi-user.target.wants")
            .join(UNIT)
            .to_string_lossy(),
    );
    format!(
        "# Written by mxcert run (power.reboot): resumes the certification session after boot.\n\
[Unit]\n\
Description=mxcert: resume the certification run after a reboot test\n\
After=multi-user.target\n\
\n\
[Service]\n\
Type=oneshot\n\
ExecStartPre=/bin/rm -f {wants}\n\
ExecStart={exe} run --resume --session {session} --non-interactive --allow-reboot\n\
StandardOutput=journal+console\n\
StandardError=journal+console\n\
TimeoutStartSec=infinity\n\
\n\
[Install]\n\
WantedBy=multi-user.target\n"
    )
}

/// What was recorded before a restart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Before {
    pub boot_id: String,
    pub inventory: Inventory,
    /// Which restart this is (from 1).
    pub cycle: u64,
}

/// The failed units `systemctl` lists (one per line), or why it could not be asked.
pub fn failed_units(p: &PowerReboot) -> Result<Vec<String>, String> {
    let out = std::process::Command::new(&p.systemctl)
        .args([
            "list-units",
            "--failed",
            "--plain",
            "--no-legend",
            "--no-pager",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", p.systemctl))?;
    if !out.status.success() {
        return Err(format!(
            "{} list-units --failed: {}",
            p.systemctl, out.status
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_owned)
        .take(200)
        .collect())
}

/// The verdict after a restart: `before` as journalled, `after` the inventory now.
pub fn judge(
    p: &PowerReboot,
    before: &Before,
    ctx: &Context,
    after: Result<Inventory, String>,
) -> Outcome {
    let cycle = before.cycle;
    let now = boot_id(ctx).unwrap_or_default();
    if now.is_empty() || now == before.boot_id {
        return Outcome::fail(format!(
            "restart {cycle}: the machine did not restart (the boot id is {})",
            if now.is_empty() {
                "unreadable"
            } else {
                "unchanged"
            }
        ));
    }
    let mut failures = Vec::new();
    let mut out = Outcome::pass("");
    match after {
        Ok(after) => {
            let lost = lost_devices(&before.inventory, &after);
            if !lost.is_empty() {
                failures.push(format!("after restart {cycle} {}", lost.join("; ")));
            }
        }
        Err(e) => failures.push(format!(
            "cannot take the inventory after restart {cycle}: {e}"
        )),
    }
    match failed_units(p) {
        Ok(units) if units.is_empty() => {}
        Ok(units) => {
            failures.push(format!(
                "after restart {cycle} {} systemd unit(s) failed: {}",
                units.len(),
                units.join(", ")
            ));
            out.add_evidence(format!("failed units, restart {cycle}"), units.join("\n"));
        }
        Err(e) => failures.push(format!("after restart {cycle}: {e}")),
    }
    if let Ok(log) = read_log(&ctx.path("/dev/kmsg")) {
        // The whole log is the new boot's.
        if let Some((what, lines)) = errors_since(&log, LogPosition::end_of("")) {
            failures.push(format!("after restart {cycle} {what}"));
            out.add_evidence(format!("kernel log errors, restart {cycle}"), lines);
        }
    }
    let mut verdict = Outcome::pass_unless(
        &failures,
        format!("restarted {cycle} time(s); every device came back, no unit failed"),
    );
    verdict.evidence.extend(out.evidence);
    verdict.measure("restarts", cycle as f64, "restarts")
}

/// Under a check process (never reached through the runner, which drives this test itself).
pub fn run(_p: &PowerReboot, ctx: &Context) -> Outcome {
    refuse(ctx).unwrap_or_else(|| {
        Outcome::error("power.reboot is driven by `mxcert run` itself, not by a check process")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_resumes_the_session_once() {
        let text = unit_text(
            Path::new("/usr/bin/mxcert"),
            Path::new("/var/lib/mx cert/s%1"),
            Path::new("/etc/systemd/system"),
        );
        assert!(text.contains(
            "ExecStart=\"/usr/bin/mxcert\" run --resume --session \"/var/lib/mx cert/s%%1\" --non-interactive --allow-reboot\n"
        ));
        assert!(text.contains(
            "ExecStartPre=/bin/rm -f \"/etc/systemd/system/multi-user.target.wants/mxcert-resume.service\"\n"
        ));
        assert!(text.contains("\nWantedBy=multi-user.target\n"));
    }
}
