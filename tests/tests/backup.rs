//! Backups of a live SQLite registry, through the real binaries: `admin backup` while submissions
//! keep arriving, `admin restore` into a new file (every submission acknowledged before the
//! backup began is there and its signature verifies), the refusals of `restore` (an existing
//! database without `--force`, a database a running registry has open, a damaged backup), and the
//! published mark: a database restored from an older backup refuses to issue a certificate
//! number it had already published.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use mxcert_core::dsse::{Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_tests::fleet::{free_port, Instance, Parties};
use mxcert_tests::{bin, http, run, sqlite_url};

/// An acknowledged submission: its id and the envelope's bytes.
type Acked = (String, Vec<u8>);

fn registry(args: &[&str], database: &str) -> std::process::Output {
    run(std::process::Command::new(bin("mxcert-registry"))
        .args(args)
        .args(["--database", database]))
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "failed with {}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn submit(url: &str, token: &str, bytes: &[u8]) -> String {
    let (status, body) = http(
        "POST",
        &format!("{url}/api/v1/submissions"),
        Some(token),
        Some(("application/json", bytes)),
    );
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["id"].as_str().unwrap().to_owned()
}

fn approve(url: &str, token: &str, id: &str) -> (u16, String) {
    http(
        "POST",
        &format!("{url}/api/v1/submissions/{id}/approve"),
        Some(token),
        None,
    )
}

#[test]
fn a_backup_under_load_restores_every_acknowledged_submission_and_published_numbers_stay_published()
{
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let db = sqlite_url(d, "registry.db");
    let port = free_port();
    let mut instance = Instance::start(&db, port, &[], &d.join("registry.log"));
    let url = instance.url();
    let parties = Arc::new(Parties::new(&db, &url, d));
    // Two certificates before the backup: MX-YYYY-000001 and 000002.
    for _ in 0..2 {
        let id = submit(&url, &parties.vendor_token, &parties.signed_report());
        assert_eq!(approve(&url, &parties.reviewer_token, &id).0, 200);
    }

    // Submissions keep arriving while the backup is taken.
    let acked: Arc<Mutex<Vec<Acked>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let submitters: Vec<_> = (0..2)
        .map(|_| {
            let (acked, stop, parties, url) =
                (acked.clone(), stop.clone(), parties.clone(), url.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let bytes = parties.signed_report();
                    let id = submit(&url, &parties.vendor_token, &bytes);
                    acked.lock().unwrap().push((id, bytes));
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(2));
    let before: Vec<Acked> = acked.lock().unwrap().clone();
    let backup = d.join("backup.db");
    let said = ok(&registry(
        &["admin", "backup", "--out", backup.to_str().unwrap()],
        &db,
    ));
    assert!(said.contains("backed up to"), "{said}");
    std::thread::sleep(Duration::from_secs(1));
    stop.store(true, Ordering::Relaxed);
    for t in submitters {
        t.join().unwrap();
    }
    let total = acked.lock().unwrap().len();
    assert!(
        before.len() >= 5 && total > before.len(),
        "load: {} before the backup, {total} in all",
        before.len()
    );
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&backup).unwrap().permissions().mode() & 0o777,
        0o600,
        "the backup holds the registry's private key"
    );

    // Restored into a new file: everything acknowledged before the backup began is there, byte
    // for byte, and verifies with the vendor's key.
    let restored = sqlite_url(d, "restored.db");
    let said = ok(&registry(
        &["admin", "restore", backup.to_str().unwrap()],
        &restored,
    ));
    assert!(said.contains("restored"), "{said}");
    let checked = registry(&["admin", "check"], &restored);
    ok(&checked);
    let checked = String::from_utf8_lossy(&checked.stdout).into_owned();
    let held: usize = checked
        .split(" submissions")
        .next()
        .and_then(|s| s.rsplit(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{checked}"));
    assert!(
        held >= before.len() + 2 && held <= total + 2,
        "{held} submissions in the backup: {checked}"
    );
    assert!(checked.contains("2 certificates"), "{checked}");
    let copy = Instance::start(&restored, free_port(), &[], &d.join("restored.log"));
    let public = parties.key.verifying_key();
    for (id, bytes) in &before {
        let (status, body) = http(
            "GET",
            &format!("{}/api/v1/submissions/{id}/envelope", copy.url()),
            Some(&parties.vendor_token),
            None,
        );
        assert_eq!(
            status, 200,
            "submission {id} missing from the restored copy: {body}"
        );
        assert_eq!(body.as_bytes(), bytes.as_slice());
        Envelope::from_json(body.as_bytes())
            .unwrap()
            .verify(REPORT_PAYLOAD_TYPE, std::slice::from_ref(&public))
            .unwrap();
    }
    // The same registry key: certificates issued before still verify against what it serves.
    let key_of = |u: &str| http("GET", &format!("{u}/api/v1/registry-key"), None, None).1;
    assert_eq!(key_of(&copy.url()), key_of(&url));
    drop(copy);

    // Restore refuses: an existing database without --force; one a registry has open, even with
    // --force; a damaged backup.
    let out = registry(&["admin", "restore", backup.to_str().unwrap()], &db);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("pass --force"),
        "{out:?}"
    );
    let out = registry(
        &["admin", "restore", backup.to_str().unwrap(), "--force"],
        &db,
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is open by another process"),
        "{out:?}"
    );
    let damaged = d.join("damaged.db");
    let mut bytes = std::fs::read(&backup).unwrap();
    let at = bytes.len() / 2;
    for b in &mut bytes[at..at + 4096] {
        *b ^= 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let out = registry(
        &["admin", "restore", damaged.to_str().unwrap()],
        &sqlite_url(d, "never.db"),
    );
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        !d.join("never.db").exists(),
        "nothing is written from a damaged backup"
    );

    // The live registry issues MX-YYYY-000003 after the backup, then dies; the operator restores
    // the backup (which ends at 000002) over it. The next approval would be 000003 again: it is
    // refused, because 000003 was published.
    let (id, _) = before.first().unwrap().clone();
    let (status, body3) = approve(&url, &parties.reviewer_token, &id);
    assert_eq!(status, 200, "{body3}");
    assert!(body3.contains("-000003"), "{body3}");
    instance.kill();
    let said = ok(&registry(
        &["admin", "restore", backup.to_str().unwrap(), "--force"],
        &db,
    ));
    assert!(
        said.contains("numbers up to 000003 were published"),
        "{said}"
    );
    let mut instance = Instance::start(&db, port, &[], &d.join("registry.log"));
    let (id, _) = before.get(1).unwrap().clone();
    let (status, body) = approve(&url, &parties.reviewer_token, &id);
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("already published"), "{body}");
    // A revocation would append to the log at a size already published with another tree (a
    // fork): the mark's log size is recorded as a witness's, so the log refuses to sign it.
    let first = body3
        .split('"')
        .find(|s| s.starts_with("MX-") && s.ends_with("-000003"))
        .expect("the certificate id")
        .replace("-000003", "-000001");
    let (status, body) = http(
        "POST",
        &format!("{url}/api/v1/certificates/{first}/revoke"),
        Some(&parties.reviewer_token),
        Some(("application/json", br#"{"reason":"after a restore"}"#)),
    );
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("log_behind_witness"), "{body}");
    instance.kill();
}
