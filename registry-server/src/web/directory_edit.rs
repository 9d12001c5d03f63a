//! A vendor edits its organisation's entry in the partner directory (`/proveedor/directorio`):
//! name, description in Spanish and English, website and contact, the Mexican states served, the
//! services offered (technical support states its SLA) and the products sold with MxOS
//! preinstalled, each with its certificate. Saving calls `workflow::directory::save_draft`, exactly
//! what `PUT /api/v1/vendors/{slug}/entry` does: the draft is validated there and waits for an
//! admin before the public sees it. A refused draft is shown again with the reason.
//!
//! This module must not validate entries itself beyond reading the form's shape.

use std::collections::BTreeSet;

use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::{CsrfForm, PageQuery};
use super::labels;
use super::render::{msg, page, PageError};
use super::signin::see_other;
use super::submissions::vendor_caller;
use crate::auth::Caller;
use crate::public::catalogue::ServiceKind;
use crate::public::directory::{
    DirectoryEntry, EntryView, ProductOffer, ServiceOffer, Sla, SlaCoverage,
};
use crate::public::mexico::FEDERAL_ENTITIES;

/// Empty product rows offered below the existing ones.
const BLANK_PRODUCTS: usize = 3;
/// The most product rows a form may carry.
const MAX_PRODUCT_ROWS: usize = 200;

/// A checkbox of the form.
#[derive(Debug)]
pub struct Check {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

/// A service of the form.
#[derive(Debug)]
pub struct ServiceField {
    pub kind: &'static str,
    pub label: &'static str,
    pub checked: bool,
    pub description: String,
    pub support: bool,
}

/// A product row of the form.
#[derive(Debug)]
pub struct ProductField {
    pub index: usize,
    pub name: String,
    pub certificate_id: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "directory_edit.html")]
struct EditPage<'a> {
    ctx: &'a Ctx,
    slug: String,
    status: Option<&'static str>,
    review_note: Option<String>,
    published: bool,
    flash: bool,
    error: Option<String>,
    e: DirectoryEntry,
    states: Vec<Check>,
    services: Vec<ServiceField>,
    sla_hours: String,
    sla_details: String,
    coverages: Vec<Check>,
    products: Vec<ProductField>,
}

fn status_key(s: &str) -> &'static str {
    match s {
        "pending" => msg("directory.status_pending"),
        "approved" => msg("directory.status_approved"),
        "rejected" => msg("directory.status_rejected"),
        _ => msg("result.unknown"),
    }
}

fn coverage_value(c: SlaCoverage) -> &'static str {
    match c {
        SlaCoverage::BusinessHours => "business_hours",
        SlaCoverage::ExtendedHours => "extended_hours",
        SlaCoverage::AlwaysOn => "24x7",
    }
}

const COVERAGES: [SlaCoverage; 3] = [
    SlaCoverage::BusinessHours,
    SlaCoverage::ExtendedHours,
    SlaCoverage::AlwaysOn,
];

fn edit_page<'a>(
    ctx: &'a Ctx,
    slug: String,
    view: Option<&EntryView>,
    e: DirectoryEntry,
    error: Option<String>,
    flash: bool,
) -> EditPage<'a> {
    let support = e
        .services
        .iter()
        .find(|s| s.kind == ServiceKind::TechnicalSupport)
        .and_then(|s| s.sla.clone());
    let mut products: Vec<ProductField> = e
        .products
        .iter()
        .enumerate()
        .map(|(index, p)| ProductField {
            index,
            name: p.name.clone(),
            certificate_id: p.certificate_id.clone(),
            url: p.url.clone().unwrap_or_default(),
        })
        .collect();
    let n = products.len();
    products.extend((n..n + BLANK_PRODUCTS).map(|index| ProductField {
        index,
        name: String::new(),
        certificate_id: String::new(),
        url: String::new(),
    }));
    EditPage {
        states: FEDERAL_ENTITIES
            .iter()
            .map(|s| Check {
                value: s.code.to_owned(),
                label: s.name.to_owned(),
                checked: e.states.iter().any(|c| c == s.code),
            })
            .collect(),
        services: ServiceKind::ALL
            .into_iter()
            .map(|k| {
                let offer = e.services.iter().find(|s| s.kind == k);
                ServiceField {
                    kind: k.as_str(),
                    label: labels::service(ctx.lang, k),
                    checked: offer.is_some(),
                    description: offer
                        .and_then(|o| o.description.clone())
                        .unwrap_or_default(),
                    support: k == ServiceKind::TechnicalSupport,
                }
            })
            .collect(),
        sla_hours: support
            .as_ref()
            .map(|s| s.response_hours.to_string())
            .unwrap_or_default(),
        sla_details: support
            .as_ref()
            .and_then(|s| s.details.clone())
            .unwrap_or_default(),
        coverages: COVERAGES
            .into_iter()
            .map(|c| Check {
                value: coverage_value(c).to_owned(),
                label: ctx.t(super::partners::coverage_key(c)).to_owned(),
                checked: support.as_ref().is_some_and(|s| s.coverage == c),
            })
            .collect(),
        products,
        status: view.map(|v| status_key(&v.status)),
        review_note: view.and_then(|v| v.review_note.clone()),
        published: view.is_some_and(|v| v.published.is_some()),
        flash,
        error,
        e,
        slug,
        ctx,
    }
}

/// The signed-in vendor and its organisation's slug.
async fn vendor(ctx: &Ctx) -> Result<(&Caller, String), PageError> {
    let caller = vendor_caller(ctx)?;
    let org = ctx.state.store.get_org(&caller.org_id).await?;
    Ok((caller, org.slug))
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    #[serde(default)]
    ok: Option<String>,
}

/// `GET /proveedor/directorio`.
pub async fn form(ctx: Ctx, PageQuery(f): PageQuery<Flash>) -> Result<Response, PageError> {
    let (caller, slug) = vendor(&ctx).await?;
    let view = match crate::workflow::directory::entry(&ctx.state.store, caller, &slug).await {
        Ok(v) => Some(v),
        Err(e) if e.status == StatusCode::NOT_FOUND => None,
        Err(e) => return Err(e.into()),
    };
    let entry = view.as_ref().map_or_else(
        || DirectoryEntry {
            name: None,
            description: String::new(),
            description_en: None,
            website: None,
            email: None,
            phone: None,
            states: Vec::new(),
            services: Vec::new(),
            products: Vec::new(),
        },
        |v| v.draft.clone(),
    );
    page(&edit_page(
        &ctx,
        slug,
        view.as_ref(),
        entry,
        None,
        f.ok.as_deref() == Some("saved"),
    ))
}

/// The form's fields, in order (repeated names such as `state` appear once per value).
type Pairs = Vec<(String, String)>;

fn first<'a>(pairs: &'a Pairs, name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn opt(pairs: &Pairs, name: &str) -> Option<String> {
    first(pairs, name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Reads the form into an entry; the directory validates its contents. Errors name the field.
pub fn entry_from_form(pairs: &Pairs) -> Result<DirectoryEntry, String> {
    let states: BTreeSet<String> = pairs
        .iter()
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v.trim().to_owned())
        .collect();
    let mut services = Vec::new();
    for k in ServiceKind::ALL {
        let key = k.as_str();
        if first(pairs, &format!("service_{key}")).is_none() {
            continue;
        }
        let sla = if k == ServiceKind::TechnicalSupport {
            match opt(pairs, "sla_hours") {
                None => None,
                Some(h) => Some(Sla {
                    response_hours: h
                        .parse()
                        .map_err(|_| format!("sla_hours: {h:?} is not a number of hours"))?,
                    coverage: {
                        let c = opt(pairs, "sla_coverage").unwrap_or_default();
                        COVERAGES
                            .into_iter()
                            .find(|x| coverage_value(*x) == c)
                            .ok_or_else(|| format!("sla_coverage: {c:?} is not a coverage"))?
                    },
                    details: opt(pairs, "sla_details"),
                }),
            }
        } else {
            None
        };
        services.push(ServiceOffer {
            kind: k,
            description: opt(pairs, &format!("service_{key}_description")),
            sla,
        });
    }
    let mut products = Vec::new();
    for i in 0..MAX_PRODUCT_ROWS {
        let name = opt(pairs, &format!("product_name_{i}"));
        let certificate_id = opt(pairs, &format!("product_certificate_{i}"));
        let url = opt(pairs, &format!("product_url_{i}"));
        if name.is_none() && certificate_id.is_none() && url.is_none() {
            continue;
        }
        products.push(ProductOffer {
            name: name.unwrap_or_default(),
            certificate_id: certificate_id.unwrap_or_default(),
            url,
        });
    }
    Ok(DirectoryEntry {
        name: opt(pairs, "name"),
        description: first(pairs, "description").unwrap_or_default().to_owned(),
        description_en: opt(pairs, "description_en"),
        website: opt(pairs, "website"),
        email: opt(pairs, "email"),
        phone: opt(pairs, "phone"),
        states: states.into_iter().collect(),
        services,
        products,
    })
}

/// `POST /proveedor/directorio`.
pub async fn save(ctx: Ctx, CsrfForm(pairs): CsrfForm<Pairs>) -> Result<Response, PageError> {
    let (caller, slug) = vendor(&ctx).await?;
    let entry = entry_from_form(&pairs).map_err(PageError::bad_request)?;
    match crate::workflow::directory::save_draft(&ctx.state.store, caller, &slug, &entry).await {
        Ok(_) => Ok(see_other("/proveedor/directorio?ok=saved")),
        Err(e) if e.status == StatusCode::BAD_REQUEST => {
            let view = crate::workflow::directory::entry(&ctx.state.store, caller, &slug)
                .await
                .ok();
            let mut r = page(&edit_page(
                &ctx,
                slug,
                view.as_ref(),
                entry,
                Some(e.message),
                false,
            ))?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Pairs {
        v.iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn the_form_becomes_an_entry() {
        let e = entry_from_form(&pairs(&[
            ("name", " Acme "),
            ("description", "Equipos con MxOS"),
            ("state", "JAL"),
            ("state", "CMX"),
            ("state", "JAL"),
            ("service_technical_support", "on"),
            ("sla_hours", "8"),
            ("sla_coverage", "24x7"),
            ("service_consulting", "on"),
            ("service_consulting_description", "Migraciones"),
            ("product_name_0", "Acme Book 14"),
            ("product_certificate_0", "MX-2026-000001"),
            ("product_name_1", ""),
            ("product_certificate_1", ""),
        ]))
        .unwrap();
        assert_eq!(e.name.as_deref(), Some("Acme"));
        assert_eq!(e.states, ["CMX", "JAL"]);
        assert_eq!(e.services.len(), 2);
        let sla = e.services[0].sla.as_ref().unwrap();
        assert_eq!(
            (sla.response_hours, sla.coverage),
            (8, SlaCoverage::AlwaysOn)
        );
        assert_eq!(e.services[1].description.as_deref(), Some("Migraciones"));
        assert_eq!(e.products.len(), 1);
        assert!(entry_from_form(&pairs(&[
            ("service_technical_support", "on"),
            ("sla_hours", "soon")
        ]))
        .unwrap_err()
        .contains("sla_hours"));
    }
}
