//! Power supplies: batteries (capacity, design capacity, health), AC adapters, USB supplies. Read
//! from the `POWER_SUPPLY_*` uevent properties, else the attributes; the battery serial number is
//! withheld like every other.

use crate::category::Category;
use crate::identity::{slug, Identity};
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

/// A power-supply value: the `POWER_SUPPLY_<NAME>` property, else the `<name>` attribute.
fn value<'r>(r: &'r DeviceRecord, name: &str) -> Option<&'r str> {
    r.prop(&format!("POWER_SUPPLY_{}", name.to_ascii_uppercase()))
        .or_else(|| r.attr(name))
}

fn number(r: &DeviceRecord, name: &str) -> Option<u64> {
    value(r, name).and_then(|v| v.parse().ok())
}

/// The supply's type; old kernels did not report it, but a supply with a capacity or a chemistry
/// is a battery and one that is only online or not is mains.
fn kind(r: &DeviceRecord) -> String {
    if let Some(t) = value(r, "type") {
        return t.to_ascii_lowercase();
    }
    let has = |k: &str| value(r, k).is_some();
    if has("technology") || has("capacity") || has("energy_full") || has("charge_full") {
        "battery".into()
    } else if has("online") {
        "mains".into()
    } else {
        "unknown".into()
    }
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let kind = kind(r);
    let manufacturer = value(r, "manufacturer").map(str::to_owned);
    let model = value(r, "model_name").map(str::to_owned);
    let mut id_tail = slug(&kind);
    if kind == "battery" {
        let m = slug(&format!(
            "{} {}",
            manufacturer.as_deref().unwrap_or(""),
            model.as_deref().unwrap_or("")
        ));
        if !m.is_empty() {
            id_tail = format!("{id_tail}:{m}");
        }
    }
    let id = Identity::other("power_supply", &id_tail)?.to_string();
    let mut d = super::device("power_supply", id, Category::Power, r);
    d.driver = ctx.inherited_driver(r);
    d.vendor_name = manufacturer;
    d.device_name = model;
    if d.vendor_name.is_some() || d.device_name.is_some() {
        ctx.names_used.insert("device");
    }
    d.details.insert("type".into(), kind.clone());
    for key in ["status", "technology", "scope"] {
        if let Some(v) = value(r, key) {
            d.details.insert(key.into(), v.to_owned());
        }
    }
    if let Some(online) = value(r, "online") {
        d.details.insert(
            "online".into(),
            if online == "1" { "true" } else { "false" }.into(),
        );
    }
    if let Some(c) = number(r, "capacity") {
        d.details.insert("capacity_percent".into(), c.to_string());
    }
    if let Some(c) = number(r, "cycle_count") {
        d.details.insert("cycle_count".into(), c.to_string());
    }
    // Energy in µWh, or charge in µAh when the battery reports that instead.
    let (full, design, unit, scale) =
        match (number(r, "energy_full"), number(r, "energy_full_design")) {
            (f, Some(dsg)) => (f, Some(dsg), "Wh", 1_000_000.0),
            (f, None) => match (number(r, "charge_full"), number(r, "charge_full_design")) {
                (cf, Some(cd)) => (cf, Some(cd), "Ah", 1_000_000.0),
                (cf, None) => (f.or(cf), None, "Wh", 1_000_000.0),
            },
        };
    if let Some(dsg) = design.filter(|v| *v > 0) {
        d.details.insert(
            "design_capacity".into(),
            format!("{:.2} {unit}", dsg as f64 / scale),
        );
        if let Some(f) = full {
            d.details.insert(
                "full_capacity".into(),
                format!("{:.2} {unit}", f as f64 / scale),
            );
            let health = (f as f64 * 100.0 / dsg as f64).round();
            d.details
                .insert("health_percent".into(), format!("{health:.0}"));
        }
    }
    Some(d)
}
