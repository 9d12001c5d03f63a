//! `power.reboot` across a simulated restart: a copy of a fixture machine's tree (`--root`), a
//! boot id changed in it between the two runs, `mxcert run --resume`. Nothing here can restart
//! the machine: the real command runs only for a run of `/` (see `cli/src/run/restart.rs`).

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mxcert_core::report::{Report, Status};

fn mxcert(state: &Path) -> Command {
    let mut c = common::mxcert(state);
    c.stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A copy of the desktop fixture tree with a boot id, a fake `systemctl` listing `failed` as
/// failed units, and a plan whose reboot test asks it.
struct Machine {
    dir: tempfile::TempDir,
}

impl Machine {
    fn new(failed: &str) -> Machine {
        Machine::with(failed, "")
    }
    /// `params`: more parameters of the reboot test (`mode = "cold", cycles = 2`).
    fn with(failed: &str, params: &str) -> Machine {
        let dir = tempfile::tempdir().unwrap();
        common::copy_root("desktop", dir.path());
        let m = Machine { dir };
        m.boot("0b5f0c8e-boot-0001");
        let systemctl = m.dir.path().join("systemctl");
        std::fs::write(&systemctl, format!("#!/bin/sh\nprintf '%s' '{failed}'\n")).unwrap();
        std::fs::set_permissions(
            &systemctl,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        std::fs::write(
            m.plan(),
            format!(
                r#"schema_version = 1
id = "reboot"
version = "1"
title = {{ es = "Reinicio", en = "Reboot" }}
description = {{ es = "Reinicio", en = "Reboot" }}

[[test]]
id = "power-reboot"
check = "power.reboot"
blocker = true
title = {{ es = "Reiniciar", en = "Reboot" }}
params = {{ systemctl = "{}"{}{} }}
"#,
                systemctl.display(),
                if params.is_empty() { "" } else { ", " },
                params
            ),
        )
        .unwrap();
        m
    }
    fn root(&self) -> PathBuf {
        self.dir.path().join("root")
    }
    fn plan(&self) -> PathBuf {
        self.dir.path().join("reboot.toml")
    }
    fn session(&self) -> PathBuf {
        self.dir.path().join("session")
    }
    fn boot(&self, id: &str) {
        let p = self.root().join("proc/sys/kernel/random/boot_id");
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, format!("{id}\n")).unwrap();
    }
    fn unit(&self) -> PathBuf {
        self.root().join("etc/systemd/system/mxcert-resume.service")
    }
    fn start(&self, allow: bool) -> Output {
        let mut c = mxcert(self.dir.path());
        c.args(["run", "--non-interactive", "--plan"])
            .arg(self.plan())
            .arg("--root")
            .arg(self.root())
            .arg("--session")
            .arg(self.session());
        if allow {
            c.arg("--allow-reboot");
        }
        c.output().unwrap()
    }
    /// `mxcert run --resume` as the resume unit runs it.
    fn resume_run(&self) -> Output {
        mxcert(self.dir.path())
            .args([
                "run",
                "--resume",
                "--non-interactive",
                "--allow-reboot",
                "--session",
            ])
            .arg(self.session())
            .output()
            .unwrap()
    }
    fn resume(&self) -> (Output, Report) {
        let out = self.resume_run();
        let bytes = std::fs::read(self.session().join("report.json"))
            .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stderr)));
        (out, Report::from_json(&bytes).unwrap())
    }
}

#[test]
fn a_reboot_is_journalled_resumed_and_judged_after_the_boot_id_changed() {
    let m = Machine::new("");
    let out = m.start(true);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("not restarting: the run reads "), "{err}");
    assert!(err.contains("mxcert run --resume --session "), "{err}");
    // The journal holds the boot id before the restart; the resume unit is installed.
    let journal = std::fs::read_to_string(m.session().join("journal.jsonl")).unwrap();
    assert!(journal.contains("\"event\":\"reboot\""), "{journal}");
    assert!(journal.contains("0b5f0c8e-boot-0001"));
    let unit = std::fs::read_to_string(m.unit()).unwrap();
    assert!(unit.contains(&format!(
        "ExecStart=\"{}\" run --resume --session \"{}\" --non-interactive --allow-reboot",
        env!("CARGO_BIN_EXE_mxcert"),
        m.session().display()
    )));
    let wants = m
        .root()
        .join("etc/systemd/system/multi-user.target.wants/mxcert-resume.service");
    assert!(wants.symlink_metadata().is_ok());
    if let Ok(verify) = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(m.unit())
        .output()
    {
        assert!(
            verify.status.success(),
            "systemd-analyze verify: {}",
            text(&verify.stderr)
        );
    }

    // The machine "boots": a new boot id. The resumed run passes the test and removes the unit.
    m.boot("0b5f0c8e-boot-0002");
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = &report.results[0];
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert_eq!(
        r.message.as_deref(),
        Some("restarted 1 time(s); every device came back, no unit failed")
    );
    assert!(!m.unit().exists());
    assert!(wants.symlink_metadata().is_err());
}

#[test]
fn a_reboot_that_did_not_happen_or_left_a_failed_unit_fails() {
    // Resumed without a new boot id.
    let m = Machine::new("");
    assert_eq!(m.start(true).status.code(), Some(130));
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        report.results[0].message.as_deref(),
        Some("restart 1: the machine did not restart (the boot id is unchanged)")
    );
    // A unit failed after the boot.
    let m = Machine::new("bluetooth.service loaded failed failed Bluetooth service\n");
    assert_eq!(m.start(true).status.code(), Some(130));
    m.boot("0b5f0c8e-boot-0002");
    let (_, report) = m.resume();
    let r = &report.results[0];
    assert_eq!(r.status, Status::Fail);
    assert_eq!(
        r.message.as_deref(),
        Some("after restart 1 1 systemd unit(s) failed: bluetooth.service")
    );
}

#[test]
fn without_allow_reboot_the_test_is_skipped_with_the_reason() {
    let m = Machine::new("");
    let out = m.start(false);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let report =
        Report::from_json(&std::fs::read(m.session().join("report.json")).unwrap()).unwrap();
    assert_eq!(report.results[0].status, Status::Skip);
    assert_eq!(
        report.results[0].message.as_deref(),
        Some("reboot not allowed: pass --allow-reboot to let this test restart the machine")
    );
    assert!(!m.unit().exists());
}

/// The journal's `reboot` entries: (boot id before, cycle).
fn journalled(m: &Machine) -> Vec<(String, u64)> {
    std::fs::read_to_string(m.session().join("journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["event"] == "reboot")
        .map(|v| {
            (
                v["before"]["boot_id"].as_str().unwrap().to_owned(),
                v["before"]["cycle"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// Resumes and expects another restart (exit 130); returns standard error.
fn resume_restarting(m: &Machine) -> String {
    let out = m.resume_run();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    err
}

#[test]
fn two_cycles_restart_twice_and_count_both() {
    let m = Machine::with("", "cycles = 2");
    let err = text(&m.start(true).stderr);
    assert!(err.contains("restart 1 of 2: not restarting"), "{err}");
    m.boot("0b5f0c8e-boot-0002");
    // The first restart is judged, the second journalled with the new boot's id.
    let err = resume_restarting(&m);
    assert!(err.contains("restart 2 of 2: not restarting"), "{err}");
    assert_eq!(
        journalled(&m),
        [
            ("0b5f0c8e-boot-0001".to_owned(), 1),
            ("0b5f0c8e-boot-0002".to_owned(), 2)
        ]
    );
    assert!(m.unit().exists(), "the unit stays for the second restart");
    m.boot("0b5f0c8e-boot-0003");
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = &report.results[0];
    assert_eq!(r.status, Status::Pass, "{r:?}");
    assert_eq!(
        r.message.as_deref(),
        Some("restarted 2 time(s); every device came back, no unit failed")
    );
    assert_eq!(
        r.measurements
            .iter()
            .find(|x| x.name == "restarts")
            .map(|x| x.value),
        Some(2.0)
    );
    assert!(!m.unit().exists());
}

#[test]
fn the_second_of_two_cycles_is_judged_too() {
    let m = Machine::with("", "cycles = 2");
    m.start(true);
    m.boot("0b5f0c8e-boot-0002");
    resume_restarting(&m);
    // The second restart did not happen.
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        report.results[0].message.as_deref(),
        Some("restart 2: the machine did not restart (the boot id is unchanged)")
    );
    assert!(!m.unit().exists());
}

#[test]
fn cold_mode_arms_the_rtc_wake_alarm_when_there_is_one() {
    let m = Machine::with("", "mode = \"cold\", wake_s = 60");
    let alarm = m.root().join("sys/class/rtc/rtc0/wakealarm");
    std::fs::create_dir_all(alarm.parent().unwrap()).unwrap();
    std::fs::write(&alarm, "").unwrap();
    let err = text(&m.start(true).stderr);
    assert!(err.contains("restart 1 of 1: not restarting"), "{err}");
    assert!(!err.contains("power the machine on by hand"), "{err}");
    assert_eq!(std::fs::read_to_string(&alarm).unwrap(), "+60");
    m.boot("0b5f0c8e-boot-0002");
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(report.results[0].status, Status::Pass);
}

#[test]
fn cold_mode_without_an_rtc_asks_a_person_to_power_on() {
    let m = Machine::with("", "mode = \"cold\"");
    assert!(!m.root().join("sys/class/rtc").exists());
    let err = text(&m.start(true).stderr);
    assert!(
        err.contains("; there is no RTC wake alarm: power the machine on by hand once it is off"),
        "{err}"
    );
    m.boot("0b5f0c8e-boot-0002");
    let (_, report) = m.resume();
    assert_eq!(report.results[0].status, Status::Pass);
}

#[test]
fn a_device_gone_after_the_restart_fails_it() {
    let m = Machine::new("");
    m.start(true);
    // The network card did not come back.
    std::fs::remove_dir_all(
        m.root()
            .join("sys/devices/pci0000:00/0000:00:1c.0/0000:02:00.0"),
    )
    .unwrap();
    m.boot("0b5f0c8e-boot-0002");
    let (out, report) = m.resume();
    assert_eq!(out.status.code(), Some(1));
    let r = &report.results[0];
    assert_eq!(r.status, Status::Fail);
    let msg = r.message.as_deref().unwrap();
    assert!(msg.starts_with("after restart 1 "), "{msg}");
    assert!(msg.contains("pci:10ec:8168:1028:09c6 is gone"), "{msg}");
}

#[test]
fn kernel_errors_of_the_new_boot_fail_it_with_the_lines() {
    let m = Machine::new("");
    m.start(true);
    m.boot("0b5f0c8e-boot-0002");
    let kmsg = m.root().join("dev/kmsg");
    std::fs::create_dir_all(kmsg.parent().unwrap()).unwrap();
    std::fs::write(
        &kmsg,
        "6,1,100,-;Linux version 6.8.0\n3,2,200,-;nvme nvme0: controller is down; will reset\n",
    )
    .unwrap();
    let (_, report) = m.resume();
    let r = &report.results[0];
    assert_eq!(r.status, Status::Fail);
    assert_eq!(
        r.message.as_deref(),
        Some("after restart 1 0 firmware and 1 hardware errors in the kernel log")
    );
    assert_eq!(
        r.evidence
            .iter()
            .find(|e| e.label == "kernel log errors, restart 1")
            .map(|e| e.text.as_str()),
        Some("nvme nvme0: controller is down; will reset")
    );
}
