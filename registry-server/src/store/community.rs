//! Community reports (issue 18): what people running MxOS say works on their machines, kept apart
//! from certification submissions and never part of a certificate.
//!
//! One row per machine (`machine_id`, the probe's pseudonymous id, never shown): storing a report
//! for a machine that has one replaces it in the same transaction, so a machine counts once
//! whatever it sends. Counts are of visible (not hidden) reports whose person confirmed the device
//! works or said it does not, per distribution release and kernel series. Deletion tokens are
//! stored as SHA-256 and compared in constant time; hiding is audited.

use std::collections::HashMap;

use serde_json::json;
use sqlx::any::AnyRow;
use subtle::ConstantTimeEq as _;

use super::audit::{self, Subject};
use super::{col, now, ts, Actor, Result, Store, StoreError};

/// A community report to store (already validated and scrubbed by the caller).
#[derive(Debug, Clone)]
pub struct NewCommunityReport {
    pub id: String,
    pub machine_id: String,
    pub release: String,
    pub kernel_series: String,
    pub system_vendor: Option<String>,
    pub system_model: Option<String>,
    pub summary: String,
    pub problem_areas: Vec<String>,
    pub comment: Option<String>,
    pub language: Option<String>,
    /// SHA-256 of the submitted body: the same bytes under another machine id are a duplicate.
    pub content_sha256: String,
    pub deletion_sha256: String,
    /// The scrubbed inventory as JSON, without its machine id.
    pub inventory: String,
    /// (base identity, category, verdict) per distinct device.
    pub devices: Vec<(String, String, String)>,
}

/// A stored community report, as reviewers and the public see it (never its machine id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityReportRow {
    pub id: String,
    pub created_at: String,
    pub release: String,
    pub kernel_series: String,
    pub system_vendor: Option<String>,
    pub system_model: Option<String>,
    pub summary: String,
    pub problem_areas: Vec<String>,
    pub comment: Option<String>,
    pub language: Option<String>,
    pub device_count: i64,
    pub hidden_at: Option<String>,
    pub hidden_reason: Option<String>,
}

/// A device of a community report with the person's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityDeviceRow {
    pub base_identity: String,
    pub category: String,
    pub verdict: String,
}

/// Machines whose person says a device works, or does not, in one release and kernel series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityCountRow {
    pub release: String,
    pub kernel_series: String,
    pub works: i64,
    pub problems: i64,
}

/// Machines per device that say it works / has problems, over visible reports; callers add a
/// condition on `d.base_identity` (or none) and `GROUP BY d.base_identity`.
const DEVICE_COUNTS: &str = "SELECT d.base_identity, \
     SUM(CASE WHEN d.verdict = 'works' THEN 1 ELSE 0 END) AS works, \
     SUM(CASE WHEN d.verdict = 'problem' THEN 1 ELSE 0 END) AS problems \
     FROM community_devices d JOIN community_reports r ON r.id = d.report_id \
     WHERE d.verdict <> 'unconfirmed' AND r.hidden_at IS NULL";

const REPORT_COLUMNS: &str = "id, created_at, release, kernel_series, system_vendor, \
     system_model, summary, problem_areas, comment, language, device_count, hidden_at, \
     hidden_reason";

fn report_row(r: &AnyRow) -> Result<CommunityReportRow> {
    let areas: String = col(r, "problem_areas")?;
    Ok(CommunityReportRow {
        id: col(r, "id")?,
        created_at: col(r, "created_at")?,
        release: col(r, "release")?,
        kernel_series: col(r, "kernel_series")?,
        system_vendor: col(r, "system_vendor")?,
        system_model: col(r, "system_model")?,
        summary: col(r, "summary")?,
        problem_areas: serde_json::from_str(&areas)
            .map_err(|e| StoreError::Corrupt(format!("problem_areas {areas:?}: {e}")))?,
        comment: col(r, "comment")?,
        language: col(r, "language")?,
        device_count: col(r, "device_count")?,
        hidden_at: col(r, "hidden_at")?,
        hidden_reason: col(r, "hidden_reason")?,
    })
}

/// Community machine counts of one system model, as people's probes spell it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelCountRow {
    pub vendor: String,
    pub model: String,
    /// Machines whose person says everything works.
    pub works: i64,
    /// Machines whose person reports problems (some or everything).
    pub problems: i64,
}

/// What storing a community report did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCommunityReport {
    pub id: String,
    /// The id of the machine's earlier report it replaced, if any.
    pub replaced: Option<String>,
}

impl Store {
    /// Stores `new`, replacing the machine's earlier report in the same transaction. Refused
    /// (409 `duplicate`) when the same body is already stored for another machine id.
    pub async fn store_community_report(
        &self,
        new: &NewCommunityReport,
    ) -> Result<StoredCommunityReport> {
        let mut tx = self.begin_write().await?;
        let dup = sqlx::query(
            "SELECT id FROM community_reports WHERE content_sha256 = $1 AND machine_id <> $2",
        )
        .bind(&new.content_sha256)
        .bind(&new.machine_id)
        .fetch_optional(&mut *tx.tx)
        .await?;
        if dup.is_some() {
            return Err(StoreError::Refused {
                code: "duplicate",
                message: "this exact report was already shared from another machine id; a report \
                          counts once"
                    .into(),
            });
        }
        let old = sqlx::query("SELECT id FROM community_reports WHERE machine_id = $1")
            .bind(&new.machine_id)
            .fetch_optional(&mut *tx.tx)
            .await?;
        let replaced = old.as_ref().map(|r| col::<String>(r, "id")).transpose()?;
        if let Some(old) = &replaced {
            sqlx::query("DELETE FROM community_devices WHERE report_id = $1")
                .bind(old)
                .execute(&mut *tx.tx)
                .await?;
            sqlx::query("DELETE FROM community_reports WHERE id = $1")
                .bind(old)
                .execute(&mut *tx.tx)
                .await?;
        }
        sqlx::query(
            "INSERT INTO community_reports (id, machine_id, created_at, release, kernel_series, \
             system_vendor, system_model, summary, problem_areas, comment, language, \
             device_count, content_sha256, deletion_sha256, inventory) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&new.id)
        .bind(&new.machine_id)
        .bind(ts(now()))
        .bind(&new.release)
        .bind(&new.kernel_series)
        .bind(new.system_vendor.as_deref())
        .bind(new.system_model.as_deref())
        .bind(&new.summary)
        .bind(serde_json::to_string(&new.problem_areas).unwrap_or_else(|_| "[]".into()))
        .bind(new.comment.as_deref())
        .bind(new.language.as_deref())
        .bind(new.devices.len() as i64)
        .bind(&new.content_sha256)
        .bind(&new.deletion_sha256)
        .bind(&new.inventory)
        .execute(&mut *tx.tx)
        .await?;
        for chunk in new.devices.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO community_devices (report_id, base_identity, category, verdict) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let b = i * 4;
                sql.push_str(&format!("(${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4));
            }
            let mut q = sqlx::query(&sql);
            for (identity, category, verdict) in chunk {
                q = q.bind(&new.id).bind(identity).bind(category).bind(verdict);
            }
            q.execute(&mut *tx.tx).await?;
        }
        tx.commit().await?;
        Ok(StoredCommunityReport {
            id: new.id.clone(),
            replaced,
        })
    }

    /// Deletes report `id` when `deletion_sha256` is its token's hash. `NotFound` when there is
    /// no such report; `Refused` (403 `wrong_token`) when the token does not match.
    pub async fn delete_community_report(&self, id: &str, deletion_sha256: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query("SELECT deletion_sha256 FROM community_reports WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx.tx)
            .await?
            .ok_or_else(|| StoreError::NotFound(format!("community report {id}")))?;
        let stored: String = col(&row, "deletion_sha256")?;
        if !bool::from(stored.as_bytes().ct_eq(deletion_sha256.as_bytes())) {
            return Err(StoreError::Refused {
                code: "wrong_token",
                message: "the deletion token does not match this report".into(),
            });
        }
        sqlx::query("DELETE FROM community_devices WHERE report_id = $1")
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
        sqlx::query("DELETE FROM community_reports WHERE id = $1")
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Hides report `id` (it stays for the record, no longer counts nor shows), with an audit
    /// row. Hiding a hidden report is refused (409 `already_hidden`).
    pub async fn hide_community_report(&self, id: &str, reason: &str, actor: &Actor) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let at = ts(now());
        let n = sqlx::query(
            "UPDATE community_reports SET hidden_at = $1, hidden_reason = $2 \
             WHERE id = $3 AND hidden_at IS NULL",
        )
        .bind(&at)
        .bind(reason)
        .bind(id)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
        if n == 0 {
            let exists = sqlx::query("SELECT id FROM community_reports WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *tx.tx)
                .await?;
            return Err(match exists {
                None => StoreError::NotFound(format!("community report {id}")),
                Some(_) => StoreError::Refused {
                    code: "already_hidden",
                    message: format!("community report {id} is already hidden"),
                },
            });
        }
        audit::record(
            &mut tx,
            actor,
            "community_report.hide",
            Subject {
                kind: "community_report",
                id,
                org_id: None,
            },
            json!({ "reason": reason }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// One report, hidden or not (the caller decides who may see a hidden one).
    pub async fn community_report(&self, id: &str) -> Result<Option<CommunityReportRow>> {
        let r = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM community_reports WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(report_row).transpose()
    }

    /// The devices of report `id` with their verdicts, by identity.
    pub async fn community_report_devices(&self, id: &str) -> Result<Vec<CommunityDeviceRow>> {
        let rows = sqlx::query(
            "SELECT base_identity, category, verdict FROM community_devices \
             WHERE report_id = $1 ORDER BY base_identity",
        )
        .bind(id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CommunityDeviceRow {
                    base_identity: col(r, "base_identity")?,
                    category: col(r, "category")?,
                    verdict: col(r, "verdict")?,
                })
            })
            .collect()
    }

    /// The moderation queue: reports newest first, hidden ones included.
    pub async fn community_queue(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<CommunityReportRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {REPORT_COLUMNS} FROM community_reports \
             ORDER BY created_at DESC, id DESC LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(report_row).collect()
    }

    /// Every device's community counts `(works, problems)`, for the offline snapshot.
    pub async fn all_community_counts(&self) -> Result<HashMap<String, (i64, i64)>> {
        let rows = sqlx::query(&format!("{DEVICE_COUNTS} GROUP BY d.base_identity"))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    col(r, "base_identity")?,
                    (col(r, "works")?, col(r, "problems")?),
                ))
            })
            .collect()
    }

    /// Machines per system vendor and model (as their probes name them, visible reports only)
    /// whose person says everything works, and whose person reports problems:
    /// `(vendor, model) -> (works, problems)`, for the open-data export.
    pub async fn community_counts_by_model(&self) -> Result<Vec<ModelCountRow>> {
        let rows = sqlx::query(
            "SELECT system_vendor, system_model, \
             SUM(CASE WHEN summary = 'all_work' THEN 1 ELSE 0 END) AS works, \
             SUM(CASE WHEN summary = 'all_work' THEN 0 ELSE 1 END) AS problems \
             FROM community_reports WHERE hidden_at IS NULL \
             AND system_vendor IS NOT NULL AND system_model IS NOT NULL \
             GROUP BY system_vendor, system_model",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ModelCountRow {
                    vendor: col(r, "system_vendor")?,
                    model: col(r, "system_model")?,
                    works: col(r, "works")?,
                    problems: col(r, "problems")?,
                })
            })
            .collect()
    }

    /// Machines that say each of `base_identities` works or does not (visible reports, all
    /// releases): `(works, problems)` for those with any.
    pub async fn devices_community(
        &self,
        base_identities: &[&str],
    ) -> Result<HashMap<String, (i64, i64)>> {
        let mut out = HashMap::new();
        for chunk in base_identities.chunks(500) {
            let mut sql = format!("{DEVICE_COUNTS} AND d.base_identity IN (");
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!("${}", i + 1));
            }
            sql.push_str(") GROUP BY d.base_identity");
            let mut q = sqlx::query(&sql);
            for id in chunk {
                q = q.bind(*id);
            }
            for r in q.fetch_all(self.pool()).await? {
                out.insert(
                    col(&r, "base_identity")?,
                    (col(&r, "works")?, col(&r, "problems")?),
                );
            }
        }
        Ok(out)
    }
}
