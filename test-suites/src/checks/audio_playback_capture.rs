//! `audio.playback-capture`: plays a tone on a sound card's output and records it on an input
//! of the same card (a speaker to the built-in microphone, or a loopback cable), then finds the
//! strongest frequency of the recording (`mxcert_core::tone`, Goertzel) and checks it is the
//! tone's, standing `min_snr_db` above the rest. Records the frequency found, the level and the
//! signal-to-noise ratio.
//!
//! Runs `arecord` (to standard output, as WAV) and, 300 ms later, `aplay` (of a WAV the check
//! writes in its scratch directory), both from `alsa-utils` behind the command-runner seam, on
//! `plughw:CARD,DEVICE` (ALSA converts the format as needed). The card is the first one in
//! `ROOT/proc/asound` with both a playback and a capture device. A card with only outputs gets
//! the tone played and the tester asked "did you hear it?" through the runner's manual-question
//! prompt ([`crate::attention`]): yes passes, no fails, skip skips; without a person
//! (`--non-interactive`) the test is skipped with that reason.
//!
//! Bounds: each program gets the tone's duration plus 10 s; the answer [`ANSWER_LIMIT`]. No
//! sound card: not applicable; `aplay`/`arecord` missing: skipped naming `alsa-utils`.

use std::time::Duration;

use mxcert_core::plan::params::AudioPlaybackCapture;
use mxcert_core::plan::Text;
use mxcert_core::tone;

use crate::attention::{self, Person};
use crate::checks::manual::Answer;
use crate::root::{attr, dir_names};
use crate::runner_seam::{CommandRunner, RunError, SystemRunner};
use crate::{Context, Outcome};

const RATE: u32 = 48_000;
const KIND: &str = "audio.playback-capture";

/// How long the tester has to say whether they heard the tone.
pub const ANSWER_LIMIT: Duration = Duration::from_secs(300);

/// A card's number, name and first playback and capture devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Card {
    pub number: u32,
    pub id: String,
    pub playback: Option<u32>,
    pub capture: Option<u32>,
}

/// The sound cards of `ROOT/proc/asound` (`cardN/pcmDp`, `cardN/pcmDc`).
pub fn cards(ctx: &Context) -> Vec<Card> {
    let asound = ctx.path("/proc/asound");
    let mut out: Vec<Card> = dir_names(&asound)
        .into_iter()
        .filter_map(|n| {
            let number: u32 = n.strip_prefix("card")?.parse().ok()?;
            let dir = asound.join(&n);
            let pcm = |suffix: char| {
                dir_names(&dir)
                    .iter()
                    .filter_map(|d| d.strip_prefix("pcm")?.strip_suffix(suffix)?.parse().ok())
                    .min()
            };
            Some(Card {
                number,
                id: attr(&dir.join("id")).unwrap_or_else(|| n.clone()),
                playback: pcm('p'),
                capture: pcm('c'),
            })
        })
        .collect();
    out.sort_by_key(|c| c.number);
    out
}

fn tool_failed(e: RunError) -> Outcome {
    match e {
        RunError::NotFound { program } => Outcome::skip(format!(
            "{program} is not installed (Debian package alsa-utils); install it to test audio"
        )),
        e => Outcome::error(e.to_string()),
    }
}

/// Runs the check with the real tools and the run's person (if any).
pub fn run(p: &AudioPlaybackCapture, ctx: &Context) -> Outcome {
    match attention::person(ctx) {
        Some(mut person) => {
            let person: &mut dyn Person = person.as_mut();
            run_with(p, ctx, &SystemRunner, Some(person))
        }
        None => run_with(p, ctx, &SystemRunner, None),
    }
}

/// What the tester answered about the tone played on a card without an input.
fn heard(answer: Option<(Answer, String)>, played: &str) -> Outcome {
    let Some((answer, comment)) = answer else {
        return Outcome::skip(format!("{played}; nobody said whether it was heard"));
    };
    let comment = comment.trim().to_owned();
    let with = |s: String| {
        if comment.is_empty() {
            s
        } else {
            format!("{s}: {comment}")
        }
    };
    let mut out = match answer {
        Answer::Pass => Outcome::pass(with(format!("{played}; the tester heard it"))),
        Answer::Fail => Outcome::fail(with(format!("{played}; the tester did not hear it"))),
        Answer::Skip => attention::skipped_by_tester(comment.clone()),
    };
    out.comment = (!comment.is_empty()).then_some(comment);
    out.evidence("tone", played.to_owned())
}

/// Runs the check with `runner` for the tools and `person` (none in a non-interactive run) to
/// ask about a tone nothing can record.
pub fn run_with(
    p: &AudioPlaybackCapture,
    ctx: &Context,
    runner: &(dyn CommandRunner + Sync),
    person: Option<&mut dyn Person>,
) -> Outcome {
    let all = cards(ctx);
    let Some(card) = all
        .iter()
        .find(|c| c.playback.is_some() && c.capture.is_some())
        .or_else(|| all.iter().find(|c| c.playback.is_some()))
    else {
        return Outcome::skip("not applicable: no sound card with an output (/proc/asound)");
    };
    let tone_file = ctx.scratch.join("tone.wav");
    if let Err(e) = std::fs::write(
        &tone_file,
        tone::sine_wav(p.frequency_hz as f64, RATE, p.duration_ms),
    ) {
        return Outcome::error(format!("cannot write {}: {e}", tone_file.display()));
    }
    let out_dev = format!("plughw:{},{}", card.number, card.playback.unwrap_or(0));
    let tone_path = tone_file.to_string_lossy().into_owned();
    let limit = Duration::from_millis(p.duration_ms) + Duration::from_secs(10);
    let play = || runner.run("aplay", &["-q", "-D", &out_dev, &tone_path], limit);
    let Some(capture) = card.capture else {
        let played = play();
        let _ = std::fs::remove_file(&tone_file);
        return match played {
            Err(e) => tool_failed(e),
            Ok(o) if !o.success() => Outcome::fail(format!(
                "aplay could not play on {out_dev} ({}): {}",
                card.id,
                o.stderr_text().trim()
            )),
            Ok(_) => {
                let played = format!(
                    "card {} ({}) has no input to record the tone: a {} Hz tone was played on {out_dev}",
                    card.number, card.id, p.frequency_hz
                );
                match person {
                    None => Outcome::skip(format!(
                        "{played}; whether it is heard needs a person, none in a non-interactive run"
                    )),
                    Some(person) => {
                        let question = Text {
                            es: format!(
                                "Se reprodujo un tono de {} Hz durante {:.1} s en la tarjeta {} ({}). ¿Lo escuchó claro?",
                                p.frequency_hz,
                                p.duration_ms as f64 / 1000.0,
                                card.number,
                                card.id
                            ),
                            en: format!(
                                "A {} Hz tone played for {:.1} s on card {} ({}). Did you hear it clearly?",
                                p.frequency_hz,
                                p.duration_ms as f64 / 1000.0,
                                card.number,
                                card.id
                            ),
                        };
                        heard(person.ask(KIND, &question, ANSWER_LIMIT), &played)
                    }
                }
            }
        };
    };
    let in_dev = format!("plughw:{},{capture}", card.number);
    // Whole seconds, covering the tone and aplay's start.
    let secs = (p.duration_ms.div_ceil(1000) + 1).to_string();
    let rate = RATE.to_string();
    let (recorded, played) = std::thread::scope(|s| {
        let rec = s.spawn(|| {
            runner.run(
                "arecord",
                &[
                    "-q", "-D", &in_dev, "-f", "S16_LE", "-c", "1", "-r", &rate, "-d", &secs, "-t",
                    "wav", "-",
                ],
                limit,
            )
        });
        std::thread::sleep(Duration::from_millis(300));
        let played = play();
        (rec.join(), played)
    });
    let _ = std::fs::remove_file(&tone_file);
    let played = match played {
        Ok(o) => o,
        Err(e) => return tool_failed(e),
    };
    if !played.success() {
        return Outcome::fail(format!(
            "aplay could not play on {out_dev} ({}): {}",
            card.id,
            played.stderr_text().trim()
        ));
    }
    let recorded = match recorded {
        Ok(Ok(o)) => o,
        Ok(Err(e)) => return tool_failed(e),
        Err(_) => return Outcome::error("the recording thread panicked"),
    };
    if !recorded.success() {
        return Outcome::fail(format!(
            "arecord could not record on {in_dev} ({}): {}",
            card.id,
            recorded.stderr_text().trim()
        ));
    }
    let pcm = match tone::read_wav(&recorded.stdout) {
        Ok(p) => p,
        Err(e) => return Outcome::error(format!("arecord's output is not usable: {e}")),
    };
    let want = p.frequency_hz as f64;
    let Some(found) = tone::strongest_tone(&pcm, 50.0, 8000.0) else {
        return Outcome::fail(format!("the recording on {in_dev} ({}) is silent", card.id));
    };
    let summary = format!(
        "played {} Hz on {out_dev}, recorded on {in_dev} ({}): strongest tone {} Hz, {:.1} dB above the rest, level {:.1} dBFS",
        p.frequency_hz, card.id, found.frequency_hz, found.snr_db, found.level_dbfs
    );
    let mut failures = Vec::new();
    if (found.frequency_hz - want).abs() > p.tolerance_hz as f64 {
        failures.push(format!(
            "the strongest tone recorded is {} Hz, not {} Hz (±{})",
            found.frequency_hz, p.frequency_hz, p.tolerance_hz
        ));
    }
    if found.snr_db < p.min_snr_db as f64 {
        failures.push(format!(
            "the tone stands {:.1} dB above the rest of the recording, less than {} dB",
            found.snr_db, p.min_snr_db
        ));
    }
    Outcome::pass_unless(&failures, summary.clone())
        .measure("frequency_found", found.frequency_hz, "Hz")
        .measure("snr", found.snr_db, "dB")
        .measure("level", found.level_dbfs, "dBFS")
        .evidence("recording", summary)
}
