//! C2SP `tlog-cosignature` (<https://c2sp.org/tlog-cosignature>): a witness's Ed25519
//! cosignature of a checkpoint, a signed-note signature line whose key has algorithm byte
//! `0x04` and whose bytes are the key hash, an 8-byte big-endian timestamp and the signature of
//! `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint body.

use super::note::{self, is_valid_name, key_hash, KeyError, Signature};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use std::fmt;

/// Signature type byte of `cosignature/v1`.
pub const ALG_COSIGNATURE_V1: u8 = 0x04;

/// A witness's public key, with its name and key hash.
#[derive(Clone, PartialEq, Eq)]
pub struct CosignerKey {
    name: String,
    key_hash: u32,
    key: VerifyingKey,
}

impl fmt::Debug for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CosignerKey({self})")
    }
}

fn alg_and_key(key: &VerifyingKey) -> [u8; 33] {
    let mut out = [0; 33];
    out[0] = ALG_COSIGNATURE_V1;
    out[1..].copy_from_slice(key.as_bytes());
    out
}

/// The bytes a witness signs for `checkpoint` (the note text) at `timestamp` (Unix seconds).
pub fn message(checkpoint: &str, timestamp: u64) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{checkpoint}").into_bytes()
}

impl CosignerKey {
    pub fn new(name: &str, key: VerifyingKey) -> Result<Self, KeyError> {
        if !is_valid_name(name) {
            return Err(KeyError::Name(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            key_hash: key_hash(name, &alg_and_key(&key)),
            key,
        })
    }

    /// Parses `NAME+HASH+BASE64(0x04 ‖ public key)`.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let (name, rest) = vkey.split_once('+').ok_or(KeyError::Shape("name"))?;
        let (hash_text, key64) = rest.split_once('+').ok_or(KeyError::Shape("hash"))?;
        if !is_valid_name(name) {
            return Err(KeyError::Name(name.to_owned()));
        }
        let stated = (hash_text.len() == 8
            && hash_text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| u32::from_str_radix(hash_text, 16).ok())
        .flatten()
        .ok_or_else(|| KeyError::HashText(hash_text.to_owned()))?;
        let key = STANDARD.decode(key64).map_err(|_| KeyError::Base64)?;
        let (&alg, public) = key.split_first().ok_or(KeyError::Empty)?;
        let computed = key_hash(name, &key);
        if computed != stated {
            return Err(KeyError::HashMismatch { stated, computed });
        }
        if alg != ALG_COSIGNATURE_V1 {
            return Err(KeyError::Algorithm(alg));
        }
        let public: [u8; 32] = public
            .try_into()
            .map_err(|_| KeyError::Length(public.len()))?;
        let key = VerifyingKey::from_bytes(&public).map_err(|_| KeyError::Point)?;
        Ok(Self {
            name: name.to_owned(),
            key_hash: stated,
            key,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_hash(&self) -> u32 {
        self.key_hash
    }

    /// The timestamp of this key's valid cosignature of `checkpoint` among `signatures`, if any.
    pub fn verify(&self, checkpoint: &str, signatures: &[Signature]) -> Option<u64> {
        signatures
            .iter()
            .filter(|s| s.name == self.name && s.key_hash == self.key_hash)
            .find_map(|s| {
                let bytes: &[u8; 72] = s.signature.as_slice().try_into().ok()?;
                let timestamp = u64::from_be_bytes(bytes[..8].try_into().ok()?);
                let sig: [u8; 64] = bytes[8..].try_into().ok()?;
                self.key
                    .verify_strict(
                        &message(checkpoint, timestamp),
                        &ed25519_dalek::Signature::from_bytes(&sig),
                    )
                    .ok()
                    .map(|()| timestamp)
            })
    }
}

/// The `vkey` form, which [`CosignerKey::parse`] reads back.
impl fmt::Display for CosignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}+{:08x}+{}",
            self.name,
            self.key_hash,
            STANDARD.encode(alg_and_key(&self.key))
        )
    }
}

/// A witness's cosignature of `checkpoint` at `timestamp`, as a note signature.
pub fn cosign(
    checkpoint: &str,
    name: &str,
    key: &SigningKey,
    timestamp: u64,
) -> Result<Signature, KeyError> {
    let public = CosignerKey::new(name, key.verifying_key())?;
    let mut signature = timestamp.to_be_bytes().to_vec();
    signature.extend_from_slice(&key.sign(&message(checkpoint, timestamp)).to_bytes());
    Ok(Signature {
        name: name.to_owned(),
        key_hash: public.key_hash,
        signature,
    })
}

/// Parses a signed note's signature lines without verifying (see [`note::parse`]).
pub fn signatures(msg: &[u8]) -> Result<(String, Vec<Signature>), note::NoteError> {
    let n = note::parse(msg)?;
    Ok((n.text, n.signatures))
}
