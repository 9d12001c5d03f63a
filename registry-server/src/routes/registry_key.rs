//! `GET /api/v1/registry-key`: the public key that verifies certificates and revocations, as PEM
//! (or JSON `{keyid, public_key_pem}` when the client asks for `application/json`).

use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::Json;

use crate::state::AppState;

pub async fn get_key(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let wants_json = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    let key = &state.registry_key;
    if wants_json {
        Json(serde_json::json!({ "keyid": key.keyid, "public_key_pem": key.public_key_pem }))
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
