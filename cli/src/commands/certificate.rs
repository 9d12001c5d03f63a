//! `mxcert certificate verify|fetch|status`: anyone can check an MxOS certificate.
//!
//! `verify` works offline: a certificate (or revocation) is a DSSE envelope signed by the
//! registry's Ed25519 key, checked here against that key's PEM (`--registry-key`) with strict
//! verification; the certificate must also not be expired, and must not be revoked by a signed
//! revocation given with `--revocation`. Exit 0 when valid, 1 when not (bad signature, expired,
//! revoked), 3 when an input cannot be read. With `--proof BUNDLE --log-key VKEY
//! [--witness-policy FILE]` it then checks that the file is in the registry's transparency log:
//! the checkpoint's signature and origin, the witnesses' cosignatures against the policy, and
//! the inclusion proof of the file's exact bytes; a proof without a log key fails (exit 1). `fetch` and `status` ask a registry (no token needed).

use std::path::Path;

use mxcert_core::certificate::{Certificate, Revocation};
use mxcert_core::dsse::{Envelope, CERTIFICATE_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE};
use mxcert_core::keys::{self, VerifyingKey};
use mxcert_core::tlog::checkpoint::Checkpoint;
use mxcert_core::tlog::cosignature::{self, CosignerKey};
use mxcert_core::tlog::merkle;
use mxcert_core::tlog::note::VerifierKey;
use mxcert_core::tlog::proof::TlogProof;
use serde_json::{json, Value};

use crate::args::{CertificateFetchArgs, CertificateStatusArgs, CertificateVerifyArgs, TextOrJson};
use crate::client::Client;
use crate::commands::keys::read_public_key;
use crate::commands::submissions::{print_json, segment, text};
use crate::error::{CliError, Result};
use crate::exit;
use crate::output;

/// Why a certificate is not valid (exit 1), with a stable code for `--format json`.
struct Invalid {
    code: &'static str,
    message: String,
}

fn invalid(code: &'static str, message: impl Into<String>) -> Invalid {
    Invalid {
        code,
        message: message.into(),
    }
}

fn registry_key(args: &CertificateVerifyArgs) -> Result<VerifyingKey> {
    match (&args.registry_key, &args.registry) {
        (Some(path), _) => read_public_key(path),
        (None, Some(url)) => {
            let pem = Client::with_token(url, None)?.get_bytes("/api/v1/registry-key")?;
            let pem = String::from_utf8_lossy(&pem);
            keys::public_key_from_pem(&pem).map_err(|e| {
                CliError::Registry(format!(
                    "the registry's key at {url} is not a public key: {e}"
                ))
            })
        }
        (None, None) => Err(CliError::Usage(
            "give the registry's public key with --registry-key PEM (offline) or --registry URL"
                .into(),
        )),
    }
}

fn read_envelope(path: &Path) -> Result<Envelope> {
    let bytes = output::read_input(path)?;
    Envelope::from_json(&bytes).map_err(|e| CliError::parse(path, e))
}

fn check_revocation(env: &Envelope, key: &VerifyingKey) -> Result<Revocation, Invalid> {
    let verified = env
        .verify(REVOCATION_PAYLOAD_TYPE, std::slice::from_ref(key))
        .map_err(|e| invalid(e.code(), format!("the revocation does not verify: {e}")))?;
    Revocation::from_json(&verified.payload).map_err(|e| {
        invalid(
            "invalid_revocation",
            format!("the signed payload is not a revocation: {e}"),
        )
    })
}

fn check_certificate(
    env: &Envelope,
    key: &VerifyingKey,
    revocation: Option<&Envelope>,
) -> Result<Certificate, Invalid> {
    let verified = env
        .verify(CERTIFICATE_PAYLOAD_TYPE, std::slice::from_ref(key))
        .map_err(|e| invalid(e.code(), e.to_string()))?;
    let cert = Certificate::from_json(&verified.payload).map_err(|e| {
        invalid(
            "invalid_certificate",
            format!("the signed payload is not a certificate: {e}"),
        )
    })?;
    let now = chrono::Utc::now();
    if cert.expires_at <= now {
        return Err(invalid(
            "expired",
            format!(
                "certificate {} expired at {}",
                cert.certificate_id, cert.expires_at
            ),
        ));
    }
    if let Some(rev) = revocation {
        let rev = check_revocation(rev, key)?;
        if rev.certificate_id == cert.certificate_id {
            return Err(invalid(
                "revoked",
                format!(
                    "certificate {} was revoked at {}: {}",
                    cert.certificate_id, rev.revoked_at, rev.reason
                ),
            ));
        }
        return Err(invalid(
            "revocation_mismatch",
            format!(
                "the revocation is for {}, not for {}",
                rev.certificate_id, cert.certificate_id
            ),
        ));
    }
    Ok(cert)
}

fn render_certificate(cert: &Certificate, keyid: &str) -> String {
    let s = &cert.system;
    let mut system = format!("{} {}", s.vendor, s.model);
    for (label, v) in [("family", &s.family), ("sku", &s.sku), ("board", &s.board)] {
        if let Some(v) = v {
            system.push_str(&format!(", {label} {v}"));
        }
    }
    format!(
        "valid certificate {} signed by registry key {keyid}\n  system        {system}\n  organisation  {}\n  release       {}\n  plan          {} {}\n  issued        {}\n  expires       {}\n  report        {} (envelope sha256 {})\n",
        cert.certificate_id,
        cert.organisation.name,
        cert.mxos_release,
        cert.plan.id,
        cert.plan.version,
        cert.issued_at,
        cert.expires_at,
        cert.report.report_id,
        cert.report.envelope_sha256,
    )
}

/// What `--log-key`, `--proof` and `--witness-policy` give, read before anything is checked.
struct LogInputs {
    proof: Option<Vec<u8>>,
    key: Option<VerifierKey>,
    policy: Option<WitnessPolicy>,
}

/// Witnesses that must have cosigned a checkpoint: `quorum` of `witnesses`.
struct WitnessPolicy {
    witnesses: Vec<CosignerKey>,
    quorum: usize,
}

fn read_log_inputs(args: &CertificateVerifyArgs) -> Result<LogInputs> {
    if args.proof.is_none() && (args.log_key.is_some() || args.witness_policy.is_some()) {
        return Err(CliError::Usage(
            "--log-key and --witness-policy check a proof: give it with --proof BUNDLE".into(),
        ));
    }
    let proof = args.proof.as_deref().map(output::read_input).transpose()?;
    let key = args
        .log_key
        .as_deref()
        .map(crate::commands::log::read_log_key)
        .transpose()?;
    let policy = args
        .witness_policy
        .as_deref()
        .map(read_witness_policy)
        .transpose()?;
    Ok(LogInputs { proof, key, policy })
}

fn read_witness_policy(path: &Path) -> Result<WitnessPolicy> {
    let bytes = output::read_input(path)?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::parse(path, "not UTF-8 text"))?;
    let mut witnesses = Vec::new();
    let mut quorum = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |e: String| CliError::parse(path, format!("line {}: {e}", i + 1));
        match line.split_once(' ') {
            Some(("witness", vkey)) => witnesses.push(
                CosignerKey::parse(vkey.trim())
                    .map_err(|e| bad(format!("not a witness key: {e}")))?,
            ),
            Some(("quorum", n)) => {
                quorum = Some(
                    n.trim()
                        .parse::<usize>()
                        .map_err(|_| bad(format!("quorum {:?} is not a number", n.trim())))?,
                )
            }
            _ => return Err(bad("expected \"witness VKEY\" or \"quorum N\"".to_owned())),
        }
    }
    let quorum = quorum.unwrap_or(witnesses.len());
    if quorum > witnesses.len() {
        return Err(CliError::parse(
            path,
            format!(
                "quorum {quorum} is more than the {} witnesses listed",
                witnesses.len()
            ),
        ));
    }
    Ok(WitnessPolicy { witnesses, quorum })
}

/// Checks, in order, the checkpoint's signature and origin, the witnesses' cosignatures against
/// the policy, and the inclusion of `entry` (FILE's exact bytes). Fails closed without a key.
fn check_log_proof(entry: &[u8], log: &LogInputs) -> Result<Option<Value>, Invalid> {
    let Some(bundle) = &log.proof else {
        return Ok(None);
    };
    let Some(key) = &log.key else {
        return Err(invalid(
            "no_log_key",
            "cannot check the log proof without the log's verifier key: give it with --log-key \
             (the registry serves it at /log/key); refusing to call the certificate logged",
        ));
    };
    let proof = TlogProof::parse(bundle).map_err(|e| {
        invalid(
            "invalid_proof",
            format!("the proof file is not a log proof: {e}"),
        )
    })?;
    let signed = Checkpoint::open(
        proof.checkpoint.as_bytes(),
        key.name(),
        std::slice::from_ref(key),
    )
    .map_err(|e| {
        invalid(
            "checkpoint_signature",
            format!(
                "the proof's checkpoint is not signed by the log key {}: {e}",
                key.name()
            ),
        )
    })?;
    let mut cosigned = Vec::new();
    if let Some(policy) = &log.policy {
        let (text, sigs) = cosignature::signatures(proof.checkpoint.as_bytes())
            .map_err(|e| invalid("checkpoint_signature", e.to_string()))?;
        for w in &policy.witnesses {
            if w.verify(&text, &sigs).is_some() {
                cosigned.push(w.name().to_owned());
            }
        }
        if cosigned.len() < policy.quorum {
            return Err(invalid(
                "witness_quorum",
                format!(
                    "the checkpoint carries valid cosignatures from {} of the {} witnesses the \
                     policy requires ({})",
                    cosigned.len(),
                    policy.quorum,
                    if cosigned.is_empty() {
                        "none".to_owned()
                    } else {
                        cosigned.join(", ")
                    }
                ),
            ));
        }
    }
    let c = &signed.checkpoint;
    merkle::verify_inclusion(
        proof.index,
        c.size,
        &merkle::leaf_hash(entry),
        &proof.proof,
        &c.root,
    )
    .map_err(|e| {
        invalid(
            "not_in_log",
            format!(
                "the proof does not show this file as entry {} of the log at size {}: {e}",
                proof.index, c.size
            ),
        )
    })?;
    Ok(Some(json!({
        "origin": c.origin,
        "index": proof.index,
        "tree_size": c.size,
        "witnesses": cosigned,
    })))
}

pub fn verify(args: &CertificateVerifyArgs) -> Result<u8> {
    let log = read_log_inputs(args)?;
    let key = registry_key(args)?;
    let keyid = keys::key_id(&key);
    let entry = output::read_input(&args.file)?;
    let env = Envelope::from_json(&entry).map_err(|e| CliError::parse(&args.file, e))?;
    let revocation = args.revocation.as_deref().map(read_envelope).transpose()?;
    let outcome: Result<(Value, String), Invalid> = match env.payload_type.as_str() {
        CERTIFICATE_PAYLOAD_TYPE => check_certificate(&env, &key, revocation.as_ref()).map(|c| {
            let text = render_certificate(&c, &keyid);
            (json!({ "valid": true, "kind": "certificate", "keyid": keyid, "certificate": c }), text)
        }),
        REVOCATION_PAYLOAD_TYPE => check_revocation(&env, &key).map(|r| {
            let text = format!(
                "valid revocation of certificate {} signed by registry key {keyid}\n  revoked at    {}\n  reason        {}\n",
                r.certificate_id, r.revoked_at, r.reason
            );
            (json!({ "valid": true, "kind": "revocation", "keyid": keyid, "revocation": r }), text)
        }),
        other => Err(invalid(
            "wrong_payload_type",
            format!("{} is neither a certificate nor a revocation (payloadType {other})", args.file.display()),
        )),
    };
    let outcome = outcome.and_then(|(mut value, mut text)| {
        if let Some(logged) = check_log_proof(&entry, &log)? {
            text.push_str(&format!(
                "  logged        entry {} of {} (tree size {}){}\n",
                logged["index"],
                logged["origin"].as_str().unwrap_or_default(),
                logged["tree_size"],
                match logged["witnesses"].as_array().map(Vec::len) {
                    Some(n) if n > 0 => format!(", cosigned by {n} witnesses"),
                    _ => String::new(),
                }
            ));
            value["log"] = logged;
        }
        Ok((value, text))
    });
    match (outcome, args.format) {
        (Ok((_, text)), TextOrJson::Text) => {
            output::write_stdout(text.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        (Ok((value, _)), TextOrJson::Json) => {
            print_json(&value)?;
            Ok(exit::SUCCESS)
        }
        (Err(e), TextOrJson::Text) => {
            eprintln!("mxcert: certificate not valid: {}", e.message);
            Ok(exit::FAILED)
        }
        (Err(e), TextOrJson::Json) => {
            print_json(&json!({ "valid": false, "code": e.code, "reason": e.message }))?;
            Ok(exit::FAILED)
        }
    }
}

pub fn fetch(args: &CertificateFetchArgs) -> Result<u8> {
    let client = Client::public(&args.registry)?;
    let which = if args.revocation {
        "revocation"
    } else {
        "envelope"
    };
    let bytes = client.get_bytes(&format!(
        "/api/v1/certificates/{}/{which}",
        segment(&args.certificate_id)
    ))?;
    output::write_output(args.out.as_deref(), &bytes)?;
    if let Some(path) = &args.registry_key_out {
        let pem = client.get_bytes("/api/v1/registry-key")?;
        output::write_atomic(path, &pem, Some(0o644))?;
    }
    Ok(exit::SUCCESS)
}

pub fn status(args: &CertificateStatusArgs) -> Result<u8> {
    let client = Client::public(&args.registry)?;
    let c: Value = client.get_json(&format!(
        "/api/v1/certificates/{}",
        segment(&args.certificate_id)
    ))?;
    let current = text(&c, "/current_status").to_owned();
    match args.format {
        TextOrJson::Json => print_json(&c)?,
        TextOrJson::Text => {
            let mut line = format!(
                "{} {}: {} {}, issued {}, expires {}",
                text(&c, "/id"),
                current,
                text(&c, "/system_vendor"),
                text(&c, "/system_model"),
                text(&c, "/issued_at"),
                text(&c, "/expires_at")
            );
            if let Some(reason) = c["revocation_reason"].as_str() {
                line.push_str(&format!(
                    "; revoked at {}: {reason}",
                    text(&c, "/revoked_at")
                ));
            }
            line.push('\n');
            output::write_stdout(line.as_bytes())?;
        }
    }
    Ok(if current == "valid" {
        exit::SUCCESS
    } else {
        exit::FAILED
    })
}
