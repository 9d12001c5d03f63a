//! The web portal's pages against the JSON the same service functions serve, on a real port:
//! `cargo bench -p mxcert-registry --bench web` seeds a SQLite registry with certified systems
//! (the same signed reports the tests use, through the real API), serves it on 127.0.0.1:0, and
//! loads each page and its JSON counterpart with `wrk` (one after the other, same connections and
//! duration), plus `/healthz` as the bare-handler baseline. It prints a Markdown table of
//! requests per second and latency percentiles, with the ratios, for BENCHMARKS.md.
//!
//! Environment: `MXCERT_BENCH_SYSTEMS` (certified systems to seed, default 300),
//! `MXCERT_BENCH_SECONDS` (per endpoint, default 5), `MXCERT_BENCH_CONNECTIONS` (default 16).
//! Skips, saying why, without `wrk`. Run as `cargo bench`; under `cargo test` it does nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::process::Command;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// requests/s and latency percentiles (ms) from `wrk --latency` output.
#[derive(Debug, Clone, Copy, Default)]
struct Load {
    rps: f64,
    p50: f64,
    p99: f64,
    non2xx: u64,
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

fn wrk(url: &str, seconds: u64, connections: u64) -> Load {
    let out = Command::new("wrk")
        .args([
            "--latency",
            "-t2",
            &format!("-c{connections}"),
            &format!("-d{seconds}s"),
            "-H",
            "Accept-Language: es-MX",
            url,
        ])
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
            _ => {}
        }
    }
    load
}

fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        eprintln!("the web benchmark runs under `cargo bench -p mxcert-registry --bench web`");
        return;
    }
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("SKIPPED: wrk is not installed");
        return;
    }
    let systems = env_num("MXCERT_BENCH_SYSTEMS", 300);
    let seconds = env_num("MXCERT_BENCH_SECONDS", 5);
    let connections = env_num("MXCERT_BENCH_CONNECTIONS", 16);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (url, certificate) = runtime.block_on(async {
        let r = common::Registry::new("sqlite").await;
        let mut certificate = String::new();
        for i in 0..systems {
            let model = format!("Model {i:04}");
            let vendor = ["LENOVO", "Dell Inc.", "HP", "Acme"][usize::try_from(i % 4).unwrap_or(0)];
            let report = common::report(common::ReportSpec {
                vendor: Some(vendor),
                model: Some(&model),
                ..Default::default()
            });
            let (status, body) = r.submit(&common::sign(&report, &r.key_a)).await;
            assert_eq!(status, axum::http::StatusCode::CREATED, "{body}");
            let id = body["id"].as_str().unwrap_or_default().to_owned();
            let (status, body) = r
                .post(
                    &format!("/api/v1/submissions/{id}/approve"),
                    Some(&r.reviewer),
                    serde_json::json!({}),
                )
                .await;
            assert_eq!(status, axum::http::StatusCode::OK, "{body}");
            certificate = body["certificate_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let state = r.state.clone();
        tokio::spawn(async move {
            let _keep = r;
            let _ = mxcert_registry::server::serve(listener, state, std::future::pending()).await;
        });
        (format!("http://{addr}"), certificate)
    });
    let pairs = [
        (
            "home `/`",
            "/".to_owned(),
            "/api/v1/certified?limit=8".to_owned(),
        ),
        (
            "certified systems `/sistemas?vendor=LENOVO`",
            "/sistemas?vendor=LENOVO".to_owned(),
            "/api/v1/systems?vendor=LENOVO".to_owned(),
        ),
        (
            "search words `/sistemas?q=model+0042`",
            "/sistemas?q=model+0042".to_owned(),
            "/api/v1/systems?q=model+0042".to_owned(),
        ),
        (
            "certificate page",
            format!("/certificados/{certificate}"),
            format!("/api/v1/systems/{certificate}"),
        ),
        (
            "device page",
            "/dispositivos/pci/8086:a7a1".to_owned(),
            "/api/v1/devices/pci/8086:a7a1".to_owned(),
        ),
    ];
    let baseline = wrk(&format!("{url}/healthz"), seconds, connections);
    println!(
        "{systems} certified systems on SQLite; wrk -t2 -c{connections} -d{seconds}s per endpoint; \
         `/healthz` (bare handler): {:.0} req/s, p50 {:.2} ms, p99 {:.2} ms\n",
        baseline.rps, baseline.p50, baseline.p99
    );
    println!("| page | HTML req/s | p50 / p99 ms | JSON req/s | p50 / p99 ms | HTML/JSON throughput | HTML vs `/healthz` |");
    println!("|---|---|---|---|---|---|---|");
    for (name, page, api) in pairs {
        let html = wrk(&format!("{url}{page}"), seconds, connections);
        let json = wrk(&format!("{url}{api}"), seconds, connections);
        assert_eq!(
            html.non2xx + json.non2xx,
            0,
            "{page} or {api} answered errors"
        );
        println!(
            "| {name} | {:.0} | {:.2} / {:.2} | {:.0} | {:.2} / {:.2} | {:.2} | {:.3} |",
            html.rps,
            html.p50,
            html.p99,
            json.rps,
            json.p50,
            json.p99,
            html.rps / json.rps,
            html.rps / baseline.rps
        );
    }
    runtime.shutdown_background();
}
