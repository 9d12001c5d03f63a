//! The loop over a plan's tests: decide, run, record, in plan order, one at a time.
//!
//! For each test without a result in the journal: a deselected test (`--only`/`--skip`) is
//! recorded as skipped and keeps its blocker flag, so it cannot make a run certifiable; a test
//! whose `requires` does not hold is recorded as skipped, not applicable, and not a blocker; a
//! test that was running each of the last three times the session died is recorded as an error
//! instead of being tried again; a manual test is asked (or skipped with the reason `manual`
//! when no person is there); any other test runs in a child process with its timeout. Each
//! result is appended to the journal, and synced, before the next test starts.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::Utc;
use mxcert_core::plan::{CheckKind, Condition, Test};
use mxcert_core::report::{Status, TestResult};
use mxcert_suites::checks::manual::{self, Answer, Question};
use mxcert_suites::{Context, Options, Outcome, Prompter};

use super::child::{self, ChildEnd, Request};
use super::journal::{Entry, Journal, Replay};
use super::session::Session;
use super::survivor;
use super::ui::Ui;
use super::RunError;

/// A test that was running this many times when the session died is not tried again.
pub const MAX_CRASHED_ATTEMPTS: u32 = 3;

/// How the loop ended.
#[derive(Debug)]
pub enum End {
    /// Every test has a result (in finishing order).
    Complete(Vec<TestResult>),
    /// Stopped by Ctrl-C or because no person answered; the session can be resumed.
    Interrupted,
}

/// Everything the loop needs.
#[derive(Debug)]
pub struct Runner<'a> {
    pub session: &'a Session,
    pub journal: &'a mut Journal,
    /// The `mxcert` executable to run checks with (`mxcert __check`).
    pub exe: PathBuf,
    pub options: Options,
    /// Whether manual tests are asked (false with `--non-interactive`).
    pub interactive: bool,
    pub interrupt: &'a AtomicBool,
}

/// A TestResult for `test` from an outcome.
pub fn result_of(
    test: &Test,
    outcome: Outcome,
    started: chrono::DateTime<Utc>,
    took: std::time::Duration,
) -> TestResult {
    TestResult {
        id: test.id.clone(),
        check: test.check.as_str().to_owned(),
        device: None,
        phase: None,
        blocker: test.blocker,
        status: outcome.status,
        started_at: Some(started),
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        message: outcome.message,
        evidence: outcome.evidence,
        measurements: outcome.measurements,
        comment: outcome.comment,
    }
}

struct UiPrompter<'u>(&'u mut dyn Ui);

impl Prompter for UiPrompter<'_> {
    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)> {
        self.0.ask(q, problem)
    }
}

impl Runner<'_> {
    /// Runs every test the journal has no result for.
    pub fn run(&mut self, replay: Replay, ui: &mut dyn Ui) -> Result<End, RunError> {
        let info = &self.session.info;
        for n in &replay.notices {
            ui.notice(n);
        }
        self.stop_survivors(&replay, ui)?;
        let done: HashSet<&str> = replay.results.iter().map(|r| r.id.as_str()).collect();
        let remaining: Vec<&Test> = info
            .plan
            .tests
            .iter()
            .filter(|t| !done.contains(t.id.as_str()))
            .collect();
        ui.begin(&info.plan, &self.session.dir, &remaining, done.len());
        let mut results = replay.results.clone();
        for test in remaining {
            if self.interrupt.load(Ordering::Relaxed) {
                return Ok(End::Interrupted);
            }
            let attempts = replay.crashed_attempts.get(&test.id).copied().unwrap_or(0);
            let result = match self.decide(test, attempts) {
                Some(r) => r,
                None => {
                    ui.test_started(test);
                    match self.execute(test, attempts, ui)? {
                        Some(r) => r,
                        None => return Ok(End::Interrupted),
                    }
                }
            };
            self.journal.append(&Entry::Result {
                result: result.clone(),
            })?;
            ui.test_finished(test, &result);
            results.push(result);
        }
        Ok(End::Complete(results))
    }

    /// Stops the check processes of the stopped session that are still running, before any
    /// test runs again (see [`super::survivor`]).
    fn stop_survivors(&self, replay: &Replay, ui: &mut dyn Ui) -> Result<(), RunError> {
        for (test, process) in &replay.running {
            if !process.is_running() {
                continue;
            }
            ui.notice(&format!(
                "{test} is still running from the stopped session (process {}); stopping it before running it again",
                process.pid
            ));
            survivor::stop(process, survivor::GRACE).map_err(|source| RunError::Survivor {
                test: test.clone(),
                pid: process.pid,
                source,
            })?;
        }
        Ok(())
    }

    /// A result decided without running anything, if there is one.
    fn decide(&self, test: &Test, attempts: u32) -> Option<TestResult> {
        let info = &self.session.info;
        let now = Utc::now();
        let skip =
            |why: String| result_of(test, Outcome::skip(why), now, std::time::Duration::ZERO);
        if let Some(why) = info.selection.deselected(&test.id) {
            return Some(skip(why.to_owned()));
        }
        if let Some(c) = Condition::first_unmet(&test.requires, &info.inventory) {
            let mut r = skip(format!(
                "not applicable: requires {}; none in the inventory",
                c.describe()
            ));
            r.blocker = false;
            return Some(r);
        }
        if attempts >= MAX_CRASHED_ATTEMPTS {
            return Some(result_of(
                test,
                Outcome::error(format!(
                    "the session ended {attempts} times while this test was running (crash, kill or power loss?); not trying it again"
                )),
                now,
                std::time::Duration::ZERO,
            ));
        }
        if test.check == CheckKind::Manual && !self.interactive {
            return Some(result_of(
                test,
                manual::not_interactive(),
                now,
                std::time::Duration::ZERO,
            ));
        }
        None
    }

    /// Runs one test; `None` when the run was interrupted.
    fn execute(
        &mut self,
        test: &Test,
        attempts: u32,
        ui: &mut dyn Ui,
    ) -> Result<Option<TestResult>, RunError> {
        let started = Utc::now();
        let clock = Instant::now();
        if attempts > 0 {
            ui.notice(&format!(
                "{} was running when the session stopped ({attempts} time(s)); running it again",
                test.id
            ));
        }
        if test.check == CheckKind::Manual {
            let outcome = manual::run(test, &mut UiPrompter(ui));
            if outcome.is_none() && !self.interrupt.load(Ordering::Relaxed) {
                ui.notice(&format!(
                    "no answer for manual test {}: standard input ended (use --non-interactive to record manual tests as skipped)",
                    test.id
                ));
            }
            return Ok(outcome.map(|o| result_of(test, o, started, clock.elapsed())));
        }
        let scratch = self.session.scratch_for(&test.id)?;
        let info = &self.session.info;
        let request = Request {
            test: test.clone(),
            context: Context {
                inventory: info.inventory.clone(),
                root: PathBuf::from("/"),
                scratch,
                options: Options {
                    device: info.device.clone(),
                    ..self.options.clone()
                },
                is_root: nix::unistd::geteuid().is_root(),
                timeout: None,
            },
        };
        let timeout = test.timeout();
        let journal = &mut *self.journal;
        // Called from the thread that runs the whole session (the check's death signal is tied
        // to the thread that spawned it).
        let end = child::run(
            &self.exe,
            &request,
            timeout,
            self.interrupt,
            &mut |process| {
                journal.append(&Entry::Start {
                    test: test.id.clone(),
                    at: started,
                    process,
                })
            },
            &mut || ui.tick(),
        );
        self.session.clean_scratch(&test.id);
        let outcome = match end? {
            ChildEnd::Finished(o) => o,
            ChildEnd::Crashed(why) => Outcome::error(why),
            ChildEnd::TimedOut => Outcome::timeout(format!(
                "did not finish within its {} s timeout; its process group was killed",
                timeout.as_secs()
            )),
            ChildEnd::Interrupted => {
                self.journal.append(&Entry::Interrupted {
                    test: test.id.clone(),
                    at: Utc::now(),
                })?;
                return Ok(None);
            }
        };
        let mut result = result_of(test, outcome, started, clock.elapsed());
        if result.status == Status::Skip && result.message.is_none() {
            result.message = Some("skipped".into());
        }
        Ok(Some(result))
    }
}
