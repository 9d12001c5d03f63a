//! `GET /api/v1/me`: who the token belongs to (organisation, role, name).

use axum::Json;
use serde_json::{json, Value};

use crate::auth::Auth;
use crate::error::ApiResult;

pub async fn me(auth: Auth) -> ApiResult<Json<Value>> {
    let c = auth.caller()?;
    Ok(Json(json!({
        "token_id": c.token_id,
        "org_id": c.org_id,
        "org_name": c.org_name,
        "role": c.role,
        "member_id": c.member_id,
        "name": c.name,
    })))
}
