//! Graphics: DRM cards (`cardN`) of physical GPUs, with the state of their connectors
//! (`cardN-eDP-1` and so on). Render nodes and the kernel's virtual DRM devices are skipped.

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let name = r.sysname();
    let is_card = name
        .strip_prefix("card")
        .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()));
    if !is_card || r.is_virtual() {
        return None;
    }
    let driver = ctx.inherited_driver(r);
    let id = Identity::other("drm", driver.as_deref().unwrap_or("unknown"))?.to_string();
    let mut d = super::device("drm", id, Category::Graphics, r);
    d.driver = driver;
    d.details
        .insert("card".into(), name.trim_start_matches("card").to_owned());
    // Connectors are the records named `cardN-...` directly below the card.
    let prefix = format!("{name}-");
    let mut connectors: Vec<String> = ctx
        .children(&r.devpath)
        .filter_map(|c| Some((c, c.sysname().strip_prefix(&prefix)?)))
        .map(|(c, conn)| match c.attr("status") {
            Some(status) => format!("{conn}:{status}"),
            None => conn.to_owned(),
        })
        .collect();
    connectors.sort();
    if !connectors.is_empty() {
        d.details.insert("connectors".into(), connectors.join(","));
    }
    Some(d)
}
