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
        let dir = tempfile::tempdir().unwrap();
        let fixture =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/roots/desktop");
        let ok = Command::new("cp")
            .arg("-a")
            .arg(&fixture)
            .arg(dir.path().join("root"))
            .status()
            .unwrap();
        assert!(ok.success());
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
params = {{ systemctl = "{}" }}
"#,
                systemctl.display()
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
    fn resume(&self) -> (Output, Report) {
        let out = mxcert(self.dir.path())
            .args([
                "run",
                "--resume",
                "--non-interactive",
                "--allow-reboot",
                "--session",
            ])
            .arg(self.session())
            .output()
            .unwrap();
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
