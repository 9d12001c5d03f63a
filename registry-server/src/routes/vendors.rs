//! The partner directory: `GET /api/v1/vendors` and `/api/v1/vendors/{slug}` (public: approved
//! listings), `GET`/`PUT /api/v1/vendors/{slug}/entry` (the organisation's vendors and admins:
//! read and edit the draft; reviewers may read), `POST /api/v1/vendors/{slug}/entry/approve` and
//! `/reject` (admins), `GET /api/v1/vendor-entries` (admins and reviewers: entries waiting for
//! approval). The work is in [`crate::public::directory`]; every change is audited by the store.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use utoipa::ToSchema;

use super::openapi::ErrorBody;
use crate::auth::{Admin, Caller};
use crate::error::ApiResult;
use crate::extract::{self, OptionalJson, Path, Query};
use crate::public::directory::{self, DirectoryEntry, EntryView, VendorListing, VendorQuery};
use crate::state::AppState;
use crate::workflow::directory as workflow;

/// The public directory, by name.
#[utoipa::path(
    get,
    path = "/api/v1/vendors",
    operation_id = "list_vendors",
    tag = "vendors",
    params(VendorQuery),
    responses(
        (status = 200, description = "Approved listings", body = Vec<VendorListing>),
        (status = 400, description = "Unknown service or state (`malformed_query`, `invalid_field`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    Query(q): Query<VendorQuery>,
) -> ApiResult<Json<Vec<VendorListing>>> {
    Ok(Json(directory::list(&state.store, &q).await?))
}

/// One partner's approved listing.
#[utoipa::path(
    get,
    path = "/api/v1/vendors/{slug}",
    operation_id = "show_vendor",
    tag = "vendors",
    params(("slug" = String, Path, description = "The organisation's slug")),
    responses(
        (status = 200, description = "The listing", body = VendorListing),
        (status = 400, description = "Not an organisation slug (`malformed_path`)", body = ErrorBody),
        (status = 404, description = "No such organisation, or no approved listing (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> ApiResult<Json<VendorListing>> {
    Ok(Json(directory::get(&state.store, &slug).await?))
}

/// The organisation's entry: draft, published version, review status.
#[utoipa::path(
    get,
    path = "/api/v1/vendors/{slug}/entry",
    tag = "vendors",
    params(("slug" = String, Path, description = "The organisation's slug")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The entry", body = EntryView),
        (status = 400, description = "Not an organisation slug (`malformed_path`)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Another organisation's entry", body = ErrorBody),
        (status = 404, description = "No entry yet", body = ErrorBody),
    )
)]
pub async fn entry(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(workflow::entry(&state.store, &caller, &slug).await?))
}

/// Replaces the organisation's draft and sends it for approval; the published listing stays
/// until an admin approves the new one.
#[utoipa::path(
    put,
    path = "/api/v1/vendors/{slug}/entry",
    tag = "vendors",
    params(("slug" = String, Path, description = "The organisation's slug")),
    request_body = DirectoryEntry,
    security(("token" = [])),
    responses(
        (status = 200, description = "Saved, waiting for approval", body = EntryView),
        (status = 400, description = "Malformed or invalid entry, or not an organisation slug (`malformed_body`, `invalid_field`, `malformed_path`)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Not this organisation's vendor, nor an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
    )
)]
pub async fn save(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    extract::Json(draft): extract::Json<DirectoryEntry>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(
        workflow::save_draft(&state.store, &caller, &slug, &draft).await?,
    ))
}

/// An admin's decision on a pending entry.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// A note for the vendor (approval), or the reason (rejection; required).
    #[serde(default, alias = "reason")]
    pub note: Option<String>,
}

/// Publishes the pending draft.
#[utoipa::path(
    post,
    path = "/api/v1/vendors/{slug}/entry/approve",
    operation_id = "approve_vendor_entry",
    tag = "vendors",
    params(("slug" = String, Path, description = "The organisation's slug")),
    request_body(content = Option<DecisionBody>, description = "Optional note"),
    security(("token" = [])),
    responses(
        (status = 200, description = "Published", body = EntryView),
        (status = 400, description = "Malformed note, or not an organisation slug (`malformed_body`, `malformed_path`)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not pending (`invalid_state`)", body = ErrorBody),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
    OptionalJson(body): OptionalJson<DecisionBody>,
) -> ApiResult<Json<EntryView>> {
    let note = body.and_then(|b| b.note);
    Ok(Json(
        workflow::decide(&state.store, &caller, &slug, true, note.as_deref()).await?,
    ))
}

/// Rejects the pending draft with a reason; the vendor can edit and resubmit.
#[utoipa::path(
    post,
    path = "/api/v1/vendors/{slug}/entry/reject",
    operation_id = "reject_vendor_entry",
    tag = "vendors",
    params(("slug" = String, Path, description = "The organisation's slug")),
    request_body = DecisionBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Rejected", body = EntryView),
        (status = 400, description = "No reason, a malformed body, or not an organisation slug (`invalid_field`, `malformed_body`, `malformed_path`)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
        (status = 409, description = "Not pending (`invalid_state`)", body = ErrorBody),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(slug): Path<String>,
    extract::Json(body): extract::Json<DecisionBody>,
) -> ApiResult<Json<EntryView>> {
    Ok(Json(
        workflow::decide(&state.store, &caller, &slug, false, body.note.as_deref()).await?,
    ))
}

/// Entries waiting for approval, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/vendor-entries",
    tag = "vendors",
    security(("token" = [])),
    responses(
        (status = 200, description = "Pending entries", body = Vec<EntryView>),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Not a reviewer or admin", body = ErrorBody),
    )
)]
pub async fn pending(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Vec<EntryView>>> {
    Ok(Json(workflow::pending(&state.store, &caller).await?))
}
