//! `device.present`: the device a device plan certifies (chosen with `--device`) is in the
//! inventory and, when it needs one, has its driver bound.

use mxcert_core::plan::params::DevicePresent;
use mxcert_core::plan::Condition;

use super::devices_drivers::describe;
use crate::{Context, Outcome};

pub fn run(_p: &DevicePresent, ctx: &Context) -> Outcome {
    let Some(wanted) = ctx.options.device.as_deref() else {
        return Outcome::error("no device chosen: run this plan with --device IDENTITY");
    };
    let found: Vec<_> = ctx
        .inventory
        .devices
        .iter()
        .filter(|d| Condition::identity_matches(wanted, &d.id))
        .collect();
    if found.is_empty() {
        return Outcome::fail(format!("no device {wanted} in the inventory"));
    }
    let list: Vec<String> = found
        .iter()
        .map(|d| {
            format!(
                "{} -> {}",
                describe(d),
                d.driver.as_deref().unwrap_or("(no driver)")
            )
        })
        .collect();
    let unbound: Vec<&str> = found
        .iter()
        .filter(|d| d.needs_driver && d.driver.is_none())
        .map(|d| d.id.as_str())
        .collect();
    let out = if unbound.is_empty() {
        Outcome::pass(format!("{wanted} is present ({} matching)", found.len()))
    } else {
        Outcome::fail(format!("{wanted} is present but has no driver bound"))
    };
    out.evidence("matching devices", list.join("\n"))
}
