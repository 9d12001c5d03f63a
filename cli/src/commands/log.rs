//! `mxcert log verify`: follow a registry's transparency log from one checkpoint to the next;
//! `mxcert log monitor`: walk every entry ([`mxcert_core::tlog::monitor`]).
//!
//! The latest checkpoint seen of each log is kept under `$XDG_STATE_HOME/mxcert/logs/` (one file
//! per origin). Each run fetches the registry's checkpoint, checks its signature with the log
//! key, then proves that the tree it names extends the one seen before: the consistency proof is
//! computed from the log's tiles (C2SP tlog-tiles), as C2SP clients do, and checked against both
//! roots. A log that shows a tree that does not extend the one seen before has forked: both
//! signed checkpoints are printed as evidence and the command exits 6 ([`exit::LOG_FORK`]).

use std::path::{Path, PathBuf};

use mxcert_core::tlog::checkpoint::{Checkpoint, SignedCheckpoint};
use mxcert_core::tlog::merkle::{self, HashReader, SubtreeId};
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::tile::{self, TileReader};
use sha2::{Digest, Sha256};

use crate::args::{LogMonitorArgs, LogVerifyArgs};
use crate::client::Client;
use crate::error::{CliError, Result};
use crate::exit;
use crate::output;

/// A verifier key given inline (`ORIGIN+HASH+KEY`) or as a file holding one.
pub fn read_log_key(arg: &str) -> Result<VerifierKey> {
    if let Ok(key) = VerifierKey::parse(arg) {
        return Ok(key);
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        CliError::BadInput(format!(
            "--log-key {arg:?} is neither a verifier key (ORIGIN+HASH+KEY) nor a readable \
             file: {e}"
        ))
    })?;
    VerifierKey::parse(text.trim())
        .map_err(|e| CliError::parse(Path::new(arg), format!("not a verifier key: {e}")))
}

/// Where the checkpoints seen are kept.
fn state_dir(args: &LogVerifyArgs) -> PathBuf {
    if let Some(dir) = &args.state_dir {
        return dir.clone();
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")));
    match state {
        Some(s) => s.join("mxcert/logs"),
        None => PathBuf::from("mxcert-logs"),
    }
}

fn open(note: &[u8], key: &VerifierKey, what: &str) -> Result<SignedCheckpoint> {
    Checkpoint::open(note, key.name(), std::slice::from_ref(key)).map_err(|e| {
        CliError::Failed(format!(
            "{what} is not a checkpoint of log {} signed by its key: {e}",
            key.name()
        ))
    })
}

/// The consistency proof between `old` and `new` leaves, computed from the log's tiles.
fn consistency_from_tiles(client: &Client, old: u64, new: u64) -> Result<Vec<merkle::Hash>> {
    // First pass: which subtrees the proof needs; then fetch their tiles; then compute.
    struct Asked(std::cell::RefCell<Vec<SubtreeId>>);
    impl HashReader for Asked {
        type Error = std::convert::Infallible;
        fn read_hashes(&self, ids: &[SubtreeId]) -> Result<Vec<merkle::Hash>, Self::Error> {
            self.0.borrow_mut().extend_from_slice(ids);
            Ok(vec![[0; 32]; ids.len()])
        }
    }
    let asked = Asked(Default::default());
    let _ = merkle::consistency_proof(old, new, &asked);
    let mut reader = TileReader::new();
    for t in reader.missing(&asked.0.into_inner(), new) {
        let bytes = client.get_bytes(&format!("/log/{}", t.path()))?;
        let hashes = tile::decode_hashes(&bytes, t.width)
            .map_err(|e| CliError::Registry(format!("tile {} of the log: {e}", t.path())))?;
        reader.insert(t, hashes);
    }
    merkle::consistency_proof(old, new, &reader)
        .map_err(|e| CliError::Registry(format!("the log's tiles do not give a proof: {e}")))
}

pub fn verify(args: &LogVerifyArgs) -> Result<u8> {
    let key = read_log_key(&args.log_key)?;
    let client = Client::public(&args.registry)?;
    let note = client.get_bytes("/log/checkpoint")?;
    let new = open(&note, &key, "the registry's checkpoint")?;
    let dir = state_dir(args);
    let file = dir.join(format!(
        "{}.checkpoint",
        hex::encode(&Sha256::digest(key.name().as_bytes())[..16])
    ));
    let seen = match std::fs::read(&file) {
        Ok(bytes) => Some((open(&bytes, &key, "the checkpoint kept")?, bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(CliError::read(&file, e)),
    };
    let (n, r) = (new.checkpoint.size, new.checkpoint.root);
    if let Some((old, old_note)) = &seen {
        let (m, old_root) = (old.checkpoint.size, old.checkpoint.root);
        let consistent = if m > n {
            Err("it shows a smaller tree than one it showed before".to_owned())
        } else if m == 0 || m == n {
            merkle::verify_consistency(m, n, &old_root, &r, &[]).map_err(|e| e.to_string())
        } else {
            let proof = consistency_from_tiles(&client, m, n)?;
            merkle::verify_consistency(m, n, &old_root, &r, &proof).map_err(|e| e.to_string())
        };
        if let Err(why) = consistent {
            eprintln!(
                "mxcert: log {} has forked: its checkpoint at size {n} does not extend the one \
                 seen before at size {m} ({why}). Both are signed by the log's key; keep them \
                 as evidence:\n\n--- seen before ({})\n{}\n--- now\n{}",
                key.name(),
                file.display(),
                String::from_utf8_lossy(old_note),
                String::from_utf8_lossy(&note)
            );
            return Ok(exit::LOG_FORK);
        }
    }
    std::fs::create_dir_all(&dir).map_err(|e| CliError::write(&dir, e))?;
    output::write_atomic(&file, &note, Some(0o644))?;
    let before = seen.map_or("first checkpoint seen".to_owned(), |(o, _)| {
        format!("extends size {}", o.checkpoint.size)
    });
    output::write_stdout(
        format!("log {} is consistent: size {n} ({before})\n", key.name()).as_bytes(),
    )?;
    Ok(exit::SUCCESS)
}

/// The most entries one monitor run fetches (the log's bundles are 256 entries each).
const MAX_MONITORED: u64 = 10_000_000;

pub fn monitor(args: &LogMonitorArgs) -> Result<u8> {
    let key = read_log_key(&args.log_key)?;
    let registry_key = super::keys::read_public_key(&args.registry_key)?;
    let client = Client::public(&args.registry)?;
    let note = client.get_bytes("/log/checkpoint")?;
    let checkpoint = open(&note, &key, "the registry's checkpoint")?.checkpoint;
    let size = checkpoint.size;
    if size > MAX_MONITORED {
        return Err(CliError::Failed(format!(
            "the log holds {size} entries; this monitor walks at most {MAX_MONITORED}"
        )));
    }
    let mut entries: Vec<Vec<u8>> = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    let mut n = 0;
    while n * 256 < size {
        let width = (size - n * 256).min(256);
        let path = if width == 256 {
            format!("/log/tile/entries/{}", tile::encode_index(n))
        } else {
            format!("/log/tile/entries/{}.p/{width}", tile::encode_index(n))
        };
        let bytes = client.get_bytes(&path)?;
        let bundle = tile::decode_entries(&bytes, width)
            .map_err(|e| CliError::Registry(format!("entry bundle {path} of the log: {e}")))?;
        entries.extend(bundle);
        n += 1;
    }
    let f = mxcert_core::tlog::monitor::walk(&entries, size, &checkpoint.root, &[registry_key]);
    let summary = format!(
        "log {}: {} entries ({} certificates, {} revocations)",
        key.name(),
        f.entries,
        f.certificates,
        f.revocations
    );
    if f.problems.is_empty() {
        output::write_stdout(format!("{summary}: every entry checks out\n").as_bytes())?;
        Ok(exit::SUCCESS)
    } else {
        Err(CliError::Failed(format!(
            "{summary}: {} problem(s):\n  {}",
            f.problems.len(),
            f.problems.join("\n  ")
        )))
    }
}
