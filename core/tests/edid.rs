//! The EDID decoder on real EDIDs (tests/fixtures/edid, origins in its README) and on messy ones.

use mxcert_core::edid::{decode, EdidError, Mode};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!(
        "{}/tests/fixtures/edid/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

#[test]
fn an_external_displayport_monitor_with_an_extension() {
    let e = decode(&fixture("dell-u2917w-dp.bin")).unwrap();
    assert_eq!(e.manufacturer_id, "DEL");
    assert_eq!(e.manufacturer.as_deref(), Some("Dell Inc."));
    assert_eq!(e.product_code, 0x40f8);
    assert_eq!(e.name.as_deref(), Some("DELL U2917W"));
    assert_eq!((e.year, e.week, e.model_year), (Some(2016), Some(5), false));
    assert_eq!(e.version, "1.4");
    assert!(e.digital);
    assert_eq!(e.size_cm, Some((67, 28)));
    assert_eq!(
        e.preferred_mode,
        Some(Mode {
            width: 2560,
            height: 1080,
            refresh_hz: 60.0,
            interlaced: false
        })
    );
    assert_eq!(e.extensions, 1);
    assert_eq!(e.withheld, ["serial number", "serial number string"]);
    assert!(e.notes.is_empty(), "{:?}", e.notes);
    assert_eq!(
        e.summary(),
        "DEL 0x40f8 \"DELL U2917W\", 2016 week 5, 67x28 cm, digital, 2560x1080@60.00Hz, 1 extension"
    );
    // The serial string (91CY7358028P) and the binary serial appear nowhere.
    let all = format!("{e:?} {}", serde_json::to_string(&e).unwrap());
    assert!(
        !all.contains("91CY7358028P") && !all.contains("3230"),
        "{all}"
    );
}

#[test]
fn a_laptop_panel_without_a_name_descriptor_is_named_by_its_texts() {
    let e = decode(&fixture("auo-b140qan02-edp.bin")).unwrap();
    assert_eq!(e.manufacturer.as_deref(), Some("AU Optronics"));
    assert_eq!(e.product_code, 0x2336);
    assert_eq!(e.name, None);
    assert_eq!(e.text, ["AUO", "B140QAN02.3"]);
    assert_eq!(e.display_name(), "AUO B140QAN02.3");
    assert_eq!((e.year, e.week), (Some(2017), None));
    assert_eq!(e.size_cm, Some((31, 17)));
    assert_eq!(e.preferred_mode.unwrap().to_string(), "2560x1440@60.01Hz");
    assert_eq!(e.extensions, 0);
    assert!(e.withheld.is_empty());
    assert_eq!(e.notes, ["no monitor name descriptor"]);
}

#[test]
fn an_analogue_monitor() {
    let e = decode(&fixture("samsung-s22b300-vga.bin")).unwrap();
    assert_eq!(e.manufacturer.as_deref(), Some("Samsung Electric Company"));
    assert_eq!(e.name.as_deref(), Some("S22B300"));
    assert!(!e.digital);
    assert_eq!(e.version, "1.3");
    assert_eq!(e.preferred_mode.unwrap().to_string(), "1920x1080@60.00Hz");
    assert_eq!(e.withheld, ["serial number", "serial number string"]);
    assert!(!format!("{e:?}").contains("HMBD101129"));
}

#[test]
fn messy_edids_are_decoded_as_far_as_readable_with_notes() {
    let e = decode(&fixture("dell-u2917w-bad-extension-checksum.bin")).unwrap();
    assert_eq!(e.name.as_deref(), Some("DELL U2917W"));
    assert_eq!(e.notes, ["extension block 1 has a wrong checksum"]);

    let e = decode(&fixture("dell-p2314t-truncated.bin")).unwrap();
    assert_eq!(e.manufacturer_id, "DEL");
    assert_eq!(e.product_code, 0x409f);
    assert_eq!((e.year, e.week), (Some(2014), Some(16)));
    assert_eq!(e.size_cm, Some((51, 29)));
    assert_eq!(e.preferred_mode.unwrap().to_string(), "1920x1080@60.00Hz");
    assert_eq!(e.name, None);
    assert_eq!(
        e.notes,
        [
            "the base block is truncated at 100 of 128 bytes; fields past it are unknown",
            "descriptor 3 is missing (truncated)",
            "descriptor 4 is missing (truncated)"
        ]
    );

    // The base block declares an extension the read did not return.
    let full = fixture("dell-p2314t-dp.bin");
    let e = decode(&full[..128]).unwrap();
    assert_eq!(e.name.as_deref(), Some("DELL P2314T"));
    assert_eq!(
        e.notes,
        ["extension blocks 1 to 1 are missing (the EDID is 128 bytes)"]
    );

    // A wrong base checksum and trailing bytes are noted, never fatal.
    let mut bad = full.clone();
    bad[60] ^= 0xff;
    bad.extend_from_slice(&[0; 7]);
    let e = decode(&bad).unwrap();
    assert_eq!(
        e.notes,
        [
            "the base block's checksum is wrong",
            "7 bytes beyond the 2 declared blocks were ignored"
        ]
    );
    assert_eq!(decode(&full[1..]), Err(EdidError::NoHeader));
}

#[test]
fn serials_are_handed_to_the_caller_only_and_redaction_removes_them() {
    use mxcert_core::edid::{redact, serial_values};
    let bytes = fixture("dell-u2917w-dp.bin");
    let serials = serial_values(&bytes);
    assert_eq!(serials, ["808597584", "91CY7358028P"]);
    let redacted = redact(&bytes);
    assert_eq!(redacted.len(), bytes.len());
    assert_eq!(serial_values(&redacted), ["****", "************"]);
    assert!(!String::from_utf8_lossy(&redacted).contains("91CY7358028P"));
    // Still a valid EDID with the same decoding, checksum fixed, serials still listed.
    let e = decode(&redacted).unwrap();
    assert!(e.notes.is_empty(), "{:?}", e.notes);
    assert_eq!(e.withheld, ["serial number", "serial number string"]);
    assert_eq!(e.summary(), decode(&bytes).unwrap().summary());
}
