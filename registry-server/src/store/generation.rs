//! The data generation: how an instance learns that what its cached answers were made of has
//! changed, so a cache of device answers ([`crate::public::answer_cache`]) is never stale in this
//! process and at most one poll interval stale across processes sharing a database.
//!
//! Two numbers:
//! - the *local* generation, raised by every write transaction of this process right after it
//!   commits ([`super::WriteTx::commit`]), before the write's response is sent. An answer cached
//!   under an older local generation is never served, so a write is visible in the very next
//!   lookup.
//! - the *stored* generation (table `data_generation`, migration 0012), raised by database triggers
//!   in every transaction that changes the device index, the certified systems or community
//!   reports, whichever process makes it. [`run_poll`] reads it every [`POLL`] and raises the local
//!   generation when it moved: another instance's write reaches this one's answers within one
//!   poll interval (plus the poll query's time).

use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::{col, Result, Store};

/// How often [`run_poll`] reads the stored generation (the cross-instance staleness bound).
pub const POLL: Duration = Duration::from_secs(1);

/// This process's view of the data generation; cheap to clone, shared by the store's handles.
#[derive(Debug, Clone)]
pub(crate) struct Generation(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    local: AtomicU64,
    /// The stored generation last read, `i64::MIN` before the first read.
    stored: AtomicI64,
}

impl Default for Generation {
    fn default() -> Generation {
        Generation(Arc::new(Inner {
            local: AtomicU64::new(1),
            stored: AtomicI64::new(i64::MIN),
        }))
    }
}

impl Generation {
    /// Something this process wrote was committed.
    pub(crate) fn raise(&self) {
        self.0.local.fetch_add(1, Ordering::AcqRel);
    }

    fn current(&self) -> u64 {
        self.0.local.load(Ordering::Acquire)
    }

    /// Takes in the stored generation just read; raises the local one when it moved.
    fn observe(&self, stored: i64) -> bool {
        let before = self.0.stored.swap(stored, Ordering::AcqRel);
        let moved = before != stored;
        if moved {
            self.raise();
        }
        moved
    }
}

impl Store {
    /// The local data generation: an answer computed under an older one may be out of date.
    pub fn data_generation(&self) -> u64 {
        self.generation.current()
    }

    /// Reads the stored generation and raises the local one if another process changed the
    /// data since the last read. Returns whether it did.
    pub async fn poll_data_generation(&self) -> Result<bool> {
        let row = sqlx::query("SELECT generation FROM data_generation WHERE id = 1")
            .fetch_one(self.pool())
            .await?;
        Ok(self.generation.observe(col(&row, "generation")?))
    }
}

/// Polls the stored generation every `interval` until aborted (started by the server).
pub async fn run_poll(store: Store, interval: Duration) {
    let mut tick = tokio::time::interval(interval.max(Duration::from_millis(10)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = store.poll_data_generation().await {
            tracing::warn!("reading the data generation: {e}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_moved_stored_generation_raises_the_local_one() {
        let g = Generation::default();
        let start = g.current();
        assert!(g.observe(0), "the first read is a change");
        assert!(!g.observe(0));
        assert_eq!(g.current(), start + 1);
        assert!(g.observe(5));
        assert_eq!(g.current(), start + 2);
        g.raise();
        assert_eq!(g.current(), start + 3);
    }
}
