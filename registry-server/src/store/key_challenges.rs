//! Key registration challenges (proof of possession, issue 13 item 7): random, single-use, bound
//! to one organisation, expiring in minutes; only their SHA-256 is stored. A challenge is used up
//! in the transaction that registers (or rotates to) the key it proves.

use super::{col, now, ts, Result, Store, StoreError, WriteTx};

/// The most unused, unexpired challenges one organisation may hold at once.
pub const MAX_OPEN_PER_ORG: i64 = 20;

impl Store {
    /// Stores a new challenge (its SHA-256) for `org_id`, valid for `ttl`; returns when it
    /// expires. Expired challenges are deleted first; an organisation holding
    /// [`MAX_OPEN_PER_ORG`] open challenges is refused.
    pub async fn create_key_challenge(
        &self,
        org_id: &str,
        sha256: &str,
        ttl: chrono::Duration,
    ) -> Result<String> {
        let created = now();
        let expires_at = ts(created + ttl);
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM key_challenges WHERE expires_at <= $1")
            .bind(ts(created))
            .execute(&mut *tx.tx)
            .await?;
        let open = sqlx::query(
            "SELECT COUNT(*) AS n FROM key_challenges WHERE org_id = $1 AND used_at IS NULL",
        )
        .bind(org_id)
        .fetch_one(&mut *tx.tx)
        .await?;
        if col::<i64>(&open, "n")? >= MAX_OPEN_PER_ORG {
            return Err(StoreError::Refused {
                code: "too_many_challenges",
                message: format!(
                    "failed to make a key challenge: organisation {org_id} already holds \
                     {MAX_OPEN_PER_ORG} unused ones; use them or wait until they expire"
                ),
            });
        }
        sqlx::query(
            "INSERT INTO key_challenges (sha256, org_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(sha256)
        .bind(org_id)
        .bind(ts(created))
        .bind(&expires_at)
        .execute(&mut *tx.tx)
        .await?;
        tx.commit().await?;
        Ok(expires_at)
    }
}

/// Uses up the challenge whose SHA-256 is `sha256` for organisation `org_id`, in the caller's
/// transaction: refused (409 `invalid_challenge`) when it is unknown, another organisation's,
/// already used or expired.
pub(crate) async fn consume(tx: &mut WriteTx, org_id: &str, sha256: &str) -> Result<()> {
    let at = ts(now());
    let used = sqlx::query(
        "UPDATE key_challenges SET used_at = $1 \
         WHERE sha256 = $2 AND org_id = $3 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(&at)
    .bind(sha256)
    .bind(org_id)
    .execute(&mut *tx.tx)
    .await?
    .rows_affected();
    if used == 1 {
        return Ok(());
    }
    let row = sqlx::query("SELECT org_id, used_at FROM key_challenges WHERE sha256 = $1")
        .bind(sha256)
        .fetch_optional(&mut *tx.tx)
        .await?;
    let why = match row {
        None => "it is unknown (ask for one with POST /api/v1/keys/challenge)",
        Some(r) if col::<String>(&r, "org_id")? != org_id => {
            "it was not issued to your organisation"
        }
        Some(r) if col::<Option<String>>(&r, "used_at")?.is_some() => "it was already used",
        Some(_) => "it has expired (challenges last minutes); ask for a new one",
    };
    Err(StoreError::Refused {
        code: "invalid_challenge",
        message: format!("failed to register the key with this challenge: {why}"),
    })
}
