//! API tokens: issuing one (the API's `POST /api/v1/tokens` and `mxcert-registry admin
//! create-token`). The secret is returned once; only its SHA-256 is stored. A member's token may
//! not have a role beyond the member's own (separation of duties).

use serde::Serialize;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::store::{Actor, NewToken, Role, Store, TokenInfo};

/// A new token: the secret, shown once, and its listing.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Makes a token and stores its hash. Refused (409 `role_exceeds_member`) when `member_id` names
/// a member whose role reaches less far than `role`.
pub async fn issue(
    store: &Store,
    org_id: &str,
    role: Role,
    member_id: Option<&str>,
    label: &str,
    expires_in_days: Option<u32>,
    actor: &Actor,
) -> ApiResult<CreatedToken> {
    if let Some(member_id) = member_id {
        let member = store.get_member(member_id).await?;
        if super::members::reach(role) > super::members::reach(member.role) {
            return Err(ApiError::conflict(
                "role_exceeds_member",
                format!(
                    "failed to issue a {} token to member {member_id}: the member's role is {}, \
                     and a token may not exceed it",
                    role.as_str(),
                    member.role.as_str()
                ),
            ));
        }
    }
    let validity = expires_in_days
        .map(|d| crate::config::validity_days("expires_in_days", d))
        .transpose()
        .map_err(|message| ApiError::bad_request("invalid_field", message))?;
    let secret = auth::generate_token().map_err(ApiError::internal)?;
    let expires_at = validity.map(|v| crate::store::ts(chrono::Utc::now() + v));
    let info = store
        .create_token(
            &NewToken {
                org_id,
                member_id,
                role,
                label,
                prefix: &secret.display_prefix,
                sha256: &secret.sha256,
                expires_at,
            },
            actor,
        )
        .await?;
    Ok(CreatedToken {
        token: secret.token,
        info,
    })
}
