//! C2SP signed notes against the examples of Go's implementation, and garbage that must be
//! refused without a panic.
//!
//! Vectors: golang/mod, `sumdb/note/note_test.go` (`TestNewVerifier`, `TestNewSigner`,
//! `TestSign`, `TestVerifierList`, `TestOpen`): the `PeterNeumann` and `EnochRoot` keys, the
//! signer key `PRIVATE+KEY+PeterNeumann+c74f20a3+…` and the signed note of the Peter Neumann
//! quote. The same note is the example in `sumdb/note/note.go`'s package docs.

mod tlog_common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use mxcert_core::tlog::note::{
    key_hash, open, parse, sign, KeyError, NoteError, Signature, VerifierKey, MAX_SIGNATURES,
};
use tlog_common::Rng;

const PETER_KEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const PETER_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const ENOCH_KEY: &str = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
const TEXT: &str = "If you think cryptography is the answer to your problem,\n\
                    then you don't know what your problem is.\n";
const PETER_SIG: &str = "— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
const ENOCH_SIG: &str = "— EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

/// The signing key inside Go's `PRIVATE+KEY+NAME+HASH+BASE64(0x01 ‖ seed)`.
fn peter_signing_key() -> SigningKey {
    let key64 = PETER_SKEY.splitn(5, '+').nth(4).unwrap();
    let bytes = STANDARD.decode(key64).unwrap();
    assert_eq!(bytes[0], 0x01);
    SigningKey::from_bytes(&bytes[1..].try_into().unwrap())
}

fn peter() -> VerifierKey {
    VerifierKey::parse(PETER_KEY).unwrap()
}

fn enoch() -> VerifierKey {
    VerifierKey::parse(ENOCH_KEY).unwrap()
}

fn note(sigs: &str) -> String {
    format!("{TEXT}\n{sigs}")
}

#[test]
fn verifier_keys_parse_and_print_back() {
    for vkey in [PETER_KEY, ENOCH_KEY] {
        assert_eq!(VerifierKey::parse(vkey).unwrap().to_string(), vkey);
    }
    let key = peter();
    assert_eq!((key.name(), key.key_hash()), ("PeterNeumann", 0xc74f20a3));
    let sk = peter_signing_key();
    let derived = VerifierKey::new("PeterNeumann", sk.verifying_key()).unwrap();
    assert_eq!(derived.to_string(), PETER_KEY);
}

#[test]
fn mangled_verifier_keys_are_refused() {
    // `TestNewVerifier`: every proper substring and every byte bumped by one.
    let b = PETER_KEY.as_bytes();
    for i in 0..=b.len() {
        for j in i + 1..=b.len() {
            if i != 0 || j != b.len() {
                let s = std::str::from_utf8(&b[i..j]).unwrap();
                assert!(VerifierKey::parse(s).is_err(), "{s:?} accepted");
            }
        }
    }
    let mut m = b.to_vec();
    for i in 0..m.len() {
        m[i] += 1;
        let s = String::from_utf8(m.clone()).unwrap();
        assert!(VerifierKey::parse(&s).is_err(), "{s:?} accepted");
        m[i] -= 1;
    }
    assert_eq!(
        VerifierKey::parse(
            "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=="
        ),
        // Go's lenient base64 reads "EY==" (non-zero trailing bits) and then refuses the
        // length; standard base64 as C2SP asks refuses it first.
        Err(KeyError::Base64)
    );
    let long = format!("AR{}", "A".repeat(46));
    let hash = key_hash("PeterNeumann", &STANDARD.decode(&long).unwrap());
    assert_eq!(
        VerifierKey::parse(&format!("PeterNeumann+{hash:08x}+{long}")),
        Err(KeyError::Length(35))
    );
    assert_eq!(
        VerifierKey::parse("PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::Algorithm(0x65))
    );
}

#[test]
fn precise_key_errors() {
    assert_eq!(VerifierKey::parse("nokey"), Err(KeyError::Shape("name")));
    assert_eq!(VerifierKey::parse("a+b"), Err(KeyError::Shape("hash")));
    assert!(matches!(
        VerifierKey::parse("a b+c74f20a3+AA=="),
        Err(KeyError::Name(_))
    ));
    assert!(matches!(
        VerifierKey::parse("PeterNeumann+C74F20A3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::HashText(_))
    ));
    assert_eq!(
        VerifierKey::parse("PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"),
        Err(KeyError::HashMismatch {
            stated: 0xc74f20a4,
            computed: 0xc74f20a3
        })
    );
    assert_eq!(VerifierKey::parse("a+00000000+"), Err(KeyError::Empty));
    assert_eq!(VerifierKey::parse("a+00000000+!!"), Err(KeyError::Base64));
}

#[test]
fn signing_reproduces_go_exactly() {
    // `TestSign`: Ed25519 is deterministic, so the note is byte for byte Go's.
    let signed = sign(TEXT, "PeterNeumann", &peter_signing_key()).unwrap();
    assert_eq!(signed, note(PETER_SIG));
    let sig = Signature::ed25519(TEXT, "PeterNeumann", &peter_signing_key()).unwrap();
    assert_eq!(
        sig.key_hash,
        key_hash("PeterNeumann", &{
            let mut k = vec![0x01];
            k.extend_from_slice(peter_signing_key().verifying_key().as_bytes());
            k
        })
    );
    assert_eq!(
        sign("abc", "PeterNeumann", &peter_signing_key()),
        Err(NoteError::Text)
    );
    assert_eq!(
        sign("", "PeterNeumann", &peter_signing_key()),
        Err(NoteError::Text)
    );
    assert_eq!(
        sign(TEXT, "a+b", &peter_signing_key()),
        Err(NoteError::Name("a+b".into()))
    );
    assert_eq!(
        sign("tab\there\n", "PeterNeumann", &peter_signing_key()),
        Err(NoteError::ControlCharacter(3))
    );
}

#[test]
fn open_as_in_go() {
    // `TestOpen`.
    let msg = note(&format!("{PETER_SIG}{ENOCH_SIG}"));
    let n = open(msg.as_bytes(), &[peter()]).unwrap();
    assert_eq!(n.text, TEXT);
    assert_eq!(n.verified.len(), 1);
    assert_eq!(
        (n.verified[0].name.as_str(), n.verified[0].key_hash),
        ("PeterNeumann", 0xc74f20a3)
    );
    assert_eq!(n.unverified.len(), 1);
    assert_eq!(
        (n.unverified[0].name.as_str(), n.unverified[0].key_hash),
        ("EnochRoot", 0xaf0cfe78)
    );

    let n = open(msg.as_bytes(), &[peter(), enoch()]).unwrap();
    assert_eq!(n.verified.len(), 2);
    assert!(n.unverified.is_empty());

    assert_eq!(
        open(msg.as_bytes(), &[]),
        Err(NoteError::NoTrustedSignature)
    );
    let parsed = parse(msg.as_bytes()).unwrap();
    assert_eq!(parsed.signatures.len(), 2);
    assert_eq!(parsed.to_string(), msg);

    // Too many signatures.
    let many = note(&PETER_SIG.repeat(MAX_SIGNATURES + 1));
    assert_eq!(
        open(many.as_bytes(), &[peter()]),
        Err(NoteError::TooManySignatures)
    );
    assert_eq!(
        open(
            note(&PETER_SIG.repeat(MAX_SIGNATURES)).as_bytes(),
            &[peter()]
        )
        .unwrap()
        .verified
        .len(),
        1
    );

    // A known key's bad signature rejects the note.
    let bad = note(&format!("{}ABCD{}", &PETER_SIG[..60], &PETER_SIG[60..]));
    assert_eq!(
        open(bad.as_bytes(), &[peter()]),
        Err(NoteError::InvalidSignature {
            name: "PeterNeumann".into(),
            key_hash: 0xc74f20a3
        })
    );

    // Duplicates: one verified, unknown ones kept once each.
    let enoch_abcd = format!("{}ABCD{}", &ENOCH_SIG[..60], &ENOCH_SIG[60..]);
    let dup = note(&format!(
        "{PETER_SIG}{PETER_SIG}{ENOCH_SIG}{ENOCH_SIG}{enoch_abcd}"
    ));
    let n = open(dup.as_bytes(), &[peter()]).unwrap();
    assert_eq!(n.verified.len(), 1);
    assert_eq!(n.unverified.len(), 2);

    // A name or hash that matches a known key on one side only is an unknown key.
    let renamed = note(&PETER_SIG.replace("PeterNeumann", "CarmenSandiego"));
    assert_eq!(
        open(renamed.as_bytes(), &[peter()]),
        Err(NoteError::NoTrustedSignature)
    );
    let rehashed = note(&PETER_SIG.replace("x08g", "xxxx"));
    assert_eq!(
        open(rehashed.as_bytes(), &[peter()]),
        Err(NoteError::NoTrustedSignature)
    );
}

#[test]
fn a_trusted_key_listed_twice_is_not_ambiguous() {
    // Go's `TestVerifierList` calls a repeated key ambiguous; here the same key listed twice is
    // harmless. Two different keys under one name and hash are `AmbiguousKey`, which needs a
    // 32-bit key hash collision to test.
    let msg = note(PETER_SIG);
    open(msg.as_bytes(), &[peter(), peter()]).unwrap();
    let other = SigningKey::from_bytes(&[7; 32]).verifying_key();
    let fake = VerifierKey::new("PeterNeumann", other).unwrap();
    // A different key hashes differently, so it is simply another key.
    assert_ne!(fake.key_hash(), peter().key_hash());
    open(msg.as_bytes(), &[fake, peter()]).unwrap();
}

#[test]
fn malformed_notes_from_go() {
    // `badMsgs` in `TestOpen`.
    let cases: Vec<(String, NoteError)> = vec![
        (TEXT.to_owned(), NoteError::NoSignatureBlock),
        (
            format!("{TEXT}\n"),
            NoteError::SignatureLine {
                line: 1,
                reason: "there is none",
            },
        ),
        (
            note(&PETER_SIG[..PETER_SIG.len() - 1]),
            NoteError::Unterminated,
        ),
        (format!("\x01{}", note(PETER_SIG)), NoteError::ControlCharacter(0)),
        (
            format!("{}", String::from_utf8_lossy(b"\xff")) + &note(PETER_SIG),
            NoteError::NoTrustedSignature,
        ),
        (
            note("— Bad Name x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM="),
            NoteError::Unterminated,
        ),
        (
            note(&format!("{PETER_SIG}Unexpected line.\n")),
            NoteError::SignatureLine {
                line: 2,
                reason: "it does not start with an em dash and a space",
            },
        ),
    ];
    for (msg, want) in cases {
        let got = open(msg.as_bytes(), &[peter()]);
        // The U+FFFD case changes the signed text: a signature failure, not a parse error.
        if want == NoteError::NoTrustedSignature {
            assert!(
                matches!(got, Err(NoteError::InvalidSignature { .. })),
                "{msg:?}: {got:?}"
            );
        } else {
            assert_eq!(got, Err(want), "{msg:?}");
        }
    }
    let mut raw = b"\xff".to_vec();
    raw.extend_from_slice(note(PETER_SIG).as_bytes());
    assert_eq!(open(&raw, &[peter()]), Err(NoteError::NotUtf8));
    assert_eq!(
        open(note("— a+b AAAAAAAA\n").as_bytes(), &[peter()]),
        Err(NoteError::Name("a+b".into()))
    );
}

#[test]
fn garbage_never_panics() {
    let good = note(&format!("{PETER_SIG}{ENOCH_SIG}"));
    let bytes = good.as_bytes();
    for end in 0..bytes.len() {
        let _ = open(&bytes[..end], &[peter(), enoch()]);
        let _ = open(&bytes[end..], &[peter()]);
    }
    let mut rng = Rng(0x2014);
    for _ in 0..3000 {
        let m = rng.garble(bytes);
        if let Ok(n) = open(&m, &[peter(), enoch()]) {
            // A change in one signature line can make it an unknown key's, ignored, while the
            // other still verifies; the text itself can never change.
            assert_eq!(n.text, TEXT, "{m:?}");
        }
    }
    let vkey = PETER_KEY.as_bytes();
    for end in 0..vkey.len() {
        for start in 0..end {
            if let Ok(s) = std::str::from_utf8(&vkey[start..end]) {
                let _ = VerifierKey::parse(s);
            }
        }
    }
}
