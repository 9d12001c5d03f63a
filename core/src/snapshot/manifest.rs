//! The snapshot manifest v1 (`schemas/snapshot-manifest.v1.schema.json`): what the registry
//! signs about one snapshot file.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The current manifest format version.
pub const MANIFEST_SCHEMA_VERSION: u32 = 1;

/// A signed statement about one snapshot of the registry's public data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert snapshot manifest v1")]
pub struct Manifest {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// Increases with every snapshot the registry makes; a client refuses a lower one than it
    /// has seen.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    /// After this, clients warn; after a grace period (7 days), they refuse it.
    pub expires_at: DateTime<Utc>,
    /// The registry's transparency-log checkpoint (C2SP signed note) the snapshot was cut at,
    /// when the registry keeps a log.
    pub checkpoint: Option<String>,
    pub data: DataFile,
}

/// The snapshot file the manifest vouches for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataFile {
    /// The file's name when saved beside the manifest, e.g. `mxcert-snapshot-42.json.gz`.
    pub name: String,
    /// `gzip`.
    pub compression: String,
    /// Lowercase hex SHA-256 of the compressed file.
    pub sha256: String,
    /// The compressed file's size in bytes.
    pub size: u64,
    /// The size of the JSON it uncompresses to.
    pub uncompressed_size: u64,
}

impl Manifest {
    /// Parses a manifest payload, refusing unknown fields, other versions, other compressions
    /// and file names that are not a plain name.
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, crate::FormatError> {
        let m: Manifest = crate::format::from_json(bytes)?;
        crate::format::check_version(m.schema_version, MANIFEST_SCHEMA_VERSION)?;
        let bad = |what: String| Err(crate::FormatError::Inconsistent(what));
        if m.data.compression != super::COMPRESSION {
            return bad(format!(
                "data.compression {:?}: this mxcert reads gzip",
                m.data.compression
            ));
        }
        let name = &m.data.name;
        if name.is_empty()
            || name.len() > 200
            || name.starts_with('.')
            || !name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return bad(format!("data.name {name:?} is not a plain file name"));
        }
        if m.data.sha256.len() != 64
            || !m
                .data
                .sha256
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
        {
            return bad("data.sha256 is not 64 lowercase hex digits".to_owned());
        }
        if m.expires_at <= m.created_at {
            return bad("expires_at is not after created_at".to_owned());
        }
        Ok(m)
    }
}
