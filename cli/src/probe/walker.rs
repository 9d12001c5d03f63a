//! The root walker: every device under `ROOT/sys/devices`, found by walking the tree rather than
//! asking libudev (which cannot be pointed at another tree). Used by `--root` and `mxcert record`.
//!
//! A directory with a `uevent` file is a device; only devices of the subsystems the probe needs
//! are read ([`super::sysfs::read_record`]). Symlinks are not followed, so the walk visits each
//! device once. Unreadable directories become notes; the walk goes on.

use std::fs;

use mxcert_core::devices::DeviceRecord;

use super::root::Root;
use super::sysfs::read_record;

/// Walks `/sys/devices` of a root and reads every relevant device.
pub fn walk(root: &Root, notes: &mut Vec<String>) -> Vec<DeviceRecord> {
    let mut records = Vec::new();
    let top = root.join("/sys/devices");
    if !top.is_dir() {
        notes.push(format!("{}: not found; no devices listed", top.display()));
        return records;
    }
    // Devpaths relative to /sys, e.g. /devices/pci0000:00.
    let mut stack = vec![String::from("/devices")];
    while let Some(devpath) = stack.pop() {
        let dir = root.join(&format!("/sys{devpath}"));
        let entries = match fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) => {
                notes.push(format!("{}: {e}", dir.display()));
                continue;
            }
        };
        let mut is_device = false;
        let mut children = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                children.push(format!("{devpath}/{name}"));
            } else if name == "uevent" && kind.is_file() {
                is_device = true;
            }
        }
        if is_device {
            records.extend(read_record(root, &devpath, notes));
        }
        // Sorted in reverse so the stack pops them in order: a deterministic walk.
        children.sort_unstable_by(|a, b| b.cmp(a));
        stack.extend(children);
    }
    records
}
