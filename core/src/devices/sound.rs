//! Sound: ALSA cards (`cardN`), named by the driver of the hardware they belong to, and HD-audio
//! codecs (`hdaudioCxDy`), which are hardware with ids of their own (`vendor_id` 0x10ec0257 is a
//! Realtek ALC257).

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{hex, Ctx, DeviceRecord};

pub(crate) fn card(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let name = r.sysname();
    if !name.starts_with("card") || name.contains('-') || r.is_virtual() {
        return None;
    }
    let driver = ctx.inherited_driver(r);
    let id = Identity::other("sound", driver.as_deref().unwrap_or("unknown"))?.to_string();
    let mut d = super::device("sound", id, Category::Audio, r);
    d.driver = driver;
    d.details
        .insert("card".into(), name.trim_start_matches("card").to_owned());
    if let Some(card_id) = r.attr("id") {
        d.details.insert("card_id".into(), card_id.to_owned());
    }
    Some(d)
}

pub(crate) fn codec(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let vendor_id = r
        .attr("vendor_id")
        .and_then(hex)
        .or_else(|| r.modalias().and_then(crate::modalias::hdaudio))?;
    let id = Identity::other(
        "hdaudio",
        &format!("{:04x}:{:04x}", vendor_id >> 16, vendor_id & 0xffff),
    )?;
    let mut d = super::device("hdaudio", id.to_string(), Category::Audio, r);
    d.driver = r.driver().map(str::to_owned);
    d.needs_driver = true;
    d.modules = ctx.modules(r);
    d.vendor_name = r.attr("vendor_name").map(str::to_owned);
    d.device_name = r.attr("chip_name").map(str::to_owned);
    if d.vendor_name.is_some() || d.device_name.is_some() {
        ctx.names_used.insert("device");
    }
    for key in ["subsystem_id", "revision_id"] {
        if let Some(v) = r.attr(key).and_then(hex) {
            d.details.insert(key.into(), format!("0x{v:08x}"));
        }
    }
    Some(d)
}
