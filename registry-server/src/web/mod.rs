//! The public web portal: server-rendered HTML pages for the public, vendors and reviewers,
//! Spanish first.
//!
//! Every page is an askama template under `registry-server/templates/`, checked at compile time
//! and auto-escaped, with its texts from the catalogue in `registry-server/i18n/` ([`i18n`]). Pages
//! work without JavaScript; the one vendored script only adds conveniences. The portal reads and
//! writes through the same store and service functions as the JSON API, never through queries of
//! its own.
//!
//! | module | what it is for |
//! |---|---|
//! | [`context`] | the per-request [`Ctx`] (language, session, CSRF) and the middleware that makes it and adds security headers |
//! | [`i18n`] | languages, `Accept-Language`, the message catalogue |
//! | [`render`] | templates to responses; [`PageError`] to error pages |
//! | [`form`] | reading forms (CSRF and origin checked) and query strings |
//! | [`csrf`], [`cookies`], [`session`] | CSRF tokens, cookie flags, signed-in sessions |
//! | [`assets`] | the vendored stylesheet, script and icon |
//! | [`signin`] | signing in and out |
//! | [`labels`] | the words for statuses and categories |
//! | [`home`], [`search`], [`systems`], [`certificate`], [`device`], [`check`], [`share`], [`partners`], [`submissions`], [`submission`], [`directory_edit`], [`directory_review`] | one module per page or group of pages |
//!
//! | path | page |
//! |---|---|
//! | `/` | home: search box, recent certifications |
//! | `/buscar?q=` | the search box: a device ID goes to its page, anything else to `/sistemas` |
//! | `/sistemas` | certified systems: search, filters (vendor, kind, release), sorting, pages |
//! | `/certificados/{id}` | a certificate: identity, results by area, downloads, how to verify; POST `/revocar` (reviewers) |
//! | `/dispositivos/{bus}/{id}` | a device: status, names, systems that contain it, drivers |
//! | `/funciona` | "¿Funciona mi equipo con MxOS?": paste a dump or upload a probe (POST) |
//! | `/comparte` | "Comparte tu equipo": how to use `mxcert share`, and the same questions over an uploaded probe (POST) |
//! | `/comunidad/{id}` | a community report (hidden ones: reviewers) |
//! | `/socios`, `/socios/{slug}` | the partner directory, filtered by service and state; a partner |
//! | `/proveedor/directorio` | vendors: edit their directory entry (GET form, POST) |
//! | `/revision/directorio` | reviewers see, admins approve or reject, pending directory entries |
//! | `/revision` | reviewers: the queue, by status |
//! | `/proveedor` | vendors: their organisation's submissions |
//! | `/envios/{id}` | a submission (reviewers, its vendor); POST `/aprobar`, `/rechazar`, `/retirar`, `/comentar`; `/informe.dsse.json`; `/adjuntos/{name}` |
//! | `/acceder` | sign in with an API token (GET form, POST) |
//! | `/salir` | sign out (POST) |
//! | `/static/{name}` | stylesheet, script, icon |
//!
//! This module must not hold business rules (who may do what, lifecycle, verification, storage):
//! those live in [`crate::workflow`], [`crate::public`] and the rest of the crate, which the pages
//! call exactly as the JSON routes do; it never calls [`crate::routes`]. Links to API resources
//! come from [`crate::urls`], never from the request's `Host`. [`fallback`] is the whole
//! application's answer to a path no route matched.

pub mod assets;
pub mod certificate;
pub mod charts;
pub mod check;
pub mod context;
pub mod cookies;
pub mod csrf;
pub mod device;
pub mod directory_edit;
pub mod directory_review;
pub mod form;
pub mod home;
pub mod i18n;
pub mod labels;
pub mod partners;
pub mod render;
pub mod search;
pub mod session;
pub mod share;
pub mod signin;
pub mod submission;
pub mod submissions;
pub mod systems;

use std::sync::Arc;

use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

use crate::state::AppState;

pub use context::Ctx;
pub use render::PageError;

pub use crate::config::WebConfig;

/// Why the portal could not start.
#[derive(Debug, thiserror::Error)]
pub enum WebStartError {
    #[error(transparent)]
    Catalogue(#[from] i18n::CatalogueError),
}

/// What the portal shares between requests; cheap to clone.
#[derive(Debug, Clone)]
pub struct WebState(Arc<WebInner>);

#[derive(Debug)]
pub struct WebInner {
    pub config: WebConfig,
    pub catalogue: i18n::Catalogue,
    pub csrf: csrf::CsrfKey,
}

impl std::ops::Deref for WebState {
    type Target = WebInner;
    fn deref(&self) -> &WebInner {
        &self.0
    }
}

impl WebState {
    /// The portal state. `secret` is a long-lived secret of the registry that CSRF tokens are
    /// derived from, so that they survive restarts and work across instances.
    pub fn new(config: WebConfig, secret: &[u8]) -> Result<WebState, WebStartError> {
        Ok(WebState(Arc::new(WebInner {
            catalogue: i18n::Catalogue::builtin()?,
            csrf: csrf::CsrfKey::derive(secret),
            config,
        })))
    }
}

/// Every portal route, wrapped in the portal middleware.
pub fn router(state: &AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/acceder", get(signin::form).post(signin::submit))
        .route("/salir", post(signin::sign_out))
        .route("/buscar", get(search::search))
        .route("/sistemas", get(systems::list))
        .route("/certificados/{id}", get(certificate::show))
        .route("/certificados/{id}/revocar", post(certificate::revoke))
        .route("/dispositivos/{bus}/{id}", get(device::show))
        .route("/funciona", get(check::form).post(check::submit))
        .route("/comparte", get(share::form).post(share::submit))
        .route("/comunidad/{id}", get(share::show))
        .route("/socios", get(partners::list))
        .route("/socios/{slug}", get(partners::show))
        .route(
            "/proveedor/directorio",
            get(directory_edit::form).post(directory_edit::save),
        )
        .route("/revision", get(submissions::queue))
        .route("/proveedor", get(submissions::vendor))
        .route("/revision/directorio", get(directory_review::list))
        .route(
            "/revision/directorio/{slug}/aprobar",
            post(directory_review::approve),
        )
        .route(
            "/revision/directorio/{slug}/rechazar",
            post(directory_review::reject),
        )
        .route("/envios/{id}", get(submission::show))
        .route("/envios/{id}/informe.dsse.json", get(submission::envelope))
        .route("/envios/{id}/adjuntos/{name}", get(submission::attachment))
        .route("/envios/{id}/aprobar", post(submission::approve))
        .route("/envios/{id}/rechazar", post(submission::reject))
        .route("/envios/{id}/retirar", post(submission::withdraw))
        .route("/envios/{id}/comentar", post(submission::comment))
        .route("/static/{name}", get(assets::serve))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::middleware,
        ))
}

/// The fallback of the whole application (added by [`crate::server::app`]) for a path no route
/// matched: the portal's 404 page for a browser asking outside `/api/`, else the JSON error.
pub async fn fallback(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: axum::extract::Request,
) -> Response {
    use axum::response::IntoResponse as _;
    let (parts, _) = req.into_parts();
    if wants_html(parts.uri.path(), &parts.headers) {
        return not_found_page(&state, &parts).await;
    }
    crate::error::ApiError::not_found(format!("no route for {}", parts.uri.path())).into_response()
}

/// The 404 page for a path no route matched, for browsers (see [`fallback`]). The portal middleware does not run there, so the
/// session is looked up here: a signed-in reader keeps their header (name, sign-out) on the page.
pub async fn not_found_page(state: &AppState, parts: &axum::http::request::Parts) -> Response {
    let mut ctx = Ctx::from_head(state, parts);
    if let Some(signed) = session::resolve(state, &parts.headers).await {
        ctx.user = Some(signed.caller.clone());
        ctx.signed = Some(signed);
    }
    render::error_page(&ctx, &PageError::not_found())
}

/// Whether a request for `path` with these headers wants a page rather than JSON.
pub fn wants_html(path: &str, headers: &axum::http::HeaderMap) -> bool {
    !path.starts_with("/api/")
        && headers
            .get(axum::http::header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("text/html"))
}
