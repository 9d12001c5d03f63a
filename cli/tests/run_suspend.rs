//! `power.suspend` and the copies after suspend through the real `mxcert run`, on a copy of the
//! laptop fixture tree (`--root`) with a `sys/power/state`, an RTC wake alarm and a kernel log.
//! On a fixture tree the check process uses the fixture suspender
//! (`test-suites/src/checks/power_suspend/fixture.rs`): it writes the tree's files and applies
//! the tree's script (`mxcert-fixture/suspend.toml`), so a suspend can pass, lose a device or log
//! resume errors. Nothing here can suspend the machine: `/` always gets the real suspender.

mod common;

use std::path::PathBuf;
use std::process::{Output, Stdio};

use mxcert_core::report::{Report, Status, TestResult};

const PLAN: &str = r#"schema_version = 1
id = "suspend-copies"
version = "1"
title = { es = "Suspender", en = "Suspend" }
description = { es = "Suspender y volver a probar", en = "Suspend and test again" }

[[test]]
id = "each-storage"
check = "device.present"
blocker = true
title = { es = "Cada almacenamiento", en = "Each storage device" }
for_each = { category = "storage" }
after_suspend = true

[[test]]
id = "suspend"
check = "power.suspend"
blocker = true
title = { es = "Suspender dos veces", en = "Suspend twice" }
params = { sleep_s = 15, cycles = 2 }

[[test]]
id = "suspend-again"
check = "power.suspend"
blocker = true
title = { es = "Suspender otra vez", en = "Suspend again" }
params = { sleep_s = 5 }
"#;

/// The fingerprint reader's directory in the laptop tree, and its identity.
const READER: (&str, &str) = (
    "sys/devices/pci0000:00/0000:00:14.0/usb1/1-9",
    "usb:06cb:00bd",
);

struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    /// The laptop tree with what suspending needs; `script` is the fixture's suspend script.
    fn new(script: Option<&str>) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        common::copy_root("laptop", dir.path());
        let m = Machine { dir };
        m.write("sys/power/state", "freeze mem disk\n");
        m.write("sys/power/suspend_stats/fail", "0\n");
        m.write("sys/class/rtc/rtc0/wakealarm", "");
        m.write(
            "dev/kmsg",
            "6,100,1000,-;PM: suspend entry (deep)\n3,101,1001,-;iwlwifi 0000:00:14.3: Direct firmware load for old.ucode failed with error -2\n",
        );
        if let Some(s) = script {
            m.write("mxcert-fixture/suspend.toml", s);
        }
        std::fs::write(m.dir.path().join("plan.toml"), PLAN).unwrap();
        m
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn write(&self, path: &str, content: &str) {
        let p = self.root().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, content).unwrap();
    }
    fn read(&self, path: &str) -> Option<String> {
        std::fs::read_to_string(self.root().join(path)).ok()
    }
    fn run(&self, allow: bool) -> (Output, Report) {
        let out_path = self.dir.path().join("report.json");
        let mut c = common::mxcert(self.dir.path());
        c.stdin(Stdio::null())
            .args(["run", "--non-interactive", "--plan"])
            .arg(self.dir.path().join("plan.toml"))
            .arg("--root")
            .arg(self.root())
            .arg("--session")
            .arg(self.dir.path().join("session"))
            .arg("--out")
            .arg(&out_path);
        if allow {
            c.arg("--allow-suspend");
        }
        let out = c.output().unwrap();
        let bytes = std::fs::read(&out_path).unwrap_or_else(|e| {
            panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
        });
        (out, Report::from_json(&bytes).unwrap())
    }
}

fn result<'r>(r: &'r Report, id: &str) -> &'r TestResult {
    r.results
        .iter()
        .find(|x| x.id == id && x.phase.is_none())
        .unwrap_or_else(|| panic!("no result {id}"))
}

fn copies<'r>(r: &'r Report, phase: &str) -> Vec<&'r TestResult> {
    r.results
        .iter()
        .filter(|x| x.phase.as_deref() == Some(phase))
        .collect()
}

fn storage_count(r: &Report) -> usize {
    r.results
        .iter()
        .filter(|x| x.id == "each-storage" && x.phase.is_none())
        .count()
}

#[test]
fn suspends_that_pass_run_the_copies_after_each() {
    let m = Machine::new(None);
    let (out, r) = m.run(true);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let s = result(&r, "suspend");
    assert_eq!(s.status, Status::Pass, "{s:?}");
    assert_eq!(
        s.message.as_deref(),
        Some("suspended (mem) 2 time(s) for 30.0 s in all and resumed with every device")
    );
    assert_eq!(
        s.measurements
            .iter()
            .find(|x| x.name == "cycles")
            .map(|x| x.value),
        Some(2.0)
    );
    assert_eq!(result(&r, "suspend-again").status, Status::Pass);
    let n = storage_count(&r);
    assert!(n >= 1);
    for phase in ["after-suspend-1", "after-suspend-2"] {
        let c = copies(&r, phase);
        assert_eq!(c.len(), n, "{phase}: {c:?}");
        for x in c {
            assert_eq!(x.status, Status::Pass, "{x:?}");
            assert!(x.device.is_some());
            assert!(stderr.contains(&format!("({phase})")), "{stderr}");
        }
    }
    // Three suspends were written to the tree, each with an alarm that was cleared after.
    assert_eq!(
        m.read("sys/power/suspend_stats/success").as_deref(),
        Some("3\n")
    );
    assert_eq!(
        m.read("sys/power/state").as_deref(),
        Some("freeze mem disk\n")
    );
    assert_eq!(m.read("sys/class/rtc/rtc0/wakealarm").as_deref(), Some("0"));
}

#[test]
fn a_device_lost_after_resume_fails_the_suspend_naming_it() {
    let m = Machine::new(Some(&format!(
        "[[resume]]\ncycle = 2\nremove = [\"{}\"]\n",
        READER.0
    )));
    let (out, r) = m.run(true);
    assert_eq!(out.status.code(), Some(1));
    let s = result(&r, "suspend");
    assert_eq!(s.status, Status::Fail, "{s:?}");
    let msg = s.message.as_deref().unwrap();
    assert!(
        msg.starts_with(&format!("cycle 2: after resume {} is gone", READER.1)),
        "{msg}"
    );
    // Its copies are skipped, naming the failed suspend; the other suspend's run.
    for x in copies(&r, "after-suspend-1") {
        assert_eq!(x.status, Status::Skip);
        assert_eq!(
            x.message.as_deref(),
            Some(format!("not run: the suspend suspend did not happen (fail: {msg})").as_str())
        );
    }
    assert_eq!(result(&r, "suspend-again").status, Status::Pass);
    assert!(copies(&r, "after-suspend-2")
        .iter()
        .all(|x| x.status == Status::Pass));
}

#[test]
fn resume_errors_fail_the_suspend_with_the_lines_as_evidence() {
    let m = Machine::new(Some(
        "[[resume]]\ncycle = 1\nkmsg = [\"3,140,9000,-;nvme nvme0: controller is down; will reset\", \"6,141,9001,-;PM: resume devices took 0.4 seconds\"]\n",
    ));
    let (out, r) = m.run(true);
    assert_eq!(out.status.code(), Some(1));
    let s = result(&r, "suspend");
    assert_eq!(s.status, Status::Fail, "{s:?}");
    assert_eq!(
        s.message.as_deref(),
        Some("cycle 1: 0 firmware and 1 hardware errors in the kernel log while suspending and resuming")
    );
    let e = s
        .evidence
        .iter()
        .find(|e| e.label == "kernel log errors, cycle 1")
        .unwrap();
    assert_eq!(e.text, "nvme nvme0: controller is down; will reset");
    // The error logged before the run is not the resume's.
    assert!(!e.text.contains("old.ucode"));
}

#[test]
fn without_allow_suspend_the_copies_are_skipped_with_the_reason() {
    let m = Machine::new(None);
    let (out, r) = m.run(false);
    assert_eq!(out.status.code(), Some(1));
    let why = "suspend not allowed: pass --allow-suspend to let this test suspend the machine";
    let s = result(&r, "suspend");
    assert_eq!(s.status, Status::Skip);
    assert_eq!(s.message.as_deref(), Some(why));
    let n = storage_count(&r);
    for (phase, id) in [
        ("after-suspend-1", "suspend"),
        ("after-suspend-2", "suspend-again"),
    ] {
        let c = copies(&r, phase);
        assert_eq!(c.len(), n);
        for x in c {
            assert_eq!(x.status, Status::Skip);
            assert_eq!(
                x.message.as_deref(),
                Some(format!("not run: the suspend {id} did not happen (skip: {why})").as_str())
            );
        }
    }
    // Nothing was written to the tree.
    assert_eq!(m.read("sys/power/suspend_stats/success"), None);
    assert_eq!(m.read("sys/class/rtc/rtc0/wakealarm").as_deref(), Some(""));
}
