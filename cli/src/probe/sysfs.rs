//! Reading one device's record from sysfs through a [`Root`]: its `uevent`, `subsystem` and
//! `driver` links, udev's database entry (`/run/udev/data`), and the attributes
//! [`mxcert_core::devices::attributes_for`] asks for. Shared by the live probe (which gets the
//! device list and properties from libudev) and the root walker (which gets them from the tree).

use std::collections::BTreeMap;

use mxcert_core::devices::{attributes_for, Attr, DeviceRecord};
use mxcert_core::modalias::glob_match;

use super::root::{is_absent, Root};

/// Parses `KEY=VALUE` lines (a `uevent` file).
pub fn parse_uevent(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// The udev database file of a device: `b8:0`/`c13:64` for device nodes, `n2` for network
/// interfaces, `+subsystem:sysname` otherwise (as systemd's `device_get_device_id`).
fn udev_db_id(subsystem: &str, sysname: &str, props: &BTreeMap<String, String>) -> String {
    match (props.get("MAJOR"), props.get("MINOR"), props.get("IFINDEX")) {
        (Some(major), Some(minor), _) => {
            let kind = if subsystem == "block" { 'b' } else { 'c' };
            format!("{kind}{major}:{minor}")
        }
        (_, _, Some(ifindex)) if subsystem == "net" => format!("n{ifindex}"),
        _ => format!("+{subsystem}:{sysname}"),
    }
}

/// Adds the `E:` properties of udev's database entry for the device, when udevd wrote one.
pub fn add_udev_db(root: &Root, record: &mut DeviceRecord) {
    let Some(subsystem) = record.subsystem.clone() else {
        return;
    };
    let id = udev_db_id(&subsystem, record.sysname(), &record.properties);
    if let Ok(Some(text)) = root.read_attr(&format!("/run/udev/data/{id}")) {
        for line in text.lines() {
            if let Some((k, v)) = line.strip_prefix("E:").and_then(|p| p.split_once('=')) {
                record.properties.insert(k.to_owned(), v.to_owned());
            }
        }
    }
}

/// Reads the attributes the classifier wants for a record. Permission errors on attributes that
/// matter become notes; private attributes that cannot be read are simply not withheld.
pub fn add_attributes(root: &Root, record: &mut DeviceRecord, notes: &mut Vec<String>) {
    let Some(subsystem) = record.subsystem.clone() else {
        return;
    };
    let dir = format!("/sys{}", record.devpath);
    let devtype = record.devtype.clone();
    for attr in attributes_for(&subsystem, devtype.as_deref(), record.sysname()) {
        match attr {
            Attr::File(name) => read_one(root, &dir, name, record, notes),
            Attr::Glob(pattern) => {
                for name in root.list(&dir) {
                    if glob_match(pattern.as_bytes(), name.as_bytes()) {
                        read_one(root, &dir, &name, record, notes);
                    }
                }
            }
        }
    }
}

fn read_one(
    root: &Root,
    dir: &str,
    name: &str,
    record: &mut DeviceRecord,
    notes: &mut Vec<String>,
) {
    let path = format!("{dir}/{name}");
    match root.read_attr(&path) {
        Ok(Some(v)) => {
            record.attributes.insert(name.to_owned(), v);
        }
        Ok(None) => {}
        Err(e) if is_absent(&e) => {}
        Err(_) if mxcert_core::privacy::attribute_kind(name).is_some() => {}
        Err(e) => notes.push(format!("{path}: {e}")),
    }
}

/// A record for the device directory `/sys<devpath>`, read from the tree; `None` when its
/// subsystem is not one the probe needs (then nothing else is read).
pub fn read_record(root: &Root, devpath: &str, notes: &mut Vec<String>) -> Option<DeviceRecord> {
    let dir = format!("/sys{devpath}");
    let subsystem = root.link_name(&format!("{dir}/subsystem"))?;
    if !mxcert_core::devices::SUBSYSTEMS.contains(&subsystem.as_str()) {
        return None;
    }
    let properties = match root.read_attr(&format!("{dir}/uevent")) {
        Ok(Some(text)) => parse_uevent(&text),
        Ok(None) => BTreeMap::new(),
        Err(e) => {
            notes.push(format!("{dir}/uevent: {e}"));
            BTreeMap::new()
        }
    };
    let mut record = DeviceRecord {
        devpath: devpath.to_owned(),
        devtype: properties.get("DEVTYPE").cloned(),
        driver: root.link_name(&format!("{dir}/driver")),
        subsystem: Some(subsystem),
        properties,
        attributes: BTreeMap::new(),
        line: None,
    };
    add_udev_db(root, &mut record);
    add_attributes(root, &mut record, notes);
    Some(record)
}
