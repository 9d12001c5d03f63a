//! Shared rules for reading and writing the published JSON formats: precise parse errors with
//! the failing path, version checks, and the one canonical pretty serialisation.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// Why a document could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not JSON, or JSON of the wrong shape; the message names the field path and the position.
    #[error("invalid document at {path} (line {line}, column {column}): {message}")]
    Invalid {
        path: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("unsupported schema_version {found} (this mxcert reads version {supported})")]
    Version { found: u32, supported: u32 },
    #[error("inconsistent document: {0}")]
    Inconsistent(String),
    /// An attachment of a report is refused (its digest does not match its content, ...).
    #[error("{0}")]
    Attachment(#[from] crate::attachment::AttachmentError),
}

/// Parses JSON into `T`, naming the path of the first field that does not fit.
pub fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, FormatError> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        FormatError::Invalid {
            path,
            line: inner.line(),
            column: inner.column(),
            message: inner.to_string(),
        }
    })?;
    de.end().map_err(|e| FormatError::Invalid {
        path: ".".into(),
        line: e.line(),
        column: e.column(),
        message: e.to_string(),
    })?;
    Ok(value)
}

/// Refuses documents of another version.
pub fn check_version(found: u32, supported: u32) -> Result<(), FormatError> {
    if found == supported {
        Ok(())
    } else {
        Err(FormatError::Version { found, supported })
    }
}

/// The canonical serialisation: pretty JSON with a trailing newline.
pub fn to_json_pretty<T: Serialize>(value: &T) -> Vec<u8> {
    // The published types hold only strings, numbers, maps with string keys and sequences, which
    // always serialise.
    let mut out = serde_json::to_vec_pretty(value).unwrap_or_default();
    out.push(b'\n');
    out
}
