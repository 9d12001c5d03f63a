//! `/api/v1/submissions`: vendors submit signed reports, list and read their own, comment and
//! withdraw; reviewers read any, see the automated checks and the diff to the previous
//! submission of the same model, comment, approve (which issues the certificate) and reject.
//! Who may do what is [`crate::workflow::submissions`]'s.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::Page;
use crate::auth::{Auth, Caller, Reviewer, Vendor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, OptionalJson, Path, Query, RawBody};
use crate::ingest;
use crate::review;
use crate::state::AppState;
use crate::store::{
    AuditEntry, AutomatedCheck, Comment, CreateOutcome, DeviceRow, ResultRow, StoreError,
    Submission, SubmissionStatus,
};
use crate::urls;
use crate::workflow::submissions as workflow;

/// The answer to a submission or a decision: `{"id","status","url"}` (plus the certificate once
/// approved).
#[derive(Debug, Serialize)]
pub struct SubmissionRef {
    pub id: String,
    pub status: SubmissionStatus,
    pub url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_url: Option<String>,
}

fn reference(s: &Submission) -> SubmissionRef {
    SubmissionRef {
        id: s.id.clone(),
        status: s.status,
        url: urls::submission(&s.id),
        certificate_url: s.certificate_id.as_deref().map(urls::certificate),
        certificate_id: s.certificate_id.clone(),
    }
}

/// A submission in a list.
#[derive(Debug, Serialize)]
pub struct SubmissionItem {
    #[serde(flatten)]
    pub submission: Submission,
    pub url: String,
}

/// A submission with everything a reviewer (or its vendor) reads.
#[derive(Debug, Serialize)]
pub struct SubmissionDetail {
    #[serde(flatten)]
    pub submission: Submission,
    pub url: String,
    pub automated_checks: Vec<AutomatedCheck>,
    pub comments: Vec<Comment>,
    pub results: Vec<ResultRow>,
    pub devices: Vec<DeviceRow>,
    pub links: Links,
}

#[derive(Debug, Serialize)]
pub struct Links {
    pub envelope: String,
    pub history: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
}

pub async fn create(
    State(state): State<AppState>,
    Vendor(caller): Vendor,
    RawBody(bytes): RawBody,
) -> ApiResult<(StatusCode, Json<SubmissionRef>)> {
    let sha = ingest::sha256_hex(&bytes);
    // A retry after a timeout: the same bytes get the same submission.
    if let Some(existing) = state
        .store
        .submission_by_envelope(&caller.org_id, &sha)
        .await?
    {
        return Ok((StatusCode::OK, Json(reference(&existing))));
    }
    let keys = state.store.list_keys(Some(&caller.org_id)).await?;
    let worker_state = state.clone();
    let org_id = caller.org_id.clone();
    let org_name = caller.org_name.clone();
    // Signature, schema and index rows are CPU work: keep it off the async workers.
    let new = tokio::task::spawn_blocking(move || -> ApiResult<_> {
        let verified = ingest::verify(&bytes, &keys, &worker_state.report_schema)?;
        let mut new = ingest::index(&org_id, &bytes, &verified);
        new.checks = review::automated_checks(
            &verified,
            &org_name,
            &worker_state.plans,
            &worker_state.config.min_tool_version,
        );
        Ok(new)
    })
    .await
    .map_err(ApiError::internal)??;
    match state.store.create_submission(&new, &caller.actor()).await {
        Ok(CreateOutcome::Created(s)) => Ok((StatusCode::CREATED, Json(reference(&s)))),
        Ok(CreateOutcome::Existing(s)) => Ok((StatusCode::OK, Json(reference(&s)))),
        Err(StoreError::Conflict(m)) => Err(ApiError::conflict("duplicate_report_id", m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn default_limit() -> i64 {
    100
}

pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some(s) => Some(SubmissionStatus::parse(s).ok_or_else(|| {
            ApiError::bad_request(
                "malformed_query",
                format!(
                    "unknown status {s:?}; use one of {}",
                    SubmissionStatus::ALL.map(|s| s.as_str()).join(", ")
                ),
            )
        })?),
    };
    let org_id = if caller.role.can_review() {
        q.org
    } else {
        Some(caller.org_id.clone())
    };
    let page = Page {
        limit: q.limit,
        offset: q.offset,
    };
    let items: Vec<SubmissionItem> = state
        .store
        .list_submissions(&crate::store::submissions::SubmissionFilter {
            org_id,
            status,
            system_id: None,
            limit: page.limit,
            offset: page.offset,
        })
        .await?
        .into_iter()
        .map(|s| SubmissionItem {
            url: urls::submission(&s.id),
            submission: s,
        })
        .collect();
    Ok(Json(serde_json::json!({ "submissions": items })))
}

pub async fn show(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<SubmissionDetail>> {
    let s = workflow::readable(&state, &caller, &id).await?;
    let store = &state.store;
    Ok(Json(SubmissionDetail {
        url: urls::submission(&s.id),
        automated_checks: store.submission_checks(&id).await?,
        comments: store.comments(&id).await?,
        results: store.submission_results(&id).await?,
        devices: store.submission_devices(&id).await?,
        links: Links {
            envelope: urls::submission_envelope(&id),
            history: urls::submission_history(&id),
            previous: s.previous_id.as_deref().map(urls::submission),
            diff: s.previous_id.as_ref().map(|_| urls::submission_diff(&id)),
            certificate: s.certificate_id.as_deref().map(urls::certificate),
        },
        submission: s,
    }))
}

/// The signed report exactly as submitted. Public once approved (certificates link to it).
pub async fn envelope(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let s = state.store.get_submission(&id).await?;
    if s.status != SubmissionStatus::Approved {
        auth.caller()?.require_org_or_review(&s.org_id)?;
    }
    let bytes = state.store.envelope(&s.envelope_sha256).await?;
    Ok(json_bytes(bytes))
}

/// Stored JSON bytes, sent as they are.
pub fn json_bytes(bytes: Vec<u8>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        Bytes::from(bytes),
    )
        .into_response()
}

pub async fn diff(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<review::Diff>> {
    let current = workflow::readable(&state, &caller, &id).await?;
    let diff = workflow::diff_to_previous(&state, &current)
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "submission {id} has no previous submission of the same model"
            ))
        })?;
    Ok(Json(diff))
}

pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    workflow::readable(&state, &caller, &id).await?;
    let events: Vec<AuditEntry> = state
        .store
        .audit_list(&crate::store::audit::AuditFilter {
            subject_kind: Some("submission".into()),
            subject_id: Some(id),
            limit: 1000,
            ..Default::default()
        })
        .await?;
    Ok(Json(serde_json::json!({ "events": events })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    pub comment: String,
}

pub async fn comment(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<Comment>)> {
    let body: CommentBody = extract::parse_json(&body)?;
    let c = workflow::comment(&state, &caller, &id, &body.comment).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    pub comment: Option<String>,
}

pub async fn approve(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Path(id): Path<String>,
    OptionalJson(body): OptionalJson<ApproveBody>,
) -> ApiResult<Json<SubmissionRef>> {
    let comment = body.as_ref().and_then(|b| b.comment.as_deref());
    let s = workflow::approve(&state, &caller, &id, comment).await?;
    Ok(Json(reference(&s)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    pub reason: String,
}

pub async fn reject(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<RejectBody>,
) -> ApiResult<Json<SubmissionRef>> {
    let s = workflow::reject(&state, &caller, &id, &body.reason).await?;
    Ok(Json(reference(&s)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    #[serde(default)]
    pub reason: Option<String>,
}

pub async fn withdraw(
    State(state): State<AppState>,
    Vendor(caller): Vendor,
    Path(id): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<Json<SubmissionRef>> {
    let body: Option<WithdrawBody> = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(extract::parse_json(&body)?)
    };
    let reason = body.as_ref().and_then(|b| b.reason.as_deref());
    let s = workflow::withdraw(&state, &caller, &id, reason).await?;
    Ok(Json(reference(&s)))
}
