//! A compact map from two-part text keys to small values, for the million-entry tables of
//! an import (a source's record ids and their current versions, the lines seen so far).
//!
//! A `HashMap<(String, String), V>` spends two allocations and about 80 bytes of table a
//! key; here every key's bytes sit back to back in one buffer, each entry records where,
//! and the hash table holds only entry numbers. Keys are compared whole, never by hash.

use hashbrown::{DefaultHashBuilder, HashTable};
use std::hash::BuildHasher;

/// Keys `(a, b)` of bytes mapped to values of type `V`.
#[derive(Clone)]
pub struct KeyTable<V> {
    text: Vec<u8>,
    entries: Vec<Entry<V>>,
    index: HashTable<u32>,
    hasher: DefaultHashBuilder,
}

#[derive(Debug, Clone)]
struct Entry<V> {
    at: u64,
    len_a: u32,
    len_b: u32,
    value: V,
}

impl<V> Default for KeyTable<V> {
    fn default() -> Self {
        Self::new()
    }
}

impl<V> std::fmt::Debug for KeyTable<V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyTable")
            .field("len", &self.entries.len())
            .field("key_bytes", &self.text.len())
            .finish()
    }
}

impl<V> KeyTable<V> {
    /// An empty table.
    pub fn new() -> Self {
        Self {
            text: Vec::new(),
            entries: Vec::new(),
            index: HashTable::new(),
            hasher: DefaultHashBuilder::default(),
        }
    }

    fn hash(&self, a: &[u8], b: &[u8]) -> u64 {
        self.hasher.hash_one((a, b))
    }

    fn find(&self, a: &[u8], b: &[u8]) -> Option<u32> {
        let hash = self.hash(a, b);
        self.index
            .find(hash, |&i| {
                key_of(&self.text, &self.entries[i as usize]) == (a, b)
            })
            .copied()
    }

    /// The value of key `(a, b)`.
    pub fn get(&self, a: &[u8], b: &[u8]) -> Option<&V> {
        self.find(a, b).map(|i| &self.entries[i as usize].value)
    }

    /// Sets the value of key `(a, b)` and returns the one it replaces.
    ///
    /// # Panics
    /// With more than 4,294,967,295 keys, or a key part over 4 GiB.
    pub fn insert(&mut self, a: &[u8], b: &[u8], value: V) -> Option<V> {
        if let Some(i) = self.find(a, b) {
            return Some(std::mem::replace(
                &mut self.entries[i as usize].value,
                value,
            ));
        }
        let n = u32::try_from(self.entries.len()).expect("fewer than 2^32 keys");
        self.entries.push(Entry {
            at: self.text.len() as u64,
            len_a: u32::try_from(a.len()).expect("a key part under 4 GiB"),
            len_b: u32::try_from(b.len()).expect("a key part under 4 GiB"),
            value,
        });
        self.text.extend_from_slice(a);
        self.text.extend_from_slice(b);
        let hash = self.hash(a, b);
        let (entries, text, hasher) = (&self.entries, &self.text, &self.hasher);
        self.index.insert_unique(hash, n, |&i| {
            hasher.hash_one(key_of(text, &entries[i as usize]))
        });
        None
    }

    /// How many keys there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there is none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// The two parts of an entry's key.
fn key_of<'t, V>(text: &'t [u8], e: &Entry<V>) -> (&'t [u8], &'t [u8]) {
    // `at` was the buffer's length when the key was stored, so it fits a usize.
    let at = usize::try_from(e.at).unwrap_or(usize::MAX);
    let mid = at + e.len_a as usize;
    (&text[at..mid], &text[mid..mid + e.len_b as usize])
}

#[cfg(test)]
mod tests {
    use super::KeyTable;

    #[test]
    fn keys_are_told_apart_by_both_parts_and_values_replace() {
        let mut t = KeyTable::new();
        assert_eq!(t.insert(b"acled", b"ARM1", 1), None);
        assert_eq!(
            t.insert(b"acle", b"dARM1", 2),
            None,
            "same bytes, other split"
        );
        assert_eq!(t.insert(b"ucdp", b"ARM1", 3), None);
        assert_eq!(t.insert(b"acled", b"ARM1", 4), Some(1));
        assert_eq!(t.get(b"acled", b"ARM1"), Some(&4));
        assert_eq!(t.get(b"acle", b"dARM1"), Some(&2));
        assert_eq!(t.get(b"ucdp", b"ARM1"), Some(&3));
        assert_eq!(t.get(b"acled", b"ARM2"), None);
        assert_eq!(t.len(), 3);
        // Enough keys to make the table grow and move every entry.
        for n in 0..100_000u32 {
            t.insert(b"s", n.to_string().as_bytes(), n);
        }
        assert!((0..100_000u32).all(|n| t.get(b"s", n.to_string().as_bytes()) == Some(&n)));
        assert_eq!(t.len(), 100_003);
    }
}
