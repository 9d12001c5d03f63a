//! The loop over a plan's instances: decide, run, record, in order, one at a time.
//!
//! The plan is expanded once from the session's inventory and declarations
//! ([`mxcert_core::plan::instances`]): one instance per device for `for_each` tests, and copies
//! of `after_suspend` tests after each `power.suspend`. For each instance without a result in the
//! journal: a deselected test (`--only`/`--skip`) is recorded as skipped and keeps its blocker
//! flag, so it cannot make a run certifiable; a test whose `requires` or `for_each` does not
//! hold is recorded as skipped, not applicable, and not a blocker, unless a declaration says the
//! hardware is there, and then it fails; a copy whose suspend did not pass is skipped with that
//! reason; a test that was running each of the last three times the session died is recorded as
//! an error instead of being tried again; a manual test runs its program (`params.run`) and is
//! asked (or skipped with the reason `manual` when no person is there); any other test runs in a
//! child process with its timeout (per-device instances get the device in `options.device`).
//! Each result is appended to the journal, and synced, before the next test starts.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use chrono::Utc;
use mxcert_core::plan::instances::{self, Decided, Instance};
use mxcert_core::plan::params::RebootMode;
use mxcert_core::plan::{Check, CheckKind, Test};
use mxcert_core::report::{Status, TestResult};
use mxcert_suites::checks::manual::{self, Answer, Question};
use mxcert_suites::checks::power_reboot;
use mxcert_suites::{Context, Options, Outcome, Prompter};

use super::child::{self, ChildEnd, Request};
use super::journal::{Entry, Journal, Replay};
use super::restart;
use super::sampler::{self, Sampler};
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
    /// `power.reboot` is restarting the machine (or would, and says how to go on); the session
    /// resumes after boot.
    Restarting(String),
}

/// How a `power.reboot` step ended.
enum Rebooted {
    Result(TestResult),
    Restarting(String),
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

/// A TestResult for an instance from an outcome.
pub fn result_of(
    instance: &Instance<'_>,
    outcome: Outcome,
    started: chrono::DateTime<Utc>,
    took: std::time::Duration,
) -> TestResult {
    let test = instance.test;
    TestResult {
        id: test.id.clone(),
        check: test.check.as_str().to_owned(),
        device: instance.device.clone(),
        phase: instance.phase.clone(),
        blocker: test.blocker,
        status: outcome.status,
        started_at: Some(started),
        duration_ms: u64::try_from(took.as_millis()).unwrap_or(u64::MAX),
        message: outcome.message,
        evidence: outcome.evidence,
        measurements: outcome.measurements,
        comment: outcome.comment,
        samples: None,
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
        let all = instances::instances(&info.plan, &info.inventory, &info.declared);
        let done: HashSet<_> = replay.results.iter().map(|r| r.key()).collect();
        let remaining: Vec<&Instance> = all.iter().filter(|i| !done.contains(&i.key())).collect();
        let tests: Vec<&Test> = remaining.iter().map(|i| i.test).collect();
        ui.begin(&info.plan, &self.session.dir, &tests, done.len());
        let mut results = replay.results.clone();
        for instance in remaining {
            if self.interrupt.load(Ordering::Relaxed) {
                return Ok(End::Interrupted);
            }
            let label = instance.label();
            let attempts = replay.crashed_attempts.get(&label).copied().unwrap_or(0);
            let result = match self.decide(instance, attempts, &results) {
                Some(r) => r,
                None if instance.test.check == CheckKind::PowerReboot => {
                    ui.test_started(instance.test, &label);
                    match self.reboot(instance, &label, replay.reboots.get(&label))? {
                        Rebooted::Result(r) => r,
                        Rebooted::Restarting(why) => return Ok(End::Restarting(why)),
                    }
                }
                None => {
                    ui.test_started(instance.test, &label);
                    match self.execute(instance, attempts, ui)? {
                        Some(r) => r,
                        None => return Ok(End::Interrupted),
                    }
                }
            };
            self.journal.append(&Entry::Result {
                result: result.clone(),
            })?;
            ui.test_finished(instance.test, &result);
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

    /// A result decided without running anything, if there is one. `results` are the results
    /// so far (a copy made after a suspend looks at that suspend's).
    fn decide(
        &self,
        instance: &Instance<'_>,
        attempts: u32,
        results: &[TestResult],
    ) -> Option<TestResult> {
        let info = &self.session.info;
        let test = instance.test;
        let now = Utc::now();
        let at_once =
            |outcome: Outcome| result_of(instance, outcome, now, std::time::Duration::ZERO);
        if let Some(why) = info.selection.deselected(&test.id) {
            return Some(at_once(Outcome::skip(why)));
        }
        match &instance.decided {
            Decided::Run => {}
            Decided::NotApplicable(why) => {
                let mut r = at_once(Outcome::skip(why.clone()));
                r.blocker = false;
                return Some(r);
            }
            Decided::Missing(why) => return Some(at_once(Outcome::fail(why.clone()))),
        }
        if let Some(suspend) = instance.after {
            let of_suspend = results
                .iter()
                .filter(|r| r.id == suspend && r.phase.is_none());
            if let Some(why) = instances::copy_blocked(suspend, of_suspend) {
                return Some(at_once(Outcome::skip(why)));
            }
        }
        if attempts >= MAX_CRASHED_ATTEMPTS {
            return Some(result_of(
                instance,
                Outcome::error(format!(
                    "the session ended {attempts} times while this test was running (crash, kill or power loss?); not trying it again"
                )),
                now,
                std::time::Duration::ZERO,
            ));
        }
        if test.check == CheckKind::Manual && !self.interactive {
            return Some(result_of(
                instance,
                manual::not_interactive(),
                now,
                std::time::Duration::ZERO,
            ));
        }
        None
    }

    /// One step of `power.reboot`: after a restart, judge it (and restart again while cycles
    /// remain); before one, journal the boot id and inventory, install the resume unit and
    /// restart through [`super::restart`].
    fn reboot(
        &mut self,
        instance: &Instance<'_>,
        label: &str,
        before: Option<&power_reboot::Before>,
    ) -> Result<Rebooted, RunError> {
        let started = Utc::now();
        let clock = Instant::now();
        let ctx = self.context(instance, self.session.dir.clone());
        let done = |o: Outcome| {
            Ok(Rebooted::Result(result_of(
                instance,
                o,
                started,
                clock.elapsed(),
            )))
        };
        let p = match instance.test.typed_check() {
            Ok(Check::PowerReboot(p)) => p,
            _ => return done(Outcome::error("bad power.reboot parameters")),
        };
        if let Some(o) = power_reboot::refuse(&ctx) {
            return done(o);
        }
        let root = ctx.root.clone();
        let cycle = match before {
            Some(b) => {
                let verdict = power_reboot::judge(&p, b, &ctx, child::reprobe(&root));
                if verdict.status != Status::Pass || b.cycle >= p.cycles {
                    restart::remove_unit(&root);
                    return done(verdict);
                }
                b.cycle + 1
            }
            None => 1,
        };
        let Some(boot_id) = power_reboot::boot_id(&ctx) else {
            return done(Outcome::error(format!(
                "cannot read the boot id ({})",
                power_reboot::BOOT_ID
            )));
        };
        let inventory = match child::reprobe(&root) {
            Ok(i) => i,
            Err(e) => return done(Outcome::error(format!("cannot take the inventory: {e}"))),
        };
        self.journal.append(&Entry::Reboot {
            test: label.to_owned(),
            at: Utc::now(),
            before: Box::new(power_reboot::Before {
                boot_id,
                inventory,
                cycle,
            }),
        })?;
        let dir = self.session.dir.display();
        let by_hand = format!("after boot run: mxcert run --resume --session {dir}");
        let how = match restart::install_unit(&root, &self.exe, &self.session.dir) {
            Ok(path) => format!(
                "the run resumes by itself after boot ({}); otherwise {by_hand}",
                path.display()
            ),
            Err(e) => format!("could not install {} ({e}); {by_hand}", power_reboot::UNIT),
        };
        let power_on = if p.mode == RebootMode::Cold && !restart::arm_alarm(&root, p.wake_s) {
            "; there is no RTC wake alarm: power the machine on by hand once it is off"
        } else {
            ""
        };
        let message = match restart::restart(&root, self.options.allow_reboot, p.mode) {
            Ok(()) => format!("restart {cycle} of {}: {how}{power_on}", p.cycles),
            Err(why) => format!("restart {cycle} of {}: {why}; {how}{power_on}", p.cycles),
        };
        Ok(Rebooted::Restarting(message))
    }

    /// The context a check of this instance gets.
    fn context(&self, instance: &Instance<'_>, scratch: PathBuf) -> Context {
        let info = &self.session.info;
        Context {
            inventory: info.inventory.clone(),
            root: info.root.clone().unwrap_or_else(|| PathBuf::from("/")),
            scratch,
            options: Options {
                device: instance.device.clone().or_else(|| info.device.clone()),
                ..self.options.clone()
            },
            is_root: nix::unistd::geteuid().is_root(),
            timeout: None,
        }
    }

    /// Runs one test; `None` when the run was interrupted.
    fn execute(
        &mut self,
        instance: &Instance<'_>,
        attempts: u32,
        ui: &mut dyn Ui,
    ) -> Result<Option<TestResult>, RunError> {
        let test = instance.test;
        let label = instance.label();
        let started = Utc::now();
        let clock = Instant::now();
        if attempts > 0 {
            ui.notice(&format!(
                "{label} was running when the session stopped ({attempts} time(s)); running it again"
            ));
        }
        let scratch_name = scratch_name(&label);
        if test.check == CheckKind::Manual {
            let program = match test.typed_check() {
                Ok(Check::Manual(m)) => m.run,
                _ => None,
            };
            let evidence = match &program {
                Some(run) => {
                    ui.notice(&format!("{label}: running {}", run.argv.join(" ")));
                    let scratch = self.session.scratch_for(&scratch_name)?;
                    let ctx = self.context(instance, scratch);
                    let e = manual::run_program(run, &ctx);
                    self.session.clean_scratch(&scratch_name);
                    Some(e)
                }
                None => None,
            };
            let outcome = manual::run(test, &mut UiPrompter(ui));
            if outcome.is_none() && !self.interrupt.load(Ordering::Relaxed) {
                ui.notice(&format!(
                    "no answer for manual test {label}: standard input ended (use --non-interactive to record manual tests as skipped)"
                ));
            }
            return Ok(outcome.map(|mut o| {
                if let Some((label, text)) = evidence {
                    o.add_evidence(&label, text);
                }
                result_of(instance, o, started, clock.elapsed())
            }));
        }
        let scratch = self.session.scratch_for(&scratch_name)?;
        let request = Request {
            test: test.clone(),
            context: self.context(instance, scratch),
        };
        let timeout = test.timeout();
        let journal = &mut *self.journal;
        let sampler = Sampler::start(sampler::INTERVAL);
        // Called from the thread that runs the whole session (the check's death signal is tied
        // to the thread that spawned it).
        let end = child::run(
            &self.exe,
            &request,
            timeout,
            self.interrupt,
            &mut |process| {
                journal.append(&Entry::Start {
                    test: label.clone(),
                    at: started,
                    process,
                })
            },
            &mut || ui.tick(),
        );
        let samples = sampler.finish();
        self.session.clean_scratch(&scratch_name);
        let outcome = match end? {
            ChildEnd::Finished(o) => o,
            ChildEnd::Crashed(why) => Outcome::error(why),
            ChildEnd::TimedOut => Outcome::timeout(format!(
                "did not finish within its {} s timeout; its process group was killed",
                timeout.as_secs()
            )),
            ChildEnd::Interrupted => {
                self.journal.append(&Entry::Interrupted {
                    test: label.clone(),
                    at: Utc::now(),
                })?;
                return Ok(None);
            }
        };
        let mut result = result_of(instance, outcome, started, clock.elapsed());
        result.samples = samples.map(Box::new);
        if result.status == Status::Skip && result.message.is_none() {
            result.message = Some("skipped".into());
        }
        Ok(Some(result))
    }
}

/// A directory name for an instance's scratch files: its label with anything but letters,
/// digits, `-`, `_` and `.` replaced.
fn scratch_name(label: &str) -> String {
    label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}
