//! `virt.kvm`: hardware virtualisation works. Reads the CPU's `vmx`/`svm` flag
//! (`/proc/cpuinfo`) and the IOMMU groups (`/sys/kernel/iommu_groups`), opens `ROOT/dev/kvm`,
//! asks the KVM API version, then really runs a guest: one vCPU in 16-bit real mode runs a few
//! instructions that add 1 to 100, write the sum (5050) to I/O port 0xF4 and halt. The check
//! passes when the guest's answer arrives and is right.
//!
//! Bounded: at most 16 VM exits, and the guest runs on its own thread that gets 10 s; a guest
//! that does not finish is `timeout` (the thread is abandoned, the check process exits).
//! Skipped (with the reason) without `/dev/kvm`, or on a CPU architecture other than x86-64.

use std::time::Duration;

use mxcert_core::plan::params::VirtKvm;

use crate::root;
use crate::{Context, Outcome};

/// The guest program, 16-bit real mode, loaded at 0x1000:
/// ```text
/// mov cx, 100      b9 64 00
/// xor ax, ax       31 c0
/// add ax, cx       01 c8      <- loop
/// loop <add>       e2 fc
/// mov dx, 0xf4     ba f4 00
/// out dx, ax       ef
/// hlt              f4
/// ```
pub const GUEST: &[u8] = &[
    0xb9, 0x64, 0x00, 0x31, 0xc0, 0x01, 0xc8, 0xe2, 0xfc, 0xba, 0xf4, 0x00, 0xef, 0xf4,
];
/// The port the guest writes its answer to.
pub const PORT: u16 = 0xf4;
/// 1 + 2 + ... + 100.
pub const EXPECTED: u16 = 5050;
const GUEST_TIME: Duration = Duration::from_secs(10);

/// The virtualisation flag in `/proc/cpuinfo`'s first `flags` line.
fn cpu_flag(cpuinfo: &str) -> Option<&'static str> {
    let flags = cpuinfo
        .lines()
        .find(|l| l.starts_with("flags"))?
        .split_once(':')?
        .1;
    flags.split_whitespace().find_map(|f| match f {
        "vmx" => Some("vmx (Intel VT-x)"),
        "svm" => Some("svm (AMD-V)"),
        _ => None,
    })
}

pub fn run(p: &VirtKvm, ctx: &Context) -> Outcome {
    let mut out = Outcome::pass("");
    let cpuinfo = root::attr(&ctx.path("/proc/cpuinfo")).unwrap_or_default();
    let flag = cpu_flag(&cpuinfo);
    out.add_evidence(
        "cpu",
        flag.map_or("no vmx or svm flag in /proc/cpuinfo".to_owned(), |f| {
            format!("virtualisation flag: {f}")
        }),
    );
    let groups = root::dir_names(&ctx.path("/sys/kernel/iommu_groups")).len();
    out.add_measurement("iommu_groups", groups as f64, "groups");
    let dev = ctx.path("/dev/kvm");
    if !dev.exists() {
        let why = if flag.is_none() {
            "the CPU shows no virtualisation extensions (vmx/svm: disabled in the firmware setup, or a guest without nested virtualisation)"
        } else {
            "load the kvm_intel or kvm_amd module, or enable virtualisation in the firmware setup"
        };
        return with(out, Outcome::skip(format!("there is no /dev/kvm: {why}")));
    }
    let mut failures = Vec::new();
    if p.require_iommu && groups == 0 {
        failures.push(
            "no IOMMU groups (enable VT-d/AMD-Vi in the firmware setup and intel_iommu=on)"
                .to_owned(),
        );
    }
    match guest::run(&dev) {
        Err(e) => with(out, e),
        Ok(run) => {
            out.add_measurement("kvm_api_version", f64::from(run.api_version), "");
            out.add_measurement("max_vcpus", run.max_vcpus as f64, "vCPUs");
            out.add_measurement("guest_exits", f64::from(run.exits), "exits");
            out.add_evidence(
                "guest",
                format!(
                    "KVM API version {}; one vCPU in real mode summed 1..100 and wrote {} to port 0x{PORT:02x}, then halted after {} exits",
                    run.api_version, run.answer, run.exits
                ),
            );
            if run.answer != EXPECTED {
                failures.push(format!(
                    "the guest wrote {} instead of {EXPECTED}",
                    run.answer
                ));
            }
            let verdict = Outcome::pass_unless(
                &failures,
                format!(
                    "KVM API {}: a one-vCPU guest ran and computed {} correctly; {groups} IOMMU groups",
                    run.api_version, EXPECTED
                ),
            );
            with(out, verdict)
        }
    }
}

/// `verdict` with the evidence and measurements gathered in `found`.
fn with(found: Outcome, mut verdict: Outcome) -> Outcome {
    verdict.evidence.extend(found.evidence);
    verdict.measurements.extend(found.measurements);
    verdict
}

/// What the guest run showed.
#[derive(Debug)]
pub struct GuestRun {
    pub api_version: i32,
    pub max_vcpus: usize,
    pub answer: u16,
    pub exits: u32,
}

#[cfg(target_arch = "x86_64")]
mod guest {
    use std::alloc::{alloc_zeroed, dealloc, Layout};
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    use kvm_bindings::kvm_userspace_memory_region;
    use kvm_ioctls::{Kvm, VcpuExit};

    use super::{GuestRun, EXPECTED, GUEST, GUEST_TIME, PORT};
    use crate::Outcome;

    const MEM: usize = 0x4000;
    const LOAD: u64 = 0x1000;

    /// Page-aligned guest memory, freed on drop (after the VM that maps it: see `run_guest`).
    struct Memory(*mut u8, Layout);

    impl Memory {
        fn new() -> Option<Memory> {
            let layout = Layout::from_size_align(MEM, 4096).ok()?;
            // SAFETY: the layout has a non-zero size.
            #[allow(unsafe_code)]
            let ptr = unsafe { alloc_zeroed(layout) };
            (!ptr.is_null()).then_some(Memory(ptr, layout))
        }
    }

    impl Drop for Memory {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout, freed once.
            #[allow(unsafe_code)]
            unsafe {
                dealloc(self.0, self.1)
            }
        }
    }

    pub fn run(dev: &Path) -> Result<GuestRun, Outcome> {
        let path = CString::new(dev.as_os_str().as_bytes())
            .map_err(|_| Outcome::error("the /dev/kvm path holds a NUL byte"))?;
        let kvm = Kvm::new_with_path(&path)
            .map_err(|e| Outcome::fail(format!("/dev/kvm does not open: {e}")))?;
        let api_version = kvm.get_api_version();
        if api_version != 12 {
            return Err(Outcome::fail(format!(
                "the KVM API version is {api_version}, not 12"
            )));
        }
        let max_vcpus = kvm.get_max_vcpus();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(run_guest(&kvm));
        });
        let (answer, exits) = match rx.recv_timeout(GUEST_TIME) {
            Ok(r) => r?,
            Err(_) => {
                return Err(Outcome::timeout(format!(
                    "the guest did not halt within {} s",
                    GUEST_TIME.as_secs()
                )))
            }
        };
        Ok(GuestRun {
            api_version,
            max_vcpus,
            answer,
            exits,
        })
    }

    fn run_guest(kvm: &Kvm) -> Result<(u16, u32), Outcome> {
        let fail = |what: &str, e: kvm_ioctls::Error| Outcome::fail(format!("{what}: {e}"));
        let mem = Memory::new().ok_or_else(|| Outcome::error("no memory for the guest"))?;
        // SAFETY: `mem` is MEM bytes we own, and it outlives `vm` (declared after it, so
        // dropped before it).
        #[allow(unsafe_code)]
        let code = unsafe { std::slice::from_raw_parts_mut(mem.0, MEM) };
        let at = LOAD as usize;
        code[at..at + GUEST.len()].copy_from_slice(GUEST);
        let vm = kvm
            .create_vm()
            .map_err(|e| fail("KVM_CREATE_VM failed", e))?;
        let region = kvm_userspace_memory_region {
            slot: 0,
            guest_phys_addr: 0,
            memory_size: MEM as u64,
            userspace_addr: mem.0 as u64,
            flags: 0,
        };
        // SAFETY: the region is memory we own that lives longer than the VM (see above).
        #[allow(unsafe_code)]
        unsafe { vm.set_user_memory_region(region) }
            .map_err(|e| fail("KVM_SET_USER_MEMORY_REGION failed", e))?;
        let mut vcpu = vm
            .create_vcpu(0)
            .map_err(|e| fail("KVM_CREATE_VCPU failed", e))?;
        let mut sregs = vcpu
            .get_sregs()
            .map_err(|e| fail("KVM_GET_SREGS failed", e))?;
        sregs.cs.base = 0;
        sregs.cs.selector = 0;
        vcpu.set_sregs(&sregs)
            .map_err(|e| fail("KVM_SET_SREGS failed", e))?;
        let mut regs = vcpu
            .get_regs()
            .map_err(|e| fail("KVM_GET_REGS failed", e))?;
        regs.rip = LOAD;
        regs.rflags = 2;
        vcpu.set_regs(&regs)
            .map_err(|e| fail("KVM_SET_REGS failed", e))?;
        let mut answer = None;
        for exits in 1..=16u32 {
            match vcpu.run().map_err(|e| fail("KVM_RUN failed", e))? {
                VcpuExit::IoOut(port, data) if port == PORT && data.len() == 2 => {
                    answer = Some(u16::from_le_bytes([data[0], data[1]]));
                }
                VcpuExit::Hlt => {
                    return answer.map(|a| (a, exits)).ok_or_else(|| {
                        Outcome::fail("the guest halted without writing its answer")
                    })
                }
                other => {
                    return Err(Outcome::fail(format!(
                        "the guest stopped unexpectedly: {other:?} (expected a write of {EXPECTED} to port 0x{PORT:02x})"
                    )))
                }
            }
        }
        drop(vcpu);
        drop(vm);
        Err(Outcome::fail("the guest did not halt within 16 exits"))
    }
}

#[cfg(not(target_arch = "x86_64"))]
mod guest {
    use super::GuestRun;
    use crate::Outcome;

    pub fn run(_dev: &std::path::Path) -> Result<GuestRun, Outcome> {
        Err(Outcome::skip(
            "the guest program is x86-64 real mode; this CPU architecture is not supported yet",
        ))
    }
}
