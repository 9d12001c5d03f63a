use mxcert_core::plan::params::MemoryPattern;
use mxcert_core::report::Status;
use mxcert_suites::checks::memory_pattern;

use crate::support::{ctx, inventory, live, Tree};

#[test]
fn real_memory_is_written_verified_and_measured() {
    let t = tempfile::tempdir().unwrap();
    let p = MemoryPattern {
        size_mib: 16,
        passes: 2,
        ..MemoryPattern::default()
    };
    let out = memory_pattern::run(&p, &live(t.path()));
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(
        out.message.as_deref(),
        Some("16 MiB verified with walking ones, walking zeros and random patterns (2 passes)")
    );
    assert_eq!(out.measurement("tested"), Some(16.0));
    assert_eq!(out.measurement("errors"), Some(0.0));
    for m in ["write_throughput", "verify_throughput", "throughput"] {
        assert!(out.measurement(m).unwrap() > 0.0, "{m}");
    }
    assert_eq!(out.evidence_text("seed"), Some("0x6d7863657274"));
}

#[test]
fn the_size_is_bounded_by_available_memory() {
    let tree = Tree::new();
    let t = tempfile::tempdir().unwrap();
    let c = ctx(inventory("laptop.json"), tree.root(), t.path());
    tree.file(
        "/proc/meminfo",
        "MemTotal:       32768000 kB\nMemFree:          100000 kB\nMemAvailable:      20480 kB\n",
    );
    let p = MemoryPattern {
        size_mib: 64,
        max_available_percent: 50,
        ..MemoryPattern::default()
    };
    let out = memory_pattern::run(&p, &c);
    assert_eq!(out.status, Status::Pass, "{out:?}");
    assert_eq!(out.measurement("tested"), Some(10.0));
    assert_eq!(
        out.evidence_text("size"),
        Some("reduced from 64 MiB to 10 MiB: 20 MiB available, at most 50% may be used")
    );

    tree.file("/proc/meminfo", "MemAvailable:       1024 kB\n");
    let out = memory_pattern::run(&p, &c);
    assert_eq!(out.status, Status::Skip);
    assert_eq!(
        out.message.as_deref(),
        Some("not enough available memory to test (1 MiB available)")
    );
}
