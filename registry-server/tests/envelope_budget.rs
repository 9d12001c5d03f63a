//! The registry's body limit and the runner's envelope budget are one number
//! (`mxcert_core::budget::MAX_ENVELOPE_BYTES`): with the default configuration, a report with
//! 4 MiB of attachments and hour-long series, trimmed by `budget::fit` as `mxcert run` does,
//! signed, is accepted (201); the same report untrimmed is refused with 413; a body of exactly
//! the limit is read (and refused for what it is, not its size). On SQLite and PostgreSQL.

mod common;

use axum::http::{Method, StatusCode};
use common::{database_kinds, report, sign, Registry, ReportSpec};
use mxcert_core::attachment::{Attachment, MAX_ATTACHMENT_BYTES, MEDIA_TYPES};
use mxcert_core::budget::{self, MAX_ENVELOPE_BYTES};
use mxcert_core::samples::{Sample, Samples, MAX_SAMPLES};

/// Log lines with quotes and backslashes, which JSON escaping makes about 1.3 times larger.
fn log(bytes: usize, seed: usize) -> String {
    let mut s = String::new();
    let mut n = seed;
    while s.len() < bytes {
        s.push_str(&format!(
            "[{n:>8}.000000] usb \"1-9\": \"descriptor\" read C:\\\\dev\\\\x \"a\" \"b\" error -71\n"
        ));
        n += 1;
    }
    s.truncate(bytes);
    s
}

fn big_report() -> mxcert_core::report::Report {
    let mut r = report(ReportSpec::default());
    let points: Vec<Sample> = (0..MAX_SAMPLES)
        .map(|n| Sample {
            at_ms: n as u64 * 1000,
            cpu_busy_percent: 40.0 + (n % 50) as f32,
            cpu_mhz: Some(2_000 + (n % 1_000) as u32),
            memory_used_mib: 4_000 + (n % 300) as u64,
            load_1m: 2.5,
            temperature_max_c: Some(60.5),
        })
        .collect();
    let series = Samples::from_points(&points);
    for res in &mut r.results {
        res.samples = Some(Box::new(series.clone()));
    }
    r.attachments = (0..16)
        .map(|i| {
            Attachment::new(
                &format!("kernel-{i}.log"),
                MEDIA_TYPES[0],
                log(MAX_ATTACHMENT_BYTES, i * 10_000),
                MAX_ATTACHMENT_BYTES,
                None,
            )
        })
        .collect();
    r
}

#[tokio::test]
async fn a_trimmed_report_fits_the_registrys_default_body_limit() {
    for kind in database_kinds() {
        let r = Registry::new(kind).await;
        assert_eq!(r.state.config.max_body_bytes, MAX_ENVELOPE_BYTES);
        let untrimmed = big_report();
        let too_big = sign(&untrimmed, &r.key_a);
        assert!(
            too_big.len() > MAX_ENVELOPE_BYTES,
            "{kind}: {}",
            too_big.len()
        );
        let (status, body) = r
            .call(
                Method::POST,
                "/api/v1/submissions",
                Some(&r.vendor_a),
                too_big,
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{kind}: {body}");

        let mut trimmed = untrimmed;
        let notes = budget::fit(&mut trimmed, budget::max_report_bytes()).unwrap();
        assert!(!notes.is_empty());
        trimmed.attachment_notes.extend(notes);
        let envelope = sign(&trimmed, &r.key_a);
        assert!(envelope.len() <= MAX_ENVELOPE_BYTES);
        let (status, body) = r
            .call(
                Method::POST,
                "/api/v1/submissions",
                Some(&r.vendor_a),
                envelope,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");

        // The limit itself: exactly that many bytes are read; one more is not.
        let (status, body) = r
            .call(
                Method::POST,
                "/api/v1/submissions",
                Some(&r.vendor_a),
                vec![b' '; MAX_ENVELOPE_BYTES],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{kind}: {body}");
        let (status, body) = r
            .call(
                Method::POST,
                "/api/v1/submissions",
                Some(&r.vendor_a),
                vec![b' '; MAX_ENVELOPE_BYTES + 1],
            )
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{kind}: {body}");
        assert_eq!(body["error"]["code"], "body_too_large");
        r.db.cleanup().await;
    }
}
