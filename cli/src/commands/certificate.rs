//! `mxcert certificate verify|fetch|status`: anyone can check an MxOS certificate.
//!
//! `verify` works offline: a certificate (or revocation) is a DSSE envelope signed by the
//! registry's Ed25519 key, checked here against that key's PEM (`--registry-key`) with strict
//! verification; the certificate must also not be expired, and must not be revoked by a signed
//! revocation given with `--revocation`. Exit 0 when valid, 1 when not (bad signature, expired,
//! revoked), 3 when an input cannot be read. `fetch` and `status` ask a registry (no token needed).

use std::path::Path;

use mxcert_core::certificate::{Certificate, Revocation};
use mxcert_core::dsse::{Envelope, CERTIFICATE_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE};
use mxcert_core::keys::{self, VerifyingKey};
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

pub fn verify(args: &CertificateVerifyArgs) -> Result<u8> {
    let key = registry_key(args)?;
    let keyid = keys::key_id(&key);
    let env = read_envelope(&args.file)?;
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
