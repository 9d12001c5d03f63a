//! The transparency log's storage (issue 16): entries, complete-subtree hashes and signed
//! checkpoints, appended in the transaction that issues or revokes a certificate.
//!
//! Leaf `i` is the certificate event with sequence number `i + 1`: the exact bytes of its
//! registry-signed certificate or revocation envelope. Every append writes the entry, the
//! subtree hashes it completes ([`merkle::new_subtrees`]) and a checkpoint signed with the log's
//! own Ed25519 key for the new size; the tables refuse UPDATE and DELETE (triggers, migration
//! `0010_transparency_log`). Appends are serialised by the writer: on SQLite the single writer,
//! on PostgreSQL the row lock on `counters('certificate-events')` that the event's number takes
//! and keeps until commit, across every process sharing the database.
//!
//! Proofs and roots read `O(log n)` hashes: the Merkle arithmetic in `mxcert_core::tlog` asks a
//! [`merkle::HashReader`], which here is answered in two passes (record the ids, fetch them in
//! one query, compute).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use mxcert_core::keys;
use mxcert_core::tlog::checkpoint::Checkpoint;
use mxcert_core::tlog::merkle::{self, Hash, HashReader, SubtreeId, TreeError};
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::tile::{self, Tile};
use sqlx::Any;

use super::{col, now, ts, Result, Store, StoreError, WriteTx};

/// The origin of a log whose registry has no public URL configured.
pub const FALLBACK_ORIGIN: &str = "mxcert-registry.invalid/log";

/// The log's signing key and origin line.
pub struct LogKey {
    pub origin: String,
    key: keys::SigningKey,
    pub vkey: VerifierKey,
}

impl std::fmt::Debug for LogKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogKey")
            .field("origin", &self.origin)
            .field("vkey", &self.vkey)
            .finish_non_exhaustive()
    }
}

impl LogKey {
    /// Signs the checkpoint of a tree of `size` leaves with root `root`.
    pub fn sign(&self, size: u64, root: Hash) -> Result<String> {
        let checkpoint = Checkpoint {
            origin: self.origin.clone(),
            size,
            root,
            extensions: vec![],
        };
        checkpoint
            .sign(&self.origin, &self.key)
            .map_err(|e| StoreError::Log(format!("cannot sign the checkpoint: {e}")))
    }
}

/// The default origin line: the public URL without its scheme, then `/log`
/// (`https://registro.mxos.mx` gives `registro.mxos.mx/log`).
pub fn default_origin(public_url: Option<&str>) -> String {
    let Some(url) = public_url else {
        return FALLBACK_ORIGIN.to_owned();
    };
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || !mxcert_core::tlog::note::is_valid_name(rest) {
        return FALLBACK_ORIGIN.to_owned();
    }
    format!("{rest}/log")
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    /// The signed note (C2SP tlog-checkpoint), with any witness cosignatures appended.
    pub note: String,
}

/// Steps of an issuing or revoking transaction where a test can make it fail
/// ([`Store::set_failpoint`]).
pub const FAILPOINTS: &[&str] = &[
    "certificate",
    "event",
    "log.entry",
    "log.hashes",
    "log.checkpoint",
    "commit",
];

impl Store {
    /// Test hook: makes the next issuing or revoking transactions fail at `step` (one of
    /// [`FAILPOINTS`]), or never with `None`.
    #[doc(hidden)]
    pub fn set_failpoint(&self, step: Option<&'static str>) {
        *self.failpoint.lock().unwrap_or_else(|e| e.into_inner()) = step;
    }

    /// Fails when the failpoint is set to `step`.
    pub(crate) fn failpoint(&self, step: &'static str) -> Result<()> {
        let set = *self.failpoint.lock().unwrap_or_else(|e| e.into_inner());
        if set == Some(step) {
            return Err(StoreError::Log(format!("failpoint {step}")));
        }
        Ok(())
    }

    /// Loads the log key, making it (with `origin`, and the checkpoint of the empty tree) when
    /// the log is new. A stored origin different from an explicitly configured one is an error:
    /// a log's origin never changes.
    pub async fn init_log(&self, origin: Option<&str>) -> Result<Arc<LogKey>> {
        let key = match self.load_log_key().await? {
            Some(k) => k,
            None => {
                self.create_log_key(origin.unwrap_or(FALLBACK_ORIGIN))
                    .await?
            }
        };
        if let Some(origin) = origin {
            if key.origin != origin {
                return Err(StoreError::Log(format!(
                    "the log was created with origin {:?}, and a log's origin never changes; \
                     remove the log origin setting {origin:?} or set it to the stored one",
                    key.origin
                )));
            }
        }
        let key = self.log.get_or_init(|| async { Arc::new(key) }).await;
        Ok(key.clone())
    }

    /// The log key (made with the fallback origin if the log is new).
    pub async fn log_key(&self) -> Result<Arc<LogKey>> {
        if let Some(k) = self.log.get() {
            return Ok(k.clone());
        }
        self.init_log(None).await
    }

    async fn load_log_key(&self) -> Result<Option<LogKey>> {
        let row = sqlx::query("SELECT origin, private_key_pem FROM tlog_key WHERE id = 1")
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else { return Ok(None) };
        let origin: String = col(&row, "origin")?;
        let pem: String = col(&row, "private_key_pem")?;
        let key = keys::private_key_from_pem(&pem)
            .map_err(|e| StoreError::Corrupt(format!("the log key: {e}")))?;
        let vkey = VerifierKey::new(&origin, key.verifying_key())
            .map_err(|e| StoreError::Corrupt(format!("the log origin {origin:?}: {e}")))?;
        Ok(Some(LogKey { origin, key, vkey }))
    }

    async fn create_log_key(&self, origin: &str) -> Result<LogKey> {
        let key = keys::generate(&mut rand_core::OsRng);
        let vkey = VerifierKey::new(origin, key.verifying_key())
            .map_err(|e| StoreError::Log(format!("log origin {origin:?}: {e}")))?;
        let pem = keys::private_key_to_pem(&key)
            .map_err(|e| StoreError::Log(format!("cannot encode the log key: {e}")))?;
        let made = LogKey {
            origin: origin.to_owned(),
            key,
            vkey,
        };
        let mut tx = self.begin_write().await?;
        let inserted = sqlx::query(
            "INSERT INTO tlog_key (id, origin, private_key_pem, vkey, created_at) \
             VALUES (1, $1, $2, $3, $4) ON CONFLICT (id) DO NOTHING",
        )
        .bind(origin)
        .bind(pem.as_str())
        .bind(made.vkey.to_string())
        .bind(ts(now()))
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if inserted == 1 {
            let empty = made.sign(0, merkle::EMPTY_ROOT)?;
            insert_checkpoint(&mut tx, 0, &empty).await?;
        }
        tx.commit().await?;
        self.load_log_key()
            .await?
            .ok_or_else(|| StoreError::Corrupt("the log key vanished".into()))
    }

    /// Appends the certificate events that are not in the log yet (a registry upgraded from
    /// before the log), in one transaction with one checkpoint. Returns how many.
    pub async fn catch_up_log(&self) -> Result<u64> {
        let key = self.log_key().await?;
        let events: i64 = col(
            &sqlx::query("SELECT COALESCE(MAX(seq), 0) AS n FROM certificate_events")
                .fetch_one(&self.pool)
                .await?,
            "n",
        )?;
        let size: i64 = col(
            &sqlx::query("SELECT COUNT(*) AS n FROM tlog_entries")
                .fetch_one(&self.pool)
                .await?,
            "n",
        )?;
        if events <= size {
            return Ok(0);
        }
        let mut tx = self.begin_write().await?;
        let before = log_size(&mut tx).await?;
        let added = self.append_missing(&mut tx, &key, events).await?;
        if added > 0 {
            self.sign_for_size(&mut tx, &key, before + added).await?;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Appends event `seq` (with `bytes`, its envelope) in `tx`, catching up on any earlier
    /// event missing from the log, and signs the checkpoint of the new size. The time it takes
    /// is added to [`Store::log_append_time`].
    pub(crate) async fn append_to_log(
        &self,
        tx: &mut WriteTx,
        key: &LogKey,
        seq: i64,
        bytes: &[u8],
    ) -> Result<()> {
        let started = std::time::Instant::now();
        let appended = self.append_event_to_log(tx, key, seq, bytes).await;
        let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
        self.log_nanos.fetch_add(nanos, Ordering::Relaxed);
        appended
    }

    /// The time this process has spent appending to the log inside issuing and revoking
    /// transactions, in total (its share of an approval, for the benchmark).
    #[doc(hidden)]
    pub fn log_append_time(&self) -> std::time::Duration {
        std::time::Duration::from_nanos(self.log_nanos.load(Ordering::Relaxed))
    }

    async fn append_event_to_log(
        &self,
        tx: &mut WriteTx,
        key: &LogKey,
        seq: i64,
        bytes: &[u8],
    ) -> Result<()> {
        self.append_missing(tx, key, seq - 1).await?;
        let index = u64::try_from(seq - 1)
            .map_err(|_| StoreError::Corrupt(format!("certificate event {seq}")))?;
        if log_size(tx).await? != index {
            return Err(StoreError::Log(format!(
                "event {seq} does not follow the log's last entry"
            )));
        }
        self.append_leaf(tx, index, seq, bytes).await?;
        self.sign_for_size(tx, key, index + 1).await
    }

    async fn append_missing(&self, tx: &mut WriteTx, key: &LogKey, upto: i64) -> Result<u64> {
        let _ = key;
        let mut added = 0;
        loop {
            let size = log_size(tx).await?;
            if size as i64 >= upto {
                return Ok(added);
            }
            let rows = sqlx::query(
                "SELECT ev.seq, en.bytes FROM certificate_events ev \
                 JOIN envelopes en ON en.sha256 = ev.envelope_sha256 \
                 WHERE ev.seq > $1 AND ev.seq <= $2 ORDER BY ev.seq LIMIT 1000",
            )
            .bind(size as i64)
            .bind(upto)
            .fetch_all(&mut *tx.tx)
            .await?;
            if rows.is_empty() {
                return Err(StoreError::Corrupt(format!(
                    "certificate event {} or its envelope is missing",
                    size + 1
                )));
            }
            for row in &rows {
                let seq: i64 = col(row, "seq")?;
                let bytes: Vec<u8> = col(row, "bytes")?;
                let index = log_size(tx).await?;
                if seq as u64 != index + 1 {
                    return Err(StoreError::Corrupt(format!(
                        "certificate event {} is missing",
                        index + 1
                    )));
                }
                self.append_leaf(tx, index, seq, &bytes).await?;
                added += 1;
            }
        }
    }

    async fn append_leaf(
        &self,
        tx: &mut WriteTx,
        index: u64,
        seq: i64,
        bytes: &[u8],
    ) -> Result<()> {
        if bytes.len() > usize::from(u16::MAX) {
            return Err(StoreError::Log(format!(
                "an entry of {} bytes does not fit in an entry bundle (65535 at most)",
                bytes.len()
            )));
        }
        sqlx::query("INSERT INTO tlog_entries (idx, event_seq, bytes) VALUES ($1, $2, $3)")
            .bind(index as i64)
            .bind(seq)
            .bind(bytes)
            .execute(&mut *tx.tx)
            .await?;
        self.failpoint("log.entry")?;
        let leaf = merkle::leaf_hash(bytes);
        let new = with_hashes(&mut tx.tx, |r| merkle::new_subtrees(index, leaf, r)).await?;
        for (id, hash) in new {
            sqlx::query("INSERT INTO tlog_hashes (level, idx, hash) VALUES ($1, $2, $3)")
                .bind(i64::from(id.level))
                .bind(id.index as i64)
                .bind(&hash[..])
                .execute(&mut *tx.tx)
                .await?;
        }
        self.failpoint("log.hashes")
    }

    async fn sign_for_size(&self, tx: &mut WriteTx, key: &LogKey, size: u64) -> Result<()> {
        // A witness that has seen a larger tree would see this one as a fork: a restored backup.
        let seen = sqlx::query("SELECT witness, size FROM tlog_witness_state WHERE size >= $1")
            .bind(size as i64)
            .fetch_optional(&mut *tx.tx)
            .await?;
        if let Some(row) = seen {
            let witness: String = col(&row, "witness")?;
            let seen: i64 = col(&row, "size")?;
            return Err(StoreError::Refused {
                code: "log_behind_witness",
                message: format!(
                    "refusing to sign the log at size {size}: witness {witness} has already \
                     seen it at size {seen}, so this database is behind the published log \
                     (a restored backup?)"
                ),
            });
        }
        let root = with_hashes(&mut tx.tx, |r| merkle::tree_root(size, r)).await?;
        let note = key.sign(size, root)?;
        insert_checkpoint(tx, size, &note).await?;
        self.failpoint("log.checkpoint")
    }

    /// Records that `witness` has seen the log at `size` (kept when larger than what it had):
    /// the log then refuses to sign any size up to it.
    pub async fn record_witness_size(&self, witness: &str, size: u64) -> Result<()> {
        self.record_witness(witness, size, "").await
    }

    /// The latest signed checkpoint (with its stored cosignatures): what `/log/checkpoint`
    /// serves and what the offline snapshot is cut at.
    pub async fn latest_checkpoint(&self) -> Result<StoredCheckpoint> {
        let row = sqlx::query("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound("checkpoint (the log is not set up)".into()))?;
        let size: i64 = col(&row, "size")?;
        let note: String = col(&row, "note")?;
        Ok(StoredCheckpoint {
            size: size as u64,
            note: self.with_cosignatures(size, note).await?,
        })
    }

    /// The checkpoint signed at `size`, if any.
    pub async fn checkpoint_at(&self, size: u64) -> Result<Option<StoredCheckpoint>> {
        match self.log_signed_note(size).await? {
            None => Ok(None),
            Some(note) => Ok(Some(StoredCheckpoint {
                size,
                note: self.with_cosignatures(size as i64, note).await?,
            })),
        }
    }

    async fn with_cosignatures(&self, size: i64, mut note: String) -> Result<String> {
        let rows = sqlx::query(
            "SELECT line FROM tlog_cosignatures WHERE size = $1 ORDER BY witness, key_hash",
        )
        .bind(size)
        .fetch_all(&self.pool)
        .await?;
        for row in &rows {
            let line: String = col(row, "line")?;
            note.push_str(&line);
            note.push('\n');
        }
        Ok(note)
    }

    /// A tile of the log (hash tile or entry bundle), or `None` when the latest checkpoint's tree
    /// does not hold it as wide as asked.
    pub async fn log_tile(&self, tile: Tile) -> Result<Option<Vec<u8>>> {
        let size = self.latest_checkpoint().await?.size;
        if !tile.within(size) {
            return Ok(None);
        }
        let start = (tile.index * tile::TILE_WIDTH) as i64;
        let end = start + tile.width as i64;
        match tile.level {
            None => {
                let rows = sqlx::query(
                    "SELECT bytes FROM tlog_entries WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                )
                .bind(start)
                .bind(end)
                .fetch_all(&self.pool)
                .await?;
                let entries = rows
                    .iter()
                    .map(|r| col::<Vec<u8>>(r, "bytes"))
                    .collect::<Result<Vec<_>>>()?;
                check_count(&entries, tile.width)?;
                tile::encode_entries(&entries)
                    .map(Some)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))
            }
            Some(level) => {
                let rows = sqlx::query(
                    "SELECT hash FROM tlog_hashes WHERE level = $1 AND idx >= $2 AND idx < $3 \
                     ORDER BY idx",
                )
                .bind(i64::from(level) * i64::from(tile::TILE_HEIGHT))
                .bind(start)
                .bind(end)
                .fetch_all(&self.pool)
                .await?;
                let hashes = rows
                    .iter()
                    .map(|r| col::<Vec<u8>>(r, "hash"))
                    .collect::<Result<Vec<_>>>()?;
                check_count(&hashes, tile.width)?;
                Ok(Some(hashes.concat()))
            }
        }
    }

    /// The inclusion proof of leaf `index` in the tree of `size` leaves.
    pub async fn log_inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>> {
        let mut conn = self.pool.acquire().await?;
        with_hashes(&mut conn, |r| merkle::inclusion_proof(index, size, r)).await
    }

    /// The consistency proof between two tree sizes.
    pub async fn log_consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>> {
        let mut conn = self.pool.acquire().await?;
        with_hashes(&mut conn, |r| merkle::consistency_proof(old, new, r)).await
    }

    /// The log index of a certificate's `issued` (or `revoked`) entry.
    pub async fn certificate_log_index(&self, certificate_id: &str, kind: &str) -> Result<u64> {
        let row = sqlx::query(
            "SELECT e.idx FROM tlog_entries e JOIN certificate_events ev ON ev.seq = e.event_seq \
             WHERE ev.certificate_id = $1 AND ev.kind = $2",
        )
        .bind(certificate_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| {
            StoreError::NotFound(format!(
                "log entry of certificate {certificate_id} ({kind})"
            ))
        })?;
        Ok(col::<i64>(&row, "idx")? as u64)
    }

    /// The check at start: the latest checkpoint verifies with the log key, the stored hashes
    /// give its root, the entries stop at its size and the last entry hashes to the stored leaf.
    pub async fn check_log(&self) -> Result<()> {
        let key = self.log_key().await?;
        let latest = self.latest_checkpoint().await?;
        let signed = Checkpoint::open(
            latest.note.as_bytes(),
            &key.origin,
            std::slice::from_ref(&key.vkey),
        )
        .map_err(|e| StoreError::Log(format!("the last checkpoint does not verify: {e}")))?;
        let size = signed.checkpoint.size;
        let mut conn = self.pool.acquire().await?;
        let root = with_hashes(&mut conn, |r| merkle::tree_root(size, r)).await?;
        if root != signed.checkpoint.root {
            return Err(StoreError::Log(format!(
                "the stored tree hashes give a different root at size {size} than the last \
                 signed checkpoint; refusing to serve a log that changed"
            )));
        }
        let entries: i64 = col(
            &sqlx::query("SELECT COUNT(*) AS n FROM tlog_entries")
                .fetch_one(&mut *conn)
                .await?,
            "n",
        )?;
        // Other instances on the same database may have issued since the checkpoint was read:
        // an entry and the checkpoint of its size commit together, so more entries are sound
        // when the checkpoint of their count exists now (read after the count).
        let newer = entries as u64 > size
            && sqlx::query("SELECT size FROM tlog_checkpoints WHERE size = $1")
                .bind(entries)
                .fetch_optional(&mut *conn)
                .await?
                .is_some();
        if entries as u64 != size && !newer {
            return Err(StoreError::Log(format!(
                "the log holds {entries} entries but its last checkpoint is for {size}"
            )));
        }
        if size > 0 {
            let last = sqlx::query("SELECT bytes FROM tlog_entries WHERE idx = $1")
                .bind(size as i64 - 1)
                .fetch_one(&mut *conn)
                .await?;
            let leaf = merkle::leaf_hash(&col::<Vec<u8>>(&last, "bytes")?);
            let stored = with_hashes(&mut conn, |r| {
                r.read_hashes(&[SubtreeId {
                    level: 0,
                    index: size - 1,
                }])
                .map_err(TreeError::Read)
            })
            .await?;
            if stored.first() != Some(&leaf) {
                return Err(StoreError::Log(format!(
                    "entry {} does not hash to its stored leaf hash",
                    size - 1
                )));
            }
        }
        Ok(())
    }
}

fn check_count<T>(items: &[T], width: u64) -> Result<()> {
    if items.len() as u64 != width {
        return Err(StoreError::Corrupt(format!(
            "the log has {} of the {width} rows of a tile",
            items.len()
        )));
    }
    Ok(())
}

async fn log_size(tx: &mut WriteTx) -> Result<u64> {
    let n: i64 = col(
        &sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) AS n FROM tlog_entries")
            .fetch_one(&mut *tx.tx)
            .await?,
        "n",
    )?;
    Ok(n as u64)
}

async fn insert_checkpoint(tx: &mut WriteTx, size: u64, note: &str) -> Result<()> {
    sqlx::query("INSERT INTO tlog_checkpoints (size, note, created_at) VALUES ($1, $2, $3)")
        .bind(size as i64)
        .bind(note)
        .bind(ts(now()))
        .execute(&mut *tx.tx)
        .await?;
    Ok(())
}

/// The two passes of a read through [`HashReader`]: first record which ids are asked for, then
/// answer from the hashes fetched.
enum Pass {
    Record(RefCell<Vec<SubtreeId>>),
    Known(HashMap<SubtreeId, Hash>),
}

impl HashReader for Pass {
    type Error = String;
    fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<Hash>, String> {
        match self {
            Pass::Record(asked) => {
                asked.borrow_mut().extend_from_slice(ids);
                Ok(vec![[0; 32]; ids.len()])
            }
            Pass::Known(known) => ids
                .iter()
                .map(|id| {
                    known.get(id).copied().ok_or_else(|| {
                        format!("the stored hash {}/{} is missing", id.level, id.index)
                    })
                })
                .collect(),
        }
    }
}

/// Runs `f` with the stored hashes it reads, fetched in one query on `conn`.
async fn with_hashes<T>(
    conn: &mut sqlx::AnyConnection,
    f: impl Fn(&Pass) -> Result<T, TreeError<String>>,
) -> Result<T> {
    let record = Pass::Record(RefCell::default());
    let first = f(&record);
    let Pass::Record(asked) = record else {
        unreachable!("built as Record above")
    };
    let asked = asked.into_inner();
    if asked.is_empty() {
        return first.map_err(tree_error);
    }
    let mut sql = String::from("SELECT level, idx, hash FROM tlog_hashes WHERE ");
    for i in 0..asked.len() {
        if i > 0 {
            sql.push_str(" OR ");
        }
        sql.push_str(&format!(
            "(level = ${} AND idx = ${})",
            2 * i + 1,
            2 * i + 2
        ));
    }
    let mut query = sqlx::query::<Any>(&sql);
    for id in &asked {
        query = query.bind(i64::from(id.level)).bind(id.index as i64);
    }
    let rows = query.fetch_all(&mut *conn).await?;
    let mut known = HashMap::with_capacity(rows.len());
    for row in &rows {
        let level: i64 = col(row, "level")?;
        let index: i64 = col(row, "idx")?;
        let hash: Vec<u8> = col(row, "hash")?;
        let hash = <Hash>::try_from(hash.as_slice())
            .map_err(|_| StoreError::Corrupt(format!("tree hash {level}/{index}")))?;
        known.insert(
            SubtreeId {
                level: level as u8,
                index: index as u64,
            },
            hash,
        );
    }
    f(&Pass::Known(known)).map_err(tree_error)
}

fn tree_error(e: TreeError<String>) -> StoreError {
    StoreError::Log(e.to_string())
}
