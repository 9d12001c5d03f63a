//! Disks: model, size, transport, rotational, removable. Partitions and the kernel's virtual block
//! devices (loop, zram, ram, device-mapper, md) are not hardware and are skipped; so are the boot
//! and RPMB areas of eMMC chips, which are parts of one disk.

use crate::category::Category;
use crate::identity::{slug, Identity};
use crate::inventory::Device;

use super::{Ctx, DeviceRecord};

/// The transport from where the disk sits in the device tree.
fn transport(r: &DeviceRecord) -> &'static str {
    let p = &r.devpath;
    if p.contains("/nvme") {
        "nvme"
    } else if p.contains("/usb") {
        "usb"
    } else if p.contains("/mmc") {
        "mmc"
    } else if p.contains("/virtio") {
        "virtio"
    } else if p.contains("/ata") || r.prop("ID_BUS") == Some("ata") {
        "sata"
    } else {
        "scsi"
    }
}

fn is_partial_disk(name: &str) -> bool {
    name.starts_with("mmcblk") && (name.contains("boot") || name.contains("rpmb"))
}

pub(crate) fn device(ctx: &mut Ctx<'_>, r: &DeviceRecord) -> Option<Device> {
    if r.devtype() != Some("disk") || r.is_virtual() || is_partial_disk(r.sysname()) {
        return None;
    }
    // SCSI, SATA, NVMe and virtio disks have `device/model`; SD and eMMC cards `device/name`.
    let model = r
        .attr("device/model")
        .or_else(|| r.attr("device/name"))
        .map(|m| m.split_whitespace().collect::<Vec<_>>().join(" "))
        .or_else(|| r.prop("ID_MODEL_ENC").and_then(super::unescape))
        .or_else(|| r.prop("ID_MODEL").map(|m| m.replace('_', " ")))
        .or_else(|| r.prop("ID_NAME").map(str::to_owned))
        .filter(|m| !m.is_empty());
    let vendor = r
        .attr("device/vendor")
        .or_else(|| r.prop("ID_VENDOR"))
        .map(|v| v.trim().to_owned())
        // SCSI vendor of SATA disks is the placeholder `ATA`; virtio reports a PCI vendor id.
        .filter(|v| v != "ATA" && !v.starts_with("0x") && !v.is_empty());
    let transport = transport(r);
    let id_tail = model
        .as_deref()
        .map(slug)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| transport.to_owned());
    let id = Identity::other("block", &id_tail)?.to_string();
    let mut d = super::device("block", id, Category::Storage, r);
    d.driver = ctx.inherited_driver(r);
    d.device_name = model;
    d.vendor_name = vendor;
    if d.device_name.is_some() {
        ctx.names_used.insert("device");
    }
    d.details.insert("name".into(), r.sysname().to_owned());
    d.details.insert("transport".into(), transport.into());
    if let Some(sectors) = r.attr("size").and_then(|s| s.parse::<u64>().ok()) {
        // sysfs counts 512-byte sectors whatever the device's block size.
        d.details
            .insert("size_bytes".into(), sectors.saturating_mul(512).to_string());
    }
    for (attr, key) in [
        ("queue/rotational", "rotational"),
        ("removable", "removable"),
        ("ro", "read_only"),
    ] {
        if let Some(v) = r.attr(attr) {
            d.details
                .insert(key.into(), if v == "1" { "true" } else { "false" }.into());
        }
    }
    Some(d)
}
