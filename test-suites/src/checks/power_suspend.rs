//! `power.suspend`: suspends the machine and lets the RTC alarm wake it, then checks that it
//! really slept: `CLOCK_BOOTTIME` keeps counting during suspend while `CLOCK_MONOTONIC` stops, so
//! the difference of their advances is the time spent suspended. The kernel's suspend failure
//! counter must not grow.
//!
//! Runs only with `--allow-suspend` and as root; otherwise it is skipped with that reason. Every
//! read and write goes through the context's root, so tests run it against a fixture tree and
//! never suspend the machine they run on.

use std::time::Duration;

use mxcert_core::plan::params::{PowerSuspend, SleepState};
use nix::time::{clock_gettime, ClockId};

use crate::root::{attr, attr_i64};
use crate::{Context, Outcome};

fn seconds(clock: ClockId) -> Option<f64> {
    clock_gettime(clock)
        .ok()
        .map(|t| Duration::from(t).as_secs_f64())
}

pub fn run(p: &PowerSuspend, ctx: &Context) -> Outcome {
    if !ctx.options.allow_suspend {
        return Outcome::skip(
            "suspend not allowed: pass --allow-suspend to let this test suspend the machine",
        );
    }
    if !ctx.is_root {
        return Outcome::skip("suspending needs root (it writes /sys/power/state)");
    }
    let state_file = ctx.path("/sys/power/state");
    let offered = attr(&state_file).unwrap_or_default();
    let want = match p.state {
        SleepState::Mem => "mem",
        SleepState::Freeze => "freeze",
    };
    if !offered.split_whitespace().any(|s| s == want) {
        return Outcome::fail(format!(
            "the kernel does not offer suspend state {want} (offers: {})",
            if offered.is_empty() { "none" } else { &offered }
        ));
    }
    let alarm = ctx.path("/sys/class/rtc/rtc0/wakealarm");
    if !alarm.exists() {
        return Outcome::skip("no RTC wake alarm (/sys/class/rtc/rtc0/wakealarm), so the machine could not wake itself");
    }
    let fails_before = attr_i64(&ctx.path("/sys/power/suspend_stats/fail"));
    // Clear any old alarm, then arm a relative one.
    if let Err(e) =
        std::fs::write(&alarm, "0").and_then(|()| std::fs::write(&alarm, format!("+{}", p.sleep_s)))
    {
        return Outcome::error(format!(
            "cannot set the RTC wake alarm {}: {e}",
            alarm.display()
        ));
    }
    let (boot0, mono0) = (
        seconds(ClockId::CLOCK_BOOTTIME),
        seconds(ClockId::CLOCK_MONOTONIC),
    );
    // This write returns after the machine has resumed.
    let written = std::fs::write(&state_file, want);
    let (boot1, mono1) = (
        seconds(ClockId::CLOCK_BOOTTIME),
        seconds(ClockId::CLOCK_MONOTONIC),
    );
    let _ = std::fs::write(&alarm, "0");
    if let Err(e) = written {
        return Outcome::fail(format!("the kernel refused to suspend ({want}): {e}"));
    }
    let (Some(b0), Some(m0), Some(b1), Some(m1)) = (boot0, mono0, boot1, mono1) else {
        return Outcome::error("cannot read the system clocks");
    };
    // The two clocks are read one after the other, so a machine that never slept can come out a
    // hair below zero (it printed "-0.0 s asleep").
    let slept = ((b1 - b0) - (m1 - m0)).max(0.0);
    let awake = m1 - m0;
    let mut failures = Vec::new();
    if slept < p.sleep_s as f64 / 2.0 {
        failures.push(format!(
            "the machine did not stay suspended: {slept:.1} s asleep, expected about {} s",
            p.sleep_s
        ));
    }
    let fails_after = attr_i64(&ctx.path("/sys/power/suspend_stats/fail"));
    if let (Some(a), Some(b)) = (fails_before, fails_after) {
        if b > a {
            let dev =
                attr(&ctx.path("/sys/power/suspend_stats/last_failed_dev")).unwrap_or_default();
            failures.push(format!(
                "the kernel counted {} failed suspend(s); last failed device: {dev}",
                b - a
            ));
        }
    }
    let mem_sleep = attr(&ctx.path("/sys/power/mem_sleep")).unwrap_or_default();
    Outcome::pass_unless(
        &failures,
        format!("suspended ({want}) for {slept:.1} s and resumed"),
    )
    .evidence(
        "sleep states",
        format!("state: {offered}\nmem_sleep: {mem_sleep}"),
    )
    .measure("suspended", slept, "s")
    .measure("suspend_resume_overhead", awake, "s")
}
