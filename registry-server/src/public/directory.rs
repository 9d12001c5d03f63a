//! The partner directory: organisations that sell equipment with MxOS preinstalled or offer
//! services around it, as the MxOS partner programme lists them.
//!
//! A vendor edits its own organisation's entry (`workflow::directory::save_draft`: name,
//! description in Spanish and optionally English, website and contact, the Mexican states served,
//! services from the [catalogue](super::catalogue), products each linked to one of the
//! organisation's own certificates). Every edit waits for an admin
//! (`workflow::directory::decide`); who may do what is [`crate::workflow::directory`]'s. The
//! public sees only the last approved version ([`list`], [`get`]), with each product's
//! certificate status as it is now. Drafts are validated here ([`validate`]: states against the 32
//! federal entities, products only the organisation's own valid certificates, support must state
//! its SLA); the store audits every change.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::catalogue::ServiceKind;
use super::mexico::{entity, FederalEntity};
use super::systems::CertificateStatus;
use super::text::{fold, search_terms};
use crate::error::{ApiError, ApiResult};
use crate::store::directory::DirectoryRow;
use crate::store::{Organisation, Store, StoreError};

/// A directory entry as a vendor writes it (`PUT /api/v1/vendors/{slug}/entry`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DirectoryEntry {
    /// The name to show; the organisation's name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What the partner does, in Spanish (up to 4000 characters).
    pub description: String,
    /// The same in English.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description_en: Option<String>,
    /// `https://...` or `http://...`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The federal entities served, as ISO 3166-2:MX codes (`JAL`, `CMX`, `MX-NLE`, ...).
    #[serde(default)]
    pub states: Vec<String>,
    #[serde(default)]
    pub services: Vec<ServiceOffer>,
    #[serde(default)]
    pub products: Vec<ProductOffer>,
}

/// A service from the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceOffer {
    pub kind: ServiceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Required for `technical_support`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sla: Option<Sla>,
}

/// A support service-level agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// The longest time to a first answer, in hours (1 to 720).
    pub response_hours: u32,
    pub coverage: SlaCoverage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
}

/// When support answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SlaCoverage {
    /// Working hours on working days.
    BusinessHours,
    /// Working days, extended hours.
    ExtendedHours,
    /// Around the clock, every day.
    #[serde(rename = "24x7")]
    AlwaysOn,
}

/// A product sold with MxOS preinstalled, linked to the certificate of its system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductOffer {
    pub name: String,
    /// e.g. `MX-2026-000123`; must be valid when the entry is saved.
    pub certificate_id: String,
    /// Where to buy it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

const MAX_PRODUCTS: usize = 200;

pub(crate) fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_field", format!("{field}: {message}"))
}

fn text(field: &str, v: &str, max: usize) -> ApiResult<String> {
    let v = v.trim();
    if v.is_empty() {
        return Err(invalid(field, "must not be empty"));
    }
    if v.chars().count() > max {
        return Err(invalid(field, format!("longer than {max} characters")));
    }
    if v.chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(invalid(field, "contains control characters"));
    }
    Ok(v.to_owned())
}

pub(crate) fn opt_text(field: &str, v: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => text(field, v, max).map(Some),
    }
}

fn web_url(field: &str, v: Option<&str>) -> ApiResult<Option<String>> {
    let Some(v) = opt_text(field, v, 500)? else {
        return Ok(None);
    };
    let uri: axum::http::Uri = v
        .parse()
        .map_err(|e| invalid(field, format!("{v:?} is not a URL: {e}")))?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    if !scheme_ok || uri.host().is_none_or(str::is_empty) {
        return Err(invalid(
            field,
            format!("{v:?} is not an http:// or https:// URL"),
        ));
    }
    Ok(Some(v))
}

/// Validates and normalises organisation `org_id`'s entry: trimmed text, state codes upper-case
/// without `MX-`, sorted and unique, services unique by kind, products only the organisation's
/// own certificates, valid now (not another's, not revoked, not expired).
pub async fn validate(
    store: &Store,
    org_id: &str,
    e: &DirectoryEntry,
) -> ApiResult<DirectoryEntry> {
    let email = opt_text("email", e.email.as_deref(), 254)?;
    if let Some(m) = &email {
        let ok = m.split_once('@').is_some_and(|(user, host)| {
            !user.is_empty() && host.contains('.') && !host.contains('@')
        }) && !m.chars().any(char::is_whitespace);
        if !ok {
            return Err(invalid("email", format!("{m:?} is not an email address")));
        }
    }
    let phone = opt_text("phone", e.phone.as_deref(), 40)?;
    if let Some(p) = &phone {
        let ok = p
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c))
            && p.chars().filter(char::is_ascii_digit).count() >= 7;
        if !ok {
            return Err(invalid(
                "phone",
                format!("{p:?} is not a phone number (digits, spaces, + - ( ) .)"),
            ));
        }
    }
    let mut states = BTreeSet::new();
    for s in &e.states {
        let found = entity(s).ok_or_else(|| {
            invalid(
                "states",
                format!(
                    "{s:?} is not one of the 32 federal entities of Mexico \
                     (ISO 3166-2:MX codes such as JAL, CMX, NLE)"
                ),
            )
        })?;
        states.insert(found.code.to_owned());
    }
    let mut kinds = BTreeSet::new();
    let mut services = Vec::new();
    for (i, s) in e.services.iter().enumerate() {
        if !kinds.insert(s.kind) {
            return Err(invalid(
                "services",
                format!("{} is listed twice", s.kind.as_str()),
            ));
        }
        let sla = match &s.sla {
            Some(sla) => {
                if !(1..=720).contains(&sla.response_hours) {
                    return Err(invalid(
                        &format!("services[{i}].sla.response_hours"),
                        "must be between 1 and 720",
                    ));
                }
                Some(Sla {
                    response_hours: sla.response_hours,
                    coverage: sla.coverage,
                    details: opt_text(
                        &format!("services[{i}].sla.details"),
                        sla.details.as_deref(),
                        1000,
                    )?,
                })
            }
            None if s.kind == ServiceKind::TechnicalSupport => {
                return Err(invalid(
                    &format!("services[{i}]"),
                    "technical_support must state its SLA (response_hours, coverage)",
                ))
            }
            None => None,
        };
        services.push(ServiceOffer {
            kind: s.kind,
            description: opt_text(
                &format!("services[{i}].description"),
                s.description.as_deref(),
                2000,
            )?,
            sla,
        });
    }
    if e.products.len() > MAX_PRODUCTS {
        return Err(invalid(
            "products",
            format!("at most {MAX_PRODUCTS} products"),
        ));
    }
    let now = super::now();
    let mut products = Vec::new();
    for (i, p) in e.products.iter().enumerate() {
        let field = format!("products[{i}].certificate_id");
        let id = p.certificate_id.trim();
        mxcert_core::certificate::parse_certificate_id(id).map_err(|e| invalid(&field, e))?;
        let row = match store.public_system(id, &now).await {
            Ok(row) => row,
            Err(StoreError::NotFound(_)) => {
                return Err(invalid(&field, format!("no certificate {id}")))
            }
            Err(e) => return Err(e.into()),
        };
        if row.org_id != org_id {
            return Err(invalid(
                &field,
                format!(
                    "certificate {id} belongs to another organisation; list only your own \
                     organisation's certificates"
                ),
            ));
        }
        if row.status != "valid" {
            return Err(invalid(
                &field,
                format!(
                    "certificate {id} is {}; link products to valid certificates",
                    row.status
                ),
            ));
        }
        products.push(ProductOffer {
            name: text(&format!("products[{i}].name"), &p.name, 200)?,
            certificate_id: id.to_owned(),
            url: web_url(&format!("products[{i}].url"), p.url.as_deref())?,
        });
    }
    Ok(DirectoryEntry {
        name: opt_text("name", e.name.as_deref(), 200)?,
        description: text("description", &e.description, 4000)?,
        description_en: opt_text("description_en", e.description_en.as_deref(), 4000)?,
        website: web_url("website", e.website.as_deref())?,
        email,
        phone,
        states: states.into_iter().collect(),
        services,
        products,
    })
}

/// A service as the public sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ServiceView {
    pub kind: ServiceKind,
    pub name_es: String,
    pub name_en: String,
    pub description: Option<String>,
    pub sla: Option<Sla>,
}

/// A product as the public sees it, with its certificate's status now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ProductView {
    pub name: String,
    pub certificate_id: String,
    /// `null` when the certificate is no longer known.
    pub certificate_status: Option<CertificateStatus>,
    /// `Vendor Model` of the certified system.
    pub system: Option<String>,
    /// The certified system in the API.
    pub system_url: String,
    pub url: Option<String>,
}

/// A partner's public listing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct VendorListing {
    pub slug: String,
    pub name: String,
    /// The organisation's registered name.
    pub organisation: String,
    pub description: String,
    pub description_en: Option<String>,
    pub website: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub states: Vec<FederalEntity>,
    pub services: Vec<ServiceView>,
    pub products: Vec<ProductView>,
    /// When this version was approved.
    pub approved_at: Option<String>,
    pub url: String,
}

fn parse_entry(json: &str) -> ApiResult<DirectoryEntry> {
    serde_json::from_str(json)
        .map_err(|e| ApiError::internal(format!("stored directory entry: {e}")))
}

async fn listing(store: &Store, row: &DirectoryRow, e: DirectoryEntry) -> ApiResult<VendorListing> {
    let now = super::now();
    let mut products = Vec::with_capacity(e.products.len());
    for p in e.products {
        let (status, system) = match store.public_system(&p.certificate_id, &now).await {
            Ok(r) => (
                Some(match r.status.as_str() {
                    "revoked" => CertificateStatus::Revoked,
                    "expired" => CertificateStatus::Expired,
                    _ => CertificateStatus::Valid,
                }),
                Some(format!("{} {}", r.vendor, r.model)),
            ),
            Err(StoreError::NotFound(_)) => (None, None),
            Err(e) => return Err(e.into()),
        };
        products.push(ProductView {
            system_url: crate::urls::system(&p.certificate_id),
            name: p.name,
            certificate_id: p.certificate_id,
            certificate_status: status,
            system,
            url: p.url,
        });
    }
    Ok(VendorListing {
        slug: row.org_slug.clone(),
        name: e.name.unwrap_or_else(|| row.org_name.clone()),
        organisation: row.org_name.clone(),
        description: e.description,
        description_en: e.description_en,
        website: e.website,
        email: e.email,
        phone: e.phone,
        states: e.states.iter().filter_map(|s| entity(s)).collect(),
        services: e
            .services
            .into_iter()
            .map(|s| ServiceView {
                name_es: s.kind.name_es().to_owned(),
                name_en: s.kind.name_en().to_owned(),
                kind: s.kind,
                description: s.description,
                sla: s.sla,
            })
            .collect(),
        products,
        approved_at: row.reviewed_at.clone(),
        url: crate::urls::vendor(&row.org_slug),
    })
}

/// Filters of the public directory.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct VendorQuery {
    /// Only partners offering this service.
    pub service: Option<ServiceKind>,
    /// Only partners serving this federal entity (ISO 3166-2:MX code, e.g. `JAL`).
    pub state: Option<String>,
    /// Words that must all appear in the name or descriptions (case and accents are ignored).
    pub q: Option<String>,
}

/// The public directory: approved listings, by name, filtered.
pub async fn list(store: &Store, q: &VendorQuery) -> ApiResult<Vec<VendorListing>> {
    let state = match q.state.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            entity(s)
                .ok_or_else(|| {
                    invalid("state", format!("{s:?} is not a federal entity of Mexico"))
                })?
                .code,
        ),
    };
    let terms = search_terms(q.q.as_deref().unwrap_or_default(), 8);
    let mut out = Vec::new();
    for row in store.directory_entries(None).await? {
        let Some(published) = &row.published else {
            continue;
        };
        let e = parse_entry(published)?;
        if q.service
            .is_some_and(|k| !e.services.iter().any(|s| s.kind == k))
        {
            continue;
        }
        if state.is_some_and(|code| !e.states.iter().any(|s| s == code)) {
            continue;
        }
        if !terms.is_empty() {
            let haystack = fold(&format!(
                "{} {} {} {}",
                e.name.as_deref().unwrap_or_default(),
                row.org_name,
                e.description,
                e.description_en.as_deref().unwrap_or_default()
            ));
            if !terms.iter().all(|t| haystack.contains(t.as_str())) {
                continue;
            }
        }
        out.push(listing(store, &row, e).await?);
    }
    Ok(out)
}

/// The organisation of a slug (or id).
pub(crate) async fn organisation(store: &Store, slug: &str) -> ApiResult<Organisation> {
    if slug.is_empty() || slug.len() > 200 {
        return Err(ApiError::bad_request(
            "malformed_path",
            "invalid organisation slug",
        ));
    }
    Ok(store.get_org(slug).await?)
}

/// One partner's public listing; 404 when it has no approved entry.
pub async fn get(store: &Store, slug: &str) -> ApiResult<VendorListing> {
    let org = organisation(store, slug).await?;
    let row = store
        .directory_entry(&org.id)
        .await?
        .filter(|r| !r.org_disabled)
        .ok_or_else(|| ApiError::not_found(format!("{slug} has no directory listing")))?;
    let published = row.published.as_deref().ok_or_else(|| {
        ApiError::not_found(format!("{slug} has no approved directory listing yet"))
    })?;
    listing(store, &row, parse_entry(published)?).await
}

/// An entry as its vendor and the admins see it: the draft, the published version and where it is
/// in review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EntryView {
    pub slug: String,
    pub organisation: String,
    /// `pending` (waiting for an admin), `approved` or `rejected`.
    pub status: String,
    pub draft: DirectoryEntry,
    pub published: Option<DirectoryEntry>,
    pub updated_at: String,
    pub reviewed_at: Option<String>,
    /// Why it was rejected, or the approval note.
    pub review_note: Option<String>,
    pub url: String,
}

pub(crate) fn entry_view(row: DirectoryRow) -> ApiResult<EntryView> {
    Ok(EntryView {
        url: crate::urls::vendor(&row.org_slug),
        draft: parse_entry(&row.draft)?,
        published: row.published.as_deref().map(parse_entry).transpose()?,
        slug: row.org_slug,
        organisation: row.org_name,
        status: row.status,
        updated_at: row.updated_at,
        reviewed_at: row.reviewed_at,
        review_note: row.review_note,
    })
}
