//! The live probe on the machine the tests run on: it agrees with `lspci -nnk`, `lsblk` and
//! `/sys/class/net` (each read here with a few lines of its own, not with mxcert's parsers), its
//! recording replays to the same inventory, it validates against the schema, and none of the
//! machine's private values (machine id, MAC addresses, disk serials, DMI serials) reach it. A
//! check whose tool is missing says so and skips.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use mxcert::probe::{self, recorder, Source};
use mxcert_core::inventory::Inventory;

fn live() -> Inventory {
    probe::probe_live().expect("live probe")
}

fn json(inv: &Inventory) -> String {
    String::from_utf8(mxcert_core::format::to_json_pretty(inv)).unwrap()
}

/// Runs a tool; `None` (with the reason printed) when it is not installed or fails.
fn tool(cmd: &str, args: &[&str]) -> Option<String> {
    match Command::new(cmd).args(args).output() {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => {
            eprintln!(
                "skipped: {cmd} failed: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            None
        }
        Err(e) => {
            eprintln!("skipped: {cmd} is not available here: {e}");
            None
        }
    }
}

#[test]
fn the_live_probe_agrees_with_lspci() {
    let Some(text) = tool("lspci", &["-nnk", "-D"]) else {
        return;
    };
    // slot -> (vendor:device[:subvendor:subdevice], driver)
    let mut want = BTreeSet::new();
    let mut current: Option<(String, String, Option<String>, Option<String>)> = None;
    let ids = |line: &str| -> Option<String> {
        let end = line.rfind(']')?;
        let start = line[..end].rfind('[')?;
        let inner = &line[start + 1..end];
        (inner.len() == 9 && inner.as_bytes()[4] == b':').then(|| inner.to_lowercase())
    };
    for line in text.lines() {
        if !line.starts_with(char::is_whitespace) {
            want.extend(current.take());
            let slot = line.split_whitespace().next().unwrap().to_owned();
            let base = line.split(" (rev").next().unwrap();
            let base = base.split(" (prog-if").next().unwrap();
            current = Some((slot, ids(base).unwrap(), None, None));
        } else if let Some(c) = current.as_mut() {
            let t = line.trim();
            if let Some(s) = t.strip_prefix("Subsystem:") {
                c.2 = ids(s);
            } else if let Some(d) = t.strip_prefix("Kernel driver in use:") {
                c.3 = Some(d.trim().to_owned());
            }
        }
    }
    want.extend(current.take());
    let want: BTreeSet<(String, String, Option<String>)> = want
        .into_iter()
        .map(|(slot, id, sub, driver)| {
            let id = match sub.filter(|s| s != "0000:0000") {
                Some(s) => format!("pci:{id}:{s}"),
                None => format!("pci:{id}"),
            };
            (slot, id, driver)
        })
        .collect();
    let inv = live();
    let have: BTreeSet<(String, String, Option<String>)> = inv
        .devices
        .iter()
        .filter(|d| d.bus == "pci")
        .map(|d| (d.details["slot"].clone(), d.id.clone(), d.driver.clone()))
        .collect();
    assert!(!want.is_empty(), "lspci listed nothing");
    assert_eq!(have, want);
    eprintln!("{} PCI devices agree with lspci -nnk", want.len());
}

#[test]
fn the_live_probe_agrees_with_lsblk() {
    let Some(text) = tool("lsblk", &["-d", "-n", "-b", "-o", "NAME,SIZE,ROTA,RM,TYPE"]) else {
        return;
    };
    let virtual_disk = |name: &str| {
        std::fs::read_link(format!("/sys/class/block/{name}"))
            .map(|t| t.to_string_lossy().contains("/virtual/"))
            .unwrap_or(true)
    };
    let want: BTreeSet<(String, String, String, String)> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 5 && f[4] == "disk" && !virtual_disk(f[0])).then(|| {
                let flag = |v: &str| if v == "1" { "true" } else { "false" }.to_owned();
                (f[0].to_owned(), f[1].to_owned(), flag(f[2]), flag(f[3]))
            })
        })
        .collect();
    let inv = live();
    let have: BTreeSet<(String, String, String, String)> = inv
        .devices
        .iter()
        .filter(|d| d.bus == "block")
        .map(|d| {
            let g = |k: &str| d.details.get(k).cloned().unwrap_or_default();
            (g("name"), g("size_bytes"), g("rotational"), g("removable"))
        })
        .collect();
    assert_eq!(have, want);
    eprintln!("{} disks agree with lsblk", want.len());
}

#[test]
fn the_live_probe_agrees_with_sys_class_net() {
    let mut want = BTreeSet::new();
    for entry in std::fs::read_dir("/sys/class/net").unwrap() {
        let entry = entry.unwrap();
        let target = std::fs::read_link(entry.path()).unwrap();
        if target.to_string_lossy().contains("/virtual/") {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let driver = std::fs::read_link(entry.path().join("device/driver"))
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()));
        let wireless =
            entry.path().join("wireless").exists() || entry.path().join("phy80211").exists();
        want.insert((
            name,
            driver,
            if wireless { "wireless" } else { "wired" }.to_owned(),
        ));
    }
    let inv = live();
    let have: BTreeSet<(String, Option<String>, String)> = inv
        .devices
        .iter()
        .filter(|d| d.bus == "net")
        .map(|d| {
            (
                d.details["interface"].clone(),
                d.driver.clone(),
                d.details["type"].clone(),
            )
        })
        .collect();
    assert_eq!(have, want);
    eprintln!(
        "{} network interfaces agree with /sys/class/net",
        want.len()
    );
}

#[test]
fn the_live_probe_and_its_recording_give_the_same_inventory() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("rec");
    recorder::record(&dir).unwrap();
    let mut from_udev = live();
    let mut replayed = probe::probe(&Source::Root(dir)).unwrap();
    replayed.created_at = from_udev.created_at;
    assert_eq!(replayed.probe.source.as_deref(), Some("root"));
    replayed.probe.source = from_udev.probe.source.take();
    from_udev.probe.source = replayed.probe.source.clone();
    assert_eq!(json(&replayed), json(&from_udev));
}

#[test]
fn the_live_inventory_is_valid_and_holds_no_private_value_of_this_machine() {
    let inv = live();
    mxcert_core::schema::Validator::new("inventory.v1.schema.json")
        .unwrap()
        .validate(&serde_json::to_value(&inv).unwrap())
        .unwrap();
    let mut secrets = Vec::new();
    let read = |p: &Path| std::fs::read_to_string(p).ok().map(|s| s.trim().to_owned());
    secrets.extend(read(Path::new("/etc/machine-id")));
    for class in ["net", "block"] {
        for entry in std::fs::read_dir(format!("/sys/class/{class}")).unwrap() {
            let p = entry.unwrap().path();
            for attr in ["address", "serial", "device/serial", "wwid", "device/wwid"] {
                secrets.extend(read(&p.join(attr)));
            }
        }
    }
    for f in [
        "product_uuid",
        "product_serial",
        "board_serial",
        "chassis_serial",
    ] {
        secrets.extend(read(&Path::new("/sys/class/dmi/id").join(f)));
    }
    secrets.retain(|s| s.len() >= 5 && !s.bytes().all(|b| matches!(b, b'0' | b':')));
    let outputs = [json(&inv), probe::table::render(&inv)];
    for s in &secrets {
        for out in &outputs {
            assert!(!out.contains(s.as_str()), "{s} leaked");
        }
    }
    eprintln!(
        "{} private values of this machine, none in the inventory",
        secrets.len()
    );
}
