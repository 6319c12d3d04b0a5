//! [`RedisRateCounter`]: the per-client counters in Redis, so the limit is one limit across
//! every gateway.
//!
//! Increment and expiry run as one Lua script: a counter can never be left without its
//! expiry (an `INCR` followed by a lost `EXPIRE` would block a client for good).

use super::Redis;
use crate::rate_limit::RateCounter;
use async_trait::async_trait;
use redis::Script;
use std::sync::LazyLock;
use std::time::Duration;

/// KEYS[1] the counter; ARGV[1] its lifetime in ms; ARGV[2] what to add. Returns the new
/// count.
static INCREMENT: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local n = redis.call('INCRBY', KEYS[1], ARGV[2])
        if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        return n
        ",
    )
});

pub struct RedisRateCounter {
    redis: Redis,
}

impl RedisRateCounter {
    pub fn new(redis: Redis) -> Self {
        Self { redis }
    }
}

#[async_trait]
impl RateCounter for RedisRateCounter {
    async fn increment(
        &self,
        key: &str,
        window: u64,
        ttl: Duration,
        by: i64,
    ) -> Result<i64, String> {
        // The window number is part of the key: a new window starts from zero even if the
        // old counter has not expired yet.
        let counter = self.redis.key("rl", format_args!("{window}:{key}"));
        let ttl_ms = ttl.as_millis().max(1) as u64;
        let mut conn = self.redis.conn();
        self.redis
            .call("rate_limit", async move {
                INCREMENT
                    .key(counter)
                    .arg(ttl_ms)
                    .arg(by)
                    .invoke_async::<i64>(&mut conn)
                    .await
            })
            .await
            .map_err(|e| format!("{e}; try again shortly"))
    }
}
