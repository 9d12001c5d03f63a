//! PCI functions: ids and class from the uevent (`PCI_ID`, `PCI_SUBSYS_ID`, `PCI_CLASS`) or the
//! modalias, revision and link from sysfs, names from the hwdb or `pci.ids`.

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::Device;

use super::{hex, Ctx, DeviceRecord};

/// The ids of a PCI record.
pub(crate) struct PciIds {
    pub vendor: u16,
    pub device: u16,
    pub subsystem: Option<(u16, u16)>,
    pub class: Option<u32>,
}

fn pair(v: &str) -> Option<(u16, u16)> {
    let (a, b) = v.split_once(':')?;
    Some((u16::try_from(hex(a)?).ok()?, u16::try_from(hex(b)?).ok()?))
}

/// The ids from the uevent, else the modalias, else the sysfs attributes.
pub(crate) fn ids(r: &DeviceRecord) -> Option<PciIds> {
    let from_modalias = r.modalias().and_then(crate::modalias::pci);
    let attr = |name: &str| {
        r.attr(name)
            .and_then(hex)
            .and_then(|v| u16::try_from(v).ok())
    };
    let attr_pair = |a: &str, b: &str| Some((attr(a)?, attr(b)?));
    let (vendor, device) = r
        .prop("PCI_ID")
        .and_then(pair)
        .or(from_modalias.map(|m| (m.vendor, m.device)))
        .or_else(|| attr_pair("vendor", "device"))?;
    let subsystem = r
        .prop("PCI_SUBSYS_ID")
        .and_then(pair)
        .or(from_modalias.map(|m| (m.subvendor, m.subdevice)))
        .or_else(|| attr_pair("subsystem_vendor", "subsystem_device"))
        .filter(|s| *s != (0, 0));
    let class = r
        .prop("PCI_CLASS")
        .and_then(hex)
        .or(from_modalias.map(|m| m.class))
        .or_else(|| r.attr("class").and_then(hex));
    Some(PciIds {
        vendor,
        device,
        subsystem,
        class,
    })
}

/// Whether a PCI function of this class needs a driver bound to work. Bridges (06), memory
/// controllers (05), interrupt/DMA/timer/RTC/hotplug controllers and IOMMUs (08/00-04, 08/06) and
/// unclassified devices (00/00, ff) work, or are handled, without one.
pub fn pci_needs_driver(class: u32) -> bool {
    let base = class >> 16;
    let sub = (class >> 8) & 0xff;
    !matches!(
        (base, sub),
        (0x05, _) | (0x06, _) | (0x08, 0x00..=0x04) | (0x08, 0x06) | (0x00, 0x00) | (0xff, _)
    )
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let Some(ids) = ids(r) else {
        ctx.notes
            .push(format!("{}: PCI device without readable ids", r.devpath));
        return None;
    };
    // PCI modems often give a generic class; their driver says what they are.
    let category = if r.driver().is_some_and(Category::is_wwan_driver) {
        Category::Wwan
    } else {
        ids.class
            .map(Category::from_pci_class)
            .unwrap_or(Category::Other)
    };
    let mut d = super::device(
        "pci",
        Identity::pci(ids.vendor, ids.device, ids.subsystem).to_string(),
        category,
        r,
    );
    d.class = ids.class.map(|c| format!("0x{c:06x}"));
    d.driver = r.driver().map(str::to_owned);
    d.needs_driver = ids.class.is_none_or(pci_needs_driver);
    d.modules = ctx.modules(r);
    d.vendor_name = ctx.hwdb(r, "ID_VENDOR_FROM_DATABASE");
    d.device_name = ctx.hwdb(r, "ID_MODEL_FROM_DATABASE");
    if let Some(f) = ctx.opts.pci_ids {
        if d.vendor_name.is_none() {
            d.vendor_name = f.db.vendor(ids.vendor).map(str::to_owned);
            if d.vendor_name.is_some() {
                ctx.names_used.insert("pci.ids");
            }
        }
        if d.device_name.is_none() {
            d.device_name = f.db.device(ids.vendor, ids.device).map(str::to_owned);
        }
        if let Some((sv, sd)) = ids.subsystem {
            if let Some(name) = f.db.subsystem(ids.vendor, ids.device, sv, sd) {
                d.details.insert("subsystem_name".into(), name.to_owned());
                ctx.names_used.insert("pci.ids");
            }
        }
    }
    let slot = r
        .prop("PCI_SLOT_NAME")
        .unwrap_or_else(|| r.sysname())
        .to_owned();
    d.details.insert("slot".into(), slot);
    if let Some(rev) = r.attr("revision").and_then(hex) {
        d.details.insert("revision".into(), format!("0x{rev:02x}"));
    }
    for (attr, key) in [
        ("current_link_speed", "link_speed"),
        ("current_link_width", "link_width"),
    ] {
        if let Some(v) = r.attr(attr).filter(|v| !v.starts_with("Unknown")) {
            d.details.insert(key.into(), v.to_owned());
        }
    }
    Some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_driver_by_class() {
        assert!(pci_needs_driver(0x030000));
        assert!(pci_needs_driver(0x010802));
        assert!(pci_needs_driver(0x080500)); // SD host controller
        assert!(pci_needs_driver(0x088000));
        assert!(!pci_needs_driver(0x060000));
        assert!(!pci_needs_driver(0x060400));
        assert!(!pci_needs_driver(0x050000));
        assert!(!pci_needs_driver(0x080600));
        assert!(!pci_needs_driver(0xff0000));
    }
}
