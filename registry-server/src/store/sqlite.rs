//! The SQLite backend (the embedded default): a file in WAL mode with `synchronous=FULL`, so an
//! acknowledged write survives a crash or power loss, a busy timeout for other processes (the
//! `admin` command while `serve` runs), and one writer at a time (`BEGIN IMMEDIATE` on one
//! dedicated connection, behind an in-process queue) so writers never fail with "database is
//! locked" and the writer's page cache stays warm. Statement journals live in memory.
//!
//! The file holds the registry's private key: [`secure_file`] creates it with mode 0600 before
//! SQLite opens it (SQLite gives the `-wal` and `-shm` files the main file's mode, whatever the
//! umask), and warns when an existing one is open to group or others.

use std::path::Path;

use super::{Backend, StoreError};

/// The SQLite backend.
#[derive(Debug, Clone, Copy)]
pub struct Sqlite {
    /// Opened with `mode=ro` (a backup being verified): nothing is written, not even the
    /// journal mode.
    pub read_only: bool,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl Backend for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        &MIGRATOR
    }

    fn connection_setup(&self) -> Vec<String> {
        if self.read_only {
            return vec!["PRAGMA busy_timeout = 10000".into()];
        }
        [
            "PRAGMA busy_timeout = 10000",
            "PRAGMA journal_mode = WAL",
            "PRAGMA synchronous = FULL",
            "PRAGMA foreign_keys = ON",
            // Statement journals and sorts in memory, not in temporary files.
            "PRAGMA temp_store = MEMORY",
            // 16 MiB of page cache per connection (the default is 2 MiB).
            "PRAGMA cache_size = -16384",
            // Checkpoint every ~40 MiB of WAL rather than every 4 MiB: fewer, larger checkpoints.
            "PRAGMA wal_autocheckpoint = 10000",
        ]
        .map(str::to_owned)
        .to_vec()
    }

    fn begin_write(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn serialise_writes(&self) -> bool {
        true
    }

    fn max_connections(&self) -> u32 {
        8
    }

    fn dedicated_writer(&self) -> bool {
        true
    }
}

/// Turns the part after `sqlite:` into a URL that creates the file when missing
/// (`sqlite://reg.db` -> `sqlite://reg.db?mode=rwc`).
pub fn normalise_url(rest: &str) -> String {
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.contains("mode=") {
        format!("sqlite://{path}")
    } else if path.contains('?') {
        format!("sqlite://{path}&mode=rwc")
    } else {
        format!("sqlite://{path}?mode=rwc")
    }
}

/// Readable or writable by group or others.
const OPEN_TO_OTHERS: u32 = 0o077;

/// For the (normalised) URL of a database file: creates the file with mode 0600 when it is
/// missing and the URL asks for creation, and logs a warning naming each of the file, its `-wal`
/// and its `-shm` that exists with a mode open to group or others. In-memory databases are left
/// alone.
pub fn secure_file(url: &str) -> Result<(), StoreError> {
    let params = url.split_once('?').map_or("", |(_, q)| q);
    let mode_is = |m: &str| params.split('&').any(|p| p == format!("mode={m}"));
    if mode_is("memory") {
        return Ok(());
    }
    let options: sqlx::sqlite::SqliteConnectOptions = url.parse()?;
    let path = options.get_filename();
    if path.as_os_str().is_empty() || path.to_string_lossy().starts_with("file:sqlx-in-memory") {
        return Ok(());
    }
    if mode_is("rwc") {
        create_private(path)?;
    }
    for file in [
        path.to_owned(),
        suffixed(path, "-wal"),
        suffixed(path, "-shm"),
    ] {
        if let Some(mode) = file_mode(&file) {
            if mode & OPEN_TO_OTHERS != 0 {
                tracing::warn!(
                    "the database file {} has mode {mode:04o}: group or others may read or \
                     write it, and it holds the registry's private key (chmod 600 it)",
                    file.display()
                );
            }
        }
    }
    Ok(())
}

fn suffixed(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// Creates an empty file (an empty SQLite database) with mode 0600 unless it exists.
#[cfg(unix)]
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(source) => Err(StoreError::CreateFile {
            path: path.to_owned(),
            source,
        }),
    }
}

#[cfg(not(unix))]
fn create_private(_: &Path) -> Result<(), StoreError> {
    Ok(())
}

/// The permission bits of an existing file.
#[cfg(unix)]
fn file_mode(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> Option<u32> {
    None
}

#[cfg(test)]
mod tests {
    use super::{normalise_url, secure_file};

    #[test]
    fn memory_databases_make_no_file_and_a_missing_directory_is_named() {
        for url in [":memory:", "//:memory:", "//?mode=memory"] {
            secure_file(&normalise_url(url)).unwrap();
        }
        assert!(!std::path::Path::new(":memory:").exists());
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing/r.db");
        let e = secure_file(&normalise_url(&format!("//{}", path.display()))).unwrap_err();
        assert!(
            e.to_string().starts_with(&format!(
                "cannot create the database file {} with mode 0600: ",
                path.display()
            )),
            "{e}"
        );
        // Read-only URLs do not create.
        let path = dir.path().join("ro.db");
        secure_file(&normalise_url(&format!("//{}?mode=ro", path.display()))).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn urls_create_the_file_unless_told_otherwise() {
        assert_eq!(normalise_url("//reg.db"), "sqlite://reg.db?mode=rwc");
        assert_eq!(normalise_url("///tmp/x.db"), "sqlite:///tmp/x.db?mode=rwc");
        assert_eq!(normalise_url("//x.db?mode=ro"), "sqlite://x.db?mode=ro");
        assert_eq!(
            normalise_url("x.db?cache=shared"),
            "sqlite://x.db?cache=shared&mode=rwc"
        );
    }
}
