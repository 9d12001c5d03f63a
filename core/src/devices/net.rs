//! Network interfaces of physical devices: driver, wired, wireless or mobile broadband (`wwan`),
//! link state, speed. Virtual
//! interfaces (loopback, bridges, tunnels, veth) are not hardware and are skipped; the MAC address
//! is never read into the inventory.

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    if r.is_virtual() {
        return None;
    }
    let wireless = r.devtype() == Some("wlan") || r.attr("phy80211").is_some();
    let driver = ctx.inherited_driver(r);
    let interface = r.prop("INTERFACE").unwrap_or_else(|| r.sysname());
    // A mobile broadband modem's interface: udev's devtype (the kernel's WWAN framework and
    // usbnet's WWAN drivers set it), its driver, or the name the kernel gives it.
    let wwan = r.devtype() == Some("wwan")
        || driver.as_deref().is_some_and(Category::is_wwan_driver)
        || interface.starts_with("wwan");
    let (category, kind) = if wwan {
        (Category::Wwan, "wwan")
    } else if wireless {
        (Category::Wireless, "wireless")
    } else {
        (Category::from_subsystem("net", false), "wired")
    };
    let id = Identity::other("net", driver.as_deref().unwrap_or("unknown"))?.to_string();
    let mut d = super::device("net", id, category, r);
    d.driver = driver;
    d.details.insert("interface".into(), interface.to_owned());
    d.details.insert("type".into(), kind.into());
    if let Some(state) = r.attr("operstate") {
        d.details.insert("link".into(), state.to_owned());
    }
    if let Some(speed) = r
        .attr("speed")
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|s| *s > 0)
    {
        d.details.insert("speed_mbps".into(), speed.to_string());
    }
    if let Some(c) = r.attr("carrier") {
        d.details.insert(
            "carrier".into(),
            if c == "1" { "true" } else { "false" }.into(),
        );
    }
    Some(d)
}
