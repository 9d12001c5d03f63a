//! Certificates: their current status, and revocation by reviewers of another organisation than
//! the certificate's (signed by the registry).

use super::required_text;
use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::CertificateRecord;

/// Refuses a certificate id that is not well-formed (400 `malformed_path`).
pub fn check_id(id: &str) -> ApiResult<()> {
    mxcert_core::certificate::parse_certificate_id(id)
        .map(|_| ())
        .map_err(|e| ApiError::bad_request("malformed_path", e.to_string()))
}

/// A certificate's status now: revoked, expired, or valid.
pub fn current_status(c: &CertificateRecord, now: chrono::DateTime<chrono::Utc>) -> String {
    if c.status == "revoked" {
        "revoked".into()
    } else if crate::store::parse_ts(&c.expires_at).is_ok_and(|e| e <= now) {
        "expired".into()
    } else {
        c.status.clone()
    }
}

/// Whether `caller` may revoke certificate `id`: a reviewer or admin of another organisation than
/// the certificate's (what the portal offers; [`revoke`] enforces it).
pub async fn may_revoke(state: &AppState, caller: &Caller, id: &str) -> ApiResult<bool> {
    if !caller.role.can_review() {
        return Ok(false);
    }
    let cert = state.store.get_certificate(id).await?;
    Ok(super::submissions::may_review(caller, &cert.org_id))
}

/// Revokes a valid certificate with a signed revocation, as `caller` (a reviewer, checked by the
/// caller): the API's `/revoke` and the web portal's revoke button.
pub async fn revoke(
    state: &AppState,
    caller: &Caller,
    id: &str,
    reason: &str,
) -> ApiResult<CertificateRecord> {
    check_id(id)?;
    let cert = state.store.get_certificate(id).await?;
    super::submissions::require_review(caller, &cert.org_id, &format!("revoke certificate {id}"))?;
    let reason = required_text("reason", reason, 10_000)?;
    let key = &state.registry_key;
    let revoked = state
        .store
        .revoke_certificate(id, &reason, &caller.actor(), |c| {
            Ok(key.revoke(c, &reason, chrono::Utc::now()))
        })
        .await?;
    crate::published::raise_log(state.published.as_ref(), &state.store).await;
    state.witnesses.poke();
    Ok(revoked)
}
