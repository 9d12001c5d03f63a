//! The partner directory through the real router on a real database: a vendor edits its entry,
//! an admin approves it before the public sees it, later edits wait for approval while the
//! published version stays, rejections carry a reason; who may do what; validation of states,
//! services and products; filters; and the audit trail. Runs on SQLite, and on PostgreSQL too when
//! `MXCERT_TEST_DATABASE_URL` is set.

mod common;
mod public_world;

use axum::http::{Method, StatusCode};
use common::redact;
use public_world::World;
use serde_json::{json, Value};

fn entry(certificate: &str) -> Value {
    json!({
        "name": "Cómputo Acme Occidente",
        "description": "Vendemos laptops con MxOS preinstalado y damos soporte en todo el Bajío.",
        "description_en": "We sell laptops with MxOS preinstalled and support them across the Bajío.",
        "website": "https://acme.example.mx/mxos",
        "email": "ventas@acme.example.mx",
        "phone": "+52 (33) 1234-5678",
        "states": ["jal", "MX-GUA", "QUE", "JAL"],
        "services": [
            {"kind": "technical_support", "description": "Mesa de ayuda en español",
             "sla": {"response_hours": 4, "coverage": "business_hours"}},
            {"kind": "implementation_migration"},
            {"kind": "training_certification", "description": "Cursos para administradores"}
        ],
        "products": [
            {"name": "ThinkPad X1 Carbon Gen 11 con MxOS", "certificate_id": certificate,
             "url": "https://acme.example.mx/x1"}
        ]
    })
}

async fn put(w: &World, slug: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
    w.r.call(
        Method::PUT,
        &format!("/api/v1/vendors/{slug}/entry"),
        token,
        body.to_string(),
    )
    .await
}

async fn slug_of(w: &World, org: &str) -> String {
    w.r.db.store.get_org(org).await.unwrap().slug
}

#[tokio::test]
async fn vendors_edit_their_entry_and_admins_approve_it_before_it_is_public() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let r = &w.r;
        let a = slug_of(&w, &r.org_a).await;
        let b = slug_of(&w, &r.org_b).await;
        assert_eq!(a, "computo-acme");
        let public = format!("/api/v1/vendors/{a}");
        assert_eq!(w.get_ok("/api/v1/vendors").await, json!([]), "{kind}");
        assert_eq!(r.get(&public, None).await.0, StatusCode::NOT_FOUND);

        // Who may edit A's entry: A's vendors and admins; not B, reviewers or the public.
        let body = entry(&w.x1);
        assert_eq!(
            put(&w, &a, None, body.clone()).await.0,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            put(&w, &a, Some(&r.vendor_b), body.clone()).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            put(&w, &a, Some(&r.reviewer), body.clone()).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, saved) = put(&w, &a, Some(&r.vendor_a), body.clone()).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["status"], "pending");
        assert_eq!(saved["draft"]["states"], json!(["GUA", "JAL", "QUE"]));
        assert_eq!(saved["published"], Value::Null);
        insta::assert_json_snapshot!("directory_entry_pending", redact(&saved));

        // Pending is not public.
        assert_eq!(r.get(&public, None).await.0, StatusCode::NOT_FOUND);
        assert_eq!(w.get_ok("/api/v1/vendors").await, json!([]));
        // Reading the entry: its vendors, reviewers and admins.
        let entry_path = format!("/api/v1/vendors/{a}/entry");
        assert_eq!(
            r.get(&entry_path, Some(&r.vendor_a)).await.0,
            StatusCode::OK
        );
        assert_eq!(
            r.get(&entry_path, Some(&r.reviewer)).await.0,
            StatusCode::OK
        );
        assert_eq!(
            r.get(&entry_path, Some(&r.vendor_b)).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(r.get(&entry_path, None).await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.get(&format!("/api/v1/vendors/{b}/entry"), Some(&r.vendor_b))
                .await
                .0,
            StatusCode::NOT_FOUND
        );
        // The admins' queue.
        let (status, queue) = r.get("/api/v1/vendor-entries", Some(&r.reviewer)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(queue.as_array().unwrap().len(), 1);
        assert_eq!(queue[0]["slug"], a.as_str());
        assert_eq!(
            r.get("/api/v1/vendor-entries", Some(&r.vendor_a)).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            r.get("/api/v1/vendor-entries", None).await.0,
            StatusCode::UNAUTHORIZED
        );

        // Only admins approve.
        let approve = format!("/api/v1/vendors/{a}/entry/approve");
        assert_eq!(
            r.post(&approve, Some(&r.vendor_a), json!({})).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            r.post(&approve, Some(&r.reviewer), json!({})).await.0,
            StatusCode::FORBIDDEN
        );
        let (status, approved) = r.call(Method::POST, &approve, Some(&r.admin), "").await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        assert_eq!(approved["status"], "approved");
        let (status, again) = r.post(&approve, Some(&r.admin), json!({})).await;
        assert_eq!(
            (status, again["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("invalid_state"))
        );

        // Public now, with names, and the product's certificate as it is now.
        let listing = w.get_ok(&public).await;
        assert_eq!(listing["name"], "Cómputo Acme Occidente");
        assert_eq!(listing["organisation"], "Cómputo Acme");
        assert_eq!(
            listing["states"],
            json!([
                {"code": "GUA", "name": "Guanajuato"},
                {"code": "JAL", "name": "Jalisco"},
                {"code": "QUE", "name": "Querétaro"}
            ])
        );
        assert_eq!(listing["services"][0]["name_es"], "Soporte técnico con SLA");
        assert_eq!(
            listing["services"][0]["sla"],
            json!({"response_hours": 4, "coverage": "business_hours"})
        );
        assert_eq!(listing["products"][0]["certificate_status"], "valid");
        assert_eq!(listing["products"][0]["system"], "LENOVO 21HM");
        assert_eq!(
            listing["products"][0]["system_url"],
            format!("/api/v1/systems/{}", w.x1)
        );
        insta::assert_json_snapshot!("directory_listing", redact(&listing));
        assert_eq!(
            w.get_ok("/api/v1/vendors").await.as_array().unwrap().len(),
            1
        );

        // Filters.
        for (query, found) in [
            ("service=technical_support", true),
            ("service=consulting", false),
            ("state=jal", true),
            ("state=MX-QUE", true),
            ("state=YUC", false),
            ("q=bajio", true),
            ("q=SOPORTE%20laptops", true),
            ("q=servidores", false),
            ("service=training_certification&state=GUA", true),
        ] {
            let list = w.get_ok(&format!("/api/v1/vendors?{query}")).await;
            assert_eq!(
                list.as_array().unwrap().len(),
                usize::from(found),
                "{query}"
            );
        }
        for (query, code) in [
            ("state=XX", "invalid_field"),
            ("service=support", "malformed_query"),
            ("page=2", "malformed_query"),
        ] {
            let (status, body) = r.get(&format!("/api/v1/vendors?{query}"), None).await;
            assert_eq!(
                (status, body["error"]["code"].as_str()),
                (StatusCode::BAD_REQUEST, Some(code)),
                "{query}"
            );
        }

        // An edit waits for approval; the public keeps the approved version; a rejection needs
        // and keeps a reason.
        let mut edited = entry(&w.x1);
        edited["description"] = json!("Ahora también en Nuevo León.");
        edited["states"] = json!(["NLE"]);
        let (status, saved) = put(&w, &a, Some(&r.admin), edited).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!(saved["status"], "pending");
        assert_eq!(saved["published"]["states"], json!(["GUA", "JAL", "QUE"]));
        assert_eq!(w.get_ok(&public).await["states"][0]["code"], "GUA");
        let reject = format!("/api/v1/vendors/{a}/entry/reject");
        let (status, body) = r.post(&reject, Some(&r.admin), json!({})).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_field"))
        );
        let (status, rejected) = r
            .post(
                &reject,
                Some(&r.admin),
                json!({"reason": "falta el aviso de privacidad"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{rejected}");
        assert_eq!(rejected["status"], "rejected");
        assert_eq!(rejected["review_note"], "falta el aviso de privacidad");
        let (_, mine) = r.get(&entry_path, Some(&r.vendor_a)).await;
        assert_eq!(mine["review_note"], "falta el aviso de privacidad");
        assert_eq!(
            w.get_ok(&public).await["description"],
            entry(&w.x1)["description"]
        );

        // Every step is in the audit log, with who did it.
        let (status, audit) = r
            .get("/api/v1/audit?subject_kind=directory_entry", Some(&r.admin))
            .await;
        assert_eq!(status, StatusCode::OK);
        let steps: Vec<(&str, &str)> = audit["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["action"].as_str().unwrap(),
                    e["actor_role"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            steps,
            [
                ("directory.update", "vendor"),
                ("directory.approve", "admin"),
                ("directory.update", "admin"),
                ("directory.reject", "admin"),
            ]
        );
        assert_eq!(
            audit["events"][0]["details"]["draft"]["states"],
            json!(["GUA", "JAL", "QUE"])
        );

        // A revoked certificate shows in the listing.
        w.revoke(&w.x1, "recalled").await;
        assert_eq!(
            w.get_ok(&public).await["products"][0]["certificate_status"],
            "revoked"
        );
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn invalid_entries_are_refused_with_the_field_that_is_wrong() {
    let w = World::new("sqlite").await;
    let r = &w.r;
    let a = slug_of(&w, &r.org_a).await;
    w.revoke(&w.xps, "recalled").await;
    let base = entry(&w.x1);
    let with = |path: &[&str], value: Value| {
        let mut e = base.clone();
        let mut slot = &mut e;
        for p in path {
            slot = match p.parse::<usize>() {
                Ok(i) => &mut slot[i],
                Err(_) => &mut slot[*p],
            };
        }
        *slot = value;
        e
    };
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            with(&["states"], json!(["JAL", "XX"])),
            "invalid_field",
            "states",
        ),
        (
            with(&["states"], json!(["Jalisco"])),
            "invalid_field",
            "federal entities",
        ),
        (
            with(&["services", "0", "sla"], Value::Null),
            "invalid_field",
            "technical_support must state its SLA",
        ),
        (
            with(&["services", "0", "sla", "response_hours"], json!(0)),
            "invalid_field",
            "response_hours",
        ),
        (
            with(&["services", "1", "kind"], json!("technical_support")),
            "invalid_field",
            "listed twice",
        ),
        (
            with(&["services", "1", "kind"], json!("plumbing")),
            "malformed_body",
            "unknown variant",
        ),
        (
            with(
                &["products", "0", "certificate_id"],
                json!("MX-2026-999999"),
            ),
            "invalid_field",
            "no certificate",
        ),
        (
            with(&["products", "0", "certificate_id"], json!(w.xps)),
            "invalid_field",
            "revoked",
        ),
        (
            with(&["products", "0", "certificate_id"], json!("nope")),
            "invalid_field",
            "products[0].certificate_id",
        ),
        (
            with(&["products", "0", "name"], json!("  ")),
            "invalid_field",
            "products[0].name",
        ),
        (
            with(&["website"], json!("javascript:alert(1)")),
            "invalid_field",
            "website",
        ),
        (
            with(&["website"], json!("https://")),
            "invalid_field",
            "website",
        ),
        (
            with(&["email"], json!("ventas at acme")),
            "invalid_field",
            "email",
        ),
        (with(&["phone"], json!("call me")), "invalid_field", "phone"),
        (
            with(&["description"], json!("")),
            "invalid_field",
            "description",
        ),
        (
            with(&["description"], json!("x".repeat(4001))),
            "invalid_field",
            "description",
        ),
        (
            with(&["name"], json!("a\u{0}b")),
            "invalid_field",
            "control characters",
        ),
        (
            with(&["colour"], json!("red")),
            "malformed_body",
            "unknown field",
        ),
    ];
    for (body, code, needle) in cases {
        let (status, answer) = put(&w, &a, Some(&r.vendor_a), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(answer["error"]["code"], code, "{answer}");
        let message = answer["error"]["message"].as_str().unwrap();
        assert!(message.contains(needle), "{needle:?} not in {message:?}");
    }
    for raw in ["", "{", "[]", "null", "\u{0}"] {
        let (status, answer) =
            w.r.call(
                Method::PUT,
                &format!("/api/v1/vendors/{a}/entry"),
                Some(&r.vendor_a),
                raw.to_owned(),
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{raw:?}: {answer}");
    }
    // Nothing was saved, nothing was audited.
    assert_eq!(
        r.get(&format!("/api/v1/vendors/{a}/entry"), Some(&r.vendor_a))
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let (_, audit) = r
        .get("/api/v1/audit?subject_kind=directory_entry", Some(&r.admin))
        .await;
    assert_eq!(audit["events"], json!([]));
    for (path, status) in [
        ("/api/v1/vendors/no-such-org", StatusCode::NOT_FOUND),
        ("/api/v1/vendors/no-such-org/entry", StatusCode::NOT_FOUND),
    ] {
        let token = path.ends_with("entry").then_some(r.admin.as_str());
        assert_eq!(r.get(path, token).await.0, status, "{path}");
    }
    w.r.db.cleanup().await;
}
