//! C2SP `tlog-proof` (<https://c2sp.org/tlog-proof>): an offline-verifiable proof that an entry
//! is in a log: header line, optional `extra`, `index N`, the inclusion proof hashes, a blank
//! line, and the signed checkpoint note (with any witness cosignatures).

use super::merkle::Hash;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use std::fmt;

/// The first line of every proof.
pub const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// The most hashes an inclusion proof of a tree below 2^64 leaves has.
const MAX_HASHES: usize = 64;

/// A parsed proof; the checkpoint is not verified here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub proof: Vec<Hash>,
    /// The signed checkpoint note, as bytes to hand to [`super::checkpoint::Checkpoint::open`].
    pub checkpoint: String,
}

/// Why a proof file is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofFormatError {
    #[error("the proof is not UTF-8 text")]
    NotUtf8,
    #[error("the proof does not start with the line {HEADER:?}")]
    Header,
    #[error("the proof's extra data is not standard base64")]
    Extra,
    #[error("the proof has no line \"index N\" with a decimal entry index")]
    Index,
    #[error("proof hash line {0} is not a base64 SHA-256 hash")]
    Hash(usize),
    #[error("the proof has more than {MAX_HASHES} hashes")]
    TooLong,
    #[error("the proof has no blank line before its checkpoint")]
    NoCheckpoint,
}

impl TlogProof {
    pub fn parse(bytes: &[u8]) -> Result<Self, ProofFormatError> {
        let text = std::str::from_utf8(bytes).map_err(|_| ProofFormatError::NotUtf8)?;
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or(ProofFormatError::NoCheckpoint)?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(ProofFormatError::Header);
        }
        let mut line = lines.next().ok_or(ProofFormatError::Index)?;
        let mut extra = None;
        if let Some(e) = line.strip_prefix("extra ") {
            extra = Some(STANDARD.decode(e).map_err(|_| ProofFormatError::Extra)?);
            line = lines.next().ok_or(ProofFormatError::Index)?;
        }
        let index = line
            .strip_prefix("index ")
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            .filter(|n| n.len() == 1 || !n.starts_with('0'))
            .and_then(|n| n.parse().ok())
            .ok_or(ProofFormatError::Index)?;
        let mut proof = Vec::new();
        for (i, l) in lines.enumerate() {
            if proof.len() == MAX_HASHES {
                return Err(ProofFormatError::TooLong);
            }
            let h = STANDARD
                .decode(l)
                .ok()
                .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
                .ok_or(ProofFormatError::Hash(i + 1))?;
            proof.push(h);
        }
        Ok(Self {
            extra,
            index,
            proof,
            checkpoint: checkpoint.to_owned(),
        })
    }
}

/// The proof file, which [`TlogProof::parse`] reads back.
impl fmt::Display for TlogProof {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{HEADER}")?;
        if let Some(e) = &self.extra {
            writeln!(f, "extra {}", STANDARD.encode(e))?;
        }
        writeln!(f, "index {}", self.index)?;
        for h in &self.proof {
            writeln!(f, "{}", STANDARD.encode(h))?;
        }
        writeln!(f)?;
        f.write_str(&self.checkpoint)
    }
}
