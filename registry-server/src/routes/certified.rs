//! `GET /api/v1/certified`: the public list of certified systems (certificates neither revoked
//! nor expired, newest first): vendor, model, submission, approval time, plan. The search and
//! filters of the public side (issue 6) build on `/api/v1/systems`, not on this list.

use axum::extract::State;
use axum::Json;

use super::openapi::ErrorBody;
use super::Page;
use crate::error::ApiResult;
use crate::extract::Query;
use crate::state::AppState;
use crate::store::CertifiedEntry;

/// A page of certified systems.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CertifiedList {
    pub certified: Vec<CertifiedEntry>,
}

/// Certified systems: certificates neither revoked nor expired, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/certified",
    operation_id = "list_certified",
    tag = "certificates",
    params(Page),
    responses(
        (status = 200, description = "A page of certified systems", body = CertifiedList),
        (status = 400, description = "Malformed query (`malformed_query`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Query(page): Query<Page>,
) -> ApiResult<Json<CertifiedList>> {
    let certified = state
        .store
        .list_certified(page.limit, page.offset, &crate::public::now())
        .await?;
    Ok(Json(CertifiedList { certified }))
}
