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

use super::openapi::ErrorBody;
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionItem {
    #[serde(flatten)]
    pub submission: Submission,
    pub url: String,
}

/// A submission with everything a reviewer (or its vendor) reads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// A page of submissions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SubmissionList {
    pub submissions: Vec<SubmissionItem>,
}

/// Audit events, in order (a submission's history, the audit log).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Events {
    pub events: Vec<AuditEntry>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
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

/// Submits a signed report (a DSSE envelope, JSON, signed by one of the organisation's active
/// keys). The same bytes again answer the same submission.
#[utoipa::path(
    post,
    path = "/api/v1/submissions",
    operation_id = "create_submission",
    tag = "submissions",
    request_body(content = Object, description = "The DSSE envelope of an mxcert report, as `mxcert sign` writes it", content_type = "application/json"),
    security(("token" = [])),
    responses(
        (status = 201, description = "Stored; automated checks recorded", body = SubmissionRef),
        (status = 200, description = "Already submitted by this organisation (the same bytes, or the same report)", body = SubmissionRef),
        (status = 400, description = "Not an envelope (`malformed_body`, `malformed_envelope`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a vendor", body = ErrorBody),
        (status = 409, description = "Another envelope with the same report id (`duplicate_report_id`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
        (status = 422, description = "Signature or payload refused (`schema_invalid`, `invalid_report` (a text with a NUL character), `unknown_keyid`, `key_revoked`, a signature error's code)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
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

/// Submissions, newest first: a vendor's own organisation's; reviewers and admins any (`org`).
#[utoipa::path(
    get,
    path = "/api/v1/submissions",
    operation_id = "list_submissions",
    tag = "submissions",
    params(ListQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "A page of submissions", body = SubmissionList),
        (status = 400, description = "Unknown status or malformed query (`malformed_query`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<SubmissionList>> {
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
    Ok(Json(SubmissionList { submissions: items }))
}

/// A submission with its automated checks, comments, results, devices and links.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}",
    operation_id = "show_submission",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The submission", body = SubmissionDetail),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
    )
)]
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
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}/envelope",
    operation_id = "submission_envelope",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    security((), ("token" = [])),
    responses(
        (status = 200, description = "The DSSE envelope, byte for byte as submitted", content_type = "application/json", body = Object),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not yet approved, another organisation's, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
    )
)]
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

/// What changed since the previous submission of the same model.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}/diff",
    operation_id = "submission_diff",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The differences", body = review::Diff),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission, or no previous submission of the same model (`not_found`)", body = ErrorBody),
    )
)]
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

/// The submission's audit events, in order.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}/history",
    operation_id = "submission_history",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The events", body = Events),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
    )
)]
pub async fn history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Events>> {
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
    Ok(Json(Events { events }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentBody {
    pub comment: String,
}

/// Comments on a submission the caller may read.
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/comments",
    operation_id = "comment_submission",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    request_body = CommentBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The comment", body = Comment),
        (status = 400, description = "Malformed body or empty comment (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    #[serde(default)]
    pub comment: Option<String>,
}

/// Approves a submission in review and issues its certificate (a reviewer or admin of another
/// organisation).
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/approve",
    operation_id = "approve_submission",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    request_body(content = Option<ApproveBody>, description = "Optional: a comment"),
    security(("token" = [])),
    responses(
        (status = 200, description = "Approved, with its certificate", body = SubmissionRef),
        (status = 400, description = "Malformed body (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or the caller's own organisation's (`forbidden`, `own_organisation`)", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not in review, or its signing key was revoked as compromised (`invalid_state`, `signing_key_compromised`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RejectBody {
    pub reason: String,
}

/// Rejects a submission with a reason (a reviewer or admin of another organisation).
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/reject",
    operation_id = "reject_submission",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    request_body = RejectBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Rejected", body = SubmissionRef),
        (status = 400, description = "Malformed body or empty reason (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer, or the caller's own organisation's (`forbidden`, `own_organisation`)", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already decided (`invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<RejectBody>,
) -> ApiResult<Json<SubmissionRef>> {
    let s = workflow::reject(&state, &caller, &id, &body.reason).await?;
    Ok(Json(reference(&s)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WithdrawBody {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Withdraws a submission not yet decided (a vendor of the submitting organisation).
#[utoipa::path(
    post,
    path = "/api/v1/submissions/{id}/withdraw",
    operation_id = "withdraw_submission",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    request_body(content = Option<WithdrawBody>, description = "Optional: a reason"),
    security(("token" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = SubmissionRef),
        (status = 400, description = "Malformed body (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a vendor, or another organisation's submission", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already decided (`invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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
