//! The note commitment tree: an append-only Poseidon Merkle tree of depth 32,
//! and the witnesses (authentication paths) a wallet keeps up to date as it
//! grows.
//!
//! A node at height `h + 1` is `H_{MerkleNode + h}(left, right)`; the empty
//! leaf is 0, so the empty subtree roots are `E_0 = 0`,
//! `E_{h+1} = H_{MerkleNode + h}(E_h, E_h)`. The tree stores only its
//! frontier: for each set bit `h` of its size, the completed left subtree root
//! at height `h`, which is all that appending and the root need.

use std::sync::OnceLock;

use ark_ff::Zero;
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};

use crate::{
    poseidon::{hash, Domain},
    Fr,
};

/// Depth of the tree: it holds up to 2^32 notes.
pub const DEPTH: usize = 32;

/// Errors of the note commitment tree.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum TreeError {
    /// All 2^32 positions are used.
    #[error("the note commitment tree is full (2^32 notes); no further note can be added")]
    Full,
}

/// `H_{MerkleNode + height}(left, right)`: the parent of two nodes at `height`.
pub fn merkle_hash(height: usize, left: Fr, right: Fr) -> Fr {
    hash(Domain::MerkleNode.tag(height as u64), &[left, right])
}

/// Roots of empty subtrees, `E_0..=E_32`.
pub fn empty_roots() -> &'static [Fr; DEPTH + 1] {
    static ROOTS: OnceLock<[Fr; DEPTH + 1]> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = [Fr::zero(); DEPTH + 1];
        for h in 0..DEPTH {
            roots[h + 1] = merkle_hash(h, roots[h], roots[h]);
        }
        roots
    })
}

/// An authentication path: the position of a leaf and its 32 siblings, from
/// the leaf's sibling up to the root's children.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct MerklePath {
    /// Leaf position, `0 <= position < 2^32`.
    pub position: u64,
    /// Siblings, bottom first; always `DEPTH` long.
    pub siblings: Vec<Fr>,
}

impl MerklePath {
    /// The root this path gives for `leaf`.
    pub fn root(&self, leaf: Fr) -> Fr {
        self.siblings
            .iter()
            .enumerate()
            .fold(leaf, |node, (h, sibling)| {
                if (self.position >> h) & 1 == 1 {
                    merkle_hash(h, *sibling, node)
                } else {
                    merkle_hash(h, node, *sibling)
                }
            })
    }
}

/// The append-only tree, kept as its frontier.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct CommitmentTree {
    size: u64,
    /// `frontier[h]` is the completed left subtree at height `h`, present
    /// exactly when bit `h` of `size` is set.
    frontier: Vec<Option<Fr>>,
}

impl Default for CommitmentTree {
    fn default() -> Self {
        Self::new()
    }
}

impl CommitmentTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self {
            size: 0,
            frontier: vec![None; DEPTH],
        }
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The current root (unfilled positions count as empty leaves).
    pub fn root(&self) -> Fr {
        self.path_up(empty_roots()[0]).1
    }

    /// Appends `cm`, updating `witnesses` of earlier leaves; returns its position.
    pub fn append(
        &mut self,
        cm: Fr,
        witnesses: &mut [IncrementalWitness],
    ) -> Result<u64, TreeError> {
        let position = self.size;
        if position >= 1u64 << DEPTH {
            return Err(TreeError::Full);
        }
        if !witnesses.is_empty() {
            let (partials, _) = self.path_up(cm);
            for w in witnesses.iter_mut() {
                w.observe(position, &partials);
            }
        }
        let mut node = cm;
        for h in 0..DEPTH {
            if (position >> h) & 1 == 0 {
                self.frontier[h] = Some(node);
                break;
            }
            let left = self.frontier[h].take().unwrap_or_else(|| empty_roots()[h]);
            node = merkle_hash(h, left, node);
        }
        self.size += 1;
        Ok(position)
    }

    /// Appends `cm` and starts a witness for it (the wallet's own note).
    pub fn append_marked(
        &mut self,
        cm: Fr,
        witnesses: &mut [IncrementalWitness],
    ) -> Result<IncrementalWitness, TreeError> {
        let position = self.size;
        let empty = empty_roots();
        let siblings = (0..DEPTH)
            .map(|h| match self.frontier[h] {
                Some(left) if (position >> h) & 1 == 1 => left,
                _ => empty[h],
            })
            .collect();
        self.append(cm, witnesses)?;
        Ok(IncrementalWitness {
            path: MerklePath { position, siblings },
        })
    }

    /// For a leaf about to be appended at `self.size`, the value of every node
    /// on its path, each padded with empty leaves (`partials[h]` at height
    /// `h`), and the root the tree would then have.
    fn path_up(&self, leaf: Fr) -> (Vec<Fr>, Fr) {
        let mut partials = Vec::with_capacity(DEPTH);
        let mut node = leaf;
        for (h, (left, empty)) in self.frontier.iter().zip(empty_roots()).enumerate() {
            partials.push(node);
            node = match left {
                Some(left) if (self.size >> h) & 1 == 1 => merkle_hash(h, *left, node),
                _ => merkle_hash(h, node, *empty),
            };
        }
        (partials, node)
    }
}

/// An authentication path that follows the tree as it grows.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct IncrementalWitness {
    path: MerklePath,
}

impl IncrementalWitness {
    /// The witnessed leaf's position.
    pub fn position(&self) -> u64 {
        self.path.position
    }

    /// The current authentication path.
    pub fn path(&self) -> &MerklePath {
        &self.path
    }

    /// A leaf was appended at `position` with the given partial path nodes: a
    /// sibling of ours that is still being filled changes.
    fn observe(&mut self, position: u64, partials: &[Fr]) {
        let ours = self.path.position;
        for (h, partial) in partials.iter().enumerate() {
            if position >> h == (ours >> h) ^ 1 {
                self.path.siblings[h] = *partial;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The root of `leaves` computed the slow way, level by level.
    fn naive_root(leaves: &[Fr]) -> Fr {
        let empty = empty_roots();
        let mut level: Vec<Fr> = leaves.to_vec();
        for h in 0..DEPTH {
            if level.len() % 2 == 1 {
                level.push(empty[h]);
            }
            if level.is_empty() {
                return empty[DEPTH];
            }
            level = level
                .chunks(2)
                .map(|c| merkle_hash(h, c[0], c[1]))
                .collect();
        }
        level[0]
    }

    #[test]
    fn frontier_root_matches_naive_and_witnesses_stay_valid() {
        let mut tree = CommitmentTree::new();
        assert_eq!(tree.root(), empty_roots()[DEPTH]);
        let mut leaves = vec![];
        let mut witnesses: Vec<IncrementalWitness> = vec![];
        for i in 0..37u64 {
            let cm = Fr::from(1000 + i);
            leaves.push(cm);
            if i % 5 == 0 {
                let w = tree.append_marked(cm, &mut witnesses).unwrap();
                witnesses.push(w);
            } else {
                tree.append(cm, &mut witnesses).unwrap();
            }
            let root = tree.root();
            assert_eq!(root, naive_root(&leaves), "after {} leaves", i + 1);
            for w in &witnesses {
                assert_eq!(w.path().root(leaves[w.position() as usize]), root);
            }
        }
        // A path does not open a different leaf.
        let w = &witnesses[1];
        assert_ne!(w.path().root(Fr::from(1u64)), tree.root());
    }
}
