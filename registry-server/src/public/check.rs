//! "Does my machine work with MxOS?" ([`check`]): every device of one machine with what the
//! registry knows about it, and the certified systems that match the machine (the same model,
//! the same board, the same vendor family).
//!
//! The machine comes from [`parse_input`]: an mxcert inventory (`mxcert probe --format json`), an
//! mxcert report or signed report (JSON), or the text of `udevadm info --export-db`, a umockdev
//! recording, `lspci -nn` (`-nnk`) or `lsusb` — everything is read by `mxcert_core::import`, with
//! this machine's `pci.ids`/`usb.ids` for names. Signatures are not verified: nothing a check
//! answers is stored or trusted. Answering costs one indexed read of the
//! per-device counts for all devices at once and three small reads for related systems, whatever
//! the registry's size.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;

use mxcert_core::cancel::Cancel;
use mxcert_core::import::{Format, ImportError, ImportOptions};
use mxcert_core::inventory::Inventory;

use mxcert_core::check::{answer, CommunityCount, KnownDevice, Lookup, Related, RELATED_LIMIT};
pub use mxcert_core::check::{
    CheckAnswer, CheckSummary, CheckedDevice, CheckedSystem, InputFormat, Machine, MatchingSystems,
};

use super::systems::summary;
use crate::error::{ApiError, ApiResult};
use crate::heavy::HeavyWork;
use crate::hwnames::HwNames;
use crate::store::Store;

/// The most devices one check looks up (a large server has a few thousand).
pub const MAX_DEVICES: usize = 20_000;

/// How the body of a check is to be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    Json,
    Text,
}

/// Chooses how to read a body from its content type (`application/json` or `*+json`;
/// `text/plain`); without one, from its first non-blank byte. Other types are refused (415).
pub fn body_kind(content_type: Option<&str>, body: &[u8]) -> ApiResult<BodyKind> {
    let essence = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|c| !c.is_empty());
    match essence.as_deref() {
        Some("application/json") => Ok(BodyKind::Json),
        Some(c) if c.ends_with("+json") => Ok(BodyKind::Json),
        Some("text/plain") => Ok(BodyKind::Text),
        Some(other) => Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            format!(
                "content type {other:?} is not accepted: send application/json (an mxcert probe or \
                 report) or text/plain (udevadm info --export-db, lspci -nn or lsusb output)"
            ),
        )),
        None => Ok(
            if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') {
                BodyKind::Json
            } else {
                BodyKind::Text
            },
        ),
    }
}

fn bad_input(message: impl std::fmt::Display) -> ApiError {
    ApiError::unprocessable("invalid_input", message.to_string())
}

/// Whether a JSON body is a signed document (a DSSE envelope), from its top-level keys.
#[derive(serde::Deserialize)]
struct JsonKind {
    #[serde(rename = "payloadType")]
    payload_type: Option<serde::de::IgnoredAny>,
}

/// What a JSON body is, from its top-level keys, in one pass: a signed document (a DSSE
/// envelope), a report (`report_id`, as [`mxcert_core::import::detect`] decides) or an inventory.
#[derive(serde::Deserialize)]
struct JsonKeys {
    #[serde(rename = "payloadType")]
    payload_type: Option<serde::de::IgnoredAny>,
    report_id: Option<serde::de::IgnoredAny>,
}

/// Imports a probe, report or dump with the core importers.
fn import(
    bytes: &[u8],
    names: &HwNames,
    cancel: Cancel<'_>,
) -> ApiResult<(InputFormat, Inventory)> {
    import_as(bytes, None, names, cancel)
}

/// [`import`], as `format` when the caller already knows it (skipping detection, which reads a
/// JSON document once more).
fn import_as(
    bytes: &[u8],
    format: Option<Format>,
    names: &HwNames,
    cancel: Cancel<'_>,
) -> ApiResult<(InputFormat, Inventory)> {
    let mut opts = ImportOptions::new(
        chrono::Utc::now(),
        mxcert_core::tool("mxcert-registry", env!("CARGO_PKG_VERSION")),
    );
    opts.pci_ids = names.pci.as_ref();
    opts.usb_ids = names.usb.as_ref();
    opts.cancel = cancel;
    let imported = match format {
        Some(format) => mxcert_core::import::import_as(bytes, format, &opts),
        None => mxcert_core::import::import(bytes, &opts),
    }
    .map_err(|e| match e {
        // Stopped because the request's deadline passed (or its client left): what the
        // server's deadline answers.
        ImportError::Cancelled(_) => ApiError::timeout(),
        e => bad_input(e),
    })?;
    Ok((imported.format.into(), imported.inventory))
}

/// Reads a JSON body: an inventory, a report, or a signed report.
pub fn parse_json(body: &[u8], names: &HwNames, cancel: Cancel<'_>) -> ApiResult<Machine> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request(
            "malformed_body",
            "the body is not a JSON object",
        ));
    }
    // A 300-device probe is ~100 KiB: read its top-level keys once, then parse it once.
    if let Ok(keys) = serde_json::from_slice::<JsonKeys>(body) {
        if keys.payload_type.is_none() {
            let format = if keys.report_id.is_some() {
                Format::Report
            } else {
                Format::Inventory
            };
            let (format, inventory) = import_as(body, Some(format), names, cancel)?;
            return Ok(Machine::from_inventory(format, inventory));
        }
    }
    let kind: JsonKind = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(
            "malformed_body",
            format!("the body is not a JSON object: {e}"),
        )
    })?;
    if kind.payload_type.is_none() {
        let (format, inventory) = import(body, names, cancel)?;
        return Ok(Machine::from_inventory(format, inventory));
    }
    let envelope = mxcert_core::dsse::Envelope::from_json(body)
        .map_err(|e| bad_input(format!("signed report: {e}")))?;
    if envelope.payload_type != mxcert_core::dsse::REPORT_PAYLOAD_TYPE {
        return Err(bad_input(format!(
            "signed document of type {:?}; a check takes a signed report ({})",
            envelope.payload_type,
            mxcert_core::dsse::REPORT_PAYLOAD_TYPE
        )));
    }
    let payload = envelope
        .payload_unverified()
        .map_err(|e| bad_input(format!("signed report: {e}")))?;
    match import(&payload, names, cancel)? {
        (InputFormat::Report, inventory) => Ok(Machine::from_inventory(
            InputFormat::SignedReport,
            inventory,
        )),
        _ => Err(bad_input("signed report: the payload is not a report")),
    }
}

/// Reads the body of a check off the async workers, under the cap on heavy parses, stopping
/// when the request is dropped or its deadline passes ([`crate::heavy`]). What `POST
/// /api/v1/check` and `/funciona` call.
pub async fn parse_bounded(
    heavy: &HeavyWork,
    names: Arc<HwNames>,
    content_type: Option<String>,
    body: Bytes,
) -> ApiResult<Machine> {
    heavy
        .run(move |cancel| parse_input_until(content_type.as_deref(), &body, &names, cancel))
        .await?
}

/// Reads the body of a check (see the module documentation), to the end.
pub fn parse_input(content_type: Option<&str>, body: &[u8], names: &HwNames) -> ApiResult<Machine> {
    parse_input_until(content_type, body, names, Cancel::default())
}

/// [`parse_input`], stopping with 408 `request_timeout` when `cancel` says so.
pub fn parse_input_until(
    content_type: Option<&str>,
    body: &[u8],
    names: &HwNames,
    cancel: Cancel<'_>,
) -> ApiResult<Machine> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "malformed_body",
            "the body is empty: send an mxcert probe (JSON) or the output of udevadm info \
             --export-db, lspci -nn or lsusb (text/plain)",
        ));
    }
    let machine = match body_kind(content_type, body)? {
        BodyKind::Json => parse_json(body, names, cancel)?,
        BodyKind::Text => {
            let (format, inventory) = import(body, names, cancel)?;
            Machine::from_inventory(format, inventory)
        }
    };
    if machine.devices.len() > MAX_DEVICES {
        return Err(bad_input(format!(
            "{} devices; a check takes at most {MAX_DEVICES}",
            machine.devices.len()
        )));
    }
    Ok(machine)
}

/// Checks a machine against the registry: the rules are `mxcert_core::check` (shared with
/// `mxcert check --offline`); this reads what they need from the index.
pub async fn check(store: &Store, machine: &Machine) -> ApiResult<CheckAnswer> {
    let lookup = Lookup::new(machine);
    let distinct = lookup.distinct_bases();
    let mut known: HashMap<String, KnownDevice> = store
        .devices_stats(&distinct)
        .await?
        .into_iter()
        .map(|(base, row)| (base, row.known()))
        .collect();
    // Community reports: counted beside certification's, and a device only they contain is
    // known too (see `mxcert_core::check::combined_status`).
    for (base, (works, problems)) in store.devices_community(&distinct).await? {
        let community = CommunityCount { works, problems };
        known
            .entry(base.clone())
            .or_insert_with(|| KnownDevice {
                identity: base,
                vendor_name: None,
                device_name: None,
                reports: Default::default(),
                systems: 0,
                community: CommunityCount::default(),
            })
            .community = community;
    }
    let now = super::now();
    let limit = RELATED_LIMIT as i64;
    let mut related = Related::default();
    for (relation, out) in [
        (lookup.model(), &mut related.exact),
        (lookup.board(), &mut related.same_board),
        (lookup.family(), &mut related.same_family),
    ] {
        *out = store
            .related_public_systems(relation, &now, limit)
            .await?
            .iter()
            .map(summary)
            .collect();
    }
    Ok(answer(machine, lookup, &known, related))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types_choose_the_reader() {
        assert_eq!(
            body_kind(Some("application/json; charset=utf-8"), b"x").unwrap(),
            BodyKind::Json
        );
        assert_eq!(
            body_kind(Some("application/vnd.mxos.inventory.v1+json"), b"x").unwrap(),
            BodyKind::Json
        );
        assert_eq!(body_kind(Some("Text/Plain"), b"{").unwrap(), BodyKind::Text);
        assert_eq!(body_kind(None, b"  {\"a\":1}").unwrap(), BodyKind::Json);
        assert_eq!(
            body_kind(None, b"00:00.0 Host bridge").unwrap(),
            BodyKind::Text
        );
        let e = body_kind(Some("multipart/form-data; boundary=x"), b"").unwrap_err();
        assert_eq!(e.status.as_u16(), 415);
    }

    #[test]
    fn json_errors_say_which_document_and_where() {
        let names = HwNames::default();
        let e =
            parse_input(Some("application/json"), b"{\"schema_version\": 1}", &names).unwrap_err();
        assert_eq!(e.code, "invalid_input");
        assert!(e.message.contains("line 1"), "{}", e.message);
        let e = parse_input(Some("application/json"), b"[1, 2]", &names).unwrap_err();
        assert_eq!(e.code, "malformed_body");
        let e = parse_input(None, b"  \n", &names).unwrap_err();
        assert_eq!(e.code, "malformed_body");
        let e = parse_input(
            None,
            br#"{"payloadType": "application/vnd.mxos.certificate.v1+json", "payload": "", "signatures": []}"#,
            &names,
        )
        .unwrap_err();
        assert!(e.message.contains("certificate"), "{}", e.message);
    }
}
