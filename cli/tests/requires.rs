//! `requires` conditions and inventory-only checks on the probe's fixture machines: the
//! inventories come from `mxcert probe --root` over the trees in `tests/fixtures/roots/` (a
//! laptop, a desktop and this VM), exactly as a run on those machines would record them.

use std::path::PathBuf;
use std::process::Command;

use mxcert_core::inventory::Inventory;
use mxcert_core::plan::{self, Condition, Plan};
use mxcert_core::report::Status;
use mxcert_suites::checks::{device_present, devices_drivers};
use mxcert_suites::{Context, Options};

fn probe(root: &str) -> Inventory {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/roots")
        .join(root);
    let out = Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(["probe", "--format", "json", "--root"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Inventory::from_json(&out.stdout).unwrap()
}

/// The ids of the plan's tests whose `requires` does not hold on `inv`, leaving out those that
/// need a tester's declaration (they depend on the person, not on the inventory).
fn not_applicable(plan: &Plan, inv: &Inventory) -> Vec<String> {
    plan.tests
        .iter()
        .filter(|t| !t.requires.iter().any(|c| c.declared.is_some()))
        .filter(|t| Condition::first_unmet(&t.requires, inv).is_some())
        .map(|t| t.id.clone())
        .collect()
}

fn ctx(inventory: Inventory) -> Context {
    Context {
        inventory,
        root: PathBuf::from("/nonexistent"),
        scratch: std::env::temp_dir(),
        options: Options::default(),
        is_root: false,
        timeout: None,
    }
}

#[test]
fn the_laptop_has_everything_its_plan_asks_about() {
    let inv = probe("laptop");
    let laptop = plan::resolve_shipped("laptop").unwrap();
    assert_eq!(not_applicable(&laptop, &inv), Vec::<String>::new());
    let desktop = plan::resolve_shipped("desktop").unwrap();
    assert_eq!(not_applicable(&desktop, &inv), Vec::<String>::new());
}

#[test]
fn the_desktop_without_wireless_audio_or_camera_skips_those_tests() {
    let inv = probe("desktop");
    let desktop = plan::resolve_shipped("desktop").unwrap();
    assert_eq!(
        not_applicable(&desktop, &inv),
        [
            "audio-present",
            "wifi-present",
            "bluetooth-present",
            "audio-playback",
            "wifi-connect",
            "bluetooth-scan",
            "audio-playback-capture",
            "camera-capture",
        ]
    );
    let laptop = plan::resolve_shipped("laptop").unwrap();
    assert_eq!(
        not_applicable(&laptop, &inv),
        [
            "thermal-zones",
            "camera-present",
            "bluetooth-present",
            "camera-image",
            "wifi-connect",
            "bluetooth-scan",
            "audio-playback-capture",
            "camera-capture",
        ]
    );
}

#[test]
fn inventory_checks_on_the_fixture_machines() {
    for root in ["desktop", "firecracker-vm"] {
        let out = devices_drivers::run(&Default::default(), &ctx(probe(root)));
        assert_eq!(out.status, Status::Pass, "{root}: {out:?}");
        assert_eq!(
            out.measurement("devices_without_driver"),
            Some(0.0),
            "{root}"
        );
    }
    // The laptop's discrete NVIDIA GPU has no driver bound (nouveau could drive it).
    let out = devices_drivers::run(&Default::default(), &ctx(probe("laptop")));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("1 of 14 devices have no driver: pci:10de:1f9d:17aa:22d8")
    );
    assert!(out
        .evidence_text("unbound devices")
        .unwrap()
        .ends_with("modules that could drive it: nouveau"));
    let mut c = ctx(probe("desktop"));
    c.options.device = Some("usb:046d:c52b".into());
    let out = device_present::run(&Default::default(), &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
}
