//! `graphics.render`: rendering is hardware accelerated. Runs `eglinfo -B` (Debian package
//! `mesa-utils`; EGL needs no display server: its GBM, surfaceless and device platforms go
//! through the GPU's render node) through the [`CommandRunner`] seam and reads, per EGL
//! platform, the driver name and the OpenGL renderer and version. Passes when a platform renders
//! on a hardware driver; fails when every working platform is a software renderer (llvmpipe,
//! softpipe, swrast, lavapipe).
//!
//! Bounded by `timeout_s` (the tool's whole process group is killed). Skipped without a render
//! node (`ROOT/dev/dri/renderD*`: no GPU exposed by the kernel), or when `eglinfo` is not
//! installed (naming the package).
//!
//! With `benchmark_seconds` (at most 120), a render benchmark follows: `glmark2-es2-drm
//! --off-screen` (GLES 2 through DRM/GBM, no display server) on [`BENCH_SCENES`], each for a
//! quarter of the time, bounded by the time plus [`BENCH_START`] with its process group
//! killed. Its score, renderer and scene count are recorded; it never changes the verdict
//! (the benchmark is a figure, not a requirement), and a missing tool is noted naming the
//! Debian package `glmark2-es2-drm`.

use std::time::Duration;

use mxcert_core::plan::params::GraphicsRender;

use crate::root;
use crate::runner_seam::{CommandRunner, RunError, SystemRunner};
use crate::{Context, Outcome};

/// One EGL platform's answer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Platform {
    pub name: String,
    pub driver: Option<String>,
    pub renderer: Option<String>,
    pub gl_version: Option<String>,
}

impl Platform {
    /// Whether the driver or renderer is a software renderer.
    pub fn is_software(&self) -> bool {
        let soft = |s: &str| {
            let s = s.to_ascii_lowercase();
            [
                "llvmpipe",
                "softpipe",
                "swrast",
                "lavapipe",
                "software rasterizer",
            ]
            .iter()
            .any(|w| s.contains(w))
        };
        self.driver.as_deref().is_some_and(soft) || self.renderer.as_deref().is_some_and(soft)
    }

    fn describe(&self) -> String {
        format!(
            "{}: driver {}, renderer {}, OpenGL {}",
            self.name,
            self.driver.as_deref().unwrap_or("unknown"),
            self.renderer.as_deref().unwrap_or("not reported"),
            self.gl_version.as_deref().unwrap_or("not reported")
        )
    }
}

/// The platforms of `eglinfo` output that initialised (those that name a driver or renderer).
pub fn parse(stdout: &str) -> Vec<Platform> {
    let mut out: Vec<Platform> = Vec::new();
    for line in stdout.lines() {
        if !line.starts_with(' ') && !line.starts_with('\t') && line.ends_with("platform:") {
            out.push(Platform {
                name: line.trim_end_matches(':').to_owned(),
                ..Platform::default()
            });
            continue;
        }
        let Some(p) = out.last_mut() else { continue };
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim().to_owned();
        match key {
            "EGL driver name" => p.driver = Some(value),
            "OpenGL core profile renderer"
            | "OpenGL compatibility profile renderer"
            | "OpenGL ES profile renderer"
                if p.renderer.is_none() =>
            {
                p.renderer = Some(value)
            }
            "OpenGL core profile version"
            | "OpenGL compatibility profile version"
            | "OpenGL ES profile version"
                if p.gl_version.is_none() =>
            {
                p.gl_version = Some(value)
            }
            _ => {}
        }
    }
    out.retain(|p| p.driver.is_some() || p.renderer.is_some());
    out
}

/// The glmark2 scenes of the benchmark.
pub const BENCH_SCENES: [&str; 4] = ["build", "texture", "shading", "bump"];
/// What glmark2 gets beyond the scenes' time to start and finish.
pub const BENCH_START: Duration = Duration::from_secs(30);
const GLMARK2: &str = "glmark2-es2-drm";

/// What a glmark2 run printed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Benchmark {
    pub renderer: Option<String>,
    /// Scenes with an FPS figure.
    pub scenes: usize,
    pub score: Option<u64>,
}

/// Reads glmark2's output: `GL_RENDERER:`, every `FPS: N` (a scene; driver messages may come
/// between a scene's name and its figures), and `glmark2 Score: N`.
pub fn parse_glmark2(stdout: &str) -> Benchmark {
    let mut b = Benchmark::default();
    for line in stdout.lines() {
        let t = line.trim();
        if let Some(r) = t.strip_prefix("GL_RENDERER:") {
            b.renderer = Some(r.trim().to_owned());
        } else if let Some(s) = t.strip_prefix("glmark2 Score:") {
            b.score = s.trim().parse().ok();
        }
        if let Some((_, after)) = t.split_once("FPS: ") {
            if after
                .split_whitespace()
                .next()
                .is_some_and(|n| n.parse::<f64>().is_ok())
            {
                b.scenes += 1;
            }
        }
    }
    b
}

/// The arguments of the benchmark run for `seconds`.
pub fn benchmark_args(seconds: u64) -> Vec<String> {
    let each = seconds as f64 / BENCH_SCENES.len() as f64;
    let mut args = vec!["--off-screen".to_owned()];
    for scene in BENCH_SCENES {
        args.push("-b".into());
        args.push(format!("{scene}:duration={each:.2}"));
    }
    args
}

/// Runs the benchmark and adds what it found to `out`.
fn benchmark(seconds: u64, runner: &dyn CommandRunner, out: &mut Outcome) {
    let args = benchmark_args(seconds);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let limit = Duration::from_secs(seconds) + BENCH_START;
    let said = match runner.run(GLMARK2, &args, limit) {
        Err(RunError::NotFound { .. }) => {
            format!("not run: {GLMARK2} is not installed (Debian package {GLMARK2})")
        }
        Err(e) => format!("not run: {e}"),
        Ok(o) => {
            let b = parse_glmark2(&o.stdout_text());
            match b.score {
                Some(score) if o.success() => {
                    out.add_measurement("glmark2_score", score as f64, "");
                    out.add_measurement("glmark2_scenes", b.scenes as f64, "scenes");
                    format!(
                        "{GLMARK2} score {score} over {} scene(s) of {seconds} s in all, renderer {}",
                        b.scenes,
                        b.renderer.as_deref().unwrap_or("not reported")
                    )
                }
                _ => {
                    let stderr = o.stderr_text();
                    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
                    format!(
                        "{GLMARK2} gave no score (exited with {}){}",
                        o.status
                            .map_or("a signal".to_owned(), |s| format!("status {s}")),
                        last.map(|l| format!(": {}", l.trim())).unwrap_or_default()
                    )
                }
            }
        }
    };
    out.add_evidence("benchmark", said);
}

pub fn run(p: &GraphicsRender, ctx: &Context) -> Outcome {
    run_with(p, ctx, &SystemRunner)
}

pub fn run_with(p: &GraphicsRender, ctx: &Context, runner: &dyn CommandRunner) -> Outcome {
    let nodes: Vec<String> = root::dir_names(&ctx.path("/dev/dri"))
        .into_iter()
        .filter(|n| n.starts_with("renderD"))
        .collect();
    if nodes.is_empty() {
        return Outcome::skip(
            "no GPU render node (/dev/dri/renderD*): the kernel exposes no GPU to render on",
        );
    }
    let output = match runner.run("eglinfo", &["-B"], Duration::from_secs(p.timeout_s)) {
        Ok(o) => o,
        Err(RunError::NotFound { .. }) => {
            return Outcome::skip("eglinfo is not installed: install the Debian package mesa-utils")
        }
        Err(e @ RunError::TimedOut { .. }) => return Outcome::timeout(e.to_string()),
        Err(e) => return Outcome::error(e.to_string()),
    };
    let platforms = parse(&output.stdout_text());
    let evidence = platforms
        .iter()
        .map(Platform::describe)
        .collect::<Vec<_>>()
        .join("\n");
    let out = match platforms.iter().find(|p| !p.is_software()) {
        Some(hw) => Outcome::pass(format!(
            "hardware rendering: {} (driver {})",
            hw.renderer.as_deref().unwrap_or("renderer not reported"),
            hw.driver.as_deref().unwrap_or("unknown")
        )),
        None if platforms.is_empty() => Outcome::fail(format!(
            "no EGL platform initialised (eglinfo exited with {})",
            output
                .status
                .map_or("a signal".to_owned(), |s| format!("status {s}"))
        ))
        .evidence("stderr", output.stderr_text()),
        None => {
            let mut names: Vec<String> = platforms
                .iter()
                .filter_map(|p| p.renderer.clone().or_else(|| p.driver.clone()))
                .collect();
            names.sort();
            names.dedup();
            Outcome::fail(format!("only software rendering: {}", names.join(", ")))
        }
    };
    let mut out = out
        .evidence("render_nodes", nodes.join(" "))
        .evidence("platforms", evidence)
        .measure("egl_platforms", platforms.len() as f64, "platforms");
    if p.benchmark_seconds > 0 {
        benchmark(p.benchmark_seconds, runner, &mut out);
    }
    out
}
