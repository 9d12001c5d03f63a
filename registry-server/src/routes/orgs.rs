//! `/api/v1/orgs` and `/api/v1/members`: organisations and their members (admins only).

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;

use super::openapi::ErrorBody;
use crate::auth::Admin;
use crate::error::ApiResult;
use crate::extract::{self, Path};
use crate::state::AppState;
use crate::store::{Member, Organisation, Role};
use crate::workflow::members;

/// A new organisation.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = OrgBody)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub name: String,
}

/// Creates an organisation.
#[utoipa::path(
    post,
    path = "/api/v1/orgs",
    operation_id = "create_org",
    tag = "orgs",
    request_body = CreateBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "Created", body = Organisation),
        (status = 400, description = "Malformed body or invalid name (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "The name or its slug is taken (`conflict`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    Admin(caller): Admin,
    extract::Json(body): extract::Json<CreateBody>,
) -> ApiResult<(StatusCode, Json<Organisation>)> {
    let org = members::create_org(&state.store, &body.name, &caller.actor()).await?;
    Ok((StatusCode::CREATED, Json(org)))
}

/// Every organisation.
#[utoipa::path(
    get,
    path = "/api/v1/orgs",
    operation_id = "list_orgs",
    tag = "orgs",
    security(("token" = [])),
    responses(
        (status = 200, description = "The organisations", body = Vec<Organisation>),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    _admin: Admin,
) -> ApiResult<Json<Vec<Organisation>>> {
    Ok(Json(state.store.list_orgs().await?))
}

/// One organisation.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{id}",
    operation_id = "show_org",
    tag = "orgs",
    params(("id" = String, Path, description = "The organisation's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The organisation", body = Organisation),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
    )
)]
pub async fn show(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Organisation>> {
    Ok(Json(state.store.get_org(&id).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberBody {
    pub name: String,
    #[serde(default)]
    pub email: Option<String>,
    /// `admin`, `reviewer` or `vendor`.
    #[schema(value_type = Role)]
    pub role: String,
}

/// Adds a member to an organisation.
#[utoipa::path(
    post,
    path = "/api/v1/orgs/{id}/members",
    operation_id = "add_member",
    tag = "orgs",
    params(("id" = String, Path, description = "The organisation's id")),
    request_body = MemberBody,
    security(("token" = [])),
    responses(
        (status = 201, description = "Added", body = Member),
        (status = 400, description = "Malformed body, invalid name, email or role (`malformed_body`, `invalid_field`)", body = ErrorBody),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
        (status = 409, description = "Refused by the store (`conflict`, `invalid_state`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`too_large`)", body = ErrorBody),
    )
)]
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

/// An organisation's members.
#[utoipa::path(
    get,
    path = "/api/v1/orgs/{id}/members",
    operation_id = "list_members",
    tag = "orgs",
    params(("id" = String, Path, description = "The organisation's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "The members", body = Vec<Member>),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such organisation (`not_found`)", body = ErrorBody),
    )
)]
pub async fn members(
    State(state): State<AppState>,
    _admin: Admin,
    Path(org_id): Path<String>,
) -> ApiResult<Json<Vec<Member>>> {
    let org = state.store.get_org(&org_id).await?;
    Ok(Json(state.store.list_members(&org.id).await?))
}

/// Disables a member (their tokens stop working).
#[utoipa::path(
    post,
    path = "/api/v1/members/{id}/disable",
    operation_id = "disable_member",
    tag = "orgs",
    params(("id" = String, Path, description = "The member's id")),
    security(("token" = [])),
    responses(
        (status = 200, description = "Disabled", body = Member),
        (status = 401, description = "No token, or an invalid one (`unauthenticated`)", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such member (`not_found`)", body = ErrorBody),
        (status = 409, description = "Refused by the store (`conflict`, `invalid_state`)", body = ErrorBody),
    )
)]
pub async fn disable_member(
    State(state): State<AppState>,
    Admin(caller): Admin,
    Path(id): Path<String>,
) -> ApiResult<Json<Member>> {
    Ok(Json(
        members::disable(&state.store, &id, &caller.actor()).await?,
    ))
}
