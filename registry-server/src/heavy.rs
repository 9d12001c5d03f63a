//! Heavy work on untrusted input: the public parses of `POST /api/v1/check` and `/funciona`.
//!
//! Every such parse runs on the blocking pool, never on the async workers, so `/healthz` and
//! every other request keep their threads. At most one parse per core but one runs at a time
//! (at least one): a request finding them all taken waits up to [`HeavyWork::queue_wait`] (at
//! most 2 s, and half the request deadline) for a permit, then gets 503 `busy` with
//! `Retry-After: 1`. A parse stops at its next batch of lines or records
//! ([`mxcert_core::cancel`]) when its request is dropped (the client went away, or the server's
//! request deadline answered 408) or the deadline passes; its permit is released only when it
//! has actually stopped. `/metrics` shows how many run (`mxcert_heavy_parses_running`).

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use mxcert_core::cancel::Cancel;
use prometheus_client::metrics::gauge::Gauge;
use tokio::sync::Semaphore;

use crate::error::ApiError;

/// The cap on concurrent heavy parses and what they share.
#[derive(Debug)]
pub struct HeavyWork {
    permits: Arc<Semaphore>,
    size: usize,
    deadline: Duration,
    running: Gauge<i64, AtomicI64>,
}

/// Sets the stop flag when dropped: when the request's future is dropped before the work ends.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Counts a parse as running for as long as it lives (panics included).
struct Running(Gauge<i64, AtomicI64>);

impl Running {
    fn start(gauge: &Gauge<i64, AtomicI64>) -> Running {
        gauge.inc();
        Running(gauge.clone())
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.0.dec();
    }
}

impl HeavyWork {
    /// `size` parses at a time (0 means one per core but one), each stopped `deadline` after it
    /// was asked for (the server's request deadline); `running` is the metrics gauge.
    pub fn new(size: usize, deadline: Duration, running: Gauge<i64, AtomicI64>) -> HeavyWork {
        let size = if size == 0 {
            std::thread::available_parallelism().map_or(1, |n| n.get().saturating_sub(1).max(1))
        } else {
            size
        };
        HeavyWork {
            permits: Arc::new(Semaphore::new(size)),
            size,
            deadline,
            running,
        }
    }

    /// How many parses may run at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How long a request waits for a permit before 503.
    pub fn queue_wait(&self) -> Duration {
        (self.deadline / 2).min(Duration::from_secs(2))
    }

    /// Runs `work` on the blocking pool under the cap, handing it a [`Cancel`] that says stop
    /// once this future is dropped or the deadline passes.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl for<'c> FnOnce(Cancel<'c>) -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let asked = Instant::now();
        let permit = tokio::time::timeout(self.queue_wait(), self.permits.clone().acquire_owned())
            .await
            .ok()
            .and_then(Result::ok)
            .ok_or_else(|| self.busy())?;
        let stop = Arc::new(AtomicBool::new(false));
        let _stop_on_drop = StopOnDrop(stop.clone());
        let deadline = asked + self.deadline;
        let running = self.running.clone();
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _running = Running::start(&running);
            let stop_now = || stop.load(Ordering::Relaxed) || Instant::now() >= deadline;
            work(Cancel::when(&stop_now))
        })
        .await
        .map_err(ApiError::internal)
    }

    fn busy(&self) -> ApiError {
        ApiError {
            retry_after: Some(1),
            ..ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                format!(
                    "failed to start reading the input: all {} parsers stayed busy for {} ms; \
                     retry in 1 s",
                    self.size,
                    self.queue_wait().as_millis()
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_dropped_request_stops_its_work_and_frees_its_permit() {
        let gauge = Gauge::<i64, AtomicI64>::default();
        let heavy = Arc::new(HeavyWork::new(1, Duration::from_secs(3600), gauge.clone()));
        let (started_tx, started_rx) = mpsc::channel();
        let (stopped_tx, stopped_rx) = mpsc::channel();
        let h = heavy.clone();
        let request = tokio::spawn(async move {
            h.run(move |cancel| {
                started_tx.send(()).unwrap();
                while cancel.check().is_ok() {
                    std::thread::yield_now();
                }
                stopped_tx.send(()).unwrap();
            })
            .await
        });
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap())
            .await
            .unwrap();
        assert_eq!(gauge.get(), 1);
        // All permits taken: the next request waits, then is refused with 503 and Retry-After.
        let refused = HeavyWork::run(&heavy, |_| ()).await.unwrap_err();
        assert_eq!(
            (refused.status, refused.code, refused.retry_after),
            (StatusCode::SERVICE_UNAVAILABLE, "busy", Some(1))
        );
        request.abort();
        tokio::task::spawn_blocking(move || stopped_rx.recv().unwrap())
            .await
            .unwrap();
        heavy.run(|_| ()).await.unwrap();
        assert_eq!(gauge.get(), 0);
    }

    #[tokio::test]
    async fn work_past_its_deadline_is_told_to_stop() {
        let heavy = HeavyWork::new(1, Duration::ZERO, Gauge::default());
        let stopped = heavy.run(|cancel| cancel.check().is_err()).await.unwrap();
        assert!(stopped);
    }
}
