//! `mxcert run` with per-device tests (`for_each`), declarations (`--declare`, `--manifest`,
//! the questions) and copies after suspend, through the real binary on the probe's fixture
//! machines (`--root`) and on this machine. Nothing here can suspend the machine: runs without
//! `--allow-suspend`, or with `--root`, where power.suspend writes the tree's files.

mod common;

use common::mxcert;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use mxcert_core::inventory::Inventory;
use mxcert_core::report::{Report, Status};
use mxcert_core::schema::Validator;

fn fixture(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

fn output(cmd: &mut Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    child.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn probe(root: Option<&Path>) -> Inventory {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mxcert"));
    c.args(["probe", "--format", "json"]);
    if let Some(r) = root {
        c.arg("--root").arg(r);
    }
    let out = c.output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    Inventory::from_json(&out.stdout).unwrap()
}

fn ids(inv: &Inventory, category: &str) -> BTreeSet<String> {
    inv.devices
        .iter()
        .filter(|d| d.category.to_string() == category)
        .map(|d| d.id.clone())
        .collect()
}

fn report(path: &Path) -> Report {
    let bytes = std::fs::read(path).unwrap();
    let value: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    Validator::new("report.v1.schema.json")
        .unwrap()
        .validate(&value)
        .unwrap();
    Report::from_json(&bytes).unwrap()
}

/// Runs the instances plan; returns the output, the report and the JUnit XML.
fn run_plan(root: Option<&Path>, extra: &[&str], input: &[u8]) -> (Output, Report, String) {
    let dir = tempfile::tempdir().unwrap();
    let (out_path, junit) = (dir.path().join("r.json"), dir.path().join("j.xml"));
    let mut cmd = mxcert(dir.path());
    cmd.args(["run", "--plan"])
        .arg(fixture("plans/instances.toml"))
        .arg("--session")
        .arg(dir.path().join("s"))
        .arg("--out")
        .arg(&out_path)
        .arg("--junit")
        .arg(&junit)
        .args(extra);
    if let Some(r) = root {
        cmd.arg("--root").arg(r);
    }
    let out = output(&mut cmd, input);
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{}",
        text(&out.stderr)
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    (out, report(&out_path), xml)
}

#[test]
fn each_device_gets_a_result_and_declared_hardware_is_checked_on_the_laptop() {
    let root = fixture("roots/laptop");
    let storage = ids(&probe(Some(&root)), "storage");
    assert_eq!(storage.len(), 2, "{storage:?}");
    let (out, r, xml) = run_plan(Some(&root), &["--declare", "fingerprint"], b"");
    let stderr = text(&out.stderr);
    assert_eq!(r.declared, ["fingerprint"]);

    let each: Vec<_> = r
        .results
        .iter()
        .filter(|x| x.id == "each-storage" && x.phase.is_none())
        .collect();
    let got: BTreeSet<String> = each.iter().map(|x| x.device.clone().unwrap()).collect();
    assert_eq!(got, storage);
    for x in &each {
        assert_eq!(x.status, Status::Pass, "{x:?}");
        let name = format!("each-storage [{}]", x.device.as_deref().unwrap());
        assert!(xml.contains(&format!("name=\"{name}\"")), "{xml}");
        assert!(stderr.contains(&name), "progress names {name}:\n{stderr}");
    }
    // The declared fingerprint reader is there: one result for it.
    let fp: Vec<_> = r.results.iter().filter(|x| x.id == "fingerprint").collect();
    assert_eq!(fp.len(), 1);
    assert_eq!(fp[0].device.as_deref(), Some("usb:06cb:00bd"));
    assert_eq!(fp[0].status, Status::Pass);
    // Undeclared: not applicable, not a blocker.
    let card = r.results.iter().find(|x| x.id == "card-reader").unwrap();
    assert_eq!(card.status, Status::Skip);
    assert!(!card.blocker);
    assert_eq!(
        card.message.as_deref(),
        Some("not applicable: requires the declaration card_reader, which the tester did not make")
    );
    // Suspend is not allowed: the copies are skipped with that reason, per device.
    let suspend = r.results.iter().find(|x| x.id == "suspend").unwrap();
    assert_eq!(suspend.status, Status::Skip);
    let copies: Vec<_> = r
        .results
        .iter()
        .filter(|x| x.phase.as_deref() == Some("after-suspend-1"))
        .collect();
    assert_eq!(copies.len(), storage.len());
    for c in &copies {
        assert_eq!(c.id, "each-storage");
        assert_eq!(c.status, Status::Skip);
        assert!(
            c.message.as_deref().unwrap().starts_with(
                "not run: the suspend suspend did not happen (skip: suspend not allowed"
            ),
            "{c:?}"
        );
        let name = format!(
            "each-storage [{}] (after-suspend-1)",
            c.device.as_deref().unwrap()
        );
        assert!(xml.contains(&format!("name=\"{name}\"")), "{xml}");
    }
    assert_eq!(r.results.len(), 2 + 1 + 1 + 1 + 2);
    // The summary lists each skipped blocker copy.
    assert!(stderr.contains("(after-suspend-1)"), "{stderr}");
}

#[test]
fn declared_but_absent_hardware_fails_and_the_manifest_declares() {
    let root = fixture("roots/desktop");
    assert!(ids(&probe(Some(&root)), "fingerprint").is_empty());
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.toml");
    std::fs::write(&manifest, "declared = [\"fingerprint\", \"card_reader\"]\n").unwrap();
    let (out, r, xml) = run_plan(
        Some(&root),
        &["--manifest", manifest.to_str().unwrap()],
        b"",
    );
    assert_eq!(out.status.code(), Some(1), "not certifiable");
    assert_eq!(r.declared, ["card_reader", "fingerprint"]);
    let fp: Vec<_> = r.results.iter().filter(|x| x.id == "fingerprint").collect();
    assert_eq!(fp.len(), 1);
    assert_eq!(fp[0].status, Status::Fail);
    assert!(fp[0].blocker);
    assert_eq!(
        fp[0].message.as_deref(),
        Some("declared fingerprint but runs for each a device with category = fingerprint; none in the inventory")
    );
    assert!(r
        .summary
        .failed_blockers
        .contains(&"fingerprint".to_owned()));
    // Declared and present (no device condition): it runs.
    let card = r.results.iter().find(|x| x.id == "card-reader").unwrap();
    assert_ne!(card.status, Status::Skip, "{card:?}");
    assert!(
        xml.contains("name=\"declared\" value=\"card_reader,fingerprint\""),
        "{xml}"
    );
}

#[test]
fn an_interactive_run_asks_the_plans_questions_first() {
    let root = fixture("roots/desktop");
    let dir = tempfile::tempdir().unwrap();
    let out_path = dir.path().join("r.json");
    let mut cmd = mxcert(dir.path());
    cmd.env("MXCERT_LANG", "es")
        .args(["run", "--plan"])
        .arg(fixture("plans/instances.toml"))
        .arg("--root")
        .arg(&root)
        .arg("--out")
        .arg(&out_path);
    // "quizá" is refused; no fingerprint reader, yes card reader.
    let out = output(&mut cmd, b"quiz\xc3\xa1\nn\ns\n");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("¿Tiene lector de huellas? [s/n]"),
        "{stderr}"
    );
    assert!(stderr.contains("Responda s o n."), "{stderr}");
    let r = report(&out_path);
    assert_eq!(r.declared, ["card_reader"]);
    let fp = r.results.iter().find(|x| x.id == "fingerprint").unwrap();
    assert_eq!(fp.status, Status::Skip);
    assert!(!fp.blocker);
}

#[test]
fn each_device_of_this_machine_gets_a_result() {
    let storage = ids(&probe(None), "storage");
    let (_, r, xml) = run_plan(None, &["--only", "each-storage", "--non-interactive"], b"");
    let each: Vec<_> = r
        .results
        .iter()
        .filter(|x| x.id == "each-storage" && x.phase.is_none())
        .collect();
    if storage.is_empty() {
        assert_eq!(each.len(), 1);
        assert_eq!(each[0].status, Status::Skip);
        assert!(each[0]
            .message
            .as_deref()
            .unwrap()
            .starts_with("not applicable"));
    } else {
        let got: BTreeSet<String> = each.iter().map(|x| x.device.clone().unwrap()).collect();
        assert_eq!(got, storage);
        for d in &storage {
            assert!(
                xml.contains(&format!("name=\"each-storage [{d}]\"")),
                "{xml}"
            );
        }
    }
}

#[test]
fn bad_declarations_are_usage_or_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    let plan = fixture("plans/instances.toml");
    let out = output(
        mxcert(dir.path())
            .args(["run", "--non-interactive", "--declare", "camera", "--plan"])
            .arg(&plan),
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains(
        "plan instances has no declaration camera (it asks about: fingerprint, card_reader)"
    ));
    let manifest = dir.path().join("m.toml");
    std::fs::write(&manifest, "declared = \"fingerprint\"\n").unwrap();
    let out = output(
        mxcert(dir.path())
            .args(["run", "--non-interactive", "--manifest"])
            .arg(&manifest)
            .arg("--plan")
            .arg(&plan),
        b"",
    );
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("failed to parse") && err.contains("m.toml"),
        "{err}"
    );
    // The questions need answers.
    let out = output(
        mxcert(dir.path())
            .args(["run", "--plan"])
            .arg(&plan)
            .arg("--session")
            .arg(dir.path().join("s2")),
        b"",
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("no answer to the plan's questions"));
}
