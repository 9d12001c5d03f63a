//! The committed schemas under `schemas/` must equal the ones generated from the Rust types.
//! Regenerate with `MXCERT_UPDATE_SCHEMAS=1 cargo test -p mxcert-core --test schemas`.

use std::path::PathBuf;

fn schemas_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

#[test]
fn committed_schemas_match_the_types() {
    let update = std::env::var_os("MXCERT_UPDATE_SCHEMAS").is_some();
    let mut stale = Vec::new();
    for s in mxcert_core::schema::published() {
        let path = schemas_dir().join(s.file);
        let mut want = serde_json::to_string_pretty(&s.schema).unwrap();
        want.push('\n');
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        if have != want {
            if update {
                std::fs::write(&path, &want).unwrap();
            } else {
                stale.push(s.file);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "schemas out of date: {stale:?}; run MXCERT_UPDATE_SCHEMAS=1 cargo test -p mxcert-core --test schemas"
    );
}

#[test]
fn every_published_schema_compiles_and_is_versioned() {
    for s in mxcert_core::schema::published() {
        mxcert_core::schema::Validator::new(s.file).unwrap();
        assert!(s.file.contains(".v1."), "{} is not versioned", s.file);
        let props = &s.schema["properties"];
        assert!(
            props.get("schema_version").is_some() || props.get("payloadType").is_some(),
            "{} has no version field",
            s.file
        );
    }
}
