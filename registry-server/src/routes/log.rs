//! The transparency log over HTTP: the C2SP `tlog-tiles` paths (`/log/checkpoint`,
//! `/log/tile/<L>/<N>[.p/<W>]`, `/log/tile/entries/<N>[.p/<W>]`), the log's verifier key
//! (`/log/key`), past checkpoints by size (`/log/checkpoints/<size>`), and the proof bundle of a
//! certificate (`/api/v1/certificates/{id}/proof`, C2SP `tlog-proof`). Everything is public.
//!
//! Full tiles never change (`immutable`); partial tiles never change either but are replaced by
//! wider ones, so they are cached briefly; the checkpoint is not cached.

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use mxcert_core::tlog::tile::{Tile, TILE_WIDTH};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

const TEXT: &str = "text/plain; charset=utf-8";
const NO_CACHE: &str = "no-cache";
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
const PARTIAL: &str = "public, max-age=60";

fn answer(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
        ],
        body,
    )
        .into_response()
}

/// The latest signed checkpoint (C2SP `tlog-checkpoint` signed note, with any witness
/// cosignatures).
#[utoipa::path(
    get,
    path = "/log/checkpoint",
    operation_id = "log_checkpoint",
    tag = "transparency log",
    responses((status = 200, description = "The signed checkpoint", content_type = "text/plain")),
)]
pub async fn checkpoint(State(state): State<AppState>) -> ApiResult<Response> {
    let c = state.store.latest_checkpoint().await?;
    Ok(answer(TEXT, NO_CACHE, c.note))
}

/// A past checkpoint, by tree size.
#[utoipa::path(
    get,
    path = "/log/checkpoints/{size}",
    operation_id = "log_checkpoint_at",
    tag = "transparency log",
    params(("size" = u64, Path, description = "Tree size")),
    responses(
        (status = 200, description = "The checkpoint signed at that size", content_type = "text/plain"),
        (status = 404, description = "No checkpoint was signed at that size", body = super::openapi::ErrorBody),
    ),
)]
pub async fn checkpoint_at(
    State(state): State<AppState>,
    Path(size): Path<String>,
) -> ApiResult<Response> {
    let size: u64 = size.parse().map_err(|_| {
        ApiError::bad_request(
            "malformed_path",
            format!("tree size {size:?} is not a number"),
        )
    })?;
    let c = state
        .store
        .checkpoint_at(size)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no checkpoint at size {size}")))?;
    Ok(answer(TEXT, IMMUTABLE, c.note))
}

/// The log's verifier key (C2SP `signed-note` `vkey`: `ORIGIN+HASH+KEY`).
#[utoipa::path(
    get,
    path = "/log/key",
    operation_id = "log_key",
    tag = "transparency log",
    responses((status = 200, description = "The verifier key, one line", content_type = "text/plain")),
)]
pub async fn key(State(state): State<AppState>) -> ApiResult<Response> {
    let key = state.store.log_key().await?;
    Ok(answer(TEXT, NO_CACHE, format!("{}\n", key.vkey)))
}

/// A hash tile or entry bundle (C2SP `tlog-tiles`).
#[utoipa::path(
    get,
    path = "/log/tile/{path}",
    operation_id = "log_tile",
    tag = "transparency log",
    params(("path" = String, Path, description = "`L/N[.p/W]` or `entries/N[.p/W]`, N in groups of three digits (`x001/234`)")),
    responses(
        (status = 200, description = "The tile's bytes", content_type = "application/octet-stream"),
        (status = 404, description = "The log does not hold this tile (yet)", body = super::openapi::ErrorBody),
    ),
)]
pub async fn tile(State(state): State<AppState>, Path(path): Path<String>) -> ApiResult<Response> {
    let tile = Tile::parse(&format!("tile/{path}"))
        .map_err(|e| ApiError::bad_request("malformed_path", e.to_string()))?;
    let bytes = state
        .store
        .log_tile(tile)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no tile {path} in the log yet")))?;
    let cache = if tile.width == TILE_WIDTH {
        IMMUTABLE
    } else {
        PARTIAL
    };
    Ok(answer("application/octet-stream", cache, bytes))
}

/// Which entry of a certificate a proof is for.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProofQuery {
    /// `issued` (the certificate, default) or `revoked` (its revocation).
    #[serde(default)]
    pub entry: Option<String>,
}

/// The proof that a certificate (or its revocation) is in the log: C2SP `tlog-proof` (entry
/// index, inclusion proof, latest checkpoint). The entry is the certificate's envelope, byte for
/// byte (`/api/v1/certificates/{id}/envelope`).
#[utoipa::path(
    get,
    path = "/api/v1/certificates/{id}/proof",
    operation_id = "certificate_proof",
    tag = "certificates",
    params(("id" = String, Path, description = "Certificate id, e.g. MX-2026-000001"), ProofQuery),
    responses(
        (status = 200, description = "The proof bundle", content_type = "text/plain"),
        (status = 404, description = "No such certificate (or it was never revoked)", body = super::openapi::ErrorBody),
    ),
)]
pub async fn certificate_proof(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ProofQuery>,
) -> ApiResult<Response> {
    crate::workflow::certificates::check_id(&id)?;
    let kind = match q.entry.as_deref() {
        None | Some("issued") => "issued",
        Some("revoked") => "revoked",
        Some(other) => {
            return Err(ApiError::bad_request(
                "invalid_query",
                format!("entry must be issued or revoked, not {other:?}"),
            ))
        }
    };
    let proof = crate::public::log::certificate_proof(&state.store, &id, kind).await?;
    let mut response = answer(TEXT, NO_CACHE, proof);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{id}.tlog-proof\""))
            .unwrap_or(HeaderValue::from_static("attachment")),
    );
    Ok(response)
}
