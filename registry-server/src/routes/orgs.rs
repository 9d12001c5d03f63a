//! `/api/v1/orgs` and `/api/v1/members`: organisations and their members (admins only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use crate::auth::Admin;
use crate::error::ApiResult;
use crate::extract::{self, Path};
use crate::state::AppState;
use crate::store::{Member, Organisation};
use crate::workflow::members;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub name: String,
}

pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    extract::Json(body): extract::Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    let org = members::create_org(&state.store, &body.name, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

pub async fn list(
    State(state): State<AppState>,
    Admin(_): Admin,
) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(state.store.list_orgs().await?))
}

pub async fn show(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(state.store.get_org(&id).await?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    pub role: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(org_id): Path<String>,
    extract::Json(body): extract::Json<MemberBody>,
) -> ApiResult<(StatusCode, Json<Member>)> {
    let m = members::add(
        &state.store,
        &org_id,
        &body.name,
        body.email.as_deref(),
        &body.role,
        &caller.actor(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(m)))
}

pub async fn members(
    State(state): State<AppState>,
    Admin(_): Admin,
    Path(org_id): Path<String>,
) -> ApiResult<Json<Vec<Member>>> {
    let org = state.store.get_org(&org_id).await?;
    Ok(Json(state.store.list_members(&org.id).await?))
}

pub async fn disable_member(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        members::disable(&state.store, &id, &caller.actor()).await?,
    ))
}
