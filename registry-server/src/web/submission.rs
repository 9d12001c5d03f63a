//! One submission, for the reviewers and for its own vendor (`/envios/{id}`): identity, the
//! automated checks, the test results with failed and skipped tests first, what changed since the
//! previous submission of the same model, charts of what the machine measured while tests ran
//! ([`super::charts`]), the files attached to the report (kernel log, failed units, firmware
//! devices; `workflow::attachments`), the devices, the comments; and the actions the signed-in
//! person may take: approve (issuing the certificate) or reject with a reason (reviewers),
//! withdraw (the vendor), comment (both). Every action calls the same service function as the
//! JSON API (`workflow::submissions::{approve, reject, withdraw, comment}`).
//!
//! This module must not show a submission to anyone the API would not: the owning organisation or
//! a reviewer (`workflow::submissions::readable`).

use askama::Template;
use axum::extract::Path;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::HeaderValue;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::charts::{charts, Chart};
use super::context::Ctx;
use super::form::{CsrfForm, PageQuery};
use super::labels;
use super::render::{msg, page, PageError};
use super::signin::see_other;
use super::submissions::{reviewer, signed_in, vendor_caller};
use crate::review::{self, Diff};
use crate::store::{Comment, Role, Submission, SubmissionStatus};
use crate::workflow::attachments::AttachmentInfo;
use crate::workflow::submissions as workflow;

/// An automated check as shown.
#[derive(Debug)]
pub struct CheckRow {
    pub name: String,
    pub outcome: &'static str,
    pub badge: &'static str,
    pub message: String,
}

/// A test result as shown.
#[derive(Debug)]
pub struct ResultRow {
    pub test_id: String,
    pub check: String,
    pub area: String,
    pub blocker: bool,
    pub status: &'static str,
    pub badge: String,
    pub duration_ms: i64,
    pub message: Option<String>,
}

/// A device as shown.
#[derive(Debug)]
pub struct DeviceRow {
    pub identity: String,
    pub category: String,
    pub name: String,
    pub driver: Option<String>,
    pub href: Option<String>,
}

#[derive(Template)]
#[template(path = "submission.html")]
struct SubmissionPage<'a> {
    ctx: &'a Ctx,
    s: &'a Submission,
    status: &'static str,
    badge: String,
    submitted_at: String,
    decided_at: Option<String>,
    checks: Vec<CheckRow>,
    results: Vec<ResultRow>,
    devices: Vec<DeviceRow>,
    comments: Vec<Comment>,
    diff: Option<Diff>,
    /// Measurements over time of the report's tests.
    charts: Vec<Chart>,
    /// The files inside the signed report (downloaded through `/envios/{id}/adjuntos/{name}`).
    attachments: Vec<AttachmentInfo>,
    attachment_notes: Vec<String>,
    flash: Option<&'static str>,
    flash_error: Option<&'static str>,
    can_approve: bool,
    can_reject: bool,
    can_withdraw: bool,
}

#[derive(Debug, Deserialize)]
pub struct FlashQuery {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

fn flash_ok(v: Option<&str>) -> Option<&'static str> {
    Some(match v? {
        "approved" => msg("submission.done_approved"),
        "rejected" => msg("submission.done_rejected"),
        "withdrawn" => msg("submission.done_withdrawn"),
        "commented" => msg("submission.done_commented"),
        _ => return None,
    })
}

fn flash_error(v: Option<&str>) -> Option<&'static str> {
    Some(match v? {
        "reason" => msg("submission.error_reason"),
        "comment" => msg("submission.error_comment"),
        _ => return None,
    })
}

/// The link of a device's page, for identities with one (`pci:8086:9a49` -> `/dispositivos/pci/8086:9a49`).
pub fn device_href(base_identity: &str) -> Option<String> {
    let (bus, rest) = base_identity.split_once(':')?;
    matches!(bus, "pci" | "usb").then(|| format!("/dispositivos/{bus}/{rest}"))
}

/// A device's vendor and model names as one string.
pub fn device_name(vendor: Option<&str>, device: Option<&str>) -> String {
    match (vendor, device) {
        (Some(v), Some(d)) => format!("{v} {d}"),
        (Some(x), None) | (None, Some(x)) => x.to_owned(),
        (None, None) => String::new(),
    }
}

/// `GET /envios/{id}`.
pub async fn show(
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<FlashQuery>,
) -> Result<Response, PageError> {
    let caller = signed_in(&ctx)?;
    let s = workflow::readable(&ctx.state, caller, &id).await?;
    let store = &ctx.state.store;
    let checks = store
        .submission_checks(&id)
        .await?
        .into_iter()
        .map(|c| CheckRow {
            name: labels::check_name(&c.name)
                .map_or_else(|| c.name.clone(), |k| ctx.t(k).to_owned()),
            outcome: labels::check_outcome(c.outcome.as_str()),
            badge: match c.outcome.as_str() {
                "pass" => "pass",
                "warn" => "skip",
                _ => "fail",
            },
            message: match labels::check_message(&c.code) {
                Some(key) => {
                    let args: Vec<&dyn std::fmt::Display> =
                        c.args.iter().map(|a| a as &dyn std::fmt::Display).collect();
                    ctx.state.web.catalogue.format(ctx.lang, key, &args)
                }
                None => c.message,
            },
        })
        .collect();
    let mut results: Vec<ResultRow> = store
        .submission_results(&id)
        .await?
        .into_iter()
        .map(|r| ResultRow {
            status: labels::result_status(&r.status),
            badge: labels::badge(&r.status),
            test_id: r.test_id,
            check: r.check,
            area: r.area,
            blocker: r.blocker,
            duration_ms: r.duration_ms,
            message: r.message,
        })
        .collect();
    results.sort_by_key(|r| labels::result_rank(&r.badge));
    let devices = store
        .submission_devices(&id)
        .await?
        .into_iter()
        .map(|d| DeviceRow {
            category: labels::category(ctx.lang, &d.category),
            name: device_name(d.vendor_name.as_deref(), d.device_name.as_deref()),
            href: device_href(&d.base_identity),
            identity: d.identity,
            driver: d.driver,
        })
        .collect();
    let reviewer = workflow::may_review(caller, &s.org_id);
    let open = matches!(
        s.status,
        SubmissionStatus::InReview | SubmissionStatus::ChecksFailed
    );
    let envelope = store.envelope(&s.envelope_sha256).await?;
    let series = crate::public::measurements::of_envelope(&envelope);
    let (attachments, attachment_notes) = crate::workflow::attachments::of_envelope(&envelope)?;
    let attachments = attachments
        .iter()
        .map(|a| AttachmentInfo::of(&s.id, a))
        .collect();
    page(&SubmissionPage {
        ctx: &ctx,
        charts: charts(&series),
        attachments,
        attachment_notes,
        status: labels::submission_status(s.status),
        badge: labels::badge(s.status.as_str()),
        submitted_at: ctx.date(&s.submitted_at),
        decided_at: s.decided_at.as_deref().map(|d| ctx.date(d)),
        checks,
        results,
        devices,
        comments: store.comments(&id).await?,
        diff: workflow::diff_to_previous(&ctx.state, &s).await?,
        flash: flash_ok(q.ok.as_deref()),
        flash_error: flash_error(q.error.as_deref()),
        can_approve: reviewer && s.status == SubmissionStatus::InReview,
        can_reject: reviewer && review::REJECTABLE.contains(&s.status),
        can_withdraw: caller.role == Role::Vendor
            && caller.org_id == s.org_id
            && review::WITHDRAWABLE.contains(&s.status)
            && open,
        s: &s,
    })
}

#[derive(Debug, Deserialize)]
pub struct TextForm {
    #[serde(default)]
    text: String,
}

fn back(id: &str, query: &str) -> Response {
    see_other(&format!("/envios/{id}?{query}"))
}

/// `POST /envios/{id}/aprobar` (reviewers): approves and issues the certificate.
pub async fn approve(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, PageError> {
    let caller = reviewer(&ctx)?;
    let comment = Some(f.text.as_str()).filter(|t| !t.trim().is_empty());
    workflow::approve(&ctx.state, caller, &id, comment).await?;
    Ok(back(&id, "ok=approved"))
}

/// `POST /envios/{id}/rechazar` (reviewers): rejects with a reason.
pub async fn reject(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, PageError> {
    let caller = reviewer(&ctx)?;
    if f.text.trim().is_empty() {
        return Ok(back(&id, "error=reason#reject"));
    }
    workflow::reject(&ctx.state, caller, &id, &f.text).await?;
    Ok(back(&id, "ok=rejected"))
}

/// `POST /envios/{id}/retirar` (the submitting vendor).
pub async fn withdraw(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, PageError> {
    let caller = vendor_caller(&ctx)?;
    let reason = Some(f.text.as_str()).filter(|t| !t.trim().is_empty());
    workflow::withdraw(&ctx.state, caller, &id, reason).await?;
    Ok(back(&id, "ok=withdrawn"))
}

/// `POST /envios/{id}/comentar` (the submitting vendor, reviewers).
pub async fn comment(
    ctx: Ctx,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TextForm>,
) -> Result<Response, PageError> {
    let caller = signed_in(&ctx)?;
    if f.text.trim().is_empty() {
        return Ok(back(&id, "error=comment#comments"));
    }
    workflow::comment(&ctx.state, caller, &id, &f.text).await?;
    Ok(back(&id, "ok=commented#comments"))
}

/// `GET /envios/{id}/informe.dsse.json`: the signed report as submitted, for those who may read
/// the submission.
pub async fn envelope(ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    let caller = signed_in(&ctx)?;
    let s = workflow::readable(&ctx.state, caller, &id).await?;
    let bytes = ctx.state.store.envelope(&s.envelope_sha256).await?;
    let mut r = bytes.into_response();
    let h = r.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"mxcert-report-{}.dsse.json\"",
        s.id.chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect::<String>()
    )) {
        h.insert(CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `GET /envios/{id}/adjuntos/{name}`: one attachment of the signed report, for those who may
/// read the submission (`workflow::attachments::one`, as the API's
/// `/api/v1/submissions/{id}/attachments/{name}`).
pub async fn attachment(
    ctx: Ctx,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let caller = signed_in(&ctx)?;
    let a = crate::workflow::attachments::one(&ctx.state, caller, &id, &name).await?;
    Ok(crate::workflow::attachments::download(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_links_exist_for_pci_and_usb() {
        assert_eq!(
            device_href("pci:8086:9a49").as_deref(),
            Some("/dispositivos/pci/8086:9a49")
        );
        assert_eq!(
            device_href("usb:046d:c52b").as_deref(),
            Some("/dispositivos/usb/046d:c52b")
        );
        assert_eq!(device_href("acpi:pnp0c0a"), None);
        assert_eq!(device_href("garbage"), None);
    }
}
