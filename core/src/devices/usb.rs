//! USB devices with their interfaces: ids from `PRODUCT` (or `idVendor`/`idProduct`), classes from
//! `TYPE`/`INTERFACE` (or the `b*Class` attributes), a driver per interface. The device's category
//! and driver come from its first interface that says what it is (see [`crate::category`]).

use crate::category::Category;
use crate::identity::Identity;
use crate::inventory::{Device, UsbInterface};

use super::{hex, Ctx, DeviceRecord};

/// Classes whose interfaces the kernel drives itself (audio, communications, HID, mass storage,
/// hub, CDC data, video, audio/video, wireless controllers): a device with one of them needs a
/// driver; vendor-specific, smart-card and still-image devices are often driven from user space.
const KERNEL_DRIVEN: &[u8] = &[0x01, 0x02, 0x03, 0x08, 0x09, 0x0a, 0x0e, 0x10, 0xe0];

/// `PRODUCT=5f3/7/320` (hex vendor/product/bcdDevice), else `idVendor`/`idProduct`.
pub(crate) fn ids(r: &DeviceRecord) -> Option<(u16, u16)> {
    let from_product = r.prop("PRODUCT").and_then(|p| {
        let mut it = p.split('/');
        let v = u16::try_from(hex(it.next()?)?).ok()?;
        let d = u16::try_from(hex(it.next()?)?).ok()?;
        Some((v, d))
    });
    from_product.or_else(|| {
        Some((
            u16::try_from(hex(r.attr("idVendor")?)?).ok()?,
            u16::try_from(hex(r.attr("idProduct")?)?).ok()?,
        ))
    })
}

/// `TYPE=9/0/1` / `INTERFACE=3/1/1` (decimal), else the hex attributes.
fn triple(r: &DeviceRecord, prop: &str, attrs: [&str; 3]) -> Option<(u8, u8, u8)> {
    let from_prop = r.prop(prop).and_then(|t| {
        let mut it = t.split('/').map(|x| x.parse::<u8>().ok());
        Some((it.next()??, it.next()??, it.next()??))
    });
    from_prop.or_else(|| {
        let get = |a: &str| u8::try_from(hex(r.attr(a)?)?).ok();
        Some((get(attrs[0])?, get(attrs[1])?, get(attrs[2])?))
    })
}

fn class_text((c, s, p): (u8, u8, u8)) -> String {
    format!("{c:02x}/{s:02x}/{p:02x}")
}

/// The interface number: `bInterfaceNumber`, else the part after the last `.` of `1-4:1.0`.
fn interface_number(r: &DeviceRecord) -> Option<u8> {
    r.attr("bInterfaceNumber")
        .and_then(hex)
        .and_then(|n| u8::try_from(n).ok())
        .or_else(|| {
            let name = r.sysname();
            let (_, tail) = name.rsplit_once(':')?;
            tail.rsplit_once('.')?.1.parse().ok()
        })
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    let Some((vendor, product)) = ids(r) else {
        ctx.notes
            .push(format!("{}: USB device without readable ids", r.devpath));
        return None;
    };
    let dev_class = triple(
        r,
        "TYPE",
        ["bDeviceClass", "bDeviceSubClass", "bDeviceProtocol"],
    )
    .unwrap_or((0, 0, 0));
    // Interfaces are the records directly below this device whose devtype says so.
    let interface_records: Vec<&DeviceRecord> = ctx
        .children(&r.devpath)
        .filter(|i| i.devtype() == Some("usb_interface"))
        .collect();
    let mut interfaces: Vec<(UsbInterface, (u8, u8, u8))> = interface_records
        .iter()
        .filter_map(|i| {
            let class = triple(
                i,
                "INTERFACE",
                [
                    "bInterfaceClass",
                    "bInterfaceSubClass",
                    "bInterfaceProtocol",
                ],
            )?;
            Some((
                UsbInterface {
                    number: interface_number(i).unwrap_or(0),
                    class: class_text(class),
                    category: match i.driver() {
                        Some(d) if Category::is_wwan_driver(d) => Category::Wwan,
                        _ => Category::from_usb_interface(class.0, class.1, class.2),
                    },
                    driver: i.driver().map(str::to_owned),
                },
                class,
            ))
        })
        .collect();
    interfaces.sort_by_key(|(i, _)| i.number);
    // A modem that also offers a network or serial function is a modem.
    let mut category = if interfaces.iter().any(|(i, _)| i.category == Category::Wwan) {
        Category::Wwan
    } else {
        interfaces
            .iter()
            .map(|(i, _)| i.category)
            .find(|c| *c != Category::Other)
            .unwrap_or_else(|| Category::from_usb_interface(dev_class.0, dev_class.1, dev_class.2))
    };
    let all_vendor_specific = !interfaces.is_empty() && interfaces.iter().all(|(_, c)| c.0 == 0xff);
    if category == Category::Other
        && all_vendor_specific
        && Category::is_fingerprint_vendor(vendor, product)
    {
        category = Category::Fingerprint;
    }
    let driver = interfaces
        .iter()
        .find(|(i, _)| i.category == category && i.driver.is_some())
        .or_else(|| interfaces.iter().find(|(i, _)| i.driver.is_some()))
        .and_then(|(i, _)| i.driver.clone());
    let needs_driver = interfaces.iter().any(|(_, c)| KERNEL_DRIVEN.contains(&c.0));
    let mut d = super::device(
        "usb",
        Identity::usb(vendor, product).to_string(),
        category,
        r,
    );
    d.class = Some(class_text(dev_class));
    d.driver = driver;
    d.needs_driver = needs_driver;
    // Modules for a USB device are those of its interfaces.
    let mut modules: Vec<String> = interface_records
        .iter()
        .flat_map(|i| ctx.modules(i))
        .collect();
    modules.sort();
    modules.dedup();
    d.modules = modules;
    d.interfaces = interfaces.into_iter().map(|(i, _)| i).collect();
    d.vendor_name = ctx.hwdb(r, "ID_VENDOR_FROM_DATABASE");
    d.device_name = ctx.hwdb(r, "ID_MODEL_FROM_DATABASE");
    if let Some(f) = ctx.opts.usb_ids {
        if d.vendor_name.is_none() {
            d.vendor_name = f.db.vendor(vendor).map(str::to_owned);
            if d.vendor_name.is_some() {
                ctx.names_used.insert("usb.ids");
            }
        }
        if d.device_name.is_none() {
            d.device_name = f.db.device(vendor, product).map(str::to_owned);
            if d.device_name.is_some() {
                ctx.names_used.insert("usb.ids");
            }
        }
    }
    // Last resort: what the device says about itself.
    for (field, attr, prop) in [
        (0, "manufacturer", "ID_VENDOR_ENC"),
        (1, "product", "ID_MODEL_ENC"),
    ] {
        let slot = if field == 0 {
            &mut d.vendor_name
        } else {
            &mut d.device_name
        };
        if slot.is_none() {
            let own = r
                .attr(attr)
                .map(str::to_owned)
                .or_else(|| r.prop(prop).and_then(super::unescape))
                // udev puts the hex id there when the device has no string.
                .filter(|s| hex(s).is_none() || s.len() != 4);
            if own.is_some() {
                *slot = own;
                ctx.names_used.insert("device");
            }
        }
    }
    if d.category == Category::Other
        && d.device_name
            .as_deref()
            .is_some_and(|n| n.to_ascii_lowercase().contains("fingerprint"))
    {
        d.category = Category::Fingerprint;
    }
    if let Some(speed) = r.attr("speed") {
        d.details.insert("speed_mbps".into(), speed.to_owned());
    }
    if let Some(v) = r.attr("version") {
        d.details.insert("usb_version".into(), v.to_owned());
    }
    let bcd = r.attr("bcdDevice").map(str::to_owned).or_else(|| {
        r.prop("PRODUCT")
            .and_then(|p| p.split('/').nth(2))
            .map(|b| format!("{:0>4}", b))
    });
    if let Some(b) = bcd.and_then(|b| hex(&b)) {
        d.details
            .insert("revision".into(), format!("{:x}.{:02x}", b >> 8, b & 0xff));
    }
    Some(d)
}
