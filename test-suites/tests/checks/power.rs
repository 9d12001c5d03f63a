use mxcert_core::inventory::Inventory;
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
            cycles: 1,
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

/// A machine that "suspends" by letting the test change the tree (as a resume would) and says
/// it slept as long as asked; its inventories come from a list, one per probe.
struct Fake<'a> {
    slept: f64,
    inventories: Vec<Inventory>,
    during: &'a mut dyn FnMut(usize),
    suspends: usize,
}

impl power_suspend::Suspender for Fake<'_> {
    fn suspend(&mut self, state_file: &std::path::Path, state: &str) -> std::io::Result<f64> {
        std::fs::write(state_file, state)?;
        self.suspends += 1;
        (self.during)(self.suspends);
        Ok(self.slept)
    }
    fn inventory(&mut self) -> Result<Inventory, String> {
        if self.inventories.is_empty() {
            return Err("no more inventories".into());
        }
        Ok(self.inventories.remove(0))
    }
}

fn suspend_tree() -> Tree {
    let tree = Tree::new();
    tree.file("/sys/power/state", "freeze mem disk\n")
        .file("/sys/power/suspend_stats/fail", "0\n")
        .file("/sys/class/rtc/rtc0/wakealarm", "")
        .file(
            "/dev/kmsg",
            "6,100,1000,-;PM: suspend entry (deep)\n3,101,1001,-;iwlwifi 0000:00:14.3: Direct firmware load for old.ucode failed with error -2\n",
        );
    tree
}

#[test]
fn every_cycle_is_checked_for_lost_devices_and_resume_errors() {
    let tree = suspend_tree();
    let t = tempfile::tempdir().unwrap();
    let mut c = ctx(inventory("laptop.json"), tree.root(), t.path());
    c.options.allow_suspend = true;
    c.is_root = true;
    let before = inventory("laptop.json");
    let mut after = before.clone();
    let gone = after.devices.remove(0).id;
    let unbound = after
        .devices
        .iter_mut()
        .find(|d| d.driver.is_some())
        .unwrap();
    let (unbound_id, driver) = (unbound.id.clone(), unbound.driver.take().unwrap());
    let kmsg = tree.root().join("dev/kmsg");
    let mut during = |n: usize| {
        if n == 2 {
            let mut log = std::fs::read_to_string(&kmsg).unwrap();
            log.push_str("3,140,9000,-;nvme nvme0: controller is down; will reset\n");
            std::fs::write(&kmsg, log).unwrap();
        }
    };
    let mut fake = Fake {
        slept: 15.0,
        // cycle 1: before, after; cycle 2: before, after (lost).
        inventories: vec![before.clone(), before.clone(), before.clone(), after],
        during: &mut during,
        suspends: 0,
    };
    let p = PowerSuspend {
        sleep_s: 15,
        state: SleepState::Mem,
        cycles: 2,
    };
    let out = power_suspend::run_with(&p, &c, &mut fake);
    assert_eq!(fake.suspends, 2);
    assert_eq!(out.status, Status::Fail, "{out:?}");
    let m = out.message.as_deref().unwrap();
    assert!(
        m.contains(&format!(
            "cycle 2: after resume {gone} is gone; {unbound_id} lost its driver {driver}"
        )),
        "{m}"
    );
    assert!(
        m.contains("cycle 2: 0 firmware and 1 hardware errors in the kernel log while suspending and resuming"),
        "{m}"
    );
    assert!(
        !m.contains("cycle 1"),
        "the first cycle was clean and the old error predates it: {m}"
    );
    assert_eq!(
        out.evidence_text("kernel log errors, cycle 2"),
        Some("nvme nvme0: controller is down; will reset")
    );
    assert_eq!(out.measurement("cycles"), Some(2.0));
    assert_eq!(out.measurement("suspended"), Some(30.0));
}

#[test]
fn three_clean_cycles_pass() {
    let tree = suspend_tree();
    let t = tempfile::tempdir().unwrap();
    let mut c = ctx(inventory("laptop.json"), tree.root(), t.path());
    c.options.allow_suspend = true;
    c.is_root = true;
    let inv = inventory("laptop.json");
    let mut nothing = |_: usize| {};
    let mut fake = Fake {
        slept: 20.0,
        inventories: vec![inv; 6],
        during: &mut nothing,
        suspends: 0,
    };
    let p = PowerSuspend {
        sleep_s: 20,
        state: SleepState::Mem,
        cycles: 3,
    };
    let out = power_suspend::run_with(&p, &c, &mut fake);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("suspended (mem) 3 time(s) for 60.0 s in all and resumed with every device")
    );
    assert_eq!(fake.suspends, 3);
}

/// The suspender is chosen by the root alone: `/` (by any spelling) always gets the real one,
/// which needs root; a tree that reaches the kernel's sysfs is refused; only a plain tree gets
/// the fixture, which needs no root.
#[test]
fn a_fixture_suspender_is_never_selected_for_the_real_root() {
    use power_suspend::fixture::{is_real_root, select};
    let t = tempfile::tempdir().unwrap();
    let probe = || Err::<Inventory, String>("not probed".into());
    let mut c = live(t.path());
    c.options.allow_suspend = true;
    assert!(select(&c, &probe).unwrap().needs_root());
    // A link to `/` is `/`.
    let link = t.path().join("slash");
    std::os::unix::fs::symlink("/", &link).unwrap();
    assert!(is_real_root(&link));
    c.root = link;
    assert!(select(&c, &probe).unwrap().needs_root());
    // Not root, on `/`: skipped, whatever the tree under it holds.
    c.is_root = false;
    let out = power_suspend::run_selected(&PowerSuspend::default(), &c, &probe);
    assert_eq!(
        out.message.as_deref(),
        Some("suspending needs root (it writes /sys/power/state)")
    );
    // A tree whose `sys` is the kernel's.
    if std::path::Path::new("/sys/power/state").exists() {
        let tree = Tree::new();
        std::os::unix::fs::symlink("/sys", tree.root().join("sys")).unwrap();
        c.root = tree.root().to_path_buf();
        c.is_root = true;
        let e = select(&c, &probe).err().unwrap();
        assert!(
            e.ends_with(&format!(
                "is the kernel's own file, reached through the run's root {}: suspending through --root is refused (run without --root to suspend this machine)",
                tree.root().display()
            )),
            "{e}"
        );
        let out = power_suspend::run_selected(&PowerSuspend::default(), &c, &probe);
        assert_eq!(out.status, Status::Error);
    }
    // A plain tree: the fixture.
    let tree = suspend_tree();
    c.root = tree.root().to_path_buf();
    assert!(!select(&c, &probe).unwrap().needs_root());
}

/// Through `run_selected` on a fixture tree, not as root: two cycles "sleep" as long as the
/// alarm was set, are counted in the tree, and the script's second resume loses a device
/// directory and logs an error; the check names both.
#[test]
fn the_fixture_suspender_applies_the_trees_script() {
    let tree = suspend_tree();
    tree.file("/sys/devices/platform/gone/uevent", "DRIVER=x\n").file(
        "/mxcert-fixture/suspend.toml",
        "[[resume]]\ncycle = 2\nremove = [\"sys/devices/platform/gone\"]\nkmsg = [\"3,150,9100,-;nvme nvme0: controller is down; will reset\"]\n",
    );
    let t = tempfile::tempdir().unwrap();
    let mut c = ctx(inventory("laptop.json"), tree.root(), t.path());
    c.options.allow_suspend = true;
    c.is_root = false;
    let before = inventory("laptop.json");
    let gone_dir = tree.root().join("sys/devices/platform/gone");
    let gone_id = before.devices[0].id.clone();
    // The "probe": the inventory without its first device once the directory is gone.
    let probe = || {
        let mut i = inventory("laptop.json");
        if !gone_dir.exists() {
            i.devices.remove(0);
        }
        Ok(i)
    };
    let p = PowerSuspend {
        sleep_s: 15,
        state: SleepState::Mem,
        cycles: 2,
    };
    let out = power_suspend::run_selected(&p, &c, &probe);
    assert_eq!(out.status, Status::Fail, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some(format!("cycle 2: after resume {gone_id} is gone; cycle 2: 0 firmware and 1 hardware errors in the kernel log while suspending and resuming").as_str())
    );
    assert_eq!(
        out.evidence_text("kernel log errors, cycle 2"),
        Some("nvme nvme0: controller is down; will reset")
    );
    assert_eq!(out.measurement("suspended"), Some(30.0));
    let read = |p: &str| std::fs::read_to_string(tree.root().join(p)).unwrap();
    assert_eq!(read("sys/power/suspend_stats/success"), "2\n");
    assert_eq!(read("sys/power/state"), "freeze mem disk\n");
    assert_eq!(read("sys/class/rtc/rtc0/wakealarm"), "0");

    // A script that leaves the tree, or is not a script, is an error naming the file.
    tree.file(
        "/mxcert-fixture/suspend.toml",
        "[[resume]]\ncycle = 1\nremove = [\"../x\"]\n",
    );
    let out = power_suspend::run_selected(&p, &c, &probe);
    assert_eq!(out.status, Status::Error);
    assert!(out
        .message
        .as_deref()
        .unwrap()
        .ends_with("cycle 1: \"../x\" is not a relative path inside the tree"));
    tree.file("/mxcert-fixture/suspend.toml", "resume = 3\n");
    let out = power_suspend::run_selected(&p, &c, &probe);
    assert!(
        out.message
            .as_deref()
            .unwrap()
            .contains("/mxcert-fixture/suspend.toml is invalid: "),
        "{out:?}"
    );
    // A refusal is the kernel's.
    tree.file(
        "/mxcert-fixture/suspend.toml",
        "[[resume]]\ncycle = 1\nrefuse = \"Device or resource busy\"\n",
    );
    let out = power_suspend::run_selected(&p, &c, &probe);
    assert_eq!(
        out.message.as_deref(),
        Some("cycle 1: the kernel refused to suspend (mem): Device or resource busy")
    );
}
