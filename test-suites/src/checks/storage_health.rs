//! `storage.health`: the health data drives keep about themselves.
//!
//! NVMe and SATA/SAS drives are asked through `smartctl --json` (smartmontools): the overall
//! SMART verdict, NVMe critical warnings, wear (`percentage_used`), media errors and spare
//! capacity, ATA pending and uncorrectable sectors. eMMC reports its wear estimates in sysfs.
//! Virtual disks (virtio, Xen) expose no health data. Drives whose data cannot be read are
//! listed with the reason; when no drive's data could be read the check is skipped. Serial
//! numbers and WWNs in smartctl's output are never copied into the result.

use std::path::{Path, PathBuf};
use std::process::Command;

use mxcert_core::plan::params::StorageHealth;
use serde_json::Value;

use crate::root::{attr, dir_names, join};
use crate::{Context, Findings, Outcome};

/// One drive's health as read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Health {
    /// Model and firmware, for evidence.
    pub model: Option<String>,
    /// smartctl's overall assessment.
    pub passed: Option<bool>,
    /// Reasons the drive is not healthy.
    pub problems: Vec<String>,
    /// Other facts worth showing (wear, temperature, hours).
    pub facts: Vec<String>,
    pub percentage_used: Option<u64>,
    pub temperature: Option<i64>,
}

fn u(v: &Value, pointer: &str) -> Option<u64> {
    v.pointer(pointer).and_then(Value::as_u64)
}

/// Reads `smartctl --json` output. `Err` when it carries no health data at all (the reason).
pub fn parse_smartctl(bytes: &[u8], max_percentage_used: u64) -> Result<Health, String> {
    let v: Value =
        serde_json::from_slice(bytes).map_err(|e| format!("smartctl output is not JSON: {e}"))?;
    let mut h = Health {
        model: v.pointer("/model_name").and_then(Value::as_str).map(|m| {
            match v.pointer("/firmware_version").and_then(Value::as_str) {
                Some(fw) => format!("{m} (firmware {fw})"),
                None => m.to_owned(),
            }
        }),
        passed: v.pointer("/smart_status/passed").and_then(Value::as_bool),
        temperature: v.pointer("/temperature/current").and_then(Value::as_i64),
        ..Health::default()
    };
    let nvme = v.pointer("/nvme_smart_health_information_log");
    let ata = v
        .pointer("/ata_smart_attributes/table")
        .and_then(Value::as_array);
    if h.passed.is_none() && nvme.is_none() && ata.is_none() {
        let messages: Vec<&str> = v
            .pointer("/smartctl/messages")
            .and_then(Value::as_array)
            .map(|m| {
                m.iter()
                    .filter_map(|x| x.get("string").and_then(Value::as_str))
                    .collect()
            })
            .unwrap_or_default();
        return Err(if messages.is_empty() {
            "smartctl returned no health data".into()
        } else {
            messages.join("; ")
        });
    }
    if h.passed == Some(false) {
        h.problems
            .push("SMART overall-health self-assessment: FAILED".into());
    }
    if let Some(log) = nvme {
        let log = log.clone();
        if let Some(w) = u(&log, "/critical_warning").filter(|&w| w != 0) {
            h.problems.push(format!("NVMe critical warning {w:#04x}"));
        }
        if let Some(used) = u(&log, "/percentage_used") {
            h.percentage_used = Some(used);
            h.facts.push(format!("{used}% of rated life used"));
            if used > max_percentage_used {
                h.problems.push(format!(
                    "{used}% of rated life used (the plan allows {max_percentage_used}%)"
                ));
            }
        }
        if let Some(m) = u(&log, "/media_errors").filter(|&m| m > 0) {
            h.problems
                .push(format!("{m} media and data integrity errors"));
        }
        if let (Some(spare), Some(thr)) = (
            u(&log, "/available_spare"),
            u(&log, "/available_spare_threshold"),
        ) {
            h.facts
                .push(format!("available spare {spare}% (threshold {thr}%)"));
            if spare < thr {
                h.problems.push(format!(
                    "available spare {spare}% is below its threshold {thr}%"
                ));
            }
        }
        if let Some(hours) = u(&log, "/power_on_hours") {
            h.facts.push(format!("{hours} power-on hours"));
        }
    }
    for attr in ata.into_iter().flatten() {
        let id = attr.get("id").and_then(Value::as_u64).unwrap_or(0);
        let name = attr.get("name").and_then(Value::as_str).unwrap_or("?");
        let raw = u(attr, "/raw/value").unwrap_or(0);
        if attr
            .get("when_failed")
            .and_then(Value::as_str)
            .is_some_and(|w| !w.is_empty())
        {
            h.problems.push(format!("attribute {id} {name} failed"));
        }
        match id {
            197 | 198 if raw > 0 => h.problems.push(format!("{name}: {raw}")),
            5 if raw > 0 => h
                .facts
                .push(format!("{name}: {raw} (reallocated; watch it)")),
            9 => h.facts.push(format!("{raw} power-on hours")),
            _ => {}
        }
    }
    if let Some(t) = h.temperature {
        h.facts.push(format!("{t} °C"));
    }
    Ok(h)
}

/// Finds smartctl: an absolute path as given, or the name on `PATH` and in the sbin directories
/// (often missing from a normal user's `PATH`).
fn find_program(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        return Some(PathBuf::from(name));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// Whole-disk block devices backed by hardware, with their transport.
fn disks(root: &Path) -> Vec<(String, &'static str)> {
    let dir = join(root, "/sys/block");
    dir_names(&dir)
        .into_iter()
        .filter(|n| dir.join(n).join("device").exists())
        .filter_map(|n| {
            let transport = if n.starts_with("nvme") {
                "nvme"
            } else if n.starts_with("sd") {
                "ata/scsi"
            } else if n.starts_with("vd") || n.starts_with("xvd") {
                "virtual"
            } else if n.starts_with("mmcblk") {
                "mmc"
            } else {
                return None;
            };
            Some((n, transport))
        })
        .collect()
}

/// eMMC wear from sysfs (`life_time`: two estimates in 10% steps, 0x01 = 0–10% used).
fn mmc_health(root: &Path, disk: &str) -> Result<Health, String> {
    let dev = join(root, &format!("/sys/block/{disk}/device"));
    let life = attr(&dev.join("life_time")).ok_or("this eMMC reports no life-time estimate")?;
    let eol = attr(&dev.join("pre_eol_info"));
    let mut h = Health {
        model: attr(&dev.join("name")),
        ..Health::default()
    };
    let steps: Vec<u64> = life
        .split_whitespace()
        .filter_map(|s| u64::from_str_radix(s.trim_start_matches("0x"), 16).ok())
        .collect();
    if let Some(&worst) = steps.iter().max() {
        let used = worst.saturating_sub(1) * 10;
        h.percentage_used = Some(used);
        h.facts.push(format!(
            "life-time estimate {life} (about {used}–{}% used)",
            used + 10
        ));
        if worst >= 0x0b {
            h.problems
                .push(format!("life-time estimate {life}: past its rated life"));
        }
    }
    if let Some(e) = eol {
        if e.trim_start_matches("0x")
            .trim_start_matches('0')
            .parse::<u8>()
            .unwrap_or(1)
            >= 2
        {
            h.problems
                .push(format!("pre-EOL info {e}: reserved blocks running out"));
        }
    }
    Ok(h)
}

pub fn run(p: &StorageHealth, ctx: &Context) -> Outcome {
    let disks = disks(&ctx.root);
    if disks.is_empty() {
        return Outcome::skip("no hardware disk in /sys/block");
    }
    let smartctl = find_program(&p.smartctl);
    let mut lines = Vec::new();
    let mut problems = Vec::new();
    let mut read = 0;
    let mut out = Findings::default();
    for (disk, transport) in &disks {
        let health = match *transport {
            "virtual" => Err("virtual disk: no health data exposed".to_owned()),
            "mmc" => mmc_health(&ctx.root, disk),
            _ => match &smartctl {
                None => Err(format!("{} not found (install smartmontools)", p.smartctl)),
                Some(prog) => Command::new(prog)
                    .args(["--json=c", "-H", "-A", "-i"])
                    .arg(format!("/dev/{disk}"))
                    .output()
                    .map_err(|e| format!("cannot run {}: {e}", prog.display()))
                    .and_then(|o| parse_smartctl(&o.stdout, p.max_percentage_used)),
            },
        };
        match health {
            Ok(h) => {
                read += 1;
                let verdict = if h.problems.is_empty() {
                    "healthy"
                } else {
                    "UNHEALTHY"
                };
                let mut facts = h.facts.clone();
                facts.extend(h.problems.iter().cloned());
                lines.push(format!(
                    "{disk} ({transport}, {}): {verdict}; {}",
                    h.model.as_deref().unwrap_or("unknown model"),
                    facts.join(", ")
                ));
                problems.extend(h.problems.iter().map(|x| format!("{disk}: {x}")));
                if let Some(used) = h.percentage_used {
                    out.measure(format!("life_used@{disk}"), used as f64, "%");
                }
                if let Some(t) = h.temperature {
                    out.measure(format!("temperature@{disk}"), t as f64, "°C");
                }
            }
            Err(why) => lines.push(format!("{disk} ({transport}): {why}")),
        }
    }
    let mut result = if read == 0 {
        Outcome::skip(format!(
            "no disk's health data was readable: {}",
            lines.join("; ")
        ))
    } else {
        Outcome::pass_unless(
            &problems,
            format!("{read} of {} disks report good health", disks.len()),
        )
    };
    result = result.with(out);
    result.add_evidence("disks", lines.join("\n"));
    result
}
