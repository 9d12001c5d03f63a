//! Browser sessions of the web portal (`web_sessions`): the SHA-256 of the cookie's random value,
//! the API token the session was opened with, and the secret its CSRF tokens are bound to.
//! Opening and closing a session are audited. The session's token is re-checked on every request
//! by the caller (a revoked token ends its sessions at once).

use serde_json::json;

use super::audit::{record, Subject};
use super::{col, now, ts, Actor, Result, Role, Store};

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewWebSession<'a> {
    pub id_sha256: &'a str,
    pub token_id: &'a str,
    pub member_id: Option<&'a str>,
    pub org_id: &'a str,
    pub role: Role,
    pub csrf_secret: &'a str,
    pub expires_at: String,
}

/// A stored session that has not ended, with the hash of its token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebSession {
    pub id_sha256: String,
    pub token_id: String,
    /// The SHA-256 of the session's API token, to re-authenticate it.
    pub token_sha256: String,
    pub csrf_secret: String,
    pub created_at: String,
    pub expires_at: String,
}

impl Store {
    /// Stores a new session (and forgets sessions that ended more than a day ago).
    pub async fn open_web_session(&self, new: &NewWebSession<'_>, actor: &Actor) -> Result<()> {
        let at = now();
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM web_sessions WHERE expires_at < $1")
            .bind(ts(at - chrono::Duration::days(1)))
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query(
            "INSERT INTO web_sessions (id_sha256, token_id, member_id, org_id, role, csrf_secret, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(new.id_sha256)
        .bind(new.token_id)
        .bind(new.member_id)
        .bind(new.org_id)
        .bind(new.role.as_str())
        .bind(new.csrf_secret)
        .bind(ts(at))
        .bind(&new.expires_at)
        .execute(&mut *tx.tx)
        .await?;
        record(
            &mut tx,
            actor,
            "web_session.open",
            Subject {
                kind: "token",
                id: new.token_id,
                org_id: Some(new.org_id),
            },
            json!({ "expires_at": new.expires_at }),
        )
        .await?;
        tx.commit().await
    }

    /// The session with this id hash, unless it was closed or has expired.
    pub async fn web_session(&self, id_sha256: &str) -> Result<Option<WebSession>> {
        let row = sqlx::query(
            "SELECT s.id_sha256, s.token_id, t.sha256 AS token_sha256, s.csrf_secret, s.created_at, \
             s.expires_at FROM web_sessions s JOIN api_tokens t ON t.id = s.token_id \
             WHERE s.id_sha256 = $1 AND s.revoked_at IS NULL AND s.expires_at > $2",
        )
        .bind(id_sha256)
        .bind(ts(now()))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(WebSession {
            id_sha256: col(&row, "id_sha256")?,
            token_id: col(&row, "token_id")?,
            token_sha256: col(&row, "token_sha256")?,
            csrf_secret: col(&row, "csrf_secret")?,
            created_at: col(&row, "created_at")?,
            expires_at: col(&row, "expires_at")?,
        }))
    }

    /// Ends a session (signing out). Ending an unknown or ended session does nothing.
    pub async fn close_web_session(&self, id_sha256: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE web_sessions SET revoked_at = $1 WHERE id_sha256 = $2 AND revoked_at IS NULL",
        )
        .bind(ts(now()))
        .bind(id_sha256)
        .execute(&mut *tx.tx)
        .await?;
        if done.rows_affected() > 0 {
            record(
                &mut tx,
                actor,
                "web_session.close",
                Subject {
                    kind: "token",
                    id: &actor.id,
                    org_id: actor.org_id.as_deref(),
                },
                json!({}),
            )
            .await?;
        }
        tx.commit().await
    }
}
