//! The root directory every probe read goes through: `/` on a live system, or a recorded tree.

use std::io;
use std::path::{Path, PathBuf};

/// A directory laid out like `/`.
#[derive(Debug, Clone)]
pub struct Root {
    path: PathBuf,
}

impl Root {
    /// The running system.
    pub fn live() -> Root {
        Root {
            path: PathBuf::from("/"),
        }
    }

    /// A tree laid out like `/` (e.g. a recording).
    pub fn at(path: impl Into<PathBuf>) -> Root {
        Root { path: path.into() }
    }

    /// The real path of an absolute system path such as `/sys/class/dmi/id/sys_vendor`.
    pub fn join(&self, system_path: &str) -> PathBuf {
        self.path.join(system_path.trim_start_matches('/'))
    }

    /// Reads a small text attribute, trimmed; `Ok(None)` when it does not exist.
    pub fn read_attr(&self, system_path: &str) -> io::Result<Option<String>> {
        read_trimmed(&self.join(system_path))
    }
}

/// Reads a file as trimmed text (lossy UTF-8); `Ok(None)` when it does not exist.
pub fn read_trimmed(path: &Path) -> io::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(String::from_utf8_lossy(&bytes).trim().to_owned())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}
