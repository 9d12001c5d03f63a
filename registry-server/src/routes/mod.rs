//! The HTTP API, one file per resource. Every handler authenticates through [`crate::auth::Auth`],
//! checks the role and organisation itself, and answers JSON or an [`crate::error::ApiError`].
//! Handlers hold no business rules: who may do what to a submission, certificate, key or token
//! lives in [`crate::workflow`] (which the web portal calls too), lifecycle rules in
//! [`crate::review`], verification in [`crate::ingest`], persistence in [`crate::store`], links in
//! [`crate::urls`]. Handlers never call the web portal ([`crate::web`]) nor it them; the 404
//! fallback for paths no route matches is the portal's ([`crate::web::fallback`], added by
//! [`crate::server::app`]).
//!
//! | method | path | who |
//! |---|---|---|
//! | GET | `/healthz`, `/readyz`, `/metrics`, `/api/v1/openapi.json` | public |
//! | GET | `/api/v1/registry-key` | public (PEM; JSON with `Accept: application/json`) |
//! | GET | `/api/v1/me` | any token |
//! | POST | `/api/v1/keys/challenge` | vendor (own organisation), admin (any, `{"org_id"}`) |
//! | POST, GET | `/api/v1/keys` | vendor (own organisation, with a signed challenge); GET also reviewer/admin |
//! | POST | `/api/v1/keys/{keyid}/rotate` (with a signed challenge), `/revoke` | the owning vendor, admin |
//! | POST | `/api/v1/submissions` | vendor |
//! | GET | `/api/v1/submissions` | vendor (own), reviewer, admin; `?status=&org=&limit=&offset=` |
//! | GET | `/api/v1/submissions/{id}`, `/diff`, `/history` | the owning vendor, reviewer, admin |
//! | GET | `/api/v1/submissions/{id}/envelope` | the owning vendor, reviewer, admin; public once approved |
//! | GET | `/api/v1/submissions/{id}/attachments`, `/attachments/{name}` | the owning vendor, reviewer, admin |
//! | POST | `/api/v1/submissions/{id}/comments` | the owning vendor, reviewer, admin |
//! | POST | `/api/v1/submissions/{id}/approve`, `/reject` | reviewer, admin of another organisation |
//! | POST | `/api/v1/submissions/{id}/withdraw` | the owning vendor |
//! | GET | `/api/v1/certified` | public |
//! | GET | `/api/v1/certificates/{id}`, `/envelope`, `/revocation` | public |
//! | POST | `/api/v1/certificates/{id}/revoke` | reviewer, admin of another organisation |
//! | GET | `/api/v1/certificate-events` | public |
//! | GET | `/api/v1/certificates/{id}/proof`, `/log/checkpoint`, `/log/checkpoints/{size}`, `/log/key`, `/log/tile/...` | public (text and bytes: the transparency log) |
//! | POST, GET | `/api/v1/orgs`, GET `/api/v1/orgs/{id}` | admin |
//! | POST, GET | `/api/v1/orgs/{id}/members`; POST `/api/v1/members/{id}/disable` | admin |
//! | POST, GET | `/api/v1/tokens`; POST `/api/v1/tokens/{id}/revoke` | admin (a member's token: at most the member's role) |
//! | GET | `/api/v1/audit` | admin, reviewer |
//! | GET | `/api/v1/systems`, `/api/v1/systems/facets`, `/api/v1/systems/{certificate_id}` | public |
//! | GET | `/api/v1/devices/{bus}/{id}` | public |
//! | POST | `/api/v1/check` | public (rate-limited per address) |
//! | POST | `/api/v1/community/reports` | public (rate-limited per address and per machine id) |
//! | GET | `/api/v1/community/reports/{id}` | public (hidden reports: reviewer, admin) |
//! | DELETE | `/api/v1/community/reports/{id}` | whoever holds the report's deletion token |
//! | GET | `/api/v1/community/reports`; POST `/api/v1/community/reports/{id}/hide` | reviewer, admin |
//! | GET | `/api/v1/snapshot`, `/api/v1/snapshot/data/{sha256}` | public |
//! | GET | `/api/v1/vendors`, `/api/v1/vendors/{slug}` | public |
//! | GET, PUT | `/api/v1/vendors/{slug}/entry` | the organisation's vendors, admin (GET also reviewer) |
//! | POST | `/api/v1/vendors/{slug}/entry/approve`, `/reject` | admin |
//! | GET | `/api/v1/vendor-entries` | admin, reviewer |
//! | GET | `/api/v1/export/certified.json`, `/api/v1/export/certified.csv` | public |

pub mod attachments;
pub mod audit;
pub mod certificates;
pub mod certified;
pub mod check;
pub mod community;
pub mod devices;
pub mod export;
pub mod health;
pub mod keys;
pub mod log;
pub mod me;
pub mod metrics;
pub mod openapi;
pub mod orgs;
pub mod registry_key;
pub mod snapshot;
pub mod submissions;
pub mod systems;
pub mod tokens;
pub mod vendors;

use axum::routing::{get, post};
use axum::Router;

use crate::error::ApiError;
use crate::state::AppState;

use crate::workflow::{optional_text, required_text};

/// Every route of the API, without the server-wide layers (see [`crate::server`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::metrics))
        .route("/api/v1/openapi.json", get(openapi::openapi))
        .route("/api/v1/registry-key", get(registry_key::get_key))
        .route("/api/v1/me", get(me::me))
        .route("/api/v1/keys", post(keys::register).get(keys::list))
        .route("/api/v1/keys/challenge", post(keys::challenge))
        .route("/api/v1/keys/{keyid}/rotate", post(keys::rotate))
        .route("/api/v1/keys/{keyid}/revoke", post(keys::revoke))
        .route(
            "/api/v1/submissions",
            post(submissions::create).get(submissions::list),
        )
        .route("/api/v1/submissions/{id}", get(submissions::show))
        .route(
            "/api/v1/submissions/{id}/envelope",
            get(submissions::envelope),
        )
        .route(
            "/api/v1/submissions/{id}/attachments",
            get(attachments::list),
        )
        .route(
            "/api/v1/submissions/{id}/attachments/{name}",
            get(attachments::get),
        )
        .route("/api/v1/submissions/{id}/diff", get(submissions::diff))
        .route(
            "/api/v1/submissions/{id}/history",
            get(submissions::history),
        )
        .route(
            "/api/v1/submissions/{id}/comments",
            post(submissions::comment),
        )
        .route(
            "/api/v1/submissions/{id}/approve",
            post(submissions::approve),
        )
        .route("/api/v1/submissions/{id}/reject", post(submissions::reject))
        .route(
            "/api/v1/submissions/{id}/withdraw",
            post(submissions::withdraw),
        )
        .route("/api/v1/certified", get(certified::list))
        .route("/api/v1/certificates/{id}", get(certificates::show))
        .route(
            "/api/v1/certificates/{id}/envelope",
            get(certificates::envelope),
        )
        .route(
            "/api/v1/certificates/{id}/revocation",
            get(certificates::revocation),
        )
        .route(
            "/api/v1/certificates/{id}/revoke",
            post(certificates::revoke),
        )
        .route("/api/v1/certificate-events", get(certificates::events))
        .route(
            "/api/v1/certificates/{id}/proof",
            get(log::certificate_proof),
        )
        .route("/log/checkpoint", get(log::checkpoint))
        .route("/log/checkpoints/{size}", get(log::checkpoint_at))
        .route("/log/key", get(log::key))
        .route("/log/tile/{*path}", get(log::tile))
        .route("/api/v1/orgs", post(orgs::create).get(orgs::list))
        .route("/api/v1/orgs/{id}", get(orgs::show))
        .route(
            "/api/v1/orgs/{id}/members",
            post(orgs::add_member).get(orgs::members),
        )
        .route("/api/v1/members/{id}/disable", post(orgs::disable_member))
        .route("/api/v1/tokens", post(tokens::create).get(tokens::list))
        .route("/api/v1/tokens/{id}/revoke", post(tokens::revoke))
        .route("/api/v1/audit", get(audit::list))
        .route("/api/v1/systems", get(systems::search))
        .route("/api/v1/systems/facets", get(systems::facets))
        .route("/api/v1/systems/{certificate_id}", get(systems::show))
        .route("/api/v1/devices/{bus}/{id}", get(devices::show))
        .route("/api/v1/check", post(check::check))
        .route(
            "/api/v1/community/reports",
            post(community::share).get(community::queue),
        )
        .route(
            "/api/v1/community/reports/{id}",
            get(community::show).delete(community::delete),
        )
        .route("/api/v1/community/reports/{id}/hide", post(community::hide))
        .route("/api/v1/snapshot", get(snapshot::manifest))
        .route("/api/v1/snapshot/data/{sha256}", get(snapshot::data))
        .route("/api/v1/vendors", get(vendors::list))
        .route("/api/v1/vendors/{slug}", get(vendors::show))
        .route(
            "/api/v1/vendors/{slug}/entry",
            get(vendors::entry).put(vendors::save),
        )
        .route(
            "/api/v1/vendors/{slug}/entry/approve",
            post(vendors::approve),
        )
        .route("/api/v1/vendors/{slug}/entry/reject", post(vendors::reject))
        .route("/api/v1/vendor-entries", get(vendors::pending))
        .route("/api/v1/export/certified.json", get(export::json))
        .route("/api/v1/export/certified.csv", get(export::csv))
        .method_not_allowed_fallback(method_not_allowed)
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!("{method} is not allowed on {}", uri.path()),
    )
}

/// Reads a public POST's body up to `limit` bytes: 413 `body_too_large` beyond it, 400
/// `malformed_body` when it cannot be read.
pub(crate) async fn read_body(
    body: axum::body::Body,
    limit: usize,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, limit).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
        if too_large {
            ApiError::too_large(limit)
        } else {
            ApiError::bad_request("malformed_body", format!("failed to read the body: {e}"))
        }
    })
}

/// Paging parameters shared by list endpoints.
#[derive(Debug, Clone, Copy, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct Page {
    #[serde(default = "default_limit")]
    pub limit: i64,
    #[serde(default)]
    pub offset: i64,
}

fn default_limit() -> i64 {
    100
}
