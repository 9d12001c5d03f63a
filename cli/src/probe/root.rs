//! The root directory every probe read goes through: `/` on a live system, or a tree laid out like
//! `/` (a recording, a fixture). libudev ignores `SYSFS_PATH`, so everything that must work on a
//! recorded tree reads through a [`Root`].
//!
//! A root can keep an access log ([`Root::with_log`]): every file, link and directory the probe
//! touched, which `mxcert record` then copies. This module only reads; it never writes to the tree.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// What the probe touched, by absolute system path (`/sys/devices/.../uevent`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLog {
    /// Files whose contents were read (or attempted).
    pub files: BTreeSet<String>,
    /// Symlinks whose targets were read.
    pub links: BTreeSet<String>,
    /// Directories whose existence was checked and confirmed.
    pub dirs: BTreeSet<String>,
}

/// A directory laid out like `/`.
#[derive(Debug, Clone)]
pub struct Root {
    path: PathBuf,
    log: Option<Rc<RefCell<AccessLog>>>,
}

/// How a read failed, for notes: missing files are not failures.
pub type ReadResult<T> = io::Result<Option<T>>;

impl Root {
    /// The running system.
    pub fn live() -> Root {
        Root::at("/")
    }

    /// A tree laid out like `/` (e.g. a recording).
    pub fn at(path: impl Into<PathBuf>) -> Root {
        Root {
            path: path.into(),
            log: None,
        }
    }

    /// The same root, logging every access into `log`.
    pub fn with_log(&self, log: Rc<RefCell<AccessLog>>) -> Root {
        Root {
            path: self.path.clone(),
            log: Some(log),
        }
    }

    /// Whether this is the running system's `/`.
    pub fn is_live(&self) -> bool {
        self.path == Path::new("/")
    }

    /// The directory this root stands for.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The real path of an absolute system path such as `/sys/class/dmi/id/sys_vendor`.
    pub fn join(&self, system_path: &str) -> PathBuf {
        self.path.join(system_path.trim_start_matches('/'))
    }

    fn note_file(&self, system_path: &str) {
        if let Some(log) = &self.log {
            log.borrow_mut().files.insert(system_path.to_owned());
        }
    }

    /// Reads a whole file; `Ok(None)` when it does not exist.
    pub fn read(&self, system_path: &str) -> ReadResult<Vec<u8>> {
        self.note_file(system_path);
        match read_file(&self.join(system_path)) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if is_absent(&e) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Reads a small text attribute, trimmed (lossy UTF-8); `Ok(None)` when it does not exist.
    pub fn read_attr(&self, system_path: &str) -> ReadResult<String> {
        Ok(self
            .read(system_path)?
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned()))
    }

    /// The last component of a symlink's target (`driver` → `virtio-pci`); `None` when it is not a
    /// link or does not exist.
    pub fn link_name(&self, system_path: &str) -> Option<String> {
        let target = std::fs::read_link(self.join(system_path)).ok()?;
        if let Some(log) = &self.log {
            log.borrow_mut().links.insert(system_path.to_owned());
        }
        target.file_name().map(|n| n.to_string_lossy().into_owned())
    }

    /// Whether a path exists (following links).
    pub fn exists(&self, system_path: &str) -> bool {
        let exists = self.join(system_path).exists();
        if exists {
            if let Some(log) = &self.log {
                log.borrow_mut().dirs.insert(system_path.to_owned());
            }
        }
        exists
    }

    /// The names of the entries of a directory, sorted; empty when it does not exist.
    pub fn list(&self, system_path: &str) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.join(system_path)) else {
            return Vec::new();
        };
        let mut names: Vec<String> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// Reads a file with as few system calls as sysfs allows: attributes are at most a page and come
/// back whole from one `read`, so a read that does not fill the buffer ends the file (no `fstat`
/// for a size hint, no extra `read` to see the end). Other files are read the usual way.
fn read_file(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    if !path.starts_with("/sys/") {
        // Regular files (names databases, recordings) and procfs: std sizes the buffer.
        return std::fs::read(path);
    }
    let mut file = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 4096];
    let mut len = 0;
    loop {
        let n = match file.read(&mut buf[len..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        len += n;
        // A short read ends a sysfs attribute (binary ones, like the SMBIOS table, too).
        if n == 0 || len < buf.len() {
            break;
        }
        buf.resize(buf.len() * 2, 0);
    }
    buf.truncate(len);
    Ok(buf)
}

/// Errors that mean "there is no value here" rather than "something is wrong": the file does not
/// exist, or sysfs says the attribute has no value right now (`speed` of a link that is down).
pub fn is_absent(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::NotFound)
        || matches!(
            e.raw_os_error(),
            Some(libc::EINVAL)
                | Some(libc::ENODEV)
                | Some(libc::ENXIO)
                | Some(libc::EOPNOTSUPP)
                | Some(libc::ENODATA)
                | Some(libc::ENOTDIR)
        )
}
