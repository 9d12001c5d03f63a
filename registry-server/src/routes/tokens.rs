//! `/api/v1/tokens`: API tokens (admins only; the rules: [`crate::workflow::tokens`]). A new
//! token is in the answer once and never again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::optional_text;
use crate::auth::Admin;
use crate::error::ApiResult;
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::store::TokenInfo;
use crate::workflow::members::parse_role;
use crate::workflow::tokens::{self, CreatedToken};

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

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    extract::Json(body): extract::Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<CreatedToken>)> {
    let role = parse_role(&body.role)?;
    let label = optional_text("label", body.label.as_deref(), 200)?.unwrap_or_default();
    let created = tokens::issue(
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
