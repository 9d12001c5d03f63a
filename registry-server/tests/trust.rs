//! The trust rules a registered party could break (issue 13, items 7-11), through the API and the
//! portal: a compromised key blocks approval, nobody reviews their own organisation's work, a
//! token never reaches further than its member.

mod common;
mod web_client;

use axum::http::StatusCode;
use common::Registry;
use mxcert_registry::store::{Actor, Role};
use serde_json::json;
use web_client::Client;

async fn certificates(r: &Registry) -> usize {
    let (status, body) = r.get("/api/v1/certificate-events", None).await;
    assert_eq!(status, StatusCode::OK);
    body["events"].as_array().unwrap().len()
}

/// Item 8: submit, revoke the key as compromised, approve: refused, no certificate, and the
/// signature check reports the compromise (API and portal).
#[tokio::test]
async fn a_key_revoked_as_compromised_blocks_approval() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let id = r.submit_ok("21HM").await;
        let other = r.submit_ok("21HN").await;
        let keyid = mxcert_core::keys::key_id(&r.key_a.verifying_key());
        // A revocation for another reason leaves what the key signed approvable.
        let (status, body) = r
            .post(
                &format!("/api/v1/keys/{keyid}/revoke"),
                Some(&r.vendor_a),
                json!({ "reason": "laptop lost" }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["compromised_at"].is_null(), "{body}");
        approve(&r, &other).await;
        let issued = certificates(&r).await;
        // Then found compromised: the revocation is upgraded.
        let (status, body) = r
            .post(
                &format!("/api/v1/keys/{keyid}/revoke"),
                Some(&r.vendor_a),
                json!({ "reason": "found on a paste site", "compromised": true }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert!(body["compromised_at"].is_string(), "{body}");
        let (status, body) = r
            .post(
                &format!("/api/v1/submissions/{id}/approve"),
                Some(&r.reviewer),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "signing_key_compromised", "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with(&format!("failed to approve submission {id}"))
                && message.contains(&keyid),
            "{message}"
        );
        assert_eq!(certificates(&r).await, issued, "no certificate was issued");
        let (_, detail) = r
            .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
            .await;
        assert_eq!(detail["status"], "in_review");
        assert!(detail["certificate_id"].is_null());
        let signature = detail["automated_checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "signature")
            .unwrap();
        assert_eq!(signature["outcome"], "fail", "{signature}");
        assert_eq!(
            signature["code"], "signature.key_compromised",
            "{signature}"
        );
        // The store refuses too (the approval's own transaction), and so does the portal.
        let refused = r
            .state
            .store
            .approve_submission(&id, None, &Actor::cli(), |_, _| {
                panic!("no certificate may be issued")
            })
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("compromised"), "{refused}");
        let mut c = Client::new(&r.state);
        c.sign_in(&r.reviewer).await;
        let page = c.get(&format!("/envios/{id}")).await;
        page.assert_has("revocada por estar comprometida");
        let done = c
            .submit(&page, &format!("/envios/{id}/aprobar"), &[("text", "")])
            .await;
        assert_eq!(done.status, StatusCode::CONFLICT, "{}", done.body);
        assert_eq!(certificates(&r).await, issued);
        r.db.cleanup().await;
    }
}

/// Item 9: a reviewer (or admin) token of the submitting organisation cannot approve, reject or
/// revoke that organisation's work, through the API or the portal.
#[tokio::test]
async fn nobody_reviews_their_own_organisation() {
    let r = Registry::new("sqlite").await;
    let own_reviewer = common::token(&r.state.store, &r.org_a, Role::Reviewer).await;
    let own_admin = common::token(&r.state.store, &r.org_a, Role::Admin).await;
    let id = r.submit_ok("21HM").await;
    for token in [&own_reviewer, &own_admin] {
        for (action, body) in [
            ("approve", json!({})),
            ("reject", json!({ "reason": "no" })),
        ] {
            let (status, answer) = r
                .post(
                    &format!("/api/v1/submissions/{id}/{action}"),
                    Some(token),
                    body,
                )
                .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{action}: {answer}");
            assert_eq!(answer["error"]["code"], "own_organisation", "{answer}");
            assert!(
                answer["error"]["message"]
                    .as_str()
                    .unwrap()
                    .starts_with(&format!("failed to {action} submission {id}")),
                "{answer}"
            );
        }
    }
    // The portal hides the buttons and refuses the forms.
    let mut c = Client::new(&r.state);
    c.sign_in(&own_reviewer).await;
    let page = c.get(&format!("/envios/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.assert_lacks(&format!("/envios/{id}/aprobar"));
    let done = c
        .submit(&page, &format!("/envios/{id}/aprobar"), &[("text", "")])
        .await;
    assert_eq!(done.status, StatusCode::FORBIDDEN, "{}", done.body);
    assert_eq!(certificates(&r).await, 0);
    // Another organisation's reviewer may; then the certificate is not the own reviewer's to revoke.
    let cert = approve(&r, &id).await;
    let (status, body) = r
        .post(
            &format!("/api/v1/certificates/{cert}/revoke"),
            Some(&own_reviewer),
            json!({ "reason": "self-serve" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "own_organisation");
    let page = c.get(&format!("/certificados/{cert}")).await;
    page.assert_lacks(&format!("/certificados/{cert}/revocar"));
    let mut other = Client::new(&r.state);
    other.sign_in(&r.reviewer).await;
    other
        .get(&format!("/certificados/{cert}"))
        .await
        .assert_has(&format!("/certificados/{cert}/revocar"));
    let done = c
        .submit(
            &page,
            &format!("/certificados/{cert}/revocar"),
            &[("text", "self-serve")],
        )
        .await;
    assert_eq!(done.status, StatusCode::FORBIDDEN, "{}", done.body);
    let (_, view) = r.get(&format!("/api/v1/certificates/{cert}"), None).await;
    assert_eq!(view["current_status"], "valid");
    r.db.cleanup().await;
}

/// Item 9: a token's role may not exceed its member's (`POST /api/v1/tokens`; the admin command
/// is in `tests/binary.rs`).
#[tokio::test]
async fn a_token_never_reaches_further_than_its_member() {
    let r = Registry::new("sqlite").await;
    let member = r
        .state
        .store
        .add_member(&r.org_a, "Ana", None, Role::Vendor, &Actor::cli())
        .await
        .unwrap();
    for role in ["reviewer", "admin"] {
        let (status, body) = r
            .post(
                "/api/v1/tokens",
                Some(&r.admin),
                json!({ "org_id": r.org_a, "role": role, "member_id": member.id }),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert_eq!(body["error"]["code"], "role_exceeds_member", "{body}");
    }
    let (status, body) = r
        .post(
            "/api/v1/tokens",
            Some(&r.admin),
            json!({ "org_id": r.org_a, "role": "vendor", "member_id": member.id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let reviewer = r
        .state
        .store
        .add_member(&r.foundation, "Rita", None, Role::Reviewer, &Actor::cli())
        .await
        .unwrap();
    let (status, body) = r
        .post(
            "/api/v1/tokens",
            Some(&r.admin),
            json!({ "org_id": r.foundation, "role": "admin", "member_id": reviewer.id }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, _) = r
        .post(
            "/api/v1/tokens",
            Some(&r.admin),
            json!({ "org_id": r.foundation, "role": "reviewer", "member_id": reviewer.id }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    r.db.cleanup().await;
}

/// Item 11: eight concurrent rotations of one key: exactly one wins (201), the others get 409,
/// and the organisation is left with one active key (SQLite and PostgreSQL).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_rotations_of_one_key_leave_one_winner() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let keyid = mxcert_core::keys::key_id(&r.key_a.verifying_key());
        let mut tasks = tokio::task::JoinSet::new();
        for n in 0..8u8 {
            let key = mxcert_core::keys::SigningKey::from_bytes(&[100 + n; 32]);
            let body = r.proven_key(&r.vendor_a, &key).await;
            let req = axum::http::Request::post(format!("/api/v1/keys/{keyid}/rotate"))
                .header("authorization", format!("Bearer {}", r.vendor_a))
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            let app = mxcert_registry::server::app(r.state.clone());
            tasks
                .spawn(async move { tower::ServiceExt::oneshot(app, req).await.unwrap().status() });
        }
        let mut statuses = tasks.join_all().await;
        statuses.sort();
        let mut expected = vec![StatusCode::CREATED];
        expected.extend([StatusCode::CONFLICT; 7]);
        assert_eq!(statuses, expected, "{kind}");
        let keys = r.state.store.list_keys(Some(&r.org_a)).await.unwrap();
        let active: Vec<_> = keys.iter().filter(|k| k.status == "active").collect();
        assert_eq!(active.len(), 1, "{kind}: {keys:?}");
        assert_eq!(keys.len(), 2, "{kind}: the old key and its one successor");
        r.db.cleanup().await;
    }
}

/// Approves submission `id` as the Foundation's reviewer; returns the certificate id.
async fn approve(r: &Registry, id: &str) -> String {
    let (status, body) = r
        .post(
            &format!("/api/v1/submissions/{id}/approve"),
            Some(&r.reviewer),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["certificate_id"].as_str().unwrap().to_owned()
}

/// A directory entry listing one product, `certificate`.
fn entry(certificate: &str) -> serde_json::Value {
    json!({
        "description": "Equipos con MxOS",
        "products": [{ "name": "Acme Book 14", "certificate_id": certificate }],
    })
}

/// Item 10: a vendor's directory entry lists only its own organisation's valid certificates —
/// not another's, not a revoked or expired one (API and portal).
#[tokio::test]
async fn a_directory_entry_lists_only_its_own_valid_certificates() {
    let r = Registry::new("sqlite").await;
    let own = approve(&r, &r.submit_ok("21HM").await).await;
    let revoked = approve(&r, &r.submit_ok("21HN").await).await;
    let (status, _) = r
        .post(
            &format!("/api/v1/certificates/{revoked}/revoke"),
            Some(&r.reviewer),
            json!({ "reason": "recalled" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Organisation B's certificate.
    let key_b = mxcert_core::keys::SigningKey::from_bytes(&[9u8; 32]);
    let (status, body) = r.register_key(&r.vendor_b, &key_b).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let envelope = common::sign(
        &common::report(common::ReportSpec {
            model: Some("Beta 1"),
            ..Default::default()
        }),
        &key_b,
    );
    let (status, body) = r
        .call(
            axum::http::Method::POST,
            "/api/v1/submissions",
            Some(&r.vendor_b),
            envelope,
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let theirs = approve(&r, body["id"].as_str().unwrap()).await;

    let slug = r.state.store.get_org(&r.org_a).await.unwrap().slug;
    let path = format!("/api/v1/vendors/{slug}/entry");
    let put = |body: serde_json::Value| {
        r.call(
            axum::http::Method::PUT,
            &path,
            Some(&r.vendor_a),
            body.to_string(),
        )
    };
    let (status, body) = put(entry(&theirs)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["error"]["code"], "invalid_field");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("products[0].certificate_id")
            && message.contains(&format!(
                "certificate {theirs} belongs to another organisation"
            )),
        "{message}"
    );
    let (status, body) = put(entry(&revoked)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("revoked"));
    // The portal's form goes through the same validation.
    let mut c = Client::new(&r.state);
    c.sign_in(&r.vendor_a).await;
    let form = c.get("/proveedor/directorio").await;
    let fields = [
        ("description", "Equipos con MxOS"),
        ("product_name_0", "Acme Book 14"),
        ("product_certificate_0", theirs.as_str()),
    ];
    let refused = c.submit(&form, "/proveedor/directorio", &fields).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    refused.assert_has("belongs to another organisation");
    // Its own valid certificate is accepted.
    let (status, body) = put(entry(&own)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    r.db.cleanup().await;

    // An expired certificate is refused (certificates here expire as they are issued).
    let r = Registry::with_config("sqlite", |c| {
        c.certificate_validity = chrono::Duration::zero();
    })
    .await;
    let expired = approve(&r, &r.submit_ok("21HM").await).await;
    let slug = r.state.store.get_org(&r.org_a).await.unwrap().slug;
    let (status, body) = r
        .call(
            axum::http::Method::PUT,
            &format!("/api/v1/vendors/{slug}/entry"),
            Some(&r.vendor_a),
            entry(&expired).to_string(),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired"),
        "{body}"
    );
    r.db.cleanup().await;
}

/// Item 7: registering (or rotating to) a key proves possession of its private key with a
/// registry-issued challenge: B cannot register A's key, A can; a reused, expired or other
/// organisation's challenge and a bad signature are refused.
#[tokio::test]
async fn a_key_is_registered_only_by_the_holder_of_its_private_key() {
    use mxcert_core::keys::{self, SigningKey};
    let r = Registry::new("sqlite").await;
    let key_a = SigningKey::from_bytes(&[21u8; 32]);
    let key_b = SigningKey::from_bytes(&[22u8; 32]);
    let pem_a = keys::public_key_to_pem(&key_a.verifying_key()).unwrap();
    let code = |body: &serde_json::Value| body["error"]["code"].as_str().unwrap_or("").to_owned();

    // B holds only A's public key: a proof signed by B's own key, or A's proof replayed, fails.
    let mut forged = r.proven_key(&r.vendor_b, &key_b).await;
    forged["public_key_pem"] = json!(pem_a);
    let (status, body) = r.post("/api/v1/keys", Some(&r.vendor_b), forged).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "invalid_proof");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .starts_with("failed to register key"));
    let proof_a = r.proven_key(&r.vendor_a, &key_a).await;
    let (status, body) = r
        .post("/api/v1/keys", Some(&r.vendor_b), proof_a.clone())
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "invalid_proof");
    // Nor by rotating B's own key to it.
    let (status, body) = r.register_key(&r.vendor_b, &key_b).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let keyid_b = keys::key_id(&key_b.verifying_key());
    let mut forged = r.proven_key(&r.vendor_b, &key_b).await;
    forged["public_key_pem"] = json!(pem_a);
    let (status, body) = r
        .post(
            &format!("/api/v1/keys/{keyid_b}/rotate"),
            Some(&r.vendor_b),
            forged,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(code(&body), "invalid_proof");

    // A registers it with its own proof; the challenge is then used up.
    let (status, body) = r
        .post("/api/v1/keys", Some(&r.vendor_a), proof_a.clone())
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["org_id"], json!(r.org_a));
    let (status, body) = r.post("/api/v1/keys", Some(&r.vendor_a), proof_a).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(code(&body), "invalid_challenge");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("already used"));

    // Another organisation's challenge, even correctly signed for the caller's organisation.
    let key_c = SigningKey::from_bytes(&[23u8; 32]);
    let (_, c) = r
        .post(
            "/api/v1/keys/challenge",
            Some(&r.vendor_a),
            serde_json::Value::Null,
        )
        .await;
    let challenge = c["challenge"].as_str().unwrap();
    let body = common::registration_body(&key_c, challenge, &r.org_b);
    let (status, answer) = r.post("/api/v1/keys", Some(&r.vendor_b), body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("not issued to your organisation"));

    // An expired challenge.
    let expired = "mxk_expired-for-the-test";
    r.state
        .store
        .create_key_challenge(
            &r.org_a,
            &mxcert_registry::ingest::sha256_hex(expired.as_bytes()),
            chrono::Duration::seconds(-1),
        )
        .await
        .unwrap();
    let body = common::registration_body(&key_c, expired, &r.org_a);
    let (status, answer) = r.post("/api/v1/keys", Some(&r.vendor_a), body).await;
    assert_eq!(status, StatusCode::CONFLICT, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("expired"));

    // A bad signature, and the old body without a proof.
    let mut bad = r.proven_key(&r.vendor_a, &key_c).await;
    bad["signature"] = json!(keys::sign_registration(
        &key_c,
        "another challenge",
        &r.org_a
    ));
    let (status, answer) = r.post("/api/v1/keys", Some(&r.vendor_a), bad).await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::BAD_REQUEST, "invalid_proof".into())
    );
    let (status, answer) = r
        .post(
            "/api/v1/keys",
            Some(&r.vendor_a),
            json!({ "public_key_pem": keys::public_key_to_pem(&key_c.verifying_key()).unwrap() }),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{answer}");
    assert!(answer["error"]["message"]
        .as_str()
        .unwrap()
        .contains("challenge"));
    // Reviewers get no challenge; vendors none for another organisation.
    let (status, _) = r
        .post(
            "/api/v1/keys/challenge",
            Some(&r.reviewer),
            serde_json::Value::Null,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = r
        .post(
            "/api/v1/keys/challenge",
            Some(&r.vendor_b),
            json!({ "org_id": r.org_a }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Only challenges' digests are stored.
    let keys_listed = r.get("/api/v1/keys", Some(&r.vendor_a)).await.1;
    assert_eq!(keys_listed.as_array().unwrap().len(), 2, "{keys_listed}");
    r.db.cleanup().await;
}
