//! "Comparte tu equipo / Share your machine" (`/comparte`): how to share with `mxcert share`, and
//! the same questions as a form over an uploaded `mxcert probe --format json` file; and a
//! community report's public page (`/comunidad/{id}`). Sharing calls
//! `workflow::community::share`, exactly what `POST /api/v1/community/reports` does, under the
//! same per-address and per-machine limits; the form is one `multipart/form-data` POST, so it
//! works without JavaScript.
//!
//! This module must not decide what a report may hold nor store it itself.

use askama::Template;
use axum::extract::{FromRequest, Path, Request};
use axum::http::StatusCode;
use axum::response::Response;
use mxcert_core::category::Category;
use mxcert_core::community::{CommunityReport, Summary, FUNCTION_AREAS};
use mxcert_core::inventory::Inventory;

use super::context::Ctx;
use super::form::CsrfMultipart;
use super::labels;
use super::render::{msg, page, PageError};
use crate::error::ApiError;
use crate::workflow::community::{self as workflow, CommunityReportView, Shared};

/// The areas a person may say fail, as checkboxes: the device categories people notice, then
/// functions of the machine.
const AREAS: [&str; 11] = [
    "wireless",
    "bluetooth",
    "audio",
    "camera",
    "graphics",
    "network",
    "storage",
    "input",
    "suspend",
    "hotkeys",
    "battery",
];

/// A checkbox of the form.
#[derive(Debug)]
pub struct AreaBox {
    pub value: &'static str,
    pub label: String,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "share.html")]
struct SharePage<'a> {
    ctx: &'a Ctx,
    areas: Vec<AreaBox>,
    comment: String,
    error: Option<String>,
    shared: Option<Shared>,
}

#[derive(Template)]
#[template(path = "community_report.html")]
struct ReportPage<'a> {
    ctx: &'a Ctx,
    r: &'a CommunityReportView,
    system: String,
    summary: &'static str,
    areas: Vec<String>,
    devices: Vec<DeviceLine>,
}

/// A device of a community report, as listed.
#[derive(Debug)]
pub struct DeviceLine {
    pub identity: String,
    pub category: String,
    pub verdict: &'static str,
    pub badge: &'static str,
    pub href: Option<String>,
}

fn area_label(ctx: &Ctx, area: &str) -> String {
    match area {
        "suspend" => ctx.t("share.area_suspend").to_owned(),
        "hotkeys" => ctx.t("share.area_hotkeys").to_owned(),
        "battery" => ctx.t("share.area_battery").to_owned(),
        other => labels::category(ctx.lang, other),
    }
}

fn areas(ctx: &Ctx, checked: &[String]) -> Vec<AreaBox> {
    debug_assert!(AREAS
        .iter()
        .all(|a| FUNCTION_AREAS.contains(a) || Category::parse(a).is_some()));
    AREAS
        .iter()
        .map(|a| AreaBox {
            value: a,
            label: area_label(ctx, a),
            checked: checked.iter().any(|c| c == a),
        })
        .collect()
}

fn refused(e: ApiError) -> PageError {
    let key = match e.status {
        StatusCode::TOO_MANY_REQUESTS => msg("error.too_many_shares"),
        StatusCode::SERVICE_UNAVAILABLE => msg("error.busy"),
        _ => return e.into(),
    };
    PageError {
        retry_after: e.retry_after,
        ..PageError::new(e.status, key)
    }
}

/// `GET /comparte`.
pub async fn form(ctx: Ctx) -> Result<Response, PageError> {
    page(&SharePage {
        areas: areas(&ctx, &[]),
        ctx: &ctx,
        comment: String::new(),
        error: None,
        shared: None,
    })
}

/// `POST /comparte`: the probe file and the answers. Counted against the per-address limit
/// before the form is read.
pub async fn submit(ctx: Ctx, req: Request) -> Result<Response, PageError> {
    ctx.state.community_posts.check(ctx.ip).map_err(refused)?;
    let form = CsrfMultipart::from_request(req, &ctx.state).await?;
    let checked = form.all("area");
    let comment = form.text("comment").unwrap_or_default();
    let summary = match form.text("summary").as_deref() {
        Some("all_work") => Some(Summary::AllWork),
        Some("some_problems") => Some(Summary::SomeProblems),
        Some("nothing_works") => Some(Summary::NothingWorks),
        _ => None,
    };
    let probe = form.bytes("probe").unwrap_or_default().to_vec();
    let lang = match ctx.lang {
        super::i18n::Lang::Es => "es",
        super::i18n::Lang::En => "en",
    };
    let outcome = async {
        let summary = summary.ok_or_else(|| {
            ApiError::unprocessable("invalid_report", ctx.t("share.answer_missing"))
        })?;
        let areas = if summary == Summary::SomeProblems {
            checked.clone()
        } else {
            Vec::new()
        };
        let comment = Some(comment.clone());
        let report = ctx
            .state
            .heavy
            .run(move |_cancel| -> Result<CommunityReport, ApiError> {
                let inventory: Inventory = serde_json::from_slice(&probe).map_err(|e| {
                    ApiError::unprocessable(
                        "invalid_report",
                        format!("not an mxcert probe (mxcert probe --format json): {e}"),
                    )
                })?;
                let report = CommunityReport::from_answers(
                    inventory,
                    summary,
                    areas,
                    Vec::new(),
                    comment,
                    Some(lang.to_owned()),
                );
                let body = serde_json::to_vec(&report).map_err(ApiError::internal)?;
                // The same strict rules as the API, on the same bytes.
                workflow::parse(&body)
            })
            .await??;
        if let Some(machine) = report.inventory.machine_id.clone() {
            ctx.state.community_machines.check(machine)?;
        }
        workflow::share(&ctx.state.store, report).await
    }
    .await;
    match outcome {
        Ok(shared) => page(&SharePage {
            areas: areas(&ctx, &[]),
            ctx: &ctx,
            comment: String::new(),
            error: None,
            shared: Some(shared),
        }),
        Err(e) if e.status.is_client_error() && e.status != StatusCode::TOO_MANY_REQUESTS => {
            let mut r = page(&SharePage {
                areas: areas(&ctx, &checked),
                ctx: &ctx,
                comment,
                error: Some(e.message),
                shared: None,
            })?;
            *r.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(r)
        }
        Err(e) => Err(refused(e)),
    }
}

/// `GET /comunidad/{id}`: a community report (hidden ones only for reviewers).
pub async fn show(ctx: Ctx, Path(id): Path<String>) -> Result<Response, PageError> {
    let r = match workflow::view(&ctx.state.store, &id, ctx.is_reviewer()).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::NOT_FOUND => return Err(PageError::not_found()),
        Err(e) => return Err(e.into()),
    };
    let system = [r.system_vendor.as_deref(), r.system_model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let summary = match r.summary.as_str() {
        "all_work" => msg("share.summary_all_work"),
        "some_problems" => msg("share.summary_some_problems"),
        _ => msg("share.summary_nothing_works"),
    };
    let mut devices: Vec<DeviceLine> = r
        .devices
        .iter()
        .map(|d| {
            let (verdict, badge) = match d.verdict.as_str() {
                "works" => (msg("share.verdict_works"), "works"),
                "problem" => (msg("share.verdict_problem"), "problem"),
                _ => (msg("share.verdict_unconfirmed"), "unknown"),
            };
            DeviceLine {
                identity: d.identity.clone(),
                category: labels::category(ctx.lang, &d.category),
                verdict,
                badge,
                href: super::submission::device_href(&d.identity),
            }
        })
        .collect();
    devices.sort_by_key(|d| (d.badge != "problem", d.badge != "works", d.identity.clone()));
    page(&ReportPage {
        areas: r
            .problem_areas
            .iter()
            .map(|a| area_label(&ctx, a))
            .collect(),
        system,
        summary,
        devices,
        ctx: &ctx,
        r: &r,
    })
}
