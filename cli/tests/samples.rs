//! Measurements over time and attachments through the real binary on this machine: `samples`
//! recorded while `cpu.stress` runs (real sysinfo readings), the run's attachments, and an
//! attachment changed after signing refused by `mxcert verify`.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::report::Report;
use serde_json::Value;

fn mxcert(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_mxcert"));
    c.env("XDG_STATE_HOME", state)
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("MXCERT_LANG")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `mxcert run --plan quick --only cpu-stress` here; the report's bytes.
fn stress_report(dir: &Path) -> Vec<u8> {
    let out_path = dir.join("report.json");
    let out: Output = mxcert(dir)
        .args(["run", "--plan", "quick", "--non-interactive", "--only"])
        .args(["cpu-stress", "--session"])
        .arg(dir.join("session"))
        .arg("--out")
        .arg(&out_path)
        .output()
        .unwrap();
    // Other blockers are deselected: not certifiable (exit 1), but the run finished.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    std::fs::read(&out_path).unwrap()
}

fn mem_total_mib() -> u64 {
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap();
    let kib: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap();
    kib / 1024
}

fn has_thermal_sensor() -> bool {
    ["/sys/class/thermal", "/sys/class/hwmon"].iter().any(|d| {
        std::fs::read_dir(d)
            .map(|mut e| e.next().is_some())
            .unwrap_or(false)
    })
}

#[test]
fn cpu_stress_records_plausible_samples_and_the_run_attaches_its_kernel_log() {
    let tmp = tempfile::tempdir().unwrap();
    let bytes = stress_report(tmp.path());
    let report = Report::from_json(&bytes).unwrap();
    let value: Value = serde_json::from_slice(&bytes).unwrap();

    let stress = report
        .results
        .iter()
        .find(|r| r.id == "cpu-stress")
        .unwrap();
    let s = stress
        .samples
        .as_ref()
        .expect("samples on the cpu-stress result");
    // duration_s = 5 in the quick plan, one sample a second.
    assert!(
        (4..=30).contains(&s.len()),
        "{} samples over {} ms",
        s.len(),
        stress.duration_ms
    );
    s.check().unwrap();
    assert!(s.at_ms.windows(2).all(|w| w[1] > w[0]));
    assert!(*s.at_ms.last().unwrap() <= stress.duration_ms + 1500);
    // The stress check keeps every CPU busy; the machine cannot be idle while it runs.
    let peak = s.cpu_busy_percent.iter().copied().fold(0.0f32, f32::max);
    assert!(
        peak >= 50.0,
        "peak CPU busy {peak}%: {:?}",
        s.cpu_busy_percent
    );
    let total = mem_total_mib();
    assert!(
        s.memory_used_mib.iter().all(|&m| m > 16 && m <= total),
        "{:?} of {total} MiB",
        s.memory_used_mib
    );
    assert!(s.load_1m.iter().all(|&l| (0.0..1000.0).contains(&l)));
    if let Some(mhz) = &s.cpu_mhz {
        assert!(mhz.iter().all(|&f| (100..10_000).contains(&f)), "{mhz:?}");
    }
    let samples_json = &value["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "cpu-stress")
        .unwrap()["samples"];
    match &s.temperature_max_c {
        Some(t) => {
            assert!(has_thermal_sensor());
            assert!(
                t.iter().flatten().all(|c| (-40.0..130.0).contains(c)),
                "{t:?}"
            );
        }
        // No sensor (as in this VM): the column is absent, not zeros.
        None => assert!(samples_json.get("temperature_max_c").is_none()),
    }
    // Deselected tests never ran: nothing was sampled for them.
    let skipped = report
        .results
        .iter()
        .find(|r| r.id == "storage-rw")
        .unwrap();
    assert!(skipped.samples.is_none());

    // Attachments: each present one is bounded and its digest matches; every absent one of
    // the three has a note saying why.
    mxcert_core::attachment::check_all(&report.attachments).unwrap();
    let names: Vec<&str> = report.attachments.iter().map(|a| a.name.as_str()).collect();
    for (name, program) in [
        ("kernel.log", "dmesg"),
        ("systemctl-failed.txt", "systemctl"),
        ("fwupd-devices.json", "fwupdmgr"),
    ] {
        let noted = report
            .attachment_notes
            .iter()
            .any(|n| n.starts_with(program));
        assert!(
            names.contains(&name)
                || noted
                || (name == "fwupd-devices.json" && names.contains(&"fwupd-devices.txt")),
            "{name}: neither attached nor noted: {:?}",
            report.attachment_notes
        );
    }
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let host = host.trim();
    for a in &report.attachments {
        if host.len() >= mxcert_core::privacy::MIN_SECRET_LEN {
            assert!(!a.content.contains(host), "{} names the host", a.name);
        }
        assert!(a.content.len() <= mxcert_core::attachment::MAX_ATTACHMENT_BYTES);
    }
}

#[test]
fn an_attachment_changed_after_signing_fails_verification() {
    let tmp = tempfile::tempdir().unwrap();
    let keys = tmp.path().join("keys");
    let out = mxcert(tmp.path())
        .args(["keygen", "--out-dir"])
        .arg(&keys)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pem = std::fs::read_to_string(keys.join("mxcert.key")).unwrap();
    let key = mxcert_core::keys::private_key_from_pem(&pem).unwrap();

    // A real run's report with an attachment whose content we know.
    let bytes = stress_report(tmp.path());
    let mut report = Report::from_json(&bytes).unwrap();
    report.attachments = vec![mxcert_core::attachment::Attachment::new(
        "kernel.log",
        mxcert_core::attachment::MEDIA_TYPES[0],
        "[ 1.0] usb 1-1: new high-speed USB device\n".into(),
        1024,
        None,
    )];
    let signed_bytes = report.to_json_pretty();
    let report_path = tmp.path().join("with-attachment.json");
    std::fs::write(&report_path, &signed_bytes).unwrap();
    let env_path = tmp.path().join("report.dsse.json");
    let out = mxcert(tmp.path())
        .args(["sign", "--key"])
        .arg(keys.join("mxcert.key"))
        .arg(&report_path)
        .arg("--out")
        .arg(&env_path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let verify = |path: &Path| {
        mxcert(tmp.path())
            .args(["verify", "--pub"])
            .arg(keys.join("mxcert.pub"))
            .arg(path)
            .args(["--format", "json"])
            .output()
            .unwrap()
    };
    let ok = verify(&env_path);
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok.stderr));

    // The content changed in the envelope after signing: the signature no longer verifies.
    let mut envelope: Value = serde_json::from_slice(&std::fs::read(&env_path).unwrap()).unwrap();
    let payload = text(&signed_bytes).replace("high-speed", "low-speed!");
    envelope["payload"] = Value::String(STANDARD.encode(payload.as_bytes()));
    let tampered = tmp.path().join("tampered.dsse.json");
    std::fs::write(&tampered, serde_json::to_vec(&envelope).unwrap()).unwrap();
    let out = verify(&tampered);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["valid"], false);
    assert_eq!(answer["code"], "bad_signature", "{answer}");

    // Changed before signing (the digest left stale) and signed anyway, bypassing `mxcert
    // sign`: the signature holds but the attachment's digest does not.
    let stale = dsse::sign(REPORT_PAYLOAD_TYPE, payload.as_bytes(), &key);
    let stale_path = tmp.path().join("stale.dsse.json");
    std::fs::write(&stale_path, stale.to_json_pretty()).unwrap();
    let out = verify(&stale_path);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["code"], "attachment_digest_mismatch", "{answer}");
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("attachment kernel.log: its sha256 is"),
        "{answer}"
    );
    // And `mxcert sign` refuses to sign such a report in the first place.
    let stale_report = tmp.path().join("stale.json");
    std::fs::write(&stale_report, payload).unwrap();
    let out = mxcert(tmp.path())
        .args(["sign", "--key"])
        .arg(keys.join("mxcert.key"))
        .arg(&stale_report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("attachment kernel.log"),
        "{}",
        text(&out.stderr)
    );
}
