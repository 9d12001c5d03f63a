//! An in-process cache of serialized public answers (the device lookup's JSON), keyed by what
//! identifies the answer, that is never stale in this process.
//!
//! Every entry carries the data generation ([`crate::store::generation`]) read *before* its answer
//! was computed, and is served only while the generation has not moved: a write committed by this
//! process raises the generation before its response is sent, so the next lookup recomputes. A
//! write by another process on the same database raises the stored generation, which this
//! process reads every [`crate::store::generation::POLL`]. An entry also lapses at its own
//! deadline (the earliest expiry of a certificate it lists) and after [`MAX_AGE`] in any case.
//!
//! Memory is bounded by a byte budget (key, body and a fixed overhead per entry, so it also
//! bounds the entry count); `quick_cache` evicts the least useful entries (CLOCK-Pro) past it.

use std::time::{Duration, Instant};

use axum::body::Bytes;

/// The longest an entry is served, whatever the generation says.
pub const MAX_AGE: Duration = Duration::from_secs(60);

/// What an entry costs beyond its key and body (the entry, the map's slot).
const ENTRY_OVERHEAD: u64 = 128;

#[derive(Debug, Clone)]
struct Entry {
    generation: u64,
    until: Instant,
    body: Bytes,
}

#[derive(Debug, Clone)]
struct Weight;

impl quick_cache::Weighter<String, Entry> for Weight {
    fn weight(&self, key: &String, entry: &Entry) -> u64 {
        key.len() as u64 + entry.body.len() as u64 + ENTRY_OVERHEAD
    }
}

/// The cache; a budget of 0 bytes turns it off.
#[derive(Debug)]
pub struct AnswerCache {
    entries: Option<quick_cache::sync::Cache<String, Entry, Weight>>,
}

impl AnswerCache {
    /// A cache holding at most `budget_bytes` of keys and answers (and so at most
    /// `budget_bytes / 128` entries).
    pub fn new(budget_bytes: u64) -> AnswerCache {
        let entries = (budget_bytes > 0).then(|| {
            let estimated_items = (budget_bytes / 4096).clamp(16, 1 << 20) as usize;
            quick_cache::sync::Cache::with_weighter(estimated_items, budget_bytes, Weight)
        });
        AnswerCache { entries }
    }

    /// The answer cached under `key` for `generation`, if still good.
    pub fn get(&self, key: &str, generation: u64) -> Option<Bytes> {
        let entry = self.entries.as_ref()?.get(key)?;
        (entry.generation == generation && Instant::now() < entry.until).then_some(entry.body)
    }

    /// Keeps `body` as the answer under `key`, computed under `generation` (read before it was
    /// computed), good until `until` at the latest.
    pub fn put(&self, key: String, generation: u64, until: Option<Instant>, body: Bytes) {
        let Some(entries) = &self.entries else {
            return;
        };
        let latest = Instant::now() + MAX_AGE;
        let until = until.map_or(latest, |u| u.min(latest));
        entries.insert(
            key,
            Entry {
                generation,
                until,
                body,
            },
        );
    }

    /// Entries held and their weight in bytes (for tests and metrics).
    pub fn usage(&self) -> (usize, u64) {
        self.entries
            .as_ref()
            .map_or((0, 0), |e| (e.len(), e.weight()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_serve_only_their_generation_and_deadline() {
        let c = AnswerCache::new(1 << 20);
        c.put("a".into(), 7, None, Bytes::from_static(b"{}"));
        assert_eq!(c.get("a", 7).as_deref(), Some(&b"{}"[..]));
        assert_eq!(c.get("a", 8), None, "a newer generation misses");
        assert_eq!(c.get("b", 7), None);
        c.put(
            "d".into(),
            7,
            Some(Instant::now()),
            Bytes::from_static(b"x"),
        );
        assert_eq!(c.get("d", 7), None, "past its deadline");
    }

    #[test]
    fn the_byte_budget_bounds_what_is_kept() {
        let c = AnswerCache::new(64 * 1024);
        for i in 0..10_000 {
            c.put(format!("k{i}"), 1, None, Bytes::from(vec![b'x'; 1000]));
        }
        let (n, bytes) = c.usage();
        assert!(bytes <= 64 * 1024, "{bytes} bytes kept");
        assert!(n > 0 && n <= 64 * 1024 / 1000, "{n} entries kept");
    }

    #[test]
    fn a_zero_budget_keeps_nothing() {
        let c = AnswerCache::new(0);
        c.put("a".into(), 1, None, Bytes::from_static(b"{}"));
        assert_eq!(c.get("a", 1), None);
    }
}
