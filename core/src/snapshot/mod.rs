//! The signed offline snapshot `mxcert check --offline` answers from (issue 16): the public data
//! a check needs, as a gzip-compressed JSON file ([`SnapshotData`],
//! `schemas/snapshot-data.v1.schema.json`) and a manifest signed by the registry's key
//! ([`Manifest`], a DSSE envelope of type [`MANIFEST_PAYLOAD_TYPE`],
//! `schemas/snapshot-manifest.v1.schema.json`) that names the file by SHA-256 and size.
//!
//! - [`build`] (the registry): data -> compressed file + manifest, signed.
//! - [`open`] (the CLI): manifest + file + the registry's key -> verified data, every step
//!   bounded (manifest size, compressed and uncompressed size) and each refusal a precise
//!   [`SnapshotError`] with a stable code.
//! - [`Index`]: answers a check from the data with the rules of [`crate::check`], exactly as
//!   the registry answers from its database.
//! - [`freshness`]: fresh, expired (within the grace period: warn) or too old (refuse).
//!
//! No I/O: callers hand in bytes, keys and the current time.

mod data;
mod index;
mod manifest;

use chrono::{DateTime, Duration, Utc};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

pub use data::{SnapshotData, DATA_SCHEMA_VERSION};
pub use index::Index;
pub use manifest::{DataFile, Manifest, MANIFEST_SCHEMA_VERSION};

use crate::dsse::{self, DsseError, Envelope};
use crate::FormatError;

/// The payload type of a signed snapshot manifest v1.
pub const MANIFEST_PAYLOAD_TYPE: &str = "application/vnd.mxos.snapshot-manifest.v1+json";
/// The only compression v1 uses.
pub const COMPRESSION: &str = "gzip";
/// The largest manifest (signed envelope) read: a manifest is well under 4 KiB.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024;
/// The largest snapshot data read, compressed and uncompressed (10,000 systems and 40,000
/// devices are about 14 MiB uncompressed).
pub const MAX_DATA_BYTES: u64 = 512 * 1024 * 1024;
/// How long after its expiry a snapshot is still used (with a warning); after that it is refused.
pub const GRACE: Duration = Duration::days(7);

/// Why a snapshot cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the manifest is {size} bytes; a manifest is at most {MAX_MANIFEST_BYTES}")]
    ManifestTooLarge { size: usize },
    #[error("the manifest is not a signed document: {0}")]
    ManifestMalformed(DsseError),
    #[error("the manifest's signature does not verify against the registry's key: {0}")]
    Signature(DsseError),
    #[error("the signed manifest is not a snapshot manifest: {0}")]
    ManifestInvalid(FormatError),
    #[error("the snapshot file is {found} bytes; the manifest says {expected}")]
    DataSize { expected: u64, found: u64 },
    #[error("the snapshot file's SHA-256 is {found}; the manifest says {expected}")]
    DataDigest { expected: String, found: String },
    #[error("the snapshot file is not gzip data or is truncated: {0}")]
    Decompress(String),
    #[error("the snapshot file uncompresses to more than the {limit} bytes its manifest allows")]
    DataTooLarge { limit: u64 },
    #[error("the snapshot file is not snapshot data: {0}")]
    DataInvalid(FormatError),
    #[error("the snapshot file is version {data}, its manifest version {manifest}")]
    VersionMismatch { manifest: u64, data: u64 },
}

impl SnapshotError {
    /// A stable machine-readable code for the reason.
    pub fn code(&self) -> &'static str {
        match self {
            SnapshotError::ManifestTooLarge { .. } => "manifest_too_large",
            SnapshotError::ManifestMalformed(_) => "malformed_manifest",
            SnapshotError::Signature(e) => e.code(),
            SnapshotError::ManifestInvalid(_) => "invalid_manifest",
            SnapshotError::DataSize { .. } => "data_size_mismatch",
            SnapshotError::DataDigest { .. } => "data_digest_mismatch",
            SnapshotError::Decompress(_) => "corrupt_data",
            SnapshotError::DataTooLarge { .. } => "data_too_large",
            SnapshotError::DataInvalid(_) => "invalid_data",
            SnapshotError::VersionMismatch { .. } => "version_mismatch",
        }
    }

    /// Whether the refusal is about authenticity (a signature or a digest), not about damage.
    pub fn is_untrusted(&self) -> bool {
        matches!(
            self,
            SnapshotError::Signature(_) | SnapshotError::DataDigest { .. }
        )
    }
}

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A built snapshot: the signed manifest (JSON bytes) and the compressed file.
#[derive(Debug, Clone)]
pub struct Built {
    pub manifest: Manifest,
    pub manifest_json: Vec<u8>,
    pub data: Vec<u8>,
}

/// Builds a snapshot: compresses `data`, and signs a manifest naming the file (`version`,
/// times and checkpoint are the data's and the caller's).
pub fn build(
    data: &SnapshotData,
    expires_at: DateTime<Utc>,
    checkpoint: Option<String>,
    key: &SigningKey,
) -> Built {
    let json = crate::format::to_json_pretty(data);
    let compressed = data::compress(&json);
    let manifest = Manifest {
        schema_version: MANIFEST_SCHEMA_VERSION,
        version: data.version,
        created_at: data.created_at,
        expires_at,
        checkpoint,
        data: DataFile {
            name: format!("mxcert-snapshot-{}.json.gz", data.version),
            compression: COMPRESSION.to_owned(),
            sha256: sha256_hex(&compressed),
            size: compressed.len() as u64,
            uncompressed_size: json.len() as u64,
        },
    };
    let payload = crate::format::to_json_pretty(&manifest);
    let envelope = dsse::sign(MANIFEST_PAYLOAD_TYPE, &payload, key);
    Built {
        manifest,
        manifest_json: envelope.to_json_pretty(),
        data: compressed,
    }
}

/// Verifies a signed manifest against the registry's key and reads it.
pub fn open_manifest(bytes: &[u8], key: &VerifyingKey) -> Result<Manifest, SnapshotError> {
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(SnapshotError::ManifestTooLarge { size: bytes.len() });
    }
    let envelope = Envelope::from_json(bytes).map_err(SnapshotError::ManifestMalformed)?;
    let verified = envelope
        .verify(MANIFEST_PAYLOAD_TYPE, std::slice::from_ref(key))
        .map_err(SnapshotError::Signature)?;
    Manifest::from_json(&verified.payload).map_err(SnapshotError::ManifestInvalid)
}

/// Checks the compressed file against a verified manifest (size, then SHA-256), uncompresses it
/// within the manifest's declared size and reads it.
pub fn open_data(manifest: &Manifest, bytes: &[u8]) -> Result<SnapshotData, SnapshotError> {
    let m = &manifest.data;
    if bytes.len() as u64 != m.size {
        return Err(SnapshotError::DataSize {
            expected: m.size,
            found: bytes.len() as u64,
        });
    }
    let found = sha256_hex(bytes);
    if found != m.sha256 {
        return Err(SnapshotError::DataDigest {
            expected: m.sha256.clone(),
            found,
        });
    }
    let json = data::decompress(bytes, m.uncompressed_size.min(MAX_DATA_BYTES))?;
    let data = SnapshotData::from_json(&json).map_err(SnapshotError::DataInvalid)?;
    if data.version != manifest.version {
        return Err(SnapshotError::VersionMismatch {
            manifest: manifest.version,
            data: data.version,
        });
    }
    Ok(data)
}

/// [`open_manifest`] then [`open_data`].
pub fn open(
    manifest: &[u8],
    data: &[u8],
    key: &VerifyingKey,
) -> Result<(Manifest, SnapshotData), SnapshotError> {
    let m = open_manifest(manifest, key)?;
    let d = open_data(&m, data)?;
    Ok((m, d))
}

/// Whether a snapshot may still be used at `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    /// Past its expiry but within [`GRACE`]: use it, and say so.
    Expired {
        refused_after: DateTime<Utc>,
    },
    /// Past expiry and grace: refuse it.
    TooOld {
        refused_since: DateTime<Utc>,
    },
}

/// How fresh a manifest is at `now`.
pub fn freshness(manifest: &Manifest, now: DateTime<Utc>) -> Freshness {
    let limit = manifest.expires_at + GRACE;
    if now < manifest.expires_at {
        Freshness::Fresh
    } else if now < limit {
        Freshness::Expired {
            refused_after: limit,
        }
    } else {
        Freshness::TooOld {
            refused_since: limit,
        }
    }
}

#[cfg(test)]
mod tests;
