//! Ed25519 signing keys and their on-disk encodings.
//!
//! Private keys are PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), public keys are SubjectPublicKeyInfo PEM
//! (`-----BEGIN PUBLIC KEY-----`), so that openssl and other languages read them. A key's id is the
//! lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.
//!
//! This module converts between bytes and keys; it never reads or writes files and never gathers
//! randomness itself: callers hand it a random number generator.

use ed25519_dalek::pkcs8::spki::der::pem;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Why a key could not be read or written.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("not a PKCS#8 Ed25519 private key in PEM: {0}")]
    BadPrivateKey(String),
    #[error("not an Ed25519 public key (SubjectPublicKeyInfo) in PEM: {0}")]
    BadPublicKey(String),
    #[error("failed to encode key: {0}")]
    Encode(String),
}

/// Makes a new signing key from the caller's cryptographically secure random number generator.
pub fn generate(rng: &mut impl CryptoRngCore) -> SigningKey {
    SigningKey::generate(rng)
}

/// Encodes a private key as PKCS#8 v1 PEM (RFC 8410 `OneAsymmetricKey` without the optional public
/// key, the form OpenSSL 3.0 reads). The returned string is wiped from memory when dropped.
pub fn private_key_to_pem(key: &SigningKey) -> Result<Zeroizing<String>, KeyError> {
    // SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }
    const PREFIX: [u8; 16] = [
        0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04,
        0x20,
    ];
    let mut der = Zeroizing::new(Vec::with_capacity(48));
    der.extend_from_slice(&PREFIX);
    der.extend_from_slice(key.as_bytes());
    pem::encode_string("PRIVATE KEY", pem::LineEnding::LF, &der)
        .map(Zeroizing::new)
        .map_err(|e| KeyError::Encode(e.to_string()))
}

/// Reads a PKCS#8 PEM private key.
pub fn private_key_from_pem(pem: &str) -> Result<SigningKey, KeyError> {
    SigningKey::from_pkcs8_pem(pem.trim()).map_err(|e| KeyError::BadPrivateKey(e.to_string()))
}

/// Encodes a public key as SubjectPublicKeyInfo PEM.
pub fn public_key_to_pem(key: &VerifyingKey) -> Result<String, KeyError> {
    key.to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .map_err(|e| KeyError::Encode(e.to_string()))
}

/// Reads a SubjectPublicKeyInfo PEM public key. Keys that are not valid curve points, or are of
/// small order (weak keys), are refused.
pub fn public_key_from_pem(pem: &str) -> Result<VerifyingKey, KeyError> {
    let key = VerifyingKey::from_public_key_pem(pem.trim())
        .map_err(|e| KeyError::BadPublicKey(e.to_string()))?;
    if key.is_weak() {
        return Err(KeyError::BadPublicKey("weak (small-order) key".into()));
    }
    Ok(key)
}

/// The DER SubjectPublicKeyInfo of a public key.
pub fn public_key_der(key: &VerifyingKey) -> Vec<u8> {
    // 12 bytes of fixed Ed25519 SPKI prefix (RFC 8410) followed by the 32-byte key.
    const PREFIX: [u8; 12] = [
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    let mut der = Vec::with_capacity(44);
    der.extend_from_slice(&PREFIX);
    der.extend_from_slice(key.as_bytes());
    der
}

/// A key's id: the lowercase hex SHA-256 of its DER SubjectPublicKeyInfo.
pub fn key_id(key: &VerifyingKey) -> String {
    hex::encode(Sha256::digest(public_key_der(key)))
}

/// The first line of every key registration proof: what the signature is for, so that it can
/// never be mistaken for (or replayed as) a signature of anything else mxcert signs.
pub const REGISTRATION_PROOF_CONTEXT: &str = "mxcert key registration proof v1";

/// Why a proof of possession was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ProofError {
    #[error("the signature is not base64 of 64 bytes: {0}")]
    Malformed(String),
    #[error("the signature does not verify with key {keyid} over the registration of challenge {challenge:?} for organisation {org_id}")]
    Mismatch {
        keyid: String,
        challenge: String,
        org_id: String,
    },
}

/// The exact bytes a key signs to prove, to a registry, that its holder registers it: the purpose
/// ([`REGISTRATION_PROOF_CONTEXT`]), the registry's challenge, the organisation and the key id.
pub fn registration_message(challenge: &str, org_id: &str, keyid: &str) -> Vec<u8> {
    format!(
        "{REGISTRATION_PROOF_CONTEXT}\npurpose: register this key for signing reports\n\
         challenge: {challenge}\norganisation: {org_id}\nkeyid: {keyid}\n"
    )
    .into_bytes()
}

/// Signs the registration of `key` for organisation `org_id` with the registry's `challenge`;
/// returns the signature in standard base64.
pub fn sign_registration(key: &SigningKey, challenge: &str, org_id: &str) -> String {
    use base64::Engine as _;
    use ed25519_dalek::Signer as _;
    let message = registration_message(challenge, org_id, &key_id(&key.verifying_key()));
    base64::engine::general_purpose::STANDARD.encode(key.sign(&message).to_bytes())
}

/// Verifies a registration proof made by [`sign_registration`] (strict Ed25519).
pub fn verify_registration(
    key: &VerifyingKey,
    challenge: &str,
    org_id: &str,
    signature_b64: &str,
) -> Result<(), ProofError> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(signature_b64.trim())
        .map_err(|e| ProofError::Malformed(e.to_string()))?;
    let bytes: [u8; 64] = bytes
        .try_into()
        .map_err(|b: Vec<u8>| ProofError::Malformed(format!("{} bytes", b.len())))?;
    let keyid = key_id(key);
    key.verify_strict(
        &registration_message(challenge, org_id, &keyid),
        &ed25519_dalek::Signature::from_bytes(&bytes),
    )
    .map_err(|_| ProofError::Mismatch {
        keyid,
        challenge: challenge.to_owned(),
        org_id: org_id.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixed_key() -> SigningKey {
        SigningKey::from_bytes(&[7u8; 32])
    }

    #[test]
    fn private_key_round_trips_through_pem() {
        let key = fixed_key();
        let pem = private_key_to_pem(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        let back = private_key_from_pem(&pem).unwrap();
        assert_eq!(back.to_bytes(), key.to_bytes());
        // A v2 key (with the public key, as other tools write it) is read too.
        use ed25519_dalek::pkcs8::EncodePrivateKey;
        let v2 = key.to_pkcs8_der().unwrap();
        assert_eq!(
            private_key_from_pem(
                &pem::encode_string("PRIVATE KEY", pem::LineEnding::LF, v2.as_bytes()).unwrap()
            )
            .unwrap()
            .to_bytes(),
            key.to_bytes()
        );
    }

    #[test]
    fn public_key_round_trips_and_der_matches_the_spki_encoder() {
        let key = fixed_key().verifying_key();
        let pem = public_key_to_pem(&key).unwrap();
        assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----\n"));
        assert_eq!(public_key_from_pem(&pem).unwrap(), key);
        let der = key.to_public_key_der().unwrap();
        assert_eq!(der.as_bytes(), public_key_der(&key).as_slice());
    }

    #[test]
    fn a_registration_proof_binds_the_challenge_the_organisation_and_the_key() {
        let key = fixed_key();
        let proof = sign_registration(&key, "c1", "org-a");
        let public = key.verifying_key();
        assert_eq!(verify_registration(&public, "c1", "org-a", &proof), Ok(()));
        assert!(matches!(
            verify_registration(&public, "c2", "org-a", &proof),
            Err(ProofError::Mismatch { .. })
        ));
        assert!(matches!(
            verify_registration(&public, "c1", "org-b", &proof),
            Err(ProofError::Mismatch { .. })
        ));
        let other = SigningKey::from_bytes(&[8u8; 32]).verifying_key();
        assert!(matches!(
            verify_registration(&other, "c1", "org-a", &proof),
            Err(ProofError::Mismatch { .. })
        ));
        assert!(matches!(
            verify_registration(&public, "c1", "org-a", "AAAA"),
            Err(ProofError::Malformed(_))
        ));
        assert!(matches!(
            verify_registration(&public, "c1", "org-a", "not base64!"),
            Err(ProofError::Malformed(_))
        ));
        let message = String::from_utf8(registration_message("c1", "org-a", "k")).unwrap();
        assert!(message.starts_with(REGISTRATION_PROOF_CONTEXT));
    }

    #[test]
    fn key_id_is_sha256_of_spki_der() {
        let key = fixed_key().verifying_key();
        let id = key_id(&key);
        assert_eq!(id.len(), 64);
        assert_eq!(id, hex::encode(Sha256::digest(public_key_der(&key))));
        assert_ne!(
            id,
            key_id(&SigningKey::from_bytes(&[8u8; 32]).verifying_key())
        );
    }

    #[test]
    fn garbage_pem_is_refused_with_distinct_errors() {
        assert!(matches!(
            private_key_from_pem("hello"),
            Err(KeyError::BadPrivateKey(_))
        ));
        assert!(matches!(
            public_key_from_pem("hello"),
            Err(KeyError::BadPublicKey(_))
        ));
        // A private key is not a public key.
        let pem = private_key_to_pem(&fixed_key()).unwrap();
        assert!(matches!(
            public_key_from_pem(&pem),
            Err(KeyError::BadPublicKey(_))
        ));
    }
}
