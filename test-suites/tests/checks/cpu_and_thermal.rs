use mxcert_core::plan::params::{CpuStress, ThermalZones};
use mxcert_core::report::Status;
use mxcert_suites::checks::{cpu_stress, thermal_zones};

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

/// A thermal zone reading `temp_mc` with a critical trip point at `crit_mc`.
fn zone(tree: &Tree, n: u32, kind: &str, temp_mc: i64, crit_mc: i64) {
    let z = format!("/sys/class/thermal/thermal_zone{n}");
    tree.file(&format!("{z}/type"), kind)
        .file(&format!("{z}/temp"), &format!("{temp_mc}\n"))
        .file(&format!("{z}/trip_point_0_type"), "passive\n")
        .file(
            &format!("{z}/trip_point_0_temp"),
            &format!("{}\n", crit_mc - 10_000),
        )
        .file(&format!("{z}/trip_point_1_type"), "critical\n")
        .file(&format!("{z}/trip_point_1_temp"), &format!("{crit_mc}\n"));
}

#[test]
fn every_core_computes_verified_results_for_the_whole_duration() {
    let t = tempfile::tempdir().unwrap();
    let p = CpuStress {
        duration_s: 1,
        threads: 2,
    };
    let out = cpu_stress::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("threads"), Some(2.0));
    assert_eq!(out.measurement("wrong_results"), Some(0.0));
    let per_core = out.measurement("throughput_per_core").unwrap();
    let total = out.measurement("throughput_total").unwrap();
    assert!(per_core > 1.0, "{per_core}");
    assert!(
        (total - 2.0 * per_core).abs() < 0.01 * total + 0.01,
        "{total} vs {per_core}"
    );
    assert!(out.measurement("throughput_slowest_core").unwrap() <= per_core + 0.001);
    assert_eq!(out.evidence_text("workers").unwrap().lines().count(), 2);
    if on_reference_vm() {
        // No thermal zone or hwmon sensor here: no temperature is claimed.
        assert_eq!(out.measurement("max_temperature"), None);
        assert!(out
            .evidence_text("temperature")
            .unwrap()
            .contains("no thermal zone"));
    }
}

#[test]
fn reaching_a_critical_trip_point_fails_and_the_peak_is_reported() {
    let tree = Tree::new();
    zone(&tree, 0, "x86_pkg_temp", 101_000, 100_000);
    zone(&tree, 1, "acpitz", 47_000, 110_000);
    tree.file("/sys/class/hwmon/hwmon0/name", "nvme\n")
        .file("/sys/class/hwmon/hwmon0/temp1_input", "38850\n")
        .file(
            "/sys/devices/system/cpu/cpu0/thermal_throttle/core_throttle_count",
            "7\n",
        );
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let out = cpu_stress::run(
        &CpuStress {
            duration_s: 1,
            threads: 1,
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("thermal_zone0 (x86_pkg_temp) reached 101.0 °C, at or above its critical trip point of 100.0 °C")
    );
    assert_eq!(out.measurement("max_temperature"), Some(101.0));
    assert_eq!(
        out.evidence_text("hottest sensor"),
        Some("thermal_zone0 (x86_pkg_temp): 101.0 °C")
    );
    assert_eq!(out.measurement("thermal_throttle_events"), Some(0.0));
}

#[test]
fn thermal_zones_under_load_pass_below_trips_and_fail_above_the_plan_limit() {
    let tree = Tree::new();
    zone(&tree, 0, "x86_pkg_temp", 62_000, 100_000);
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    let out = thermal_zones::run(
        &ThermalZones {
            duration_s: 1,
            max_celsius: None,
        },
        &c,
    );
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("max_zone_temperature"), Some(62.0));
    assert!(out.measurement("samples").unwrap() >= 2.0);
    assert_eq!(
        out.evidence_text("zones"),
        Some("thermal_zone0 (x86_pkg_temp): idle 62.0 °C, peak 62.0 °C, critical trip 100.0 °C")
    );
    let out = thermal_zones::run(
        &ThermalZones {
            duration_s: 1,
            max_celsius: Some(60),
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("thermal_zone0 (x86_pkg_temp) reached 62.0 °C, above the plan's 60 °C")
    );
}

#[test]
fn a_machine_without_thermal_zones_skips_the_thermal_check() {
    let tree = Tree::new();
    let t = tempfile::tempdir().unwrap();
    let out = thermal_zones::run(
        &ThermalZones {
            duration_s: 1,
            max_celsius: None,
        },
        &ctx(inventory("laptop.json"), tree.root(), t.path()),
    );
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("this machine exposes no thermal zone (/sys/class/thermal)")
    );
}
