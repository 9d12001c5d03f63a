//! A cookie-keeping client for the web portal's HTTP-level tests: requests go through the real
//! router (`server::app`) in process, cookies are kept like a browser keeps them, forms are
//! submitted with the CSRF token of the page they came from; plus the automated accessibility
//! checks every page must pass (language, one h1, landmarks, labelled controls).
#![allow(dead_code)]

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{HeaderMap, Method, Request, StatusCode};
use http_body_util::BodyExt as _;
use mxcert_registry::state::AppState;
use tower::ServiceExt as _;

/// A page as received.
#[derive(Debug, Clone)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Every `Set-Cookie` header.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect()
    }

    /// The `Set-Cookie` for `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.set_cookies()
            .into_iter()
            .find(|c| c.starts_with(&format!("{name}=")))
    }

    /// The value of the first hidden `csrf` field.
    pub fn csrf(&self) -> String {
        tags(&self.body)
            .into_iter()
            .find(|t| t.name == "input" && t.attr("name") == Some("csrf"))
            .and_then(|t| t.attr("value").map(str::to_owned))
            .unwrap_or_else(|| panic!("no csrf field in page:\n{}", self.body))
    }

    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    /// Asserts the page contains `text`, showing the page when it does not.
    pub fn assert_has(&self, text: &str) {
        assert!(
            self.has(text),
            "expected {text:?} in the page (status {}):\n{}",
            self.status,
            self.body
        );
    }

    pub fn assert_lacks(&self, text: &str) {
        assert!(
            !self.has(text),
            "did not expect {text:?} in the page:\n{}",
            self.body
        );
    }

    pub fn location(&self) -> &str {
        self.header("location")
    }
}

/// A browser-like client: keeps cookies, sends an `Accept-Language`, can claim TLS through a
/// proxy header.
pub struct Client {
    state: AppState,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: Option<String>,
    pub forwarded_https: bool,
    pub origin: Option<String>,
    /// The `Host` header sent (`registro.test` unless set).
    pub host: Option<String>,
}

impl Client {
    pub fn new(state: &AppState) -> Client {
        Client {
            state: state.clone(),
            cookies: BTreeMap::new(),
            accept_language: None,
            forwarded_https: false,
            origin: None,
            host: None,
        }
    }

    pub async fn request(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> Page {
        let mut req = Request::builder()
            .method(method)
            .uri(path)
            .header("host", self.host.as_deref().unwrap_or("registro.test"))
            .header("accept", "text/html,application/xhtml+xml,*/*;q=0.8");
        if let Some(l) = &self.accept_language {
            req = req.header("accept-language", l);
        }
        if self.forwarded_https {
            req = req.header("x-forwarded-proto", "https");
        }
        if let Some(o) = &self.origin {
            req = req.header("origin", o);
        }
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            req = req.header("cookie", c.join("; "));
        }
        let resp = mxcert_registry::server::app(self.state.clone())
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let page = Page {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for c in page.set_cookies() {
            let pair = c.split(';').next().unwrap_or_default();
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            if c.contains("Max-Age=0") || value.is_empty() {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
        page
    }

    pub async fn get(&mut self, path: &str) -> Page {
        self.request(Method::GET, path, None, Vec::new()).await
    }

    /// Posts an urlencoded form exactly as given (no CSRF token added).
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.request(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
        )
        .await
    }

    /// Posts a form with the CSRF token of `from` (the page the form is on).
    pub async fn submit(&mut self, from: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = from.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post_form(path, &all).await
    }

    /// Posts a `multipart/form-data` form with the CSRF token of `from`, text fields and
    /// optionally one file `(field, filename, bytes)`.
    pub async fn submit_multipart(
        &mut self,
        from: &Page,
        path: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> Page {
        let boundary = "----mxcertTestBoundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        let csrf = from.csrf();
        for (name, value) in std::iter::once(("csrf", csrf.as_str())).chain(fields.iter().copied())
        {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, filename, bytes)) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/json\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        self.request(
            Method::POST,
            path,
            Some(&format!("multipart/form-data; boundary={boundary}")),
            body,
        )
        .await
    }

    /// Signs in with `token` through the sign-in form; returns the answer to the POST.
    pub async fn sign_in(&mut self, token: &str) -> Page {
        let form = self.get("/acceder").await;
        assert_eq!(form.status, StatusCode::OK);
        self.submit(&form, "/acceder", &[("token", token)]).await
    }
}

/// One start tag: its name and attributes (values unescaped only for `&amp;` and `&quot;`).
#[derive(Debug, Clone)]
pub struct Tag {
    pub name: String,
    pub attrs: Vec<(String, String)>,
}

impl Tag {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The start tags of an HTML document, in order.
pub fn tags(html: &str) -> Vec<Tag> {
    let mut out = Vec::new();
    let bytes = html.as_bytes();
    let mut i = 0;
    while let Some(off) = html[i..].find('<') {
        let start = i + off + 1;
        let Some(first) = bytes.get(start) else { break };
        if !first.is_ascii_alphabetic() {
            i = start;
            continue;
        }
        let mut j = start;
        while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'-') {
            j += 1;
        }
        let name = html[start..j].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= bytes.len() || bytes[j] == b'>' || bytes[j] == b'/' {
                break;
            }
            let k0 = j;
            while j < bytes.len() && !b"=> \t\n/".contains(&bytes[j]) {
                j += 1;
            }
            let key = html[k0..j].to_ascii_lowercase();
            let mut value = String::new();
            if bytes.get(j) == Some(&b'=') {
                j += 1;
                let quote = bytes.get(j).copied();
                if quote == Some(b'"') || quote == Some(b'\'') {
                    let q = quote.unwrap_or(b'"');
                    let v0 = j + 1;
                    let end = html[v0..].find(q as char).map_or(bytes.len(), |e| v0 + e);
                    value = html[v0..end].to_owned();
                    j = (end + 1).min(bytes.len());
                } else {
                    let v0 = j;
                    while j < bytes.len() && !b"> \t\n".contains(&bytes[j]) {
                        j += 1;
                    }
                    value = html[v0..j].to_owned();
                }
            }
            attrs.push((key, value.replace("&quot;", "\"").replace("&amp;", "&")));
        }
        out.push(Tag { name, attrs });
        i = j.max(start);
    }
    out
}

/// The text between `<tag ...>` and `</tag>` of the first such element, tags stripped.
pub fn text_of(html: &str, tag: &str) -> String {
    let Some(s) = html.find(&format!("<{tag}")) else {
        return String::new();
    };
    let Some(gt) = html[s..].find('>') else {
        return String::new();
    };
    let inner_start = s + gt + 1;
    let end = html[inner_start..]
        .find(&format!("</{tag}>"))
        .map_or(html.len(), |e| inner_start + e);
    strip_tags(&html[inner_start..end])
}

fn strip_tags(s: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for c in s.chars() {
        match c {
            '<' => inside = true,
            '>' => inside = false,
            c if !inside => out.push(c),
            _ => {}
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The automated accessibility checks: `<html lang>` as expected, a non-empty title, exactly one
/// `h1`, the landmarks (header, nav, main, footer), a skip link to `#main`, every visible form
/// control labelled (a `<label for>`, `aria-label` or `aria-labelledby`), every image with `alt`.
pub fn check_accessibility(page: &Page, lang: &str) {
    let all = tags(&page.body);
    let html = all
        .iter()
        .find(|t| t.name == "html")
        .expect("an html element");
    assert_eq!(html.attr("lang"), Some(lang), "html lang");
    assert!(!text_of(&page.body, "title").is_empty(), "empty <title>");
    let h1 = all.iter().filter(|t| t.name == "h1").count();
    assert_eq!(h1, 1, "expected one h1, found {h1}:\n{}", page.body);
    for landmark in ["header", "nav", "main", "footer"] {
        assert!(
            all.iter().any(|t| t.name == landmark),
            "no <{landmark}> landmark"
        );
    }
    assert!(
        all.iter()
            .any(|t| t.name == "a" && t.attr("href") == Some("#main")),
        "no skip link to #main"
    );
    assert!(
        all.iter()
            .any(|t| t.name == "main" && t.attr("id") == Some("main")),
        "main has no id=main"
    );
    let labels: Vec<&str> = all
        .iter()
        .filter(|t| t.name == "label")
        .filter_map(|t| t.attr("for"))
        .collect();
    for t in &all {
        let control = match t.name.as_str() {
            "input" => !matches!(
                t.attr("type").unwrap_or("text"),
                "hidden" | "submit" | "button" | "reset"
            ),
            "select" | "textarea" => true,
            _ => false,
        };
        if !control {
            continue;
        }
        let labelled = t.attr("aria-label").is_some_and(|l| !l.trim().is_empty())
            || t.attr("aria-labelledby").is_some()
            || t.attr("id").is_some_and(|id| labels.contains(&id));
        assert!(labelled, "unlabelled form control {t:?}");
    }
    for img in all.iter().filter(|t| t.name == "img") {
        assert!(img.attr("alt").is_some(), "image without alt: {img:?}");
    }
    // Every id is unique (labels and aria references depend on it).
    let mut ids: Vec<&str> = all.iter().filter_map(|t| t.attr("id")).collect();
    ids.sort_unstable();
    let dupes: Vec<&str> = ids
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .collect();
    assert!(dupes.is_empty(), "duplicate ids in the page: {dupes:?}");
}
