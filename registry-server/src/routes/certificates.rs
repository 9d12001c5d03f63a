//! `/api/v1/certificates`: a certificate's record and status, the signed certificate and
//! revocation as stored, revocation by reviewers, and the ordered event log of issuances and
//! revocations (the base of a future transparency log).

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::openapi::ErrorBody;
use super::submissions::json_bytes;
use crate::auth::Reviewer;
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::store::{CertificateEvent, CertificateRecord};
use crate::urls;
use crate::workflow::certificates::{self as workflow, check_id, current_status};

/// A certificate with its current status and where to fetch the signed documents.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// Issuances and revocations, in order.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CertificateEvents {
    pub events: Vec<CertificateEvent>,
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

/// A certificate, its current status and where to fetch the signed documents.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}",
    operation_id = "show_certificate",
    tag = "certificates",
    params(("id" = String, Path, description = "The certificate's id")),
    responses(
        (status = 200, description = "The certificate", body = CertificateView),
        (status = 400, description = "Not a certificate id (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "No such certificate (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<CertificateView>> {
    check_id(&id)?;
    Ok(Json(view(state.store.get_certificate(&id).await?)))
}

/// The signed certificate (a DSSE envelope by the registry's key), as stored.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}/envelope",
    operation_id = "certificate_envelope",
    tag = "certificates",
    params(("id" = String, Path, description = "The certificate's id")),
    responses(
        (status = 200, description = "The DSSE envelope of the certificate", content_type = "application/json", body = Object),
        (status = 400, description = "Not a certificate id (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "No such certificate (`not_found`)", body = ErrorBody),
    )
)]
pub async fn envelope(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    check_id(&id)?;
    let c = state.store.get_certificate(&id).await?;
    Ok(json_bytes(state.store.envelope(&c.envelope_sha256).await?))
}

/// The signed revocation (a DSSE envelope by the registry's key), as stored.
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}/revocation",
    operation_id = "certificate_revocation",
    tag = "certificates",
    params(("id" = String, Path, description = "The certificate's id")),
    responses(
        (status = 200, description = "The DSSE envelope of the revocation", content_type = "application/json", body = Object),
        (status = 400, description = "Not a certificate id (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "No such certificate, or not revoked (`not_found`)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeBody {
    pub reason: String,
}

/// Revokes a valid certificate with a signed revocation (a reviewer or admin of another
/// organisation).
#[utoipa::path(
    post,
    path = "/api/v1/certificates/{id}/revoke",
    operation_id = "revoke_certificate",
    tag = "certificates",
    params(("id" = String, Path, description = "The certificate's id")),
    request_body = RevokeBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Revoked", body = CertificateView),
        (status = 400, description = "Not a certificate id, malformed body or empty reason (`malformed_path`, `malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or the caller's own organisation's (`forbidden`, `own_organisation`)", body = ErrorBody),
        (status = 404, description = "No such certificate (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already revoked (`invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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

/// Issuances and revocations, in order (`after` a sequence number).
#[utoipa::path(
    get,
    path = "/api/v1/certificate-events",
    operation_id = "certificate_events",
    tag = "certificates",
    params(EventsQuery),
    responses(
        (status = 200, description = "The events", body = CertificateEvents),
        (status = 400, description = "Malformed query (`malformed_query`)", body = ErrorBody),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    Query(q): Query<EventsQuery>,
) -> ApiResult<Json<CertificateEvents>> {
    let events = state.store.certificate_events(q.after, q.limit).await?;
    Ok(Json(CertificateEvents { events }))
}
