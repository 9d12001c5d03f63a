//! Vendors' signing keys (several per organisation, rotated and revoked) and the registry's own key.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::{col, now, ts, Actor, Result, SigningKey, Store, StoreError, WriteTx};

fn signing_key(row: &AnyRow) -> Result<SigningKey> {
    Ok(SigningKey {
        keyid: col(row, "keyid")?,
        org_id: col(row, "org_id")?,
        public_key_pem: col(row, "public_key_pem")?,
        label: col(row, "label")?,
        status: col(row, "status")?,
        created_at: col(row, "created_at")?,
        created_by: col(row, "created_by")?,
        status_changed_at: col(row, "status_changed_at")?,
        status_reason: col(row, "status_reason")?,
        replaced_by: col(row, "replaced_by")?,
        compromised_at: col(row, "compromised_at")?,
    })
}

/// The registry's own key as stored.
#[derive(Clone)]
pub struct StoredRegistryKey {
    pub keyid: String,
    pub private_key_pem: String,
    pub public_key_pem: String,
}

impl std::fmt::Debug for StoredRegistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredRegistryKey")
            .field("keyid", &self.keyid)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

async fn insert_key(
    tx: &mut WriteTx,
    org_id: &str,
    keyid: &str,
    pem: &str,
    label: &str,
    actor: &Actor,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO signing_keys (keyid, org_id, public_key_pem, label, status, created_at, created_by) \
         VALUES ($1, $2, $3, $4, 'active', $5, $6)",
    )
    .bind(keyid)
    .bind(org_id)
    .bind(pem)
    .bind(label)
    .bind(ts(now()))
    .bind(&actor.id)
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

impl Store {
    /// Registers a public key for an organisation, using up the challenge (its SHA-256) whose
    /// signature by the key the caller verified (proof of possession). Returns the key and
    /// whether it is new; the same key registered again by the same organisation is not an error
    /// while it is active. Key ids are unique across organisations: with the proof, only the
    /// holder of the private key can claim it.
    pub async fn register_key(
        &self,
        org_id: &str,
        keyid: &str,
        pem: &str,
        label: &str,
        challenge_sha256: &str,
        actor: &Actor,
    ) -> Result<(SigningKey, bool)> {
        let mut tx = self.begin_write().await?;
        super::key_challenges::consume(&mut tx, org_id, challenge_sha256).await?;
        if let Some(existing) = sqlx::query("SELECT * FROM signing_keys WHERE keyid = $1")
            .bind(keyid)
            .fetch_optional(&mut *tx.tx)
            .await?
        {
            let existing = signing_key(&existing)?;
            if existing.org_id != org_id {
                return Err(StoreError::Conflict(format!(
                    "key {keyid} is registered to another organisation"
                )));
            }
            if existing.status != "active" {
                return Err(StoreError::InvalidState(format!(
                    "key {keyid} is {} and cannot be registered again",
                    existing.status
                )));
            }
            return Ok((existing, false));
        }
        insert_key(&mut tx, org_id, keyid, pem, label, actor).await?;
        record(
            &mut tx,
            actor,
            "key.register",
            Subject {
                kind: "key",
                id: keyid,
                org_id: Some(org_id),
            },
            json!({ "label": label, "proof": "challenge" }),
        )
        .await?;
        tx.commit().await?;
        Ok((self.get_key(keyid).await?, true))
    }

    pub async fn get_key(&self, keyid: &str) -> Result<SigningKey> {
        let row = sqlx::query("SELECT * FROM signing_keys WHERE keyid = $1")
            .bind(keyid)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("key {keyid}")))?;
        signing_key(&row)
    }

    /// Keys of one organisation, or of all when `org_id` is `None`.
    pub async fn list_keys(&self, org_id: Option<&str>) -> Result<Vec<SigningKey>> {
        let rows = sqlx::query(
            "SELECT * FROM signing_keys WHERE ($1 IS NULL OR org_id = $1) ORDER BY created_at, keyid",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(signing_key).collect()
    }

    /// Revokes a key: it can no longer sign new submissions. Revoked as `compromised` (also a key
    /// already revoked for another reason), nothing it signed can be approved any more, and the
    /// automated signature check of every submission it signed reports the compromise.
    pub async fn revoke_key(
        &self,
        keyid: &str,
        reason: &str,
        compromised: bool,
        actor: &Actor,
    ) -> Result<SigningKey> {
        let key = self.get_key(keyid).await?;
        if key.status == "revoked" && (!compromised || key.compromised_at.is_some()) {
            return Err(StoreError::InvalidState(format!(
                "key {keyid} is already revoked{}",
                if key.compromised_at.is_some() {
                    " as compromised"
                } else {
                    ""
                }
            )));
        }
        let at = ts(now());
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "UPDATE signing_keys SET status = 'revoked', status_changed_at = $1, status_reason = $2, \
             compromised_at = CASE WHEN $3 = 1 THEN $1 ELSE compromised_at END WHERE keyid = $4",
        )
        .bind(&at)
        .bind(reason)
        .bind(i32::from(compromised))
        .bind(keyid)
        .execute(&mut *tx.tx)
        .await?;
        if compromised {
            let (code, text, args) = crate::review::key_compromised_message(keyid, &at);
            sqlx::query(
                "UPDATE automated_checks SET outcome = 'fail', message = $1, code = $2, args = $3, \
                 checked_at = $4 WHERE name = 'signature' AND submission_id IN \
                 (SELECT id FROM submissions WHERE keyid = $5)",
            )
            .bind(text)
            .bind(code)
            .bind(args)
            .bind(&at)
            .bind(keyid)
            .execute(&mut *tx.tx)
            .await?;
        }
        record(
            &mut tx,
            actor,
            "key.revoke",
            Subject {
                kind: "key",
                id: keyid,
                org_id: Some(&key.org_id),
            },
            json!({ "reason": reason, "previous_status": key.status, "compromised": compromised }),
        )
        .await?;
        tx.commit().await?;
        self.get_key(keyid).await
    }

    /// Rotates a key: registers the new one and retires the old one (which then cannot sign new
    /// submissions; what it signed before stays valid). The old key's state is read and changed
    /// in the rotation's transaction (`UPDATE ... WHERE status = 'active'`, counting the rows):
    /// of concurrent rotations of one key exactly one wins, the others are refused.
    pub async fn rotate_key(
        &self,
        old_keyid: &str,
        new_keyid: &str,
        new_pem: &str,
        label: &str,
        challenge_sha256: &str,
        actor: &Actor,
    ) -> Result<SigningKey> {
        let old = self.get_key(old_keyid).await?;
        if old.status != "active" {
            return Err(StoreError::InvalidState(format!(
                "key {old_keyid} is {} and cannot be rotated",
                old.status
            )));
        }
        if old_keyid == new_keyid {
            return Err(StoreError::Conflict("the new key is the old key".into()));
        }
        let mut tx = self.begin_write().await?;
        super::key_challenges::consume(&mut tx, &old.org_id, challenge_sha256).await?;
        // First the old key, conditionally: on PostgreSQL a concurrent rotation waits for this
        // row's lock and then finds the key no longer active.
        let retired = sqlx::query(
            "UPDATE signing_keys SET status = 'retired', status_changed_at = $1, \
             status_reason = 'rotated', replaced_by = $2 WHERE keyid = $3 AND status = 'active'",
        )
        .bind(ts(now()))
        .bind(new_keyid)
        .bind(old_keyid)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if retired != 1 {
            return Err(StoreError::InvalidState(format!(
                "key {old_keyid} is no longer active (rotated or revoked meanwhile) and cannot be \
                 rotated"
            )));
        }
        if sqlx::query("SELECT 1 AS one FROM signing_keys WHERE keyid = $1")
            .bind(new_keyid)
            .fetch_optional(&mut *tx.tx)
            .await?
            .is_some()
        {
            return Err(StoreError::Conflict(format!(
                "key {new_keyid} is already registered"
            )));
        }
        insert_key(&mut tx, &old.org_id, new_keyid, new_pem, label, actor).await?;
        record(
            &mut tx,
            actor,
            "key.rotate",
            Subject {
                kind: "key",
                id: old_keyid,
                org_id: Some(&old.org_id),
            },
            json!({ "replaced_by": new_keyid, "label": label }),
        )
        .await?;
        tx.commit().await?;
        self.get_key(new_keyid).await
    }

    /// The registry's active signing key, if one was made.
    pub async fn registry_key(&self) -> Result<Option<StoredRegistryKey>> {
        let row = sqlx::query(
            "SELECT keyid, private_key_pem, public_key_pem FROM registry_keys WHERE active = 1 \
             ORDER BY created_at DESC LIMIT 1",
        )
        .fetch_optional(&self.pool)
        .await?;
        row.map(|row| {
            Ok(StoredRegistryKey {
                keyid: col(&row, "keyid")?,
                private_key_pem: col(&row, "private_key_pem")?,
                public_key_pem: col(&row, "public_key_pem")?,
            })
        })
        .transpose()
    }

    /// Stores the registry's key unless one is already active; returns the active one (so that two
    /// processes starting at once agree on one key).
    pub async fn init_registry_key(&self, key: &StoredRegistryKey) -> Result<StoredRegistryKey> {
        let mut tx = self.begin_write().await?;
        // Several instances starting at once on one PostgreSQL database: the first makes the key,
        // the others wait here and then find it (SQLite writers are serialised already).
        super::lock_named(&mut tx, REGISTRY_KEY_LOCK).await?;
        let existing = sqlx::query("SELECT keyid FROM registry_keys WHERE active = 1")
            .fetch_optional(&mut *tx.tx)
            .await?;
        if existing.is_none() {
            sqlx::query(
                "INSERT INTO registry_keys (keyid, private_key_pem, public_key_pem, created_at, active) \
                 VALUES ($1, $2, $3, $4, 1)",
            )
            .bind(&key.keyid)
            .bind(&key.private_key_pem)
            .bind(&key.public_key_pem)
            .bind(ts(now()))
            .execute(&mut *tx.tx)
            .await?;
            record(
                &mut tx,
                &Actor::system(),
                "registry_key.create",
                Subject {
                    kind: "registry_key",
                    id: &key.keyid,
                    org_id: None,
                },
                json!({}),
            )
            .await?;
        }
        tx.commit().await?;
        self.registry_key()
            .await?
            .ok_or_else(|| StoreError::Corrupt("registry key vanished".into()))
    }
}

/// The advisory lock key of the registry key's creation ("mxcertrk" as a number).
const REGISTRY_KEY_LOCK: i64 = 0x6d78_6365_7274_726b;
