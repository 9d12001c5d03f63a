//! The signed offline snapshot (`GET /api/v1/snapshot`, `/api/v1/snapshot/data/{sha256}`) on a
//! real database: it verifies against the registry's key, holds the public data (certified
//! systems, device counts, revoked certificates), is built once and served from memory, and the
//! answers `mxcert check --offline` computes from it (`mxcert_core::snapshot::Index`) equal the
//! registry's `POST /api/v1/check` answers for the same inputs, on the public_world scenario and
//! the reference machine's recordings. It is rebuilt when its data changes (an approval, a
//! revocation), at most once per `snapshot_min_interval`, with a version from a stored counter
//! that keeps increasing across a restart and a clock set back.

mod common;
mod public_world;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{report, Registry, ReportSpec};
use http_body_util::BodyExt as _;
use mxcert_core::inventory::Inventory;
use mxcert_core::snapshot::{self, Index, Manifest, SnapshotData};
use mxcert_registry::state::AppState;
use public_world::{machine_report, x1_carbon, World};
use serde_json::Value;
use std::time::Duration;
use tower::ServiceExt as _;

use common::check_fixture as fixture;

async fn call(
    w: &World,
    method: Method,
    uri: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    call_state(&w.r.state, method, uri, ct, body).await
}

async fn call_state(
    state: &AppState,
    method: Method,
    uri: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    let resp = mxcert_registry::server::app(state.clone())
        .oneshot(req.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = resp.status();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

/// Fetches and opens the current snapshot with the registry's key.
async fn fetch(w: &World) -> (Manifest, SnapshotData) {
    fetch_state(&w.r.state).await
}

async fn fetch_state(state: &AppState) -> (Manifest, SnapshotData) {
    let m = manifest(state).await;
    let (status, data) = call_state(
        state,
        Method::GET,
        &format!("/api/v1/snapshot/data/{}", m.data.sha256),
        None,
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let d = snapshot::open_data(&m, &data).unwrap();
    (m, d)
}

/// The current snapshot's manifest, verified with the registry's key.
async fn manifest(state: &AppState) -> Manifest {
    let (status, manifest) = call_state(state, Method::GET, "/api/v1/snapshot", None, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    snapshot::open_manifest(&manifest, &state.registry_key.verifying_key()).unwrap()
}

/// Asks for the manifest until its version is above `version` (each request may start the
/// background look at the data); the new manifest, or `None` after `wait`.
async fn newer_than(state: &AppState, version: u64, wait: Duration) -> Option<Manifest> {
    let deadline = std::time::Instant::now() + wait;
    while std::time::Instant::now() < deadline {
        let m = manifest(state).await;
        if m.version > version {
            return Some(m);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    None
}

/// The registry's answer and the offline answer from `index` for one input.
async fn both(w: &World, index: &Index, ct: &str, body: Vec<u8>) -> (Value, Value) {
    let (status, online) = call(w, Method::POST, "/api/v1/check", Some(ct), body.clone()).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&online)
    );
    let machine =
        mxcert_registry::public::check::parse_input(Some(ct), &body, &w.r.state.hw_names).unwrap();
    let offline = serde_json::to_value(index.check(&machine, chrono::Utc::now())).unwrap();
    (serde_json::from_slice(&online).unwrap(), offline)
}

#[tokio::test]
async fn offline_answers_equal_the_registrys_for_the_same_data() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        // The reference machine certified too, so its recordings have known devices.
        let probe = fixture("firecracker-vm.probe.json");
        let inventory = Inventory::from_json(&probe).unwrap();
        let mut r = report(ReportSpec::default());
        r.system = inventory.system.clone();
        r.os = inventory.os.clone();
        r.devices = inventory.devices.clone();
        let id = World::submit_report(&w.r, &r).await;
        World::approve(&w.r, &id).await;
        w.r.indexed().await;
        let (_, data) = fetch(&w).await;
        let index = Index::new(data);

        let x1 = mxcert_core::format::to_json_pretty(&machine_report(&x1_carbon()).inventory());
        let mut sibling = x1_carbon();
        sibling.model = "21HK";
        let sibling = mxcert_core::format::to_json_pretty(&machine_report(&sibling).inventory());
        let inputs: Vec<(&str, &str, Vec<u8>)> = vec![
            ("x1 probe", "application/json", x1),
            ("x1 family", "application/json", sibling),
            ("reference probe", "application/json", probe),
            (
                "lspci -nn",
                "text/plain",
                fixture("firecracker-vm.lspci-nn.txt"),
            ),
            (
                "lspci -nnk",
                "text/plain",
                fixture("firecracker-vm.lspci-nnk.txt"),
            ),
            (
                "lsusb",
                "text/plain",
                fixture("dell-studio-xps-1340.lsusb.txt"),
            ),
        ];
        let mut known = 0;
        for (what, ct, body) in inputs {
            let (online, offline) = both(&w, &index, ct, body).await;
            assert_eq!(online, offline, "{kind} {what}");
            known += online["summary"]["devices"].as_u64().unwrap()
                - online["summary"]["unknown"].as_u64().unwrap();
        }
        assert!(
            known > 10,
            "{kind}: the inputs have known devices ({known})"
        );
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn the_snapshot_is_signed_holds_the_public_data_and_is_not_built_per_request() {
    for kind in common::database_kinds() {
        let w = World::new(kind).await;
        w.revoke(&w.xps, "test").await;
        w.r.indexed().await;
        let (m, d) = fetch(&w).await;
        assert_eq!(d.version, m.version);
        assert!(m.expires_at > m.created_at + chrono::Duration::days(6));
        // Cut at the transparency log's latest checkpoint (taken before the data was read).
        let checkpoint = m.checkpoint.as_deref().expect("the log's checkpoint");
        let latest = w.r.db.store.latest_checkpoint().await.unwrap();
        assert_eq!(checkpoint, latest.note);
        assert!(
            checkpoint.contains("\n\u{2014} "),
            "a signed note: {checkpoint}"
        );
        let ids: Vec<&str> = d
            .systems
            .iter()
            .map(|s| s.certificate_id.as_str())
            .collect();
        assert!(ids.contains(&w.x1.as_str()), "{ids:?}");
        assert!(!ids.contains(&w.xps.as_str()), "revoked: {ids:?}");
        assert_eq!(d.revoked, vec![w.xps.clone()]);
        assert!(d.devices.iter().any(|k| k.identity == "usb:06cb:00fc"));
        // Served from memory: the same snapshot, byte for byte, until it is refreshed.
        let (_, first) = call(&w, Method::GET, "/api/v1/snapshot", None, vec![]).await;
        let (_, again) = call(&w, Method::GET, "/api/v1/snapshot", None, vec![]).await;
        assert_eq!(first, again);
        // Another registry's key does not verify it.
        let other = mxcert_core::keys::generate(&mut rand_core::OsRng).verifying_key();
        let e = snapshot::open_manifest(&first, &other).unwrap_err();
        assert!(e.is_untrusted(), "{e}");
        // Files other than the current one are not served; garbage paths are 400.
        let (status, _) = call(
            &w,
            Method::GET,
            &format!("/api/v1/snapshot/data/{}", "0".repeat(64)),
            None,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = call(
            &w,
            Method::GET,
            "/api/v1/snapshot/data/..%2f..%2fetc",
            None,
            vec![],
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        w.r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_change_makes_a_snapshot_with_a_larger_version_after_the_interval_and_none_without() {
    for kind in common::database_kinds() {
        let interval = Duration::from_millis(300);
        let r = Registry::with_config(kind, |c| c.snapshot_min_interval = interval).await;
        let (first, data) = fetch_state(&r.state).await;
        assert!(data.systems.is_empty(), "{kind}");
        // Nothing changes: the looks at the data (one per interval, started by requests) build
        // nothing, for several intervals.
        let unchanged = newer_than(&r.state, first.version, interval * 5).await;
        assert!(unchanged.is_none(), "{kind}: {unchanged:?}");

        let submission = r.submit_ok("Rebuilt 1").await;
        r.indexed().await;
        let certificate = r.approve(&submission).await;
        let started = std::time::Instant::now();
        let second = newer_than(&r.state, first.version, Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("{kind}: no snapshot after the approval"));
        assert!(started.elapsed() < Duration::from_secs(20));
        let (m, d) = fetch_state(&r.state).await;
        assert_eq!(m.version, second.version, "{kind}");
        assert!(
            d.systems.iter().any(|s| s.certificate_id == certificate),
            "{kind}: the approved certificate is in the new snapshot"
        );
        // Cut at the log's new size.
        let latest = r.db.store.latest_checkpoint().await.unwrap();
        assert_eq!(
            m.checkpoint.as_deref(),
            Some(latest.note.as_str()),
            "{kind}"
        );

        // A revocation is a change too.
        let (status, body) = r
            .post(
                &format!("/api/v1/certificates/{certificate}/revoke"),
                Some(&r.reviewer),
                serde_json::json!({"reason": "test"}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        newer_than(&r.state, second.version, Duration::from_secs(20))
            .await
            .unwrap_or_else(|| panic!("{kind}: no snapshot after the revocation"));
        let (_, d) = fetch_state(&r.state).await;
        assert_eq!(d.revoked, vec![certificate.clone()], "{kind}");
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn a_burst_of_approvals_inside_the_interval_builds_no_new_snapshot() {
    for kind in common::database_kinds() {
        let r = Registry::with_config(kind, |c| {
            c.snapshot_min_interval = Duration::from_secs(3600);
        })
        .await;
        let (first, _) = fetch_state(&r.state).await;
        for i in 0..3 {
            let submission = r.submit_ok(&format!("Burst {i}")).await;
            r.indexed().await;
            r.approve(&submission).await;
            let m = manifest(&r.state).await;
            assert_eq!(m.version, first.version, "{kind}: approval {i}");
        }
        let later = newer_than(&r.state, first.version, Duration::from_millis(500)).await;
        assert!(later.is_none(), "{kind}: {later:?}");
        r.db.cleanup().await;
    }
}

#[tokio::test]
async fn versions_come_from_a_stored_counter_and_increase_across_a_restart_and_a_clock_set_back() {
    for kind in common::database_kinds() {
        let before = u64::try_from(chrono::Utc::now().timestamp_millis()).unwrap();
        let r = Registry::new(kind).await;
        let (first, _) = fetch_state(&r.state).await;
        // Not below the versions registries took from the clock before the counter.
        assert!(
            first.version >= before,
            "{kind}: {} < {before}",
            first.version
        );

        // A restarted registry on the same database: a new process state, an empty cache.
        let store = r.db.reopen().await;
        let config = mxcert_registry::config::Config {
            database: r.db.url.clone(),
            ..Default::default()
        };
        let restarted = AppState::new(store.clone(), config).await.unwrap();
        let (second, _) = fetch_state(&restarted).await;
        assert_eq!(second.version, first.version + 1, "{kind}");

        // The clock seam: with the clock a day, then a year, behind, versions still increase.
        let now = chrono::Utc::now();
        let back = store
            .next_snapshot_version(now - chrono::Duration::days(1))
            .await
            .unwrap();
        assert_eq!(back, second.version + 1, "{kind}");
        store.close().await;
        let again = r.db.reopen().await;
        let further = again
            .next_snapshot_version(now - chrono::Duration::days(365))
            .await
            .unwrap();
        assert_eq!(further, back + 1, "{kind}");
        again.close().await;
        r.db.cleanup().await;
    }
}
