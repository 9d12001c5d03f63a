//! The public API through the real router on a real database: certified systems (search, filters,
//! detail), per-device compatibility and how it follows approvals, rejections, withdrawals and
//! revocations, `/check` with every JSON input, the partner directory (edit, approve, reject,
//! audit), the exports, the operational endpoints and the OpenAPI document. Runs on SQLite, and on
//! PostgreSQL too when `MXCERT_TEST_DATABASE_URL` is set.

mod common;
mod public_world;

use axum::http::{Method, StatusCode};
use common::redact;
use public_world::World;
use serde_json::{json, Value};

fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["certificate_id"].as_str().unwrap().to_owned())
        .collect()
}

/// `q` through the trigram index (words of 3+ characters) and without it (shorter words): every
/// word must appear anywhere in the folded text (inside a word too), accents and case folded;
/// pages and totals agree with the plain search, and a revoked certificate leaves the results.
#[tokio::test]
async fn text_search_matches_substrings_of_folded_text_with_and_without_the_index() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let both = vec![&w.xps, &w.x1];
        let cases: Vec<(&str, Vec<&String>)> = vec![
            ("q=hinkpa", vec![&w.x1]),        // inside a word
            ("q=C%C3%B3MPUTO", both.clone()), // accent and case in the query
            ("q=omput", both.clone()),        // inside the folded organisation
            ("q=acme%20lenovo", vec![&w.x1]), // every word, any order
            ("q=carbon%20x1", vec![&w.x1]),   // a long word and a short one
            ("q=x1", vec![&w.x1]),            // short words only: no index
            ("q=0k", vec![&w.xps]),
            ("q=x", both.clone()),         // one character
            ("q=21hmcto1ww", vec![&w.x1]), // the board
            ("q=9340%20xps%20dell", vec![&w.xps]),
            ("q=carbon%20dell", vec![]), // each word matches, not together
            ("q=gen%2011%20thinkpad", vec![&w.x1]),
            ("q=carbongen", vec![]), // the index's trigrams, not the text
            ("q=a_m", vec![]),       // LIKE wildcards are literal
            ("q=computo&sort=oldest", vec![&w.x1, &w.xps]),
            ("q=computo&per_page=1", vec![&w.xps]),
            ("q=computo&per_page=1&page=2", vec![&w.x1]),
            ("q=computo&per_page=1&page=3", vec![]),
            ("q=computo&vendor=lenovo", vec![&w.x1]),
            ("q=computo&status=revoked", vec![]),
        ];
        for (query, expected) in &cases {
            let page = w.get_ok(&format!("/api/v1/systems?{query}")).await;
            let expected: Vec<String> = expected.iter().map(|s| (*s).clone()).collect();
            assert_eq!(ids(&page), expected, "{kind}: {query}");
        }
        for query in ["q=computo&per_page=1", "q=computo&per_page=1&page=3"] {
            let page = w.get_ok(&format!("/api/v1/systems?{query}")).await;
            assert_eq!(
                (page["total"].as_i64(), page["pages"].as_i64()),
                (Some(2), Some(2)),
                "{kind}: {query}"
            );
        }
        let page = w.get_ok("/api/v1/systems?q=zzzzzz").await;
        assert_eq!(page["total"], 0, "{kind}");

        // The certificate id is searchable, and revoking takes the system out of `valid`.
        let id_word = w.x1.to_lowercase();
        let page = w.get_ok(&format!("/api/v1/systems?q={id_word}")).await;
        assert_eq!(ids(&page), std::slice::from_ref(&w.x1), "{kind}");
        w.revoke(&w.x1, "the battery overheats").await;
        let page = w.get_ok("/api/v1/systems?q=computo").await;
        assert_eq!(
            (ids(&page), page["total"].as_i64()),
            (vec![w.xps.clone()], Some(1))
        );
        let page = w
            .get_ok("/api/v1/systems?q=thinkpad%20carbon&status=revoked")
            .await;
        assert_eq!(ids(&page), std::slice::from_ref(&w.x1), "{kind}");
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn systems_are_searched_filtered_sorted_and_paged() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let all = w.get_ok("/api/v1/systems").await;
        assert_eq!(all["total"], 2, "{kind}: only approved systems are listed");
        assert_eq!(ids(&all), [w.xps.clone(), w.x1.clone()], "newest first");
        assert_eq!(all["pages"], 1);
        let x1 = &all["items"][1];
        assert_eq!(x1["vendor"], "LENOVO");
        assert_eq!(x1["model"], "21HM");
        assert_eq!(x1["category"], "laptop");
        assert_eq!(x1["chassis_type"], "Notebook");
        assert_eq!(x1["mxos_release"], "1.0");
        assert_eq!(x1["plan"], json!({"id": "quick", "version": "1.0.0"}));
        assert_eq!(x1["status"], "valid");
        assert_eq!(x1["organisation"], "Cómputo Acme");
        assert_eq!(x1["device_count"], 3);
        insta::assert_json_snapshot!("systems_search", redact(&all));

        let cases: Vec<(&str, Vec<&String>)> = vec![
            ("q=thinkpad", vec![&w.x1]),
            ("q=THINKPAD%20carbon%20gen", vec![&w.x1]),
            ("q=computo", vec![&w.xps, &w.x1]), // the organisation, accents folded
            ("q=xps%2013", vec![&w.xps]),
            ("q=nothing-like-this", vec![]),
            ("q=50%25", vec![]),
            ("vendor=lenovo", vec![&w.x1]),
            ("vendor=DELL%20INC.", vec![&w.xps]),
            ("category=laptop", vec![&w.xps, &w.x1]),
            ("category=server", vec![]),
            ("release=1.0", vec![&w.xps, &w.x1]),
            ("release=2.0", vec![]),
            ("device=pci:8086:a7a1", vec![&w.x1]),
            ("device=PCI:8086:A7A1:17AA:22E4", vec![&w.x1]),
            ("device=usb:0c45:6730", vec![&w.xps]),
            ("device=0C45:6730", vec![&w.xps]),
            ("device=8086:a7a1", vec![&w.x1]),
            ("sort=oldest", vec![&w.x1, &w.xps]),
            ("sort=vendor", vec![&w.xps, &w.x1]),
            ("sort=model", vec![&w.x1, &w.xps]),
            ("per_page=1&page=2", vec![&w.x1]),
            ("per_page=1&page=3", vec![]),
            ("status=revoked", vec![]),
            ("status=all", vec![&w.xps, &w.x1]),
        ];
        for (query, expected) in cases {
            let page = w.get_ok(&format!("/api/v1/systems?{query}")).await;
            let expected: Vec<String> = expected.into_iter().cloned().collect();
            assert_eq!(ids(&page), expected, "{kind}: {query}");
        }
        let page = w.get_ok("/api/v1/systems?per_page=1").await;
        assert_eq!(
            (page["total"].as_i64(), page["pages"].as_i64()),
            (Some(2), Some(2))
        );

        for (query, code) in [
            ("page=0", "invalid_field"),
            ("page=-1", "malformed_query"),
            ("page=abc", "malformed_query"),
            ("per_page=101", "invalid_field"),
            ("category=spaceship", "malformed_query"),
            ("sort=random", "malformed_query"),
            ("status=maybe", "malformed_query"),
            ("device=1234:5678:9", "invalid_field"),
            ("device=pci:zz", "invalid_field"),
            ("color=red", "malformed_query"),
            ("per_page=0", "invalid_field"),
        ] {
            let (status, got) = w
                .error(Method::GET, &format!("/api/v1/systems?{query}"), "")
                .await;
            assert_eq!(
                (status, got.as_str()),
                (StatusCode::BAD_REQUEST, code),
                "{query}"
            );
        }
        let long = "a".repeat(600);
        let (status, code) = w
            .error(Method::GET, &format!("/api/v1/systems?q={long}"), "")
            .await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "invalid_field")
        );

        let facets = w.get_ok("/api/v1/systems/facets").await;
        assert_eq!(
            facets,
            json!({
                "vendors": [{"value": "Dell Inc.", "count": 1}, {"value": "LENOVO", "count": 1}],
                "categories": [{"value": "laptop", "count": 2}],
                "releases": [{"value": "1.0", "count": 2}],
            })
        );
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_system_shows_its_certificate_results_devices_and_model_history() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        let detail = w.get_ok(&format!("/api/v1/systems/{}", w.x1)).await;
        assert_eq!(detail["certificate_id"], w.x1.as_str());
        assert_eq!(detail["family"], "ThinkPad X1 Carbon Gen 11");
        assert_eq!(detail["board"], "21HMCTO1WW");
        assert_eq!(detail["os"]["kernel"], "6.1.0-27-amd64");
        assert_eq!(detail["results"]["verdict"], "certifiable");
        assert_eq!(detail["results"]["total"], 8);
        let categories: Vec<(&str, i64)> = detail["results"]["by_category"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["category"].as_str().unwrap(), c["pass"].as_i64().unwrap()))
            .collect();
        assert_eq!(
            categories,
            [
                ("cpu", 1),
                ("devices", 1),
                ("kernel", 2),
                ("memory", 1),
                ("network", 1),
                ("storage", 2)
            ]
        );
        assert_eq!(detail["devices"][0]["identity"], "pci:8086:a7a1:17aa:22e4");
        assert_eq!(
            detail["devices"][0]["device"]["url"],
            "/api/v1/devices/pci/8086:a7a1"
        );
        // The envelope is the certificate the registry signed; it verifies with the registry key.
        let envelope =
            mxcert_core::dsse::Envelope::from_json(detail["certificate"].to_string().as_bytes())
                .unwrap();
        let key =
            mxcert_core::keys::public_key_from_pem(&w.r.state.registry_key.public_key_pem).unwrap();
        let verified = envelope
            .verify(mxcert_core::dsse::CERTIFICATE_PAYLOAD_TYPE, &[key])
            .unwrap();
        let cert = mxcert_core::certificate::Certificate::from_json(&verified.payload).unwrap();
        assert_eq!(cert.certificate_id, w.x1);
        // The links lead to the signed documents, readable by anyone.
        for link in ["certificate_envelope", "report_envelope", "registry_key"] {
            let path = detail["links"][link].as_str().unwrap();
            let (status, _) = w.r.call_raw(Method::GET, path, None, "").await;
            assert_eq!(status, StatusCode::OK, "{link}: {path}");
        }
        assert_eq!(detail["links"]["revocation_envelope"], Value::Null);
        assert_eq!(detail["model_certificates"].as_array().unwrap().len(), 1);
        insta::assert_json_snapshot!("system_detail", redact(&detail), {
            ".certificate.payload" => "[payload]",
            ".certificate.signatures[].sig" => "[signature]",
            ".links.certificate_envelope" => "[url]",
            ".links.report_envelope" => "[url]",
        });

        // Revocation shows in the model's history and takes the system out of the list.
        w.revoke(&w.xps, "the webcam fails after suspend").await;
        let detail = w.get_ok(&format!("/api/v1/systems/{}", w.xps)).await;
        assert_eq!(detail["status"], "revoked");
        assert_eq!(
            detail["revocation_reason"],
            "the webcam fails after suspend"
        );
        assert_eq!(detail["model_certificates"][0]["status"], "revoked");
        let revocation = detail["links"]["revocation_envelope"].as_str().unwrap();
        assert_eq!(
            w.r.call_raw(Method::GET, revocation, None, "").await.0,
            StatusCode::OK
        );
        assert_eq!(ids(&w.get_ok("/api/v1/systems").await), [w.x1.as_str()]);
        assert_eq!(
            ids(&w.get_ok("/api/v1/systems?status=revoked").await),
            [w.xps.as_str()]
        );

        for (path, status, code) in [
            (
                "/api/v1/systems/MX-2026-999999",
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "/api/v1/systems/not-a-certificate",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
            (
                "/api/v1/systems/MX-2026-%00",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
            (
                "/api/v1/systems/%FF",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
        ] {
            assert_eq!(
                w.error(Method::GET, path, "").await,
                (status, code.to_owned()),
                "{path}"
            );
        }
        w.r.db.cleanup().await;
    }
}

async fn device(w: &World, path: &str) -> Value {
    w.get_ok(&format!("/api/v1/devices/{path}")).await
}

#[tokio::test]
async fn devices_have_a_status_from_every_report_and_it_follows_the_workflow() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        // In an approved system (and, with a driver, in a report that failed its blocker).
        let gpu = device(&w, "pci/8086:a7a1").await;
        assert_eq!(gpu["status"], "certified", "{kind}");
        assert_eq!(gpu["identity"], "pci:8086:a7a1");
        assert_eq!(
            (gpu["vendor_id"].as_str(), gpu["device_id"].as_str()),
            (Some("8086"), Some("a7a1"))
        );
        assert_eq!(gpu["category"], "graphics");
        assert_eq!(gpu["device_name"], "Raptor Lake-P [Iris Xe Graphics]");
        assert_eq!(
            gpu["reports"],
            json!({"certified": 1, "works": 1, "problem": 0, "seen": 0})
        );
        assert_eq!(gpu["systems_count"], 2);
        assert_eq!(gpu["drivers"], json!([{"driver": "i915", "reports": 2}]));
        let systems: Vec<(&str, &str)> = gpu["systems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (
                    s["display_name"].as_str().unwrap(),
                    s["status"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            systems,
            [("LENOVO 21HM", "certified"), ("LENOVO 21HN", "works")]
        );
        assert_eq!(gpu["systems"][0]["certificates"], json!([w.x1]));
        assert_eq!(gpu["systems"][1]["certificates"], json!([]));
        insta::assert_json_snapshot!("device_certified", redact(&gpu));
        // Same answer with subsystem ids, upper case.
        assert_eq!(
            device(&w, "PCI/8086:A7A1:17AA:22E4").await["identity"],
            "pci:8086:a7a1"
        );

        // No driver bound where one is needed.
        let fp = device(&w, "usb/06cb:00fc").await;
        assert_eq!(fp["status"], "problem");
        assert_eq!(fp["drivers"], json!([]));
        // A failed test of its category (storage) in a report under review.
        assert_eq!(device(&w, "pci/1c5c:174a").await["status"], "problem");
        // Driver bound, nothing of its category failed, report under review.
        assert_eq!(device(&w, "pci/8086:1521").await["status"], "works");
        // Only in a rejected report.
        assert_eq!(device(&w, "usb/1234:5678").await["status"], "seen");

        // Revoking the XPS certificate: its camera is no longer certified, still works.
        assert_eq!(device(&w, "usb/0c45:6730").await["status"], "certified");
        w.revoke(&w.xps, "recalled").await;
        let cam = device(&w, "usb/0c45:6730").await;
        assert_eq!(cam["status"], "works");
        assert_eq!(
            cam["reports"],
            json!({"certified": 0, "works": 1, "problem": 0, "seen": 0})
        );
        assert_eq!(cam["systems"][0]["status"], "works");

        // Withdrawing the server's report: its NIC is only seen.
        let (status, _) =
            w.r.call(
                Method::POST,
                &format!("/api/v1/submissions/{}/withdraw", w.server),
                Some(&w.r.vendor_a),
                "",
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let nic = device(&w, "pci/8086:1521").await;
        assert_eq!(nic["status"], "seen");
        assert_eq!(
            nic["reports"],
            json!({"certified": 0, "works": 0, "problem": 0, "seen": 1})
        );

        // Rejecting the sibling: the GPU keeps its certification, loses the "works" report.
        let (status, _) =
            w.r.post(
                &format!("/api/v1/submissions/{}/reject", w.x1_sibling),
                Some(&w.r.reviewer),
                json!({"reason": "fingerprint reader without a driver"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let gpu = device(&w, "pci/8086:a7a1").await;
        assert_eq!(
            gpu["reports"],
            json!({"certified": 1, "works": 0, "problem": 0, "seen": 1})
        );
        assert_eq!(gpu["systems"][1]["status"], "seen");

        // Paging the system list.
        let page2 = w
            .get_ok("/api/v1/devices/pci/8086:a7a1?per_page=1&page=2")
            .await;
        assert_eq!(page2["systems"].as_array().unwrap().len(), 1);
        assert_eq!(page2["systems"][0]["display_name"], "LENOVO 21HN");

        for (path, status, code) in [
            (
                "/api/v1/devices/pci/ffff:0001",
                StatusCode::NOT_FOUND,
                "not_found",
            ),
            (
                "/api/v1/devices/pci/8086",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
            (
                "/api/v1/devices/pci/xyz:0001",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
            (
                "/api/v1/devices/usb/1:2:3",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
            ("/api/v1/devices/pci", StatusCode::NOT_FOUND, "not_found"),
            (
                "/api/v1/devices/pci/8086:a7a1?page=0",
                StatusCode::BAD_REQUEST,
                "invalid_field",
            ),
            (
                "/api/v1/devices/pci/8086:a7a1?per_page=1000",
                StatusCode::BAD_REQUEST,
                "invalid_field",
            ),
            (
                "/api/v1/devices/pci/8086:a7a1?x=1",
                StatusCode::BAD_REQUEST,
                "malformed_query",
            ),
            (
                "/api/v1/devices/%20/%20",
                StatusCode::BAD_REQUEST,
                "malformed_path",
            ),
        ] {
            assert_eq!(
                w.error(Method::GET, path, "").await,
                (status, code.to_owned()),
                "{path}"
            );
        }
        let _ = (&w.xps_submission, &w.rejected);
        w.r.db.cleanup().await;
    }
}

/// The index rebuilt from scratch equals the one kept up to date change by change.
#[tokio::test]
async fn the_public_index_rebuilds_to_the_same_content() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        w.revoke(&w.xps, "recalled").await;
        let paths = [
            "/api/v1/systems?status=all",
            // Through the text index (SQLite's is emptied and refilled by the rebuild).
            "/api/v1/systems?q=carbon",
            "/api/v1/devices/pci/8086:a7a1",
            "/api/v1/devices/usb/0c45:6730",
            "/api/v1/devices/usb/06cb:00fc",
            "/api/v1/devices/pci/1c5c:174a",
            "/api/v1/devices/usb/1234:5678",
        ];
        let mut before = Vec::new();
        for p in paths {
            before.push(w.get_ok(p).await);
        }
        assert_eq!(
            before[1]["total"], 1,
            "{kind}: the X1 Carbon is found by a word"
        );
        sqlx::query("UPDATE public_index_state SET version = 0")
            .execute(w.r.db.store.pool())
            .await
            .unwrap();
        assert!(w.r.db.store.ensure_public_index().await.unwrap());
        assert!(!w.r.db.store.ensure_public_index().await.unwrap());
        for (p, b) in paths.iter().zip(&before) {
            assert_eq!(&w.get_ok(p).await, b, "{kind}: {p}");
        }
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn exports_list_every_certified_system_and_defuse_formulas() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        // A vendor that names its machine like a spreadsheet formula.
        let evil = World::submit(
            &w.r,
            &public_world::Machine {
                vendor: "=HYPERLINK(\"http://example.invalid\",\"x\")",
                model: "+1-555, \"quoted\"\nnext line",
                family: "@SUM(A1:A9)",
                board: "-2+3",
                ..public_world::x1_carbon()
            },
        )
        .await;
        let evil = World::approve(&w.r, &evil).await;
        // Community reports of the X1's model (vendor and model in another case), one of them
        // hidden by a reviewer; and one of a model nobody certified (it makes no row).
        let mut hidden = None;
        for (machine, vendor, model, summary) in [
            ("c1", "lenovo", "21hm", "all_work"),
            ("c2", "LENOVO", "21HM", "some_problems"),
            ("c3", "LENOVO", "21HM", "all_work"),
            ("c4", "Nadie", "Sin certificar", "all_work"),
        ] {
            let (status, body) =
                w.r.post(
                    "/api/v1/community/reports",
                    None,
                    common::community_report(
                        machine,
                        (vendor, model),
                        summary,
                        json!([{"bus": "pci", "id": "pci:8086:51f1:8086:0094",
                                "category": "wireless", "driver": "iwlwifi"}]),
                    ),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
            if machine == "c3" {
                hidden = Some(body["id"].as_str().unwrap().to_owned());
            }
        }
        let (status, body) =
            w.r.post(
                &format!("/api/v1/community/reports/{}/hide", hidden.unwrap()),
                Some(&w.r.reviewer),
                json!({"reason": "test"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {body}");

        let export = w.get_ok("/api/v1/export/certified.json").await;
        assert_eq!(export["schema_version"], 2, "{kind}");
        assert_eq!(export["count"], 3);
        let rows = export["systems"].as_array().unwrap();
        let order: Vec<&str> = rows
            .iter()
            .map(|r| r["certificate_id"].as_str().unwrap())
            .collect();
        // By folded vendor (punctuation ignored): "dell inc." < "hyperlink ..." < "lenovo".
        assert_eq!(order, [w.xps.as_str(), evil.as_str(), w.x1.as_str()]);
        let x1 = &rows[2];
        assert_eq!(x1["vendor"], "LENOVO");
        assert_eq!(x1["category"], "laptop");
        assert_eq!(x1["url"], format!("/api/v1/systems/{}", w.x1));
        assert_eq!(
            x1["certificate_url"],
            format!("/api/v1/certificates/{}/envelope", w.x1)
        );
        assert_eq!(
            x1["community"],
            json!({"works": 1, "problems": 1}),
            "{kind}"
        );
        assert_eq!(rows[0]["community"], json!({"works": 0, "problems": 0}));
        insta::assert_json_snapshot!("export_json_row", redact(x1));

        let (status, bytes) =
            w.r.call_raw(Method::GET, "/api/v1/export/certified.csv", None, "")
                .await;
        assert_eq!(status, StatusCode::OK);
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        assert_eq!(header, mxcert_registry::public::export::COLUMNS);
        let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(records.len(), 3);
        let cell = |row: &csv::StringRecord, name: &str| {
            row[header.iter().position(|h| h == name).unwrap()].to_owned()
        };
        assert_eq!(
            cell(&records[1], "vendor"),
            "'=HYPERLINK(\"http://example.invalid\",\"x\")"
        );
        assert_eq!(cell(&records[1], "model"), "'+1-555, \"quoted\"\nnext line");
        assert_eq!(cell(&records[1], "family"), "'@SUM(A1:A9)");
        assert_eq!(cell(&records[1], "board"), "'-2+3");
        assert_eq!(cell(&records[2], "vendor"), "LENOVO");
        assert_eq!(cell(&records[2], "certificate_id"), w.x1);
        assert_eq!(cell(&records[0], "family"), "XPS");
        assert_eq!(cell(&records[0], "sku"), "");
        assert_eq!(cell(&records[2], "community_works"), "1");
        assert_eq!(cell(&records[2], "community_problems"), "1");
        assert_eq!(cell(&records[0], "community_works"), "0");
        // No cell of any row starts a formula.
        for row in &records {
            for c in row {
                assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{c:?}");
            }
        }

        // Revoked systems leave the exports.
        w.revoke(&evil, "formula in the model name").await;
        assert_eq!(w.get_ok("/api/v1/export/certified.json").await["count"], 2);
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn health_readiness_metrics_and_request_ids() {
    let w = World::new("sqlite").await;
    assert_eq!(w.get_ok("/healthz").await, json!({"status": "ok"}));
    assert_eq!(
        w.get_ok("/readyz").await,
        json!({"status": "ready", "database": "sqlite"})
    );
    w.get_ok("/api/v1/systems?q=x").await;
    w.get_ok(&format!("/api/v1/systems/{}", w.x1)).await;
    let _ = w.r.get("/api/v1/devices/pci/ffff:ffff", None).await;
    // Stored, not yet counted into the public index (no indexer runs here).
    w.r.submit_ok("21HQ").await;

    let req = axum::http::Request::builder()
        .uri("/metrics")
        .header("x-request-id", "abc-123")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(mxcert_registry::server::app(w.r.state.clone()), req)
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-request-id"], "abc-123");
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = String::from_utf8(
        http_body_util::BodyExt::collect(resp.into_body())
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    for needle in [
        "mxcert_http_requests_total{method=\"GET\",route=\"/api/v1/systems\",status=\"200\"} 1",
        "mxcert_http_requests_total{method=\"GET\",route=\"/api/v1/systems/{certificate_id}\",status=\"200\"} 1",
        "mxcert_http_requests_total{method=\"GET\",route=\"/api/v1/devices/{bus}/{id}\",status=\"404\"} 1",
        "mxcert_http_request_duration_seconds_bucket{",
        "mxcert_http_requests_in_flight 1",
        "mxcert_db_connections{state=\"idle\"}",
        "mxcert_index_queue 1",
        "mxcert_registry_info{version=\"0.1.0\",backend=\"sqlite\"} 1",
        "# EOF",
    ] {
        assert!(text.contains(needle), "{needle:?} not in:\n{text}");
    }
    // Without a request id, the registry makes one (a UUID).
    let (_, _) = w.r.get("/healthz", None).await;
    let req = axum::http::Request::builder()
        .uri("/healthz")
        .body(axum::body::Body::empty())
        .unwrap();
    let resp = tower::ServiceExt::oneshot(mxcert_registry::server::app(w.r.state.clone()), req)
        .await
        .unwrap();
    let id = resp.headers()["x-request-id"].to_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{id}");

    // Not ready once the database is gone; still healthy.
    w.r.db.store.close().await;
    let (status, body) = w.r.get("/readyz", None).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::SERVICE_UNAVAILABLE, Some("not_ready"))
    );
    assert_eq!(w.r.get("/healthz", None).await.0, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_the_public_api() {
    let w = World::new("sqlite").await;
    let doc = w.get_ok("/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for p in [
        "/api/v1/systems",
        "/api/v1/systems/{certificate_id}",
        "/api/v1/devices/{bus}/{id}",
        "/api/v1/check",
        "/api/v1/vendors",
        "/api/v1/vendors/{slug}",
        "/api/v1/vendors/{slug}/entry",
        "/api/v1/export/certified.json",
        "/api/v1/export/certified.csv",
        "/api/v1/keys/challenge",
        "/api/v1/keys",
        "/healthz",
        "/readyz",
        "/metrics",
        "/api/v1/submissions",
        "/api/v1/submissions/{id}",
        "/api/v1/submissions/{id}/envelope",
        "/api/v1/submissions/{id}/diff",
        "/api/v1/submissions/{id}/history",
        "/api/v1/submissions/{id}/comments",
        "/api/v1/submissions/{id}/approve",
        "/api/v1/submissions/{id}/reject",
        "/api/v1/submissions/{id}/withdraw",
        "/api/v1/certified",
        "/api/v1/certificates/{id}",
        "/api/v1/certificates/{id}/envelope",
        "/api/v1/certificates/{id}/revocation",
        "/api/v1/certificates/{id}/revoke",
        "/api/v1/certificate-events",
        "/api/v1/orgs",
        "/api/v1/orgs/{id}",
        "/api/v1/orgs/{id}/members",
        "/api/v1/members/{id}/disable",
        "/api/v1/tokens",
        "/api/v1/tokens/{id}/revoke",
        "/api/v1/audit",
        "/api/v1/me",
        "/api/v1/registry-key",
        "/api/v1/keys/{keyid}/rotate",
        "/api/v1/keys/{keyid}/revoke",
    ] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
        // Every documented path answers (not the 404 fallback) for a GET or the documented method.
        let method = doc["paths"][p]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .to_uppercase();
        let concrete = p
            .replace("{certificate_id}", &w.x1)
            .replace("{bus}", "pci")
            .replace("{id}", "8086:a7a1")
            .replace("{slug}", "computo-acme");
        let (status, body) =
            w.r.call(method.parse().unwrap(), &concrete, Some(&w.r.admin), "")
                .await;
        assert_ne!(
            body["error"]["message"]
                .as_str()
                .map(|m| m.starts_with("no route")),
            Some(true),
            "{p}"
        );
        assert!(!status.is_server_error(), "{p}: {status}");
    }
    // The schemas the answers refer to are in the document.
    for schema in [
        "SystemPage",
        "SystemDetail",
        "DeviceCompat",
        "CheckAnswer",
        "VendorListing",
        "DirectoryEntry",
        "CertifiedExport",
        "RegisterBody",
        "Challenge",
        "ErrorBody",
        "SubmissionDetail",
        "SubmissionRef",
        "CertificateView",
        "Organisation",
        "OrgBody",
        "TokenBody",
        "CreatedToken",
        "Me",
    ] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
    // Every reference resolves, and every operation that takes a token says what happens
    // without one (a fuzzer that reads the document found both missing).
    fn refs<'a>(v: &'a serde_json::Value, out: &mut Vec<&'a str>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r);
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    for r in all {
        let name = r.strip_prefix("#/components/schemas/").unwrap_or(r);
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{r} does not resolve"
        );
    }
    // Operation ids are unique (OpenAPI requires it), what answers 401 may answer 429 too (the
    // limit on failed authentications), what takes parameters may answer 400 for them.
    let mut operation_ids = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                assert!(
                    op["responses"]["401"].is_object(),
                    "{method} {path}: no 401"
                );
            }
            if op["responses"]["401"].is_object() {
                assert!(
                    op["responses"]["429"].is_object(),
                    "{method} {path}: no 429"
                );
            }
            let takes_parameters = op["parameters"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p["in"] == "path" || p["in"] == "query"));
            if takes_parameters {
                assert!(
                    op["responses"]["400"].is_object(),
                    "{method} {path}: no 400"
                );
            }
            let id = op["operationId"].as_str().unwrap();
            assert!(operation_ids.insert(id), "{method} {path}: {id} twice");
        }
    }
    insta::assert_json_snapshot!("openapi", doc);
    w.r.db.cleanup().await;
}

/// The server counts submissions into the public index on its own, shortly after storing them,
/// and counts what is still queued when it stops.
#[tokio::test]
async fn the_server_counts_submissions_into_the_public_index_by_itself() {
    for kind in common::database_kinds() {
        let r = common::Registry::new(kind).await;
        let (_addr, stop, server) = r.listen().await;
        let store = &r.db.store;
        r.submit_ok("21HM").await;
        let started = std::time::Instant::now();
        while store.index_queue_len().await.unwrap() > 0 {
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "{kind}: not counted after 10 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        let (status, device) = r.get("/api/v1/devices/pci/8086:a7a1", None).await;
        assert_eq!(status, StatusCode::OK, "{kind}: {device}");
        assert_eq!(device["status"], "works", "{kind}: {device}");

        // Submitted as it stops: counted before it returns.
        r.submit_ok("21HN").await;
        stop.send(()).unwrap();
        server.await.unwrap().unwrap();
        let store = r.db.reopen().await;
        assert_eq!(store.index_queue_len().await.unwrap(), 0, "{kind}");
        let stats = store.device_stats("pci:8086:a7a1").await.unwrap().unwrap();
        assert_eq!((stats.works, stats.systems), (2, 2), "{kind}: {stats:?}");
        store.close().await;
        r.db.cleanup().await;
    }
}

/// Text with a NUL character (which PostgreSQL refuses to store or compare) in a body, a path or
/// a query is answered 400 on both databases (PostgreSQL answered 500).
#[tokio::test]
async fn nul_characters_in_requests_are_not_server_errors() {
    for kind in common::database_kinds() {
        let r = common::Registry::new(kind).await;
        for (method, path, body) in [
            (Method::POST, "/api/v1/orgs", r#"{"name":"a\u0000b"}"#),
            (Method::GET, "/api/v1/orgs/a%00b", ""),
            (Method::GET, "/api/v1/submissions?org=a%00b", ""),
            (Method::GET, "/api/v1/submissions/a%00b", ""),
            (Method::GET, "/api/v1/tokens?org=a%00b", ""),
            (Method::GET, "/api/v1/audit?subject_id=a%00b", ""),
            (Method::GET, "/api/v1/keys?org=a%00b", ""),
            (Method::POST, "/api/v1/tokens/a%00b/revoke", ""),
        ] {
            let (status, body) = r.call(method.clone(), path, Some(&r.admin), body).await;
            assert_eq!(
                status,
                StatusCode::BAD_REQUEST,
                "{kind}: {method} {path}: {body}"
            );
        }
        // An escaped backslash before `u0000` is no NUL.
        let (status, body) = r
            .call(
                Method::POST,
                "/api/v1/orgs",
                Some(&r.admin),
                r#"{"name":"a\\u0000b"}"#,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        r.db.cleanup().await;
    }
}
