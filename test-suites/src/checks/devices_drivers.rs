//! `devices.drivers`: every device the inventory marks as needing a driver has one bound.
//! Reads only the inventory.

use mxcert_core::inventory::Device;
use mxcert_core::plan::params::DevicesDrivers;

use crate::{Context, Outcome};

fn ignored(d: &Device, ignore: &[String]) -> bool {
    ignore
        .iter()
        .any(|p| mxcert_core::plan::Condition::identity_matches(p, &d.id))
}

/// How a device is named in evidence: identity, names, where it sits.
pub fn describe(d: &Device) -> String {
    let name = match (&d.vendor_name, &d.device_name) {
        (Some(v), Some(n)) => format!(" {v} {n}"),
        (None, Some(n)) => format!(" {n}"),
        (Some(v), None) => format!(" {v}"),
        (None, None) => String::new(),
    };
    let class = d
        .class
        .as_deref()
        .map(|c| format!(" class {c}"))
        .unwrap_or_default();
    let path = d
        .path
        .as_deref()
        .map(|p| format!(" at {p}"))
        .unwrap_or_default();
    format!("{} [{}]{name}{class}{path}", d.id, d.category)
}

pub fn run(p: &DevicesDrivers, ctx: &Context) -> Outcome {
    let needing: Vec<&Device> = ctx
        .inventory
        .devices
        .iter()
        .filter(|d| d.needs_driver && !ignored(d, &p.ignore))
        .collect();
    if needing.is_empty() {
        return Outcome::skip("the inventory lists no device that needs a driver");
    }
    let unbound: Vec<&Device> = needing
        .iter()
        .copied()
        .filter(|d| d.driver.is_none())
        .collect();
    let bound: Vec<String> = needing
        .iter()
        .filter_map(|d| {
            d.driver
                .as_ref()
                .map(|drv| format!("{} -> {drv}", describe(d)))
        })
        .collect();
    let mut out = if unbound.is_empty() {
        Outcome::pass(format!(
            "all {} devices that need a driver have one",
            needing.len()
        ))
    } else {
        let ids: Vec<&str> = unbound.iter().map(|d| d.id.as_str()).collect();
        Outcome::fail(format!(
            "{} of {} devices have no driver: {}",
            unbound.len(),
            needing.len(),
            ids.join(", ")
        ))
    };
    let unbound_text: Vec<String> = unbound
        .iter()
        .map(|d| {
            let modules = if d.modules.is_empty() {
                String::new()
            } else {
                format!("; modules that could drive it: {}", d.modules.join(", "))
            };
            format!("{}{modules}", describe(d))
        })
        .collect();
    out.add_evidence("unbound devices", unbound_text.join("\n"));
    out.add_evidence("bound devices", bound.join("\n"));
    out.measure("devices_needing_driver", needing.len() as f64, "devices")
        .measure("devices_without_driver", unbound.len() as f64, "devices")
}
