//! PCI and USB devices from udev: ids, class, driver, and names from the hwdb when udevd has
//! added them.

use mxcert_core::category::Category;
use mxcert_core::identity::Identity;
use mxcert_core::inventory::Device;

use super::ProbeError;

pub fn enumerate(notes: &mut Vec<String>) -> Result<Vec<Device>, ProbeError> {
    let mut devices = Vec::new();
    for subsystem in ["pci", "usb"] {
        let mut e = udev::Enumerator::new().map_err(|e| ProbeError::Udev(e.to_string()))?;
        e.match_subsystem(subsystem)
            .map_err(|e| ProbeError::Udev(e.to_string()))?;
        let list = e
            .scan_devices()
            .map_err(|e| ProbeError::Udev(format!("scanning {subsystem}: {e}")))?;
        for dev in list {
            let d = match subsystem {
                "pci" => pci(&dev),
                _ => usb(&dev),
            };
            match d {
                Some(d) => devices.push(d),
                None if subsystem == "pci" => {
                    notes.push(format!("{}: unreadable PCI ids", dev.syspath().display()))
                }
                None => {}
            }
        }
    }
    devices.sort_by(|a, b| (&a.bus, &a.path).cmp(&(&b.bus, &b.path)));
    Ok(devices)
}

fn attr(dev: &udev::Device, name: &str) -> Option<String> {
    dev.attribute_value(name)
        .map(|v| v.to_string_lossy().trim().to_owned())
}

fn prop(dev: &udev::Device, name: &str) -> Option<String> {
    dev.property_value(name)
        .map(|v| v.to_string_lossy().trim().to_owned())
}

fn hex_u16(v: Option<String>) -> Option<u16> {
    let v = v?;
    u16::from_str_radix(v.trim_start_matches("0x"), 16).ok()
}

fn rel_path(dev: &udev::Device) -> String {
    dev.syspath()
        .to_string_lossy()
        .trim_start_matches("/sys/")
        .to_owned()
}

fn pci(dev: &udev::Device) -> Option<Device> {
    let vendor = hex_u16(attr(dev, "vendor"))?;
    let device = hex_u16(attr(dev, "device"))?;
    let sub = hex_u16(attr(dev, "subsystem_vendor")).zip(hex_u16(attr(dev, "subsystem_device")));
    let class = attr(dev, "class")
        .and_then(|c| u32::from_str_radix(c.trim_start_matches("0x"), 16).ok())?;
    let category = Category::from_pci_class(class);
    Some(Device {
        bus: "pci".into(),
        id: Identity::pci(vendor, device, sub.filter(|s| *s != (0, 0))).to_string(),
        category,
        class: Some(format!("0x{class:06x}")),
        vendor_name: prop(dev, "ID_VENDOR_FROM_DATABASE"),
        device_name: prop(dev, "ID_MODEL_FROM_DATABASE"),
        driver: dev.driver().map(|d| d.to_string_lossy().into_owned()),
        // Host bridges (06/00) and ISA/other bridges often have no driver; everything else should.
        needs_driver: !matches!(class >> 8, 0x0600 | 0x0601 | 0x0680),
        modules: Vec::new(),
        path: Some(rel_path(dev)),
        parent: None,
        details: attr(dev, "revision")
            .map(|r| [("revision".to_owned(), r)].into())
            .unwrap_or_default(),
    })
}

fn usb(dev: &udev::Device) -> Option<Device> {
    if dev.devtype().map(|t| t != "usb_device").unwrap_or(true) {
        return None;
    }
    let vendor = hex_u16(attr(dev, "idVendor"))?;
    let product = hex_u16(attr(dev, "idProduct"))?;
    let class = attr(dev, "bDeviceClass")
        .and_then(|c| u8::from_str_radix(&c, 16).ok())
        .unwrap_or(0);
    let subclass = attr(dev, "bDeviceSubClass")
        .and_then(|c| u8::from_str_radix(&c, 16).ok())
        .unwrap_or(0);
    let protocol = attr(dev, "bDeviceProtocol")
        .and_then(|c| u8::from_str_radix(&c, 16).ok())
        .unwrap_or(0);
    Some(Device {
        bus: "usb".into(),
        id: Identity::usb(vendor, product).to_string(),
        category: Category::from_usb_interface(class, subclass, protocol),
        class: Some(format!("{class:02x}/{subclass:02x}/{protocol:02x}")),
        vendor_name: prop(dev, "ID_VENDOR_FROM_DATABASE"),
        device_name: prop(dev, "ID_MODEL_FROM_DATABASE"),
        driver: dev.driver().map(|d| d.to_string_lossy().into_owned()),
        needs_driver: false,
        modules: Vec::new(),
        path: Some(rel_path(dev)),
        parent: None,
        details: Default::default(),
    })
}
