//! `memory.pattern`: fills a block of memory with walking-ones, walking-zeros and a seeded random
//! pattern, reading each back and comparing word by word. The block is bounded by the memory
//! available now (`MemAvailable` in `/proc/meminfo`) so the test never pushes the machine into
//! swap or the OOM killer; it runs in its own process under the runner, so its memory is
//! returned when it ends. Reports write, verify and overall GB/s (10⁹ bytes per second).

use std::time::{Duration, Instant};

use mxcert_core::plan::params::MemoryPattern;

use crate::random::XorShift64;
use crate::root::read_trimmed;
use crate::{Context, Outcome};

const MIB: u64 = 1 << 20;
const MAX_REPORTED_ERRORS: usize = 10;

/// `MemAvailable` in bytes.
fn available_bytes(ctx: &Context) -> Option<u64> {
    let text = read_trimmed(&ctx.path("/proc/meminfo")).ok()??;
    text.lines().find_map(|l| {
        let rest = l.strip_prefix("MemAvailable:")?;
        let kib: u64 = rest.trim().trim_end_matches("kB").trim().parse().ok()?;
        Some(kib * 1024)
    })
}

#[derive(Default)]
struct Tally {
    written: u64,
    read: u64,
    write_time: Duration,
    read_time: Duration,
    errors: u64,
    first: Vec<String>,
}

impl Tally {
    fn pass(
        &mut self,
        buf: &mut [u64],
        name: &str,
        mut fill: impl FnMut(usize) -> u64,
        mut expect: impl FnMut(usize) -> u64,
    ) {
        let t = Instant::now();
        for (i, w) in buf.iter_mut().enumerate() {
            *w = fill(i);
        }
        // Keep the compiler from folding the verification into the writes.
        std::hint::black_box(&mut *buf);
        self.write_time += t.elapsed();
        self.written += (buf.len() * 8) as u64;

        let t = Instant::now();
        for (i, &w) in buf.iter().enumerate() {
            let want = expect(i);
            if w != want {
                self.errors += 1;
                if self.first.len() < MAX_REPORTED_ERRORS {
                    self.first.push(format!(
                        "{name}: offset {:#x}: expected {want:#018x}, read {w:#018x} (bits {:#x} differ)",
                        i * 8,
                        w ^ want
                    ));
                }
            }
        }
        self.read_time += t.elapsed();
        self.read += (buf.len() * 8) as u64;
    }
}

fn gbps(bytes: u64, time: Duration) -> f64 {
    let s = time.as_secs_f64();
    if s > 0.0 {
        bytes as f64 / s / 1e9
    } else {
        f64::NAN
    }
}

fn walking_one(i: usize, pass: u64) -> u64 {
    1u64.rotate_left(((i as u64).wrapping_add(pass) % 64) as u32)
}

pub fn run(p: &MemoryPattern, ctx: &Context) -> Outcome {
    let requested = p.size_mib * MIB;
    let available = available_bytes(ctx);
    let mut notes = Vec::new();
    let size = match available {
        Some(avail) => {
            let cap = avail.saturating_mul(p.max_available_percent) / 100;
            if requested > cap {
                notes.push(format!(
                    "reduced from {} MiB to {} MiB: {} MiB available, at most {}% may be used",
                    p.size_mib,
                    cap / MIB,
                    avail / MIB,
                    p.max_available_percent
                ));
            }
            requested.min(cap)
        }
        None => {
            notes.push(
                "available memory unknown (/proc/meminfo unreadable); using the size asked for"
                    .into(),
            );
            requested
        }
    };
    if size < MIB {
        return Outcome::skip(format!(
            "not enough available memory to test ({} MiB available)",
            available.unwrap_or(0) / MIB
        ));
    }
    let words = (size / 8) as usize;
    let mut buf: Vec<u64> = Vec::new();
    if let Err(e) = buf.try_reserve_exact(words) {
        return Outcome::error(format!("cannot allocate {} MiB: {e}", size / MIB));
    }
    buf.resize(words, 0);

    let mut tally = Tally::default();
    let started = Instant::now();
    for pass in 0..p.passes {
        tally.pass(
            &mut buf,
            "walking ones",
            |i| walking_one(i, pass),
            |i| walking_one(i, pass),
        );
        tally.pass(
            &mut buf,
            "walking zeros",
            |i| !walking_one(i, pass),
            |i| !walking_one(i, pass),
        );
        let seed = p.seed ^ pass;
        let (mut w, mut r) = (XorShift64::new(seed), XorShift64::new(seed));
        tally.pass(&mut buf, "random", |_| w.next_u64(), |_| r.next_u64());
    }
    let elapsed = started.elapsed();
    drop(buf);

    let mut out = if tally.errors == 0 {
        Outcome::pass(format!(
            "{} MiB verified with walking ones, walking zeros and random patterns ({} passes)",
            size / MIB,
            p.passes
        ))
    } else {
        Outcome::fail(format!(
            "{} words read back wrong in {} MiB",
            tally.errors,
            size / MIB
        ))
    };
    out.add_evidence("memory errors", tally.first.join("\n"));
    out.add_evidence("size", notes.join("\n"));
    out.add_evidence("seed", format!("{:#x}", p.seed));
    out.add_measurement("tested", (size / MIB) as f64, "MiB");
    out.add_measurement(
        "write_throughput",
        gbps(tally.written, tally.write_time),
        "GB/s",
    );
    out.add_measurement(
        "verify_throughput",
        gbps(tally.read, tally.read_time),
        "GB/s",
    );
    out.add_measurement(
        "throughput",
        gbps(tally.written + tally.read, elapsed),
        "GB/s",
    );
    out.add_measurement("errors", tally.errors as f64, "words");
    out
}
