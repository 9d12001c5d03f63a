//! Conformance over the real-world data in `../shared/fixtures` (or `MXCERT_SHARED_FIXTURES`):
//! udevadm dumps of real machines, umockdev recordings and raw SMBIOS tables. Expectations are
//! derived from the input records themselves (PCI_ID, PCI_SUBSYS_ID, DRIVER, PRODUCT) or from the
//! decoded values the fixture ships (`request.json`), never from mxcert's parsers. Every test skips,
//! saying why, when the folder is absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::TimeZone;
use mxcert_core::import::{self, Format, ImportOptions, Imported};
use mxcert_core::inventory::Inventory;

fn shared() -> Option<PathBuf> {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: shared fixtures not found at {} (set MXCERT_SHARED_FIXTURES)",
            dir.display()
        );
        None
    }
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    v.sort();
    v
}

fn opts() -> ImportOptions<'static> {
    ImportOptions::new(
        chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
        mxcert_core::tool("mxcert", "test"),
    )
}

fn import_file(path: &Path) -> Imported {
    let bytes = std::fs::read(path).unwrap();
    import::import(&bytes, &opts()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// One record of a dump, read independently of mxcert's parser: its path and `E:` properties
/// (plus `V:`, the driver, in newer dumps).
fn raw_records(text: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut out = Vec::new();
    for block in text.split("\n\n") {
        let mut path = None;
        let mut props = BTreeMap::new();
        for line in block.lines() {
            if let Some(p) = line.strip_prefix("P: ") {
                path = Some(p.trim().to_owned());
            } else if let Some(kv) = line.strip_prefix("E: ") {
                if let Some((k, v)) = kv.split_once('=') {
                    props.insert(k.to_owned(), v.to_owned());
                }
            } else if let Some(d) = line.strip_prefix("V: ") {
                props.insert("DRIVER".into(), d.trim().to_owned());
            }
        }
        if let Some(p) = path {
            out.push((p, props));
        }
    }
    out
}

fn device_at<'a>(inv: &'a Inventory, devpath: &str) -> Option<&'a mxcert_core::inventory::Device> {
    let path = devpath.trim_start_matches('/');
    inv.devices
        .iter()
        .find(|d| d.path.as_deref() == Some(path) && (d.bus == "pci" || d.bus == "usb"))
}

#[test]
fn every_pci_and_usb_device_of_each_udevadm_dump_appears_with_its_ids_and_driver() {
    let Some(dir) = shared() else { return };
    let dumps = files(&dir.join("udevadm"), "txt");
    assert!(!dumps.is_empty());
    for dump in dumps {
        let text = std::fs::read_to_string(&dump).unwrap();
        let imported = import_file(&dump);
        assert_eq!(imported.format, Format::Udevadm, "{}", dump.display());
        let inv = &imported.inventory;
        let records = raw_records(&text);
        let (mut pci, mut usb) = (0, 0);
        for (path, props) in &records {
            match props.get("SUBSYSTEM").map(String::as_str) {
                Some("pci") => {
                    pci += 1;
                    let (v, d) = props["PCI_ID"]
                        .to_lowercase()
                        .split_once(':')
                        .map(|(a, b)| (a.to_owned(), b.to_owned()))
                        .unwrap();
                    let sub = props["PCI_SUBSYS_ID"].to_lowercase();
                    let want = if sub == "0000:0000" {
                        format!("pci:{v:0>4}:{d:0>4}")
                    } else {
                        let (sv, sd) = sub.split_once(':').unwrap();
                        format!("pci:{v:0>4}:{d:0>4}:{sv:0>4}:{sd:0>4}")
                    };
                    let dev = device_at(inv, path)
                        .unwrap_or_else(|| panic!("{}: {path} missing", dump.display()));
                    assert_eq!(dev.id, want, "{}: {path}", dump.display());
                    assert_eq!(
                        dev.driver.as_deref(),
                        props
                            .get("DRIVER")
                            .map(String::as_str)
                            .filter(|d| !d.is_empty()),
                        "{}: {path}",
                        dump.display()
                    );
                    let class = u32::from_str_radix(&props["PCI_CLASS"], 16).unwrap();
                    assert_eq!(
                        dev.class.as_deref(),
                        Some(format!("0x{class:06x}").as_str())
                    );
                }
                Some("usb") if props.get("DEVTYPE").map(String::as_str) == Some("usb_device") => {
                    usb += 1;
                    let mut it = props["PRODUCT"].split('/');
                    let v = u16::from_str_radix(it.next().unwrap(), 16).unwrap();
                    let p = u16::from_str_radix(it.next().unwrap(), 16).unwrap();
                    let dev = device_at(inv, path)
                        .unwrap_or_else(|| panic!("{}: {path} missing", dump.display()));
                    assert_eq!(
                        dev.id,
                        format!("usb:{v:04x}:{p:04x}"),
                        "{}: {path}",
                        dump.display()
                    );
                    // Each interface directly below the device, with its driver.
                    let want: Vec<(String, Option<String>)> = records
                        .iter()
                        .filter(|(ip, ipr)| {
                            ipr.get("DEVTYPE").map(String::as_str) == Some("usb_interface")
                                && ip
                                    .strip_prefix(path.as_str())
                                    .is_some_and(|rest| rest.matches('/').count() == 1)
                        })
                        .map(|(_, ipr)| {
                            let class: Vec<u8> = ipr["INTERFACE"]
                                .split('/')
                                .map(|x| x.parse().unwrap())
                                .collect();
                            (
                                format!("{:02x}/{:02x}/{:02x}", class[0], class[1], class[2]),
                                ipr.get("DRIVER").cloned().filter(|d| !d.is_empty()),
                            )
                        })
                        .collect();
                    let mut have: Vec<(String, Option<String>)> = dev
                        .interfaces
                        .iter()
                        .map(|i| (i.class.clone(), i.driver.clone()))
                        .collect();
                    let mut want = want;
                    have.sort();
                    want.sort();
                    assert_eq!(have, want, "{}: interfaces of {path}", dump.display());
                    let bound: Vec<&String> = want.iter().filter_map(|(_, d)| d.as_ref()).collect();
                    match &dev.driver {
                        Some(d) => assert!(
                            bound.contains(&d),
                            "{}: {path} driver {d} not among {bound:?}",
                            dump.display()
                        ),
                        None => assert!(
                            bound.is_empty(),
                            "{}: {path} has drivers {bound:?}",
                            dump.display()
                        ),
                    }
                }
                _ => {}
            }
        }
        assert_eq!(
            inv.devices.iter().filter(|d| d.bus == "pci").count(),
            pci,
            "{}",
            dump.display()
        );
        assert_eq!(
            inv.devices.iter().filter(|d| d.bus == "usb").count(),
            usb,
            "{}",
            dump.display()
        );
        assert!(pci + usb > 0, "{}", dump.display());
        eprintln!(
            "{}: {pci} PCI and {usb} USB devices checked",
            dump.display()
        );
    }
}

#[test]
fn the_dgx_disks_match_lsblk() {
    let Some(dir) = shared() else { return };
    let lsblk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("udevadm/NVIDIA_DGX_STATION.lsblk.json")).unwrap(),
    )
    .unwrap();
    let inv = import_file(&dir.join("udevadm/NVIDIA_DGX_STATION.txt")).inventory;
    let disks: Vec<&str> = lsblk["blockdevices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["type"] == "disk")
        .filter_map(|d| d["kname"].as_str())
        .filter(|n| !n.starts_with("loop"))
        .collect();
    let mut have: Vec<&str> = inv
        .devices
        .iter()
        .filter(|d| d.bus == "block")
        .filter_map(|d| d.details.get("name").map(String::as_str))
        .collect();
    have.sort();
    let mut want = disks.clone();
    want.sort();
    assert_eq!(have, want);
}

#[test]
fn the_smbios_tables_decode_to_the_values_the_fixture_expects() {
    let Some(dir) = shared() else { return };
    let base = dir.join("smbios/dell_xps13");
    let entry = std::fs::read(base.join("smbios_entry_point")).unwrap();
    let table = std::fs::read(base.join("DMI")).unwrap();
    // `$NAME` placeholders are not data; they are not JSON either.
    let raw = std::fs::read_to_string(base.join("request.json")).unwrap();
    let mut text = String::new();
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            while chars
                .peek()
                .is_some_and(|n| n.is_ascii_uppercase() || *n == '_')
            {
                chars.next();
            }
            text.push_str("null");
        } else {
            text.push(c);
        }
    }
    let want: serde_json::Value = serde_json::from_str(&text).unwrap();
    let s = mxcert_core::smbios::decode(&entry, &table).unwrap();
    let bios = s.system.bios.clone().unwrap();
    assert_eq!(bios.vendor.as_deref(), want["bios"]["vendor"].as_str());
    assert_eq!(bios.version.as_deref(), want["bios"]["version"].as_str());
    assert_eq!(bios.date.as_deref(), want["bios"]["release_date"].as_str());
    assert_eq!(
        bios.release.as_deref(),
        want["bios"]["firmware_revision"].as_str()
    );
    let board = s.system.board.clone().unwrap();
    assert_eq!(
        board.vendor.as_deref(),
        want["board"]["manufacturer"].as_str()
    );
    assert_eq!(
        board.product.as_deref(),
        want["board"]["product_name"].as_str()
    );
    assert_eq!(board.version.as_deref(), want["board"]["version"].as_str());
    assert_eq!(
        s.system.chassis_type.as_deref(),
        want["chassis"]["chassis_type"].as_str()
    );
    assert_eq!(s.system.vendor.as_deref(), want["vendor"].as_str());
    assert_eq!(s.system.product.as_deref(), want["model"].as_str());
    let cpu = &s.processors[0];
    assert_eq!(
        cpu.manufacturer.as_deref(),
        want["processor"]["manufacturer"].as_str()
    );
    assert_eq!(
        cpu.version.as_deref(),
        want["processor"]["version"].as_str()
    );
    // The table's private values are withheld, not lost: the UUID and the serials are listed.
    assert!(!s.withholding.entries().is_empty());
    let debug = format!("{:?} {:?} {:?}", s.system, s.memory, s.processors);
    assert!(!debug.contains("00CA"), "battery serial leaked");
}

#[test]
fn umockdev_recordings_give_their_input_devices() {
    let Some(dir) = shared() else { return };
    let kbd = import_file(&dir.join("umockdev/usbkbd.umockdev"));
    assert_eq!(kbd.format, Format::Umockdev);
    let input = kbd
        .inventory
        .devices
        .iter()
        .find(|d| d.bus == "input")
        .unwrap();
    assert_eq!(input.id, "input:0003:05f3:0007");
    assert_eq!(input.details["kind"], "keyboard");
    assert_eq!(input.driver.as_deref(), Some("usbhid"));
    let usb = kbd
        .inventory
        .devices
        .iter()
        .find(|d| d.id == "usb:05f3:0007")
        .unwrap();
    assert_eq!(usb.vendor_name.as_deref(), Some("PI Engineering, Inc."));
    let pad = import_file(&dir.join("umockdev/synaptics-touchpad.umockdev"));
    let input = pad
        .inventory
        .devices
        .iter()
        .find(|d| d.bus == "input")
        .unwrap();
    assert_eq!(input.id, "input:0011:0002:0007");
    assert_eq!(input.details["kind"], "touchpad");
    assert_eq!(input.driver.as_deref(), Some("psmouse"));
    assert_eq!(
        input.device_name.as_deref(),
        Some("SynPS/2 Synaptics TouchPad")
    );
}

/// Private values in a dump, found without mxcert's parsers: values of properties and attributes
/// whose names say serial, UUID, WWN or MAC, and MAC- and UUID-shaped tokens anywhere.
fn private_values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let kv = line
            .strip_prefix("E: ")
            .or_else(|| line.strip_prefix("A: "))
            .and_then(|l| l.split_once('='));
        if let Some((k, v)) = kv {
            let k = k.to_ascii_uppercase();
            if ["SERIAL", "UUID", "WWN", "UNIQ", "ADDRESS", "_MAC"]
                .iter()
                .any(|w| k.contains(w))
            {
                out.push(v.trim().trim_matches('"').to_owned());
            }
        }
        for token in line.split(|c: char| !(c.is_ascii_hexdigit() || c == ':' || c == '-')) {
            let parts: Vec<&str> = token.split(':').collect();
            if parts.len() == 6 && parts.iter().all(|p| p.len() == 2) {
                out.push(token.to_owned());
            }
            let groups: Vec<usize> = token.split('-').map(str::len).collect();
            if groups == [8, 4, 4, 4, 12] {
                out.push(token.to_owned());
            }
        }
    }
    // Short values and placeholders identify nothing and match numbers by chance; a PCI address
    // (the "serial" of USB root hubs) is not private.
    out.retain(|v| {
        v.len() >= 5
            && !["noserial", "Not Specified"].contains(&v.as_str())
            && !(v.len() == 12 && v.as_bytes()[4] == b':' && v.as_bytes()[10] == b'.')
    });
    out.sort();
    out.dedup();
    out
}

#[test]
fn no_serial_mac_or_uuid_of_any_dump_reaches_the_inventory() {
    let Some(dir) = shared() else { return };
    let mut inputs = files(&dir.join("udevadm"), "txt");
    inputs.extend(files(&dir.join("umockdev"), "umockdev"));
    for input in inputs {
        let text = std::fs::read_to_string(&input).unwrap();
        let secrets = private_values(&text);
        let inv = import_file(&input).inventory;
        let json = String::from_utf8(mxcert_core::format::to_json_pretty(&inv)).unwrap();
        for s in &secrets {
            assert!(
                !json.contains(s.as_str()),
                "{}: {s} leaked",
                input.display()
            );
        }
        eprintln!(
            "{}: {} private values, none in the inventory",
            input.display(),
            secrets.len()
        );
    }
}

/// Real dumps are messy (kernel command-line properties, mixed-case names such as
/// `MD_DEVICE_sdb_DEV`): every one imports, and not one of its lines is skipped as unreadable.
#[test]
fn every_shared_real_dump_imports_without_skipping_a_line() {
    let Some(dir) = shared() else { return };
    let mut inputs = files(&dir.join("udevadm"), "txt");
    inputs.extend(files(&dir.join("umockdev"), "umockdev"));
    assert!(!inputs.is_empty());
    for input in inputs {
        let inv = import_file(&input).inventory;
        assert!(!inv.devices.is_empty(), "{}", input.display());
        let skipped: Vec<&String> = inv
            .probe
            .notes
            .iter()
            .filter(|n| n.contains("skipped"))
            .collect();
        assert!(skipped.is_empty(), "{}: {skipped:?}", input.display());
    }
}

#[test]
fn every_shared_fixture_imports_to_its_snapshot() {
    let Some(dir) = shared() else { return };
    let mut inputs = files(&dir.join("udevadm"), "txt");
    inputs.extend(files(&dir.join("umockdev"), "umockdev"));
    for input in inputs {
        let inv = import_file(&input).inventory;
        let name = input
            .file_name()
            .unwrap()
            .to_string_lossy()
            .replace('.', "_");
        insta::assert_json_snapshot!(format!("import_{name}"), inv, { ".created_at" => "[created_at]" });
    }
}
