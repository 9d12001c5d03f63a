//! `/api/v1/tokens`: API tokens (admins only). A new token is in the answer once and never again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};

use super::optional_text;
use super::orgs::parse_role;
use crate::auth::{self, Admin};
use crate::error::{ApiError, ApiResult};
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::store::{Actor, NewToken, Role, Store, TokenInfo};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub org_id: String,
    pub role: String,
    #[serde(default)]
    pub member_id: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Days until the token expires (1 to 36500); none means it does not expire.
    #[serde(default)]
    pub expires_in_days: Option<u32>,
}

/// A new token: the secret, shown once, and its listing.
#[derive(Debug, Serialize)]
pub struct CreatedToken {
    pub token: String,
    #[serde(flatten)]
    pub info: TokenInfo,
}

/// Makes a token and stores its hash (shared by the API and `mxcert-registry admin create-token`).
pub async fn issue(
    store: &Store,
    org_id: &str,
    role: Role,
    member_id: Option<&str>,
    label: &str,
    expires_in_days: Option<u32>,
    actor: &Actor,
) -> ApiResult<CreatedToken> {
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

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    extract::Json(body): extract::Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let role = parse_role(&body.role)?;
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let created = issue(
        &state.store,
        &body.org_id,
        role,
        body.member_id.as_deref(),
        &label,
        body.expires_in_days,
        &caller.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(created)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub org: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.list_tokens(q.org.as_deref()).await?))
}

pub async fn revoke(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    Ok(Json(state.store.revoke_token(&id, &caller.actor()).await?))
}
