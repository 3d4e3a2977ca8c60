//! The demo's local ledger: the checks a node makes on shielded transactions
//! (full verification, known anchors, no nullifier spent twice across the
//! ledger, no ticket issued twice) and the state they update (the note
//! commitment tree, its past roots, the nullifier set, the issued tickets). Block production and consensus belong to
//! `chain-core`; this is the shielded-pool part of it.

use std::collections::HashSet;

use rand_core::{CryptoRng, RngCore};
use superzk_circuits::{tree::CommitmentTree, Fr};
use superzk_verifier::{
    error::TxError,
    transaction::Transaction,
    verify::{verify_batch, BatchFailure, VerifyingKeys},
};

/// Why the ledger refused a transaction.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The transaction itself is invalid.
    #[error("transaction {index} rejected: {reason}")]
    Invalid {
        /// Index in the submitted block.
        index: usize,
        /// Why.
        reason: TxError,
    },
    /// A nullifier was already spent on the ledger or earlier in the block.
    #[error("transaction {0} spends a note that was already spent (nullifier seen before)")]
    DoubleSpend(usize),
    /// A ticket issued before (on the ledger or earlier in the block).
    #[error("transaction {0} issues a ticket that was already issued")]
    TicketReissued(usize),
    /// The tree is full.
    #[error(transparent)]
    Tree(#[from] superzk_circuits::tree::TreeError),
}

/// The shielded pool's state.
pub struct Ledger {
    keys: VerifyingKeys,
    tree: CommitmentTree,
    anchors: HashSet<Fr>,
    nullifiers: HashSet<Fr>,
    issued_tickets: HashSet<Fr>,
    transactions: Vec<Transaction>,
}

impl Ledger {
    /// An empty ledger accepting proofs under `keys`.
    pub fn new(keys: VerifyingKeys) -> Self {
        let tree = CommitmentTree::new();
        let anchors = HashSet::from([tree.root()]);
        Self {
            keys,
            tree,
            anchors,
            nullifiers: HashSet::new(),
            issued_tickets: HashSet::new(),
            transactions: vec![],
        }
    }

    /// All accepted transactions, in order.
    pub fn transactions(&self) -> &[Transaction] {
        &self.transactions
    }

    /// Every root the tree has had: the anchors spends may use.
    pub fn anchors(&self) -> &HashSet<Fr> {
        &self.anchors
    }

    /// Verifies a block of transactions (all proofs in one batch) and applies
    /// it, or changes nothing.
    pub fn apply_block<R: RngCore + CryptoRng>(
        &mut self,
        txs: Vec<Transaction>,
        rng: &mut R,
    ) -> Result<(), LedgerError> {
        verify_batch(&txs, &self.keys, &self.anchors, rng).map_err(
            |BatchFailure { mut invalid }| {
                let (index, reason) = invalid.remove(0);
                LedgerError::Invalid { index, reason }
            },
        )?;
        let mut seen = HashSet::new();
        for (i, tx) in txs.iter().enumerate() {
            if tx
                .nullifiers()
                .any(|nf| self.nullifiers.contains(&nf) || !seen.insert(nf))
            {
                return Err(LedgerError::DoubleSpend(i));
            }
        }
        let mut issued = HashSet::new();
        for (i, tx) in txs.iter().enumerate() {
            if tx
                .issuances
                .iter()
                .any(|t| self.issued_tickets.contains(&t.asset.0) || !issued.insert(t.asset.0))
            {
                return Err(LedgerError::TicketReissued(i));
            }
        }
        let mut tree = self.tree.clone();
        for tx in &txs {
            for o in tx.all_outputs() {
                tree.append(o.cm, &mut [])?;
            }
        }
        self.tree = tree;
        self.anchors.insert(self.tree.root());
        self.nullifiers.extend(seen);
        self.issued_tickets.extend(issued);
        self.transactions.extend(txs);
        Ok(())
    }
}
