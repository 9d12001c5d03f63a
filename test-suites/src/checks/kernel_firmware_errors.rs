//! `kernel.firmware-errors`: firmware load failures and hardware errors in the kernel log.
//!
//! Reads `/dev/kmsg` (the kernel's structured log; each read returns one record) without
//! blocking, or a file of kmsg or plain `dmesg` lines at that path in a fixture tree. When the
//! log is not readable (`kernel.dmesg_restrict` for non-root users) the check is skipped with
//! that reason.

use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;

use mxcert_core::plan::params::KernelFirmwareErrors;

use crate::{Context, Outcome};

/// (what, texts that mark it, lowercase)
const PATTERNS: &[(Kind, &[&str])] = &[
    (
        Kind::Firmware,
        &[
            "direct firmware load for",
            "failed to load firmware",
            "firmware: failed to load",
            "request_firmware failed",
            "firmware load failed",
            "failed to request firmware",
            "firmware crashed",
            "firmware error detected",
        ],
    ),
    (
        Kind::Hardware,
        &[
            "[hardware error]",
            "machine check",
            "pcie bus error",
            "aer: uncorrected",
            "aer: corrected error",
            "edac mc",
            "i/o error, dev",
            "failed command:",
            "critical temperature reached",
            "controller is down",
            "device reset failed",
        ],
    ),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Firmware,
    Hardware,
}

/// The message of one log line: kmsg records are `prio,seq,usec,flags;message`, `dmesg` lines
/// `[ 1.234] message`; continuation lines (starting with a space) are not messages.
fn message(line: &str) -> Option<&str> {
    if line.starts_with(' ') || line.trim().is_empty() {
        return None;
    }
    if let Some((head, msg)) = line.split_once(';') {
        if head.split(',').count() >= 3 && head.split(',').take(3).all(|f| f.parse::<u64>().is_ok())
        {
            return Some(msg);
        }
    }
    if let Some(rest) = line.strip_prefix('[') {
        if let Some((_, msg)) = rest.split_once("] ") {
            return Some(msg);
        }
    }
    Some(line)
}

/// Reads the whole log without blocking (a live `/dev/kmsg` would otherwise wait for new
/// records).
pub(crate) fn read_log(path: &std::path::Path) -> io::Result<String> {
    let mut f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
        .open(path)?;
    let mut out = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
            // EPIPE: records were overwritten while reading; the next read continues.
            Err(e) if e.raw_os_error() == Some(nix::libc::EPIPE) => continue,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
        if out.len() > 64 << 20 {
            break;
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Where a kernel log ended: the last kmsg sequence number, and the number of lines (for logs
/// in `dmesg` form, which have none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LogPosition {
    seq: Option<u64>,
    lines: usize,
}

/// The sequence number of a kmsg record (`prio,seq,usec,flags;message`).
fn sequence(line: &str) -> Option<u64> {
    let (head, _) = line.split_once(';')?;
    head.split(',').nth(1)?.parse().ok()
}

impl LogPosition {
    pub(crate) fn end_of(log: &str) -> LogPosition {
        LogPosition {
            seq: log.lines().filter_map(sequence).max(),
            lines: log.lines().count(),
        }
    }
}

/// The firmware and hardware error lines logged after `from` (kmsg records by sequence number,
/// so a live `/dev/kmsg`, re-read from its start, works; other logs by line): (firmware,
/// hardware).
fn log_since(log: &str, from: LogPosition) -> (Vec<String>, Vec<String>) {
    let newer: Vec<&str> = match from.seq {
        Some(seq) => log
            .lines()
            .filter(|l| sequence(l).is_some_and(|s| s > seq))
            .collect(),
        None => log.lines().skip(from.lines).collect(),
    };
    let joined = newer.join("\n");
    let (fw, hw) = scan(&joined, &[]);
    let own = |v: Vec<&str>| v.into_iter().map(str::to_owned).collect();
    (own(fw), own(hw))
}

/// The errors logged after `from`, if any: `N firmware and M hardware errors in the kernel log`
/// and the lines, as evidence.
pub(crate) fn errors_since(log: &str, from: LogPosition) -> Option<(String, String)> {
    let (firmware, hardware) = log_since(log, from);
    let lines: Vec<&str> = firmware
        .iter()
        .chain(&hardware)
        .map(String::as_str)
        .collect();
    (!lines.is_empty()).then(|| {
        (
            format!(
                "{} firmware and {} hardware errors in the kernel log",
                firmware.len(),
                hardware.len()
            ),
            shown(&lines),
        )
    })
}

/// The firmware and hardware error lines of a log.
fn scan<'a>(log: &'a str, ignore: &[String]) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut firmware, mut hardware) = (Vec::new(), Vec::new());
    for msg in log.lines().filter_map(message) {
        let lower = msg.to_lowercase();
        if ignore.iter().any(|i| msg.contains(i.as_str())) {
            continue;
        }
        for (kind, texts) in PATTERNS {
            if texts.iter().any(|t| lower.contains(t)) {
                match kind {
                    Kind::Firmware => firmware.push(msg.trim_end()),
                    Kind::Hardware => hardware.push(msg.trim_end()),
                }
                break;
            }
        }
    }
    (firmware, hardware)
}

const MAX_EVIDENCE_LINES: usize = 40;

/// Up to [`MAX_EVIDENCE_LINES`] lines, and how many more there were.
pub(crate) fn shown(lines: &[&str]) -> String {
    let mut s: Vec<String> = lines
        .iter()
        .take(MAX_EVIDENCE_LINES)
        .map(|l| (*l).to_owned())
        .collect();
    if lines.len() > MAX_EVIDENCE_LINES {
        s.push(format!("... and {} more", lines.len() - MAX_EVIDENCE_LINES));
    }
    s.join("\n")
}

pub fn run(p: &KernelFirmwareErrors, ctx: &Context) -> Outcome {
    let path = ctx.path("/dev/kmsg");
    let log = match read_log(&path) {
        Ok(log) => log,
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            return Outcome::skip(format!(
                "the kernel log ({}) is not readable by this user: {e}; run as root",
                path.display()
            ))
        }
        Err(e) => {
            return Outcome::skip(format!(
                "cannot read the kernel log {}: {e}",
                path.display()
            ))
        }
    };
    let records = log.lines().filter_map(message).count();
    let (firmware, hardware) = scan(&log, &p.ignore);
    let mut out = if firmware.is_empty() && hardware.is_empty() {
        Outcome::pass(format!(
            "no firmware or hardware errors in {records} kernel log records"
        ))
    } else {
        Outcome::fail(format!(
            "{} firmware and {} hardware errors in the kernel log",
            firmware.len(),
            hardware.len()
        ))
    };
    out.add_evidence("firmware errors", shown(&firmware));
    out.add_evidence("hardware errors", shown(&hardware));
    out.measure("log_records", records as f64, "records")
        .measure("firmware_errors", firmware.len() as f64, "lines")
        .measure("hardware_errors", hardware.len() as f64, "lines")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kmsg_and_dmesg_lines_are_parsed_and_classified() {
        let log = "6,339,5140900,-;NET: Registered PF_INET6 protocol family\n SUBSYSTEM=net\n\
3,812,9123456,-;iwlwifi 0000:00:14.3: Direct firmware load for iwlwifi-so-a0-gf-a0-86.ucode failed with error -2\n\
[   12.5] mce: [Hardware Error]: Machine check events logged\n\
4,900,9999999,-;bluetooth hci0: firmware: failed to load intel/ibt-0040-0041.sfi (-2)\n";
        let (fw, hw) = scan(log, &[]);
        assert_eq!(fw.len(), 2, "{fw:?}");
        assert!(fw[0].starts_with("iwlwifi 0000:00:14.3: Direct firmware load"));
        assert_eq!(
            hw,
            vec!["mce: [Hardware Error]: Machine check events logged"]
        );
        let (fw, _) = scan(log, &["iwlwifi".to_owned()]);
        assert_eq!(fw.len(), 1);
        assert_eq!(log.lines().filter_map(message).count(), 4);
    }
}
