//! The device lookup's answer cache (issue 18) on SQLite and PostgreSQL: answers are served from
//! memory, byte for byte what the lookup computes; every write that changes a device's answer
//! (a community report shared, replaced, hidden or deleted; an approval; a revocation) shows in
//! the very next lookup of the same instance; and a second instance on the same database sees
//! another's write within the data generation's poll interval (and, before polling, still serves
//! its cached answer: the cache really is in the path).

mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{database_kinds, Registry};
use http_body_util::BodyExt as _;
use mxcert_registry::config::Config;
use mxcert_registry::public::devices::{self, DeviceQuery};
use mxcert_registry::state::AppState;
use serde_json::{json, Value};
use tower::ServiceExt as _;

const WIFI: &str = "pci/8086:51f1";

/// A community report from machine `machine` saying `summary`, with Wi-Fi and Bluetooth.
fn shared(machine: &str, summary: &str) -> Value {
    common::community_report(
        machine,
        ("LENOVO", "21HM"),
        summary,
        json!([
            {"bus": "pci", "id": "pci:8086:51f1:8086:0094", "category": "wireless", "driver": "iwlwifi"},
            {"bus": "usb", "id": "usb:8087:0033", "category": "bluetooth", "driver": "btusb"}
        ]),
    )
}

/// `GET path` through `state`'s router: status and raw body.
async fn get_raw(state: &AppState, path: &str) -> (StatusCode, Vec<u8>) {
    let resp = mxcert_registry::server::app(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, body.to_vec())
}

async fn device(state: &AppState, path: &str) -> Value {
    let (status, body) = get_raw(state, &format!("/api/v1/devices/{path}")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn counts(d: &Value) -> (i64, i64) {
    (
        d["community"]["works"].as_i64().unwrap(),
        d["community"]["problems"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn every_write_shows_in_the_very_next_lookup() {
    for kind in database_kinds() {
        let r = Registry::new(kind).await;
        let s = &r.state;
        let (status, _) = get_raw(s, &format!("/api/v1/devices/{WIFI}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind}");

        let (status, first) = r
            .post("/api/v1/community/reports", None, shared("m1", "all_work"))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {first}");
        assert_eq!(counts(&device(s, WIFI).await), (1, 0), "{kind}: shared");

        // Served from memory now, byte for byte what the lookup computes.
        let (entries, _) = s.answers.usage();
        assert!(entries >= 1, "{kind}: the answer is cached");
        let (_, cached) = get_raw(s, &format!("/api/v1/devices/{WIFI}")).await;
        let identity = devices::identity_from_path("pci", "8086:51f1").unwrap();
        let computed = devices::lookup(&s.store, &identity, &DeviceQuery::default())
            .await
            .unwrap();
        assert_eq!(
            cached,
            serde_json::to_vec(&computed).unwrap(),
            "{kind}: cached bytes"
        );

        // Replaced from the same machine: the next lookup has the new verdict.
        let (status, again) = r
            .post(
                "/api/v1/community/reports",
                None,
                shared("m1", "some_problems"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {again}");
        assert_eq!(counts(&device(s, WIFI).await), (0, 1), "{kind}: replaced");

        // Another machine, then hidden by a reviewer.
        let (_, m2) = r
            .post("/api/v1/community/reports", None, shared("m2", "all_work"))
            .await;
        assert_eq!(counts(&device(s, WIFI).await), (1, 1), "{kind}: second");
        let (status, body) = r
            .post(
                &format!(
                    "/api/v1/community/reports/{}/hide",
                    m2["id"].as_str().unwrap()
                ),
                Some(&r.reviewer),
                json!({"reason": "test"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {body}");
        assert_eq!(counts(&device(s, WIFI).await), (0, 1), "{kind}: hidden");

        // Deleted with its token: nothing contains the device any more.
        let req = Request::builder()
            .method(Method::DELETE)
            .uri(format!(
                "/api/v1/community/reports/{}",
                again["id"].as_str().unwrap()
            ))
            .header(
                "x-deletion-token",
                again["deletion_token"].as_str().unwrap(),
            )
            .body(Body::empty())
            .unwrap();
        let resp = mxcert_registry::server::app(s.clone())
            .oneshot(req)
            .await
            .unwrap();
        assert!(resp.status().is_success(), "{kind}: {}", resp.status());
        let (status, _) = get_raw(s, &format!("/api/v1/devices/{WIFI}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{kind}: deleted");

        // Certification: indexed, approved, revoked; each shows at once.
        let id = r.submit_ok("ThinkPad X1 Carbon Gen 11").await;
        r.indexed().await;
        let d = device(s, WIFI).await;
        assert_ne!(d["status"], "certified", "{kind}: not yet approved");
        assert_eq!(d["systems_count"], 1, "{kind}: indexed");
        let certificate = r.approve(&id).await;
        let d = device(s, WIFI).await;
        assert_eq!(d["status"], "certified", "{kind}: approved: {d}");
        assert_eq!(d["systems"][0]["certificates"][0], certificate.as_str());
        let (status, body) = r
            .post(
                &format!("/api/v1/certificates/{certificate}/revoke"),
                Some(&r.reviewer),
                json!({"reason": "recalled"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{kind}: {body}");
        let d = device(s, WIFI).await;
        assert_ne!(d["status"], "certified", "{kind}: revoked: {d}");
        let systems = d["systems"].as_array().unwrap();
        assert!(
            systems.iter().all(|s| s["certificates"] == json!([])),
            "{kind}: {d}"
        );
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn another_instance_sees_a_write_within_the_poll_interval() {
    for kind in database_kinds() {
        let a = Registry::new(kind).await;
        let b = AppState::new(
            a.db.reopen().await,
            Config {
                database: a.db.url.clone(),
                ..Config::default()
            },
        )
        .await
        .unwrap();
        // B has read the stored generation once (as its poll does at start); reading it again
        // with nothing written finds no change.
        b.store.poll_data_generation().await.unwrap();
        assert!(!b.store.poll_data_generation().await.unwrap(), "{kind}");
        let share = |machine: &'static str, summary: &'static str| {
            a.post("/api/v1/community/reports", None, shared(machine, summary))
        };
        let (status, body) = share("m1", "all_work").await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        assert_eq!(counts(&device(&b, WIFI).await), (1, 0), "{kind}");

        // A writes; B has not polled: B still answers from its cache.
        let (status, body) = share("m1", "some_problems").await;
        assert_eq!(status, StatusCode::CREATED, "{kind}: {body}");
        assert_eq!(
            counts(&device(&b, WIFI).await),
            (1, 0),
            "{kind}: B serves its cached answer until it polls"
        );
        assert_eq!(counts(&device(&a.state, WIFI).await), (0, 1), "{kind}: A");

        // B's poll, as the server runs it: the stored generation moved with A's write (the
        // triggers of migration 0012), so the write shows within one interval.
        let interval = mxcert_registry::store::generation::POLL;
        let poll = tokio::spawn(mxcert_registry::store::generation::run_poll(
            b.store.clone(),
            interval,
        ));
        let start = Instant::now();
        loop {
            if counts(&device(&b, WIFI).await) == (0, 1) {
                break;
            }
            assert!(
                start.elapsed() < interval + Duration::from_secs(2),
                "{kind}: B still stale after {:?}",
                start.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        poll.abort();
        b.store.close().await;
        a.db.cleanup().await;
    }
}
