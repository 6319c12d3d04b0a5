//! Per-client fixed-window rate limiting of session creation.
//!
//! Windows are aligned to the clock (`unix_time / window`), so every instance of the
//! gateway agrees on when a window starts, and a shared counter store (Redis) needs only
//! an atomic increment with an expiry. The policy ([`RateLimiter`]) is separate from the
//! counting ([`RateCounter`]): in memory here, in Redis when configured.

use async_trait::async_trait;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Counts requests per key per window. Implementations must be atomic across every
/// gateway sharing them.
#[async_trait]
pub trait RateCounter: Send + Sync {
    /// Adds `by` (one for a request; a negative `by` gives back what was taken) to
    /// `key`'s count in window number `window` and returns the new count. `ttl` is how
    /// long the count must be kept (the window's length).
    async fn increment(
        &self,
        key: &str,
        window: u64,
        ttl: Duration,
        by: i64,
    ) -> Result<i64, String>;
}

/// The outcome of one check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    pub count: u64,
    pub limit: u64,
    /// Time until the window resets (when a refused client may try again).
    pub retry_after: Duration,
}

/// Fixed-window limiter: at most `limit` requests per key per `window`.
pub struct RateLimiter {
    counter: Arc<dyn RateCounter>,
    limit: u64,
    window: Duration,
    /// (window number, highest count seen in it): the busiest bucket, for metrics.
    busiest: Mutex<(u64, u64)>,
    hits: AtomicU64,
}

impl RateLimiter {
    pub fn new(counter: Arc<dyn RateCounter>, limit: u32, window: Duration) -> Self {
        Self {
            counter,
            limit: u64::from(limit),
            window,
            busiest: Mutex::new((0, 0)),
            hits: AtomicU64::new(0),
        }
    }

    /// Counts one request from `client` and says whether it is allowed.
    pub async fn check(&self, client: IpAddr) -> Result<Decision, String> {
        let (window, remaining) = self.window_now();
        let count = self
            .counter
            .increment(&bucket_key(client), window, self.window, 1)
            .await?
            .max(0) as u64;
        {
            let mut b = self.busiest.lock();
            if b.0 != window {
                *b = (window, 0);
            }
            b.1 = b.1.max(count);
        }
        let allowed = count <= self.limit;
        if !allowed {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        Ok(Decision {
            allowed,
            count,
            limit: self.limit,
            retry_after: remaining,
        })
    }

    /// Fill of the busiest bucket of the current window, 0.0–1.0.
    pub fn max_bucket_usage(&self) -> f64 {
        let (window, _) = self.window_now();
        let b = self.busiest.lock();
        if b.0 != window || self.limit == 0 {
            return 0.0;
        }
        (b.1 as f64 / self.limit as f64).min(1.0)
    }

    /// Seconds until the current window ends.
    pub fn window_remaining(&self) -> Duration {
        self.window_now().1
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    pub fn window(&self) -> Duration {
        self.window
    }

    fn window_now(&self) -> (u64, Duration) {
        window_of(self.window)
    }
}

/// Adds `amount` to `bucket` in `counter`'s current window of length `period` (clock
/// aligned, like the address limit, so every gateway sharing a Redis agrees) and says
/// whether the total stays within `limit`. A refused amount is given back, so it does
/// not count against later requests. Each counter must be used with one `period` only:
/// the memory counter keeps one window at a time.
pub async fn spend(
    counter: &dyn RateCounter,
    bucket: &str,
    amount: u64,
    limit: u64,
    period: Duration,
) -> Result<Decision, String> {
    let (window, remaining) = window_of(period);
    let by = i64::try_from(amount).unwrap_or(i64::MAX);
    let count = counter.increment(bucket, window, period, by).await?;
    let count = count.max(0) as u64;
    let allowed = count <= limit;
    if !allowed {
        counter.increment(bucket, window, period, -by).await?;
    }
    Ok(Decision {
        allowed,
        count,
        limit,
        retry_after: remaining,
    })
}

/// The number of the clock-aligned window of length `period` we are in, and the time
/// left in it.
fn window_of(period: Duration) -> (u64, Duration) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let len = period.as_millis().max(1);
    let ms = now.as_millis();
    let window = (ms / len) as u64;
    let remaining = Duration::from_millis((len - ms % len) as u64);
    (window, remaining)
}

/// The bucket of a client: an IPv4 address, or an IPv6 /64 (one subscriber's prefix,
/// which a single client can rotate addresses within).
pub fn bucket_key(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// In-process counters for the current window only. Memory is bounded: at most
/// `max_keys` keys per window; further clients share one overflow bucket (so a flood
/// of addresses cannot grow memory, and is itself rate limited).
pub struct MemoryRateCounter {
    max_keys: usize,
    state: Mutex<(u64, HashMap<String, i64>)>,
}

const OVERFLOW_KEY: &str = "(overflow)";

impl MemoryRateCounter {
    pub fn new(max_keys: usize) -> Self {
        Self {
            max_keys: max_keys.max(1),
            state: Mutex::new((0, HashMap::new())),
        }
    }

    /// Keys currently tracked (for tests of the memory bound).
    pub fn tracked(&self) -> usize {
        self.state.lock().1.len()
    }
}

#[async_trait]
impl RateCounter for MemoryRateCounter {
    async fn increment(
        &self,
        key: &str,
        window: u64,
        _ttl: Duration,
        by: i64,
    ) -> Result<i64, String> {
        let mut state = self.state.lock();
        if state.0 != window {
            state.0 = window;
            state.1.clear();
            state.1.shrink_to(1024);
        }
        let full = state.1.len() >= self.max_keys && !state.1.contains_key(key);
        let key = if full { OVERFLOW_KEY } else { key };
        let count = state.1.entry(key.to_string()).or_insert(0);
        *count = count.saturating_add(by);
        Ok(*count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refuses_after_the_limit_and_reports_usage() {
        let l = RateLimiter::new(
            Arc::new(MemoryRateCounter::new(10)),
            2,
            Duration::from_secs(3600),
        );
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        assert!(l.check(ip).await.unwrap().allowed);
        assert!(l.check(ip).await.unwrap().allowed);
        let d = l.check(ip).await.unwrap();
        assert!(!d.allowed);
        assert!(d.retry_after <= Duration::from_secs(3600));
        assert_eq!(l.max_bucket_usage(), 1.0);
        assert!(l.check("192.0.2.2".parse().unwrap()).await.unwrap().allowed);
    }

    #[tokio::test]
    async fn memory_stays_bounded_however_many_clients_appear() {
        let c = Arc::new(MemoryRateCounter::new(100));
        let l = RateLimiter::new(c.clone(), 5, Duration::from_secs(3600));
        for i in 0..10_000u32 {
            let ip = IpAddr::from(std::net::Ipv4Addr::from(0x0a00_0000 + i));
            l.check(ip).await.unwrap();
        }
        assert!(c.tracked() <= 101, "tracked {}", c.tracked());
    }

    #[test]
    fn ipv6_clients_are_bucketed_by_prefix() {
        let a = bucket_key("2001:db8:1:2::1".parse().unwrap());
        let b = bucket_key("2001:db8:1:2:ffff::9".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(bucket_key("::ffff:192.0.2.7".parse().unwrap()), "192.0.2.7");
    }
}
