//! Several instances behind nginx: ingest and public-read throughput through the proxy with one,
//! two and three `mxcert-registry` processes on one PostgreSQL database (a throwaway cluster of its
//! own), beside one instance reached directly, in the same run; and the time an instance takes
//! to be ready again after a SIGKILL. Prints a Markdown table.
//!
//! `cargo bench -p mxcert-tests --bench fleet` (release build of both binaries). Settings:
//! `MXCERT_BENCH_SECONDS` per measurement (default 6), `MXCERT_BENCH_IN_FLIGHT` concurrent clients
//! (default 8). On a two-core machine the point is the proxy's and the instances' overhead and
//! correctness, not speed-up: the instances, nginx, PostgreSQL and the load share the cores.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use mxcert_tests::fleet::{
    free_port, missing_tools, Instance, Nginx, Parties, PgCluster, PROXY_ADDR,
};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// Requests per second `clients` threads get from `one` (which returns whether the answer was a
/// success) for `seconds`; panics on any failure.
fn rate(clients: usize, seconds: u64, one: Arc<dyn Fn() -> bool + Send + Sync>) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicUsize::new(0));
    let failed = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let (stop, done, failed, one) =
                (stop.clone(), done.clone(), failed.clone(), one.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    if one() {
                        done.fetch_add(1, Ordering::Relaxed);
                    } else {
                        failed.fetch_add(1, Ordering::Relaxed);
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_secs(seconds));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().expect("client");
    }
    let elapsed = start.elapsed().as_secs_f64();
    assert_eq!(failed.load(Ordering::Relaxed), 0, "requests failed");
    done.load(Ordering::Relaxed) as f64 / elapsed
}

fn ingest(parties: &Arc<Parties>, url: &str, clients: usize, seconds: u64) -> f64 {
    let (parties, url) = (parties.clone(), url.to_owned());
    let http = reqwest::blocking::Client::new();
    rate(
        clients,
        seconds,
        Arc::new(move || {
            http.post(format!("{url}/api/v1/submissions"))
                .bearer_auth(&parties.vendor_token)
                .header("Content-Type", "application/json")
                .body(parties.signed_report())
                .send()
                .is_ok_and(|r| r.status().as_u16() == 201)
        }),
    )
}

fn reads(url: &str, clients: usize, seconds: u64) -> f64 {
    let url = url.to_owned();
    let http = reqwest::blocking::Client::new();
    rate(
        clients,
        seconds,
        Arc::new(move || {
            http.get(format!("{url}/api/v1/systems"))
                .send()
                .and_then(|r| r.bytes().map(|_| ()).map(|()| true))
                .unwrap_or(false)
        }),
    )
}

fn main() {
    if let Some(why) = missing_tools(true) {
        eprintln!("skipped: {why}");
        return;
    }
    let seconds = setting("MXCERT_BENCH_SECONDS", 6);
    let clients = usize::try_from(setting("MXCERT_BENCH_IN_FLIGHT", 8)).unwrap_or(8);
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let pg = PgCluster::start(&d.join("pg"));
    let ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
    let mut instances: Vec<Instance> = ports
        .iter()
        .enumerate()
        .map(|(n, port)| {
            Instance::start(
                &pg.url,
                *port,
                &["--trusted-proxy", PROXY_ADDR],
                &d.join(format!("instance-{n}.log")),
            )
        })
        .collect();
    let direct = instances[0].url();
    let parties = Arc::new(Parties::new(&pg.url, &direct, d));
    // Something to read: a few certified systems.
    for _ in 0..5 {
        let r = reqwest::blocking::Client::new()
            .post(format!("{direct}/api/v1/submissions"))
            .bearer_auth(&parties.vendor_token)
            .header("Content-Type", "application/json")
            .body(parties.signed_report())
            .send()
            .expect("submit");
        let id = r.json::<serde_json::Value>().expect("json")["id"]
            .as_str()
            .expect("id")
            .to_owned();
        reqwest::blocking::Client::new()
            .post(format!("{direct}/api/v1/submissions/{id}/approve"))
            .bearer_auth(&parties.reviewer_token)
            .send()
            .expect("approve");
    }
    let proxies: Vec<Nginx> = (1..=3)
        .map(|n| Nginx::start(&d.join(format!("nginx-{n}")), &ports[..n]))
        .collect();
    println!("| what ({clients} clients, {seconds} s each) | ingest, submissions/s | ratio to direct | public reads (`/api/v1/systems`), requests/s | ratio to direct |");
    println!("|---|---|---|---|---|");
    let base_ingest = ingest(&parties, &direct, clients, seconds);
    let base_reads = reads(&direct, clients, seconds);
    println!("| one instance, direct | {base_ingest:.1} | 1 | {base_reads:.0} | 1 |");
    for (n, proxy) in proxies.iter().enumerate() {
        let i = ingest(&parties, &proxy.url(), clients, seconds);
        let r = reads(&proxy.url(), clients, seconds);
        println!(
            "| nginx, {} instance{} | {i:.1} | {:.2} | {r:.0} | {:.2} |",
            n + 1,
            if n == 0 { "" } else { "s" },
            i / base_ingest,
            r / base_reads
        );
    }
    let again_ingest = ingest(&parties, &direct, clients, seconds);
    let again_reads = reads(&direct, clients, seconds);
    println!(
        "| one instance, direct, again at the end | {again_ingest:.1} | {:.2} | {again_reads:.0} | {:.2} |",
        again_ingest / base_ingest,
        again_reads / base_reads
    );
    // Recovery: SIGKILL, start again, time until /readyz answers 200.
    let mut times: Vec<Duration> = (0..5).map(|_| instances[2].restart()).collect();
    times.sort();
    println!(
        "\nrecovery after SIGKILL (start to /readyz 200), 5 runs: median {:?}, min {:?}, max {:?}",
        times[2], times[0], times[4]
    );
}
