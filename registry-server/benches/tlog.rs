//! The transparency log's costs (issue 16), on SQLite and, with `MXCERT_TEST_DATABASE_URL` set,
//! on PostgreSQL (a schema of its own), each beside a baseline from the same run:
//!
//! - **Proofs at 1,000,000 entries**: `Store::log_inclusion_proof` on a database holding every
//!   complete-subtree hash of a million-leaf tree, beside the same proofs from core's in-memory
//!   `MemoryStore` (the arithmetic alone). The tree is computed in memory and its subtree hashes
//!   written into `tlog_hashes` of a fresh registry database directly (a million approvals are
//!   out of reach, and proofs read only that table); then `MXCERT_BENCH_PROOFS` (default 2000)
//!   inclusion proofs of random leaves. `MXCERT_BENCH_LEAVES` changes the size.
//! - **Approval latency and the log's share**: `MXCERT_BENCH_APPROVALS` (default 300) submissions
//!   approved one after the other through the real `POST /api/v1/submissions/{id}/approve`
//!   (router, token, workflow, one transaction), each timed whole and with the time its
//!   transaction spent appending to the log (entry, subtree hashes, signed checkpoint:
//!   `Store::log_append_time`, measured inside the transaction). "Without the log" is the
//!   approval less that time; the log cannot be turned off.
//!
//! `cargo bench -p mxcert-registry --bench tlog` prints p50/p99/max of each;
//! `MXCERT_BENCH_ONLY=proofs` or `approvals` runs one part. Under `cargo test` it does nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use mxcert_core::tlog::merkle::{self, HashReader, MemoryStore, SubtreeId};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// p50, p99 and max in milliseconds.
fn percentiles(mut d: Vec<Duration>) -> [f64; 3] {
    d.sort();
    let at = |q: f64| d[((d.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    [at(0.5), at(0.99), at(1.0)]
}

fn show(p: [f64; 3]) -> String {
    format!("p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms", p[0], p[1], p[2])
}

async fn proofs(kind: &str) {
    let leaves = env_num("MXCERT_BENCH_LEAVES", 1_000_000);
    let proofs = env_num("MXCERT_BENCH_PROOFS", 2000);
    let mut tree = MemoryStore::new();
    for i in 0..leaves {
        tree.append(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let db = common::TestDb::new(kind).await;
    let store = &db.store;
    let started = Instant::now();
    let mut tx = store.pool().begin().await.unwrap();
    let mut level = 0u8;
    loop {
        let count = leaves >> level;
        if count == 0 {
            break;
        }
        let mut index = 0;
        while index < count {
            let end = (index + 300).min(count);
            let ids: Vec<SubtreeId> = (index..end)
                .map(|i| SubtreeId { level, index: i })
                .collect();
            let hashes = tree.read_hashes(&ids).unwrap();
            let mut sql = String::from("INSERT INTO tlog_hashes (level, idx, hash) VALUES ");
            for (k, _) in ids.iter().enumerate() {
                if k > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${}, ${})", 3 * k + 1, 3 * k + 2, 3 * k + 3));
            }
            let mut q = sqlx::query(&sql);
            for (id, h) in ids.iter().zip(&hashes) {
                q = q
                    .bind(i64::from(id.level))
                    .bind(id.index as i64)
                    .bind(h.to_vec());
            }
            q.execute(&mut *tx).await.unwrap();
            index = end;
        }
        level += 1;
    }
    tx.commit().await.unwrap();
    if kind == "postgres" {
        sqlx::query("ANALYZE tlog_hashes")
            .execute(store.pool())
            .await
            .unwrap();
    }
    println!(
        "{kind}: seeded {leaves} leaves' subtree hashes in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let root = tree.root();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % leaves
    };
    let (mut from_db, mut mem) = (Vec::new(), Vec::new());
    for _ in 0..proofs {
        let i = next();
        let t = Instant::now();
        let proof = store.log_inclusion_proof(i, leaves).await.unwrap();
        from_db.push(t.elapsed());
        let t = Instant::now();
        let again = merkle::inclusion_proof(i, leaves, &tree).unwrap();
        mem.push(t.elapsed());
        assert_eq!(proof, again);
        let leaf = merkle::leaf_hash(&i.to_be_bytes());
        merkle::verify_inclusion(i, leaves, &leaf, &proof, &root).unwrap();
    }
    let (d, m) = (percentiles(from_db), percentiles(mem));
    println!(
        "{kind}: inclusion proof, store ({leaves} leaves): {}",
        show(d)
    );
    println!("{kind}: inclusion proof, in memory (baseline): {}", show(m));
    println!(
        "{kind}: ratio store/memory: p50 {:.1}x, p99 {:.1}x",
        d[0] / m[0],
        d[1] / m[1]
    );
    db.cleanup().await;
}

async fn approvals(kind: &str) {
    let count = env_num("MXCERT_BENCH_APPROVALS", 300);
    let r = common::Registry::new(kind).await;
    let mut ids = Vec::new();
    for i in 0..count + 10 {
        ids.push(r.submit_ok(&format!("Approval {i}")).await);
    }
    r.indexed().await;
    // Warm-up (connections, prepared statements, the log key): not counted.
    for id in &ids[..10] {
        r.approve(id).await;
    }
    let (mut whole, mut log, mut rest) = (Vec::new(), Vec::new(), Vec::new());
    for id in &ids[10..] {
        let before = r.db.store.log_append_time();
        let t = Instant::now();
        r.approve(id).await;
        let elapsed = t.elapsed();
        let spent = r.db.store.log_append_time() - before;
        whole.push(elapsed);
        log.push(spent);
        rest.push(elapsed.saturating_sub(spent));
    }
    let size = r.db.store.latest_checkpoint().await.unwrap().size;
    assert_eq!(size, count + 10, "every approval is in the log");
    let (w, l, x) = (percentiles(whole), percentiles(log), percentiles(rest));
    println!("{kind}: {count} approvals, log at {size} entries at the end");
    println!("{kind}: approval (POST .../approve):      {}", show(w));
    println!("{kind}: the log's share (in the transaction): {}", show(l));
    println!("{kind}: approval without the log's share:  {}", show(x));
    println!(
        "{kind}: with/without: p50 {:.2}x, p99 {:.2}x; the log's share of the p50 approval {:.1} %",
        w[0] / x[0],
        w[1] / x[1],
        l[0] / w[0] * 100.0
    );
    r.db.cleanup().await;
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let only = std::env::var("MXCERT_BENCH_ONLY").unwrap_or_default();
    for kind in common::database_kinds() {
        if only != "approvals" {
            proofs(kind).await;
        }
        if only != "proofs" {
            approvals(kind).await;
        }
    }
}
