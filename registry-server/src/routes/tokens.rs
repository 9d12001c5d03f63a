//! `/api/v1/tokens`: API tokens (admins only; the rules: [`crate::workflow::tokens`]). A new
//! token is in the answer once and never again.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::openapi::ErrorBody;
use super::optional_text;
use crate::auth::Admin;
use crate::error::ApiResult;
use crate::extract::{self, Path, Query};
use crate::state::AppState;
use crate::store::{Role, TokenInfo};
use crate::workflow::members::parse_role;
use crate::workflow::tokens::{self, CreatedToken};

/// A new token.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = TokenBody)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub org_id: String,
    /// At most the member's role when `member_id` is given.
    #[schema(value_type = Role)]
    pub role: String,
    #[serde(default)]
    pub member_id: Option<String>,
    #[serde(default)]
    pub label: Option<String>,
    /// Days until the token expires (1 to 36500); none means it does not expire.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 36500)]
    pub expires_in_days: Option<u32>,
}

/// Issues a token; the secret is in this answer and never again.
#[utoipa::path(
    post,
    path = "/api/v1/tokens",
    operation_id = "create_token",
    tag = "tokens",
    request_body = CreateBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "The new token, shown once", body = CreatedToken),
        (status = 400, description = "Malformed body, invalid role, label or expiry (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation or member (`not_found`)", body = ErrorBody),
        (status = 409, description = "A role beyond the member's, or refused by the store (`role_exceeds_member`, `conflict`, `invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    #[serde(default)]
    pub org: Option<String>,
}

/// Tokens (never their secrets), of one organisation with `org`.
#[utoipa::path(
    get,
    path = "/api/v1/tokens",
    operation_id = "list_tokens",
    tag = "tokens",
    params(ListQuery),
    security(("token" = [])),
    responses(
        (status = 200, description = "The tokens", body = Vec<TokenInfo>),
        (status = 400, description = "Malformed query (`malformed_query`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Vec<TokenInfo>>> {
    Ok(Json(state.store.list_tokens(q.org.as_deref()).await?))
}

/// Revokes a token.
#[utoipa::path(
    post,
    path = "/api/v1/tokens/{id}/revoke",
    operation_id = "revoke_token",
    tag = "tokens",
    params(("id" = String, Path, description = "The token's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Revoked", body = TokenInfo),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such token (`not_found`)", body = ErrorBody),
        (status = 409, description = "Already revoked (`invalid_state`)", body = ErrorBody),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<TokenInfo>> {
    Ok(Json(state.store.revoke_token(&id, &caller.actor()).await?))
}
