//! The directory entries waiting for an admin (`/revision/directorio`): each pending draft next
//! to what is published now, with approve and reject (with a reason) for admins. Reviewers may
//! look; only admins decide. It calls `workflow::directory::{pending, decide}`, exactly what
//! `GET /api/v1/vendor-entries` and `POST /api/v1/vendors/{slug}/entry/{approve,reject}` do.
//!
//! This module must not change an entry's contents: it only publishes or refuses a draft.

use askama::Template;
use axum::extract::Path;
use axum::response::Response;
use serde::Deserialize;

use super::context::Ctx;
use super::form::{CsrfForm, PageQuery};
use super::labels;
use super::partners::safe_url;
use super::render::{msg, page, PageError};
use super::signin::see_other;
use super::submissions::{reviewer, signed_in};
use crate::public::directory::EntryView;
use crate::public::mexico::entity;
use crate::store::Role;
use crate::workflow::directory;

/// A pending entry as shown.
#[derive(Debug)]
pub struct Pending {
    pub e: EntryView,
    pub updated: String,
    pub states: String,
    pub services: Vec<&'static str>,
    pub website: Option<String>,
}

#[derive(Template)]
#[template(path = "directory_review.html")]
struct ReviewPage<'a> {
    ctx: &'a Ctx,
    entries: Vec<Pending>,
    admin: bool,
    flash: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct Flash {
    #[serde(default)]
    ok: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `GET /revision/directorio`.
pub async fn list(ctx: Ctx, PageQuery(f): PageQuery<Flash>) -> Result<Response, PageError> {
    let caller = reviewer(&ctx)?;
    let entries = directory::pending(&ctx.state.store, caller)
        .await?
        .into_iter()
        .map(|e| Pending {
            updated: ctx.date(&e.updated_at),
            states: e
                .draft
                .states
                .iter()
                .filter_map(|s| entity(s).map(|x| x.name))
                .collect::<Vec<_>>()
                .join(", "),
            services: e
                .draft
                .services
                .iter()
                .map(|s| labels::service(ctx.lang, s.kind))
                .collect(),
            website: safe_url(e.draft.website.as_deref()),
            e,
        })
        .collect();
    let flash = match (f.ok.as_deref(), f.error.as_deref()) {
        (Some("approved"), _) => Some(msg("directory_review.done_approved")),
        (Some("rejected"), _) => Some(msg("directory_review.done_rejected")),
        (_, Some("reason")) => Some(msg("submission.error_reason")),
        _ => None,
    };
    page(&ReviewPage {
        ctx: &ctx,
        entries,
        admin: caller.role == Role::Admin,
        flash,
    })
}

#[derive(Debug, Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    text: String,
}

async fn decide(ctx: &Ctx, slug: &str, approve: bool, note: &str) -> Result<Response, PageError> {
    let caller = signed_in(ctx)?;
    if caller.role != Role::Admin {
        return Err(PageError::forbidden());
    }
    let note = Some(note).filter(|n| !n.trim().is_empty());
    if !approve && note.is_none() {
        return Ok(see_other("/revision/directorio?error=reason"));
    }
    directory::decide(&ctx.state.store, caller, slug, approve, note).await?;
    Ok(see_other(if approve {
        "/revision/directorio?ok=approved"
    } else {
        "/revision/directorio?ok=rejected"
    }))
}

/// `POST /revision/directorio/{slug}/aprobar` (admins).
pub async fn approve(
    ctx: Ctx,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    decide(&ctx, &slug, true, &f.text).await
}

/// `POST /revision/directorio/{slug}/rechazar` (admins).
pub async fn reject(
    ctx: Ctx,
    Path(slug): Path<String>,
    CsrfForm(f): CsrfForm<NoteForm>,
) -> Result<Response, PageError> {
    decide(&ctx, &slug, false, &f.text).await
}
