//! The probe over the project's own fixture roots (`cli/tests/fixtures/roots/`): a recording of the
//! Firecracker VM the tests were written on (`mxcert record`), and hand-made trees of a laptop and
//! a desktop (`make_roots.py`). Snapshots of every inventory and table; no private value of any
//! tree in any output; recording a tree and replaying the recording gives the same inventory, and
//! the recording holds none of the tree's private values.

use std::path::{Path, PathBuf};

use mxcert::probe::{self, recorder, Root, Source};
use mxcert_core::inventory::Inventory;

fn roots() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots")
}

const FIXTURES: &[&str] = &["firecracker-vm", "laptop", "desktop"];

fn probe_root(dir: &Path) -> Inventory {
    probe::probe(&Source::Root(dir.to_owned())).unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
}

fn json(inv: &Inventory) -> String {
    String::from_utf8(mxcert_core::format::to_json_pretty(inv)).unwrap()
}

#[test]
fn every_fixture_root_probes_to_its_snapshot() {
    for name in FIXTURES {
        let inv = probe_root(&roots().join(name));
        insta::assert_json_snapshot!(format!("root_{name}"), inv, { ".created_at" => "[created_at]" });
        insta::assert_snapshot!(format!("table_{name}"), probe::table::render(&inv));
    }
}

#[test]
fn fixture_inventories_are_valid_against_the_schema() {
    let validator = mxcert_core::schema::Validator::new("inventory.v1.schema.json").unwrap();
    for name in FIXTURES {
        let inv = probe_root(&roots().join(name));
        validator
            .validate(&serde_json::to_value(&inv).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Inventory::from_json(json(&inv).as_bytes()).unwrap(), inv);
    }
}

#[test]
fn the_laptop_has_everything_a_laptop_has() {
    let inv = probe_root(&roots().join("laptop"));
    let has = |id: &str| {
        inv.devices
            .iter()
            .find(|d| d.id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
    };
    assert_eq!(
        has("power_supply:battery:smp_5b10w13930").details["health_percent"],
        "90"
    );
    assert_eq!(has("net:iwlwifi").details["type"], "wireless");
    assert_eq!(
        has("bluetooth:btusb").parent.as_deref(),
        Some("usb:8087:0026")
    );
    assert_eq!(has("input:0018:06cb:ce67").details["kind"], "touchpad");
    assert_eq!(
        has("input:0018:06cb:ce67").driver.as_deref(),
        Some("hid-multitouch")
    );
    assert_eq!(
        has("usb:04f2:b6ea").category,
        mxcert_core::category::Category::Camera
    );
    assert_eq!(
        has("video4linux:uvcvideo").parent.as_deref(),
        Some("usb:04f2:b6ea")
    );
    let disk = has("block:samsung_ssd_980_pro_1tb");
    assert_eq!(disk.details["transport"], "nvme");
    assert_eq!(disk.details["rotational"], "false");
    assert_eq!(disk.details["size_bytes"], "1000204886016");
    assert_eq!(
        has("hdaudio:10ec:0287").device_name.as_deref(),
        Some("ALC287")
    );
    assert!(has("drm:i915").details["connectors"].contains("eDP-1:connected"));
    // Both displays decoded from their real EDIDs, linked to their connector on the Iris Xe; the
    // monitor's serial string is withheld, never shown.
    let displays = &has("drm:i915").details["displays"];
    assert!(
        displays.contains(
            "eDP-1: AUO 0x2336 \"AUO B140QAN02.3\", 2017, 31x17 cm, digital, 2560x1440@60.01Hz"
        ),
        "{displays}"
    );
    assert!(
        displays.contains("DP-1: DEL 0x40f8 \"DELL U2917W\""),
        "{displays}"
    );
    assert!(!serde_json::to_string(&inv)
        .unwrap()
        .contains("91CY7358028P"));
    let dgpu = has("pci:10de:1f9d:17aa:22d8");
    assert!(dgpu.needs_driver && dgpu.driver.is_none());
    assert_eq!(dgpu.modules, ["nouveau"]);
    assert_eq!(
        has("usb:06cb:00bd").category,
        mxcert_core::category::Category::Fingerprint
    );
    assert!(!has("usb:06cb:00bd").needs_driver);
    let fw = inv.hardware.firmware.as_ref().unwrap();
    assert_eq!(
        (fw.boot_mode.as_deref(), fw.secure_boot),
        (Some("uefi"), Some(true))
    );
    assert_eq!(fw.tpm.as_ref().unwrap().version.as_deref(), Some("2.0"));
    let mem = inv.hardware.memory.as_ref().unwrap();
    assert_eq!(mem.modules.len(), 2);
    assert_eq!(inv.system.chassis_type.as_deref(), Some("Notebook"));
    assert_eq!(
        inv.system.version.as_deref(),
        Some("ThinkPad X1 Carbon Gen 9")
    );
    assert!(inv
        .machine_id
        .as_deref()
        .is_some_and(|m| m.starts_with("mx1-")));
    // Partitions and the sound card's jack switch are not devices of their own.
    assert!(!inv
        .devices
        .iter()
        .any(|d| d.path.as_deref().is_some_and(|p| p.ends_with("nvme0n1p1"))));
    assert!(!inv
        .devices
        .iter()
        .any(|d| d.device_name.as_deref() == Some("HDA Intel PCH Headphone")));
}

#[test]
fn the_desktop_reads_its_identity_from_sysfs_without_tables() {
    let inv = probe_root(&roots().join("desktop"));
    assert_eq!(inv.system.vendor.as_deref(), Some("Dell Inc."));
    assert_eq!(inv.system.product.as_deref(), Some("OptiPlex 7080"));
    assert_eq!(inv.system.chassis_type.as_deref(), Some("Desktop"));
    assert_eq!(inv.system.smbios_version, None);
    let fw = inv.hardware.firmware.as_ref().unwrap();
    assert_eq!(fw.boot_mode.as_deref(), Some("legacy"));
    let disk = inv.devices.iter().find(|d| d.bus == "block").unwrap();
    assert_eq!(disk.details["transport"], "sata");
    assert!(inv
        .probe
        .withheld
        .iter()
        .any(|w| w.location == "/sys/class/dmi/id/product_serial"));
}

/// Private values in a tree, found without mxcert's code: files named for private attributes,
/// private `KEY=VALUE` lines, the serial strings and UUID of the SMBIOS table, MAC- and
/// UUID-shaped tokens in text.
fn private_values(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            let name = entry.file_name().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            if name == "DMI" {
                out.extend(smbios_private(&bytes));
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            if [
                "serial",
                "serial_number",
                "product_serial",
                "board_serial",
                "chassis_serial",
                "product_uuid",
                "address",
                "wwid",
                "uniq",
                "machine-id",
            ]
            .contains(&name.as_str())
            {
                out.push(text.trim().to_owned());
            }
            for line in text.lines() {
                let line = line.strip_prefix("E:").unwrap_or(line);
                if let Some((k, v)) = line.split_once('=') {
                    if ["SERIAL", "UUID", "WWN", "UNIQ"]
                        .iter()
                        .any(|w| k.contains(w))
                    {
                        out.push(v.trim().trim_matches('"').to_owned());
                    }
                }
                for token in line.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '-'))
                {
                    let parts: Vec<&str> = token.split(':').collect();
                    if parts.len() == 6 && parts.iter().all(|p| p.len() == 2) {
                        out.push(token.to_owned());
                    }
                    if token.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12] {
                        out.push(token.to_owned());
                    }
                }
            }
        }
    }
    // Short values, placeholders and PCI addresses (the "serial" of USB root hubs) identify nothing.
    let placeholder = |v: &str| {
        v.bytes().all(|b| matches!(b, b'*' | b'0' | b':' | b'-'))
            || (v.len() == 12 && v.as_bytes()[4] == b':' && v.as_bytes()[10] == b'.')
            || [
                "Not Available",
                "No Asset Information",
                "To Be Filled By O.E.M.",
            ]
            .contains(&v)
    };
    out.retain(|v| v.len() >= 5 && !placeholder(v));
    out.sort();
    out.dedup();
    out
}

/// Serial numbers, asset tags and the system UUID of an SMBIOS table (DSP0134 offsets).
fn smbios_private(t: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos + 4 <= t.len() {
        let (kind, len) = (t[pos], t[pos + 1] as usize);
        let body = &t[pos..pos + len];
        let end = t[pos + len..].windows(2).position(|w| w == [0, 0]).unwrap() + pos + len;
        let strings: Vec<String> = t[pos + len..end]
            .split(|b| *b == 0)
            .map(|s| String::from_utf8_lossy(s).trim().to_owned())
            .collect();
        let offsets: &[usize] = match kind {
            1 | 22 => &[7],
            2 | 3 => &[7, 8],
            4 => &[0x20, 0x21],
            17 => &[0x18, 0x19],
            _ => &[],
        };
        for off in offsets {
            if let Some(i) = body.get(*off).copied().filter(|i| *i > 0) {
                out.extend(strings.get(i as usize - 1).cloned());
            }
        }
        if kind == 1 {
            let b = &body[8..24];
            out.push(format!(
                "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{}",
                b[3],
                b[2],
                b[1],
                b[0],
                b[5],
                b[4],
                b[7],
                b[6],
                b[8..]
                    .iter()
                    .map(|x| format!("{x:02x}"))
                    .collect::<Vec<_>>()
                    .join("")
            ));
        }
        pos = end + 2;
        if kind == 127 {
            break;
        }
    }
    out
}

#[test]
fn no_private_value_of_any_fixture_root_reaches_any_output() {
    for name in FIXTURES {
        let root = roots().join(name);
        let secrets = private_values(&root);
        let inv = probe_root(&root);
        let outputs = [
            json(&inv),
            probe::table::render(&inv),
            probe::table::render_withheld(&inv.probe.withheld),
        ];
        for s in &secrets {
            for out in &outputs {
                assert!(!out.contains(s.as_str()), "{name}: {s} leaked");
            }
        }
        eprintln!(
            "{name}: {} private values, none in the output",
            secrets.len()
        );
    }
    // The hand-made trees do hold private values, so the check above checked something.
    assert!(private_values(&roots().join("laptop")).len() >= 10);
    assert!(private_values(&roots().join("desktop")).len() >= 5);
}

#[test]
fn recording_a_tree_and_replaying_it_gives_the_same_inventory_without_its_private_values() {
    for name in FIXTURES {
        let source = roots().join(name);
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("rec");
        let recorded = recorder::record_root(&Root::at(&source), &dir).unwrap();
        let mut original = probe_root(&source);
        let mut replayed = probe_root(&dir);
        assert_eq!(recorded.inventory.devices, original.devices, "{name}");
        original.created_at = replayed.created_at;
        replayed.probe.source = original.probe.source.clone();
        assert_same(&json(&original), &json(&replayed), name);
        let leaked: Vec<String> = private_values(&source)
            .into_iter()
            .filter(|s| grep(&dir, s))
            .collect();
        assert!(leaked.is_empty(), "{name}: the recording holds {leaked:?}");
    }
}

/// Fails with the first differing line when two texts differ.
fn assert_same(want: &str, have: &str, what: &str) {
    if want != have {
        let (n, (w, h)) = want
            .lines()
            .zip(have.lines())
            .enumerate()
            .find(|(_, (w, h))| w != h)
            .unwrap_or((0, ("(length)", "(length)")));
        panic!("{what}: line {}: want {w:?}, have {h:?}", n + 1);
    }
}

/// Whether any file under `dir` contains `needle`.
fn grep(dir: &Path, needle: &str) -> bool {
    let mut stack = vec![dir.to_owned()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let bytes = std::fs::read(entry.path()).unwrap();
                if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                    return true;
                }
            }
        }
    }
    false
}

#[test]
fn recording_refuses_a_directory_that_is_not_empty() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("something"), "x").unwrap();
    let e = recorder::record_root(&Root::at(roots().join("laptop")), tmp.path()).unwrap_err();
    assert!(e.to_string().contains("it exists and is not empty"), "{e}");
}

/// Copies a tree (symlinks as symlinks).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&src).unwrap(), &dst).unwrap();
        } else if kind.is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

#[test]
fn a_damaged_tree_still_probes_and_says_what_it_could_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("laptop");
    copy_tree(&roots().join("laptop"), &root);
    // Unreadable files (a directory where a file should be), a truncated SMBIOS table, a
    // non-UTF-8 model name and a uevent that is garbage.
    std::fs::remove_file(root.join("proc/cpuinfo")).unwrap();
    std::fs::create_dir(root.join("proc/cpuinfo")).unwrap();
    std::fs::write(
        root.join("sys/firmware/dmi/tables/DMI"),
        [1u8, 0x20, 0, 0, 9],
    )
    .unwrap();
    let nvme = root.join("sys/devices/pci0000:00/0000:00:1d.0/0000:04:00.0/nvme/nvme0");
    std::fs::write(nvme.join("model"), b"Samsung \xff\xfe SSD\n").unwrap();
    let gpu = root.join("sys/devices/pci0000:00/0000:00:02.0");
    std::fs::write(gpu.join("uevent"), b"\x00\x01\x02 no = sign here\n==\n").unwrap();
    let inv = probe_root(&root);
    let notes = inv.probe.notes.join("\n");
    assert!(notes.contains("/proc/cpuinfo: Is a directory"), "{notes}");
    assert!(
        notes.contains("SMBIOS structure at byte 0 (type 1) is truncated"),
        "{notes}"
    );
    // The rest is still there: the disk keeps a readable name, the GPU is found from its sysfs
    // attributes when its uevent is garbage, and so is everything else.
    let disk = inv.devices.iter().find(|d| d.bus == "block").unwrap();
    assert_eq!(
        disk.device_name.as_deref(),
        Some("Samsung \u{fffd}\u{fffd} SSD")
    );
    assert!(inv.devices.len() > 40, "{}", inv.devices.len());
    assert!(inv.devices.iter().any(|d| d.id == "net:iwlwifi"));
    let gpu = inv
        .devices
        .iter()
        .find(|d| d.id == "pci:8086:9a49:17aa:22d8")
        .unwrap();
    assert_eq!(gpu.class.as_deref(), Some("0x030000"));
    mxcert_core::schema::Validator::new("inventory.v1.schema.json")
        .unwrap()
        .validate(&serde_json::to_value(&inv).unwrap())
        .unwrap();
}
