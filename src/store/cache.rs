//! A small cache for what nearly every request reads (who a secret belongs
//! to, an account's row), kept correct by the store's write generation:
//! an entry is only ever returned for the generation it was read in, so
//! any committed write makes every entry stale at once. Simple and safe
//! for a workload of many reads and few writes.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};

#[derive(Debug)]
pub struct GenerationCache<K, V> {
    capacity: usize,
    entries: Mutex<HashMap<K, (u64, V)>>,
}

impl<K: Eq + Hash, V: Clone> GenerationCache<K, V> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value filed under `key` in this `generation`, if any.
    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(filed, _)| *filed == generation)
            .map(|(_, value)| value.clone())
    }

    /// Files `value`, read in `generation` (taken before reading).
    pub fn insert(&self, key: K, generation: u64, value: V) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded without bookkeeping: when full, start over.
        if entries.len() >= self.capacity {
            entries.retain(|_, (filed, _)| *filed == generation);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (generation, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_live_only_in_their_generation() {
        let cache = GenerationCache::new(2);
        cache.insert("a", 1, 10);
        assert_eq!(cache.get(&"a", 1), Some(10));
        assert_eq!(cache.get(&"a", 2), None);
        cache.insert("b", 2, 20);
        cache.insert("c", 2, 30); // full: the generation-1 entry goes first
        assert_eq!(cache.get(&"b", 2), Some(20));
        assert_eq!(cache.get(&"c", 2), Some(30));
        cache.insert("d", 2, 40); // still full: start over
        assert_eq!(cache.get(&"d", 2), Some(40));
        assert_eq!(cache.get(&"b", 2), None);
    }
}
