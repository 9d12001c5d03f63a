//! Garbage in, no 5xx out: thousands of generated requests (random and mutated bodies, odd paths
//! and queries, bad tokens) against every route. Every answer must be below 500, and every error
//! must be the JSON error shape. The generator is seeded, so a failure names a reproducible case.

mod common;

use axum::http::{Method, StatusCode};
use common::{report, sign, Registry, ReportSpec};
use serde_json::Value;

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Each route with the method it serves.
const PATHS: &[(Method, &str)] = &[
    (Method::GET, "/healthz"),
    (Method::GET, "/api/v1/registry-key"),
    (Method::GET, "/api/v1/me"),
    (Method::POST, "/api/v1/keys"),
    (Method::GET, "/api/v1/keys"),
    (Method::POST, "/api/v1/keys/{x}/rotate"),
    (Method::POST, "/api/v1/keys/{x}/revoke"),
    (Method::POST, "/api/v1/submissions"),
    (Method::GET, "/api/v1/submissions"),
    (Method::GET, "/api/v1/submissions/{x}"),
    (Method::GET, "/api/v1/submissions/{x}/envelope"),
    (Method::GET, "/api/v1/submissions/{x}/diff"),
    (Method::GET, "/api/v1/submissions/{x}/history"),
    (Method::POST, "/api/v1/submissions/{x}/comments"),
    (Method::POST, "/api/v1/submissions/{x}/approve"),
    (Method::POST, "/api/v1/submissions/{x}/reject"),
    (Method::POST, "/api/v1/submissions/{x}/withdraw"),
    (Method::GET, "/api/v1/certified"),
    (Method::GET, "/api/v1/certificates/{x}"),
    (Method::GET, "/api/v1/certificates/{x}/envelope"),
    (Method::GET, "/api/v1/certificates/{x}/revocation"),
    (Method::POST, "/api/v1/certificates/{x}/revoke"),
    (Method::GET, "/api/v1/certificate-events"),
    (Method::POST, "/api/v1/orgs"),
    (Method::GET, "/api/v1/orgs"),
    (Method::GET, "/api/v1/orgs/{x}"),
    (Method::POST, "/api/v1/orgs/{x}/members"),
    (Method::GET, "/api/v1/orgs/{x}/members"),
    (Method::POST, "/api/v1/members/{x}/disable"),
    (Method::POST, "/api/v1/tokens"),
    (Method::GET, "/api/v1/tokens"),
    (Method::POST, "/api/v1/tokens/{x}/revoke"),
    (Method::GET, "/api/v1/audit"),
    (Method::GET, "/api/v1/{x}"),
    (Method::GET, "/{x}"),
];

const SEGMENTS: &[&str] = &[
    "MX-2026-000001",
    "MX-9999-99999999999",
    "MX-",
    "%00",
    "%ff%fe",
    "..",
    "%2e%2e%2f",
    "ñandú",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "0",
    "-1",
    "18446744073709551616",
    "%",
    "a%zz",
    "null",
    "01939d4e-0000-7000-8000-000000000000",
];

const QUERIES: &[&str] = &[
    "",
    "?limit=-5",
    "?limit=99999999999999999999",
    "?offset=-1",
    "?offset=9223372036854775807",
    "?status=in_review",
    "?status=%00",
    "?after=abc",
    "?after=-9223372036854775808",
    "?org=x&org=y",
    "?limit",
    "?=&&=",
    "?subject_kind=submission&subject_id=%ff",
    "?unknown=1",
];

const METHODS: &[Method] = &[
    Method::GET,
    Method::POST,
    Method::PUT,
    Method::DELETE,
    Method::PATCH,
];

fn json_garbage(rng: &mut Rng, depth: u32) -> Value {
    match rng.below(if depth > 3 { 5 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.below(2) == 0),
        2 => Value::from(rng.next() as i64),
        3 => Value::from(f64::from(rng.below(1000) as u32) / 7.0),
        4 => Value::String(rng.pick(SEGMENTS).to_string()),
        5 => Value::Array(
            (0..rng.below(4))
                .map(|_| json_garbage(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "reason",
                "comment",
                "name",
                "role",
                "org_id",
                "public_key_pem",
                "payloadType",
                "payload",
                "signatures",
                "label",
                "expires_in_days",
                "member_id",
            ];
            Value::Object(
                (0..rng.below(5))
                    .map(|_| (rng.pick(&keys).to_string(), json_garbage(rng, depth + 1)))
                    .collect(),
            )
        }
    }
}

fn mutate(rng: &mut Rng, bytes: &[u8]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for _ in 0..1 + rng.below(8) {
        if out.is_empty() {
            break;
        }
        let i = rng.below(out.len());
        match rng.below(4) {
            0 => out[i] = rng.next() as u8,
            1 => out.truncate(i),
            2 => {
                out.remove(i);
            }
            _ => out.insert(i, *rng.pick(b"{}[]\",:\\0aZ=+/")),
        }
    }
    out
}

#[tokio::test]
async fn no_input_gives_a_server_error() {
    // No rate limit here: it would hide the handlers behind 429s.
    let r = Registry::with_config("sqlite", |c| c.auth_failures_per_window = u32::MAX).await;
    let id = r.submit_ok("21HM").await;
    let good = sign(&report(ReportSpec::default()), &r.key_a);
    let tokens: Vec<Option<String>> = vec![
        None,
        Some(r.vendor_a.clone()),
        Some(r.reviewer.clone()),
        Some(r.admin.clone()),
        Some("mxr_".into()),
        Some("Basic Zm9vOmJhcg==".into()),
        Some("mxr_\u{00e9}\u{00f1}".into()),
    ];
    let mut rng = Rng(0x6d78_6365_7274_2121);
    let mut failures = Vec::new();
    let mut seen = std::collections::BTreeMap::<u16, u32>::new();
    for case in 0..2500 {
        // One case in four goes to the ingest path as a vendor, where most of the parsing is.
        let ingest = rng.below(4) == 0;
        let (route_method, route) = if ingest {
            (Method::POST, "/api/v1/submissions")
        } else {
            rng.pick(PATHS).clone()
        };
        // Mostly the route's own method, sometimes any other.
        let method = if rng.below(10) == 0 {
            rng.pick(METHODS).clone()
        } else {
            route_method
        };
        let segment = if rng.below(3) == 0 {
            id.clone()
        } else {
            rng.pick(SEGMENTS).to_string()
        };
        let path = format!("{}{}", route.replace("{x}", &segment), rng.pick(QUERIES));
        let body: Vec<u8> = match rng.below(6) {
            0 => Vec::new(),
            5 => {
                // A well-formed envelope with one field replaced or mutated.
                let mut env: Value = serde_json::from_slice(&good).unwrap();
                let field = *rng.pick(&["payloadType", "payload", "signatures"]);
                env[field] = if rng.below(2) == 0 {
                    json_garbage(&mut rng, 0)
                } else {
                    let text = env[field].to_string();
                    Value::String(
                        String::from_utf8_lossy(&mutate(&mut rng, text.as_bytes())).into_owned(),
                    )
                };
                env.to_string().into_bytes()
            }
            1 => json_garbage(&mut rng, 0).to_string().into_bytes(),
            2 => mutate(&mut rng, &good),
            3 => (0..rng.below(300)).map(|_| rng.next() as u8).collect(),
            _ => good.clone(),
        };
        let token = if ingest {
            Some(r.vendor_a.clone())
        } else {
            rng.pick(&tokens).clone()
        };
        let uri_ok = path.parse::<axum::http::Uri>().is_ok();
        if !uri_ok {
            continue;
        }
        let (status, bytes) = r
            .call_raw(method.clone(), &path, token.as_deref(), body)
            .await;
        *seen.entry(status.as_u16()).or_default() += 1;
        let shape_ok = status.is_success()
            || serde_json::from_slice::<Value>(&bytes)
                .ok()
                .is_some_and(|v| {
                    v["error"]["code"].is_string() && v["error"]["message"].is_string()
                });
        if status.is_server_error() || !shape_ok {
            failures.push(format!(
                "case {case}: {method} {path} -> {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    eprintln!("statuses seen: {seen:?}");
    // The generator reaches the handlers, not just the router's edges.
    for status in [200, 201, 400, 401, 403, 404, 405, 422] {
        assert!(seen.contains_key(&status), "no {status} among {seen:?}");
    }
    // The registry still works afterwards.
    assert_eq!(
        r.get(&format!("/api/v1/submissions/{id}"), Some(&r.vendor_a))
            .await
            .0,
        StatusCode::OK
    );
}

/// Issue 13, item 4: thousands of requests with invented method names and random paths must not
/// grow `/metrics`: only the standard methods (anything else is `other`) and route patterns (an
/// unmatched path is `unmatched`) become labels.
#[tokio::test]
async fn invented_methods_and_paths_do_not_grow_the_metrics() {
    let r = Registry::new("sqlite").await;
    let app = mxcert_registry::server::app(r.state.clone());
    let mut rng = Rng(0x6d65_7472_6963_7321);
    let mut invented = Vec::new();
    for i in 0..3000 {
        let name: String = (0..8 + rng.below(8))
            .map(|_| char::from(*rng.pick(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ")))
            .collect();
        let method = if i % 2 == 0 {
            Method::from_bytes(name.as_bytes()).unwrap()
        } else {
            rng.pick(METHODS).clone()
        };
        let path = format!("/zz{}/{}", rng.next(), rng.pick(SEGMENTS))
            .replace(['%', ' ', '<', '>', '\'', 'ñ', 'ú'], "x");
        let req = axum::http::Request::builder()
            .method(method)
            .uri(&path)
            .body(axum::body::Body::empty())
            .unwrap();
        let resp = tower::ServiceExt::oneshot(app.clone(), req).await.unwrap();
        assert!(!resp.status().is_server_error(), "{path}");
        invented.push(name);
        invented.push(path);
    }
    let (status, text) = r.get("/metrics", None).await;
    assert_eq!(status, axum::http::StatusCode::OK);
    let text = text.as_str().unwrap();
    eprintln!("/metrics: {} bytes after 3000 requests", text.len());
    // A few dozen series of a fresh registry, whatever the requests were.
    assert!(text.len() < 40_000, "/metrics grew to {} bytes", text.len());
    for word in &invented {
        assert!(!text.contains(word.as_str()), "{word:?} became a label");
    }
    let methods: std::collections::BTreeSet<&str> = text
        .split("method=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    let allowed = [
        "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other",
    ];
    assert!(methods.iter().all(|m| allowed.contains(m)), "{methods:?}");
    assert!(methods.contains("other"), "{methods:?}");
    assert!(text.contains("route=\"unmatched\""), "{text}");
}

/// Issue 13, item 13: numbers at the edges of their types are a 400 naming the field, or are
/// clamped, never an overflow (a 500): a token's `expires_in_days`, lists' `limit` and `offset`,
/// pages; and the longest validity allowed still issues certificates and tokens.
#[tokio::test]
async fn numbers_at_their_limits_are_refused_or_clamped_not_overflowed() {
    for kind in common::database_kinds() {
        let r = Registry::with_config(kind, |c| {
            c.certificate_validity =
                chrono::Duration::days(i64::from(mxcert_registry::config::MAX_VALIDITY_DAYS));
        })
        .await;
        let create = |days: u64| {
            r.post(
                "/api/v1/tokens",
                Some(&r.admin),
                serde_json::json!({"org_id": r.org_a, "role": "vendor", "expires_in_days": days}),
            )
        };
        for days in [u64::from(u32::MAX), 36_501, 0] {
            let (status, body) = create(days).await;
            assert_eq!(status.as_u16(), 400, "{kind} {days}: {body}");
            assert_eq!(body["error"]["code"], "invalid_field");
            assert_eq!(
                body["error"]["message"],
                format!("expires_in_days must be between 1 and 36500 days, not {days}")
            );
        }
        // Beyond u32: refused by the body's parser.
        for days in [u64::from(u32::MAX) + 1, u64::MAX] {
            let (status, body) = create(days).await;
            assert_eq!(status.as_u16(), 400, "{kind} {days}: {body}");
        }
        let (status, body) = create(36_500).await;
        assert_eq!(status.as_u16(), 201, "{kind}: {body}");
        assert!(
            body["expires_at"].as_str().unwrap().starts_with("21"),
            "{body}"
        );

        // The longest certificate validity issues a certificate.
        let id = r.submit_ok("21HM").await;
        r.approve(&id).await;

        let extremes = [
            "limit=9223372036854775807&offset=9223372036854775807",
            "limit=-9223372036854775808&offset=-9223372036854775808",
            "limit=0&offset=-1",
            "limit=99999999999999999999",
        ];
        for path in ["/api/v1/certified", "/api/v1/submissions"] {
            for q in extremes {
                let (status, body) = r.get(&format!("{path}?{q}"), Some(&r.admin)).await;
                assert!(
                    status.as_u16() == 200 || status.as_u16() == 400,
                    "{kind} {path}?{q}: {status} {body}"
                );
            }
        }
        for path in [
            "/api/v1/systems?page=4294967295&per_page=100",
            "/api/v1/devices/pci/8086:a7a1?page=4294967295&per_page=100",
            "/api/v1/audit?after=9223372036854775807",
            "/api/v1/certificate-events?after=-9223372036854775808",
            "/sistemas?page=99999999999999999999",
            "/sistemas?page=4294967295",
        ] {
            let (status, body) = r.get(path, Some(&r.admin)).await;
            assert!(!status.is_server_error(), "{kind} {path}: {status} {body}");
        }
        r.db.cleanup().await;
    }
}
