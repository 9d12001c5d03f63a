//! `command`: runs a vendor-provided program (no shell unless the plan names one) in the scratch
//! directory with standard input closed; exit status 0 passes. Standard output and error are
//! evidence (the first and last 16 KiB of each).
//!
//! Under the runner the check runs in its own process group, which the runner kills on timeout,
//! so the program (in that same group) dies with it. When a [`Context::timeout`] is set (direct
//! use, tests), the program gets its own process group and this check kills that group itself
//! when the time is up, returning `timeout`.

use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use mxcert_core::plan::params;

use crate::process::{self, Waited};
use crate::{Context, Outcome};

const KEEP: usize = 16 * 1024;

/// Keeps the head and tail of a stream.
fn clip(bytes: &[u8]) -> String {
    if bytes.len() <= 2 * KEEP {
        return String::from_utf8_lossy(bytes).into_owned();
    }
    format!(
        "{}\n[... {} bytes omitted ...]\n{}",
        String::from_utf8_lossy(&bytes[..KEEP]),
        bytes.len() - 2 * KEEP,
        String::from_utf8_lossy(&bytes[bytes.len() - KEEP..])
    )
}

fn reader(mut r: impl Read + Send + 'static, tx: mpsc::Sender<(usize, Vec<u8>)>, which: usize) {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        let _ = tx.send((which, buf));
    });
}

/// `'a b' c` for evidence.
fn shell_words(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', r"'\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub fn run(p: &params::Command, ctx: &Context) -> Outcome {
    let Some((program, args)) = p.argv.split_first() else {
        return Outcome::error("the plan gives no command");
    };
    let mut cmd = std::process::Command::new(program);
    cmd.args(args)
        .envs(&p.env)
        .current_dir(&ctx.scratch)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if ctx.timeout.is_some() {
        cmd.process_group(0);
    }
    let started = Instant::now();
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return Outcome::error(format!("cannot run {program}: {e}")),
    };
    let (tx, rx) = mpsc::channel();
    if let Some(o) = child.stdout.take() {
        reader(o, tx.clone(), 0);
    }
    if let Some(e) = child.stderr.take() {
        reader(e, tx, 1);
    }
    let status = match process::wait(child, ctx.timeout, &|| false, &mut || {}) {
        Ok(Waited::Exited(s)) => s,
        Ok(_) => {
            let secs = ctx.timeout.unwrap_or_default().as_secs_f64();
            return Outcome::timeout(format!(
                "{program} did not finish within {secs} s; its process group was killed"
            ))
            .evidence("command", shell_words(&p.argv));
        }
        Err(e) => return Outcome::error(format!("waiting for {program} failed: {e}")),
    };
    let elapsed = started.elapsed();
    // The output pipes close when the program exits, unless it left a background process
    // holding them; wait a little, then go on without that output.
    let mut streams = [Vec::new(), Vec::new()];
    let grace = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        match rx.recv_timeout(grace.saturating_duration_since(Instant::now())) {
            Ok((i, bytes)) => streams[i] = bytes,
            Err(_) => break,
        }
    }
    let mut out = match (status.code(), status.signal()) {
        (Some(0), _) => Outcome::pass(format!("{program} exited with status 0")),
        (Some(c), _) => Outcome::fail(format!("{program} exited with status {c}")),
        (None, Some(s)) => Outcome::fail(format!("{program} was killed by signal {s}")),
        (None, None) => Outcome::fail(format!("{program} ended abnormally")),
    };
    out.add_evidence("command", shell_words(&p.argv));
    out.add_evidence("stdout", clip(&streams[0]));
    out.add_evidence("stderr", clip(&streams[1]));
    if let Some(c) = status.code() {
        out.add_measurement("exit_status", f64::from(c), "code");
    }
    out.measure("duration", elapsed.as_secs_f64(), "s")
}
