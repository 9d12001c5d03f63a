//! Reports at the edge of the envelope budget, shared by `tests/budget.rs` and
//! `benches/budget.rs`: hour-long sample series and full attachments of kernel log lines that
//! JSON escaping makes larger.
#![allow(dead_code)]

use chrono::{TimeZone, Utc};
use mxcert_core::attachment::{Attachment, MAX_ATTACHMENT_BYTES, MEDIA_TYPES};
use mxcert_core::inventory::Inventory;
use mxcert_core::report::{PlanRef, Report, Status, TestResult, Tool};
use mxcert_core::samples::{Sample, Samples};

pub fn result(i: usize, points: usize) -> TestResult {
    let samples: Vec<Sample> = (0..points)
        .map(|n| Sample {
            at_ms: n as u64 * 1000 + 3,
            cpu_busy_percent: 37.5 + (n % 60) as f32,
            cpu_mhz: Some(2_400 + (n % 900) as u32),
            memory_used_mib: 3_000 + (n % 500) as u64,
            load_1m: 1.25 + (n % 7) as f32 / 4.0,
            temperature_max_c: Some(55.5 + (n % 30) as f32 / 2.0),
        })
        .collect();
    TestResult {
        id: format!("stress-{i}"),
        check: "cpu.stress".into(),
        device: None,
        phase: None,
        blocker: true,
        status: Status::Pass,
        started_at: None,
        duration_ms: points as u64 * 1000,
        message: Some("ran".into()),
        evidence: Vec::new(),
        measurements: Vec::new(),
        comment: None,
        samples: (points > 0).then(|| Box::new(Samples::from_points(&samples))),
    }
}

/// Kernel log lines with what JSON must escape (quotes, a tab, control characters): about 1.5
/// times their size in JSON.
pub fn log(bytes: usize, seed: usize) -> String {
    let mut s = String::new();
    let mut n = seed;
    while s.len() < bytes {
        s.push_str(&format!(
            "[{n:>8}.000000] usb 1-9: \"device\"\tdescriptor \u{1}\u{2}\u{3}\u{4}\u{5}\u{6} error -71\n"
        ));
        n += 1;
    }
    s.truncate(bytes);
    s
}

pub fn report(results: Vec<TestResult>, attachments: Vec<Attachment>) -> Report {
    let inventory = Inventory::from_json(include_bytes!(
        "../../../test-suites/tests/fixtures/inventories/laptop.json"
    ))
    .unwrap();
    let mut r = Report::new(
        uuid::Uuid::from_u128(7),
        Utc.with_ymd_and_hms(2026, 12, 5, 15, 0, 0).unwrap(),
        Tool {
            name: "mxcert".into(),
            version: "0.1.0".into(),
        },
        inventory,
        PlanRef {
            id: "desktop".into(),
            version: "1".into(),
            sha256: "0".repeat(64),
        },
        results,
    );
    r.attachments = attachments;
    r
}

pub fn full_attachments() -> Vec<Attachment> {
    (0..16)
        .map(|i| {
            Attachment::new(
                &format!("kernel-{i}.log"),
                MEDIA_TYPES[0],
                log(MAX_ATTACHMENT_BYTES, i * 10_000),
                MAX_ATTACHMENT_BYTES,
                None,
            )
        })
        .collect()
}
