//! Probe benchmark (a bench binary): the live probe against `lshw -json` and against a bare walk
//! that only reads every `uevent` under `/sys/devices`, measured in the same run, interleaved
//! round-robin so that load from other processes hits every contender alike; and the import of the
//! largest udevadm dump in the shared fixtures.
//!
//! `cargo bench -p mxcert --bench probe` (release build). `MXCERT_BENCH_ROUNDS` sets the number of
//! rounds (default 30). Prints medians, 90th percentiles and the ratios BENCHMARKS.md records.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Reads every `uevent` file under `/sys/devices`, following no links: the least any probe of
/// this machine's devices must do.
fn bare_walk() -> usize {
    let mut bytes = 0;
    let mut stack = vec![PathBuf::from("/sys/devices")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if entry.file_name() == "uevent" {
                bytes += std::fs::read(entry.path()).map(|b| b.len()).unwrap_or(0);
            }
        }
    }
    bytes
}

fn run_quiet(cmd: &str, args: &[&str]) -> bool {
    Command::new(cmd)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

struct Contender {
    name: &'static str,
    run: Box<dyn FnMut()>,
    times: Vec<Duration>,
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn p90(v: &mut [Duration]) -> Duration {
    v.sort();
    v[(v.len() * 9 / 10).min(v.len() - 1)]
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn shared_fixtures() -> Option<PathBuf> {
    let dir = std::env::var_os("MXCERT_SHARED_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/fixtures"));
    dir.is_dir().then_some(dir)
}

fn largest_dump(dir: &Path) -> Option<PathBuf> {
    std::fs::read_dir(dir.join("udevadm"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .max_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let rounds: usize = std::env::var("MXCERT_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(30);
    let mxcert = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/mxcert");
    let mut contenders = vec![
        Contender {
            name: "mxcert probe_live() (in process)",
            run: Box::new(|| {
                let inv = mxcert::probe::probe_live().expect("live probe");
                std::hint::black_box(inv);
            }),
            times: Vec::new(),
        },
        Contender {
            name: "bare uevent walk (in process)",
            run: Box::new(|| {
                std::hint::black_box(bare_walk());
            }),
            times: Vec::new(),
        },
    ];
    if mxcert.is_file() {
        let path = mxcert.clone();
        contenders.push(Contender {
            name: "mxcert probe --format json (process)",
            run: Box::new(move || {
                assert!(run_quiet(
                    path.to_str().unwrap_or("mxcert"),
                    &["probe", "--format", "json"]
                ));
            }),
            times: Vec::new(),
        });
    } else {
        println!(
            "note: {} not built; `cargo build --release -p mxcert` to time the binary",
            mxcert.display()
        );
    }
    let has_lshw = run_quiet("lshw", &["-version"]);
    if has_lshw {
        contenders.push(Contender {
            name: "lshw -json (process)",
            run: Box::new(|| {
                assert!(run_quiet("lshw", &["-json"]));
            }),
            times: Vec::new(),
        });
    } else {
        println!("note: lshw is not installed; no comparison with it");
    }
    // Warm the page cache and the kernel's sysfs dentries for everyone.
    for c in &mut contenders {
        (c.run)();
    }
    for _ in 0..rounds {
        for c in &mut contenders {
            let start = Instant::now();
            (c.run)();
            c.times.push(start.elapsed());
        }
    }
    println!("Probe benchmark: {rounds} interleaved rounds");
    println!("{:<40} {:>12} {:>12}", "", "median", "p90");
    let mut medians = Vec::new();
    for c in &mut contenders {
        let (m, p) = (median(&mut c.times), p90(&mut c.times));
        println!("{:<40} {:>12} {:>12}", c.name, ms(m), ms(p));
        medians.push((c.name, m));
    }
    let get = |prefix: &str| {
        medians
            .iter()
            .find(|(n, _)| n.starts_with(prefix))
            .map(|(_, m)| *m)
    };
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    if let (Some(probe), Some(bare)) = (get("mxcert probe_live"), get("bare uevent")) {
        println!(
            "probe_live / bare walk: {:.2}x (target: within 3x)",
            ratio(probe, bare)
        );
    }
    if let (Some(lshw), Some(probe)) = (get("lshw"), get("mxcert probe_live")) {
        println!(
            "lshw -json / probe_live: {:.1}x faster (target: at least 10x)",
            ratio(lshw, probe)
        );
    }
    if let (Some(lshw), Some(bin)) = (get("lshw"), get("mxcert probe --format")) {
        println!(
            "lshw -json / mxcert probe process: {:.1}x faster",
            ratio(lshw, bin)
        );
    }

    match shared_fixtures().and_then(|d| largest_dump(&d)) {
        Some(dump) => {
            let bytes = std::fs::read(&dump).expect("read dump");
            let opts = mxcert_core::import::ImportOptions::new(
                chrono::Utc::now(),
                mxcert_core::tool("mxcert", "bench"),
            );
            let mut times = Vec::new();
            let mut devices = 0;
            for _ in 0..rounds.max(50) {
                let start = Instant::now();
                let imported = mxcert_core::import::import(&bytes, &opts).expect("import");
                times.push(start.elapsed());
                devices = imported.inventory.devices.len();
            }
            println!(
                "import of {} ({} KiB, {} devices): median {}, p90 {} (target: under 20 ms)",
                dump.file_name()
                    .map(|n| n.to_string_lossy())
                    .unwrap_or_default(),
                bytes.len() / 1024,
                devices,
                ms(median(&mut times)),
                ms(p90(&mut times))
            );
        }
        None => println!(
            "note: shared fixtures not found; set MXCERT_SHARED_FIXTURES to time the import"
        ),
    }
}
