//! The partner directory (`/socios`): organisations that sell equipment with MxOS preinstalled or
//! offer services around it, filtered by service and by Mexican state; and one partner's page
//! (`/socios/{slug}`) with its services (and support SLAs) and its products, each linked to its
//! certificate. It calls `public::directory::{list, get}`, exactly what `/api/v1/vendors` serves:
//! only listings an admin approved.
//!
//! This module must not link anything but `http(s)` URLs a partner gave (the directory validates
//! them; the templates check again).

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::PageQuery;
use super::i18n::Lang;
use super::labels;
use super::render::{msg, page, PageError};
use super::systems::Choice;
use crate::public::catalogue::ServiceKind;
use crate::public::directory::{self, SlaCoverage, VendorListing, VendorQuery};
use crate::public::mexico::{entity, FEDERAL_ENTITIES};

#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    service: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    q: Option<String>,
}

/// A partner as the page shows it: its listing with the words chosen for the page's language.
#[derive(Debug)]
pub struct Partner {
    pub l: VendorListing,
    pub description: String,
    pub services: Vec<ServiceRow>,
    pub products: Vec<ProductRow>,
    pub states: String,
    pub website: Option<String>,
}

/// A service offered.
#[derive(Debug)]
pub struct ServiceRow {
    pub name: &'static str,
    pub description: Option<String>,
    pub sla: Option<String>,
}

/// A product sold with MxOS preinstalled.
#[derive(Debug)]
pub struct ProductRow {
    pub name: String,
    pub certificate_id: String,
    pub system: Option<String>,
    pub status: &'static str,
    pub badge: String,
    pub url: Option<String>,
}

/// `url` if it is an `http(s)` URL, else nothing (never a `javascript:` link).
pub fn safe_url(url: Option<&str>) -> Option<String> {
    url.map(str::trim)
        .filter(|u| {
            let lower = u.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        })
        .map(str::to_owned)
}

pub fn coverage_key(c: SlaCoverage) -> &'static str {
    match c {
        SlaCoverage::BusinessHours => msg("partners.sla_business_hours"),
        SlaCoverage::ExtendedHours => msg("partners.sla_extended_hours"),
        SlaCoverage::AlwaysOn => msg("partners.sla_always"),
    }
}

fn partner(ctx: &Ctx, l: VendorListing) -> Partner {
    let description = match (ctx.lang, &l.description_en) {
        (Lang::En, Some(en)) => en.clone(),
        _ => l.description.clone(),
    };
    let services = l
        .services
        .iter()
        .map(|s| ServiceRow {
            name: labels::service(ctx.lang, s.kind),
            description: s.description.clone(),
            sla: s.sla.as_ref().map(|sla| {
                let mut text = ctx.tf2(
                    "partners.sla",
                    sla.response_hours,
                    ctx.t(coverage_key(sla.coverage)),
                );
                if let Some(d) = &sla.details {
                    text.push_str(". ");
                    text.push_str(d);
                }
                text
            }),
        })
        .collect();
    let products = l
        .products
        .iter()
        .map(|p| {
            let status = p.certificate_status.map_or("unknown", labels::status_str);
            ProductRow {
                name: p.name.clone(),
                certificate_id: p.certificate_id.clone(),
                system: p.system.clone(),
                status: labels::certificate_status(status),
                badge: labels::badge(status),
                url: safe_url(p.url.as_deref()),
            }
        })
        .collect();
    Partner {
        description,
        services,
        products,
        states: l
            .states
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", "),
        website: safe_url(l.website.as_deref()),
        l,
    }
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage<'a> {
    ctx: &'a Ctx,
    q: String,
    services: Vec<Choice>,
    states: Vec<Choice>,
    partners: Vec<Partner>,
    filtered: bool,
}

/// `GET /socios`.
pub async fn list(ctx: Ctx, PageQuery(p): PageQuery<Params>) -> Result<Response, PageError> {
    let service = match p
        .service
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => Some(
            ServiceKind::parse(s)
                .ok_or_else(|| PageError::bad_request(format!("service {s:?}")))?,
        ),
    };
    let state = match p.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            entity(s)
                .ok_or_else(|| PageError::bad_request(format!("state {s:?}")))?
                .code,
        ),
    };
    let q = p.q.as_deref().map(str::trim).unwrap_or_default().to_owned();
    let listings = directory::list(
        &ctx.state.store,
        &VendorQuery {
            service,
            state: state.map(str::to_owned),
            q: Some(q.clone()).filter(|q| !q.is_empty()),
        },
    )
    .await?;
    page(&PartnersPage {
        services: ServiceKind::ALL
            .into_iter()
            .map(|k| Choice {
                value: k.as_str().to_owned(),
                label: labels::service(ctx.lang, k).to_owned(),
                selected: service == Some(k),
            })
            .collect(),
        states: FEDERAL_ENTITIES
            .iter()
            .map(|e| Choice {
                value: e.code.to_owned(),
                label: e.name.to_owned(),
                selected: state == Some(e.code),
            })
            .collect(),
        filtered: service.is_some() || state.is_some() || !q.is_empty(),
        partners: listings.into_iter().map(|l| partner(&ctx, l)).collect(),
        q,
        ctx: &ctx,
    })
}

#[derive(Template)]
#[template(path = "partner.html")]
struct PartnerPage<'a> {
    ctx: &'a Ctx,
    p: Partner,
    approved: Option<String>,
}

/// `GET /socios/{slug}`.
pub async fn show(ctx: Ctx, Path(slug): Path<String>) -> Result<Response, PageError> {
    let listing = directory::get(&ctx.state.store, &slug).await?;
    page(&PartnerPage {
        approved: listing.approved_at.as_deref().map(|a| ctx.date(a)),
        p: partner(&ctx, listing),
        ctx: &ctx,
    })
}

#[cfg(test)]
mod tests {
    use super::safe_url;

    #[test]
    fn only_web_urls_are_linked() {
        assert_eq!(
            safe_url(Some("https://acme.mx")).as_deref(),
            Some("https://acme.mx")
        );
        assert_eq!(
            safe_url(Some("HTTP://acme.mx")).as_deref(),
            Some("HTTP://acme.mx")
        );
        assert_eq!(safe_url(Some("javascript:alert(1)")), None);
        assert_eq!(safe_url(Some("//evil")), None);
        assert_eq!(safe_url(None), None);
    }
}
