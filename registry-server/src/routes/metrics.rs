//! `GET /metrics`: the registry's metrics in the Prometheus/OpenMetrics text format (see
//! [`crate::metrics`] for the series).

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// Request counts and latencies by route, requests in flight, database pool use, index queue.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses((status = 200, description = "OpenMetrics text", content_type = "application/openmetrics-text", body = String))
)]
pub async fn metrics(State(state): State<AppState>) -> Response {
    let queued = state.store.index_queue_len().await.ok();
    let pool = state.store.pool();
    let text = state.metrics.render(pool.size(), pool.num_idle(), queued);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
        )],
        text,
    )
        .into_response()
}
