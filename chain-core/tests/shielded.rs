//! Block-level rules for shielded transactions, with real proofs: a block
//! is refused with the right rule, and the state root does not move, for
//! inflation through a shielded transaction, a double spend inside one block
//! and across blocks, an unknown or expired anchor, and a ticket issued twice
//! (in one block and across blocks). Valid blocks with the same transactions
//! apply. Every transaction is proven once and reused by all the tests.

mod common;

use std::sync::OnceLock;

use common::{proving_keys, Net};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_chain_core::{
    error::Rule,
    params::COIN,
    tx::Authorization,
    tx::{ChainTx, ShieldedTx},
};
use superzk_circuits::{asset::AssetInfo, note::AssetId};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::TransactionBuilder;
use superzk_verifier::{error::TxError, transaction::Transaction};
use superzk_wallet::memory::ScanningWallet;

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
    /// The operator's issuance with issue_a's category and serial.
    issue_copy: Transaction,
    /// W unshields 100 coins to alice's account.
    unshield: Transaction,
    /// `shield` made for another chain.
    foreign_chain: Transaction,
    /// `shield` expiring at height 1.
    expiring: Transaction,
}

fn txs() -> &'static Txs {
    static TXS: OnceLock<Txs> = OnceLock::new();
    TXS.get_or_init(|| {
        let pk = proving_keys();
        let mut rng = ChaCha20Rng::seed_from_u64(42);
        let native = AssetId::native();
        let sk = SpendingKey::from_seed(b"shielded tests W", 0);
        // Every test chain starts from the same genesis block: its hash is
        // the chain id these transactions are made for.
        let chain_id = Net::new().chain.chain_id().unwrap().unwrap();
        let mut w = ScanningWallet::new(sk.clone());
        w.bind_to_chain(chain_id, 0);
        let bob = ScanningWallet::new(SpendingKey::from_seed(b"shielded tests bob", 0));
        // The account that pays for the shielding and issues the ticket:
        // the one `Net::paid_by_alice` authorises with.
        let alice = superzk_chain_core::account::AccountKey::from_seed(b"test", "alice").id();

        let mut b = TransactionBuilder::new();
        b.set_public_account(alice).set_chain_id(chain_id);
        b.add_public_input(native, 1_000 * COIN).add_output(
            None,
            w.address(0),
            AssetInfo::native(),
            1_000 * COIN,
            [0; MEMO_LEN],
        );
        let shield = b.build(pk, &mut rng).unwrap();

        let mut b = TransactionBuilder::new();
        b.set_public_account(alice).set_chain_id(chain_id);
        b.add_public_input(native, 10 * COIN)
            .add_output(
                None,
                w.address(1),
                AssetInfo::native(),
                1_000_000 * COIN,
                [0; MEMO_LEN],
            )
            .skip_balance_check();
        let inflate = b.build(pk, &mut rng).unwrap();

        let issue = |rng: &mut ChaCha20Rng| {
            let mut b = TransactionBuilder::new();
            b.set_public_account(alice).set_chain_id(chain_id);
            b.issue_ticket(None, "concert", [7; 32], w.address(2))
                .unwrap();
            b.build(pk, rng).unwrap()
        };
        let issue_a = issue(&mut rng);
        let issue_b = issue(&mut rng);
        let operator = superzk_chain_core::account::AccountKey::from_seed(b"test", "operator").id();
        let mut b = TransactionBuilder::new();
        b.set_public_account(operator).set_chain_id(chain_id);
        b.issue_ticket(None, "concert", [7; 32], bob.address(0))
            .unwrap();
        let issue_copy = b.build(pk, &mut rng).unwrap();
        let shield_for = |chain: [u8; 32], expiry: u64, rng: &mut ChaCha20Rng| {
            let mut b = TransactionBuilder::new();
            b.set_public_account(alice)
                .set_chain_id(chain)
                .set_expiry_height(expiry);
            b.add_public_input(native, COIN).add_output(
                None,
                w.address(3),
                AssetInfo::native(),
                COIN,
                [0; MEMO_LEN],
            );
            b.build(pk, rng).unwrap()
        };
        let foreign_chain = shield_for([1; 32], 0, &mut rng);
        let expiring = shield_for(chain_id, 1, &mut rng);

        let mut elsewhere = ScanningWallet::new(sk);
        elsewhere.bind_to_chain(chain_id, 0);
        elsewhere.scan(&issue_a).unwrap();
        elsewhere.scan(&shield).unwrap();
        w.scan(&shield).unwrap();
        let pay = |w: &ScanningWallet, amount: u64, rng: &mut ChaCha20Rng| {
            w.transfer(
                pk,
                &bob.address(0),
                &[(AssetInfo::native(), amount * COIN)],
                0,
                [0; MEMO_LEN],
                rng,
            )
            .unwrap()
        };
        let t1 = pay(&w, 300, &mut rng);
        let t2 = pay(&w, 1_000, &mut rng);
        // Anchored at the root after `shield` alone, like t1 and t2.
        let mut b = TransactionBuilder::new();
        b.set_public_account(alice).set_chain_id(chain_id);
        b.add_public_output(native, 100 * COIN);
        w.fund(&mut b, &AssetInfo::native(), 100 * COIN).unwrap();
        let unshield = b.build(pk, &mut rng).unwrap();

        let foreign = pay(&elsewhere, 1_000, &mut rng);
        w.scan(&issue_a).unwrap();
        let t3 = pay(&w, 100, &mut rng);
        Txs {
            issue_copy,
            unshield,
            foreign_chain,
            expiring,
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
        self.wrapped_by(tx, &alice, 0)
    }

    /// `tx` wrapped and authorised by `key` with its next nonce + `skip`
    /// (for several transactions of one account in one block).
    fn wrapped_by(
        &mut self,
        tx: &Transaction,
        key: &superzk_chain_core::account::AccountKey,
        skip: u64,
    ) -> ChainTx {
        let mut wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
            tx: tx.clone(),
            public: Some(Authorization::unsigned()),
        }));
        let nonce = self.chain.nonce(&key.id()).unwrap() + skip;
        let chain_id = self.chain.chain_id().unwrap().unwrap();
        wrapped.authorize(key, nonce, &chain_id, &mut self.rng);
        wrapped
    }

    /// Forges a block holding `txs`, which must be refused.
    fn refuse_txs(&mut self, txs: Vec<ChainTx>) -> superzk_chain_core::error::BlockError {
        let b = self.forge(txs);
        self.refuse(&b)
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
            public: Some(Authorization::unsigned()),
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
    let wrap = |net: &mut Net, tx: &Transaction, k: u64| match tx.public_account {
        None => private(tx),
        Some(_) => {
            let alice = net.alice.clone();
            net.wrapped_by(tx, &alice, k)
        }
    };
    for pair in pairs {
        let txs = vec![wrap(&mut net, pair[0], 0), wrap(&mut net, pair[1], 1)];
        let b = net.forge(txs);
        let err = net.refuse(&b);
        assert_eq!(err.rule, rule, "{err}");
    }
    let first = wrap(&mut net, first, 0);
    net.mine(vec![first]);
    for tx in again {
        let tx = wrap(&mut net, tx, 0);
        let b = net.forge(vec![tx]);
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
    let issue = net.paid_by_alice(&t.issue_a);
    net.mine(vec![issue]);
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

#[test]
fn unshielded_value_cannot_be_redirected() {
    let t = txs();
    let mut net = Net::shielded();
    let operator = net.operator.clone();
    let alice = net.alice.id();
    let native = AssetId::native();

    // A relay re-wraps alice's unshielding under its own account.
    let rewrapped = net.wrapped_by(&t.unshield, &operator, 0);
    let err = net.refuse_txs(vec![rewrapped]);
    assert_eq!(err.rule, Rule::Accounts, "{err}");

    // It also names itself inside the transaction: the spenders' and the
    // binding signatures no longer match.
    let mut renamed = t.unshield.clone();
    renamed.public_account = Some(operator.id());
    let renamed = net.wrapped_by(&renamed, &operator, 0);
    let err = net.refuse_txs(vec![renamed]);
    assert_eq!(err.rule, Rule::ShieldedProofs, "{err}");
    assert!(matches!(
        err.tx_error,
        Some(TxError::Binding | TxError::SpendAuthorization)
    ));

    // No account at all, or an account added to a private transfer.
    let err = net.refuse_txs(vec![private(&t.unshield)]);
    assert_eq!(err.rule, Rule::Accounts, "{err}");
    let added = net.wrapped_by(&t.t1, &operator, 0);
    let err = net.refuse_txs(vec![added]);
    assert_eq!(err.rule, Rule::Accounts, "{err}");

    // Alice's own wrapper applies and credits alice, and only alice.
    let before = (
        net.chain.balance(&alice, &native).unwrap(),
        net.chain.balance(&operator.id(), &native).unwrap(),
    );
    let good = net.paid_by_alice(&t.unshield);
    net.mine(vec![good]);
    assert_eq!(
        net.chain.balance(&alice, &native).unwrap(),
        before.0 + 100 * COIN
    );
    assert_eq!(
        net.chain.balance(&operator.id(), &native).unwrap(),
        before.1
    );
}

#[test]
fn transactions_do_not_replay_on_another_chain_or_after_expiry() {
    let t = txs();
    let mut net = Net::shielded();
    let foreign = net.paid_by_alice(&t.foreign_chain);
    let err = net.refuse_txs(vec![foreign]);
    assert_eq!(err.rule, Rule::Binding, "{err}");
    // Height 2 is past the expiry height 1.
    let expired = net.paid_by_alice(&t.expiring);
    let err = net.refuse_txs(vec![expired]);
    assert_eq!(err.rule, Rule::Binding, "{err}");

    // Rewriting the chain id or the expiry of a signed transaction breaks
    // its signatures (the sighash commits to both).
    let mut moved = t.foreign_chain.clone();
    moved.chain_id = net.chain.chain_id().unwrap().unwrap();
    let moved = net.paid_by_alice(&moved);
    let err = net.refuse_txs(vec![moved]);
    assert_eq!(err.rule, Rule::ShieldedProofs, "{err}");
    let mut extended = t.t1.clone();
    extended.expiry_height = 1_000;
    let err = net.refuse_txs(vec![private(&extended)]);
    assert_eq!(err.rule, Rule::ShieldedProofs, "{err}");

    // An account authorisation signed for another chain does not verify.
    let mut wrapped = ChainTx::Shielded(Box::new(ShieldedTx {
        tx: t.unshield.clone(),
        public: Some(Authorization::unsigned()),
    }));
    let alice = net.alice.clone();
    let nonce = net.chain.nonce(&alice.id()).unwrap();
    wrapped.authorize(&alice, nonce, &[1; 32], &mut net.rng);
    let err = net.refuse_txs(vec![wrapped]);
    assert_eq!(err.rule, Rule::Signatures, "{err}");
}

#[test]
fn a_copied_issuance_gains_nothing_and_blocks_no_one() {
    let t = txs();
    let mut net = Net::shielded();
    let operator = net.operator.clone();
    // The copier goes first, with alice's category and serial under its
    // own account: it gets a ticket of its own, not alice's.
    let copy = net.wrapped_by(&t.issue_copy, &operator, 0);
    net.mine(vec![copy]);
    let original = net.paid_by_alice(&t.issue_a);
    net.mine(vec![original]);
    let alice_ticket = t.issue_a.issued_tickets()[0].1.clone();
    let copied_ticket = t.issue_copy.issued_tickets()[0].1.clone();
    assert_eq!(alice_ticket.category, copied_ticket.category);
    assert_ne!(alice_ticket.asset(), copied_ticket.asset());
    // Each issuance is recorded with its issuer.
    let issued = net
        .chain
        .state_dump()
        .unwrap()
        .into_iter()
        .filter(|(table, _, _)| *table == superzk_chain_core::store::StateTable::Issued)
        .map(|(_, k, v)| (k, v[..32].to_vec()))
        .collect::<Vec<_>>();
    assert!(issued.contains(&(
        alice_ticket.asset().to_bytes().to_vec(),
        net.alice.id().to_vec()
    )));
    assert!(issued.contains(&(
        copied_ticket.asset().to_bytes().to_vec(),
        operator.id().to_vec()
    )));
}
