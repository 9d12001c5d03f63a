//! API tokens: only their SHA-256 is stored; the token itself is shown once by the caller.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::{
    col, new_id, now, ts, Actor, Result, Role, Store, StoreError, TokenIdentity, TokenInfo,
    TOKEN_USE_PRECISION,
};

fn role(row: &AnyRow) -> Result<Role> {
    let role: String = col(row, "role")?;
    Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))
}

fn token_info(row: &AnyRow) -> Result<TokenInfo> {
    Ok(TokenInfo {
        id: col(row, "id")?,
        org_id: col(row, "org_id")?,
        member_id: col(row, "member_id")?,
        role: role(row)?,
        label: col(row, "label")?,
        prefix: col(row, "prefix")?,
        created_at: col(row, "created_at")?,
        created_by: col(row, "created_by")?,
        expires_at: col(row, "expires_at")?,
        revoked_at: col(row, "revoked_at")?,
        last_used_at: col(row, "last_used_at")?,
    })
}

/// A token to store: its hash and its displayable prefix, never the token.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    pub org_id: &'a str,
    pub member_id: Option<&'a str>,
    pub role: Role,
    pub label: &'a str,
    pub prefix: &'a str,
    pub sha256: &'a str,
    pub expires_at: Option<String>,
}

impl Store {
    /// Stores a new token's hash.
    pub async fn create_token(&self, new: &NewToken<'_>, actor: &Actor) -> Result<TokenInfo> {
        let org = self.get_org(new.org_id).await?;
        if let Some(member_id) = new.member_id {
            let m = self.get_member(member_id).await?;
            if m.org_id != org.id {
                return Err(StoreError::Conflict(format!(
                    "member {member_id} is not in organisation {}",
                    org.id
                )));
            }
            if m.disabled_at.is_some() {
                return Err(StoreError::InvalidState(format!(
                    "member {member_id} is disabled"
                )));
            }
        }
        let mut tx = self.begin_write().await?;
        let id = new_id();
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, member_id, role, label, prefix, sha256, created_at, \
             created_by, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(&id)
        .bind(&org.id)
        .bind(new.member_id)
        .bind(new.role.as_str())
        .bind(new.label)
        .bind(new.prefix)
        .bind(new.sha256)
        .bind(ts(now()))
        .bind(&actor.id)
        .bind(new.expires_at.as_deref())
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "token.create",
            Subject {
                kind: "token",
                id: &id,
                org_id: Some(&org.id),
            },
            json!({ "role": new.role, "label": new.label, "prefix": new.prefix,
                    "member_id": new.member_id, "expires_at": new.expires_at }),
        )
        .await?;
        tx.commit().await?;
        self.get_token(&id).await
    }

    pub async fn get_token(&self, id: &str) -> Result<TokenInfo> {
        let row = sqlx::query("SELECT * FROM api_tokens WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("token {id}")))?;
        token_info(&row)
    }

    /// Tokens of one organisation, or of all when `org_id` is `None`.
    pub async fn list_tokens(&self, org_id: Option<&str>) -> Result<Vec<TokenInfo>> {
        let rows = sqlx::query(
            "SELECT * FROM api_tokens WHERE ($1 IS NULL OR org_id = $1) ORDER BY created_at, id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(token_info).collect()
    }

    /// Looks a token up by its hash. The caller checks expiry, revocation and compares the hash
    /// in constant time.
    pub async fn token_by_hash(&self, sha256: &str) -> Result<Option<TokenIdentity>> {
        let row = sqlx::query(
            "SELECT t.id, t.org_id, o.name AS org_name, t.member_id, m.name AS member_name, \
             m.disabled_at AS member_disabled_at, t.role, t.label, t.sha256, t.expires_at, \
             t.revoked_at, t.last_used_at, o.disabled_at AS org_disabled_at \
             FROM api_tokens t JOIN organisations o ON o.id = t.org_id \
             LEFT JOIN members m ON m.id = t.member_id WHERE t.sha256 = $1",
        )
        .bind(sha256)
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let member_disabled: Option<String> = col(&row, "member_disabled_at")?;
        let org_disabled: Option<String> = col(&row, "org_disabled_at")?;
        let revoked: Option<String> = col(&row, "revoked_at")?;
        Ok(Some(TokenIdentity {
            token_id: col(&row, "id")?,
            org_id: col(&row, "org_id")?,
            org_name: col(&row, "org_name")?,
            member_id: col(&row, "member_id")?,
            member_name: col(&row, "member_name")?,
            role: role(&row)?,
            label: col(&row, "label")?,
            sha256: col(&row, "sha256")?,
            expires_at: col(&row, "expires_at")?,
            revoked_at: revoked.or(member_disabled).or(org_disabled),
            last_used_at: col(&row, "last_used_at")?,
        }))
    }

    /// Records that a token authenticated a request now, when its recorded last use is older than
    /// [`TOKEN_USE_PRECISION`] (or absent): at most one write per token per interval, so that
    /// reads by a busy client do not queue behind the writer. Not audited: it is not an action.
    pub async fn touch_token(&self, identity: &TokenIdentity) -> Result<()> {
        let now = now();
        let fresh = identity
            .last_used_at
            .as_deref()
            .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
            .is_some_and(|t| now.signed_duration_since(t) < TOKEN_USE_PRECISION);
        if fresh {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(ts(now))
            .bind(&identity.token_id)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Revokes a token; revoking twice is an invalid state.
    pub async fn revoke_token(&self, id: &str, actor: &Actor) -> Result<TokenInfo> {
        let t = self.get_token(id).await?;
        if t.revoked_at.is_some() {
            return Err(StoreError::InvalidState(format!(
                "token {id} is already revoked"
            )));
        }
        let mut tx = self.begin_write().await?;
        sqlx::query("UPDATE api_tokens SET revoked_at = $1 WHERE id = $2")
            .bind(ts(now()))
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
        record(
            &mut tx,
            actor,
            "token.revoke",
            Subject {
                kind: "token",
                id,
                org_id: Some(&t.org_id),
            },
            json!({ "prefix": t.prefix }),
        )
        .await?;
        tx.commit().await?;
        self.get_token(id).await
    }
}
