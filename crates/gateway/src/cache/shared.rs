//! [`Shared`]: the Redis tier (`REDIS_URL`), one for every gateway that shares the Redis.
//!
//! Key `{REDIS_KEY_PREFIX}phrase:{sha256}`, a string holding [`Entry::encode`], with
//! `CACHE_REDIS_TTL_SECONDS`. The decision: Redis only ever saves work here, so it must
//! never cost a request more than `CACHE_REDIS_TIMEOUT_MS`, and never fail one. A lookup
//! that errs or times out is a miss, and the tier is then skipped for a second (a Redis
//! that is down would otherwise add the timeout to every sentence); writes are sent in
//! the background and their failures only counted.

use super::entry::{Entry, Key};
use crate::redis_backend::Redis;
use parking_lot::Mutex;
use std::time::{Duration, Instant};

/// How long the tier is skipped after a failed call.
const BACK_OFF: Duration = Duration::from_secs(1);

pub struct Shared {
    redis: Redis,
    /// Until when the tier is skipped.
    skip_until: Mutex<Option<Instant>>,
}

impl Shared {
    /// The tier over `redis` (a handle whose calls time out after the cache's timeout).
    pub fn new(redis: Redis) -> Self {
        Self {
            redis,
            skip_until: Mutex::new(None),
        }
    }

    fn usable(&self) -> bool {
        let mut skip = self.skip_until.lock();
        match *skip {
            Some(until) if Instant::now() < until => false,
            Some(_) => {
                *skip = None;
                true
            }
            None => true,
        }
    }

    fn back_off(&self) {
        *self.skip_until.lock() = Some(Instant::now() + BACK_OFF);
    }

    /// The entry of `key`, or `None`: absent, unreadable, or Redis not answering in time.
    pub async fn get(&self, key: &Key) -> Option<Entry> {
        if !self.usable() {
            return None;
        }
        let mut conn = self.redis.conn();
        let name = self.redis.key("phrase", key.hex());
        let got = self
            .redis
            .call("cache_get", async move {
                redis::cmd("GET")
                    .arg(name)
                    .query_async::<Option<Vec<u8>>>(&mut conn)
                    .await
            })
            .await;
        match got {
            Ok(bytes) => Entry::decode(&bytes?),
            Err(_) => {
                self.back_off();
                None
            }
        }
    }

    /// Stores `entry` under `key` for `ttl`, in the background.
    pub fn put(&self, key: &Key, entry: &Entry, ttl: Duration) {
        if !self.usable() {
            return;
        }
        let redis = self.redis.clone();
        let name = redis.key("phrase", key.hex());
        let bytes = entry.encode();
        let secs = ttl.as_secs().max(1);
        tokio::spawn(async move {
            let mut conn = redis.conn();
            let _ = redis
                .call("cache_set", async move {
                    redis::cmd("SET")
                        .arg(name)
                        .arg(bytes)
                        .arg("EX")
                        .arg(secs)
                        .query_async::<()>(&mut conn)
                        .await
                })
                .await;
        });
    }
}
