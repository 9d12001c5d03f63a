//! The live device list: libudev enumerates the devices of the subsystems the probe needs and
//! gives their properties (the kernel's, and udevd's hwdb names when udevd runs); attributes are
//! then read from sysfs like everywhere else ([`super::sysfs`]). Without udevd (containers, this
//! kind of VM) libudev only has the kernel's uevent properties, which is also what the walker
//! reads, so both give the same records.
//!
//! ACPI and platform devices are the exception: machines have hundreds of them, and only those a
//! driver is bound to become devices ([`mxcert_core::devices`]) or lend a driver to the devices
//! below them. They are found through the kernel's list of each driver's devices
//! (`/sys/bus/{acpi,platform}/drivers/*/`), which costs a fraction of enumerating them all, and
//! read like the walker reads them.

use std::collections::BTreeMap;

use mxcert_core::devices::{DeviceRecord, SUBSYSTEMS};

use super::root::Root;
use super::sysfs::{add_attributes, read_record};
use super::ProbeError;

/// Subsystems whose devices only matter when a driver is bound to them.
const BOUND_ONLY: &[&str] = &["acpi", "platform"];

/// The devices bound to a driver of `subsystem`, as paths under `/sys` (`/devices/...`).
fn bound_devices(root: &Root, subsystem: &str) -> Vec<String> {
    let drivers = format!("/sys/bus/{subsystem}/drivers");
    let mut paths = Vec::new();
    for driver in root.list(&drivers) {
        let dir = root.join(&format!("{drivers}/{driver}"));
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            // Bound devices are the symlinks; `bind`, `unbind`, `uevent` are files, `module` a
            // link to /sys/module.
            if !entry.file_type().is_ok_and(|t| t.is_symlink()) || entry.file_name() == "module" {
                continue;
            }
            if let Ok(target) = std::fs::canonicalize(entry.path()) {
                if let Ok(rel) = target.strip_prefix(root.join("/sys")) {
                    paths.push(format!("/{}", rel.to_string_lossy()));
                }
            }
        }
    }
    paths.sort();
    paths.dedup();
    paths
}

fn lossy(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().into_owned()
}

/// Enumerates the running system's devices with libudev.
pub fn enumerate(root: &Root, notes: &mut Vec<String>) -> Result<Vec<DeviceRecord>, ProbeError> {
    let udev_err = |e: std::io::Error| ProbeError::Udev(e.to_string());
    let mut e = udev::Enumerator::new().map_err(udev_err)?;
    for subsystem in SUBSYSTEMS.iter().filter(|s| !BOUND_ONLY.contains(s)) {
        e.match_subsystem(subsystem).map_err(udev_err)?;
    }
    let list = e
        .scan_devices()
        .map_err(|e| ProbeError::Udev(format!("scanning devices: {e}")))?;
    let mut records = Vec::new();
    for dev in list {
        let devpath = lossy(dev.devpath());
        let properties: BTreeMap<String, String> = dev
            .properties()
            .map(|p| (lossy(p.name()), lossy(p.value())))
            .collect();
        let mut record = DeviceRecord {
            devpath,
            subsystem: dev.subsystem().map(lossy),
            devtype: dev.devtype().map(lossy),
            driver: dev.driver().map(lossy),
            properties,
            attributes: BTreeMap::new(),
            line: None,
        };
        // libudev has merged udevd's database into the properties when there is one.
        add_attributes(root, &mut record, notes);
        records.push(record);
    }
    for subsystem in BOUND_ONLY {
        for devpath in bound_devices(root, subsystem) {
            records.extend(read_record(root, &devpath, notes));
        }
    }
    Ok(records)
}
