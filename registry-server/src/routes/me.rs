//! `GET /api/v1/me`: who the token belongs to (organisation, role, name).

use axum::Json;

use super::openapi::ErrorBody;
use crate::auth::{Auth, Caller};
use crate::error::ApiResult;

/// Who the token belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "me",
    security(("token" = [])),
    responses(
        (status = 200, description = "The token's organisation, role and member", body = Caller),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
    )
)]
pub async fn me(auth: Auth) -> ApiResult<Json<Caller>> {
    Ok(Json(auth.caller()?))
}
