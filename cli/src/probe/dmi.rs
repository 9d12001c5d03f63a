//! The system identity from `/sys/class/dmi/id` (readable without root, serials excluded).

use mxcert_core::inventory::{Bios, Board, System};

use super::root::Root;

const DIR: &str = "/sys/class/dmi/id";

/// Reads the system identity. Also returns the private identifiers (product UUID, serials) that
/// are readable, only to derive the pseudonymous machine id; they never enter the inventory.
pub fn read(root: &Root, notes: &mut Vec<String>) -> (System, Vec<String>) {
    let mut attr = |name: &str| -> Option<String> {
        let path = format!("{DIR}/{name}");
        match root.read_attr(&path) {
            Ok(Some(v)) if !mxcert_core::privacy::is_placeholder(&v) => Some(v),
            Ok(_) => None,
            Err(e) => {
                notes.push(format!("{path}: {e}"));
                None
            }
        }
    };
    let board = Board {
        vendor: attr("board_vendor"),
        product: attr("board_name"),
        version: attr("board_version"),
    };
    let bios = Bios {
        vendor: attr("bios_vendor"),
        version: attr("bios_version"),
        date: attr("bios_date"),
        release: attr("bios_release"),
    };
    let system = System {
        vendor: attr("sys_vendor"),
        product: attr("product_name"),
        version: attr("product_version"),
        family: attr("product_family"),
        sku: attr("product_sku"),
        board: (board != Board::default()).then_some(board),
        bios: (bios != Bios::default()).then_some(bios),
        chassis_type: attr("chassis_type")
            .and_then(|t| t.parse::<u8>().ok())
            .map(|t| chassis_type_name(t).to_owned()),
        devicetree: None,
    };
    // Root-only files; unreadable ones are simply not used.
    let identifiers = [
        "product_uuid",
        "product_serial",
        "board_serial",
        "chassis_serial",
    ]
    .iter()
    .filter_map(|n| root.read_attr(&format!("{DIR}/{n}")).ok().flatten())
    .collect();
    if !root.join(DIR).exists() {
        notes.push(format!(
            "{DIR}: not present (no SMBIOS/DMI on this machine)"
        ));
    }
    (system, identifiers)
}

/// The SMBIOS chassis type name (DMTF DSP0134, 7.4.1).
pub fn chassis_type_name(t: u8) -> &'static str {
    match t & 0x7f {
        0x01 => "Other",
        0x03 => "Desktop",
        0x04 => "Low Profile Desktop",
        0x05 => "Pizza Box",
        0x06 => "Mini Tower",
        0x07 => "Tower",
        0x08 => "Portable",
        0x09 => "Laptop",
        0x0a => "Notebook",
        0x0b => "Hand Held",
        0x0c => "Docking Station",
        0x0d => "All in One",
        0x0e => "Sub Notebook",
        0x0f => "Space-saving",
        0x10 => "Lunch Box",
        0x11 => "Main Server Chassis",
        0x12 => "Expansion Chassis",
        0x13 => "SubChassis",
        0x14 => "Bus Expansion Chassis",
        0x15 => "Peripheral Chassis",
        0x16 => "RAID Chassis",
        0x17 => "Rack Mount Chassis",
        0x18 => "Sealed-case PC",
        0x19 => "Multi-system chassis",
        0x1a => "Compact PCI",
        0x1b => "Advanced TCA",
        0x1c => "Blade",
        0x1d => "Blade Enclosure",
        0x1e => "Tablet",
        0x1f => "Convertible",
        0x20 => "Detachable",
        0x21 => "IoT Gateway",
        0x22 => "Embedded PC",
        0x23 => "Mini PC",
        0x24 => "Stick PC",
        _ => "Unknown",
    }
}
