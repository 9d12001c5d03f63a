//! The runner's side of "waiting for a person's action" ([`mxcert_suites::attention`]): a
//! [`Ui`] wrapper that, while a check waits, shows its instruction once and then a countdown,
//! and reads standard input: a line typed during the wait (a comment, possibly empty) skips the
//! check with that comment. The check itself watches for the event and decides.
//!
//! It lives in the display's `tick`, which the runner calls about every 100 ms while a check
//! runs, so the runner's loop needs to know nothing about it. Only interactive runs have one;
//! without it checks that need a person are skipped with the reason.

use std::io::BufRead;
use std::os::fd::AsFd;
use std::path::Path;
use std::time::{Duration, Instant};

use mxcert_core::plan::{Lang, Plan, Test, Text};
use mxcert_core::report::TestResult;
use mxcert_suites::attention::{Desk, DeskEvent};
use mxcert_suites::checks::manual::{Answer, Question};

use super::ui::Ui;

/// A display that also attends to checks waiting for a person.
pub struct Attending {
    inner: Box<dyn Ui>,
    desk: Desk,
    lang: Lang,
    /// The current wait's deadline and the last whole second shown.
    waiting: Option<(Instant, u64)>,
    /// Standard input still open (at its end nobody can type a skip).
    input_open: bool,
}

impl std::fmt::Debug for Attending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Attending")
            .field("desk", &self.desk)
            .finish()
    }
}

impl Attending {
    pub fn new(inner: Box<dyn Ui>, desk: Desk, lang: Lang) -> Attending {
        Attending {
            inner,
            desk,
            lang,
            waiting: None,
            input_open: true,
        }
    }

    fn show(&mut self, instruction: &Text) {
        let how = if self.lang == Lang::Es {
            "(para omitir la prueba, escriba un comentario y pulse Intro)"
        } else {
            "(to skip this test, type a comment and press Enter)"
        };
        self.inner
            .notice(&format!("▶ {} {how}", instruction.get(self.lang)));
    }

    /// A line on standard input, if one is ready (never blocks on a terminal, which hands over
    /// whole lines).
    fn typed_line(&mut self) -> Option<String> {
        use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
        if !self.input_open {
            return None;
        }
        let stdin = std::io::stdin();
        let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, PollTimeout::ZERO).ok()? > 0;
        if !ready {
            return None;
        }
        let mut line = String::new();
        match stdin.lock().read_line(&mut line) {
            Ok(0) | Err(_) => {
                self.input_open = false;
                None
            }
            Ok(_) => Some(line.trim().to_owned()),
        }
    }
}

impl Ui for Attending {
    fn begin(&mut self, plan: &Plan, session: &Path, remaining: &[&Test], done: usize) {
        self.inner.begin(plan, session, remaining, done);
    }

    fn test_started(&mut self, test: &Test, label: &str) {
        self.inner.test_started(test, label);
    }

    fn tick(&mut self) {
        self.inner.tick();
        for event in self.desk.poll() {
            match event {
                DeskEvent::Waiting {
                    instruction,
                    deadline,
                    ..
                } => {
                    self.show(&instruction);
                    self.waiting = Some((deadline, u64::MAX));
                }
                DeskEvent::Ended => {
                    self.waiting = None;
                    self.inner.countdown(None);
                }
            }
        }
        let Some((deadline, shown)) = self.waiting else {
            return;
        };
        let left = deadline.saturating_duration_since(Instant::now());
        let secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
        if secs != shown {
            self.inner.countdown(Some(Duration::from_secs(secs)));
            self.waiting = Some((deadline, secs));
        }
        if let Some(comment) = self.typed_line() {
            self.desk.skip(&comment);
            self.inner.notice(if self.lang == Lang::Es {
                "omitiendo la prueba a petición de la persona"
            } else {
                "skipping the test as asked"
            });
            self.waiting = None;
            self.inner.countdown(None);
        }
    }

    fn test_finished(&mut self, test: &Test, result: &TestResult) {
        self.waiting = None;
        self.inner.countdown(None);
        self.inner.test_finished(test, result);
    }

    fn notice(&mut self, text: &str) {
        self.inner.notice(text);
    }

    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)> {
        self.inner.ask(q, problem)
    }

    fn countdown(&mut self, left: Option<Duration>) {
        self.inner.countdown(left);
    }

    fn end(&mut self) {
        self.inner.end();
    }
}
