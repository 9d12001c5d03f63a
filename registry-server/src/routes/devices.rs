//! `GET /api/v1/devices/{bus}/{id}`: one device's compatibility (status, names, the system models
//! that contain it, drivers seen). Public. The work is in [`crate::public::devices`].

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::openapi::ErrorBody;
use crate::error::ApiResult;
use crate::extract::{Path, Query};
use crate::public::devices::{self, DeviceCompat, DeviceQuery};
use crate::state::AppState;

// The JSON comes from the state's answer cache when it holds a current answer
// (`crate::public::answer_cache`).
/// What the registry knows about one device.
#[utoipa::path(
    get,
    path = "/api/v1/devices/{bus}/{id}",
    operation_id = "show_device",
    tag = "devices",
    params(
        ("bus" = String, Path, description = "`pci`, `usb`, `acpi`, ..."),
        ("id" = String, Path, description = "`vendor:device` in hex for PCI and USB (`8086:9a49`; PCI subsystem ids are accepted and ignored), the name for other buses"),
        DeviceQuery,
    ),
    responses(
        (status = 200, description = "The device's compatibility", body = DeviceCompat),
        (status = 400, description = "Not a device identity (`malformed_path`) or bad paging (`invalid_field`)", body = ErrorBody),
        (status = 404, description = "No report contains the device (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path((bus, id)): Path<(String, String)>,
    Query(q): Query<DeviceQuery>,
) -> ApiResult<Response> {
    let identity = devices::identity_from_path(&bus, &id)?;
    let body = devices::lookup_json(&state.store, &state.answers, &identity, &q).await?;
    Ok((
        [(
            header::CONTENT_TYPE,
            // What `axum::Json` sends, so cached answers go out exactly as before.
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response())
}
