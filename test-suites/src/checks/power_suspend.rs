//! `power.suspend`: suspends the machine and lets the RTC alarm wake it, then checks that it
//! really slept: `CLOCK_BOOTTIME` keeps counting during suspend while `CLOCK_MONOTONIC` stops, so
//! the difference of their advances is the time spent suspended. The kernel's suspend failure
//! counter must not grow.
//!
//! It suspends `cycles` times. Before each suspend it takes the inventory and the kernel log's
//! position; after each resume it takes the inventory again (a device gone, or one whose driver
//! is no longer bound, fails the test, named by its identity) and reads the kernel log from the
//! saved position (firmware or hardware errors logged while suspending or resuming fail it, with
//! the lines as evidence).
//!
//! Runs only with `--allow-suspend` and as root; otherwise it is skipped with that reason. Every
//! read and write goes through the context's root, so tests run it against a fixture tree and
//! never suspend the machine they run on. The suspend itself and probing the inventory again go
//! through a [`Suspender`]; [`fixture::select`] picks it for the run's root: the real one on `/`,
//! the [`fixture::Fixture`] on a fixture tree (so `mxcert run --root` exercises the whole path
//! through the binary), never a fixture for `/`.

use std::io;
use std::path::Path;
use std::time::Duration;

use mxcert_core::inventory::{Device, Inventory};
use mxcert_core::plan::params::{PowerSuspend, SleepState};
use nix::time::{clock_gettime, ClockId};

use super::kernel_firmware_errors::{errors_since, read_log, LogPosition};
use crate::root::{attr, attr_i64};
use crate::{Context, Outcome};

/// What the check needs from the machine besides files under the root.
pub mod fixture;

pub trait Suspender {
    /// Writes `state` to the kernel's state file, which returns after the machine resumed;
    /// returns the seconds spent suspended.
    fn suspend(&mut self, state_file: &Path, state: &str) -> io::Result<f64>;
    /// The inventory as it is now.
    fn inventory(&mut self) -> Result<Inventory, String>;
    /// Whether suspending needs root (the kernel's file does; a fixture tree's does not).
    fn needs_root(&self) -> bool {
        true
    }
}

/// The real thing: the write suspends, the clocks say for how long, `probe` takes the inventory.
pub struct Live<'a> {
    pub probe: &'a dyn Fn() -> Result<Inventory, String>,
}

impl std::fmt::Debug for Live<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Live")
    }
}

impl Suspender for Live<'_> {
    fn suspend(&mut self, state_file: &Path, state: &str) -> io::Result<f64> {
        let (boot0, mono0) = (
            seconds(ClockId::CLOCK_BOOTTIME),
            seconds(ClockId::CLOCK_MONOTONIC),
        );
        // This write returns after the machine has resumed.
        std::fs::write(state_file, state)?;
        let (boot1, mono1) = (
            seconds(ClockId::CLOCK_BOOTTIME),
            seconds(ClockId::CLOCK_MONOTONIC),
        );
        let (Some(b0), Some(m0), Some(b1), Some(m1)) = (boot0, mono0, boot1, mono1) else {
            return Err(io::Error::other("cannot read the system clocks"));
        };
        // The two clocks are read one after the other, so a machine that never slept can come
        // out a hair below zero (it printed "-0.0 s asleep").
        Ok(((b1 - b0) - (m1 - m0)).max(0.0))
    }

    fn inventory(&mut self) -> Result<Inventory, String> {
        (self.probe)()
    }
}

fn seconds(clock: ClockId) -> Option<f64> {
    clock_gettime(clock)
        .ok()
        .map(|t| Duration::from(t).as_secs_f64())
}

/// The check without a way to probe again: the inventory before and after is the session's, so
/// only the clocks and the kernel log are checked (the runner uses [`run_with`]).
pub fn run(p: &PowerSuspend, ctx: &Context) -> Outcome {
    let inventory = ctx.inventory.clone();
    let probe = move || Ok(inventory.clone());
    run_with(p, ctx, &mut Live { probe: &probe })
}

/// The check with the suspender [`fixture::select`] picks for the context's root and `probe`
/// to take the inventory again (what the runner's check process calls).
pub fn run_selected(
    p: &PowerSuspend,
    ctx: &Context,
    probe: &dyn Fn() -> Result<Inventory, String>,
) -> Outcome {
    if !ctx.options.allow_suspend {
        return run_with(p, ctx, &mut Live { probe });
    }
    match fixture::select(ctx, probe) {
        Ok(mut machine) => run_with(p, ctx, machine.as_mut()),
        Err(why) => Outcome::error(why),
    }
}

/// Where a device is: its sysfs path when known, else its identity.
fn place(d: &Device) -> &str {
    d.path.as_deref().unwrap_or(&d.id)
}

/// Devices of `before` that are gone from `after` or lost their driver, named.
pub fn lost_devices(before: &Inventory, after: &Inventory) -> Vec<String> {
    let mut lost = Vec::new();
    for d in &before.devices {
        match after
            .devices
            .iter()
            .find(|a| place(a) == place(d) && a.id == d.id)
        {
            None => lost.push(format!("{} is gone", d.id)),
            Some(a) if d.driver.is_some() && a.driver.is_none() => lost.push(format!(
                "{} lost its driver {}",
                d.id,
                d.driver.as_deref().unwrap_or_default()
            )),
            Some(_) => {}
        }
    }
    lost
}

pub fn run_with(p: &PowerSuspend, ctx: &Context, machine: &mut dyn Suspender) -> Outcome {
    if !ctx.options.allow_suspend {
        return Outcome::skip(
            "suspend not allowed: pass --allow-suspend to let this test suspend the machine",
        );
    }
    if !ctx.is_root && machine.needs_root() {
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
    let kmsg = ctx.path("/dev/kmsg");
    let mut failures = Vec::new();
    let mut evidence = Vec::new();
    let mut slept_total = 0.0;
    let mut done = 0;
    // Messages name the cycle when there are several.
    let at = |cycle: u64| {
        if p.cycles > 1 {
            format!("cycle {cycle}: ")
        } else {
            String::new()
        }
    };
    for cycle in 1..=p.cycles {
        let before = match machine.inventory() {
            Ok(i) => i,
            Err(e) => {
                return Outcome::error(format!("{}cannot take the inventory: {e}", at(cycle)))
            }
        };
        let position = read_log(&kmsg).ok().map(|l| LogPosition::end_of(&l));
        let fails_before = attr_i64(&ctx.path("/sys/power/suspend_stats/fail"));
        // Clear any old alarm, then arm a relative one.
        if let Err(e) = std::fs::write(&alarm, "0")
            .and_then(|()| std::fs::write(&alarm, format!("+{}", p.sleep_s)))
        {
            return Outcome::error(format!(
                "cannot set the RTC wake alarm {}: {e}",
                alarm.display()
            ));
        }
        let slept = machine.suspend(&state_file, want);
        let _ = std::fs::write(&alarm, "0");
        let slept = match slept {
            Ok(s) => s,
            Err(e) => {
                failures.push(format!(
                    "{}the kernel refused to suspend ({want}): {e}",
                    at(cycle)
                ));
                break;
            }
        };
        done += 1;
        slept_total += slept;
        if slept < p.sleep_s as f64 / 2.0 {
            failures.push(format!(
                "{}the machine did not stay suspended: {slept:.1} s asleep, expected about {} s",
                at(cycle),
                p.sleep_s
            ));
        }
        let fails_after = attr_i64(&ctx.path("/sys/power/suspend_stats/fail"));
        if let (Some(a), Some(b)) = (fails_before, fails_after) {
            if b > a {
                let dev =
                    attr(&ctx.path("/sys/power/suspend_stats/last_failed_dev")).unwrap_or_default();
                failures.push(format!(
                    "{}the kernel counted {} failed suspend(s); last failed device: {dev}",
                    at(cycle),
                    b - a
                ));
            }
        }
        match machine.inventory() {
            Ok(after) => {
                let lost = lost_devices(&before, &after);
                if !lost.is_empty() {
                    failures.push(format!("{}after resume {}", at(cycle), lost.join("; ")));
                }
            }
            Err(e) => failures.push(format!(
                "{}cannot take the inventory after resume: {e}",
                at(cycle)
            )),
        }
        if let (Some(pos), Ok(log)) = (position, read_log(&kmsg)) {
            if let Some((what, lines)) = errors_since(&log, pos) {
                failures.push(format!("{}{what} while suspending and resuming", at(cycle)));
                evidence.push((format!("kernel log errors, cycle {cycle}"), lines));
            }
        }
    }
    let mem_sleep = attr(&ctx.path("/sys/power/mem_sleep")).unwrap_or_default();
    let mut out = Outcome::pass_unless(
        &failures,
        format!(
            "suspended ({want}) {done} time(s) for {slept_total:.1} s in all and resumed with every device"
        ),
    )
    .evidence(
        "sleep states",
        format!("state: {offered}\nmem_sleep: {mem_sleep}"),
    );
    for (label, text) in evidence {
        out.add_evidence(label, text);
    }
    out.measure("suspended", slept_total, "s")
        .measure("cycles", done as f64, "cycles")
}
