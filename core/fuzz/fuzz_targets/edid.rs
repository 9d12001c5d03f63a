#![no_main]
//! The EDID decoder on arbitrary bytes: no panic, and what it decodes serialises and has a
//! summary.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(e) = mxcert_core::edid::decode(data) {
        assert!(!e.summary().is_empty());
        assert!(e.notes.len() <= 16);
    }
});
