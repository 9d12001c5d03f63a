//! Shared test helpers: a registry on a fresh database (a temporary SQLite file, or a schema of its
//! own on PostgreSQL when `MXCERT_TEST_DATABASE_URL` is set), requests through the real router,
//! and signed reports built from the core types.
#![allow(dead_code)]

use std::sync::atomic::{AtomicU32, Ordering};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use chrono::{TimeZone, Utc};
use http_body_util::BodyExt as _;
use mxcert_core::category::Category;
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::inventory::{Board, Device, Inventory, Os, System, INVENTORY_SCHEMA_VERSION};
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::{Report, Status, TestResult};
use mxcert_registry::config::Config;
use mxcert_registry::state::AppState;
use mxcert_registry::store::{Actor, Role, Store};
use serde_json::Value;
use tower::ServiceExt as _;

pub mod witness;

/// A file of `tests/fixtures/check/` (recordings of the reference machine and others).
pub fn check_fixture(name: &str) -> Vec<u8> {
    let path = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/check")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Which databases to run a storage test on: always SQLite, PostgreSQL when configured.
pub fn database_kinds() -> Vec<&'static str> {
    if std::env::var("MXCERT_TEST_DATABASE_URL").is_ok() {
        vec!["sqlite", "postgres"]
    } else {
        eprintln!("MXCERT_TEST_DATABASE_URL is not set: running on SQLite only");
        vec!["sqlite"]
    }
}

/// A fresh database of one kind; dropped (schema or file) with the value.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    pg_schema: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

static SCHEMA_SEQ: AtomicU32 = AtomicU32::new(0);

impl TestDb {
    pub async fn new(kind: &str) -> TestDb {
        match kind {
            "sqlite" => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("registry.db").display());
                let store = Store::open(&url).await.unwrap();
                TestDb {
                    store,
                    url,
                    pg_schema: None,
                    _dir: Some(dir),
                }
            }
            "postgres" => {
                let url = std::env::var("MXCERT_TEST_DATABASE_URL").unwrap();
                let schema = format!(
                    "mxcert_test_{}_{}_{}",
                    std::process::id(),
                    SCHEMA_SEQ.fetch_add(1, Ordering::SeqCst),
                    Utc::now().timestamp_micros()
                );
                let store = Store::connect_with(&url, Some(&schema)).await.unwrap();
                store.migrate().await.unwrap();
                TestDb {
                    store,
                    url,
                    pg_schema: Some(schema),
                    _dir: None,
                }
            }
            other => panic!("unknown database kind {other}"),
        }
    }

    /// Another handle on the same database, as a restarted registry opens it.
    pub async fn reopen(&self) -> Store {
        let store = Store::connect_with(&self.url, self.pg_schema.as_deref())
            .await
            .unwrap();
        store.migrate().await.unwrap();
        store
    }

    /// Drops the PostgreSQL schema (call at the end of a test; SQLite files go with the tempdir).
    pub async fn cleanup(self) {
        self.store.close().await;
        if let Some(schema) = &self.pg_schema {
            mxcert_registry::store::postgres::drop_schema(&self.url, schema)
                .await
                .unwrap();
        }
    }
}

/// A plans directory for `serve --plans-dir`: a copy of the shipped plans.
pub fn plans_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for p in mxcert_core::plan::shipped() {
        std::fs::write(dir.path().join(format!("{}.toml", p.id)), p.text).unwrap();
    }
    dir
}

/// A registry with two vendor organisations (A, B), the Foundation (reviewer, admin), a signing
/// key registered for A, and tokens for each.
pub struct Registry {
    pub db: TestDb,
    pub state: AppState,
    pub org_a: String,
    pub org_b: String,
    pub foundation: String,
    pub vendor_a: String,
    pub vendor_b: String,
    pub reviewer: String,
    pub admin: String,
    pub key_a: SigningKey,
}

pub async fn token(store: &Store, org: &str, role: Role) -> String {
    mxcert_registry::workflow::tokens::issue(store, org, role, None, "test", None, &Actor::cli())
        .await
        .unwrap()
        .token
}

impl Registry {
    pub async fn new(kind: &str) -> Registry {
        Registry::with_config(kind, |_| {}).await
    }

    pub async fn with_config(kind: &str, tweak: impl FnOnce(&mut Config)) -> Registry {
        Registry::on(TestDb::new(kind).await, tweak).await
    }

    /// A registry on `db` (fresh, or prepared by the test).
    pub async fn on(db: TestDb, tweak: impl FnOnce(&mut Config)) -> Registry {
        let mut config = Config {
            database: db.url.clone(),
            ..Config::default()
        };
        tweak(&mut config);
        let state = AppState::new(db.store.clone(), config).await.unwrap();
        let store = &db.store;
        let cli = Actor::cli();
        let org_a = store.create_org("Cómputo Acme", &cli).await.unwrap().id;
        let org_b = store.create_org("Beta Hardware", &cli).await.unwrap().id;
        let foundation = store.create_org("MxOS Foundation", &cli).await.unwrap().id;
        let vendor_a = token(store, &org_a, Role::Vendor).await;
        let vendor_b = token(store, &org_b, Role::Vendor).await;
        let reviewer = token(store, &foundation, Role::Reviewer).await;
        let admin = token(store, &foundation, Role::Admin).await;
        let key_a = SigningKey::from_bytes(&[7u8; 32]);
        let r = Registry {
            db,
            state,
            org_a,
            org_b,
            foundation,
            vendor_a,
            vendor_b,
            reviewer,
            admin,
            key_a,
        };
        let (status, body) = r.register_key(&r.vendor_a, &r.key_a).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        r
    }

    /// Registers `key` for the organisation of the vendor token `token`, with its proof of
    /// possession.
    pub async fn register_key(&self, token: &str, key: &SigningKey) -> (StatusCode, Value) {
        let body = self.proven_key(token, key).await;
        self.post("/api/v1/keys", Some(token), body).await
    }

    /// A key registration body for `key`: its PEM, a challenge asked for with `token`, and the
    /// key's signature of the registration for the challenge's organisation.
    pub async fn proven_key(&self, token: &str, key: &SigningKey) -> Value {
        let (status, c) = self
            .post("/api/v1/keys/challenge", Some(token), Value::Null)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        registration_body(
            key,
            c["challenge"].as_str().unwrap(),
            c["org_id"].as_str().unwrap(),
        )
    }

    /// Sends a request through the real router; returns the status and the body as JSON (or as a
    /// JSON string when it is not JSON).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Value) {
        let (status, bytes) = self.call_raw(method, path, token, body).await;
        let value = serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()));
        (status, value)
    }

    pub async fn call_raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: impl Into<Body>,
    ) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = req.body(body.into()).unwrap();
        let resp = mxcert_registry::server::app(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status();
        let bytes = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, bytes)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        self.call(Method::GET, path, token, Body::empty()).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: Value) -> (StatusCode, Value) {
        self.call(Method::POST, path, token, body.to_string()).await
    }

    /// Serves the registry on a real listener (`server::serve`, with its background tasks);
    /// returns its address, the stop switch and the task.
    pub async fn listen(
        &self,
    ) -> (
        std::net::SocketAddr,
        tokio::sync::oneshot::Sender<()>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(mxcert_registry::server::serve(
            listener,
            self.state.clone(),
            async {
                let _ = stop_rx.await;
            },
        ));
        (addr, stop_tx, server)
    }

    /// Counts queued submissions into the public index now, as the server's indexer does a
    /// fraction of a second after they are stored (the tests' router runs no indexer); returns
    /// how many it counted.
    pub async fn indexed(&self) -> usize {
        self.db.store.index_pending().await.unwrap()
    }

    /// Submits an envelope as vendor A; returns status and answer.
    pub async fn submit(&self, envelope: &[u8]) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/api/v1/submissions",
            Some(&self.vendor_a),
            envelope.to_vec(),
        )
        .await
    }

    /// Approves submission `id` as the reviewer; returns the certificate id.
    pub async fn approve(&self, id: &str) -> String {
        let (status, body) = self
            .post(
                &format!("/api/v1/submissions/{id}/approve"),
                Some(&self.reviewer),
                serde_json::json!({}),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["certificate_id"].as_str().unwrap().to_owned()
    }

    /// Submits a fresh certifiable report of `model` as vendor A; returns the submission id.
    pub async fn submit_ok(&self, model: &str) -> String {
        let (status, body) = self
            .submit(&sign(
                &report(ReportSpec {
                    model: Some(model),
                    ..Default::default()
                }),
                &self.key_a,
            ))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }
}

/// The body of `POST /api/v1/keys`: `key`'s public half and its signature over `challenge` for
/// organisation `org` (the proof of possession).
pub fn registration_body(key: &SigningKey, challenge: &str, org: &str) -> Value {
    serde_json::json!({
        "public_key_pem": keys::public_key_to_pem(&key.verifying_key()).unwrap(),
        "challenge": challenge,
        "signature": keys::sign_registration(key, challenge, org),
    })
}

/// What varies between test reports.
#[derive(Debug, Clone)]
pub struct ReportSpec<'a> {
    pub vendor: Option<&'a str>,
    pub model: Option<&'a str>,
    pub plan_version: &'a str,
    pub blocker_status: Status,
    pub extra_device: bool,
    pub tool_version: &'a str,
}

impl Default for ReportSpec<'_> {
    fn default() -> Self {
        ReportSpec {
            vendor: Some("LENOVO"),
            model: Some("21HM"),
            plan_version: "1.0.0",
            blocker_status: Status::Pass,
            extra_device: false,
            tool_version: "0.1.0",
        }
    }
}

fn device(
    bus: &str,
    id: &str,
    category: Category,
    vendor: &str,
    name: &str,
    driver: Option<&str>,
) -> Device {
    Device {
        bus: bus.into(),
        id: id.into(),
        category,
        class: None,
        vendor_name: Some(vendor.into()),
        device_name: Some(name.into()),
        driver: driver.map(Into::into),
        needs_driver: true,
        modules: vec![],
        path: None,
        parent: None,
        details: Default::default(),
        ..Default::default()
    }
}

/// The shipped quick plan, resolved as `mxcert run` resolves it.
pub fn quick_plan() -> mxcert_core::plan::Plan {
    mxcert_core::plan::resolve_shipped("quick").unwrap()
}

/// A report as `mxcert run --plan quick` makes it, for a Lenovo ThinkPad X1 Carbon Gen 11 (ids
/// as `lspci -nn` shows them on that model).
pub fn report(spec: ReportSpec<'_>) -> Report {
    let created = Utc.with_ymd_and_hms(2026, 1, 15, 10, 0, 0).unwrap();
    let mut devices = vec![
        device(
            "pci",
            "pci:8086:a7a1:17aa:22e4",
            Category::Graphics,
            "Intel Corporation",
            "Raptor Lake-P [Iris Xe Graphics]",
            Some("i915"),
        ),
        device(
            "pci",
            "pci:8086:51f1:8086:0094",
            Category::Wireless,
            "Intel Corporation",
            "Raptor Lake PCH CNVi WiFi",
            Some("iwlwifi"),
        ),
        device(
            "pci",
            "pci:144d:a80a:144d:a801",
            Category::Storage,
            "Samsung Electronics Co Ltd",
            "NVMe SSD Controller PM9A1/PM9A3/980PRO",
            Some("nvme"),
        ),
        device(
            "usb",
            "usb:8087:0033",
            Category::Bluetooth,
            "Intel Corp.",
            "AX211 Bluetooth",
            Some("btusb"),
        ),
    ];
    if spec.extra_device {
        devices.push(device(
            "usb",
            "usb:04f2:b7b6",
            Category::Camera,
            "Chicony Electronics Co., Ltd",
            "Integrated Camera",
            Some("uvcvideo"),
        ));
    }
    let inventory = Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: created,
        tool: mxcert_core::tool("mxcert", spec.tool_version),
        machine_id: None,
        system: System {
            vendor: spec.vendor.map(Into::into),
            product: spec.model.map(Into::into),
            family: spec.model.map(|_| "ThinkPad X1 Carbon Gen 11".into()),
            board: spec.model.map(|_| Board {
                vendor: Some("LENOVO".into()),
                product: Some("21HMCTO1WW".into()),
                version: None,
            }),
            ..Default::default()
        },
        os: Os {
            id: Some("mxos".into()),
            version: Some("1.0".into()),
            name: Some("MxOS 1.0".into()),
            kernel: Some("6.1.0-27-amd64".into()),
            arch: Some("x86_64".into()),
        },
        hardware: Default::default(),
        devices,
        probe: Default::default(),
    };
    // One result per test of the shipped quick plan, as `mxcert run --plan quick` records them.
    let plan = quick_plan();
    let results = plan
        .tests
        .iter()
        .map(|t| {
            let status = if t.id == "devices-drivers" {
                spec.blocker_status
            } else {
                Status::Pass
            };
            TestResult {
                id: t.id.clone(),
                check: t.check.as_str().into(),
                device: None,
                phase: None,
                blocker: t.blocker,
                status,
                started_at: None,
                duration_ms: 12,
                message: (status != Status::Pass).then(|| "1 device without a driver".into()),
                evidence: vec![],
                measurements: vec![],
                comment: None,
                samples: None,
            }
        })
        .collect();
    let mut plan_ref = plan.reference();
    plan_ref.version = spec.plan_version.into();
    Report::new(
        uuid::Uuid::now_v7(),
        created,
        mxcert_core::tool("mxcert", spec.tool_version),
        inventory,
        plan_ref,
        results,
    )
}

/// Signs a report the way `mxcert sign` does; returns the envelope bytes.
pub fn sign(report: &Report, key: &SigningKey) -> Vec<u8> {
    dsse::sign(REPORT_PAYLOAD_TYPE, &report.to_json_pretty(), key).to_json_pretty()
}

/// Replaces ids, timestamps, digests and signatures with placeholders for snapshots.
pub fn redact(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let redacted = match (k.as_str(), v) {
                        (_, Value::Null) => v.clone(),
                        (
                            "id" | "org_id" | "submission_id" | "report_id" | "system_id"
                            | "previous_id" | "current_id" | "token_id" | "member_id" | "actor_id"
                            | "subject_id" | "actor_org_id" | "author_org_id" | "keyid"
                            | "comment_id",
                            Value::String(_),
                        ) => Value::String("[id]".into()),
                        (k, Value::String(_)) if k.ends_with("_at") => {
                            Value::String("[timestamp]".into())
                        }
                        (k, Value::String(_)) if k.ends_with("sha256") => {
                            Value::String("[sha256]".into())
                        }
                        (k, Value::String(_))
                            if k.ends_with("url")
                                || k == "previous"
                                || k == "diff"
                                || k == "envelope"
                                || k == "history"
                                || k == "certificate" =>
                        {
                            Value::String("[url]".into())
                        }
                        _ => redact(v),
                    };
                    (k.clone(), redacted)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact).collect()),
        Value::String(s) if s.starts_with("MX-") => Value::String("[certificate-id]".into()),
        other => other.clone(),
    }
}

/// A community report (issue 18) from machine `machine`, a `vendor` `model` on MxOS 1.0 and
/// kernel 6.8, holding `devices` (inventory device objects); a `some_problems` summary names the
/// wireless area.
pub fn community_report(
    machine: &str,
    (vendor, model): (&str, &str),
    summary: &str,
    devices: Value,
) -> Value {
    let mut r = serde_json::json!({
        "schema_version": 1,
        "summary": summary,
        "inventory": {
            "schema_version": 1,
            "created_at": "2026-11-30T10:00:00Z",
            "tool": {"name": "mxcert", "version": "0.1.0"},
            "machine_id": machine,
            "system": {"vendor": vendor, "product": model},
            "os": {"id": "mxos", "version": "1.0", "kernel": "6.8.0-45"},
            "devices": devices
        }
    });
    if summary == "some_problems" {
        r["problem_areas"] = serde_json::json!(["wireless"]);
    }
    r
}
