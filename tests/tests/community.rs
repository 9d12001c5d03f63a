//! `mxcert share` end to end (issue 18): the real `mxcert` binary probes this machine, asks its
//! questions on standard input (answered by the test, as a person would), shows what it will
//! send and sends it to a real `mxcert-registry` on a real SQLite file only after "yes"; the
//! counts move on `mxcert check`; sharing again from the same machine replaces (the counts do
//! not double); `--delete` with the token removes it; a reviewer hides a report; and the exit
//! codes of refusals.

use std::io::Write as _;
use std::process::Stdio;

use mxcert_core::inventory::Inventory;
use mxcert_tests::{admin, http, mxcert, run, run_ok, sqlite_url, Registry};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Runs `mxcert share` with `answers` on standard input; returns (exit code, stdout, stderr).
fn share_interactive(url: &str, from: &std::path::Path, answers: &str) -> (i32, String, String) {
    let mut child = mxcert()
        .args(["share", "--registry", url, "--from"])
        .arg(from)
        .env("LANG", "es_MX.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(answers.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The community counts `mxcert check --from PROBE` shows for `identity` (works, problems).
fn counts(url: &str, probe: &std::path::Path, base: &str) -> (i64, i64) {
    let answer = json(&run_ok(mxcert().args([
        "check",
        "--registry",
        url,
        "--format",
        "json",
        "--from",
        probe.to_str().unwrap(),
    ])));
    let d = answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["base_identity"] == base)
        .unwrap_or_else(|| panic!("{base} not in {answer}"));
    (
        d["community"]["works"].as_i64().unwrap(),
        d["community"]["problems"].as_i64().unwrap(),
    )
}

#[test]
fn mxcert_share_asks_shows_sends_replaces_and_deletes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(d, "registry.db");
    let foundation = admin(&db, &["admin", "create-org", "--name", "Fundación MxOS"]);
    let reviewer = admin(
        &db,
        &[
            "admin",
            "create-token",
            "--org",
            &foundation,
            "--role",
            "reviewer",
        ],
    );
    let registry = Registry::start(&db);
    let url = registry.url.clone();

    // This machine's real probe; its first device is what we follow.
    let probe = d.join("equipo.json");
    run_ok(mxcert().args([
        "probe",
        "--format",
        "json",
        "--out",
        probe.to_str().unwrap(),
    ]));
    let inventory = Inventory::from_json(&std::fs::read(&probe).unwrap()).unwrap();
    assert!(inventory.machine_id.is_some(), "the probe has a machine id");
    let device = inventory
        .devices
        .iter()
        .find_map(|dev| mxcert_core::identity::Identity::parse(&dev.id).ok())
        .expect("a device with an identity")
        .base()
        .to_string();
    assert_eq!(counts(&url, &probe, &device), (0, 0));

    // Saying no sends nothing.
    let (code, stdout, stderr) = share_interactive(&url, &probe, "s\n\nn\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("Esto es exactamente lo que se enviará"),
        "{stderr}"
    );
    assert!(stderr.contains("No se envió nada."), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(counts(&url, &probe, &device), (0, 0));

    // Yes: everything works, with a comment.
    let (code, stdout, stderr) = share_interactive(&url, &probe, "s\nTodo bien con MxOS 1.0\ns\n");
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(&format!("{url}/comunidad/")), "{stdout}");
    assert!(stdout.contains("mxd_"), "{stdout}");
    assert_eq!(counts(&url, &probe, &device), (1, 0));

    // Again from the same machine, now in a script: it replaces, the count does not double.
    let out = run_ok(mxcert().args([
        "share",
        "--registry",
        &url,
        "--from",
        probe.to_str().unwrap(),
        "--non-interactive",
        "--works",
        "all",
        "--fails",
        &device,
    ]));
    let mut lines = out.lines();
    let report_url = lines.next().unwrap().to_owned();
    let token = lines.next().unwrap().to_owned();
    assert_eq!(counts(&url, &probe, &device), (0, 1));
    let (status, page) = http("GET", &report_url, None, None);
    assert_eq!(status, 200, "{page}");

    // Personal data in the comment: refused by the registry with its reason, exit 4.
    let refused = run(mxcert().args([
        "share",
        "--registry",
        &url,
        "--from",
        probe.to_str().unwrap(),
        "--non-interactive",
        "--works",
        "all",
        "--comment",
        "escríbanme a ana@example.mx",
    ]));
    assert_eq!(refused.status.code(), Some(2), "checked before sending");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("e-mail"));
    // Flags that make no sense: exit 2; an unreadable probe: exit 3.
    let usage = run(mxcert().args(["share", "--registry", &url, "--non-interactive"]));
    assert_eq!(usage.status.code(), Some(2));
    let garbage = d.join("garbage.json");
    std::fs::write(&garbage, b"{\"not\": \"a probe\"}").unwrap();
    let bad = run(mxcert().args([
        "share",
        "--registry",
        &url,
        "--from",
        garbage.to_str().unwrap(),
        "--non-interactive",
        "--works",
        "all",
    ]));
    assert_eq!(bad.status.code(), Some(3), "{bad:?}");

    // A wrong token cannot delete (exit 4); the right one does, and the counts drop.
    let id = report_url.rsplit('/').next().unwrap();
    let wrong = run(mxcert().args([
        "share",
        "--registry",
        &url,
        "--delete",
        id,
        "--deletion-token",
        "mxd_0000",
    ]));
    assert_eq!(wrong.status.code(), Some(4));
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("does not match"));
    run_ok(mxcert().args([
        "share",
        "--registry",
        &url,
        "--delete",
        id,
        "--deletion-token",
        &token,
    ]));
    assert_eq!(counts(&url, &probe, &device), (0, 0));

    // A reviewer hides a report: it stops counting.
    let again = run_ok(mxcert().args([
        "share",
        "--registry",
        &url,
        "--from",
        probe.to_str().unwrap(),
        "--non-interactive",
        "--works",
        "all",
    ]));
    assert_eq!(counts(&url, &probe, &device), (1, 0));
    let id = again.lines().next().unwrap().rsplit('/').next().unwrap();
    let (status, body) = http(
        "POST",
        &format!("{url}/api/v1/community/reports/{id}/hide"),
        Some(&reviewer),
        Some(("application/json", br#"{"reason":"prueba"}"#)),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(counts(&url, &probe, &device), (0, 0));
    drop(registry);
}
