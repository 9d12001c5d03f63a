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
            b"Bus 001 Device 002: ID 8087:0026 Intel\nsomething else\n",
            2,
            "expected `Bus NNN Device NNN",
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
