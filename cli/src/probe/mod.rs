//! The hardware probe: what is in this machine, or in a recording of one, or in a dump of one.
//!
//! Three sources ([`Source`]) give one [`Inventory`]:
//! - live: libudev enumerates the devices ([`live`]), sysfs, `/proc` and the firmware tables are
//!   read through [`Root::live`];
//! - `--root DIR`: the same reads through [`Root::at`], with the [`walker`] finding the devices
//!   (libudev cannot be pointed at another tree);
//! - `--from FILE`: an imported dump ([`from_file`], parsers in [`mxcert_core::import`]).
//!
//! Everything is classified by [`mxcert_core::devices::build`], so all sources agree. The
//! [`recorder`] copies what a probe read into a tree that `--root` replays.
//!
//! Must not: send anything anywhere, write to the system, or put serial numbers, MAC addresses,
//! UUIDs, host or user names into the inventory (they are withheld and scrubbed, see
//! [`mxcert_core::privacy`]). Unreadable parts of a live system become `probe.notes`; only a
//! failure to enumerate devices at all, or an unusable input, is an error.

mod cpu;
mod displays;
mod dmi;
mod firmware;
pub mod from_file;
mod live;
mod names;
mod os;
pub mod recorder;
mod root;
mod sysfs;
pub mod table;
mod walker;

use std::path::PathBuf;

use chrono::Utc;
use mxcert_core::devices::{self, BuildOptions};
use mxcert_core::inventory::{
    Firmware, Hardware, Inventory, Memory, ProbeInfo, System, WithheldKind,
    INVENTORY_SCHEMA_VERSION,
};
use mxcert_core::privacy::{machine_id, Withholding};

pub use root::{AccessLog, Root};

/// Where an inventory comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// This machine.
    Live,
    /// A directory laid out like `/` (a recording).
    Root(PathBuf),
    /// A file: a udevadm dump, a umockdev recording, lspci/lsusb output, or mxcert JSON.
    File(PathBuf),
}

/// Why a probe could not run at all. Unreadable parts of a live system are notes, not errors.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("failed to enumerate devices with udev: {0}")]
    Udev(String),
    #[error("failed to read {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("failed to parse {path}: {error}")]
    Import {
        path: PathBuf,
        error: mxcert_core::import::ImportError,
    },
}

/// How the device list is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Enumerate {
    /// libudev (the running system only).
    Udev,
    /// Walking `ROOT/sys/devices`.
    Walk,
}

/// Probes from any source.
pub fn probe(source: &Source) -> Result<Inventory, ProbeError> {
    match source {
        Source::Live => probe_live(),
        Source::Root(dir) => {
            if !dir.is_dir() {
                return Err(ProbeError::Read {
                    path: dir.clone(),
                    message: "not a directory".into(),
                });
            }
            probe_with(&Root::at(dir), Enumerate::Walk)
        }
        Source::File(path) => from_file::import(path),
    }
}

/// Probes the running machine.
pub fn probe_live() -> Result<Inventory, ProbeError> {
    probe_with(&Root::live(), Enumerate::Udev)
}

/// What a live probe withholds, with the values (kept in memory only), to scrub other text of
/// this machine with (the report's attachments).
pub fn live_withholding() -> Result<Withholding, ProbeError> {
    probe_parts(&Root::live(), Enumerate::Udev).map(|(_, withholding)| withholding)
}

/// Probes a root, finding devices with libudev or the walker.
pub(crate) fn probe_with(root: &Root, how: Enumerate) -> Result<Inventory, ProbeError> {
    probe_parts(root, how).map(|(inventory, _)| inventory)
}

/// [`probe_with`], also returning what was withheld (with the values, for the recorder).
pub(crate) fn probe_parts(
    root: &Root,
    how: Enumerate,
) -> Result<(Inventory, Withholding), ProbeError> {
    let mut notes = Vec::new();
    let fw = dmi::read(root, &mut notes);
    let os = os::read(root, &mut notes);
    let mut withholding = Withholding::new();
    withholding.merge(fw.withholding);
    let mut identifiers = fw.identifiers;
    let devicetree = firmware::device_tree(root, &mut withholding, &mut identifiers);
    let (cpu, mem_total) = cpu::read(
        root,
        &fw.processors,
        &mut withholding,
        &mut identifiers,
        &mut notes,
    );
    let records = match how {
        Enumerate::Udev => live::enumerate(root, &mut notes)?,
        Enumerate::Walk => walker::walk(root, &mut notes),
    };
    let names = names::load(root, &records, os.kernel.as_deref(), &mut notes);
    let built = devices::build(
        &records,
        BuildOptions {
            pci_ids: names.pci.as_ref(),
            usb_ids: names.usb.as_ref(),
            module_aliases: names.aliases.as_ref(),
            ..BuildOptions::default()
        },
    );
    withholding.merge(built.withholding);
    notes.extend(built.notes);
    let mut built_devices = built.devices;
    displays::add(root, &mut built_devices, &mut withholding, &mut notes);
    let mut system = fw.system;
    if system == System::default() {
        if let Some(dmi) = built.dmi_system {
            system = dmi;
        }
    }
    system.devicetree = devicetree;
    let firmware = Firmware {
        boot_mode: firmware::boot_mode(root, os.arch.as_deref()),
        secure_boot: firmware::secure_boot(root, &mut notes),
        tpm: built.tpm.or(fw.tpm),
    };
    let memory = (mem_total.is_some() || !fw.memory.is_empty()).then_some(Memory {
        total_bytes: mem_total,
        modules: fw.memory,
    });
    let machine_id = machine(root, &identifiers, &mut withholding, &mut notes);
    let mut inventory = Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: Utc::now(),
        tool: crate::tool(),
        machine_id,
        system,
        os,
        hardware: Hardware {
            cpu,
            memory,
            firmware: (firmware != Firmware::default()).then_some(firmware),
        },
        devices: built_devices,
        probe: ProbeInfo {
            source: Some(if root.is_live() { "live" } else { "root" }.into()),
            names: built.names,
            notes,
            withheld: Vec::new(),
        },
    };
    withholding.scrub(&mut inventory);
    Ok((inventory, withholding))
}

/// The pseudonymous machine id: from the hardware identifiers, else from `/etc/machine-id`. In a
/// recording both are redacted, and the id the recorder stored is used.
fn machine(
    root: &Root,
    identifiers: &[String],
    withholding: &mut Withholding,
    notes: &mut Vec<String>,
) -> Option<String> {
    if let Some(id) = machine_id(identifiers.iter().map(String::as_str)) {
        return Some(id);
    }
    let os_id = root.read_attr("/etc/machine-id").ok().flatten();
    if let Some(os_id) = os_id.as_deref().filter(|v| !v.is_empty()) {
        withholding.withhold(WithheldKind::MachineId, "/etc/machine-id", os_id);
        notes.push(
            "machine id derived from /etc/machine-id: no hardware serial number or UUID was readable"
                .into(),
        );
    }
    os_id
        .as_deref()
        .and_then(|v| machine_id([v]))
        .or_else(|| recorder::recorded_machine_id(root))
}
