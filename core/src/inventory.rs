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

/// One memory device (SMBIOS type 17).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemoryModule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u64>,
    /// e.g. `DDR5`, `LPDDR5`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_type: Option<String>,
    /// e.g. `SODIMM`, `DIMM`, `Row Of Chips`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_factor: Option<String>,
    /// Speed in MT/s.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mts: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<String>,
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Device {
    /// The bus or subsystem: `pci`, `usb`, `block`, `net`, `input`, `sound`, `drm`, `video4linux`,
    /// `bluetooth`, `power_supply`, `thermal`, `hwmon`, `platform`, `acpi`, ...
    pub bus: String,
    /// The stable identity the registry keys on, lowercase hex: `pci:8086:9a49[:1028:0b19]`,
    /// `usb:046d:c52b`, ... (see [`crate::identity`]).
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
    /// Whether this device is expected to have a driver bound (bridges and hubs may not need one).
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
    /// Bus-specific details (revision, size, transport, link speed, capacity, ...), as text.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub details: BTreeMap<String, String>,
}

/// How the inventory was made.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProbeInfo {
    /// `live`, `root`, `udevadm`, `umockdev`, `inventory`, ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Where vendor and device names came from, e.g. `hwdb` or `pci.ids 2024.01.20`.
    #[serde(default)]
    pub names: Vec<String>,
    /// What could not be read, one line each (e.g. `/sys/firmware/dmi/tables/DMI: permission denied`).
    #[serde(default)]
    pub notes: Vec<String>,
}

impl Inventory {
    /// Parses an inventory from JSON bytes, refusing unknown fields and other versions.
    pub fn from_json(bytes: &[u8]) -> Result<Inventory, crate::FormatError> {
        let inventory: Inventory = crate::format::from_json(bytes)?;
        crate::format::check_version(inventory.schema_version, INVENTORY_SCHEMA_VERSION)?;
        Ok(inventory)
    }
}
