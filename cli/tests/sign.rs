//! `mxcert keygen`, `sign` and `verify` through the real binary: exit codes, distinct reasons for
//! each kind of tampering, and interoperability with another Ed25519 implementation (OpenSSL).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mxcert_core::dsse::{self, Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_core::inventory::{Inventory, Os, System};
use mxcert_core::report::{PlanRef, Report, Status, TestResult};

fn mxcert(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mxcert"))
        .args(args)
        .env_remove("MXCERT_REGISTRY")
        .env_remove("MXCERT_TOKEN")
        .output()
        .expect("run mxcert")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A small, valid report built from the core types (not a hand-written file that could drift).
fn write_report(dir: &Path) -> (PathBuf, Report) {
    let inventory = Inventory {
        schema_version: 1,
        created_at: "2026-11-30T12:00:00Z".parse().unwrap(),
        tool: mxcert::tool(),
        machine_id: Some("mx1-00112233445566778899aabbccddeeff".into()),
        system: System {
            vendor: Some("Lanix".into()),
            product: Some("Neuron V 2025".into()),
            ..Default::default()
        },
        os: Os {
            id: Some("mxos".into()),
            version: Some("1.0".into()),
            ..Default::default()
        },
        hardware: Default::default(),
        devices: vec![],
        probe: Default::default(),
    };
    let results = vec![TestResult {
        id: "storage-rw".into(),
        check: "storage.rw-verify".into(),
        device: None,
        phase: None,
        blocker: true,
        status: Status::Pass,
        started_at: None,
        duration_ms: 120,
        message: None,
        evidence: vec![],
        measurements: vec![],
        comment: None,
        samples: None,
    }];
    let report = Report::new(
        uuid::Uuid::now_v7(),
        "2026-11-30T12:00:01Z".parse().unwrap(),
        mxcert::tool(),
        inventory,
        PlanRef {
            id: "quick".into(),
            version: "1.0.0".into(),
            sha256: "0".repeat(64),
        },
        results,
    );
    let path = dir.join("report.json");
    std::fs::write(&path, report.to_json_pretty()).unwrap();
    (path, report)
}

fn keygen(dir: &Path, name: &str) -> PathBuf {
    let out_dir = dir.join(name);
    let out = mxcert(&["keygen", "--out-dir", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    out_dir
}

#[test]
fn keygen_writes_a_private_key_only_its_owner_reads_and_never_overwrites() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = keygen(tmp.path(), "k");
    let mode = std::fs::metadata(keys.join("mxcert.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let pem = std::fs::read_to_string(keys.join("mxcert.pub")).unwrap();
    let key = mxcert_core::keys::public_key_from_pem(&pem).unwrap();

    let again = mxcert(&["keygen", "--out-dir", keys.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(5));
    assert!(text(&again.stderr).contains("refusing to overwrite"));
    // The key on disk is unchanged.
    let pem2 = std::fs::read_to_string(keys.join("mxcert.pub")).unwrap();
    assert_eq!(mxcert_core::keys::public_key_from_pem(&pem2).unwrap(), key);
}

#[test]
fn sign_then_verify_and_every_tampering_is_refused_with_its_own_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = keygen(tmp.path(), "k");
    let other = keygen(tmp.path(), "other");
    let (report_path, report) = write_report(tmp.path());
    let env_path = tmp.path().join("report.dsse.json");
    let out = mxcert(&[
        "sign",
        "--key",
        keys.join("mxcert.key").to_str().unwrap(),
        report_path.to_str().unwrap(),
        "--out",
        env_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));

    // The envelope carries the exact bytes of the file.
    let env = Envelope::from_json(&std::fs::read(&env_path).unwrap()).unwrap();
    assert_eq!(
        env.payload_unverified().unwrap(),
        std::fs::read(&report_path).unwrap()
    );

    let pub_key = keys.join("mxcert.pub");
    let ok = mxcert(&[
        "verify",
        "--pub",
        pub_key.to_str().unwrap(),
        env_path.to_str().unwrap(),
    ]);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));
    let summary = text(&ok.stdout);
    assert!(summary.contains(&report.report_id.to_string()), "{summary}");
    assert!(summary.contains("verdict certifiable"), "{summary}");

    let write_variant = |name: &str, env: &Envelope| -> PathBuf {
        let p = tmp.path().join(name);
        std::fs::write(&p, env.to_json_pretty()).unwrap();
        p
    };
    let verify_code = |env_file: &Path, key: &Path| -> (Option<i32>, serde_json::Value) {
        let out = mxcert(&[
            "verify",
            "--format",
            "json",
            "--pub",
            key.to_str().unwrap(),
            env_file.to_str().unwrap(),
        ]);
        (
            out.status.code(),
            serde_json::from_slice(&out.stdout).unwrap_or_default(),
        )
    };

    let mut tampered = env.clone();
    let mut bytes = env.payload_unverified().unwrap();
    let pos = bytes.windows(5).position(|w| w == b"Lanix").unwrap();
    bytes[pos] = b'P';
    tampered.payload = STANDARD.encode(&bytes);
    let (code, v) = verify_code(&write_variant("payload.json", &tampered), &pub_key);
    assert_eq!((code, v["code"].as_str()), (Some(1), Some("bad_signature")));

    let mut wrong_type = env.clone();
    wrong_type.payload_type = "application/vnd.in-toto+json".into();
    let (code, v) = verify_code(&write_variant("type.json", &wrong_type), &pub_key);
    assert_eq!(
        (code, v["code"].as_str()),
        (Some(1), Some("wrong_payload_type"))
    );

    let (code, v) = verify_code(&env_path, &other.join("mxcert.pub"));
    assert_eq!((code, v["code"].as_str()), (Some(1), Some("unknown_keyid")));

    let mut truncated = env.clone();
    truncated.payload.truncate(truncated.payload.len() / 2 + 1);
    let (code, v) = verify_code(&write_variant("trunc.json", &truncated), &pub_key);
    assert_eq!(
        (code, v["code"].as_str()),
        (Some(1), Some("malformed_payload"))
    );

    let garbage = tmp.path().join("garbage.json");
    std::fs::write(&garbage, b"\x00\x01 not json").unwrap();
    let (code, v) = verify_code(&garbage, &pub_key);
    assert_eq!(
        (code, v["code"].as_str()),
        (Some(1), Some("malformed_envelope"))
    );

    // A file that does not exist is an input error (exit 3), not a verification failure.
    let missing = mxcert(&[
        "verify",
        "--pub",
        pub_key.to_str().unwrap(),
        "/nonexistent/x.json",
    ]);
    assert_eq!(missing.status.code(), Some(3));
    assert!(text(&missing.stderr).contains("/nonexistent/x.json"));
}

#[test]
fn sign_refuses_a_file_that_is_not_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = keygen(tmp.path(), "k");
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, br#"{"schema_version": 1, "report_id": "nope"}"#).unwrap();
    let out = mxcert(&[
        "sign",
        "--key",
        keys.join("mxcert.key").to_str().unwrap(),
        bad.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(3));
    let err = text(&out.stderr);
    assert!(
        err.contains("bad.json") && err.contains("report_id"),
        "{err}"
    );
}

fn openssl_available() -> bool {
    Command::new("openssl")
        .arg("version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

#[test]
fn signatures_interoperate_with_openssl_in_both_directions() {
    if !openssl_available() {
        eprintln!("skipped: openssl is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let keys = keygen(tmp.path(), "k");
    let (report_path, _) = write_report(tmp.path());
    let payload = std::fs::read(&report_path).unwrap();
    let pae_path = tmp.path().join("pae.bin");
    std::fs::write(&pae_path, dsse::pae(REPORT_PAYLOAD_TYPE, &payload)).unwrap();

    // OpenSSL reads mxcert's PKCS#8 key and signs the PAE; mxcert verifies the result.
    let sig_path = tmp.path().join("sig.bin");
    let st = Command::new("openssl")
        .args(["pkeyutl", "-sign", "-rawin", "-inkey"])
        .arg(keys.join("mxcert.key"))
        .arg("-in")
        .arg(&pae_path)
        .arg("-out")
        .arg(&sig_path)
        .status()
        .unwrap();
    assert!(st.success());
    let key = mxcert_core::keys::public_key_from_pem(
        &std::fs::read_to_string(keys.join("mxcert.pub")).unwrap(),
    )
    .unwrap();
    let env = Envelope {
        payload_type: REPORT_PAYLOAD_TYPE.into(),
        payload: STANDARD.encode(&payload),
        signatures: vec![dsse::EnvelopeSignature {
            keyid: mxcert_core::keys::key_id(&key),
            sig: STANDARD.encode(std::fs::read(&sig_path).unwrap()),
        }],
    };
    let env_path = tmp.path().join("openssl.dsse.json");
    std::fs::write(&env_path, env.to_json_pretty()).unwrap();
    let out = mxcert(&[
        "verify",
        "--pub",
        keys.join("mxcert.pub").to_str().unwrap(),
        env_path.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // mxcert signs; OpenSSL verifies with mxcert's SPKI public key, and agrees on the key id.
    let signed = tmp.path().join("mxcert.dsse.json");
    let out = mxcert(&[
        "sign",
        "--key",
        keys.join("mxcert.key").to_str().unwrap(),
        report_path.to_str().unwrap(),
        "--out",
        signed.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    let env = Envelope::from_json(&std::fs::read(&signed).unwrap()).unwrap();
    std::fs::write(&sig_path, STANDARD.decode(&env.signatures[0].sig).unwrap()).unwrap();
    let verify = Command::new("openssl")
        .args(["pkeyutl", "-verify", "-rawin", "-pubin", "-inkey"])
        .arg(keys.join("mxcert.pub"))
        .arg("-in")
        .arg(&pae_path)
        .arg("-sigfile")
        .arg(&sig_path)
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", text(&verify.stdout));
    let der = Command::new("openssl")
        .args(["pkey", "-pubin", "-outform", "DER", "-in"])
        .arg(keys.join("mxcert.pub"))
        .output()
        .unwrap();
    use sha2::Digest;
    assert_eq!(
        hex::encode(sha2::Sha256::digest(&der.stdout)),
        env.signatures[0].keyid
    );
}

#[test]
fn usage_errors_exit_2_and_help_exits_0() {
    let out = mxcert(&["sign"]);
    assert_eq!(out.status.code(), Some(2));
    let out = mxcert(&["--help"]);
    assert_eq!(out.status.code(), Some(0));
    assert!(text(&out.stdout).contains("keygen"));
}

/// A report whose envelope is over the registry's 8 MiB body limit: `sign` warns, `submit`
/// refuses it with the sizes (exit 3) before connecting: a listener given as the registry never
/// sees a connection. One byte under the limit, `submit` does connect.
#[test]
fn submit_refuses_an_envelope_over_the_registrys_limit_without_sending_it() {
    use mxcert_core::budget::MAX_ENVELOPE_BYTES;
    let tmp = tempfile::tempdir().unwrap();
    let keys = keygen(tmp.path(), "k");
    let (report_path, mut report) = write_report(tmp.path());
    report.results[0]
        .evidence
        .push(mxcert_core::report::Evidence {
            label: "output".into(),
            text: "z".repeat(MAX_ENVELOPE_BYTES / 4 * 3),
        });
    std::fs::write(&report_path, report.to_json_pretty()).unwrap();
    let env_path = tmp.path().join("big.dsse.json");
    let out = mxcert(&[
        "sign",
        "--key",
        keys.join("mxcert.key").to_str().unwrap(),
        report_path.to_str().unwrap(),
        "--out",
        env_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let size = std::fs::metadata(&env_path).unwrap().len();
    assert!(size > MAX_ENVELOPE_BYTES as u64);
    assert!(
        text(&out.stderr).contains(&format!(
            "warning: the envelope is {size} bytes, more than the registry's limit of {MAX_ENVELOPE_BYTES}; mxcert submit will refuse it"
        )),
        "{}",
        text(&out.stderr)
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let submit = |path: &Path| {
        Command::new(env!("CARGO_BIN_EXE_mxcert"))
            .args(["submit", "--registry", &url, "--token", "mxc_test"])
            .arg(path)
            .env("XDG_CONFIG_HOME", tmp.path())
            .env("MXCERT_SYSCONFDIR", tmp.path())
            .output()
            .unwrap()
    };
    let out = submit(&env_path);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).trim_end(),
        format!(
            "mxcert: {}: the envelope is {size} bytes, more than the registry's limit of {MAX_ENVELOPE_BYTES} bytes (8 MiB); not sent. Reports written by mxcert run fit; sign a report with fewer or smaller attachments and shorter sample series",
            env_path.display()
        )
    );
    assert!(
        listener.accept().is_err(),
        "nothing connected to the registry"
    );

    // At the limit the size is not what refuses it (cut there, it is no longer an envelope).
    let at_limit = tmp.path().join("at-limit.json");
    let mut bytes = std::fs::read(&env_path).unwrap();
    bytes.truncate(MAX_ENVELOPE_BYTES);
    std::fs::write(&at_limit, &bytes).unwrap();
    let out = submit(&at_limit);
    assert!(
        !text(&out.stderr).contains("more than the registry's limit"),
        "{}",
        text(&out.stderr)
    );
}
