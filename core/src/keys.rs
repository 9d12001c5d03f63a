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
