//! `audio.playback-capture` and the tone finder it uses (`mxcert_core::tone`), on real audio:
//! WAV files made with sox and espeak-ng (Debian packages `sox`, `espeak-ng`; see
//! `tests/fixtures/audio/README.md`), replayed as what `arecord` recorded.

use std::path::PathBuf;

use mxcert_core::plan::params::AudioPlaybackCapture;
use mxcert_core::report::Status;
use mxcert_core::tone::{read_wav, strongest_tone};
use mxcert_suites::checks::audio_playback_capture;
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
    let out = audio_playback_capture::run_with(p, &c, &RecordedRunner::new(rec.path()));
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
        Some("card 0 (PCH) has no input to record the tone: a 1000 Hz tone was played; whether it is heard needs a manual test")
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
