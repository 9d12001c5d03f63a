use std::time::{Duration, Instant};

use mxcert_core::plan::params::Command;
use mxcert_core::report::Status;
use mxcert_suites::checks::command;

use crate::support::live;

fn cmd(argv: &[&str]) -> Command {
    Command {
        argv: argv.iter().map(|s| s.to_string()).collect(),
        env: Default::default(),
    }
}

#[test]
fn exit_status_zero_passes_and_output_is_evidence() {
    let t = tempfile::tempdir().unwrap();
    let mut p = cmd(&["sh", "-c", "echo \"out $ACME_MODE\"; echo err >&2; pwd"]);
    p.env.insert("ACME_MODE".into(), "cert".into());
    let out = command::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.message.as_deref(), Some("sh exited with status 0"));
    let stdout = out.evidence_text("stdout").unwrap();
    assert!(stdout.starts_with("out cert\n"), "{stdout}");
    assert!(
        stdout.contains(&t.path().display().to_string()),
        "runs in the scratch directory"
    );
    assert_eq!(out.evidence_text("stderr"), Some("err\n"));
    assert_eq!(
        out.evidence_text("command"),
        Some("sh -c 'echo \"out $ACME_MODE\"; echo err >&2; pwd'")
    );
    assert_eq!(out.measurement("exit_status"), Some(0.0));
}

#[test]
fn other_exit_statuses_fail_and_missing_programs_are_errors() {
    let t = tempfile::tempdir().unwrap();
    let out = command::run(
        &cmd(&["sh", "-c", "echo broken >&2; exit 3"]),
        &live(t.path()),
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(out.message.as_deref(), Some("sh exited with status 3"));
    assert_eq!(out.evidence_text("stderr"), Some("broken\n"));

    let out = command::run(&cmd(&["sh", "-c", "kill -TERM $$"]), &live(t.path()));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(out.message.as_deref(), Some("sh was killed by signal 15"));

    let out = command::run(&cmd(&["/nonexistent/acme-check"]), &live(t.path()));
    assert_eq!(out.status, Status::Error);
    assert!(out
        .message
        .unwrap()
        .starts_with("cannot run /nonexistent/acme-check:"));
}

/// Whether any process's command line contains `marker`.
fn running(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| String::from_utf8_lossy(&c).contains(marker))
            .unwrap_or(false)
    })
}

#[test]
fn a_command_past_its_timeout_is_killed_with_its_children() {
    let t = tempfile::tempdir().unwrap();
    let mut c = live(t.path());
    c.timeout = Some(Duration::from_millis(500));
    let marker = format!("mxcert-timeout-{}", std::process::id());
    // The shell starts a child that would outlive it; the whole group must go.
    let p = cmd(&[
        "sh",
        "-c",
        &format!("sleep 30 && echo {marker} & sleep 31; echo {marker}"),
    ]);
    let started = Instant::now();
    let out = command::run(&p, &c);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(out.status, Status::Timeout);
    assert_eq!(
        out.message.as_deref(),
        Some("sh did not finish within 0.5 s; its process group was killed")
    );
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        !running(&marker),
        "a process of the timed-out command is still running"
    );
}
