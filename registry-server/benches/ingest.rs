//! Ingest throughput: signed 300-device reports submitted through the real router (signature,
//! schema, index rows, automated checks) into a fresh database, with 8 submissions in flight and
//! the server's indexer counting them into the public index, beside a bare axum handler that only
//! reads the same bodies, measured in the same run. The registry's time runs until the indexer
//! has counted the last submission. Prints submissions/s for each and the ratio.
//!
//! `cargo bench -p mxcert-registry --bench ingest` (SQLite in a temporary directory); set
//! `MXCERT_BENCH_DATABASE_URL=postgres://...` to run it on PostgreSQL too (a schema of its own).
//! `MXCERT_BENCH_SUBMISSIONS` changes the count (default 400), `MXCERT_BENCH_IN_FLIGHT` the number
//! of submissions in flight (default 8: a lab's CI uploading in parallel; a registry serving many
//! vendors at once sees more). `MXCERT_BENCH_BASE_DB=FILE` starts the SQLite run from a copy of an
//! existing registry database instead of an empty one (the public bench's seeded file, 10,000
//! certified systems: the scale issue 6 names).

use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::http::{Request, StatusCode};
use axum::routing::post;
use axum::Router;
use mxcert_core::category::Category;
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::inventory::{Device, Inventory, Os, System, INVENTORY_SCHEMA_VERSION};
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::{Report, Status, TestResult};
use mxcert_registry::config::Config;
use mxcert_registry::state::AppState;
use mxcert_registry::store::{Actor, Role, Store};
use tower::ServiceExt as _;

/// Submissions in flight: `MXCERT_BENCH_IN_FLIGHT`, default 8.
fn in_flight() -> usize {
    std::env::var("MXCERT_BENCH_IN_FLIGHT")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(8)
}
const DEVICES: usize = 300;

fn report(n: usize, plan: &mxcert_core::plan::Plan) -> Report {
    let categories = [
        Category::Storage,
        Category::Network,
        Category::UsbController,
        Category::Input,
        Category::Bridge,
    ];
    let devices = (0..DEVICES)
        .map(|i| {
            // A realistic spread: a few hundred distinct chips, shared between systems.
            let vendor = [0x8086u16, 0x10de, 0x1022, 0x14e4, 0x144d, 0x1b21][i % 6];
            let device = ((i * 7 + n * 13) % 400) as u16;
            let usb = i % 3 == 0;
            Device {
                bus: if usb { "usb" } else { "pci" }.into(),
                id: if usb {
                    format!("usb:{vendor:04x}:{device:04x}")
                } else {
                    format!("pci:{vendor:04x}:{device:04x}:17aa:{:04x}", n % 50)
                },
                category: categories[i % categories.len()],
                class: Some("0x010802".into()),
                vendor_name: Some("Vendor Corporation".into()),
                device_name: Some(format!("Device model {device}")),
                driver: Some("nvme".into()),
                needs_driver: true,
                modules: vec!["nvme".into()],
                path: Some(format!("devices/pci0000:00/0000:00:{:02x}.0", i % 32)),
                parent: None,
                interfaces: vec![],
                details: Default::default(),
            }
        })
        .collect();
    let now = chrono::Utc::now();
    let inventory = Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: now,
        tool: mxcert_core::tool("mxcert", "0.1.0"),
        machine_id: None,
        system: System {
            vendor: Some(format!("Vendor {}", n % 40)),
            product: Some(format!("Model {}", n % 250)),
            ..Default::default()
        },
        os: Os {
            id: Some("mxos".into()),
            version: Some("1.0".into()),
            ..Default::default()
        },
        hardware: Default::default(),
        devices,
        probe: Default::default(),
    };
    let results = plan
        .tests
        .iter()
        .map(|t| TestResult {
            id: t.id.clone(),
            check: t.check.as_str().into(),
            device: None,
            phase: None,
            blocker: t.blocker,
            status: Status::Pass,
            started_at: None,
            duration_ms: 10,
            message: None,
            evidence: vec![],
            measurements: vec![],
            comment: None,
            samples: None,
        })
        .collect();
    Report::new(
        uuid::Uuid::now_v7(),
        now,
        inventory.tool.clone(),
        inventory,
        plan.reference(),
        results,
    )
}

/// CPU time this process has used (user + system), from /proc/self/stat (clock ticks of 10 ms).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or_default();
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); fields[0] here is field 3.
    let ticks: u64 = [11, 12]
        .iter()
        .filter_map(|&i| fields.get(i).and_then(|f| f.parse::<u64>().ok()))
        .sum();
    Duration::from_millis(ticks * 10)
}

fn throughput(count: usize, elapsed: Duration) -> f64 {
    count as f64 / elapsed.as_secs_f64()
}

async fn drive(app: Router, bodies: &[Bytes], token: &str, expect: StatusCode) -> Duration {
    let start = Instant::now();
    let n = in_flight();
    let chunks: Vec<Vec<Bytes>> = (0..n)
        .map(|w| bodies.iter().skip(w).step_by(n).cloned().collect())
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let (app, token) = (app.clone(), token.to_owned());
        tasks.push(tokio::spawn(async move {
            for body in chunk {
                let req = Request::post("/api/v1/submissions")
                    .header("authorization", format!("Bearer {token}"))
                    .body(Body::from(body))
                    .unwrap();
                let status = app.clone().oneshot(req).await.unwrap().status();
                assert_eq!(status, expect);
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    start.elapsed()
}

async fn bench(label: &str, store: Store, bodies_n: usize) {
    let cli = Actor::cli();
    let org = store.create_org("Bench", &cli).await.unwrap();
    let token = mxcert_registry::workflow::tokens::issue(
        &store,
        &org.id,
        Role::Vendor,
        None,
        "bench",
        None,
        &cli,
    )
    .await
    .unwrap()
    .token;
    // Not one of the public bench's keys (seeds 1..=vendors), so a copy of its database can be the base.
    let key = SigningKey::from_bytes(&[0xee; 32]);
    let vk = key.verifying_key();
    // The store registers a key with a challenge it issued (the API checks the key's proof).
    let challenge = mxcert_registry::ingest::sha256_hex(b"bench");
    store
        .create_key_challenge(&org.id, &challenge, chrono::Duration::minutes(10))
        .await
        .unwrap();
    store
        .register_key(
            &org.id,
            &keys::key_id(&vk),
            &keys::public_key_to_pem(&vk).unwrap(),
            "",
            &challenge,
            &cli,
        )
        .await
        .unwrap();
    let plan = mxcert_core::plan::resolve_shipped("quick").unwrap();
    let bodies: Vec<Bytes> = (0..bodies_n)
        .map(|n| {
            Bytes::from(
                dsse::sign(
                    REPORT_PAYLOAD_TYPE,
                    &report(n, &plan).to_json_pretty(),
                    &key,
                )
                .to_json_pretty(),
            )
        })
        .collect();
    let size = bodies.iter().map(Bytes::len).sum::<usize>() / bodies.len();
    let state = AppState::new(store.clone(), Config::default())
        .await
        .unwrap();
    // Where the time goes, on one core: verification and indexing, then the schema alone.
    let keys = store.list_keys(Some(&org.id)).await.unwrap();
    let sample = &bodies[..bodies.len().min(20)];
    let t = Instant::now();
    for b in sample {
        let v = mxcert_registry::ingest::verify(b, &keys, &state.report_schema).unwrap();
        std::hint::black_box(mxcert_registry::ingest::index(&org.id, b, &v));
    }
    let verify_ms = t.elapsed().as_secs_f64() * 1000.0 / sample.len() as f64;
    let t = Instant::now();
    for b in sample {
        let env = mxcert_core::dsse::Envelope::from_json(b).unwrap();
        let value: serde_json::Value =
            serde_json::from_slice(&env.payload_unverified().unwrap()).unwrap();
        state.report_schema.validate(&value).unwrap();
    }
    let schema_ms = t.elapsed().as_secs_f64() * 1000.0 / sample.len() as f64;
    // The database part alone, one at a time, on a scratch organisation's copies.
    let mut news = Vec::new();
    for b in sample {
        let v = mxcert_registry::ingest::verify(b, &keys, &state.report_schema).unwrap();
        let mut new = mxcert_registry::ingest::index(&org.id, b, &v);
        new.report_id = uuid::Uuid::now_v7().to_string();
        new.envelope_sha256 = format!("{:064x}", news.len() + 1);
        news.push(new);
    }
    let (mut store_t, mut index_t) = (Duration::ZERO, Duration::ZERO);
    for new in &news {
        let t = Instant::now();
        store.create_submission(new, &cli).await.unwrap();
        store_t += t.elapsed();
        let t = Instant::now();
        assert_eq!(store.index_pending().await.unwrap(), 1);
        index_t += t.elapsed();
    }
    let per = |d: Duration| d.as_secs_f64() * 1000.0 / news.len() as f64;
    println!(
        "{label}: per submission, one at a time: storing it {:.2} ms, then counting it alone \
         into the public index {:.2} ms",
        per(store_t),
        per(index_t)
    );
    println!(
        "{label}: per submission on one core: verify+index {verify_ms:.2} ms, \
         of which schema validation {schema_ms:.2} ms"
    );
    let cpu_before = cpu_time();
    // The server's indexer, as `serve` runs it; the run ends when it has counted everything.
    let indexer = tokio::spawn(mxcert_registry::store::indexer::run(store.clone()));
    let start = Instant::now();
    let acknowledged = drive(
        mxcert_registry::server::app(state),
        &bodies,
        &token,
        StatusCode::CREATED,
    )
    .await;
    while store.index_queue_len().await.unwrap() > 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let registry = start.elapsed();
    indexer.abort();
    let cpu_ms = (cpu_time() - cpu_before).as_secs_f64() * 1000.0 / bodies_n as f64;
    println!(
        "{label}: CPU per submission (all threads, the registry's process): {cpu_ms:.2} ms, \
         i.e. at most {:.0}/s on 2 idle cores",
        2000.0 / cpu_ms
    );
    let bare_app = Router::new().route(
        "/api/v1/submissions",
        post(|_b: Bytes| async { StatusCode::CREATED }),
    );
    let bare = drive(bare_app, &bodies, &token, StatusCode::CREATED).await;
    let (r, b) = (throughput(bodies_n, registry), throughput(bodies_n, bare));
    println!(
        "{label}: {bodies_n} submissions of {DEVICES} devices (~{} KiB each), {} in flight: \
         registry {r:.0}/s stored and counted into the public index ({:.0}/s acknowledged; the \
         index caught up {:.0} ms after the last answer), bare axum handler {b:.0}/s, ratio \
         {:.4} (registry/bare)",
        size / 1024,
        in_flight(),
        throughput(bodies_n, acknowledged),
        (registry - acknowledged).as_secs_f64() * 1000.0,
        r / b
    );
    store.close().await;
}

fn main() {
    let n: usize = std::env::var("MXCERT_BENCH_SUBMISSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("bench.db");
        if let Ok(base) = std::env::var("MXCERT_BENCH_BASE_DB") {
            std::fs::copy(&base, &db).unwrap_or_else(|e| panic!("copy {base}: {e}"));
            println!("sqlite: ingest into a copy of {base}");
        }
        let url = format!("sqlite://{}", db.display());
        bench("sqlite", Store::open(&url).await.unwrap(), n).await;
        if let Ok(pg) = std::env::var("MXCERT_BENCH_DATABASE_URL") {
            let schema = format!("mxcert_bench_{}", std::process::id());
            let store = Store::connect_with(&pg, Some(&schema)).await.unwrap();
            store.migrate().await.unwrap();
            bench("postgres", store, n).await;
            mxcert_registry::store::postgres::drop_schema(&pg, &schema)
                .await
                .unwrap();
        }
    });
}
