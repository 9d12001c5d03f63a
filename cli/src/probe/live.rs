//! The live device list: libudev enumerates the devices of the subsystems the probe needs and
//! gives their properties (the kernel's, and udevd's hwdb names when udevd runs); attributes are
//! then read from sysfs like everywhere else ([`super::sysfs`]). Without udevd (containers, this
//! kind of VM) libudev only has the kernel's uevent properties, which is also what the walker
//! reads, so both give the same records.

use std::collections::BTreeMap;

use mxcert_core::devices::{DeviceRecord, SUBSYSTEMS};

use super::root::Root;
use super::sysfs::add_attributes;
use super::ProbeError;

fn lossy(s: &std::ffi::OsStr) -> String {
    s.to_string_lossy().into_owned()
}

/// Enumerates the running system's devices with libudev.
pub fn enumerate(root: &Root, notes: &mut Vec<String>) -> Result<Vec<DeviceRecord>, ProbeError> {
    let udev_err = |e: std::io::Error| ProbeError::Udev(e.to_string());
    let mut e = udev::Enumerator::new().map_err(udev_err)?;
    for subsystem in SUBSYSTEMS {
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
    Ok(records)
}
