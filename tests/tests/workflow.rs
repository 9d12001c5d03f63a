//! The trust workflow end to end, through the real `mxcert` binary against a real
//! `mxcert-registry` on a real SQLite file: keygen, register, probe, sign, submit, automated
//! checks, reject, resubmit, diff, approve, verify the certificate offline (with the registry
//! stopped), revoke, and check the revocation offline and online.
//!
//! The reports are built from this machine's real probe; their results are set by the test (one
//! with a failing blocker, one passing) so that both paths of the review are exercised.

use std::path::{Path, PathBuf};

use chrono::Utc;
use mxcert_core::inventory::Inventory;
use mxcert_core::report::{Report, Status, TestResult};
use mxcert_tests::{admin, http_get, mxcert, run, run_ok, sqlite_url, Registry};
use serde_json::Value;

fn result(id: &str, check: &str, blocker: bool, status: Status) -> TestResult {
    TestResult {
        id: id.into(),
        check: check.into(),
        device: None,
        phase: None,
        blocker,
        status,
        started_at: None,
        duration_ms: 5,
        message: (status != Status::Pass).then(|| "1 device without a driver".into()),
        evidence: vec![],
        measurements: vec![],
        comment: None,
        samples: None,
    }
}

/// Writes a report of the shipped quick plan over this machine's inventory, with the
/// devices-drivers blocker in `status` and every other test passed.
fn write_report(dir: &Path, inventory: &Inventory, name: &str, status: Status) -> PathBuf {
    let plan = mxcert_core::plan::resolve_shipped("quick").unwrap();
    let results = plan
        .tests
        .iter()
        .map(|t| {
            let s = if t.id == "devices-drivers" {
                status
            } else {
                Status::Pass
            };
            result(&t.id, t.check.as_str(), t.blocker, s)
        })
        .collect();
    let report = Report::new(
        uuid::Uuid::now_v7(),
        Utc::now(),
        inventory.tool.clone(),
        inventory.clone(),
        plan.reference(),
        results,
    );
    let path = dir.join(name);
    std::fs::write(&path, report.to_json_pretty()).unwrap();
    path
}

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[test]
fn submit_reject_resubmit_approve_verify_offline_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(d, "registry.db");

    // The Foundation's admin sets up a vendor and a reviewer.
    let vendor_org = admin(&db, &["admin", "create-org", "--name", "Cómputo Acme"]);
    let foundation = admin(&db, &["admin", "create-org", "--name", "Fundación MxOS"]);
    assert_eq!(
        vendor_org.lines().count(),
        1,
        "create-org prints only the id"
    );
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
    assert!(vendor.starts_with("mxr_") && !vendor.contains('\n'));

    let registry = Registry::start(&db);
    let url = registry.url.clone();
    let as_vendor = |args: &[&str]| {
        let mut cmd = mxcert();
        cmd.args(args)
            .env("MXCERT_REGISTRY", &url)
            .env("MXCERT_TOKEN", &vendor);
        cmd
    };
    let as_reviewer = |args: &[&str]| {
        let mut cmd = mxcert();
        cmd.args(args)
            .env("MXCERT_REGISTRY", &url)
            .env("MXCERT_TOKEN", &reviewer);
        cmd
    };

    // The vendor makes a key, registers it (signing the registry's challenge with the private
    // key: a public key alone proves nothing), probes this machine.
    let keys = d.join("keys");
    let keyid = run_ok(mxcert().args(["keygen", "--out-dir", p(&keys)]));
    let lone = d.join("lone.pub");
    std::fs::copy(keys.join("mxcert.pub"), &lone).unwrap();
    let out = run(&mut as_vendor(&["keys", "register", p(&lone)]));
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed to prove possession"), "{err}");
    let registered = run_ok(&mut as_vendor(&[
        "keys",
        "register",
        p(&keys.join("mxcert.key")),
    ]));
    assert_eq!(registered.trim(), keyid.trim());
    let inventory_path = d.join("inventory.json");
    run_ok(mxcert().args(["probe", "--format", "json", "--out", p(&inventory_path)]));
    let inventory = Inventory::from_json(&std::fs::read(&inventory_path).unwrap()).unwrap();

    // First submission: a blocker failed, so the automated checks fail.
    let report1 = write_report(d, &inventory, "report1.json", Status::Fail);
    let env1 = d.join("report1.dsse.json");
    run_ok(mxcert().args([
        "sign",
        "--key",
        p(&keys.join("mxcert.key")),
        p(&report1),
        "--out",
        p(&env1),
    ]));
    let first = json(&run_ok(&mut as_vendor(&[
        "submit",
        p(&env1),
        "--format",
        "json",
    ])));
    assert_eq!(first["status"], "checks_failed");
    let first_id = first["id"].as_str().unwrap().to_owned();
    // Submitting the same file again (a retry) gives the same submission.
    let again = json(&run_ok(&mut as_vendor(&[
        "submit",
        p(&env1),
        "--format",
        "json",
    ])));
    assert_eq!(again["id"], first["id"]);

    let shown = run_ok(&mut as_vendor(&["submissions", "show", &first_id]));
    assert!(shown.contains("checks_failed"), "{shown}");
    assert!(shown.contains("fail  blockers"), "{shown}");
    if inventory.system.vendor.is_none() {
        // This machine has no DMI (a VM): the registry says so instead of refusing.
        assert!(shown.contains("warn  system_identity"), "{shown}");
        assert!(shown.contains("Unidentified system"), "{shown}");
    }

    // The reviewer cannot approve it, and rejects it with a reason.
    let out = run(&mut as_reviewer(&["review", "approve", &first_id]));
    assert_eq!(
        out.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid_state"));
    let rejected = run_ok(&mut as_reviewer(&[
        "review",
        "reject",
        &first_id,
        "--reason",
        "el bloqueador de controladores falló",
    ]));
    assert!(rejected.contains("rejected"), "{rejected}");
    let shown = run_ok(&mut as_vendor(&["submissions", "show", &first_id]));
    assert!(
        shown.contains("el bloqueador de controladores falló"),
        "{shown}"
    );

    // The vendor fixes it and resubmits; the reviewer sees what changed.
    let report2 = write_report(d, &inventory, "report2.json", Status::Pass);
    let env2 = d.join("report2.dsse.json");
    run_ok(mxcert().args([
        "sign",
        "--key",
        p(&keys.join("mxcert.key")),
        p(&report2),
        "--out",
        p(&env2),
    ]));
    let second = json(&run_ok(&mut as_vendor(&[
        "submit",
        p(&env2),
        "--format",
        "json",
    ])));
    assert_eq!(second["status"], "in_review");
    let second_id = second["id"].as_str().unwrap().to_owned();
    let queue = run_ok(&mut as_reviewer(&["review", "list"]));
    assert!(
        queue.contains(&second_id) && !queue.contains(&first_id),
        "{queue}"
    );
    let review = run_ok(&mut as_reviewer(&["review", "show", &second_id]));
    assert!(
        review.contains(&format!("changes since {first_id}")),
        "{review}"
    );
    assert!(
        review.contains("test devices-drivers: fail -> pass"),
        "{review}"
    );

    // Approval issues a certificate.
    let approved = json(&run_ok(&mut as_reviewer(&[
        "review",
        "approve",
        &second_id,
        "--comment",
        "aprobado",
        "--format",
        "json",
    ])));
    assert_eq!(approved["status"], "approved");
    let cert_id = approved["certificate_id"].as_str().unwrap().to_owned();
    assert!(
        mxcert_core::certificate::parse_certificate_id(&cert_id).is_ok(),
        "{cert_id}"
    );
    let cert = d.join("cert.json");
    let key_pem = d.join("registry.pem");
    run_ok(mxcert().args([
        "certificate",
        "fetch",
        &cert_id,
        "--registry",
        &url,
        "--out",
        p(&cert),
        "--registry-key-out",
        p(&key_pem),
    ]));

    // The transparency log: the certificate's proof bundle and the log's verifier key.
    let proof = d.join("cert.tlog-proof");
    let (code, bundle) = http_get(&format!("{url}/api/v1/certificates/{cert_id}/proof"));
    assert_eq!(code, 200, "{bundle}");
    std::fs::write(&proof, &bundle).unwrap();
    let (code, vkey) = http_get(&format!("{url}/log/key"));
    assert_eq!(code, 200, "{vkey}");
    let vkey_path = d.join("log.vkey");
    std::fs::write(&vkey_path, &vkey).unwrap();

    // Offline: the registry is gone (killed), the certificate still verifies against its key.
    drop(registry);
    let verified = run_ok(mxcert().args([
        "certificate",
        "verify",
        p(&cert),
        "--registry-key",
        p(&key_pem),
    ]));
    assert!(
        verified.contains(&format!("valid certificate {cert_id}")),
        "{verified}"
    );
    let as_json = json(&run_ok(mxcert().args([
        "certificate",
        "verify",
        p(&cert),
        "--registry-key",
        p(&key_pem),
        "--format",
        "json",
    ])));
    assert_eq!(as_json["certificate"]["plan"]["id"], "quick");
    assert_eq!(
        as_json["certificate"]["organisation"]["name"],
        "Cómputo Acme"
    );
    // With the log proof: logged, offline; the key inline or as a file.
    for key in [p(&vkey_path).to_owned(), vkey.trim().to_owned()] {
        let logged = run_ok(mxcert().args([
            "certificate",
            "verify",
            p(&cert),
            "--registry-key",
            p(&key_pem),
            "--proof",
            p(&proof),
            "--log-key",
            &key,
        ]));
        assert!(logged.contains("logged        entry "), "{logged}");
    }
    // Without the log key it fails closed, and says why.
    let out = run(mxcert().args([
        "certificate",
        "verify",
        p(&cert),
        "--registry-key",
        p(&key_pem),
        "--proof",
        p(&proof),
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("without the log's verifier key"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Another log's key: the checkpoint is not signed by it.
    let other_log = mxcert_core::tlog::note::VerifierKey::new(
        vkey.split('+').next().unwrap(),
        mxcert_core::keys::SigningKey::from_bytes(&[9; 32]).verifying_key(),
    )
    .unwrap()
    .to_string();
    let out = run(mxcert().args([
        "certificate",
        "verify",
        p(&cert),
        "--registry-key",
        p(&key_pem),
        "--proof",
        p(&proof),
        "--log-key",
        &other_log,
        "--format",
        "json",
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&String::from_utf8_lossy(&out.stdout))["code"],
        "checkpoint_signature"
    );
    // A witness policy: unmet without the witness's cosignature, met once the checkpoint
    // carries it (C2SP tlog-cosignature).
    let witness_key = mxcert_core::keys::SigningKey::from_bytes(&[5; 32]);
    let witness = mxcert_core::tlog::cosignature::CosignerKey::new(
        "witness.example",
        witness_key.verifying_key(),
    )
    .unwrap();
    let policy = d.join("witnesses.txt");
    std::fs::write(&policy, format!("witness {witness}\nquorum 1\n")).unwrap();
    let verify_with = |bundle: &std::path::Path| {
        run(mxcert().args([
            "certificate",
            "verify",
            p(&cert),
            "--registry-key",
            p(&key_pem),
            "--proof",
            p(bundle),
            "--log-key",
            p(&vkey_path),
            "--witness-policy",
            p(&policy),
            "--format",
            "json",
        ]))
    };
    let out = verify_with(&proof);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        json(&String::from_utf8_lossy(&out.stdout))["code"],
        "witness_quorum"
    );
    let parsed = mxcert_core::tlog::proof::TlogProof::parse(bundle.as_bytes()).unwrap();
    let text = mxcert_core::tlog::note::parse(parsed.checkpoint.as_bytes())
        .unwrap()
        .text;
    let cosig = mxcert_core::tlog::cosignature::cosign(
        &text,
        "witness.example",
        &witness_key,
        1_780_000_000,
    )
    .unwrap();
    let cosigned = d.join("cosigned.tlog-proof");
    std::fs::write(&cosigned, format!("{bundle}{cosig}")).unwrap();
    // The policy is met: exit 0, and the witness is named.
    let witnessed = |bundle: &std::path::Path| {
        let out = verify_with(bundle);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{stdout}");
        assert_eq!(json(&stdout)["log"]["witnesses"][0], "witness.example");
    };
    witnessed(&cosigned);
    // The same cosignature handed to the registry out of band (verified, stored, audited): the
    // bundle the registry serves now meets the policy by itself.
    let cosigned_checkpoint = d.join("cosigned-checkpoint.txt");
    std::fs::write(
        &cosigned_checkpoint,
        format!("{}{cosig}", parsed.checkpoint),
    )
    .unwrap();
    let stored = admin(
        &db,
        &[
            "admin",
            "log",
            "cosign",
            p(&cosigned_checkpoint),
            "--witness-key",
            &witness.to_string(),
        ],
    );
    assert_eq!(stored.trim(), "witness.example");
    let registry = Registry::start(&db);
    let (code, served) = http_get(&format!(
        "{}/api/v1/certificates/{cert_id}/proof",
        registry.url
    ));
    drop(registry);
    assert_eq!(code, 200, "{served}");
    let served_path = d.join("served.tlog-proof");
    std::fs::write(&served_path, &served).unwrap();
    witnessed(&served_path);
    // The proof of one certificate does not vouch for another file.
    let out = run(mxcert().args([
        "certificate",
        "verify",
        p(&key_pem),
        "--registry-key",
        p(&key_pem),
        "--proof",
        p(&proof),
        "--log-key",
        p(&vkey_path),
    ]));
    assert_ne!(out.status.code(), Some(0));
    // A tampered certificate does not.
    let mut tampered: Value = json(&std::fs::read_to_string(&cert).unwrap());
    let payload = tampered["payload"].as_str().unwrap().to_owned();
    tampered["payload"] = Value::String(payload.replacen('A', "B", 1));
    let tampered_path = d.join("tampered.json");
    std::fs::write(&tampered_path, tampered.to_string()).unwrap();
    let out = run(mxcert().args([
        "certificate",
        "verify",
        p(&tampered_path),
        "--registry-key",
        p(&key_pem),
    ]));
    assert_eq!(out.status.code(), Some(1));

    // The registry comes back on the same file with the same key and everything acknowledged.
    let registry = Registry::start(&db);
    let url = registry.url.clone();
    let status = run_ok(mxcert().args(["certificate", "status", &cert_id, "--registry", &url]));
    assert!(status.contains(&format!("{cert_id} valid")), "{status}");
    let again_pem = run_ok(mxcert().args([
        "certificate",
        "fetch",
        &cert_id,
        "--registry",
        &url,
        "--registry-key-out",
        p(&d.join("registry2.pem")),
    ]));
    assert!(!again_pem.is_empty());
    assert_eq!(
        std::fs::read(&key_pem).unwrap(),
        std::fs::read(d.join("registry2.pem")).unwrap()
    );

    // Revocation: signed, checked offline against the certificate, and visible online.
    let mut revoke = mxcert();
    revoke
        .args([
            "review",
            "revoke",
            &cert_id,
            "--reason",
            "retiro de firmware",
        ])
        .env("MXCERT_REGISTRY", &url)
        .env("MXCERT_TOKEN", &reviewer);
    assert!(run_ok(&mut revoke).contains("revoked"));
    let rev = d.join("revocation.json");
    run_ok(mxcert().args([
        "certificate",
        "fetch",
        &cert_id,
        "--revocation",
        "--registry",
        &url,
        "--out",
        p(&rev),
    ]));
    let out = run(mxcert().args([
        "certificate",
        "verify",
        p(&cert),
        "--registry-key",
        p(&key_pem),
        "--revocation",
        p(&rev),
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("retiro de firmware"));
    let rev_ok = run_ok(mxcert().args([
        "certificate",
        "verify",
        p(&rev),
        "--registry-key",
        p(&key_pem),
    ]));
    assert!(
        rev_ok.contains(&format!("valid revocation of certificate {cert_id}")),
        "{rev_ok}"
    );
    let out = run(mxcert().args(["certificate", "status", &cert_id, "--registry", &url]));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("revoked"));

    // The vendor's list shows both submissions and where each ended.
    let mut list = mxcert();
    list.args(["submissions", "list", "--format", "json"])
        .env("MXCERT_REGISTRY", &url)
        .env("MXCERT_TOKEN", &vendor);
    let listed = json(&run_ok(&mut list));
    let statuses: Vec<(&str, &str)> = listed["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        statuses,
        [
            (second_id.as_str(), "approved"),
            (first_id.as_str(), "rejected")
        ]
    );
}

/// Issue 16, item 6: a registry restored from a backup (the SQLite file copied at size 2) and
/// issuing on signs a different tree at a size the public already saw: `mxcert log verify`,
/// which kept the checkpoint it saw last, reports the fork with both signed checkpoints (exit 6).
#[test]
fn log_verify_follows_the_log_and_detects_a_restored_backup_as_a_fork() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(d, "registry.db");
    let vendor_org = admin(&db, &["admin", "create-org", "--name", "Cómputo Acme"]);
    let foundation = admin(&db, &["admin", "create-org", "--name", "Fundación MxOS"]);
    let token = |org: &str, role: &str| {
        admin(
            &db,
            &["admin", "create-token", "--org", org, "--role", role],
        )
    };
    let (vendor, reviewer) = (token(&vendor_org, "vendor"), token(&foundation, "reviewer"));
    let keys = d.join("keys");
    run_ok(mxcert().args(["keygen", "--out-dir", p(&keys)]));
    let inventory_path = d.join("inventory.json");
    run_ok(mxcert().args(["probe", "--format", "json", "--out", p(&inventory_path)]));
    let inventory = Inventory::from_json(&std::fs::read(&inventory_path).unwrap()).unwrap();
    let as_ = |url: &str, token: &str, args: &[&str]| {
        let mut cmd = mxcert();
        cmd.args(args)
            .env("MXCERT_REGISTRY", url)
            .env("MXCERT_TOKEN", token);
        run_ok(&mut cmd)
    };
    let certify = |url: &str, n: usize| {
        let report = write_report(d, &inventory, &format!("r{n}.json"), Status::Pass);
        let env = d.join(format!("r{n}.dsse.json"));
        run_ok(mxcert().args([
            "sign",
            "--key",
            p(&keys.join("mxcert.key")),
            p(&report),
            "--out",
            p(&env),
        ]));
        let sub = json(&as_(url, &vendor, &["submit", p(&env), "--format", "json"]));
        let id = sub["id"].as_str().unwrap().to_owned();
        as_(url, &reviewer, &["review", "approve", &id]);
    };
    let state = d.join("state");
    let log_verify = |url: &str| {
        let (code, vkey) = http_get(&format!("{url}/log/key"));
        assert_eq!(code, 200);
        run(mxcert().args([
            "log",
            "verify",
            "--registry",
            url,
            "--log-key",
            vkey.trim(),
            "--state-dir",
            p(&state),
        ]))
    };

    let registry = Registry::start(&db);
    as_(
        &registry.url,
        &vendor,
        &["keys", "register", p(&keys.join("mxcert.key"))],
    );
    certify(&registry.url, 1);
    certify(&registry.url, 2);
    let out = log_verify(&registry.url);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("size 2 (first checkpoint seen)"));
    drop(registry);
    let mirror_state = d.join("mirror-state");
    std::fs::create_dir_all(&mirror_state).unwrap();
    for f in std::fs::read_dir(&state).unwrap() {
        let f = f.unwrap();
        std::fs::copy(f.path(), mirror_state.join(f.file_name())).unwrap();
    }

    // The backup: the database as it is at size 2.
    for suffix in ["", "-wal", "-shm"] {
        let from = d.join(format!("registry.db{suffix}"));
        if from.exists() {
            std::fs::copy(&from, d.join(format!("backup.db{suffix}"))).unwrap();
        }
    }
    let registry = Registry::start(&db);
    certify(&registry.url, 3);
    let out = log_verify(&registry.url);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("size 3 (extends size 2)"));
    let (_, vkey) = http_get(&format!("{}/log/key", registry.url));
    drop(registry);

    // The log exported as static files and served by a plain file server is the same log.
    let served = d.join("served");
    admin(&db, &["admin", "log", "export", p(&served.join("log"))]);
    assert!(served.join("log/tile/0/000.p/3").is_file());
    assert!(served.join("log/tile/entries/000.p/3").is_file());
    let mut files = std::process::Command::new("python3")
        .args([
            "-u",
            "-m",
            "http.server",
            "0",
            "--bind",
            "127.0.0.1",
            "--directory",
            p(&served),
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("python3 -m http.server");
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(files.stdout.take().unwrap()),
        &mut line,
    )
    .unwrap();
    let port = line
        .split(" port ")
        .nth(1)
        .unwrap()
        .split(' ')
        .next()
        .unwrap()
        .to_owned();
    let out = run(mxcert().args([
        "log",
        "verify",
        "--registry",
        &format!("http://127.0.0.1:{port}"),
        "--log-key",
        vkey.trim(),
        "--state-dir",
        p(&mirror_state),
    ]));
    // A monitor walks every entry of the mirror: signed by the registry's key, ids increasing.
    let registry_pem = d.join("registry.pub");
    std::fs::write(&registry_pem, admin(&db, &["admin", "registry-key"])).unwrap();
    let mirror = format!("http://127.0.0.1:{port}");
    let monitored = run(mxcert().args([
        "log",
        "monitor",
        "--registry",
        &mirror,
        "--log-key",
        vkey.trim(),
        "--registry-key",
        p(&registry_pem),
    ]));
    // Another key than the registry's: every entry is named as not signed by it (exit 1).
    let stranger = d.join("stranger");
    run_ok(mxcert().args(["keygen", "--out-dir", p(&stranger)]));
    let refused = run(mxcert().args([
        "log",
        "monitor",
        "--registry",
        &mirror,
        "--log-key",
        vkey.trim(),
        "--registry-key",
        p(&stranger.join("mxcert.pub")),
    ]));
    let _ = files.kill();
    let _ = files.wait();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("size 3 (extends size 2)"));
    assert_eq!(monitored.status.code(), Some(0), "{monitored:?}");
    assert!(
        String::from_utf8_lossy(&monitored.stdout)
            .contains("3 entries (3 certificates, 0 revocations): every entry checks out"),
        "{monitored:?}"
    );
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.contains("3 problem(s)") && err.contains("entry 0 is not signed by the registry's key"),
        "{err}"
    );

    // The restored backup issues other certificates: entry 2 differs.
    let restored = Registry::start(&sqlite_url(d, "backup.db"));
    certify(&restored.url, 4);
    certify(&restored.url, 5);
    let out = log_verify(&restored.url);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{err}");
    assert!(err.contains("has forked"), "{err}");
    assert!(
        err.contains("\n3\n") && err.contains("\n4\n"),
        "both checkpoints: {err}"
    );
}
