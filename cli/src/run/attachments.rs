//! The files a finished run attaches to its report (`attachments`, see
//! [`mxcert_core::attachment`]): the kernel log since the session started (`dmesg`), the failed
//! systemd units (`systemctl --failed`) and, when fwupd is installed, its device list
//! (`fwupdmgr get-devices --json`).
//!
//! Every program runs through the [`Commands`] seam (tests hand in their own), with a timeout
//! and a cap on what is read. A program that is not installed, fails or times out leaves its
//! attachment out with a note (`attachment_notes`); it never fails the run. Every text is
//! scrubbed before it is attached: the probe's withheld values (serial numbers, ...), the host
//! name and local user names, MAC and UUID shapes, and in JSON every value under a key naming a
//! serial. Then it is cut to [`MAX_ATTACHMENT_BYTES`] (the original size is recorded) and the
//! report's attachments are kept under [`MAX_TOTAL_BYTES`].

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use mxcert_core::attachment::{Attachment, MAX_ATTACHMENT_BYTES, MAX_TOTAL_BYTES, MEDIA_TYPES};
use mxcert_core::privacy::{Scrubber, Withholding, WITHHELD};

/// The most bytes read from one program's output; the rest is counted, not kept.
pub const READ_LIMIT: usize = 16 * 1024 * 1024;
/// How long one program may run.
pub const TIMEOUT: Duration = Duration::from_secs(30);

const TEXT: &str = MEDIA_TYPES[0];
const JSON: &str = MEDIA_TYPES[1];

/// What running a program gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ran {
    /// It ran and exited (with `code`, `None` when killed by a signal).
    Exited {
        code: Option<i32>,
        /// Standard output, at most [`READ_LIMIT`] bytes.
        stdout: Vec<u8>,
        /// How many bytes it wrote to standard output in all.
        stdout_total: u64,
        stderr: String,
    },
    /// The program is not installed.
    NotFound,
    /// It could not be started, or did not finish in time (the reason).
    Failed(String),
}

/// Runs programs: the seam between collecting attachments and the machine.
pub trait Commands {
    fn run(&self, argv: &[&str]) -> Ran;
}

/// Runs the real programs, each with [`TIMEOUT`] and [`READ_LIMIT`].
#[derive(Debug, Clone, Copy, Default)]
pub struct System;

impl Commands for System {
    fn run(&self, argv: &[&str]) -> Ran {
        let Some((program, args)) = argv.split_first() else {
            return Ran::Failed("nothing to run".into());
        };
        let mut child = match Command::new(program)
            .args(args)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
        {
            Ok(c) => c,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ran::NotFound,
            Err(e) => return Ran::Failed(format!("failed to start: {e}")),
        };
        let out = child.stdout.take().map(|s| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let mut total = 0u64;
                let mut s = s;
                let mut buf = [0u8; 64 * 1024];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    total += n as u64;
                    let room = READ_LIMIT.saturating_sub(kept.len());
                    kept.extend_from_slice(&buf[..n.min(room)]);
                }
                (kept, total)
            })
        });
        let err = child.stderr.take().map(|s| {
            std::thread::spawn(move || {
                let mut kept = Vec::new();
                let _ = s.take(64 * 1024).read_to_end(&mut kept);
                String::from_utf8_lossy(&kept).into_owned()
            })
        });
        let deadline = Instant::now() + TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Ok(None) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Ran::Failed(format!("did not finish within {} s", TIMEOUT.as_secs()));
                }
                Err(e) => return Ran::Failed(format!("failed to wait for it: {e}")),
            }
        };
        let (stdout, stdout_total) = out.and_then(|t| t.join().ok()).unwrap_or_default();
        let stderr = err.and_then(|t| t.join().ok()).unwrap_or_default();
        Ran::Exited {
            code: status.code(),
            stdout,
            stdout_total,
            stderr,
        }
    }
}

/// The scrubber for attachments: the probe's withheld values plus the host name and the local
/// user names (accounts with a uid from 1000, and the invoking user).
pub fn scrubber(mut withholding: Withholding) -> Scrubber {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    withholding.keep_secret(read("/proc/sys/kernel/hostname").trim());
    for line in read("/etc/passwd").lines() {
        let fields: Vec<&str> = line.split(':').collect();
        let uid = fields.get(2).and_then(|u| u.parse::<u32>().ok());
        if let (Some(name), Some(uid)) = (fields.first(), uid) {
            if (1000..65534).contains(&uid) {
                withholding.keep_secret(name);
            }
        }
    }
    for var in ["SUDO_USER", "USER", "LOGNAME"] {
        if let Ok(name) = std::env::var(var) {
            if name != "root" {
                withholding.keep_secret(&name);
            }
        }
    }
    withholding.scrubber()
}

/// The attachments of a run that started at `since`, and a note for each one left out.
pub fn collect(
    commands: &dyn Commands,
    since: DateTime<Utc>,
    scrubber: &Scrubber,
) -> (Vec<Attachment>, Vec<String>) {
    let mut attachments = Vec::new();
    let mut notes = Vec::new();
    let mut add = |made: Result<Attachment, String>| match made {
        Ok(a) => attachments.push(a),
        Err(note) => notes.push(scrubber.scrub(&note).into_owned()),
    };
    add(kernel_log(commands, since, scrubber));
    add(text_of(
        commands,
        &["systemctl", "--failed", "--no-pager"],
        "systemctl-failed.txt",
        scrubber,
    ));
    add(fwupd_devices(commands, scrubber));
    let mut total = 0usize;
    attachments.retain(|a| {
        total += a.content.len();
        let fits = total <= MAX_TOTAL_BYTES;
        if !fits {
            notes.push(format!(
                "{} left out: the report's attachments would exceed {MAX_TOTAL_BYTES} bytes",
                a.name
            ));
            total -= a.content.len();
        }
        fits
    });
    (attachments, notes)
}

/// The output of a program that exited 0, or the note saying why there is none.
fn output_of(commands: &dyn Commands, argv: &[&str]) -> Result<(String, u64), String> {
    let shown = argv.join(" ");
    match commands.run(argv) {
        Ran::NotFound => Err(format!("{shown}: {} is not installed", argv[0])),
        Ran::Failed(why) => Err(format!("{shown}: {why}")),
        Ran::Exited {
            code: Some(0),
            stdout,
            stdout_total,
            ..
        } => Ok((String::from_utf8_lossy(&stdout).into_owned(), stdout_total)),
        Ran::Exited { code, stderr, .. } => {
            let why = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let code = code.map_or("a signal".to_owned(), |c| format!("exit status {c}"));
            Err(format!("{shown}: failed ({code}): {}", why.trim()))
        }
    }
}

/// `truncated_from` for output of which only part was read.
fn cut(content: &str, total: u64) -> Option<u64> {
    (total > content.len() as u64).then_some(total)
}

fn text_of(
    commands: &dyn Commands,
    argv: &[&str],
    name: &str,
    scrubber: &Scrubber,
) -> Result<Attachment, String> {
    let (text, total) = output_of(commands, argv)?;
    let original = cut(&text, total);
    let clean = scrubber.scrub(&text).into_owned();
    Ok(Attachment::new(
        name,
        TEXT,
        clean,
        MAX_ATTACHMENT_BYTES,
        original,
    ))
}

/// The kernel log lines stamped at or after `since` (lines without a stamp follow the one
/// before them).
fn kernel_log(
    commands: &dyn Commands,
    since: DateTime<Utc>,
    scrubber: &Scrubber,
) -> Result<Attachment, String> {
    let (text, total) = output_of(commands, &["dmesg", "--time-format=iso", "--nopager"])?;
    let mut keep = false;
    let mut lines = String::new();
    for line in text.lines() {
        if let Some(at) = line.split_whitespace().next().and_then(stamp) {
            keep = at >= since;
        }
        if keep {
            lines.push_str(line);
            lines.push('\n');
        }
    }
    let original = cut(&text, total).map(|_| total);
    let clean = scrubber.scrub(&lines).into_owned();
    Ok(Attachment::new(
        "kernel.log",
        TEXT,
        clean,
        MAX_ATTACHMENT_BYTES,
        original,
    ))
}

/// A `dmesg --time-format=iso` stamp: `2026-12-05T12:31:04,123456+00:00`.
fn stamp(token: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(token, "%Y-%m-%dT%H:%M:%S,%f%:z")
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// `fwupdmgr get-devices --json`, with every value under a key naming a serial withheld; plain
/// text when the output is not JSON or had to be cut.
fn fwupd_devices(commands: &dyn Commands, scrubber: &Scrubber) -> Result<Attachment, String> {
    let (text, total) = output_of(commands, &["fwupdmgr", "get-devices", "--json"])?;
    let original = cut(&text, total);
    let Ok(mut value) = serde_json::from_str::<serde_json::Value>(&text) else {
        let clean = scrubber.scrub(&text).into_owned();
        return Ok(Attachment::new(
            "fwupd-devices.txt",
            TEXT,
            clean,
            MAX_ATTACHMENT_BYTES,
            original,
        ));
    };
    withhold_serials(&mut value);
    let pretty = String::from_utf8_lossy(&mxcert_core::format::to_json_pretty(&value)).into_owned();
    let clean = scrubber.scrub(&pretty).into_owned();
    let media = if clean.len() > MAX_ATTACHMENT_BYTES {
        TEXT
    } else {
        JSON
    };
    Ok(Attachment::new(
        "fwupd-devices.json",
        media,
        clean,
        MAX_ATTACHMENT_BYTES,
        original,
    ))
}

fn withhold_serials(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k.to_ascii_lowercase().contains("serial") && v.is_string() {
                    *v = serde_json::Value::String(WITHHELD.into());
                } else {
                    withhold_serials(v);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(withhold_serials),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Programs answered from a table; anything else is not installed.
    struct Table(Vec<(&'static str, Ran)>);

    impl Commands for Table {
        fn run(&self, argv: &[&str]) -> Ran {
            self.0
                .iter()
                .find(|(p, _)| *p == argv[0])
                .map_or(Ran::NotFound, |(_, r)| r.clone())
        }
    }

    fn exited(stdout: &str) -> Ran {
        Ran::Exited {
            code: Some(0),
            stdout: stdout.as_bytes().to_vec(),
            stdout_total: stdout.len() as u64,
            stderr: String::new(),
        }
    }

    fn scrubber_of(secrets: &[&str]) -> Scrubber {
        let mut w = Withholding::new();
        for s in secrets {
            w.keep_secret(s);
        }
        w.scrubber()
    }

    #[test]
    fn kernel_log_since_the_start_scrubbed_and_missing_tools_noted() {
        let dmesg = "2026-12-05T12:00:00,000000+00:00 before the run\n\
             2026-12-05T12:30:00,500000+00:00 e1000e: eth0 NIC Link is Up, mac 00:1a:7d:da:71:13 on ana-laptop\n\
             \x20continuation line of lab-user-7\n";
        let cmds = Table(vec![
            ("dmesg", exited(dmesg)),
            (
                "systemctl",
                Ran::Exited {
                    code: Some(1),
                    stdout: vec![],
                    stdout_total: 0,
                    stderr: "System has not been booted with systemd on ana-laptop\n".into(),
                },
            ),
        ]);
        let since = "2026-12-05T12:30:00Z".parse().unwrap();
        let (attachments, notes) =
            collect(&cmds, since, &scrubber_of(&["ana-laptop", "lab-user-7"]));
        assert_eq!(attachments.len(), 1, "{attachments:?}");
        let log = &attachments[0];
        assert_eq!(log.name, "kernel.log");
        assert!(!log.content.contains("before the run"));
        assert!(log
            .content
            .contains("NIC Link is Up, mac xx:xx:xx:xx:xx:xx on (withheld)"));
        assert!(log.content.contains("continuation line of (withheld)"));
        assert_eq!(
            log.sha256,
            mxcert_core::attachment::sha256_hex(&log.content)
        );
        assert_eq!(
            notes,
            vec![
                "systemctl --failed --no-pager: failed (exit status 1): System has not been booted with systemd on (withheld)",
                "fwupdmgr get-devices --json: fwupdmgr is not installed",
            ]
        );
        mxcert_core::attachment::check_all(&attachments).unwrap();
    }

    #[test]
    fn fwupd_serials_are_withheld_and_long_output_is_cut_and_recorded() {
        let json = r#"{"Devices":[{"Name":"SSD","Serial":"S4EVNX0N123456","Guid":["2082b5e0-7a64-478a-b1b2-e3404fab6dad"]}]}"#;
        let long = "x".repeat(MAX_ATTACHMENT_BYTES + 10);
        let cmds = Table(vec![
            ("fwupdmgr", exited(json)),
            (
                "systemctl",
                Ran::Exited {
                    code: Some(0),
                    stdout: long.as_bytes().to_vec(),
                    stdout_total: 40 * 1024 * 1024,
                    stderr: String::new(),
                },
            ),
        ]);
        let (attachments, notes) = collect(&cmds, Utc::now(), &scrubber_of(&[]));
        assert_eq!(
            notes,
            vec!["dmesg --time-format=iso --nopager: dmesg is not installed"]
        );
        let units = &attachments[0];
        assert_eq!(units.name, "systemctl-failed.txt");
        assert_eq!(units.content.len(), MAX_ATTACHMENT_BYTES);
        assert_eq!(units.truncated_from, Some(40 * 1024 * 1024));
        let fw = &attachments[1];
        assert_eq!(
            (fw.name.as_str(), fw.media_type.as_str()),
            ("fwupd-devices.json", JSON)
        );
        assert!(!fw.content.contains("S4EVNX0N123456"), "{}", fw.content);
        assert!(
            fw.content.contains("\"Serial\": \"(withheld)\""),
            "{}",
            fw.content
        );
        assert!(fw.content.contains("xxxxxxxx-xxxx"));
        serde_json::from_str::<serde_json::Value>(&fw.content).unwrap();
    }

    #[test]
    fn real_programs_run_through_the_seam() {
        match System.run(&["sh", "-c", "printf hello; echo oops >&2; exit 3"]) {
            Ran::Exited {
                code,
                stdout,
                stdout_total,
                stderr,
            } => {
                assert_eq!(
                    (code, stdout.as_slice(), stdout_total),
                    (Some(3), &b"hello"[..], 5)
                );
                assert_eq!(stderr, "oops\n");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(System.run(&["mxcert-no-such-program"]), Ran::NotFound);
    }
}
