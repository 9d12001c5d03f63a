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
use super::{col, now, ts, Actor, Result, Store, StoreError, WriteTx};

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

/// Machines per device that say it works / has problems, over visible reports (the kept counts
/// of `community_counts`, all releases); callers add a condition on `d.base_identity` (or none)
/// and `GROUP BY d.base_identity`.
const DEVICE_COUNTS: &str = "SELECT d.base_identity, SUM(d.works) AS works, \
     SUM(d.problems) AS problems FROM community_counts d WHERE (d.works > 0 OR d.problems > 0)";

/// Adds (`sign` 1) or takes away (`sign` -1) report `$1`'s verdicts in `community_counts`, one
/// row per device for the report's release and kernel series. The caller knows the report is
/// (or was, until this transaction) visible.
const COUNT_REPORT: &str = "INSERT INTO community_counts \
     (base_identity, release, kernel_series, works, problems) \
     SELECT d.base_identity, r.release, r.kernel_series, \
        $2 * SUM(CASE WHEN d.verdict = 'works' THEN 1 ELSE 0 END), \
        $2 * SUM(CASE WHEN d.verdict = 'problem' THEN 1 ELSE 0 END) \
     FROM community_devices d JOIN community_reports r ON r.id = d.report_id \
     WHERE d.report_id = $1 AND d.verdict <> 'unconfirmed' \
     GROUP BY d.base_identity, r.release, r.kernel_series \
     ON CONFLICT (base_identity, release, kernel_series) DO UPDATE SET \
        works = community_counts.works + excluded.works, \
        problems = community_counts.problems + excluded.problems";

/// Counts of report `$1`'s devices that fell to zero (after [`COUNT_REPORT`] took it away).
const DROP_ZERO_COUNTS: &str = "DELETE FROM community_counts \
     WHERE works = 0 AND problems = 0 AND base_identity IN \
        (SELECT base_identity FROM community_devices WHERE report_id = $1)";

/// Adds or takes away report `id`'s verdicts in the kept counts, in `tx`.
async fn count_report(tx: &mut WriteTx, id: &str, sign: i64) -> Result<()> {
    sqlx::query(COUNT_REPORT)
        .bind(id)
        .bind(sign)
        .execute(&mut *tx.tx)
        .await?;
    if sign < 0 {
        sqlx::query(DROP_ZERO_COUNTS)
            .bind(id)
            .execute(&mut *tx.tx)
            .await?;
    }
    Ok(())
}

/// Deletes report `id` and its devices. A report another transaction removed meanwhile is a
/// conflict, so that transaction's counts are not taken away twice.
async fn remove_report(tx: &mut WriteTx, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM community_devices WHERE report_id = $1")
        .bind(id)
        .execute(&mut *tx.tx)
        .await?;
    let n = sqlx::query("DELETE FROM community_reports WHERE id = $1")
        .bind(id)
        .execute(&mut *tx.tx)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(StoreError::Conflict(format!(
            "community report {id} was removed by another request"
        )));
    }
    Ok(())
}

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
        let old = sqlx::query("SELECT id, hidden_at FROM community_reports WHERE machine_id = $1")
            .bind(&new.machine_id)
            .fetch_optional(&mut *tx.tx)
            .await?;
        let replaced = old.as_ref().map(|r| col::<String>(r, "id")).transpose()?;
        if let (Some(row), Some(old)) = (&old, &replaced) {
            if col::<Option<String>>(row, "hidden_at")?.is_none() {
                count_report(&mut tx, old, -1).await?;
            }
            remove_report(&mut tx, old).await?;
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
        count_report(&mut tx, &new.id, 1).await?;
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
        let row =
            sqlx::query("SELECT deletion_sha256, hidden_at FROM community_reports WHERE id = $1")
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
        if col::<Option<String>>(&row, "hidden_at")?.is_none() {
            count_report(&mut tx, id, -1).await?;
        }
        remove_report(&mut tx, id).await?;
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
        count_report(&mut tx, id, -1).await?;
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

    /// Where the kept counts (`community_counts`) differ from a count of the visible reports'
    /// verdicts, one line per (device, release, kernel series); empty when they agree (what
    /// `admin check` asserts). Reads every community device row: not for requests.
    pub async fn community_counts_drift(&self) -> Result<Vec<String>> {
        let counted = |sql: &'static str| async move {
            let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
            rows.iter()
                .map(|r| {
                    Ok((
                        (
                            col::<String>(r, "base_identity")?,
                            col::<String>(r, "release")?,
                            col::<String>(r, "kernel_series")?,
                        ),
                        (col::<i64>(r, "works")?, col::<i64>(r, "problems")?),
                    ))
                })
                .collect::<Result<std::collections::BTreeMap<_, _>>>()
        };
        let kept = counted(
            "SELECT base_identity, release, kernel_series, CAST(works AS BIGINT) AS works, \
             CAST(problems AS BIGINT) AS problems FROM community_counts WHERE works <> 0 OR problems <> 0",
        )
        .await?;
        let fresh = counted(
            "SELECT d.base_identity, r.release, r.kernel_series, \
             SUM(CASE WHEN d.verdict = 'works' THEN 1 ELSE 0 END) AS works, \
             SUM(CASE WHEN d.verdict = 'problem' THEN 1 ELSE 0 END) AS problems \
             FROM community_devices d JOIN community_reports r ON r.id = d.report_id \
             WHERE d.verdict <> 'unconfirmed' AND r.hidden_at IS NULL \
             GROUP BY d.base_identity, r.release, r.kernel_series",
        )
        .await?;
        let mut drift = Vec::new();
        for key in kept
            .keys()
            .chain(fresh.keys())
            .collect::<std::collections::BTreeSet<_>>()
        {
            let (k, f) = (kept.get(key), fresh.get(key));
            if k != f {
                let (identity, release, kernel) = key;
                drift.push(format!(
                    "community counts of {identity} ({release}, kernel {kernel}): kept \
                     {:?}, the reports give {:?} (works, problems)",
                    k.copied().unwrap_or_default(),
                    f.copied().unwrap_or_default()
                ));
            }
        }
        Ok(drift)
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
