//! The authorisation matrix: every workflow endpoint, called by the public, vendor A, vendor B (another
//! organisation), a reviewer and an admin, answers the expected status. Each call gets fresh
//! resources (a new submission, key, token, ...) so that one call's effect cannot change another's.

mod common;

use axum::http::{Method, StatusCode};
use common::{report, sign, Registry, ReportSpec};
use mxcert_core::keys::SigningKey;
use serde_json::{json, Value};

const WHO: [&str; 5] = ["public", "vendor A", "vendor B", "reviewer", "admin"];

/// A key nobody has registered yet.
fn fresh_key(n: u32) -> SigningKey {
    let mut seed = [0u8; 32];
    seed[..4].copy_from_slice(&n.to_le_bytes());
    seed[31] = 0xaa;
    SigningKey::from_bytes(&seed)
}

struct Fixture {
    r: Registry,
    n: std::cell::Cell<u32>,
}

impl Fixture {
    fn next(&self) -> u32 {
        self.n.set(self.n.get() + 1);
        self.n.get()
    }

    async fn approved_certificate(&self) -> String {
        let id = self.r.submit_ok("21HM").await;
        let (status, body) = self
            .r
            .post(
                &format!("/api/v1/submissions/{id}/approve"),
                Some(&self.r.reviewer),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["certificate_id"].as_str().unwrap().to_owned()
    }

    async fn vendor_a_key(&self) -> String {
        let key = fresh_key(self.next());
        let (status, body) = self.r.register_key(&self.r.vendor_a, &key).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["keyid"].as_str().unwrap().to_owned()
    }

    /// The request for one endpoint, with fresh resources, as caller `who` (an index of [`WHO`]).
    async fn request(&self, endpoint: &str, who: usize) -> (Method, String, Value) {
        let r = &self.r;
        let sub = |id: &str, rest: &str| format!("/api/v1/submissions/{id}{rest}");
        match endpoint {
            "GET me" => (Method::GET, "/api/v1/me".into(), Value::Null),
            "POST keys/challenge" => (Method::POST, "/api/v1/keys/challenge".into(), Value::Null),
            "POST keys" => {
                // Proven for the caller's organisation when it is a vendor's.
                let key = fresh_key(self.next());
                let token = if who == 2 { &r.vendor_b } else { &r.vendor_a };
                (
                    Method::POST,
                    "/api/v1/keys".into(),
                    r.proven_key(token, &key).await,
                )
            }
            "GET keys" => (Method::GET, "/api/v1/keys".into(), Value::Null),
            "POST keys/rotate" => {
                let keyid = self.vendor_a_key().await;
                let key = fresh_key(self.next());
                (
                    Method::POST,
                    format!("/api/v1/keys/{keyid}/rotate"),
                    r.proven_key(&r.vendor_a, &key).await,
                )
            }
            "POST keys/revoke" => {
                let keyid = self.vendor_a_key().await;
                (
                    Method::POST,
                    format!("/api/v1/keys/{keyid}/revoke"),
                    json!({ "reason": "test" }),
                )
            }
            "POST submissions" => {
                let envelope = sign(&report(ReportSpec::default()), &r.key_a);
                let body: Value = serde_json::from_slice(&envelope).unwrap();
                (Method::POST, "/api/v1/submissions".into(), body)
            }
            "GET submissions" => (Method::GET, "/api/v1/submissions".into(), Value::Null),
            "GET submission" => (
                Method::GET,
                sub(&r.submit_ok("21HM").await, ""),
                Value::Null,
            ),
            "GET submission/envelope" => (
                Method::GET,
                sub(&r.submit_ok("21HM").await, "/envelope"),
                Value::Null,
            ),
            "GET submission/history" => (
                Method::GET,
                sub(&r.submit_ok("21HM").await, "/history"),
                Value::Null,
            ),
            "GET submission/diff" => {
                r.submit_ok("21HM").await;
                (
                    Method::GET,
                    sub(&r.submit_ok("21HM").await, "/diff"),
                    Value::Null,
                )
            }
            "POST submission/comments" => (
                Method::POST,
                sub(&r.submit_ok("21HM").await, "/comments"),
                json!({ "comment": "hola" }),
            ),
            "POST submission/approve" => (
                Method::POST,
                sub(&r.submit_ok("21HM").await, "/approve"),
                json!({}),
            ),
            "POST submission/reject" => (
                Method::POST,
                sub(&r.submit_ok("21HM").await, "/reject"),
                json!({ "reason": "no" }),
            ),
            "POST submission/withdraw" => (
                Method::POST,
                sub(&r.submit_ok("21HM").await, "/withdraw"),
                json!({}),
            ),
            "GET certified" => (Method::GET, "/api/v1/certified".into(), Value::Null),
            "GET certificate" => (
                Method::GET,
                format!("/api/v1/certificates/{}", self.approved_certificate().await),
                Value::Null,
            ),
            "GET certificate/envelope" => (
                Method::GET,
                format!(
                    "/api/v1/certificates/{}/envelope",
                    self.approved_certificate().await
                ),
                Value::Null,
            ),
            "POST certificate/revoke" => (
                Method::POST,
                format!(
                    "/api/v1/certificates/{}/revoke",
                    self.approved_certificate().await
                ),
                json!({ "reason": "recall" }),
            ),
            "GET certificate-events" => (
                Method::GET,
                "/api/v1/certificate-events".into(),
                Value::Null,
            ),
            "GET registry-key" => (Method::GET, "/api/v1/registry-key".into(), Value::Null),
            "POST orgs" => (
                Method::POST,
                "/api/v1/orgs".into(),
                json!({ "name": format!("Org {}", self.next()) }),
            ),
            "GET orgs" => (Method::GET, "/api/v1/orgs".into(), Value::Null),
            "GET org" => (
                Method::GET,
                format!("/api/v1/orgs/{}", r.org_b),
                Value::Null,
            ),
            "POST org/members" => (
                Method::POST,
                format!("/api/v1/orgs/{}/members", r.org_b),
                json!({ "name": "Luz", "role": "vendor" }),
            ),
            "GET org/members" => (
                Method::GET,
                format!("/api/v1/orgs/{}/members", r.org_b),
                Value::Null,
            ),
            "POST member/disable" => {
                let m =
                    r.db.store
                        .add_member(
                            &r.org_b,
                            "Temp",
                            None,
                            mxcert_registry::store::Role::Vendor,
                            &mxcert_registry::store::Actor::cli(),
                        )
                        .await
                        .unwrap();
                (
                    Method::POST,
                    format!("/api/v1/members/{}/disable", m.id),
                    Value::Null,
                )
            }
            "POST tokens" => (
                Method::POST,
                "/api/v1/tokens".into(),
                json!({ "org_id": r.org_b, "role": "vendor" }),
            ),
            "GET tokens" => (Method::GET, "/api/v1/tokens".into(), Value::Null),
            "POST token/revoke" => {
                let t = mxcert_registry::workflow::tokens::issue(
                    &r.db.store,
                    &r.org_b,
                    mxcert_registry::store::Role::Vendor,
                    None,
                    "temp",
                    None,
                    &mxcert_registry::store::Actor::cli(),
                )
                .await
                .unwrap();
                (
                    Method::POST,
                    format!("/api/v1/tokens/{}/revoke", t.info.id),
                    Value::Null,
                )
            }
            "GET audit" => (Method::GET, "/api/v1/audit".into(), Value::Null),
            other => panic!("no request for {other}"),
        }
    }
}

#[tokio::test]
async fn every_endpoint_answers_each_role_as_expected() {
    use StatusCode as S;
    const OK: S = S::OK;
    const NEW: S = S::CREATED;
    const NO: S = S::UNAUTHORIZED;
    const DENY: S = S::FORBIDDEN;
    const BAD_SIG: S = S::UNPROCESSABLE_ENTITY;
    //                                    public  A     B        reviewer admin
    #[rustfmt::skip]
    let matrix: Vec<(&str, [StatusCode; 5])> = vec![
        ("GET me",                       [NO, OK, OK, OK, OK]),
        ("POST keys/challenge",          [NO, NEW, NEW, DENY, NEW]),
        ("POST keys",                    [NO, NEW, NEW, DENY, DENY]),
        ("GET keys",                     [NO, OK, OK, OK, OK]),
        ("POST keys/rotate",             [NO, NEW, DENY, DENY, NEW]),
        ("POST keys/revoke",             [NO, OK, DENY, DENY, OK]),
        // Vendor B's organisation has no key that signed this report.
        ("POST submissions",             [NO, NEW, BAD_SIG, DENY, DENY]),
        ("GET submissions",              [NO, OK, OK, OK, OK]),
        ("GET submission",               [NO, OK, DENY, OK, OK]),
        ("GET submission/envelope",      [NO, OK, DENY, OK, OK]),
        ("GET submission/history",       [NO, OK, DENY, OK, OK]),
        ("GET submission/diff",          [NO, OK, DENY, OK, OK]),
        ("POST submission/comments",     [NO, NEW, DENY, NEW, NEW]),
        ("POST submission/approve",      [NO, DENY, DENY, OK, OK]),
        ("POST submission/reject",       [NO, DENY, DENY, OK, OK]),
        ("POST submission/withdraw",     [NO, OK, DENY, DENY, DENY]),
        ("GET certified",                [OK, OK, OK, OK, OK]),
        ("GET certificate",              [OK, OK, OK, OK, OK]),
        ("GET certificate/envelope",     [OK, OK, OK, OK, OK]),
        ("POST certificate/revoke",      [NO, DENY, DENY, OK, OK]),
        ("GET certificate-events",       [OK, OK, OK, OK, OK]),
        ("GET registry-key",             [OK, OK, OK, OK, OK]),
        ("POST orgs",                    [NO, DENY, DENY, DENY, NEW]),
        ("GET orgs",                     [NO, DENY, DENY, DENY, OK]),
        ("GET org",                      [NO, DENY, DENY, DENY, OK]),
        ("POST org/members",             [NO, DENY, DENY, DENY, NEW]),
        ("GET org/members",              [NO, DENY, DENY, DENY, OK]),
        ("POST member/disable",          [NO, DENY, DENY, DENY, OK]),
        ("POST tokens",                  [NO, DENY, DENY, DENY, NEW]),
        ("GET tokens",                   [NO, DENY, DENY, DENY, OK]),
        ("POST token/revoke",            [NO, DENY, DENY, DENY, OK]),
        ("GET audit",                    [NO, DENY, DENY, OK, OK]),
    ];
    let f = Fixture {
        r: Registry::new("sqlite").await,
        n: std::cell::Cell::new(0),
    };
    let tokens: [Option<String>; 5] = [
        None,
        Some(f.r.vendor_a.clone()),
        Some(f.r.vendor_b.clone()),
        Some(f.r.reviewer.clone()),
        Some(f.r.admin.clone()),
    ];
    let mut mismatches = Vec::new();
    for (endpoint, expected) in &matrix {
        for (i, want) in expected.iter().enumerate() {
            let (method, path, body) = f.request(endpoint, i).await;
            let body = if body.is_null() {
                String::new()
            } else {
                body.to_string()
            };
            let (got, answer) = f.r.call(method, &path, tokens[i].as_deref(), body).await;
            if got != *want {
                mismatches.push(format!(
                    "{endpoint} as {}: expected {want}, got {got}: {answer}",
                    WHO[i]
                ));
            }
            if !got.is_success() {
                assert!(
                    answer["error"]["code"].is_string(),
                    "{endpoint} as {}: {answer}",
                    WHO[i]
                );
            }
        }
    }
    assert!(mismatches.is_empty(), "\n{}", mismatches.join("\n"));
}
