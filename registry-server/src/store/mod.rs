//! Storage: everything the registry keeps, behind one [`Store`] handle.
//!
//! The backend is chosen once from the database URL (`sqlite://PATH` or `postgres://...`). Queries
//! are written once, in the SQL both backends accept, with `$1` placeholders, and run through sqlx's
//! `Any` driver; what differs per backend (connection set-up, migrations, how write transactions
//! start and are serialised) lives behind the small [`Backend`] trait in [`sqlite`] and [`postgres`].
//! Each backend has its own migrations under `registry-server/migrations/<backend>/`.
//!
//! The store owns consistency: every write that the API acknowledges happens in one transaction
//! together with its audit-log row, and index rows (system, devices, results, checks) are derived
//! from the stored envelope in the same transaction. The public device index is the exception: a
//! submission is queued for it in that transaction and counted into it shortly after, many at a
//! time, by [`indexer`]. This module must not know about HTTP, roles
//! or tokens in the clear: callers pass an [`Actor`] for the audit log and hashes for tokens.

pub mod audit;
pub mod certificates;
pub mod community;
pub mod device_answer;
pub mod devices;
pub mod directory;
pub mod generation;
pub mod indexer;
pub mod key_challenges;
pub mod keys;
pub mod orgs;
pub mod postgres;
pub mod public_index;
pub mod public_systems;
mod records;
pub mod snapshot;
pub mod sqlite;
pub mod submissions;
pub mod tlog;
pub mod tokens;
pub mod web_sessions;
pub mod witnesses;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::{Any, AnyPool, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

pub use certificates::{IssuedCertificate, SignedRevocation};
pub use keys::StoredRegistryKey;
pub use records::*;
pub use submissions::{CreateOutcome, NewSubmission, NewSystem, SubmissionFilter};
pub use tokens::NewToken;
pub use web_sessions::{NewWebSession, WebSession};

/// Why a storage operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL {0:?}: use sqlite://PATH or postgres://USER@HOST/DB")]
    UnsupportedUrl(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("invalid state: {0}")]
    InvalidState(String),
    /// A rule refused the change (409 with this code).
    #[error("{message}")]
    Refused { code: &'static str, message: String },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The transparency log refused or failed an append, or does not verify.
    #[error("transparency log: {0}")]
    Log(String),
    #[error("corrupt row: {0}")]
    Corrupt(String),
    /// The shared transaction of a group commit failed (the message of its error).
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("cannot create the database file {} with mode 0600: {source}", path.display())]
    CreateFile {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}

impl StoreError {
    /// Whether the error is a unique-constraint violation (both backends).
    pub fn is_unique_violation(&self) -> bool {
        match self {
            StoreError::Database(sqlx::Error::Database(e)) => {
                matches!(e.kind(), sqlx::error::ErrorKind::UniqueViolation)
            }
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What differs between the SQLite and PostgreSQL backends.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// `sqlite` or `postgres`.
    fn name(&self) -> &'static str;
    /// This backend's migrations.
    fn migrator(&self) -> &'static sqlx::migrate::Migrator;
    /// Statements run on every new connection (pragmas, search path).
    fn connection_setup(&self) -> Vec<String>;
    /// The statement that opens a write transaction.
    fn begin_write(&self) -> &'static str;
    /// Whether writers must queue in-process (SQLite has one writer at a time).
    fn serialise_writes(&self) -> bool;
    /// Pool size.
    fn max_connections(&self) -> u32;
    /// Whether write transactions use a connection of their own (SQLite: its page cache is not
    /// invalidated by other connections' writes).
    fn dedicated_writer(&self) -> bool;
}

/// Who is acting, as recorded in the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `token` (an API token), `cli` (the `mxcert-registry admin` command) or `system`.
    pub kind: &'static str,
    /// The token id, or a fixed name for `cli` and `system`.
    pub id: String,
    pub org_id: Option<String>,
    pub role: Option<Role>,
    /// A human-readable name: the member's name, the token label, `mxcert-registry admin`.
    pub name: String,
}

impl Actor {
    /// The local administrator using the `mxcert-registry admin` command.
    pub fn cli() -> Actor {
        Actor {
            kind: "cli",
            id: "mxcert-registry-admin".into(),
            org_id: None,
            role: Some(Role::Admin),
            name: "mxcert-registry admin".into(),
        }
    }

    /// The registry itself (automated checks).
    pub fn system() -> Actor {
        Actor {
            kind: "system",
            id: "registry".into(),
            org_id: None,
            role: None,
            name: "registry".into(),
        }
    }
}

/// A handle on the database: cheap to clone, shared by all requests.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    /// Where write transactions run: `pool`, or one connection of its own (SQLite).
    writer: AnyPool,
    backend: Arc<dyn Backend>,
    write_lock: Option<Arc<Mutex<()>>>,
    /// Submissions waiting for the next group commit (backends with one writer).
    group_commit: Option<Arc<submissions::GroupQueue>>,
    /// Woken when a submission is queued for the public index ([`indexer`]).
    index_wake: Arc<tokio::sync::Notify>,
    /// The device facts of submissions stored by this process, for the indexer.
    index_facts: Arc<indexer::FactsCache>,
    /// The transparency log's key, once loaded ([`tlog`]).
    log: Arc<tokio::sync::OnceCell<Arc<tlog::LogKey>>>,
    /// Where issuing and revoking transactions fail on purpose (tests; [`Store::set_failpoint`]).
    failpoint: Arc<std::sync::Mutex<Option<&'static str>>>,
    /// Nanoseconds spent appending to the log in issuing and revoking transactions, in total
    /// (the approval benchmark's "log's share"; [`Store::log_append_time`]).
    log_nanos: Arc<std::sync::atomic::AtomicU64>,
    /// Raised after every committed write ([`generation`]).
    generation: generation::Generation,
}

/// A write transaction. On SQLite it also holds the in-process writer lock, released after the
/// transaction ends (fields drop in order: transaction first).
pub struct WriteTx {
    pub(crate) tx: Transaction<'static, Any>,
    _guard: Option<OwnedMutexGuard<()>>,
    generation: generation::Generation,
}

impl std::fmt::Debug for WriteTx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WriteTx")
    }
}

impl WriteTx {
    /// Commits, then raises the process's data generation (cached answers are now old).
    pub async fn commit(self) -> Result<()> {
        self.tx.commit().await?;
        self.generation.raise();
        Ok(())
    }

    /// Commits, keeping the writer lock (if any) for another transaction.
    pub(crate) async fn commit_keep_lock(self) -> Result<Option<OwnedMutexGuard<()>>> {
        let WriteTx {
            tx,
            _guard,
            generation,
        } = self;
        tx.commit().await?;
        generation.raise();
        Ok(_guard)
    }

    /// Rolls back, keeping the writer lock (if any) for another transaction.
    pub(crate) async fn rollback(self) -> Result<Option<OwnedMutexGuard<()>>> {
        let WriteTx { tx, _guard, .. } = self;
        tx.rollback().await?;
        Ok(_guard)
    }
}

impl Store {
    /// Connects to the database named by `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Connects without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        Store::connect_with(url, None).await
    }

    /// Connects with an optional PostgreSQL schema (created if missing) as the search path; tests
    /// use it to give every run its own schema.
    pub async fn connect_with(url: &str, pg_schema: Option<&str>) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let (backend, url): (Arc<dyn Backend>, String) =
            if let Some(rest) = url.strip_prefix("sqlite:") {
                let url = sqlite::normalise_url(rest);
                sqlite::secure_file(&url)?;
                let read_only = url.contains("mode=ro");
                (Arc::new(sqlite::Sqlite { read_only }), url)
            } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
                if let Some(schema) = pg_schema {
                    postgres::create_schema(url, schema).await?;
                }
                (
                    Arc::new(postgres::Postgres {
                        schema: pg_schema.map(str::to_owned),
                    }),
                    url.to_owned(),
                )
            } else {
                return Err(StoreError::UnsupportedUrl(url.to_owned()));
            };
        // One direct connection first: it fails fast with the real cause (refused, unknown
        // database, bad password) where the pool would only time out.
        sqlx::Connection::close(<sqlx::AnyConnection as sqlx::Connection>::connect(&url).await?)
            .await?;
        let setup = Arc::new(backend.connection_setup());
        let pool_of = |size: u32| {
            let setup = setup.clone();
            AnyPoolOptions::new()
                .max_connections(size)
                .acquire_timeout(std::time::Duration::from_secs(30))
                .after_connect(move |conn, _meta| {
                    let setup = setup.clone();
                    Box::pin(async move {
                        for statement in setup.iter() {
                            sqlx::Executor::execute(&mut *conn, statement.as_str()).await?;
                        }
                        Ok(())
                    })
                })
        };
        let pool = pool_of(backend.max_connections()).connect(&url).await?;
        let writer = if backend.dedicated_writer() {
            pool_of(1).connect(&url).await?
        } else {
            pool.clone()
        };
        let write_lock = backend.serialise_writes().then(|| Arc::new(Mutex::new(())));
        let group_commit = backend.serialise_writes().then(Arc::default);
        Ok(Store {
            pool,
            writer,
            backend,
            write_lock,
            group_commit,
            index_wake: Arc::default(),
            index_facts: Arc::default(),
            log: Arc::default(),
            failpoint: Arc::default(),
            log_nanos: Arc::default(),
            generation: Default::default(),
        })
    }

    /// Applies pending migrations of this backend, then rebuilds the public index if its rules
    /// changed (see [`public_index`]).
    pub async fn migrate(&self) -> Result<()> {
        self.backend.migrator().run(&self.writer).await?;
        self.ensure_public_index().await?;
        Ok(())
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    /// The pool, for read queries in other modules of this crate (and the public API later).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Opens a write transaction (queued behind other writers on SQLite).
    pub async fn begin_write(&self) -> Result<WriteTx> {
        let guard = match &self.write_lock {
            Some(lock) => Some(lock.clone().lock_owned().await),
            None => None,
        };
        let tx = self.writer.begin_with(self.backend.begin_write()).await?;
        Ok(WriteTx {
            tx,
            _guard: guard,
            generation: self.generation.clone(),
        })
    }

    /// Opens a write transaction with the writer lock already held.
    pub(crate) async fn begin_write_locked(&self, guard: OwnedMutexGuard<()>) -> Result<WriteTx> {
        let tx = self.writer.begin_with(self.backend.begin_write()).await?;
        Ok(WriteTx {
            tx,
            _guard: Some(guard),
            generation: self.generation.clone(),
        })
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
        self.writer.close().await;
    }
}

/// How precisely a token's `last_used_at` is kept: it is rewritten only when older than this.
pub const TOKEN_USE_PRECISION: chrono::Duration = chrono::Duration::minutes(5);

/// The current time, as stored.
pub fn now() -> DateTime<Utc> {
    Utc::now()
}

/// Formats a timestamp the way every column stores it: RFC 3339, UTC, microseconds, `Z`.
pub fn ts(t: DateTime<Utc>) -> String {
    mxcert_core::check::timestamp(t)
}

/// Parses a stored timestamp.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp {s:?}: {e}")))
}

/// A new UUIDv7 id as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Reads a column, naming it when the row does not fit.
pub(crate) fn col<'r, T>(row: &'r AnyRow, name: &str) -> Result<T>
where
    T: sqlx::Decode<'r, Any> + sqlx::Type<Any>,
{
    use sqlx::Row as _;
    row.try_get(name).map_err(StoreError::from)
}

/// On PostgreSQL, takes the transaction-scoped advisory lock `key` (per schema): what several
/// registry processes must not do at the same time waits here until the holder's transaction
/// ends. SQLite writers are serialised already; nothing to do there.
pub(crate) async fn lock_named(tx: &mut WriteTx, key: i64) -> Result<()> {
    if tx.tx.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended(current_schema(), $1))")
            .bind(key)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

/// Advances a named gap-free counter inside `tx` and returns its new value (1 for a new counter).
/// On PostgreSQL the upsert locks the row until the transaction ends, so numbers are handed out in
/// commit order.
pub(crate) async fn next_counter(tx: &mut WriteTx, name: &str) -> Result<i64> {
    let row = sqlx::query(
        "INSERT INTO counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = counters.value + 1 RETURNING value",
    )
    .bind(name)
    .fetch_one(&mut *tx.tx)
    .await?;
    col(&row, "value")
}
