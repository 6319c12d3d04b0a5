//! [`Memory`]: the in-process tier, an LRU bounded by the bytes of its entries.
//!
//! A map from key to entry, and an ordered map from a use counter to key: a lookup moves
//! the entry to the newest end, an insert evicts from the oldest end until the budget
//! holds. Every operation is O(log n) under one short lock.

use super::entry::{Entry, Key};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

pub struct Memory {
    budget: usize,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    slots: HashMap<Key, Slot>,
    /// Last use → key, oldest first.
    order: BTreeMap<u64, Key>,
    clock: u64,
    bytes: usize,
    /// Engine → (entries, bytes), for the gauges.
    by_engine: HashMap<Arc<str>, (usize, usize)>,
}

struct Slot {
    entry: Arc<Entry>,
    used: u64,
    bytes: usize,
    engine: Arc<str>,
}

impl Memory {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The entry of `key`, now the most recently used.
    pub fn get(&self, key: &Key) -> Option<Arc<Entry>> {
        let mut inner = self.inner.lock();
        inner.clock += 1;
        let now = inner.clock;
        let slot = inner.slots.get_mut(key)?;
        let before = std::mem::replace(&mut slot.used, now);
        let entry = Arc::clone(&slot.entry);
        inner.order.remove(&before);
        inner.order.insert(now, *key);
        Some(entry)
    }

    /// Keeps `entry` (of engine `engine`) under `key`, evicting the least recently used
    /// until the budget holds; returns the engines of the evicted entries. An entry
    /// larger than the whole budget is not kept.
    pub fn insert(&self, key: Key, engine: &str, entry: Arc<Entry>) -> Vec<Arc<str>> {
        let bytes = entry.bytes();
        if bytes > self.budget {
            return Vec::new();
        }
        let mut inner = self.inner.lock();
        inner.remove(&key);
        let mut evicted = Vec::new();
        while inner.bytes + bytes > self.budget {
            let Some((_, oldest)) = inner.order.pop_first() else {
                break;
            };
            if let Some(engine) = inner.remove(&oldest) {
                evicted.push(engine);
            }
        }
        inner.clock += 1;
        let used = inner.clock;
        let engine: Arc<str> = match inner.by_engine.get_key_value(engine) {
            Some((name, _)) => Arc::clone(name),
            None => engine.into(),
        };
        let counts = inner.by_engine.entry(Arc::clone(&engine)).or_default();
        counts.0 += 1;
        counts.1 += bytes;
        inner.bytes += bytes;
        inner.order.insert(used, key);
        inner.slots.insert(
            key,
            Slot {
                entry,
                used,
                bytes,
                engine,
            },
        );
        evicted
    }

    /// Entries and bytes held, per engine.
    pub fn usage(&self) -> Vec<(String, usize, usize)> {
        let inner = self.inner.lock();
        inner
            .by_engine
            .iter()
            .map(|(e, (n, b))| (e.to_string(), *n, *b))
            .collect()
    }

    /// Bytes held in all.
    pub fn bytes(&self) -> usize {
        self.inner.lock().bytes
    }
}

impl Inner {
    /// Drops `key`'s slot; returns its engine.
    fn remove(&mut self, key: &Key) -> Option<Arc<str>> {
        let slot = self.slots.remove(key)?;
        self.order.remove(&slot.used);
        self.bytes -= slot.bytes;
        if let Some(counts) = self.by_engine.get_mut(&slot.engine) {
            counts.0 -= 1;
            counts.1 -= slot.bytes;
        }
        Some(slot.engine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tts_core::SynthesisRequest;

    fn key(i: usize) -> Key {
        Key::new("e", "f", None, &SynthesisRequest::default(), &i.to_string())
    }

    fn entry(samples: usize) -> Arc<Entry> {
        Arc::new(Entry {
            rate: 16_000,
            samples: vec![1; samples],
            words: Vec::new(),
        })
    }

    #[test]
    fn the_least_recently_used_goes_first_and_the_budget_holds() {
        let size = entry(1000).bytes();
        let memory = Memory::new(size * 3);
        for i in 0..3 {
            assert!(memory.insert(key(i), "e", entry(1000)).is_empty());
        }
        assert!(memory.get(&key(0)).is_some());
        let evicted = memory.insert(key(3), "e", entry(1000));
        assert_eq!(evicted.len(), 1);
        assert!(
            memory.get(&key(1)).is_none(),
            "1 was the least recently used"
        );
        assert!(memory.get(&key(0)).is_some());
        for i in 4..200 {
            memory.insert(key(i), "e", entry(1000 + i));
            assert!(memory.bytes() <= size * 3);
        }
        let usage = memory.usage();
        assert_eq!(usage.len(), 1);
        assert_eq!(usage[0].2, memory.bytes());
    }

    #[test]
    fn an_entry_larger_than_the_budget_is_not_kept() {
        let memory = Memory::new(100);
        memory.insert(key(0), "e", entry(1000));
        assert!(memory.get(&key(0)).is_none());
        assert_eq!(memory.bytes(), 0);
    }
}
