//! `camera.capture`: captures frames from the camera at its advertised resolutions (the
//! largest `max_resolutions`, at most three), checks the frames are not constant (a frozen or
//! black sensor gives identical frames), and measures frames per second.
//!
//! The camera is the first capture node of `ROOT/sys/class/video4linux` (`index` 0; its `name`
//! is recorded). `v4l2-ctl` (package `v4l-utils`, behind the command-runner seam) lists the
//! formats (`--list-formats-ext`; YUYV preferred, being uncompressed) and streams `frames`
//! frames per resolution to its standard output (at most 4 MiB of them are kept), printing its
//! frame rate (`NN.NN fps`) on standard error.
//!
//! Bounds: 10 s per listing, `frames`/5 + 10 s per capture. No camera: not applicable;
//! `v4l2-ctl` missing: skipped naming the package.

use std::time::Duration;

use mxcert_core::plan::params::CameraCapture;

use crate::root::{attr, dir_names};
use crate::runner_seam::{CommandRunner, RunError, SystemRunner};
use crate::{Context, Findings, Outcome};

const TOOL: &str = "v4l2-ctl";

/// A pixel format with its discrete frame sizes, as `--list-formats-ext` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Format {
    pub fourcc: String,
    pub sizes: Vec<(u32, u32)>,
}

/// Parses `v4l2-ctl --list-formats-ext`: a format starts at `[N]: 'YUYV' (…)` (v4l-utils 1.14
/// and later) or `Pixel Format: 'YUYV'` (older releases); its sizes are `Size: Discrete WxH`
/// lines, and for a `Size: Stepwise MINxMIN - MAXxMAX with step …` or `Continuous` range the
/// largest size. Anything else (a `-D` driver block first, blank lines, spaces for tabs) is
/// ignored.
pub fn formats(listing: &str) -> Vec<Format> {
    let parse_size = |s: &str| -> Option<(u32, u32)> {
        let (w, h) = s.trim().split_once('x')?;
        let h = h.split_whitespace().next()?;
        Some((w.trim().parse().ok()?, h.parse().ok()?))
    };
    let mut out: Vec<Format> = Vec::new();
    for line in listing.lines().map(str::trim) {
        let starts = if line.starts_with('[') {
            Some(line)
        } else {
            line.strip_prefix("Pixel Format:")
        };
        if let Some(rest) = starts {
            if let Some(code) = rest.split('\'').nth(1) {
                out.push(Format {
                    fourcc: code.to_owned(),
                    sizes: Vec::new(),
                });
            }
            continue;
        }
        let parsed = if let Some(size) = line.strip_prefix("Size: Discrete ") {
            parse_size(size)
        } else if let Some(range) = line
            .strip_prefix("Size: Stepwise ")
            .or_else(|| line.strip_prefix("Size: Continuous "))
        {
            range.split_once(" - ").and_then(|(_, max)| parse_size(max))
        } else {
            None
        };
        if let (Some(f), Some(s)) = (out.last_mut(), parsed) {
            if !f.sizes.contains(&s) {
                f.sizes.push(s);
            }
        }
    }
    out
}

/// The last frame rate v4l2-ctl printed while streaming (`… 30.00 fps`).
pub fn last_fps(text: &str) -> Option<f64> {
    text.rsplit(['\r', '\n']).find_map(|l| {
        let i = l.find(" fps")?;
        l[..i].rsplit([' ', '<']).next()?.parse::<f64>().ok()
    })
}

/// Whether the captured bytes (frames of `frame_len` bytes, or two halves when unknown) change
/// from the first frame to the last, and are not a single byte value throughout.
pub fn frames_change(bytes: &[u8], frame_len: usize) -> Option<bool> {
    let len = if frame_len > 0 && bytes.len() >= 2 * frame_len {
        frame_len
    } else {
        bytes.len() / 2
    };
    if len == 0 {
        return None;
    }
    let count = bytes.len() / len;
    let first = &bytes[..len];
    let last = &bytes[(count - 1) * len..count * len];
    let flat = first.iter().all(|&b| b == first[0]);
    Some(first != last && !flat)
}

fn tool_failed(e: RunError) -> Outcome {
    match e {
        RunError::NotFound { .. } => Outcome::skip(
            "v4l2-ctl is not installed (Debian package v4l-utils); install it to test the camera",
        ),
        e => Outcome::error(e.to_string()),
    }
}

pub fn run(p: &CameraCapture, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

pub fn run_with(p: &CameraCapture, ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let class = ctx.path("/sys/class/video4linux");
    let Some((node, name)) = dir_names(&class)
        .into_iter()
        .filter(|n| n.starts_with("video"))
        .filter(|n| attr(&class.join(n).join("index")).is_none_or(|i| i == "0"))
        .map(|n| {
            let name = attr(&class.join(&n).join("name")).unwrap_or_else(|| n.clone());
            (n, name)
        })
        .next()
    else {
        return Outcome::skip("not applicable: no camera (/sys/class/video4linux is empty)");
    };
    let dev = format!("/dev/{node}");
    let listing = match runner.run(
        TOOL,
        &["-d", &dev, "--list-formats-ext"],
        Duration::from_secs(10),
    ) {
        Ok(o) if o.success() => o.stdout_text(),
        Ok(o) => {
            return Outcome::fail(format!(
                "{name} ({dev}) does not list its formats: {}",
                o.stderr_text().trim()
            ))
        }
        Err(e) => return tool_failed(e),
    };
    let all = formats(&listing);
    let Some(format) = all
        .iter()
        .find(|f| f.fourcc == "YUYV" && !f.sizes.is_empty())
        .or_else(|| all.iter().find(|f| !f.sizes.is_empty()))
    else {
        return Outcome::fail(format!("{name} ({dev}) advertises no frame size"));
    };
    let mut sizes = format.sizes.clone();
    sizes.sort_by_key(|&(w, h)| std::cmp::Reverse(u64::from(w) * u64::from(h)));
    sizes.truncate(p.max_resolutions as usize);
    let mut failures = Vec::new();
    let mut lines = Vec::new();
    let mut found = Findings::default();
    let count = format!("--stream-count={}", p.frames);
    for (w, h) in sizes {
        let set = format!(
            "--set-fmt-video=width={w},height={h},pixelformat={}",
            format.fourcc
        );
        let args = ["-d", &dev, &set, "--stream-mmap", &count, "--stream-to=-"];
        let limit = Duration::from_secs(p.frames / 5 + 10);
        let out = match runner.run(TOOL, &args, limit) {
            Ok(o) => o,
            Err(RunError::TimedOut { .. }) => {
                failures.push(format!(
                    "{w}x{h}: no {} frames within {} s",
                    p.frames,
                    limit.as_secs()
                ));
                continue;
            }
            Err(e) => return tool_failed(e),
        };
        let label = format!("{w}x{h} {}", format.fourcc);
        if !out.success() {
            failures.push(format!(
                "{label}: capture failed: {}",
                out.stderr_text().trim()
            ));
            continue;
        }
        let frame_len = if format.fourcc == "YUYV" {
            (w * h * 2) as usize
        } else {
            0
        };
        let fps = last_fps(&out.stderr_text()).or_else(|| last_fps(&out.stdout_text()));
        if let Some(f) = fps {
            found.measure(format!("fps@{w}x{h}"), f, "fps");
        }
        let fps_text = fps
            .map(|f| format!("{f:.2} fps"))
            .unwrap_or_else(|| "fps not reported".into());
        match frames_change(&out.stdout, frame_len) {
            None => failures.push(format!("{label}: no frame data")),
            Some(false) => failures.push(format!(
                "{label}: the frames are constant (a frozen or covered sensor?)"
            )),
            Some(true) => {}
        }
        if let Some(f) = fps.filter(|&f| f < p.min_fps as f64) {
            failures.push(format!("{label}: {f:.2} fps, slower than {}", p.min_fps));
        }
        lines.push(format!(
            "{label}: {} bytes captured, {fps_text}",
            out.stdout.len()
        ));
    }
    Outcome::pass_unless(
        &failures,
        format!(
            "{name}: frames captured and changing at {} resolution(s)",
            lines.len()
        ),
    )
    .with(found)
    .evidence("captures", lines.join("\n"))
}
