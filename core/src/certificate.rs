//! Certificates v1 and their revocations (`schemas/certificate.v1.schema.json`,
//! `schemas/revocation.v1.schema.json`).
//!
//! A certificate is what the registry signs when a reviewer approves a submission: which system,
//! on which MxOS release, passed which plan, in which report. It travels as a DSSE envelope with
//! payload type [`crate::dsse::CERTIFICATE_PAYLOAD_TYPE`], signed by the registry's own key, so
//! anyone can verify it offline. A certificate never changes once signed; revoking it is a second
//! signed statement ([`Revocation`]). This module holds the types and the id format only.

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The current certificate and revocation format version.
pub const CERTIFICATE_SCHEMA_VERSION: u32 = 1;

/// A signed statement that a system is certified for MxOS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert certificate v1")]
pub struct Certificate {
    /// Always 1 for this version of the format.
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    /// `MX-YYYY-NNNNNN`, e.g. `MX-2026-000123`.
    pub certificate_id: String,
    /// Always `issued`: a certificate is immutable; its current status (valid, revoked, expired) is
    /// published by the registry and revocations are signed separately.
    pub status: String,
    pub system: CertifiedSystem,
    /// The MxOS release the system was certified on, e.g. `1.0`.
    pub mxos_release: String,
    pub plan: CertifiedPlan,
    pub report: CertifiedReport,
    pub organisation: CertifiedOrganisation,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The certified system's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedSystem {
    pub vendor: String,
    pub model: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub board: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chassis_type: Option<String>,
}

/// The plan the system passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedPlan {
    pub id: String,
    pub version: String,
    pub sha256: String,
}

/// The signed report the certificate rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedReport {
    pub report_id: Uuid,
    /// Lowercase hex SHA-256 of the report payload bytes (the DSSE payload, decoded).
    pub payload_sha256: String,
    /// Lowercase hex SHA-256 of the signed envelope as submitted.
    pub envelope_sha256: String,
    /// The id of the key that signed the report.
    pub keyid: String,
}

/// The organisation that submitted the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CertifiedOrganisation {
    pub id: String,
    pub name: String,
}

/// A signed statement that a certificate is revoked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert certificate revocation v1")]
pub struct Revocation {
    #[schemars(range(min = 1, max = 1))]
    pub schema_version: u32,
    pub certificate_id: String,
    pub revoked_at: DateTime<Utc>,
    pub reason: String,
}

/// Why a certificate id is malformed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid certificate id {0:?}: expected MX-YYYY-NNNNNN")]
pub struct CertificateIdError(pub String);

/// Formats a certificate id from the year and the sequence number within it.
pub fn certificate_id(year: i32, sequence: u32) -> String {
    format!("MX-{year:04}-{sequence:06}")
}

/// Parses `MX-YYYY-NNNNNN` into the year and the sequence number.
pub fn parse_certificate_id(id: &str) -> Result<(i32, u32), CertificateIdError> {
    let err = || CertificateIdError(id.to_owned());
    let rest = id.strip_prefix("MX-").ok_or_else(err)?;
    let (year, seq) = rest.split_once('-').ok_or_else(err)?;
    if year.len() != 4
        || seq.len() < 6
        || !year.bytes().all(|b| b.is_ascii_digit())
        || !seq.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(err());
    }
    Ok((
        year.parse().map_err(|_| err())?,
        seq.parse().map_err(|_| err())?,
    ))
}

impl Certificate {
    /// Parses a certificate payload, refusing unknown fields and other versions.
    pub fn from_json(bytes: &[u8]) -> Result<Certificate, crate::FormatError> {
        let c: Certificate = crate::format::from_json(bytes)?;
        crate::format::check_version(c.schema_version, CERTIFICATE_SCHEMA_VERSION)?;
        Ok(c)
    }
}

impl Revocation {
    /// Parses a revocation payload, refusing unknown fields and other versions.
    pub fn from_json(bytes: &[u8]) -> Result<Revocation, crate::FormatError> {
        let r: Revocation = crate::format::from_json(bytes)?;
        crate::format::check_version(r.schema_version, CERTIFICATE_SCHEMA_VERSION)?;
        Ok(r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_format_and_parse() {
        assert_eq!(certificate_id(2026, 123), "MX-2026-000123");
        assert_eq!(parse_certificate_id("MX-2026-000123"), Ok((2026, 123)));
        assert_eq!(
            parse_certificate_id("MX-2026-1234567"),
            Ok((2026, 1_234_567))
        );
        for bad in [
            "",
            "MX-2026",
            "MX-26-000123",
            "mx-2026-000123",
            "MX-2026-12",
            "MX-2026-00012a",
        ] {
            assert!(parse_certificate_id(bad).is_err(), "{bad}");
        }
    }
}
