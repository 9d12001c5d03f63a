//! `bluetooth.scan`: the Bluetooth adapter powers on and discovers at least `min_devices`
//! devices within `wait_s` seconds, through BlueZ's `bluetoothctl` (package `bluez`), run
//! behind the command-runner seam ([`crate::runner_seam`]).
//!
//! Runs `bluetoothctl list` (is there a controller?), `bluetoothctl power on`,
//! `bluetoothctl --timeout N scan on` (devices announced as `[NEW] Device ADDR …` or seen with
//! an RSSI), then `bluetoothctl info ADDR` for at most [`MAX_DEVICES`] of them, for their class.
//! Records how many were found and their kinds (BlueZ's icon, else the major device class),
//! never their addresses or names.
//!
//! Bounds: 10 s per command, the scan `wait_s` + 10 s. No controller: not applicable (skipped);
//! `bluetoothctl` missing: skipped naming the package.

use std::collections::BTreeMap;
use std::time::Duration;

use mxcert_core::plan::params::BluetoothScan;

use crate::runner_seam::{CommandOutput, CommandRunner, RunError, SystemRunner};
use crate::{Context, Outcome};

/// Devices looked up for their class, at most.
pub const MAX_DEVICES: usize = 32;
const STEP: Duration = Duration::from_secs(10);
const TOOL: &str = "bluetoothctl";

pub fn run(p: &BluetoothScan, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

/// What went wrong running a command, as the check's outcome.
fn tool_failed(e: RunError) -> Outcome {
    match e {
        RunError::NotFound { .. } => Outcome::skip(
            "bluetoothctl is not installed (Debian package bluez); install it to test Bluetooth",
        ),
        RunError::TimedOut { .. } => Outcome::error(format!(
            "{e} (is the bluetooth service, bluetoothd, running?)"
        )),
        RunError::Failed { .. } => Outcome::error(e.to_string()),
    }
}

/// `XX:XX:XX:XX:XX:XX`.
fn is_address(s: &str) -> bool {
    s.len() == 17
        && s.split(':').count() == 6
        && s.split(':')
            .all(|b| b.len() == 2 && b.chars().all(|c| c.is_ascii_hexdigit()))
}

/// Addresses of the devices the scan saw: announced (`[NEW] Device ADDR`) or heard
/// (`[CHG] Device ADDR RSSI: …`), in order of first appearance.
pub fn seen_devices(scan: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for line in scan.lines() {
        // bluetoothctl colours its tags; the words are what count.
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some(i) = words.iter().position(|w| *w == "Device") else {
            continue;
        };
        let tag = words[..i].join(" ");
        let Some(&addr) = words.get(i + 1).filter(|a| is_address(a)) else {
            continue;
        };
        let heard = tag.contains("[NEW]")
            || (tag.contains("[CHG]") && words.get(i + 2).is_some_and(|w| *w == "RSSI:"));
        if heard && !out.iter().any(|a| a == addr) {
            out.push(addr.to_owned());
        }
    }
    out
}

/// Names of the major device classes (Bluetooth Assigned Numbers, Class of Device bits 8-12).
fn major_class(class: u32) -> &'static str {
    match (class >> 8) & 0x1f {
        0 => "miscellaneous",
        1 => "computer",
        2 => "phone",
        3 => "network access point",
        4 => "audio/video",
        5 => "peripheral",
        6 => "imaging",
        7 => "wearable",
        8 => "toy",
        9 => "health",
        _ => "uncategorised",
    }
}

/// The kind of a device from `bluetoothctl info`: its `Icon`, else its `Class`, else unknown
/// (Bluetooth LE devices often have neither).
pub fn device_kind(info: &str) -> String {
    let field = |name: &str| {
        info.lines().find_map(|l| {
            l.trim()
                .strip_prefix(name)
                .and_then(|r| r.strip_prefix(':'))
                .map(|v| v.trim().to_owned())
        })
    };
    if let Some(icon) = field("Icon").filter(|i| !i.is_empty()) {
        return icon;
    }
    // BlueZ 5.7x prints the decimal value after the hex one: `Class: 0x005a420c (5915148)`.
    field("Class")
        .and_then(|c| c.split_whitespace().next().map(str::to_owned))
        .and_then(|c| u32::from_str_radix(c.trim_start_matches("0x"), 16).ok())
        .map(|c| major_class(c).to_owned())
        .unwrap_or_else(|| "unknown".into())
}

fn first_line(o: &CommandOutput) -> String {
    let text = format!("{}\n{}", o.stdout_text(), o.stderr_text());
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("no output")
        .to_owned()
}

pub fn run_with(p: &BluetoothScan, _ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let list = match runner.run(TOOL, &["list"], STEP) {
        Ok(o) => o,
        Err(e) => return tool_failed(e),
    };
    if !list
        .stdout_text()
        .lines()
        .any(|l| l.trim_start().starts_with("Controller "))
    {
        return Outcome::skip(
            "not applicable: BlueZ sees no Bluetooth controller (bluetoothctl list is empty)",
        );
    }
    let power = match runner.run(TOOL, &["power", "on"], STEP) {
        Ok(o) => o,
        Err(e) => return tool_failed(e),
    };
    if !power.stdout_text().contains("succeeded") {
        return Outcome::fail(format!(
            "the adapter did not power on: {}",
            first_line(&power)
        ));
    }
    let secs = p.wait_s.to_string();
    let scan = match runner.run(
        TOOL,
        &["--timeout", &secs, "scan", "on"],
        Duration::from_secs(p.wait_s) + STEP,
    ) {
        Ok(o) => o,
        Err(e) => return tool_failed(e),
    };
    let seen = seen_devices(&scan.stdout_text());
    let mut kinds: BTreeMap<String, u64> = BTreeMap::new();
    for addr in seen.iter().take(MAX_DEVICES) {
        let kind = match runner.run(TOOL, &["info", addr], STEP) {
            Ok(o) => device_kind(&o.stdout_text()),
            Err(_) => "unknown".into(),
        };
        *kinds.entry(kind).or_default() += 1;
    }
    let summary = kinds
        .iter()
        .map(|(k, n)| format!("{k}: {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let n = seen.len() as u64;
    let out = if n >= p.min_devices {
        Outcome::pass(format!(
            "the adapter powered on and discovered {n} device(s) in {} s ({summary})",
            p.wait_s
        ))
    } else {
        Outcome::fail(format!(
            "the adapter powered on but discovered {n} device(s) in {} s, fewer than {} (is a discoverable device nearby?)",
            p.wait_s, p.min_devices
        ))
    };
    let mut out = out.measure("devices_found", n as f64, "devices");
    if seen.len() > MAX_DEVICES {
        out.add_evidence(
            "note",
            format!("kinds of the first {MAX_DEVICES} devices only"),
        );
    }
    out.evidence("device kinds", summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_are_those_announced_or_heard_once_each() {
        let scan = "Discovery started\n\
            [CHG] Controller 00:1A:7D:DA:71:13 Discovering: yes\n\
            [NEW] Device 40:4E:36:5C:AE:01 Pixel 7\n\
            [CHG] Device 40:4E:36:5C:AE:01 RSSI: -61\n\
            [CHG] Device 5C:F3:70:8B:12:34 RSSI: -80\n\
            [CHG] Device 11:22:33:44:55:66 Connected: no\n\
            [DEL] Device 77:88:99:AA:BB:CC gone\n\
            [NEW] Device garbage\n";
        assert_eq!(
            seen_devices(scan),
            vec!["40:4E:36:5C:AE:01", "5C:F3:70:8B:12:34"]
        );
    }

    #[test]
    fn kinds_come_from_the_icon_then_the_class() {
        assert_eq!(
            device_kind("\tIcon: audio-headset\n\tClass: 0x240404\n"),
            "audio-headset"
        );
        assert_eq!(device_kind("\tClass: 0x5a020c\n"), "phone");
        assert_eq!(device_kind("\tName: x\n"), "unknown");
    }
}
