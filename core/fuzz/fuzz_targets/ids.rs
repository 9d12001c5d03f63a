#![no_main]
//! pci.ids/usb.ids parsing, selective parsing and extraction, and modules.alias matching, on
//! arbitrary bytes.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let db = mxcert_core::ids::IdsDatabase::parse(data);
    let mut wanted = mxcert_core::ids::Wanted::new();
    wanted.device(0x8086, 0x9a49);
    wanted.vendor(0x10de);
    let some = mxcert_core::ids::IdsDatabase::parse_selected(data, &wanted);
    assert!(some.len() <= db.len());
    let _ = mxcert_core::ids::extract(data, &wanted);
    let text = String::from_utf8_lossy(data);
    let aliases = mxcert_core::modalias::ModuleAliases::parse(&text);
    let _ = aliases.modules_for("pci:v00008086d00009A49sv00001028sd00000A1Fbc03sc00i00");
    if let Some((p, t)) = text.split_once('\n') {
        let _ = mxcert_core::modalias::glob_match(p.as_bytes(), t.as_bytes());
    }
});
