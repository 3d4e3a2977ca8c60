//! End to end against an in-process node (release only: it proves real
//! transactions): the wallet finds its notes, balances are right, a spend
//! marks a note spent, pending marks hold and expire, witnesses open to the
//! chain's anchor, a late birthday starts from the frontier, and a reorg
//! rewinds the wallet.

mod common;

use std::path::Path;

use common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use superzk_chain_core::{block::Block, chain::Chain, tx::ChainTx};
use superzk_circuits::asset::AssetInfo;
use superzk_keys::spending_key::{encode_field, SpendingKey};
use superzk_node::{
    network::{Network, GENESIS_TIME},
    node::NodeOptions,
};
use superzk_prover::{ProvingKeys, TransactionBuilder};
use superzk_wallet::{queries::Balance, AccountId, AccountKey, ChainSource, Wallet, WalletError};

/// Spends the wallet's note of value `value`: `pay` to a stranger (memo
/// "thanks"), the rest back to address 0, expiring at `expiry`.
fn pay_from(
    pk: &ProvingKeys,
    (w, acc, sk): (&Wallet, AccountId, &SpendingKey),
    chain_id: [u8; 32],
    (value, pay, expiry): (u64, u64, u64),
    rng: &mut ChaCha20Rng,
) -> (i64, ChainTx) {
    let note = w
        .spendable_notes(acc)
        .unwrap()
        .into_iter()
        .find(|n| n.note.value == value)
        .expect("a note of that value");
    let ovk = sk.full_viewing_key().ovk();
    let stranger = SpendingKey::from_seed(b"stranger", 0)
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0);
    let mut b = TransactionBuilder::new();
    b.set_chain_id(chain_id).set_expiry_height(expiry);
    b.add_spend(
        sk,
        note.note.clone(),
        note.diversifier,
        w.witness(note.position).unwrap(),
    );
    b.add_output(
        Some(ovk),
        stranger,
        AssetInfo::native(),
        pay,
        memo("thanks"),
    );
    if value > pay {
        let me = sk.full_viewing_key().incoming_viewing_key().address(0);
        b.add_output(
            Some(ovk),
            me,
            AssetInfo::native(),
            value - pay,
            memo("change"),
        );
    }
    (
        note.id,
        shielded(b.build(pk, rng).expect("the spend builds")),
    )
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn sync_finds_notes_spends_memos_and_witnesses_and_a_late_birthday_starts_from_the_frontier() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut s = Scene::new(b"wallet e2e");
    first_sync_finds_three_notes_with_memos_and_witnesses(&mut s, &pk, &mut rng);
    let (spent_id, txid, expiry) = a_spend_in_flight_is_pending(&mut s, &pk, &mut rng);
    let mined = the_mined_spend_is_in_the_history(&mut s, spent_id, txid, expiry);
    recipients_are_shown_in_the_network_form(&s);
    let tip = an_unmined_mark_is_released_after_its_expiry(&mut s, mined);
    let tip = a_reopened_wallet_resumes_at(&mut s, tip);
    a_late_birthday_starts_from_the_frontier(&mut s, &pk, &mut rng, tip);
}

/// Three notes shielded to the wallet (two addresses, memos): the first
/// sync finds them all, and every witness opens to the chain's anchor.
fn first_sync_finds_three_notes_with_memos_and_witnesses(
    s: &mut Scene,
    pk: &ProvingKeys,
    rng: &mut ChaCha20Rng,
) {
    let to = [
        (s.address(0), 2 * ONE, memo("rent")),
        (s.address(0), 3 * ONE, memo("")),
        (s.address(5), ONE, memo("gift")),
    ];
    let nonce = alice_nonce(&s.node);
    s.node
        .submit_transaction(shielding(pk, s.chain_id, nonce, &to, rng))
        .unwrap();
    mine(&s.node);
    let tip = mine(&s.node);

    let mut events = vec![];
    let done = s.w.sync(&s.source, |e| events.push(e)).unwrap();
    assert_eq!(done.scanned_height, tip);
    assert_eq!((done.outputs_scanned, done.notes_found), (3, 3));
    assert_eq!(events.last().copied(), Some(done));
    assert_eq!(s.w.balances(s.acc).unwrap(), native(6 * ONE, 0));
    let notes = s.w.received_notes(s.acc).unwrap();
    let memos: Vec<&[u8]> = notes.iter().map(|n| &n.memo[..4]).collect();
    assert_eq!(memos, [&b"rent"[..], &[0; 4][..], &b"gift"[..]]);
    assert!(notes.iter().all(|n| n.height == tip - 1 && !n.spent));

    let anchor = s.source.tree_state(tip).unwrap().root;
    assert_eq!(encode_field(&s.w.anchor().unwrap().unwrap().1), anchor);
    for n in s.w.spendable_notes(s.acc).unwrap() {
        let path = s.w.witness(n.position).unwrap();
        assert_eq!(encode_field(&path.root(n.note.commitment())), anchor);
        assert_ne!(
            encode_field(&path.root(superzk_circuits::Fr::from(7u64))),
            anchor
        );
    }
}

/// A spend in flight: its note is pending, not spendable, not markable
/// twice, and marking is all or nothing. Returns the note, the
/// transaction's id and its expiry height.
fn a_spend_in_flight_is_pending(
    s: &mut Scene,
    pk: &ProvingKeys,
    rng: &mut ChaCha20Rng,
) -> (i64, [u8; 32], u64) {
    let acc = s.acc;
    let expiry = s.w.last_scanned().unwrap().unwrap().0 + 20;
    let (spent_id, spend) = pay_from(
        pk,
        (&s.w, acc, &s.sk),
        s.chain_id,
        (3 * ONE, ONE, expiry),
        rng,
    );
    let txid = s.node.submit_transaction(spend).unwrap();
    let w = &mut s.w;
    assert!(matches!(
        w.mark_pending(&[spent_id, 9999], txid, expiry),
        Err(WalletError::UnusableNote { id: 9999, .. })
    ));
    assert_eq!(w.balances(acc).unwrap(), native(6 * ONE, 0));
    w.mark_pending(&[spent_id], txid, expiry).unwrap();
    w.record_sent_transaction(txid, b"the transaction's bytes", expiry, 0)
        .unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(3 * ONE, 3 * ONE));
    let unmined = &w.history(acc).unwrap()[0];
    assert_eq!((unmined.txid, unmined.mined_height), (txid, None));
    assert_eq!(
        (unmined.expiry_height, unmined.fee),
        (Some(expiry), Some(0))
    );
    assert!(matches!(
        w.mark_pending(&[spent_id], [1; 32], expiry),
        Err(WalletError::UnusableNote { .. })
    ));
    assert!(w
        .spendable_notes(acc)
        .unwrap()
        .iter()
        .all(|n| n.id != spent_id));
    (spent_id, txid, expiry)
}

/// Mined: the note is spent (no witness, not markable), the change
/// arrives, and the history tells it. Returns the height it was mined at.
fn the_mined_spend_is_in_the_history(
    s: &mut Scene,
    spent_id: i64,
    txid: [u8; 32],
    expiry: u64,
) -> u64 {
    let mined = mine(&s.node);
    s.sync();
    let (w, acc) = (&mut s.w, s.acc);
    assert_eq!(w.balances(acc).unwrap(), native(5 * ONE, 0));
    let spent = w.received_notes(acc).unwrap();
    let spent_note = spent.iter().find(|n| n.id == spent_id).unwrap();
    assert!(spent_note.spent);
    assert!(matches!(
        w.witness(spent_note.position),
        Err(WalletError::NoWitness(_))
    ));
    assert!(matches!(
        w.mark_pending(&[spent_id], [2; 32], expiry),
        Err(WalletError::UnusableNote { .. })
    ));
    let history = w.history(acc).unwrap();
    let entry = history.iter().find(|h| h.txid == txid).unwrap();
    assert_eq!(entry.mined_height, Some(mined));
    assert_eq!(entry.expiry_height, Some(expiry));
    assert_eq!(entry.spent_notes, 1);
    assert_eq!(entry.received.len(), 1);
    assert_eq!(&entry.received[0].memo[..6], b"change");
    let to_stranger: Vec<_> = entry.sent.iter().filter(|s| s.value == ONE).collect();
    assert_eq!(to_stranger.len(), 1);
    assert_eq!(&to_stranger[0].memo[..6], b"thanks");
    assert_eq!(history.len(), 2, "the shielding and the spend");
    mined
}

/// The recipient is stored and shown in the devnet's text form; a row an
/// older version stored in the mainnet form is shown in the devnet's too,
/// and a row that is no address is damage.
fn recipients_are_shown_in_the_network_form(s: &Scene) {
    let (w, acc) = (&s.w, s.acc);
    let stranger = SpendingKey::from_seed(b"stranger", 0)
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0);
    let devnet_form = stranger.encode_for(superzk_keys::network::Network::Devnet);
    let raw = rusqlite::Connection::open(&s.path).unwrap();
    let set_recipient = |text: &str| {
        raw.execute(
            "UPDATE sent_notes SET recipient = ?1 WHERE value = ?2",
            rusqlite::params![text, ONE as i64],
        )
        .unwrap()
    };
    let stored: String = raw
        .query_row(
            "SELECT recipient FROM sent_notes WHERE value = ?1",
            [ONE as i64],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored, devnet_form);
    let sent_to = |w: &Wallet| -> Vec<String> {
        w.history(acc).unwrap()[0]
            .sent
            .iter()
            .filter(|s| s.value == ONE)
            .map(|s| s.recipient.clone())
            .collect()
    };
    assert_eq!(sent_to(w), std::slice::from_ref(&devnet_form));
    assert_eq!(set_recipient(&stranger.encode()), 1);
    assert!(stranger.encode().starts_with("szk1"));
    assert_eq!(sent_to(w), std::slice::from_ref(&devnet_form));
    set_recipient("szk1notanaddress");
    assert!(matches!(
        w.history(acc),
        Err(WalletError::Corrupt {
            what: "recipient address"
        })
    ));
    set_recipient(&devnet_form);
    assert_eq!(sent_to(w), [devnet_form]);
    assert_eq!(w.network().unwrap(), superzk_keys::network::Network::Devnet);
}

/// A pending mark whose transaction never comes is released once the
/// chain passes its expiry height, not before. Returns the tip.
fn an_unmined_mark_is_released_after_its_expiry(s: &mut Scene, mined: u64) -> u64 {
    let rent =
        s.w.spendable_notes(s.acc)
            .unwrap()
            .into_iter()
            .find(|n| n.note.value == 2 * ONE && n.position == 0)
            .unwrap();
    s.w.mark_pending(&[rent.id], [3; 32], mined + 1).unwrap();
    mine(&s.node);
    s.sync();
    assert_eq!(s.w.balances(s.acc).unwrap(), native(3 * ONE, 2 * ONE));
    let tip = mine(&s.node);
    s.sync();
    assert_eq!(s.w.balances(s.acc).unwrap(), native(5 * ONE, 0));
    tip
}

/// Reopened, the wallet resumes where it stopped (`tip`): nothing new to
/// find. Returns the tip.
fn a_reopened_wallet_resumes_at(s: &mut Scene, tip: u64) -> u64 {
    s.w = Wallet::open(&s.path, &identity(&s.node)).unwrap();
    assert_eq!(s.w.last_scanned().unwrap().unwrap().0, tip);
    let again = s.sync();
    assert_eq!((again.outputs_scanned, again.scanned_height), (0, tip));
    assert_eq!(s.w.balances(s.acc).unwrap(), native(5 * ONE, 0));
    tip
}

/// A wallet born after all this (`tip`) starts from the node's frontier: it
/// scans only the outputs from its birthday on, and its witness still
/// opens to the chain's anchor. The first wallet sees the late one's
/// output go by, not as its own.
fn a_late_birthday_starts_from_the_frontier(
    s: &mut Scene,
    pk: &ProvingKeys,
    rng: &mut ChaCha20Rng,
    tip: u64,
) {
    let late_sk = SpendingKey::from_seed(b"late wallet", 0);
    let late_addr = late_sk.full_viewing_key().incoming_viewing_key().address(0);
    let mut late = Wallet::open(&s.dir.path().join("late.sqlite"), &identity(&s.node)).unwrap();
    let late_acc = late
        .add_account("late", AccountKey::Spending(&late_sk), tip + 1)
        .unwrap();
    let nonce = alice_nonce(&s.node);
    let to = [(late_addr, 4 * ONE, memo("welcome"))];
    s.node
        .submit_transaction(shielding(pk, s.chain_id, nonce, &to, rng))
        .unwrap();
    let tip = mine(&s.node);
    let done = late.sync(&s.source, |_| {}).unwrap();
    assert_eq!((done.outputs_scanned, done.notes_found), (1, 1));
    assert_eq!(late.balances(late_acc).unwrap(), native(4 * ONE, 0));
    let n = &late.spendable_notes(late_acc).unwrap()[0];
    assert!(n.position >= 5, "after the earlier wallet's notes");
    let anchor = s.source.tree_state(tip).unwrap().root;
    assert_eq!(
        encode_field(&late.witness(n.position).unwrap().root(n.note.commitment())),
        anchor
    );
    let seen = s.sync();
    assert_eq!((seen.outputs_scanned, seen.notes_found), (1, 0));
}

/// A chain-core chain on the devnet genesis that has applied `prefix`.
fn miner_chain(dir: &Path, prefix: &[Block]) -> Chain {
    let (options, genesis) = NodeOptions::for_network(Network::Devnet, dir.to_path_buf()).unwrap();
    let chain = Chain::open(&dir.join("chain.redb"), options.params, options.keys).unwrap();
    chain.apply(&genesis, &mut OsRng).unwrap();
    for b in prefix {
        chain.apply(b, &mut OsRng).unwrap();
    }
    chain
}

/// Mines and applies the next block of `chain`.
fn mine_on(chain: &Chain, miner: u8, txs: Vec<ChainTx>) -> Block {
    let h = chain.height().unwrap().unwrap() + 1;
    let b = chain
        .produce_block(
            [miner; 32],
            GENESIS_TIME + 10 * h,
            txs,
            |_, _| None,
            &mut OsRng,
        )
        .unwrap();
    chain.apply(&b, &mut OsRng).unwrap();
    b
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn a_reorg_rewinds_the_wallet_and_balances_come_out_as_a_clean_sync() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let dirs: Vec<_> = (0..4).map(|_| tempfile::tempdir().unwrap()).collect();
    let prefix_chain = miner_chain(dirs[0].path(), &[]);
    let chain_id = prefix_chain.chain_id().unwrap().unwrap();
    let sk = SpendingKey::from_seed(b"reorg wallet", 0);
    let addr = sk.full_viewing_key().incoming_viewing_key().address(0);
    let to: Vec<_> = (0..3).map(|_| (addr, ONE, memo(""))).collect();
    let prefix = vec![mine_on(
        &prefix_chain,
        1,
        vec![shielding(&pk, chain_id, 0, &to, &mut rng)],
    )];

    let node = open_node(dirs[3].path());
    let source = NodeSource(node.clone());
    node.submit_block(prefix[0].clone()).unwrap();
    let wdir = tempfile::tempdir().unwrap();
    let mut w = Wallet::open(&wdir.path().join("w.sqlite"), &identity(&node)).unwrap();
    let acc = w.add_account("a", AccountKey::Spending(&sk), 0).unwrap();
    w.sync(&source, |_| {}).unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(3 * ONE, 0));

    // Branch x spends a note; the wallet follows it.
    let (_, spend_x) = pay_from(&pk, (&w, acc, &sk), chain_id, (ONE, ONE, 0), &mut rng);
    let x_chain = miner_chain(dirs[1].path(), &prefix);
    let x = [
        mine_on(&x_chain, 2, vec![spend_x]),
        mine_on(&x_chain, 2, vec![]),
    ];
    for b in &x {
        node.submit_block(b.clone()).unwrap();
    }
    w.sync(&source, |_| {}).unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(2 * ONE, 0));
    assert_eq!(w.last_scanned().unwrap().unwrap().1, x[1].hash());

    // Branch y, heavier, brings a new note instead; the node switches.
    let y_chain = miner_chain(dirs[2].path(), &prefix);
    let y = [
        mine_on(
            &y_chain,
            3,
            vec![shielding(
                &pk,
                chain_id,
                1,
                &[(addr, 5 * ONE, memo("y"))],
                &mut rng,
            )],
        ),
        mine_on(&y_chain, 3, vec![]),
        mine_on(&y_chain, 3, vec![]),
    ];
    for b in &y {
        node.submit_block(b.clone()).unwrap();
    }
    assert_eq!(node.tip().unwrap().hash(), y[2].hash());
    let done = w.sync(&source, |_| {}).unwrap();
    assert!(done.blocks_rewound >= 2, "{done:?}");
    assert_eq!(w.last_scanned().unwrap().unwrap().1, y[2].hash());
    assert_eq!(w.balances(acc).unwrap(), native(8 * ONE, 0));

    // Exactly what a wallet that only ever saw y finds.
    let mut clean = Wallet::open(&wdir.path().join("clean.sqlite"), &identity(&node)).unwrap();
    let clean_acc = clean
        .add_account("a", AccountKey::Spending(&sk), 0)
        .unwrap();
    clean.sync(&source, |_| {}).unwrap();
    assert_eq!(clean.balances(clean_acc).unwrap(), w.balances(acc).unwrap());
    let summary = |w: &Wallet, a| {
        w.received_notes(a)
            .unwrap()
            .iter()
            .map(|n| (n.position, n.contents.clone(), n.spent, n.height))
            .collect::<Vec<_>>()
    };
    assert_eq!(summary(&clean, clean_acc), summary(&w, acc));
    let tip = y[2].header.height;
    let anchor = source.tree_state(tip).unwrap().root;
    for n in w.spendable_notes(acc).unwrap() {
        assert_eq!(
            encode_field(&w.witness(n.position).unwrap().root(n.note.commitment())),
            anchor
        );
    }
}

/// Writes `fixtures/wallet/v1.sqlite`: a schema-1 wallet with a full and a
/// watch-only account and their notes, synced from a devnet node. Run once
/// when the schema gains version 2 (`--ignored make_v1_wallet_fixture`);
/// `tests/migrate.rs` opens it.
#[test]
#[ignore = "writes the committed fixture"]
fn make_v1_wallet_fixture() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(&dir.path().join("node"));
    let chain_id = node.chain_id().unwrap();
    let a = SpendingKey::from_seed(b"fixture account a", 0);
    let b = SpendingKey::from_seed(b"fixture account b", 0).full_viewing_key();
    let to = [
        (
            a.full_viewing_key().incoming_viewing_key().address(0),
            2 * ONE,
            memo("first"),
        ),
        (
            a.full_viewing_key().incoming_viewing_key().address(3),
            ONE,
            memo("second"),
        ),
        (
            b.incoming_viewing_key().address(0),
            3 * ONE,
            memo("watched"),
        ),
    ];
    mine(&node);
    node.submit_transaction(shielding(&pk, chain_id, alice_nonce(&node), &to, &mut rng))
        .unwrap();
    mine(&node);
    mine(&node);
    let path = dir.path().join("v1.sqlite");
    let mut w = Wallet::open_at_version(&path, &identity(&node), 1).unwrap();
    w.add_account("spender", AccountKey::Spending(&a), 0)
        .unwrap();
    w.add_account("watcher", AccountKey::Viewing(&b), 1)
        .unwrap();
    w.sync(&NodeSource(node.clone()), |_| {}).unwrap();
    assert_eq!(w.schema_version().unwrap(), 1);
    drop(w);
    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/wallet/v1.sqlite");
    std::fs::copy(&path, out).unwrap();
}

/// A source that alters what a node says.
struct Lying<'a> {
    inner: &'a NodeSource,
    blocks: fn(&mut Vec<superzk_wallet::CompactBlock>),
    other_tx: bool,
}

impl ChainSource for Lying<'_> {
    fn tip(&self) -> Result<(u64, [u8; 32]), superzk_wallet::SourceError> {
        self.inner.tip()
    }
    fn compact_blocks(
        &self,
        start: u64,
        end: u64,
    ) -> Result<Vec<superzk_wallet::CompactBlock>, superzk_wallet::SourceError> {
        let mut blocks = self.inner.compact_blocks(start, end)?;
        (self.blocks)(&mut blocks);
        Ok(blocks)
    }
    fn tree_state(
        &self,
        height: u64,
    ) -> Result<superzk_wallet::TreeState, superzk_wallet::SourceError> {
        self.inner.tree_state(height)
    }
    fn transaction(
        &self,
        height: u64,
        index: u32,
    ) -> Result<superzk_verifier::transaction::Transaction, superzk_wallet::SourceError> {
        let mut tx = self.inner.transaction(height, index)?;
        if self.other_tx {
            tx.outputs.reverse();
        }
        Ok(tx)
    }
    fn send(
        &self,
        tx: &superzk_verifier::transaction::Transaction,
    ) -> Result<[u8; 32], superzk_wallet::SourceError> {
        self.inner.send(tx)
    }
    fn status(
        &self,
        txid: &[u8; 32],
    ) -> Result<superzk_wallet::TxStatus, superzk_wallet::SourceError> {
        self.inner.status(txid)
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn a_lying_source_stores_nothing_and_a_late_account_rescans() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(&dir.path().join("node"));
    let source = NodeSource(node.clone());
    let chain_id = node.chain_id().unwrap();
    let w_sk = SpendingKey::from_seed(b"liar test w", 0);
    let v_sk = SpendingKey::from_seed(b"liar test v", 0);
    let addr = |sk: &SpendingKey| sk.full_viewing_key().incoming_viewing_key().address(0);
    let to = [
        (addr(&w_sk), 2 * ONE, memo("w")),
        (addr(&v_sk), 3 * ONE, memo("v")),
        (addr(&w_sk), 4 * ONE, memo("w")),
    ];
    node.submit_transaction(shielding(&pk, chain_id, alice_nonce(&node), &to, &mut rng))
        .unwrap();
    mine(&node);
    mine(&node);
    mine(&node);

    let mut w = Wallet::open(&dir.path().join("w.sqlite"), &identity(&node)).unwrap();
    let acc = w.add_account("w", AccountKey::Spending(&w_sk), 0).unwrap();
    let liars = [
        Lying {
            inner: &source,
            blocks: |b| b[1].tree_size += 1,
            other_tx: false,
        },
        Lying {
            inner: &source,
            blocks: |b| {
                if b.len() > 2 {
                    b[2].parent = [0xEE; 32]
                }
            },
            other_tx: false,
        },
        Lying {
            inner: &source,
            blocks: |b| {
                b.remove(1);
            },
            other_tx: false,
        },
        Lying {
            inner: &source,
            blocks: |_| {},
            other_tx: true,
        },
    ];
    for (i, liar) in liars.iter().enumerate() {
        let e = w.sync(liar, |_| {}).unwrap_err();
        assert!(
            matches!(e, WalletError::InconsistentSource(_)),
            "liar {i}: {e}"
        );
        assert!(w.received_notes(acc).unwrap().is_empty(), "liar {i}");
        assert_eq!(w.last_scanned().unwrap(), None, "liar {i}");
    }

    // The truth afterwards.
    w.sync(&source, |_| {}).unwrap();

    // A source whose next block does not follow its own block below is
    // refused (not looped on) once the wallet has blocks.
    mine(&node);
    let contradicting = Lying {
        inner: &source,
        blocks: |b| b[0].parent = [0xCC; 32],
        other_tx: false,
    };
    let e = w.sync(&contradicting, |_| {}).unwrap_err();
    assert!(matches!(e, WalletError::InconsistentSource(_)), "{e}");
    let tip = mine(&node);
    assert_eq!(w.balances(acc).unwrap(), native(6 * ONE, 0));

    // An account added later, born before the scanned tip: the wallet
    // rewinds and finds its earlier note, the first account's unchanged.
    let v = w.add_account("v", AccountKey::Spending(&v_sk), 1).unwrap();
    assert!(w.last_scanned().unwrap().is_none_or(|l| l.0 < 1));
    let done = w.sync(&source, |_| {}).unwrap();
    assert_eq!(done.scanned_height, tip);
    assert_eq!(w.balances(v).unwrap(), native(3 * ONE, 0));
    assert_eq!(w.balances(acc).unwrap(), native(6 * ONE, 0));
    let anchor = source.tree_state(tip).unwrap().root;
    for a in [acc, v] {
        for n in w.spendable_notes(a).unwrap() {
            assert_eq!(
                encode_field(&w.witness(n.position).unwrap().root(n.note.commitment())),
                anchor
            );
        }
    }
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn tickets_and_packages_are_listed_from_the_database() {
    use ark_ff::UniformRand;
    use superzk_chain_core::tx::{Authorization, ShieldedTx};
    use superzk_circuits::{note::AssetId, note_kind::NoteKind};
    use superzk_node::network::devnet_key;

    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(&dir.path().join("node"));
    let source = NodeSource(node.clone());
    let chain_id = node.chain_id().unwrap();
    let sk = SpendingKey::from_seed(b"holder", 0);
    let ivk = sk.full_viewing_key().incoming_viewing_key();
    let mut w = Wallet::open(&dir.path().join("w.sqlite"), &identity(&node)).unwrap();
    let acc = w.add_account("h", AccountKey::Spending(&sk), 0).unwrap();

    // Alice issues a ticket to the wallet and seals coins into a package for it.
    let alice = devnet_key("alice");
    let key = superzk_circuits::Fr::rand(&mut rng);
    let mut b = TransactionBuilder::new();
    b.set_public_account(alice.id()).set_chain_id(chain_id);
    b.add_public_input(AssetId::native(), 5 * ONE);
    b.add_package_output(
        None,
        ivk.address(1),
        &[(AssetInfo::native(), 5 * ONE)],
        key,
        memo("sealed"),
    )
    .unwrap();
    let ticket = b
        .issue_ticket(None, "concert", [4; 32], ivk.address(2))
        .unwrap();
    let mut tx = ChainTx::Shielded(Box::new(ShieldedTx {
        tx: b.build(&pk, &mut rng).unwrap(),
        public: Some(Authorization::unsigned()),
    }));
    tx.authorize(&alice, alice_nonce(&node), &chain_id, &mut rng);
    node.submit_transaction(tx).unwrap();
    mine(&node);

    let done = w.sync(&source, |_| {}).unwrap();
    assert_eq!(done.notes_found, 2);
    assert_eq!(
        w.tickets(acc)
            .unwrap()
            .iter()
            .map(|t| &t.1)
            .collect::<Vec<_>>(),
        [&ticket]
    );
    let packages = w.packages(acc).unwrap();
    assert_eq!(packages.len(), 1);
    assert_eq!(packages[0].package.key, key);
    assert_eq!(packages[0].contents(), [(AssetInfo::native(), 5 * ONE)]);
    assert_eq!(&packages[0].memo[..6], b"sealed");
    // A package's contents are not a balance until it is opened; the ticket is.
    assert_eq!(
        w.balances(acc).unwrap(),
        vec![Balance {
            asset: AssetInfo::Ticket(ticket.clone()),
            spendable: 1,
            pending: 0,
        }]
    );
    // The package's witness opens to the anchor.
    let anchor = source.tree_state(done.scanned_height).unwrap().root;
    let path = w.witness(packages[0].position).unwrap();
    assert_eq!(
        encode_field(&path.root(packages[0].package.commitment())),
        anchor
    );
}

#[test]
#[cfg_attr(debug_assertions, ignore = "proves transactions: run it in release")]
fn a_stopped_sync_keeps_its_stored_batches_and_resumes_to_the_tip() {
    use std::cell::Cell;
    use superzk_wallet::SyncOptions;

    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let dir = tempfile::tempdir().unwrap();
    let node = open_node(&dir.path().join("node"));
    let source = NodeSource(node.clone());
    let chain_id = node.chain_id().unwrap();
    let sk = SpendingKey::from_seed(b"stopped sync", 0);
    let ivk = sk.full_viewing_key().incoming_viewing_key();
    // A note in block 1 and one in block 10, the tip.
    let mut fund = |value: u64, text: &str| {
        let to = [(ivk.address(0), value, memo(text))];
        node.submit_transaction(shielding(&pk, chain_id, alice_nonce(&node), &to, &mut rng))
            .unwrap();
        mine(&node)
    };
    assert_eq!(fund(2 * ONE, "first"), 1);
    for _ in 0..8 {
        mine(&node);
    }
    let tip = fund(3 * ONE, "last");
    assert_eq!(tip, 10);
    let mut w = Wallet::open(&dir.path().join("w.sqlite"), &identity(&node)).unwrap();
    let acc = w.add_account("s", AccountKey::Spending(&sk), 0).unwrap();
    let options = SyncOptions { batch_blocks: 2 };

    // Stopped before the first batch: nothing stored.
    let e = w.sync_until(&source, options, |_| {}, || true).unwrap_err();
    assert!(
        matches!(
            e,
            WalletError::Stopped {
                scanned_height: None
            }
        ),
        "{e}"
    );
    assert_eq!(w.last_scanned().unwrap(), None);

    // Stopped once the first batch is fetched: dropped, not stored.
    let asked = Cell::new(0);
    let e = w
        .sync_until(
            &source,
            options,
            |_| panic!("nothing is stored"),
            || {
                asked.set(asked.get() + 1);
                asked.get() > 1
            },
        )
        .unwrap_err();
    assert!(matches!(
        e,
        WalletError::Stopped {
            scanned_height: None
        }
    ));
    assert_eq!(w.last_scanned().unwrap(), None);

    // Stopped from the progress callback after two batches: both stored
    // (the first note found), nothing after them.
    let stop = Cell::new(false);
    let mut events = vec![];
    let e = w
        .sync_until(
            &source,
            options,
            |p| {
                events.push(p);
                stop.set(events.len() == 2);
            },
            || stop.get(),
        )
        .unwrap_err();
    assert_eq!(events.len(), 2);
    let stored = events[1].scanned_height;
    assert_eq!(stored, 3, "blocks 0-1 and 2-3");
    assert!(
        matches!(e, WalletError::Stopped { scanned_height: Some(h) } if h == stored),
        "{e}"
    );
    assert!(e.to_string().contains("sync again"), "{e}");
    assert_eq!(w.last_scanned().unwrap().unwrap().0, stored);
    assert_eq!(w.balances(acc).unwrap(), native(2 * ONE, 0));

    // Synced again: from the block after the stored ones to the tip.
    let mut resumed = vec![];
    let done = w
        .sync_until(
            &source,
            options,
            |p| resumed.push(p.scanned_height),
            || false,
        )
        .unwrap();
    assert_eq!(resumed, [5, 7, 9, 10]);
    assert_eq!((done.scanned_height, done.notes_found), (tip, 1));
    assert_eq!(w.balances(acc).unwrap(), native(5 * ONE, 0));
}
