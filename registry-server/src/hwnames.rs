//! The hardware name databases the registry names devices with when a `/check` input lacks names
//! (`lspci -nn` text needs them to split vendor from device): `pci.ids` and `usb.ids` from the
//! Debian package hwdata (or pciutils/usbutils under `/usr/share/misc`), read once per process.
//!
//! Missing files are not an error: names then come only from the input and from reports.

use std::sync::{Arc, OnceLock};

use mxcert_core::devices::NamesFile;
use mxcert_core::ids::IdsDatabase;

const PCI_IDS: &[&str] = &["/usr/share/hwdata/pci.ids", "/usr/share/misc/pci.ids"];
const USB_IDS: &[&str] = &["/usr/share/hwdata/usb.ids", "/usr/share/misc/usb.ids"];

/// The name databases found on this machine.
#[derive(Debug, Default)]
pub struct HwNames {
    pub pci: Option<NamesFile>,
    pub usb: Option<NamesFile>,
}

fn read_first(paths: &[&str]) -> Option<NamesFile> {
    paths.iter().find_map(|path| {
        let bytes = std::fs::read(path).ok()?;
        Some(NamesFile {
            db: IdsDatabase::parse(&bytes),
            file: Some((*path).to_owned()),
        })
    })
}

/// The databases of this machine, read on first use and shared afterwards.
pub fn system() -> Arc<HwNames> {
    static NAMES: OnceLock<Arc<HwNames>> = OnceLock::new();
    NAMES
        .get_or_init(|| {
            let names = HwNames {
                pci: read_first(PCI_IDS),
                usb: read_first(USB_IDS),
            };
            if names.pci.is_none() || names.usb.is_none() {
                tracing::warn!(
                    "pci.ids or usb.ids not found (install hwdata): checks of lspci/lsusb text get \
                     fewer names"
                );
            }
            Arc::new(names)
        })
        .clone()
}
