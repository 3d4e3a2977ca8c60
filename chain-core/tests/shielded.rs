//! Block-level rules for shielded transactions, with real proofs: a block
//! is refused with the right rule, and the state root does not move, for
//! inflation through a shielded transaction, a double spend inside one block
//! and across blocks, an unknown or expired anchor, and a ticket issued twice
//! (in one block and across blocks). Valid blocks with the same transactions
//! apply. Every transaction is proven once and reused by all the tests.

mod common;

use std::sync::OnceLock;

use common::{blank_auth, proving_keys, Net};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    error::Rule,
    params::COIN,
    tx::{ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::spending_key::SpendingKey;
use superzk_prover::{TransactionBuilder, Wallet};
use superzk_verifier::{error::TxError, transaction::Transaction};

/// The proven transactions. The chain these tests build starts with
/// `shield` as its first shielded transaction, so the wallets' trees match
/// the chain's.
struct Txs {
    /// Shields 1,000 coins from an account into wallet W (one output).
    shield: Transaction,
    /// Claims 10 coins from an account but creates a 1,000,000-coin note:
    /// built with the builder's adversarial `skip_balance_check`, so its
    /// proofs are valid and only the value balance is wrong.
    inflate: Transaction,
    /// W pays 300 of its 1,000 to bob, anchored after `shield`.
    t1: Transaction,
    /// W pays all 1,000 to bob: the same note as `t1`, other outputs.
    t2: Transaction,
    /// A valid spend of the same note, proven in a tree in which another
    /// commitment precedes it: an anchor this chain never had.
    foreign: Transaction,
    /// W pays 100 to bob, anchored after `shield` then `issue_a`.
    t3: Transaction,
    /// Two different transactions issuing the same ticket.
    issue_a: Transaction,
    issue_b: Transaction,
}

fn txs() -> &'static Txs {
    static TXS: OnceLock<Txs> = OnceLock::new();
    TXS.get_or_init(|| {
        let pk = proving_keys();
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let native = AssetId::native();
        let sk = SpendingKey::from_seed(b"shielded tests W", 0);
        let mut w = Wallet::new(sk.clone());
        let bob = Wallet::new(SpendingKey::from_seed(b"shielded tests bob", 0));
        // The account that pays for the shielding and issues the ticket:
        // the one `Net::paid_by_alice` authorises with.
        let alice = superzk_chain_core::account::AccountKey::from_seed(b"test", "alice").id();

        let mut b = TransactionBuilder::new();
        b.set_public_account(alice);
        b.add_public_input(native, 1_000 * COIN).add_output(
            None,
            w.address(0),
            AssetInfo::native(),
            1_000 * COIN,
            [0; 64],
        );
        let shield = b.build(pk, &mut rng).unwrap();

        let mut b = TransactionBuilder::new();
        b.set_public_account(alice);
        b.add_public_input(native, 10 * COIN)
            .add_output(
                None,
                w.address(1),
                AssetInfo::native(),
                1_000_000 * COIN,
                [0; 64],
            )
            .skip_balance_check();
        let inflate = b.build(pk, &mut rng).unwrap();

        let issue = |rng: &mut ChaCha20Rng| {
            let mut b = TransactionBuilder::new();
            b.set_public_account(alice);
            b.issue_ticket(None, "concert", [7; 32], w.address(2))
                .unwrap();
            b.build(pk, rng).unwrap()
        };
        let issue_a = issue(&mut rng);
        let issue_b = issue(&mut rng);

        let mut elsewhere = Wallet::new(sk);
        elsewhere.scan(&issue_a).unwrap();
        elsewhere.scan(&shield).unwrap();
        w.scan(&shield).unwrap();
        let pay = |w: &Wallet, amount: u64, rng: &mut ChaCha20Rng| {
            w.transfer(
                pk,
                &bob.address(0),
                &[(AssetInfo::native(), amount * COIN)],
                0,
                [0; 64],
                rng,
            )
            .unwrap()
        };
        let t1 = pay(&w, 300, &mut rng);
        let t2 = pay(&w, 1_000, &mut rng);
        let foreign = pay(&elsewhere, 1_000, &mut rng);
        w.scan(&issue_a).unwrap();
        let t3 = pay(&w, 100, &mut rng);
        Txs {
            shield,
            inflate,
            t1,
            t2,
            foreign,
            t3,
            issue_a,
            issue_b,
        }
    })
}

/// A shielded chain transaction without a public account.
fn private(tx: &Transaction) -> ChainTx {
    ChainTx::Shielded(Box::new(ShieldedTx {
        tx: tx.clone(),
        public: None,
    }))
}

impl Net {
    /// `tx` with public value, paid by alice.
    fn paid_by_alice(&mut self, tx: &Transaction) -> ChainTx {
        let alice = self.alice.clone();
        self.signed(
            ChainTx::Shielded(Box::new(ShieldedTx {
                tx: tx.clone(),
                public: Some(blank_auth()),
            })),
            &alice,
        )
    }

    /// A chain whose first block shields 1,000 coins into wallet W.
    fn shielded() -> Self {
        let mut net = Net::new();
        let shield = net.paid_by_alice(&txs().shield);
        net.mine(vec![shield]);
        net
    }
}

#[test]
fn inflation_through_a_shielded_transaction_is_refused() {
    let t = txs();
    let mut net = Net::shielded();
    let inflate = net.paid_by_alice(&t.inflate);
    let b = net.forge(vec![inflate]);
    let err = net.refuse(&b);
    assert_eq!(err.rule, Rule::ShieldedProofs, "{err}");
    assert_eq!(
        err.tx_error,
        Some(TxError::Binding),
        "the value balance does not add up, so the binding signature fails"
    );

    // A valid shielding paid by an account that lacks the coins.
    let poor = superzk_chain_core::account::AccountKey::from_seed(b"test", "poor");
    let shield = net.signed(
        ChainTx::Shielded(Box::new(ShieldedTx {
            tx: t.shield.clone(),
            public: Some(blank_auth()),
        })),
        &poor,
    );
    let b = net.forge(vec![shield]);
    assert_eq!(net.refuse(&b).rule, Rule::Accounts);

    // Public value moving without any account.
    let b = net.forge(vec![private(&t.shield)]);
    assert_eq!(net.refuse(&b).rule, Rule::Accounts);
}

/// Each pair of transactions in one block is refused with `rule`; once
/// `first` has applied, each of `again` in a later block is too.
fn refused_twice(
    pairs: [[&Transaction; 2]; 2],
    first: &Transaction,
    again: [&Transaction; 2],
    rule: Rule,
) {
    let mut net = Net::shielded();
    for pair in pairs {
        let b = net.forge(pair.iter().map(|tx| private(tx)).collect());
        let err = net.refuse(&b);
        assert_eq!(err.rule, rule, "{err}");
    }
    net.mine(vec![private(first)]);
    for tx in again {
        let b = net.forge(vec![private(tx)]);
        assert_eq!(net.refuse(&b).rule, rule);
    }
}

#[test]
fn double_spends_in_one_block_and_across_blocks_are_refused() {
    let t = txs();
    refused_twice(
        [[&t.t1, &t.t1], [&t.t1, &t.t2]],
        &t.t1,
        [&t.t1, &t.t2],
        Rule::Nullifiers,
    );
}

#[test]
fn unknown_and_expired_anchors_are_refused() {
    let t = txs();
    let mut net = Net::shielded();
    let b = net.forge(vec![private(&t.foreign)]);
    let err = net.refuse(&b);
    assert_eq!(err.rule, Rule::Anchors, "{err}");
    assert!(matches!(err.tx_error, Some(TxError::UnknownAnchor { .. })));

    // After `issue_a` the tree moves on; once the root `t1` was proven in
    // is older than the anchor window, `t1` is refused, while `t3`,
    // anchored at the current root (unchanged all that time), applies.
    net.mine(vec![private(&t.issue_a)]);
    let window = net.chain.params().anchor_window;
    for _ in 0..window - 1 {
        net.mine(vec![]);
    }
    let b = net.forge(vec![private(&t.t1)]);
    assert_eq!(net.refuse(&b).rule, Rule::Anchors);
    // One block more, so that the current root was first reached more
    // than a window ago: it stays an anchor because it is still the root.
    net.mine(vec![]);
    net.mine(vec![private(&t.t3)]);
}

#[test]
fn a_ticket_issued_twice_is_refused() {
    let t = txs();
    refused_twice(
        [[&t.issue_a, &t.issue_b], [&t.issue_a, &t.issue_a]],
        &t.issue_a,
        [&t.issue_b, &t.issue_a],
        Rule::Issuance,
    );
}
