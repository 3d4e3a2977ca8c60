//! The state digest: one elliptic-curve multiset hash per state table, so
//! that a block's state root costs what the block changed, not what the
//! chain holds.
//!
//! # Construction (docs/PROTOCOL.md §11.6)
//!
//! Each entry `(table, key, value)` is mapped to a Ristretto point
//!
//! ```text
//! P(t, k, v) = Ristretto.from_uniform_bytes(
//!                  Blake2b-512("SuperZK_StateEnt", t ‖ u32_le(|k|) ‖ k ‖ v))
//! ```
//!
//! and a table's digest is the sum of its entries' points (the identity for
//! an empty table). Changing `k` from `v` to `v'` subtracts `P(t, k, v)` and
//! adds `P(t, k, v')`; the digest does not depend on the order of changes.
//! This is the ECMH multiset hash of Maitin-Shepard, Tibouchi and Aranha
//! ("Elliptic Curve Multiset Hash", 2016): finding two different sets with
//! the same sum is as hard as a discrete-logarithm-type problem in the
//! group, unlike additive hashes modulo an integer, which fall to
//! generalized-birthday attacks. Keys are unique within a table, so the
//! multiset is a set. The key's length prefix keeps `(k, v)` unambiguous.
//!
//! Cost: a point per changed entry (Blake2b-512 and two Elligator maps,
//! about 15 µs on one core), computed in parallel, against hashing every
//! entry of the state for every block before.

use curve25519_dalek::{ristretto::CompressedRistretto, traits::Identity, RistrettoPoint};
use rayon::prelude::*;
use superzk_keys::encryption::blake2b_personal;

use crate::{error::ChainError, store::StateTable};

const ENTRY_PERSONALIZATION: &[u8; 16] = b"SuperZK_StateEnt";

/// Number of state tables, one digest each.
pub const TABLES: usize = StateTable::ALL.len();

/// The point standing for one entry of `table`.
pub fn entry_point(table: StateTable, key: &[u8], value: &[u8]) -> RistrettoPoint {
    let key_len = u32::try_from(key.len())
        .expect("state keys are short (at most a few dozen bytes)")
        .to_le_bytes();
    let wide = blake2b_personal::<64>(
        ENTRY_PERSONALIZATION,
        &[&[table as u8], &key_len, key, value],
    );
    RistrettoPoint::from_uniform_bytes(&wide)
}

/// One changed entry: its table, key, and the values before and after
/// (`None`: absent).
pub struct EntryChange<'a> {
    /// The entry's table.
    pub table: StateTable,
    /// The entry's key.
    pub key: &'a [u8],
    /// The value it had.
    pub before: Option<&'a [u8]>,
    /// The value it has.
    pub after: Option<&'a [u8]>,
}

/// The digest of every state table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StateDigests(pub [RistrettoPoint; TABLES]);

impl Default for StateDigests {
    fn default() -> Self {
        Self([RistrettoPoint::identity(); TABLES])
    }
}

impl StateDigests {
    /// Adds one entry that is present.
    pub fn insert(&mut self, table: StateTable, key: &[u8], value: &[u8]) {
        self.0[table as usize] += entry_point(table, key, value);
    }

    /// Applies `changes`; their points are computed in parallel.
    pub fn apply(&mut self, changes: &[EntryChange<'_>]) {
        let deltas: Vec<(usize, RistrettoPoint)> = changes
            .par_iter()
            .filter(|c| c.before != c.after)
            .map(|c| {
                let mut d = RistrettoPoint::identity();
                if let Some(v) = c.before {
                    d -= entry_point(c.table, c.key, v);
                }
                if let Some(v) = c.after {
                    d += entry_point(c.table, c.key, v);
                }
                (c.table as usize, d)
            })
            .collect();
        for (t, d) in deltas {
            self.0[t] += d;
        }
    }

    /// The digest of `table`, compressed.
    pub fn compressed(&self, table: StateTable) -> [u8; 32] {
        self.0[table as usize].compress().to_bytes()
    }

    /// A table's digest from its stored bytes.
    ///
    /// # Errors
    ///
    /// [`ChainError::Store`] if the bytes are no Ristretto point.
    pub fn decode(table: StateTable, bytes: &[u8]) -> Result<RistrettoPoint, ChainError> {
        CompressedRistretto::from_slice(bytes)
            .ok()
            .and_then(|c| c.decompress())
            .ok_or_else(|| ChainError::Store(format!("the digest of table {table:?} is corrupt")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest_of(entries: &[(StateTable, &[u8], &[u8])]) -> StateDigests {
        let mut d = StateDigests::default();
        for (t, k, v) in entries {
            d.insert(*t, k, v);
        }
        d
    }

    #[test]
    fn order_does_not_matter_and_contents_do() {
        let a = (StateTable::Accounts, &b"alice"[..], &b"10"[..]);
        let b = (StateTable::Accounts, &b"bob"[..], &b"20"[..]);
        assert_eq!(digest_of(&[a, b]), digest_of(&[b, a]));
        assert_ne!(digest_of(&[a, b]), digest_of(&[a]));
        // The same entry in another table, or split differently between key
        // and value, is another point.
        let moved = (StateTable::Nonces, &b"alice"[..], &b"10"[..]);
        assert_ne!(digest_of(&[a]), digest_of(&[moved]));
        let resplit = (StateTable::Accounts, &b"alice1"[..], &b"0"[..]);
        assert_ne!(digest_of(&[a]), digest_of(&[resplit]));
    }

    #[test]
    fn changes_reach_the_digest_of_the_final_set() {
        let t = StateTable::Nullifiers;
        let start = digest_of(&[(t, b"n1", b"1"), (t, b"n2", b"2")]);
        let mut d = start;
        d.apply(&[
            EntryChange {
                table: t,
                key: b"n1",
                before: Some(b"1"),
                after: Some(b"5"),
            },
            EntryChange {
                table: t,
                key: b"n2",
                before: Some(b"2"),
                after: None,
            },
            EntryChange {
                table: t,
                key: b"n3",
                before: None,
                after: Some(b"3"),
            },
            EntryChange {
                table: t,
                key: b"n4",
                before: None,
                after: None,
            },
        ]);
        assert_eq!(d, digest_of(&[(t, b"n1", b"5"), (t, b"n3", b"3")]));
        assert_ne!(d, start);
    }

    #[test]
    fn stored_digests_decode_and_garbage_does_not() {
        let d = digest_of(&[(StateTable::Meta, b"k", b"v")]);
        let bytes = d.compressed(StateTable::Meta);
        assert_eq!(
            StateDigests::decode(StateTable::Meta, &bytes).expect("decodes"),
            d.0[StateTable::Meta as usize]
        );
        assert!(StateDigests::decode(StateTable::Meta, &[0xff; 32]).is_err());
        assert!(StateDigests::decode(StateTable::Meta, &bytes[..31]).is_err());
    }
}
