//! `POST /api/v1/check`: "does my machine work with MxOS?". Public, rate-limited per client
//! address, with its own body limit. The body is an mxcert probe, report or signed report
//! (`application/json`) or the text of `udevadm info --export-db`, `lspci -nn` or `lsusb`
//! (`text/plain`). The work is in [`crate::public::check`]; every body is parsed off the async
//! workers under the cap on heavy parses ([`crate::heavy`]).

use axum::extract::{Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::Json;

use super::openapi::ErrorBody;
use crate::client_addr::ClientAddr;
use crate::error::ApiResult;
use crate::public::check::{self, CheckAnswer};
use crate::state::AppState;

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
        (status = 408, description = "The body or its parse outlasted the request deadline (`request_timeout`); the parse is stopped", body = ErrorBody),
        (status = 429, description = "Too many checks from this address, counted with the web form `/funciona` (`rate_limited`; see `Retry-After`)", body = ErrorBody),
        (status = 503, description = "Every parser stayed busy for the queue wait (`busy`; `Retry-After: 1`)", body = ErrorBody),
    )
)]
pub async fn check(State(state): State<AppState>, req: Request) -> ApiResult<Json<CheckAnswer>> {
    let (parts, body) = req.into_parts();
    state.public_posts.check(ClientAddr::of(
        &parts.headers,
        &parts.extensions,
        &state.config.trusted_proxies,
    ))?;
    let content_type = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let limit = state.config.check_max_body_bytes;
    let body = super::read_body(body, limit).await?;
    let machine =
        check::parse_bounded(&state.heavy, state.hw_names.clone(), content_type, body).await?;
    Ok(Json(check::check(&state.store, &machine).await?))
}
