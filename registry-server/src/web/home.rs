//! The home page: one search box (model, vendor or a device ID such as `8086:9a49`) and the most
//! recent certifications (the store's list of certified systems, as `GET /api/v1/certified`
//! reads it). This module must not search: the search box submits to `/buscar`.

use askama::Template;
use axum::response::Response;

use super::context::Ctx;
use super::render::{page, PageError};
use crate::store::CertifiedEntry;

/// How many recent certifications the home page lists.
const RECENT: i64 = 8;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
    recent: Vec<CertifiedEntry>,
}

/// `GET /`.
pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    let recent = ctx
        .state
        .store
        .list_certified(RECENT, 0, &crate::public::now())
        .await
        .map_err(PageError::internal)?;
    page(&HomePage { ctx: &ctx, recent })
}
