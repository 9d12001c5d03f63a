//! C2SP `tlog-checkpoint` (<https://c2sp.org/tlog-checkpoint>): the note text a log signs for a
//! tree head, and its opening as a signed note.
//!
//! ```text
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//! ```
//!
//! Origin line (non-empty), tree size in decimal without leading zeros, root hash in standard
//! base64, then optional non-empty extension lines; every line ends with a newline. Parsing is
//! strict: what [`Checkpoint::parse`] accepts, [`Checkpoint`]'s `Display` writes back byte for
//! byte.

use super::merkle::Hash;
use super::note::{self, NoteError, VerifiedNote, VerifierKey};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use std::fmt;

/// A log's tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `example.com/log42` (non-empty; clients assume nothing else).
    pub origin: String,
    /// Number of leaves.
    pub size: u64,
    /// RFC 6962 root of the first `size` leaves.
    pub root: Hash,
    /// Opaque extension lines, each non-empty, without their newline.
    pub extensions: Vec<String>,
}

/// Why a checkpoint is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckpointError {
    #[error("the checkpoint has a control character at byte {0} (only newlines are allowed)")]
    ControlCharacter(usize),
    #[error("the checkpoint does not end with a newline")]
    Unterminated,
    #[error("the checkpoint has no {0} line")]
    Missing(&'static str),
    #[error("the checkpoint's origin line is empty")]
    EmptyOrigin,
    #[error("tree size {0:?} is not a decimal number without leading zeros below 2^64")]
    Size(String),
    #[error("root hash {0:?} is not standard base64")]
    RootBase64(String),
    #[error("the root hash is {0} bytes, not 32")]
    RootLength(usize),
    #[error("extension line {0} is empty")]
    EmptyExtension(usize),
    #[error("checkpoint line {0:?} must be non-empty and contain no control character")]
    BadLine(String),
    #[error("the checkpoint is for log {found:?}, not {expected:?}")]
    OriginMismatch { expected: String, found: String },
    #[error("checkpoint signature: {0}")]
    Note(#[from] NoteError),
}

/// A checkpoint whose note a trusted key signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCheckpoint {
    pub checkpoint: Checkpoint,
    pub note: VerifiedNote,
}

impl Checkpoint {
    /// Parses a checkpoint body (the note text, with its final newline).
    pub fn parse(text: &str) -> Result<Self, CheckpointError> {
        if let Some(at) = text.bytes().position(|b| b < 0x20 && b != b'\n') {
            return Err(CheckpointError::ControlCharacter(at));
        }
        let body = text.strip_suffix('\n').ok_or(if text.is_empty() {
            CheckpointError::Missing("origin")
        } else {
            CheckpointError::Unterminated
        })?;
        let mut lines = body.split('\n');
        let origin = lines.next().unwrap_or_default();
        if origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let size = parse_size(lines.next().ok_or(CheckpointError::Missing("tree size"))?)?;
        let root = parse_root(lines.next().ok_or(CheckpointError::Missing("root hash"))?)?;
        let mut extensions = Vec::new();
        for (i, line) in lines.enumerate() {
            if line.is_empty() {
                return Err(CheckpointError::EmptyExtension(i + 1));
            }
            extensions.push(line.to_owned());
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }

    /// Opens a signed checkpoint: the note must verify against `trusted` (see [`note::open`]) and
    /// name the log `origin`.
    pub fn open(
        msg: &[u8],
        origin: &str,
        trusted: &[VerifierKey],
    ) -> Result<SignedCheckpoint, CheckpointError> {
        let note = note::open(msg, trusted)?;
        let checkpoint = Self::parse(&note.text)?;
        if checkpoint.origin != origin {
            return Err(CheckpointError::OriginMismatch {
                expected: origin.to_owned(),
                found: checkpoint.origin,
            });
        }
        Ok(SignedCheckpoint { checkpoint, note })
    }

    /// The signed note of this checkpoint, signed by `key` under `name` (by the spec's advice,
    /// the log's key name is its origin).
    pub fn sign(&self, name: &str, key: &SigningKey) -> Result<String, CheckpointError> {
        self.check()?;
        Ok(note::sign(&self.to_string(), name, key)?)
    }

    /// Whether this value writes a checkpoint that [`Checkpoint::parse`] reads back.
    fn check(&self) -> Result<(), CheckpointError> {
        if self.origin.is_empty() {
            return Err(CheckpointError::EmptyOrigin);
        }
        let lines = std::iter::once(&self.origin).chain(&self.extensions);
        for line in lines {
            if line.is_empty() || line.bytes().any(|b| b < 0x20) {
                return Err(CheckpointError::BadLine(line.clone()));
            }
        }
        Ok(())
    }
}

/// The checkpoint body: origin, size, root, extensions, each line ending in a newline.
impl fmt::Display for Checkpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.origin)?;
        writeln!(f, "{}", self.size)?;
        writeln!(f, "{}", STANDARD.encode(self.root))?;
        self.extensions.iter().try_for_each(|e| writeln!(f, "{e}"))
    }
}

fn parse_size(line: &str) -> Result<u64, CheckpointError> {
    let bad = || CheckpointError::Size(line.to_owned());
    if line.is_empty() || !line.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if line.len() > 1 && line.starts_with('0') {
        return Err(bad());
    }
    line.parse().map_err(|_| bad())
}

fn parse_root(line: &str) -> Result<Hash, CheckpointError> {
    let bytes = STANDARD
        .decode(line)
        .map_err(|_| CheckpointError::RootBase64(line.to_owned()))?;
    <Hash>::try_from(bytes.as_slice()).map_err(|_| CheckpointError::RootLength(bytes.len()))
}
