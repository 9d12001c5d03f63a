//! `lsusb` text: `Bus 001 Device 002: ID 8087:0026 Intel Corp. AX201 Bluetooth`, one line per
//! device. With `-v`, indented descriptor lines follow each device; `bDeviceClass` and the
//! `bInterfaceClass`/`SubClass`/`Protocol` lines give the categories, and `iSerial` values are
//! withheld. Without classes, a category is guessed from the name (and root hubs are USB
//! controllers).
//!
//! Real captures are messy: taken as root, `lsusb -v` prints an unindented `Device Status:
//! 0x0001` block after each device's descriptors (and newer versions a `Negotiated speed:` line
//! before them); taken as a user, strings it cannot read are blank and each device gets a
//! `Couldn't open device, some information will be missing` (stderr, wherever it lands); an
//! outdated `usb.ids` makes it begin with complaints such as `Protocol spec without prior Class
//! and Subclass spec at line 17398`. The tool's messages are taken out and noted
//! ([`super::messages`]); other unindented lines are skipped and noted, unless there are too
//! many of them ([`Skipped`]).

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::{Device, UsbInterface, WithheldKind};
use crate::privacy::Withholding;

use super::{messages, split_names, text_inventory, Format, ImportError, ImportOptions, Skipped};

/// `Bus 001 Device 002: ID 8087:0026 rest` → (vendor, product, rest).
fn device_line(line: &str) -> Option<(u16, u16, &str)> {
    let rest = line.strip_prefix("Bus ")?;
    let (bus, rest) = rest.split_once(" Device ")?;
    let (dev, rest) = rest.split_once(": ID ")?;
    bus.trim().parse::<u16>().ok()?;
    dev.trim().parse::<u16>().ok()?;
    let ids = rest.get(..9)?;
    let (v, p) = ids.split_once(':')?;
    if v.len() != 4 || p.len() != 4 {
        return None;
    }
    Some((
        u16::from_str_radix(v, 16).ok()?,
        u16::from_str_radix(p, 16).ok()?,
        rest.get(9..).unwrap_or("").trim(),
    ))
}

pub(super) fn is_device_line(line: &str) -> bool {
    device_line(line).is_some()
}

/// The unindented lines `lsusb -v` prints around a device's descriptors: headers ending in `:`
/// (`Device Descriptor:`, `Hub Descriptor:`, `Binary Object Store Descriptor:`, `Device
/// Qualifier (for other device speed):`), `Device Status:     0x0001` (usbutils lsusb.c:
/// `printf("Device Status:     0x%02x%02x\n", ...)`) and `Negotiated speed: High Speed
/// (480Mbps)`.
fn is_verbose_header(line: &str) -> bool {
    line.ends_with(':')
        || line.starts_with("Device Status:")
        || line.starts_with("Negotiated speed:")
}

/// Whether a line begins a line of lsusb's output (for [`messages::unmix`]).
fn starts_line(line: &str) -> bool {
    line.is_empty()
        || line.starts_with(char::is_whitespace)
        || is_device_line(line)
        || is_verbose_header(line)
}

/// A category from a device's name, for `lsusb` without `-v`.
fn category_from_name(vendor: u16, name: &str) -> Category {
    let n = name.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| n.contains(w));
    if vendor == 0x1d6b || has(&["hub"]) {
        Category::UsbController
    } else if has(&["fingerprint"]) {
        Category::Fingerprint
    } else if has(&["bluetooth"]) {
        Category::Bluetooth
    } else if has(&["webcam", "camera", "uvc"]) {
        Category::Camera
    } else if has(&["wireless", "wi-fi", "wifi", "wlan", "802.11"]) {
        Category::Wireless
    } else if has(&["ethernet", "lan adapter", "network"]) {
        Category::Network
    } else if has(&[
        "keyboard", "mouse", "receiver", "touchpad", "trackpad", "tablet", "gamepad",
    ]) {
        Category::Input
    } else if has(&["audio", "headset", "speaker", "microphone", "sound"]) {
        Category::Audio
    } else if has(&[
        "card reader",
        "mass storage",
        "flash",
        "disk",
        "ssd",
        "storage",
    ]) {
        Category::Storage
    } else if has(&["printer"]) {
        Category::Printer
    } else if has(&["smart card", "smartcard"]) {
        Category::SmartCard
    } else {
        Category::Other
    }
}

struct Pending {
    device: Device,
    vendor: u16,
    product: u16,
    description: String,
    device_class: Option<(u8, u8, u8)>,
    interface: [Option<u8>; 4],
}

/// `bInterfaceClass   3 Human Interface Device` → 3.
fn number_after(line: &str, key: &str) -> Option<u8> {
    let rest = line.strip_prefix(key)?;
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let token = rest.split_whitespace().next()?;
    match token.strip_prefix("0x") {
        Some(h) => u8::from_str_radix(h, 16).ok(),
        None => token.parse().ok(),
    }
}

pub(super) fn import(
    text: &str,
    opts: &ImportOptions<'_>,
) -> Result<crate::inventory::Inventory, ImportError> {
    let mut found: Vec<Pending> = Vec::new();
    let mut withholding = Withholding::new();
    let unmixed = messages::unmix(text, starts_line);
    let mut notes = unmixed.notes;
    let mut skipped = Skipped::default();
    for (index, (n, line)) in unmixed.lines.iter().enumerate() {
        opts.cancel.check_every(index)?;
        let (n, line) = (*n, line.as_ref());
        if line.trim().is_empty() {
            continue;
        }
        if let Some((vendor, product, rest)) = device_line(line) {
            found.push(Pending {
                device: Device {
                    bus: "usb".into(),
                    id: Identity::usb(vendor, product).to_string(),
                    ..Device::default()
                },
                vendor,
                product,
                description: rest.to_owned(),
                device_class: None,
                interface: [None; 4],
            });
            continue;
        }
        let Some(current) = found.last_mut() else {
            return Err(ImportError::Invalid {
                line: n,
                message: format!(
                    "expected `Bus NNN Device NNN: ID vvvv:pppp ...`, found {}",
                    super::shown(line)
                ),
            });
        };
        if !line.starts_with(char::is_whitespace) {
            if !is_verbose_header(line) {
                skipped.add(
                    n,
                    line,
                    "line that is neither a device line nor an `lsusb -v` line",
                );
            }
            continue;
        }
        let t = line.trim();
        if let Some(serial) = t.strip_prefix("iSerial") {
            // `iSerial 3 0123456789AB`: the index, then the string.
            let value = serial.split_whitespace().nth(1).unwrap_or("");
            withholding.withhold(
                WithheldKind::SerialNumber,
                format!("line {n} iSerial"),
                value,
            );
            continue;
        }
        let dc = current.device_class.get_or_insert((0, 0, 0));
        if let Some(v) = number_after(t, "bDeviceClass") {
            dc.0 = v;
        } else if let Some(v) = number_after(t, "bDeviceSubClass") {
            dc.1 = v;
        } else if let Some(v) = number_after(t, "bDeviceProtocol") {
            dc.2 = v;
        } else if let Some(v) = number_after(t, "bInterfaceNumber") {
            flush_interface(current);
            current.interface[0] = Some(v);
        } else if let Some(v) = number_after(t, "bInterfaceClass") {
            current.interface[1] = Some(v);
        } else if let Some(v) = number_after(t, "bInterfaceSubClass") {
            current.interface[2] = Some(v);
        } else if let Some(v) = number_after(t, "bInterfaceProtocol") {
            current.interface[3] = Some(v);
            flush_interface(current);
        }
    }
    skipped.finish(text.lines().count(), &mut notes)?;
    let db = opts.usb_ids.map(|f| &f.db);
    let mut devices = Vec::with_capacity(found.len());
    for mut p in found {
        flush_interface(&mut p);
        let mut d = p.device;
        let (vendor_name, device_name) =
            split_names(&p.description, db.and_then(|db| db.vendor(p.vendor)));
        d.vendor_name = vendor_name;
        d.device_name = device_name;
        let from_interfaces = d
            .interfaces
            .iter()
            .map(|i| i.category)
            .find(|c| *c != Category::Other);
        d.category = match (from_interfaces, p.device_class) {
            (Some(c), _) => c,
            (None, Some((c, s, pr))) if c != 0 => Category::from_usb_interface(c, s, pr),
            _ => category_from_name(p.vendor, &p.description),
        };
        if d.category == Category::Other && Category::is_fingerprint_vendor(p.vendor, p.product) {
            d.category = Category::Fingerprint;
        }
        if let Some((c, s, pr)) = p.device_class {
            d.class = Some(format!("{c:02x}/{s:02x}/{pr:02x}"));
        }
        devices.push(d);
    }
    if devices.is_empty() {
        notes.push("no USB devices listed".into());
    }
    Ok(text_inventory(
        Format::Lsusb,
        opts,
        devices,
        notes,
        &withholding,
    ))
}

/// Adds the interface collected so far (from `lsusb -v`) to the device.
fn flush_interface(p: &mut Pending) {
    if let [Some(number), Some(c), Some(s), Some(pr)] = p.interface {
        p.device.interfaces.push(UsbInterface {
            number,
            class: format!("{c:02x}/{s:02x}/{pr:02x}"),
            category: Category::from_usb_interface(c, s, pr),
            driver: None,
        });
        p.interface = [None; 4];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::test_options as opts;

    #[test]
    fn reads_plain_lsusb() {
        let text = "Bus 002 Device 001: ID 1d6b:0003 Linux Foundation 3.0 root hub\nBus 001 Device 003: ID 8087:0026 Intel Corp. AX201 Bluetooth\nBus 001 Device 004: ID 0c45:6723 Microdia Integrated_Webcam_HD\nBus 001 Device 005: ID 27c6:63ac Shenzhen Goodix Technology Co.,Ltd. Goodix USB2.0 MISC\n";
        let inv = import(text, &opts()).unwrap();
        let cats: Vec<_> = inv
            .devices
            .iter()
            .map(|d| (d.id.as_str(), d.category))
            .collect();
        assert_eq!(
            cats,
            [
                ("usb:1d6b:0003", Category::UsbController),
                ("usb:8087:0026", Category::Bluetooth),
                ("usb:0c45:6723", Category::Camera),
                ("usb:27c6:63ac", Category::Fingerprint),
            ]
        );
    }

    #[test]
    fn reads_lsusb_v_classes_and_withholds_serials() {
        let text = "Bus 001 Device 002: ID 046d:c52b Logitech, Inc. Unifying Receiver\nDevice Descriptor:\n  bDeviceClass            0 \n  bDeviceSubClass         0 \n  bDeviceProtocol         0 \n  iSerial                 3 ABCDEF012345\n    Interface Descriptor:\n      bInterfaceNumber        0\n      bInterfaceClass         3 Human Interface Device\n      bInterfaceSubClass      1 Boot Interface Subclass\n      bInterfaceProtocol      1 Keyboard\n";
        let inv = import(text, &opts()).unwrap();
        let d = &inv.devices[0];
        assert_eq!(d.category, Category::Input);
        assert_eq!(d.interfaces[0].class, "03/01/01");
        assert_eq!(inv.probe.withheld.len(), 1);
        assert!(!serde_json::to_string(&inv)
            .unwrap()
            .contains("ABCDEF012345"));
        let e = import(
            &format!(
                "Bus 001 Device 002: ID 046d:c52b x\n{}",
                "not lsusb\n".repeat(30)
            ),
            &opts(),
        )
        .unwrap_err();
        assert_eq!(e.line(), Some(2));
    }
}
