//! `storage.rw-verify`: in each target directory, writes a file of seeded pseudo-random data,
//! fsyncs it, drops it from the page cache (`posix_fadvise(DONTNEED)`, for this file only), reads
//! it back and compares every byte, then removes it. Reports write MB/s (including the fsync) and
//! read MB/s, in 10⁶ bytes per second.
//!
//! Targets: the scratch directory (default) or the plan's `path`, plus, with `all_filesystems`,
//! every writable local filesystem from `/proc/self/mounts` (in a hidden directory at its mount
//! point). Safety: only regular files inside a fresh directory are ever written; device nodes
//! and anything under `/dev` are refused; a target without room for the file (plus a margin) is
//! skipped; the directory is removed on every path out, including errors and panics.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mxcert_core::plan::params::StorageRwVerify;

use crate::random::XorShift64;
use crate::root::read_trimmed;
use crate::{Context, Findings, Outcome};

const MIB: u64 = 1 << 20;
const CHUNK: usize = 1 << 20;
const SEED: u64 = 0x7277_7665_7269_6679;

/// Filesystem types of local, writable storage.
const LOCAL_FILESYSTEMS: &[&str] = &[
    "ext2", "ext3", "ext4", "xfs", "btrfs", "f2fs", "vfat", "exfat", "ntfs3", "jfs", "nilfs2",
    "bcachefs", "zfs",
];

/// A directory to test and how it was chosen.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub(crate) dir: PathBuf,
    /// Shown in evidence and measurement names (the mount point, or the directory).
    pub(crate) label: String,
    /// Chosen by the plan or the runner (errors are errors) or discovered (errors skip it).
    pub(crate) explicit: bool,
}

/// Decodes the octal escapes (`\040` for a space) of `/proc/self/mounts`.
pub(crate) fn unescape_mount(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\'
            && i + 3 < b.len()
            && b[i + 1..i + 4].iter().all(|c| (b'0'..=b'7').contains(c))
        {
            let v = u32::from(b[i + 1] - b'0') * 64
                + u32::from(b[i + 2] - b'0') * 8
                + u32::from(b[i + 3] - b'0');
            out.push(u8::try_from(v).unwrap_or(b'?'));
            i += 4;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Mount points of writable local filesystems, one per device.
fn writable_mounts(mounts: &str) -> Vec<String> {
    let mut seen = Vec::new();
    let mut out = Vec::new();
    for line in mounts.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        let [src, target, fstype, opts, ..] = f[..] else {
            continue;
        };
        if !src.starts_with("/dev/")
            || !LOCAL_FILESYSTEMS.contains(&fstype)
            || !opts.split(',').any(|o| o == "rw")
            || seen.contains(&src)
        {
            continue;
        }
        seen.push(src);
        out.push(unescape_mount(target));
    }
    out
}

fn targets(p: &StorageRwVerify, ctx: &Context) -> Vec<Target> {
    let mut out = vec![match &p.path {
        Some(path) => Target {
            dir: PathBuf::from(path),
            label: path.clone(),
            explicit: true,
        },
        None => Target {
            dir: ctx.scratch.clone(),
            label: "scratch".into(),
            explicit: true,
        },
    }];
    if p.all_filesystems {
        let mounts = read_trimmed(&ctx.path("/proc/self/mounts"))
            .ok()
            .flatten()
            .unwrap_or_default();
        for m in writable_mounts(&mounts) {
            out.push(Target {
                dir: ctx.path(&m),
                label: m,
                explicit: false,
            });
        }
    }
    out
}

/// What one target gave (also `storage.hotplug`'s write-and-verify on the medium).
pub(crate) enum DirResult {
    Done {
        write: Duration,
        read: Duration,
        mismatch: Option<String>,
        cleanup: Option<String>,
    },
    Skipped(String),
    Failed(String),
}

// The statvfs field types differ between platforms (u32 on some 32-bit targets).
#[allow(clippy::useless_conversion)]
fn free_bytes(dir: &Path) -> Option<u64> {
    let s = nix::sys::statvfs::statvfs(dir).ok()?;
    Some(u64::from(s.blocks_available()) * u64::from(s.fragment_size()))
}

fn refuse_device(dir: &Path) -> Result<(), String> {
    let meta = fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if !meta.is_dir() {
        return Err(format!(
            "{} is not a directory; only directories are tested, never device nodes",
            dir.display()
        ));
    }
    let real = fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if real.starts_with("/dev") {
        return Err(format!(
            "{} is under /dev; raw devices are never written",
            real.display()
        ));
    }
    Ok(())
}

fn write_file(path: &Path, size: u64) -> io::Result<Duration> {
    let start = Instant::now();
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut written = 0u64;
    let mut chunk = 0u64;
    while written < size {
        let n = (size - written).min(CHUNK as u64) as usize;
        XorShift64::new(SEED ^ chunk).fill(&mut buf[..n]);
        f.write_all(&buf[..n])?;
        written += n as u64;
        chunk += 1;
    }
    f.sync_all()?;
    let elapsed = start.elapsed();
    // Evict this file's pages so the read-back comes from the device, not the page cache.
    let _ = nix::fcntl::posix_fadvise(
        f.as_raw_fd(),
        0,
        0,
        nix::fcntl::PosixFadviseAdvice::POSIX_FADV_DONTNEED,
    );
    Ok(elapsed)
}

fn read_verify(path: &Path, size: u64) -> io::Result<(Duration, Option<String>)> {
    let start = Instant::now();
    let mut f = File::open(path)?;
    let mut buf = vec![0u8; CHUNK];
    let mut want = vec![0u8; CHUNK];
    let mut offset = 0u64;
    let mut chunk = 0u64;
    let mut mismatch = None;
    while offset < size {
        let n = (size - offset).min(CHUNK as u64) as usize;
        f.read_exact(&mut buf[..n])?;
        XorShift64::new(SEED ^ chunk).fill(&mut want[..n]);
        if mismatch.is_none() && buf[..n] != want[..n] {
            let i = buf[..n]
                .iter()
                .zip(&want[..n])
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            mismatch = Some(format!(
                "byte {} read back as {:#04x}, written as {:#04x}",
                offset + i as u64,
                buf[i],
                want[i]
            ));
        }
        offset += n as u64;
        chunk += 1;
    }
    // Anything beyond the size written is a fault too.
    if mismatch.is_none() && f.read(&mut buf[..1])? != 0 {
        mismatch = Some(format!("the file is longer than the {size} bytes written"));
    }
    Ok((start.elapsed(), mismatch))
}

pub(crate) fn test_dir(t: &Target, size: u64) -> DirResult {
    if let Err(e) = refuse_device(&t.dir) {
        return if t.explicit {
            DirResult::Failed(e)
        } else {
            DirResult::Skipped(e)
        };
    }
    let margin = (size / 10).max(16 * MIB);
    match free_bytes(&t.dir) {
        Some(free) if free < size + margin => {
            return DirResult::Skipped(format!(
                "only {} MiB free, {} MiB needed",
                free / MIB,
                (size + margin) / MIB
            ))
        }
        _ => {}
    }
    let dir = match tempfile::Builder::new()
        .prefix(".mxcert-rw-")
        .tempdir_in(&t.dir)
    {
        Ok(d) => d,
        Err(e) => {
            let m = format!("cannot create a directory in {}: {e}", t.dir.display());
            return if t.explicit {
                DirResult::Failed(m)
            } else {
                DirResult::Skipped(m)
            };
        }
    };
    let file = dir.path().join("rw-verify.bin");
    let result = write_file(&file, size).and_then(|w| read_verify(&file, size).map(|r| (w, r)));
    let cleanup = fs::remove_file(&file)
        .err()
        .filter(|e| e.kind() != io::ErrorKind::NotFound)
        .map(|e| format!("could not remove {}: {e}", file.display()))
        .or_else(|| {
            let p = dir.path().to_path_buf();
            dir.close()
                .err()
                .map(|e| format!("could not remove {}: {e}", p.display()))
        });
    match result {
        Ok((write, (read, mismatch))) => DirResult::Done {
            write,
            read,
            mismatch,
            cleanup,
        },
        Err(e) => DirResult::Failed(format!("I/O error in {}: {e}", t.dir.display())),
    }
}

pub(crate) fn mbps(bytes: u64, t: Duration) -> f64 {
    bytes as f64 / t.as_secs_f64().max(1e-9) / 1e6
}

pub fn run(p: &StorageRwVerify, ctx: &Context) -> Outcome {
    let size = p.size_mib * MIB;
    let targets = targets(p, ctx);
    let single = targets.len() == 1;
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut measured = Findings::default();
    let mut tested = 0;
    for t in &targets {
        let suffix = if single {
            String::new()
        } else {
            format!("@{}", t.label)
        };
        match test_dir(t, size) {
            DirResult::Done {
                write,
                read,
                mismatch,
                cleanup,
            } => {
                tested += 1;
                let (w, r) = (mbps(size, write), mbps(size, read));
                lines.push(format!(
                    "{}: wrote {} MiB at {w:.1} MB/s (with fsync), read back at {r:.1} MB/s{}",
                    t.label,
                    p.size_mib,
                    if mismatch.is_some() {
                        ", MISMATCH"
                    } else {
                        ", verified"
                    }
                ));
                measured.measure(format!("write_throughput{suffix}"), w, "MB/s");
                measured.measure(format!("read_throughput{suffix}"), r, "MB/s");
                if let Some(m) = mismatch {
                    failures.push(format!("{}: {m}", t.label));
                }
                if let Some(c) = cleanup {
                    failures.push(c);
                }
            }
            DirResult::Skipped(why) => lines.push(format!("{}: skipped: {why}", t.label)),
            DirResult::Failed(why) => {
                lines.push(format!("{}: failed: {why}", t.label));
                failures.push(why);
            }
        }
    }
    let mut out = if tested == 0 && failures.is_empty() {
        Outcome::skip(format!("no target could be tested: {}", lines.join("; ")))
    } else {
        Outcome::pass_unless(
            &failures,
            format!(
                "{} MiB written, read back and verified in {tested} place(s)",
                p.size_mib
            ),
        )
    };
    out = out.with(measured);
    out.add_evidence("targets", lines.join("\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writable_local_mounts_are_found_once_per_device() {
        let mounts = "/dev/vda / ext4 rw,relatime 0 0\n\
proc /proc proc rw 0 0\n\
tmpfs /run tmpfs rw 0 0\n\
/dev/vda /srv/bind ext4 rw,relatime 0 0\n\
/dev/sdb1 /mnt/my\\040disk vfat rw 0 0\n\
/dev/sdc1 /mnt/ro ext4 ro 0 0\n";
        assert_eq!(writable_mounts(mounts), vec!["/", "/mnt/my disk"]);
    }
}
