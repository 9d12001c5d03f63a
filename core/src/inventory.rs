//! The hardware inventory: what a probe found on one machine (`schemas/inventory.v1.schema.json`).
//!
//! `mxcert probe --format json` prints an [`Inventory`]; a report carries the same sections
//! (`machine_id`, `system`, `os`, `hardware`, `devices`, `probe`) at its top level. These types
//! hold data only: gathering it (udev, sysfs, SMBIOS, dumps) lives in the CLI's probe and in
//! [`crate::import`].
//!
//! Privacy invariant: no field here may carry a serial number, a MAC address, a UUID, a host name
//! or a user name. There is deliberately no field for any of them.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::category::Category;
use crate::report::Tool;

/// The current inventory format version.
pub const INVENTORY_SCHEMA_VERSION: u32 = 1;

/// A probe's output document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert hardware inventory v1")]
pub struct Inventory {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// When the probe ran (RFC 3339, UTC).
    pub created_at: DateTime<Utc>,
    /// The program that made the inventory.
    pub tool: Tool,
    /// A stable pseudonymous id of the machine: a keyed hash of its hardware identifiers, so that
    /// repeat submissions can be linked without revealing them. Absent when no identifier was readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine_id: Option<String>,
    pub system: System,
    pub os: Os,
    #[serde(default)]
    pub hardware: Hardware,
    pub devices: Vec<Device>,
    /// Where the data came from and what could not be read.
    #[serde(default)]
    pub probe: ProbeInfo,
}

/// The machine's identity, from SMBIOS (or `/sys/class/dmi/id`, or the device tree).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct System {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    /// The model, e.g. `XPS 13 9340`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<Board>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bios: Option<Bios>,
    /// The SMBIOS chassis type as a name, e.g. `Notebook`, `Desktop`, `Rack Mount Chassis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chassis_type: Option<String>,
    /// Device-tree `model` and `compatible` (arm64 and other device-tree platforms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devicetree: Option<DeviceTree>,
    /// The SMBIOS version the firmware implements, e.g. `3.6`; absent when the raw tables were not
    /// readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smbios_version: Option<String>,
}

/// The baseboard (SMBIOS type 2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Board {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// The firmware (SMBIOS type 0).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bios {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// As the firmware states it, e.g. `06/12/2024`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// BIOS revision `major.minor`, e.g. `1.7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

/// Device-tree identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceTree {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default)]
    pub compatible: Vec<String>,
}

/// The operating system, from `os-release` and the kernel.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Os {
    /// `ID` from os-release, e.g. `mxos`, `debian`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `VERSION_ID` from os-release, e.g. `12`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `PRETTY_NAME` from os-release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kernel release, e.g. `6.1.0-27-amd64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// The machine architecture, e.g. `x86_64`, `aarch64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
}

/// CPU, memory and platform firmware state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Cpu>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<Memory>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<Firmware>,
}

/// The processor(s).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cpu {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sockets: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cores: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub microcode: Option<String>,
    /// The highest clock the processor runs at, in MHz (cpufreq, else SMBIOS type 4).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_mhz: Option<u32>,
    /// The flags that matter for compatibility (virtualisation, vector extensions, security), sorted.
    #[serde(default)]
    pub flags: Vec<String>,
}

/// Memory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Memory {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_bytes: Option<u64>,
    /// Memory devices (SMBIOS type 17); empty when the tables are not readable.
    #[serde(default)]
    pub modules: Vec<MemoryModule>,
}

/// One memory device (SMBIOS type 17). Serial numbers and asset tags are never recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryModule {
    /// The device locator, e.g. `DIMM A`, `Motherboard`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    /// The bank locator, e.g. `BANK 0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// e.g. `DDR5`, `LPDDR5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_type: Option<String>,
    /// e.g. `SODIMM`, `DIMM`, `Row Of Chips`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_factor: Option<String>,
    /// Rated speed in MT/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mts: Option<u32>,
    /// The speed the firmware configured, in MT/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub configured_speed_mts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
    /// The module's part number (a model, not a serial number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_number: Option<String>,
}

/// Boot and platform security state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Firmware {
    /// `uefi` or `legacy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub boot_mode: Option<String>,
    /// `true` when Secure Boot is enabled; absent when unknown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secure_boot: Option<bool>,
    /// The TPM, when one is present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tpm: Option<Tpm>,
}

/// A TPM.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tpm {
    /// `1.2` or `2.0`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// One device on one bus.
///
/// Hardware on a bus (`pci`, `usb`, `hdaudio`, `sdio`, `virtio`, `platform`, `acpi`, `of`) is
/// identified by its ids; the functions the kernel builds on it (`block`, `net`, `input`, `sound`,
/// `drm`, `video4linux`, `bluetooth`, `power_supply`, `thermal`, `hwmon`) are listed too, with
/// `parent` naming the hardware they belong to. [`crate::devices`] documents every bus.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The bus or subsystem: `pci`, `usb`, `block`, `net`, `input`, `sound`, `hdaudio`, `drm`,
    /// `video4linux`, `bluetooth`, `power_supply`, `thermal`, `hwmon`, `platform`, `acpi`, `of`,
    /// `virtio`, `sdio`.
    pub bus: String,
    /// The stable identity the registry keys on, lowercase: `pci:8086:9a49[:1028:0b19]`,
    /// `usb:046d:c52b`, `input:0018:06cb:ce26`, `net:iwlwifi`, ... (see [`crate::identity`]).
    pub id: String,
    /// What kind of device this is, from the one documented table in [`crate::category`].
    pub category: Category,
    /// The bus-specific class: PCI `0x030000` (class, subclass, prog-if), USB `e0/01/01`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vendor_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_name: Option<String>,
    /// The kernel driver bound to the device, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
    /// Whether this device is expected to have a driver bound. True for PCI devices except
    /// bridges, memory controllers and system peripherals, and for USB devices with an interface of
    /// a class the kernel drives; false for the kernel's function devices (`block`, `net`, ...),
    /// which exist only because a driver made them.
    #[serde(default)]
    pub needs_driver: bool,
    /// Kernel modules that could drive it, from its modalias.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub modules: Vec<String>,
    /// Where the device sits, as a sysfs path relative to `/sys` (e.g. `devices/pci0000:00/0000:00:02.0`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// The identity of the parent device, when it is in the inventory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// USB interfaces, in interface order (USB devices only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<UsbInterface>,
    /// Bus-specific details (revision, size, transport, link speed, capacity, ...), as text. The keys
    /// of each bus are listed in [`crate::devices`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// One interface of a USB device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsbInterface {
    /// `bInterfaceNumber`.
    pub number: u8,
    /// Class, subclass and protocol in hex, e.g. `e0/01/01`.
    pub class: String,
    pub category: Category,
    /// The kernel driver bound to this interface, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub driver: Option<String>,
}

/// How the inventory was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeInfo {
    /// `live`, `root`, `udevadm`, `umockdev`, `lspci`, `lsusb`, `inventory`, `report`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where vendor and device names came from, with the database version when it has one.
    #[serde(default)]
    pub names: Vec<NameSource>,
    /// What could not be read, one line each (e.g. `/sys/firmware/dmi/tables/DMI: permission denied`).
    #[serde(default)]
    pub notes: Vec<String>,
    /// What the probe saw and deliberately left out: the kind and where, never the value.
    #[serde(default)]
    pub withheld: Vec<Withheld>,
}

/// One source of vendor and device names.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(deny_unknown_fields)]
pub struct NameSource {
    /// `hwdb` (udev's hardware database properties), `pci.ids`, `usb.ids`, `device` (strings the
    /// device reports about itself), `acpi` (mxcert's table of the device ids the ACPI
    /// specification defines), or `text` (the names printed in an imported `lspci`/`lsusb`).
    pub database: String,
    /// The database's `Version:` line, e.g. `2024.01.20`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The database's `Date:` line, e.g. `2024-01-20 03:15:02`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// The file that was read, e.g. `/usr/share/hwdata/pci.ids`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// Something private the probe saw and left out of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Withheld {
    pub kind: WithheldKind,
    /// Where it was: a sysfs or firmware path, an SMBIOS structure and field, or a dump property
    /// with its device path, e.g. `SMBIOS type 1 (system) serial number`.
    pub location: String,
}

/// The kinds of private values the probe withholds.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WithheldKind {
    SerialNumber,
    Uuid,
    MacAddress,
    AssetTag,
    /// A World Wide Name of a disk.
    Wwn,
    /// A name a person gave a device (Bluetooth peripherals), which may contain their name.
    UserAssignedName,
    /// The operating system's machine id (`/etc/machine-id`).
    MachineId,
}

impl WithheldKind {
    /// The serialised name, e.g. `serial_number`.
    pub fn as_str(self) -> &'static str {
        match self {
            WithheldKind::SerialNumber => "serial_number",
            WithheldKind::Uuid => "uuid",
            WithheldKind::MacAddress => "mac_address",
            WithheldKind::AssetTag => "asset_tag",
            WithheldKind::Wwn => "wwn",
            WithheldKind::UserAssignedName => "user_assigned_name",
            WithheldKind::MachineId => "machine_id",
        }
    }
}

impl Inventory {
    /// Parses an inventory from JSON bytes, refusing unknown fields and other versions. A document
    /// of another version is refused as such, before its fields are checked.
    pub fn from_json(bytes: &[u8]) -> Result<Inventory, crate::FormatError> {
        #[derive(Deserialize)]
        struct Version {
            schema_version: Option<u32>,
        }
        // A document of another version is refused as such rather than by its first field this
        // version does not know; the version is looked up only when the document does not parse
        // (a second pass over a large probe otherwise).
        let inventory: Inventory = match crate::format::from_json(bytes) {
            Ok(inventory) => inventory,
            Err(e) => {
                if let Ok(Version {
                    schema_version: Some(v),
                }) = serde_json::from_slice(bytes)
                {
                    crate::format::check_version(v, INVENTORY_SCHEMA_VERSION)?;
                }
                return Err(e);
            }
        };
        crate::format::check_version(inventory.schema_version, INVENTORY_SCHEMA_VERSION)?;
        Ok(inventory)
    }
}

/// Calls `f` on every string in an inventory: every text field, list entry, `details` key and
/// value. [`crate::privacy::Withholding::scrub`] uses it so that no field can be forgotten; a new
/// string field must be added here.
pub fn visit_strings_mut(inv: &mut Inventory, f: &mut dyn FnMut(&mut String)) {
    fn opt(v: &mut Option<String>, f: &mut dyn FnMut(&mut String)) {
        if let Some(s) = v.as_mut() {
            f(s);
        }
    }
    opt(&mut inv.machine_id, f);
    let s = &mut inv.system;
    for v in [
        &mut s.vendor,
        &mut s.product,
        &mut s.version,
        &mut s.family,
        &mut s.sku,
        &mut s.chassis_type,
        &mut s.smbios_version,
    ] {
        opt(v, f);
    }
    if let Some(b) = s.board.as_mut() {
        for v in [&mut b.vendor, &mut b.product, &mut b.version] {
            opt(v, f);
        }
    }
    if let Some(b) = s.bios.as_mut() {
        for v in [&mut b.vendor, &mut b.version, &mut b.date, &mut b.release] {
            opt(v, f);
        }
    }
    if let Some(dt) = s.devicetree.as_mut() {
        opt(&mut dt.model, f);
        dt.compatible.iter_mut().for_each(&mut *f);
    }
    let o = &mut inv.os;
    for v in [
        &mut o.id,
        &mut o.version,
        &mut o.name,
        &mut o.kernel,
        &mut o.arch,
    ] {
        opt(v, f);
    }
    if let Some(c) = inv.hardware.cpu.as_mut() {
        for v in [&mut c.vendor, &mut c.model, &mut c.microcode] {
            opt(v, f);
        }
        c.flags.iter_mut().for_each(&mut *f);
    }
    if let Some(m) = inv.hardware.memory.as_mut() {
        for module in &mut m.modules {
            for v in [
                &mut module.locator,
                &mut module.bank,
                &mut module.memory_type,
                &mut module.form_factor,
                &mut module.manufacturer,
                &mut module.part_number,
            ] {
                opt(v, f);
            }
        }
    }
    if let Some(fw) = inv.hardware.firmware.as_mut() {
        opt(&mut fw.boot_mode, f);
        if let Some(t) = fw.tpm.as_mut() {
            opt(&mut t.version, f);
        }
    }
    for d in &mut inv.devices {
        f(&mut d.bus);
        f(&mut d.id);
        for v in [
            &mut d.class,
            &mut d.vendor_name,
            &mut d.device_name,
            &mut d.driver,
            &mut d.path,
            &mut d.parent,
        ] {
            opt(v, f);
        }
        d.modules.iter_mut().for_each(&mut *f);
        for i in &mut d.interfaces {
            f(&mut i.class);
            opt(&mut i.driver, f);
        }
        let details = std::mem::take(&mut d.details);
        for (mut k, mut v) in details {
            f(&mut k);
            f(&mut v);
            d.details.insert(k, v);
        }
    }
    let p = &mut inv.probe;
    opt(&mut p.source, f);
    for n in &mut p.names {
        f(&mut n.database);
        for v in [&mut n.version, &mut n.date, &mut n.file] {
            opt(v, f);
        }
    }
    p.notes.iter_mut().for_each(&mut *f);
    for w in &mut p.withheld {
        f(&mut w.location);
    }
}
