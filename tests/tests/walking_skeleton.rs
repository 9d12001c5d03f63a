//! Issue 2's end-to-end path with the real binaries: a real `mxcert-registry` on 127.0.0.1:0 with a
//! real SQLite file, and the real `mxcert` doing keygen, register, probe, run, sign and submit; a
//! reviewer approves over HTTP; the system appears in `/api/v1/certified`.

use mxcert_core::schema::Validator;
use mxcert_tests::{http, http_get, mxcert, run, run_ok, sqlite_url, Registry};

#[test]
fn from_this_machine_to_the_certified_list() {
    let tmp = tempfile::tempdir().unwrap();
    let db = sqlite_url(tmp.path(), "registry.db");
    let registry = Registry::start(&db);

    let vendor_org = registry.admin(&["admin", "create-org", "--name", "Ensambladora del Bajío"]);
    let vendor_token = registry.admin(&[
        "admin",
        "create-token",
        "--org",
        &vendor_org,
        "--role",
        "vendor",
    ]);
    let foundation = registry.admin(&["admin", "create-org", "--name", "Fundación MxOS"]);
    let reviewer_token = registry.admin(&[
        "admin",
        "create-token",
        "--org",
        &foundation,
        "--role",
        "reviewer",
    ]);
    assert!(
        !vendor_org.contains('\n') && !vendor_token.contains('\n'),
        "admin commands print one value"
    );

    let keys = tmp.path().join("keys");
    let keyid = run_ok(mxcert().args(["keygen", "--out-dir"]).arg(&keys))
        .trim()
        .to_owned();
    let registered = run_ok(
        mxcert()
            .args([
                "keys",
                "register",
                "--registry",
                &registry.url,
                "--token",
                &vendor_token,
            ])
            .arg(keys.join("mxcert.pub")),
    );
    assert_eq!(registered.trim(), keyid);

    // Probe: the inventory validates against the published schema and lists this machine's PCI devices.
    let inventory_path = tmp.path().join("inventory.json");
    run_ok(
        mxcert()
            .args(["probe", "--format", "json", "--out"])
            .arg(&inventory_path),
    );
    let inventory: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&inventory_path).unwrap()).unwrap();
    Validator::new("inventory.v1.schema.json")
        .unwrap()
        .validate(&inventory)
        .unwrap();
    let pci_here = std::fs::read_dir("/sys/bus/pci/devices")
        .map(|d| d.count())
        .unwrap_or(0);
    let pci_probed = inventory["devices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["bus"] == "pci")
        .count();
    assert_eq!(
        pci_probed, pci_here,
        "every PCI device in sysfs is in the inventory"
    );

    // Run the quick plan; the report validates and carries both skeleton checks with real results.
    let report_path = tmp.path().join("report.json");
    let out = run(mxcert()
        .args(["run", "--plan", "quick", "--non-interactive", "--session"])
        .arg(tmp.path().join("session"))
        .arg("--out")
        .arg(&report_path));
    assert_eq!(
        out.status.code(),
        Some(0),
        "quick plan must be certifiable here:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report_bytes = std::fs::read(&report_path).unwrap();
    let report: serde_json::Value = serde_json::from_slice(&report_bytes).unwrap();
    Validator::new("report.v1.schema.json")
        .unwrap()
        .validate(&report)
        .unwrap();
    let results = report["results"].as_array().unwrap();
    for check in ["devices.drivers", "storage.rw-verify"] {
        let r = results
            .iter()
            .find(|r| r["check"] == check)
            .unwrap_or_else(|| panic!("quick plan has no {check} result"));
        assert_eq!(r["status"], "pass", "{check}: {r}");
    }
    let rw = results
        .iter()
        .find(|r| r["check"] == "storage.rw-verify")
        .unwrap();
    assert!(
        rw["measurements"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["unit"] == "MB/s" && m["value"].as_f64().unwrap() > 0.0),
        "storage.rw-verify measures MB/s: {rw}"
    );
    assert_eq!(report["summary"]["verdict"], "certifiable");

    // Sign, verify, submit; submitting the same bytes again is idempotent.
    let envelope = tmp.path().join("report.dsse.json");
    run_ok(
        mxcert()
            .args(["sign", "--key"])
            .arg(keys.join("mxcert.key"))
            .arg(&report_path)
            .arg("--out")
            .arg(&envelope),
    );
    run_ok(
        mxcert()
            .args(["verify", "--pub"])
            .arg(keys.join("mxcert.pub"))
            .arg(&envelope),
    );
    let submit = || {
        run_ok(
            mxcert()
                .args(["submit", "--format", "json"])
                .env("MXCERT_REGISTRY", &registry.url)
                .env("MXCERT_TOKEN", &vendor_token)
                .arg(&envelope),
        )
    };
    let first: serde_json::Value = serde_json::from_str(&submit()).unwrap();
    let second: serde_json::Value = serde_json::from_str(&submit()).unwrap();
    let id = first["id"].as_str().unwrap().to_owned();
    assert_eq!(second["id"], first["id"], "same bytes, same submission");
    assert!(first["url"].as_str().unwrap().contains(&id));

    // Not certified before review.
    let (_, certified) = http_get(&format!("{}/api/v1/certified", registry.url));
    assert!(!certified.contains(&id));

    let (status, body) = http(
        "POST",
        &format!("{}/api/v1/submissions/{id}/approve", registry.url),
        Some(&reviewer_token),
        Some(("application/json", br#"{"comment":"revisado en la demo"}"#)),
    );
    assert_eq!(status, 200, "{body}");

    let (status, certified) = http_get(&format!("{}/api/v1/certified", registry.url));
    assert_eq!(status, 200);
    let certified: serde_json::Value = serde_json::from_str(&certified).unwrap();
    let entry = certified["certified"]
        .as_array()
        .expect("certified list")
        .iter()
        .find(|e| e["submission_id"] == id.as_str())
        .unwrap_or_else(|| panic!("submission {id} is not in {certified}"))
        .clone();
    assert_eq!(entry["plan_id"], "quick");
    assert!(entry["certificate_id"].as_str().unwrap().starts_with("MX-"));
}
