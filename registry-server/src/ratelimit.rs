//! Rate limits on the public POST endpoints (`/api/v1/check` and the web form `/funciona`, one
//! bucket for both; community reports, per address and per machine id): a token bucket per key,
//! usually the client address (the callers pass
//! [`crate::client_addr::ClientAddr`], so clients behind a trusted proxy each have their own).
//!
//! Each address may send `burst` requests at once and then `per_minute` requests per minute;
//! beyond that it gets 429 `rate_limited` with `Retry-After`. The table of addresses is bounded:
//! when it grows past 100,000 entries, full (idle) buckets are forgotten. Authenticated endpoints
//! are limited by [`crate::auth`] instead. This module only counts; it must not read requests.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

use crate::error::ApiError;

/// A token bucket per key: a client address unless said otherwise.
#[derive(Debug)]
pub struct RateLimiter<K = IpAddr> {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<K, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

const MAX_TRACKED: usize = 100_000;

impl<K: Hash + Eq> RateLimiter<K> {
    /// `per_minute` requests per minute after a burst of `burst`; `per_minute == 0` disables the
    /// limit.
    pub fn new(per_minute: u32, burst: u32) -> RateLimiter<K> {
        Self::per_hour(per_minute.saturating_mul(60), burst)
    }

    /// `per_hour` requests per hour after a burst of `burst`; `per_hour == 0` disables the limit.
    pub fn per_hour(per_hour: u32, burst: u32) -> RateLimiter<K> {
        RateLimiter {
            per_second: f64::from(per_hour) / 3600.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `ip` (the key), or answers 429 with the seconds until the next one.
    pub fn check(&self, ip: K) -> Result<(), ApiError> {
        if self.per_second <= 0.0 {
            return Ok(());
        }
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(&ip) {
            let (rate, burst) = (self.per_second, self.burst);
            buckets.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < burst);
        }
        let b = buckets.entry(ip).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        b.tokens =
            (b.tokens + now.duration_since(b.at).as_secs_f64() * self.per_second).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            Ok(())
        } else {
            let wait = ((1.0 - b.tokens) / self.per_second).ceil().max(1.0);
            // Whole seconds, far below u64::MAX for any configured rate.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let secs = wait as u64;
            Err(ApiError {
                message: format!("too many requests from your address; retry in {secs} s"),
                ..ApiError::rate_limited(secs)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_requests_wait_per_address() {
        let l: RateLimiter = RateLimiter::new(60, 3);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        for _ in 0..3 {
            l.check(a).unwrap();
        }
        let e = l.check(a).unwrap_err();
        assert_eq!(e.code, "rate_limited");
        assert_eq!(e.status.as_u16(), 429);
        assert_eq!(e.retry_after, Some(1));
        l.check(b).unwrap();
    }

    #[test]
    fn zero_disables_the_limit() {
        let l: RateLimiter = RateLimiter::new(0, 1);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..1000 {
            l.check(a).unwrap();
        }
    }
}
