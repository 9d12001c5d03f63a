//! `thermal.zones`: puts every core under load for the configured time while sampling each
//! thermal zone once a second; fails when a zone reaches its critical or hot trip point, or goes
//! above `max_celsius`. Skipped when the machine exposes no thermal zone.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use mxcert_core::plan::params::ThermalZones;

use crate::sensors::{self, Watch};
use crate::{workload, Context, Outcome};

pub fn run(p: &ThermalZones, ctx: &Context) -> Outcome {
    let zones = sensors::zones(&ctx.root);
    if zones.is_empty() {
        return Outcome::skip("this machine exposes no thermal zone (/sys/class/thermal)");
    }
    let mut watch = Watch::default();
    let mut idle = Watch::default();
    idle.sample(&ctx.root, &zones);
    let stop = AtomicBool::new(false);
    workload::run(
        workload::all_cores(),
        Duration::from_secs(p.duration_s),
        &stop,
        Duration::from_secs(1),
        || watch.sample(&ctx.root, &zones),
    );
    let mut failures = watch.tripped.clone();
    if let Some(limit) = p.max_celsius {
        for (zone, c) in &watch.zone_max {
            if *c > limit as f64 {
                failures.push(format!(
                    "{zone} reached {c:.1} °C, above the plan's {limit} °C"
                ));
            }
        }
    }
    let mut out = Outcome::pass_unless(
        &failures,
        format!(
            "{} zones stayed below their trip points over {} s of load",
            zones.len(),
            p.duration_s
        ),
    );
    let lines: Vec<String> = zones
        .iter()
        .map(|z| {
            let before = idle
                .zone_max
                .iter()
                .find(|(l, _)| *l == z.label())
                .map(|x| x.1);
            let peak = watch
                .zone_max
                .iter()
                .find(|(l, _)| *l == z.label())
                .map(|x| x.1);
            let trip = z
                .emergency_trip()
                .map(|t| format!("{} trip {:.1} °C", t.kind, t.temp_mc as f64 / 1000.0))
                .unwrap_or_else(|| "no critical trip point".into());
            format!(
                "{}: idle {} °C, peak {} °C, {trip}",
                z.label(),
                before.map_or("?".into(), |c| format!("{c:.1}")),
                peak.map_or("?".into(), |c| format!("{c:.1}"))
            )
        })
        .collect();
    out.add_evidence("zones", lines.join("\n"));
    if let Some((_, c)) = &watch.max {
        out.add_measurement("max_temperature", *c, "°C");
    }
    let peak_zone = watch.zone_max.iter().map(|z| z.1).fold(f64::NAN, f64::max);
    out.add_measurement("max_zone_temperature", peak_zone, "°C");
    out.add_measurement("samples", f64::from(watch.samples), "samples");
    out
}
