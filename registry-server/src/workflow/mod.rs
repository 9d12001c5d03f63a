//! The workflow's rules: what may be done to a submission, a certificate, a signing key, a token
//! or a membership, and by whom. Both interfaces call these functions — the JSON API
//! ([`crate::routes`]) and the web portal ([`crate::web`]) — so each rule is written once and
//! both obey it.
//!
//! Layering: `workflow` sits on [`crate::store`], [`crate::review`], [`crate::ingest`],
//! [`crate::signing`] and [`crate::urls`]; it never calls `routes` or `web`, and neither of those
//! calls the other (`tests/layers.rs` checks the imports). Errors are [`crate::error::ApiError`],
//! which both interfaces render (JSON, or an error page).
//!
//! | module | what it decides |
//! |---|---|
//! | [`attachments`] | who reads a submission's attachments; the list and one file |
//! | [`submissions`] | who reads a submission; approve, reject, withdraw, comment; the diff to the previous one |
//! | [`certificates`] | revocation by reviewers |
//! | [`community`] | sharing, reading, deleting (with the token) and hiding (reviewers) community reports |
//! | [`directory`] | editing, reading and deciding partner directory entries |
//! | [`keys`] | registering, rotating and revoking an organisation's signing keys |
//! | [`tokens`] | issuing API tokens |
//! | [`members`] | role names |

pub mod attachments;
pub mod certificates;
pub mod community;
pub mod directory;
pub mod keys;
pub mod members;
pub mod submissions;
pub mod tokens;

use crate::error::ApiError;

/// Checks a required free-text field: trimmed, not empty, at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, ApiError> {
    let v = value.trim();
    if v.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} must not be empty"),
        ));
    }
    if v.chars().count() > max {
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} is longer than {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// Like [`required_text`] for optional fields: empty means absent.
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    max: usize,
) -> Result<Option<String>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(field, v, max).map(Some),
    }
}
