use mxcert_core::plan::{CheckKind, Test, Text};
use mxcert_core::report::Status;
use mxcert_suites::checks::manual::{self, Answer, Question};
use mxcert_suites::Prompter;

/// A person who gives these answers in order, and records what was asked.
struct Scripted {
    answers: Vec<(Answer, String)>,
    problems: Vec<Option<String>>,
}

impl Prompter for Scripted {
    fn ask(&mut self, q: &Question<'_>, problem: Option<&str>) -> Option<(Answer, String)> {
        assert_eq!(q.instructions.en, "Close the lid.");
        self.problems.push(problem.map(str::to_owned));
        if self.answers.is_empty() {
            None
        } else {
            Some(self.answers.remove(0))
        }
    }
}

fn test(blocker: bool) -> Test {
    Test {
        id: "lid".into(),
        plan: "laptop".into(),
        check: CheckKind::Manual,
        title: Text {
            es: "Tapa".into(),
            en: "Lid".into(),
        },
        description: None,
        blocker,
        timeout: None,
        requires: vec![],
        for_each: None,
        after_suspend: false,
        instructions: Some(Text {
            es: "Cierre la tapa.".into(),
            en: "Close the lid.".into(),
        }),
        params: Default::default(),
    }
}

#[test]
fn a_failed_blocker_needs_a_comment() {
    let mut p = Scripted {
        answers: vec![
            (Answer::Fail, "  ".into()),
            (Answer::Fail, "did not wake".into()),
        ],
        problems: vec![],
    };
    let out = manual::run(&test(true), &mut p).unwrap();
    assert_eq!(out.status, Status::Fail);
    assert_eq!(out.comment.as_deref(), Some("did not wake"));
    assert_eq!(
        out.message.as_deref(),
        Some("the tester reported a failure: did not wake")
    );
    assert_eq!(
        p.problems,
        [
            None,
            Some("a failed blocker needs a comment saying what went wrong".to_owned())
        ]
    );

    // Not a blocker: a failure without comment is accepted.
    let mut p = Scripted {
        answers: vec![(Answer::Fail, String::new())],
        problems: vec![],
    };
    assert_eq!(manual::run(&test(false), &mut p).unwrap().comment, None);

    let mut p = Scripted {
        answers: vec![(Answer::Skip, "no lid sensor".into())],
        problems: vec![],
    };
    let out = manual::run(&test(true), &mut p).unwrap();
    assert_eq!(out.status, Status::Skip);
    assert_eq!(out.comment.as_deref(), Some("no lid sensor"));

    let mut gone = Scripted {
        answers: vec![],
        problems: vec![],
    };
    assert!(manual::run(&test(true), &mut gone).is_none());
}

#[test]
fn without_a_person_manual_tests_are_skipped_with_the_reason_manual() {
    let out = manual::not_interactive();
    assert_eq!(out.status, Status::Skip);
    assert_eq!(out.message.as_deref(), Some("manual"));
}

/// A manual test's program (`params.run`) runs bounded, and its output and end are evidence.
#[test]
fn the_program_before_the_question_is_bounded_and_its_output_kept() {
    use mxcert_core::plan::params::ManualRun;
    let scratch = tempfile::tempdir().unwrap();
    let c = crate::support::ctx(
        crate::support::inventory("laptop.json"),
        std::path::Path::new("/"),
        scratch.path(),
    );
    let run = ManualRun {
        argv: vec![
            "sh".into(),
            "-c".into(),
            "echo tone played; echo oops >&2".into(),
        ],
        timeout: 10,
    };
    let (label, text) = manual::run_program(&run, &c);
    assert_eq!(label, "program");
    assert!(text.starts_with("pass: sh exited with status 0"), "{text}");
    assert!(text.contains("--- stdout ---\ntone played"), "{text}");
    assert!(text.contains("--- stderr ---\noops"), "{text}");

    let started = std::time::Instant::now();
    let hung = ManualRun {
        argv: vec!["sleep".into(), "30".into()],
        timeout: 1,
    };
    let (_, text) = manual::run_program(&hung, &c);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert!(
        text.starts_with("timeout: sleep did not finish within 1 s"),
        "{text}"
    );
}
