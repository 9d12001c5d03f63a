//! `mxcert run` through the real binary: the quick plan end to end on this machine, every
//! outcome in one snapshotted report, timeouts that kill a hung check's process group, Ctrl-C
//! and `kill -9` followed by `--resume`, a check (and what it started) dying with a killed
//! runner, `--resume` stopping a check that survived, journal recovery, manual answers on
//! standard input, a real peer for network throughput, and the usage errors.

mod common;

use common::mxcert;
use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use mxcert_core::report::{Report, Status, Verdict};
use mxcert_core::schema::Validator;
use serde_json::Value;

fn plan(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plans")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn run(cmd: &mut Command) -> Output {
    cmd.stdin(Stdio::null()).output().expect("run mxcert")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn read_report(path: &Path) -> (Report, Value) {
    let bytes = std::fs::read(path).unwrap();
    let report = Report::from_json(&bytes).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();
    Validator::new("report.v1.schema.json")
        .unwrap()
        .validate(&value)
        .unwrap();
    (report, value)
}

fn result<'a>(r: &'a Report, id: &str) -> &'a mxcert_core::report::TestResult {
    r.results
        .iter()
        .find(|x| x.id == id)
        .unwrap_or_else(|| panic!("no result {id}"))
}

/// Runs only `tool-passes` of the outcomes plan (the other blockers are deselected, so exit 1).
fn run_one_passing_test(state: &Path, session: &Path) -> Output {
    run(mxcert(state)
        .args(["run", "--plan", &plan("outcomes.toml"), "--non-interactive"])
        .args(["--only", "tool-passes", "--session"])
        .arg(session))
}

/// Journal lines of one kind for one test.
fn journal_count(session: &Path, event: &str, test: &str) -> usize {
    std::fs::read_to_string(session.join("journal.jsonl"))
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == event)
        .filter(|v| v["test"] == test || v["result"]["id"] == test)
        .count()
}

/// `mxcert run --resume` of `session`, which must succeed; its standard error.
fn resume_successfully(state: &Path, session: &Path) -> String {
    let out = run(mxcert(state)
        .args(["run", "--resume", "--non-interactive"])
        .arg("--session")
        .arg(session));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    stderr
}

fn results_in_journal(session: &Path) -> usize {
    std::fs::read_to_string(session.join("journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter(|l| l.starts_with("{\"event\":\"result\""))
        .count()
}

fn wait_for_results(session: &Path, n: usize, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while results_in_journal(session) < n {
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(Instant::now() < deadline, "no {n} results in time");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Whether any process's command line contains `needle`.
fn running(needle: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
        std::fs::read(e.path().join("cmdline"))
            .map(|c| {
                String::from_utf8_lossy(&c)
                    .replace('\0', " ")
                    .contains(needle)
            })
            .unwrap_or(false)
    })
}

#[test]
fn the_quick_plan_runs_here_and_its_report_validates() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let junit = t.path().join("junit.xml");
    let out = run(mxcert(t.path())
        .args(["run", "--plan", "quick", "--non-interactive", "--out", "-"])
        .arg("--session")
        .arg(&session)
        .arg("--junit")
        .arg(&junit));
    let stderr = text(&out.stderr);
    // The report on standard output is the one in the session.
    assert_eq!(
        out.stdout,
        std::fs::read(session.join("report.json")).unwrap()
    );
    let (report, _) = read_report(&session.join("report.json"));
    assert_eq!(report.plan.id, "quick");
    let shipped = mxcert_core::plan::resolve_shipped("quick").unwrap();
    assert_eq!(report.plan.sha256, shipped.sha256());
    assert_eq!(report.results.len(), shipped.tests.len());
    let ids: Vec<&str> = report.results.iter().map(|r| r.id.as_str()).collect();
    let want: Vec<&str> = shipped.tests.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, want, "results in plan order");
    let rw = result(&report, "storage-rw");
    assert_eq!(rw.status, Status::Pass, "{rw:?}");
    assert!(rw
        .measurements
        .iter()
        .any(|m| m.name == "write_throughput" && m.value > 0.0));
    assert!(stderr.contains("Plan quick 1.0.0"), "{stderr}");
    // quick must pass its blockers here (the end-to-end test gets it certified).
    assert_eq!(report.summary.verdict, Verdict::Certifiable, "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("Verdict: CERTIFIABLE"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<testcase name=\"storage-rw\" classname=\"quick.storage.rw-verify\""),
        "{xml}"
    );
    assert!(xml.contains("<property name=\"verdict\" value=\"certifiable\"/>"));
    // The scratch directory is gone; nothing else was left in the session.
    let mut left: Vec<String> = std::fs::read_dir(&session)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["journal.jsonl", "lock", "report.json", "session.json"]
    );
}

#[test]
fn every_outcome_lands_in_the_report_and_failed_blockers_are_named() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let out = run(mxcert(t.path())
        .args([
            "run",
            "--plan",
            &plan("outcomes.toml"),
            "--non-interactive",
            "--skip",
            "deselected",
        ])
        .arg("--session")
        .arg(&session));
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "not certifiable exits 1: {stderr}"
    );
    assert!(stderr.contains("Verdict: NOT CERTIFIABLE; failed blockers:\n  - look-at-screen (skip): skipped: manual\n  - deselected (skip): skipped: deselected with --skip"), "{stderr}");
    // One plain line per finished test when not on a terminal.
    assert!(stderr.contains("[3/6] timeout tool-hangs"), "{stderr}");

    let (report, mut value) = read_report(&session.join("report.json"));
    assert!(
        !result(&report, "camera-only").blocker,
        "not applicable is not a blocker"
    );
    // The inventory is this machine's (checked by the probe's tests); the rest is the snapshot.
    assert!(report.os.kernel.is_some());
    for key in ["machine_id", "system", "os", "hardware", "devices", "probe"] {
        value.as_object_mut().unwrap().remove(key);
    }
    // So are the attachments and the samples (what this machine logged and measured; see
    // tests/samples.rs).
    for key in ["attachments", "attachment_notes"] {
        value.as_object_mut().unwrap().remove(key);
    }
    for r in value["results"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("samples");
    }
    insta::assert_json_snapshot!("outcomes_report", value, {
        ".report_id" => "[report_id]",
        ".created_at" => "[time]",
        ".tool.version" => "[version]",
        ".results[].started_at" => "[time]",
        ".results[].duration_ms" => "[ms]",
        ".results[].measurements[].value" => "[value]",
    });
}

#[test]
fn a_hung_check_is_killed_with_its_process_group_and_the_run_goes_on() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let started = Instant::now();
    let out = run(mxcert(t.path())
        .args(["run", "--plan", &plan("hang.toml"), "--non-interactive"])
        .arg("--session")
        .arg(&session));
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let (report, _) = read_report(&session.join("report.json"));
    let hung = result(&report, "hangs");
    assert_eq!(hung.status, Status::Timeout);
    assert_eq!(
        hung.message.as_deref(),
        Some("did not finish within its 1 s timeout; its process group was killed")
    );
    assert!(
        hung.duration_ms >= 1000 && hung.duration_ms < 5000,
        "{}",
        hung.duration_ms
    );
    let after = result(&report, "after");
    assert_eq!(after.status, Status::Pass);
    assert_eq!(report.summary.failed_blockers, ["hangs"]);
    assert!(
        !running("sleep 40.1234"),
        "the hung check's background child survived"
    );
    assert!(!running("sleep 41.4321"), "the hung check's child survived");
}

#[test]
fn a_run_killed_with_sigkill_resumes_and_runs_every_test_exactly_once() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let out_file = t.path().join("report.json");
    let mut child = mxcert(t.path())
        .args(["run", "--plan", &plan("steps.toml"), "--non-interactive"])
        .arg("--session")
        .arg(&session)
        .arg("--out")
        .arg(&out_file)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_results(&session, 2, &mut child);
    child.kill().unwrap();
    child.wait().unwrap();
    let finished_before = results_in_journal(&session);
    assert!((2..6).contains(&finished_before), "{finished_before}");
    let info: Value =
        serde_json::from_slice(&std::fs::read(session.join("session.json")).unwrap()).unwrap();
    assert!(!session.join("report.json").exists());

    // The next write after the crash was torn: a partial line at the end.
    let mut j = std::fs::OpenOptions::new()
        .append(true)
        .open(session.join("journal.jsonl"))
        .unwrap();
    j.write_all(b"{\"event\":\"result\",\"result\":{\"id\":\"step-")
        .unwrap();
    drop(j);

    let stderr = resume_successfully(t.path(), &session);
    assert!(
        stderr.contains(&format!("resuming after {finished_before} finished")),
        "{stderr}"
    );
    assert!(stderr.contains("bytes of a torn last write"), "{stderr}");

    // --out given at the start is honoured by the resumed run.
    let (report, _) = read_report(&out_file);
    assert_eq!(
        report.report_id.to_string(),
        info["report_id"].as_str().unwrap()
    );
    assert_eq!(
        report
            .created_at
            .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
        info["created_at"].as_str().unwrap()
    );
    let ids: Vec<&str> = report.results.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        ["step-1", "step-2", "step-3", "step-4", "step-5", "step-6"]
    );
    for i in 1..=6 {
        let id = format!("step-{i}");
        assert_eq!(journal_count(&session, "result", &id), 1, "{id}");
        assert_eq!(
            result(&report, &id)
                .evidence
                .iter()
                .find(|e| e.label == "stdout")
                .unwrap()
                .text,
            format!("step {i}\n")
        );
        if i <= finished_before {
            // Finished before the kill: started once, never again.
            assert_eq!(journal_count(&session, "start", &id), 1, "{id}");
        }
    }
    assert_eq!(report.summary.verdict, Verdict::Certifiable);

    // Resuming a finished session only writes the same report again.
    let before = std::fs::read(session.join("report.json")).unwrap();
    let out = run(mxcert(t.path())
        .args(["run", "--resume", "--non-interactive"])
        .arg("--session")
        .arg(&session));
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(std::fs::read(session.join("report.json")).unwrap(), before);
}

#[test]
fn ctrl_c_stops_resumably_and_resume_without_session_finds_it() {
    let t = tempfile::tempdir().unwrap();
    let child = mxcert(t.path())
        .args(["run", "--plan", &plan("steps.toml"), "--non-interactive"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let sessions = t.path().join("mxcert/sessions");
    let deadline = Instant::now() + Duration::from_secs(30);
    let session = loop {
        if let Some(dir) = std::fs::read_dir(&sessions)
            .ok()
            .and_then(|mut d| d.next())
            .map(|e| e.unwrap().path())
        {
            if results_in_journal(&dir) >= 1 {
                break dir;
            }
        }
        assert!(Instant::now() < deadline);
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(session
        .file_name()
        .unwrap()
        .to_string_lossy()
        .starts_with("steps-"));
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGINT,
    )
    .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("mxcert run --resume --session"), "{stderr}");
    assert!(!session.join("report.json").exists());

    let out = run(mxcert(t.path()).args(["run", "--resume", "--non-interactive"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (report, _) = read_report(&session.join("report.json"));
    assert_eq!(report.results.len(), 6);
    for r in &report.results {
        assert_eq!(journal_count(&session, "result", &r.id), 1);
    }
}

#[test]
fn a_journal_corrupted_before_its_last_line_is_refused_naming_the_line() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let out = run_one_passing_test(t.path(), &session);
    assert_eq!(
        out.status.code(),
        Some(1),
        "--only leaves blockers unrun: {}",
        text(&out.stderr)
    );
    let journal = session.join("journal.jsonl");
    let text_before = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<&str> = text_before.lines().collect();
    lines.insert(2, "{\"event\":\"res");
    std::fs::write(&journal, lines.join("\n") + "\n").unwrap();
    std::fs::remove_file(session.join("report.json")).unwrap();
    let out = run(mxcert(t.path())
        .args(["run", "--resume"])
        .arg("--session")
        .arg(&session));
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("journal.jsonl is corrupt at line 3"),
        "{stderr}"
    );
    assert!(stderr.contains("not a torn last write"), "{stderr}");

    // A session file that is not one (or whose plan was edited) is refused the same way.
    let info = session.join("session.json");
    let original = std::fs::read_to_string(&info).unwrap();
    for (bytes, want) in [
        (
            "{\"schema_version\": 1".to_owned(),
            "is not a valid session file: invalid document",
        ),
        (
            original.replace("\"echo all good\"", "\"echo all bad\""),
            "the plan in it does not match its recorded digest",
        ),
    ] {
        std::fs::write(&info, bytes).unwrap();
        let out = run(mxcert(t.path())
            .args(["run", "--resume"])
            .arg("--session")
            .arg(&session));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{stderr}");
        assert!(stderr.contains(want), "{stderr}");
    }
}

#[test]
fn manual_answers_come_from_standard_input() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let mut child = mxcert(t.path())
        .args([
            "run",
            "--plan",
            &plan("outcomes.toml"),
            "--only",
            "look-at-screen",
        ])
        .arg("--session")
        .arg(&session)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A failed blocker without a comment is refused, then answered properly.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"f\n\nf\nthe left half is dark\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("Does it look right?"), "{stderr}");
    assert!(
        stderr.contains("! a failed blocker needs a comment saying what went wrong"),
        "{stderr}"
    );
    let (report, _) = read_report(&session.join("report.json"));
    let r = result(&report, "look-at-screen");
    assert_eq!(r.status, Status::Fail);
    assert_eq!(r.comment.as_deref(), Some("the left half is dark"));
    assert!(
        stderr.contains(
            "  - look-at-screen (fail): the tester reported a failure: the left half is dark"
        ),
        "{stderr}"
    );
}

#[test]
fn manual_questions_stop_resumably_when_input_ends() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let out = run(mxcert(t.path())
        .args([
            "run",
            "--plan",
            &plan("outcomes.toml"),
            "--only",
            "look-at-screen",
        ])
        .arg("--session")
        .arg(&session));
    assert_eq!(out.status.code(), Some(130), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("standard input ended (use --non-interactive"));
    let out = run(mxcert(t.path())
        .args(["run", "--resume", "--non-interactive"])
        .arg("--session")
        .arg(&session));
    assert_eq!(out.status.code(), Some(1));
    let (report, _) = read_report(&session.join("report.json"));
    assert_eq!(
        result(&report, "look-at-screen").message.as_deref(),
        Some("manual")
    );
}

#[test]
fn network_throughput_against_the_real_peer_command() {
    let t = tempfile::tempdir().unwrap();
    let mut peer = mxcert(t.path())
        .args(["peer", "--listen", "127.0.0.1:0"])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(peer.stderr.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split_whitespace()
        .nth(4)
        .unwrap()
        .trim_end_matches(';')
        .to_owned();
    assert!(addr.starts_with("127.0.0.1:"), "{line}");
    let session = t.path().join("s");
    let out = run(mxcert(t.path())
        .args([
            "run",
            "--plan",
            &plan("throughput.toml"),
            "--non-interactive",
            "--peer",
            &addr,
        ])
        .arg("--session")
        .arg(&session));
    let _ = peer.kill();
    let _ = peer.wait();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (report, _) = read_report(&session.join("report.json"));
    let r = result(&report, "network-throughput");
    assert!(
        r.measurements
            .iter()
            .any(|m| m.name == "download_throughput" && m.value > 1.0),
        "{r:?}"
    );

    // Without --peer the test is skipped, and a skipped blocker is not certifiable.
    let out = run(mxcert(t.path())
        .args([
            "run",
            "--plan",
            &plan("throughput.toml"),
            "--non-interactive",
        ])
        .arg("--session")
        .arg(t.path().join("s2")));
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn usage_errors_exit_2_with_the_reason() {
    let t = tempfile::tempdir().unwrap();
    for (args, want) in [
        (
            vec!["run", "--plan", "quik"],
            "no shipped plan is named \"quik\"",
        ),
        (
            vec!["run", "--plan", "quick", "--only", "storage-rw,bogus"],
            "unknown test id bogus in --only (plan quick has: devices-drivers,",
        ),
        (
            vec!["run", "--plan", "peripheral"],
            "plan peripheral certifies one device: choose it with --device IDENTITY",
        ),
        (
            vec!["run", "--plan", "quick", "--device", "usb:046d:c52b"],
            "--device is only for device plans",
        ),
        (
            vec!["run", "--resume", "--plan", "quick"],
            "--plan, --only, --skip, --device, --declare, --manifest and --root are fixed when a session starts",
        ),
        (vec!["run"], "--plan"),
        (vec!["run", "--resume"], "no unfinished session to resume"),
    ] {
        let out = run(mxcert(t.path()).args(&args));
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(want), "{args:?}: {stderr}");
    }
    let empty = t.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let out = run(mxcert(t.path())
        .args(["run", "--resume", "--session"])
        .arg(&empty));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("holds no session to resume"));

    let session = t.path().join("s");
    let out = run_one_passing_test(t.path(), &session);
    assert_eq!(out.status.code(), Some(1));
    let out = run(mxcert(t.path())
        .args(["run", "--plan", "quick", "--session"])
        .arg(&session));
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("already holds a session; continue it with --resume"));

    let out = run(mxcert(t.path()).args(["run", "--plan", &plan("bad.toml")]));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stderr).contains("bad.toml:9: unknown check kind \"cpu.stres\""),
        "{}",
        text(&out.stderr)
    );
}

/// Runs `mxcert ARGS` on a pseudo-terminal (util-linux `script`), feeding `input`.
fn on_terminal(state: &Path, args: &str, input: &[u8]) -> Option<(Option<i32>, String)> {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("skipped: util-linux `script` is not installed, so no pseudo-terminal");
        return None;
    }
    let line = format!("{} {args}", env!("CARGO_BIN_EXE_mxcert"));
    let mut child = Command::new("script")
        .args(["-qefc", &line, "/dev/null"])
        .env("XDG_STATE_HOME", state)
        .env("LANG", "C")
        .env("TERM", "xterm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    Some((out.status.code(), text(&out.stdout)))
}

#[test]
fn on_a_terminal_there_is_a_progress_bar_a_spinner_and_prompts() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    let args = format!(
        "run --plan {} --non-interactive --session {}",
        plan("steps.toml"),
        session.display()
    );
    let Some((code, screen)) = on_terminal(t.path(), &args, b"") else {
        return;
    };
    assert_eq!(code, Some(0), "{screen}");
    assert!(
        screen.contains("0/6 tests [") && screen.contains("ETA"),
        "no progress bar: {screen}"
    );
    assert!(
        screen.contains("step-3 — Step 3"),
        "no spinner line for the running test: {screen}"
    );
    assert!(screen.contains("[6/6] pass    step-6"), "{screen}");
    assert!(screen.contains("Verdict: CERTIFIABLE"));

    let session = t.path().join("s2");
    let args = format!(
        "run --plan {} --only look-at-screen --session {}",
        plan("outcomes.toml"),
        session.display()
    );
    let Some((code, screen)) = on_terminal(t.path(), &args, b"p\nsharp and bright\n") else {
        return;
    };
    assert_eq!(code, Some(1), "other blockers were deselected: {screen}");
    assert!(
        screen.contains("Result? [p]ass, [f]ail, [s]kip:"),
        "{screen}"
    );
    let (report, _) = read_report(&session.join("report.json"));
    let r = result(&report, "look-at-screen");
    assert_eq!(r.status, Status::Pass);
    assert_eq!(r.comment.as_deref(), Some("sharp and bright"));
}

/// The start time (`/proc/PID/stat` field 22) of a live process.
fn start_time(pid: u32) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let stat = mxcert_core::procfs::pid_stat(&text)?;
    (!stat.ended()).then_some(stat.start_time)
}

/// Polls `path` until it holds a pid.
fn pid_in(path: &Path, child: &mut Child) -> u32 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(pid) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| t.trim().parse().ok())
        {
            return pid;
        }
        assert!(child.try_wait().unwrap().is_none(), "the run ended early");
        assert!(Instant::now() < deadline, "no pid in {}", path.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `process` of the last `start` line of the journal.
fn last_started_process(session: &Path) -> Value {
    let journal = std::fs::read_to_string(session.join("journal.jsonl")).unwrap();
    let line = journal
        .lines()
        .rev()
        .find(|l| l.contains("\"event\":\"start\""))
        .unwrap();
    serde_json::from_str::<Value>(line).unwrap()["process"].clone()
}

/// Starts the survive plan and SIGKILLs the runner while its check, the check's program and
/// that program's child run; asserts that all three are gone within a generous bound.
fn kill_the_runner_during_a_long_check(dir: &Path, session: &Path) {
    let mut runner = mxcert(dir)
        .args(["run", "--plan", &plan("survive.toml"), "--non-interactive"])
        .arg("--session")
        .arg(session)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let program = pid_in(&dir.join("sh.pid"), &mut runner);
    let grandchild = pid_in(&dir.join("bg.pid"), &mut runner);
    // The journal names the check process before the check starts.
    let process = last_started_process(session);
    let check = u32::try_from(process["pid"].as_u64().unwrap()).unwrap();
    assert_eq!(process["pgid"], process["pid"], "{process}");
    assert_eq!(
        Some(process["start_time"].as_u64().unwrap()),
        start_time(check)
    );
    let watched: Vec<(u32, u64)> = [check, program, grandchild]
        .into_iter()
        .map(|pid| (pid, start_time(pid).expect("running before the kill")))
        .collect();
    runner.kill().unwrap();
    runner.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: Vec<u32> = watched
            .iter()
            .filter(|&&(pid, t)| start_time(pid) == Some(t))
            .map(|&(pid, _)| pid)
            .collect();
        if left.is_empty() {
            break;
        }
        if Instant::now() >= deadline {
            // Leave nothing behind, then fail.
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(i32::try_from(check).unwrap()),
                nix::sys::signal::Signal::SIGKILL,
            );
            panic!("still running 20 s after the runner was killed: {left:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_check_and_its_children_die_with_a_killed_runner() {
    let t = tempfile::tempdir().unwrap();
    kill_the_runner_during_a_long_check(t.path(), &t.path().join("s"));
}

#[test]
fn resume_stops_a_surviving_check_before_running_its_test_again() {
    let t = tempfile::tempdir().unwrap();
    let session = t.path().join("s");
    kill_the_runner_during_a_long_check(t.path(), &session);
    // A check that did survive (one started by an older mxcert, say): a process group of its own
    // that says when it is stopped, recorded in the journal as the check of `long`.
    let mut survivor = Command::new("sh")
        .args([
            "-c",
            "trap 'echo stopped >> log; exit 0' TERM; echo > ready; while :; do sleep 0.05; done",
        ])
        .current_dir(t.path())
        .process_group(0)
        .spawn()
        .unwrap();
    while !t.path().join("ready").exists() {
        assert!(survivor.try_wait().unwrap().is_none());
        std::thread::sleep(Duration::from_millis(20));
    }
    let journal = std::fs::read_to_string(session.join("journal.jsonl")).unwrap();
    let mut lines: Vec<&str> = journal.lines().collect();
    let mut start: Value = serde_json::from_str(lines.pop().unwrap()).unwrap();
    assert_eq!(start["event"], "start");
    start["process"] = serde_json::json!({
        "pid": survivor.id(),
        "pgid": survivor.id(),
        "start_time": start_time(survivor.id()).unwrap(),
    });
    let start = start.to_string();
    lines.push(&start);
    std::fs::write(session.join("journal.jsonl"), lines.join("\n") + "\n").unwrap();
    std::fs::write(t.path().join("go"), "").unwrap();

    let stderr = resume_successfully(t.path(), &session);
    assert!(
        stderr.contains(&format!(
            "long is still running from the stopped session (process {}); stopping it before running it again",
            survivor.id()
        )),
        "{stderr}"
    );
    // Stopped (SIGTERM, which it answered), and only then run again.
    assert_eq!(
        survivor.try_wait().unwrap().map(|s| s.code()),
        Some(Some(0))
    );
    assert_eq!(
        std::fs::read_to_string(t.path().join("log")).unwrap(),
        "stopped\nrerun\n"
    );
    let (report, _) = read_report(&session.join("report.json"));
    assert_eq!(result(&report, "long").status, Status::Pass);
}
