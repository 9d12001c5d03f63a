//! The offline snapshot at the scale issue 16 names: 10,000 certified systems and 40,000
//! devices. Measures, in one run: building it (serialise, gzip, sign: what the registry does
//! after its reads), its size compressed and not; opening it (verify the manifest, check the
//! file's SHA-256, gunzip, parse) and indexing it (what `mxcert check --offline` does before
//! answering); and answering a 300-device machine from the index, beside a baseline in the same
//! run: the same answer put together from the same data already in hash maps
//! (`mxcert_core::check::answer` with look-ups done), i.e. the cost of the index itself.
//!
//! `cargo bench -p mxcert-core --bench snapshot` (environment: `MXCERT_BENCH_SYSTEMS`, default
//! 10000; `MXCERT_BENCH_DEVICES`, default 40000; `MXCERT_BENCH_RUNS`, default 7, the median is
//! shown). Synthetic but shaped like the registry's data: names and models of realistic length,
//! a few vendors and families, counts in every status. Under `cargo test` it does nothing.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use ed25519_dalek::SigningKey;
use mxcert_core::check::{
    answer, CertificateStatus, InputFormat, KnownDevice, Lookup, Machine, PlanVersion, Related,
    StatusCounts, SystemCategory, SystemSummary,
};
use mxcert_core::inventory::{Device, System};
use mxcert_core::snapshot::{self, Index, SnapshotData, DATA_SCHEMA_VERSION};

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const VENDORS: [&str; 8] = [
    "LENOVO",
    "Dell Inc.",
    "HP",
    "ASUSTeK COMPUTER INC.",
    "Acer",
    "Cómputo Acme",
    "Lanix",
    "Vorago",
];

fn device_id(i: usize) -> String {
    if i % 3 == 0 {
        format!("usb:{:04x}:{:04x}", 0x1000 + i % 4000, i / 4000)
    } else {
        format!("pci:{:04x}:{:04x}", 0x8000 + i % 2000, i / 2000)
    }
}

fn data(systems: usize, devices: usize) -> SnapshotData {
    let t = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
    SnapshotData {
        schema_version: DATA_SCHEMA_VERSION,
        version: 1,
        created_at: t,
        systems: (0..systems)
            .map(|n| {
                let vendor = VENDORS[n % VENDORS.len()];
                SystemSummary {
                    certificate_id: format!("MX-2026-{:06}", n + 1),
                    url: format!("/api/v1/systems/MX-2026-{:06}", n + 1),
                    vendor: vendor.to_owned(),
                    model: format!("Modelo {} Gen {}", n / 7, n % 7),
                    family: Some(format!("Familia {}", n % 97)),
                    sku: Some(format!("SKU-{n:08}")),
                    board: Some(format!("BRD-{:05}", n / 3)),
                    chassis_type: Some("Notebook".into()),
                    category: SystemCategory::Laptop,
                    mxos_release: "1.0".into(),
                    plan: PlanVersion {
                        id: "full".into(),
                        version: "1.2.0".into(),
                    },
                    organisation: format!("{vendor} México"),
                    issued_at: format!("2026-{:02}-{:02}T10:00:00.000000Z", 1 + n % 11, 1 + n % 28),
                    expires_at: "2027-12-01T00:00:00.000000Z".into(),
                    status: CertificateStatus::Valid,
                    device_count: 250,
                }
            })
            .collect(),
        devices: (0..devices)
            .map(|i| KnownDevice {
                identity: device_id(i),
                vendor_name: Some(format!("Vendor {} Corporation", i % 500)),
                device_name: Some(format!("Controller family {} [model {}]", i % 900, i)),
                reports: StatusCounts {
                    certified: (i % 5) as i64,
                    works: (i % 7) as i64,
                    problem: (i % 11 == 0) as i64,
                    seen: (i % 3) as i64,
                },
                systems: (i % 40) as i64 + 1,
                community: Default::default(),
            })
            .collect(),
        revoked: (0..systems / 100)
            .map(|n| format!("MX-2025-{:06}", n + 1))
            .collect(),
    }
}

fn machine(devices: usize) -> Machine {
    Machine {
        format: InputFormat::Inventory,
        system: System {
            vendor: Some("LENOVO".into()),
            product: Some("Modelo 0 Gen 0".into()),
            family: Some("Familia 0".into()),
            ..System::default()
        },
        devices: (0..300)
            .map(|k| {
                let mut d: Device = serde_json::from_value(serde_json::json!({
                    "bus": "pci", "id": device_id((k * 131) % (devices * 2)), "category": "other"
                }))
                .expect("a device");
                d.driver = Some("drv".into());
                d
            })
            .collect(),
    }
}

fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let systems = env_num("MXCERT_BENCH_SYSTEMS", 10_000);
    let devices = env_num("MXCERT_BENCH_DEVICES", 40_000);
    let runs = env_num("MXCERT_BENCH_RUNS", 7);
    let key = SigningKey::from_bytes(&[7; 32]);
    let vk = key.verifying_key();
    let d = data(systems, devices);
    let expires = d.created_at + chrono::Duration::days(7);

    let mut built = None;
    let build = median(runs, || {
        built = Some(snapshot::build(&d, expires, None, &key))
    });
    let built = built.expect("built");
    let mut index = None;
    let open = median(runs, || {
        let (_, data) = snapshot::open(&built.manifest_json, &built.data, &vk).expect("opens");
        index = Some(Index::new(data));
    });
    let index = index.expect("index");
    let m = machine(devices);
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 0, 0, 0).unwrap();
    let check = median(runs * 10, || {
        std::hint::black_box(index.check(&m, now));
    });
    // Baseline: the same answer from the same data with every look-up already done.
    let known: HashMap<String, KnownDevice> = d
        .devices
        .iter()
        .map(|k| (k.identity.clone(), k.clone()))
        .collect();
    let reference = index.check(&m, now);
    let related = Related {
        exact: reference.certified_systems.exact.clone(),
        same_board: reference.certified_systems.same_board.clone(),
        same_family: reference.certified_systems.same_family.clone(),
    };
    let baseline = median(runs * 10, || {
        std::hint::black_box(answer(&m, Lookup::new(&m), &known, related.clone()));
    });
    let known_devices = reference.summary.devices - reference.summary.unknown;
    println!("snapshot at {systems} systems, {devices} devices (median of {runs} runs)");
    println!(
        "  build (serialise + gzip + sign): {:.1} ms; {} bytes compressed, {} uncompressed (ratio {:.2})",
        ms(build),
        built.manifest.data.size,
        built.manifest.data.uncompressed_size,
        built.manifest.data.size as f64 / built.manifest.data.uncompressed_size as f64
    );
    println!(
        "  open (verify + sha256 + gunzip + parse) and index: {:.1} ms",
        ms(open)
    );
    println!(
        "  check of a 300-device machine ({known_devices} known, {} exact, {} family): {:.3} ms; baseline (look-ups done) {:.3} ms; ratio {:.2}",
        reference.certified_systems.exact.len(),
        reference.certified_systems.same_family.len(),
        ms(check),
        ms(baseline),
        ms(check) / ms(baseline)
    );
}
