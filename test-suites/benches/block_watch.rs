//! What `storage.hotplug` costs while it waits and nothing happens: the CPU time of its watching
//! thread over the same wall time, polling `/sys/class/block` every 100 ms (the fallback) beside
//! listening to udev's block events (the udev path; no event arrives, so no sysfs reading),
//! measured one after the other in the same run, three rounds each, with the ratio.
//!
//! `cargo bench -p mxcert-suites --bench block_watch`; `MXCERT_BENCH_SECONDS` sets each round's
//! length (default 10). Needs no root and no udev daemon (an idle monitor costs the same with or
//! without one).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mxcert_core::inventory::Inventory;
use mxcert_suites::block_watch::BlockWatch;
use mxcert_suites::checks::storage_hotplug::media;
use mxcert_suites::{Context, Options};

/// CPU time of this thread so far, in nanoseconds (`/proc/thread-self/schedstat`).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .expect("/proc/thread-self/schedstat is readable")
}

/// Waits as the check does for `wall`; returns (CPU ns, sysfs readings).
fn watch(ctx: &Context, mut w: BlockWatch, wall: Duration) -> (u64, u64) {
    let start_cpu = thread_cpu_ns();
    let end = Instant::now() + wall;
    let mut readings = 0u64;
    while Instant::now() < end {
        if w.wait(Duration::from_millis(200)) {
            readings += 1;
            std::hint::black_box(media(ctx));
        }
    }
    (thread_cpu_ns() - start_cpu, readings)
}

fn main() {
    let secs: u64 = std::env::var("MXCERT_BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10);
    let inventory = Inventory::from_json(
        &std::fs::read(
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/inventories/firecracker-vm.json"),
        )
        .expect("the fixture inventory"),
    )
    .expect("a valid inventory");
    let ctx = Context {
        inventory,
        root: PathBuf::from("/"),
        scratch: std::env::temp_dir(),
        options: Options::default(),
        is_root: false,
        timeout: None,
    };
    assert!(Path::new("/sys/class/block").is_dir());
    let wall = Duration::from_secs(secs);
    println!("block devices watched: {}", media(&ctx).len());
    let (mut poll_ns, mut udev_ns) = (Vec::new(), Vec::new());
    for round in 1..=3 {
        let (p, pr) = watch(&ctx, BlockWatch::poll("benchmark"), wall);
        let (u, ur) = watch(&ctx, BlockWatch::udev().expect("a udev monitor"), wall);
        println!(
            "round {round}: polling {:.2} ms CPU ({pr} sysfs readings), udev {:.2} ms CPU ({ur} readings) over {secs} s each",
            p as f64 / 1e6,
            u as f64 / 1e6
        );
        poll_ns.push(p);
        udev_ns.push(u);
    }
    poll_ns.sort_unstable();
    udev_ns.sort_unstable();
    let (p, u) = (poll_ns[1] as f64, udev_ns[1] as f64);
    println!(
        "median: polling {:.3} ms CPU per second waited, udev {:.3} ms per second; polling/udev = {:.1}",
        p / 1e6 / secs as f64,
        u / 1e6 / secs as f64,
        p / u.max(1.0)
    );
}
