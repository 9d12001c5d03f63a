//! `storage.hotplug` and the wait-for-a-person facility it uses (`mxcert_suites::attention`):
//! on fixture trees whose sysfs changes while the check waits (a scripted tester), over the
//! real runner socket, and with real loop devices of this kernel when run as root.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use mxcert_core::plan::params::StorageHotplug;
use mxcert_core::plan::Text;
use mxcert_core::report::Status;
use mxcert_suites::attention::{Desk, DeskEvent, Person};
use mxcert_suites::block_watch::BlockWatch;
use mxcert_suites::checks::storage_hotplug;

use crate::support::{ctx, inventory, Tree};

/// A tester following a script: `act(n, instruction)` runs when the n-th wait starts; a skip
/// with a comment at the wait numbered `skip_at`.
pub struct Scripted<F: FnMut(usize, &Text)> {
    pub shown: Vec<(String, u64)>,
    pub act: F,
    pub skip_at: Option<(usize, String)>,
}

impl<F: FnMut(usize, &Text)> Scripted<F> {
    pub fn new(act: F) -> Scripted<F> {
        Scripted {
            shown: Vec::new(),
            act,
            skip_at: None,
        }
    }
}

impl<F: FnMut(usize, &Text)> Person for Scripted<F> {
    fn show(&mut self, _test: &str, instruction: &Text, seconds: u64) {
        self.shown.push((instruction.en.clone(), seconds));
        (self.act)(self.shown.len(), instruction);
    }
    fn skipped(&mut self) -> Option<String> {
        match &self.skip_at {
            Some((n, c)) if *n == self.shown.len() => Some(c.clone()),
            _ => None,
        }
    }
    fn end(&mut self) {}
}

/// A machine with one internal disk and a USB port `usb2/2-1` (linked at `speed` Mb/s when a
/// stick is in it).
fn machine() -> Tree {
    let t = Tree::new();
    t.file(
        "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/block/sda/size",
        "1000\n",
    )
    .file(
        "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/block/sda/dev",
        "8:0\n",
    )
    .link_in(
        "/sys/class/block/sda",
        "/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/block/sda",
    )
    .file(
        "/proc/self/mountinfo",
        "22 1 8:0 / / rw,relatime - ext4 /dev/sda rw\n",
    )
    .dir("/media/user/STICK");
    t
}

const USB: &str = "/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1";

/// The stick arrives: its USB device (at `speed`), disk sdb and partition sdb1.
fn insert(root: &Path, speed: &str, mount: bool) {
    let w = |p: &str, s: &str| {
        let p = root.join(p.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, s).unwrap();
    };
    w(&format!("{USB}/idVendor"), "0781\n");
    w(&format!("{USB}/speed"), &format!("{speed}\n"));
    let disk = format!("{USB}/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdb");
    w(&format!("{disk}/size"), "30000000\n");
    w(&format!("{disk}/dev"), "8:16\n");
    w(&format!("{disk}/sdb1/size"), "29999000\n");
    w(&format!("{disk}/sdb1/dev"), "8:17\n");
    w(&format!("{disk}/sdb1/partition"), "1\n");
    std::os::unix::fs::symlink(
        root.join(disk.trim_start_matches('/')),
        root.join("sys/class/block/sdb"),
    )
    .unwrap();
    if mount {
        w(
            "/proc/self/mountinfo",
            "22 1 8:0 / / rw,relatime - ext4 /dev/sda rw\n\
             95 22 8:17 / /media/user/STICK rw,nosuid,nodev - vfat /dev/sdb1 rw\n",
        );
    }
}

fn unplug(root: &Path) {
    std::fs::remove_file(root.join("sys/class/block/sdb")).unwrap();
    std::fs::remove_dir_all(root.join(USB.trim_start_matches('/'))).unwrap();
}

fn params(min_speed_mbps: u64, wait_s: u64) -> StorageHotplug {
    StorageHotplug {
        port: "the left USB port".into(),
        port_path: "usb2/2-1/".into(),
        wait_s,
        min_speed_mbps,
        size_mib: 2,
    }
}

/// Runs the check on `tree` with a tester who inserts at the first instruction and removes at
/// the last one.
fn run_plugged(
    tree: &Tree,
    speed: &'static str,
    p: &StorageHotplug,
) -> (mxcert_suites::Outcome, Vec<(String, u64)>) {
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let root = tree.root().to_path_buf();
    let mut person = Scripted::new(move |n, text: &Text| {
        if n == 1 {
            insert(&root, speed, true);
        } else if text.en.starts_with("Eject") {
            unplug(&root);
        }
    });
    let out = storage_hotplug::run_with(p, &c, &mut person);
    (out, person.shown)
}

#[test]
fn a_usb3_stick_is_seen_written_verified_and_removed() {
    let tree = machine();
    let (out, shown) = run_plugged(&tree, "5000", &params(5000, 5));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert!(
        out.message.as_deref().unwrap().starts_with(
            "sdb appeared at 5000 Mb/s, 2 MiB written and verified on it, and it was removed"
        ),
        "{out:?}"
    );
    assert_eq!(out.measurement("usb_speed"), Some(5000.0));
    assert!(out.measurement("write_throughput").unwrap() > 0.0);
    assert!(out.measurement("read_throughput").unwrap() > 0.0);
    let evidence = out.evidence_text("medium").unwrap();
    assert!(evidence.contains("on its vfat filesystem"), "{evidence}");
    // The mount point holds a user name: never reported.
    assert!(!format!("{out:?}").contains("user"), "{out:?}");
    // Insert (30 s countdown in the real plan, 5 here), then remove; the medium was already
    // mounted, so there was no wait for the mount.
    assert_eq!(shown.len(), 2, "{shown:?}");
    assert!(shown[0].0.contains("into the left USB port"), "{shown:?}");
    assert_eq!(shown[0].1, 5);
    // Nothing left on the medium.
    let left: Vec<_> = std::fs::read_dir(tree.root().join("media/user/STICK"))
        .unwrap()
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_stick_linked_at_usb2_speed_in_a_usb3_port_fails() {
    let tree = machine();
    let (out, _) = run_plugged(&tree, "480", &params(5000, 5));
    assert_eq!(out.status, Status::Fail, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("sdb linked at 480 Mb/s, slower than the port's 5000 Mb/s")
    );
    assert_eq!(out.measurement("usb_speed"), Some(480.0));
}

#[test]
fn nothing_inserted_times_out_after_the_countdown() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let mut person = Scripted::new(|_, _: &Text| {});
    let start = Instant::now();
    let out = storage_hotplug::run_with(&params(0, 1), &c, &mut person);
    let took = start.elapsed();
    assert_eq!(out.status, Status::Timeout, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("no storage medium appeared in the left USB port within 1 s")
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(3),
        "{took:?}"
    );
}

#[test]
fn a_stick_in_another_port_does_not_count() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let root = tree.root().to_path_buf();
    let mut person = Scripted::new(move |_, _: &Text| insert(&root, "5000", true));
    let p = StorageHotplug {
        port_path: "usb3/3-2/".into(),
        ..params(0, 1)
    };
    let out = storage_hotplug::run_with(&p, &c, &mut person);
    assert_eq!(out.status, Status::Timeout, "{out:?}");
}

#[test]
fn a_medium_nobody_mounts_is_reported_as_not_mounted_never_written_raw() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let root = tree.root().to_path_buf();
    let mut person = Scripted::new(move |n, text: &Text| {
        if n == 1 {
            insert(&root, "5000", false);
        } else if text.en.starts_with("Eject") {
            unplug(&root);
        }
    });
    let out = storage_hotplug::run_with(&params(0, 1), &c, &mut person);
    assert_eq!(out.status, Status::Skip, "{out:?}");
    assert!(
        out.message.as_deref().unwrap().starts_with(
            "sdb appeared but was not mounted within 1 s; mxcert never mounts or formats media"
        ),
        "{out:?}"
    );
    assert!(person.shown[1]
        .0
        .starts_with("Waiting for /dev/sdb to be mounted"));
}

#[test]
fn the_tester_can_skip_with_a_comment() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let mut person = Scripted::new(|_, _: &Text| {});
    person.skip_at = Some((1, "  no card at hand ".into()));
    let out = storage_hotplug::run_with(&params(0, 30), &c, &mut person);
    assert_eq!(out.status, Status::Skip, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("skipped by the tester: no card at hand")
    );
    assert_eq!(out.comment.as_deref(), Some("no card at hand"));
}

#[test]
fn without_a_person_it_is_skipped_with_the_reason() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let out = storage_hotplug::run(&params(0, 30), &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("needs a person to insert and remove a USB stick or memory card; none in a non-interactive run")
    );
}

/// The check in one thread, the runner's desk in this one, over the real socket: the desk sees
/// the instruction and its countdown, and the tester's skip reaches the check.
#[test]
fn the_runner_socket_carries_the_countdown_and_the_skip() {
    let tree = machine();
    let scratch = tempfile::tempdir().unwrap();
    let mut c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let mut desk = Desk::bind().unwrap();
    c.options.attention = Some(desk.path().to_path_buf());
    let check = std::thread::spawn(move || storage_hotplug::run(&params(0, 30), &c));
    let until = Instant::now() + Duration::from_secs(10);
    let (instruction, deadline) = loop {
        assert!(Instant::now() < until, "no wait arrived at the desk");
        if let Some(DeskEvent::Waiting {
            instruction,
            deadline,
            ..
        }) = desk.poll().into_iter().next()
        {
            break (instruction, deadline);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        instruction.es.contains("en the left USB port"),
        "{instruction:?}"
    );
    assert!(
        instruction.en.starts_with("Insert a USB stick"),
        "{instruction:?}"
    );
    let left = deadline.saturating_duration_since(Instant::now());
    assert!(
        left > Duration::from_secs(25) && left <= Duration::from_secs(30),
        "{left:?}"
    );
    desk.skip("the port is covered");
    let out = check.join().unwrap();
    assert_eq!(
        out.message.as_deref(),
        Some("skipped by the tester: the port is covered")
    );
    // The check says the wait is over.
    let until = Instant::now() + Duration::from_secs(5);
    while !desk.poll().contains(&DeskEvent::Ended) {
        assert!(Instant::now() < until, "no end of the wait");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn sh(argv: &[&str]) -> Result<String, String> {
    let out = Command::new(argv[0])
        .args(&argv[1..])
        .output()
        .map_err(|e| format!("{}: {e}", argv[0]))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "{argv:?}: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// An ext4 image of 32 MiB and an empty mount point in `work`.
fn stick_image(work: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let image = work.join("stick.img");
    let mnt = work.join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    std::fs::File::create(&image)
        .unwrap()
        .set_len(32 << 20)
        .unwrap();
    sh(&["mkfs.ext4", "-q", image.to_str().unwrap()]).unwrap();
    (image, mnt)
}

/// Real kernel block devices: the tester "inserts" an ext4 image as a loop device and mounts
/// it, then unmounts and detaches it. Needs root, `losetup`, `mount` and `mkfs.ext4`.
#[test]
fn a_real_loop_device_is_seen_written_and_removed() {
    if !nix::unistd::geteuid().is_root()
        || sh(&["losetup", "--version"]).is_err()
        || sh(&["mkfs.ext4", "-V"]).is_err()
    {
        eprintln!("skipped: needs root, losetup (util-linux) and mkfs.ext4 (e2fsprogs)");
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let (image, mnt) = stick_image(work.path());
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        Path::new("/"),
        scratch.path(),
    );
    let (mut person, attached) = loop_tester(&image, &mnt);
    let p = StorageHotplug {
        port_path: "/devices/virtual/block/loop".into(),
        ..params(0, 10)
    };
    let out = storage_hotplug::run_with(&p, &c, &mut person);
    let dev = attached.lock().unwrap().clone();
    assert_eq!(out.status, Status::Pass, "{out:?}");
    let name = dev.trim_start_matches("/dev/");
    assert!(
        out.message.as_deref().unwrap().starts_with(&format!(
            "{name} appeared, 2 MiB written and verified on it, and it was removed"
        )),
        "{out:?}"
    );
    assert!(out.evidence_text("medium").unwrap().contains("not on USB"));
    assert!(out
        .evidence_text("medium")
        .unwrap()
        .contains("on its ext4 filesystem"));
}

/// systemd-udevd (Debian package `udev`) in a mount namespace of its own, with its own `/run`
/// and an empty rule set: it changes nothing on this machine, and re-sends the kernel's block
/// events to udev's netlink group, as on a desktop. Killed on drop.
struct PrivateUdevd {
    child: std::process::Child,
}

const UDEVD: &str = "/lib/systemd/systemd-udevd";

impl PrivateUdevd {
    fn start() -> Result<PrivateUdevd, String> {
        if !Path::new(UDEVD).exists() {
            return Err(format!("{UDEVD} is missing (Debian package udev)"));
        }
        let script = "mount -t tmpfs tmpfs /run && mkdir -p /run/udev && \
            for d in /etc/udev/rules.d /usr/lib/udev/rules.d; do [ -d $d ] && mount -t tmpfs tmpfs $d; done; \
            exec /lib/systemd/systemd-udevd";
        let child = Command::new("unshare")
            .args(["--mount", "--propagation", "private", "sh", "-c", script])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .map_err(|e| format!("unshare: {e}"))?;
        let d = PrivateUdevd { child };
        // Ready when its control socket exists (seen through its own mount namespace).
        let control = Path::new("/proc")
            .join(d.child.id().to_string())
            .join("root")
            .join("run/udev/control");
        let until = Instant::now() + Duration::from_secs(10);
        while !control.exists() {
            if Instant::now() > until {
                return Err("systemd-udevd made no control socket within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(d)
    }
}

impl Drop for PrivateUdevd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The loop device the tester attached (`/dev/loopN`), once attached.
type Attached = std::sync::Arc<std::sync::Mutex<String>>;

/// A tester who attaches `image` as a loop device and mounts it on `mnt` at the first wait,
/// and unmounts and detaches it when asked to eject.
fn loop_tester(image: &Path, mnt: &Path) -> (Scripted<impl FnMut(usize, &Text)>, Attached) {
    let attached = Attached::default();
    let seen = attached.clone();
    let (img, mp) = (image.to_path_buf(), mnt.to_path_buf());
    let person = Scripted::new(move |n, text: &Text| {
        if n == 1 {
            let dev = sh(&["losetup", "--find", "--show", img.to_str().unwrap()]).unwrap();
            sh(&["mount", &dev, mp.to_str().unwrap()]).unwrap();
            *seen.lock().unwrap() = dev;
        } else if text.en.starts_with("Eject") {
            let dev = seen.lock().unwrap().clone();
            sh(&["umount", mp.to_str().unwrap()]).unwrap();
            sh(&["losetup", "-d", &dev]).unwrap();
        }
    });
    (person, attached)
}

/// The udev path, for real: a private systemd-udevd re-sends the kernel's events for a loop
/// device attached and detached by the "tester"; the check wakes on them (and only on them:
/// without the daemon, the same watch sees nothing and times out).
#[test]
fn udev_events_from_a_real_udevd_drive_the_watch_and_polling_is_the_fallback() {
    if !nix::unistd::geteuid().is_root()
        || sh(&["losetup", "--version"]).is_err()
        || sh(&["mkfs.ext4", "-V"]).is_err()
        || sh(&["unshare", "--version"]).is_err()
    {
        eprintln!("skipped: needs root, losetup, unshare (util-linux) and mkfs.ext4 (e2fsprogs)");
        return;
    }
    let scratch = tempfile::tempdir().unwrap();
    let c = ctx(
        inventory("firecracker-vm.json"),
        Path::new("/"),
        scratch.path(),
    );
    // The fallbacks say why they poll.
    let fixture = Tree::new();
    let fc = ctx(
        inventory("firecracker-vm.json"),
        fixture.root(),
        scratch.path(),
    );
    assert_eq!(
        BlockWatch::for_context(&fc).describe(),
        "polled /sys/class/block every 100 ms: the root is a fixture tree, not this machine's devices"
    );
    if !Path::new("/run/udev/control").exists() {
        assert_eq!(
            BlockWatch::for_context(&c).describe(),
            "polled /sys/class/block every 100 ms: no udev daemon is running (/run/udev/control is missing)"
        );
    }

    let work = tempfile::tempdir().unwrap();
    let (image, mnt) = stick_image(work.path());
    let p = StorageHotplug {
        port_path: "/devices/virtual/block/loop".into(),
        ..params(0, 10)
    };

    let udevd = match PrivateUdevd::start() {
        Ok(d) => d,
        Err(why) => {
            eprintln!("skipped the udev path: {why}");
            return;
        }
    };
    let (mut person, attached) = loop_tester(&image, &mnt);
    let out = storage_hotplug::run_watching(&p, &c, &mut person, BlockWatch::udev().unwrap());
    drop(udevd);
    let dev = attached.lock().unwrap().clone();
    assert_eq!(out.status, Status::Pass, "{out:?}");
    let name = dev.trim_start_matches("/dev/");
    assert!(
        out.message.as_deref().unwrap().starts_with(&format!(
            "{name} appeared, 2 MiB written and verified on it"
        )),
        "{out:?}"
    );
    let watch = out.evidence_text("watch").unwrap();
    let events: u64 = watch
        .strip_prefix("watched udev's block events (")
        .and_then(|w| w.strip_suffix(" received)"))
        .unwrap_or_else(|| panic!("{watch}"))
        .parse()
        .unwrap();
    assert!(events >= 2, "attach and detach each send events: {watch}");

    // The daemon is gone: nobody re-sends the kernel's events, the udev watch sees nothing.
    let (mut person, attached) = loop_tester(&image, &mnt);
    let short = StorageHotplug {
        wait_s: 2,
        ..p.clone()
    };
    let out = storage_hotplug::run_watching(&short, &c, &mut person, BlockWatch::udev().unwrap());
    let dev = attached.lock().unwrap().clone();
    let _ = sh(&["umount", mnt.to_str().unwrap()]);
    let _ = sh(&["losetup", "-d", &dev]);
    assert_eq!(out.status, Status::Timeout, "{out:?}");
    assert_eq!(
        out.evidence_text("watch"),
        Some("watched udev's block events (0 received)")
    );
}
