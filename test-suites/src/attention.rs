//! Waiting for a person's action with a visible countdown: a check shows an instruction ("insert
//! a USB stick into the left port", "press Volume up") and waits, for at most a given time, for
//! an event it watches itself (a block device appearing, a key event); meanwhile the runner
//! shows the instruction and the seconds left, and the tester may skip with a comment.
//!
//! Checks run in a child process, so the two sides talk over a Unix stream socket that the
//! runner binds ([`Desk`]) and names in [`crate::Options::attention`]; a check connects to it
//! ([`Person::connect`]). One JSON object per line:
//! - check to runner: `{"wait":{"test":…,"instruction":{"es":…,"en":…},"seconds":N}}` when a
//!   wait starts, `{"end":{}}` when it is over;
//! - runner to check: `{"skip":{"comment":…}}` when the tester skips;
//! - check to runner: `{"ask":{"test":…,"question":{"es":…,"en":…}}}` when a check needs the
//!   tester's judgement (did you hear the tone?), answered by the runner's manual-question
//!   prompt with `{"answer":{"answer":"pass"|"fail"|"skip","comment":…}}` (or a skip when
//!   nobody answered).
//!
//! Without a runner socket (`--non-interactive`, or a check run by hand) there is no person:
//! checks that need one are skipped with [`no_person`]. [`wait_for`] is the loop every check
//! uses; [`Person`] is a trait so tests can script the tester.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::time::{Duration, Instant};

use mxcert_core::plan::Text;
use serde::{Deserialize, Serialize};

use crate::checks::manual::Answer;
use crate::{Context, Outcome};

/// How long one look for the event may block, so a skip is noticed quickly.
pub const SLICE: Duration = Duration::from_millis(200);

/// A message on the socket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Message {
    /// A wait starts.
    Wait {
        test: String,
        instruction: Text,
        seconds: u64,
    },
    /// The wait is over (the event came, or the time ran out).
    End {},
    /// The tester skipped, with a comment (possibly empty).
    Skip { comment: String },
    /// The check asks the tester a question (answered pass, fail or skip).
    Ask { test: String, question: Text },
    /// The tester's answer to the question, with a comment (possibly empty).
    Answer { answer: Answer, comment: String },
}

/// How a wait ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Waited<T> {
    /// The event happened.
    Happened(T),
    /// The time ran out.
    TimedOut,
    /// The tester skipped; their comment, trimmed (may be empty).
    Skipped(String),
}

/// The person at the machine, as a check sees them.
pub trait Person {
    /// Shows `instruction` with a countdown of `seconds`.
    fn show(&mut self, test: &str, instruction: &Text, seconds: u64);
    /// The tester's skip, with its comment, if they skipped since the last call.
    fn skipped(&mut self) -> Option<String>;
    /// The wait is over.
    fn end(&mut self);
    /// Asks the tester `question` and waits at most `limit` for the answer and comment;
    /// `None` when nobody answered. A person who only waits for events answers nothing.
    fn ask(&mut self, _test: &str, _question: &Text, _limit: Duration) -> Option<(Answer, String)> {
        None
    }
}

/// The outcome of a check that needs a person when none is there.
pub fn no_person(what: &str) -> Outcome {
    Outcome::skip(format!(
        "needs a person to {what}; none in a non-interactive run"
    ))
}

/// The outcome of a wait the tester skipped.
pub fn skipped_by_tester(comment: String) -> Outcome {
    let mut out = Outcome::skip(if comment.is_empty() {
        "skipped by the tester".to_owned()
    } else {
        format!("skipped by the tester: {comment}")
    });
    out.comment = (!comment.is_empty()).then_some(comment);
    out
}

/// Shows `instruction` and calls `look` (which may block for up to the duration it is given,
/// at most [`SLICE`]) until it sees the event, the tester skips, or `limit` passes.
pub fn wait_for<T>(
    person: &mut dyn Person,
    test: &str,
    instruction: &Text,
    limit: Duration,
    mut look: impl FnMut(Duration) -> Option<T>,
) -> Waited<T> {
    let deadline = Instant::now() + limit;
    person.show(test, instruction, limit.as_secs().max(1));
    let waited = loop {
        if let Some(comment) = person.skipped() {
            break Waited::Skipped(comment.trim().to_owned());
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break Waited::TimedOut;
        }
        if let Some(found) = look(left.min(SLICE)) {
            break Waited::Happened(found);
        }
    };
    person.end();
    waited
}

/// The runner's socket, as a check's [`Person`].
#[derive(Debug)]
pub struct SocketPerson {
    lines: Lines,
}

impl SocketPerson {
    /// Connects to the runner's socket named in `ctx`; `None` when there is none (no person).
    pub fn connect(ctx: &Context) -> Option<SocketPerson> {
        SocketPerson::connect_to(ctx.options.attention.as_deref()?)
    }

    /// Connects to the runner's socket at `path`; `None` when nobody listens there.
    pub fn connect_to(path: &Path) -> Option<SocketPerson> {
        let stream = UnixStream::connect(path).ok()?;
        stream.set_nonblocking(true).ok()?;
        Some(SocketPerson {
            lines: Lines {
                stream,
                pending: Vec::new(),
            },
        })
    }
}

impl Person for SocketPerson {
    fn show(&mut self, test: &str, instruction: &Text, seconds: u64) {
        self.lines.send(&Message::Wait {
            test: test.to_owned(),
            instruction: instruction.clone(),
            seconds,
        });
    }

    fn skipped(&mut self) -> Option<String> {
        self.lines
            .read()?
            .iter()
            .find_map(|line| match serde_json::from_slice(line) {
                Ok(Message::Skip { comment }) => Some(comment),
                _ => None,
            })
    }

    fn end(&mut self) {
        self.lines.send(&Message::End {});
    }

    fn ask(&mut self, test: &str, question: &Text, limit: Duration) -> Option<(Answer, String)> {
        self.lines.send(&Message::Ask {
            test: test.to_owned(),
            question: question.clone(),
        });
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            for line in self.lines.read()? {
                match serde_json::from_slice(&line) {
                    Ok(Message::Answer { answer, comment }) => return Some((answer, comment)),
                    Ok(Message::Skip { comment }) => return Some((Answer::Skip, comment)),
                    _ => {}
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        None
    }
}

/// The person for a check: the runner's socket, if the run has one.
pub fn person(ctx: &Context) -> Option<Box<dyn Person>> {
    SocketPerson::connect(ctx).map(|p| Box::new(p) as Box<dyn Person>)
}

/// What the runner learns from [`Desk::poll`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeskEvent {
    /// A check started waiting.
    Waiting {
        test: String,
        instruction: Text,
        deadline: Instant,
    },
    /// The current wait is over.
    Ended,
    /// A check asks the tester a question; answer it with [`Desk::answer`].
    Asked { test: String, question: Text },
}

/// The runner's side of the socket: accepts the checks' connections (one at a time), hands
/// their waits to the display and sends the tester's skip back.
#[derive(Debug)]
pub struct Desk {
    listener: UnixListener,
    current: Option<Lines>,
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

/// A nonblocking stream read into whole lines.
#[derive(Debug)]
struct Lines {
    stream: UnixStream,
    pending: Vec<u8>,
}

/// The longest line either side sends is far shorter; a longer one ends the connection.
const MAX_LINE: usize = 1 << 16;

impl Lines {
    /// Sends one message. Nonblocking, but a few hundred bytes always fit in the socket's
    /// buffer; a peer that is gone only means nobody sees it.
    fn send(&mut self, m: &Message) {
        let mut line = serde_json::to_vec(m).unwrap_or_default();
        line.push(b'\n');
        let _ = self.stream.write_all(&line);
    }

    /// The complete lines that arrived; `None` when the other side is gone or misbehaved.
    fn read(&mut self) -> Option<Vec<Vec<u8>>> {
        let mut buf = [0u8; 4096];
        let mut gone = false;
        loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    gone = true;
                    break;
                }
                Ok(n) => self.pending.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    gone = true;
                    break;
                }
            }
            if self.pending.len() > MAX_LINE && !self.pending.contains(&b'\n') {
                return None;
            }
        }
        let mut lines = Vec::new();
        while let Some(nl) = self.pending.iter().position(|&b| b == b'\n') {
            lines.push(self.pending.drain(..=nl).collect());
        }
        if self.pending.len() > MAX_LINE {
            return None;
        }
        (!gone || !lines.is_empty()).then_some(lines)
    }
}

impl Desk {
    /// Binds a socket in a new private directory (mode 0700) under the system's temporary
    /// directory (socket paths are limited to about 100 bytes, so not in the session).
    pub fn bind() -> std::io::Result<Desk> {
        let dir = tempfile::Builder::new().prefix("mxcert-desk").tempdir()?;
        let path = dir.path().join("s");
        let listener = UnixListener::bind(&path)?;
        listener.set_nonblocking(true)?;
        Ok(Desk {
            listener,
            current: None,
            _dir: dir,
            path,
        })
    }

    /// The socket's path (for [`crate::Options::attention`]).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Accepts a new connection and reads what arrived, without blocking.
    pub fn poll(&mut self) -> Vec<DeskEvent> {
        if let Ok((stream, _)) = self.listener.accept() {
            if stream.set_nonblocking(true).is_ok() {
                self.current = Some(Lines {
                    stream,
                    pending: Vec::new(),
                });
            }
        }
        let mut events = Vec::new();
        let Some(lines) = self.current.as_mut().map(Lines::read) else {
            return events;
        };
        for line in lines.iter().flatten() {
            match serde_json::from_slice::<Message>(line) {
                Ok(Message::Wait {
                    test,
                    instruction,
                    seconds,
                }) => events.push(DeskEvent::Waiting {
                    test,
                    instruction,
                    deadline: Instant::now() + Duration::from_secs(seconds.min(86_400)),
                }),
                Ok(Message::End {}) => events.push(DeskEvent::Ended),
                Ok(Message::Ask { test, question }) => {
                    events.push(DeskEvent::Asked { test, question })
                }
                _ => {}
            }
        }
        if lines.is_none() {
            self.current = None;
            events.push(DeskEvent::Ended);
        }
        events
    }

    /// Gives the asking check the tester's answer.
    pub fn answer(&mut self, answer: Answer, comment: &str) {
        if let Some(lines) = self.current.as_mut() {
            lines.send(&Message::Answer {
                answer,
                comment: comment.to_owned(),
            });
        }
    }

    /// Drops the current connection: a check waiting for an answer learns nobody will give one.
    pub fn hang_up(&mut self) {
        self.current = None;
    }

    /// Tells the waiting check that the tester skipped.
    pub fn skip(&mut self, comment: &str) {
        if let Some(lines) = self.current.as_mut() {
            lines.send(&Message::Skip {
                comment: comment.to_owned(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn polled_until(desk: &mut Desk, want: &DeskEvent) -> Vec<DeskEvent> {
        let until = Instant::now() + Duration::from_secs(5);
        let mut seen = Vec::new();
        while !seen.contains(want) {
            assert!(Instant::now() < until, "never got {want:?}: {seen:?}");
            seen.extend(desk.poll());
            std::thread::sleep(Duration::from_millis(10));
        }
        seen
    }

    #[test]
    fn garbage_is_ignored_and_an_endless_line_drops_the_connection() {
        let mut desk = Desk::bind().unwrap();
        let mut s = UnixStream::connect(desk.path()).unwrap();
        s.write_all(b"not json\n{\"skip\":{\"comment\":\"x\"}}\n{\"end\":{}}\n")
            .unwrap();
        // Garbage and a message only the runner sends are ignored; the end is seen.
        let seen = polled_until(&mut desk, &DeskEvent::Ended);
        assert_eq!(seen, vec![DeskEvent::Ended]);
        s.write_all(&vec![b'a'; MAX_LINE + 10]).unwrap();
        polled_until(&mut desk, &DeskEvent::Ended);
        assert!(desk.current.is_none());
    }

    #[test]
    fn a_question_reaches_the_desk_and_its_answer_comes_back() {
        let mut desk = Desk::bind().unwrap();
        let path = desk.path().to_path_buf();
        let question = Text {
            es: "¿Escuchó el tono?".into(),
            en: "Did you hear the tone?".into(),
        };
        let q = question.clone();
        let asker = std::thread::spawn(move || {
            let mut p = SocketPerson::connect_to(&path).unwrap();
            let first = p.ask("audio", &q, Duration::from_secs(5));
            let second = p.ask("audio", &q, Duration::from_secs(5));
            (first, second)
        });
        let asked = DeskEvent::Asked {
            test: "audio".into(),
            question,
        };
        polled_until(&mut desk, &asked);
        desk.answer(Answer::Fail, "only a crackle");
        polled_until(&mut desk, &asked);
        desk.skip("no speakers plugged in");
        let (first, second) = asker.join().unwrap();
        assert_eq!(first, Some((Answer::Fail, "only a crackle".into())));
        assert_eq!(
            second,
            Some((Answer::Skip, "no speakers plugged in".into()))
        );
    }

    #[test]
    fn a_question_nobody_answers_ends_at_its_limit_or_when_the_desk_is_gone() {
        let desk = Desk::bind().unwrap();
        let mut p = SocketPerson::connect_to(desk.path()).unwrap();
        let q = Text {
            es: "¿?".into(),
            en: "?".into(),
        };
        let start = Instant::now();
        assert_eq!(p.ask("t", &q, Duration::from_millis(300)), None);
        assert!(start.elapsed() >= Duration::from_millis(300));
        drop(desk);
        let start = Instant::now();
        assert_eq!(p.ask("t", &q, Duration::from_secs(5)), None);
        assert!(start.elapsed() < Duration::from_secs(2));
    }
}
