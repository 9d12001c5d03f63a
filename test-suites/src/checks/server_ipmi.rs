//! `server.ipmi`: the BMC answers IPMI Get Device ID. Runs `ipmitool mc info` (in-band, through
//! the kernel's `/dev/ipmi0`) through the [`CommandRunner`] seam and records the firmware
//! revision, IPMI version and manufacturer.
//!
//! Bounded by `timeout_s` (default 30 s; the tool's process group is killed). Not applicable
//! (skipped with the reason) when there is no IPMI device (`ROOT/dev/ipmi0`, `/dev/ipmi/0` or
//! `/dev/ipmidev/0`): machines without a BMC; skipped when `ipmitool` is not installed (naming
//! the Debian package).

use std::time::Duration;

use mxcert_core::plan::params::ServerIpmi;

use crate::runner_seam::{CommandRunner, RunError, SystemRunner};
use crate::{Context, Outcome};

/// What `ipmitool mc info` reported.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeviceId {
    pub firmware: Option<String>,
    pub ipmi_version: Option<String>,
    pub manufacturer: Option<String>,
    pub device_available: Option<bool>,
}

/// Reads the `Key : value` lines of `ipmitool mc info`.
pub fn parse(stdout: &str) -> DeviceId {
    let mut id = DeviceId::default();
    for line in stdout.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match key.trim() {
            "Firmware Revision" => id.firmware = Some(value.to_owned()),
            "IPMI Version" => id.ipmi_version = Some(value.to_owned()),
            "Manufacturer Name" => id.manufacturer = Some(value.to_owned()),
            "Device Available" => id.device_available = Some(value == "yes"),
            _ => {}
        }
    }
    id
}

pub fn run(p: &ServerIpmi, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

pub fn run_with(p: &ServerIpmi, ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let Some(dev) = ["/dev/ipmi0", "/dev/ipmi/0", "/dev/ipmidev/0"]
        .into_iter()
        .find(|d| ctx.path(d).exists())
    else {
        return Outcome::skip(
            "not applicable: no IPMI device (/dev/ipmi0); machines with a BMC expose one once the ipmi_si and ipmi_devintf modules are loaded",
        );
    };
    let out = match runner.run(
        "ipmitool",
        &["mc", "info"],
        Duration::from_secs(p.timeout_s),
    ) {
        Ok(o) => o,
        Err(RunError::NotFound { .. }) => {
            return Outcome::skip("ipmitool is not installed: install the Debian package ipmitool")
        }
        Err(e @ RunError::TimedOut { .. }) => {
            return Outcome::timeout(format!("the BMC did not answer Get Device ID: {e}"))
        }
        Err(e) => return Outcome::error(e.to_string()),
    };
    if !out.success() {
        return Outcome::fail(format!(
            "the BMC did not answer Get Device ID through {dev} (ipmitool exited with {})",
            out.status
                .map_or("a signal".to_owned(), |s| format!("status {s}"))
        ))
        .evidence("stderr", out.stderr_text());
    }
    let id = parse(&out.stdout_text());
    let mut failures = Vec::new();
    if id.firmware.is_none() || id.ipmi_version.is_none() {
        failures.push("ipmitool's answer has no firmware revision or IPMI version".to_owned());
    }
    if id.device_available == Some(false) {
        failures.push("the BMC says it is not available (device firmware update or self-initialisation in progress)".to_owned());
    }
    let show = |v: &Option<String>| v.clone().unwrap_or_else(|| "unknown".into());
    Outcome::pass_unless(
        &failures,
        format!(
            "the BMC answered Get Device ID: firmware {}, IPMI {}, {}",
            show(&id.firmware),
            show(&id.ipmi_version),
            show(&id.manufacturer)
        ),
    )
    .evidence("device", dev)
    .evidence("mc_info", out.stdout_text())
}
