//! Reading inputs and writing outputs safely: `-` means standard input or output, files are
//! written atomically (temporary file, fsync, rename) so a crash never leaves half a report, and
//! secrets are created with mode 0600 and never overwrite an existing file.

use std::fs;
use std::io::{self, Read, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use crate::error::{CliError, Result};

/// Reads a whole input; `-` reads standard input.
pub fn read_input(path: &Path) -> Result<Vec<u8>> {
    if path == Path::new("-") {
        let mut buf = Vec::new();
        io::stdin()
            .read_to_end(&mut buf)
            .map_err(|e| CliError::read(path, e))?;
        return Ok(buf);
    }
    fs::read(path).map_err(|e| CliError::read(path, e))
}

/// Reads a whole input as UTF-8 text.
pub fn read_text(path: &Path) -> Result<String> {
    String::from_utf8(read_input(path)?)
        .map_err(|e| CliError::parse(path, format!("not UTF-8 text: {e}")))
}

/// Writes `bytes` to `path` atomically, or to standard output when `path` is `None` or `-`.
pub fn write_output(path: Option<&Path>, bytes: &[u8]) -> Result<()> {
    match path {
        None => write_stdout(bytes),
        Some(p) if p == Path::new("-") => write_stdout(bytes),
        Some(p) => write_atomic(p, bytes, None),
    }
}

/// Writes to standard output; a closed pipe (`mxcert probe | head`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Environment(format!(
            "failed to write to standard output: {e}"
        ))),
    }
}

/// Writes a file atomically: a temporary file in the same directory, fsynced, then renamed over
/// the target, and the directory fsynced. `mode` sets the permissions of the new file.
pub fn write_atomic(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<()> {
    let dir = parent_dir(path);
    let name = path.file_name().ok_or_else(|| {
        CliError::Environment(format!(
            "failed to write {}: not a file name",
            path.display()
        ))
    })?;
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| -> io::Result<()> {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        opts.mode(mode.unwrap_or(0o644));
        let mut f = opts.open(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(&dir);
        Ok(())
    })();
    result.map_err(|e| {
        let _ = fs::remove_file(&tmp);
        CliError::write(path, e)
    })
}

/// Creates a new file that must not exist yet, with `mode`, and syncs it.
pub fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<()> {
    let mut f = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .map_err(|e| {
            if e.kind() == io::ErrorKind::AlreadyExists {
                CliError::Environment(format!(
                    "refusing to overwrite {}: it already exists",
                    path.display()
                ))
            } else {
                CliError::write(path, e)
            }
        })?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .map_err(|e| CliError::write(path, e))?;
    sync_dir(&parent_dir(path));
    Ok(())
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) {
    // Best effort: some filesystems refuse to fsync directories.
    if let Ok(d) = fs::File::open(dir) {
        let _ = d.sync_all();
    }
}
