//! Bad input to the importers: every one answers garbage with an error naming the line, and none
//! panics on truncated, binary or hostile input (the fuzz targets in `core/fuzz/` go further).

use chrono::TimeZone;
use mxcert_core::import::{self, ImportError, ImportOptions};

fn opts() -> ImportOptions<'static> {
    ImportOptions::new(
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        mxcert_core::tool("mxcert", "test"),
    )
}

fn err(input: &[u8]) -> ImportError {
    import::import(input, &opts()).expect_err("should not import")
}

#[test]
fn each_unusable_input_names_its_line() {
    let cases: [(&[u8], usize, &str); 8] = [
        (b"hello\n", 1, "not a format mxcert can import: `hello`"),
        (b"\n\n# comment\n<html>\n", 4, "`<html>`"),
        (
            b"00:02.0 VGA compatible controller: Intel Corporation Device\n",
            1,
            "run `lspci -nn`",
        ),
        (
            b"00:02.0 VGA [0300]: Intel [8086:9a49]\n00:03.0 broken\n",
            2,
            "no `[cccc]` class code",
        ),
        (
            b"Couldn't open device, some information will be missing\nhello\n",
            2,
            "not a format mxcert can import: `hello`",
        ),
        (
            b"{\"schema_version\": 1,\n \"bogus\": 2}",
            2,
            "invalid document",
        ),
        (b"{\"schema_version\": 2}", 0, "unsupported schema_version"),
        (b"{ not json", 1, "invalid document"),
    ];
    for (input, line, needle) in cases {
        let e = err(input);
        let text = e.to_string();
        assert!(text.contains(needle), "{text:?} lacks {needle:?}");
        if line > 0 {
            assert_eq!(e.line(), Some(line), "{text}");
        }
    }
}

#[test]
fn a_dump_of_garbage_after_a_record_is_refused_but_a_few_odd_lines_are_noted() {
    let mut text = String::from(
        "P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nE: PCI_ID=8086:9A49\n",
    );
    for _ in 0..40 {
        text.push_str("\u{7}\u{8} ###\n");
    }
    let e = err(text.as_bytes());
    assert_eq!(e.line(), Some(4));
    assert!(e.to_string().contains("40 of 43 lines"), "{e}");

    let ok = import::import(
        b"P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nE: PCI_ID=8086:9A49\nE: PCI_SUBSYS_ID=0000:0000\nE: PCI_CLASS=30000\nodd line\n",
        &opts(),
    )
    .unwrap();
    assert_eq!(ok.inventory.devices.len(), 1);
    assert_eq!(ok.inventory.devices[0].id, "pci:8086:9a49");
    assert!(ok
        .inventory
        .probe
        .notes
        .iter()
        .any(|n| n.starts_with("line 6: skipped")));
}

/// A dump of every kind, small, to cut into pieces.
const SAMPLES: &[&[u8]] = &[
    b"P: /devices/pci0000:00/0000:00:14.0/usb1/1-4\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_device\nE: PRODUCT=8087/26/2\nE: TYPE=224/1/1\nE: ID_SERIAL_SHORT=ABCDEF0123\n\nP: /devices/pci0000:00/0000:00:14.0/usb1/1-4/1-4:1.0\nE: SUBSYSTEM=usb\nE: DEVTYPE=usb_interface\nE: INTERFACE=224/1/1\nE: DRIVER=btusb\n",
    b"P: /devices/platform/i8042/serio1/input/input12\nE: SUBSYSTEM=input\nE: PRODUCT=11/2/7/1b1\nE: NAME=\"SynPS/2 Synaptics TouchPad\"\nE: MODALIAS=input:b0011v0002p0007e01B1-e0,1,3,k110,145,14A,a0,1,35,36\nA: uniq=\\x41\\102\nL: driver=../../bus/serio/drivers/psmouse\n",
    b"00:02.0 VGA compatible controller [0300]: Intel Corporation TigerLake-LP GT2 [Iris Xe Graphics] [8086:9a49] (rev 01)\n\tSubsystem: Dell Device [1028:0a1f]\n\tKernel driver in use: i915\n\tKernel modules: i915\n",
    b"Bus 001 Device 002: ID 046d:c52b Logitech, Inc. Unifying Receiver\nDevice Descriptor:\n  bDeviceClass 0\n  iSerial 3 0123456789\n    Interface Descriptor:\n      bInterfaceNumber 0\n      bInterfaceClass 3\n      bInterfaceSubClass 1\n      bInterfaceProtocol 1\n",
];

#[test]
fn every_prefix_and_every_byte_flip_of_each_format_is_an_answer_not_a_panic() {
    for sample in SAMPLES {
        for cut in 0..=sample.len() {
            let _ = import::import(&sample[..cut], &opts());
        }
        for i in 0..sample.len() {
            for byte in [0u8, b'\n', b'=', b':', b'/', 0xff, b'[', b']'] {
                let mut v = sample.to_vec();
                v[i] = byte;
                let _ = import::import(&v, &opts());
            }
        }
    }
}

#[test]
fn truncated_shared_dumps_still_import_or_say_why() {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures")
        });
    let Ok(entries) = std::fs::read_dir(dir.join("udevadm")) else {
        eprintln!("skipped: no shared fixtures at {}", dir.display());
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for fraction in [7, 3, 2] {
            let cut = bytes.len() / fraction;
            match import::import(&bytes[..cut], &opts()) {
                Ok(i) => assert!(
                    !i.inventory.devices.is_empty() || cut < 2000,
                    "{}",
                    path.display()
                ),
                Err(e) => assert!(e.line().is_some(), "{}: {e}", path.display()),
            }
        }
    }
}

/// A dump of `n` small PCI records, each with the kernel command-line property udev stores in every
/// record when `73-usb-net-by-mac.rules` imports it (`IMPORT{cmdline}="net.ifnames"`).
fn cmdline_dump(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "P: /devices/pci0000:{i:02x}/0000:{i:02x}:00.0\nE: SUBSYSTEM=pci\nE: PCI_ID=8086:9A49\nE: PCI_CLASS=30000\nE: net.ifnames=0\n\n"
            )
        })
        .collect()
}

#[test]
fn udev_properties_with_lower_case_names_are_properties_not_unreadable_lines() {
    // 40 of 240 lines: more than a tenth, which refused the dump when only upper-case names counted.
    let ok = import::import(cmdline_dump(40).as_bytes(), &opts()).unwrap();
    assert_eq!(ok.inventory.devices.len(), 40);
    assert!(
        !ok.inventory
            .probe
            .notes
            .iter()
            .any(|n| n.contains("skipped")),
        "{:?}",
        ok.inventory.probe.notes
    );
    // A name is any printable text, but not nothing and not control characters.
    let odd = import::import(
        b"P: /devices/virtual/net/lo\nE: =1\nE: \x01A=2\nE: rd.luks.uuid=x\n",
        &opts(),
    )
    .unwrap();
    let notes = odd.inventory.probe.notes.join("\n");
    assert!(
        notes.contains("line 2: skipped property without `KEY=`"),
        "{notes}"
    );
    assert!(notes.contains("line 3: skipped"), "{notes}");
    assert!(!notes.contains("line 4:"), "{notes}");
}

#[test]
fn a_pcilib_warning_inside_a_device_line_leaves_the_device_whole() {
    let text = "00:02.0 Mass storage controller [0180]: Red Hat, Inc. Virtio 1.0 block device [1af4:1042] (rev 01)\n00:03.0 Ethernet controller [0200]: Red Hat, Inc. Virtio 1.0 network device [1af4:10pcilib: sysfs_read_vpd: read failed: No such device\n41] (rev 01)\n\tKernel driver in use: virtio-pci\npcilib: sysfs_read_vpd: read failed: No such device\n";
    let i = import::import(text.as_bytes(), &opts()).unwrap();
    let ids: Vec<&str> = i.inventory.devices.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["pci:1af4:1042", "pci:1af4:1041"]);
    assert_eq!(i.inventory.devices[1].driver.as_deref(), Some("virtio-pci"));
    assert_eq!(i.inventory.devices[1].details["revision"], "0x01");
    let notes = i.inventory.probe.notes.join("\n");
    assert!(
        notes.contains("line 2: skipped the tool's own message `pcilib:"),
        "{notes}"
    );
    assert!(
        notes.contains("line 5: skipped the tool's own message `pcilib:"),
        "{notes}"
    );
}

#[test]
fn unknown_lines_after_lspci_and_lsusb_devices_are_noted_until_there_are_too_many() {
    for first in [
        "00:02.0 VGA compatible controller [0300]: Intel Corporation Device [8086:9a49]\n",
        "Bus 001 Device 002: ID 8087:0026 Intel Corp. AX201 Bluetooth\n",
    ] {
        let few = format!("{first}something else\n");
        let ok = import::import(few.as_bytes(), &opts()).unwrap();
        assert_eq!(ok.inventory.devices.len(), 1);
        assert!(
            ok.inventory
                .probe
                .notes
                .iter()
                .any(|n| n.starts_with("line 2: skipped line that is neither")),
            "{:?}",
            ok.inventory.probe.notes
        );
        let many = format!("{first}{}", "something else\n".repeat(30));
        let e = err(many.as_bytes());
        assert_eq!(e.line(), Some(2), "{e}");
        assert!(
            e.to_string().contains("30 of 31 lines could not be read"),
            "{e}"
        );
    }
    // A capture of nothing but the tools' messages is not an import.
    let e = err(b"Couldn't open device, some information will be missing\npcilib: x\n");
    assert_eq!(e.line(), Some(1), "{e}");
}
