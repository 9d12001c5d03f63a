//! The snapshot data v1 (`schemas/snapshot-data.v1.schema.json`): the public data a check needs
//! (certified systems, every device's counts, revoked certificate ids), and its gzip encoding.

use std::io::{Read, Write};

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::SnapshotError;
use crate::check::{KnownDevice, SystemSummary};

/// The current data format version.
pub const DATA_SCHEMA_VERSION: u32 = 1;

/// The registry's public data at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert snapshot data v1")]
pub struct SnapshotData {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// The manifest's version.
    pub version: u64,
    pub created_at: DateTime<Utc>,
    /// Every certificate valid at `created_at`, as `GET /api/v1/systems` lists it.
    pub systems: Vec<SystemSummary>,
    /// Every device some report contains, by base identity, sorted.
    pub devices: Vec<KnownDevice>,
    /// The ids of revoked certificates, sorted.
    pub revoked: Vec<String>,
}

impl SnapshotData {
    /// Parses snapshot data, refusing unknown fields and other versions.
    pub fn from_json(bytes: &[u8]) -> Result<SnapshotData, crate::FormatError> {
        let d: SnapshotData = crate::format::from_json(bytes)?;
        crate::format::check_version(d.schema_version, DATA_SCHEMA_VERSION)?;
        Ok(d)
    }
}

/// gzip at the default level.
pub(super) fn compress(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = enc.write_all(bytes);
    enc.finish().unwrap_or_default()
}

/// Uncompresses gzip data, refusing more than `limit` bytes of output (a small file that
/// inflates without end costs at most `limit`).
pub(super) fn decompress(bytes: &[u8], limit: u64) -> Result<Vec<u8>, SnapshotError> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|e| SnapshotError::Decompress(e.to_string()))?;
    if out.len() as u64 > limit {
        return Err(SnapshotError::DataTooLarge { limit });
    }
    Ok(out)
}
