//! API tokens: issuing one (the API's `POST /api/v1/tokens` and `mxcert-registry admin
//! create-token`). The secret is returned once; only its SHA-256 is stored.

use serde::Serialize;

use crate::auth;
use crate::error::{ApiError, ApiResult};
use crate::store::{Actor, NewToken, Role, Store, TokenInfo};

/// A new token: the secret, shown once, and its listing.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Makes a token and stores its hash.
pub async fn issue(
    store: &Store,
    org_id: &str,
    role: Role,
    member_id: Option<&str>,
    label: &str,
    expires_in_days: Option<u32>,
    actor: &Actor,
) -> ApiResult<CreatedToken> {
    let secret = auth::generate_token().map_err(ApiError::internal)?;
    let expires_at = expires_in_days
        .map(|d| crate::store::ts(chrono::Utc::now() + chrono::Duration::days(i64::from(d))));
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
