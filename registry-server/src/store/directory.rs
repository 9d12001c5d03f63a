//! The partner directory's storage (`directory_entries`): one entry per organisation, with the
//! draft its vendor edits and the version an admin approved for the public. Every change is
//! audited in its transaction (`directory.update`, `directory.approve`, `directory.reject`).
//!
//! Entries are JSON documents whose shape and validation belong to
//! [`crate::public::directory`]; this module stores them as text and enforces the lifecycle:
//! `draft`/`rejected`/`approved` --edit--> `pending` --approve--> `approved` (published = draft),
//! `pending` --reject--> `rejected`. It must not decide who may edit or approve.

use serde_json::json;
use sqlx::any::AnyRow;

use super::audit::{record, Subject};
use super::{col, now, ts, Actor, Result, Store, StoreError};

/// A directory entry with its organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryRow {
    pub org_id: String,
    pub org_slug: String,
    pub org_name: String,
    pub org_disabled: bool,
    /// `draft`, `pending`, `approved` or `rejected`.
    pub status: String,
    /// The vendor's latest version (JSON).
    pub draft: String,
    /// The version the public sees (JSON), once one was approved.
    pub published: Option<String>,
    pub updated_at: String,
    pub reviewed_at: Option<String>,
    pub review_note: Option<String>,
}

const SELECT: &str = "SELECT d.*, o.slug AS org_slug, o.name AS org_name, \
     o.disabled_at AS org_disabled_at FROM directory_entries d \
     JOIN organisations o ON o.id = d.org_id";

fn entry(r: &AnyRow) -> Result<DirectoryRow> {
    Ok(DirectoryRow {
        org_id: col(r, "org_id")?,
        org_slug: col(r, "org_slug")?,
        org_name: col(r, "org_name")?,
        org_disabled: col::<Option<String>>(r, "org_disabled_at")?.is_some(),
        status: col(r, "status")?,
        draft: col(r, "draft")?,
        published: col(r, "published")?,
        updated_at: col(r, "updated_at")?,
        reviewed_at: col(r, "reviewed_at")?,
        review_note: col(r, "review_note")?,
    })
}

fn subject(org_id: &str) -> Subject<'_> {
    Subject {
        kind: "directory_entry",
        id: org_id,
        org_id: Some(org_id),
    }
}

impl Store {
    /// The entry of one organisation, if it has one.
    pub async fn directory_entry(&self, org_id: &str) -> Result<Option<DirectoryRow>> {
        let r = sqlx::query(&format!("{SELECT} WHERE d.org_id = $1"))
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?;
        r.as_ref().map(entry).transpose()
    }

    /// Entries with a published version (of organisations that are not disabled), by name; or,
    /// with `status`, every entry in that status (the admins' queue).
    pub async fn directory_entries(&self, status: Option<&str>) -> Result<Vec<DirectoryRow>> {
        let rows = match status {
            None => {
                sqlx::query(&format!(
                    "{SELECT} WHERE d.published IS NOT NULL AND o.disabled_at IS NULL \
                     ORDER BY o.name, o.id"
                ))
                .fetch_all(self.pool())
                .await?
            }
            Some(s) => {
                sqlx::query(&format!(
                    "{SELECT} WHERE d.status = $1 ORDER BY d.updated_at, o.id"
                ))
                .bind(s)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter().map(entry).collect()
    }

    /// Saves a new draft for an organisation's entry and puts it in the approval queue
    /// (`pending`). The published version, if any, stays public until the draft is approved.
    pub async fn save_directory_draft(
        &self,
        org_id: &str,
        draft: &str,
        actor: &Actor,
    ) -> Result<DirectoryRow> {
        let mut tx = self.begin_write().await?;
        let at = ts(now());
        sqlx::query(
            "INSERT INTO directory_entries (org_id, status, draft, updated_at, updated_by) \
             VALUES ($1, 'pending', $2, $3, $4) ON CONFLICT (org_id) DO UPDATE SET \
             status = 'pending', draft = excluded.draft, updated_at = excluded.updated_at, \
             updated_by = excluded.updated_by",
        )
        .bind(org_id)
        .bind(draft)
        .bind(&at)
        .bind(&actor.id)
        .execute(&mut *tx.tx)
        .await?;
        let details: serde_json::Value =
            serde_json::from_str(draft).unwrap_or_else(|_| json!(draft));
        record(
            &mut tx,
            actor,
            "directory.update",
            subject(org_id),
            json!({ "status": "pending", "draft": details }),
        )
        .await?;
        tx.commit().await?;
        self.directory_entry(org_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("directory entry of {org_id}")))
    }

    /// Approves (publishes the draft) or rejects a pending entry, with an optional note.
    pub async fn decide_directory_entry(
        &self,
        org_id: &str,
        approve: bool,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<DirectoryRow> {
        let mut tx = self.begin_write().await?;
        let status: String = col(
            &sqlx::query("SELECT status FROM directory_entries WHERE org_id = $1")
                .bind(org_id)
                .fetch_optional(&mut *tx.tx)
                .await?
                .ok_or_else(|| StoreError::NotFound(format!("directory entry of {org_id}")))?,
            "status",
        )?;
        if status != "pending" {
            return Err(StoreError::InvalidState(format!(
                "the directory entry is {status}; only pending entries can be approved or rejected"
            )));
        }
        let at = ts(now());
        let sql = if approve {
            "UPDATE directory_entries SET status = 'approved', published = draft, \
             reviewed_at = $1, reviewed_by = $2, review_note = $3 WHERE org_id = $4"
        } else {
            "UPDATE directory_entries SET status = 'rejected', \
             reviewed_at = $1, reviewed_by = $2, review_note = $3 WHERE org_id = $4"
        };
        sqlx::query(sql)
            .bind(&at)
            .bind(&actor.id)
            .bind(note)
            .bind(org_id)
            .execute(&mut *tx.tx)
            .await?;
        record(
            &mut tx,
            actor,
            if approve {
                "directory.approve"
            } else {
                "directory.reject"
            },
            subject(org_id),
            json!({ "from": status, "status": if approve { "approved" } else { "rejected" },
                    "note": note }),
        )
        .await?;
        tx.commit().await?;
        self.directory_entry(org_id)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("directory entry of {org_id}")))
    }
}
