//! `GET /api/v1/audit`: the audit log, in order (admins and reviewers).

use axum::extract::State;
use axum::Json;
use serde::Deserialize;

use crate::auth::Reviewer;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::state::AppState;
use crate::store::audit::AuditFilter;

#[derive(Debug, Deserialize)]
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

pub async fn list(
    State(state): State<AppState>,
    Reviewer(_): Reviewer,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Json<serde_json::Value>> {
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
    Ok(Json(serde_json::json!({ "events": entries })))
}
