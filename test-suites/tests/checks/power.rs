use mxcert_core::plan::params::{PowerBattery, PowerSuspend, SleepState};
use mxcert_core::report::Status;
use mxcert_suites::checks::{power_battery, power_suspend};

use crate::support::{ctx, inventory, live, on_reference_vm, Tree};

fn battery(tree: &Tree, name: &str, full: u64, design: u64) {
    let b = format!("/sys/class/power_supply/{name}");
    tree.file(&format!("{b}/type"), "Battery\n")
        .file(&format!("{b}/present"), "1\n")
        .file(&format!("{b}/status"), "Discharging\n")
        .file(&format!("{b}/capacity"), "76\n")
        .file(&format!("{b}/energy_full"), &format!("{full}\n"))
        .file(&format!("{b}/energy_full_design"), &format!("{design}\n"))
        .file(&format!("{b}/cycle_count"), "112\n")
        .file(&format!("{b}/technology"), "Li-poly\n");
}

#[test]
fn battery_health_is_full_over_design_capacity() {
    let tree = Tree::new();
    battery(&tree, "BAT0", 44_100_000, 54_000_000);
    // A wireless mouse's battery is not the system's.
    tree.file("/sys/class/power_supply/hidpp_battery_0/type", "Battery\n")
        .file("/sys/class/power_supply/hidpp_battery_0/scope", "Device\n")
        .file("/sys/class/power_supply/AC/type", "Mains\n");
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());

    let out = power_battery::run(
        &PowerBattery {
            required: true,
            min_health_percent: 80,
        },
        &c,
    );
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("health@BAT0"), Some(81.667));
    assert_eq!(out.measurement("charge@BAT0"), Some(76.0));
    assert_eq!(out.measurement("cycles@BAT0"), Some(112.0));
    assert_eq!(
        out.evidence_text("batteries"),
        Some("BAT0: Discharging, charge 76%, health 81.7% of design capacity, 112 cycles, Li-poly")
    );

    let out = power_battery::run(
        &PowerBattery {
            required: true,
            min_health_percent: 85,
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some("BAT0 holds 81.7% of its design capacity (the plan needs 85%)")
    );
}

#[test]
fn no_battery_skips_unless_required() {
    let t = tempfile::tempdir().unwrap();
    let c = live(t.path());
    if !on_reference_vm() {
        eprintln!("skipped: this machine may have a battery");
        return;
    }
    let out = power_battery::run(&PowerBattery::default(), &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("this machine reports no battery")
    );
    let out = power_battery::run(
        &PowerBattery {
            required: true,
            min_health_percent: 0,
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
}

#[test]
fn suspend_needs_permission_and_root() {
    let t = tempfile::tempdir().unwrap();
    let mut c = live(t.path());
    let p = PowerSuspend::default();
    let out = power_suspend::run(&p, &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("suspend not allowed: pass --allow-suspend to let this test suspend the machine")
    );
    c.options.allow_suspend = true;
    c.is_root = false;
    let out = power_suspend::run(&p, &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("suspending needs root (it writes /sys/power/state)")
    );
}

/// Against a fixture tree the kernel files are plain files: writing `mem` returns at once, so
/// the check sees a machine that never slept and must fail. (This never suspends the machine
/// running the tests: every write goes into the tree.)
#[test]
fn a_suspend_that_did_not_happen_is_caught_by_the_clocks() {
    let tree = Tree::new();
    tree.file("/sys/power/state", "freeze mem disk\n")
        .file("/sys/power/mem_sleep", "s2idle [deep]\n")
        .file("/sys/power/suspend_stats/fail", "0\n")
        .file("/sys/class/rtc/rtc0/wakealarm", "");
    let t = tempfile::tempdir().unwrap();
    let mut c = ctx(inventory("laptop.json"), tree.root(), t.path());
    c.options.allow_suspend = true;
    c.is_root = true;
    let out = power_suspend::run(
        &PowerSuspend {
            sleep_s: 10,
            state: SleepState::Mem,
        },
        &c,
    );
    assert_eq!(out.status, Status::Fail);
    // The clocks are read one after the other, so under load the time "asleep" is a few
    // milliseconds either way of zero: never negative, and well under the 10 s asked for.
    let message = out.message.as_deref().unwrap();
    assert!(
        message.starts_with("the machine did not stay suspended: ")
            && message.contains(" s asleep, expected about 10 s")
            && !message.contains("-0"),
        "{message}"
    );
    let suspended = out.measurement("suspended").unwrap();
    assert!((0.0..0.5).contains(&suspended), "{suspended}");
    assert_eq!(
        std::fs::read_to_string(tree.root().join("sys/power/state")).unwrap(),
        "mem"
    );
    assert_eq!(
        std::fs::read_to_string(tree.root().join("sys/class/rtc/rtc0/wakealarm")).unwrap(),
        "0"
    );

    tree.file("/sys/power/state", "freeze\n");
    let out = power_suspend::run(&PowerSuspend::default(), &c);
    assert_eq!(
        out.message.as_deref(),
        Some("the kernel does not offer suspend state mem (offers: freeze)")
    );
}
