//! A small cache for what nearly every request reads (who a secret belongs
//! to, an account's row), kept correct by the store's write generations:
//! an entry is only ever returned for the generation it was read in, so
//! a committed write makes every entry of its kind stale at once. Simple
//! and safe for a workload of many reads and few writes.
//!
//! Two generations: one moves on with every commit (for what a new row can
//! change: counts, lookups that found nothing), the other only with commits
//! that may change or remove rows that were already there. A commit that
//! only adds users leaves the second alone, so the credentials and accounts
//! that every request checks stay cached while a suite creates users.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

/// What a commit did, as far as caches are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Added users (and their roles), and changed nothing that was there.
    AddedUsers,
    /// Anything else.
    Any,
}

/// The store's write generations (see the module documentation).
#[derive(Debug, Default)]
pub struct Generations {
    any: AtomicU64,
    existing: AtomicU64,
}

impl Generations {
    /// Moves on after every commit: for entries a new row can make wrong.
    pub fn any(&self) -> u64 {
        self.any.load(Ordering::SeqCst)
    }

    /// Moves on after every commit that may have changed or removed a row
    /// that was there before it: for entries that hold existing rows only.
    pub fn existing(&self) -> u64 {
        self.existing.load(Ordering::SeqCst)
    }

    /// Records a commit: called after it, before anyone is answered.
    pub fn moved(&self, change: Change) {
        if change == Change::Any {
            self.existing.fetch_add(1, Ordering::SeqCst);
        }
        self.any.fetch_add(1, Ordering::SeqCst);
    }
}

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
    fn added_users_leave_the_existing_generation_alone() {
        let generations = Generations::default();
        generations.moved(Change::AddedUsers);
        assert_eq!((generations.any(), generations.existing()), (1, 0));
        generations.moved(Change::Any);
        assert_eq!((generations.any(), generations.existing()), (2, 1));
    }

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
