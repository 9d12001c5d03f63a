//! `GET /api/v1/snapshot` (the signed manifest of the current offline snapshot) and `GET
//! /api/v1/snapshot/data/{sha256}` (its gzip file, by the digest the manifest names). Public;
//! the snapshot is rebuilt when its data changed, at most once per `snapshot_min_interval`
//! ([`crate::public::snapshot`]), never per request. `mxcert snapshot update` fetches both and verifies them.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::openapi::ErrorBody;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const CACHE: HeaderValue = HeaderValue::from_static("public, max-age=60");

/// The current offline snapshot's manifest: a DSSE envelope signed by the registry's key whose
/// payload (`application/vnd.mxos.snapshot-manifest.v1+json`,
/// `schemas/snapshot-manifest.v1.schema.json`) gives the version, creation and expiry times, the
/// log checkpoint and the data file's SHA-256 and size.
#[utoipa::path(
    get,
    path = "/api/v1/snapshot",
    operation_id = "snapshot_manifest",
    tag = "check",
    responses(
        (status = 200, description = "The signed manifest (a DSSE envelope)", content_type = "application/json", body = Object),
    )
)]
pub async fn manifest(State(state): State<AppState>) -> ApiResult<Response> {
    let current = state.snapshot.current(&state).await?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::CACHE_CONTROL, CACHE),
        ],
        current.built.manifest_json.clone(),
    )
        .into_response())
}

/// The offline snapshot's data (gzip-compressed JSON, `schemas/snapshot-data.v1.schema.json`),
/// by the SHA-256 its manifest names. Only the current snapshot's file is served.
#[utoipa::path(
    get,
    path = "/api/v1/snapshot/data/{sha256}",
    operation_id = "snapshot_data",
    tag = "check",
    params(("sha256" = String, Path, description = "The file's SHA-256, as the manifest names it")),
    responses(
        (status = 200, description = "The snapshot file", content_type = "application/gzip", body = Vec<u8>),
        (status = 400, description = "Not a SHA-256 (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "Not the current snapshot's file (`not_found`): fetch the manifest again", body = ErrorBody),
    )
)]
pub async fn data(
    State(state): State<AppState>,
    Path(sha256): Path<String>,
) -> ApiResult<Response> {
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ApiError::bad_request(
            "malformed_path",
            "a snapshot file is named by its SHA-256: 64 hex digits",
        ));
    }
    let current = state.snapshot.current(&state).await?;
    if !current
        .built
        .manifest
        .data
        .sha256
        .eq_ignore_ascii_case(&sha256)
    {
        return Err(ApiError::not_found(
            "no current snapshot file has this SHA-256: fetch /api/v1/snapshot again",
        ));
    }
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/gzip"),
            ),
            (header::CACHE_CONTROL, CACHE),
        ],
        current.built.data.clone(),
    )
        .into_response())
}
