//! The workflow API through the real router on a real database: submission, idempotency,
//! automated checks, review, certificates, revocation, keys, tokens, and every error case with its
//! status and code. Runs on SQLite, and on PostgreSQL too when `MXCERT_TEST_DATABASE_URL` is set.

mod common;

use axum::http::{Method, StatusCode};
use base64::Engine as _;
use common::{redact, report, sign, Registry, ReportSpec};
use mxcert_core::certificate::{Certificate, Revocation};
use mxcert_core::dsse::{Envelope, CERTIFICATE_PAYLOAD_TYPE, REVOCATION_PAYLOAD_TYPE};
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::Status;
use mxcert_registry::store::Role;
use serde_json::{json, Value};

fn registry_key(r: &Registry) -> keys::VerifyingKey {
    keys::public_key_from_pem(&r.state.registry_key.public_key_pem).unwrap()
}

#[tokio::test]
async fn submit_is_idempotent_and_approval_lists_the_system() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let rep = report(ReportSpec::default());
        let envelope = sign(&rep, &r.key_a);

        let (status, created) = r.submit(&envelope).await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {created}");
        let id = created["id"].as_str().unwrap().to_owned();
        assert_eq!(created["status"], "in_review");
        assert_eq!(created["url"], format!("/api/v1/submissions/{id}"));
        insta::assert_json_snapshot!("submit_created", redact(&created));

        // The same bytes again (a retry after a timeout): the same submission, 200.
        let (status, again) = r.submit(&envelope).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(again["id"], created["id"]);

        // Other bytes with the same report_id: 409.
        let mut changed = rep.clone();
        changed.os.kernel = Some("6.12.0".into());
        let (status, conflict) = r.submit(&sign(&changed, &r.key_a)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(conflict["error"]["code"], "duplicate_report_id");

        // The submitting organisation and reviewers read it; others do not.
        let path = format!("/api/v1/submissions/{id}");
        let (status, detail) = r.get(&path, Some(&r.vendor_a)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(detail["system"]["display_name"], "LENOVO 21HM");
        assert_eq!(detail["devices"].as_array().unwrap().len(), 4);
        assert_eq!(detail["devices"][0]["base_identity"], "pci:8086:a7a1");
        let checks: Vec<(&str, &str)> = detail["automated_checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["name"].as_str().unwrap(), c["outcome"].as_str().unwrap()))
            .collect();
        assert_eq!(
            checks,
            [
                ("signature", "pass"),
                ("schema", "pass"),
                ("plan", "pass"),
                ("blockers", "pass"),
                ("tool_version", "pass"),
                ("system_identity", "pass"),
                ("os", "pass")
            ]
        );
        insta::assert_json_snapshot!("submission_detail", redact(&detail));
        assert_eq!(r.get(&path, Some(&r.reviewer)).await.0, StatusCode::OK);
        assert_eq!(
            r.get(&path, Some(&r.vendor_b)).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(r.get(&path, None).await.0, StatusCode::UNAUTHORIZED);

        // The raw envelope is kept byte for byte.
        let (status, raw) = r
            .call_raw(
                Method::GET,
                &format!("{path}/envelope"),
                Some(&r.reviewer),
                "",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(raw, envelope);

        // Approve: a certificate signed by the registry key.
        let (status, approved) = r
            .post(
                &format!("{path}/approve"),
                Some(&r.reviewer),
                json!({"comment": "todo en orden"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["status"], "approved");
        let cert_id = approved["certificate_id"].as_str().unwrap().to_owned();
        let (year, _) = mxcert_core::certificate::parse_certificate_id(&cert_id).unwrap();
        assert_eq!(year, chrono::Datelike::year(&chrono::Utc::now()));

        let (status, listed) = r.get("/api/v1/certified", None).await;
        assert_eq!(status, StatusCode::OK);
        let entry = &listed["certified"][0];
        assert_eq!(entry["vendor"], "LENOVO");
        assert_eq!(entry["model"], "21HM");
        assert_eq!(entry["submission_id"], id.as_str());
        assert_eq!(entry["plan_id"], "quick");
        assert_eq!(entry["certificate_id"], cert_id.as_str());
        insta::assert_json_snapshot!("certified", redact(&listed));

        let (status, bytes) = r
            .call_raw(
                Method::GET,
                &format!("/api/v1/certificates/{cert_id}/envelope"),
                None,
                "",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let env = Envelope::from_json(&bytes).unwrap();
        let verified = env
            .verify(CERTIFICATE_PAYLOAD_TYPE, &[registry_key(&r)])
            .unwrap();
        let cert = Certificate::from_json(&verified.payload).unwrap();
        assert_eq!(cert.certificate_id, cert_id);
        assert_eq!(cert.system.vendor, "LENOVO");
        assert_eq!(cert.system.board.as_deref(), Some("21HMCTO1WW"));
        assert_eq!(cert.mxos_release, "1.0");
        assert_eq!(cert.plan.id, "quick");
        assert_eq!(cert.report.report_id, rep.report_id);
        assert_eq!(
            cert.report.envelope_sha256,
            mxcert_registry::ingest::sha256_hex(&envelope)
        );
        assert_eq!(cert.organisation.name, "Cómputo Acme");
        assert!(cert.expires_at > cert.issued_at);
        let schema = mxcert_core::schema::Validator::new("certificate.v1.schema.json").unwrap();
        schema
            .validate(&serde_json::from_slice(&verified.payload).unwrap())
            .unwrap();

        // Once approved, the signed report is public (certificates link to it).
        assert_eq!(
            r.call_raw(Method::GET, &format!("{path}/envelope"), None, "")
                .await
                .0,
            StatusCode::OK
        );
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn failed_checks_reject_resubmit_diff_approve_revoke() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        // A report whose blocker failed: checks_failed, cannot be approved.
        let bad = sign(
            &report(ReportSpec {
                blocker_status: Status::Fail,
                ..Default::default()
            }),
            &r.key_a,
        );
        let (status, first) = r.submit(&bad).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(first["status"], "checks_failed");
        let first_id = first["id"].as_str().unwrap().to_owned();
        let first_path = format!("/api/v1/submissions/{first_id}");
        let (_, detail) = r.get(&first_path, Some(&r.vendor_a)).await;
        let blockers = detail["automated_checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "blockers")
            .unwrap();
        assert_eq!(blockers["outcome"], "fail");
        assert_eq!(
            blockers["message"],
            "blocker tests did not pass: devices-drivers (fail)"
        );
        let (status, e) = r
            .post(
                &format!("{first_path}/approve"),
                Some(&r.reviewer),
                json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(e["error"]["code"], "invalid_state");

        // A reviewer comments and rejects with a reason the vendor can read.
        let (status, c) = r
            .post(
                &format!("{first_path}/comments"),
                Some(&r.reviewer),
                json!({"comment": "falta el controlador"}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let (status, rejected) = r
            .post(
                &format!("{first_path}/reject"),
                Some(&r.reviewer),
                json!({"reason": "the drivers blocker failed"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(rejected["status"], "rejected");
        let (_, detail) = r.get(&first_path, Some(&r.vendor_a)).await;
        assert_eq!(detail["decision_comment"], "the drivers blocker failed");
        assert_eq!(detail["comments"][0]["body"], "falta el controlador");
        assert_eq!(detail["comments"][0]["author_role"], "reviewer");
        // Rejecting twice is an invalid state.
        let (status, e) = r
            .post(
                &format!("{first_path}/reject"),
                Some(&r.reviewer),
                json!({"reason": "again"}),
            )
            .await;
        assert_eq!(
            (status, e["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("invalid_state"))
        );

        // The vendor fixes it and resubmits: linked to the previous one, with a diff.
        let good = sign(
            &report(ReportSpec {
                extra_device: true,
                ..Default::default()
            }),
            &r.key_a,
        );
        let (status, second) = r.submit(&good).await;
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(second["status"], "in_review");
        let second_id = second["id"].as_str().unwrap().to_owned();
        let second_path = format!("/api/v1/submissions/{second_id}");
        let (_, detail) = r.get(&second_path, Some(&r.reviewer)).await;
        assert_eq!(detail["previous_id"], first_id.as_str());
        let (status, diff) = r
            .get(&format!("{second_path}/diff"), Some(&r.reviewer))
            .await;
        assert_eq!(status, StatusCode::OK, "{diff}");
        assert_eq!(diff["devices_added"][0]["identity"], "usb:04f2:b7b6");
        assert_eq!(diff["devices_removed"], json!([]));
        assert_eq!(
            diff["result_changes"],
            json!([{"field": "devices-drivers", "before": "fail", "after": "pass"}])
        );
        insta::assert_json_snapshot!("diff", redact(&diff));
        // The first submission has nothing to compare with.
        assert_eq!(
            r.get(&format!("{first_path}/diff"), Some(&r.reviewer))
                .await
                .0,
            StatusCode::NOT_FOUND
        );

        // Approve, then revoke: the revocation is signed and the event log is ordered.
        let (status, approved) = r
            .post(
                &format!("{second_path}/approve"),
                Some(&r.reviewer),
                json!(null),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        let cert_id = approved["certificate_id"].as_str().unwrap().to_owned();
        let cert_path = format!("/api/v1/certificates/{cert_id}");
        let (status, revoked) = r
            .post(
                &format!("{cert_path}/revoke"),
                Some(&r.reviewer),
                json!({"reason": "firmware recall"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{revoked}");
        assert_eq!(revoked["status"], "revoked");
        assert_eq!(revoked["current_status"], "revoked");
        let (status, again) = r
            .post(
                &format!("{cert_path}/revoke"),
                Some(&r.reviewer),
                json!({"reason": "twice"}),
            )
            .await;
        assert_eq!(
            (status, again["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("invalid_state"))
        );
        let (status, bytes) = r
            .call_raw(Method::GET, &format!("{cert_path}/revocation"), None, "")
            .await;
        assert_eq!(status, StatusCode::OK);
        let rev = Envelope::from_json(&bytes)
            .unwrap()
            .verify(REVOCATION_PAYLOAD_TYPE, &[registry_key(&r)])
            .unwrap();
        let rev = Revocation::from_json(&rev.payload).unwrap();
        assert_eq!(rev.certificate_id, cert_id);
        assert_eq!(rev.reason, "firmware recall");
        let (_, listed) = r.get("/api/v1/certified", None).await;
        assert_eq!(listed["certified"], json!([]));
        let (_, events) = r.get("/api/v1/certificate-events", None).await;
        let kinds: Vec<(i64, &str)> = events["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e["seq"].as_i64().unwrap(), e["kind"].as_str().unwrap()))
            .collect();
        assert_eq!(kinds, [(1, "issued"), (2, "revoked")]);

        // The history of each step, who did it and when.
        let (_, history) = r
            .get(&format!("{first_path}/history"), Some(&r.vendor_a))
            .await;
        let actions: Vec<&str> = history["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "submission.create",
                "submission.checks",
                "submission.comment",
                "submission.reject"
            ]
        );
        let (status, audit) = r.get("/api/v1/audit", Some(&r.admin)).await;
        assert_eq!(status, StatusCode::OK);
        let all: Vec<&str> = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        for action in [
            "organisation.create",
            "token.create",
            "key.register",
            "submission.approve",
            "certificate.issue",
            "certificate.revoke",
        ] {
            assert!(all.contains(&action), "{action} missing from {all:?}");
        }
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_report_without_system_identity_is_accepted_with_a_warning_and_a_placeholder() {
    let r = Registry::new("sqlite").await;
    let (status, created) = r
        .submit(&sign(
            &report(ReportSpec {
                vendor: None,
                model: None,
                ..Default::default()
            }),
            &r.key_a,
        ))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "in_review");
    let path = created["url"].as_str().unwrap().to_owned();
    let (_, detail) = r.get(&path, Some(&r.reviewer)).await;
    assert_eq!(
        detail["system"]["display_name"],
        "Unidentified system (no vendor/model in report)"
    );
    let check = detail["automated_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "system_identity")
        .unwrap()
        .clone();
    assert_eq!(check["outcome"], "warn");
    let (status, approved) = r
        .post(&format!("{path}/approve"), Some(&r.reviewer), json!({}))
        .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let (_, listed) = r.get("/api/v1/certified", None).await;
    assert_eq!(listed["certified"][0]["vendor"], "(not reported)");
    assert_eq!(listed["certified"][0]["model"], "(not reported)");
}

#[tokio::test]
async fn vendors_withdraw_their_own_submissions_only() {
    let r = Registry::new("sqlite").await;
    let id = r.submit_ok("21HM").await;
    let path = format!("/api/v1/submissions/{id}/withdraw");
    assert_eq!(
        r.post(&path, Some(&r.vendor_b), json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        r.post(&path, Some(&r.reviewer), json!({})).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, w) = r.call(Method::POST, &path, Some(&r.vendor_a), "").await;
    assert_eq!(status, StatusCode::OK, "{w}");
    assert_eq!(w["status"], "withdrawn");
    let (status, e) = r
        .post(
            &format!("/api/v1/submissions/{id}/approve"),
            Some(&r.reviewer),
            json!({}),
        )
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("invalid_state"))
    );
    // Vendors list only their own submissions; reviewers filter the queue by status.
    r.submit_ok("21HN").await;
    let (_, mine) = r.get("/api/v1/submissions", Some(&r.vendor_a)).await;
    assert_eq!(mine["submissions"].as_array().unwrap().len(), 2);
    let (_, theirs) = r.get("/api/v1/submissions", Some(&r.vendor_b)).await;
    assert_eq!(theirs["submissions"], json!([]));
    let (_, queue) = r
        .get("/api/v1/submissions?status=in_review", Some(&r.reviewer))
        .await;
    assert_eq!(queue["submissions"].as_array().unwrap().len(), 1);
    assert_eq!(queue["submissions"][0]["system"]["model"], "21HN");
}

#[tokio::test]
async fn keys_rotate_and_revoke_and_old_keys_cannot_sign_new_submissions() {
    let r = Registry::new("sqlite").await;
    let old_id = keys::key_id(&r.key_a.verifying_key());
    let new_key = SigningKey::from_bytes(&[9u8; 32]);
    let new_pem = keys::public_key_to_pem(&new_key.verifying_key()).unwrap();
    // Another vendor cannot touch A's keys; a reviewer cannot either.
    let rotate = format!("/api/v1/keys/{old_id}/rotate");
    assert_eq!(
        r.post(
            &rotate,
            Some(&r.vendor_b),
            json!({"public_key_pem": new_pem})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        r.post(
            &rotate,
            Some(&r.reviewer),
            json!({"public_key_pem": new_pem})
        )
        .await
        .0,
        StatusCode::FORBIDDEN
    );
    let mut body = r.proven_key(&r.vendor_a, &new_key).await;
    body["label"] = json!("2026");
    let (status, rotated) = r.post(&rotate, Some(&r.vendor_a), body).await;
    assert_eq!(status, StatusCode::CREATED, "{rotated}");
    assert_eq!(rotated["keyid"], keys::key_id(&new_key.verifying_key()));

    let (status, e) = r
        .submit(&sign(&report(ReportSpec::default()), &r.key_a))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked"))
    );
    let (status, _) = r
        .submit(&sign(&report(ReportSpec::default()), &new_key))
        .await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, revoked) = r
        .post(
            &format!("/api/v1/keys/{}/revoke", rotated["keyid"].as_str().unwrap()),
            Some(&r.vendor_a),
            json!({"reason": "laptop stolen"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(revoked["status"], "revoked");
    let (status, e) = r
        .submit(&sign(&report(ReportSpec::default()), &new_key))
        .await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("key_revoked"))
    );
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("laptop stolen"));

    let (_, listed) = r.get("/api/v1/keys", Some(&r.vendor_a)).await;
    let statuses: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["retired", "revoked"]);
    let (_, others) = r.get("/api/v1/keys", Some(&r.vendor_b)).await;
    assert_eq!(others, json!([]));
    // The same key again: 200 while active; a key of another organisation: 409.
    let key_b = SigningKey::from_bytes(&[3u8; 32]);
    assert_eq!(
        r.register_key(&r.vendor_b, &key_b).await.0,
        StatusCode::CREATED
    );
    assert_eq!(r.register_key(&r.vendor_b, &key_b).await.0, StatusCode::OK);
    let (status, e) = r.register_key(&r.vendor_a, &key_b).await;
    assert_eq!(
        (status, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("conflict"))
    );
}

#[tokio::test]
async fn tokens_are_made_by_admins_shown_once_and_can_expire_or_be_revoked() {
    let r = Registry::new("sqlite").await;
    let (status, member) = r
        .post(
            &format!("/api/v1/orgs/{}/members", r.org_b),
            Some(&r.admin),
            json!({"name": "Ana", "role": "vendor", "email": "ana@beta.mx"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{member}");
    let (status, created) = r
        .post(
            "/api/v1/tokens",
            Some(&r.admin),
            json!({"org_id": r.org_b, "role": "vendor", "member_id": member["id"], "label": "ci"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("mxr_"));
    assert_eq!(
        created["last_used_at"],
        serde_json::Value::Null,
        "{created}"
    );
    assert!(secret.starts_with(created["prefix"].as_str().unwrap()));
    let (status, me) = r.get("/api/v1/me", Some(&secret)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["name"], "Ana");
    assert_eq!(me["role"], "vendor");
    assert_eq!(me["org_name"], "Beta Hardware");
    // Listings never show the token or its hash.
    let (_, list) = r
        .get(&format!("/api/v1/tokens?org={}", r.org_b), Some(&r.admin))
        .await;
    let text = list.to_string();
    assert!(!text.contains(&secret));
    // The listing says when the token was last used: just now, by /me.
    let listed = list
        .as_array()
        .or_else(|| list["tokens"].as_array())
        .unwrap_or_else(|| panic!("{list}"))
        .iter()
        .find(|t| t["id"] == created["id"])
        .unwrap_or_else(|| panic!("{list}"))
        .clone();
    let used = chrono::DateTime::parse_from_rfc3339(
        listed["last_used_at"]
            .as_str()
            .unwrap_or_else(|| panic!("{listed}")),
    )
    .unwrap();
    assert!(
        (chrono::Utc::now() - used.with_timezone(&chrono::Utc)).num_seconds() < 60,
        "{listed}"
    );
    assert!(!text.contains(&mxcert_registry::auth::hash_token(&secret)));
    // Revoked: 401.
    let (status, _) = r
        .post(
            &format!("/api/v1/tokens/{}/revoke", created["id"].as_str().unwrap()),
            Some(&r.admin),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, e) = r.get("/api/v1/me", Some(&secret)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(e["error"]["message"], "this token was revoked");
    // Disabling a member revokes their tokens.
    let (_, t2) = r
        .post(
            "/api/v1/tokens",
            Some(&r.admin),
            json!({"org_id": r.org_b, "role": "vendor", "member_id": member["id"]}),
        )
        .await;
    let t2 = t2["token"].as_str().unwrap().to_owned();
    assert_eq!(r.get("/api/v1/me", Some(&t2)).await.0, StatusCode::OK);
    assert_eq!(
        r.post(
            &format!("/api/v1/members/{}/disable", member["id"].as_str().unwrap()),
            Some(&r.admin),
            json!({})
        )
        .await
        .0,
        StatusCode::OK
    );
    assert_eq!(
        r.get("/api/v1/me", Some(&t2)).await.0,
        StatusCode::UNAUTHORIZED
    );
    // An expired token: 401 saying so.
    let store = &r.db.store;
    let secret = mxcert_registry::auth::generate_token().unwrap();
    store
        .create_token(
            &mxcert_registry::store::NewToken {
                org_id: &r.org_b,
                member_id: None,
                role: Role::Vendor,
                label: "old",
                prefix: &secret.display_prefix,
                sha256: &secret.sha256,
                expires_at: Some("2020-01-01T00:00:00.000000Z".into()),
            },
            &mxcert_registry::store::Actor::cli(),
        )
        .await
        .unwrap();
    let (status, e) = r.get("/api/v1/me", Some(&secret.token)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(
        e["error"]["message"].as_str().unwrap().contains("expired"),
        "{e}"
    );
}

/// One error case: name, method, path, token, body, expected status and code.
type ErrorCase<'a> = (
    &'a str,
    Method,
    String,
    Option<&'a str>,
    Vec<u8>,
    StatusCode,
    &'a str,
);

/// Every error case of the API: status and code.
#[tokio::test]
async fn error_cases_have_their_status_and_code() {
    let r = Registry::with_config("sqlite", |c| c.max_body_bytes = 64 * 1024).await;
    let rep = report(ReportSpec::default());
    let good = sign(&rep, &r.key_a);
    let env: Envelope = Envelope::from_json(&good).unwrap();
    let b64 = base64::engine::general_purpose::STANDARD;

    let mut wrong_type = env.clone();
    wrong_type.payload_type = CERTIFICATE_PAYLOAD_TYPE.into();
    let mut tampered = env.clone();
    tampered.payload = b64.encode(
        String::from_utf8(rep.to_json_pretty())
            .unwrap()
            .replace("21HM", "21HN"),
    );
    let unknown_key = sign(&rep, &SigningKey::from_bytes(&[42u8; 32]));
    let not_a_report = mxcert_core::dsse::sign(
        mxcert_core::dsse::REPORT_PAYLOAD_TYPE,
        br#"{"schema_version":1,"hello":"mundo"}"#,
        &r.key_a,
    )
    .to_json_pretty();
    let mut inconsistent = report(ReportSpec::default());
    inconsistent.summary.counts.pass += 1;
    let inconsistent = sign(&inconsistent, &r.key_a);
    let not_json_payload = mxcert_core::dsse::sign(
        mxcert_core::dsse::REPORT_PAYLOAD_TYPE,
        b"\xff\xfe",
        &r.key_a,
    )
    .to_json_pretty();
    let mut no_sigs = env.clone();
    no_sigs.signatures.clear();
    let mut bad_b64 = env.clone();
    bad_b64.payload.push('!');
    let old_plan = sign(
        &report(ReportSpec {
            plan_version: "0.9.0",
            ..Default::default()
        }),
        &r.key_a,
    );
    let reviewer = r.reviewer.clone();
    let vendor_a = r.vendor_a.clone();
    let sub = r.submit_ok("21HM").await;
    let sub_path = format!("/api/v1/submissions/{sub}");

    let cases: Vec<ErrorCase<'_>> = vec![
        (
            "no token",
            Method::POST,
            "/api/v1/submissions".into(),
            None,
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "unknown token",
            Method::POST,
            "/api/v1/submissions".into(),
            Some("mxr_nope"),
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "not our token format",
            Method::POST,
            "/api/v1/submissions".into(),
            Some("ghp_123"),
            good.clone(),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
        (
            "reviewer submits",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&reviewer),
            good.clone(),
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "not JSON",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            b"hello".to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_envelope",
        ),
        (
            "unknown envelope field",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            br#"{"payloadType":"x","payload":"","signatures":[],"extra":1}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_envelope",
        ),
        (
            "too large",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            vec![b' '; 64 * 1024 + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        (
            "wrong payload type",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            wrong_type.to_json_pretty(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_payload_type",
        ),
        (
            "tampered payload",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            tampered.to_json_pretty(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_signature",
        ),
        (
            "unknown key",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            unknown_key,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_keyid",
        ),
        (
            "no signatures",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            no_sigs.to_json_pretty(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "no_signatures",
        ),
        (
            "payload not base64",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            bad_b64.to_json_pretty(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "malformed_payload",
        ),
        (
            "payload not a report",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            not_a_report,
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema_invalid",
        ),
        (
            "payload not JSON",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            not_json_payload,
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema_invalid",
        ),
        (
            "summary disagrees with results",
            Method::POST,
            "/api/v1/submissions".into(),
            Some(&vendor_a),
            inconsistent,
            StatusCode::UNPROCESSABLE_ENTITY,
            "schema_invalid",
        ),
        (
            "no such submission",
            Method::GET,
            "/api/v1/submissions/nope".into(),
            Some(&reviewer),
            vec![],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "no such route",
            Method::GET,
            "/api/v2/anything".into(),
            None,
            vec![],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "wrong method",
            Method::DELETE,
            sub_path.clone(),
            Some(&reviewer),
            vec![],
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
        ),
        (
            "reject without body",
            Method::POST,
            format!("{sub_path}/reject"),
            Some(&reviewer),
            vec![],
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "reject with empty reason",
            Method::POST,
            format!("{sub_path}/reject"),
            Some(&reviewer),
            br#"{"reason":"  "}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            "approve with unknown field",
            Method::POST,
            format!("{sub_path}/approve"),
            Some(&reviewer),
            br#"{"coment":"typo"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "malformed_body",
        ),
        (
            "vendor approves",
            Method::POST,
            format!("{sub_path}/approve"),
            Some(&vendor_a),
            vec![],
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "bad status filter",
            Method::GET,
            "/api/v1/submissions?status=done".into(),
            Some(&reviewer),
            vec![],
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        (
            "bad limit",
            Method::GET,
            "/api/v1/certified?limit=many".into(),
            None,
            vec![],
            StatusCode::BAD_REQUEST,
            "malformed_query",
        ),
        (
            "bad certificate id",
            Method::GET,
            "/api/v1/certificates/MX-1".into(),
            None,
            vec![],
            StatusCode::BAD_REQUEST,
            "malformed_path",
        ),
        (
            "no such certificate",
            Method::GET,
            "/api/v1/certificates/MX-2026-999999".into(),
            None,
            vec![],
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "garbage key",
            Method::POST,
            "/api/v1/keys".into(),
            Some(&vendor_a),
            br#"{"public_key_pem":"hello","challenge":"mxk_x","signature":"AAAA"}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            "unknown role",
            Method::POST,
            "/api/v1/tokens".into(),
            Some(&r.admin),
            format!(r#"{{"org_id":"{}","role":"root"}}"#, r.org_a).into_bytes(),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            "token for no organisation",
            Method::POST,
            "/api/v1/tokens".into(),
            Some(&r.admin),
            br#"{"org_id":"nope","role":"vendor"}"#.to_vec(),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (name, method, path, token, body, status, code) in cases {
        let (got, body) = r.call(method, &path, token, body).await;
        assert_eq!(got, status, "{name}: {body}");
        assert_eq!(body["error"]["code"], code, "{name}: {body}");
        assert!(
            !body["error"]["message"].as_str().unwrap().is_empty(),
            "{name}"
        );
    }

    // An outdated plan is stored but fails its automated check.
    let (status, created) = r.submit(&old_plan).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["status"], "checks_failed");
    let (_, detail) = r
        .get(created["url"].as_str().unwrap(), Some(&vendor_a))
        .await;
    let plan = detail["automated_checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "plan")
        .unwrap()
        .clone();
    assert_eq!(plan["outcome"], "fail");
    assert_eq!(
        plan["message"],
        "plan quick version 0.9.0 is not current (current: 1.0.0); run the current plan"
    );
}

#[tokio::test]
async fn the_plan_decides_digests_and_blockers_not_the_report() {
    let r = Registry::new("sqlite").await;
    let check_of = |detail: &Value, name: &str| {
        detail["automated_checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    // A plan whose digest differs from the published one was modified.
    let mut modified = report(ReportSpec::default());
    modified.plan.sha256 = "f".repeat(64);
    let (status, created) = r.submit(&sign(&modified, &r.key_a)).await;
    assert_eq!(
        (status, created["status"].as_str()),
        (StatusCode::CREATED, Some("checks_failed"))
    );
    let (_, detail) = r
        .get(created["url"].as_str().unwrap(), Some(&r.reviewer))
        .await;
    let plan = check_of(&detail, "plan");
    assert_eq!(plan["outcome"], "fail");
    assert!(
        plan["message"]
            .as_str()
            .unwrap()
            .ends_with("the plan was modified"),
        "{plan}"
    );

    // A failed blocker relabelled as a non-blocker by the report is still a failed blocker.
    let mut relabelled = report(ReportSpec::default());
    let t = relabelled
        .results
        .iter_mut()
        .find(|t| t.id == "devices-drivers")
        .unwrap();
    t.blocker = false;
    t.status = Status::Fail;
    relabelled.summary = mxcert_core::report::Summary::of(&relabelled.results);
    assert_eq!(
        relabelled.summary.verdict,
        mxcert_core::report::Verdict::Certifiable
    );
    let (status, created) = r.submit(&sign(&relabelled, &r.key_a)).await;
    assert_eq!(
        (status, created["status"].as_str()),
        (StatusCode::CREATED, Some("checks_failed"))
    );
    let (_, detail) = r
        .get(created["url"].as_str().unwrap(), Some(&r.reviewer))
        .await;
    assert_eq!(
        check_of(&detail, "blockers")["message"],
        "blocker tests did not pass: devices-drivers (fail)"
    );

    // A blocker that was not run at all.
    let mut missing = report(ReportSpec::default());
    missing.results.retain(|t| t.id != "memory-pattern");
    missing.summary = mxcert_core::report::Summary::of(&missing.results);
    let (_, created) = r.submit(&sign(&missing, &r.key_a)).await;
    let (_, detail) = r
        .get(created["url"].as_str().unwrap(), Some(&r.reviewer))
        .await;
    assert_eq!(
        check_of(&detail, "blockers")["message"],
        "blocker tests did not pass: memory-pattern (not run)"
    );
}

#[tokio::test]
async fn repeated_authentication_failures_are_rate_limited() {
    let r = Registry::with_config("sqlite", |c| c.auth_failures_per_window = 5).await;
    for _ in 0..5 {
        assert_eq!(
            r.get("/api/v1/me", Some("mxr_wrong")).await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let (status, bytes) = r
        .call_raw(Method::GET, "/api/v1/me", Some("mxr_wrong"), "")
        .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let body: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(body["error"]["code"], "rate_limited");
    // While limited, a good token from that address still works (issue 13, item 6).
    assert_eq!(
        r.get("/api/v1/me", Some(&r.vendor_a)).await.0,
        StatusCode::OK
    );
    // The public is never limited by this.
    assert_eq!(r.get("/api/v1/certified", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_registry_key_is_served_as_pem_and_json_and_survives_restarts() {
    let r = Registry::new("sqlite").await;
    let (status, pem) = r
        .call_raw(Method::GET, "/api/v1/registry-key", None, "")
        .await;
    assert_eq!(status, StatusCode::OK);
    let pem = String::from_utf8(pem).unwrap();
    let key = keys::public_key_from_pem(&pem).unwrap();
    let again = mxcert_registry::signing::RegistryKey::load_or_create(&r.db.store)
        .await
        .unwrap();
    assert_eq!(again.keyid, keys::key_id(&key));
    let req = axum::http::Request::builder()
        .uri("/api/v1/registry-key")
        .header("accept", "application/json")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(mxcert_registry::server::app(r.state.clone()), req)
        .await
        .unwrap();
    let bytes = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    let v: Value = serde_json::from_slice(&bytes).unwrap();
    assert_eq!(v["keyid"], keys::key_id(&key));
    assert_eq!(v["public_key_pem"], pem);
}

/// Issue 13, item 12: an expired certificate leaves `/api/v1/certified`, as it leaves the other
/// public lists (`/api/v1/systems`, the export); the one still valid stays.
#[tokio::test]
async fn expired_certificates_leave_the_certified_list() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let mut certificates = Vec::new();
        for model in ["21HM", "21HQ"] {
            let id = r.submit_ok(model).await;
            certificates.push(r.approve(&id).await);
        }
        r.indexed().await;
        let listed = |v: &Value, key: &str| -> Vec<String> {
            v[key]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["certificate_id"].as_str().unwrap().to_owned())
                .collect()
        };
        let (_, before) = r.get("/api/v1/certified", None).await;
        assert_eq!(listed(&before, "certified").len(), 2, "{kind}: {before}");

        // The first certificate's validity ended a minute ago.
        let past = mxcert_registry::store::ts(
            mxcert_registry::store::now() - chrono::Duration::minutes(1),
        );
        sqlx::query("UPDATE certificates SET expires_at = $1 WHERE id = $2")
            .bind(&past)
            .bind(&certificates[0])
            .execute(r.db.store.pool())
            .await
            .unwrap();
        sqlx::query("UPDATE public_systems SET expires_at = $1 WHERE certificate_id = $2")
            .bind(&past)
            .bind(&certificates[0])
            .execute(r.db.store.pool())
            .await
            .unwrap();
        let (status, after) = r.get("/api/v1/certified", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            listed(&after, "certified"),
            vec![certificates[1].clone()],
            "{kind}"
        );
        // The same as the public search says.
        let (_, systems) = r.get("/api/v1/systems", None).await;
        assert_eq!(
            listed(&systems, "items"),
            vec![certificates[1].clone()],
            "{kind}"
        );
        r.db.cleanup().await;
    }
}

/// A request from the TCP peer `peer`, with an `X-Forwarded-For` when given: `GET /api/v1/me`
/// with `token`, or without a token `POST /api/v1/check`.
async fn from_peer(
    r: &Registry,
    peer: &str,
    forwarded_for: Option<&str>,
    token: Option<&str>,
) -> StatusCode {
    let peer: std::net::SocketAddr = format!("{peer}:40000").parse().unwrap();
    let mut req = axum::http::Request::builder();
    req = match token {
        Some(t) => req
            .uri("/api/v1/me")
            .header("authorization", format!("Bearer {t}")),
        None => req
            .method(Method::POST)
            .uri("/api/v1/check")
            .header("content-type", "application/json"),
    };
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    let mut req = req.body(axum::body::Body::from("{}")).unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(peer));
    tower::ServiceExt::oneshot(mxcert_registry::server::app(r.state.clone()), req)
        .await
        .unwrap()
        .status()
}

/// Issue 13, item 6: behind a trusted proxy, each client has its own failure count and public
/// POST budget, from `X-Forwarded-For`; a valid token is never refused because of failures; a
/// client that is not a trusted proxy cannot choose its address with the header.
#[tokio::test]
async fn behind_a_trusted_proxy_one_client_cannot_lock_out_the_others() {
    let r = Registry::with_config("sqlite", |c| {
        c.trusted_proxies = mxcert_registry::client_addr::TrustedProxies::new(vec![
            "10.0.0.1".parse().unwrap(),
            "10.9.0.0/16".parse().unwrap(),
        ]);
        c.public_posts_per_minute = 1;
        c.public_post_burst = 3;
    })
    .await;
    const PROXY: &str = "10.0.0.1";
    let a = Some("198.51.100.1, 203.0.113.10");
    let b = Some("203.0.113.20, 10.9.0.4");
    let bad = Some("mxr_wrong");
    let mut statuses = Vec::new();
    for _ in 0..25 {
        statuses.push(from_peer(&r, PROXY, a, bad).await.as_u16());
    }
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20..], [429; 5]);
    // Another client of the same proxy: its own count.
    assert_eq!(from_peer(&r, PROXY, b, bad).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        from_peer(&r, PROXY, b, Some(&r.vendor_b)).await,
        StatusCode::OK
    );
    // A's own valid token still works while A's failures are over the limit.
    assert_eq!(
        from_peer(&r, PROXY, a, Some(&r.vendor_a)).await,
        StatusCode::OK
    );
    assert_eq!(
        from_peer(&r, PROXY, a, bad).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    // The proxy's own address (no header) was never counted.
    assert_eq!(
        from_peer(&r, PROXY, None, bad).await,
        StatusCode::UNAUTHORIZED
    );

    // The public POST limit: A uses its burst, B still has its own.
    for _ in 0..3 {
        assert_ne!(
            from_peer(&r, PROXY, a, None).await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    assert_eq!(
        from_peer(&r, PROXY, a, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_ne!(
        from_peer(&r, PROXY, b, None).await,
        StatusCode::TOO_MANY_REQUESTS
    );

    // From a peer that is not a trusted proxy, the header is ignored: a new address per request
    // does not escape the limit.
    let mut statuses = Vec::new();
    for i in 0..22 {
        let spoofed = format!("203.0.113.{i}");
        statuses.push(
            from_peer(&r, "192.0.2.77", Some(&spoofed), bad)
                .await
                .as_u16(),
        );
    }
    assert_eq!(statuses[..20], [401; 20]);
    assert_eq!(statuses[20..], [429; 2]);
    for i in 0..4 {
        let spoofed = format!("198.51.100.{i}");
        let status = from_peer(&r, "192.0.2.77", Some(&spoofed), None).await;
        assert_eq!(
            status == StatusCode::TOO_MANY_REQUESTS,
            i == 3,
            "{i}: {status}"
        );
    }
}

/// A `Write` into a shared buffer, for capturing log lines.
#[derive(Clone, Default)]
struct LogBuffer(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Issue 13, item 6: the access log names the client a trusted proxy forwarded for, and the peer
/// of anyone else whatever header it sends.
#[tokio::test]
async fn the_access_log_names_the_client_behind_a_trusted_proxy() {
    let r = Registry::with_config("sqlite", |c| {
        c.trusted_proxies =
            mxcert_registry::client_addr::TrustedProxies::new(vec!["10.0.0.1".parse().unwrap()]);
    })
    .await;
    let log = LogBuffer::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .with_max_level(tracing::Level::INFO)
        .finish();
    {
        // The test's runtime runs on this thread: the subscriber sees the requests' spans.
        let _guard = tracing::subscriber::set_default(subscriber);
        let token = Some(r.vendor_a.as_str());
        assert_eq!(
            from_peer(&r, "10.0.0.1", Some("198.51.100.1, 203.0.113.10"), token).await,
            StatusCode::OK
        );
        assert_eq!(
            from_peer(&r, "192.0.2.77", Some("203.0.113.99"), token).await,
            StatusCode::OK
        );
    }
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("finished processing request"))
        .collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("client=203.0.113.10"), "{text}");
    assert!(lines[1].contains("client=192.0.2.77"), "{text}");
    assert!(
        !text.contains("203.0.113.99") && !text.contains("198.51.100.1"),
        "{text}"
    );
}

/// A signed report with a NUL character in a text field is refused 422 naming the field, on both
/// databases: PostgreSQL can neither store nor compare NUL, and indexing such a report answered
/// 500 there. Nothing is stored.
#[tokio::test]
async fn a_report_with_a_nul_character_is_refused_not_a_server_error() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let report = report(ReportSpec {
            model: Some("21\u{0}HM"),
            ..Default::default()
        });
        let (status, body) = r.submit(&sign(&report, &r.key_a)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        assert_eq!(body["error"]["code"], "invalid_report", "{kind}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains("system.product"), "{kind}: {message}");
        let (status, list) = r.get("/api/v1/submissions", Some(&r.reviewer)).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {list}");
        assert_eq!(
            list["submissions"].as_array().map(Vec::len),
            Some(0),
            "{kind}: {list}"
        );
        r.db.cleanup().await;
    }
}

/// Reports with per-device results, copies after a suspend and declarations (the plan format's
/// new keys) are accepted; reviewers see the declarations among the automated checks; two
/// results for the same (id, device, phase) are refused naming them.
#[tokio::test]
async fn per_device_results_and_declarations_are_accepted_and_shown_to_reviewers() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let mut rep = report(ReportSpec::default());
        let mut per_device = rep.results[0].clone();
        per_device.device = Some("pci:144d:a80a:144d:a801".into());
        let mut copy = per_device.clone();
        copy.phase = Some("after-suspend-1".into());
        rep.results.extend([per_device, copy.clone()]);
        rep.declared = vec!["card_reader".into()];
        rep.summary = mxcert_core::report::Summary::of(&rep.results);
        let (status, body) = r.submit(&sign(&rep, &r.key_a)).await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let (status, detail) = r
            .get(&format!("/api/v1/submissions/{id}"), Some(&r.reviewer))
            .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {detail}");
        let checks = detail["automated_checks"].as_array().unwrap();
        let declared = checks
            .iter()
            .find(|c| c["name"] == "declared")
            .unwrap_or_else(|| panic!("{kind}: {detail}"));
        assert_eq!(declared["code"], "declared.list");
        assert_eq!(declared["args"], json!(["card_reader"]));

        let mut dup = report(ReportSpec {
            model: Some("21HN"),
            ..Default::default()
        });
        dup.results.extend([copy.clone(), copy]);
        dup.summary = mxcert_core::report::Summary::of(&dup.results);
        let (status, body) = r.submit(&sign(&dup, &r.key_a)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains("(id, device, phase) must be unique"),
            "{kind}: {message}"
        );
        r.db.cleanup().await;
    }
}
