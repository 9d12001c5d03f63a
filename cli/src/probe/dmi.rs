//! The system identity: SMBIOS raw tables (`/sys/firmware/dmi/tables/`, readable by root), else
//! the kernel's decoded copy in `/sys/class/dmi/id` (serial numbers there are root-only too).
//! Decoding lives in [`mxcert_core::smbios`]; this module only reads files. Serial numbers and
//! UUIDs go to the withholding and the machine-id identifiers, never into the inventory.

use mxcert_core::inventory::{Bios, Board, System, WithheldKind};
use mxcert_core::privacy::is_placeholder;
use mxcert_core::smbios::{self, Smbios};

use super::root::{is_absent, Root};

const TABLES: &str = "/sys/firmware/dmi/tables";
const DMI_ID: &str = "/sys/class/dmi/id";

/// What the firmware says: the decoded tables, or what `/sys/class/dmi/id` has of them (no
/// version, processors, memory or TPM).
pub fn read(root: &Root, notes: &mut Vec<String>) -> Smbios {
    let entry = root.read(&format!("{TABLES}/smbios_entry_point"));
    let table = root.read(&format!("{TABLES}/DMI"));
    match (entry, table) {
        (Ok(Some(entry)), Ok(Some(table))) => match smbios::decode(&entry, &table) {
            Ok(mut s) => {
                notes.append(&mut s.notes);
                return s;
            }
            Err(e) => notes.push(format!("{TABLES}: {e}; using {DMI_ID}")),
        },
        (Err(e), _) | (_, Err(e)) if e.kind() == std::io::ErrorKind::PermissionDenied => {
            notes.push(format!(
                "{TABLES}: permission denied (run as root for memory modules and a hardware-based machine id)"
            ));
        }
        (Err(e), _) | (_, Err(e)) if !is_absent(&e) => notes.push(format!("{TABLES}: {e}")),
        _ => {}
    }
    from_sysfs(root, notes)
}

fn from_sysfs(root: &Root, notes: &mut Vec<String>) -> Smbios {
    let mut fw = Smbios::default();
    if !root.exists(DMI_ID) {
        notes.push(format!(
            "{DMI_ID}: not present (no SMBIOS/DMI on this machine)"
        ));
        return fw;
    }
    let mut attr = |name: &str| -> Option<String> {
        let path = format!("{DMI_ID}/{name}");
        match root.read_attr(&path) {
            Ok(Some(v)) if !is_placeholder(&v) => Some(v),
            Ok(_) => None,
            Err(e) if is_absent(&e) => None,
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
    fw.system = System {
        vendor: attr("sys_vendor"),
        product: attr("product_name"),
        version: attr("product_version"),
        family: attr("product_family"),
        sku: attr("product_sku"),
        board: (board != Board::default()).then_some(board),
        bios: (bios != Bios::default()).then_some(bios),
        chassis_type: attr("chassis_type")
            .and_then(|t| t.parse::<u8>().ok())
            .map(|t| smbios::chassis_type_name(t).to_owned()),
        ..System::default()
    };
    // Root-only files: unreadable ones are simply not used.
    for (name, kind) in [
        ("product_uuid", WithheldKind::Uuid),
        ("product_serial", WithheldKind::SerialNumber),
        ("board_serial", WithheldKind::SerialNumber),
        ("chassis_serial", WithheldKind::SerialNumber),
        ("board_asset_tag", WithheldKind::AssetTag),
        ("chassis_asset_tag", WithheldKind::AssetTag),
    ] {
        let path = format!("{DMI_ID}/{name}");
        if let Ok(Some(v)) = root.read_attr(&path) {
            fw.withholding.withhold(kind, path, &v);
            if kind != WithheldKind::AssetTag {
                fw.identifiers.push(v);
            }
        }
    }
    fw
}
