//! A system's certificate page (`/certificados/{id}`), public: the system's identity, the MxOS
//! release, the plan and its version, the test results summarised by area and the devices by
//! category, the certificate's status and dates, downloads of the signed certificate and the
//! signed report (the API's own URLs), and how to verify both offline with `mxcert`.
//!
//! It reads the certificate as `GET /api/v1/certificates/{id}` does (`Store::get_certificate` and
//! `routes::certificates::view`, which computes the current status) and the submission it rests
//! on. This module must not show anything of a submission that is not approved: a certificate
//! exists only for approved ones.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::Path;
use axum::response::Response;

use super::context::Ctx;
use super::labels;
use super::render::{page, PageError};
use crate::routes::certificates::{view, CertificateView};
use crate::store::Submission;

/// The results of one area (e.g. `storage`): how many tests passed, failed, were skipped.
#[derive(Debug, Default)]
pub struct AreaSummary {
    pub area: String,
    pub pass: u32,
    pub fail: u32,
    pub skip: u32,
}

/// The devices of one category.
#[derive(Debug)]
pub struct CategoryDevices {
    pub category: String,
    pub devices: Vec<(String, String, Option<String>)>,
}

#[derive(Template)]
#[template(path = "certificate.html")]
struct CertificatePage<'a> {
    ctx: &'a Ctx,
    c: &'a CertificateView,
    s: &'a Submission,
    status: &'static str,
    badge: String,
    issued: String,
    expires: String,
    revoked: Option<String>,
    areas: Vec<AreaSummary>,
    categories: Vec<CategoryDevices>,
    base: String,
}

/// `GET /certificados/{id}`.
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    if mxcert_core::certificate::parse_certificate_id(&id).is_err() {
        return Err(PageError::not_found());
    }
    let store = &ctx.state.store;
    let c = view(store.get_certificate(&id).await?);
    let s = store.get_submission(&c.record.submission_id).await?;
    let mut areas: BTreeMap<String, AreaSummary> = BTreeMap::new();
    for r in store.submission_results(&s.id).await? {
        let a = areas.entry(r.area.clone()).or_insert_with(|| AreaSummary {
            area: r.area.clone(),
            ..AreaSummary::default()
        });
        match r.status.as_str() {
            "pass" => a.pass += 1,
            "skip" => a.skip += 1,
            _ => a.fail += 1,
        }
    }
    let mut categories: BTreeMap<String, CategoryDevices> = BTreeMap::new();
    for d in store.submission_devices(&s.id).await? {
        let name = labels::category(ctx.lang, &d.category);
        categories
            .entry(name.clone())
            .or_insert_with(|| CategoryDevices {
                category: name,
                devices: Vec::new(),
            })
            .devices
            .push((
                d.identity,
                super::submission::device_name(d.vendor_name.as_deref(), d.device_name.as_deref()),
                super::submission::device_href(&d.base_identity),
            ));
    }
    page(&CertificatePage {
        status: labels::certificate_status(&c.current_status),
        badge: labels::badge(&c.current_status),
        issued: ctx.date(&c.record.issued_at),
        expires: ctx.date(&c.record.expires_at),
        revoked: c.record.revoked_at.as_deref().map(|r| ctx.date(r)),
        areas: areas.into_values().collect(),
        categories: categories.into_values().collect(),
        base: ctx.base_url(),
        ctx: &ctx,
        c: &c,
        s: &s,
    })
}
