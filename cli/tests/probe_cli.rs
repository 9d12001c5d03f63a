//! `mxcert probe` and `mxcert record` as users run them: the real binary, its exit codes and
//! messages (an unusable input names the file and the line, exit 3), JSON that validates, the
//! withheld list on standard error without values.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn mxcert(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(args)
        .env_remove("MXCERT_REGISTRY")
        .env_remove("MXCERT_TOKEN")
        .output()
        .expect("run mxcert")
}

fn laptop() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots/laptop")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn json_output_validates_and_the_withheld_list_goes_to_stderr_without_values() {
    let out = mxcert(&[
        "probe",
        "--root",
        laptop().to_str().unwrap(),
        "--format",
        "json",
        "--show-withheld",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    mxcert_core::schema::Validator::new("inventory.v1.schema.json")
        .unwrap()
        .validate(&doc)
        .unwrap();
    let err = stderr(&out);
    assert!(err.starts_with("Withheld from the inventory (19)"), "{err}");
    assert!(
        err.contains("mac_address    /sys/devices/pci0000:00/0000:00:14.3/net/wlp0s20f3/address"),
        "{err}"
    );
    for value in [
        "9c:fc:e8:4b:7a:1e",
        "PF3KX2QZ",
        "S5GXNF0R912345W",
        "a41e5e7d1e29",
    ] {
        assert!(
            !err.contains(value) && !String::from_utf8_lossy(&out.stdout).contains(value),
            "{value}"
        );
    }
}

#[test]
fn the_table_groups_devices_by_category_with_a_driver_mark() {
    let out = mxcert(&["probe", "--root", laptop().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let graphics = text.split("\nGraphics (3)\n").nth(1).unwrap();
    let first = graphics.lines().take(3).collect::<Vec<_>>().join("\n");
    assert!(
        first.contains("pci:10de:1f9d:17aa:22d8") && first.contains("MISSING"),
        "{first}"
    );
    assert!(
        first.contains("pci:8086:9a49:17aa:22d8") && first.contains(" ok "),
        "{first}"
    );
    assert!(text.contains("\nFingerprint reader (1)\n"), "{text}");
}

#[test]
fn an_unusable_input_file_is_exit_3_naming_the_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("dump.txt");
    std::fs::write(&bad, "\n\nthis is not a dump\nP: /devices/x\n").unwrap();
    let out = mxcert(&["probe", "--from", bad.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!("mxcert: failed to parse {}: line 3: not a format mxcert can import: `this is not a dump`", bad.display())),
        "{err}"
    );
    let lspci = tmp.path().join("lspci.txt");
    std::fs::write(
        &lspci,
        "00:02.0 VGA compatible controller: Intel Corporation Device 9a49\n",
    )
    .unwrap();
    let out = mxcert(&["probe", "--from", lspci.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains("line 1: no `[cccc]` class code"),
        "{}",
        stderr(&out)
    );
    let missing = tmp.path().join("missing.txt");
    let out = mxcert(&["probe", "--from", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        stderr(&out).contains(&format!("failed to read {}", missing.display())),
        "{}",
        stderr(&out)
    );
    let out = mxcert(&["probe", "--root", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
}

#[test]
fn root_and_from_together_are_a_usage_error() {
    let out = mxcert(&["probe", "--root", "/", "--from", "x"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot be used with"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn from_reads_standard_input_and_every_format_it_detects() {
    let cases: [(&str, &str); 3] = [
        ("Bus 001 Device 003: ID 8087:0026 Intel Corp. AX201 Bluetooth\n", "usb:8087:0026"),
        ("00:14.3 Network controller [0280]: Intel Corporation Wi-Fi 6 AX201 [8086:a0f0] (rev 20)\n\tKernel driver in use: iwlwifi\n", "pci:8086:a0f0"),
        ("P: /devices/pci0000:00/0000:00:02.0\nE: SUBSYSTEM=pci\nE: PCI_ID=8086:9A49\nE: PCI_SUBSYS_ID=1028:0A1F\nE: PCI_CLASS=30000\nE: DRIVER=i915\n", "pci:8086:9a49:1028:0a1f"),
    ];
    for (input, id) in cases {
        let mut child = Command::new(env!("CARGO_BIN_EXE_mxcert"))
            .args(["probe", "--from", "-", "--format", "json"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(doc["devices"][0]["id"], id, "{input}");
    }
}

#[test]
fn record_writes_a_replayable_tree_and_refuses_a_used_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    let out = mxcert(&[
        "record",
        "--root",
        laptop().to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("replay with `mxcert probe --root"));
    assert!(dir.join("mxcert-recording.json").is_file());
    let again = mxcert(&[
        "record",
        "--root",
        laptop().to_str().unwrap(),
        dir.to_str().unwrap(),
    ]);
    assert_eq!(again.status.code(), Some(5));
    assert!(
        stderr(&again).contains("it exists and is not empty"),
        "{}",
        stderr(&again)
    );
    let replay = mxcert(&["probe", "--root", dir.to_str().unwrap(), "--format", "json"]);
    assert_eq!(replay.status.code(), Some(0));
    assert!(Path::new(&dir.join("sys/firmware/dmi/tables/DMI")).is_file());
}
