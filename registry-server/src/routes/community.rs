//! Community reports (issue 18): `POST /api/v1/community/reports` (anyone, rate-limited per
//! address and per machine id), `GET /api/v1/community/reports/{id}` (anyone; hidden reports
//! only reviewers), `DELETE /api/v1/community/reports/{id}` (whoever holds its deletion token),
//! `GET /api/v1/community/reports` (the moderation queue) and `POST .../{id}/hide` (reviewers).
//! The rules are in [`crate::workflow::community`].

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use serde::Deserialize;

use super::openapi::ErrorBody;
use super::Page;
use crate::auth::{Auth, Reviewer};
use crate::client_addr::ClientAddr;
use crate::error::ApiResult;
use crate::extract::{self, Query};
use crate::state::AppState;
use crate::workflow::community::{self as workflow, CommunityQueue, CommunityReportView, Shared};

/// Shares what works on a machine: a community report (`schemas/community-report.v1`).
#[utoipa::path(
    post,
    path = "/api/v1/community/reports",
    operation_id = "share_community_report",
    tag = "community",
    request_body(
        description = "A community report: an mxcert probe with the person's verdicts (what `mxcert share` sends)",
        content((String = "application/json"))
    ),
    responses(
        (status = 201, description = "Stored (replacing this machine's earlier report, if any); the deletion token is shown only here", body = Shared),
        (status = 400, description = "Empty body or not a community report (`malformed_body`)", body = ErrorBody),
        (status = 409, description = "The same report was already shared from another machine id (`duplicate`)", body = ErrorBody),
        (status = 413, description = "Body over the limit (`body_too_large`)", body = ErrorBody),
        (status = 422, description = "A rule refused it: no machine id, too many devices, lists naming devices the machine lacks, personal data in the comment (`invalid_report`)", body = ErrorBody),
        (status = 429, description = "Too many reports from this address or this machine (`rate_limited`; see `Retry-After`)", body = ErrorBody),
        (status = 503, description = "Every parser stayed busy for the queue wait (`busy`; `Retry-After: 1`)", body = ErrorBody),
    )
)]
pub async fn share(
    State(state): State<AppState>,
    req: Request,
) -> ApiResult<(StatusCode, Json<Shared>)> {
    let (parts, body) = req.into_parts();
    state.community_posts.check(ClientAddr::of(
        &parts.headers,
        &parts.extensions,
        &state.config.trusted_proxies,
    ))?;
    let limit = state.config.check_max_body_bytes;
    let body = super::read_body(body, limit).await?;
    let report = state
        .heavy
        .run(move |_cancel| workflow::parse(&body))
        .await??;
    if let Some(machine) = report.inventory.machine_id.clone() {
        state.community_machines.check(machine)?;
    }
    let shared = workflow::share(&state.store, report).await?;
    Ok((StatusCode::CREATED, Json(shared)))
}

/// One community report (hidden ones only for reviewers).
#[utoipa::path(
    get,
    path = "/api/v1/community/reports/{id}",
    operation_id = "show_community_report",
    tag = "community",
    params(("id" = String, Path, description = "The report's id")),
    responses(
        (status = 200, description = "The report", body = CommunityReportView),
        (status = 401, description = "An invalid token (`unauthenticated`)", body = ErrorBody),
        (status = 404, description = "No such report, or hidden (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    auth: Auth,
    Path(id): Path<String>,
) -> ApiResult<Json<CommunityReportView>> {
    let reviewer = auth.0.is_some_and(|c| c.require_review().is_ok());
    Ok(Json(workflow::view(&state.store, &id, reviewer).await?))
}

/// Deletes a community report with the deletion token printed when it was shared.
#[utoipa::path(
    delete,
    path = "/api/v1/community/reports/{id}",
    operation_id = "delete_community_report",
    tag = "community",
    params(
        ("id" = String, Path, description = "The report's id"),
        ("X-Deletion-Token" = String, Header, description = "The token `mxcert share` printed"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No deletion token (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not this report's token (`wrong_token`)", body = ErrorBody),
        (status = 404, description = "No such report (`not_found`)", body = ErrorBody),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    let token = headers
        .get("x-deletion-token")
        .and_then(|v| v.to_str().ok());
    workflow::delete(&state.store, &id, token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The moderation queue: community reports, newest first, hidden ones included (reviewers).
#[utoipa::path(
    get,
    path = "/api/v1/community/reports",
    operation_id = "list_community_reports",
    tag = "community",
    params(Page),
    security(("token" = [])),
    responses(
        (status = 200, description = "One page of reports", body = CommunityQueue),
        (status = 400, description = "Malformed query or limit out of 1..200 (`malformed_query`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer nor an admin", body = ErrorBody),
    )
)]
pub async fn queue(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    Query(page): Query<Page>,
) -> ApiResult<Json<CommunityQueue>> {
    Ok(Json(
        workflow::queue(&state.store, page.limit.min(200), page.offset).await?,
    ))
}

/// Why a reviewer hides a report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HideBody {
    pub reason: String,
}

/// Hides a community report: it no longer counts nor shows (reviewers; audited).
#[utoipa::path(
    post,
    path = "/api/v1/community/reports/{id}/hide",
    operation_id = "hide_community_report",
    tag = "community",
    params(("id" = String, Path, description = "The report's id")),
    request_body = HideBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Hidden", body = CommunityReportView),
        (status = 400, description = "Malformed body or empty reason (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer nor an admin", body = ErrorBody),
        (status = 404, description = "No such report (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already hidden (`already_hidden`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
pub async fn hide(
    State(state): State<AppState>,
    Reviewer(caller): Reviewer,
    Path(id): Path<String>,
    extract::Json(body): extract::Json<HideBody>,
) -> ApiResult<Json<CommunityReportView>> {
    workflow::hide(&state.store, &id, &body.reason, &caller.actor()).await?;
    Ok(Json(workflow::view(&state.store, &id, true).await?))
}
