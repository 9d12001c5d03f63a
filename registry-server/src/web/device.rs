//! A device's page (`/dispositivos/{bus}/{vendor}:{device}`, e.g. `/dispositivos/pci/8086:9a49`):
//! its compatibility status and the evidence for it, its names and category, the system models
//! that contain it (linked to their certificates) and the kernel drivers seen with it. It calls
//! `public::devices::lookup`, exactly what `GET /api/v1/devices/{bus}/{id}` serves. A device no
//! report contains gets a 404 page that says so in its own words, with the identity it looked for.
//!
//! This module must not query the store itself.

use askama::Template;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::PageQuery;
use super::labels;
use super::render::{page, PageError};
use crate::public::devices::{self, DeviceCompat, DeviceQuery};

/// Systems per page of a device's list.
const PER_PAGE: u32 = 20;

#[derive(Debug, Deserialize)]
pub struct Params {
    #[serde(default)]
    page: Option<String>,
}

/// A system model that contains the device, as listed.
#[derive(Debug)]
pub struct SystemRow {
    pub name: String,
    pub status: &'static str,
    pub badge: &'static str,
    pub reports: i64,
    pub certificate: Option<String>,
    pub last_seen: String,
}

#[derive(Template)]
#[template(path = "device.html")]
struct DevicePage<'a> {
    ctx: &'a Ctx,
    d: &'a DeviceCompat,
    name: String,
    category: String,
    status: &'static str,
    badge: &'static str,
    systems: Vec<SystemRow>,
    prev_href: Option<String>,
    next_href: Option<String>,
    page: u32,
}

#[derive(Template)]
#[template(path = "device_unknown.html")]
struct UnknownDevicePage<'a> {
    ctx: &'a Ctx,
    identity: String,
}

/// `GET /dispositivos/{bus}/{id}`.
pub async fn show(
    ctx: Ctx,
    Path((bus, id)): Path<(String, String)>,
    PageQuery(p): PageQuery<Params>,
) -> Result<Response, PageError> {
    let identity = devices::identity_from_path(&bus, &id).map_err(|_| PageError::not_found())?;
    let page_no = u32::try_from(super::submissions::page_number(p.page.as_deref())).unwrap_or(1);
    let query = DeviceQuery {
        page: Some(page_no),
        per_page: Some(PER_PAGE),
    };
    let d = match devices::lookup(&ctx.state.store, &identity, &query).await {
        Ok(d) => d,
        Err(e) if e.status == StatusCode::NOT_FOUND => {
            let mut r = page(&UnknownDevicePage {
                ctx: &ctx,
                identity: identity.to_string(),
            })?;
            *r.status_mut() = StatusCode::NOT_FOUND;
            return Ok(r);
        }
        Err(e) => return Err(e.into()),
    };
    let (status, badge) = labels::device_status(d.status);
    let systems = d
        .systems
        .iter()
        .map(|s| {
            let (status, badge) = labels::device_status(s.status);
            SystemRow {
                name: s.display_name.clone(),
                status,
                badge,
                reports: s.reports,
                certificate: s.certificates.first().cloned(),
                last_seen: ctx.date(&s.last_seen_at),
            }
        })
        .collect();
    let base = format!(
        "/dispositivos/{}/{}",
        d.bus,
        d.identity.split_once(':').map_or("", |(_, r)| r)
    );
    let shown = u64::from(page_no) * u64::from(PER_PAGE);
    page(&DevicePage {
        name: super::submission::device_name(d.vendor_name.as_deref(), d.device_name.as_deref()),
        category: labels::category(ctx.lang, &d.category),
        status,
        badge,
        systems,
        prev_href: (page_no > 1).then(|| format!("{base}?page={}", page_no - 1)),
        next_href: (u64::try_from(d.systems_count).unwrap_or(0) > shown)
            .then(|| format!("{base}?page={}", page_no + 1)),
        page: page_no,
        ctx: &ctx,
        d: &d,
    })
}
