//! DSSE envelopes: how mxcert signs reports, certificates and revocations.
//!
//! An envelope is `{"payloadType","payload","signatures":[{"keyid","sig"}]}` with the payload and the
//! signatures in standard base64 (RFC 4648 §4, with padding). Each signature is Ed25519 over the DSSE
//! pre-authentication encoding (PAE) of the payload type and the exact payload bytes:
//! `"DSSEv1" SP len(type) SP type SP len(payload) SP payload`
//! (<https://github.com/secure-systems-lab/dsse/blob/master/protocol.md>).
//!
//! Signing works on bytes, never on re-serialised values: the payload inside the envelope is exactly
//! what was signed, and readers parse it only after the signature verified. Verification is strict
//! Ed25519 (`verify_strict`) and checks the payload type first.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signature as Ed25519Signature, Signer as _, SigningKey, VerifyingKey};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::keys::key_id;

/// The payload type of a signed report v1.
pub const REPORT_PAYLOAD_TYPE: &str = "application/vnd.mxos.report.v1+json";
/// The payload type of a signed certificate v1.
pub const CERTIFICATE_PAYLOAD_TYPE: &str = "application/vnd.mxos.certificate.v1+json";
/// The payload type of a signed certificate revocation v1.
pub const REVOCATION_PAYLOAD_TYPE: &str = "application/vnd.mxos.revocation.v1+json";

/// A DSSE envelope as published (`schemas/envelope.v1.schema.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mxcert DSSE envelope v1")]
pub struct Envelope {
    /// Media type of the payload, e.g. `application/vnd.mxos.report.v1+json`.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The signed bytes, standard base64 with padding.
    pub payload: String,
    /// One or more signatures over the PAE of `payloadType` and the payload bytes.
    pub signatures: Vec<EnvelopeSignature>,
}

/// One signature in an envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvelopeSignature {
    /// Lowercase hex SHA-256 of the signer's DER SubjectPublicKeyInfo.
    pub keyid: String,
    /// The Ed25519 signature, standard base64 with padding.
    pub sig: String,
}

/// Why an envelope was refused. Each variant is a distinct, machine-readable reason (`code`).
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DsseError {
    #[error("malformed envelope: {0}")]
    Malformed(String),
    #[error("payload is not valid base64: {0}")]
    PayloadBase64(String),
    #[error("signature from key {keyid} is not valid base64 or not 64 bytes")]
    SignatureEncoding { keyid: String },
    #[error("wrong payload type: expected {expected}, found {found}")]
    WrongPayloadType { expected: String, found: String },
    #[error("envelope has no signatures")]
    NoSignatures,
    #[error("no known key has id {keyid}")]
    UnknownKeyId { keyid: String },
    #[error("bad signature from key {keyid}")]
    BadSignature { keyid: String },
}

impl DsseError {
    /// A stable machine-readable code for the reason, used in API errors and CLI messages.
    pub fn code(&self) -> &'static str {
        match self {
            DsseError::Malformed(_) => "malformed_envelope",
            DsseError::PayloadBase64(_) => "malformed_payload",
            DsseError::SignatureEncoding { .. } => "malformed_signature",
            DsseError::WrongPayloadType { .. } => "wrong_payload_type",
            DsseError::NoSignatures => "no_signatures",
            DsseError::UnknownKeyId { .. } => "unknown_keyid",
            DsseError::BadSignature { .. } => "bad_signature",
        }
    }
}

/// What a successful verification yields: the exact signed bytes and the key that signed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub payload: Vec<u8>,
    pub keyid: String,
}

/// The DSSE v1 pre-authentication encoding.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// Signs `payload` (the exact bytes) as `payload_type` with `key`.
pub fn sign(payload_type: &str, payload: &[u8], key: &SigningKey) -> Envelope {
    let sig = key.sign(&pae(payload_type, payload));
    Envelope {
        payload_type: payload_type.to_owned(),
        payload: STANDARD.encode(payload),
        signatures: vec![EnvelopeSignature {
            keyid: key_id(&key.verifying_key()),
            sig: STANDARD.encode(sig.to_bytes()),
        }],
    }
}

impl Envelope {
    /// Parses an envelope from JSON bytes, refusing unknown fields.
    pub fn from_json(bytes: &[u8]) -> Result<Envelope, DsseError> {
        serde_json::from_slice(bytes).map_err(|e| DsseError::Malformed(e.to_string()))
    }

    /// Serialises the envelope as pretty JSON with a trailing newline.
    pub fn to_json_pretty(&self) -> Vec<u8> {
        // Serialising a struct of strings cannot fail.
        let mut out = serde_json::to_vec_pretty(self).unwrap_or_default();
        out.push(b'\n');
        out
    }

    /// Decodes the payload bytes without verifying anything. Use only to display or to find out
    /// which key to verify with; trust nothing in it before [`Envelope::verify`] succeeds.
    pub fn payload_unverified(&self) -> Result<Vec<u8>, DsseError> {
        STANDARD
            .decode(self.payload.as_bytes())
            .map_err(|e| DsseError::PayloadBase64(e.to_string()))
    }

    /// Verifies the envelope: the payload type must be `expected_type`, and at least one signature
    /// must be a valid strict Ed25519 signature by one of `keys`. Signatures by unknown keys are
    /// ignored when another signature verifies; if none verifies, the first failure is returned.
    pub fn verify(
        &self,
        expected_type: &str,
        keys: &[VerifyingKey],
    ) -> Result<Verified, DsseError> {
        if self.payload_type != expected_type {
            return Err(DsseError::WrongPayloadType {
                expected: expected_type.to_owned(),
                found: self.payload_type.clone(),
            });
        }
        let payload = self.payload_unverified()?;
        if self.signatures.is_empty() {
            return Err(DsseError::NoSignatures);
        }
        let message = pae(&self.payload_type, &payload);
        let mut first_error = None;
        for signature in &self.signatures {
            match verify_one(signature, &message, keys) {
                Ok(()) => {
                    return Ok(Verified {
                        payload,
                        keyid: signature.keyid.clone(),
                    })
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        Err(first_error.unwrap_or(DsseError::NoSignatures))
    }
}

fn verify_one(
    signature: &EnvelopeSignature,
    message: &[u8],
    keys: &[VerifyingKey],
) -> Result<(), DsseError> {
    let key = keys
        .iter()
        .find(|k| key_id(k) == signature.keyid)
        .ok_or_else(|| DsseError::UnknownKeyId {
            keyid: signature.keyid.clone(),
        })?;
    let bytes = STANDARD
        .decode(signature.sig.as_bytes())
        .ok()
        .and_then(|b| <[u8; 64]>::try_from(b).ok())
        .ok_or_else(|| DsseError::SignatureEncoding {
            keyid: signature.keyid.clone(),
        })?;
    key.verify_strict(message, &Ed25519Signature::from_bytes(&bytes))
        .map_err(|_| DsseError::BadSignature {
            keyid: signature.keyid.clone(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    const BODY: &[u8] = br#"{"schema_version":1,"hello":"mundo"}"#;

    #[test]
    fn pae_matches_the_dsse_spec_example() {
        // The worked example from the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
    }

    #[test]
    fn signed_envelope_verifies_and_returns_exact_bytes() {
        let k = key(1);
        let env = sign(REPORT_PAYLOAD_TYPE, BODY, &k);
        let v = env
            .verify(REPORT_PAYLOAD_TYPE, &[k.verifying_key()])
            .unwrap();
        assert_eq!(v.payload, BODY);
        assert_eq!(v.keyid, key_id(&k.verifying_key()));
        let parsed = Envelope::from_json(&env.to_json_pretty()).unwrap();
        assert_eq!(parsed, env);
    }

    #[test]
    fn tampering_is_refused_with_distinct_errors() {
        let k = key(1);
        let keys = [k.verifying_key()];
        let env = sign(REPORT_PAYLOAD_TYPE, BODY, &k);

        let mut tampered_payload = env.clone();
        tampered_payload.payload = STANDARD.encode(br#"{"schema_version":1,"hello":"world"}"#);
        assert!(matches!(
            tampered_payload.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::BadSignature { .. })
        ));

        let mut tampered_type = env.clone();
        tampered_type.payload_type = CERTIFICATE_PAYLOAD_TYPE.into();
        assert!(matches!(
            tampered_type.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::WrongPayloadType { .. })
        ));
        // Even when the verifier expects the forged type, the signature does not cover it.
        assert!(matches!(
            tampered_type.verify(CERTIFICATE_PAYLOAD_TYPE, &keys),
            Err(DsseError::BadSignature { .. })
        ));

        assert!(matches!(
            env.verify(REPORT_PAYLOAD_TYPE, &[key(2).verifying_key()]),
            Err(DsseError::UnknownKeyId { .. })
        ));

        let mut wrong_key = sign(REPORT_PAYLOAD_TYPE, BODY, &key(2));
        wrong_key.signatures[0].keyid = key_id(&k.verifying_key());
        assert!(matches!(
            wrong_key.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::BadSignature { .. })
        ));

        let mut truncated = env.clone();
        truncated.payload.truncate(truncated.payload.len() - 3);
        assert!(matches!(
            truncated.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::PayloadBase64(_))
        ));

        let mut truncated_sig = env.clone();
        truncated_sig.signatures[0].sig.truncate(40);
        assert!(matches!(
            truncated_sig.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::SignatureEncoding { .. })
        ));

        let mut none = env.clone();
        none.signatures.clear();
        assert_eq!(
            none.verify(REPORT_PAYLOAD_TYPE, &keys),
            Err(DsseError::NoSignatures)
        );

        assert!(matches!(
            Envelope::from_json(b"{\"payloadType\":1}"),
            Err(DsseError::Malformed(_))
        ));
    }

    #[test]
    fn a_second_valid_signature_is_enough() {
        let a = key(1);
        let b = key(2);
        let mut env = sign(REPORT_PAYLOAD_TYPE, BODY, &a);
        env.signatures
            .extend(sign(REPORT_PAYLOAD_TYPE, BODY, &b).signatures);
        let v = env
            .verify(REPORT_PAYLOAD_TYPE, &[b.verifying_key()])
            .unwrap();
        assert_eq!(v.keyid, key_id(&b.verifying_key()));
    }
}
