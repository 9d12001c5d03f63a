//! `GET /api/v1/systems` (search certified systems), `GET /api/v1/systems/facets` (the values the
//! filters offer) and `GET /api/v1/systems/{certificate_id}` (one certified system). Public.
//! The work is in [`crate::public::systems`].

use axum::extract::State;
use axum::Json;

use super::openapi::ErrorBody;
use crate::error::ApiResult;
use crate::extract::{Path, Query};
use crate::public::systems::{self, SystemDetail, SystemFacets, SystemPage, SystemQuery};
use crate::state::AppState;

/// Search, filter, sort and page the certified systems.
#[utoipa::path(
    get,
    path = "/api/v1/systems",
    tag = "systems",
    params(SystemQuery),
    responses(
        (status = 200, description = "One page of certified systems", body = SystemPage),
        (status = 400, description = "A parameter is malformed or out of range (`malformed_query`, `invalid_field`)", body = ErrorBody),
    )
)]
pub async fn search(
    State(state): State<AppState>,
    Query(q): Query<SystemQuery>,
) -> ApiResult<Json<SystemPage>> {
    Ok(Json(systems::search(&state.store, &q).await?))
}

/// How many certified systems there are per vendor, category and release.
#[utoipa::path(
    get,
    path = "/api/v1/systems/facets",
    tag = "systems",
    responses((status = 200, description = "Filter values with counts", body = SystemFacets))
)]
pub async fn facets(State(state): State<AppState>) -> ApiResult<Json<SystemFacets>> {
    Ok(Json(systems::facets(&state.store).await?))
}

/// One certified system: identity, release, plan, results by category, devices, the signed
/// certificate and links to the signed report.
#[utoipa::path(
    get,
    path = "/api/v1/systems/{certificate_id}",
    operation_id = "show_system",
    tag = "systems",
    params(("certificate_id" = String, Path, description = "e.g. `MX-2026-000123`")),
    responses(
        (status = 200, description = "The certified system", body = SystemDetail),
        (status = 400, description = "Not a certificate id (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "No such certified system (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(certificate_id): Path<String>,
) -> ApiResult<Json<SystemDetail>> {
    Ok(Json(systems::detail(&state.store, &certificate_id).await?))
}
