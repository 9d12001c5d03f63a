//! `/api/v1/certificates`: a certificate's record and status, the signed certificate and
//! revocation as stored, revocation by reviewers, and the ordered event log of issuances and
//! revocations (the base of a future transparency log).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::submissions::json_bytes;
use crate::auth::Reviewer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::store::{CertificateEvent, CertificateRecord};
use crate::urls;
use crate::workflow::certificates::{self as workflow, check_id, current_status};

/// A certificate with its current status and where to fetch the signed documents.
#[derive(Debug, Serialize)]
pub struct CertificateView {
    #[serde(flatten)]
    pub record: CertificateRecord,
    /// `valid`, `revoked` or `expired`.
    pub current_status: String,
    pub url: String,
    pub envelope_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revocation_url: Option<String>,
    pub submission_envelope_url: String,
}

pub fn view(record: CertificateRecord) -> CertificateView {
    CertificateView {
        current_status: current_status(&record, chrono::Utc::now()),
        url: urls::certificate(&record.id),
        envelope_url: urls::certificate_envelope(&record.id),
        revocation_url: record
            .revocation_envelope_sha256
            .as_ref()
            .map(|_| urls::certificate_revocation(&record.id)),
        submission_envelope_url: urls::submission_envelope(&record.submission_id),
        record,
    }
}

pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateView>> {
    check_id(&id)?;
    Ok(Json(view(state.store.get_certificate(&id).await?)))
}

pub async fn envelope(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    check_id(&id)?;
    let c = state.store.get_certificate(&id).await?;
    Ok(json_bytes(state.store.envelope(&c.envelope_sha256).await?))
}

pub async fn revocation(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    check_id(&id)?;
    let c = state.store.get_certificate(&id).await?;
    let sha = c
        .revocation_envelope_sha256
        .ok_or_else(|| ApiError::not_found(format!("certificate {id} is not revoked")))?;
    Ok(json_bytes(state.store.envelope(&sha).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
}

pub async fn revoke(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<RevokeBody>,
) -> ApiResult<Json<CertificateView>> {
    Ok(Json(view(
        workflow::revoke(&state, &caller, &id, &body.reason).await?,
    )))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(default)]
    pub after: i64,
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    100
}

pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let events: Vec<CertificateEvent> = state.store.certificate_events(q.after, q.limit).await?;
    Ok(Json(serde_json::json!({ "events": events })))
}
