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

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use superzk_circuits::asset::{AssetInfo, Ticket};
    use superzk_keys::{params::ParameterCache, spending_key::SpendingKey};
    use superzk_prover::{ProvingKeys, TransactionBuilder, Wallet};

    fn keys() -> ProvingKeys {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/superzk-params");
        ProvingKeys::insecure_from_cache(&ParameterCache::new(dir), crate::DEMO_PARAMS_SEED, |_| {})
            .unwrap()
    }

    #[test]
    fn refuses_reissued_tickets_double_spends_and_reopened_packages_atomically() {
        let keys = keys();
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut ledger = Ledger::new(keys.verifying_keys());
        let mut alice = Wallet::new(SpendingKey::random(&mut rng));

        let ticket = Ticket {
            category: "ledger-test".into(),
            id: [3; 32],
        };
        let mut b = TransactionBuilder::new();
        b.issue_ticket(None, &ticket, alice.address(0));
        b.add_public_input(superzk_circuits::note::AssetId::native(), 10);
        b.add_output(None, alice.address(0), AssetInfo::native(), 10, [0; 64]);
        let issue = b.build(&keys, &mut rng).unwrap();
        ledger.apply_block(vec![issue.clone()], &mut rng).unwrap();
        alice.scan(&issue).unwrap();
        let root = ledger.tree.root();

        // The same ticket issued again, in a new transaction.
        let mut b = TransactionBuilder::new();
        b.issue_ticket(None, &ticket, alice.address(1));
        let again = b.build(&keys, &mut rng).unwrap();
        assert!(matches!(
            ledger.apply_block(vec![again], &mut rng),
            Err(LedgerError::TicketReissued(0))
        ));

        // A package sealed, opened, and opened again.
        let seal = alice
            .seal_package(
                &keys,
                &alice.address(2),
                &[(AssetInfo::native(), 10), (AssetInfo::Ticket(ticket), 1)],
                [0; 64],
                &mut rng,
            )
            .unwrap();
        ledger.apply_block(vec![seal.clone()], &mut rng).unwrap();
        alice.scan(&seal).unwrap();
        let held = alice.packages()[0].clone();
        let open = alice.open_package(&keys, &held, &mut rng).unwrap();
        let reopen = alice.open_package(&keys, &held, &mut rng).unwrap();
        // Both in one block: refused, and nothing of the block applied.
        let before = (ledger.tree.root(), ledger.transactions().len());
        assert!(matches!(
            ledger.apply_block(vec![open.clone(), reopen.clone()], &mut rng),
            Err(LedgerError::DoubleSpend(1))
        ));
        assert_eq!((ledger.tree.root(), ledger.transactions().len()), before);
        ledger.apply_block(vec![open], &mut rng).unwrap();
        assert!(matches!(
            ledger.apply_block(vec![reopen], &mut rng),
            Err(LedgerError::DoubleSpend(0))
        ));
        assert!(
            ledger.anchors().contains(&root),
            "past roots stay valid anchors"
        );
    }
}
