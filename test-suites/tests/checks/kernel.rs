use mxcert_core::plan::params::{KernelFirmwareErrors, KernelTaint};
use mxcert_core::report::Status;
use mxcert_suites::checks::{kernel_firmware_errors, kernel_taint};

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

#[test]
fn this_kernel_is_read_live() {
    let t = tempfile::tempdir().unwrap();
    let out = kernel_taint::run(&KernelTaint::default(), &live(t.path()));
    let taint: u64 = std::fs::read_to_string("/proc/sys/kernel/tainted")
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert_eq!(out.measurement("taint"), Some(taint as f64));
    if taint == 0 {
        assert_eq!(out.status, Status::Pass);
        assert_eq!(out.message.as_deref(), Some("the kernel is not tainted"));
    }
}

#[test]
fn hardware_relevant_taints_fail_and_informational_ones_do_not() {
    let tree = Tree::new();
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    // P (bit 0) and O (bit 12).
    tree.file("/proc/sys/kernel/tainted", "4097\n");
    let out = kernel_taint::run(&KernelTaint::default(), &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("kernel tainted: P (proprietary module was loaded), O (externally-built (out-of-tree) module was loaded)")
    );
    let ignore = KernelTaint {
        ignore: vec!["P".into(), "O".into()],
    };
    let out = kernel_taint::run(&ignore, &c);
    assert_eq!(out.status, Status::Pass);
    assert!(out
        .evidence_text("taint flags")
        .unwrap()
        .contains("(ignored by the plan)"));

    // K (live patch, bit 15) says nothing about the hardware.
    tree.file("/proc/sys/kernel/tainted", "32768\n");
    let out = kernel_taint::run(&KernelTaint::default(), &c);
    assert_eq!(out.status, Status::Pass);
    assert!(out
        .evidence_text("taint flags")
        .unwrap()
        .contains("K bit 15: kernel has been live patched (informational)"));

    tree.file("/proc/sys/kernel/tainted", "lots\n");
    assert_eq!(
        kernel_taint::run(&KernelTaint::default(), &c).status,
        Status::Error
    );

    let empty = Tree::new();
    let out = kernel_taint::run(
        &KernelTaint::default(),
        &ctx(inventory("laptop.json"), empty.root(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
}

#[test]
fn firmware_and_hardware_errors_in_the_kernel_log_fail_with_the_lines() {
    let tree = Tree::new();
    tree.file(
        "/dev/kmsg",
        "6,1,100,-;Linux version 6.12.8-amd64\n\
3,812,9123456,-;iwlwifi 0000:00:14.3: Direct firmware load for iwlwifi-so-a0-gf-a0-86.ucode failed with error -2\n \
SUBSYSTEM=pci\n \
DEVICE=+pci:0000:00:14.3\n\
4,813,9200000,-;mce: [Hardware Error]: Machine check events logged\n\
6,814,9300000,-;usb 3-6: new high-speed USB device number 3 using xhci_hcd\n",
    );
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let out = kernel_firmware_errors::run(&KernelFirmwareErrors::default(), &c);
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("1 firmware and 1 hardware errors in the kernel log")
    );
    assert_eq!(out.measurement("log_records"), Some(4.0));
    assert!(out
        .evidence_text("firmware errors")
        .unwrap()
        .starts_with("iwlwifi 0000:00:14.3: Direct firmware load"));
    assert_eq!(
        out.evidence_text("hardware errors"),
        Some("mce: [Hardware Error]: Machine check events logged")
    );

    let ignore = KernelFirmwareErrors {
        ignore: vec!["iwlwifi".into(), "mce:".into()],
    };
    assert_eq!(
        kernel_firmware_errors::run(&ignore, &c).status,
        Status::Pass
    );

    let empty = Tree::new();
    let out = kernel_firmware_errors::run(
        &KernelFirmwareErrors::default(),
        &ctx(inventory("laptop.json"), empty.root(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
    assert!(out
        .message
        .unwrap()
        .starts_with("cannot read the kernel log"));
}

#[test]
fn the_live_kernel_log_is_read_without_blocking() {
    let t = tempfile::tempdir().unwrap();
    let out = kernel_firmware_errors::run(&KernelFirmwareErrors::default(), &live(t.path()));
    if nix::unistd::geteuid().is_root() {
        assert!(matches!(out.status, Status::Pass | Status::Fail), "{out:?}");
        assert!(out.measurement("log_records").unwrap() > 10.0, "{out:?}");
        if on_reference_vm() {
            assert_eq!(out.status, Status::Pass, "{out:?}");
        }
    } else {
        eprintln!(
            "not root: the kernel log may be unreadable ({:?})",
            out.message
        );
    }
}
