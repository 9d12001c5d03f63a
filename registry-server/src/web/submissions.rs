//! Lists of submissions for signed-in people: the reviewers' queue (`/revision`, every
//! organisation, by status) and a vendor's own submissions (`/proveedor`). Both read
//! `Store::list_submissions` with the same filter the API's `GET /api/v1/submissions` builds, and
//! render the same list template.
//!
//! This module must not show a vendor another organisation's submissions: the vendor list is
//! always filtered by the signed-in organisation.

use askama::Template;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::PageQuery;
use super::labels;
use super::render::{msg, page, PageError};
use crate::auth::Caller;
use crate::store::{Role, Submission, SubmissionFilter, SubmissionStatus};

/// Submissions per page.
pub const PAGE_SIZE: i64 = 25;

/// One row of a submission list.
#[derive(Debug)]
pub struct Item {
    pub id: String,
    pub name: String,
    pub org: String,
    pub status: &'static str,
    pub badge: String,
    pub plan: String,
    pub submitted_at: String,
    pub pass: i64,
    pub fail: i64,
    pub skip: i64,
    pub previous: bool,
}

impl Item {
    fn of(ctx: &Ctx, s: &Submission) -> Item {
        Item {
            id: s.id.clone(),
            name: s.system.display_name.clone(),
            org: s.org_name.clone(),
            status: labels::submission_status(s.status),
            badge: labels::badge(s.status.as_str()),
            plan: format!("{} {}", s.plan.id, s.plan.version),
            submitted_at: ctx.date(&s.submitted_at),
            pass: s.summary.pass,
            fail: s.summary.fail + s.summary.error + s.summary.timeout,
            skip: s.summary.skip,
            previous: s.previous_id.is_some(),
        }
    }
}

/// A link of the status tabs.
#[derive(Debug)]
pub struct Tab {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

/// The 1-based page number of a query (anything unparsable or below 1 is page 1).
pub fn page_number(raw: Option<&str>) -> i64 {
    raw.and_then(|p| p.trim().parse::<i64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
        .min(100_000)
}

#[derive(Template)]
#[template(path = "submissions.html")]
struct ListPage<'a> {
    ctx: &'a Ctx,
    heading: &'static str,
    lead: &'static str,
    tabs: Vec<Tab>,
    items: Vec<Item>,
    page: i64,
    prev_href: Option<String>,
    next_href: Option<String>,
    show_org: bool,
    /// Whether to offer editing the organisation's directory entry (vendors).
    directory_link: bool,
    /// Whether to link the directory entries waiting for review (reviewers).
    review_directory_link: bool,
}

/// The signed-in caller, or a redirect to the sign-in page.
pub fn signed_in(ctx: &Ctx) -> Result<&Caller, PageError> {
    ctx.user
        .as_ref()
        .ok_or_else(|| PageError::sign_in(&ctx.here()))
}

/// The signed-in reviewer or admin: a redirect to sign in for the public, 403 for vendors.
pub fn reviewer(ctx: &Ctx) -> Result<&Caller, PageError> {
    let caller = signed_in(ctx)?;
    if caller.role.can_review() {
        Ok(caller)
    } else {
        Err(PageError::forbidden())
    }
}

/// The signed-in vendor: a redirect to sign in for the public, 403 for other roles.
pub fn vendor_caller(ctx: &Ctx) -> Result<&Caller, PageError> {
    let caller = signed_in(ctx)?;
    if caller.role == Role::Vendor {
        Ok(caller)
    } else {
        Err(PageError::forbidden())
    }
}

/// `GET /revision`: the review queue, in review by default.
pub async fn queue(ctx: Ctx, PageQuery(q): PageQuery<ListQuery>) -> Result<Response, PageError> {
    reviewer(&ctx)?;
    let status = match q.status.as_deref() {
        None | Some("") => Some(SubmissionStatus::InReview),
        Some("all") => None,
        Some(s) => Some(
            SubmissionStatus::parse(s)
                .ok_or_else(|| PageError::bad_request(format!("status {s:?}")))?,
        ),
    };
    let tabs = [
        Some(SubmissionStatus::InReview),
        Some(SubmissionStatus::ChecksFailed),
        Some(SubmissionStatus::Approved),
        Some(SubmissionStatus::Rejected),
        Some(SubmissionStatus::Withdrawn),
        None,
    ]
    .into_iter()
    .map(|t| Tab {
        label: t.map_or(msg("review.tab_all"), labels::submission_status),
        href: format!(
            "/revision?status={}",
            t.map_or("all", SubmissionStatus::as_str)
        ),
        current: t == status,
    })
    .collect();
    list(
        &ctx,
        ListSpec {
            heading: msg("review.heading"),
            lead: msg("review.lead"),
            tabs,
            org_id: None,
            status,
            base: format!(
                "/revision?status={}",
                status.map_or("all", SubmissionStatus::as_str)
            ),
            page: page_number(q.page.as_deref()),
        },
    )
    .await
}

/// `GET /proveedor`: the signed-in vendor's submissions.
pub async fn vendor(ctx: Ctx, PageQuery(q): PageQuery<ListQuery>) -> Result<Response, PageError> {
    let caller = vendor_caller(&ctx)?;
    list(
        &ctx,
        ListSpec {
            heading: msg("vendor.heading"),
            lead: msg("vendor.lead"),
            tabs: Vec::new(),
            org_id: Some(caller.org_id.clone()),
            status: None,
            base: "/proveedor?".into(),
            page: page_number(q.page.as_deref()),
        },
    )
    .await
}

struct ListSpec {
    heading: &'static str,
    lead: &'static str,
    tabs: Vec<Tab>,
    org_id: Option<String>,
    status: Option<SubmissionStatus>,
    /// The list's URL without the page parameter.
    base: String,
    page: i64,
}

async fn list(ctx: &Ctx, spec: ListSpec) -> Result<Response, PageError> {
    let show_org = spec.org_id.is_none();
    let directory_link = ctx.is_vendor();
    let review_directory_link = ctx.is_reviewer();
    let mut found = ctx
        .state
        .store
        .list_submissions(&SubmissionFilter {
            org_id: spec.org_id,
            status: spec.status,
            system_id: None,
            limit: PAGE_SIZE + 1,
            offset: (spec.page - 1) * PAGE_SIZE,
        })
        .await?;
    let more = found.len() as i64 > PAGE_SIZE;
    found.truncate(usize::try_from(PAGE_SIZE).unwrap_or(25));
    let sep = if spec.base.ends_with('?') { "" } else { "&" };
    page(&ListPage {
        ctx,
        heading: spec.heading,
        lead: spec.lead,
        tabs: spec.tabs,
        items: found.iter().map(|s| Item::of(ctx, s)).collect(),
        page: spec.page,
        prev_href: (spec.page > 1).then(|| format!("{}{sep}page={}", spec.base, spec.page - 1)),
        next_href: more.then(|| format!("{}{sep}page={}", spec.base, spec.page + 1)),
        show_org,
        directory_link,
        review_directory_link,
    })
}

#[cfg(test)]
mod tests {
    use super::page_number;

    #[test]
    fn page_numbers_are_forgiving() {
        assert_eq!(page_number(None), 1);
        assert_eq!(page_number(Some("3")), 3);
        assert_eq!(page_number(Some("0")), 1);
        assert_eq!(page_number(Some("-4")), 1);
        assert_eq!(page_number(Some("x")), 1);
        assert_eq!(page_number(Some("99999999999999999999")), 1);
    }
}
