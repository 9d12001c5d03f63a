//! `platform.firmware`: how the machine booted and what guards it. Reads, through the root:
//! UEFI or legacy boot (`/sys/firmware/efi`), Secure Boot (the `SecureBoot` EFI variable in
//! `/sys/firmware/efi/efivars`), the TPM and its major version (`/sys/class/tpm/tpm*/
//! tpm_version_major`, or a TPM 2.0 resource manager `tpmrm*`); and, when fwupd is installed,
//! its devices (`fwupdmgr get-devices --json` through the [`CommandRunner`] seam): name and
//! firmware version; then the updates the LVFS offers (`fwupdmgr get-updates --json`): each
//! device's name, current and new version. Never the devices' ids, GUIDs, checksums or serial
//! numbers.
//!
//! `fwupdmgr get-updates` exits 0 with the list (in JSON mode an empty `Devices` list when
//! there is nothing to update), 2 ("nothing to do": no updatable device or no update, the
//! older fwupd's answer in JSON mode too), 1 on errors, 3 when something was not found
//! (fwupd's `src/fu-util.c`: `EXIT_NOTHING_TO_DO`, `EXIT_NOT_FOUND`). A metadata prompt
//! printed before the JSON (old metadata; standard input is closed, so it is declined) is
//! skipped: the JSON starts at the first `{`.
//!
//! Bounded: sysfs reads of a few bytes; each fwupd command gets 60 s and at most 4 MiB of
//! output. Fails only on what the plan requires (`require_uefi`, `require_secure_boot`,
//! `require_tpm2`, `fail_on_updates`); otherwise it records. fwupd missing is noted in the
//! evidence (Debian package `fwupd`), never a failure.

use std::time::Duration;

use mxcert_core::plan::params::PlatformFirmware;
use mxcert_core::report::Status;

use crate::root;
use crate::runner_seam::{CommandRunner, RunError, SystemRunner};
use crate::{Context, Outcome};

const SECURE_BOOT_VAR: &str =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
const FWUPD_TIME: Duration = Duration::from_secs(60);

/// One fwupd device as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwupdDevice {
    pub name: String,
    pub version: Option<String>,
    pub updatable: bool,
    /// The newest version the LVFS offers above the installed one, if any.
    pub update: Option<String>,
}

type Json = serde_json::Value;

/// The `Devices` list of `fwupdmgr … --json` (`command` names it in errors). Text before the
/// first `{` (a prompt fwupdmgr printed first) is skipped.
fn fwupd_devices(stdout: &str, command: &str) -> Result<Vec<Json>, String> {
    let json = stdout.find('{').map_or(stdout, |i| &stdout[i..]);
    let mut v: Json = serde_json::from_str(json)
        .map_err(|e| format!("the JSON of {command} is not valid: {e}"))?;
    match v.get_mut("Devices").map(Json::take) {
        Some(Json::Array(devices)) => Ok(devices),
        _ => Err(format!("the JSON of {command} has no Devices list")),
    }
}

fn text(d: &Json, key: &str) -> Option<String> {
    d.get(key).and_then(|x| x.as_str()).map(str::to_owned)
}

fn has_flag(d: &Json, flag: &str) -> bool {
    d.get("Flags")
        .and_then(|x| x.as_array())
        .is_some_and(|a| a.iter().any(|x| x.as_str() == Some(flag)))
}

fn name(d: &Json) -> String {
    text(d, "Name").unwrap_or_else(|| "unnamed device".into())
}

/// The devices of `fwupdmgr get-devices --json`.
pub fn parse_fwupd(stdout: &str) -> Result<Vec<FwupdDevice>, String> {
    Ok(fwupd_devices(stdout, "fwupdmgr get-devices")?
        .iter()
        .map(|d| FwupdDevice {
            name: name(d),
            version: text(d, "Version"),
            updatable: has_flag(d, "updatable"),
            update: d
                .get("Releases")
                .and_then(|r| r.as_array())
                .and_then(|r| r.iter().find(|r| has_flag(r, "is-upgrade")))
                .and_then(|r| text(r, "Version")),
        })
        .collect())
}

/// One device the LVFS has newer firmware for, from `fwupdmgr get-updates --json`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FwupdUpdate {
    pub name: String,
    /// The installed version.
    pub current: Option<String>,
    /// The newest version offered.
    pub new: String,
}

/// The updates of `fwupdmgr get-updates --json`: for each device, its first release flagged
/// `is-upgrade` (fwupd lists the newest first), else its first release; a device without
/// releases has no update. Text before the first `{` (a prompt) is ignored.
pub fn parse_updates(stdout: &str) -> Result<Vec<FwupdUpdate>, String> {
    Ok(fwupd_devices(stdout, "fwupdmgr get-updates")?
        .iter()
        .filter_map(|d| {
            let releases = d.get("Releases")?.as_array()?;
            let release = releases
                .iter()
                .find(|r| has_flag(r, "is-upgrade"))
                .or_else(|| releases.first())?;
            Some(FwupdUpdate {
                name: name(d),
                current: text(d, "Version"),
                new: text(release, "Version")?,
            })
        })
        .collect())
}

/// What `fwupdmgr get-updates --json` said: the updates, or why there is no list.
fn fwupd_updates(runner: &dyn CommandRunner) -> Result<Vec<FwupdUpdate>, String> {
    match runner.run("fwupdmgr", &["get-updates", "--json"], FWUPD_TIME) {
        Err(e) => Err(format!("not checked: {e}")),
        Ok(o) if o.status == Some(2) => Ok(Vec::new()),
        Ok(o) if !o.success() => {
            let said = match o.stderr_text().trim() {
                "" => o.stdout_text().trim().to_owned(),
                e => e.to_owned(),
            };
            Err(format!(
                "not checked: fwupdmgr get-updates exited with {}: {}",
                o.status
                    .map_or("a signal".to_owned(), |s| format!("status {s}")),
                said.chars().take(500).collect::<String>()
            ))
        }
        Ok(o) => parse_updates(&o.stdout_text()),
    }
}

/// `Some(true)` when Secure Boot is on, `None` when the variable is not there.
fn secure_boot(ctx: &Context) -> Option<bool> {
    // 4 bytes of attributes, then the value.
    let bytes = std::fs::read(ctx.path(SECURE_BOOT_VAR)).ok()?;
    bytes.get(4).map(|&b| b == 1)
}

/// The TPM's major version: `tpm_version_major`, else 2 when the kernel made a resource manager
/// (`tpmrm0`, TPM 2.0 only).
fn tpm(ctx: &Context) -> Option<(String, u32)> {
    let class = ctx.path("/sys/class/tpm");
    let names = root::dir_names(&class);
    let tpm = names.iter().find(|n| {
        n.strip_prefix("tpm")
            .is_some_and(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
    })?;
    let major = root::attr(&class.join(tpm).join("tpm_version_major"))
        .and_then(|v| v.parse().ok())
        .or_else(|| names.iter().any(|n| n.starts_with("tpmrm")).then_some(2))
        .unwrap_or(1);
    Some((tpm.clone(), major))
}

pub fn run(p: &PlatformFirmware, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

pub fn run_with(p: &PlatformFirmware, ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let uefi = ctx.path("/sys/firmware/efi").is_dir();
    let sb = if uefi { secure_boot(ctx) } else { None };
    let tpm = tpm(ctx);
    let mut failures = Vec::new();
    if p.require_uefi && !uefi {
        failures.push("the machine booted in legacy (BIOS) mode, not UEFI".to_owned());
    }
    if p.require_secure_boot && sb != Some(true) {
        failures.push(match (uefi, sb) {
            (false, _) => "Secure Boot needs UEFI boot".to_owned(),
            (true, None) => {
                "the Secure Boot state is not readable (no SecureBoot variable)".to_owned()
            }
            _ => "Secure Boot is disabled".to_owned(),
        });
    }
    if p.require_tpm2 && tpm.as_ref().is_none_or(|(_, m)| *m != 2) {
        failures.push(match &tpm {
            None => "no TPM".to_owned(),
            Some((_, m)) => format!("the TPM is version {m}, not 2.0"),
        });
    }
    let boot = if uefi { "UEFI" } else { "legacy BIOS" };
    let sb_text = match sb {
        Some(true) => "Secure Boot enabled",
        Some(false) => "Secure Boot disabled",
        None if uefi => "Secure Boot state unknown",
        None => "no Secure Boot (legacy boot)",
    };
    let tpm_text = tpm
        .as_ref()
        .map_or("no TPM".to_owned(), |(n, m)| format!("TPM {m}.0 ({n})"));
    let summary = format!("{boot}, {sb_text}, {tpm_text}");

    let mut out = Outcome::pass_unless(&failures, summary.clone()).evidence("platform", summary);
    let mut fail_on = Vec::new();
    match runner.run("fwupdmgr", &["get-devices", "--json"], FWUPD_TIME) {
        Err(RunError::NotFound { .. }) => out.add_evidence(
            "fwupd",
            "fwupd is not installed (Debian package fwupd): firmware versions and LVFS updates not checked",
        ),
        Err(e) => out.add_evidence("fwupd", format!("not checked: {e}")),
        Ok(o) if !o.success() => out.add_evidence(
            "fwupd",
            format!(
                "fwupdmgr exited with {}: {}",
                o.status.map_or("a signal".to_owned(), |s| format!("status {s}")),
                o.stderr_text().trim()
            ),
        ),
        Ok(o) => match parse_fwupd(&o.stdout_text()) {
            Err(e) => out.add_evidence("fwupd", e),
            Ok(devices) => {
                out.add_measurement("fwupd_devices", devices.len() as f64, "devices");
                let lines: Vec<String> = devices
                    .iter()
                    .map(|d| {
                        format!(
                            "{}: version {}{}{}",
                            d.name,
                            d.version.as_deref().unwrap_or("unknown"),
                            if d.updatable { ", updatable" } else { "" },
                            d.update
                                .as_ref()
                                .map_or(String::new(), |u| format!(", update {u} on the LVFS"))
                        )
                    })
                    .collect();
                out.add_evidence("fwupd", lines.join("\n"));
                match fwupd_updates(runner) {
                    Err(e) => out.add_evidence("fwupd_updates", e),
                    Ok(updates) => {
                        out.add_measurement(
                            "fwupd_updates_available",
                            updates.len() as f64,
                            "devices",
                        );
                        let lines: Vec<String> = updates
                            .iter()
                            .map(|u| {
                                format!(
                                    "{}: {} → {}",
                                    u.name,
                                    u.current.as_deref().unwrap_or("unknown"),
                                    u.new
                                )
                            })
                            .collect();
                        if updates.is_empty() {
                            out.add_evidence("fwupd_updates", "no firmware updates on the LVFS");
                        } else {
                            out.add_evidence("fwupd_updates", lines.join("\n"));
                        }
                        if p.fail_on_updates && !updates.is_empty() {
                            fail_on.push(format!(
                                "firmware updates are available on the LVFS: {}",
                                lines.join(", ")
                            ));
                        }
                    }
                }
            }
        },
    }
    if !fail_on.is_empty() {
        let message = match out.message.take() {
            Some(m) if out.status == Status::Fail => format!("{m}; {}", fail_on.join("; ")),
            _ => fail_on.join("; "),
        };
        out.status = Status::Fail;
        out.message = Some(message);
    }
    out.add_measurement("uefi", f64::from(u8::from(uefi)), "bool");
    if let Some((_, m)) = tpm {
        out.add_measurement("tpm_version", f64::from(m), "");
    }
    out
}
