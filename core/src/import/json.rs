//! mxcert's own JSON: an inventory (`mxcert probe --format json`) or a report, whose inventory
//! sections are taken. Both are parsed strictly (unknown fields and other versions are errors with
//! the line and field path) and scrubbed of MAC- and UUID-shaped text like every import.

use crate::inventory::Inventory;
use crate::privacy::Withholding;
use crate::report::Report;

use super::{Format, ImportError};

/// An object with a `report_id` is a report; anything else is read as an inventory.
pub(super) fn kind(bytes: &[u8]) -> Format {
    #[derive(serde::Deserialize)]
    struct Probe {
        report_id: Option<serde::de::IgnoredAny>,
    }
    match serde_json::from_slice::<Probe>(bytes) {
        Ok(Probe { report_id: Some(_) }) => Format::Report,
        _ => Format::Inventory,
    }
}

pub(super) fn import(bytes: &[u8], format: Format) -> Result<Inventory, ImportError> {
    let mut inventory = match format {
        Format::Report => Report::from_json(bytes)?.inventory(),
        _ => Inventory::from_json(bytes)?,
    };
    Withholding::new().scrub(&mut inventory);
    Ok(inventory)
}
