//! The envelope budget's cost: `budget::fit` on a report at the edge (30 hour-long sample series
//! and 16 full attachments of kernel log lines that JSON escaping makes larger: about 12 MB of
//! report), beside a baseline in the same run: what the runner and `mxcert sign` do anyway with
//! that report (serialise it once and sign it).
//!
//! `cargo bench -p mxcert-core --bench budget` (`MXCERT_BENCH_RUNS`, default 7, the median is
//! shown). Under `cargo test` it does nothing.

#[path = "../tests/budget_data/mod.rs"]
mod budget_data;

use std::time::{Duration, Instant};

use mxcert_core::budget;
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::keys::SigningKey;
use mxcert_core::samples::MAX_SAMPLES;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let runs: usize = std::env::var("MXCERT_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(7);
    let results = (0..30)
        .map(|i| budget_data::result(i, MAX_SAMPLES))
        .collect();
    let edge = budget_data::report(results, budget_data::full_attachments());
    let key = SigningKey::from_bytes(&[9u8; 32]);
    let size = edge.to_json_pretty().len();
    let (mut base, mut fit) = (Vec::new(), Vec::new());
    let mut fitted = 0;
    for _ in 0..runs {
        let t = Instant::now();
        let env = dsse::sign(REPORT_PAYLOAD_TYPE, &edge.to_json_pretty(), &key).to_json_pretty();
        base.push(t.elapsed());
        assert!(env.len() > budget::MAX_ENVELOPE_BYTES);
        let mut r = edge.clone();
        let t = Instant::now();
        budget::fit(&mut r, budget::max_report_bytes()).unwrap();
        fit.push(t.elapsed());
        fitted = r.to_json_pretty().len();
    }
    let (b, f) = (median(base), median(fit));
    println!(
        "report at the edge: {size} bytes, fitted to {fitted} bytes (limit {})",
        budget::max_report_bytes()
    );
    println!(
        "baseline (serialise + sign once): {:.1} ms",
        b.as_secs_f64() * 1e3
    );
    println!(
        "budget::fit:                      {:.1} ms ({:.2}x the baseline)",
        f.as_secs_f64() * 1e3,
        f.as_secs_f64() / b.as_secs_f64()
    );
}
