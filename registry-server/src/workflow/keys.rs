//! Signing keys: an organisation's vendors register, rotate and revoke its keys; admins may
//! rotate and revoke any; reviewers only read them.

use mxcert_core::keys;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Role, SigningKey};

/// Parses and checks a public key; returns its id and canonical PEM.
pub fn parse_key(pem: &str) -> ApiResult<(String, String)> {
    let key = keys::public_key_from_pem(pem)
        .map_err(|e| ApiError::bad_request("invalid_field", format!("public_key_pem: {e}")))?;
    let pem = keys::public_key_to_pem(&key).map_err(ApiError::internal)?;
    Ok((keys::key_id(&key), pem))
}

/// The key, if the caller may manage it: its own organisation's vendor, or an admin.
pub async fn managed_key(state: &AppState, caller: &Caller, keyid: &str) -> ApiResult<SigningKey> {
    let key = state.store.get_key(keyid).await?;
    match caller.role {
        Role::Admin => Ok(key),
        Role::Vendor if key.org_id == caller.org_id => Ok(key),
        Role::Vendor => Err(ApiError::forbidden(
            "this key belongs to another organisation",
        )),
        Role::Reviewer => Err(ApiError::forbidden(
            "keys are managed by their organisation's vendors or an admin",
        )),
    }
}

/// Registers a public key for the caller's organisation (a vendor, checked by the caller).
/// Returns the key and whether it is new.
pub async fn register(
    state: &AppState,
    caller: &Caller,
    public_key_pem: &str,
    label: &str,
) -> ApiResult<(SigningKey, bool)> {
    let (keyid, pem) = parse_key(public_key_pem)?;
    Ok(state
        .store
        .register_key(&caller.org_id, &keyid, &pem, label, &caller.actor())
        .await?)
}

/// Replaces the active key `keyid` with a new one, as its organisation's vendor or an admin.
pub async fn rotate(
    state: &AppState,
    caller: &Caller,
    keyid: &str,
    public_key_pem: &str,
    label: &str,
) -> ApiResult<SigningKey> {
    managed_key(state, caller, keyid).await?;
    let (new_keyid, pem) = parse_key(public_key_pem)?;
    Ok(state
        .store
        .rotate_key(keyid, &new_keyid, &pem, label, &caller.actor())
        .await?)
}

/// Revokes a key with a reason, as its organisation's vendor or an admin. A key revoked as
/// `compromised` blocks the approval of everything it signed.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    keyid: &str,
    reason: &str,
    compromised: bool,
) -> ApiResult<SigningKey> {
    managed_key(state, caller, keyid).await?;
    Ok(state
        .store
        .revoke_key(keyid, reason, compromised, &caller.actor())
        .await?)
}
