#![no_main]
//! Plan files (TOML) and resolved plans (JSON) on arbitrary bytes: never a panic; a plan that
//! resolves (includes from the shipped plans) has a canonical digest and reads back from its
//! canonical JSON.

use mxcert_core::plan::{self, PlanFile, ShippedLoader, Source};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let _ = PlanFile::parse("fuzz.toml", data);
    let source = Source {
        name: "fuzz.toml".into(),
        bytes: data.to_vec(),
    };
    if let Ok(resolved) = plan::resolve(source, &mut ShippedLoader) {
        let json = resolved.canonical_json();
        assert_eq!(resolved.sha256().len(), 64);
        assert!(plan::Plan::from_json(&json).is_ok());
        for test in &resolved.tests {
            let _ = test.typed_check();
            let _ = test.timeout();
        }
    }
    let _ = plan::Plan::from_json(data);
});
