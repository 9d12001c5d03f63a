//! The certified systems (`/sistemas`): search words, filters by vendor, kind of machine and MxOS
//! release (the values offered are the current facets), sorting, pagination. It calls
//! `public::systems::search` and `public::systems::facets`, exactly what `GET /api/v1/systems`
//! serves. Everything works as a plain GET form; the script only submits a filter when it changes.
//!
//! This module must not query the store itself.

use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::PageQuery;
use super::labels;
use super::render::{msg, page, PageError};
use crate::public::system_category::SystemCategory;
use crate::public::systems::{self, SortParam, SystemPage, SystemQuery, SystemSummary};

/// Results per page.
const PER_PAGE: u32 = 20;

/// The query string of `/sistemas`, as typed (validated into a [`SystemQuery`]).
#[derive(Debug, Default, Deserialize)]
pub struct Params {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    release: Option<String>,
    #[serde(default)]
    sort: Option<String>,
    #[serde(default)]
    device: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// One option of a filter's select.
#[derive(Debug)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// A system as listed.
#[derive(Debug)]
pub struct Row {
    pub s: SystemSummary,
    pub category: String,
    pub status: &'static str,
    pub badge: String,
    pub issued: String,
}

#[derive(Template)]
#[template(path = "systems.html")]
struct SystemsPage<'a> {
    ctx: &'a Ctx,
    q: String,
    device: String,
    vendors: Vec<Choice>,
    categories: Vec<Choice>,
    releases: Vec<Choice>,
    sorts: Vec<Choice>,
    rows: Vec<Row>,
    result: SystemPage,
    prev_href: Option<String>,
    next_href: Option<String>,
    filtered: bool,
}

fn sort_key(s: SortParam) -> (&'static str, &'static str) {
    match s {
        SortParam::Newest => ("newest", msg("systems.sort_newest")),
        SortParam::Oldest => ("oldest", msg("systems.sort_oldest")),
        SortParam::Vendor => ("vendor", msg("systems.sort_vendor")),
        SortParam::Model => ("model", msg("systems.sort_model")),
    }
}

fn nonempty(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

/// Turns the typed parameters into the API's query; a value the API does not know is a 400 page.
fn query(p: &Params) -> Result<SystemQuery, PageError> {
    let category = match nonempty(&p.category) {
        None => None,
        Some(c) => Some(
            SystemCategory::parse(&c)
                .ok_or_else(|| PageError::bad_request(format!("category {c:?}")))?,
        ),
    };
    let sort = match nonempty(&p.sort) {
        None => None,
        Some(s) => Some(
            [
                SortParam::Newest,
                SortParam::Oldest,
                SortParam::Vendor,
                SortParam::Model,
            ]
            .into_iter()
            .find(|k| sort_key(*k).0 == s)
            .ok_or_else(|| PageError::bad_request(format!("sort {s:?}")))?,
        ),
    };
    let page = super::submissions::page_number(p.page.as_deref());
    Ok(SystemQuery {
        q: nonempty(&p.q),
        vendor: nonempty(&p.vendor),
        category,
        release: nonempty(&p.release),
        device: nonempty(&p.device),
        status: None,
        sort,
        page: Some(u32::try_from(page).unwrap_or(1)),
        per_page: Some(PER_PAGE),
    })
}

/// This page's URL with `page` set to `n`, keeping the other parameters.
fn page_href(q: &SystemQuery, n: u32) -> String {
    let category = q.category.map(|c| c.as_str().to_owned());
    let sort = q.sort.map(|s| sort_key(s).0.to_owned());
    let n = n.to_string();
    let pairs: Vec<(&str, &str)> = [
        ("q", q.q.as_deref()),
        ("vendor", q.vendor.as_deref()),
        ("category", category.as_deref()),
        ("release", q.release.as_deref()),
        ("device", q.device.as_deref()),
        ("sort", sort.as_deref()),
        ("page", Some(n.as_str())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    format!(
        "/sistemas?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// `GET /sistemas`.
pub async fn list(ctx: Ctx, PageQuery(p): PageQuery<Params>) -> Result<Response, PageError> {
    let q = query(&p)?;
    let store = &ctx.state.store;
    let result = systems::search(store, &q).await?;
    let facets = systems::facets(store).await?;
    let choice = |value: &str, label: String, current: Option<&str>| Choice {
        selected: current.is_some_and(|c| c.eq_ignore_ascii_case(value)),
        value: value.to_owned(),
        label,
    };
    let category_name = |c: &str| match SystemCategory::parse(c) {
        Some(c) => labels::system_category(ctx.lang, c),
        None => c.to_owned(),
    };
    let current_category = q.category.map(SystemCategory::as_str);
    let current_sort = sort_key(q.sort.unwrap_or_default()).0;
    let page_no = result.page;
    let pages = u32::try_from(result.pages).unwrap_or(u32::MAX);
    page(&SystemsPage {
        q: q.q.clone().unwrap_or_default(),
        device: q.device.clone().unwrap_or_default(),
        vendors: facets
            .vendors
            .iter()
            .map(|f| {
                choice(
                    &f.value,
                    format!("{} ({})", f.value, f.count),
                    q.vendor.as_deref(),
                )
            })
            .collect(),
        categories: facets
            .categories
            .iter()
            .map(|f| {
                choice(
                    &f.value,
                    format!("{} ({})", category_name(&f.value), f.count),
                    current_category,
                )
            })
            .collect(),
        releases: facets
            .releases
            .iter()
            .map(|f| {
                choice(
                    &f.value,
                    format!("MxOS {} ({})", f.value, f.count),
                    q.release.as_deref(),
                )
            })
            .collect(),
        sorts: [
            SortParam::Newest,
            SortParam::Oldest,
            SortParam::Vendor,
            SortParam::Model,
        ]
        .into_iter()
        .map(|s| {
            let (value, key) = sort_key(s);
            choice(value, ctx.t(key).to_owned(), Some(current_sort))
        })
        .collect(),
        rows: result
            .items
            .iter()
            .map(|s| Row {
                category: labels::system_category(ctx.lang, s.category),
                status: labels::certificate_status(labels::status_str(s.status)),
                badge: labels::badge(labels::status_str(s.status)),
                issued: ctx.date(&s.issued_at),
                s: s.clone(),
            })
            .collect(),
        prev_href: (page_no > 1).then(|| page_href(&q, page_no - 1)),
        next_href: (page_no < pages).then(|| page_href(&q, page_no + 1)),
        filtered: q.q.is_some()
            || q.vendor.is_some()
            || q.category.is_some()
            || q.release.is_some()
            || q.device.is_some(),
        result,
        ctx: &ctx,
    })
}
