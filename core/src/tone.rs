//! Finding a tone in a recording, for `audio.playback-capture`: a strict reader of PCM WAV
//! files (what `arecord` writes) and the frequency of the strongest tone, found with the
//! Goertzel algorithm (a coarse sweep, then a fine one around the peak), with its level and how
//! far it stands above everything else. Pure: bytes in, numbers out.
//!
//! Cost: the sweep looks at one window of at most [`WINDOW_S`] seconds, so it is bounded
//! whatever the recording's length.

use std::f64::consts::PI;

/// The longest stretch of a recording analysed (the middle of it).
pub const WINDOW_S: f64 = 0.5;

/// A mono signal, samples in -1.0..=1.0.
#[derive(Debug, Clone, PartialEq)]
pub struct Pcm {
    pub rate: u32,
    pub samples: Vec<f32>,
}

/// Why a WAV file cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WavError {
    #[error("not a RIFF/WAVE file")]
    NotWave,
    #[error("no {0} chunk")]
    Missing(&'static str),
    #[error("unsupported format: {0}")]
    Unsupported(String),
    #[error("the {0} chunk runs past the end of the file")]
    Truncated(&'static str),
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

/// Reads a 16-bit (or 8-bit, 32-bit integer) PCM WAV file; channels are averaged.
pub fn read_wav(bytes: &[u8]) -> Result<Pcm, WavError> {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let mut fmt = None;
    let mut data = None;
    let mut i = 12;
    while i + 8 <= bytes.len() {
        let id = &bytes[i..i + 4];
        let len = u32_at(bytes, i + 4) as usize;
        let body = i + 8;
        // arecord writes a data length of 0x7fffffff-ish when it cannot seek: take what is there.
        let end = body.saturating_add(len).min(bytes.len());
        match id {
            b"fmt " => {
                if end - body < 16 {
                    return Err(WavError::Truncated("fmt"));
                }
                fmt = Some(&bytes[body..end]);
            }
            b"data" => {
                data = Some(&bytes[body..end]);
                break;
            }
            _ => {}
        }
        i = body.saturating_add(len).saturating_add(len & 1);
    }
    let fmt = fmt.ok_or(WavError::Missing("fmt"))?;
    let data = data.ok_or(WavError::Missing("data"))?;
    let (format, channels, rate, bits) = (
        u16_at(fmt, 0),
        usize::from(u16_at(fmt, 2)),
        u32_at(fmt, 4),
        u16_at(fmt, 14),
    );
    // 1 = PCM, 0xFFFE = WAVE_FORMAT_EXTENSIBLE (integer PCM assumed from the bit depth).
    if format != 1 && format != 0xfffe {
        return Err(WavError::Unsupported(format!("format tag {format:#x}")));
    }
    if channels == 0 || channels > 32 || !(1000..=384_000).contains(&rate) {
        return Err(WavError::Unsupported(format!(
            "{channels} channels at {rate} Hz"
        )));
    }
    let width = match bits {
        8 => 1,
        16 => 2,
        32 => 4,
        b => return Err(WavError::Unsupported(format!("{b}-bit samples"))),
    };
    let frame = width * channels;
    let samples = data
        .chunks_exact(frame)
        .map(|f| {
            let sum: f64 = f
                .chunks_exact(width)
                .map(|s| match width {
                    1 => (f64::from(s[0]) - 128.0) / 128.0,
                    2 => f64::from(i16::from_le_bytes([s[0], s[1]])) / 32768.0,
                    _ => f64::from(i32::from_le_bytes([s[0], s[1], s[2], s[3]])) / 2_147_483_648.0,
                })
                .sum();
            (sum / channels as f64) as f32
        })
        .collect();
    Ok(Pcm { rate, samples })
}

/// A 16-bit mono PCM WAV file of a sine tone at half of full scale, with 10 ms fades (what
/// `audio.playback-capture` plays).
pub fn sine_wav(freq: f64, rate: u32, millis: u64) -> Vec<u8> {
    let n = (u64::from(rate) * millis / 1000) as usize;
    let fade = (rate / 100) as usize;
    let data_len = (n * 2) as u32;
    let mut out = Vec::with_capacity(44 + n * 2);
    out.extend(b"RIFF");
    out.extend((36 + data_len).to_le_bytes());
    out.extend(b"WAVEfmt ");
    out.extend(16u32.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(1u16.to_le_bytes());
    out.extend(rate.to_le_bytes());
    out.extend((rate * 2).to_le_bytes());
    out.extend(2u16.to_le_bytes());
    out.extend(16u16.to_le_bytes());
    out.extend(b"data");
    out.extend(data_len.to_le_bytes());
    for i in 0..n {
        let ramp = (i.min(n - 1 - i) as f64 / fade.max(1) as f64).min(1.0);
        let v = 0.5 * ramp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin();
        out.extend(((v * 32767.0) as i16).to_le_bytes());
    }
    out
}

/// Energy of the component at `freq` Hz in `x` (generalised Goertzel), as the energy of the
/// sinusoid it stands for (`2·|X|²/N`).
pub fn goertzel(x: &[f32], rate: u32, freq: f64) -> f64 {
    let n = x.len();
    if n == 0 {
        return 0.0;
    }
    let w = 2.0 * PI * freq / f64::from(rate);
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for &v in x {
        let s = f64::from(v) + coeff * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
    2.0 * power / n as f64
}

/// The strongest tone of a recording.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tone {
    /// Its frequency, in Hz (to 1 Hz).
    pub frequency_hz: f64,
    /// The whole window's RMS level, in dB relative to full scale.
    pub level_dbfs: f64,
    /// The tone's energy over everything else's, in dB.
    pub snr_db: f64,
}

/// Finds the strongest tone between `low` and `high` Hz; `None` for silence or too short a
/// recording (under 50 ms).
pub fn strongest_tone(pcm: &Pcm, low: f64, high: f64) -> Option<Tone> {
    let rate = f64::from(pcm.rate);
    let want = ((WINDOW_S * rate) as usize).min(pcm.samples.len());
    if want < (rate / 20.0) as usize {
        return None;
    }
    let start = (pcm.samples.len() - want) / 2;
    let raw = &pcm.samples[start..start + want];
    let mean = raw.iter().map(|&v| f64::from(v)).sum::<f64>() / want as f64;
    let x: Vec<f32> = raw.iter().map(|&v| (f64::from(v) - mean) as f32).collect();
    let energy: f64 = x.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    if energy <= f64::EPSILON {
        return None;
    }
    let high = high.min(rate / 2.0 - 1.0);
    let sweep = |x: &[f32], from: f64, to: f64, step: f64| {
        let mut best = (from, 0.0);
        let mut f = from;
        while f <= to {
            let e = goertzel(x, pcm.rate, f);
            if e > best.1 {
                best = (f, e);
            }
            f += step;
        }
        best
    };
    // Coarse: 10 Hz steps over 50 ms, whose response is ±20 Hz wide, so a tone between two
    // steps is not missed (over the whole window it is ±2 Hz wide). Fine: 1 Hz steps over all.
    let short = &x[..(rate / 20.0) as usize];
    let (coarse, _) = sweep(short, low, high, 10.0);
    let (freq, tone) = sweep(&x, (coarse - 10.0).max(low), (coarse + 10.0).min(high), 1.0);
    let rest = (energy - tone).max(energy * 1e-9);
    Some(Tone {
        frequency_hz: freq,
        level_dbfs: 10.0 * (energy / want as f64).log10(),
        snr_db: 10.0 * (tone / rest).log10(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f64, rate: u32, secs: f64, amp: f64) -> Pcm {
        let n = (secs * f64::from(rate)) as usize;
        Pcm {
            rate,
            samples: (0..n)
                .map(|i| (amp * (2.0 * PI * freq * i as f64 / f64::from(rate)).sin()) as f32)
                .collect(),
        }
    }

    #[test]
    fn a_pure_tone_is_found_to_the_hertz() {
        // Between the coarse steps, at several rates.
        for (freq, rate) in [
            (1234.0, 48_000),
            (997.0, 44_100),
            (3333.0, 16_000),
            (105.0, 8_000),
        ] {
            let t = strongest_tone(&sine(freq, rate, 1.0, 0.5), 100.0, 8000.0).unwrap();
            assert!((t.frequency_hz - freq).abs() <= 1.0, "{freq} Hz: {t:?}");
            assert!(t.snr_db > 20.0, "{freq} Hz: {t:?}");
        }
        let t = strongest_tone(&sine(1234.0, 48_000, 1.0, 0.5), 100.0, 8000.0).unwrap();
        // 0.5 amplitude: RMS 0.354, -9 dBFS.
        assert!((t.level_dbfs + 9.03).abs() < 0.1, "{t:?}");
    }

    #[test]
    fn the_tone_written_is_the_tone_read() {
        let pcm = read_wav(&sine_wav(700.0, 44_100, 300)).unwrap();
        assert_eq!(pcm.rate, 44_100);
        assert_eq!(pcm.samples.len(), 13_230);
        let t = strongest_tone(&pcm, 100.0, 8000.0).unwrap();
        assert!((t.frequency_hz - 700.0).abs() <= 1.0, "{t:?}");
    }

    #[test]
    fn silence_and_garbage_are_answered_not_panicked_on() {
        assert_eq!(
            strongest_tone(&sine(1000.0, 48_000, 1.0, 0.0), 100.0, 8000.0),
            None
        );
        assert_eq!(
            strongest_tone(&sine(1000.0, 48_000, 0.01, 0.5), 100.0, 8000.0),
            None
        );
        assert_eq!(read_wav(b"RIFF"), Err(WavError::NotWave));
        assert_eq!(
            read_wav(b"RIFF\0\0\0\0WAVEdata\x04\0\0\0\0\0\0\0"),
            Err(WavError::Missing("fmt"))
        );
        assert_eq!(
            read_wav(b"RIFF\0\0\0\0WAVEfmt \xff\xff\xff\xff"),
            Err(WavError::Truncated("fmt"))
        );
    }
}
