//! `power.battery`: the system's batteries (`/sys/class/power_supply/*` with `type` Battery,
//! not the batteries of wireless mice and keyboards, whose `scope` is `Device`): present, charge
//! level, and health as full capacity over design capacity.

use mxcert_core::plan::params::PowerBattery;

use crate::root::{attr, attr_i64, dir_names};
use crate::{Context, Findings, Outcome};

#[derive(Debug, Clone, PartialEq)]
struct Battery {
    name: String,
    present: bool,
    status: Option<String>,
    capacity: Option<i64>,
    health: Option<f64>,
    cycles: Option<i64>,
    technology: Option<String>,
}

fn batteries(ctx: &Context) -> Vec<Battery> {
    let dir = ctx.path("/sys/class/power_supply");
    dir_names(&dir)
        .into_iter()
        .filter_map(|name| {
            let p = dir.join(&name);
            if attr(&p.join("type")).as_deref() != Some("Battery")
                || attr(&p.join("scope")).as_deref() == Some("Device")
            {
                return None;
            }
            let ratio = |full: &str, design: &str| {
                let f = attr_i64(&p.join(full))?;
                let d = attr_i64(&p.join(design)).filter(|&d| d > 0)?;
                Some(f as f64 * 100.0 / d as f64)
            };
            Some(Battery {
                present: attr(&p.join("present")).as_deref() != Some("0"),
                status: attr(&p.join("status")),
                capacity: attr_i64(&p.join("capacity")),
                health: ratio("energy_full", "energy_full_design")
                    .or_else(|| ratio("charge_full", "charge_full_design")),
                cycles: attr_i64(&p.join("cycle_count")).filter(|&c| c > 0),
                technology: attr(&p.join("technology")),
                name,
            })
        })
        .collect()
}

pub fn run(p: &PowerBattery, ctx: &Context) -> Outcome {
    let all = batteries(ctx);
    let present: Vec<&Battery> = all.iter().filter(|b| b.present).collect();
    if present.is_empty() {
        let why = if all.is_empty() {
            "this machine reports no battery".to_owned()
        } else {
            format!("battery slot {} is empty", all[0].name)
        };
        return if p.required {
            Outcome::fail(why)
        } else {
            Outcome::skip(why)
        };
    }
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut out = Findings::default();
    for b in &present {
        lines.push(format!(
            "{}: {}, charge {}, health {}, {} cycles, {}",
            b.name,
            b.status.as_deref().unwrap_or("status unknown"),
            b.capacity.map_or("unknown".into(), |c| format!("{c}%")),
            b.health
                .map_or("unknown".into(), |h| format!("{h:.1}% of design capacity")),
            b.cycles.map_or("?".into(), |c| c.to_string()),
            b.technology.as_deref().unwrap_or("unknown technology")
        ));
        match b.health {
            Some(h) if h < p.min_health_percent as f64 => failures.push(format!(
                "{} holds {h:.1}% of its design capacity (the plan needs {}%)",
                b.name, p.min_health_percent
            )),
            None if p.min_health_percent > 0 => failures.push(format!(
                "{} does not report its full and design capacity, so its health cannot be checked",
                b.name
            )),
            _ => {}
        }
        if b.capacity.is_none() {
            failures.push(format!("{} does not report its charge level", b.name));
        }
        if let Some(c) = b.capacity {
            out.measure(format!("charge@{}", b.name), c as f64, "%");
        }
        if let Some(h) = b.health {
            out.measure(format!("health@{}", b.name), h, "%");
        }
        if let Some(c) = b.cycles {
            out.measure(format!("cycles@{}", b.name), c as f64, "cycles");
        }
    }
    let mut result = Outcome::pass_unless(
        &failures,
        format!("{} battery(ies) present and healthy", present.len()),
    );
    result = result.with(out);
    result.add_evidence("batteries", lines.join("\n"));
    result
}
