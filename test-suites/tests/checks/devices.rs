use mxcert_core::plan::params::{DevicePresent, DevicesDrivers};
use mxcert_core::report::Status;
use mxcert_suites::checks::{device_present, devices_drivers};

use crate::support::{ctx, inventory};

#[test]
fn every_device_of_the_recorded_vm_has_its_driver() {
    let t = tempfile::tempdir().unwrap();
    let out = devices_drivers::run(
        &DevicesDrivers::default(),
        &ctx(inventory("firecracker-vm.json"), t.path(), t.path()),
    );
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("all 5 devices that need a driver have one")
    );
    assert_eq!(out.measurement("devices_needing_driver"), Some(5.0));
    assert_eq!(out.measurement("devices_without_driver"), Some(0.0));
    assert!(out
        .evidence_text("bound devices")
        .unwrap()
        .contains("pci:1af4:1041:1af4:1041 [network]"));
}

#[test]
fn an_unbound_device_fails_with_its_identity_and_candidate_modules() {
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), t.path(), t.path());
    let out = devices_drivers::run(&DevicesDrivers::default(), &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("1 of 6 devices have no driver: pci:10ec:525a:1028:0c0e")
    );
    let unbound = out.evidence_text("unbound devices").unwrap();
    assert!(
        unbound.contains("RTS525A PCI Express Card Reader"),
        "{unbound}"
    );
    assert!(
        unbound.contains("modules that could drive it: rtsx_pci"),
        "{unbound}"
    );

    let ignoring = DevicesDrivers {
        ignore: vec!["pci:10ec".into()],
    };
    assert_eq!(devices_drivers::run(&ignoring, &c).status, Status::Pass);
}

#[test]
fn an_inventory_without_devices_is_skipped_not_passed() {
    let t = tempfile::tempdir().unwrap();
    let out = devices_drivers::run(
        &DevicesDrivers::default(),
        &ctx(inventory("container.json"), t.path(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .unwrap()
        .contains("no device that needs a driver"));
}

#[test]
fn the_chosen_device_must_be_present_with_its_driver() {
    let t = tempfile::tempdir().unwrap();
    let mut c = ctx(inventory("laptop.json"), t.path(), t.path());
    let p = DevicePresent::default();
    assert_eq!(
        device_present::run(&p, &c).status,
        Status::Error,
        "no --device"
    );

    c.options.device = Some("usb:0c45:6a10".into());
    let out = device_present::run(&p, &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert!(out
        .evidence_text("matching devices")
        .unwrap()
        .contains("Integrated Webcam"));

    c.options.device = Some("pci:10ec:525a".into());
    let out = device_present::run(&p, &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("pci:10ec:525a is present but has no driver bound")
    );

    c.options.device = Some("usb:046d:c52b".into());
    assert_eq!(
        device_present::run(&p, &c).message.as_deref(),
        Some("no device usb:046d:c52b in the inventory")
    );
}
