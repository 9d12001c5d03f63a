//! Ingest: from the bytes of a submitted envelope to a verified report and the rows the store
//! indexes. The server recomputes every digest here from the bytes it received; nothing a client
//! states about digests is trusted.
//!
//! Order of checks (each failure has its own error code): envelope shape (400
//! `malformed_envelope`), signature by an active key of the submitting organisation (422
//! `unknown_keyid`, `key_revoked`, `bad_signature`, ...), payload against the report schema and the
//! report rules (422 `schema_invalid`). This module does not touch the database or decide the
//! lifecycle; see [`crate::review`].

use mxcert_core::dsse::{DsseError, Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_core::identity::Identity;
use mxcert_core::keys;
use mxcert_core::report::Report;
use mxcert_core::schema::Validator;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{
    ts, DeviceRow, NewSubmission, NewSystem, OsIdentity, PlanIdentity, ResultRow, SigningKey,
    SubmissionSummary, ToolIdentity,
};

/// Lowercase hex SHA-256.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A report whose signature and schema were verified.
#[derive(Debug, Clone)]
pub struct VerifiedReport {
    pub report: Report,
    pub keyid: String,
    pub payload_sha256: String,
    pub envelope_sha256: String,
}

/// Verifies an envelope against the organisation's keys (only active keys sign new submissions)
/// and the payload against the report schema.
pub fn verify(
    bytes: &[u8],
    org_keys: &[SigningKey],
    schema: &Validator,
) -> Result<VerifiedReport, ApiError> {
    let envelope = Envelope::from_json(bytes)
        .map_err(|e| ApiError::bad_request("malformed_envelope", e.to_string()))?;
    let active: Vec<keys::VerifyingKey> = org_keys
        .iter()
        .filter(|k| k.status == "active")
        .filter_map(|k| keys::public_key_from_pem(&k.public_key_pem).ok())
        .collect();
    let verified = envelope
        .verify(REPORT_PAYLOAD_TYPE, &active)
        .map_err(|e| signature_error(e, org_keys))?;
    let value: serde_json::Value = serde_json::from_slice(&verified.payload).map_err(|e| {
        ApiError::unprocessable("schema_invalid", format!("the payload is not JSON: {e}"))
    })?;
    schema
        .validate(&value)
        .map_err(|e| ApiError::unprocessable("schema_invalid", e.to_string()))?;
    // No text of a report may hold a NUL: PostgreSQL can neither store nor compare one in the
    // index rows derived from it (the API refuses it in every other body too: `crate::extract`).
    if let Some(field) = crate::extract::nul_path(&value) {
        return Err(ApiError::unprocessable(
            "invalid_report",
            format!("failed to accept the report: {field} contains a NUL character (\\u0000)"),
        ));
    }
    // Each attachment's SHA-256 is recomputed here from its content (`attachment_digest_mismatch`).
    let report = Report::from_json(&verified.payload).map_err(|e| match e {
        mxcert_core::FormatError::Attachment(a) => ApiError::unprocessable(a.code(), a.to_string()),
        e => ApiError::unprocessable("schema_invalid", e.to_string()),
    })?;
    Ok(VerifiedReport {
        report,
        keyid: verified.keyid,
        payload_sha256: sha256_hex(&verified.payload),
        envelope_sha256: sha256_hex(bytes),
    })
}

fn signature_error(e: DsseError, org_keys: &[SigningKey]) -> ApiError {
    match &e {
        DsseError::Malformed(_) => ApiError::bad_request("malformed_envelope", e.to_string()),
        DsseError::UnknownKeyId { keyid } => match org_keys.iter().find(|k| &k.keyid == keyid) {
            Some(k) => ApiError::unprocessable(
                "key_revoked",
                format!(
                    "key {keyid} is {} ({}) and cannot sign new submissions",
                    k.status,
                    k.status_reason.as_deref().unwrap_or("no reason given")
                ),
            ),
            None => ApiError::unprocessable(
                "unknown_keyid",
                format!(
                    "no key of your organisation has id {keyid}; register it with `mxcert keys register`"
                ),
            ),
        },
        _ => ApiError::unprocessable(e.code(), e.to_string()),
    }
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// The key systems are indexed under: lowercase vendor and model, or empty when unidentified.
pub fn model_key(vendor: Option<&str>, model: Option<&str>) -> String {
    match (vendor, model) {
        (None, None) => String::new(),
        (v, m) => format!(
            "{}\n{}",
            v.unwrap_or_default().to_lowercase(),
            m.unwrap_or_default().to_lowercase()
        ),
    }
}

/// Derives the index rows of a verified report. `checks` are filled in by the caller.
pub fn index(org_id: &str, envelope: &[u8], verified: &VerifiedReport) -> NewSubmission {
    let r = &verified.report;
    let vendor = non_empty(&r.system.vendor);
    let model = non_empty(&r.system.product);
    let summary = &r.summary;
    NewSubmission {
        org_id: org_id.to_owned(),
        envelope: envelope.to_vec(),
        envelope_sha256: verified.envelope_sha256.clone(),
        payload_sha256: verified.payload_sha256.clone(),
        keyid: verified.keyid.clone(),
        report_id: r.report_id.to_string(),
        system: NewSystem {
            model_key: model_key(vendor.as_deref(), model.as_deref()),
            vendor,
            model,
            family: non_empty(&r.system.family),
            sku: non_empty(&r.system.sku),
            board: r.system.board.as_ref().and_then(|b| non_empty(&b.product)),
            chassis_type: non_empty(&r.system.chassis_type),
            bios_version: r.system.bios.as_ref().and_then(|b| non_empty(&b.version)),
        },
        os: OsIdentity {
            id: r.os.id.clone(),
            version: r.os.version.clone(),
            name: r.os.name.clone(),
            kernel: r.os.kernel.clone(),
            arch: r.os.arch.clone(),
        },
        plan: PlanIdentity {
            id: r.plan.id.clone(),
            version: r.plan.version.clone(),
            sha256: r.plan.sha256.clone(),
        },
        tool: ToolIdentity {
            name: r.tool.name.clone(),
            version: r.tool.version.clone(),
        },
        summary: SubmissionSummary {
            verdict: serde_json::to_value(summary.verdict)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            total: i64::from(summary.total),
            pass: i64::from(summary.counts.pass),
            fail: i64::from(summary.counts.fail),
            skip: i64::from(summary.counts.skip),
            error: i64::from(summary.counts.error),
            timeout: i64::from(summary.counts.timeout),
        },
        report_created_at: ts(r.created_at),
        devices: r
            .devices
            .iter()
            .map(|d| DeviceRow {
                bus: d.bus.clone(),
                identity: d.id.clone(),
                base_identity: Identity::parse(&d.id)
                    .map(|i| i.base().to_string())
                    .unwrap_or_else(|_| d.id.clone()),
                category: d.category.as_str().to_owned(),
                class: d.class.clone(),
                vendor_name: d.vendor_name.clone(),
                device_name: d.device_name.clone(),
                driver: d.driver.clone(),
                needs_driver: d.needs_driver,
            })
            .collect(),
        results: r
            .results
            .iter()
            .map(|t| ResultRow {
                test_id: t.id.clone(),
                check: t.check.clone(),
                area: t.area().to_owned(),
                blocker: t.blocker,
                status: t.status.as_str().to_owned(),
                duration_ms: i64::try_from(t.duration_ms).unwrap_or(i64::MAX),
                message: t.message.clone(),
            })
            .collect(),
        checks: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::model_key;

    #[test]
    fn model_keys_fold_case_and_mark_unidentified_systems() {
        assert_eq!(
            model_key(Some("Dell Inc."), Some("XPS 13")),
            "dell inc.\nxps 13"
        );
        assert_eq!(model_key(None, None), "");
        assert_eq!(model_key(Some("QEMU"), None), "qemu\n");
    }
}
