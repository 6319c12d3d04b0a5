//! [`RedisStreamLeases`]: the `streams=N` per-key limit counted in Redis, so a key runs at
//! most N streams across every gateway sharing it.
//!
//! Key decision: a running stream is a lease, not a counter. Each key has a sorted set
//! `{prefix}streams:{key name}` of slot ids scored by when their lease runs out (Redis's
//! own clock, so the gateways' clocks need not agree). Taking a slot trims the expired
//! leases, counts the rest and adds one, in one Lua script: two gateways can never both
//! take the last slot. The gateway holding a slot renews its lease every third of
//! `REDIS_CLAIM_LEASE_MS` while the stream runs and removes it when the stream ends; a
//! gateway that dies stops renewing, and its slots are free once their leases run out.
//! (A counter would need every gateway to give back what it took, which a dead one
//! never does.)
//!
//! A lease that ran out while Redis was unreachable for longer than a lease is not put
//! back (a renewal racing a release must not bring a finished stream back): after such an
//! outage the count may miss streams that were running through it, until they end.

use super::Redis;
use parking_lot::Mutex;
use redis::Script;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Weak};
use std::time::Duration;

/// KEYS[1] the key's set of leases. ARGV[1] the limit, ARGV[2] the lease in ms, ARGV[3]
/// the new slot's id. Returns 1 if the slot was taken, 0 if all are.
static TAKE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
        redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
        redis.call('PEXPIRE', KEYS[1], ARGV[2])
        return 1
        ",
    )
});

/// KEYS[1] a key's set of leases. ARGV[1] the lease in ms, ARGV[2..] the slot ids this
/// gateway holds in it. Extends each that is still there and the set's own expiry, which
/// therefore never comes before any lease in it. Returns how many were gone.
static RENEW: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
        local t = redis.call('TIME')
        local until_ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[1])
        local lost = 0
        for i = 2, #ARGV do
          if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
            redis.call('ZADD', KEYS[1], until_ms, ARGV[i])
          else
            lost = lost + 1
          end
        end
        redis.call('PEXPIRE', KEYS[1], ARGV[1])
        return lost
        ",
    )
});

/// The slots this gateway holds: slot id → the key of the set it is in.
type Held = Mutex<HashMap<String, String>>;

struct Book {
    redis: Redis,
    held: Held,
}

/// This gateway's stream slots in Redis. Renews them in the background while it lives;
/// dropping it stops the renewals (as a gateway's death does).
pub struct RedisStreamLeases {
    book: Arc<Book>,
    lease_ms: u64,
    /// Slot ids are `{gateway}:{n}`: unique across gateways and restarts.
    gateway: String,
    next: AtomicU64,
}

impl RedisStreamLeases {
    /// Must be called within a Tokio runtime: it starts the task that renews leases.
    pub fn new(redis: Redis, lease: Duration) -> Self {
        let leases = Self {
            book: Arc::new(Book {
                redis,
                held: Mutex::default(),
            }),
            lease_ms: lease.as_millis().max(1) as u64,
            gateway: uuid::Uuid::new_v4().simple().to_string(),
            next: AtomicU64::new(0),
        };
        tokio::spawn(renew(Arc::downgrade(&leases.book), leases.lease_ms));
        leases
    }

    /// Takes one of `limit` slots of key `name` across every gateway: `Ok(None)` when all
    /// are taken, `Err` (a sentence for a 503) when Redis does not answer.
    pub async fn acquire(&self, name: &str, limit: u64) -> Result<Option<StreamLease>, String> {
        let set = self.book.redis.key("streams", name);
        let id = format!(
            "{}:{}",
            self.gateway,
            self.next.fetch_add(1, Ordering::Relaxed)
        );
        let mut conn = self.book.redis.conn();
        let mut take = TAKE.prepare_invoke();
        take.key(&set).arg(limit).arg(self.lease_ms).arg(&id);
        let taken = self
            .book
            .redis
            .call("stream_slot", take.invoke_async::<u8>(&mut conn))
            .await
            .map_err(|e| format!("{e}; try again shortly"))?;
        if taken == 0 {
            return Ok(None);
        }
        self.book.held.lock().insert(id.clone(), set);
        Ok(Some(StreamLease {
            book: Arc::downgrade(&self.book),
            id,
        }))
    }

    /// Slots this gateway holds now (all keys).
    pub fn held(&self) -> usize {
        self.book.held.lock().len()
    }
}

/// One slot held in Redis; removed from the set when dropped (in the background: a drop
/// cannot wait). If that removal fails, the lease runs out by itself.
pub struct StreamLease {
    book: Weak<Book>,
    id: String,
}

impl std::fmt::Debug for StreamLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StreamLease({})", self.id)
    }
}

impl Drop for StreamLease {
    fn drop(&mut self) {
        // A gateway whose leases are gone (shut down, or a test's dead gateway) renews
        // nothing and removes nothing.
        let Some(book) = self.book.upgrade() else {
            return;
        };
        let Some(set) = book.held.lock().remove(&self.id) else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let id = std::mem::take(&mut self.id);
        runtime.spawn(async move {
            let mut conn = book.redis.conn();
            let mut zrem = redis::cmd("ZREM");
            zrem.arg(&set).arg(&id);
            let removed = book
                .redis
                .call("stream_slot_release", zrem.query_async::<u8>(&mut conn))
                .await;
            if let Err(e) = removed {
                tracing::debug!(error = %e, "stream slot not released; its lease will run out");
            }
        });
    }
}

/// Every third of a lease, extends the leases this gateway holds, one round trip per key;
/// ends when the leases are dropped.
async fn renew(book: Weak<Book>, lease_ms: u64) {
    let period = Duration::from_millis((lease_ms / 3).max(1));
    loop {
        tokio::time::sleep(period).await;
        let Some(book) = book.upgrade() else {
            return;
        };
        let mut by_set: HashMap<String, Vec<String>> = HashMap::new();
        for (id, set) in book.held.lock().iter() {
            by_set.entry(set.clone()).or_default().push(id.clone());
        }
        for (set, ids) in by_set {
            let mut renew = RENEW.prepare_invoke();
            renew.key(&set).arg(lease_ms).arg(&ids);
            let mut conn = book.redis.conn();
            match book
                .redis
                .call("stream_slot_renew", renew.invoke_async::<u64>(&mut conn))
                .await
            {
                Ok(0) => {}
                Ok(lost) => tracing::warn!(
                    lost,
                    "stream slot leases ran out before they were renewed (Redis was away); those streams no longer count against their keys"
                ),
                Err(e) => tracing::warn!(error = %e, "could not renew stream slot leases"),
            }
        }
    }
}
