//! Certified systems: search ([`search`]), one system with everything its certificate page
//! shows ([`detail`]), and the values the search filters offer ([`facets`]).
//!
//! A *certified system* is one certificate: a system model (vendor and model as reported) certified
//! for one MxOS release under one plan. One model can have several certificates (releases,
//! re-certifications); [`SystemDetail::model_certificates`] lists them all with their status,
//! which is the per-model status. Its *category* comes from the SMBIOS chassis type (see
//! [`super::system_category`]).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::devices::DeviceRef;
use super::system_category::SystemCategory;
use super::text::{fold, search_terms};
use crate::error::{ApiError, ApiResult};
use crate::store::public_systems::{PublicSystemRow, StatusFilter, SystemFilter, SystemSort};
use crate::store::Store;
use crate::urls;

/// Results per page unless `per_page` says otherwise.
pub const DEFAULT_PER_PAGE: u32 = 20;
/// The most results one page holds.
pub const MAX_PER_PAGE: u32 = 100;
/// Words of `q` beyond this are ignored.
const MAX_TERMS: usize = 8;

/// Which certificates a search lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusParam {
    /// Valid and not expired (the certified systems).
    #[default]
    Valid,
    Revoked,
    Expired,
    All,
}

/// How search results are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SortParam {
    /// Newest certificate first.
    #[default]
    Newest,
    Oldest,
    /// By vendor, then model.
    Vendor,
    /// By model, then vendor.
    Model,
}

/// The search parameters of `GET /api/v1/systems`. Every one is optional.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SystemQuery {
    /// Words that must all appear in the vendor, model, family, SKU, board, organisation or
    /// certificate id (case and accents are ignored; at most 8 words).
    pub q: Option<String>,
    /// The vendor as reported (case and accents are ignored), e.g. `LENOVO`.
    pub vendor: Option<String>,
    /// The kind of machine.
    pub category: Option<SystemCategory>,
    /// The MxOS release, exactly as certificates name it, e.g. `1.0`.
    pub release: Option<String>,
    /// Only systems containing this device: an identity such as `pci:8086:9a49` or
    /// `usb:8087:0033` (subsystem ids are ignored), or `vendor:device` in hex for either bus.
    pub device: Option<String>,
    /// Which certificates to list (default `valid`).
    pub status: Option<StatusParam>,
    /// Order (default `newest`).
    pub sort: Option<SortParam>,
    /// Page number, from 1.
    #[param(minimum = 1)]
    pub page: Option<u32>,
    /// Results per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    pub per_page: Option<u32>,
}

pub use mxcert_core::check::{CertificateStatus, PlanVersion, SystemSummary};

/// A certified system as lists show it, from its `public_systems` row.
pub fn summary(r: &PublicSystemRow) -> SystemSummary {
    SystemSummary {
        certificate_id: r.certificate_id.clone(),
        url: urls::system(&r.certificate_id),
        vendor: r.vendor.clone(),
        model: r.model.clone(),
        family: r.family.clone(),
        sku: r.sku.clone(),
        board: r.board.clone(),
        chassis_type: r.chassis_type.clone(),
        category: SystemCategory::parse(&r.category).unwrap_or(SystemCategory::Other),
        mxos_release: r.mxos_release.clone(),
        plan: PlanVersion {
            id: r.plan_id.clone(),
            version: r.plan_version.clone(),
        },
        organisation: r.organisation.clone(),
        issued_at: r.issued_at.clone(),
        expires_at: r.expires_at.clone(),
        status: CertificateStatus::from_row(&r.status),
        device_count: r.device_count,
    }
}

/// One page of search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemPage {
    pub items: Vec<SystemSummary>,
    pub page: u32,
    pub per_page: u32,
    /// How many systems match in all.
    pub total: i64,
    /// How many pages there are (0 when nothing matches).
    pub pages: i64,
}

fn invalid(field: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request("invalid_field", format!("{field}: {message}"))
}

/// A trimmed, bounded, non-empty text parameter.
fn text_param(field: &str, v: Option<&str>, max: usize) -> ApiResult<Option<String>> {
    match v.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) if v.chars().count() > max => {
            Err(invalid(field, format!("longer than {max} characters")))
        }
        Some(v) => Ok(Some(v.to_owned())),
    }
}

/// Searches the certified systems.
pub async fn search(store: &Store, q: &SystemQuery) -> ApiResult<SystemPage> {
    let page = q.page.unwrap_or(1);
    if page == 0 {
        return Err(invalid("page", "pages are numbered from 1"));
    }
    let per_page = q.per_page.unwrap_or(DEFAULT_PER_PAGE);
    if !(1..=MAX_PER_PAGE).contains(&per_page) {
        return Err(invalid(
            "per_page",
            format!("must be between 1 and {MAX_PER_PAGE}, not {per_page}"),
        ));
    }
    let device = match text_param("device", q.device.as_deref(), 200)? {
        None => None,
        Some(d) => {
            Some(super::devices::base_identities_param(&d).map_err(|e| invalid("device", e))?)
        }
    };
    let filter = SystemFilter {
        terms: search_terms(
            &text_param("q", q.q.as_deref(), 500)?.unwrap_or_default(),
            MAX_TERMS,
        ),
        vendor_key: text_param("vendor", q.vendor.as_deref(), 200)?
            .map(|v| fold(&v))
            .filter(|v| !v.is_empty()),
        category: q.category.map(|c| c.as_str().to_owned()),
        release: text_param("release", q.release.as_deref(), 100)?,
        device,
        status: match q.status.unwrap_or_default() {
            StatusParam::Valid => StatusFilter::Valid,
            StatusParam::Revoked => StatusFilter::Revoked,
            StatusParam::Expired => StatusFilter::Expired,
            StatusParam::All => StatusFilter::All,
        },
        sort: match q.sort.unwrap_or_default() {
            SortParam::Newest => SystemSort::Newest,
            SortParam::Oldest => SystemSort::Oldest,
            SortParam::Vendor => SystemSort::Vendor,
            SortParam::Model => SystemSort::Model,
        },
        limit: i64::from(per_page),
        offset: i64::from(page - 1) * i64::from(per_page),
        now: super::now(),
    };
    let (rows, total) = store.search_public_systems(&filter).await?;
    let per = i64::from(per_page);
    Ok(SystemPage {
        items: rows.iter().map(summary).collect(),
        page,
        per_page,
        total,
        pages: (total + per - 1) / per,
    })
}

/// Counts per value of one filter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FacetCount {
    pub value: String,
    pub count: i64,
}

/// What the search filters can be set to, with how many certified systems each has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemFacets {
    pub vendors: Vec<FacetCount>,
    pub categories: Vec<FacetCount>,
    pub releases: Vec<FacetCount>,
}

/// The values of the vendor, category and release filters among currently certified systems.
pub async fn facets(store: &Store) -> ApiResult<SystemFacets> {
    let (vendors, categories, releases) = store.public_system_facets(&super::now()).await?;
    let conv = |v: Vec<crate::store::public_systems::Facet>| {
        v.into_iter()
            .map(|f| FacetCount {
                value: f.value,
                count: f.count,
            })
            .collect()
    };
    Ok(SystemFacets {
        vendors: conv(vendors),
        categories: conv(categories),
        releases: conv(releases),
    })
}

/// Result counts of one category of tests (the part of the check kind before the dot:
/// `storage.rw-verify` is `storage`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultCounts {
    pub total: i64,
    pub pass: i64,
    pub fail: i64,
    pub skip: i64,
    pub error: i64,
    pub timeout: i64,
}

impl ResultCounts {
    fn add(&mut self, status: &str) {
        self.total += 1;
        match status {
            "pass" => self.pass += 1,
            "fail" => self.fail += 1,
            "skip" => self.skip += 1,
            "error" => self.error += 1,
            _ => self.timeout += 1,
        }
    }
}

/// The results of the certification run, in all and by category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ResultsSummary {
    /// `certifiable` (every blocker passed) or `not_certifiable`.
    pub verdict: String,
    #[serde(flatten)]
    pub counts: ResultCounts,
    pub by_category: Vec<CategoryResults>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CategoryResults {
    /// e.g. `storage`, `devices`, `graphics`.
    pub category: String,
    #[serde(flatten)]
    pub counts: ResultCounts,
}

/// The operating system the certification ran on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemOs {
    pub name: Option<String>,
    pub kernel: Option<String>,
    pub arch: Option<String>,
}

/// A device of a certified system.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemDevice {
    /// As reported, with subsystem ids when known: `pci:8086:a7a1:17aa:22e4`.
    pub identity: String,
    pub category: String,
    pub vendor_name: Option<String>,
    pub device_name: Option<String>,
    pub driver: Option<String>,
    /// The device in the API (by its base identity).
    pub device: DeviceRef,
}

/// Where to fetch the signed documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SystemLinks {
    /// The certificate record (`GET /api/v1/certificates/{id}`).
    pub certificate: String,
    /// The signed certificate, byte for byte (DSSE envelope).
    pub certificate_envelope: String,
    /// The signed report the certificate was issued for, byte for byte (DSSE envelope).
    pub report_envelope: String,
    /// The signed revocation, when revoked.
    pub revocation_envelope: Option<String>,
    /// The registry's public key (PEM) that verifies certificates and revocations.
    pub registry_key: String,
    /// The proof that the certificate is in the transparency log (C2SP tlog-proof).
    pub certificate_proof: String,
    /// The transparency log's verifier key (C2SP vkey).
    pub log_key: String,
}

/// Everything a certified system's page shows.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SystemDetail {
    #[serde(flatten)]
    pub summary: SystemSummary,
    pub plan_sha256: String,
    pub revoked_at: Option<String>,
    pub revocation_reason: Option<String>,
    pub os: SystemOs,
    pub results: ResultsSummary,
    pub devices: Vec<SystemDevice>,
    /// The signed certificate (the DSSE envelope as JSON; its payload is the certificate v1).
    #[schema(value_type = Object)]
    pub certificate: serde_json::Value,
    /// Every certificate of this system model, newest first, with its status: whether the model
    /// is certified, and for which releases.
    pub model_certificates: Vec<SystemSummary>,
    pub links: SystemLinks,
}

/// One certified system by certificate id (`MX-YYYY-NNNNNN`).
pub async fn detail(store: &Store, certificate_id: &str) -> ApiResult<SystemDetail> {
    mxcert_core::certificate::parse_certificate_id(certificate_id)
        .map_err(|e| ApiError::bad_request("malformed_path", e.to_string()))?;
    let now = super::now();
    let row = store.public_system(certificate_id, &now).await?;
    let certificate = store.get_certificate(certificate_id).await?;
    let submission = store.get_submission(&row.submission_id).await?;
    let results = store.submission_results(&row.submission_id).await?;
    let devices = store.submission_devices(&row.submission_id).await?;
    let envelope = store.envelope(&certificate.envelope_sha256).await?;
    let model_certificates = store.model_certificates(&row.system_id, &now).await?;

    let mut total = ResultCounts::default();
    let mut by_category: BTreeMap<String, ResultCounts> = BTreeMap::new();
    for r in &results {
        total.add(&r.status);
        by_category
            .entry(r.area.clone())
            .or_default()
            .add(&r.status);
    }
    Ok(SystemDetail {
        summary: summary(&row),
        plan_sha256: submission.plan.sha256.clone(),
        revoked_at: certificate.revoked_at.clone(),
        revocation_reason: certificate.revocation_reason.clone(),
        os: SystemOs {
            name: submission.os.name.clone(),
            kernel: submission.os.kernel.clone(),
            arch: submission.os.arch.clone(),
        },
        results: ResultsSummary {
            verdict: submission.summary.verdict.clone(),
            counts: total,
            by_category: by_category
                .into_iter()
                .map(|(category, counts)| CategoryResults { category, counts })
                .collect(),
        },
        devices: devices
            .into_iter()
            .map(|d| SystemDevice {
                device: DeviceRef::new(&d.base_identity),
                identity: d.identity,
                category: d.category,
                vendor_name: d.vendor_name,
                device_name: d.device_name,
                driver: d.driver,
            })
            .collect(),
        certificate: serde_json::from_slice(&envelope)
            .map_err(|e| ApiError::internal(format!("stored certificate envelope: {e}")))?,
        model_certificates: model_certificates.iter().map(summary).collect(),
        links: SystemLinks {
            certificate_envelope: urls::certificate_envelope(certificate_id),
            revocation_envelope: certificate
                .revocation_envelope_sha256
                .as_ref()
                .map(|_| urls::certificate_revocation(certificate_id)),
            certificate: urls::certificate(certificate_id),
            report_envelope: urls::submission_envelope(&row.submission_id),
            registry_key: urls::REGISTRY_KEY.into(),
            certificate_proof: urls::certificate_proof(certificate_id),
            log_key: urls::LOG_KEY.into(),
        },
    })
}
