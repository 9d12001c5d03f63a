//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 document of the JSON API, generated from the
//! handlers' `#[utoipa::path]` attributes and the response types' `ToSchema` derives, so it
//! cannot drift from the code (a snapshot test keeps changes visible). It covers the public side
//! (systems, devices, check, partner directory, exports, certified list, certificates), keys
//! with their proof of possession, submissions and their review, organisations, members,
//! tokens, the audit log, `/api/v1/me` and the operational endpoints: `scripts/api-fuzz` fuzzes
//! whatever it lists.

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

/// Every operation of the document.
fn operations(
    openapi: &mut utoipa::openapi::OpenApi,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    openapi.paths.paths.values_mut().flat_map(|item| {
        [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
    })
}

/// An answer with an [`ErrorBody`].
fn error_response(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("ErrorBody")))
                    .build(),
            )
            .build(),
    )
}

/// Every operation that takes a token (those that answer 401) may also answer 429: an address
/// that has used up its failed authentications gets `rate_limited` instead of 401 until the
/// window ends, whatever token it sends next ([`crate::auth::FailureLimiter`]).
struct AuthFailureLimit;

impl Modify for AuthFailureLimit {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let limited = error_response(
            "Too many failed authentications from this address (`rate_limited`, with \
             `Retry-After`)",
        );
        for op in operations(openapi) {
            let responses = &mut op.responses.responses;
            if responses.contains_key("401") {
                responses
                    .entry("429".to_string())
                    .or_insert_with(|| limited.clone());
            }
        }
    }
}

/// Every operation with path or query parameters may answer 400 for them (`malformed_path`,
/// `malformed_query`: not UTF-8, a NUL character, a value of the wrong type) before its handler
/// runs ([`crate::extract`]); where the handler's own 400 is not described, this one is.
struct MalformedParameters;

impl Modify for MalformedParameters {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterIn;
        let malformed =
            error_response("Malformed path or query (`malformed_path`, `malformed_query`)");
        for op in operations(openapi) {
            let takes_parameters = op
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query));
            if takes_parameters {
                op.responses
                    .responses
                    .entry("400".to_string())
                    .or_insert_with(|| malformed.clone());
            }
        }
    }
}

/// The document.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "mxcert registry API",
        description = "The MxOS hardware certification registry: certified systems, device \
                       compatibility, \"does my machine work?\", the partner directory and open \
                       data; submissions, review and certificates; organisations, members, \
                       tokens and the audit log. Every error is `{\"error\":{\"code\",\"message\"}}`.",
        license(name = "GPL-3.0-or-later"),
    ),
    paths(
        super::systems::search,
        super::systems::facets,
        super::systems::show,
        super::devices::show,
        super::check::check,
        super::community::share,
        super::community::show,
        super::community::delete,
        super::community::queue,
        super::community::hide,
        super::snapshot::manifest,
        super::snapshot::data,
        super::vendors::list,
        super::vendors::show,
        super::vendors::entry,
        super::vendors::save,
        super::vendors::approve,
        super::vendors::reject,
        super::vendors::pending,
        super::keys::challenge,
        super::keys::register,
        super::keys::list,
        super::keys::rotate,
        super::keys::revoke,
        super::submissions::create,
        super::submissions::list,
        super::submissions::show,
        super::submissions::envelope,
        super::attachments::list,
        super::attachments::get,
        super::submissions::diff,
        super::submissions::history,
        super::submissions::comment,
        super::submissions::approve,
        super::submissions::reject,
        super::submissions::withdraw,
        super::certified::list,
        super::certificates::show,
        super::certificates::envelope,
        super::certificates::revocation,
        super::certificates::revoke,
        super::certificates::events,
        super::registry_key::get_key,
        super::log::certificate_proof,
        super::log::checkpoint,
        super::log::checkpoint_at,
        super::log::key,
        super::log::tile,
        super::orgs::create,
        super::orgs::list,
        super::orgs::show,
        super::orgs::add_member,
        super::orgs::members,
        super::orgs::disable_member,
        super::tokens::create,
        super::tokens::list,
        super::tokens::revoke,
        super::audit::list,
        super::me::me,
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
    modifiers(&BearerToken, &AuthFailureLimit, &MalformedParameters),
    tags(
        (name = "systems", description = "Certified systems"),
        (name = "devices", description = "Per-device compatibility"),
        (name = "check", description = "Does my machine work with MxOS?"),
        (name = "community", description = "Community reports: what works on people's machines (not certification)"),
        (name = "vendors", description = "The partner directory"),
        (name = "export", description = "Open data"),
        (name = "keys", description = "Vendors' signing keys, registered with proof of possession"),
        (name = "submissions", description = "Signed reports: submit, review, approve, reject, withdraw"),
        (name = "certificates", description = "Certificates, their revocations and events, the registry's key"),
        (name = "transparency log", description = "The append-only log of every certificate and revocation (C2SP tlog-tiles, tlog-checkpoint, tlog-proof)"),
        (name = "orgs", description = "Organisations and their members (admins)"),
        (name = "tokens", description = "API tokens (admins)"),
        (name = "audit", description = "The audit log (admins, reviewers)"),
        (name = "me", description = "Who a token belongs to"),
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
