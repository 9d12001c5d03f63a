//! `/api/v1/submissions/{id}/attachments`: the files inside a submission's signed report
//! (kernel log, failed units, firmware devices), for its organisation and reviewers
//! (`workflow::attachments`). Content is served as the text it is, never as a page: its own
//! media type (plain text or JSON only), `Content-Disposition: attachment`, `nosniff` and a
//! `sandbox` Content-Security-Policy.

use axum::extract::State;
use axum::response::Response;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::openapi::ErrorBody;
use crate::auth::Caller;
use crate::error::ApiResult;
use crate::extract::Path;
use crate::state::AppState;
use crate::workflow::attachments::{self as workflow, AttachmentInfo};

/// A submission's attachments, without their content.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttachmentList {
    pub attachments: Vec<AttachmentInfo>,
    /// Why an attachment the runner tries to make is absent (e.g. `fwupdmgr` not installed).
    pub notes: Vec<String>,
}

/// The attachments of a submission's report.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}/attachments",
    operation_id = "list_submission_attachments",
    tag = "submissions",
    params(("id" = String, Path, description = "The submission's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The attachments (name, media type, SHA-256, size, download URL) and the runner's notes", body = AttachmentList),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission (`not_found`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<AttachmentList>> {
    let (attachments, notes) = workflow::list(&state, &caller, &id).await?;
    Ok(Json(AttachmentList {
        attachments: attachments
            .iter()
            .map(|a| AttachmentInfo::of(&id, a))
            .collect(),
        notes,
    }))
}

/// One attachment's content, as signed.
#[utoipa::path(
    get,
    path = "/api/v1/submissions/{id}/attachments/{name}",
    operation_id = "get_submission_attachment",
    tag = "submissions",
    params(
        ("id" = String, Path, description = "The submission's id"),
        ("name" = String, Path, description = "The attachment's name, e.g. `kernel.log`"),
    ),
    security(("token" = [])),
    responses(
        (status = 200, description = "The content, with the attachment's media type", content(
            (String = "text/plain"),
            (Object = "application/json"),
        )),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Another organisation's submission, and not a reviewer", body = ErrorBody),
        (status = 404, description = "No such submission, or no attachment of that name (`not_found`)", body = ErrorBody),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, name)): Path<(String, String)>,
) -> ApiResult<Response> {
    let a = workflow::one(&state, &caller, &id, &name).await?;
    Ok(workflow::download(a))
}
