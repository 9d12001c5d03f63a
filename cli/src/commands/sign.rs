//! `mxcert sign` and `mxcert verify`: DSSE envelopes over the exact report bytes.

use mxcert_core::budget::MAX_ENVELOPE_BYTES;
use mxcert_core::dsse::{self, Envelope, REPORT_PAYLOAD_TYPE};
use mxcert_core::report::Report;
use mxcert_core::schema::Validator;

use crate::args::{SignArgs, TextOrJson, VerifyArgs};
use crate::commands::keys::{read_private_key, read_public_key};
use crate::error::{CliError, Result};
use crate::exit;
use crate::output;

/// Checks that `bytes` are a valid report v1 (types and schema) and returns it.
pub fn parse_report(bytes: &[u8], what: &std::path::Path) -> Result<Report> {
    let report = Report::from_json(bytes).map_err(|e| CliError::parse(what, e))?;
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| CliError::parse(what, e))?;
    Validator::new("report.v1.schema.json")
        .map_err(|e| CliError::BadInput(e.to_string()))?
        .validate(&value)
        .map_err(|e| CliError::parse(what, e))?;
    Ok(report)
}

/// Signs a report file as it is, byte for byte.
pub fn sign(args: &SignArgs) -> Result<u8> {
    let key = read_private_key(&crate::config::Settings::load()?.key(args.key.as_deref())?)?;
    let bytes = output::read_input(&args.report)?;
    parse_report(&bytes, &args.report)?;
    let envelope = dsse::sign(REPORT_PAYLOAD_TYPE, &bytes, &key).to_json_pretty();
    if envelope.len() > MAX_ENVELOPE_BYTES {
        eprintln!(
            "mxcert: warning: the envelope is {} bytes, more than the registry's limit of {MAX_ENVELOPE_BYTES}; mxcert submit will refuse it",
            envelope.len()
        );
    }
    output::write_output(args.out.as_deref(), &envelope)?;
    Ok(exit::SUCCESS)
}

/// Verifies a signed report; exit 0 with a summary, or exit 1 with the reason.
pub fn verify(args: &VerifyArgs) -> Result<u8> {
    let key = read_public_key(&args.public_key)?;
    let bytes = output::read_input(&args.envelope)?;
    let outcome = Envelope::from_json(&bytes)
        .and_then(|env| env.verify(REPORT_PAYLOAD_TYPE, &[key]))
        .map_err(|e| (e.code().to_owned(), e.to_string()))
        .and_then(|verified| {
            Report::from_json(&verified.payload)
                .map(|report| (verified.keyid, report))
                .map_err(|e| match e {
                    mxcert_core::FormatError::Attachment(a) => (
                        a.code().to_owned(),
                        format!("signed payload has a bad attachment: {a}"),
                    ),
                    e => (
                        "invalid_report".to_owned(),
                        format!("signed payload is not a valid report: {e}"),
                    ),
                })
        });
    match (outcome, args.format) {
        (Ok((keyid, report)), TextOrJson::Text) => {
            let c = &report.summary.counts;
            let text = format!(
                "valid signature by key {keyid}\nreport {} ({} {}), plan {} {}, {} tests: {} pass, {} fail, {} skip, {} error, {} timeout; verdict {}\n",
                report.report_id,
                report.system.vendor.as_deref().unwrap_or("unknown vendor"),
                report.system.product.as_deref().unwrap_or("unknown model"),
                report.plan.id,
                report.plan.version,
                report.summary.total,
                c.pass, c.fail, c.skip, c.error, c.timeout,
                serde_json::to_value(report.summary.verdict).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
            );
            output::write_stdout(text.as_bytes())?;
            Ok(exit::SUCCESS)
        }
        (Ok((keyid, report)), TextOrJson::Json) => {
            let v = serde_json::json!({
                "valid": true, "keyid": keyid, "report_id": report.report_id,
                "plan": report.plan, "summary": report.summary,
            });
            output::write_stdout(&mxcert_core::format::to_json_pretty(&v))?;
            Ok(exit::SUCCESS)
        }
        (Err((_, message)), TextOrJson::Text) => {
            eprintln!("mxcert: verification failed: {message}");
            Ok(exit::FAILED)
        }
        (Err((code, message)), TextOrJson::Json) => {
            let v = serde_json::json!({ "valid": false, "code": code, "message": message });
            output::write_stdout(&mxcert_core::format::to_json_pretty(&v))?;
            Ok(exit::FAILED)
        }
    }
}
