//! What the transparency log's witnesses said (issue 16): their cosignatures of checkpoints
//! (`tlog_cosignatures`, served after the log's own signature) and the largest size each has
//! seen (`tlog_witness_state`, which the signer refuses to sign at or below; see
//! [`Store::record_witness_size`]). Both tables only grow.

use super::audit::{self, Subject};
use super::tlog::StoredCheckpoint;
use super::{col, now, ts, Actor, Result, Store, StoreError};

impl Store {
    /// The checkpoint signed at `size` as the log signed it, without cosignatures.
    pub async fn log_signed_note(&self, size: u64) -> Result<Option<String>> {
        let Ok(size) = i64::try_from(size) else {
            return Ok(None);
        };
        let row = sqlx::query("SELECT note FROM tlog_checkpoints WHERE size = $1")
            .bind(size)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| col(&r, "note")).transpose()
    }

    /// The latest checkpoint as the log signed it, without cosignatures.
    pub async fn latest_log_signed_note(&self) -> Result<StoredCheckpoint> {
        let row = sqlx::query("SELECT size, note FROM tlog_checkpoints ORDER BY size DESC LIMIT 1")
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound("checkpoint (the log is not set up)".into()))?;
        Ok(StoredCheckpoint {
            size: col::<i64>(&row, "size")? as u64,
            note: col(&row, "note")?,
        })
    }

    /// The largest size `witness` is known to have seen of the log, if any.
    pub async fn witness_size(&self, witness: &str) -> Result<Option<u64>> {
        let row = sqlx::query("SELECT size FROM tlog_witness_state WHERE witness = $1")
            .bind(witness)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| col::<i64>(&r, "size"))
            .transpose()?
            .map(|s| s as u64))
    }

    /// Records that `witness` has seen the log at `size` (with `note`, what it said), kept when
    /// larger than what it had: the log then refuses to sign any size up to it.
    pub async fn record_witness(&self, witness: &str, size: u64, note: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO tlog_witness_state (witness, size, note) VALUES ($1, $2, $3) \
             ON CONFLICT (witness) DO UPDATE SET size = EXCLUDED.size, note = EXCLUDED.note \
             WHERE tlog_witness_state.size < EXCLUDED.size",
        )
        .bind(witness)
        .bind(size as i64)
        .bind(note)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await
    }

    /// Whether a cosignature by `witness` of the checkpoint at `size` is stored.
    pub async fn has_cosignature(&self, size: u64, witness: &str) -> Result<bool> {
        let row =
            sqlx::query("SELECT 1 AS one FROM tlog_cosignatures WHERE size = $1 AND witness = $2")
                .bind(size as i64)
                .bind(witness)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    /// Stores a verified cosignature line (`— NAME BASE64`, no newline) of the checkpoint at
    /// `size` by `witness` (key hash `key_hash`), with an audit row by `actor`. Returns false
    /// when that witness's key had already cosigned that size (the first is kept).
    pub async fn store_cosignature(
        &self,
        size: u64,
        witness: &str,
        key_hash: u32,
        line: &str,
        actor: &Actor,
    ) -> Result<bool> {
        let key_hash = format!("{key_hash:08x}");
        let mut tx = self.begin_write().await?;
        let stored = sqlx::query(
            "INSERT INTO tlog_cosignatures (size, witness, key_hash, line, received_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (size, witness, key_hash) DO NOTHING",
        )
        .bind(size as i64)
        .bind(witness)
        .bind(&key_hash)
        .bind(line)
        .bind(ts(now()))
        .execute(&mut *tx.tx)
        .await?
        .rows_affected()
            == 1;
        if stored {
            let id = format!("{size}");
            audit::record(
                &mut tx,
                actor,
                "log.cosignature",
                Subject {
                    kind: "checkpoint",
                    id: &id,
                    org_id: None,
                },
                serde_json::json!({ "witness": witness, "key_hash": key_hash }),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(stored)
    }
}
