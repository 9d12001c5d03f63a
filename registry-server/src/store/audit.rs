//! The audit log: one append-only row per action (who, when, what), written in the transaction of
//! the action it records.

use serde_json::Value;
use sqlx::any::AnyRow;

use super::{col, now, ts, Actor, AuditEntry, Result, Store, WriteTx};

/// What an audit row is about.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    /// `organisation`, `member`, `token`, `key`, `submission`, `certificate`.
    pub kind: &'static str,
    pub id: &'a str,
    /// The organisation the subject belongs to (lets a vendor read its own history).
    pub org_id: Option<&'a str>,
}

/// Appends one audit row inside `tx`.
pub(crate) async fn record(
    tx: &mut WriteTx,
    actor: &Actor,
    action: &str,
    subject: Subject<'_>,
    details: Value,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, actor_org_id, actor_role, actor_name, \
         action, subject_kind, subject_id, org_id, details) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ts(now()))
    .bind(actor.kind)
    .bind(&actor.id)
    .bind(actor.org_id.as_deref())
    .bind(actor.role.map(|r| r.as_str()))
    .bind(&actor.name)
    .bind(action)
    .bind(subject.kind)
    .bind(subject.id)
    .bind(subject.org_id)
    .bind(details.to_string())
    .execute(&mut *tx.tx)
    .await?;
    Ok(())
}

/// Which audit rows to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub after_seq: Option<i64>,
    pub subject_kind: Option<String>,
    pub subject_id: Option<String>,
    pub org_id: Option<String>,
    pub limit: i64,
}

fn entry(row: &AnyRow) -> Result<AuditEntry> {
    let details: String = col(row, "details")?;
    Ok(AuditEntry {
        seq: col(row, "seq")?,
        at: col(row, "at")?,
        actor_kind: col(row, "actor_kind")?,
        actor_id: col(row, "actor_id")?,
        actor_org_id: col(row, "actor_org_id")?,
        actor_role: col(row, "actor_role")?,
        actor_name: col(row, "actor_name")?,
        action: col(row, "action")?,
        subject_kind: col(row, "subject_kind")?,
        subject_id: col(row, "subject_id")?,
        org_id: col(row, "org_id")?,
        details: serde_json::from_str(&details).unwrap_or(Value::String(details)),
    })
}

impl Store {
    /// Lists audit rows in order, filtered.
    pub async fn audit_list(&self, filter: &AuditFilter) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT * FROM audit_log WHERE seq > $1 \
             AND ($2 IS NULL OR subject_kind = $2) AND ($3 IS NULL OR subject_id = $3) \
             AND ($4 IS NULL OR org_id = $4) ORDER BY seq LIMIT $5",
        )
        .bind(filter.after_seq.unwrap_or(0))
        .bind(filter.subject_kind.as_deref())
        .bind(filter.subject_id.as_deref())
        .bind(filter.org_id.as_deref())
        .bind(filter.limit.clamp(1, 1000))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(entry).collect()
    }
}
