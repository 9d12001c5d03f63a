use std::time::{Duration, Instant};

use mxcert_suites::runner_seam::{
    recording_name, CommandRunner, RecordedRunner, RunError, SystemRunner,
};

#[test]
fn the_system_runner_runs_real_programs_and_reports_missing_ones() {
    let out = SystemRunner
        .run(
            "sh",
            &["-c", "echo out; echo err >&2; exit 3"],
            Duration::from_secs(10),
        )
        .unwrap();
    assert_eq!(out.status, Some(3));
    assert_eq!(out.stdout_text(), "out\n");
    assert_eq!(out.stderr_text(), "err\n");
    assert!(!out.success());

    let err = SystemRunner
        .run("mxcert-no-such-tool", &[], Duration::from_secs(1))
        .unwrap_err();
    assert_eq!(
        err,
        RunError::NotFound {
            program: "mxcert-no-such-tool".into()
        }
    );
    assert_eq!(err.to_string(), "mxcert-no-such-tool is not installed");
}

#[test]
fn the_system_runner_kills_a_program_past_its_timeout() {
    let started = Instant::now();
    let err = SystemRunner
        .run(
            "sh",
            &["-c", "sleep 30 & sleep 31"],
            Duration::from_millis(300),
        )
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        err.to_string(),
        "sh did not finish within 0.3 s; its process group was killed"
    );
}

#[test]
fn the_recorded_runner_replays_files_by_command_line() {
    assert_eq!(
        recording_name("fwupdmgr", &["get-devices", "--json"]),
        "fwupdmgr_get-devices_--json"
    );
    assert_eq!(recording_name("ipmitool", &["mc info"]), "ipmitool_mc_info");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("eglinfo_-B.stdout"), "renderer\n").unwrap();
    std::fs::write(d.join("tool_fail.stdout"), "").unwrap();
    std::fs::write(d.join("tool_fail.stderr"), "broken\n").unwrap();
    std::fs::write(d.join("tool_fail.status"), "2\n").unwrap();
    std::fs::write(d.join("tool_hang.status"), "timeout\n").unwrap();
    std::fs::write(d.join("tool_bad.stdout"), "").unwrap();
    std::fs::write(d.join("tool_bad.status"), "zero").unwrap();
    let r = RecordedRunner::new(d);
    let t = Duration::from_secs(30);

    let out = r.run("eglinfo", &["-B"], t).unwrap();
    assert!(out.success());
    assert_eq!(out.stdout_text(), "renderer\n");
    let out = r.run("tool", &["fail"], t).unwrap();
    assert_eq!(
        (out.status, out.stderr_text().as_str()),
        (Some(2), "broken\n")
    );
    assert_eq!(
        r.run("tool", &["hang"], t).unwrap_err().to_string(),
        "tool did not finish within 30 s; its process group was killed"
    );
    assert!(matches!(
        r.run("eglinfo", &[], t),
        Err(RunError::NotFound { .. })
    ));
    assert_eq!(
        r.run("tool", &["bad"], t).unwrap_err().to_string(),
        "cannot run tool: the recording tool_bad.status holds \"zero\", not a status"
    );
}
