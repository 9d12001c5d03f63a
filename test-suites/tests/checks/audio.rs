//! `audio.playback-capture` and the tone finder it uses (`mxcert_core::tone`), on real audio:
//! WAV files made with sox and espeak-ng (Debian packages `sox`, `espeak-ng`; see
//! `tests/fixtures/audio/README.md`), replayed as what `arecord` recorded.

use std::path::PathBuf;
use std::time::Duration;

use mxcert_core::plan::params::AudioPlaybackCapture;
use mxcert_core::plan::Text;
use mxcert_core::report::Status;
use mxcert_core::tone::{read_wav, strongest_tone};
use mxcert_suites::attention::{Desk, DeskEvent, Person};
use mxcert_suites::checks::audio_playback_capture;
use mxcert_suites::checks::manual::Answer;
use mxcert_suites::runner_seam::{recording_name, RecordedRunner};
use mxcert_suites::Outcome;

use crate::support::{ctx, inventory, Tree};

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/audio")
            .join(name),
    )
    .unwrap()
}

#[test]
fn tones_are_found_in_real_recordings_and_speech_is_no_tone() {
    let t = strongest_tone(
        &read_wav(&fixture("tone-1000hz-pinknoise.wav")).unwrap(),
        50.0,
        8000.0,
    )
    .unwrap();
    assert!((t.frequency_hz - 1000.0).abs() <= 2.0, "{t:?}");
    assert!(t.snr_db > 3.0, "{t:?}");
    let s = strongest_tone(
        &read_wav(&fixture("tone-440hz-stereo.wav")).unwrap(),
        50.0,
        8000.0,
    )
    .unwrap();
    assert!((s.frequency_hz - 440.0).abs() <= 1.0, "{s:?}");
    assert!(s.snr_db > 20.0, "{s:?}");
    let v = strongest_tone(&read_wav(&fixture("speech.wav")).unwrap(), 50.0, 8000.0).unwrap();
    assert!(v.snr_db < 3.0, "speech is not a tone: {v:?}");
}

/// A laptop sound card: `card0` (`PCH`) with an output and, unless `output_only`, an input.
fn card(output_only: bool) -> Tree {
    let t = Tree::new();
    t.file("/proc/asound/card0/id", "PCH\n")
        .dir("/proc/asound/card0/pcm0p");
    if !output_only {
        t.dir("/proc/asound/card0/pcm0c");
    }
    t
}

/// Runs the check with `aplay` answering and `arecord` giving `recording` (none: not installed).
fn run(tree: &Tree, recording: Option<&str>, p: &AudioPlaybackCapture) -> Outcome {
    run_hung(tree, recording, p, false)
}

fn run_hung(tree: &Tree, recording: Option<&str>, p: &AudioPlaybackCapture, hung: bool) -> Outcome {
    run_asking(tree, recording, p, hung, None)
}

/// A tester who gives `answer` (none: no answer) when asked, and records the question.
struct Listener {
    answer: Option<(Answer, String)>,
    asked: Vec<(String, Text)>,
}

impl Person for Listener {
    fn show(&mut self, _: &str, _: &Text, _: u64) {
        panic!("nothing to wait for");
    }
    fn skipped(&mut self) -> Option<String> {
        None
    }
    fn end(&mut self) {}
    fn ask(&mut self, test: &str, question: &Text, _: Duration) -> Option<(Answer, String)> {
        self.asked.push((test.to_owned(), question.clone()));
        self.answer.clone()
    }
}

fn run_asking(
    tree: &Tree,
    recording: Option<&str>,
    p: &AudioPlaybackCapture,
    hung: bool,
    person: Option<&mut dyn Person>,
) -> Outcome {
    let scratch = tempfile::tempdir().unwrap();
    let rec = tempfile::tempdir().unwrap();
    let tone = scratch.path().join("tone.wav");
    let play = recording_name("aplay", &["-q", "-D", "plughw:0,0", tone.to_str().unwrap()]);
    std::fs::write(rec.path().join(format!("{play}.stdout")), "").unwrap();
    if let Some(r) = recording {
        let secs = (p.duration_ms.div_ceil(1000) + 1).to_string();
        let name = recording_name(
            "arecord",
            &[
                "-q",
                "-D",
                "plughw:0,0",
                "-f",
                "S16_LE",
                "-c",
                "1",
                "-r",
                "48000",
                "-d",
                &secs,
                "-t",
                "wav",
                "-",
            ],
        );
        std::fs::write(rec.path().join(format!("{name}.stdout")), fixture(r)).unwrap();
        if hung {
            std::fs::write(rec.path().join(format!("{name}.status")), "timeout").unwrap();
        }
    }
    let c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let out = audio_playback_capture::run_with(p, &c, &RecordedRunner::new(rec.path()), person);
    assert!(!tone.exists(), "the tone file is removed");
    out
}

#[test]
fn the_tone_recorded_on_the_same_card_passes_with_its_figures() {
    let out = run(
        &card(false),
        Some("tone-1000hz-pinknoise.wav"),
        &AudioPlaybackCapture::default(),
    );
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert!(
        out.message.as_deref().unwrap().starts_with(
            "played 1000 Hz on plughw:0,0, recorded on plughw:0,0 (PCH): strongest tone 100"
        ),
        "{out:?}"
    );
    assert!((out.measurement("frequency_found").unwrap() - 1000.0).abs() <= 2.0);
    assert!(out.measurement("snr").is_some() && out.measurement("level").unwrap() < 0.0);
}

#[test]
fn a_recording_without_the_tone_fails_naming_what_was_heard() {
    let out = run(
        &card(false),
        Some("speech.wav"),
        &AudioPlaybackCapture::default(),
    );
    assert_eq!(out.status, Status::Fail, "{out:?}");
    let m = out.message.unwrap();
    assert!(m.contains("less than 10 dB"), "{m}");
    let out = run(
        &card(false),
        Some("tone-440hz-stereo.wav"),
        &AudioPlaybackCapture::default(),
    );
    assert_eq!(out.status, Status::Fail);
    assert!(out
        .message
        .unwrap()
        .starts_with("the strongest tone recorded is 440 Hz, not 1000 Hz (±20)"));
}

#[test]
fn skip_paths_no_input_no_card_no_tools() {
    let out = run(&card(true), None, &AudioPlaybackCapture::default());
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("card 0 (PCH) has no input to record the tone: a 1000 Hz tone was played on plughw:0,0; whether it is heard needs a person, none in a non-interactive run")
    );
    let out = run(&Tree::new(), None, &AudioPlaybackCapture::default());
    assert_eq!(
        out.message.as_deref(),
        Some("not applicable: no sound card with an output (/proc/asound)")
    );
    let out = run(&card(false), None, &AudioPlaybackCapture::default());
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("arecord is not installed (Debian package alsa-utils); install it to test audio")
    );
}

#[test]
fn a_recorder_that_never_ends_is_an_error_saying_so() {
    let out = run_hung(
        &card(false),
        Some("speech.wav"),
        &AudioPlaybackCapture::default(),
        true,
    );
    assert_eq!(out.status, Status::Error);
    assert_eq!(
        out.message.as_deref(),
        Some("arecord did not finish within 12 s; its process group was killed")
    );
}

#[test]
fn without_an_input_the_tester_is_asked_and_the_answer_decides() {
    let p = AudioPlaybackCapture::default();
    let played =
        "card 0 (PCH) has no input to record the tone: a 1000 Hz tone was played on plughw:0,0";
    let mut yes = Listener {
        answer: Some((Answer::Pass, String::new())),
        asked: Vec::new(),
    };
    let out = run_asking(&card(true), None, &p, false, Some(&mut yes));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some(format!("{played}; the tester heard it").as_str())
    );
    assert_eq!(out.evidence_text("tone"), Some(played));
    assert_eq!(yes.asked.len(), 1);
    assert_eq!(yes.asked[0].0, "audio.playback-capture");
    assert_eq!(
        yes.asked[0].1.en,
        "A 1000 Hz tone played for 2.0 s on card 0 (PCH). Did you hear it clearly?"
    );
    assert!(yes.asked[0]
        .1
        .es
        .starts_with("Se reprodujo un tono de 1000 Hz"));

    let mut no = Listener {
        answer: Some((Answer::Fail, " only a hum ".into())),
        asked: Vec::new(),
    };
    let out = run_asking(&card(true), None, &p, false, Some(&mut no));
    assert_eq!(out.status, Status::Fail);
    assert_eq!(
        out.message.as_deref(),
        Some(format!("{played}; the tester did not hear it: only a hum").as_str())
    );
    assert_eq!(out.comment.as_deref(), Some("only a hum"));

    let mut skip = Listener {
        answer: Some((Answer::Skip, "headphones only".into())),
        asked: Vec::new(),
    };
    let out = run_asking(&card(true), None, &p, false, Some(&mut skip));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("skipped by the tester: headphones only")
    );

    let mut gone = Listener {
        answer: None,
        asked: Vec::new(),
    };
    let out = run_asking(&card(true), None, &p, false, Some(&mut gone));
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some(format!("{played}; nobody said whether it was heard").as_str())
    );
}

/// The check in a thread with the run's socket, the runner's desk here: the question arrives
/// at the desk and the answer typed there decides the result.
#[test]
fn the_question_goes_over_the_runner_socket() {
    let tree = card(true);
    let scratch = tempfile::tempdir().unwrap();
    let rec = tempfile::tempdir().unwrap();
    let tone = scratch.path().join("tone.wav");
    let play = recording_name("aplay", &["-q", "-D", "plughw:0,0", tone.to_str().unwrap()]);
    std::fs::write(rec.path().join(format!("{play}.stdout")), "").unwrap();
    let mut c = ctx(
        inventory("firecracker-vm.json"),
        tree.root(),
        scratch.path(),
    );
    let mut desk = Desk::bind().unwrap();
    c.options.attention = Some(desk.path().to_path_buf());
    let dir = rec.path().to_path_buf();
    let check = std::thread::spawn(move || {
        let mut person = mxcert_suites::attention::person(&c).expect("the desk listens");
        let person: &mut dyn Person = person.as_mut();
        audio_playback_capture::run_with(
            &AudioPlaybackCapture::default(),
            &c,
            &RecordedRunner::new(dir),
            Some(person),
        )
    });
    let until = std::time::Instant::now() + Duration::from_secs(10);
    let question = loop {
        assert!(std::time::Instant::now() < until, "no question at the desk");
        if let Some(DeskEvent::Asked { question, .. }) = desk.poll().into_iter().next() {
            break question;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(
        question.en.ends_with("Did you hear it clearly?"),
        "{question:?}"
    );
    desk.answer(Answer::Fail, "silence");
    let out = check.join().unwrap();
    assert_eq!(out.status, Status::Fail, "{out:?}");
    assert_eq!(out.comment.as_deref(), Some("silence"));
}
