//! The published mark: the highest certificate number of each year the registry has handed out,
//! kept in a small file OUTSIDE the database, so that a database restored from an older backup
//! cannot issue a number a second time.
//!
//! Certificate numbers come from gap-free counters in the database. Restore a backup taken before
//! `MX-2026-000042` was issued and the counter says 41: the next approval would sign a second,
//! different `MX-2026-000042`, while the first is already in the hands of its vendor and in every
//! copy of the public exports. The mark remembers what was published. An approval checks its
//! number against it inside the issuing transaction (a number at or below the mark is refused,
//! `409 invalid_state` naming the mark) and raises it after the commit; on start the registry raises it
//! to what its database holds (a mark that lags, because a process died between a commit and the
//! write, catches up).
//!
//! The file is JSON (`{"version":1,"counters":{"MX-2026":42}}`), replaced atomically (temporary
//! file, fsync, rename, fsync of the directory) under an exclusive `flock` of `FILE.lock`, and
//! read afresh at every check: several registry processes configured with the same file (the
//! instances of one host, or a shared volume) see each other's marks. Instances on different
//! hosts each keep their own file: each refuses what it has seen published.
//!
//! The mark also holds the largest transparency-log tree the registry signed (`log`): a restored
//! database whose log is shorter would sign a different tree at a size already published, a
//! fork. On start such a database gets the mark recorded as a witness of the log
//! (`tlog_witness_state`), so the log refuses to sign any size up to it (409
//! `log_behind_witness`): no approval nor revocation until the operator acts.
//!
//! What it does not do: repair anything. After a refusal the operator either recovers the missing
//! certificates (a newer backup, the database that was lost) or knowingly moves past the mark;
//! both are in `docs/running-scale.md`, "Backups".

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The mark's counter for the largest signed tree size of the transparency log.
pub const LOG_SERIES: &str = "log";

/// The file's format version.
const VERSION: u32 = 1;

/// Why the mark could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum MarkError {
    #[error("failed to {action} the published mark {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the published mark {} is not a mark file: {message}", path.display())]
    Corrupt { path: PathBuf, message: String },
}

/// What the file holds.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MarkFile {
    version: u32,
    /// Highest number handed out, per certificate series (`MX-2026`).
    counters: BTreeMap<String, u64>,
}

/// A certificate id's series and number: `MX-2026-000042` -> (`MX-2026`, 42).
pub fn series_and_number(certificate_id: &str) -> Option<(&str, u64)> {
    let (series, number) = certificate_id.rsplit_once('-')?;
    let number = number.parse().ok()?;
    Some((series, number))
}

/// The published mark at one path.
#[derive(Debug, Clone)]
pub struct PublishedMark {
    path: PathBuf,
}

impl PublishedMark {
    /// The mark kept at `path` (created on the first raise).
    pub fn at(path: impl Into<PathBuf>) -> PublishedMark {
        PublishedMark { path: path.into() }
    }

    /// Where the mark of a SQLite database lives by default: beside it, `DB.published`. `None`
    /// for other databases (PostgreSQL has no file of its own to sit beside) and in-memory ones.
    pub fn default_for(database_url: &str) -> Option<PathBuf> {
        let rest = database_url.strip_prefix("sqlite:")?;
        let path = rest.strip_prefix("//").unwrap_or(rest);
        let path = path.split('?').next().unwrap_or(path);
        if path.is_empty() || path.contains(":memory:") {
            return None;
        }
        let mut file = PathBuf::from(path).into_os_string();
        file.push(".published");
        Some(file.into())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The highest number published in `series`, 0 when none.
    pub fn get(&self, series: &str) -> Result<u64, MarkError> {
        let _lock = self.lock()?;
        Ok(self.read()?.counters.get(series).copied().unwrap_or(0))
    }

    /// Refuses `certificate_id` when its number is at or below the mark of its series: the number
    /// was handed out before (by this database before it was restored, or by another).
    pub fn check(&self, certificate_id: &str) -> Result<(), String> {
        let Some((series, number)) = series_and_number(certificate_id) else {
            return Ok(());
        };
        let published = self.get(series).map_err(|e| e.to_string())?;
        if number <= published {
            return Err(format!(
                "refusing to issue certificate {certificate_id}: the registry already published \
                 {series} numbers up to {published:06} (published mark {}), so this database \
                 is older than what was published (restored from a backup?); see \
                 docs/running-scale.md, \"Backups\"",
                self.path.display()
            ));
        }
        Ok(())
    }

    /// Raises the mark of `certificate_id`'s series to its number (never lowers it).
    pub fn raise(&self, certificate_id: &str) -> Result<(), MarkError> {
        match series_and_number(certificate_id) {
            Some((series, number)) => self.raise_to(series, number),
            None => Ok(()),
        }
    }

    /// Raises the mark of `series` to `number` (never lowers it).
    pub fn raise_to(&self, series: &str, number: u64) -> Result<(), MarkError> {
        let _lock = self.lock()?;
        let mut mark = self.read()?;
        let current = mark.counters.entry(series.to_owned()).or_insert(0);
        if *current >= number {
            return Ok(());
        }
        *current = number;
        self.write(&mark)
    }

    /// Every series and its mark.
    pub fn all(&self) -> Result<BTreeMap<String, u64>, MarkError> {
        let _lock = self.lock()?;
        Ok(self.read()?.counters)
    }

    fn io(&self, action: &'static str) -> impl FnOnce(std::io::Error) -> MarkError + '_ {
        move |source| MarkError::Io {
            action,
            path: self.path.clone(),
            source,
        }
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.clone().into_os_string();
        name.push(suffix);
        name.into()
    }

    /// An exclusive `flock` of `FILE.lock`, held while reading and replacing the file.
    fn lock(&self) -> Result<nix::fcntl::Flock<std::fs::File>, MarkError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(self.sibling(".lock"))
            .map_err(self.io("open the lock of"))?;
        nix::fcntl::Flock::lock(file, nix::fcntl::FlockArg::LockExclusive)
            .map_err(|(_, errno)| self.io("lock")(std::io::Error::from(errno)))
    }

    fn read(&self) -> Result<MarkFile, MarkError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MarkFile {
                    version: VERSION,
                    counters: BTreeMap::new(),
                })
            }
            Err(e) => return Err(self.io("read")(e)),
        };
        let mark: MarkFile = serde_json::from_slice(&bytes).map_err(|e| MarkError::Corrupt {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        if mark.version != VERSION {
            return Err(MarkError::Corrupt {
                path: self.path.clone(),
                message: format!("version {} (this registry knows {VERSION})", mark.version),
            });
        }
        Ok(mark)
    }

    fn write(&self, mark: &MarkFile) -> Result<(), MarkError> {
        use std::os::unix::fs::OpenOptionsExt as _;
        let tmp = self.sibling(".tmp");
        let mut bytes = serde_json::to_vec(mark).map_err(|e| MarkError::Corrupt {
            path: self.path.clone(),
            message: e.to_string(),
        })?;
        bytes.push(b'\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(true)
            .write(true)
            .mode(0o600)
            .open(&tmp)
            .map_err(self.io("write"))?;
        file.write_all(&bytes).map_err(self.io("write"))?;
        file.sync_all().map_err(self.io("sync"))?;
        std::fs::rename(&tmp, &self.path).map_err(self.io("replace"))?;
        if let Some(dir) = self.path.parent() {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                dir
            };
            std::fs::File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(self.io("sync the directory of"))?;
        }
        Ok(())
    }
}

/// Opens the mark at `path` and raises it to every certificate counter and the log size of
/// `store` (a mark that lags its database catches up); a log behind the mark is recorded as seen
/// by a witness, so it signs nothing the mark covers; logs a warning for each series whose mark is above the
/// database's counter (the database is older than what was published: approvals in that series
/// will be refused until the operator acts).
pub async fn catch_up(
    store: &crate::store::Store,
    path: &Path,
) -> Result<PublishedMark, crate::state::StartError> {
    let mark = PublishedMark::at(path);
    for (series, number) in store.certificate_counters().await? {
        mark.raise_to(&series, number)?;
    }
    let log_size = match store.latest_checkpoint().await {
        Ok(c) => c.size,
        Err(crate::store::StoreError::NotFound(_)) => 0,
        Err(e) => return Err(e.into()),
    };
    mark.raise_to(LOG_SERIES, log_size)?;
    let published_log = mark.get(LOG_SERIES)?;
    if published_log > log_size {
        tracing::warn!(
            "the database's transparency log has {log_size} entries but a tree of              {published_log} was published (mark {}): the log will refuse to sign until the              operator acts",
            path.display()
        );
        store
            .record_witness_size(&format!("published mark {}", path.display()), published_log)
            .await?;
    }
    let held: BTreeMap<String, u64> = store.certificate_counters().await?.into_iter().collect();
    for (series, published) in mark.all()? {
        if series == LOG_SERIES {
            continue;
        }
        let in_db = held.get(&series).copied().unwrap_or(0);
        if published > in_db {
            tracing::warn!(
                "the database's last {series} certificate number is {in_db:06} but {published:06} \
                 was published (mark {}): it is older than what was published, and approvals in \
                 {series} will be refused",
                path.display()
            );
        }
    }
    Ok(mark)
}

/// Raises the mark's log size to the store's latest signed checkpoint, after a commit that
/// appended to the log; a failure is logged and caught up on the next start.
pub async fn raise_log(mark: Option<&PublishedMark>, store: &crate::store::Store) {
    let Some(mark) = mark else { return };
    match store.latest_checkpoint().await {
        Ok(c) => {
            if let Err(e) = mark.raise_to(LOG_SERIES, c.size) {
                tracing::error!("the log was signed at size {} but {e}", c.size);
            }
        }
        Err(e) => tracing::error!("failed to read the log's size for the published mark: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::{series_and_number, PublishedMark};

    #[test]
    fn the_mark_only_rises_and_refuses_what_it_passed() {
        let dir = tempfile::tempdir().unwrap();
        let mark = PublishedMark::at(dir.path().join("r.db.published"));
        assert_eq!(mark.get("MX-2026").unwrap(), 0);
        mark.check("MX-2026-000001").unwrap();
        mark.raise("MX-2026-000005").unwrap();
        mark.raise("MX-2026-000003").unwrap();
        assert_eq!(mark.get("MX-2026").unwrap(), 5);
        let e = mark.check("MX-2026-000005").unwrap_err();
        assert!(
            e.contains("already published MX-2026 numbers up to 000005"),
            "{e}"
        );
        mark.check("MX-2026-000006").unwrap();
        mark.check("MX-2027-000001").unwrap();
        // Another handle (another process) sees it.
        let other = PublishedMark::at(dir.path().join("r.db.published"));
        assert!(other.check("MX-2026-000004").is_err());
        std::fs::write(mark.path(), "not json").unwrap();
        let e = mark.get("MX-2026").unwrap_err().to_string();
        assert!(e.contains("is not a mark file"), "{e}");
    }

    #[test]
    fn ids_and_default_paths() {
        assert_eq!(series_and_number("MX-2026-000042"), Some(("MX-2026", 42)));
        assert_eq!(series_and_number("garbage"), None);
        assert_eq!(
            PublishedMark::default_for("sqlite:///var/lib/r.db?mode=rwc"),
            Some("/var/lib/r.db.published".into())
        );
        assert_eq!(PublishedMark::default_for("sqlite::memory:"), None);
        assert_eq!(PublishedMark::default_for("postgres://u@h/db"), None);
    }
}
