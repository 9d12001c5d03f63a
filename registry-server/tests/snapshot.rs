//! The signed offline snapshot (`GET /api/v1/snapshot`, `/api/v1/snapshot/data/{sha256}`) on a
//! real database: it verifies against the registry's key, holds the public data (certified
//! systems, device counts, revoked certificates), is built once and served from memory, and the
//! answers `mxcert check --offline` computes from it (`mxcert_core::snapshot::Index`) equal the
//! registry's `POST /api/v1/check` answers for the same inputs, on the public_world scenario and
//! the reference machine's recordings.

mod common;
mod public_world;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use common::{report, ReportSpec};
use http_body_util::BodyExt as _;
use mxcert_core::inventory::Inventory;
use mxcert_core::snapshot::{self, Index, Manifest, SnapshotData};
use public_world::{machine_report, x1_carbon, World};
use serde_json::Value;
use tower::ServiceExt as _;

use common::check_fixture as fixture;

async fn call(
    w: &World,
    method: Method,
    uri: &str,
    ct: Option<&str>,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(ct) = ct {
        req = req.header("content-type", ct);
    }
    let resp = mxcert_registry::server::app(w.r.state.clone())
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
    let (status, manifest) = call(w, Method::GET, "/api/v1/snapshot", None, vec![]).await;
    assert_eq!(status, StatusCode::OK);
    let key = w.r.state.registry_key.verifying_key();
    let m = snapshot::open_manifest(&manifest, &key).unwrap();
    let (status, data) = call(
        w,
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
