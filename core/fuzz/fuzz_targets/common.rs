// Shared by every target: import options that need nothing from the outside.
use chrono::TimeZone;
use mxcert_core::import::{self, Format, ImportOptions};

pub fn run(data: &[u8], format: Format) {
    let opts = ImportOptions::new(
        chrono::Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        mxcert_core::tool("mxcert", "fuzz"),
    );
    if let Ok(imported) = import::import_as(data, format, &opts) {
        // Whatever was imported serialises and reads back.
        let json = mxcert_core::format::to_json_pretty(&imported.inventory);
        assert!(mxcert_core::inventory::Inventory::from_json(&json).is_ok());
    }
}
