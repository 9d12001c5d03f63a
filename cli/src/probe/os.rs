//! The operating system: `/etc/os-release` (or `/usr/lib/os-release`) and the kernel release.

use mxcert_core::inventory::Os;

use super::root::Root;

pub fn read(root: &Root, notes: &mut Vec<String>) -> Os {
    let mut os = Os::default();
    let text = ["/etc/os-release", "/usr/lib/os-release"]
        .iter()
        .find_map(|p| root.read_attr(p).ok().flatten());
    match text {
        Some(text) => {
            for line in text.lines() {
                let Some((k, v)) = line.split_once('=') else {
                    continue;
                };
                let v = unquote(v);
                match k.trim() {
                    "ID" => os.id = Some(v),
                    "VERSION_ID" => os.version = Some(v),
                    "PRETTY_NAME" => os.name = Some(v),
                    _ => {}
                }
            }
        }
        None => notes.push("/etc/os-release: not found".into()),
    }
    os.kernel = root.read_attr("/proc/sys/kernel/osrelease").ok().flatten();
    os.arch = Some(std::env::consts::ARCH.to_owned());
    os
}

fn unquote(v: &str) -> String {
    let v = v.trim();
    v.strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')))
        .unwrap_or(v)
        .to_owned()
}
