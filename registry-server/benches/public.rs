//! The public read side at the scale issue 6 names, on a real port: device lookup, system search
//! and `/check` of a 300-device machine, with 10,000 certified systems and over a million device
//! rows, beside a bare axum handler measured with the same load tool in the same run.
//!
//! `cargo bench -p mxcert-registry --bench public` seeds a SQLite registry through the real router
//! (in process: every report is signed, submitted to `POST /api/v1/submissions` and approved with
//! `POST /api/v1/submissions/{id}/approve`, so every row is what the real paths write), caches the
//! file under `<target>/bench-data/` (keyed by [`DATA_VERSION`] and the system count; delete it or
//! set `MXCERT_BENCH_RESEED=1` to seed again), serves the real app on 127.0.0.1:0 and loads each
//! endpoint with `wrk --latency` through a Lua script that rotates over many paths or bodies. The
//! baseline is a separate router on another port whose one handler returns a small JSON object
//! (and `/healthz` of the real app, for the cost of its middleware). Every endpoint is measured at
//! two loads: one connection (the latency of a request alone) and `MXCERT_BENCH_CONNECTIONS`
//! (default 16) over two wrk threads. Any non-2xx answer or socket error fails the benchmark.
//!
//! `MXCERT_BENCH_DATABASE_URL=postgres://...` runs the same against PostgreSQL as well, in a schema
//! of its own (`mxcert_bench_public_v<DATA_VERSION>_<systems>`, kept between runs like the SQLite
//! file); it is `VACUUM (ANALYZE)`d before the loads. Environment: `MXCERT_BENCH_SYSTEMS` (default
//! 10000), `MXCERT_BENCH_SECONDS` (per endpoint and load, default 10), `MXCERT_BENCH_CONNECTIONS`
//! (default 16), `MXCERT_BENCH_SQLITE=0` to skip
//! SQLite, `MXCERT_BENCH_ONLY=search,check` to measure only some endpoints (`devices`, `search`,
//! `vendor`, `check`, `check-lspci`, `healthz`, `offline`; the bare handler is always measured).
//! `offline` measures the offline snapshot on the same data (see [`offline`]; with
//! `MXCERT_BENCH_ONLY=offline` alone the wrk loads are skipped but the bare handler's);
//! `MXCERT_BENCH_MXCERT=PATH` adds the `mxcert check` commands, offline against online. Skips, saying why, without `wrk`; under `cargo test` it does nothing.
//!
//! Device lookups are measured twice: through the registry as it runs (its answer cache on) and
//! through a second instance of the same app with the cache off (`devices-nocache`), which gives
//! every request the full database work.
//!
//! Community reports (issue 18), after the certification-only tables: `MXCERT_BENCH_COMMUNITY`
//! (default 100000; 0 skips) reports of distinct machines, each a probe of
//! [`COMMUNITY_DEVICES`] chips drawn from the same pool. Their ingest rate is measured first with
//! wrk through the real `POST /api/v1/community/reports` on a real port (one and
//! `MXCERT_BENCH_CONNECTIONS` connections; every request a new machine id; rate limits off); the
//! rest up to the count is sent through the same router in process, 8 at a time, and timed too.
//! Then device lookups (cache on and off) and the bare handler are measured again at both loads.
//! Community reports are deleted at the start of each backend's run, so the certification-only
//! figures never include them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt as _;
use mxcert_core::category::Category;
use mxcert_core::dsse::{self, REPORT_PAYLOAD_TYPE};
use mxcert_core::inventory::{Board, Device, Inventory, Os, System, INVENTORY_SCHEMA_VERSION};
use mxcert_core::keys::{self, SigningKey};
use mxcert_core::report::{Report, Status, TestResult};
use mxcert_registry::config::Config;
use mxcert_registry::state::AppState;
use mxcert_registry::store::{Actor, Role, Store};
use tower::ServiceExt as _;

/// Bump when the seeded data changes: cached databases of another version are not reused.
const DATA_VERSION: u32 = 2;
/// Distinct device chips the seeded systems draw from (a skewed draw: a few are in nearly every
/// system, most in a handful).
const POOL: u64 = 40_000;
/// Vendor organisations that submit.
const ORGS: usize = 8;
/// Submissions in flight while seeding.
const SEED_IN_FLIGHT: usize = 4;
/// Devices of the machine `/check` is asked about.
const CHECK_DEVICES: usize = 300;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A fixed pseudo-random function (splitmix64): the same data on every run.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

fn unit(x: u64) -> f64 {
    (mix(x) >> 11) as f64 / (1u64 << 53) as f64
}

const CHIP_VENDORS: [(u16, &str); 12] = [
    (0x8086, "Intel Corporation"),
    (0x1022, "Advanced Micro Devices, Inc. [AMD]"),
    (0x10de, "NVIDIA Corporation"),
    (0x10ec, "Realtek Semiconductor Co., Ltd."),
    (0x14e4, "Broadcom Inc. and subsidiaries"),
    (0x144d, "Samsung Electronics Co Ltd"),
    (0x1b21, "ASMedia Technology Inc."),
    (0x168c, "Qualcomm Atheros"),
    (0x17cb, "Qualcomm Technologies, Inc"),
    (0x1e0f, "KIOXIA Corporation"),
    (0x0bda, "Realtek Semiconductor Corp."),
    (0x046d, "Logitech, Inc."),
];

const CATEGORIES: [(Category, &str); 8] = [
    (Category::Storage, "nvme"),
    (Category::Network, "r8169"),
    (Category::Wireless, "iwlwifi"),
    (Category::Graphics, "i915"),
    (Category::UsbController, "xhci_hcd"),
    (Category::Bridge, "pcieport"),
    (Category::Input, "usbhid"),
    (Category::Audio, "snd_hda_intel"),
];

/// One device chip of the pool (or, beyond it, one no report contains).
fn chip(idx: u64, subsystem: u16) -> Device {
    let (vendor, vendor_name) = CHIP_VENDORS[(idx % CHIP_VENDORS.len() as u64) as usize];
    let device = (idx / CHIP_VENDORS.len() as u64) as u16;
    let usb = idx % 3 == 0;
    let (category, driver) = CATEGORIES[(mix(idx ^ 0xca7) % CATEGORIES.len() as u64) as usize];
    // About one chip in 60 has no driver bound in the reports that contain it.
    let missing = mix(idx ^ 0xd21) % 60 == 0;
    Device {
        bus: if usb { "usb" } else { "pci" }.into(),
        id: if usb {
            format!("usb:{vendor:04x}:{device:04x}")
        } else {
            format!(
                "pci:{vendor:04x}:{device:04x}:{subsystem:04x}:{:04x}",
                idx % 251
            )
        },
        category,
        class: (!usb).then(|| "0x010802".into()),
        vendor_name: Some(vendor_name.into()),
        device_name: Some(format!("Controller {device:04X} ({category:?})")),
        driver: (!missing).then(|| driver.into()),
        needs_driver: true,
        modules: vec![driver.into()],
        path: Some(format!("devices/pci0000:00/0000:00:{:02x}.0", idx % 32)),
        parent: None,
        interfaces: vec![],
        details: Default::default(),
    }
}

/// A skewed draw from the pool: index 0 is the most common chip.
fn draw(seed: u64) -> u64 {
    (POOL as f64 * unit(seed).powi(3)) as u64
}

const SYSTEM_VENDORS: [(&str, u16, &[&str]); 10] = [
    (
        "LENOVO",
        0x17aa,
        &[
            "ThinkPad T14",
            "ThinkPad X1 Carbon",
            "ThinkCentre M70q",
            "IdeaPad 5",
            "ThinkSystem SR630",
            "Yoga 7",
        ],
    ),
    (
        "Dell Inc.",
        0x1028,
        &[
            "Latitude 7440",
            "OptiPlex 7010",
            "XPS 13",
            "Precision 5680",
            "PowerEdge R660",
            "Inspiron 14",
        ],
    ),
    (
        "HP",
        0x103c,
        &[
            "EliteBook 840",
            "ProBook 450",
            "EliteDesk 800",
            "ZBook Firefly",
            "ProLiant DL360",
        ],
    ),
    (
        "ASUSTeK COMPUTER INC.",
        0x1043,
        &["ZenBook 14", "VivoBook 15", "ExpertBook B9", "ROG Zephyrus"],
    ),
    (
        "Acer",
        0x1025,
        &["Swift 3", "Aspire 5", "TravelMate P2", "Veriton X"],
    ),
    (
        "Micro-Star International Co., Ltd.",
        0x1462,
        &["Modern 14", "Prestige 15", "PRO DP21"],
    ),
    ("LANIX", 0x1c4f, &["Neuron V", "Titan 4", "Corp 4160"]),
    ("Vorago", 0x1d5c, &["Alpha Plus", "Prime 14", "Nucleo Pro"]),
    ("Framework", 0xf111, &["Laptop 13", "Laptop 16"]),
    (
        "Gigabyte Technology Co., Ltd.",
        0x1458,
        &["BRIX GB-BRi5", "AERO 16", "R282-Z90"],
    ),
];

/// Vendor, model, family, board and chassis type of seeded system `n` (each model unique).
fn system_of(n: u64) -> (&'static str, u16, String, String, String, &'static str) {
    // Vendors are skewed too: the first ones have most models.
    let v = ((SYSTEM_VENDORS.len() as f64) * unit(n ^ 0x5eed).powi(2)) as usize;
    let (vendor, subsystem, series) = SYSTEM_VENDORS[v];
    let family = series[(mix(n ^ 0xfa) % series.len() as u64) as usize];
    let model = format!("{family} Gen {} {:05X}", 1 + n % 5, mix(n) % 0xfffff);
    let prefix: String = vendor.chars().take(3).collect();
    let board = format!("{}-MB{:04}", prefix.to_uppercase(), n % 2500);
    let chassis = if family.contains("Power")
        || family.contains("ProLiant")
        || family.contains("System")
        || family.starts_with('R')
    {
        "Rack Mount Chassis"
    } else if family.contains("Centre")
        || family.contains("Desk")
        || family.contains("Plex")
        || family.contains("Veriton")
        || family.contains("DP21")
        || family.contains("BRIX")
        || family.contains("Nucleo")
    {
        "Desktop"
    } else {
        "Notebook"
    };
    (vendor, subsystem, model, family.to_owned(), board, chassis)
}

/// The devices of seeded system `n`: 70 to 150 distinct chips, about 110 on average.
fn devices_of(n: u64, subsystem: u16) -> Vec<Device> {
    let count = 70 + (mix(n ^ 0xde7) % 81) as usize;
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(count);
    let mut k = 0u64;
    while out.len() < count {
        let idx = draw(n.wrapping_mul(1_000_003).wrapping_add(k));
        k += 1;
        if seen.insert(idx) {
            out.push(chip(idx, subsystem));
        }
    }
    out
}

fn inventory(n: u64, devices: Vec<Device>) -> Inventory {
    let (vendor, _, model, family, board, chassis) = system_of(n);
    Inventory {
        schema_version: INVENTORY_SCHEMA_VERSION,
        created_at: chrono::Utc::now(),
        tool: mxcert_core::tool("mxcert", "0.1.0"),
        machine_id: None,
        system: System {
            vendor: Some(vendor.into()),
            product: Some(model),
            family: Some(family),
            board: Some(Board {
                vendor: Some(vendor.into()),
                product: Some(board),
                version: None,
            }),
            chassis_type: Some(chassis.into()),
            ..Default::default()
        },
        os: Os {
            id: Some("mxos".into()),
            version: Some(if n % 3 == 0 { "1.1" } else { "1.0" }.into()),
            name: Some("MxOS".into()),
            kernel: Some("6.1.0-27-amd64".into()),
            arch: Some("x86_64".into()),
        },
        hardware: Default::default(),
        devices,
        probe: Default::default(),
    }
}

/// The signed report of seeded system `n`, as `mxcert run --plan quick` and `mxcert sign` make it.
fn signed_report(n: u64, plan: &mxcert_core::plan::Plan, key: &SigningKey) -> Vec<u8> {
    let (_, subsystem, ..) = system_of(n);
    let inventory = inventory(n, devices_of(n, subsystem));
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
    let report = Report::new(
        uuid::Uuid::now_v7(),
        inventory.created_at,
        inventory.tool.clone(),
        inventory,
        plan.reference(),
        results,
    );
    dsse::sign(REPORT_PAYLOAD_TYPE, &report.to_json_pretty(), key).to_json_pretty()
}

async fn call(app: &Router, req: Request<Body>) -> (StatusCode, serde_json::Value) {
    let resp = app.clone().oneshot(req).await.expect("router");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null),
    )
}

/// Seeds `systems` certified systems through the real router: submit, then approve, each.
async fn seed(store: Store, systems: u64) {
    // The server's indexer, as `serve` runs it.
    let indexer = tokio::spawn(mxcert_registry::store::indexer::run(store.clone()));
    let cli = Actor::cli();
    let state = AppState::new(store.clone(), Config::default())
        .await
        .expect("state");
    let foundation = store
        .create_org("MxOS Foundation", &cli)
        .await
        .expect("org");
    let reviewer = mxcert_registry::workflow::tokens::issue(
        &store,
        &foundation.id,
        Role::Reviewer,
        None,
        "bench",
        None,
        &cli,
    )
    .await
    .expect("token")
    .token;
    let mut vendors = Vec::new();
    for i in 0..ORGS {
        let org = store
            .create_org(&format!("Socio Comercial {i} S.A. de C.V."), &cli)
            .await
            .expect("org");
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
        .expect("token")
        .token;
        let key = SigningKey::from_bytes(&[u8::try_from(i + 1).unwrap_or(1); 32]);
        let vk = key.verifying_key();
        // The store registers a key with a challenge it issued (the API checks the key's proof).
        let challenge = mxcert_registry::ingest::sha256_hex(org.id.as_bytes());
        store
            .create_key_challenge(&org.id, &challenge, chrono::Duration::minutes(10))
            .await
            .expect("challenge");
        store
            .register_key(
                &org.id,
                &keys::key_id(&vk),
                &keys::public_key_to_pem(&vk).expect("pem"),
                "",
                &challenge,
                &cli,
            )
            .await
            .expect("key");
        vendors.push((token, key));
    }
    let vendors = Arc::new(vendors);
    let plan = Arc::new(mxcert_core::plan::resolve_shipped("quick").expect("plan"));
    let app = mxcert_registry::server::app(state);
    let done = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..SEED_IN_FLIGHT {
        let (app, vendors, plan, reviewer, done) = (
            app.clone(),
            vendors.clone(),
            plan.clone(),
            reviewer.clone(),
            done.clone(),
        );
        tasks.push(tokio::spawn(async move {
            for n in (w as u64..systems).step_by(SEED_IN_FLIGHT) {
                let org = (n % ORGS as u64) as usize;
                let (vendors2, plan2) = (vendors.clone(), plan.clone());
                let body =
                    tokio::task::spawn_blocking(move || signed_report(n, &plan2, &vendors2[org].1))
                        .await
                        .expect("sign");
                let req = Request::post("/api/v1/submissions")
                    .header("authorization", format!("Bearer {}", vendors[org].0))
                    .body(Body::from(body))
                    .expect("request");
                let (status, answer) = call(&app, req).await;
                assert_eq!(status, StatusCode::CREATED, "submit {n}: {answer}");
                let id = answer["id"].as_str().expect("id");
                let req = Request::post(format!("/api/v1/submissions/{id}/approve"))
                    .header("authorization", format!("Bearer {reviewer}"))
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .expect("request");
                let (status, answer) = call(&app, req).await;
                assert_eq!(status, StatusCode::OK, "approve {n}: {answer}");
                let d = done.fetch_add(1, Ordering::Relaxed) + 1;
                if d % 1000 == 0 {
                    eprintln!(
                        "  seeded {d}/{systems} ({:.0}/s)",
                        d as f64 / start.elapsed().as_secs_f64()
                    );
                }
            }
        }));
    }
    for t in tasks {
        t.await.expect("seeding task");
    }
    // What the server's indexer has not counted yet, counted now.
    indexer.abort();
    let _ = indexer.await;
    store.index_pending().await.expect("index");
}

/// Row counts of the tables the public side reads.
async fn counts(store: &Store) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in [
        "public_systems",
        "submission_devices",
        "indexed_submissions",
        "device_systems",
        "device_stats",
    ] {
        let row = sqlx::query(&format!("SELECT count(*) AS n FROM {table}"))
            .fetch_one(store.pool())
            .await
            .expect("count");
        out.push((table, sqlx::Row::get::<i64, _>(&row, "n")));
    }
    out
}

/// Where cached databases live: `<target>/bench-data` (the bench binary is
/// `<target>/release/deps/public-*`), or `MXCERT_BENCH_DATA_DIR`.
fn data_dir() -> PathBuf {
    if let Ok(d) = std::env::var("MXCERT_BENCH_DATA_DIR") {
        return PathBuf::from(d);
    }
    std::env::current_exe()
        .ok()
        .and_then(|p| p.ancestors().nth(3).map(|t| t.join("bench-data")))
        .unwrap_or_else(|| PathBuf::from("target/bench-data"))
}

fn reseed() -> bool {
    std::env::var("MXCERT_BENCH_RESEED").is_ok_and(|v| v == "1")
}

/// The seeded SQLite store, from the cache or seeded now.
async fn sqlite_store(systems: u64) -> Store {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).expect("bench data directory");
    let file = dir.join(format!("public-v{DATA_VERSION}-{systems}.db"));
    if reseed() || !file.exists() {
        let partial = dir.join(format!("public-v{DATA_VERSION}-{systems}.partial.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", partial.display()));
        }
        let url = format!("sqlite://{}", partial.display());
        let store = Store::open(&url).await.expect("open sqlite");
        let t = Instant::now();
        seed(store.clone(), systems).await;
        println!(
            "sqlite: seeded {systems} certified systems through the API in {:.0} s",
            t.elapsed().as_secs_f64()
        );
        store.close().await;
        rename_db(&partial, &file);
    } else {
        println!("sqlite: using the cached database {}", file.display());
    }
    Store::open(&format!("sqlite://{}", file.display()))
        .await
        .expect("open sqlite")
}

fn rename_db(from: &Path, to: &Path) {
    for suffix in ["-wal", "-shm", ""] {
        let f = format!("{}{suffix}", from.display());
        if Path::new(&f).exists() {
            std::fs::rename(&f, format!("{}{suffix}", to.display())).expect("rename database");
        }
    }
}

/// The seeded PostgreSQL store (a schema of its own), reused when complete.
async fn postgres_store(url: &str, systems: u64) -> Store {
    let schema = format!("mxcert_bench_public_v{DATA_VERSION}_{systems}");
    if reseed() {
        mxcert_registry::store::postgres::drop_schema(url, &schema)
            .await
            .expect("drop schema");
    }
    let store = Store::connect_with(url, Some(&schema))
        .await
        .expect("connect postgres");
    store.migrate().await.expect("migrate");
    let have = counts(&store).await[0].1;
    if u64::try_from(have).unwrap_or(0) == systems {
        println!("postgres: using the seeded schema {schema}");
        vacuum_analyze(url, &schema).await;
        return store;
    }
    store.close().await;
    mxcert_registry::store::postgres::drop_schema(url, &schema)
        .await
        .expect("drop schema");
    let store = Store::connect_with(url, Some(&schema))
        .await
        .expect("connect postgres");
    store.migrate().await.expect("migrate");
    let t = Instant::now();
    seed(store.clone(), systems).await;
    println!(
        "postgres: seeded {systems} certified systems through the API in {:.0} s",
        t.elapsed().as_secs_f64()
    );
    vacuum_analyze(url, &schema).await;
    store
}

/// Gives the planner statistics of the seeded tables. A registry relies on PostgreSQL's
/// autovacuum for that; this machine's PostgreSQL runs with `autovacuum = off`, and without
/// statistics it plans a device lookup as a scan (p50 14.7 ms instead of 2.3 ms, measured).
async fn vacuum_analyze(url: &str, schema: &str) {
    use sqlx::Connection as _;
    let mut conn = sqlx::AnyConnection::connect(url)
        .await
        .expect("connect postgres");
    let t = Instant::now();
    sqlx::raw_sql(&format!(
        "SET search_path TO {}",
        mxcert_registry::store::postgres::quote_ident(schema)
    ))
    .execute(&mut conn)
    .await
    .expect("search path");
    // What autovacuum keeps on a normal server (this machine's runs with it off): statistics, and
    // the visibility map that lets index-only scans skip the table. A statement of its own: VACUUM
    // cannot run in the implicit transaction of a multi-statement query.
    sqlx::raw_sql(
        "VACUUM (ANALYZE) device_systems, device_stats, device_drivers, public_systems, systems, \
         submissions, certificates, organisations",
    )
    .execute(&mut conn)
    .await
    .expect("vacuum");
    println!(
        "postgres: VACUUM (ANALYZE) of the tables read in {:.1} s",
        t.elapsed().as_secs_f64()
    );
}

/// requests/s and latency percentiles (ms) from `wrk --latency` output.
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    rps: f64,
    p50: f64,
    p99: f64,
    requests: u64,
    non2xx: u64,
    socket_errors: u64,
}

fn ms(v: &str) -> f64 {
    let v = v.trim();
    let (num, unit) = v
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((v, "ms"), |i| v.split_at(i));
    let n: f64 = num.parse().unwrap_or(f64::NAN);
    match unit {
        "us" => n / 1000.0,
        "s" => n * 1000.0,
        "m" => n * 60_000.0,
        _ => n,
    }
}

/// Runs wrk against `url` with a Lua `script`; panics on any error answer.
fn wrk(name: &str, url: &str, script: &Path, connections: u64, seconds: u64) -> Load {
    let threads = connections.min(2);
    let out = Command::new("wrk")
        .args([
            "--latency",
            &format!("-t{threads}"),
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "--timeout",
            "5s",
            "-s",
        ])
        .arg(script)
        .arg(url)
        .output()
        .expect("run wrk");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut load = Load::default();
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["Requests/sec:", v] => load.rps = v.parse().unwrap_or(0.0),
            ["50%", v] => load.p50 = ms(v),
            ["99%", v] => load.p99 = ms(v),
            ["Non-2xx", "or", "3xx", "responses:", v] => load.non2xx = v.parse().unwrap_or(0),
            [n, "requests", "in", ..] => load.requests = n.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                load.socket_errors = rest
                    .iter()
                    .filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok())
                    .sum();
            }
            _ => {}
        }
    }
    assert!(
        out.status.success() && load.requests > 0,
        "wrk failed on {name}: {text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        (load.non2xx, load.socket_errors),
        (0, 0),
        "{name}: {} non-2xx answers and {} socket errors\n{text}",
        load.non2xx,
        load.socket_errors
    );
    load
}

/// A Lua string literal.
fn lua_str(s: &str) -> String {
    let mut out = String::from("\"");
    for b in s.bytes() {
        match b {
            b'"' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            b' '..=b'~' => out.push(b as char),
            _ => out.push_str(&format!("\\{b}")),
        }
    }
    out.push('"');
    out
}

/// A wrk script that sends `method` requests rotating over `paths` (and `bodies`, if any), each
/// thread starting at its own place.
fn script(dir: &Path, name: &str, method: &str, paths: &[String], bodies: &[PathBuf]) -> PathBuf {
    let mut lua = String::from("local paths = {\n");
    for p in paths {
        lua.push_str(&format!("  {},\n", lua_str(p)));
    }
    lua.push_str("}\nlocal bodies = {}\n");
    for b in bodies {
        lua.push_str(&format!(
            "do local f = assert(io.open({}, \"rb\")); bodies[#bodies + 1] = f:read(\"*a\"); f:close() end\n",
            lua_str(&b.display().to_string())
        ));
    }
    lua.push_str(&format!(
        r#"local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("start", threads * 7919)
end
local i = 0
function init(args)
  i = start or 0
end
function request()
  i = i + 1
  local path = paths[(i % #paths) + 1]
  if #bodies > 0 then
    local headers = {{}}
    headers["Content-Type"] = {content_type}
    return wrk.format("{method}", path, headers, bodies[(i % #bodies) + 1])
  end
  return wrk.format("{method}", path)
end
"#,
        content_type = if name.contains("lspci") {
            "\"text/plain\""
        } else {
            "\"application/json\""
        },
    ));
    let file = dir.join(format!("{name}.lua"));
    std::fs::write(&file, lua).expect("write wrk script");
    file
}

/// The paths device lookups rotate over: devices of random seeded systems (so popular chips come
/// up as often as they are in machines).
fn device_paths(systems: u64) -> Vec<String> {
    (0..4000u64)
        .map(|k| {
            let n = mix(k ^ 0x100c) % systems;
            let (_, subsystem, ..) = system_of(n);
            let devices = devices_of(n, subsystem);
            let d = &devices[(mix(k ^ 0x200c) % devices.len() as u64) as usize];
            let base = mxcert_registry::public::devices::base_identity(&d.id);
            mxcert_registry::urls::device(&base)
        })
        .collect()
}

/// Words people search for: a family, a family and generation, a vendor's word, a model's serial.
fn search_paths(systems: u64) -> Vec<String> {
    (0..1000u64)
        .map(|k| {
            let n = mix(k ^ 0x5ea) % systems;
            let (vendor, _, model, family, ..) = system_of(n);
            let q = match k % 4 {
                0 => family.clone(),
                1 => format!("{family} gen {}", 1 + n % 5),
                2 => vendor
                    .split_whitespace()
                    .next()
                    .unwrap_or(vendor)
                    .to_owned(),
                _ => model.rsplit(' ').next().unwrap_or_default().to_owned(),
            };
            format!(
                "/api/v1/systems?{}",
                serde_urlencoded::to_string([("q", q)]).unwrap_or_default()
            )
        })
        .collect()
}

/// Vendor filters, first pages and later ones, sometimes with a category.
fn vendor_paths() -> Vec<String> {
    let mut out = Vec::new();
    for (k, (vendor, _, _)) in SYSTEM_VENDORS.iter().enumerate() {
        for page in 1..=5 {
            let mut q = vec![("vendor", (*vendor).to_owned()), ("page", page.to_string())];
            if (k + page) % 3 == 0 {
                q.push(("category", "laptop".into()));
            }
            out.push(format!(
                "/api/v1/systems?{}",
                serde_urlencoded::to_string(q).unwrap_or_default()
            ));
        }
    }
    out
}

/// Machines to check: seeded system `n`'s own devices, more chips from the pool, and some the
/// registry has never seen, 300 in all, as `mxcert probe --format json` prints them.
fn check_machine(n: u64) -> Inventory {
    let (_, subsystem, ..) = system_of(n);
    let mut devices = devices_of(n, subsystem);
    let mut seen: BTreeSet<String> = devices.iter().map(|d| d.id.clone()).collect();
    let mut k = 0u64;
    while devices.len() < CHECK_DEVICES {
        k += 1;
        let idx = if k % 5 == 0 {
            POOL * 2 + mix(n ^ k) % POOL
        } else {
            draw(n.wrapping_mul(7_000_001).wrapping_add(k))
        };
        let d = chip(idx, subsystem);
        if seen.insert(d.id.clone()) {
            devices.push(d);
        }
    }
    inventory(n, devices)
}

/// `lspci -nn` of a check machine's PCI devices.
fn lspci_text(inv: &Inventory) -> String {
    let mut out = String::new();
    for (i, d) in inv.devices.iter().filter(|d| d.bus == "pci").enumerate() {
        let parts: Vec<&str> = d.id.split(':').collect();
        out.push_str(&format!(
            "{:02x}:{:02x}.{} Non-Volatile memory controller [0108]: {} {} [{}:{}] (rev 01)\n",
            i / 32,
            i % 32,
            i % 8,
            d.vendor_name.as_deref().unwrap_or_default(),
            d.device_name.as_deref().unwrap_or_default(),
            parts[1],
            parts[2]
        ));
    }
    out
}

fn bare_router() -> Router {
    Router::new().route(
        "/bare",
        axum::routing::get(|| async { axum::Json(serde_json::json!({"status": "ok"})) }),
    )
}

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await;
    });
    format!("http://{addr}")
}

/// Serves the registry over `store` with `config`, the same with its answer cache off, and the
/// bare handler; returns their base URLs.
async fn serve_three(store: &Store, config: Config) -> (String, String, String, AppState) {
    let app = |config: Config| {
        let store = store.clone();
        async move {
            let state = AppState::new(store, config).await.expect("state");
            (
                serve(mxcert_registry::server::app(state.clone())).await,
                state,
            )
        }
    };
    let (url, state) = app(config.clone()).await;
    let (nocache, _) = app(Config {
        answer_cache_bytes: 0,
        ..config
    })
    .await;
    (url, nocache, serve(bare_router()).await, state)
}

/// Measures every endpoint of one backend and prints the tables.
fn measure(label: &str, runtime: &tokio::runtime::Runtime, store: Store, systems: u64) {
    let rows = runtime.block_on(counts(&store));
    println!(
        "{label}: {}",
        rows.iter()
            .map(|(t, n)| format!("{t} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let config = Config {
        // Measure `/check`, not the rate limiter.
        public_posts_per_minute: 0,
        ..Config::default()
    };
    let (url, nocache, bare, state) = runtime.block_on(serve_three(&store, config));
    let dir = tempfile::tempdir().expect("temporary directory");
    let machines: Vec<Inventory> = (0..8u64)
        .map(|k| check_machine(mix(k ^ 0xc4ec) % systems))
        .collect();
    let mut json_bodies = Vec::new();
    let mut text_bodies = Vec::new();
    for (k, m) in machines.iter().enumerate() {
        let json = dir.path().join(format!("probe-{k}.json"));
        std::fs::write(&json, serde_json::to_vec_pretty(m).expect("probe JSON")).expect("write");
        json_bodies.push(json);
        let text = dir.path().join(format!("lspci-{k}.txt"));
        std::fs::write(&text, lspci_text(m)).expect("write");
        text_bodies.push(text);
    }
    let probe_kib = std::fs::metadata(&json_bodies[0]).map_or(0, |m| m.len()) / 1024;
    let lspci_lines = lspci_text(&machines[0]).lines().count();
    let check = vec!["/api/v1/check".to_owned()];
    let mut endpoints: Vec<(String, PathBuf, f64)> = device_endpoints(dir.path(), systems);
    endpoints.extend([
        (
            "system search `GET /api/v1/systems?q=` (1000 queries: family, family + generation, vendor word, model serial)".into(),
            script(dir.path(), "search", "GET", &search_paths(systems), &[]),
            10.0,
        ),
        (
            "system search `GET /api/v1/systems?vendor=&page=` (10 vendors, pages 1-5, some with a category)".into(),
            script(dir.path(), "vendor", "GET", &vendor_paths(), &[]),
            10.0,
        ),
        (
            format!("`POST /api/v1/check`, probe JSON of {CHECK_DEVICES} devices (~{probe_kib} KiB, 8 machines)"),
            script(dir.path(), "check", "POST", &check, &json_bodies),
            20.0,
        ),
        (
            format!("`POST /api/v1/check`, `lspci -nn` text ({lspci_lines} lines, 8 machines)"),
            script(dir.path(), "check-lspci", "POST", &check, &text_bodies),
            20.0,
        ),
        (
            "`GET /healthz` of the registry (its middleware, no database)".into(),
            script(dir.path(), "healthz", "GET", &["/healthz".to_owned()], &[]),
            f64::NAN,
        ),
    ]);
    // `MXCERT_BENCH_ONLY=search,check`: only the endpoints whose script is named in the list.
    let only = std::env::var("MXCERT_BENCH_ONLY").ok();
    let endpoints: Vec<_> = endpoints
        .into_iter()
        .filter(|(_, script, _)| {
            only.as_deref().is_none_or(|only| {
                let name = script
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default();
                only.split(',').any(|o| o.trim() == name)
            })
        })
        .collect();
    if only
        .as_deref()
        .is_none_or(|only| only.split(',').any(|o| o.trim() == "offline"))
    {
        offline(label, runtime, &state, &url, dir.path(), &json_bodies[0]);
    }
    tables(label, &endpoints, &url, &nocache, &bare, dir.path());
}

/// The device lookup endpoints: through the registry as it runs, and with its answer cache off.
fn device_endpoints(dir: &Path, systems: u64) -> Vec<(String, PathBuf, f64)> {
    let paths = device_paths(systems);
    vec![
        (
            "device lookup `GET /api/v1/devices/{bus}/{id}` (4000 devices of random systems)"
                .into(),
            script(dir, "devices", "GET", &paths, &[]),
            10.0,
        ),
        (
            "the same, answer cache off (every request queries the database)".into(),
            script(dir, "devices-nocache", "GET", &paths, &[]),
            10.0,
        ),
    ]
}

/// Loads each endpoint (those named `*-nocache` at `nocache`, the others at `url`) after the bare
/// handler, at one connection and at `MXCERT_BENCH_CONNECTIONS`, and prints a table per load.
fn tables(
    label: &str,
    endpoints: &[(String, PathBuf, f64)],
    url: &str,
    nocache: &str,
    bare: &str,
    dir: &Path,
) {
    let seconds = env_num("MXCERT_BENCH_SECONDS", 10);
    let connections = env_num("MXCERT_BENCH_CONNECTIONS", 16);
    let bare_script = script(dir, "bare", "GET", &["/bare".to_owned()], &[]);
    for c in [1, connections] {
        let threads = c.min(2);
        let base = wrk("bare", bare, &bare_script, c, seconds);
        println!(
            "\n{label}, wrk --latency -t{threads} -c{c} -d{seconds}s per endpoint; bare axum handler \
             (`GET /bare` -> small JSON, own router and port): {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms\n",
            base.rps, base.p50, base.p99
        );
        println!("| endpoint | req/s | p50 ms | p99 ms | bare req/s ratio | p99 / bare p99 | target p99 | met |");
        println!("|---|---|---|---|---|---|---|---|");
        for (name, script, target) in endpoints {
            let at = if script.to_string_lossy().ends_with("-nocache.lua") {
                nocache
            } else {
                url
            };
            let l = wrk(name, at, script, c, seconds);
            let met = if target.is_nan() {
                "—".to_owned()
            } else if l.p99 < *target {
                "yes".to_owned()
            } else {
                "**no**".to_owned()
            };
            println!(
                "| {name} | {:.0} | {:.2} | {:.2} | {:.3} | {:.1} | {} | {met} |",
                l.rps,
                l.p50,
                l.p99,
                l.rps / base.rps,
                l.p99 / base.p99,
                if target.is_nan() {
                    "—".to_owned()
                } else {
                    format!("< {target} ms")
                },
            );
        }
    }
}

/// Chips per seeded community report.
const COMMUNITY_DEVICES: usize = 40;

/// The community report of seeded machine `k` as JSON text, with `machine` as its machine id: a
/// probe of a seeded system model with [`COMMUNITY_DEVICES`] chips of the pool; three in four say
/// everything works, the rest that the first chip's category fails.
fn community_body(k: u64, machine: &str, systems: u64) -> String {
    let n = mix(k ^ 0xc0ed) % systems;
    let (_, subsystem, ..) = system_of(n);
    let mut seen = BTreeSet::new();
    let mut devices = Vec::with_capacity(COMMUNITY_DEVICES);
    let mut j = 0u64;
    while devices.len() < COMMUNITY_DEVICES {
        let idx = draw(k.wrapping_mul(7_000_003).wrapping_add(j) ^ 0xc033);
        j += 1;
        if seen.insert(idx) {
            devices.push(chip(idx, subsystem));
        }
    }
    let area = serde_json::to_value(devices[0].category).expect("category");
    let mut inv = inventory(n, devices);
    inv.machine_id = Some(machine.to_owned());
    let mut body =
        serde_json::json!({"schema_version": 1, "inventory": inv, "summary": "all_work"});
    if mix(k ^ 0x5a11) % 4 == 0 {
        body["summary"] = "some_problems".into();
        body["problem_areas"] = serde_json::json!([area]);
    }
    body.to_string()
}

/// A wrk script that shares community reports: 64 bodies in turn, each request with a machine id
/// and a probe time of its own (`run`, the thread and a counter; the registry refuses the same
/// content under another machine id as a duplicate, so the probe time must differ too).
fn ingest_script(dir: &Path, run: u32, systems: u64) -> PathBuf {
    const MACHINE: &str = "@@MACHINE@@";
    const AT: &str = "@@AT@@";
    let mut lua = String::from("local p1, p2, p3 = {}, {}, {}\n");
    for k in 0..64u64 {
        let mut body: serde_json::Value =
            serde_json::from_str(&community_body(1_000_000_000 + k, MACHINE, systems))
                .expect("body");
        body["inventory"]["created_at"] = AT.into();
        // Keys are sorted: `created_at` comes before `machine_id`.
        let body = body.to_string();
        let (a, rest) = body.split_once(AT).expect("time in the body");
        let (b, c) = rest.split_once(MACHINE).expect("machine id in the body");
        lua.push_str(&format!(
            "p1[{n}] = {}\np2[{n}] = {}\np3[{n}] = {}\n",
            lua_str(a),
            lua_str(b),
            lua_str(c),
            n = k + 1
        ));
    }
    lua.push_str(&format!(
        r#"local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end
local i = 0
function request()
  i = i + 1
  local k = (i % #p1) + 1
  local at = string.format("2026-12-05T%02d:%02d:%02d.%06dZ", tid % 24, {run} % 60, math.floor(i / 1000000) % 60, i % 1000000)
  local body = p1[k] .. at .. p2[k] .. string.format("bench-{run}-%d-%d", tid, i) .. p3[k]
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  return wrk.format("POST", "/api/v1/community/reports", headers, body)
end
"#
    ));
    let file = dir.join(format!("ingest-{run}.lua"));
    std::fs::write(&file, lua).expect("write wrk script");
    file
}

/// Visible community reports stored.
async fn community_reports(store: &Store) -> i64 {
    let row = sqlx::query("SELECT count(*) AS n FROM community_reports")
        .fetch_one(store.pool())
        .await
        .expect("count");
    sqlx::Row::get::<i64, _>(&row, "n")
}

/// Deletes every community report (the certification-only figures come first in each run).
async fn clear_community(store: &Store) {
    for table in ["community_devices", "community_reports"] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(store.pool())
            .await
            .expect("delete community reports");
    }
}

/// The community part of one backend's run: ingest through the API, then device lookups with
/// `MXCERT_BENCH_COMMUNITY` reports stored.
fn measure_community(label: &str, runtime: &tokio::runtime::Runtime, store: Store, systems: u64) {
    let target = env_num("MXCERT_BENCH_COMMUNITY", 100_000);
    let seconds = env_num("MXCERT_BENCH_SECONDS", 10);
    let connections = env_num("MXCERT_BENCH_CONNECTIONS", 16);
    let config = Config {
        public_posts_per_minute: 0,
        community_reports_per_hour: 0,
        community_reports_per_machine_per_hour: 0,
        ..Config::default()
    };
    let dir = tempfile::tempdir().expect("temporary directory");
    let (url, app) = runtime.block_on(async {
        let state = AppState::new(store.clone(), config.clone())
            .await
            .expect("state");
        let app = mxcert_registry::server::app(state);
        (serve(app.clone()).await, app)
    });
    println!(
        "\n{label}: community ingest, `POST /api/v1/community/reports` on a real port, one new \
         machine per request ({COMMUNITY_DEVICES} devices each), wrk --latency -d{seconds}s\n"
    );
    println!("| connections | reports/s | p50 ms | p99 ms | reports stored after |");
    println!("|---|---|---|---|---|");
    for c in [1, connections] {
        let script = ingest_script(dir.path(), u32::try_from(c).unwrap_or(0), systems);
        let l = wrk("community ingest", &url, &script, c, seconds);
        let stored = runtime.block_on(community_reports(&store));
        println!(
            "| {c} | {:.0} | {:.2} | {:.2} | {stored} |",
            l.rps, l.p50, l.p99
        );
    }
    let have = u64::try_from(runtime.block_on(community_reports(&store))).unwrap_or(0);
    if have < target {
        let start = Instant::now();
        let next = Arc::new(AtomicUsize::new(0));
        let missing = (target - have) as usize;
        runtime.block_on(async {
            let mut tasks = Vec::new();
            for _ in 0..8 {
                let (app, next) = (app.clone(), next.clone());
                tasks.push(tokio::spawn(async move {
                    loop {
                        let k = next.fetch_add(1, Ordering::Relaxed);
                        if k >= missing {
                            break;
                        }
                        let body = community_body(k as u64, &format!("seed-{k}"), systems);
                        let req = Request::post("/api/v1/community/reports")
                            .header("content-type", "application/json")
                            .body(Body::from(body))
                            .expect("request");
                        let (status, answer) = call(&app, req).await;
                        assert_eq!(status, StatusCode::CREATED, "community {k}: {answer}");
                    }
                }));
            }
            for t in tasks {
                t.await.expect("seeding task");
            }
        });
        let secs = start.elapsed().as_secs_f64();
        println!(
            "\n{label}: {missing} more community reports through the same router in process \
             (8 in flight): {secs:.0} s, {:.0} reports/s",
            missing as f64 / secs
        );
    }
    if store.backend_name() == "postgres" {
        // Statistics for the planner, as autovacuum keeps them (off on this machine).
        runtime.block_on(async {
            for table in ["community_devices", "community_reports"] {
                sqlx::query(&format!("ANALYZE {table}"))
                    .execute(store.pool())
                    .await
                    .expect("analyze");
            }
        });
    }
    let stored = runtime.block_on(community_reports(&store));
    let rows = runtime.block_on(async {
        let row = sqlx::query("SELECT count(*) AS n FROM community_devices")
            .fetch_one(store.pool())
            .await
            .expect("count");
        sqlx::Row::get::<i64, _>(&row, "n")
    });
    println!("{label}: {stored} community reports, {rows} community device rows");
    let (url, nocache, bare, _) = runtime.block_on(serve_three(&store, config));
    let endpoints = device_endpoints(dir.path(), systems);
    tables(
        &format!("{label} with {stored} community reports"),
        &endpoints,
        &url,
        &nocache,
        &bare,
        dir.path(),
    );
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!(
            "the public benchmark runs under `cargo bench -p mxcert-registry --bench public`"
        );
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("SKIPPED: wrk is not installed");
        return;
    }
    let systems = env_num("MXCERT_BENCH_SYSTEMS", 10_000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!(
        "load average at start: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    if std::env::var("MXCERT_BENCH_SQLITE").map_or(true, |v| v != "0") {
        let store = runtime.block_on(sqlite_store(systems));
        runtime.block_on(clear_community(&store));
        measure("sqlite", &runtime, store.clone(), systems);
        if env_num("MXCERT_BENCH_COMMUNITY", 100_000) > 0 {
            measure_community("sqlite", &runtime, store, systems);
        }
    }
    if let Ok(pg) = std::env::var("MXCERT_BENCH_DATABASE_URL") {
        let store = runtime.block_on(postgres_store(&pg, systems));
        runtime.block_on(clear_community(&store));
        measure("postgres", &runtime, store.clone(), systems);
        if env_num("MXCERT_BENCH_COMMUNITY", 100_000) > 0 {
            measure_community("postgres", &runtime, store, systems);
        }
    }
    println!(
        "\nload average at end: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    runtime.shutdown_background();
}

/// Wall time of `runs` runs of `f`, sorted.
fn timed(runs: usize, mut f: impl FnMut()) -> Vec<f64> {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let started = Instant::now();
            f();
            started.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    t.sort_by(f64::total_cmp);
    t
}

fn median(t: &[f64]) -> f64 {
    t[t.len() / 2]
}

/// The offline snapshot at this scale, same data and same run: the export's database reads and
/// its build, the offline check against the online `/check` for the same 300-device probe, in
/// process and, when `MXCERT_BENCH_MXCERT` names the `mxcert` binary, as the commands a user runs
/// (`mxcert check --offline --snapshot` against `mxcert check --registry`, each a new process).
fn offline(
    label: &str,
    runtime: &tokio::runtime::Runtime,
    state: &AppState,
    url: &str,
    dir: &Path,
    probe: &Path,
) {
    use mxcert_core::snapshot;
    let runs = env_num("MXCERT_BENCH_OFFLINE_RUNS", 7) as usize;
    let store = &state.store;
    let reads = timed(runs, || {
        runtime.block_on(async {
            mxcert_registry::public::snapshot::read(store, 0, chrono::Utc::now())
                .await
                .expect("snapshot reads");
        });
    });
    let mut built = None;
    let builds = timed(runs, || {
        built = Some(runtime.block_on(async {
            mxcert_registry::public::snapshot::build(store, &state.registry_key)
                .await
                .expect("snapshot build")
        }));
    });
    let built = built.expect("a snapshot");
    let key = state.registry_key.verifying_key();
    let snap = dir.join("snapshot");
    std::fs::create_dir_all(&snap).expect("snapshot directory");
    std::fs::write(snap.join(&built.manifest.data.name), &built.data).expect("write");
    let manifest_file = snap.join("mxcert-snapshot.dsse.json");
    std::fs::write(&manifest_file, &built.manifest_json).expect("write");
    let key_file = snap.join("registry.pub");
    std::fs::write(&key_file, &state.registry_key.public_key_pem).expect("write");
    let body = std::fs::read(probe).expect("probe");
    let machine = mxcert_registry::public::check::parse_input(
        Some("application/json"),
        &body,
        &state.hw_names,
    )
    .expect("probe parses");
    // In process: open (verify, SHA-256, gunzip, parse, index) and check, as the command does.
    let mut index = None;
    let opens = timed(runs, || {
        let m = snapshot::open_manifest(&built.manifest_json, &key).expect("manifest");
        let data = snapshot::open_data(&m, &built.data).expect("data");
        index = Some(snapshot::Index::new(data));
    });
    let index = index.expect("an index");
    let checks = timed(runs * 10, || {
        std::hint::black_box(index.check(&machine, chrono::Utc::now()));
    });
    let offline_answer =
        serde_json::to_value(index.check(&machine, chrono::Utc::now())).expect("answer");
    // Online: the same probe to the same registry over HTTP, one request at a time.
    let client = reqwest::blocking::Client::new();
    let post = || {
        let resp = client
            .post(format!("{url}/api/v1/check"))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .expect("POST /api/v1/check");
        assert!(resp.status().is_success(), "{}", resp.status());
        resp.json::<serde_json::Value>().expect("answer")
    };
    let online_answer = post();
    assert_eq!(
        online_answer["summary"], offline_answer["summary"],
        "the same answer"
    );
    let online = timed(runs * 10, || {
        std::hint::black_box(post());
    });
    println!(
        "\n{label}, offline snapshot ({} systems, {} devices, {} revoked; {} bytes gzip), {runs} runs each (medians):\n",
        built_counts(&built, &key).0,
        built_counts(&built, &key).1,
        built_counts(&built, &key).2,
        built.manifest.data.size
    );
    println!("| step | median ms | min ms | max ms |");
    println!("|---|---|---|---|");
    let row = |name: &str, t: &[f64]| {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} |",
            median(t),
            t[0],
            t[t.len() - 1]
        );
    };
    row("export's database reads (`public::snapshot::read`)", &reads);
    row(
        "export, whole (`public::snapshot::build`: reads, serialise, gzip, sign)",
        &builds,
    );
    row(
        "offline, open the snapshot (verify, SHA-256, gunzip, parse, index)",
        &opens,
    );
    row("offline, check of the probe from the index", &checks);
    row(
        "online, `POST /api/v1/check` of the same probe (HTTP, one at a time)",
        &online,
    );
    println!(
        "\nopen + check offline / online check: {:.1}x (medians); check from an open index / online: {:.3}x",
        (median(&opens) + median(&checks)) / median(&online),
        median(&checks) / median(&online)
    );
    match std::env::var("MXCERT_BENCH_MXCERT") {
        Err(_) => println!(
            "(the `mxcert` commands: SKIPPED, set MXCERT_BENCH_MXCERT to the mxcert binary)"
        ),
        Ok(mxcert) => {
            let state_dir = dir.join("xdg-state");
            let run = |args: &[&str]| {
                let out = Command::new(&mxcert)
                    .args(args)
                    .env("XDG_STATE_HOME", &state_dir)
                    .env("XDG_CONFIG_HOME", &state_dir)
                    .output()
                    .expect("run mxcert");
                assert!(
                    out.status.success(),
                    "mxcert {args:?}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            };
            let probe = probe.to_str().expect("UTF-8 path");
            let manifest_file = manifest_file.to_str().expect("UTF-8 path");
            let key_file = key_file.to_str().expect("UTF-8 path");
            let offline_args = [
                "check",
                "--offline",
                "--snapshot",
                manifest_file,
                "--registry-key",
                key_file,
                "--from",
                probe,
                "--format",
                "json",
            ];
            let online_args = [
                "check",
                "--registry",
                url,
                "--from",
                probe,
                "--format",
                "json",
            ];
            let a: serde_json::Value = serde_json::from_slice(&run(&offline_args)).expect("JSON");
            let b: serde_json::Value = serde_json::from_slice(&run(&online_args)).expect("JSON");
            assert_eq!(a["summary"], b["summary"], "the commands agree");
            let off = timed(runs, || {
                run(&offline_args);
            });
            let on = timed(runs, || {
                run(&online_args);
            });
            println!("\n| command (a new process each run) | median ms | min ms | max ms |");
            println!("|---|---|---|---|");
            row(
                "`mxcert check --offline --snapshot FILE --from probe.json`",
                &off,
            );
            row("`mxcert check --registry URL --from probe.json`", &on);
            println!(
                "\noffline / online command: {:.1}x (medians)",
                median(&off) / median(&on)
            );
        }
    }
}

/// Systems, devices and revoked certificates in a built snapshot.
fn built_counts(
    built: &mxcert_core::snapshot::Built,
    key: &mxcert_core::keys::VerifyingKey,
) -> (usize, usize, usize) {
    let m = mxcert_core::snapshot::open_manifest(&built.manifest_json, key).expect("manifest");
    let d = mxcert_core::snapshot::open_data(&m, &built.data).expect("data");
    (d.systems.len(), d.devices.len(), d.revoked.len())
}
