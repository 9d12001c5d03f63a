//! Parsers for the `/proc` text files the probe reads: `cpuinfo` (processor model, topology,
//! microcode, the flags that matter for compatibility), `meminfo` (total memory) and a process's
//! `stat` (state, process group and start time: how the runner recognises a check process that
//! outlived its session without mistaking a reused pid for it).
//!
//! Text in, data out. `cpuinfo` is read for x86 (`model name`, `flags`) and arm64 (`CPU
//! implementer`, `CPU part`, `Features`) layouts; per-board `Serial` lines (Raspberry Pi) are never
//! read.

use std::collections::BTreeSet;

use crate::inventory::Cpu;

/// The x86 and arm64 flags worth recording: virtualisation, vector and crypto extensions,
/// security features, and whether the machine is a virtual one.
const RELEVANT_FLAGS: &[&str] = &[
    "aes",
    "asimd",
    "atomics",
    "avx",
    "avx2",
    "avx512f",
    "avx512bw",
    "avx512vl",
    "avx_vnni",
    "crc32",
    "hypervisor",
    "lm",
    "nx",
    "pclmulqdq",
    "rdrand",
    "rdseed",
    "sha1",
    "sha2",
    "sha_ni",
    "sgx",
    "smap",
    "smep",
    "sse4_2",
    "sve",
    "sve2",
    "svm",
    "vaes",
    "vmx",
];

/// Parses `/proc/cpuinfo`. Returns `None` when no processor is listed.
pub fn cpuinfo(text: &str) -> Option<Cpu> {
    let mut cpu = Cpu::default();
    let mut threads = 0u32;
    let mut sockets = BTreeSet::new();
    let mut cores_per_socket: Option<u32> = None;
    let mut core_ids = BTreeSet::new();
    let mut physical: Option<String> = None;
    let mut flags = BTreeSet::new();
    let mut implementer: Option<String> = None;
    let mut part: Option<String> = None;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" => {
                threads += 1;
                physical = None;
            }
            "vendor_id" if cpu.vendor.is_none() => cpu.vendor = Some(value.to_owned()),
            "model name" if cpu.model.is_none() && !value.is_empty() => {
                cpu.model = Some(value.split_whitespace().collect::<Vec<_>>().join(" "))
            }
            "microcode" if cpu.microcode.is_none() => cpu.microcode = Some(value.to_owned()),
            "physical id" => {
                sockets.insert(value.to_owned());
                physical = Some(value.to_owned());
            }
            "core id" => {
                core_ids.insert((physical.clone(), value.to_owned()));
            }
            "cpu cores" if cores_per_socket.is_none() => cores_per_socket = value.parse().ok(),
            "flags" | "Features" => {
                for f in value.split_whitespace() {
                    if RELEVANT_FLAGS.contains(&f) {
                        flags.insert(f.to_owned());
                    }
                }
            }
            "CPU implementer" if implementer.is_none() => implementer = Some(value.to_owned()),
            "CPU part" if part.is_none() => part = Some(value.to_owned()),
            _ => {}
        }
    }
    if threads == 0 {
        return None;
    }
    if let Some(imp) = implementer.as_deref() {
        let imp = parse_hex(imp);
        if cpu.vendor.is_none() {
            cpu.vendor = imp.and_then(arm_implementer).map(str::to_owned);
        }
        if cpu.model.is_none() {
            cpu.model = match (imp, part.as_deref().and_then(parse_hex)) {
                (Some(0x41), Some(p)) => arm_part(p).map(str::to_owned),
                _ => None,
            };
        }
    }
    let socket_count = u32::try_from(sockets.len()).unwrap_or(u32::MAX).max(1);
    cpu.sockets = Some(socket_count);
    cpu.threads = Some(threads);
    cpu.cores = match cores_per_socket {
        Some(c) => Some(c.saturating_mul(socket_count)),
        None if !core_ids.is_empty() => u32::try_from(core_ids.len()).ok(),
        None => Some(threads),
    };
    cpu.flags = flags.into_iter().collect();
    Some(cpu)
}

fn parse_hex(s: &str) -> Option<u32> {
    u32::from_str_radix(s.trim().trim_start_matches("0x"), 16).ok()
}

/// Arm implementer codes (Arm ARM, MIDR_EL1).
fn arm_implementer(code: u32) -> Option<&'static str> {
    Some(match code {
        0x41 => "ARM",
        0x42 => "Broadcom",
        0x43 => "Cavium",
        0x46 => "Fujitsu",
        0x48 => "HiSilicon",
        0x4e => "NVIDIA",
        0x50 => "Applied Micro",
        0x51 => "Qualcomm",
        0x61 => "Apple",
        0x6d => "Microsoft",
        0xc0 => "Ampere",
        _ => return None,
    })
}

/// Part numbers of Arm's own cores.
fn arm_part(part: u32) -> Option<&'static str> {
    Some(match part {
        0xd03 => "Cortex-A53",
        0xd04 => "Cortex-A35",
        0xd05 => "Cortex-A55",
        0xd07 => "Cortex-A57",
        0xd08 => "Cortex-A72",
        0xd09 => "Cortex-A73",
        0xd0a => "Cortex-A75",
        0xd0b => "Cortex-A76",
        0xd0c => "Neoverse-N1",
        0xd0d => "Cortex-A77",
        0xd40 => "Neoverse-V1",
        0xd41 => "Cortex-A78",
        0xd44 => "Cortex-X1",
        0xd46 => "Cortex-A510",
        0xd47 => "Cortex-A710",
        0xd48 => "Cortex-X2",
        0xd49 => "Neoverse-N2",
        0xd4f => "Neoverse-V2",
        _ => return None,
    })
}

/// `MemTotal` from `/proc/meminfo`, in bytes.
pub fn mem_total_bytes(text: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
    let mut parts = line["MemTotal:".len()..].split_whitespace();
    let value: u64 = parts.next()?.parse().ok()?;
    match parts.next() {
        Some("kB") | None => value.checked_mul(1024),
        Some(_) => None,
    }
}

/// What the runner needs from `/proc/PID/stat`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PidStat {
    /// Field 3: `R`, `S`, `D`, `Z` (zombie), ...
    pub state: char,
    /// Field 5: the process group id.
    pub pgrp: i32,
    /// Field 22: when the process started, in clock ticks after boot. A pid can be reused; a pid
    /// with the same start time is the same process.
    pub start_time: u64,
}

impl PidStat {
    /// Whether the process has ended (a zombie waiting to be reaped, or dead).
    pub fn ended(&self) -> bool {
        matches!(self.state, 'Z' | 'X' | 'x')
    }
}

/// Parses `/proc/PID/stat`. The command name (field 2) is in parentheses and may hold spaces and
/// parentheses itself, so the fields are counted after its last `)`.
pub fn pid_stat(text: &str) -> Option<PidStat> {
    let (_, rest) = text.rsplit_once(')')?;
    let fields: Vec<&str> = rest.split_whitespace().take(20).collect();
    // fields[0] is field 3.
    let state = fields.first()?.chars().next()?;
    Some(PidStat {
        state,
        pgrp: fields.get(2)?.parse().ok()?,
        start_time: fields.get(19)?.parse().ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_cpuinfo() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) Ultra 7 155H\nmicrocode\t: 0x20\nphysical id\t: 0\ncore id\t\t: 0\ncpu cores\t: 2\nflags\t\t: fpu vme avx2 vmx aes hypervisor\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\nphysical id\t: 0\ncore id\t\t: 1\ncpu cores\t: 2\n\n";
        let cpu = cpuinfo(text).unwrap();
        assert_eq!(cpu.vendor.as_deref(), Some("GenuineIntel"));
        assert_eq!(cpu.model.as_deref(), Some("Intel(R) Core(TM) Ultra 7 155H"));
        assert_eq!(cpu.microcode.as_deref(), Some("0x20"));
        assert_eq!(
            (cpu.sockets, cpu.cores, cpu.threads),
            (Some(1), Some(2), Some(2))
        );
        assert_eq!(cpu.flags, ["aes", "avx2", "hypervisor", "vmx"]);
    }

    #[test]
    fn arm64_cpuinfo() {
        let text = "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd08\nCPU revision\t: 3\n\nprocessor\t: 1\nCPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nSerial\t\t: 10000000abcdef01\n";
        let cpu = cpuinfo(text).unwrap();
        assert_eq!(cpu.vendor.as_deref(), Some("ARM"));
        assert_eq!(cpu.model.as_deref(), Some("Cortex-A72"));
        assert_eq!((cpu.threads, cpu.cores), (Some(2), Some(2)));
        assert_eq!(cpu.flags, ["asimd", "crc32"]);
        assert!(!format!("{cpu:?}").contains("abcdef01"));
    }

    #[test]
    fn meminfo_and_garbage() {
        assert_eq!(
            mem_total_bytes("MemTotal:       24683652 kB\nMemFree: 1 kB\n"),
            Some(24683652 * 1024)
        );
        assert_eq!(mem_total_bytes("MemTotal: lots\n"), None);
        assert_eq!(cpuinfo(""), None);
        assert_eq!(cpuinfo("\u{0}\u{ff}:::"), None);
    }

    #[test]
    fn pid_stat_counts_fields_after_the_last_parenthesis() {
        // A real line (Linux 6.x), with a command name holding ") (" and spaces.
        let text = "4242 (a) (b c) S 1 4242 4242 0 -1 4194368 99 0 0 0 1 2 0 0 20 0 1 0 1234567 2433024 172 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
        assert_eq!(
            pid_stat(text),
            Some(PidStat {
                state: 'S',
                pgrp: 4242,
                start_time: 1234567
            })
        );
        assert!(!pid_stat(text).unwrap().ended());
        assert!(pid_stat(&text.replace(") S ", ") Z ")).unwrap().ended());
        assert_eq!(pid_stat("4242 (a) S 1 4242"), None);
        assert_eq!(pid_stat("no parenthesis"), None);
        assert_eq!(pid_stat(""), None);
    }
}
