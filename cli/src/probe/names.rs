//! Name databases read at run time: `pci.ids` and `usb.ids` (hwdata, or pciutils/usbutils under
//! `/usr/share/misc`), parsed only for the ids the probe found, and the kernel's `modules.alias`
//! for the running kernel, parsed only for the modaliases found. All through the [`Root`], so a
//! recording replays with the databases it was recorded with.

use mxcert_core::devices::{wanted_ids, DeviceRecord, NamesFile};
use mxcert_core::ids::{IdsDatabase, Wanted};
use mxcert_core::modalias::ModuleAliases;

use super::root::Root;

pub const PCI_IDS: &[&str] = &["/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids"];
pub const USB_IDS: &[&str] = &["/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids"];

/// The databases for one probe.
#[derive(Debug, Default)]
pub struct Names {
    pub pci: Option<NamesFile>,
    pub usb: Option<NamesFile>,
    pub aliases: Option<ModuleAliases>,
}

/// Reads the first of `paths` that exists, keeping only `wanted`.
fn ids(root: &Root, paths: &[&str], wanted: &Wanted, notes: &mut Vec<String>) -> Option<NamesFile> {
    if wanted.is_empty() {
        return None;
    }
    for path in paths {
        match root.read(path) {
            Ok(Some(bytes)) => {
                return Some(NamesFile {
                    db: IdsDatabase::parse_selected(&bytes, wanted),
                    file: Some((*path).to_owned()),
                })
            }
            Ok(None) => continue,
            Err(e) => {
                notes.push(format!("{path}: {e}"));
                return None;
            }
        }
    }
    notes.push(format!(
        "{} not found: names only from udev and the devices themselves",
        paths[0].rsplit('/').next().unwrap_or(paths[0])
    ));
    None
}

/// Where the running kernel's module aliases are.
pub fn alias_files(kernel: &str) -> [String; 2] {
    [
        format!("/lib/modules/{kernel}/modules.alias"),
        format!("/lib/modules/{kernel}/modules.builtin.alias"),
    ]
}

pub fn load(
    root: &Root,
    records: &[DeviceRecord],
    kernel: Option<&str>,
    notes: &mut Vec<String>,
) -> Names {
    let (pci_w, usb_w) = wanted_ids(records);
    let pci = ids(root, PCI_IDS, &pci_w, notes);
    let usb = ids(root, USB_IDS, &usb_w, notes);
    let aliases = kernel.and_then(|k| {
        let modaliases: Vec<&str> = records.iter().filter_map(|r| r.modalias()).collect();
        let [main, builtin] = alias_files(k);
        let text = root.read_attr(&main).ok().flatten();
        let Some(text) = text else {
            notes.push(format!(
                "{main}: not found; modules that could drive each device are not listed"
            ));
            return None;
        };
        let mut a = ModuleAliases::parse_matching(&text, modaliases.iter().copied());
        if let Ok(Some(b)) = root.read_attr(&builtin) {
            let wanted = modaliases.iter().copied().collect();
            a.add_filtered(&b, Some(&wanted));
        }
        Some(a)
    });
    Names { pci, usb, aliases }
}
