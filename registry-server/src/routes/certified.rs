//! `GET /api/v1/certified`: the public list of certified systems (certificates neither revoked
//! nor expired, newest first): vendor, model, submission, approval time, plan. The search and
//! filters of the public side (issue 6) build on `/api/v1/systems`, not on this list.

use axum::extract::State;
use axum::Json;

use super::Page;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::state::AppState;

pub async fn list(
    State(state): State<AppState>,
    Query(page): Query<Page>,
) -> ApiResult<Json<serde_json::Value>> {
    let certified = state
        .store
        .list_certified(page.limit, page.offset, &crate::public::now())
        .await?;
    Ok(Json(serde_json::json!({ "certified": certified })))
}
