//! Attachments: bounded, privacy-scrubbed text files carried inside a signed report
//! (`attachments` on [`crate::report::Report`]), such as the run's kernel log or
//! `systemctl --failed`.
//!
//! Each attachment names itself (a plain file name), states its media type (plain text or JSON
//! only, so a registry can serve it without it ever being taken for a page), the lowercase hex
//! SHA-256 of its content's UTF-8 bytes, and the content. The signature covers the whole report,
//! and [`check_all`] recomputes every digest, so content changed after signing is refused either
//! way. Limits: [`MAX_ATTACHMENT_BYTES`] per attachment and [`MAX_TOTAL_BYTES`] per report; a
//! runner cuts longer content ([`Attachment::new`]) and records the original size in
//! `truncated_from`. This module computes only; collecting and scrubbing the files is the
//! runner's.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The most content bytes one attachment may hold (256 KiB).
pub const MAX_ATTACHMENT_BYTES: usize = 256 * 1024;
/// The most content bytes all attachments of a report may hold together (4 MiB).
pub const MAX_TOTAL_BYTES: usize = 4 * 1024 * 1024;
/// The most attachments a report may hold.
pub const MAX_ATTACHMENTS: usize = 32;
/// The media types an attachment may have.
pub const MEDIA_TYPES: [&str; 2] = ["text/plain; charset=utf-8", "application/json"];

/// A file carried inside a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// A file name: 1 to 64 of `a-z`, `0-9`, `.`, `_`, `-`, not starting with a dot; unique in
    /// the report. E.g. `kernel.log`.
    #[schemars(regex(pattern = r"^[a-z0-9_-][a-z0-9._-]{0,63}$"))]
    pub name: String,
    /// `text/plain; charset=utf-8` or `application/json`.
    #[schemars(extend("enum" = ["text/plain; charset=utf-8", "application/json"]))]
    pub media_type: String,
    /// Lowercase hex SHA-256 of the content's UTF-8 bytes.
    #[schemars(regex(pattern = r"^[0-9a-f]{64}$"))]
    pub sha256: String,
    /// The content, at most 256 KiB of UTF-8.
    pub content: String,
    /// The size in bytes of the whole content when it was cut to the limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated_from: Option<u64>,
}

/// Why the attachments of a report are not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttachmentError {
    #[error("attachment {name}: its sha256 is {stated} but its content hashes to {actual} (changed after it was made?)")]
    DigestMismatch {
        name: String,
        stated: String,
        actual: String,
    },
    #[error("attachment {name:?}: not a valid name (1 to 64 of a-z, 0-9, '.', '_', '-', not starting with '.')")]
    BadName { name: String },
    #[error("attachment {name}: appears more than once")]
    Duplicate { name: String },
    #[error("attachment {name}: media type {media_type:?} is not one of text/plain; charset=utf-8, application/json")]
    MediaType { name: String, media_type: String },
    #[error("attachment {name}: {size} bytes, more than the {MAX_ATTACHMENT_BYTES} allowed")]
    TooLarge { name: String, size: usize },
    #[error("attachments: {total} bytes in all, more than the {MAX_TOTAL_BYTES} allowed")]
    TotalTooLarge { total: usize },
    #[error("attachments: {count}, more than the {MAX_ATTACHMENTS} allowed")]
    TooMany { count: usize },
}

impl AttachmentError {
    /// A stable code for this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            AttachmentError::DigestMismatch { .. } => "attachment_digest_mismatch",
            _ => "invalid_attachment",
        }
    }
}

/// Lowercase hex SHA-256 of some text's UTF-8 bytes.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Whether `name` is a valid attachment name.
pub fn valid_name(name: &str) -> bool {
    let b = name.as_bytes();
    (1..=64).contains(&b.len())
        && b[0] != b'.'
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

impl Attachment {
    /// An attachment of `content` (already scrubbed), cut at a character boundary to at most
    /// `limit` bytes (itself at most [`MAX_ATTACHMENT_BYTES`]); `truncated_from` records the
    /// original size when it was cut (or `original` when the caller read only part of a longer
    /// input).
    pub fn new(
        name: &str,
        media_type: &'static str,
        mut content: String,
        limit: usize,
        original: Option<u64>,
    ) -> Attachment {
        let limit = limit.min(MAX_ATTACHMENT_BYTES);
        let mut truncated_from = original;
        if content.len() > limit {
            truncated_from = Some(original.unwrap_or(content.len() as u64));
            let mut end = limit;
            while !content.is_char_boundary(end) {
                end -= 1;
            }
            content.truncate(end);
        }
        Attachment {
            name: name.to_owned(),
            media_type: media_type.to_owned(),
            sha256: sha256_hex(&content),
            content,
            truncated_from,
        }
    }
}

/// Checks every attachment of a report: name, uniqueness, media type, sizes, and that each
/// stated SHA-256 is the one of its content.
pub fn check_all(attachments: &[Attachment]) -> Result<(), AttachmentError> {
    if attachments.len() > MAX_ATTACHMENTS {
        return Err(AttachmentError::TooMany {
            count: attachments.len(),
        });
    }
    let mut total = 0usize;
    let mut seen = std::collections::BTreeSet::new();
    for a in attachments {
        if !valid_name(&a.name) {
            return Err(AttachmentError::BadName {
                name: a.name.clone(),
            });
        }
        if !seen.insert(a.name.as_str()) {
            return Err(AttachmentError::Duplicate {
                name: a.name.clone(),
            });
        }
        if !MEDIA_TYPES.contains(&a.media_type.as_str()) {
            return Err(AttachmentError::MediaType {
                name: a.name.clone(),
                media_type: a.media_type.clone(),
            });
        }
        if a.content.len() > MAX_ATTACHMENT_BYTES {
            return Err(AttachmentError::TooLarge {
                name: a.name.clone(),
                size: a.content.len(),
            });
        }
        total += a.content.len();
        let actual = sha256_hex(&a.content);
        if actual != a.sha256 {
            return Err(AttachmentError::DigestMismatch {
                name: a.name.clone(),
                stated: a.sha256.clone(),
                actual,
            });
        }
    }
    if total > MAX_TOTAL_BYTES {
        return Err(AttachmentError::TotalTooLarge { total });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_cut_at_a_character_boundary_and_the_cut_recorded() {
        let a = Attachment::new("kernel.log", MEDIA_TYPES[0], "ñandú".into(), 2, None);
        assert_eq!(a.content, "ñ");
        assert_eq!(a.truncated_from, Some(7));
        assert_eq!(a.sha256, sha256_hex("ñ"));
        let whole = Attachment::new("a.txt", MEDIA_TYPES[0], "abc".into(), 10, None);
        assert_eq!(whole.truncated_from, None);
        check_all(&[a, whole]).unwrap();
    }

    #[test]
    fn changed_content_and_bad_names_are_refused_precisely() {
        let mut a = Attachment::new("kernel.log", MEDIA_TYPES[0], "ok\n".into(), 100, None);
        a.content.push_str("tampered\n");
        let e = check_all(&[a.clone()]).unwrap_err();
        assert_eq!(e.code(), "attachment_digest_mismatch");
        assert!(
            e.to_string()
                .starts_with("attachment kernel.log: its sha256 is "),
            "{e}"
        );
        for bad in ["", ".hidden", "../x", "A.txt", "a/b", &"x".repeat(65)] {
            assert!(!valid_name(bad), "{bad}");
        }
        let ok = Attachment::new("kernel.log", MEDIA_TYPES[0], "ok\n".into(), 100, None);
        assert!(matches!(
            check_all(&[ok.clone(), ok.clone()]),
            Err(AttachmentError::Duplicate { .. })
        ));
        let mut html = ok;
        html.media_type = "text/html".into();
        assert_eq!(check_all(&[html]).unwrap_err().code(), "invalid_attachment");
    }
}
