//! Backups: `admin backup` (an online, consistent copy of a live SQLite registry, keys included),
//! `admin restore` (puts a verified copy back) and `admin check` (verifies every stored envelope and
//! certificate of any database, SQLite or PostgreSQL: what to run after a `pg_restore`).
//!
//! The copy is made with SQLite's `VACUUM INTO`: one read transaction, so it is the database as of
//! one commit, taken while the registry keeps serving (WAL readers do not block the writer). Every
//! submission acknowledged before that commit is in the copy. The registry's signing key lives in
//! the database (`registry_keys`), so the copy holds it: it is created 0600. The published mark
//! (see [`crate::published`]) is deliberately not copied: it must outlive the database.

use std::path::{Path, PathBuf};

use mxcert_core::dsse::{
    self, CERTIFICATE_PAYLOAD_TYPE, REPORT_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE,
};
use mxcert_core::keys;
use sha2::{Digest as _, Sha256};

use crate::store::{col, Store, StoreError};

/// Why a backup, restore or check failed.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("failed to {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Refused(String),
    #[error("the database failed its check ({} problems): {}", .0.len(), .0.join("; "))]
    Problems(Vec<String>),
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BackupError {
    let path = path.to_owned();
    move |source| BackupError::Io {
        action,
        path,
        source,
    }
}

/// What a check found: counts of what verified.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CheckSummary {
    pub envelopes: u64,
    pub submissions: u64,
    pub certificates: u64,
    pub revocations: u64,
    /// The registry key's id.
    pub registry_keyid: String,
    /// The highest certificate number of each series.
    pub counters: Vec<(String, u64)>,
}

impl std::fmt::Display for CheckSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} envelopes, {} submissions, {} certificates and {} revocations verified; \
             registry key {}",
            self.envelopes,
            self.submissions,
            self.certificates,
            self.revocations,
            self.registry_keyid
        )?;
        for (series, n) in &self.counters {
            write!(f, "; {series} up to {n:06}")?;
        }
        Ok(())
    }
}

/// Envelopes read per query.
const PAGE: i64 = 256;

/// Verifies a database: every envelope's bytes hash to its address; every submission's envelope
/// verifies with its organisation's key; every certificate and revocation event with one of the
/// registry's keys; certificate numbers run from 1 to their counter with no gap; the registry has
/// one active key. Returns the counts, or every problem found.
pub async fn check(store: &Store) -> Result<CheckSummary, BackupError> {
    let mut problems = Vec::new();
    let mut summary = CheckSummary::default();
    let pool = store.pool();
    let registry_keys = sqlx::query("SELECT keyid, public_key_pem, active FROM registry_keys")
        .fetch_all(pool)
        .await
        .map_err(StoreError::from)?;
    let mut registry = Vec::new();
    for row in &registry_keys {
        let pem: String = col(row, "public_key_pem")?;
        let keyid: String = col(row, "keyid")?;
        match keys::public_key_from_pem(&pem) {
            Ok(k) => registry.push(k),
            Err(e) => problems.push(format!("registry key {keyid}: {e}")),
        }
        if col::<i64>(row, "active")? == 1 {
            if !summary.registry_keyid.is_empty() {
                problems.push("more than one active registry key".into());
            }
            summary.registry_keyid = keyid;
        }
    }
    if summary.registry_keyid.is_empty() {
        problems.push("no active registry key".into());
    }
    // Which key signed each submitted envelope.
    let mut submitter: std::collections::HashMap<String, (String, keys::VerifyingKey)> =
        std::collections::HashMap::new();
    for row in sqlx::query(
        "SELECT s.id, s.envelope_sha256, k.public_key_pem FROM submissions s \
         JOIN signing_keys k ON k.keyid = s.keyid",
    )
    .fetch_all(pool)
    .await
    .map_err(StoreError::from)?
    {
        let id: String = col(&row, "id")?;
        match keys::public_key_from_pem(&col::<String>(&row, "public_key_pem")?) {
            Ok(k) => {
                submitter.insert(col(&row, "envelope_sha256")?, (id, k));
            }
            Err(e) => problems.push(format!("submission {id}: its key: {e}")),
        }
    }
    let mut after = String::new();
    loop {
        let rows = sqlx::query(
            "SELECT sha256, payload_type, bytes FROM envelopes WHERE sha256 > $1 \
             ORDER BY sha256 LIMIT $2",
        )
        .bind(&after)
        .bind(PAGE)
        .fetch_all(pool)
        .await
        .map_err(StoreError::from)?;
        let Some(last) = rows.last() else { break };
        after = col(last, "sha256")?;
        for row in &rows {
            let sha: String = col(row, "sha256")?;
            let payload_type: String = col(row, "payload_type")?;
            let bytes: Vec<u8> = col(row, "bytes")?;
            summary.envelopes += 1;
            if hex::encode(Sha256::digest(&bytes)) != sha {
                problems.push(format!("envelope {sha}: its bytes hash to something else"));
                continue;
            }
            let envelope = match dsse::Envelope::from_json(&bytes) {
                Ok(e) => e,
                Err(e) => {
                    problems.push(format!("envelope {sha}: {e}"));
                    continue;
                }
            };
            let verified = match payload_type.as_str() {
                REPORT_PAYLOAD_TYPE => match submitter.get(&sha) {
                    Some((_, key)) => {
                        summary.submissions += 1;
                        envelope.verify(REPORT_PAYLOAD_TYPE, std::slice::from_ref(key))
                    }
                    // An envelope no submission points to (its transaction failed after it).
                    None => continue,
                },
                CERTIFICATE_PAYLOAD_TYPE => {
                    summary.certificates += 1;
                    envelope.verify(CERTIFICATE_PAYLOAD_TYPE, &registry)
                }
                REVOCATION_PAYLOAD_TYPE => {
                    summary.revocations += 1;
                    envelope.verify(REVOCATION_PAYLOAD_TYPE, &registry)
                }
                other => {
                    problems.push(format!("envelope {sha}: unknown payload type {other}"));
                    continue;
                }
            };
            if let Err(e) = verified {
                problems.push(format!("envelope {sha} ({payload_type}): {e}"));
            }
        }
    }
    let stored = u64::try_from(submitter.len()).unwrap_or(u64::MAX);
    if summary.submissions != stored {
        problems.push(format!(
            "{stored} submissions but {} of their envelopes",
            summary.submissions
        ));
    }
    // Certificate numbers: 1..=counter, each once.
    summary.counters = store.certificate_counters().await?;
    let mut numbers: std::collections::BTreeMap<String, Vec<u64>> = Default::default();
    for row in sqlx::query("SELECT id FROM certificates")
        .fetch_all(pool)
        .await
        .map_err(StoreError::from)?
    {
        let id: String = col(&row, "id")?;
        match crate::published::series_and_number(&id) {
            Some((series, n)) => numbers.entry(series.to_owned()).or_default().push(n),
            None => problems.push(format!("certificate {id}: not a certificate number")),
        }
    }
    for (series, counter) in &summary.counters {
        let mut got = numbers.remove(series).unwrap_or_default();
        got.sort_unstable();
        let want: Vec<u64> = (1..=*counter).collect();
        if got != want {
            problems.push(format!(
                "{series}: {} certificates for a counter at {counter} (numbers must run from 1 \
                 with no gap)",
                got.len()
            ));
        }
    }
    for series in numbers.keys() {
        problems.push(format!("{series}: certificates without a counter"));
    }
    problems.extend(store.community_counts_drift().await?);
    if problems.is_empty() {
        Ok(summary)
    } else {
        Err(BackupError::Problems(problems))
    }
}

/// The file of a `sqlite:` URL, or a refusal naming what to use instead.
pub fn sqlite_path(database_url: &str, what: &str) -> Result<PathBuf, BackupError> {
    let rest = database_url.strip_prefix("sqlite:").ok_or_else(|| {
        BackupError::Refused(format!(
            "{what} works on SQLite databases; for PostgreSQL use pg_dump and pg_restore, then \
             `mxcert-registry admin check` (docs/running-scale.md, \"Backups\")"
        ))
    })?;
    let path = rest.strip_prefix("//").unwrap_or(rest);
    let path = path.split('?').next().unwrap_or(path);
    if path.is_empty() || path.contains(":memory:") {
        return Err(BackupError::Refused(format!(
            "{what} needs a database file, not {database_url}"
        )));
    }
    Ok(PathBuf::from(path))
}

/// Creates an empty file with mode 0600 (it will hold the registry's private key), replacing
/// a leftover of an earlier attempt.
fn create_private(path: &Path) -> Result<(), BackupError> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let _ = std::fs::remove_file(path);
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io("create", path))?;
    Ok(())
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn sync_parent(path: &Path) -> Result<(), BackupError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("sync the directory of", path))
}

/// Opens a backup file read-only and checks it: SQLite's `integrity_check`, then [`check`].
pub async fn verify_file(path: &Path) -> Result<CheckSummary, BackupError> {
    if !path.is_file() {
        return Err(BackupError::Refused(format!(
            "failed to read the backup {}: no such file",
            path.display()
        )));
    }
    let url = format!("sqlite://{}?mode=ro", path.display());
    let store = Store::connect(&url).await?;
    let result = async {
        let row = sqlx::query("PRAGMA integrity_check")
            .fetch_one(store.pool())
            .await
            .map_err(StoreError::from)?;
        let verdict: String = col(&row, "integrity_check")?;
        if verdict != "ok" {
            return Err(BackupError::Problems(vec![format!(
                "SQLite integrity check: {verdict}"
            )]));
        }
        check(&store).await
    }
    .await;
    store.close().await;
    result
}

/// Copies the live SQLite database of `store` (at `database_url`) to `out`, consistently, while
/// it serves; verifies the copy; then moves it into place (never a half-written `out`).
pub async fn backup(
    store: &Store,
    database_url: &str,
    out: &Path,
) -> Result<CheckSummary, BackupError> {
    sqlite_path(database_url, "admin backup")?;
    let partial = sibling(out, ".partial");
    create_private(&partial)?;
    let path = partial
        .to_str()
        .ok_or_else(|| BackupError::Refused(format!("{} is not UTF-8", partial.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(path)
        .execute(store.pool())
        .await
        .map_err(StoreError::from)?;
    // A self-contained file (no `-wal` beside it), readable read-only.
    set_rollback_journal(&partial).await?;
    let summary = match verify_file(&partial).await {
        Ok(s) => s,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    std::fs::File::open(&partial)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", &partial))?;
    std::fs::rename(&partial, out).map_err(io("move the backup to", out))?;
    sync_parent(out)?;
    Ok(summary)
}

/// Puts the SQLite file at `path` in rollback-journal mode.
async fn set_rollback_journal(path: &Path) -> Result<(), BackupError> {
    use sqlx::ConnectOptions as _;
    let mut conn = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .connect()
        .await
        .map_err(StoreError::from)?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut conn)
        .await
        .map_err(StoreError::from)?;
    sqlx::Connection::close(conn)
        .await
        .map_err(StoreError::from)?;
    Ok(())
}

/// Whether a registry (or anyone) has the SQLite database at `path` open: leaving WAL mode needs
/// the only connection, so a refusal means another is open. On success the file is in rollback
/// journal mode with no `-wal` left, and nobody has it open.
async fn in_use(path: &Path) -> Result<bool, BackupError> {
    use sqlx::ConnectOptions as _;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .busy_timeout(std::time::Duration::ZERO);
    let mut conn = match options.connect().await {
        Ok(c) => c,
        Err(e) => return Err(StoreError::from(e).into()),
    };
    let mode: Result<(String,), _> = sqlx::query_as("PRAGMA journal_mode = DELETE")
        .fetch_one(&mut conn)
        .await;
    let _ = sqlx::Connection::close(conn).await;
    Ok(!matches!(mode, Ok((m,)) if m.eq_ignore_ascii_case("delete")))
}

/// Puts the backup `from` back as the SQLite database `database_url`: verifies it first; refuses
/// to replace an existing database unless `force`, and always refuses one that is open (a running
/// registry: stop it first). Returns what the backup holds.
pub async fn restore(
    from: &Path,
    database_url: &str,
    force: bool,
) -> Result<CheckSummary, BackupError> {
    let target = sqlite_path(database_url, "admin restore")?;
    let summary = verify_file(from).await?;
    if target.exists() {
        if !force {
            return Err(BackupError::Refused(format!(
                "{} exists; pass --force to replace it with the backup (stop the registry first)",
                target.display()
            )));
        }
        if in_use(&target).await? {
            return Err(BackupError::Refused(format!(
                "{} is open by another process (a running registry?): stop it before restoring",
                target.display()
            )));
        }
    }
    let tmp = sibling(&target, ".restoring");
    create_private(&tmp)?;
    std::fs::copy(from, &tmp).map_err(io("copy the backup to", &tmp))?;
    std::fs::File::open(&tmp)
        .and_then(|f| f.sync_all())
        .map_err(io("sync", &tmp))?;
    for stale in [sibling(&target, "-wal"), sibling(&target, "-shm")] {
        match std::fs::remove_file(&stale) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io("remove", &stale)(e)),
        }
    }
    std::fs::rename(&tmp, &target).map_err(io("move the backup to", &target))?;
    sync_parent(&target)?;
    Ok(summary)
}
