//! The session journal: one JSON object per line, appended and fsynced before the runner moves
//! on, so every acknowledged result survives a crash, `kill -9` or power loss.
//!
//! Tests are named by their instance's label (`id`, or `id [device] (phase)` for tests expanded
//! per device or copied after a suspend), so each instance is journalled on its own.
//!
//! Lines: a `session` header tying the journal to its `session.json`; `start` before a test runs
//! (so a test that was running when the session died is known, and one that keeps killing the
//! session is not retried forever), with the check process's identity (pid, process group,
//! start time: see [`super::survivor`]) so that a resumed session can stop a check that outlived
//! its runner; journals written before that have no identity and read the same; `reboot` before
//! `power.reboot` restarts the machine (boot id and inventory, what the resumed run compares);
//! `result` with the test's result; `interrupted` when Ctrl-C
//! stopped a test (that attempt does not count as a crash).
//!
//! Recovery: after a crash the file may end in a torn write (a partial line, or zeros the
//! filesystem allocated but never filled). Everything after the last complete, valid line is
//! that torn write: it is cut off, with a notice, and the test it belonged to runs again. An
//! invalid line *followed by* valid ones cannot come from a crash, so it is an error that names
//! the line, and nothing is changed.

use std::collections::{BTreeMap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use mxcert_core::report::TestResult;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::survivor::CheckProcess;
use super::RunError;

const JOURNAL_VERSION: u32 = 1;

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum Entry {
    Session {
        schema_version: u32,
        report_id: Uuid,
    },
    Start {
        test: String,
        at: DateTime<Utc>,
        /// The check process (absent for journals of older versions).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        process: Option<CheckProcess>,
    },
    Result {
        result: TestResult,
    },
    Interrupted {
        test: String,
        at: DateTime<Utc>,
    },
    /// `power.reboot` is about to restart the machine: what it must find again after boot.
    Reboot {
        test: String,
        at: DateTime<Utc>,
        before: Box<mxcert_suites::checks::power_reboot::Before>,
    },
}

/// What a journal says happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Replay {
    /// Finished tests, in the order they finished.
    pub results: Vec<TestResult>,
    /// Per test without a result: how many times it started and the session died.
    pub crashed_attempts: HashMap<String, u32>,
    /// Things the person should know (a torn last line was dropped, ...).
    pub notices: Vec<String>,
    /// Per test that was running when the session died: its check process, if recorded.
    pub running: BTreeMap<String, CheckProcess>,
    /// Per `power.reboot` test without a result: the last restart it journalled.
    pub reboots: BTreeMap<String, mxcert_suites::checks::power_reboot::Before>,
}

/// The parsed journal and the length of its valid prefix.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    /// Bytes up to and including the newline of the last valid line.
    pub valid_len: usize,
    /// Bytes after that (a torn write), if any.
    pub torn_bytes: usize,
}

/// Parses journal bytes. `Err((line, message))` for a corrupt line that is not the torn tail.
pub fn parse(bytes: &[u8]) -> Result<Parsed, (usize, String)> {
    let mut entries = Vec::new();
    let mut valid_len = 0;
    let mut pending_error: Option<(usize, String)> = None;
    let mut offset = 0;
    for (i, raw) in bytes.split_inclusive(|&b| b == b'\n').enumerate() {
        let line_no = i + 1;
        let complete = raw.ends_with(b"\n");
        let text = &raw[..raw.len() - usize::from(complete)];
        offset += raw.len();
        let parsed = if !complete {
            Err("incomplete line (no newline)".to_owned())
        } else {
            std::str::from_utf8(text)
                .map_err(|e| e.to_string())
                .and_then(|t| serde_json::from_str::<Entry>(t).map_err(|e| e.to_string()))
        };
        match parsed {
            Ok(entry) => {
                if let Some(err) = pending_error.take() {
                    return Err(err);
                }
                entries.push(entry);
                valid_len = offset;
            }
            Err(message) => {
                pending_error.get_or_insert((line_no, message));
            }
        }
    }
    Ok(Parsed {
        entries,
        valid_len,
        torn_bytes: bytes.len() - valid_len,
    })
}

/// Folds entries into results and crash counts.
fn replay(entries: &[Entry], report_id: Uuid, path: &Path) -> Result<Replay, RunError> {
    let corrupt = |line: usize, message: String| RunError::CorruptJournal {
        path: path.to_path_buf(),
        line,
        message,
    };
    match entries.first() {
        Some(Entry::Session {
            schema_version,
            report_id: id,
        }) => {
            if *schema_version != JOURNAL_VERSION {
                return Err(corrupt(
                    1,
                    format!(
                        "journal version {schema_version}, this mxcert reads {JOURNAL_VERSION}"
                    ),
                ));
            }
            if *id != report_id {
                return Err(corrupt(
                    1,
                    format!("journal of report {id}, but session.json is report {report_id}"),
                ));
            }
        }
        _ => {
            return Err(corrupt(
                1,
                "the first line is not the session header".into(),
            ))
        }
    }
    let mut r = Replay::default();
    for (i, e) in entries.iter().enumerate().skip(1) {
        match e {
            Entry::Session { .. } => return Err(corrupt(i + 1, "a second session header".into())),
            Entry::Start { test, process, .. } => {
                if !r.results.iter().any(|x| x.label() == *test) {
                    *r.crashed_attempts.entry(test.clone()).or_default() += 1;
                    match process {
                        Some(p) => r.running.insert(test.clone(), *p),
                        None => r.running.remove(test),
                    };
                }
            }
            Entry::Reboot { test, before, .. } => {
                // The restart is the test working, not a crash.
                r.crashed_attempts.remove(test);
                r.reboots.insert(test.clone(), (**before).clone());
            }
            Entry::Interrupted { test, .. } => {
                r.running.remove(test);
                if let Some(n) = r.crashed_attempts.get_mut(test) {
                    *n = n.saturating_sub(1);
                }
            }
            Entry::Result { result } => {
                let label = result.label();
                if r.results.iter().any(|x| x.key() == result.key()) {
                    r.notices.push(format!(
                        "journal line {} repeats the result of {label}; the first one is kept",
                        i + 1,
                    ));
                    continue;
                }
                r.crashed_attempts.remove(&label);
                r.running.remove(&label);
                r.reboots.remove(&label);
                r.results.push(result.clone());
            }
        }
    }
    r.crashed_attempts.retain(|_, n| *n > 0);
    Ok(r)
}

/// The journal file, open for appending.
#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Creates a new journal with its header.
    pub fn create(path: &Path, report_id: Uuid) -> Result<Journal, RunError> {
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .open(path)
            .map_err(|source| RunError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        let mut j = Journal {
            path: path.to_path_buf(),
            file,
        };
        j.append(&Entry::Session {
            schema_version: JOURNAL_VERSION,
            report_id,
        })?;
        Ok(j)
    }

    /// Opens an existing journal: replays it, cuts off a torn last write, and gets ready to
    /// append.
    pub fn open(path: &Path, report_id: Uuid) -> Result<(Journal, Replay), RunError> {
        let bytes = fs::read(path).map_err(|source| RunError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let parsed = parse(&bytes).map_err(|(line, message)| RunError::CorruptJournal {
            path: path.to_path_buf(),
            line,
            message,
        })?;
        let mut replay = replay(&parsed.entries, report_id, path)?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| RunError::Write {
                path: path.to_path_buf(),
                source,
            })?;
        if parsed.torn_bytes > 0 {
            file.set_len(parsed.valid_len as u64)
                .and_then(|()| file.sync_all())
                .map_err(|source| RunError::Write {
                    path: path.to_path_buf(),
                    source,
                })?;
            replay.notices.push(format!(
                "dropped {} bytes of a torn last write at the end of {} (the session stopped while writing it); the test it belonged to runs again",
                parsed.torn_bytes,
                path.display()
            ));
        }
        Ok((
            Journal {
                path: path.to_path_buf(),
                file,
            },
            replay,
        ))
    }

    /// Appends one entry as one line and syncs it to disk before returning.
    pub fn append(&mut self, entry: &Entry) -> Result<(), RunError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| RunError::Write {
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|()| self.file.sync_data())
            .map_err(|source| RunError::Write {
                path: self.path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mxcert_core::report::Status;

    fn result(id: &str) -> TestResult {
        TestResult {
            id: id.into(),
            check: "command".into(),
            device: None,
            phase: None,
            blocker: true,
            status: Status::Pass,
            started_at: None,
            duration_ms: 5,
            message: None,
            evidence: vec![],
            measurements: vec![],
            comment: None,
            samples: None,
        }
    }

    fn lines(entries: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        for e in entries {
            out.extend(serde_json::to_vec(e).unwrap());
            out.push(b'\n');
        }
        out
    }

    fn header(id: Uuid) -> Entry {
        Entry::Session {
            schema_version: 1,
            report_id: id,
        }
    }

    fn start(test: &str) -> Entry {
        Entry::Start {
            test: test.into(),
            at: DateTime::UNIX_EPOCH,
            process: None,
        }
    }

    #[test]
    fn a_torn_tail_is_cut_and_its_test_runs_again() {
        let id = Uuid::now_v7();
        let mut bytes = lines(&[
            header(id),
            start("a"),
            Entry::Result {
                result: result("a"),
            },
            start("b"),
        ]);
        let good = bytes.len();
        let full_b = lines(&[Entry::Result {
            result: result("b"),
        }]);
        for torn in [
            &full_b[..full_b.len() / 2],
            &full_b[..full_b.len() - 1],
            &[0u8; 37][..],
        ] {
            let mut b = bytes.clone();
            b.extend_from_slice(torn);
            let p = parse(&b).unwrap();
            assert_eq!(p.valid_len, good);
            assert_eq!(p.torn_bytes, torn.len());
            let r = replay(&p.entries, id, Path::new("j")).unwrap();
            assert_eq!(
                r.results.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
                ["a"]
            );
            assert_eq!(r.crashed_attempts.get("b"), Some(&1));
        }
        bytes.extend(full_b);
        let p = parse(&bytes).unwrap();
        assert_eq!(p.torn_bytes, 0);
        let r = replay(&p.entries, id, Path::new("j")).unwrap();
        assert_eq!(r.results.len(), 2);
        assert!(r.crashed_attempts.is_empty());
    }

    #[test]
    fn each_device_and_phase_of_a_test_is_journalled_on_its_own() {
        let id = Uuid::now_v7();
        let on = |device: &str, phase: Option<&str>| {
            let mut r = result("wifi");
            r.device = Some(device.into());
            r.phase = phase.map(str::to_owned);
            r
        };
        let (a, b, c) = (
            on("pci:8086:2725", None),
            on("usb:0bda:8179", None),
            on("pci:8086:2725", Some("after-suspend-1")),
        );
        let entries = [
            header(id),
            start(&a.label()),
            Entry::Result { result: a.clone() },
            start(&b.label()),
            Entry::Result { result: b.clone() },
            start(&c.label()),
            Entry::Result { result: a.clone() },
        ];
        let r = replay(&entries, id, Path::new("j")).unwrap();
        assert_eq!(r.results, [a, b]);
        assert_eq!(
            r.crashed_attempts
                .get("wifi [pci:8086:2725] (after-suspend-1)"),
            Some(&1)
        );
        assert_eq!(r.crashed_attempts.len(), 1);
        assert_eq!(
            r.notices,
            ["journal line 7 repeats the result of wifi [pci:8086:2725]; the first one is kept"]
        );
    }

    #[test]
    fn corruption_before_valid_lines_is_an_error_naming_the_line() {
        let id = Uuid::now_v7();
        let mut bytes = lines(&[header(id), start("a")]);
        bytes.extend_from_slice(b"{\"event\":\"result\",\"result\":{\"id\":\n");
        bytes.extend(lines(&[start("b")]));
        let (line, message) = parse(&bytes).unwrap_err();
        assert_eq!(line, 3);
        assert!(message.contains("EOF"), "{message}");
    }

    #[test]
    fn interrupted_attempts_do_not_count_as_crashes_and_headers_must_match() {
        let id = Uuid::now_v7();
        let entries = [
            header(id),
            start("a"),
            Entry::Interrupted {
                test: "a".into(),
                at: DateTime::UNIX_EPOCH,
            },
            start("a"),
            start("a"),
        ];
        let r = replay(&entries, id, Path::new("j")).unwrap();
        assert_eq!(r.crashed_attempts.get("a"), Some(&2));
        let err = replay(&entries, Uuid::now_v7(), Path::new("j")).unwrap_err();
        assert!(
            err.to_string().contains("but session.json is report"),
            "{err}"
        );
    }

    #[test]
    fn a_started_check_process_is_remembered_until_its_test_ends_and_old_lines_still_read() {
        let id = Uuid::now_v7();
        let process = |pid| CheckProcess {
            pid,
            pgid: pid,
            start_time: 99,
        };
        let started = |test: &str, pid| Entry::Start {
            test: test.into(),
            at: DateTime::UNIX_EPOCH,
            process: Some(process(pid)),
        };
        let mut bytes = lines(&[
            header(id),
            started("a", 10),
            Entry::Result {
                result: result("a"),
            },
            started("b", 11),
            Entry::Interrupted {
                test: "b".into(),
                at: DateTime::UNIX_EPOCH,
            },
            started("c", 12),
        ]);
        // A start line as mxcert wrote it before it recorded processes.
        bytes.extend_from_slice(
            b"{\"event\":\"start\",\"test\":\"d\",\"at\":\"2026-01-02T03:04:05Z\"}\n",
        );
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(
            text.contains(r#""process":{"pid":12,"pgid":12,"start_time":99}"#),
            "{text}"
        );
        let p = parse(&bytes).unwrap();
        let r = replay(&p.entries, id, Path::new("j")).unwrap();
        assert_eq!(r.running, BTreeMap::from([("c".to_owned(), process(12))]));
        assert_eq!(r.crashed_attempts.get("d"), Some(&1));
    }
}
