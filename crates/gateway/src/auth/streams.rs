//! Streams running per key, for the `streams=N` limit. A [`Slot`] is taken when a stream
//! is admitted and given back when it is dropped, so a stream gives its slot back
//! however it ends: completed, failed, cancelled, its client gone, its task aborted.
//!
//! The counts are this gateway's own: behind a load balancer each gateway allows `N`
//! streams per key (docs/AUTH.md). A count that falls to zero is removed, so the map
//! holds only keys that are streaming now.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::sync::Arc;

/// Key name → streams running now.
type Running = Arc<Mutex<HashMap<String, u64>>>;

#[derive(Default)]
pub struct StreamCounts {
    running: Running,
}

impl StreamCounts {
    /// Takes one of `limit` slots of key `name`; `None` when all are taken.
    pub fn acquire(&self, name: &str, limit: u64) -> Option<Slot> {
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
            held: Some((Arc::clone(&self.running), name.to_string())),
        })
    }

    /// Streams key `name` is running now.
    pub fn running(&self, name: &str) -> u64 {
        self.running.lock().get(name).copied().unwrap_or(0)
    }
}

/// One running stream of a key; gives itself back when dropped. [`Slot::none`] holds
/// nothing (no key, or a key without a stream limit).
#[derive(Default)]
pub struct Slot {
    held: Option<(Running, String)>,
}

impl Slot {
    pub fn none() -> Self {
        Self { held: None }
    }
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.held {
            Some((_, name)) => write!(f, "Slot({name})"),
            None => f.write_str("Slot(none)"),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let Some((running, name)) = self.held.take() else {
            return;
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
        let a = c.acquire("k", 2).unwrap();
        let b = c.acquire("k", 2).unwrap();
        assert!(c.acquire("k", 2).is_none());
        assert!(c.acquire("other", 1).is_some());
        drop(a);
        assert_eq!(c.running("k"), 1);
        let d = c.acquire("k", 2).unwrap();
        drop(b);
        drop(d);
        assert_eq!(c.running("k"), 0);
        assert!(c.running.lock().is_empty(), "no entry is left behind");
        assert!(c.acquire("z", 0).is_none());
        assert!(c.running.lock().is_empty());
    }
}
