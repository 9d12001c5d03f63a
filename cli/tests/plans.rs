//! `mxcert plans list|show|validate` through the real binary.

use std::path::PathBuf;
use std::process::{Command, Output};

use sha2::{Digest, Sha256};

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/plans")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn mxcert(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(args)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("MXCERT_LANG")
        .output()
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn list_shows_every_shipped_plan_with_its_digest() {
    let out = mxcert(&["plans", "list", "--json"]);
    assert!(out.status.success());
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<&str> = list.iter().map(|p| p["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["quick", "desktop", "laptop", "server", "peripheral", "base"]
    );
    let quick = &list[0];
    assert_eq!(quick["title"]["es"], "Revisión rápida");
    assert_eq!(quick["file"], "test-suites/plans/quick.toml");
    assert_eq!(list[4]["target"], "device");

    // Anyone can recompute the digest from the canonical JSON.
    let canonical = mxcert(&["plans", "show", "quick", "--canonical"]);
    assert!(canonical.status.success());
    assert_eq!(
        quick["sha256"],
        hex::encode(Sha256::digest(&canonical.stdout))
    );

    let table = text(&mxcert(&["plans", "list"]).stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("quick ") && l.ends_with("Quick check")),
        "{table}"
    );
    let es = Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(["plans", "list"])
        .env("MXCERT_LANG", "es_MX.UTF-8")
        .output()
        .unwrap();
    assert!(text(&es.stdout).contains("Certificación de computadora portátil"));
}

#[test]
fn show_lists_tests_with_origin_and_conditions() {
    let out = mxcert(&["plans", "show", "laptop"]);
    assert!(out.status.success());
    let s = text(&out.stdout);
    assert!(
        s.starts_with("laptop 1.1.0 — Laptop certification\n"),
        "{s}"
    );
    assert!(s.contains("devices-drivers"), "{s}");
    assert!(s.contains("Every device has a driver [from base]"), "{s}");
    assert!(
        s.contains("Camera with a driver (if a device with category = camera)"),
        "{s}"
    );
    let json = mxcert(&["plans", "show", "peripheral", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["plan"]["target"], "device");
    assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
}

#[test]
fn validate_reports_every_problem_with_file_and_line() {
    let out = mxcert(&["plans", "validate", &fixture("steps.toml")]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout)
        .contains("steps.toml: valid plan steps 1.0.0, 6 tests (6 blockers), sha256 "));

    let out = mxcert(&["plans", "validate", &fixture("bad.toml")]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.toml:9: unknown check kind \"cpu.stres\" in test cpu"),
        "{err}"
    );
    assert!(err.contains("bad.toml:18: test disk: bad parameters for storage.rw-verify: size_mib: invalid value: integer `-1`, expected u64"), "{err}");
    assert!(err.contains("bad.toml: invalid (2 problems)"), "{err}");

    let out = mxcert(&["plans", "validate", "/nonexistent/plan.toml"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        "mxcert: failed to read /nonexistent/plan.toml: no such file\n"
    );
}

#[test]
fn vendor_plans_include_files_relative_to_themselves_and_cycles_are_caught() {
    let vendor = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../core/tests/fixtures/plans/good/vendor.toml");
    let out = mxcert(&["plans", "validate", &vendor.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("valid plan acme-laptop 2.1.0, 10 tests"),
        "{}",
        text(&out.stdout)
    );

    // The same file reached by two spellings is still a cycle.
    let t = tempfile::tempdir().unwrap();
    let head = "schema_version = 1\nversion = \"1\"\ntitle = { es = \"X\", en = \"X\" }\ndescription = { es = \"X\", en = \"X\" }\n";
    std::fs::create_dir(t.path().join("sub")).unwrap();
    std::fs::write(
        t.path().join("a.toml"),
        format!("{head}id = \"a\"\ninclude = [\"./sub/../b.toml\"]\n"),
    )
    .unwrap();
    std::fs::write(
        t.path().join("b.toml"),
        format!("{head}id = \"b\"\ninclude = [\"a.toml\"]\n"),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(["plans", "validate", "a.toml"])
        .current_dir(t.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr),
        "b.toml:6: include cycle: a.toml -> b.toml -> a.toml\na.toml: invalid (1 problem)\n"
    );
}
