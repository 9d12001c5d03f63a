//! `GET /healthz` (the process answers) and `GET /readyz` (the database answers too: 200, or 503
//! `not_ready` while it does not).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::openapi::ErrorBody;
use crate::error::ApiError;
use crate::state::AppState;

/// The process is up.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "`{\"status\":\"ok\"}`", body = Object))
)]
pub async fn healthz() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

/// The registry can answer: its database is reachable.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "`{\"status\":\"ready\",\"database\":\"sqlite\"}`", body = Object),
        (status = 503, description = "The database does not answer (`not_ready`)", body = ErrorBody),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<Json<serde_json::Value>, ApiError> {
    let ping = tokio::time::timeout(std::time::Duration::from_secs(2), state.store.ping()).await;
    match ping {
        Ok(Ok(())) => Ok(Json(serde_json::json!({
            "status": "ready",
            "database": state.store.backend_name(),
        }))),
        Ok(Err(e)) => {
            tracing::warn!("readiness: database error: {e}");
            Err(not_ready("the database does not answer"))
        }
        Err(_) => Err(not_ready("the database did not answer within 2 s")),
    }
}

fn not_ready(message: &str) -> ApiError {
    ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "not_ready", message)
}
