//! CPU load whose every result is checked: each unit of work counts the primes below 200 000
//! with a sieve (the answer is known: 17 984) and sums 1/k² in floating point (compared bit for
//! bit with the same sum computed before the load started). A wrong answer on any core is a
//! hardware fault (or an unstable overclock), not noise.
//!
//! Used by `cpu.stress` and `thermal.zones`. Bounded by a deadline and an explicit stop flag.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Primes below this number are counted.
pub const SIEVE_LIMIT: usize = 200_000;
/// How many there are (OEIS A006880 interpolated; checked by a test).
pub const PRIMES_BELOW_LIMIT: usize = 17_984;
const FP_TERMS: u32 = 20_000;

/// What one worker thread did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WorkerStats {
    /// Units of work completed.
    pub units: u64,
    /// Units whose result was wrong.
    pub errors: u64,
    /// The first wrong result, described.
    pub first_error: Option<String>,
    pub elapsed: Duration,
}

impl WorkerStats {
    /// Units per second.
    pub fn rate(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.units as f64 / s
        } else {
            0.0
        }
    }
}

fn count_primes(sieve: &mut Vec<bool>) -> usize {
    sieve.clear();
    sieve.resize(SIEVE_LIMIT, true);
    sieve[0] = false;
    sieve[1] = false;
    let mut i = 2;
    while i * i < SIEVE_LIMIT {
        if sieve[i] {
            let mut j = i * i;
            while j < SIEVE_LIMIT {
                sieve[j] = false;
                j += i;
            }
        }
        i += 1;
    }
    sieve.iter().filter(|&&p| p).count()
}

fn basel_sum() -> f64 {
    let mut s = 0.0f64;
    for k in 1..=FP_TERMS {
        let k = f64::from(k);
        s += 1.0 / (k * k);
    }
    s
}

/// Runs `threads` workers until `duration` has passed or `stop` is set, calling `tick` on the
/// calling thread about every `tick_every` (to sample temperatures). Returns each worker's stats.
pub fn run(
    threads: usize,
    duration: Duration,
    stop: &AtomicBool,
    tick_every: Duration,
    mut tick: impl FnMut(),
) -> Vec<WorkerStats> {
    let reference = std::hint::black_box(basel_sum()).to_bits();
    let deadline = Instant::now() + duration;
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(move || {
                    let start = Instant::now();
                    let mut stats = WorkerStats::default();
                    let mut sieve = Vec::with_capacity(SIEVE_LIMIT);
                    while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
                        let primes = count_primes(std::hint::black_box(&mut sieve));
                        let fp = std::hint::black_box(basel_sum()).to_bits();
                        stats.units += 1;
                        if primes != PRIMES_BELOW_LIMIT || fp != reference {
                            stats.errors += 1;
                            stats.first_error.get_or_insert_with(|| {
                                format!(
                                    "unit {}: counted {primes} primes (expected {PRIMES_BELOW_LIMIT}), sum bits {fp:#018x} (expected {reference:#018x})",
                                    stats.units
                                )
                            });
                        }
                    }
                    stats.elapsed = start.elapsed();
                    stats
                })
            })
            .collect();
        tick();
        while Instant::now() < deadline && !stop.load(Ordering::Relaxed) {
            let left = deadline.saturating_duration_since(Instant::now());
            std::thread::sleep(tick_every.min(left));
            tick();
        }
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| WorkerStats {
                    errors: 1,
                    first_error: Some("a worker thread panicked".into()),
                    ..WorkerStats::default()
                })
            })
            .collect()
    })
}

/// The number of worker threads for "all cores".
pub fn all_cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_known_answers_are_right() {
        let mut v = Vec::new();
        assert_eq!(count_primes(&mut v), PRIMES_BELOW_LIMIT);
        let pi2_6 = std::f64::consts::PI * std::f64::consts::PI / 6.0;
        assert!((basel_sum() - pi2_6).abs() < 1e-4);
    }
}
