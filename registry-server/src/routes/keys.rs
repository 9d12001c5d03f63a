//! `/api/v1/keys`: a vendor organisation's signing keys — register, list, rotate, revoke.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use mxcert_core::keys;
use serde::Deserialize;

use super::{optional_text, required_text};
use crate::auth::{Caller, Vendor};
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, parse_json, Path, Query, RawBody};
use crate::state::AppState;
use crate::store::SigningKey;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    pub public_key_pem: String,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub org: Option<String>,
}

/// Parses and checks a public key; returns its id and canonical PEM.
fn parse_key(pem: &str) -> ApiResult<(String, String)> {
    let key = keys::public_key_from_pem(pem)
        .map_err(|e| ApiError::bad_request("invalid_field", format!("public_key_pem: {e}")))?;
    let pem = keys::public_key_to_pem(&key).map_err(ApiError::internal)?;
    Ok((keys::key_id(&key), pem))
}

pub async fn register(
    State(state): State<AppState>,
    Vendor(caller): Vendor,
    extract::Json(body): extract::Json<RegisterBody>,
) -> ApiResult<(StatusCode, Json<SigningKey>)> {
    let (keyid, pem) = parse_key(&body.public_key_pem)?;
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let (key, created) = state
        .store
        .register_key(&caller.org_id, &keyid, &pem, &label, &caller.actor())
        .await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(key)))
}

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

/// The key, if the caller may manage it: its own organisation's vendor, or an admin.
async fn managed_key(state: &AppState, caller: &Caller, keyid: &str) -> ApiResult<SigningKey> {
    let key = state.store.get_key(keyid).await?;
    match caller.role {
        crate::store::Role::Admin => Ok(key),
        crate::store::Role::Vendor if key.org_id == caller.org_id => Ok(key),
        crate::store::Role::Vendor => Err(ApiError::forbidden(
            "this key belongs to another organisation",
        )),
        crate::store::Role::Reviewer => Err(ApiError::forbidden(
            "keys are managed by their organisation's vendors or an admin",
        )),
    }
}

pub async fn rotate(
    State(state): State<AppState>,
    caller: Caller,
    Path(keyid): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<(StatusCode, Json<SigningKey>)> {
    managed_key(&state, &caller, &keyid).await?;
    let body: RegisterBody = parse_json(&body)?;
    let (new_keyid, pem) = parse_key(&body.public_key_pem)?;
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let key = state
        .store
        .rotate_key(&keyid, &new_keyid, &pem, &label, &caller.actor())
        .await?;
    Ok((StatusCode::CREATED, Json(key)))
}

pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    Path(keyid): Path<String>,
    RawBody(body): RawBody,
) -> ApiResult<Json<SigningKey>> {
    managed_key(&state, &caller, &keyid).await?;
    let body: ReasonBody = parse_json(&body)?;
    let reason = required_text("reason", &body.reason, 2000)?;
    Ok(Json(
        state
            .store
            .revoke_key(&keyid, &reason, &caller.actor())
            .await?,
    ))
}
