//! Streams running per key, for the `streams=N` limit. A [`Slot`] is taken when a stream
//! is admitted and given back when it is dropped, so a stream gives its slot back
//! however it ends: completed, failed, cancelled, its client gone, its task aborted.
//!
//! Without Redis the counts are this gateway's own; a count that falls to zero is
//! removed, so the map holds only keys that are streaming now. With `REDIS_URL` a slot is
//! a lease in Redis ([`RedisStreamLeases`]), one count across every gateway.

use crate::redis_backend::{RedisStreamLeases, StreamLease};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// Key name → streams running now.
type Running = Arc<Mutex<HashMap<String, u64>>>;

#[derive(Default)]
pub struct StreamCounts {
    running: Running,
    /// With `REDIS_URL`: the slots live in Redis and `running` is unused.
    shared: Option<RedisStreamLeases>,
}

impl StreamCounts {
    /// Counts kept in Redis, shared by every gateway using it.
    pub fn shared(leases: RedisStreamLeases) -> Self {
        Self {
            running: Running::default(),
            shared: Some(leases),
        }
    }

    /// Takes one of `limit` slots of key `name`: `Ok(None)` when all are taken, `Err`
    /// (a sentence fit for a 503) when the shared count cannot be reached.
    pub async fn acquire(&self, name: &str, limit: u64) -> Result<Option<Slot>, String> {
        match &self.shared {
            Some(leases) => Ok(leases.acquire(name, limit).await?.map(|lease| Slot {
                held: Some(Held::Shared(lease)),
            })),
            None => Ok(self.acquire_here(name, limit)),
        }
    }

    fn acquire_here(&self, name: &str, limit: u64) -> Option<Slot> {
        let mut running = self.running.lock();
        let n = running.entry(name.to_string()).or_insert(0);
        if *n >= limit {
            if *n == 0 {
                running.remove(name);
            }
            return None;
        }
        *n += 1;
        Some(Slot {
            held: Some(Held::Here(Arc::clone(&self.running), name.to_string())),
        })
    }

    /// Streams key `name` is running now on this gateway (without Redis).
    pub fn running(&self, name: &str) -> u64 {
        self.running.lock().get(name).copied().unwrap_or(0)
    }
}

/// One running stream of a key; gives itself back when dropped. [`Slot::none`] holds
/// nothing (no key, or a key without a stream limit).
#[derive(Default)]
pub struct Slot {
    held: Option<Held>,
}

enum Held {
    /// Counted in this gateway's map, under the key's name.
    Here(Running, String),
    /// A lease in Redis, removed when dropped.
    Shared(StreamLease),
}

impl Slot {
    pub fn none() -> Self {
        Self { held: None }
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.held {
            Some(Held::Here(_, name)) => write!(f, "Slot({name})"),
            Some(Held::Shared(lease)) => write!(f, "Slot({lease:?})"),
            None => f.write_str("Slot(none)"),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(Held::Here(running, name)) = self.held.take() else {
            return; // nothing held, or a lease that removes itself
        };
        let mut running = running.lock();
        if let Some(n) = running.get_mut(&name) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                running.remove(&name);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_come_back_when_dropped() {
        let c = StreamCounts::default();
        let a = c.acquire_here("k", 2).unwrap();
        let b = c.acquire_here("k", 2).unwrap();
        assert!(c.acquire_here("k", 2).is_none());
        assert!(c.acquire_here("other", 1).is_some());
        drop(a);
        assert_eq!(c.running("k"), 1);
        let d = c.acquire_here("k", 2).unwrap();
        drop(b);
        drop(d);
        assert_eq!(c.running("k"), 0);
        assert!(c.running.lock().is_empty(), "no entry is left behind");
        assert!(c.acquire_here("z", 0).is_none());
        assert!(c.running.lock().is_empty());
    }
}
