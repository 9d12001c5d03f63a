//! Signing keys: an organisation's vendors register, rotate and revoke its keys; admins may
//! rotate and revoke any; reviewers only read them.
//!
//! Proof of possession (issue 13, item 7): a key is registered (or rotated to) only with a
//! registry-issued challenge ([`challenge`]: random, single-use, bound to the organisation,
//! expiring after [`CHALLENGE_TTL_MINUTES`] minutes, stored hashed) signed by the key over
//! `mxcert_core::keys::registration_message` (purpose, challenge, organisation, key id). So
//! nobody registers a public key whose private key they do not hold, and a key cannot be squatted
//! by another organisation. Keys registered before the proof was required are kept as they are.

use mxcert_core::keys;

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Role, SigningKey};

/// How long a key challenge lasts.
pub const CHALLENGE_TTL_MINUTES: i64 = 10;

/// The prefix of challenges, so that one is recognised in logs and never taken for a token.
pub const CHALLENGE_PREFIX: &str = "mxk_";

/// A new key challenge, shown once.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Challenge {
    pub challenge: String,
    /// The organisation the key will be registered to: the proof names it.
    pub org_id: String,
    pub expires_at: String,
}

/// A key and its proof of possession, as a request carries them.
#[derive(Debug, Clone, Copy)]
pub struct Proven<'a> {
    /// The public key, SubjectPublicKeyInfo PEM.
    pub public_key_pem: &'a str,
    /// A challenge from [`challenge`].
    pub challenge: &'a str,
    /// `mxcert_core::keys::sign_registration` of the challenge by the key, base64.
    pub signature: &'a str,
}

/// Parses and checks a public key; returns the key, its id and canonical PEM.
pub fn parse_key(pem: &str) -> ApiResult<(keys::VerifyingKey, String, String)> {
    let key = keys::public_key_from_pem(pem)
        .map_err(|e| ApiError::bad_request("invalid_field", format!("public_key_pem: {e}")))?;
    let canonical = keys::public_key_to_pem(&key).map_err(ApiError::internal)?;
    Ok((key, keys::key_id(&key), canonical))
}

/// Checks a key's proof of possession for organisation `org_id`; returns the key's id, canonical
/// PEM and the challenge's SHA-256 (which the store then uses up).
fn verify_proof(org_id: &str, p: Proven<'_>) -> ApiResult<(String, String, String)> {
    let (key, keyid, pem) = parse_key(p.public_key_pem)?;
    keys::verify_registration(&key, p.challenge, org_id, p.signature).map_err(|e| {
        ApiError::bad_request(
            "invalid_proof",
            format!("failed to register key {keyid}: {e}"),
        )
    })?;
    Ok((
        keyid,
        pem,
        crate::ingest::sha256_hex(p.challenge.as_bytes()),
    ))
}

/// Issues a key challenge for organisation `org_id`: a vendor's own, or any for an admin.
pub async fn challenge(
    state: &AppState,
    caller: &Caller,
    org_id: Option<&str>,
) -> ApiResult<Challenge> {
    let org_id = match (caller.role, org_id) {
        (Role::Admin, Some(org)) => state.store.get_org(org).await?.id,
        (Role::Vendor | Role::Admin, None) => caller.org_id.clone(),
        (Role::Vendor, Some(org)) if org == caller.org_id => caller.org_id.clone(),
        (Role::Vendor, Some(_)) => {
            return Err(ApiError::forbidden(
                "failed to make a key challenge: vendors get challenges for their own organisation only",
            ))
        }
        (Role::Reviewer, _) => {
            return Err(ApiError::forbidden(
                "keys are managed by their organisation's vendors or an admin",
            ))
        }
    };
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(ApiError::internal)?;
    use base64::Engine as _;
    let challenge = format!(
        "{CHALLENGE_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    let expires_at = state
        .store
        .create_key_challenge(
            &org_id,
            &crate::ingest::sha256_hex(challenge.as_bytes()),
            chrono::Duration::minutes(CHALLENGE_TTL_MINUTES),
        )
        .await?;
    Ok(Challenge {
        challenge,
        org_id,
        expires_at,
    })
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

/// Registers a public key for the caller's organisation (a vendor, checked by the caller), with
/// its proof of possession.
/// Returns the key and whether it is new.
pub async fn register(
    state: &AppState,
    caller: &Caller,
    proven: Proven<'_>,
    label: &str,
) -> ApiResult<(SigningKey, bool)> {
    let (keyid, pem, challenge) = verify_proof(&caller.org_id, proven)?;
    Ok(state
        .store
        .register_key(
            &caller.org_id,
            &keyid,
            &pem,
            label,
            &challenge,
            &caller.actor(),
        )
        .await?)
}

/// Replaces the active key `keyid` with a new one, proven for the key's organisation, as its
/// organisation's vendor or an admin.
pub async fn rotate(
    state: &AppState,
    caller: &Caller,
    keyid: &str,
    proven: Proven<'_>,
    label: &str,
) -> ApiResult<SigningKey> {
    let old = managed_key(state, caller, keyid).await?;
    let (new_keyid, pem, challenge) = verify_proof(&old.org_id, proven)?;
    Ok(state
        .store
        .rotate_key(keyid, &new_keyid, &pem, label, &challenge, &caller.actor())
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
