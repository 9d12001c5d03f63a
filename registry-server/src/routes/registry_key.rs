//! `GET /api/v1/registry-key`: the public key that verifies certificates and revocations, as PEM
//! (or JSON `{keyid, public_key_pem}` when the client asks for `application/json`).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::state::AppState;

/// The registry's key as JSON.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RegistryKey {
    pub keyid: String,
    pub public_key_pem: String,
}

/// The public key that verifies certificates and revocations.
#[utoipa::path(
    get,
    path = "/api/v1/registry-key",
    operation_id = "registry_key",
    tag = "certificates",
    responses(
        (status = 200, description = "The key: PEM, or JSON when `Accept` names `application/json`", content(
            (String = "application/x-pem-file"),
            (RegistryKey = "application/json"),
        )),
    )
)]
pub async fn get_key(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let key = &state.registry_key;
    if wants_json {
        Json(RegistryKey {
            keyid: key.keyid.clone(),
            public_key_pem: key.public_key_pem.clone(),
        })
        .into_response()
    } else {
        (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/x-pem-file"),
            )],
            key.public_key_pem.clone(),
        )
            .into_response()
    }
}
