//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the public API, generated from the
//! handlers' `#[utoipa::path]` attributes and the response types' `ToSchema` derives, so it
//! cannot drift from the code (a snapshot test keeps changes visible). It covers the public side
//! (systems, devices, check, partner directory, exports), key registration with its proof of
//! possession, and the operational endpoints.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi, ToSchema};

/// The error shape every failure has: `{"error":{"code","message"}}`.
#[derive(Debug, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable, e.g. `not_found`, `invalid_field`, `rate_limited`.
    pub code: String,
    /// A lowercase message naming the failing value.
    pub message: String,
}

struct BearerToken;

impl Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An mxcert registry API token (`mxr_...`), sent as `Authorization: Bearer TOKEN`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "mxcert registry — public API",
        description = "The MxOS hardware certification registry: certified systems, device \
                       compatibility, \"does my machine work?\", the partner directory and open \
                       data. Every error is `{\"error\":{\"code\",\"message\"}}`.",
        license(name = "GPL-3.0-or-later"),
    ),
    paths(
        super::systems::search,
        super::systems::facets,
        super::systems::show,
        super::devices::show,
        super::check::check,
        super::vendors::list,
        super::vendors::show,
        super::vendors::entry,
        super::vendors::save,
        super::vendors::approve,
        super::vendors::reject,
        super::vendors::pending,
        super::keys::challenge,
        super::keys::register,
        super::export::json,
        super::export::csv,
        super::health::healthz,
        super::health::readyz,
        super::metrics::metrics,
        openapi,
    ),
    // Query parameter types: utoipa refers to them but collects only body types by itself.
    components(schemas(
        crate::public::systems::StatusParam,
        crate::public::systems::SortParam
    )),
    modifiers(&BearerToken),
    tags(
        (name = "systems", description = "Certified systems"),
        (name = "devices", description = "Per-device compatibility"),
        (name = "check", description = "Does my machine work with MxOS?"),
        (name = "vendors", description = "The partner directory"),
        (name = "export", description = "Open data"),
        (name = "keys", description = "Vendors' signing keys, registered with proof of possession"),
        (name = "operations", description = "Health, readiness, metrics, this document"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

/// The document as pretty JSON.
pub fn document() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// This document.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json", body = Object))
)]
pub async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        document(),
    )
        .into_response()
}
