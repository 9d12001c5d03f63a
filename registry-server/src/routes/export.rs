//! `GET /api/v1/export/certified.json` and `/api/v1/export/certified.csv`: every certified system,
//! one row each, as open data. Public. The work is in [`crate::public::export`].

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::error::ApiResult;
use crate::public::export::{self, CertifiedExport};
use crate::state::AppState;

/// Every certified system, as JSON.
#[utoipa::path(
    get,
    path = "/api/v1/export/certified.json",
    tag = "export",
    responses((status = 200, description = "Every certified system", body = CertifiedExport))
)]
pub async fn json(State(state): State<AppState>) -> ApiResult<Json<CertifiedExport>> {
    Ok(Json(export::certified_json(&state.store).await?))
}

/// Every certified system, as CSV with a header row (formula-like cells are prefixed with `'`).
#[utoipa::path(
    get,
    path = "/api/v1/export/certified.csv",
    tag = "export",
    responses((status = 200, description = "Every certified system", content_type = "text/csv", body = String))
)]
pub async fn csv(State(state): State<AppState>) -> ApiResult<Response> {
    let body = export::certified_csv(&state.store).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8; header=present"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"mxos-certified.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}
