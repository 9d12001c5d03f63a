//! Open data: every certified system (every currently valid certificate) as JSON
//! ([`certified_json`]) or CSV ([`certified_csv`]), one row each, by vendor and model.
//!
//! The CSV has a header row and is safe to open in a spreadsheet: a cell that starts with `=`,
//! `+`, `-`, `@`, a tab or a carriage return gets a leading `'`, so a vendor named `=HYPERLINK(...)`
//! is shown as text, never run as a formula (OWASP "CSV injection"). The JSON carries a
//! `schema_version` so readers can tell when the format changes.
//!
//! Version 2 (issue 18) adds community reports beside each certified system, clearly apart from
//! certification: how many machines of the same vendor and model (compared without case) people
//! say work, and how many have problems (`community` in JSON; the last two CSV columns,
//! `community_works` and `community_problems`). Hidden reports do not count. Certified systems
//! are still the rows; a community report never makes a row.

use std::collections::HashMap;

use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::store::public_systems::PublicSystemRow;
use crate::store::Store;
use crate::urls;

/// The version of the export format.
pub const EXPORT_SCHEMA_VERSION: u32 = 2;

/// One certified system in the export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportRow {
    pub certificate_id: String,
    pub vendor: String,
    pub model: String,
    pub family: Option<String>,
    pub sku: Option<String>,
    pub board: Option<String>,
    pub chassis_type: Option<String>,
    /// `laptop`, `tablet`, `desktop`, `server`, `embedded` or `other`.
    pub category: String,
    pub mxos_release: String,
    pub plan_id: String,
    pub plan_version: String,
    pub organisation: String,
    pub issued_at: String,
    pub expires_at: String,
    /// The system in the API (a path on this registry).
    pub url: String,
    /// The signed certificate (a path on this registry).
    pub certificate_url: String,
    /// Community reports of machines of this model (people's word, not certification).
    pub community: ExportCommunity,
}

/// Community reports (issue 18) of machines of a certified system's vendor and model: distinct
/// machines, visible reports only. Not certification evidence.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ExportCommunity {
    /// Machines whose person says everything works.
    pub works: i64,
    /// Machines whose person reports problems.
    pub problems: i64,
}

/// The column names, in order (the CSV header).
pub const COLUMNS: [&str; 18] = [
    "certificate_id",
    "vendor",
    "model",
    "family",
    "sku",
    "board",
    "chassis_type",
    "category",
    "mxos_release",
    "plan_id",
    "plan_version",
    "organisation",
    "issued_at",
    "expires_at",
    "url",
    "certificate_url",
    "community_works",
    "community_problems",
];

impl ExportRow {
    fn from_row(r: PublicSystemRow, community: &HashMap<String, ExportCommunity>) -> ExportRow {
        ExportRow {
            community: community
                .get(&model_key(&r.vendor, &r.model))
                .copied()
                .unwrap_or_default(),
            url: urls::system(&r.certificate_id),
            certificate_url: urls::certificate_envelope(&r.certificate_id),
            certificate_id: r.certificate_id,
            vendor: r.vendor,
            model: r.model,
            family: r.family,
            sku: r.sku,
            board: r.board,
            chassis_type: r.chassis_type,
            category: r.category,
            mxos_release: r.mxos_release,
            plan_id: r.plan_id,
            plan_version: r.plan_version,
            organisation: r.organisation,
            issued_at: r.issued_at,
            expires_at: r.expires_at,
        }
    }

    /// The CSV cells, formula-like text defused.
    fn cells(&self) -> Vec<std::borrow::Cow<'_, str>> {
        fn o(v: &Option<String>) -> &str {
            v.as_deref().unwrap_or_default()
        }
        let text: [&str; 16] = [
            &self.certificate_id,
            &self.vendor,
            &self.model,
            o(&self.family),
            o(&self.sku),
            o(&self.board),
            o(&self.chassis_type),
            &self.category,
            &self.mxos_release,
            &self.plan_id,
            &self.plan_version,
            &self.organisation,
            &self.issued_at,
            &self.expires_at,
            &self.url,
            &self.certificate_url,
        ];
        let mut cells: Vec<_> = text.into_iter().map(csv_safe).collect();
        cells.push(self.community.works.to_string().into());
        cells.push(self.community.problems.to_string().into());
        cells
    }
}

/// The JSON export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CertifiedExport {
    /// Always 2 for this version of the format (1 had no community counts).
    pub schema_version: u32,
    pub generated_at: String,
    pub count: usize,
    pub systems: Vec<ExportRow>,
}

/// How certified systems and community reports are matched: vendor and model without case.
fn model_key(vendor: &str, model: &str) -> String {
    crate::ingest::model_key(Some(vendor.trim()), Some(model.trim()))
}

async fn rows(store: &Store) -> ApiResult<(String, Vec<ExportRow>)> {
    let now = super::now();
    let rows = store.all_certified_systems(&now).await?;
    let mut community: HashMap<String, ExportCommunity> = HashMap::new();
    for m in store.community_counts_by_model().await? {
        let c = community.entry(model_key(&m.vendor, &m.model)).or_default();
        c.works += m.works;
        c.problems += m.problems;
    }
    Ok((
        now,
        rows.into_iter()
            .map(|r| ExportRow::from_row(r, &community))
            .collect(),
    ))
}

/// Every certified system, as a JSON document.
pub async fn certified_json(store: &Store) -> ApiResult<CertifiedExport> {
    let (now, systems) = rows(store).await?;
    Ok(CertifiedExport {
        schema_version: EXPORT_SCHEMA_VERSION,
        generated_at: now,
        count: systems.len(),
        systems,
    })
}

/// A cell as written to CSV: a leading `'` when a spreadsheet would take it for a formula.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// Every certified system, as CSV (UTF-8, comma-separated, RFC 4180 quoting, header first).
pub async fn certified_csv(store: &Store) -> ApiResult<Vec<u8>> {
    let (_, systems) = rows(store).await?;
    let mut w = csv::Writer::from_writer(Vec::with_capacity(256 * (systems.len() + 1)));
    let fail = |e: csv::Error| ApiError::internal(format!("writing CSV: {e}"));
    w.write_record(COLUMNS).map_err(fail)?;
    for r in &systems {
        w.write_record(r.cells().iter().map(|c| c.as_bytes()))
            .map_err(fail)?;
    }
    w.into_inner()
        .map_err(|e| ApiError::internal(format!("writing CSV: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_defused() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+52 33"), "'+52 33");
        assert_eq!(csv_safe("-1"), "'-1");
        assert_eq!(csv_safe("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_safe("\tx"), "'\tx");
        assert_eq!(csv_safe("LENOVO"), "LENOVO");
        assert_eq!(csv_safe(""), "");
    }
}
