//! The runner's side of "waiting for a person's action" ([`mxcert_suites::attention`]): a
//! [`Ui`] wrapper that, while a check waits, shows its instruction once and then a countdown,
//! and reads standard input: a line typed during the wait (a comment, possibly empty) skips the
//! check with that comment. The check itself watches for the event and decides. A check may
//! also ask a question (did you hear the tone?): it is put to the tester with the manual-test
//! prompt and the answer goes back to the check; when nobody answers (standard input ended)
//! the connection is dropped, which the check records as no answer.
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
    /// The title of the test running now (the heading of a check's question).
    title: Text,
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
            title: Text {
                es: String::new(),
                en: String::new(),
            },
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
        self.title = test.title.clone();
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
                DeskEvent::Asked { test, question } => {
                    let q = Question {
                        test_id: &test,
                        title: &self.title,
                        instructions: &question,
                        blocker: false,
                    };
                    match self.inner.ask(&q, None) {
                        Some((answer, comment)) => self.desk.answer(answer, &comment),
                        None => {
                            self.input_open = false;
                            self.desk.hang_up();
                        }
                    }
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

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use mxcert_suites::attention::{Person, SocketPerson};

    use super::*;

    /// A display whose tester gives the scripted answers and records what was asked.
    struct Scripted {
        answers: Vec<Option<(Answer, String)>>,
        asked: Arc<Mutex<Vec<(String, String)>>>,
    }

    impl Ui for Scripted {
        fn begin(&mut self, _: &Plan, _: &Path, _: &[&Test], _: usize) {}
        fn test_started(&mut self, _: &Test, _: &str) {}
        fn test_finished(&mut self, _: &Test, _: &TestResult) {}
        fn notice(&mut self, _: &str) {}
        fn ask(&mut self, q: &Question<'_>, _: Option<&str>) -> Option<(Answer, String)> {
            self.asked
                .lock()
                .unwrap()
                .push((q.test_id.to_owned(), q.instructions.en.clone()));
            self.answers.remove(0)
        }
        fn end(&mut self) {}
    }

    type Answers = Vec<Option<(Answer, String)>>;

    /// The answers the check got and the (test, question) pairs the tester was asked.
    fn ask_through(answers: Answers) -> (Answers, Vec<(String, String)>) {
        let asked = Arc::new(Mutex::new(Vec::new()));
        let n = answers.len();
        let desk = Desk::bind().unwrap();
        let path = desk.path().to_path_buf();
        let mut ui = Attending::new(
            Box::new(Scripted {
                answers,
                asked: asked.clone(),
            }),
            desk,
            Lang::En,
        );
        let check = std::thread::spawn(move || {
            let mut p = SocketPerson::connect_to(&path).unwrap();
            let q = Text {
                es: "¿Escuchó el tono?".into(),
                en: "Did you hear the tone?".into(),
            };
            (0..n)
                .map(|_| p.ask("audio", &q, Duration::from_secs(10)))
                .collect::<Vec<_>>()
        });
        let until = Instant::now() + Duration::from_secs(10);
        while !check.is_finished() {
            assert!(Instant::now() < until, "the check never got its answers");
            ui.tick();
            std::thread::sleep(Duration::from_millis(20));
        }
        let got = check.join().unwrap();
        let asked = asked.lock().unwrap().clone();
        (got, asked)
    }

    #[test]
    fn a_checks_question_is_put_to_the_tester_and_the_answer_goes_back() {
        let (got, asked) = ask_through(vec![
            Some((Answer::Pass, "loud and clear".into())),
            Some((Answer::Fail, String::new())),
        ]);
        assert_eq!(
            got,
            vec![
                Some((Answer::Pass, "loud and clear".into())),
                Some((Answer::Fail, String::new()))
            ]
        );
        assert_eq!(
            asked,
            vec![("audio".to_owned(), "Did you hear the tone?".to_owned()); 2]
        );
    }

    #[test]
    fn when_nobody_answers_the_check_learns_it_at_once() {
        let start = Instant::now();
        let (got, _) = ask_through(vec![None]);
        assert_eq!(got, vec![None]);
        assert!(start.elapsed() < Duration::from_secs(5));
    }
}
