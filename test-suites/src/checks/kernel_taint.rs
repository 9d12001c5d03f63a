//! `kernel.taint`: reads `/proc/sys/kernel/tainted` and fails on taint flags that bear on
//! hardware support (proprietary or out-of-tree modules, machine checks, oopses, warnings,
//! firmware workarounds, ...). Flags that say nothing about the hardware (live patching,
//! userspace requests, distribution-defined) are reported but never fail.

use mxcert_core::plan::params::KernelTaint;

use crate::root::read_trimmed;
use crate::{Context, Outcome};

/// (bit, letter, meaning, fails certification)
const FLAGS: &[(u32, char, &str, bool)] = &[
    (0, 'P', "proprietary module was loaded", true),
    (1, 'F', "module was force loaded", true),
    (
        2,
        'S',
        "kernel running on an out-of-specification system",
        true,
    ),
    (3, 'R', "module was force unloaded", true),
    (4, 'M', "processor reported a machine check exception", true),
    (5, 'B', "bad page referenced or unexpected page flags", true),
    (6, 'U', "taint requested by a userspace program", false),
    (7, 'D', "kernel died recently (oops or BUG)", true),
    (8, 'A', "ACPI table overridden by the user", true),
    (9, 'W', "kernel issued a warning", true),
    (10, 'C', "staging driver was loaded", true),
    (
        11,
        'I',
        "workaround for a platform firmware bug applied",
        true,
    ),
    (
        12,
        'O',
        "externally-built (out-of-tree) module was loaded",
        true,
    ),
    (13, 'E', "unsigned module was loaded", true),
    (14, 'L', "soft lockup occurred", true),
    (15, 'K', "kernel has been live patched", false),
    (
        16,
        'X',
        "auxiliary taint defined by the distribution",
        false,
    ),
    (
        17,
        'T',
        "kernel built with the struct randomization plugin",
        false,
    ),
    (18, 'N', "an in-kernel test has been run", false),
    (
        19,
        'J',
        "userspace used a mutating debug operation in fwctl",
        false,
    ),
];

pub fn run(p: &KernelTaint, ctx: &Context) -> Outcome {
    let path = ctx.path("/proc/sys/kernel/tainted");
    let value = match read_trimmed(&path) {
        Ok(Some(v)) => v,
        Ok(None) => return Outcome::skip(format!("{} does not exist", path.display())),
        Err(e) => return Outcome::skip(format!("cannot read {}: {e}", path.display())),
    };
    let Ok(taint) = value.parse::<u64>() else {
        return Outcome::error(format!("{} holds {value:?}, not a number", path.display()));
    };
    let mut failing = Vec::new();
    let mut lines = Vec::new();
    for &(bit, letter, meaning, fails) in FLAGS {
        if taint & (1 << bit) == 0 {
            continue;
        }
        let ignored = p.ignore.iter().any(|f| f.starts_with(letter));
        let note = match (fails, ignored) {
            (true, false) => {
                failing.push(format!("{letter} ({meaning})"));
                ""
            }
            (true, true) => " (ignored by the plan)",
            (false, _) => " (informational)",
        };
        lines.push(format!("{letter} bit {bit}: {meaning}{note}"));
    }
    let known = FLAGS.iter().fold(0u64, |m, f| m | 1 << f.0);
    if taint & !known != 0 {
        lines.push(format!("unknown taint bits {:#x}", taint & !known));
    }
    let out = if failing.is_empty() {
        if taint == 0 {
            Outcome::pass("the kernel is not tainted")
        } else {
            Outcome::pass(format!(
                "taint {taint} has no flag that bears on hardware support"
            ))
        }
    } else {
        Outcome::fail(format!("kernel tainted: {}", failing.join(", ")))
    };
    out.evidence("taint flags", lines.join("\n"))
        .measure("taint", taint as f64, "bitmask")
}
