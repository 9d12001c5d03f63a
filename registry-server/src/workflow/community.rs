//! Community reports (issue 18): who may share, read, delete and hide them, for the JSON API and
//! the portal alike.
//!
//! Anyone may share a report (no account; rate-limited per address and per machine id by the
//! caller): it is parsed strictly, validated by [`mxcert_core::community`] (lists naming the
//! machine's own devices, a comment without personal data), scrubbed again and stored without
//! its machine id, replacing that machine's earlier report. The person gets a deletion token,
//! shown once and stored as SHA-256. Anyone may read a visible report; its token's holder may
//! delete it; reviewers (and admins) see the moderation queue and hide reports, audited.

use mxcert_core::community::{self, CommunityReport, Verdict};
use rand_core::RngCore as _;
use serde::Serialize;
use sha2::{Digest as _, Sha256};
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::store::community::{CommunityReportRow, NewCommunityReport};
use crate::store::{Actor, Store, StoreError};

/// What sharing a report answers (the deletion token is shown only here).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Shared {
    pub id: String,
    /// The report's public page.
    pub url: String,
    /// `DELETE /api/v1/community/reports/{id}` with this in `X-Deletion-Token` deletes the
    /// report. Shown once; keep it.
    pub deletion_token: String,
    /// Whether it replaced this machine's earlier report.
    pub replaced: bool,
    /// Devices the person confirmed work.
    pub works: usize,
    /// Devices the person said do not work.
    pub problems: usize,
}

/// A community report as anyone may read it (never its machine id).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityReportView {
    pub id: String,
    pub created_at: String,
    /// Distribution release (`mxos 1.0`).
    pub release: String,
    /// Kernel series (`6.8`).
    pub kernel_series: String,
    pub system_vendor: Option<String>,
    pub system_model: Option<String>,
    /// `all_work`, `some_problems` or `nothing_works`.
    pub summary: String,
    pub problem_areas: Vec<String>,
    pub comment: Option<String>,
    pub language: Option<String>,
    pub device_count: i64,
    /// Set when a reviewer hid the report (only reviewers see hidden reports).
    pub hidden_at: Option<String>,
    pub hidden_reason: Option<String>,
    /// The devices with the person's verdict (`works`, `problem`, `unconfirmed`).
    pub devices: Vec<CommunityDeviceView>,
    pub url: String,
}

/// A device of a community report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityDeviceView {
    pub identity: String,
    pub category: String,
    pub verdict: String,
    /// The device's compatibility in the API.
    pub url: String,
}

/// One page of the moderation queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityQueue {
    pub reports: Vec<CommunityQueueItem>,
}

/// A report in the moderation queue.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityQueueItem {
    pub id: String,
    pub created_at: String,
    pub release: String,
    pub kernel_series: String,
    pub system_vendor: Option<String>,
    pub system_model: Option<String>,
    pub summary: String,
    pub problem_areas: Vec<String>,
    pub comment: Option<String>,
    pub device_count: i64,
    pub hidden_at: Option<String>,
    pub hidden_reason: Option<String>,
    pub url: String,
}

impl From<CommunityReportRow> for CommunityQueueItem {
    fn from(r: CommunityReportRow) -> Self {
        CommunityQueueItem {
            url: crate::urls::community_report(&r.id),
            id: r.id,
            created_at: r.created_at,
            release: r.release,
            kernel_series: r.kernel_series,
            system_vendor: r.system_vendor,
            system_model: r.system_model,
            summary: r.summary,
            problem_areas: r.problem_areas,
            comment: r.comment,
            device_count: r.device_count,
            hidden_at: r.hidden_at,
            hidden_reason: r.hidden_reason,
        }
    }
}

/// Parses a shared report strictly: 400 `malformed_body` for what is not JSON of the format,
/// 422 `invalid_report` for a report the rules refuse (the message says which rule).
pub fn parse(body: &[u8]) -> ApiResult<CommunityReport> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "malformed_body",
            "the body is empty: send a community report (what `mxcert share` sends)",
        ));
    }
    // A NUL inside a JSON string cannot be stored as text.
    if body.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000")) {
        return Err(ApiError::unprocessable(
            "invalid_report",
            "the report holds a NUL character (\\u0000) in a string",
        ));
    }
    let report: CommunityReport = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_body",
            format!("not a community report (schema community-report.v1): {e}"),
        )
    })?;
    report
        .validate()
        .map_err(|e| ApiError::unprocessable("invalid_report", e.to_string()))?;
    Ok(report)
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Stores a parsed report (see the module documentation).
pub async fn share(store: &Store, report: CommunityReport) -> ApiResult<Shared> {
    let verdicts = report.device_verdicts();
    let mut inventory = report.inventory.clone();
    let machine_id = inventory.machine_id.take().ok_or_else(|| {
        ApiError::unprocessable(
            "invalid_report",
            community::CommunityError::NoMachineId.to_string(),
        )
    })?;
    let inventory_json = serde_json::to_string(&inventory).map_err(ApiError::internal)?;
    // The probe scrubs; this is the registry's own last line over every string.
    let inventory_json = mxcert_core::privacy::scrub_all(&inventory_json).into_owned();
    let scrub = |s: &Option<String>| {
        s.as_deref()
            .map(|v| mxcert_core::privacy::scrub_all(v).into_owned())
    };
    let mut token = [0u8; 32];
    rand_core::OsRng.fill_bytes(&mut token);
    let deletion_token = format!("mxd_{}", hex::encode(token));
    let id = crate::store::new_id();
    let count = |v: Verdict| verdicts.values().filter(|(_, x)| *x == v).count();
    let new = NewCommunityReport {
        id: id.clone(),
        // Keyed by a hash, so the stored column is not the probe's id either.
        machine_id: sha256_hex(format!("mxcert community machine\0{machine_id}").as_bytes()),
        release: community::release_of(&inventory),
        kernel_series: community::kernel_series_of(&inventory),
        system_vendor: scrub(&inventory.system.vendor),
        system_model: scrub(&inventory.system.product),
        summary: serde_json::to_value(report.summary)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        problem_areas: report.problem_areas.clone(),
        comment: report
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned),
        language: report
            .language
            .clone()
            .filter(|l| matches!(l.as_str(), "es" | "en")),
        // The content without the machine id: the same report replayed under forged machine
        // ids is a duplicate.
        content_sha256: sha256_hex(
            serde_json::to_string(&CommunityReport {
                inventory: inventory.clone(),
                ..report.clone()
            })
            .unwrap_or_default()
            .as_bytes(),
        ),
        deletion_sha256: sha256_hex(deletion_token.as_bytes()),
        inventory: inventory_json,
        devices: verdicts
            .iter()
            .map(|(identity, (category, verdict))| {
                (
                    identity.clone(),
                    category.as_str().to_owned(),
                    verdict_str(*verdict).to_owned(),
                )
            })
            .collect(),
    };
    let stored = store.store_community_report(&new).await?;
    Ok(Shared {
        url: crate::urls::community_report(&stored.id),
        id: stored.id,
        deletion_token,
        replaced: stored.replaced.is_some(),
        works: count(Verdict::Works),
        problems: count(Verdict::Problem),
    })
}

fn verdict_str(v: Verdict) -> &'static str {
    match v {
        Verdict::Works => "works",
        Verdict::Problem => "problem",
        Verdict::Unconfirmed => "unconfirmed",
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!(
        "no community report {id} (it may have been deleted, replaced by a newer one from the same \
         machine, or hidden by a reviewer)"
    ))
}

/// A report as anyone may read it; hidden ones only for reviewers (`reviewer`).
pub async fn view(store: &Store, id: &str, reviewer: bool) -> ApiResult<CommunityReportView> {
    let row = store
        .community_report(id)
        .await?
        .filter(|r| reviewer || r.hidden_at.is_none())
        .ok_or_else(|| not_found(id))?;
    let devices = store.community_report_devices(id).await?;
    Ok(CommunityReportView {
        url: crate::urls::community_report(&row.id),
        id: row.id,
        created_at: row.created_at,
        release: row.release,
        kernel_series: row.kernel_series,
        system_vendor: row.system_vendor,
        system_model: row.system_model,
        summary: row.summary,
        problem_areas: row.problem_areas,
        comment: row.comment,
        language: row.language,
        device_count: row.device_count,
        hidden_at: row.hidden_at,
        hidden_reason: row.hidden_reason,
        devices: devices
            .into_iter()
            .map(|d| CommunityDeviceView {
                url: crate::urls::device(&d.base_identity),
                identity: d.base_identity,
                category: d.category,
                verdict: d.verdict,
            })
            .collect(),
    })
}

/// Deletes a report with its deletion token: 404 when there is no such report, 403
/// `wrong_token` when the token is not its own.
pub async fn delete(store: &Store, id: &str, token: Option<&str>) -> ApiResult<()> {
    let token = token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::unauthenticated(
                "send the deletion token `mxcert share` printed in the X-Deletion-Token header",
            )
        })?;
    match store
        .delete_community_report(id, &sha256_hex(token.as_bytes()))
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::NotFound(_)) => Err(not_found(id)),
        Err(StoreError::Refused { message, .. }) => Err(ApiError {
            code: "wrong_token",
            ..ApiError::forbidden(message)
        }),
        Err(e) => Err(e.into()),
    }
}

/// Hides a report (a reviewer's decision, audited with the reason).
pub async fn hide(store: &Store, id: &str, reason: &str, actor: &Actor) -> ApiResult<()> {
    let reason = super::required_text("reason", reason, 500)?;
    match store.hide_community_report(id, &reason, actor).await {
        Err(StoreError::NotFound(_)) => Err(not_found(id)),
        other => Ok(other?),
    }
}

/// The moderation queue, newest first (reviewers).
pub async fn queue(store: &Store, limit: i64, offset: i64) -> ApiResult<CommunityQueue> {
    if !(1..=200).contains(&limit) || offset < 0 {
        return Err(ApiError::bad_request(
            "invalid_field",
            "limit is between 1 and 200 and offset is not negative",
        ));
    }
    Ok(CommunityQueue {
        reports: store
            .community_queue(limit, offset)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    })
}
