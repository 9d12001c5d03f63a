//! A system's certificate page (`/certificados/{id}`), public: the system's identity, the MxOS
//! release, the plan and its version, the test results summarised by area, the devices by
//! category, the certificate's status and dates, the model's other certificates, downloads of the
//! signed certificate and the signed report (the API's own URLs), and how to verify both offline
//! with `mxcert`, and the charts of what the machine measured while tests ran ([`super::charts`]).
//! The commands to copy name the configured public URL, else a placeholder the
//! reader replaces: never the request's `Host`.
//!
//! It calls `public::systems::detail`, exactly what `GET /api/v1/systems/{certificate_id}`
//! serves. A signed-in reviewer can revoke a valid certificate with a reason
//! (`workflow::certificates::revoke`, as `POST /api/v1/certificates/{id}/revoke`). This module
//! must not query the store itself.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::charts::{charts, Chart};
use super::context::Ctx;
use super::form::{CsrfForm, PageQuery};
use super::labels;
use super::render::{msg, page, PageError};
use super::signin::see_other;
use super::submissions::reviewer;
use crate::public::systems::{self, CertificateStatus, SystemDetail, SystemSummary};
use crate::urls;

/// The devices of one category: (identity, name, device page).
#[derive(Debug)]
pub struct CategoryDevices {
    pub category: String,
    pub devices: Vec<(String, String, Option<String>)>,
}

/// Another certificate of the same model.
#[derive(Debug)]
pub struct OtherCertificate {
    pub s: SystemSummary,
    pub status: &'static str,
    pub badge: String,
    pub issued: String,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage<'a> {
    ctx: &'a Ctx,
    d: &'a SystemDetail,
    status: &'static str,
    badge: String,
    category: String,
    issued: String,
    expires: String,
    revoked: Option<String>,
    categories: Vec<CategoryDevices>,
    others: Vec<OtherCertificate>,
    /// The registry's address in the copy-paste commands (see [`urls::command_base`]).
    base: String,
    /// Whether `base` is the placeholder the reader replaces (no public URL configured).
    base_is_placeholder: bool,
    report_sha256: String,
    envelope_sha256: String,
    can_revoke: bool,
    /// Measurements over time of the certified report's tests.
    charts: Vec<Chart>,
    flash: Option<&'static str>,
    flash_error: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `GET /certificados/{id}`.
pub async fn show(
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(f): PageQuery<Flash>,
) -> Result<Response, PageError> {
    if mxcert_core::certificate::parse_certificate_id(&id).is_err() {
        return Err(PageError::not_found());
    }
    let d = systems::detail(&ctx.state.store, &id).await?;
    let mut categories: BTreeMap<String, CategoryDevices> = BTreeMap::new();
    for dev in &d.devices {
        let name = labels::category(ctx.lang, &dev.category);
        categories
            .entry(name.clone())
            .or_insert_with(|| CategoryDevices {
                category: name,
                devices: Vec::new(),
            })
            .devices
            .push((
                dev.identity.clone(),
                super::submission::device_name(
                    dev.vendor_name.as_deref(),
                    dev.device_name.as_deref(),
                ),
                super::submission::device_href(&dev.device.identity),
            ));
    }
    let others = d
        .model_certificates
        .iter()
        .filter(|s| s.certificate_id != d.summary.certificate_id)
        .map(|s| OtherCertificate {
            status: labels::certificate_status(labels::status_str(s.status)),
            badge: labels::badge(labels::status_str(s.status)),
            issued: ctx.date(&s.issued_at),
            s: s.clone(),
        })
        .collect();
    let payload = d.certificate.get("payload").and_then(|p| p.as_str());
    let (report_sha256, envelope_sha256) = certified_digests(payload);
    let status = labels::status_str(d.summary.status);
    let public_url = ctx.state.web.config.public_url.as_deref();
    let can_revoke = match &ctx.user {
        Some(u) if d.summary.status == CertificateStatus::Valid => {
            crate::workflow::certificates::may_revoke(&ctx.state, u, &id).await?
        }
        _ => false,
    };
    let series =
        crate::public::measurements::of_certificate(&ctx.state.store, &ctx.state.heavy, &id)
            .await?;
    page(&CertificatePage {
        can_revoke,
        charts: charts(&series),
        flash: (f.ok.as_deref() == Some("revoked")).then(|| msg("certificate.done_revoked")),
        flash_error: (f.error.as_deref() == Some("reason")).then(|| msg("submission.error_reason")),
        status: labels::certificate_status(status),
        badge: labels::badge(status),
        category: labels::system_category(ctx.lang, d.summary.category),
        issued: ctx.date(&d.summary.issued_at),
        expires: ctx.date(&d.summary.expires_at),
        revoked: d.revoked_at.as_deref().map(|r| ctx.date(r)),
        categories: categories.into_values().collect(),
        others,
        base: urls::command_base(public_url).to_owned(),
        base_is_placeholder: urls::public_base(public_url).is_none(),
        report_sha256,
        envelope_sha256,
        ctx: &ctx,
        d: &d,
    })
}

#[derive(Debug, Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    text: String,
}

/// `POST /certificados/{id}/revocar` (reviewers): revokes with a reason, signed by the registry.
pub async fn revoke(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<ReasonForm>,
) -> Result<Response, PageError> {
    let caller = reviewer(&ctx)?;
    if mxcert_core::certificate::parse_certificate_id(&id).is_err() {
        return Err(PageError::not_found());
    }
    if f.text.trim().is_empty() {
        return Ok(see_other(&format!(
            "/certificados/{id}?error=reason#revoke"
        )));
    }
    crate::workflow::certificates::revoke(&ctx.state, caller, &id, &f.text).await?;
    Ok(see_other(&format!("/certificados/{id}?ok=revoked")))
}

/// The report digests the signed certificate states (`report.payload_sha256` and
/// `report.envelope_sha256` of its payload), for people to compare with the download.
fn certified_digests(payload_b64: Option<&str>) -> (String, String) {
    use base64::Engine as _;
    let cert = payload_b64
        .and_then(|p| base64::engine::general_purpose::STANDARD.decode(p).ok())
        .and_then(|bytes| {
            serde_json::from_slice::<mxcert_core::certificate::Certificate>(&bytes).ok()
        });
    match cert {
        Some(c) => (c.report.payload_sha256, c.report.envelope_sha256),
        None => (String::new(), String::new()),
    }
}
