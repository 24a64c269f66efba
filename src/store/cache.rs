//! A small cache for what nearly every request reads (who a secret belongs
//! to, an account's row, a user, a list of users), kept correct by the
//! store's write generations: an entry is only ever returned for the
//! generation it was read in, so a committed write makes every entry of
//! its kind stale at once. Simple and safe for a workload of many reads
//! and few writes.
//!
//! The store-wide generation moves on only with commits that may change
//! or remove rows that were already there: a commit that only adds users
//! leaves it alone, so the credentials and accounts that every request
//! checks (existing rows only, never an absence) stay cached while a suite
//! creates users.
//!
//! And one generation per organization, for what its users make (a user
//! by id or email, a list of users and its count): a write that says whose
//! users it changed (`Tenant::Organization`) moves only theirs, so one test
//! suite's writes leave another's cached users and lists alone; every other
//! write moves all of them at once (`Tenant::Every`).

use std::borrow::Borrow;
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

/// Whose users a commit may have changed, as far as caches are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tenant {
    /// Only this organization's.
    Organization(i64),
    /// Anyone's.
    Every,
}

/// An organization's generation: moved on by a commit that changed its
/// users, or anyone's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantGeneration {
    every: u64,
    own: u64,
}

/// The store's write generations (see the module documentation).
#[derive(Debug, Default)]
pub struct Generations {
    existing: AtomicU64,
    /// Moves on with each commit of `Tenant::Every`.
    every: AtomicU64,
    /// Each organization's own, moved on by its `Tenant::Organization`
    /// commits; one that never had such a commit is at 0.
    organizations: Mutex<HashMap<i64, u64>>,
}

impl Generations {
    /// Moves on after every commit that may have changed or removed a row
    /// that was there before it: for entries that hold existing rows only.
    pub fn existing(&self) -> u64 {
        self.existing.load(Ordering::SeqCst)
    }

    /// Moves on after every commit that may have changed the users of
    /// `organization`: for entries that hold only that organization's.
    pub fn tenant(&self, organization: i64) -> TenantGeneration {
        let organizations = self
            .organizations
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        TenantGeneration {
            every: self.every.load(Ordering::SeqCst),
            own: organizations.get(&organization).copied().unwrap_or(0),
        }
    }

    /// Records a commit of writes that changed the users of `tenants`:
    /// called after it, before anyone is answered.
    pub fn moved(&self, change: Change, tenants: &[Tenant]) {
        if tenants.contains(&Tenant::Every) {
            self.every.fetch_add(1, Ordering::SeqCst);
        } else {
            let mut own = self
                .organizations
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            for tenant in tenants {
                if let Tenant::Organization(id) = tenant {
                    *own.entry(*id).or_insert(0) += 1;
                }
            }
        }
        if change == Change::Any {
            self.existing.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// Values filed under the generation they were read in (the store-wide
/// `u64`, or a `TenantGeneration`).
#[derive(Debug)]
pub struct GenerationCache<K, V, G = u64> {
    capacity: usize,
    entries: Mutex<HashMap<K, (G, V)>>,
}

impl<K: Eq + Hash, V: Clone, G: Copy + Eq> GenerationCache<K, V, G> {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The value filed under `key` in this `generation`, if any.
    pub fn get<Q>(&self, key: &Q, generation: G) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|(filed, _)| *filed == generation)
            .map(|(_, value)| value.clone())
    }

    /// Files `value`, read in `generation` (taken before reading).
    pub fn insert(&self, key: K, generation: G, value: V) {
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
        generations.moved(Change::AddedUsers, &[Tenant::Every]);
        assert_eq!(generations.existing(), 0);
        generations.moved(Change::Any, &[Tenant::Every]);
        assert_eq!(generations.existing(), 1);
    }

    #[test]
    fn an_organizations_writes_leave_the_others_generations_alone() {
        let generations = Generations::default();
        let (one, two) = (generations.tenant(1), generations.tenant(2));
        generations.moved(Change::Any, &[Tenant::Organization(1)]);
        assert_ne!(generations.tenant(1), one);
        assert_eq!(generations.tenant(2), two);
        // Anyone's write moves every organization's on.
        let (one, two) = (generations.tenant(1), generations.tenant(2));
        generations.moved(Change::Any, &[Tenant::Organization(2), Tenant::Every]);
        assert_ne!(generations.tenant(1), one);
        assert_ne!(generations.tenant(2), two);
        assert_ne!(generations.tenant(3), TenantGeneration { every: 0, own: 0 });
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
