//! `manual`: a person follows the test's instructions and answers pass, fail or skip, with a
//! comment. A failed blocker needs a comment saying what went wrong. Without a person
//! (`--non-interactive`) the test is recorded as skipped with the reason `manual`.
//!
//! A manual test may first run a program (`params.run = { argv, timeout }`: play a tone, show a
//! camera frame); [`run_program`] runs it as the `command` check does, stopped with its process
//! group after its timeout, and its output becomes evidence of the answer.
//!
//! This module holds the rules; asking (a terminal prompt) is the runner's [`Prompter`].

use mxcert_core::plan::params::{self, ManualRun};
use mxcert_core::plan::{Test, Text};

use crate::{Context, Outcome};

/// The tester's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    Pass,
    Fail,
    Skip,
}

/// What the tester is asked.
#[derive(Debug, Clone, Copy)]
pub struct Question<'a> {
    pub test_id: &'a str,
    pub title: &'a Text,
    pub instructions: &'a Text,
    pub blocker: bool,
}

/// Asks a person.
pub trait Prompter {
    /// Shows the question (and `problem`, the reason the previous answer was refused) and
    /// returns the answer and comment; `None` when the person stopped the run (Ctrl-C).
    fn ask(&mut self, question: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)>;
}

/// The outcome of a manual test without a person to ask.
pub fn not_interactive() -> Outcome {
    Outcome::skip("manual")
}

/// Runs a manual test's program; returns the evidence label and text (the command, how it
/// ended, its output). Never fails the test itself: the person judges what it did.
pub fn run_program(run: &ManualRun, ctx: &Context) -> (String, String) {
    let ctx = Context {
        timeout: Some(std::time::Duration::from_secs(run.timeout)),
        ..ctx.clone()
    };
    let command = params::Command {
        argv: run.argv.clone(),
        env: Default::default(),
    };
    let out = super::command::run(&command, &ctx);
    let mut text = format!(
        "{}: {}",
        out.status,
        out.message.as_deref().unwrap_or_default()
    );
    for e in &out.evidence {
        if !e.text.is_empty() {
            text.push_str(&format!("\n--- {} ---\n{}", e.label, e.text.trim_end()));
        }
    }
    ("program".to_owned(), text)
}

/// Why an answer cannot be recorded, if it cannot.
pub fn refuse(answer: Answer, comment: &str, blocker: bool) -> Option<&'static str> {
    (answer == Answer::Fail && blocker && comment.trim().is_empty())
        .then_some("a failed blocker needs a comment saying what went wrong")
}

/// Asks until the answer can be recorded; `None` when the person stopped the run.
pub fn run(test: &Test, prompter: &mut dyn Prompter) -> Option<Outcome> {
    let fallback = Text {
        es: String::new(),
        en: String::new(),
    };
    let question = Question {
        test_id: &test.id,
        title: &test.title,
        instructions: test.instructions.as_ref().unwrap_or(&fallback),
        blocker: test.blocker,
    };
    let mut problem = None;
    loop {
        let (answer, comment) = prompter.ask(&question, problem)?;
        if let Some(why) = refuse(answer, &comment, test.blocker) {
            problem = Some(why);
            continue;
        }
        let comment = comment.trim().to_owned();
        let mut out = match answer {
            Answer::Pass => Outcome::pass("the tester confirmed it works"),
            Answer::Fail if comment.is_empty() => Outcome::fail("the tester reported a failure"),
            Answer::Fail => Outcome::fail(format!("the tester reported a failure: {comment}")),
            Answer::Skip => Outcome::skip("skipped by the tester"),
        };
        out.comment = (!comment.is_empty()).then_some(comment);
        return Some(out);
    }
}
