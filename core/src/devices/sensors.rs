//! Sensors: thermal zones (type, temperature) and hwmon chips (name, temperature sensors, fans).
//! Records without a type or name say nothing useful and are skipped.

use crate::category::Category;
use crate::identity::{slug, Identity};
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

fn celsius(millidegrees: &str) -> Option<String> {
    let m: i64 = millidegrees.trim().parse().ok()?;
    Some(format!("{:.1}", m as f64 / 1000.0))
}

pub(crate) fn thermal(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    if !r.sysname().starts_with("thermal_zone") {
        return None;
    }
    let kind = r.attr("type")?;
    let id = Identity::other("thermal", &slug(kind))?.to_string();
    let mut d = super::device("thermal", id, Category::Sensor, r);
    d.driver = ctx.inherited_driver(r).filter(|_| !r.is_virtual());
    d.details.insert("type".into(), kind.to_owned());
    if let Some(t) = r.attr("temp").and_then(celsius) {
        d.details.insert("temp_c".into(), t);
    }
    Some(d)
}

/// The number in `temp12_input`.
fn index(name: &str, prefix: &str) -> Option<u32> {
    name.strip_prefix(prefix)?
        .strip_suffix("_input")?
        .parse()
        .ok()
}

pub(crate) fn hwmon(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let name = r.attr("name")?;
    let id = Identity::other("hwmon", &slug(name))?.to_string();
    let mut d = super::device("hwmon", id, Category::Sensor, r);
    d.driver = ctx.inherited_driver(r);
    d.details.insert("name".into(), name.to_owned());
    let mut temps: Vec<(u32, &str)> = r
        .attributes
        .iter()
        .filter_map(|(k, v)| Some((index(k, "temp")?, v.as_str())))
        .collect();
    temps.sort();
    if let Some(t) = temps.first().and_then(|(_, v)| celsius(v)) {
        d.details.insert("temp_c".into(), t);
    }
    if !temps.is_empty() {
        d.details
            .insert("temp_sensors".into(), temps.len().to_string());
    }
    let fans = r
        .attributes
        .keys()
        .filter(|k| index(k, "fan").is_some())
        .count();
    if fans > 0 {
        d.details.insert("fans".into(), fans.to_string());
    }
    Some(d)
}
