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
    out.evidence("render_nodes", nodes.join(" "))
        .evidence("platforms", evidence)
        .measure("egl_platforms", platforms.len() as f64, "platforms")
}
