//! Transparency log proof generation at 1,000,000 entries (issue 16): `Store::log_inclusion_proof`
//! on a SQLite file holding every complete-subtree hash of a million-leaf tree, beside the same
//! proofs from core's in-memory `MemoryStore` in the same run (the arithmetic alone).
//!
//! `cargo bench -p mxcert-registry --bench tlog` computes the tree in memory, writes its subtree
//! hashes into `tlog_hashes` of a fresh registry database (directly: a million approvals are out
//! of reach, and proofs read only that table), then asks for `MXCERT_BENCH_PROOFS` (default 2000)
//! inclusion proofs of random leaves and prints p50/p99/max. `MXCERT_BENCH_LEAVES` changes the
//! size. Under `cargo test` it does nothing.

use std::time::{Duration, Instant};

use mxcert_core::tlog::merkle::{self, HashReader, MemoryStore, SubtreeId};
use mxcert_registry::store::Store;

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentiles(mut d: Vec<Duration>) -> String {
    d.sort();
    let at = |q: f64| d[((d.len() as f64 - 1.0) * q) as usize].as_secs_f64() * 1e3;
    format!(
        "p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

#[tokio::main]
async fn main() {
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let leaves = env_num("MXCERT_BENCH_LEAVES", 1_000_000);
    let proofs = env_num("MXCERT_BENCH_PROOFS", 2000);
    let mut tree = MemoryStore::new();
    for i in 0..leaves {
        tree.append(merkle::leaf_hash(&i.to_be_bytes()));
    }
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("registry.db").display());
    let store = Store::open(&url).await.unwrap();
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
    println!(
        "seeded {leaves} leaves' subtree hashes in {:.1} s",
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
    let (mut db, mut mem) = (Vec::new(), Vec::new());
    for _ in 0..proofs {
        let i = next();
        let t = Instant::now();
        let proof = store.log_inclusion_proof(i, leaves).await.unwrap();
        db.push(t.elapsed());
        let t = Instant::now();
        let again = merkle::inclusion_proof(i, leaves, &tree).unwrap();
        mem.push(t.elapsed());
        assert_eq!(proof, again);
        let leaf = merkle::leaf_hash(&i.to_be_bytes());
        merkle::verify_inclusion(i, leaves, &leaf, &proof, &root).unwrap();
    }
    println!(
        "inclusion proof, SQLite store ({leaves} leaves): {}",
        percentiles(db)
    );
    println!(
        "inclusion proof, in memory (baseline):      {}",
        percentiles(mem)
    );
    store.close().await;
}
