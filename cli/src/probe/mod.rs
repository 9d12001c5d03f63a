//! The hardware probe: what is in this machine.
//!
//! First cut (walking skeleton): PCI and USB devices from udev (ids, class, driver), the system
//! identity from `/sys/class/dmi/id`, the OS from `/etc/os-release` and the kernel. Every file read
//! goes through [`Root`], so the same code can read a recorded tree instead of `/`.
//!
//! Must not: send anything anywhere, write to the system, or put serial numbers, MAC addresses,
//! UUIDs, host or user names into the inventory.

mod dmi;
mod os;
mod root;
mod udev_devices;

use chrono::Utc;
use mxcert_core::inventory::{Inventory, ProbeInfo, INVENTORY_SCHEMA_VERSION};

pub use root::Root;

/// Why a probe could not run at all. Unreadable parts of a live system are notes, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("failed to enumerate devices with udev: {0}")]
    Udev(String),
}

/// Probes the running machine.
pub fn probe_live() -> Result<Inventory, ProbeError> {
    let root = Root::live();
    let mut notes = Vec::new();
    let (system, identifiers) = dmi::read(&root, &mut notes);
    let os = os::read(&root, &mut notes);
    let devices = udev_devices::enumerate(&mut notes)?;
    Ok(Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: Utc::now(),
        tool: crate::tool(),
        machine_id: mxcert_core::privacy::machine_id(identifiers.iter().map(String::as_str)),
        system,
        os,
        hardware: Default::default(),
        devices,
        probe: ProbeInfo {
            source: Some("live".into()),
            names: vec!["hwdb".into()],
            notes,
        },
    })
}
