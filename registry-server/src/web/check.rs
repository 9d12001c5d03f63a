//! "¿Funciona mi equipo con MxOS?" (`/funciona`): paste the output of `lspci -nn`, `lsusb` or
//! `udevadm info --export-db`, or upload an `mxcert probe --format json` file (a report or signed
//! report works too), and get every device's status and the certified systems that match. It calls
//! `public::check::parse_bounded` and `public::check::check`, exactly what `POST /api/v1/check`
//! does, under the same per-address rate limit (a 429 page in the reader's language); the form is
//! one `multipart/form-data` POST, so it works without JavaScript.
//!
//! This module must not parse dumps itself or keep what was pasted.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::Response;

use super::context::Ctx;
use super::form::CsrfMultipart;
use super::labels;
use super::render::{msg, page, PageError};
use crate::error::ApiError;
use crate::public::check::{self, CheckAnswer, InputFormat};
use crate::public::devices::DeviceStatus;
use crate::public::systems::SystemSummary;

/// A device of the checked machine, as shown.
#[derive(Debug)]
pub struct DeviceRow {
    pub name: String,
    pub identity: String,
    pub category: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub explain: &'static str,
    pub driver: Option<String>,
    pub driver_missing: bool,
    pub href: Option<String>,
}

/// A group of matching certified systems.
#[derive(Debug)]
pub struct Matches {
    pub heading: &'static str,
    pub systems: Vec<SystemSummary>,
}

#[derive(Template)]
#[template(path = "check.html")]
struct CheckPage<'a> {
    ctx: &'a Ctx,
    text: String,
    error: Option<String>,
    answer: Option<&'a CheckAnswer>,
    format: &'static str,
    system: String,
    devices: Vec<DeviceRow>,
    matches: Vec<Matches>,
    /// Whether the input says which drivers are bound (`lspci -nn` does not, `-nnk` does).
    show_drivers: bool,
}

fn format_key(f: InputFormat) -> &'static str {
    match f {
        InputFormat::Inventory => msg("check.format_inventory"),
        InputFormat::Report | InputFormat::SignedReport => msg("check.format_report"),
        InputFormat::Udevadm => msg("check.format_udevadm"),
        InputFormat::Umockdev => msg("check.format_umockdev"),
        InputFormat::Lspci => msg("check.format_lspci"),
        InputFormat::Lsusb => msg("check.format_lsusb"),
    }
}

/// What each status means for the person asking.
fn explain(s: DeviceStatus) -> &'static str {
    match s {
        DeviceStatus::Certified => msg("check.explain_certified"),
        DeviceStatus::Works => msg("check.explain_works"),
        DeviceStatus::Problem => msg("check.explain_problem"),
        DeviceStatus::Seen => msg("check.explain_seen"),
        DeviceStatus::Unknown => msg("check.explain_unknown"),
    }
}

/// Problems first, then what nobody could vouch for, then what works.
fn rank(s: DeviceStatus) -> u8 {
    match s {
        DeviceStatus::Problem => 0,
        DeviceStatus::Unknown => 1,
        DeviceStatus::Seen => 2,
        DeviceStatus::Works => 3,
        DeviceStatus::Certified => 4,
    }
}

fn empty_page(ctx: &Ctx) -> CheckPage<'_> {
    CheckPage {
        ctx,
        text: String::new(),
        error: None,
        answer: None,
        format: msg("check.format_inventory"),
        system: String::new(),
        devices: Vec::new(),
        matches: Vec::new(),
        show_drivers: false,
    }
}

/// A check refused for the rate limit (429) or because every parser stayed busy (503), as a page
/// saying so with `Retry-After`; other errors as usual.
fn refused(e: ApiError) -> PageError {
    let key = match e.status {
        StatusCode::TOO_MANY_REQUESTS => msg("error.too_many_checks"),
        StatusCode::SERVICE_UNAVAILABLE => msg("error.busy"),
        _ => return e.into(),
    };
    PageError {
        retry_after: e.retry_after,
        ..PageError::new(e.status, key)
    }
}

/// `GET /funciona`.
pub async fn form(ctx: Ctx) -> Result<Response, PageError> {
    page(&empty_page(&ctx))
}

/// `POST /funciona`. Counted against the same per-address limit as `POST /api/v1/check`, before
/// the form is read; parsed under the same cap.
pub async fn submit(ctx: Ctx, req: Request) -> Result<Response, PageError> {
    ctx.state.public_posts.check(ctx.ip).map_err(refused)?;
    let form = CsrfMultipart::from_request(req, &ctx.state).await?;
    let text = form.text("text").unwrap_or_default();
    let upload = form.bytes("probe").filter(|b| !b.is_empty());
    let input = Bytes::copy_from_slice(upload.unwrap_or(text.as_bytes()));
    let parsed = check::parse_bounded(&ctx.state.heavy, ctx.state.hw_names.clone(), None, input);
    let answer = match parsed.await {
        Ok(machine) => check::check(&ctx.state.store, &machine).await,
        Err(e) => Err(e),
    };
    let answer = match answer {
        Ok(a) => a,
        Err(e) if e.status.is_client_error() => {
            // Show the form again with what was pasted and why it could not be read.
            let mut r = page(&CheckPage {
                text: if upload.is_some() {
                    String::new()
                } else {
                    text
                },
                error: Some(e.message),
                ..empty_page(&ctx)
            })?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(r);
        }
        Err(e) => return Err(refused(e)),
    };
    let mut ranked: Vec<(u8, DeviceRow)> = answer
        .devices
        .iter()
        .map(|d| {
            let (status, badge) = labels::device_status(d.status);
            let row = DeviceRow {
                name: super::submission::device_name(
                    d.vendor_name.as_deref(),
                    d.device_name.as_deref(),
                ),
                identity: d.identity.clone(),
                category: labels::category(ctx.lang, &d.category),
                status,
                badge,
                explain: explain(d.status),
                driver: d.driver.clone(),
                driver_missing: d.driver_missing,
                href: (d.status != DeviceStatus::Unknown)
                    .then(|| super::submission::device_href(&d.base_identity))
                    .flatten(),
            };
            (rank(d.status), row)
        })
        .collect();
    ranked.sort_by_key(|(r, _)| *r);
    let devices: Vec<DeviceRow> = ranked.into_iter().map(|(_, d)| d).collect();
    let m = &answer.certified_systems;
    let matches = [
        (msg("check.matches_exact"), &m.exact),
        (msg("check.matches_board"), &m.same_board),
        (msg("check.matches_family"), &m.same_family),
    ]
    .into_iter()
    .filter(|(_, s)| !s.is_empty())
    .map(|(heading, s)| Matches {
        heading,
        systems: s.clone(),
    })
    .collect();
    let system = match (&answer.system.vendor, &answer.system.model) {
        (Some(v), Some(m)) => format!("{v} {m}"),
        (None, Some(m)) => m.clone(),
        (Some(v), None) => v.clone(),
        (None, None) => String::new(),
    };
    // An input that names no driver at all (`lspci -nn`, `lsusb`) cannot say one is missing.
    let show_drivers = answer.devices.iter().any(|d| d.driver.is_some());
    page(&CheckPage {
        show_drivers,
        format: format_key(answer.format),
        system,
        devices,
        matches,
        answer: Some(&answer),
        ..empty_page(&ctx)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_come_first_and_certified_last() {
        let mut v = [
            DeviceStatus::Certified,
            DeviceStatus::Works,
            DeviceStatus::Unknown,
            DeviceStatus::Problem,
            DeviceStatus::Seen,
        ];
        v.sort_by_key(|s| rank(*s));
        assert_eq!(v[0], DeviceStatus::Problem);
        assert_eq!(v[4], DeviceStatus::Certified);
    }
}
