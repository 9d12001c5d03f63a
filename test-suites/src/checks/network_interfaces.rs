//! `network.interfaces`: every physical network interface (one backed by a device, unlike `lo`,
//! bridges or veths) has a driver, and link as the plan requires. Network devices in the
//! inventory without an interface or a driver fail the check. MAC addresses are never read.

use mxcert_core::category::Category;
use mxcert_core::plan::params::{LinkRequirement, NetworkInterfaces};

use super::devices_drivers::describe;
use crate::root::{attr, attr_i64, dir_names, link_name};
use crate::{Context, Outcome};

/// A physical interface as sysfs shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interface {
    name: String,
    driver: Option<String>,
    wireless: bool,
    link: bool,
    /// Mbit/s, when the driver reports it.
    speed: Option<i64>,
}

fn interfaces(ctx: &Context, ignore: &[String]) -> Vec<Interface> {
    let dir = ctx.path("/sys/class/net");
    dir_names(&dir)
        .into_iter()
        .filter(|n| !ignore.contains(n))
        .filter(|n| dir.join(n).join("device").exists())
        .map(|name| {
            let p = dir.join(&name);
            let carrier = attr(&p.join("carrier")).as_deref() == Some("1");
            let up = attr(&p.join("operstate")).as_deref() == Some("up");
            Interface {
                driver: link_name(&p.join("device/driver")),
                wireless: p.join("wireless").exists() || p.join("phy80211").exists(),
                link: carrier || up,
                speed: attr_i64(&p.join("speed")).filter(|&s| s > 0),
                name,
            }
        })
        .collect()
}

pub fn run(p: &NetworkInterfaces, ctx: &Context) -> Outcome {
    let ifaces = interfaces(ctx, &p.ignore);
    let mut failures: Vec<String> = ctx
        .inventory
        .devices
        .iter()
        .filter(|d| matches!(d.category, Category::Network | Category::Wireless))
        .filter(|d| d.needs_driver && d.driver.is_none())
        .map(|d| format!("{} has no driver", describe(d)))
        .collect();
    if ifaces.is_empty() {
        if failures.is_empty() {
            return Outcome::skip("no physical network interface (only virtual ones such as lo)");
        }
        return Outcome::fail(failures.join("; "));
    }
    for i in &ifaces {
        if i.driver.is_none() {
            failures.push(format!("{} has no driver", i.name));
        }
    }
    let with_link = ifaces.iter().filter(|i| i.link).count();
    match p.link {
        LinkRequirement::Any if with_link == 0 => failures
            .push("no physical interface has link (connect a cable or join a network)".into()),
        LinkRequirement::All => {
            for i in ifaces.iter().filter(|i| !i.link) {
                failures.push(format!("{} has no link", i.name));
            }
        }
        _ => {}
    }
    let mut out = Outcome::pass_unless(
        &failures,
        format!(
            "{} physical interfaces with drivers, {with_link} with link",
            ifaces.len()
        ),
    );
    let lines: Vec<String> = ifaces
        .iter()
        .map(|i| {
            format!(
                "{}: driver {}, {}, link {}, speed {}",
                i.name,
                i.driver.as_deref().unwrap_or("NONE"),
                if i.wireless { "wireless" } else { "wired" },
                if i.link { "up" } else { "down" },
                i.speed.map_or("unknown".into(), |s| format!("{s} Mb/s"))
            )
        })
        .collect();
    out.add_evidence("interfaces", lines.join("\n"));
    out.add_measurement("interfaces", ifaces.len() as f64, "interfaces");
    out.add_measurement("interfaces_with_link", with_link as f64, "interfaces");
    for i in &ifaces {
        if let Some(s) = i.speed {
            out.add_measurement(format!("link_speed@{}", i.name), s as f64, "Mb/s");
        }
    }
    out
}
