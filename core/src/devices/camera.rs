//! Cameras and other video4linux capture devices: one entry per device (the node with `index` 0;
//! UVC cameras add a metadata node with index 1, which is skipped).

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    if !r.sysname().starts_with("video") || r.is_virtual() {
        return None;
    }
    if r.attr("index").is_some_and(|i| i != "0") {
        return None;
    }
    let driver = ctx.inherited_driver(r);
    let id = Identity::other("video4linux", driver.as_deref().unwrap_or("unknown"))?.to_string();
    let mut d = super::device("video4linux", id, Category::Camera, r);
    d.driver = driver;
    d.device_name = r
        .attr("name")
        .or_else(|| r.prop("ID_V4L_PRODUCT"))
        .map(str::to_owned);
    if d.device_name.is_some() {
        ctx.names_used.insert("device");
    }
    d.details.insert("node".into(), r.sysname().to_owned());
    Some(d)
}
