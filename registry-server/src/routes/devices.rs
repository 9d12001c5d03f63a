//! `GET /api/v1/devices/{bus}/{id}`: one device's compatibility (status, names, the system models
//! that contain it, drivers seen). Public. The work is in [`crate::public::devices`].

use axum::extract::State;
use axum::Json;

use super::openapi::ErrorBody;
use crate::error::ApiResult;
use crate::extract::{Path, Query};
use crate::public::devices::{self, DeviceCompat, DeviceQuery};
use crate::state::AppState;

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
) -> ApiResult<Json<DeviceCompat>> {
    let identity = devices::identity_from_path(&bus, &id)?;
    Ok(Json(devices::lookup(&state.store, &identity, &q).await?))
}
