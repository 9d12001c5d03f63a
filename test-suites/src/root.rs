//! Reads of system files through a root directory, so every check can run against a fixture
//! tree laid out like `/` as well as against the live machine.

use std::io;
use std::path::{Path, PathBuf};

/// The real path of an absolute system path such as `/sys/class/net` under `root`.
pub fn join(root: &Path, system_path: &str) -> PathBuf {
    root.join(system_path.trim_start_matches('/'))
}

/// A small text file, trimmed (lossy UTF-8); `Ok(None)` when it does not exist.
pub fn read_trimmed(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).trim().to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A small text attribute, trimmed; `None` when missing or unreadable.
pub fn attr(path: &Path) -> Option<String> {
    read_trimmed(path).ok().flatten()
}

/// A numeric attribute.
pub fn attr_i64(path: &Path) -> Option<i64> {
    attr(path)?.parse().ok()
}

/// The names in a directory, sorted; empty when it does not exist or cannot be read.
pub fn dir_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// The last component of a symlink's target (e.g. the driver name from `device/driver`).
pub fn link_name(path: &Path) -> Option<String> {
    std::fs::read_link(path)
        .ok()?
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
}
