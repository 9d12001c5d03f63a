//! `cpu.stress`: every core busy for the configured time on computations whose results are
//! checked ([`crate::workload`]). Reports throughput per core (units of work per second) and the
//! highest temperature seen; fails on any wrong result or when a thermal zone reaches its
//! critical or hot trip point.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use mxcert_core::plan::params::CpuStress;

use crate::sensors::{self, Watch};
use crate::{workload, Context, Outcome};

pub fn run(p: &CpuStress, ctx: &Context) -> Outcome {
    let threads = if p.threads == 0 {
        workload::all_cores()
    } else {
        p.threads as usize
    };
    let zones = sensors::zones(&ctx.root);
    let throttle_before = sensors::throttle_count(&ctx.root);
    let mut watch = Watch::default();
    let stop = AtomicBool::new(false);
    let stats = workload::run(
        threads,
        Duration::from_secs(p.duration_s),
        &stop,
        Duration::from_millis(500),
        || watch.sample(&ctx.root, &zones),
    );
    let throttle_after = sensors::throttle_count(&ctx.root);

    let rates: Vec<f64> = stats.iter().map(|s| s.rate()).collect();
    let total: f64 = rates.iter().sum();
    let per_core = total / rates.len().max(1) as f64;
    let slowest = rates.iter().copied().fold(f64::INFINITY, f64::min);
    let units: u64 = stats.iter().map(|s| s.units).sum();
    let errors: u64 = stats.iter().map(|s| s.errors).sum();

    let mut failures = Vec::new();
    if errors > 0 {
        let first = stats
            .iter()
            .find_map(|s| s.first_error.clone())
            .unwrap_or_default();
        failures.push(format!(
            "{errors} of {units} computations gave a wrong result ({first})"
        ));
    }
    if units == 0 {
        failures.push("no computation finished".into());
    }
    failures.extend(watch.tripped.iter().cloned());
    let mut out = Outcome::pass_unless(
        &failures,
        format!(
            "{threads} threads for {} s: {units} verified computations, {per_core:.1}/s per core",
            p.duration_s
        ),
    );
    let per_thread: Vec<String> = stats
        .iter()
        .enumerate()
        .map(|(i, s)| {
            format!(
                "thread {i}: {} units in {:.2} s ({:.1}/s), {} wrong",
                s.units,
                s.elapsed.as_secs_f64(),
                s.rate(),
                s.errors
            )
        })
        .collect();
    out.add_evidence("workers", per_thread.join("\n"));
    out.add_measurement("throughput_per_core", per_core, "ops/s");
    out.add_measurement("throughput_slowest_core", slowest, "ops/s");
    out.add_measurement("throughput_total", total, "ops/s");
    out.add_measurement("threads", threads as f64, "threads");
    out.add_measurement("wrong_results", errors as f64, "ops");
    match &watch.max {
        Some((label, c)) => {
            out.add_measurement("max_temperature", *c, "°C");
            out.add_evidence("hottest sensor", format!("{label}: {c:.1} °C"));
        }
        None => out.add_evidence(
            "temperature",
            "no thermal zone or hwmon sensor is readable on this machine",
        ),
    }
    if let (Some(a), Some(b)) = (throttle_before, throttle_after) {
        out.add_measurement(
            "thermal_throttle_events",
            b.saturating_sub(a) as f64,
            "events",
        );
    }
    out
}
