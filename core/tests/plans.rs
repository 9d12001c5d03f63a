//! Plan files in, resolved plans or errors out.
//!
//! Every file under `fixtures/plans/bad/` starts with `# expect: MESSAGE`; resolving it must fail
//! with an error starting with MESSAGE (which names the file and line). Files under
//! `fixtures/plans/good/` and every shipped plan must resolve and validate against the published
//! schema.

use std::path::{Path, PathBuf};

use mxcert_core::plan::{self, Loader, Plan, ShippedLoader, Source};
use mxcert_core::schema::Validator;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plans")
}

/// Resolves `*.toml` references against one directory (naming files by their base name) and
/// anything else against the shipped plans: what the CLI does, minus the path juggling.
struct DirLoader(PathBuf);

impl Loader for DirLoader {
    fn load(&mut self, reference: &str, from: &str) -> Result<Source, String> {
        if reference.ends_with(".toml") {
            let bytes = std::fs::read(self.0.join(reference)).map_err(|e| e.to_string())?;
            Ok(Source {
                name: reference.to_owned(),
                bytes,
            })
        } else {
            ShippedLoader.load(reference, from)
        }
    }
}

fn resolve_file(path: &Path) -> Result<Plan, plan::PlanErrors> {
    let dir = path.parent().unwrap().to_path_buf();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let bytes = std::fs::read(path).unwrap();
    plan::resolve(Source { name, bytes }, &mut DirLoader(dir))
}

fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

fn schema_errors(text: &str) -> Option<String> {
    let value: serde_json::Value = toml::from_str(text).unwrap();
    Validator::new("test-plan.v1.schema.json")
        .unwrap()
        .validate(&value)
        .err()
        .map(|e| e.to_string())
}

#[test]
fn bad_plans_fail_with_the_expected_error_naming_file_and_line() {
    let files = toml_files(&fixtures().join("bad"));
    assert!(files.len() >= 15, "fixtures missing");
    let mut mismatches = Vec::new();
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let expect = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap_or_else(|| panic!("{} has no # expect: line", path.display()));
        let err = resolve_file(&path)
            .expect_err(&format!("{} resolved", path.display()))
            .to_string();
        if !err.starts_with(expect) {
            mismatches.push(format!(
                "{}:\n  expected: {expect}\n  got:      {err}",
                path.display()
            ));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_schema_rejects_what_the_parser_rejects_for_parameters_and_kinds() {
    for name in [
        "unknown-check.toml",
        "bad-param-type.toml",
        "unknown-param.toml",
        "out-of-range.toml",
        "unknown-field.toml",
        "bad-category.toml",
        "bad-test-id.toml",
    ] {
        let text = std::fs::read_to_string(fixtures().join("bad").join(name)).unwrap();
        if name == "out-of-range.toml" {
            // Ranges that depend on other values are checked by the parser only; the schema
            // sees a valid integer.
            continue;
        }
        assert!(schema_errors(&text).is_some(), "{name} passes the schema");
    }
}

#[test]
fn shipped_plans_resolve_validate_and_have_stable_ids() {
    let shipped = plan::shipped();
    let ids: Vec<&str> = shipped.iter().map(|p| p.id).collect();
    assert_eq!(
        ids,
        ["quick", "desktop", "laptop", "server", "peripheral", "base"]
    );
    for p in shipped {
        let plan = p.resolve().unwrap_or_else(|e| panic!("{}: {e}", p.file));
        assert_eq!(plan.id, p.id, "{} is named after its file", p.file);
        assert_eq!(p.file, format!("test-suites/plans/{}.toml", p.id));
        assert!(
            schema_errors(p.text).is_none(),
            "{}: {:?}",
            p.file,
            schema_errors(p.text)
        );
        assert_eq!(plan.sha256().len(), 64);
        // The digest is the SHA-256 of the canonical JSON, which reads back to the same plan.
        let canonical = plan.canonical_json();
        assert_eq!(Plan::from_json(&canonical).unwrap(), plan);
        use sha2::Digest;
        assert_eq!(plan.sha256(), hex::encode(sha2::Sha256::digest(&canonical)));
        // Every test has a sensible timeout.
        for t in &plan.tests {
            assert!(t.timeout().as_secs() >= 1, "{}: {}", p.id, t.id);
        }
    }
    // The machine plans bring in the base checks first.
    let laptop = plan::resolve_shipped("laptop").unwrap();
    assert_eq!(laptop.tests[0].id, "devices-drivers");
    assert_eq!(laptop.tests[0].plan, "base");
    assert!(laptop.test("power-suspend").unwrap().blocker);
    let peripheral = plan::resolve_shipped("peripheral").unwrap();
    assert_eq!(peripheral.target, plan::Target::Device);
}

#[test]
fn includes_expand_once_in_order_and_keep_their_origin() {
    let plan = resolve_file(&fixtures().join("good/vendor.toml")).unwrap();
    let quick = plan::resolve_shipped("quick").unwrap();
    let ids: Vec<&str> = plan.tests.iter().map(|t| t.id.as_str()).collect();
    let mut want: Vec<&str> = quick.tests.iter().map(|t| t.id.as_str()).collect();
    want.extend(["acme-ec-firmware", "acme-camera"]);
    assert_eq!(ids, want);
    assert_eq!(plan.test("storage-rw").unwrap().plan, "quick");
    assert_eq!(plan.test("acme-ec-firmware").unwrap().plan, "acme-common");
    let ec = plan.test("acme-ec-firmware").unwrap();
    assert_eq!(ec.timeout().as_secs(), 30);
    assert_eq!(
        ec.params["argv"],
        serde_json::json!(["/usr/lib/acme/ec-check", "--strict"])
    );
    assert_eq!(plan.test("acme-camera").unwrap().requires.len(), 2);
}

#[test]
fn the_digest_covers_the_plan_as_run() {
    let base = plan::resolve_shipped("quick").unwrap();
    let same = plan::resolve_shipped("quick").unwrap();
    assert_eq!(base.sha256(), same.sha256());

    // Comments and formatting do not change the plan; any change to its data does.
    let text = plan::ShippedPlan::find("quick").unwrap().text;
    let reformatted = format!("# a comment\n{}\n\n", text.replace(" = ", "="));
    let r = plan::resolve(
        Source {
            name: "q.toml".into(),
            bytes: reformatted.into_bytes(),
        },
        &mut ShippedLoader,
    )
    .unwrap();
    assert_eq!(r.sha256(), base.sha256());

    let changed = text.replace("size_mib = 64", "size_mib = 65");
    let r = plan::resolve(
        Source {
            name: "q.toml".into(),
            bytes: changed.into_bytes(),
        },
        &mut ShippedLoader,
    )
    .unwrap();
    assert_ne!(r.sha256(), base.sha256());

    // The canonical form is compact JSON with sorted keys.
    let canonical = String::from_utf8(base.canonical_json()).unwrap();
    assert!(
        canonical.starts_with(r#"{"description":{"en":"#),
        "{canonical}"
    );
    assert!(!canonical.contains('\n'));
}

#[test]
fn garbage_never_panics() {
    for bytes in [
        &b""[..],
        b"\xff\xfe\x00",
        b"[[test]]\n[[test]]",
        b"schema_version = 1\nid = 3",
        b"schema_version = \"1\"",
        b"a = [",
    ] {
        let r = plan::resolve(
            Source {
                name: "g.toml".into(),
                bytes: bytes.to_vec(),
            },
            &mut ShippedLoader,
        );
        let e = r.unwrap_err().to_string();
        assert!(e.starts_with("g.toml"), "{e}");
    }
}

/// The digests of the shipped plans as they were before the plan format gained `for_each`,
/// `after_suspend`, `[[declare]]`, `declared` and manual `run` (computed on main with
/// `mxcert plans show ID --canonical | sha256sum`): plans that use none of them keep them.
#[test]
fn plans_without_the_new_keys_keep_their_digests() {
    // The digests these shipped plans had before the format gained its new keys (`desktop`,
    // `laptop` and `server` use those keys since their 1.1.0 and so changed on purpose).
    let before = [
        (
            "quick",
            "915d6f7664656d7e35d180b5d1fa53e7ba6541909492a15e26a520d8597b37e1",
        ),
        (
            "peripheral",
            "7163ee0351981619f1a0cc6fdf856a32f96b7602eb8fa64b8ff00aee8a4b706a",
        ),
        (
            "base",
            "810b59b1cf090611315b18a5dd0d969f7da58c930faec4df65d2c23dcc2edc2d",
        ),
    ];
    for (id, digest) in before {
        assert_eq!(plan::resolve_shipped(id).unwrap().sha256(), digest, "{id}");
    }
}

#[test]
fn the_example_plan_uses_every_new_key_and_validates() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../test-suites/plans/examples/every-key.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(schema_errors(&text), None);
    let plan = resolve_file(&path).unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = plan.declarations.iter().map(|d| d.id.as_str()).collect();
    assert_eq!(ids, ["fingerprint", "card_reader"]);
    let t = plan.test("fingerprint-present").unwrap();
    assert!(t.after_suspend);
    assert_eq!(
        t.for_each.as_ref().unwrap().describe(),
        "a device with category = fingerprint"
    );
    assert_eq!(
        t.requires[0].declared.as_deref(),
        Some("fingerprint"),
        "declared condition"
    );
    match plan.test("card-reader").unwrap().typed_check().unwrap() {
        plan::Check::Manual(m) => assert_eq!(m.run.unwrap().timeout, 10),
        other => panic!("{other:?}"),
    }
    match plan.test("power-suspend").unwrap().typed_check().unwrap() {
        plan::Check::PowerSuspend(p) => assert_eq!(p.cycles, 3),
        other => panic!("{other:?}"),
    }
    // The new keys are in the digest and read back.
    let canonical = String::from_utf8(plan.canonical_json()).unwrap();
    for key in [
        "\"declare\":",
        "\"for_each\":",
        "\"after_suspend\":true",
        "\"declared\":\"fingerprint\"",
    ] {
        assert!(canonical.contains(key), "{key}");
    }
    assert_eq!(Plan::from_json(canonical.as_bytes()).unwrap(), plan);
    // The schema refuses a misspelt new key as the parser does.
    let bad = text.replace("for_each = {", "for_eahc = {");
    assert!(schema_errors(&bad).is_some());
}
