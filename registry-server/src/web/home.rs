//! The home page: one search box (model, vendor or a device ID such as `8086:9a49`) and the most
//! recent certifications. This module must not search: the search box submits to the systems and
//! device pages.

use askama::Template;
use axum::response::Response;

use super::context::Ctx;
use super::render::{page, PageError};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    ctx: &'a Ctx,
}

/// `GET /`.
pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    page(&HomePage { ctx: &ctx })
}
