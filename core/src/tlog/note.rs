//! C2SP `signed-note` (<https://c2sp.org/signed-note>): a text signed by one or more keys, and
//! Ed25519 verifier keys in the `vkey` form `NAME+HASH+BASE64(0x01 ‖ public key)`.
//!
//! ```text
//! If you think cryptography is the answer to your problem,
//! then you don't know what your problem is.
//!
//! — PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=
//! ```
//!
//! [`open`] verifies a note against the keys the caller trusts: signatures from unknown keys are
//! kept aside unchecked, a known key's bad signature rejects the note, and at least one known key
//! must have signed. [`sign`] signs a text with a key the caller passes.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use std::fmt;

/// Signature type byte of Ed25519 note signatures.
pub const ALG_ED25519: u8 = 0x01;

/// The most signatures a note may carry (the spec asks for at least 16; Go's `sumdb/note` takes
/// 100).
pub const MAX_SIGNATURES: usize = 100;

/// What starts every signature line: em dash (U+2014) and a space.
const SIG_PREFIX: &str = "\u{2014} ";

/// Why a verifier key is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("a verifier key is NAME+HASH+KEY; this one has no '+' after the {0}")]
    Shape(&'static str),
    #[error("key name {0:?} is empty or contains a space or '+'")]
    Name(String),
    #[error("key hash {0:?} is not 8 lowercase hexadecimal digits")]
    HashText(String),
    #[error("the key is not standard base64")]
    Base64,
    #[error("the key is empty")]
    Empty,
    #[error("key hash {stated:08x} does not match the name and key (they hash to {computed:08x})")]
    HashMismatch { stated: u32, computed: u32 },
    #[error("key algorithm {0:#04x} is not Ed25519 (0x01)")]
    Algorithm(u8),
    #[error("an Ed25519 public key is 32 bytes, this one is {0}")]
    Length(usize),
    #[error("the 32 bytes are not an Ed25519 public key")]
    Point,
}

/// Why a note is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is not UTF-8")]
    NotUtf8,
    #[error("the note has a control character at byte {0} (only newlines are allowed)")]
    ControlCharacter(usize),
    #[error("the note has no blank line between its text and its signatures")]
    NoSignatureBlock,
    #[error("the note text must be non-empty and end with a newline")]
    Text,
    #[error("the note's last signature line has no final newline")]
    Unterminated,
    #[error("signature line {line}: {reason}")]
    SignatureLine { line: usize, reason: &'static str },
    #[error("key name {0:?} is empty or contains a space or '+'")]
    Name(String),
    #[error("the note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("two trusted keys are named {name}+{key_hash:08x}")]
    AmbiguousKey { name: String, key_hash: u32 },
    #[error("the signature of {name}+{key_hash:08x} does not verify")]
    InvalidSignature { name: String, key_hash: u32 },
    #[error("the note has no signature from a trusted key")]
    NoTrustedSignature,
}

/// The key hash (key ID) of a key: the first four bytes, big-endian, of
/// SHA-256(name ‖ 0x0A ‖ algorithm ‖ public key). `key` is the algorithm byte and the key.
pub fn key_hash(name: &str, key: &[u8]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update(b"\n");
    h.update(key);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// Whether `name` may name a key: non-empty, no Unicode space, no '+'.
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+')
}

/// An Ed25519 key that verifies note signatures, with its name and key hash.
#[derive(Clone, PartialEq, Eq)]
pub struct VerifierKey {
    name: String,
    key_hash: u32,
    key: VerifyingKey,
}

impl fmt::Debug for VerifierKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerifierKey({self})")
    }
}

impl VerifierKey {
    /// The verifier key named `name` for `key`.
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

    /// Parses `NAME+HASH+BASE64(0x01 ‖ public key)`.
    pub fn parse(vkey: &str) -> Result<Self, KeyError> {
        let (name, rest) = vkey.split_once('+').ok_or(KeyError::Shape("name"))?;
        let (hash_text, key64) = rest.split_once('+').ok_or(KeyError::Shape("hash"))?;
        if !is_valid_name(name) {
            return Err(KeyError::Name(name.to_owned()));
        }
        let stated =
            parse_hash(hash_text).ok_or_else(|| KeyError::HashText(hash_text.to_owned()))?;
        let key = STANDARD.decode(key64).map_err(|_| KeyError::Base64)?;
        let (&alg, public) = key.split_first().ok_or(KeyError::Empty)?;
        let computed = key_hash(name, &key);
        if computed != stated {
            return Err(KeyError::HashMismatch { stated, computed });
        }
        if alg != ALG_ED25519 {
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

    pub fn verifying_key(&self) -> &VerifyingKey {
        &self.key
    }

    fn verifies(&self, text: &str, sig: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(sig) else {
            return false;
        };
        self.key
            .verify_strict(
                text.as_bytes(),
                &ed25519_dalek::Signature::from_bytes(&bytes),
            )
            .is_ok()
    }
}

/// The `vkey` form, which [`VerifierKey::parse`] reads back.
impl fmt::Display for VerifierKey {
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

/// One signature line: key name, key hash and the signature bytes that follow the hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub key_hash: u32,
    pub signature: Vec<u8>,
}

impl Signature {
    /// The Ed25519 signature of `text` by `key` under `name`.
    pub fn ed25519(text: &str, name: &str, key: &SigningKey) -> Result<Self, NoteError> {
        check_text(text)?;
        if !is_valid_name(name) {
            return Err(NoteError::Name(name.to_owned()));
        }
        Ok(Self {
            name: name.to_owned(),
            key_hash: key_hash(name, &alg_and_key(&key.verifying_key())),
            signature: key.sign(text.as_bytes()).to_bytes().to_vec(),
        })
    }
}

/// `— NAME BASE64(hash ‖ signature)` with its newline.
impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut bytes = self.key_hash.to_be_bytes().to_vec();
        bytes.extend_from_slice(&self.signature);
        writeln!(f, "{SIG_PREFIX}{} {}", self.name, STANDARD.encode(bytes))
    }
}

/// A note as written: its text (with the final newline) and its signatures, none verified yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<Signature>,
}

/// The signed note: text, blank line, signature lines.
impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.text)?;
        self.signatures.iter().try_for_each(|s| write!(f, "{s}"))
    }
}

/// A note whose text a trusted key signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedNote {
    pub text: String,
    /// Signatures by trusted keys, each verified (one per key).
    pub verified: Vec<Signature>,
    /// Signatures by keys the caller did not name, not checked.
    pub unverified: Vec<Signature>,
}

/// Parses a signed note without verifying anything: the text (up to and including the newline
/// before the last blank line) and at least one well-formed signature line.
pub fn parse(msg: &[u8]) -> Result<Note, NoteError> {
    let msg = std::str::from_utf8(msg).map_err(|_| NoteError::NotUtf8)?;
    if let Some(at) = msg.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter(at));
    }
    let split = msg.rfind("\n\n").ok_or(NoteError::NoSignatureBlock)?;
    let (text, block) = (&msg[..split + 1], &msg[split + 2..]);
    if block.is_empty() {
        return Err(NoteError::SignatureLine {
            line: 1,
            reason: "there is none",
        });
    }
    let Some(block) = block.strip_suffix('\n') else {
        return Err(NoteError::Unterminated);
    };
    let mut signatures = Vec::new();
    for (i, line) in block.split('\n').enumerate() {
        if signatures.len() == MAX_SIGNATURES {
            return Err(NoteError::TooManySignatures);
        }
        signatures.push(parse_signature_line(line, i + 1)?);
    }
    Ok(Note {
        text: text.to_owned(),
        signatures,
    })
}

/// Parses `msg` and verifies it against the `trusted` keys (see the module docs).
pub fn open(msg: &[u8], trusted: &[VerifierKey]) -> Result<VerifiedNote, NoteError> {
    let note = parse(msg)?;
    let mut verified: Vec<Signature> = Vec::new();
    let mut unverified = Vec::new();
    for sig in note.signatures {
        let mut keys = trusted
            .iter()
            .filter(|k| k.name == sig.name && k.key_hash == sig.key_hash);
        let Some(key) = keys.next() else {
            if !unverified.contains(&sig) {
                unverified.push(sig);
            }
            continue;
        };
        if keys.any(|other| other != key) {
            return Err(NoteError::AmbiguousKey {
                name: sig.name,
                key_hash: sig.key_hash,
            });
        }
        if !key.verifies(&note.text, &sig.signature) {
            return Err(NoteError::InvalidSignature {
                name: sig.name,
                key_hash: sig.key_hash,
            });
        }
        if !verified
            .iter()
            .any(|v| v.name == sig.name && v.key_hash == sig.key_hash)
        {
            verified.push(sig);
        }
    }
    if verified.is_empty() {
        return Err(NoteError::NoTrustedSignature);
    }
    Ok(VerifiedNote {
        text: note.text,
        verified,
        unverified,
    })
}

/// The signed note of `text` with one Ed25519 signature by `key` under `name`.
pub fn sign(text: &str, name: &str, key: &SigningKey) -> Result<String, NoteError> {
    let sig = Signature::ed25519(text, name, key)?;
    Ok(Note {
        text: text.to_owned(),
        signatures: vec![sig],
    }
    .to_string())
}

fn check_text(text: &str) -> Result<(), NoteError> {
    if text.is_empty() || !text.ends_with('\n') {
        return Err(NoteError::Text);
    }
    if let Some(at) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
        return Err(NoteError::ControlCharacter(at));
    }
    Ok(())
}

fn parse_signature_line(line: &str, number: usize) -> Result<Signature, NoteError> {
    let bad = |reason| NoteError::SignatureLine {
        line: number,
        reason,
    };
    let rest = line
        .strip_prefix(SIG_PREFIX)
        .ok_or(bad("it does not start with an em dash and a space"))?;
    let (name, sig64) = rest.split_once(' ').ok_or(bad(
        "it has no space between the key name and the signature",
    ))?;
    if !is_valid_name(name) {
        return Err(NoteError::Name(name.to_owned()));
    }
    let bytes = STANDARD
        .decode(sig64)
        .map_err(|_| bad("the signature is not standard base64"))?;
    if bytes.len() < 5 {
        return Err(bad(
            "the signature is shorter than its key hash and one byte",
        ));
    }
    Ok(Signature {
        name: name.to_owned(),
        key_hash: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
        signature: bytes[4..].to_vec(),
    })
}

fn parse_hash(text: &str) -> Option<u32> {
    let lower_hex = |b: u8| b.is_ascii_digit() || (b'a'..=b'f').contains(&b);
    if text.len() != 8 || !text.bytes().all(lower_hex) {
        return None;
    }
    u32::from_str_radix(text, 16).ok()
}

fn alg_and_key(key: &VerifyingKey) -> [u8; 33] {
    let mut out = [0; 33];
    out[0] = ALG_ED25519;
    out[1..].copy_from_slice(key.as_bytes());
    out
}
