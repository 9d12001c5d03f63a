//! `bluetooth.scan` and `wifi.connect` against recorded tool outputs (see
//! `tests/fixtures/recorded/README.md` for their origin).

use std::path::PathBuf;

use mxcert_core::plan::params::BluetoothScan;
use mxcert_core::report::Status;
use mxcert_suites::checks::bluetooth_scan;
use mxcert_suites::runner_seam::RecordedRunner;
use mxcert_suites::Outcome;

use crate::support::{ctx, inventory};

fn recorded(dir: &str) -> RecordedRunner {
    RecordedRunner::new(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/recorded")
            .join(dir),
    )
}

fn scan(dir: &str, p: &BluetoothScan) -> Outcome {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("firecracker-vm.json"), t.path(), t.path());
    bluetooth_scan::run_with(p, &c, &recorded(dir))
}

/// No MAC-address shapes and none of the devices' names in anything the check returns.
fn assert_private(out: &Outcome) {
    let all = format!("{out:?}");
    for secret in [
        "40:4E", "5C:F3", "6A:3B", "6A-3B", "Ana", "Pixel", "WH-1000", "00:1A",
    ] {
        assert!(!all.contains(secret), "{secret} leaked: {all}");
    }
}

#[test]
fn bluetooth_devices_are_counted_with_their_kinds_never_addresses_or_names() {
    let out = scan("bluetooth/found", &BluetoothScan::default());
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter powered on and discovered 3 device(s) in 15 s (audio-headset: 1, phone: 1, unknown: 1)")
    );
    assert_eq!(out.measurement("devices_found"), Some(3.0));
    assert_private(&out);
    let more = scan(
        "bluetooth/found",
        &BluetoothScan {
            min_devices: 4,
            ..BluetoothScan::default()
        },
    );
    assert_eq!(more.status, Status::Fail);
    assert!(more
        .message
        .unwrap()
        .contains("discovered 3 device(s) in 15 s, fewer than 4"));
}

#[test]
fn bluetooth_nothing_nearby_fails_and_a_blocked_adapter_fails_with_bluez_words() {
    let out = scan("bluetooth/nothing-near", &BluetoothScan::default());
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter powered on but discovered 0 device(s) in 15 s, fewer than 1 (is a discoverable device nearby?)")
    );
    let out = scan("bluetooth/blocked", &BluetoothScan::default());
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("the adapter did not power on: Failed to set power on: org.bluez.Error.Blocked")
    );
}

#[test]
fn bluetooth_skip_and_timeout_paths() {
    let none = scan("bluetooth/no-controller", &BluetoothScan::default());
    assert_eq!(none.status, Status::Skip);
    assert!(none
        .message
        .unwrap()
        .starts_with("not applicable: BlueZ sees no Bluetooth controller"));
    let missing = scan("bluetooth/no-such-recording", &BluetoothScan::default());
    assert_eq!(missing.status, Status::Skip);
    assert_eq!(
        missing.message.as_deref(),
        Some("bluetoothctl is not installed (Debian package bluez); install it to test Bluetooth")
    );
    let hung = scan("bluetooth/hung", &BluetoothScan::default());
    assert_eq!(hung.status, Status::Error, "{hung:?}");
    assert_eq!(
        hung.message.as_deref(),
        Some("bluetoothctl did not finish within 25 s; its process group was killed (is the bluetooth service, bluetoothd, running?)")
    );
}
