//! Community reports (issue 18) through the real router on SQLite and PostgreSQL: sharing,
//! counts per distinct machine that move on the device API and `/check`, sharing again from the
//! same machine (no double count), deleting with the token, hiding by reviewers (audited, no
//! longer counted), the moderation queue, and every refusal of hostile input; and the portal's
//! "Comparte tu equipo" form and report page.

mod common;
mod web_client;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{database_kinds, Registry};
use http_body_util::BodyExt as _;
use serde_json::{json, Value};
use tower::ServiceExt as _;
use web_client::{check_accessibility, Client};

/// A probe of a laptop with Wi-Fi, Bluetooth and graphics, from machine `machine`, with
/// `kernel`.
fn probe(machine: &str, kernel: &str) -> Value {
    json!({
        "schema_version": 1,
        "created_at": "2026-11-30T10:00:00Z",
        "tool": {"name": "mxcert", "version": "0.1.0"},
        "machine_id": machine,
        "system": {"vendor": "LENOVO", "product": "21HM"},
        "os": {"id": "mxos", "version": "1.0", "kernel": kernel},
        "devices": [
            {"bus": "pci", "id": "pci:8086:a7a1:17aa:22e4", "category": "graphics", "driver": "i915"},
            {"bus": "pci", "id": "pci:8086:51f1:8086:0094", "category": "wireless", "driver": "iwlwifi"},
            {"bus": "usb", "id": "usb:8087:0033", "category": "bluetooth", "driver": "btusb"}
        ]
    })
}

fn report(machine: &str, kernel: &str, extra: Value) -> Value {
    let mut r = json!({"schema_version": 1, "inventory": probe(machine, kernel)});
    for (k, v) in extra.as_object().unwrap() {
        r[k] = v.clone();
    }
    r
}

async fn share(r: &Registry, body: &Value) -> (StatusCode, Value) {
    r.post("/api/v1/community/reports", None, body.clone())
        .await
}

async fn community(r: &Registry, device: &str) -> Value {
    let (status, d) = r.get(&format!("/api/v1/devices/{device}"), None).await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

async fn delete(r: &Registry, id: &str, token: Option<&str>) -> (StatusCode, Value) {
    let mut req = Request::builder()
        .method(Method::DELETE)
        .uri(format!("/api/v1/community/reports/{id}"));
    if let Some(t) = token {
        req = req.header("x-deletion-token", t);
    }
    let resp = mxcert_registry::server::app(r.state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn counts_are_of_distinct_machines_and_move_with_sharing_deleting_and_hiding() {
    for kind in database_kinds() {
        let r = Registry::new(kind).await;
        let wifi = "pci/8086:51f1";
        // Nobody has said anything about this Wi-Fi chip: no report contains it.
        let (status, _) = r.get(&format!("/api/v1/devices/{wifi}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind}");

        let (status, first) = share(
            &r,
            &report("m1", "6.8.0-45", json!({"summary": "all_work"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {first}");
        assert_eq!(first["works"], 3);
        assert_eq!(first["replaced"], false);
        assert!(first["url"].as_str().unwrap().starts_with("/comunidad/"));
        let token1 = first["deletion_token"].as_str().unwrap().to_owned();
        assert!(token1.starts_with("mxd_"));
        let d = community(&r, wifi).await;
        assert_eq!(d["status"], "works", "{kind}: {d}");
        assert_eq!(d["community"]["works"], 1);
        assert_eq!(d["community"]["problems"], 0);
        assert_eq!(
            d["reports"]["works"], 0,
            "community is not certification evidence"
        );

        // The same machine again: it replaces, so the count does not double; now Wi-Fi fails.
        for _ in 0..2 {
            let (status, again) = share(
                &r,
                &report(
                    "m1",
                    "6.8.0-45",
                    json!({"summary": "some_problems", "problem_areas": ["wireless"],
                           "comment": "Se desconecta después de suspender."}),
                ),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{kind}: {again}");
            assert_eq!(again["replaced"], true);
        }
        let d = community(&r, wifi).await;
        assert_eq!(d["community"]["works"], 0, "{kind}: {d}");
        assert_eq!(d["community"]["problems"], 1);
        assert_eq!(d["status"], "problem");
        let bt = community(&r, "usb/8087:0033").await;
        assert_eq!(bt["community"]["works"], 1, "the rest confirmed working");

        // Two more machines, one on another kernel series: counted per release and series.
        let (_, m2) = share(
            &r,
            &report("m2", "6.8.0-50", json!({"summary": "all_work"})),
        )
        .await;
        let (status, m3) = share(
            &r,
            &report(
                "m3",
                "6.11.2",
                json!({"summary": "all_work", "works": ["pci:8086:51f1"]}),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{m3}");
        assert_eq!(m3["works"], 1, "only the listed device is confirmed");
        let d = community(&r, wifi).await;
        assert_eq!(d["community"]["works"], 2, "{kind}: {d}");
        assert_eq!(d["community"]["problems"], 1);
        assert_eq!(d["status"], "works");
        let by: Vec<(String, String, i64, i64)> = d["community"]["by_release"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["release"].as_str().unwrap().to_owned(),
                    b["kernel_series"].as_str().unwrap().to_owned(),
                    b["works"].as_i64().unwrap(),
                    b["problems"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            by,
            vec![
                ("mxos 1.0".into(), "6.8".into(), 1, 1),
                ("mxos 1.0".into(), "6.11".into(), 1, 0)
            ],
            "{kind}"
        );
        // Graphics: m3 confirmed only the Wi-Fi chip.
        let gpu = community(&r, "pci/8086:a7a1").await;
        assert_eq!(gpu["community"]["works"], 2, "{gpu}");

        // /check shows the community counts beside certification's.
        let (status, answer) = r
            .call(
                Method::POST,
                "/api/v1/check",
                None,
                serde_json::to_vec(&probe("m9", "6.8")).unwrap(),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let dev = answer["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["base_identity"] == "pci:8086:51f1")
            .unwrap();
        assert_eq!(dev["community"], json!({"works": 2, "problems": 1}));
        assert_eq!(dev["status"], "works");

        // The public report, without its machine id.
        let m2_id = m2["id"].as_str().unwrap();
        let (status, view) = r
            .get(&format!("/api/v1/community/reports/{m2_id}"), None)
            .await;
        assert_eq!(status, StatusCode::OK, "{view}");
        assert_eq!(view["kernel_series"], "6.8");
        assert!(!view.to_string().contains("m2\""), "{view}");

        // Deleting needs the report's own token.
        let m2_token = m2["deletion_token"].as_str().unwrap();
        assert_eq!(delete(&r, m2_id, None).await.0, StatusCode::UNAUTHORIZED);
        let (status, e) = delete(&r, m2_id, Some(&token1)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{e}");
        assert_eq!(e["error"]["code"], "wrong_token");
        assert_eq!(
            delete(&r, m2_id, Some(m2_token)).await.0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            delete(&r, m2_id, Some(m2_token)).await.0,
            StatusCode::NOT_FOUND
        );
        let d = community(&r, wifi).await;
        assert_eq!(d["community"]["works"], 1, "{kind}: {d}");

        // Reviewers see the queue, newest first, and hide a report: audited, no longer counted.
        let (status, _) = r.get("/api/v1/community/reports", Some(&r.vendor_a)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = r.get("/api/v1/community/reports", None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let (status, queue) = r.get("/api/v1/community/reports", Some(&r.reviewer)).await;
        assert_eq!(status, StatusCode::OK, "{queue}");
        let ids: Vec<&str> = queue["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["id"].as_str().unwrap())
            .collect();
        let m3_id = m3["id"].as_str().unwrap();
        assert_eq!(ids.first(), Some(&m3_id), "{queue}");
        assert_eq!(ids.len(), 2);
        let hide = format!("/api/v1/community/reports/{m3_id}/hide");
        let (status, _) = r
            .post(&hide, Some(&r.vendor_a), json!({"reason": "spam"}))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, hidden) = r
            .post(
                &hide,
                Some(&r.reviewer),
                json!({"reason": "mismo equipo, ids falsos"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{hidden}");
        assert!(hidden["hidden_at"].is_string());
        let (status, again) = r
            .post(&hide, Some(&r.reviewer), json!({"reason": "otra vez"}))
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        let d = community(&r, wifi).await;
        assert_eq!(d["community"]["works"], 0, "{kind}: {d}");
        assert_eq!(d["status"], "problem");
        let (status, _) = r
            .get(&format!("/api/v1/community/reports/{m3_id}"), None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "hidden from the public");
        let (status, _) = r
            .get(
                &format!("/api/v1/community/reports/{m3_id}"),
                Some(&r.reviewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "reviewers still see it");
        let (status, audit) = r
            .get(
                &format!("/api/v1/audit?subject_kind=community_report&subject_id={m3_id}"),
                Some(&r.admin),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let events = audit["events"].as_array().unwrap();
        assert_eq!(events.len(), 1, "{audit}");
        assert_eq!(events[0]["action"], "community_report.hide");

        // The kept per-device counts (what lookups read) equal a count of the visible reports
        // after every share, replacement, deletion and hiding above; `admin check` says where
        // they would not.
        let store = &r.state.store;
        assert_eq!(
            store.community_counts_drift().await.unwrap(),
            Vec::<String>::new(),
            "{kind}"
        );
        sqlx::query("UPDATE community_counts SET works = works + 5 WHERE base_identity = $1")
            .bind("pci:8086:51f1")
            .execute(store.pool())
            .await
            .unwrap();
        let drift = store.community_counts_drift().await.unwrap();
        assert!(
            !drift.is_empty() && drift.iter().all(|l| l.contains("pci:8086:51f1")),
            "{kind}: {drift:?}"
        );
        match mxcert_registry::backup::check(store).await {
            Err(mxcert_registry::backup::BackupError::Problems(p)) => {
                assert!(
                    p.iter()
                        .any(|l| l.contains("community counts of pci:8086:51f1")),
                    "{p:?}"
                )
            }
            other => panic!("{kind}: admin check missed the drift: {other:?}"),
        }
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn hostile_reports_are_refused_with_the_reason() {
    for kind in database_kinds() {
        let r = Registry::with_config(kind, |c| {
            c.community_reports_per_hour = 0;
            c.community_reports_per_machine_per_hour = 0;
        })
        .await;
        let raw = |body: &'static [u8]| {
            let r = &r;
            async move {
                r.call(
                    Method::POST,
                    "/api/v1/community/reports",
                    None,
                    body.to_vec(),
                )
                .await
            }
        };
        assert_eq!(raw(b"").await.0, StatusCode::BAD_REQUEST);
        assert_eq!(raw(b"{not json").await.0, StatusCode::BAD_REQUEST);
        assert_eq!(raw(b"[1,2]").await.0, StatusCode::BAD_REQUEST);
        let cases: Vec<(Value, StatusCode, &str)> = vec![
            (
                report("m1", "6.8", json!({"summary": "all_work", "surprise": 1})),
                StatusCode::BAD_REQUEST,
                "surprise",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "escríbeme: ana@example.mx"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "e-mail",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "tel 55 1234 5678"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "phone",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "serie 5CG1234XYZ"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "serial",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "mac aa:bb:cc:dd:ee:ff"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "MAC",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "some_problems", "problems": ["pci:1234:5678"]}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "not a device of this machine",
            ),
            (
                report("m1", "6.8", json!({"summary": "some_problems"})),
                StatusCode::UNPROCESSABLE_ENTITY,
                "neither problems",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "problem_areas": ["teleportation"]}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "teleportation",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "some_problems",
                    "works": ["usb:8087:0033"], "problems": ["usb:8087:0033"]}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "both",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "a\u{0}b"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "NUL",
            ),
            (
                report(
                    "m1",
                    "6.8",
                    json!({"summary": "all_work", "comment": "x".repeat(2001)}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
                "2001 characters",
            ),
        ];
        for (body, status, words) in cases {
            let (got, e) = share(&r, &body).await;
            assert_eq!(got, status, "{kind}: {e}");
            assert!(
                e["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .contains(words),
                "{kind}: {words}: {e}"
            );
        }
        // No machine id: nothing to count it under.
        let mut anonymous = report("m1", "6.8", json!({"summary": "all_work"}));
        anonymous["inventory"]
            .as_object_mut()
            .unwrap()
            .remove("machine_id");
        let (status, e) = share(&r, &anonymous).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        // Too many devices.
        let mut big = report("m1", "6.8", json!({"summary": "all_work"}));
        let one = big["inventory"]["devices"][0].clone();
        big["inventory"]["devices"] = Value::Array(vec![one; 2001]);
        let (status, e) = share(&r, &big).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
        assert!(e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2001 devices"));
        // Over the body limit.
        let huge = vec![b' '; r.state.config.check_max_body_bytes + 1];
        let (status, _) = r
            .call(Method::POST, "/api/v1/community/reports", None, huge)
            .await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);

        // Forged machine ids: each counts once at most, and the same report replayed under
        // another id is a duplicate.
        let (status, _) = share(&r, &report("m1", "6.8", json!({"summary": "all_work"}))).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, e) = share(&r, &report("forged", "6.8", json!({"summary": "all_work"}))).await;
        assert_eq!(status, StatusCode::CONFLICT, "{e}");
        assert_eq!(e["error"]["code"], "duplicate");
        let d = community(&r, "pci/8086:51f1").await;
        assert_eq!(d["community"]["works"], 1);
        // Nothing refused reached the store or a 5xx.
        let (_, queue) = r.get("/api/v1/community/reports", Some(&r.reviewer)).await;
        assert_eq!(queue["reports"].as_array().unwrap().len(), 1, "{queue}");
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn floods_are_limited_per_address_and_per_machine() {
    let r = Registry::with_config("sqlite", |c| {
        c.community_reports_per_hour = 1;
        c.community_report_burst = 4;
        c.community_reports_per_machine_per_hour = 1;
    })
    .await;
    // One machine: three at once (its burst), then 429.
    for i in 0..3 {
        let (status, e) = share(
            &r,
            &report("same", &format!("6.{i}"), json!({"summary": "all_work"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{i}: {e}");
    }
    let (status, e) = share(&r, &report("same", "6.9", json!({"summary": "all_work"}))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{e}");
    // The address's burst is used up too now.
    let (status, _) = share(&r, &report("other", "6.9", json!({"summary": "all_work"}))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    r.db.cleanup().await;
}

#[tokio::test]
async fn the_portal_shares_an_uploaded_probe_and_shows_the_report() {
    let r = Registry::new("sqlite").await;
    let mut c = Client::new(&r.state);
    let form = c.get("/comparte").await;
    assert_eq!(form.status, StatusCode::OK);
    check_accessibility(&form, "es-MX");
    form.assert_has("mxcert share");
    form.assert_has("enctype=\"multipart/form-data\"");
    let probe = serde_json::to_vec(&probe("web-1", "6.8.0")).unwrap();

    // Personal data in the comment: the form again, with the reason and what was typed.
    let refused = c
        .submit_multipart(
            &form,
            "/comparte",
            &[
                ("summary", "some_problems"),
                ("area", "wireless"),
                ("comment", "llámame al 55 1234 5678"),
            ],
            Some(("probe", "equipo.json", &probe)),
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    refused.assert_has("phone number");

    let shared = c
        .submit_multipart(
            &form,
            "/comparte",
            &[
                ("summary", "some_problems"),
                ("area", "wireless"),
                ("comment", "El Wi-Fi se cae"),
            ],
            Some(("probe", "equipo.json", &probe)),
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "{}", shared.body);
    check_accessibility(&shared, "es-MX");
    shared.assert_has("¡Gracias por compartir!");
    shared.assert_has("mxd_");
    let url = shared
        .body
        .split("id=\"shared-url\" href=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_owned();
    let page = c.get(&url).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("LENOVO 21HM");
    page.assert_has("El Wi-Fi se cae");
    page.assert_has("no son una certificación");
    page.assert_lacks("web-1");
    // The device page shows the community counts, labelled as such.
    let device = c.get("/dispositivos/pci/8086:51f1").await;
    assert_eq!(device.status, StatusCode::OK, "{}", device.body);
    device.assert_has("problemas en 1 equipos (reportes de personas, no certificación)");
    r.db.cleanup().await;
}
