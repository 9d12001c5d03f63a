//! A submission's attachments (the files inside its signed report: kernel log, failed units,
//! firmware devices): who may read them, the list and one file. Those who may read the
//! submission may read its attachments (`submissions::readable`: its organisation and
//! reviewers), for the JSON API (`/api/v1/submissions/{id}/attachments`) and the portal's
//! submission page alike.
//!
//! They are read back from the stored envelope (the index keeps no copy); each SHA-256 was
//! checked when the report was ingested and is checked again here.

use mxcert_core::attachment::{self, Attachment};
use mxcert_core::dsse::Envelope;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::urls;

/// An attachment as listed, without its content.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentInfo {
    /// The file name, e.g. `kernel.log`.
    pub name: String,
    /// `text/plain; charset=utf-8` or `application/json`.
    pub media_type: String,
    /// Lowercase hex SHA-256 of the content, as signed.
    pub sha256: String,
    /// Size of the content in bytes.
    pub size: u64,
    /// The size of the whole file when the runner cut it to the limit.
    pub truncated_from: Option<u64>,
    /// Where to download the content.
    pub url: String,
}

impl AttachmentInfo {
    pub fn of(submission_id: &str, a: &Attachment) -> AttachmentInfo {
        AttachmentInfo {
            name: a.name.clone(),
            media_type: a.media_type.clone(),
            sha256: a.sha256.clone(),
            size: a.content.len() as u64,
            truncated_from: a.truncated_from,
            url: urls::submission_attachment(submission_id, &a.name),
        }
    }
}

#[derive(Deserialize)]
struct ReportPart {
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    attachment_notes: Vec<String>,
}

/// The attachments and attachment notes of the report in stored envelope bytes.
pub fn of_envelope(bytes: &[u8]) -> ApiResult<(Vec<Attachment>, Vec<String>)> {
    let payload = Envelope::from_json(bytes)
        .and_then(|e| e.payload_unverified())
        .map_err(|e| ApiError::internal(format!("stored envelope: {e}")))?;
    let part: ReportPart = serde_json::from_slice(&payload)
        .map_err(|e| ApiError::internal(format!("stored report: {e}")))?;
    attachment::check_all(&part.attachments)
        .map_err(|e| ApiError::internal(format!("stored report: {e}")))?;
    Ok((part.attachments, part.attachment_notes))
}

/// A readable submission's attachments and notes.
pub async fn list(
    state: &AppState,
    caller: &Caller,
    id: &str,
) -> ApiResult<(Vec<Attachment>, Vec<String>)> {
    let s = super::submissions::readable(state, caller, id).await?;
    let bytes = state.store.envelope(&s.envelope_sha256).await?;
    of_envelope(&bytes)
}

/// One attachment of a readable submission, by name.
pub async fn one(state: &AppState, caller: &Caller, id: &str, name: &str) -> ApiResult<Attachment> {
    let (attachments, _) = list(state, caller, id).await?;
    attachments
        .into_iter()
        .find(|a| a.name == name)
        .ok_or_else(|| {
            ApiError::not_found(format!("submission {id} has no attachment named {name}"))
        })
}

/// The HTTP answer with an attachment's content, for the API and the portal alike: served as
/// the text it is, never as a page (its own media type, plain text or JSON only;
/// `Content-Disposition: attachment`; `nosniff`; a `sandbox` Content-Security-Policy), with its
/// signed SHA-256 in `X-Content-SHA256`.
pub fn download(a: Attachment) -> axum::response::Response {
    use axum::http::{header, HeaderValue};
    use axum::response::IntoResponse;
    let mut r = a.content.into_response();
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.media_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    // Names are plain file names (checked at ingest and again here), safe inside the quotes.
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", a.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    if let Ok(v) = HeaderValue::from_str(&a.sha256) {
        h.insert(header::HeaderName::from_static("x-content-sha256"), v);
    }
    r
}
