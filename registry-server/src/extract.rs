//! Request extractors that turn every rejection into an [`ApiError`] (axum's own answer plain
//! text): JSON bodies, raw bodies, query strings and path segments.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Reads the whole body, mapping "too large" to 413 and other failures to 400.
async fn body_bytes(req: Request, state: &AppState) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(state.config.max_body_bytes)
        } else {
            ApiError::bad_request(
                "malformed_body",
                format!("failed to read the body: {rejection}"),
            )
        }
    })
}

/// Parses JSON, naming the path of the first field that does not fit. Text with a NUL character
/// (`\u0000`) is refused: PostgreSQL can neither store nor compare it (a 500 otherwise), and no
/// field has a use for it.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let value = mxcert_core::format::from_json(bytes)
        .map_err(|e| ApiError::bad_request("malformed_body", format!("invalid JSON body: {e}")))?;
    if has_escaped_nul(bytes) {
        let field = serde_json::from_slice::<serde_json::Value>(bytes)
            .ok()
            .and_then(|v| nul_path(&v))
            .unwrap_or_else(|| "the body".to_owned());
        return Err(ApiError::bad_request(
            "invalid_field",
            format!("{field} must not contain control characters such as NUL (\\u0000)"),
        ));
    }
    Ok(value)
}

/// Where in `value` a key or string holds a NUL: `name`, `a.b`, `list[2]`, or `the body`.
pub(crate) fn nul_path(value: &serde_json::Value) -> Option<String> {
    fn walk(value: &serde_json::Value, path: &str) -> Option<String> {
        match value {
            serde_json::Value::String(s) if s.contains('\0') => Some(path.to_owned()),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, v)| walk(v, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, v)| {
                let here = if path.is_empty() {
                    k.escape_debug().to_string()
                } else {
                    format!("{path}.{}", k.escape_debug())
                };
                if k.contains('\0') {
                    Some(here)
                } else {
                    walk(v, &here)
                }
            }),
            _ => None,
        }
    }
    walk(value, "").map(|p| {
        if p.is_empty() {
            "the body".to_owned()
        } else {
            p
        }
    })
}

/// Whether valid JSON has a `\u0000` escape (a backslash only occurs in strings, where it starts
/// an escape of the next character).
fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json.get(i + 1..i + 6) == Some(b"u0000".as_slice()) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

/// Whether a path or query string decodes to a NUL character (`%00`; a URI cannot hold one as is).
fn has_encoded_nul(text: &str) -> bool {
    text.contains("%00")
}

/// The raw request body.
#[derive(Debug)]
pub struct RawBody(pub Bytes);

impl FromRequest<AppState> for RawBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(RawBody(body_bytes(req, state).await?))
    }
}

/// A JSON body (any content type is accepted; the bytes must be JSON of the expected shape).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        Ok(Json(parse_json(&bytes)?))
    }
}

/// An optional JSON body: an empty body or `null` is `None`.
#[derive(Debug)]
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned> FromRequest<AppState> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let bytes = body_bytes(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(OptionalJson(None));
        }
        // `null` counts as no body too.
        Ok(OptionalJson(parse_json::<Option<T>>(&bytes)?))
    }
}

/// A query string.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for Query<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        if has_encoded_nul(parts.uri.query().unwrap_or_default()) {
            return Err(ApiError::bad_request(
                "malformed_query",
                "the query must not contain NUL characters (%00)",
            ));
        }
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|q| Query(q.0))
            .map_err(|e| ApiError::bad_request("malformed_query", e.body_text()))
    }
}

/// Path parameters.
#[derive(Debug)]
pub struct Path<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for Path<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if has_encoded_nul(parts.uri.path()) {
            return Err(ApiError::bad_request(
                "malformed_path",
                "the path must not contain NUL characters (%00)",
            ));
        }
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Path(p.0))
            .map_err(|e| ApiError::bad_request("malformed_path", e.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_escapes_are_found_in_strings_and_keys_but_not_escaped_backslashes() {
        assert!(has_escaped_nul(br#"{"name":"a\u0000b"}"#));
        assert!(has_escaped_nul(br#"{"a\u0000":1}"#));
        assert!(!has_escaped_nul(br#"{"name":"a\\u0000b"}"#));
        assert!(!has_escaped_nul(br#"{"name":"a\u0001b"}"#));
        assert!(has_escaped_nul(br#"{"name":"\\\u0000"}"#));
        let v: serde_json::Value =
            serde_json::from_str(r#"{"a":{"b":["x","y\u0000"]},"c":"z"}"#).unwrap();
        assert_eq!(nul_path(&v).as_deref(), Some("a.b[1]"));
    }
}
