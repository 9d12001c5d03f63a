//! `/api/v1/keys`: a vendor organisation's signing keys — a challenge to prove possession with,
//! register, list, rotate, revoke (the rules: [`crate::workflow::keys`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::openapi::ErrorBody;
use super::{optional_text, required_text};
use crate::auth::{Caller, Vendor};
use crate::error::ApiResult;
use crate::extract::{self, parse_json, OptionalJson, Path, Query, RawBody};
use crate::state::AppState;
use crate::store::SigningKey;
use crate::workflow::keys as workflow;

/// A public key with its proof of possession.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub public_key_pem: String,
    /// A challenge from `POST /api/v1/keys/challenge`.
    pub challenge: String,
    /// The key's signature (base64) of `mxcert_core::keys::registration_message`.
    pub signature: String,
    #[serde(default)]
    pub label: Option<String>,
}

impl RegisterBody {
    fn proven(&self) -> workflow::Proven<'_> {
        workflow::Proven {
            public_key_pem: &self.public_key_pem,
            challenge: &self.challenge,
            signature: &self.signature,
        }
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChallengeBody {
    /// Admins: the organisation the key is for (vendors: their own, the default).
    #[serde(default)]
    pub org_id: Option<String>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
    /// The private key may be in other hands: what the key signed can no longer be approved.
    #[serde(default)]
    pub compromised: bool,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub org: Option<String>,
}

/// Registers a key for the caller's organisation. The body proves possession of the private
/// key: the key's signature (Ed25519, base64) of `mxcert_core::keys::registration_message` —
/// the lines `mxcert key registration proof v1`, `purpose: register this key for signing
/// reports`, `challenge: C`, `organisation: ORG`, `keyid: K`, each ended by a newline — over a
/// challenge from `POST /api/v1/keys/challenge`.
#[utoipa::path(
    post,
    path = "/api/v1/keys",
    tag = "keys",
    request_body = RegisterBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "Registered", body = SigningKey),
        (status = 200, description = "Already registered by this organisation", body = SigningKey),
        (status = 400, description = "Malformed body, key or proof (`malformed_body`, `invalid_field`, `invalid_proof`)", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "Not a vendor", body = ErrorBody),
        (status = 409, description = "Challenge unknown, another organisation's, used or expired (`invalid_challenge`); key registered to another organisation or no longer active", body = ErrorBody),
    )
)]
pub async fn register(
    State(state): State<AppState>,
    Vendor(caller): Vendor,
    extract::Json(body): extract::Json<RegisterBody>,
) -> ApiResult<(StatusCode, Json<SigningKey>)> {
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let (key, created) = workflow::register(&state, &caller, body.proven(), &label).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(key)))
}

/// A single-use challenge for registering a key: random, bound to the caller's organisation (an
/// admin may name another with `{"org_id"}`), valid for ten minutes, stored hashed.
#[utoipa::path(
    post,
    path = "/api/v1/keys/challenge",
    tag = "keys",
    request_body(content = Option<ChallengeBody>, description = "Optional; admins name the organisation"),
    security(("token" = [])),
    responses(
        (status = 201, description = "A new challenge, shown once", body = workflow::Challenge),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "No token", body = ErrorBody),
        (status = 403, description = "A reviewer, or a vendor naming another organisation", body = ErrorBody),
        (status = 404, description = "No such organisation", body = ErrorBody),
        (status = 409, description = "The organisation holds too many unused challenges (`too_many_challenges`)", body = ErrorBody),
    )
)]
pub async fn challenge(
    State(state): State<AppState>,
    caller: Caller,
    OptionalJson(body): OptionalJson<ChallengeBody>,
) -> ApiResult<(StatusCode, Json<workflow::Challenge>)> {
    let org = body.and_then(|b| b.org_id);
    let c = workflow::challenge(&state, &caller, org.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// Signing keys: a vendor's own organisation's; reviewers and admins any (`org`).
#[utoipa::path(
    get,
    path = "/api/v1/keys",
    operation_id = "list_keys",
    tag = "keys",
    params(ListQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The keys", body = Vec<SigningKey>),
        (status = 400, description = "Malformed query (`malformed_query`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<SigningKey>>> {
    let org = if caller.role.can_review() {
        q.org
    } else {
        Some(caller.org_id.clone())
    };
    Ok(Json(state.store.list_keys(org.as_deref()).await?))
}

/// Replaces an active key by a new one (with its proof of possession, as for registering); the
/// old key is retired.
#[utoipa::path(
    post,
    path = "/api/v1/keys/{keyid}/rotate",
    operation_id = "rotate_key",
    tag = "keys",
    params(("keyid" = String, Path, description = "The key's id")),
    request_body = RegisterBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The new key", body = SigningKey),
        (status = 400, description = "Malformed body, key or proof (`malformed_body`, `invalid_field`, `invalid_proof`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not the owning vendor nor an admin", body = ErrorBody),
        (status = 404, description = "No such key (`not_found`)", body = ErrorBody),
        (status = 409, description = "Challenge unknown, used or expired (`invalid_challenge`); the key is not active, or the new key is registered already", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(keyid): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<SigningKey>)> {
    // Who may rotate is answered before the body is read.
    workflow::managed_key(&state, &caller, &keyid).await?;
    let body: RegisterBody = parse_json(&body)?;
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let key = workflow::rotate(&state, &caller, &keyid, body.proven(), &label).await?;
    Ok((StatusCode::CREATED, Json(key)))
}

/// Revokes a key with a reason; `compromised` also stops what it signed from being approved.
#[utoipa::path(
    post,
    path = "/api/v1/keys/{keyid}/revoke",
    operation_id = "revoke_key",
    tag = "keys",
    params(("keyid" = String, Path, description = "The key's id")),
    request_body = ReasonBody,
    security(("token" = [])),
    responses(
        (status = 200, description = "Revoked", body = SigningKey),
        (status = 400, description = "Malformed body or empty reason (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not the owning vendor nor an admin", body = ErrorBody),
        (status = 404, description = "No such key (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already revoked (`invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(keyid): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<Json<SigningKey>> {
    workflow::managed_key(&state, &caller, &keyid).await?;
    let body: ReasonBody = parse_json(&body)?;
    let reason = required_text("reason", &body.reason, 2000)?;
    Ok(Json(
        workflow::revoke(&state, &caller, &keyid, &reason, body.compromised).await?,
    ))
}
