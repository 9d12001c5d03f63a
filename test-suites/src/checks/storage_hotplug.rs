//! `storage.hotplug`: asks the tester to insert a USB stick or memory card into the named port,
//! watches for its block device, checks the negotiated USB speed, writes, syncs, reads back and
//! verifies a file on its mounted filesystem, then asks for its removal and watches it go.
//!
//! Watching: `ROOT/sys/class/block` is read again whenever udev announces a block event (when
//! a udev daemon runs on the machine tested), else every 100 ms ([`crate::block_watch`], which
//! says in the evidence which way and why); a medium has arrived when a block device appears or
//! its size goes from 0 to more (a card reader's disk exists empty until a card is inserted).
//! The mount has no udev event: it is polled. Loop devices are ignored
//! unless `port_path` names them (snapd attaches loop devices at any time); with `port_path`,
//! only a device whose sysfs path contains it counts.
//!
//! Safety: mxcert never mounts, formats or writes a device node. The file goes on the medium's
//! filesystem as mounted by the desktop or the tester (found in `ROOT/proc/self/mountinfo` by
//! the device's or a partition's `major:minor`), in a fresh hidden directory that is removed
//! afterwards; a medium that is not mounted is reported as such. Mount points are not reported
//! (they often hold a user name).
//!
//! Bounds: `wait_s` for the insertion, again for the mount and again for the removal; the file
//! is `size_mib` MiB. Without a person (non-interactive run) the check is skipped.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use mxcert_core::plan::params::StorageHotplug;
use mxcert_core::plan::Text;

use super::storage_rw_verify::{mbps, test_dir, unescape_mount, DirResult, Target};
use crate::attention::{self, wait_for, Person, Waited};
use crate::block_watch::{BlockWatch, POLL};
use crate::root::{attr, dir_names};
use crate::{Context, Outcome};

const KIND: &str = "storage.hotplug";
const MIB: u64 = 1 << 20;

/// Block device name -> size in sectors.
pub type Media = BTreeMap<String, u64>;

/// The block devices of `ROOT/sys/class/block` and their sizes: what each look reads.
pub fn media(ctx: &Context) -> Media {
    let class = ctx.path("/sys/class/block");
    dir_names(&class)
        .into_iter()
        .map(|n| {
            let size = attr(&class.join(&n).join("size"))
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            (n, size)
        })
        .collect()
}

/// The device's sysfs path inside the root, for matching `port_path`.
fn sysfs_path(ctx: &Context, name: &str) -> PathBuf {
    let link = ctx.path("/sys/class/block").join(name);
    std::fs::canonicalize(&link).unwrap_or(link)
}

fn relative(ctx: &Context, p: &Path) -> String {
    let root = std::fs::canonicalize(ctx.root()).unwrap_or_else(|_| ctx.root().to_path_buf());
    let rel = p.strip_prefix(&root).unwrap_or(p);
    format!("/{}", rel.display())
}

/// The disk a newly arrived (or newly filled) block device belongs to, if one arrived.
pub fn arrived(before: &Media, now: &Media, ctx: &Context, port_path: &str) -> Option<String> {
    let mut found = None;
    for (name, &size) in now {
        let was = before.get(name).copied();
        if size == 0 || was.is_some_and(|s| s > 0) {
            continue;
        }
        let path = sysfs_path(ctx, name);
        let rel = relative(ctx, &path);
        let matches = if port_path.is_empty() {
            !name.starts_with("loop")
        } else {
            rel.contains(port_path)
        };
        if !matches {
            continue;
        }
        // A partition stands for its disk.
        let disk = if path.join("partition").exists() {
            path.parent()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| name.clone())
        } else {
            name.clone()
        };
        // Prefer the disk itself when both it and a partition arrived.
        if found.is_none() || &disk == name {
            found = Some(disk);
        }
    }
    found
}

/// Whether the medium is gone (its device vanished or has no medium any more).
fn removed(now: &Media, disk: &str) -> bool {
    now.get(disk).is_none_or(|&s| s == 0)
}

/// The negotiated speed (Mb/s) of the USB device the disk hangs off, if it is on USB.
pub fn usb_speed(ctx: &Context, disk: &str) -> Option<f64> {
    let devices = std::fs::canonicalize(ctx.path("/sys/devices")).ok()?;
    let mut p = sysfs_path(ctx, disk);
    while p.starts_with(&devices) && p != devices {
        if p.join("idVendor").exists() {
            if let Some(s) = attr(&p.join("speed")).and_then(|s| s.parse::<f64>().ok()) {
                return Some(s);
            }
        }
        if !p.pop() {
            break;
        }
    }
    None
}

/// `major:minor` of the disk and its partitions.
fn device_numbers(ctx: &Context, disk: &str) -> Vec<String> {
    let dir = sysfs_path(ctx, disk);
    let mut out: Vec<String> = attr(&dir.join("dev")).into_iter().collect();
    for child in dir_names(&dir) {
        let c = dir.join(&child);
        if c.join("partition").exists() {
            out.extend(attr(&c.join("dev")));
        }
    }
    out
}

/// A writable mount of one of `devs`: (mount point, filesystem type).
pub fn find_mount(mountinfo: &str, devs: &[String]) -> Option<(String, String)> {
    mountinfo.lines().find_map(|line| {
        let (left, right) = line.split_once(" - ")?;
        let f: Vec<&str> = left.split(' ').collect();
        let [_, _, dev, root, point, opts, ..] = f[..] else {
            return None;
        };
        let fstype = right.split(' ').next()?;
        (devs.iter().any(|d| d == dev) && root == "/" && opts.split(',').any(|o| o == "rw"))
            .then(|| (unescape_mount(point), fstype.to_owned()))
    })
}

fn mount_of(ctx: &Context, devs: &[String]) -> Option<(String, String)> {
    let info = std::fs::read_to_string(ctx.path("/proc/self/mountinfo")).ok()?;
    find_mount(&info, devs)
}

fn look(slice: Duration) {
    std::thread::sleep(slice.min(POLL));
}

/// Runs the check with the run's person (skipped without one).
pub fn run(p: &StorageHotplug, ctx: &Context) -> Outcome {
    match attention::person(ctx) {
        Some(mut person) => run_with(p, ctx, person.as_mut()),
        None => attention::no_person("insert and remove a USB stick or memory card"),
    }
}

/// Runs the check with `person` at the machine, watching as [`BlockWatch::for_context`] says.
pub fn run_with(p: &StorageHotplug, ctx: &Context, person: &mut dyn Person) -> Outcome {
    run_watching(p, ctx, person, BlockWatch::for_context(ctx))
}

/// Runs the check with `person` at the machine and `watch` for block device changes.
pub fn run_watching(
    p: &StorageHotplug,
    ctx: &Context,
    person: &mut dyn Person,
    mut watch: BlockWatch,
) -> Outcome {
    let class = ctx.path("/sys/class/block");
    if !class.is_dir() {
        return Outcome::skip(format!(
            "{} is missing: this system exposes no block devices to watch",
            relative(ctx, &class)
        ));
    }
    let wait = Duration::from_secs(p.wait_s);
    // Listening before the first reading, so no event falls between the two.
    let before = media(ctx);
    let insert = Text {
        es: format!(
            "Inserte una memoria USB o tarjeta con un sistema de archivos (se escribirán {} MiB) en {}.",
            p.size_mib, p.port
        ),
        en: format!(
            "Insert a USB stick or memory card with a filesystem ({} MiB will be written) into {}.",
            p.size_mib, p.port
        ),
    };
    let disk = match wait_for(person, KIND, &insert, wait, |s| {
        watch
            .wait(s)
            .then(|| arrived(&before, &media(ctx), ctx, &p.port_path))
            .flatten()
    }) {
        Waited::Happened(d) => d,
        Waited::TimedOut => {
            return Outcome::timeout(format!(
                "no storage medium appeared in {} within {} s",
                p.port, p.wait_s
            ))
            .evidence("watch", watch.describe())
        }
        Waited::Skipped(c) => return attention::skipped_by_tester(c),
    };
    let mut failures = Vec::new();
    let mut lines = vec![format!("{disk} appeared")];
    let speed = usb_speed(ctx, &disk);
    match speed {
        Some(s) => {
            lines.push(format!("linked over USB at {s} Mb/s"));
            if s < p.min_speed_mbps as f64 {
                failures.push(format!(
                    "{disk} linked at {s} Mb/s, slower than the port's {} Mb/s",
                    p.min_speed_mbps
                ));
            }
        }
        None if p.min_speed_mbps > 0 => lines.push(format!(
            "not on USB (a card reader or another bus): the speed of {} Mb/s is not checked",
            p.min_speed_mbps
        )),
        None => lines.push("not on USB".into()),
    }

    let devs = device_numbers(ctx, &disk);
    let mount_text = Text {
        es: format!(
            "Esperando a que se monte /dev/{disk} (el escritorio lo hace solo; si no, móntelo usted)."
        ),
        en: format!(
            "Waiting for /dev/{disk} to be mounted (the desktop does it; otherwise mount it yourself)."
        ),
    };
    let mounted = match mount_of(ctx, &devs) {
        Some(m) => Some(m),
        None => match wait_for(person, KIND, &mount_text, wait, |s| {
            look(s);
            mount_of(ctx, &devs)
        }) {
            Waited::Happened(m) => Some(m),
            Waited::TimedOut => None,
            Waited::Skipped(c) => return attention::skipped_by_tester(c),
        },
    };
    let mut out_measure = Vec::new();
    if let Some(s) = speed {
        out_measure.push(("usb_speed", s, "Mb/s"));
    }
    let verified = match &mounted {
        None => {
            lines.push(format!(
                "no filesystem of /dev/{disk} was mounted read-write within {} s",
                p.wait_s
            ));
            false
        }
        Some((point, fstype)) => {
            let size = p.size_mib * MIB;
            let target = Target {
                dir: ctx.path(point),
                label: format!("its {fstype} filesystem"),
                explicit: true,
            };
            // Mount points often hold a user name: never reported.
            let hide = |s: String| s.replace(&target.dir.display().to_string(), "<mount point>");
            match test_dir(&target, size) {
                DirResult::Done {
                    write,
                    read,
                    mismatch,
                    cleanup,
                } => {
                    let (w, r) = (mbps(size, write), mbps(size, read));
                    lines.push(format!(
                        "{} MiB written on its {fstype} filesystem at {w:.1} MB/s (with fsync), read back at {r:.1} MB/s",
                        p.size_mib
                    ));
                    out_measure.push(("write_throughput", w, "MB/s"));
                    out_measure.push(("read_throughput", r, "MB/s"));
                    failures.extend(mismatch.map(|m| format!("the file read back differs: {m}")));
                    failures.extend(cleanup.map(hide));
                    true
                }
                DirResult::Skipped(why) | DirResult::Failed(why) => {
                    failures.push(format!(
                        "writing on its {fstype} filesystem failed: {}",
                        hide(why)
                    ));
                    false
                }
            }
        }
    };

    let remove = Text {
        es: format!("Expulse y retire el medio de {}.", p.port),
        en: format!("Eject and remove the medium from {}.", p.port),
    };
    let mut removal = "it was removed";
    match wait_for(person, KIND, &remove, wait, |s| {
        (watch.wait(s) && removed(&media(ctx), &disk)).then_some(())
    }) {
        Waited::Happened(()) => lines.push(format!("{disk} was removed")),
        Waited::TimedOut => failures.push(format!("{disk} was not removed within {} s", p.wait_s)),
        Waited::Skipped(c) => {
            removal = "the tester skipped its removal";
            lines.push(removal.into());
            if !c.is_empty() {
                lines.push(format!("comment: {c}"));
            }
        }
    }

    let mut out = if !failures.is_empty() {
        Outcome::fail(failures.join("; "))
    } else if !verified && mounted.is_none() {
        Outcome::skip(format!(
            "{disk} appeared but was not mounted within {} s; mxcert never mounts or formats media: let the desktop mount it, or mount it, and run the test again",
            p.wait_s
        ))
    } else {
        Outcome::pass(format!(
            "{disk} appeared{}, {} MiB written and verified on it, and {removal}",
            speed.map(|s| format!(" at {s} Mb/s")).unwrap_or_default(),
            p.size_mib
        ))
    };
    for (name, value, unit) in out_measure {
        out.add_measurement(name, value, unit);
    }
    out.add_evidence("medium", lines.join("\n"));
    out.add_evidence("watch", watch.describe());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts_are_found_by_device_number_and_unescaped() {
        let info = "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n\
            90 22 8:17 /sub /mnt/bind rw - vfat /dev/sdb1 rw\n\
            91 22 8:17 / /media/a\\040b ro - vfat /dev/sdb1 ro\n\
            92 22 8:17 / /media/a\\040c rw,nosuid shared:5 - vfat /dev/sdb1 rw\n";
        let devs = vec!["8:16".to_owned(), "8:17".to_owned()];
        assert_eq!(
            find_mount(info, &devs),
            Some(("/media/a c".to_owned(), "vfat".to_owned()))
        );
        assert_eq!(find_mount(info, &["9:0".to_owned()]), None);
        assert_eq!(find_mount("garbage\n - \n", &devs), None);
    }
}
