//! `POST /api/v1/check`: "does my machine work with MxOS?". Public, rate-limited per client
//! address, with its own body limit. The body is an mxcert probe, report or signed report
//! (`application/json`) or the text of `udevadm info --export-db`, `lspci -nn` or `lsusb`
//! (`text/plain`). The work is in [`crate::public::check`]; large bodies are parsed off the async
//! workers.

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;

use super::openapi::ErrorBody;
use crate::client_addr::ClientAddr;
use crate::error::{ApiError, ApiResult};
use crate::public::check::{self, CheckAnswer, Machine};
use crate::state::AppState;

/// Bodies larger than this are parsed on the blocking pool.
const INLINE_PARSE_BYTES: usize = 256 * 1024;

/// Checks every device of one machine against the registry.
#[utoipa::path(
    post,
    path = "/api/v1/check",
    tag = "check",
    request_body(
        description = "An mxcert probe (`mxcert probe --format json`), report or signed report as \
                       `application/json`, or the output of `udevadm info --export-db`, `lspci -nn` \
                       (`-nnk`) or `lsusb` as `text/plain`",
        content(
            (String = "application/json"),
            (String = "text/plain"),
        )
    ),
    responses(
        (status = 200, description = "Every device found, with its status, and the matching certified systems", body = CheckAnswer),
        (status = 400, description = "Empty or malformed body (`malformed_body`)", body = ErrorBody),
        (status = 413, description = "Body over the check limit (`body_too_large`)", body = ErrorBody),
        (status = 415, description = "Neither JSON nor text (`unsupported_media_type`)", body = ErrorBody),
        (status = 422, description = "Readable but not a probe, report or dump (`invalid_input`)", body = ErrorBody),
        (status = 429, description = "Too many checks from this address (`rate_limited`; see `Retry-After`)", body = ErrorBody),
    )
)]
pub async fn check(State(state): State<AppState>, req: Request) -> ApiResult<Json<CheckAnswer>> {
    let ip = ClientAddr::of(
        req.headers(),
        req.extensions(),
        &state.config.trusted_proxies,
    );
    state.public_posts.check(ip)?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let limit = state.config.check_max_body_bytes;
    let body = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                ApiError::too_large(limit)
            } else {
                ApiError::bad_request("malformed_body", format!("failed to read the body: {e}"))
            }
        })?;
    let names = state.hw_names.clone();
    let machine: Machine = if body.len() <= INLINE_PARSE_BYTES {
        check::parse_input(content_type.as_deref(), &body, &names)?
    } else {
        tokio::task::spawn_blocking(move || {
            check::parse_input(content_type.as_deref(), &body, &names)
        })
        .await
        .map_err(ApiError::internal)??
    };
    Ok(Json(check::check(&state.store, &machine).await?))
}
