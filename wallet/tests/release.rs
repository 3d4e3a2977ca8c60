//! Giving up a created transaction (`Wallet::release_pczt`): its notes are
//! spendable again at once, a second release and the release of a PCZT the
//! wallet never made change nothing, and a released proposal's notes can
//! be proposed again.

mod common;

use common::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use superzk_keys::spending_key::SpendingKey;
use superzk_wallet::{
    fee::FeeRule,
    select::{Payment, TransactionRequest},
    AccountKey, Wallet,
};

#[test]
fn a_released_pczt_unlocks_its_notes_at_once_and_only_its_own() {
    let pk = proving_keys();
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let Scene {
        dir,
        node,
        source,
        chain_id,
        sk,
        mut w,
        acc,
        ..
    } = Scene::new(b"release test");
    let ivk = sk.full_viewing_key().incoming_viewing_key();
    let to = [
        (ivk.address(0), 2 * ONE, memo("")),
        (ivk.address(0), 3 * ONE, memo("")),
    ];
    node.submit_transaction(shielding(&pk, chain_id, alice_nonce(&node), &to, &mut rng))
        .unwrap();
    mine(&node);
    w.sync(&source, |_| {}).unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(5 * ONE, 0));

    let other = SpendingKey::from_seed(b"someone else", 0)
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0);
    let request = |amount| TransactionRequest {
        payments: vec![Payment::currency(other, "SERO", amount)],
        ..Default::default()
    };
    // Two transactions in the making, each on its own note.
    let first = w
        .propose(acc, &request(ONE), &FeeRule::standard(), None)
        .unwrap();
    let first = w.create_pczt(acc, &first, &mut OsRng).unwrap();
    let second = w
        .propose(acc, &request(ONE / 2), &FeeRule::standard(), None)
        .unwrap();
    let second = w.create_pczt(acc, &second, &mut OsRng).unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(0, 5 * ONE));
    let rows = |w: &Wallet| w.history(acc).unwrap().len();
    assert_eq!(
        rows(&w),
        3,
        "the shielding and two transactions in the making"
    );

    // Releasing the first frees its note only, and forgets its row.
    assert_eq!(w.release_pczt(&first).unwrap(), 1);
    let balances = w.balances(acc).unwrap();
    assert_eq!(balances[0].spendable + balances[0].pending, 5 * ONE);
    assert!(balances[0].spendable > 0 && balances[0].pending > 0);
    assert_eq!(rows(&w), 2);
    // Twice, or a PCZT this wallet never made: nothing.
    assert_eq!(w.release_pczt(&first).unwrap(), 0);
    let mut stranger = Wallet::open(&dir.path().join("x.sqlite"), &identity(&node)).unwrap();
    let sx = stranger
        .add_account("x", AccountKey::Spending(&sk), 0)
        .unwrap();
    stranger.sync(&source, |_| {}).unwrap();
    let foreign = stranger
        .propose(sx, &request(ONE), &FeeRule::standard(), None)
        .unwrap();
    let foreign = stranger.create_pczt(sx, &foreign, &mut OsRng).unwrap();
    assert_eq!(w.release_pczt(&foreign).unwrap(), 0);
    assert_eq!(w.balances(acc).unwrap(), balances);

    // The freed note can be proposed again; releasing the second frees all.
    let again = w
        .propose(acc, &request(ONE), &FeeRule::standard(), None)
        .unwrap();
    let again = w.create_pczt(acc, &again, &mut OsRng).unwrap();
    assert_eq!(w.balances(acc).unwrap(), native(0, 5 * ONE));
    assert_eq!(w.release_pczt(&again).unwrap(), 1);
    assert_eq!(w.release_pczt(&second).unwrap(), 1);
    assert_eq!(w.balances(acc).unwrap(), native(5 * ONE, 0));
    assert_eq!(rows(&w), 1);
}
