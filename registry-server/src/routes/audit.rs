//! `GET /api/v1/audit`: the audit log, in order (admins and reviewers).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use super::openapi::ErrorBody;
use super::submissions::Events;
use crate::auth::Reviewer;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::state::AppState;
use crate::store::audit::AuditFilter;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    #[serde(default)]
    pub after: Option<i64>,
    #[serde(default)]
    pub subject_kind: Option<String>,
    #[serde(default)]
    pub subject_id: Option<String>,
    #[serde(default)]
    pub org: Option<String>,
    #[serde(default = "default_limit")]
    pub limit: i64,
}

fn default_limit() -> i64 {
    200
}

/// The audit log, in order (admins and reviewers).
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    operation_id = "list_audit",
    tag = "audit",
    params(AuditQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The events", body = Events),
        (status = 400, description = "Malformed query (`malformed_query`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not a reviewer nor an admin", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _reviewer: Reviewer,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<Events>> {
    let entries = state
        .store
        .audit_list(&AuditFilter {
            after_seq: q.after,
            subject_kind: q.subject_kind,
            subject_id: q.subject_id,
            org_id: q.org,
            limit: q.limit,
        })
        .await?;
    Ok(Json(Events { events: entries }))
}
