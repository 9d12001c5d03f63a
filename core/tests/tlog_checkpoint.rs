//! C2SP checkpoints: the spec's example, a real signed checkpoint of the Go checksum database,
//! the strict rules, and garbage that must be refused without a panic.
//!
//! Vectors: C2SP/C2SP `tlog-checkpoint.md` (the `example.com/behind-the-sofa` body); the
//! sum.golang.org checkpoint at size 31700353 quoted in transparency-dev's Go tests
//! (`internal/parse/parse_test.go`, `BenchmarkCheckpointUnsafe`), verified with the
//! sum.golang.org key from golang/go `src/cmd/go/internal/modfetch/key.go` (`knownGOSUMDB`).

mod tlog_common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use mxcert_core::tlog::checkpoint::{Checkpoint, CheckpointError};
use mxcert_core::tlog::merkle::{leaf_hash, MemoryStore};
use mxcert_core::tlog::note::{NoteError, VerifierKey};
use tlog_common::Rng;

const SOFA: &str =
    "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";

const GO_SUMDB_KEY: &str = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8";
const GO_CHECKPOINT: &str = "go.sum database tree\n31700353\nqINS1GRFhWHwdkUeqLEoP4yEMkTBBzxBkGwGQlVlVcs=\n\n— sum.golang.org Az3grnmrIUEDFqHzAElIQCPNoRFRAAdFo47fooyWKMHb89k11GJh5zHIfNCOBmwn/C3YI8oW9/C8DJ87F61QqspBYwM=\n";

#[test]
fn the_spec_example_parses_and_prints_back() {
    let c = Checkpoint::parse(SOFA).unwrap();
    assert_eq!(c.origin, "example.com/behind-the-sofa");
    assert_eq!(c.size, 20852163);
    assert_eq!(
        c.root.to_vec(),
        STANDARD
            .decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")
            .unwrap()
    );
    assert!(c.extensions.is_empty());
    assert_eq!(c.to_string(), SOFA);
    let with_ext = format!("{SOFA}ext one\n— not a signature\n");
    let c = Checkpoint::parse(&with_ext).unwrap();
    assert_eq!(c.extensions, ["ext one", "— not a signature"]);
    assert_eq!(c.to_string(), with_ext);
}

#[test]
fn a_real_go_checksum_database_checkpoint_verifies() {
    let keys = [VerifierKey::parse(GO_SUMDB_KEY).unwrap()];
    let signed = Checkpoint::open(GO_CHECKPOINT.as_bytes(), "go.sum database tree", &keys).unwrap();
    assert_eq!(signed.checkpoint.size, 31700353);
    assert_eq!(signed.note.verified[0].name, "sum.golang.org");
    assert_eq!(
        Checkpoint::open(GO_CHECKPOINT.as_bytes(), "example.com/log", &keys),
        Err(CheckpointError::OriginMismatch {
            expected: "example.com/log".into(),
            found: "go.sum database tree".into()
        })
    );
    let forged = GO_CHECKPOINT.replace("31700353", "31700354");
    assert_eq!(
        Checkpoint::open(forged.as_bytes(), "go.sum database tree", &keys),
        Err(CheckpointError::Note(NoteError::InvalidSignature {
            name: "sum.golang.org".into(),
            key_hash: 0x033de0ae
        }))
    );
}

#[test]
fn sign_and_open_a_checkpoint_of_a_tree() {
    let mut store = MemoryStore::new();
    for i in 0u32..10 {
        store.append(leaf_hash(&i.to_be_bytes()));
    }
    let checkpoint = Checkpoint {
        origin: "registry.example/log".into(),
        size: store.size(),
        root: store.root(),
        extensions: vec![],
    };
    let key = SigningKey::from_bytes(&[42; 32]);
    let signed = checkpoint.sign("registry.example/log", &key).unwrap();
    let vkey = VerifierKey::new("registry.example/log", key.verifying_key()).unwrap();
    let opened = Checkpoint::open(signed.as_bytes(), "registry.example/log", &[vkey]).unwrap();
    assert_eq!(opened.checkpoint, checkpoint);
    let bad = Checkpoint {
        origin: String::new(),
        ..checkpoint.clone()
    };
    assert_eq!(bad.sign("n", &key), Err(CheckpointError::EmptyOrigin));
    let bad = Checkpoint {
        extensions: vec!["".into()],
        ..checkpoint
    };
    assert_eq!(
        bad.sign("n", &key),
        Err(CheckpointError::BadLine("".into()))
    );
}

#[test]
fn strict_rules() {
    let root = "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=";
    let size = |s: &str| CheckpointError::Size(s.into());
    let cases: Vec<(String, CheckpointError)> = vec![
        (String::new(), CheckpointError::Missing("origin")),
        (SOFA.trim_end().into(), CheckpointError::Unterminated),
        (format!("\n1\n{root}\n"), CheckpointError::EmptyOrigin),
        ("o\n".into(), CheckpointError::Missing("tree size")),
        ("o\n1\n".into(), CheckpointError::Missing("root hash")),
        (format!("o\n01\n{root}\n"), size("01")),
        (format!("o\n00\n{root}\n"), size("00")),
        (format!("o\n+1\n{root}\n"), size("+1")),
        (format!("o\n-1\n{root}\n"), size("-1")),
        (format!("o\n 1\n{root}\n"), size(" 1")),
        (format!("o\n\n{root}\n"), size("")),
        (
            format!("o\n18446744073709551616\n{root}\n"),
            size("18446744073709551616"),
        ),
        ("o\n1\nAAAA\n".into(), CheckpointError::RootLength(3)),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I\n".into(),
            CheckpointError::RootBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I".into()),
        ),
        (
            "o\n1\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n".into(),
            CheckpointError::RootBase64("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=".into()),
        ),
        (
            format!("o\n1\n{root}\n\n"),
            CheckpointError::EmptyExtension(1),
        ),
        (
            format!("o\n1\n{root}\next\n\n"),
            CheckpointError::EmptyExtension(2),
        ),
        (
            format!("o\r\n1\n{root}\n"),
            CheckpointError::ControlCharacter(1),
        ),
    ];
    for (text, want) in cases {
        assert_eq!(Checkpoint::parse(&text), Err(want), "{text:?}");
    }
    assert_eq!(
        Checkpoint::parse(&format!("o\n0\n{root}\n")).unwrap().size,
        0
    );
    assert_eq!(
        Checkpoint::parse(&format!("o\n18446744073709551615\n{root}\n"))
            .unwrap()
            .size,
        u64::MAX
    );
}

#[test]
fn garbage_never_panics() {
    let keys = [VerifierKey::parse(GO_SUMDB_KEY).unwrap()];
    let bytes = GO_CHECKPOINT.as_bytes();
    for end in 0..=bytes.len() {
        for start in [0, 1, 21, 30] {
            if start <= end {
                let part = &bytes[start..end];
                let _ = Checkpoint::open(part, "go.sum database tree", &keys);
                if let Ok(text) = std::str::from_utf8(part) {
                    if let Ok(c) = Checkpoint::parse(text) {
                        assert_eq!(c.to_string(), text);
                    }
                }
            }
        }
    }
    let mut rng = Rng(0x6962);
    for _ in 0..3000 {
        let m = rng.garble(bytes);
        if let Ok(s) = Checkpoint::open(&m, "go.sum database tree", &keys) {
            assert_eq!(s.checkpoint.size, 31700353, "{m:?}");
        }
        if let Ok(text) = std::str::from_utf8(&m[..m.len().min(75)]) {
            if let Ok(c) = Checkpoint::parse(text) {
                assert_eq!(c.to_string(), text);
            }
        }
    }
}
