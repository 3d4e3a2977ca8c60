//! The wallet's view of the note commitment tree: the frontier and the
//! witnesses of its unspent notes only, saved as a checkpoint at the end of
//! every scanned batch (in the batch's SQL transaction) so a reorg rewinds to
//! a checkpoint and a crash resumes from the last one.
//!
//! This is the engine's tree until the shardtree-backed `WalletTree` is
//! wired in: the sync loop uses only the methods below, which that tree
//! also offers.

use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use superzk_circuits::{
    tree::{CommitmentTree, IncrementalWitness, MerklePath},
    Fr,
};

use crate::error::WalletError;

/// The frontier and the witnesses of the wallet's unspent notes.
#[derive(Clone, Debug, Default, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub(crate) struct WitnessTree {
    tree: CommitmentTree,
    witnesses: Vec<IncrementalWitness>,
}

impl WitnessTree {
    /// The tree after some block, from a node's frontier (no witnesses).
    pub(crate) fn from_frontier(frontier: &[u8]) -> Result<Self, crate::source::SourceError> {
        let tree = CommitmentTree::deserialize_compressed(frontier).map_err(|e| {
            crate::source::SourceError::Malformed {
                what: "tree frontier",
                reason: e.to_string(),
            }
        })?;
        Ok(Self {
            tree,
            witnesses: vec![],
        })
    }

    /// Appends `cm`; a marked one (ours) gets a witness. Returns its position.
    pub(crate) fn append(&mut self, cm: Fr, marked: bool) -> Result<u64, WalletError> {
        if marked {
            let w = self
                .tree
                .append_marked(cm, &mut self.witnesses)
                .map_err(|_| WalletError::TreeFull)?;
            let position = w.position();
            self.witnesses.push(w);
            Ok(position)
        } else {
            self.tree
                .append(cm, &mut self.witnesses)
                .map_err(|_| WalletError::TreeFull)
        }
    }

    /// Drops the witness of a spent note: witnesses are kept for unspent
    /// notes only.
    pub(crate) fn unmark(&mut self, position: u64) {
        self.witnesses.retain(|w| w.position() != position);
    }

    /// The current authentication path of the note at `position`.
    pub(crate) fn witness(&self, position: u64) -> Option<MerklePath> {
        self.witnesses
            .iter()
            .find(|w| w.position() == position)
            .map(|w| w.path().clone())
    }

    /// The current root (the anchor a spend proves against).
    pub(crate) fn root(&self) -> Fr {
        self.tree.root()
    }

    /// Number of leaves.
    pub(crate) fn size(&self) -> u64 {
        self.tree.size()
    }

    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.compressed_size());
        self.serialize_compressed(&mut out)
            .expect("writing to a Vec cannot fail");
        out
    }

    pub(crate) fn from_bytes(bytes: &[u8]) -> Result<Self, WalletError> {
        Self::deserialize_compressed(bytes).map_err(|_| WalletError::Corrupt {
            what: "tree checkpoint",
        })
    }
}
