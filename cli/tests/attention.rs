//! Tests that wait for a person's action, through the real binary: the runner shows the check's
//! instruction and a countdown, a line typed during the wait skips the test with that comment,
//! and without a person (`--non-interactive`) such a test is skipped with the reason.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mxcert_core::report::{Report, Status};

fn mxcert(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mxcert"));
    c.env("XDG_STATE_HOME", state)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("MXCERT_LANG")
        .env("NO_COLOR", "1")
        .arg("run")
        .arg("--plan")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans/hotplug.toml"));
    c
}

fn result(session: &Path) -> mxcert_core::report::TestResult {
    let report = Report::from_json(&std::fs::read(session.join("report.json")).unwrap()).unwrap();
    report
        .results
        .into_iter()
        .find(|r| r.id == "usb-stick")
        .unwrap()
}

#[test]
fn a_line_typed_during_the_countdown_skips_the_test_with_that_comment() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let mut child = mxcert(t.path())
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Typed at once; the runner reads it only while the check waits.
    stdin.write_all(b"no stick at hand\n").unwrap();
    let start = Instant::now();
    let out = child.wait_with_output().unwrap();
    drop(stdin);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "the 20 s wait was not cut short: {stderr}"
    );
    assert!(
        stderr.contains("▶ Insert a USB stick or memory card with a filesystem (1 MiB will be written) into the port nobody has. (to skip this test, type a comment and press Enter)"),
        "{stderr}"
    );
    assert!(stderr.contains("⏳ 20 s left"), "{stderr}");
    assert!(stderr.contains("skipping the test as asked"), "{stderr}");
    let r = result(&session);
    assert_eq!(r.status, Status::Skip);
    assert_eq!(
        r.message.as_deref(),
        Some("skipped by the tester: no stick at hand")
    );
    assert_eq!(r.comment.as_deref(), Some("no stick at hand"));
}

#[test]
fn without_a_person_the_test_is_skipped_with_the_reason() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let out = mxcert(t.path())
        .arg("--non-interactive")
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let r = result(&session);
    assert_eq!(r.status, Status::Skip);
    assert_eq!(
        r.message.as_deref(),
        Some("needs a person to insert and remove a USB stick or memory card; none in a non-interactive run")
    );
}
