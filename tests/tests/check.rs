//! `mxcert check` end to end: the real `mxcert` binary probes this machine and asks a real
//! `mxcert-registry` (on a real SQLite file) whether its devices work, before and after a report of
//! this machine is certified; Spanish or English by the locale; `--from` files; and the exit codes
//! when the registry is unreachable or the file unreadable.

use std::path::Path;

use chrono::Utc;
use mxcert_core::inventory::Inventory;
use mxcert_core::report::{Report, Status, TestResult};
use mxcert_tests::{admin, http, mxcert, repo_root, run, run_ok, sqlite_url, Registry};
use serde_json::Value;

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A report of the shipped quick plan over `inventory`, every test passed.
fn passing_report(inventory: &Inventory) -> Report {
    let plan = mxcert_core::plan::resolve_shipped("quick").unwrap();
    let results = plan
        .tests
        .iter()
        .map(|t| TestResult {
            id: t.id.clone(),
            check: t.check.as_str().into(),
            device: None,
            phase: None,
            blocker: t.blocker,
            status: Status::Pass,
            started_at: None,
            duration_ms: 5,
            message: None,
            evidence: vec![],
            measurements: vec![],
            comment: None,
            samples: None,
        })
        .collect();
    Report::new(
        uuid::Uuid::now_v7(),
        Utc::now(),
        inventory.tool.clone(),
        inventory.clone(),
        plan.reference(),
        results,
    )
}

fn statuses(answer: &Value) -> Vec<String> {
    answer["devices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["status"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn mxcert_check_asks_the_registry_about_this_machine() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(d, "registry.db");
    let vendor_org = admin(&db, &["admin", "create-org", "--name", "Cómputo Acme"]);
    let foundation = admin(&db, &["admin", "create-org", "--name", "Fundación MxOS"]);
    let vendor = admin(
        &db,
        &[
            "admin",
            "create-token",
            "--org",
            &vendor_org,
            "--role",
            "vendor",
        ],
    );
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

    // Nothing is known yet: every device is unknown, and the command still succeeds.
    let before = json(&run_ok(mxcert().args([
        "check",
        "--registry",
        &url,
        "--format",
        "json",
    ])));
    let n = before["summary"]["devices"].as_u64().unwrap();
    assert!(n > 0, "{before}");
    assert_eq!(before["summary"]["unknown"].as_u64(), Some(n));
    assert_eq!(before["format"], "inventory");

    // A vendor certifies this machine.
    let keys = d.join("keys");
    run_ok(mxcert().args(["keygen", "--out-dir", p(&keys)]));
    run_ok(
        mxcert()
            .args(["keys", "register", p(&keys.join("mxcert.pub"))])
            .env("MXCERT_REGISTRY", &url)
            .env("MXCERT_TOKEN", &vendor),
    );
    let inventory_path = d.join("inventory.json");
    run_ok(mxcert().args(["probe", "--format", "json", "--out", p(&inventory_path)]));
    let inventory = Inventory::from_json(&std::fs::read(&inventory_path).unwrap()).unwrap();
    let report_path = d.join("report.json");
    std::fs::write(&report_path, passing_report(&inventory).to_json_pretty()).unwrap();
    let envelope = d.join("report.dsse.json");
    run_ok(mxcert().args([
        "sign",
        "--key",
        p(&keys.join("mxcert.key")),
        p(&report_path),
        "--out",
        p(&envelope),
    ]));
    let submitted = json(&run_ok(
        mxcert()
            .args(["submit", p(&envelope), "--format", "json"])
            .env("MXCERT_REGISTRY", &url)
            .env("MXCERT_TOKEN", &vendor),
    ));
    let id = submitted["id"].as_str().unwrap();
    let (status, body) = http(
        "POST",
        &format!("{url}/api/v1/submissions/{id}/approve"),
        Some(&reviewer),
        Some(("application/json", b"{}")),
    );
    assert_eq!(status, 200, "{body}");

    // Now every device of this machine is certified.
    let after = json(&run_ok(
        mxcert()
            .args(["check", "--format", "json"])
            .env("MXCERT_REGISTRY", &url),
    ));
    assert_eq!(after["summary"]["devices"].as_u64(), Some(n));
    assert!(statuses(&after).iter().all(|s| s == "certified"), "{after}");

    // The table speaks the user's language.
    let es = run_ok(
        mxcert()
            .args(["check", "--registry", &url])
            .env("LANG", "es_MX.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_MESSAGES"),
    );
    assert!(es.contains("ESTADO") && es.contains("certificado"), "{es}");
    let en = run_ok(
        mxcert()
            .args(["check", "--registry", &url])
            .env("LANG", "es_MX.UTF-8")
            .env("LC_ALL", "C"),
    );
    assert!(en.contains("STATUS") && en.contains("certified"), "{en}");
    for device in inventory.devices.iter().take(3) {
        assert!(en.contains(&device.id), "{} not in\n{en}", device.id);
    }

    // A file instead of this machine: the recorded probe, and lspci -nn text.
    let saved = json(&run_ok(mxcert().args([
        "check",
        "--registry",
        &url,
        "--format",
        "json",
        "--from",
        p(&inventory_path),
    ])));
    assert_eq!(statuses(&saved), statuses(&after));
    let lspci =
        repo_root().join("registry-server/tests/fixtures/check/firecracker-vm.lspci-nn.txt");
    let text = json(&run_ok(mxcert().args([
        "check",
        "--registry",
        &url,
        "--format",
        "json",
        "--from",
        p(&lspci),
    ])));
    assert_eq!(text["format"], "lspci");
    assert_eq!(text["summary"]["devices"], 6);

    // Exit codes: 3 for an unreadable file, 4 for a registry that refuses or is not there.
    let out = run(mxcert().args(["check", "--registry", &url, "--from", p(&d.join("missing"))]));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let garbage = d.join("garbage.txt");
    std::fs::write(&garbage, "hello\nworld\n").unwrap();
    let out = run(mxcert().args(["check", "--registry", &url, "--from", p(&garbage)]));
    assert_eq!(out.status.code(), Some(4));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid_input"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    offline_answers_equal_online(d, &registry, &[p(&inventory_path), p(&lspci)]);
    drop(registry);
    let out = run(mxcert().args(["check", "--registry", &url]));
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Without --registry the configured one is asked (here the test helper's closed port; with
    // nothing configured it would be the Foundation's, which tests never contact).
    let out = run(mxcert().args(["check"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");
    assert!(err.contains("http://127.0.0.1:9/api/v1/check"), "{err}");
}

/// `mxcert snapshot update`, then `mxcert check --offline` (this machine and each `--from`
/// file) answers exactly what the registry answers; an exported snapshot likewise; and refusals:
/// an older version than seen, a damaged file, a truncated manifest.
fn offline_answers_equal_online(d: &Path, registry: &Registry, files: &[&str]) {
    let url = &registry.url;
    let (data_home, state_home) = (d.join("xdg-data"), d.join("xdg-state"));
    let with_xdg = |mut cmd: std::process::Command| {
        cmd.env("XDG_DATA_HOME", &data_home)
            .env("XDG_STATE_HOME", &state_home);
        cmd
    };
    let updated = run_ok(with_xdg(mxcert()).args(["snapshot", "update", "--registry", url]));
    assert!(updated.starts_with("snapshot version "), "{updated}");
    let mut inputs: Vec<Vec<&str>> = vec![vec![]];
    inputs.extend(files.iter().map(|f| vec!["--from", *f]));
    for from in &inputs {
        let online = json(&run_ok(
            mxcert()
                .args(["check", "--registry", url, "--format", "json"])
                .args(from),
        ));
        let offline = json(&run_ok(
            with_xdg(mxcert())
                .args(["check", "--offline", "--format", "json"])
                .args(from),
        ));
        assert_eq!(offline, online, "{from:?}");
    }
    // The table too, without a registry.
    let table = run_ok(
        with_xdg(mxcert())
            .args(["check", "--offline"])
            .env("LC_ALL", "C"),
    );
    assert!(table.contains("certified"), "{table}");

    // An exported snapshot with the registry's key, newer than the one saved.
    let exported = d.join("exported");
    let manifest = registry.admin(&["admin", "snapshot", "export", "--out-dir", p(&exported)]);
    let key = d.join("registry.pub");
    std::fs::write(&key, registry.admin(&["admin", "registry-key"]) + "\n").unwrap();
    let from = ["--from", files[0]];
    let offline = json(&run_ok(
        with_xdg(mxcert())
            .args([
                "check",
                "--offline",
                "--format",
                "json",
                "--snapshot",
                &manifest,
            ])
            .args(["--registry-key", p(&key)])
            .args(from),
    ));
    let online = json(&run_ok(
        mxcert()
            .args(["check", "--registry", url, "--format", "json"])
            .args(from),
    ));
    assert_eq!(offline, online);

    // The saved one is now older than one seen: refused (1).
    let out = run(with_xdg(mxcert()).args(["check", "--offline"]));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("older than version"), "{err}");

    // A damaged data file does not match its signed digest (1); a truncated manifest is not a
    // signed document (3); another registry's key does not verify (1).
    let manifest_bytes = std::fs::read(&manifest).unwrap();
    let data = std::fs::read_dir(&exported)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".json.gz"))
        .unwrap();
    let mut bytes = std::fs::read(&data).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x55;
    std::fs::write(&data, &bytes).unwrap();
    let offline = |extra: &[&str]| {
        run(with_xdg(mxcert())
            .args([
                "check",
                "--offline",
                "--snapshot",
                &manifest,
                "--registry-key",
                p(&key),
            ])
            .args(extra)
            .args(from))
    };
    let out = offline(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("data_digest_mismatch"), "{err}");
    std::fs::write(&manifest, &manifest_bytes[..manifest_bytes.len() / 2]).unwrap();
    let out = offline(&[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(err.contains("malformed_manifest"), "{err}");
    std::fs::write(&manifest, &manifest_bytes).unwrap();
    let keys = d.join("other-keys");
    run_ok(mxcert().args(["keygen", "--out-dir", p(&keys)]));
    let out = run(with_xdg(mxcert())
        .args(["check", "--offline", "--snapshot", &manifest])
        .args(["--registry-key", p(&keys.join("mxcert.pub"))])
        .args(from));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("does not verify"), "{err}");
}
