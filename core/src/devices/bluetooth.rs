//! Bluetooth controllers (`hciN`). Their addresses are never read into the inventory; connections
//! (`hci0:256`) are not devices and are skipped.

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let name = r.sysname();
    let is_controller = name
        .strip_prefix("hci")
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !is_controller {
        return None;
    }
    let driver = ctx.inherited_driver(r);
    let id = Identity::other("bluetooth", driver.as_deref().unwrap_or("unknown"))?.to_string();
    let mut d = super::device("bluetooth", id, Category::Bluetooth, r);
    d.driver = driver;
    d.details.insert("controller".into(), name.to_owned());
    Some(d)
}
