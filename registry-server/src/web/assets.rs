//! The portal's own static files, compiled into the binary: one stylesheet, one small script and
//! the icon. Nothing is loaded from another site (no fonts, no CDNs).
//!
//! Pages link them as `/static/NAME?v=HASH` (the first 12 hex digits of the file's SHA-256), so a
//! browser may cache them for a year and still picks up a new release at once. This module must
//! not serve files from disk.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use sha2::{Digest as _, Sha256};

use super::form::PageQuery;
use super::render::PageError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const FILES: [Asset; 3] = [
    Asset {
        name: "mxcert.css",
        content_type: "text/css; charset=utf-8",
        body: include_bytes!("../../static/mxcert.css"),
    },
    Asset {
        name: "mxcert.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_bytes!("../../static/mxcert.js"),
    },
    Asset {
        name: "favicon.svg",
        content_type: "image/svg+xml",
        body: include_bytes!("../../static/favicon.svg"),
    },
];

/// Each file's version: the first 12 hex digits of its SHA-256.
static VERSIONS: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|a| hex::encode(Sha256::digest(a.body))[..12].to_owned())
        .collect()
});

fn find(name: &str) -> Option<(usize, &'static Asset)> {
    FILES.iter().enumerate().find(|(_, a)| a.name == name)
}

/// The versioned URL of an asset (`/static/mxcert.css?v=...`); unknown names get a plain URL
/// (which answers 404, caught by the tests).
pub fn url(name: &str) -> String {
    match find(name) {
        Some((i, _)) => format!("/static/{name}?v={}", VERSIONS[i]),
        None => format!("/static/{name}"),
    }
}

#[derive(Debug, serde::Deserialize)]
pub struct Version {
    v: Option<String>,
}

/// `GET /static/{name}`.
pub async fn serve(
    Path(name): Path<String>,
    PageQuery(version): PageQuery<Version>,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let (i, asset) = find(&name).ok_or_else(PageError::not_found)?;
    let current = &VERSIONS[i];
    let etag = format!("\"{current}\"");
    let cache = if version.v.as_deref() == Some(current.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, max-age=300"
    };
    let mut response = if headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag))
    {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(asset.content_type));
    h.insert(CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(ETAG, v);
    }
    Ok(response)
}
