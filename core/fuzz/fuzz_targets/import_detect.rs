#![no_main]
//! Format detection and whichever importer it picks, on arbitrary bytes.

use chrono::TimeZone;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let opts = mxcert_core::import::ImportOptions::new(
        chrono::Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
        mxcert_core::tool("mxcert", "fuzz"),
    );
    let _ = mxcert_core::import::import(data, &opts);
});
