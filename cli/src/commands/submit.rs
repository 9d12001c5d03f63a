//! `mxcert submit`: send a signed report to a registry. Submitting the same bytes twice is safe:
//! the registry answers with the submission it already has, so a submission that met a
//! connection failure or a passing 5xx (an instance or its database restarting) is retried with
//! backoff ([`Retry`]) without ever making a duplicate. An envelope larger than the registry's
//! body limit ([`MAX_ENVELOPE_BYTES`]) is refused here, before any upload.

use mxcert_core::budget::MAX_ENVELOPE_BYTES;
use mxcert_core::dsse::{Envelope, REPORT_PAYLOAD_TYPE};

use crate::args::{SubmitArgs, TextOrJson};
use crate::client::{Client, Retry};
use crate::error::{CliError, Result};
use crate::exit;
use crate::output;

pub fn submit(args: &SubmitArgs) -> Result<u8> {
    let bytes = output::read_input(&args.envelope)?;
    // The registry would answer 413 after the whole upload.
    if bytes.len() > MAX_ENVELOPE_BYTES {
        return Err(CliError::BadInput(format!(
            "{}: the envelope is {} bytes, more than the registry's limit of {MAX_ENVELOPE_BYTES} bytes (8 MiB); not sent. Reports written by mxcert run fit; sign a report with fewer or smaller attachments and shorter sample series",
            args.envelope.display(),
            bytes.len()
        )));
    }
    // Refuse obvious mistakes before the upload; the registry checks everything again.
    let envelope = Envelope::from_json(&bytes).map_err(|e| CliError::parse(&args.envelope, e))?;
    if envelope.payload_type != REPORT_PAYLOAD_TYPE {
        return Err(CliError::parse(
            &args.envelope,
            format!(
                "payloadType is {}, expected {REPORT_PAYLOAD_TYPE}",
                envelope.payload_type
            ),
        ));
    }
    let client = Client::new(&args.registry)?;
    let answer: serde_json::Value = client.post_bytes_retrying(
        "/api/v1/submissions",
        "application/json",
        bytes,
        &Retry::default(),
    )?;
    let id = answer
        .get("id")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let status = answer
        .get("status")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let url = answer
        .get("url")
        .and_then(|v| v.as_str())
        .map(|u| client.absolute(u))
        .unwrap_or_default();
    match args.format {
        TextOrJson::Text => output::write_stdout(format!("{id}\t{status}\t{url}\n").as_bytes())?,
        TextOrJson::Json => output::write_stdout(&mxcert_core::format::to_json_pretty(&answer))?,
    }
    Ok(exit::SUCCESS)
}
