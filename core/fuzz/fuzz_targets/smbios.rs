#![no_main]
//! The SMBIOS decoder and the recorder's redaction on arbitrary tables: no panic, and a redacted
//! table has the same length and decodes without identifiers.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (entry, table) = data.split_at(data.len().min(24));
    let _ = mxcert_core::smbios::decode(entry, table);
    let redacted = mxcert_core::smbios::redact_table(table);
    assert_eq!(redacted.len(), table.len());
    if let Ok(s) = mxcert_core::smbios::decode(&[], &redacted) {
        assert!(mxcert_core::privacy::machine_id(s.identifiers.iter().map(String::as_str)).is_none()
            || s.identifiers.iter().any(|i| !mxcert_core::privacy::is_redacted(i)));
    }
});
