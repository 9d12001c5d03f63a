//! `mxcert probe --from FILE`: an inventory from a dump (udevadm, umockdev), tool output (lspci,
//! lsusb) or mxcert JSON, detected by [`mxcert_core::import`]. Names the dump lacks come from this
//! machine's `pci.ids`/`usb.ids`; this machine's kernel modules say nothing about another machine,
//! so none are listed. Reading is here; parsing is in core.

use std::path::Path;

use chrono::Utc;
use mxcert_core::devices::{wanted_ids, NamesFile};
use mxcert_core::ids::{IdsDatabase, Wanted};
use mxcert_core::import::{self, Format, ImportOptions};
use mxcert_core::inventory::Inventory;

use super::names::{PCI_IDS, USB_IDS};
use super::root::Root;
use super::ProbeError;

/// Reads the first database of `paths` on this machine: only `wanted` ids, or all when `None`.
fn host_ids(paths: &[&str], wanted: Option<&Wanted>) -> Option<NamesFile> {
    let root = Root::live();
    paths.iter().find_map(|p| {
        let bytes = root.read(p).ok().flatten()?;
        Some(NamesFile {
            db: match wanted {
                Some(w) => IdsDatabase::parse_selected(&bytes, w),
                None => IdsDatabase::parse(&bytes),
            },
            file: Some((*p).to_owned()),
        })
    })
}

pub fn import(path: &Path) -> Result<Inventory, ProbeError> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin(), &mut buf).map(|_| buf)
    } else {
        std::fs::read(path)
    }
    .map_err(|e| ProbeError::Read {
        path: path.to_owned(),
        message: e.to_string(),
    })?;
    let fail = |error| ProbeError::Import {
        path: path.to_owned(),
        error,
    };
    let format = import::detect(&bytes).map_err(fail)?;
    let created_at = Utc::now();
    match format {
        Format::Udevadm | Format::Umockdev => {
            let parsed = import::records(&bytes, format).map_err(fail)?;
            let (pci_w, usb_w) = wanted_ids(&parsed.records);
            let pci = (!pci_w.is_empty())
                .then(|| host_ids(PCI_IDS, Some(&pci_w)))
                .flatten();
            let usb = (!usb_w.is_empty())
                .then(|| host_ids(USB_IDS, Some(&usb_w)))
                .flatten();
            let opts = ImportOptions {
                pci_ids: pci.as_ref(),
                usb_ids: usb.as_ref(),
                ..ImportOptions::new(created_at, crate::tool())
            };
            import::from_records(&parsed, format, &opts).map_err(fail)
        }
        Format::Lspci | Format::Lsusb => {
            let (pci, usb) = if format == Format::Lspci {
                (host_ids(PCI_IDS, None), None)
            } else {
                (None, host_ids(USB_IDS, None))
            };
            let opts = ImportOptions {
                pci_ids: pci.as_ref(),
                usb_ids: usb.as_ref(),
                ..ImportOptions::new(created_at, crate::tool())
            };
            Ok(import::import(&bytes, &opts).map_err(fail)?.inventory)
        }
        Format::Inventory | Format::Report => Ok(import::import(
            &bytes,
            &ImportOptions::new(created_at, crate::tool()),
        )
        .map_err(fail)?
        .inventory),
    }
}
