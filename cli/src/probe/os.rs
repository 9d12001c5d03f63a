//! The operating system: `os-release` (parsed by [`mxcert_core::os_release`]), the kernel release
//! and the architecture, from `/proc/sys/kernel`.

use mxcert_core::inventory::Os;

use super::root::Root;

pub fn read(root: &Root, notes: &mut Vec<String>) -> Os {
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| root.read_attr(p).ok().flatten());
    let mut os = match text {
        Some(text) => mxcert_core::os_release::parse(&text),
        None => {
            notes.push("/etc/os-release: not found".into());
            Os::default()
        }
    };
    os.kernel = root.read_attr("/proc/sys/kernel/osrelease").ok().flatten();
    os.arch = root
        .read_attr("/proc/sys/kernel/arch")
        .ok()
        .flatten()
        // Kernels before 6.1 have no `arch` sysctl; the running system's is this build's.
        .or_else(|| root.is_live().then(|| std::env::consts::ARCH.to_owned()));
    os
}
