//! The registry's own Ed25519 key and what it signs: certificates and revocations (DSSE
//! envelopes, payload types `application/vnd.mxos.certificate.v1+json` and
//! `application/vnd.mxos.revocation.v1+json`).
//!
//! The key is made on first start and kept in the database (`registry_keys`), so it travels with
//! the data it vouches for. Its public half is served at `GET /api/v1/registry-key`. The private
//! key never leaves this module in the clear except to the store, and `Debug` redacts it.

use chrono::{DateTime, Utc};
use mxcert_core::certificate::{
    Certificate, CertifiedOrganisation, CertifiedPlan, CertifiedReport, CertifiedSystem,
    Revocation, CERTIFICATE_SCHEMA_VERSION,
};
use mxcert_core::dsse::{self, CERTIFICATE_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE};
use mxcert_core::keys;
use sha2::{Digest, Sha256};

use crate::state::StartError;
use crate::store::{
    ts, CertificateRecord, IssuedCertificate, SignedRevocation, Store, StoredRegistryKey,
    Submission,
};

/// What a certificate shows when the report carried no vendor or model.
pub const NOT_REPORTED: &str = "(not reported)";

/// The registry's signing key.
pub struct RegistryKey {
    key: keys::SigningKey,
    pub keyid: String,
    pub public_key_pem: String,
}

impl std::fmt::Debug for RegistryKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegistryKey")
            .field("keyid", &self.keyid)
            .finish_non_exhaustive()
    }
}

impl RegistryKey {
    /// Loads the active key from the store, making and storing one on first start.
    pub async fn load_or_create(store: &Store) -> Result<RegistryKey, StartError> {
        let stored = match store.registry_key().await? {
            Some(k) => k,
            None => {
                let key = keys::generate(&mut rand_core::OsRng);
                let private_key_pem = keys::private_key_to_pem(&key)
                    .map_err(|e| StartError::Key(e.to_string()))?
                    .to_string();
                let public_key_pem = keys::public_key_to_pem(&key.verifying_key())
                    .map_err(|e| StartError::Key(e.to_string()))?;
                store
                    .init_registry_key(&StoredRegistryKey {
                        keyid: keys::key_id(&key.verifying_key()),
                        private_key_pem,
                        public_key_pem,
                    })
                    .await?
            }
        };
        let key = keys::private_key_from_pem(&stored.private_key_pem)
            .map_err(|e| StartError::Key(e.to_string()))?;
        Ok(RegistryKey {
            keyid: keys::key_id(&key.verifying_key()),
            public_key_pem: stored.public_key_pem,
            key,
        })
    }

    /// A secret for another purpose derived from the private key (SHA-256 over a label and the
    /// key), so that it is as durable and as shared between instances as the key itself. The web
    /// portal derives its CSRF key from it.
    pub fn derived_secret(&self, label: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(b"mxcert-registry derived secret\0");
        h.update(label.as_bytes());
        h.update(b"\0");
        h.update(self.key.to_bytes());
        h.finalize().into()
    }

    pub fn verifying_key(&self) -> keys::VerifyingKey {
        self.key.verifying_key()
    }

    /// Compresses snapshot data and signs its manifest (`mxcert_core::snapshot::build`).
    pub fn sign_snapshot(
        &self,
        data: &mxcert_core::snapshot::SnapshotData,
        expires_at: DateTime<Utc>,
        checkpoint: Option<String>,
    ) -> mxcert_core::snapshot::Built {
        mxcert_core::snapshot::build(data, expires_at, checkpoint, &self.key)
    }

    /// Signs `payload` as `payload_type`; returns the envelope bytes and their SHA-256.
    fn sign(&self, payload_type: &str, payload: &[u8]) -> (Vec<u8>, String) {
        let bytes = dsse::sign(payload_type, payload, &self.key).to_json_pretty();
        let sha = hex::encode(Sha256::digest(&bytes));
        (bytes, sha)
    }

    /// Builds and signs the certificate for an approved submission.
    pub fn issue(
        &self,
        submission: &Submission,
        certificate_id: &str,
        issued_at: DateTime<Utc>,
        validity: chrono::Duration,
    ) -> IssuedCertificate {
        let expires_at = issued_at + validity;
        let s = &submission.system;
        let certificate = Certificate {
            schema_version: CERTIFICATE_SCHEMA_VERSION,
            certificate_id: certificate_id.to_owned(),
            status: "issued".into(),
            system: CertifiedSystem {
                vendor: s.vendor.clone().unwrap_or_else(|| NOT_REPORTED.into()),
                model: s.model.clone().unwrap_or_else(|| NOT_REPORTED.into()),
                family: s.family.clone(),
                sku: s.sku.clone(),
                board: s.board.clone(),
                chassis_type: s.chassis_type.clone(),
            },
            mxos_release: mxos_release(submission),
            plan: CertifiedPlan {
                id: submission.plan.id.clone(),
                version: submission.plan.version.clone(),
                sha256: submission.plan.sha256.clone(),
            },
            report: CertifiedReport {
                report_id: submission.report_id.parse().unwrap_or_default(),
                payload_sha256: submission.payload_sha256.clone(),
                envelope_sha256: submission.envelope_sha256.clone(),
                keyid: submission.keyid.clone(),
            },
            organisation: CertifiedOrganisation {
                id: submission.org_id.clone(),
                name: submission.org_name.clone(),
            },
            issued_at: trunc(issued_at),
            expires_at: trunc(expires_at),
        };
        let payload = mxcert_core::format::to_json_pretty(&certificate);
        let (envelope, envelope_sha256) = self.sign(CERTIFICATE_PAYLOAD_TYPE, &payload);
        IssuedCertificate {
            envelope,
            envelope_sha256,
            system_vendor: certificate.system.vendor,
            system_model: certificate.system.model,
            mxos_release: certificate.mxos_release,
            plan_id: certificate.plan.id,
            plan_version: certificate.plan.version,
            issued_at: ts(certificate.issued_at),
            expires_at: ts(certificate.expires_at),
        }
    }

    /// Builds and signs the revocation of a certificate.
    pub fn revoke(
        &self,
        certificate: &CertificateRecord,
        reason: &str,
        revoked_at: DateTime<Utc>,
    ) -> SignedRevocation {
        let revocation = Revocation {
            schema_version: CERTIFICATE_SCHEMA_VERSION,
            certificate_id: certificate.id.clone(),
            revoked_at: trunc(revoked_at),
            reason: reason.to_owned(),
        };
        let payload = mxcert_core::format::to_json_pretty(&revocation);
        let (envelope, envelope_sha256) = self.sign(REVOCATION_PAYLOAD_TYPE, &payload);
        SignedRevocation {
            envelope,
            envelope_sha256,
            revoked_at: ts(revocation.revoked_at),
        }
    }
}

/// Timestamps in signed documents have whole seconds.
fn trunc(t: DateTime<Utc>) -> DateTime<Utc> {
    chrono::DurationRound::duration_trunc(t, chrono::Duration::seconds(1)).unwrap_or(t)
}

/// The release a certificate names: the MxOS version, or the OS the report was made on when it
/// was not MxOS (shown as such, e.g. `debian 12`).
pub fn mxos_release(submission: &Submission) -> String {
    let os = &submission.os;
    match (os.id.as_deref(), os.version.as_deref()) {
        (Some("mxos"), Some(v)) => v.to_owned(),
        (Some(id), Some(v)) => format!("{id} {v}"),
        (Some(id), None) => id.to_owned(),
        (None, Some(v)) => v.to_owned(),
        (None, None) => "unknown".to_owned(),
    }
}
