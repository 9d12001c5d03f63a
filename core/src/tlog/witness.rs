//! C2SP `tlog-witness` (<https://c2sp.org/tlog-witness>): the `add-checkpoint` request body a
//! log sends a witness, the `409 Conflict` body a witness answers with, and a witness's whole
//! decision for one request ([`Witness::add_checkpoint`]), without any I/O: the registry's
//! client uses the formats, the tests serve a [`Witness`] over HTTP.
//!
//! ```text
//! old 20852014
//! PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
//!
//! example.com/behind-the-sofa
//! 20852163
//! CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//!
//! — example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=
//! ```
//!
//! A witness keeps, per log origin, the latest checkpoint it cosigned. It answers `404` for an
//! unknown origin, `403` when no trusted key signed, `400` for a malformed body or an old size
//! above the checkpoint's, `409` (body: its size, `text/x.tlog.size`) when the old size is not
//! the size it holds or the same size comes with another root, `422` when the consistency proof
//! does not verify, and `200` with its cosignature line otherwise. A checkpoint signed by the
//! log that cannot extend what the witness cosigned (another root at its size, or a proof from
//! its size that fails) is a fork: the witness keeps both signed checkpoints as evidence.

use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::SigningKey;

use super::checkpoint::Checkpoint;
use super::cosignature::{self, CosignerKey};
use super::merkle::{self, Hash};
use super::note::{self, KeyError, VerifierKey};

/// The most consistency proof lines a request may carry.
pub const MAX_PROOF_LINES: usize = 63;

/// The content type of a `409 Conflict` answer: the witness's size, in decimal, and a newline.
pub const SIZE_CONTENT_TYPE: &str = "text/x.tlog.size";

/// The largest request body a witness reads (a checkpoint with its signatures, 63 proof lines).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// Why an `add-checkpoint` body or a `409` body is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the body is not UTF-8")]
    NotUtf8,
    #[error("the body is {0} bytes, more than the {MAX_REQUEST_BYTES} a witness reads")]
    TooLarge(usize),
    #[error("the first line must be \"old SIZE\", not {0:?}")]
    OldLine(String),
    #[error("more than {MAX_PROOF_LINES} consistency proof lines")]
    TooManyProofLines,
    #[error("consistency proof line {0} is not a base64 SHA-256 hash")]
    ProofLine(usize),
    #[error("no blank line before the checkpoint")]
    NoBlankLine,
    #[error("a tree size answer must be a decimal number and a newline, not {0:?}")]
    SizeBody(String),
}

/// The body of `POST <prefix>/add-checkpoint`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddCheckpoint {
    /// The size of the last checkpoint the witness cosigned (as the log believes), 0 if none.
    pub old: u64,
    /// The consistency proof from `old` to the checkpoint's size (empty when `old` is 0).
    pub proof: Vec<Hash>,
    /// The signed checkpoint, as a signed note.
    pub checkpoint: String,
}

impl AddCheckpoint {
    /// Parses a request body.
    pub fn parse(body: &[u8]) -> Result<Self, RequestError> {
        if body.len() > MAX_REQUEST_BYTES {
            return Err(RequestError::TooLarge(body.len()));
        }
        let text = std::str::from_utf8(body).map_err(|_| RequestError::NotUtf8)?;
        let (first, mut rest) = text
            .split_once('\n')
            .ok_or_else(|| RequestError::OldLine(text.chars().take(40).collect()))?;
        let old = first
            .strip_prefix("old ")
            .and_then(parse_decimal)
            .ok_or_else(|| RequestError::OldLine(first.chars().take(40).collect()))?;
        let mut proof = Vec::new();
        loop {
            let (line, after) = rest.split_once('\n').ok_or(RequestError::NoBlankLine)?;
            rest = after;
            if line.is_empty() {
                break;
            }
            if proof.len() == MAX_PROOF_LINES {
                return Err(RequestError::TooManyProofLines);
            }
            let hash = STANDARD
                .decode(line)
                .ok()
                .and_then(|b| <Hash>::try_from(b.as_slice()).ok())
                .ok_or(RequestError::ProofLine(proof.len() + 1))?;
            proof.push(hash);
        }
        Ok(Self {
            old,
            proof,
            checkpoint: rest.to_owned(),
        })
    }
}

/// The request body: `old N`, the proof lines, a blank line, the signed checkpoint.
impl std::fmt::Display for AddCheckpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "old {}", self.old)?;
        for hash in &self.proof {
            writeln!(f, "{}", STANDARD.encode(hash))?;
        }
        writeln!(f)?;
        f.write_str(&self.checkpoint)
    }
}

/// A decimal without leading zeros (except `0` itself).
fn parse_decimal(text: &str) -> Option<u64> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if !digits || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    text.parse().ok()
}

/// Parses the body of a `409 Conflict` answer: the witness's tree size and a newline.
pub fn parse_size_body(body: &[u8]) -> Result<u64, RequestError> {
    let bad =
        || RequestError::SizeBody(String::from_utf8_lossy(&body[..body.len().min(40)]).into());
    let text = std::str::from_utf8(body).map_err(|_| bad())?;
    text.strip_suffix('\n')
        .and_then(parse_decimal)
        .ok_or_else(bad)
}

/// The cosignature by `key` of `checkpoint` (a signed note) among the signature lines of a
/// `200` answer, as its note signature line (without the newline), and its timestamp; `None`
/// when no line is a valid cosignature by that key. Lines by other keys are ignored.
pub fn cosignature_in(
    checkpoint: &str,
    answer: &str,
    key: &CosignerKey,
) -> Result<Option<(String, u64)>, note::NoteError> {
    let (text, _) = cosignature::signatures(checkpoint.as_bytes())?;
    let joined = format!("{text}\n{answer}");
    let (_, signatures) = cosignature::signatures(joined.as_bytes())?;
    let Some(timestamp) = key.verify(&text, &signatures) else {
        return Ok(None);
    };
    let line = signatures
        .iter()
        .filter(|s| s.name == key.name() && s.key_hash == key.key_hash())
        .find(|s| key.verify(&text, std::slice::from_ref(s)).is_some())
        .map(|s| s.to_string().trim_end_matches('\n').to_owned());
    Ok(line.map(|l| (l, timestamp)))
}

/// A witness's answer to one request: HTTP status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: String,
}

impl Answer {
    fn text(status: u16, body: impl Into<String>) -> Self {
        let mut body = body.into();
        body.push('\n');
        Self {
            status,
            content_type: "text/plain; charset=utf-8",
            body,
        }
    }

    fn conflict(size: u64) -> Self {
        Self {
            status: 409,
            content_type: SIZE_CONTENT_TYPE,
            body: format!("{size}\n"),
        }
    }
}

/// Two checkpoints signed by one log that cannot both be true: the one the witness cosigned and
/// one presented later that does not extend it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fork {
    pub origin: String,
    /// The signed checkpoint the witness had cosigned.
    pub seen: String,
    /// The signed checkpoint that does not extend it.
    pub presented: String,
    /// What does not fit, in words.
    pub reason: String,
}

/// The latest checkpoint a witness cosigned for one log.
#[derive(Debug, Clone)]
struct Latest {
    checkpoint: Checkpoint,
    note: String,
}

#[derive(Debug, Clone)]
struct Log {
    keys: Vec<VerifierKey>,
    latest: Option<Latest>,
}

/// A witness: its name and key, the logs it follows and what it cosigned of each.
#[derive(Debug)]
pub struct Witness {
    name: String,
    key: SigningKey,
    logs: BTreeMap<String, Log>,
    forks: Vec<Fork>,
}

impl Witness {
    pub fn new(name: &str, key: SigningKey) -> Result<Self, KeyError> {
        CosignerKey::new(name, key.verifying_key())?;
        Ok(Self {
            name: name.to_owned(),
            key,
            logs: BTreeMap::new(),
            forks: Vec::new(),
        })
    }

    /// The witness's verifier key (`NAME+HASH+BASE64(0x04 ‖ key)`).
    pub fn vkey(&self) -> CosignerKey {
        CosignerKey::new(&self.name, self.key.verifying_key())
            .unwrap_or_else(|_| unreachable!("the name was checked by Witness::new"))
    }

    /// Follows the log `origin` signed by `key`.
    pub fn follow(&mut self, origin: &str, key: VerifierKey) {
        self.logs
            .entry(origin.to_owned())
            .or_insert_with(|| Log {
                keys: vec![],
                latest: None,
            })
            .keys
            .push(key);
    }

    /// The size of the latest checkpoint cosigned for `origin`.
    pub fn size(&self, origin: &str) -> Option<u64> {
        self.logs
            .get(origin)?
            .latest
            .as_ref()
            .map(|l| l.checkpoint.size)
    }

    /// The forks seen so far, with their evidence.
    pub fn forks(&self) -> &[Fork] {
        &self.forks
    }

    /// Answers one `add-checkpoint` request at Unix time `now`; on success the checkpoint becomes
    /// the log's latest (checked and recorded in one step: the caller serialises requests).
    pub fn add_checkpoint(&mut self, body: &[u8], now: u64) -> Answer {
        let request = match AddCheckpoint::parse(body) {
            Ok(r) => r,
            Err(e) => return Answer::text(400, e.to_string()),
        };
        let text = match note::parse(request.checkpoint.as_bytes()) {
            Ok(n) => n.text,
            Err(e) => return Answer::text(400, format!("the checkpoint: {e}")),
        };
        let checkpoint = match Checkpoint::parse(&text) {
            Ok(c) => c,
            Err(e) => return Answer::text(400, e.to_string()),
        };
        let Some(log) = self.logs.get_mut(&checkpoint.origin) else {
            return Answer::text(404, format!("unknown log {:?}", checkpoint.origin));
        };
        if let Err(e) = note::open(request.checkpoint.as_bytes(), &log.keys) {
            return Answer::text(403, format!("not signed by the log's key: {e}"));
        }
        if request.old > checkpoint.size {
            return Answer::text(
                400,
                format!(
                    "old size {} is above the checkpoint's {}",
                    request.old, checkpoint.size
                ),
            );
        }
        let held = log.latest.as_ref().map_or(0, |l| l.checkpoint.size);
        let mut fork = |log: &Log, reason: String| {
            if let Some(latest) = &log.latest {
                self.forks.push(Fork {
                    origin: checkpoint.origin.clone(),
                    seen: latest.note.clone(),
                    presented: request.checkpoint.clone(),
                    reason,
                });
            }
        };
        if let Some(latest) = &log.latest {
            if latest.checkpoint.size == checkpoint.size
                && latest.checkpoint.root != checkpoint.root
            {
                fork(log, format!("another root at size {}", checkpoint.size));
                return Answer::conflict(held);
            }
        }
        if request.old != held {
            return Answer::conflict(held);
        }
        if let Some(latest) = &log.latest {
            if let Err(e) = merkle::verify_consistency(
                held,
                checkpoint.size,
                &latest.checkpoint.root,
                &checkpoint.root,
                &request.proof,
            ) {
                fork(
                    log,
                    format!("size {} does not extend size {held}: {e}", checkpoint.size),
                );
                return Answer::text(422, format!("the consistency proof: {e}"));
            }
        } else if !request.proof.is_empty() {
            return Answer::text(422, "the proof from size 0 must be empty");
        }
        let signature = match cosignature::cosign(&text, &self.name, &self.key, now) {
            Ok(s) => s,
            Err(e) => return Answer::text(500, e.to_string()),
        };
        log.latest = Some(Latest {
            checkpoint,
            note: request.checkpoint,
        });
        Answer {
            status: 200,
            content_type: "text/plain; charset=utf-8",
            body: signature.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tlog::merkle::{leaf_hash, MemoryStore};

    const ORIGIN: &str = "example.org/log";

    struct Log {
        key: SigningKey,
        tree: MemoryStore,
    }

    impl Log {
        fn new(seed: u8) -> Self {
            Self {
                key: SigningKey::from_bytes(&[seed; 32]),
                tree: MemoryStore::new(),
            }
        }
        fn vkey(&self) -> VerifierKey {
            VerifierKey::new(ORIGIN, self.key.verifying_key()).unwrap()
        }
        fn append(&mut self, entry: &str) {
            self.tree.append(leaf_hash(entry.as_bytes()));
        }
        fn checkpoint(&self) -> String {
            Checkpoint {
                origin: ORIGIN.into(),
                size: self.tree.size(),
                root: self.tree.root(),
                extensions: vec![],
            }
            .sign(ORIGIN, &self.key)
            .unwrap()
        }
        fn request(&self, old: u64) -> Vec<u8> {
            let proof = if old == 0 {
                vec![]
            } else {
                merkle::consistency_proof(old, self.tree.size(), &self.tree).unwrap()
            };
            AddCheckpoint {
                old,
                proof,
                checkpoint: self.checkpoint(),
            }
            .to_string()
            .into_bytes()
        }
    }

    fn witness(log: &Log) -> Witness {
        let mut w = Witness::new("witness.example/w1", SigningKey::from_bytes(&[9; 32])).unwrap();
        w.follow(ORIGIN, log.vkey());
        w
    }

    #[test]
    fn requests_round_trip_and_garbage_is_named() {
        let body = "old 3\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\n\nx\n";
        let r = AddCheckpoint::parse(body.as_bytes()).unwrap();
        assert_eq!((r.old, r.proof.len(), r.checkpoint.as_str()), (3, 1, "x\n"));
        assert_eq!(r.to_string(), body);
        let cases: [(&[u8], RequestError); 5] = [
            (b"new 3\n\n", RequestError::OldLine("new 3".into())),
            (b"old 03\n\n", RequestError::OldLine("old 03".into())),
            (b"old 3\nnot base64\n\n", RequestError::ProofLine(1)),
            (b"old 3\n", RequestError::NoBlankLine),
            (b"\xff", RequestError::NotUtf8),
        ];
        for (body, expected) in cases {
            assert_eq!(AddCheckpoint::parse(body).unwrap_err(), expected);
        }
        let many = format!(
            "old 1\n{}\n",
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n".repeat(64)
        );
        assert_eq!(
            AddCheckpoint::parse(many.as_bytes()).unwrap_err(),
            RequestError::TooManyProofLines
        );
        assert_eq!(parse_size_body(b"42\n"), Ok(42));
        assert!(parse_size_body(b"42").is_err());
        assert!(parse_size_body(b"<html>").is_err());
    }

    #[test]
    fn a_witness_cosigns_a_growing_log_and_tells_its_size_on_conflict() {
        let mut log = Log::new(1);
        let mut w = witness(&log);
        log.append("a");
        log.append("b");
        let a = w.add_checkpoint(&log.request(0), 100);
        assert_eq!(a.status, 200, "{}", a.body);
        let cosigned = cosignature_in(&log.checkpoint(), &a.body, &w.vkey()).unwrap();
        assert_eq!(cosigned.map(|(_, t)| t), Some(100));
        // The same request again: the old size is no longer what the witness holds.
        let again = w.add_checkpoint(&log.request(0), 101);
        assert_eq!((again.status, again.body.as_str()), (409, "2\n"));
        assert_eq!(again.content_type, SIZE_CONTENT_TYPE);
        log.append("c");
        let grown = w.add_checkpoint(&log.request(2), 102);
        assert_eq!(grown.status, 200, "{}", grown.body);
        assert_eq!(w.size(ORIGIN), Some(3));
        // Another key than the log's, an unknown origin, an old size above the checkpoint's.
        let stranger = Log::new(2);
        let forbidden = w.add_checkpoint(&stranger.request(0), 103);
        assert_eq!(forbidden.status, 403, "{}", forbidden.body);
        let mut other = witness(&log);
        other.logs.clear();
        assert_eq!(other.add_checkpoint(&log.request(0), 1).status, 404);
        let above = format!("old 9\n\n{}", log.checkpoint());
        assert_eq!(w.add_checkpoint(above.as_bytes(), 1).status, 400);
        assert!(w.forks().is_empty());
    }

    #[test]
    fn a_fork_is_refused_and_kept_with_both_checkpoints() {
        let mut log = Log::new(1);
        let mut w = witness(&log);
        log.append("a");
        log.append("b");
        assert_eq!(w.add_checkpoint(&log.request(0), 1).status, 200);
        let seen = log.checkpoint();
        // A restored backup at size 1 signs other entries with the same key.
        let mut fork = Log::new(1);
        fork.append("a");
        fork.append("B");
        let same_size = w.add_checkpoint(&fork.request(2), 2);
        assert_eq!((same_size.status, same_size.body.as_str()), (409, "2\n"));
        fork.append("c");
        let grown = w.add_checkpoint(&fork.request(2), 3);
        assert_eq!(grown.status, 422, "{}", grown.body);
        assert_eq!(w.size(ORIGIN), Some(2), "nothing of the fork was cosigned");
        let forks = w.forks();
        assert_eq!(forks.len(), 2);
        assert!(forks.iter().all(|f| f.seen == seen && f.origin == ORIGIN));
        assert!(
            forks[0].reason.contains("another root at size 2"),
            "{}",
            forks[0].reason
        );
        assert_eq!(forks[1].presented, fork.checkpoint());
        assert!(
            forks[1].reason.contains("does not extend size 2"),
            "{}",
            forks[1].reason
        );
    }
}
