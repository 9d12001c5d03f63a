//! Attachments inside signed reports, through the real router on a real database: a report
//! whose attachment's SHA-256 does not match its content is refused at ingest naming the
//! attachment; the organisation and reviewers list and download the files (as text, never as a
//! page), others may not. Runs on SQLite, and on PostgreSQL too when `MXCERT_TEST_DATABASE_URL`
//! is set.

mod common;
mod web_client;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use common::{report, sign, Registry, ReportSpec};
use http_body_util::BodyExt;
use mxcert_core::attachment::{Attachment, MEDIA_TYPES};
use mxcert_core::report::Report;
use tower::ServiceExt;
use web_client::{check_accessibility, Client};

const KERNEL_LOG: &str = "[   12.345678] usb 1-4: new high-speed USB device number 3 using xhci_hcd\n[   13.000001] ACPI Error: AE_NOT_FOUND, While resolving a named reference\n";

fn with_attachments() -> Report {
    let mut r = report(ReportSpec::default());
    r.attachments = vec![
        Attachment::new(
            "kernel.log",
            MEDIA_TYPES[0],
            KERNEL_LOG.into(),
            1 << 20,
            None,
        ),
        Attachment::new(
            "fwupd-devices.json",
            MEDIA_TYPES[1],
            "{\"Devices\": []}\n".into(),
            1 << 20,
            Some(9_000_000),
        ),
    ];
    r.attachment_notes = vec!["systemctl --failed --no-pager: systemctl is not installed".into()];
    r
}

/// GET through the real router, with the answer's headers.
async fn get_raw(
    r: &Registry,
    path: &str,
    token: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let mut req = Request::builder().uri(path);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let resp = mxcert_registry::server::app(r.state.clone())
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = resp.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes().to_vec();
    (parts.status, parts.headers, bytes)
}

#[tokio::test]
async fn reviewers_list_and_download_attachments_and_others_may_not() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let (status, body) = r.submit(&sign(&with_attachments(), &r.key_a)).await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        let id = body["id"].as_str().unwrap().to_owned();
        let list_path = format!("/api/v1/submissions/{id}/attachments");

        for token in [&r.reviewer, &r.vendor_a] {
            let (status, list) = r.get(&list_path, Some(token)).await;
            assert_eq!(status, StatusCode::OK, "{kind}: {list}");
            let files = list["attachments"].as_array().unwrap();
            assert_eq!(files.len(), 2, "{kind}: {list}");
            assert_eq!(files[0]["name"], "kernel.log");
            assert_eq!(files[0]["size"], KERNEL_LOG.len());
            assert_eq!(
                files[0]["sha256"],
                mxcert_core::attachment::sha256_hex(KERNEL_LOG)
            );
            assert_eq!(
                files[0]["url"],
                format!("/api/v1/submissions/{id}/attachments/kernel.log")
            );
            assert_eq!(files[1]["truncated_from"], 9_000_000);
            assert_eq!(
                list["notes"][0],
                "systemctl --failed --no-pager: systemctl is not installed"
            );
        }

        let (status, headers, bytes) = get_raw(
            &r,
            &format!("/api/v1/submissions/{id}/attachments/kernel.log"),
            Some(&r.reviewer),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kind}");
        assert_eq!(bytes, KERNEL_LOG.as_bytes());
        assert_eq!(headers["content-type"], "text/plain; charset=utf-8");
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"kernel.log\""
        );
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(headers["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox"));
        assert_eq!(
            headers["x-content-sha256"],
            mxcert_core::attachment::sha256_hex(KERNEL_LOG).as_str()
        );
        let (status, _, bytes) = get_raw(
            &r,
            &format!("/api/v1/submissions/{id}/attachments/fwupd-devices.json"),
            Some(&r.vendor_a),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{kind}");
        assert_eq!(bytes, b"{\"Devices\": []}\n");

        // Another organisation, nobody, and names that are not there.
        let (status, body) = r.get(&list_path, Some(&r.vendor_b)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{kind}: {body}");
        let (status, body) = r.get(&list_path, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{kind}: {body}");
        for name in ["dmesg.log", "..%2Fkernel.log", "KERNEL.LOG"] {
            let (status, body) = r
                .get(&format!("{list_path}/{name}"), Some(&r.reviewer))
                .await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{kind} {name}: {body}");
            assert_eq!(body["error"]["code"], "not_found", "{kind}: {body}");
        }
        let (status, _) = r
            .get(
                "/api/v1/submissions/no-such-submission/attachments",
                Some(&r.reviewer),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind}");
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn an_attachment_whose_digest_does_not_match_is_refused_at_ingest() {
    for kind in common::database_kinds() {
        let r = Registry::new(kind).await;
        let mut report = with_attachments();
        // Changed after the runner made it, digest left as it was, then signed.
        report.attachments[0].content = KERNEL_LOG.replace("ACPI Error", "ACPI fine");
        let (status, body) = r.submit(&sign(&report, &r.key_a)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        assert_eq!(
            body["error"]["code"], "attachment_digest_mismatch",
            "{kind}: {body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.starts_with("attachment kernel.log: its sha256 is "),
            "{kind}: {message}"
        );
        // An HTML attachment could be served as a page: refused before anything is stored.
        let mut report = with_attachments();
        report.attachments[1].media_type = "text/html".into();
        let (status, body) = r.submit(&sign(&report, &r.key_a)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{kind}: {body}");
        let (_, list) = r.get("/api/v1/submissions", Some(&r.reviewer)).await;
        assert_eq!(list["submissions"].as_array().map(Vec::len), Some(0));
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_submission_page_lists_the_attachments_and_draws_the_samples() {
    let r = Registry::new("sqlite").await;
    let mut report = with_attachments();
    let points: Vec<mxcert_core::samples::Sample> = (0..10u64)
        .map(|i| mxcert_core::samples::Sample {
            at_ms: i * 1000,
            cpu_busy_percent: 97.0,
            cpu_mhz: None,
            memory_used_mib: 1500,
            load_1m: 2.0,
            temperature_max_c: None,
        })
        .collect();
    let stress = report
        .results
        .iter_mut()
        .find(|t| t.check == "cpu.stress")
        .unwrap();
    stress.samples = Some(Box::new(mxcert_core::samples::Samples::from_points(
        &points,
    )));
    let (status, body) = r.submit(&sign(&report, &r.key_a)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["id"].as_str().unwrap().to_owned();

    let mut rev = Client::new(&r.state);
    rev.sign_in(&r.reviewer).await;
    let page = rev.get(&format!("/envios/{id}")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    check_accessibility(&page, "es-MX");
    page.assert_has("Archivos adjuntos al informe");
    page.assert_has(&format!("href=\"/envios/{id}/adjuntos/kernel.log\""));
    page.assert_has("recortado; el original medía 9000000 bytes");
    page.assert_has("systemctl --failed --no-pager: systemctl is not installed");
    // The chart: an SVG with the CPU line, no frequency or temperature (never measured), and
    // the table.
    page.assert_has("Prueba cpu-stress (cpu.stress)");
    page.assert_has("<svg class=\"chart\"");
    page.assert_has("class=\"chart-cpu\"");
    page.assert_lacks("class=\"chart-temp\"");
    page.assert_has("10 muestras; la tabla muestra una de cada 1");

    let file = rev.get(&format!("/envios/{id}/adjuntos/kernel.log")).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.body, KERNEL_LOG);
    assert_eq!(file.header("content-type"), "text/plain; charset=utf-8");
    assert_eq!(file.header("x-content-type-options"), "nosniff");

    // Another organisation's vendor sees neither the page nor the file.
    let mut other = Client::new(&r.state);
    other.sign_in(&r.vendor_b).await;
    let denied = other
        .get(&format!("/envios/{id}/adjuntos/kernel.log"))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert!(!denied.body.contains("ACPI Error"));
    r.db.cleanup().await;
}
