//! End-to-end: build, prove, verify, scan; and the transaction-level attacks
//! the verifier must reject.

use std::{collections::HashSet, path::Path};

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::AssetId,
    package::PackageNote,
    Fr,
};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::{BuildError, ProvingKeys, TransactionBuilder};
use superzk_verifier::{
    error::TxError,
    transaction::Transaction,
    verify::{verify_batch, verify_transaction, AnyAnchor},
};
use superzk_wallet::memory::ScanningWallet;

fn keys() -> &'static ProvingKeys {
    ProvingKeys::shared_for_tests(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("superzk-params"))
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// The transparent account that funds Alice's shielding and issues tickets.
const ACCOUNT_A: [u8; 32] = [0xa1; 32];
/// The chain the tests' transactions are for.
const CHAIN: [u8; 32] = [0xc3; 32];

/// Alice with 1000 SERO and 500 USD, after a shielding transaction.
fn funded_alice(seed: u64) -> (ScanningWallet, SpendingKey, Transaction) {
    let mut rng = rng(seed);
    let sk = SpendingKey::random(&mut rng);
    let mut alice = ScanningWallet::new(sk.clone());
    let mut b = TransactionBuilder::new();
    b.set_public_account(ACCOUNT_A)
        .set_chain_id(CHAIN)
        .set_expiry_height(100)
        .add_public_input(AssetId::native(), 1000)
        .add_public_input(AssetId::from_name("USD"), 500);
    b.add_output(
        None,
        alice.address(0),
        AssetInfo::native(),
        1000,
        [0; MEMO_LEN],
    );
    b.add_output(
        None,
        alice.address(1),
        AssetInfo::currency("USD"),
        500,
        [0; MEMO_LEN],
    );
    let tx = b.build(keys(), &mut rng).unwrap();
    assert_eq!(alice.scan(&tx).unwrap().received, 2);
    (alice, sk, tx)
}

fn verify(tx: &Transaction) -> Result<(), TxError> {
    verify_transaction(tx, &keys().verifying_keys(), &AnyAnchor, &mut rng(99))
}

#[test]
fn shield_transfer_scan_and_verify() {
    let (mut alice, _, shield) = funded_alice(1);
    verify(&shield).unwrap();
    let mut bob = ScanningWallet::new(SpendingKey::random(&mut rng(2)));
    bob.scan(&shield).unwrap();
    assert_eq!(bob.notes().len(), 0, "bob cannot read alice's notes");

    let usd = AssetId::from_name("USD");
    let tx = alice
        .transfer(
            keys(),
            &bob.address(7),
            &[
                (AssetInfo::native(), 300),
                (AssetInfo::currency("USD"), 120),
            ],
            3,
            [1; MEMO_LEN],
            &mut rng(3),
        )
        .unwrap();
    verify(&tx).unwrap();
    let bytes = tx.to_bytes();
    assert_eq!(
        Transaction::from_bytes(&bytes).unwrap(),
        tx,
        "canonical bytes round-trip"
    );

    let anchors: HashSet<Fr> = HashSet::from([alice.tree().root()]);
    verify_transaction(&tx, &keys().verifying_keys(), &anchors, &mut rng(4)).unwrap();
    let stale: HashSet<Fr> = HashSet::from([Fr::from(5u64)]);
    assert!(matches!(
        verify_transaction(&tx, &keys().verifying_keys(), &stale, &mut rng(4)),
        Err(TxError::UnknownAnchor { .. })
    ));

    bob.scan(&tx).unwrap();
    alice.scan(&tx).unwrap();
    assert_eq!(bob.balance_of(&AssetId::native()), 300);
    assert_eq!(bob.balance_of(&usd), 120);
    assert_eq!(alice.balance_of(&AssetId::native()), 697);
    assert_eq!(alice.balance_of(&usd), 380);
    assert!(bob.notes().iter().all(|n| n.memo == [1; MEMO_LEN]));

    // The sender reads back what it sent with its outgoing viewing key.
    let fvk = alice.full_viewing_key();
    let o = &tx.outputs[0];
    let (_, sent) = fvk
        .decrypt_sent_output(
            &o.cm,
            &superzk_keys::spending_key::encode_point(&o.cv),
            &o.epk,
            &o.out_ciphertext,
            &o.enc_ciphertext,
        )
        .expect("sender recovers its output");
    assert_eq!(sent.note.value, 300);

    // Bob spends what he received; witnesses followed the tree.
    let back = bob
        .transfer(
            keys(),
            &alice.address(0),
            &[(AssetInfo::currency("USD"), 20)],
            1,
            [0; MEMO_LEN],
            &mut rng(5),
        )
        .unwrap();
    verify(&back).unwrap();
}

#[test]
fn builder_refuses_unbalanced_and_foreign_notes() {
    let (alice, _, _) = funded_alice(10);
    let (note, path) = alice
        .spendable()
        .next()
        .map(|(n, p)| (n.clone(), p.clone()))
        .unwrap();
    let mut b = TransactionBuilder::new();
    b.add_spend(
        &SpendingKey::random(&mut rng(11)),
        note.note.clone(),
        note.diversifier,
        path.clone(),
    );
    b.add_output(
        None,
        alice.address(0),
        note.asset_info.clone(),
        note.note.value,
        [0; MEMO_LEN],
    );
    assert!(matches!(
        b.build(keys(), &mut rng(12)),
        Err(BuildError::NotOwned(0))
    ));

    let mut b = TransactionBuilder::new();
    b.add_output(
        None,
        alice.address(0),
        AssetInfo::native(),
        5,
        [0; MEMO_LEN],
    );
    assert!(matches!(
        b.build(keys(), &mut rng(13)),
        Err(BuildError::Unbalanced { .. })
    ));
    assert!(matches!(
        TransactionBuilder::new().build(keys(), &mut rng(13)),
        Err(BuildError::Empty)
    ));
}

/// A transaction Alice proves and signs honestly except for `tamper`.
fn tampered(seed: u64, tamper: impl FnOnce(&mut Transaction)) -> Transaction {
    let (alice, sk, _) = funded_alice(seed);
    let (note, path) = alice
        .spendable()
        .find(|(n, _)| n.note.asset == AssetId::native())
        .map(|(n, p)| (n.clone(), p.clone()))
        .unwrap();
    let mut b = TransactionBuilder::new();
    b.add_spend(&sk, note.note.clone(), note.diversifier, path);
    b.add_output(
        None,
        alice.address(2),
        AssetInfo::native(),
        note.note.value,
        [0; MEMO_LEN],
    );
    b.build_tampered(keys(), &mut rng(seed + 1), tamper)
        .unwrap()
}

#[test]
fn value_creation_is_rejected() {
    // Claiming public value leaves the pool that no note paid for.
    let tx = tampered(20, |tx| {
        tx.balances = vec![(AssetId::native(), 1)];
        tx.public_account = Some(ACCOUNT_A);
    });
    assert_eq!(verify(&tx), Err(TxError::Binding));
    // An output worth more than the spend: the value commitment of a larger
    // note, with its own valid proof, substituted in.
    let (alice, _, _) = funded_alice(21);
    let mut b = TransactionBuilder::new();
    b.set_public_account(ACCOUNT_A)
        .add_public_input(AssetId::native(), 5000);
    b.add_output(
        None,
        alice.address(0),
        AssetInfo::native(),
        5000,
        [0; MEMO_LEN],
    );
    let big = b.build(keys(), &mut rng(22)).unwrap();
    let tx = tampered(23, |tx| tx.outputs[0] = big.outputs[0].clone());
    assert_eq!(verify(&tx), Err(TxError::Binding));
}

#[test]
fn swapped_asset_ids_are_rejected() {
    // Spend SERO, output the same value of USD: the output's commitments are
    // swapped in from an honest USD output.
    let (alice, _, _) = funded_alice(30);
    let mut b = TransactionBuilder::new();
    b.set_public_account(ACCOUNT_A)
        .add_public_input(AssetId::from_name("USD"), 1000);
    b.add_output(
        None,
        alice.address(0),
        AssetInfo::currency("USD"),
        1000,
        [0; MEMO_LEN],
    );
    let usd = b.build(keys(), &mut rng(31)).unwrap();
    let tx = tampered(32, |tx| tx.outputs[0] = usd.outputs[0].clone());
    assert_eq!(verify(&tx), Err(TxError::Binding));
}

#[test]
fn double_spend_within_a_transaction_is_rejected() {
    let tx = tampered(40, |tx| {
        let dup = tx.spends[0].clone();
        tx.spends.push(dup);
    });
    assert!(matches!(verify(&tx), Err(TxError::DuplicateNullifier(_))));
}

#[test]
fn altered_public_inputs_and_proofs_are_rejected() {
    let tx = tampered(50, |tx| tx.spends[0].anchor += Fr::from(1u64));
    assert_eq!(
        verify(&tx),
        Err(TxError::Proof {
            kind: "spend",
            index: 0
        })
    );
    let tx = tampered(51, |tx| tx.outputs[0].cm += Fr::from(1u64));
    assert_eq!(
        verify(&tx),
        Err(TxError::Proof {
            kind: "output",
            index: 0
        })
    );
    let tx = tampered(52, |tx| {
        let a = tx.outputs[0].proof.a;
        tx.spends[0].proof.a = a;
    });
    assert_eq!(
        verify(&tx),
        Err(TxError::Proof {
            kind: "spend",
            index: 0
        })
    );
    // Changing anything after signing breaks the signatures.
    let mut tx = tampered(53, |_| {});
    tx.fee += 1;
    assert_eq!(verify(&tx), Err(TxError::SpendAuthorization));
}

#[test]
fn batch_rejects_any_invalid_member_and_names_it() {
    let good1 = funded_alice(60).2;
    let good2 = tampered(61, |_| {});
    let bad = tampered(62, |tx| tx.outputs[0].cm += Fr::from(1u64));
    let vk = keys().verifying_keys();
    verify_batch(
        &[good1.clone(), good2.clone()],
        &vk,
        &AnyAnchor,
        &mut rng(63),
    )
    .unwrap();
    let failure = verify_batch(&[good1, bad, good2], &vk, &AnyAnchor, &mut rng(64)).unwrap_err();
    assert_eq!(failure.invalid.len(), 1);
    assert_eq!(failure.invalid[0].0, 1);
}

#[test]
fn transaction_decoder_never_panics_on_garbage() {
    let tx = tampered(70, |_| {}).to_bytes();
    for len in [0, 3, 4, 5, 60, tx.len() - 1] {
        assert!(Transaction::from_bytes(&tx[..len]).is_err());
    }
    let mut longer = tx.clone();
    longer.push(0);
    assert!(Transaction::from_bytes(&longer).is_err());
    let mut r = rng(71);
    for i in 0..300 {
        let mut bytes = tx.clone();
        use rand_core::RngCore;
        let at = (r.next_u32() as usize) % bytes.len();
        bytes[at] ^= 1 << (i % 8);
        // Any outcome but a panic is fine; a decoded one must not verify.
        if let Ok(t) = Transaction::from_bytes(&bytes) {
            assert!(verify(&t).is_err(), "bit flip at {at} still verifies");
        }
        let mut random = vec![0u8; (r.next_u32() % 2000) as usize];
        r.fill_bytes(&mut random);
        let n = random.len().min(4);
        random[..n].copy_from_slice(&b"SZKT"[..n]);
        let _ = Transaction::from_bytes(&random);
    }
}

/// Ticket `n` of the concert, as `ACCOUNT_A` issues it.
fn concert_ticket(n: u8) -> Ticket {
    Ticket::issued(&ACCOUNT_A, "concert-2026", &[n; 32]).unwrap()
}

/// A builder issuing ticket `n` of the concert from `ACCOUNT_A` to `to`.
fn issuing(n: u8, to: superzk_keys::address::PaymentAddress) -> (TransactionBuilder, Ticket) {
    let mut b = TransactionBuilder::new();
    b.set_public_account(ACCOUNT_A);
    let ticket = b.issue_ticket(None, "concert-2026", [n; 32], to).unwrap();
    assert_eq!(ticket, concert_ticket(n));
    (b, ticket)
}

#[test]
fn tickets_issue_move_sell_and_redeem() {
    let mut r = rng(80);
    let mut issuer = ScanningWallet::new(SpendingKey::random(&mut r));
    let (mut alice, _, shield) = funded_alice(81);
    let mut bob = ScanningWallet::new(SpendingKey::random(&mut r));
    issuer.scan(&shield).unwrap();
    bob.scan(&shield).unwrap();
    let scan_all = |tx: &Transaction, ws: &mut [&mut ScanningWallet]| {
        ws.iter_mut().for_each(|w| {
            w.scan(tx).unwrap();
        })
    };

    // Issue a ticket to Bob: public registration, shielded note.
    let (b, ticket) = issuing(1, bob.address(0));
    let issue = b.build(keys(), &mut r).unwrap();
    verify(&issue).unwrap();
    assert_eq!(issue.issued_tickets(), vec![(0, ticket.clone())]);
    scan_all(&issue, &mut [&mut issuer, &mut alice, &mut bob]);
    assert_eq!(
        bob.tickets(),
        vec![ticket.clone()],
        "bob sees category and id"
    );

    // Bob sells it to Alice for 30 SERO in one transaction both fund.
    let mut b = TransactionBuilder::new();
    b.add_output(
        None,
        alice.address(5),
        AssetInfo::Ticket(ticket.clone()),
        1,
        [0; MEMO_LEN],
    );
    b.add_output(None, bob.address(1), AssetInfo::native(), 30, [0; MEMO_LEN]);
    bob.fund(&mut b, &AssetInfo::Ticket(ticket.clone()), 1)
        .unwrap();
    alice.fund(&mut b, &AssetInfo::native(), 30).unwrap();
    let sale = b.build(keys(), &mut r).unwrap();
    verify(&sale).unwrap();
    assert!(
        sale.issuances.is_empty() && sale.redemptions.is_empty() && sale.balances.is_empty(),
        "observers see no ticket, category or owner"
    );
    scan_all(&sale, &mut [&mut issuer, &mut alice, &mut bob]);
    assert_eq!(alice.tickets(), vec![ticket.clone()]);
    assert!(bob.tickets().is_empty());
    assert_eq!(bob.balance_of(&AssetId::native()), 30);

    // Alice gives it on alone, privately, to the issuer's wallet.
    let gift = alice
        .transfer(
            keys(),
            &issuer.address(2),
            &[(AssetInfo::Ticket(ticket.clone()), 1)],
            0,
            [0; MEMO_LEN],
            &mut r,
        )
        .unwrap();
    verify(&gift).unwrap();
    assert!(gift.issuances.is_empty() && gift.redemptions.is_empty() && gift.balances.is_empty());
    scan_all(&gift, &mut [&mut issuer, &mut alice, &mut bob]);
    assert!(alice.tickets().is_empty());
    assert_eq!(issuer.tickets(), vec![ticket.clone()]);

    // Redeemed at the door: the ticket is revealed, its owners are not.
    let redeem = issuer.redeem(keys(), &ticket, &mut r).unwrap();
    verify(&redeem).unwrap();
    assert_eq!(redeem.redemptions, vec![ticket.clone()]);
    scan_all(&redeem, &mut [&mut issuer]);
    assert!(issuer.tickets().is_empty());
}

#[test]
fn tickets_cannot_be_duplicated_forged_or_changed() {
    let mut r = rng(90);
    let sk = SpendingKey::random(&mut r);
    let mut holder = ScanningWallet::new(sk.clone());
    let (b, ticket) = issuing(2, holder.address(0));
    let issue = b.build(keys(), &mut r).unwrap();
    holder.scan(&issue).unwrap();
    let (note, path) = holder
        .spendable()
        .map(|(n, p)| (n.clone(), p.clone()))
        .next()
        .unwrap();
    let info = AssetInfo::Ticket(ticket.clone());

    // Duplicate: one ticket in, two out.
    let mut b = TransactionBuilder::new();
    b.add_spend(&sk, note.note.clone(), note.diversifier, path.clone());
    b.add_output(None, holder.address(1), info.clone(), 1, [0; MEMO_LEN]);
    b.add_output(None, holder.address(2), info.clone(), 1, [0; MEMO_LEN]);
    assert!(matches!(
        b.build(keys(), &mut r),
        Err(BuildError::Unbalanced { .. })
    ));
    let dup = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&dup), Err(TxError::Binding));

    // Forge: an output of a ticket never issued, from nothing.
    let mut b = TransactionBuilder::new();
    b.add_output(
        None,
        holder.address(1),
        AssetInfo::Ticket(concert_ticket(3)),
        1,
        [0; MEMO_LEN],
    );
    let forged = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&forged), Err(TxError::Binding));

    // Change in transit: spend ticket 2, output ticket 4 (another id) or the
    // same id under another category.
    for other in [
        concert_ticket(4),
        Ticket {
            category: "concert-2027".into(),
            id: ticket.id,
        },
    ] {
        let mut b = TransactionBuilder::new();
        b.add_spend(&sk, note.note.clone(), note.diversifier, path.clone());
        b.add_output(
            None,
            holder.address(1),
            AssetInfo::Ticket(other),
            1,
            [0; MEMO_LEN],
        );
        let changed = b.skip_balance_check().build(keys(), &mut r).unwrap();
        assert_eq!(verify(&changed), Err(TxError::Binding));
    }

    // Issuing the same ticket twice in one transaction.
    let (mut b, _) = issuing(2, holder.address(0));
    b.issue_ticket(None, "concert-2026", [2; 32], holder.address(1))
        .unwrap();
    let twice = b.build(keys(), &mut r).unwrap();
    assert!(matches!(verify(&twice), Err(TxError::DuplicateAsset(_))));

    // Redeeming a ticket other than the one spent.
    let mut b = TransactionBuilder::new();
    b.redeem_ticket(&sk, &ticket, note.note.clone(), note.diversifier, path);
    let tx = b
        .build_tampered(keys(), &mut r, |tx| {
            tx.redemptions = vec![concert_ticket(5)]
        })
        .unwrap();
    assert_eq!(verify(&tx), Err(TxError::Binding));
}

#[test]
fn packages_seal_pass_and_open_with_balance_kept() {
    let mut r = rng(100);
    let (mut alice, alice_sk, shield) = funded_alice(101);
    let mut bob = ScanningWallet::new(SpendingKey::random(&mut r));
    bob.scan(&shield).unwrap();
    let (b, ticket) = issuing(9, alice.address(0));
    let issue = b.build(keys(), &mut r).unwrap();
    alice.scan(&issue).unwrap();
    bob.scan(&issue).unwrap();

    let contents = [
        (AssetInfo::native(), 100),
        (AssetInfo::currency("USD"), 40),
        (AssetInfo::Ticket(ticket.clone()), 1),
    ];
    let seal = alice
        .seal_package(keys(), &bob.address(0), &contents, [0; MEMO_LEN], &mut r)
        .unwrap();
    verify(&seal).unwrap();
    assert!(
        seal.balances.is_empty(),
        "nothing about the contents is public"
    );
    alice.scan(&seal).unwrap();
    bob.scan(&seal).unwrap();
    assert!(alice.tickets().is_empty());
    assert_eq!(alice.balance_of(&AssetId::native()), 900);
    let held = bob.packages()[0].clone();
    let mut listed = held.contents();
    listed.sort_by_key(|(a, _)| a.to_string());
    let mut expected = contents.to_vec();
    expected.sort_by_key(|(a, _)| a.to_string());
    assert_eq!(listed, expected, "the holder sees the contents");

    let pass = bob
        .pass_package(keys(), &held, &alice.address(3), &mut r)
        .unwrap();
    verify(&pass).unwrap();
    alice.scan(&pass).unwrap();
    bob.scan(&pass).unwrap();
    assert!(bob.packages().is_empty());
    let held = alice.packages()[0].clone();

    // A builder spending `package` into plain outputs of `outputs` to Alice.
    let opening = |package: PackageNote, outputs: &[(AssetInfo, u64)]| {
        let mut b = TransactionBuilder::new();
        b.add_package_spend(
            &alice_sk,
            package,
            held.diversifier,
            alice.package_path(&held).clone(),
        );
        for (info, value) in outputs {
            b.add_output(None, alice.address(0), info.clone(), *value, [0; MEMO_LEN]);
        }
        b
    };
    let usd = AssetInfo::currency("USD");
    let ticket_info = AssetInfo::Ticket(ticket.clone());

    // Opening into more than the package holds does not verify.
    let mut b = opening(
        held.package.clone(),
        &[
            (AssetInfo::native(), 101),
            (usd.clone(), 40),
            (ticket_info.clone(), 1),
        ],
    );
    assert!(matches!(
        b.build(keys(), &mut r),
        Err(BuildError::Unbalanced { .. })
    ));
    let greedy = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&greedy), Err(TxError::Binding));
    // Opening into another asset does not verify either.
    let eur = AssetInfo::currency("EUR");
    let mut b = opening(
        held.package.clone(),
        &[
            (AssetInfo::native(), 100),
            (eur, 40),
            (ticket_info.clone(), 1),
        ],
    );
    let swapped = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&swapped), Err(TxError::Binding));

    // Opening with a wrong key: the proof can only claim the root the wrong
    // commitment would have, which is no root of the chain's tree...
    let mut wrong = held.package.clone();
    wrong.key += Fr::from(1u64);
    let honest_contents = [(AssetInfo::native(), 100), (usd, 40), (ticket_info, 1)];
    let forged = opening(wrong.clone(), &honest_contents)
        .build(keys(), &mut r)
        .unwrap();
    let anchors: HashSet<Fr> = HashSet::from([alice.tree().root()]);
    assert!(matches!(
        verify_transaction(&forged, &keys().verifying_keys(), &anchors, &mut r),
        Err(TxError::UnknownAnchor { .. })
    ));
    // ...and against the real root the wrong key cannot prove membership.
    let root = alice.tree().root();
    let tx = opening(wrong, &honest_contents)
        .build_tampered(keys(), &mut r, |tx| tx.package_spends[0].anchor = root)
        .unwrap();
    assert_eq!(
        verify(&tx),
        Err(TxError::Proof {
            kind: "package spend",
            index: 0
        })
    );

    let open = alice.open_package(keys(), &held, &mut r).unwrap();
    verify(&open).unwrap();
    alice.scan(&open).unwrap();
    assert_eq!(alice.balance_of(&AssetId::native()), 1000);
    assert_eq!(alice.balance_of(&AssetId::from_name("USD")), 500);
    assert_eq!(alice.tickets(), vec![ticket]);
    assert!(alice.packages().is_empty());
    // Opening twice reveals the same nullifier: a ledger refuses it.
    let again = open.package_spends[0].nullifier;
    assert!(
        greedy.package_spends[0].nullifier == again,
        "a package has one nullifier"
    );
}

/// Alice holding ticket `n` (and 1000 SERO, 500 USD), and Bob, both having
/// scanned the shielding and the issuance.
fn alice_with_ticket(seed: u64, n: u8) -> (ScanningWallet, ScanningWallet, Ticket) {
    let mut r = rng(seed);
    let (mut alice, _, shield) = funded_alice(seed + 1);
    let mut bob = ScanningWallet::new(SpendingKey::random(&mut r));
    let (b, ticket) = issuing(n, alice.address(0));
    let issue = b.build(keys(), &mut r).unwrap();
    verify(&issue).unwrap();
    bob.scan(&shield).unwrap();
    alice.scan(&issue).unwrap();
    bob.scan(&issue).unwrap();
    assert_eq!(alice.tickets(), vec![ticket.clone()]);
    (alice, bob, ticket)
}

/// Bob holds nothing of `ticket`: not listed, not counted, not redeemable,
/// not sellable.
fn assert_holds_no_ticket(bob: &ScanningWallet, ticket: &Ticket) {
    assert!(bob.tickets().is_empty(), "not listed as a held ticket");
    assert!(
        bob.notes().iter().all(|n| n.note.asset != ticket.asset()),
        "not kept"
    );
    assert_eq!(bob.balance_of(&ticket.asset()), 0, "not counted");
    assert!(
        bob.balances()
            .iter()
            .all(|(info, _)| *info != AssetInfo::Ticket(ticket.clone())),
        "not in the balances"
    );
    assert!(matches!(
        bob.redeem(keys(), ticket, &mut rng(1)),
        Err(BuildError::InsufficientFunds { have: 0, need: 1 })
    ));
    let mut b = TransactionBuilder::new();
    assert!(
        matches!(
            bob.fund(&mut b, &AssetInfo::Ticket(ticket.clone()), 1),
            Err(BuildError::InsufficientFunds { have: 0, need: 1 })
        ),
        "cannot be sold"
    );
}

/// The attack: a seller "delivers" `(ticket, 0)`, a note that balances with
/// no input, while keeping the real ticket. The chain accepts it (assets are
/// hidden); the buyer's wallet must not take it as a ticket.
#[test]
fn a_ticket_note_of_value_other_than_1_is_never_a_ticket() {
    let (mut alice, mut bob, ticket) = alice_with_ticket(120, 20);
    let mut r = rng(122);
    let info = AssetInfo::Ticket(ticket.clone());

    // The builder refuses it; a hostile sender skips the check (it
    // balances, so the transaction still verifies).
    let mut b = TransactionBuilder::new();
    b.add_output(None, bob.address(0), info.clone(), 0, [7; MEMO_LEN]);
    assert!(matches!(
        b.build(keys(), &mut r),
        Err(BuildError::TicketValue { value: 0, .. })
    ));
    let copy = b.skip_balance_check().build(keys(), &mut r).unwrap();
    verify(&copy).expect("a zero-value note balances: the chain cannot refuse it");
    alice.scan(&copy).unwrap();
    let found = bob.scan(&copy).unwrap();
    assert_eq!(found.received, 0, "the copy is dropped");
    assert_holds_no_ticket(&bob, &ticket);
    assert_eq!(
        bob.tree().root(),
        alice.tree().root(),
        "its commitment still enters the wallet's tree"
    );
    assert_eq!(alice.tickets(), vec![ticket.clone()], "the seller kept it");

    // Value 2 cannot balance (the pool holds 1 unit of the ticket), so it
    // never verifies; the wallet drops it all the same.
    let mut b = TransactionBuilder::new();
    b.add_output(None, bob.address(1), info, 2, [0; MEMO_LEN]);
    let double = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&double), Err(TxError::Binding));
    assert_eq!(bob.scan(&double).unwrap().received, 0);
    assert_holds_no_ticket(&bob, &ticket);
    alice.scan(&double).unwrap();

    // The real ticket, delivered afterwards, is Bob's: listed and redeemable.
    let sale = alice
        .transfer(
            keys(),
            &bob.address(2),
            &[(AssetInfo::Ticket(ticket.clone()), 1)],
            0,
            [0; MEMO_LEN],
            &mut r,
        )
        .unwrap();
    verify(&sale).unwrap();
    assert_eq!(bob.scan(&sale).unwrap().received, 1);
    assert_eq!(bob.tickets(), vec![ticket.clone()]);
    let redeem = bob.redeem(keys(), &ticket, &mut r).unwrap();
    verify(&redeem).unwrap();
    assert_eq!(redeem.redemptions, vec![ticket]);
}

/// The same attack through a package: a slot `(ticket, 0)`, or `(ticket, 2)`,
/// is never listed among the package's contents nor becomes a held ticket
/// when the package is opened.
#[test]
fn a_package_ticket_slot_of_value_other_than_1_is_never_a_ticket() {
    let (mut alice, mut bob, ticket) = alice_with_ticket(130, 30);
    let mut r = rng(132);
    let info = AssetInfo::Ticket(ticket.clone());

    // Value 0: a valid transaction, which the wallet and builder refuse to
    // make and a hostile sender makes by skipping the builder's checks.
    let contents = [(AssetInfo::native(), 100), (info.clone(), 0)];
    assert!(matches!(
        alice.seal_package(keys(), &bob.address(0), &contents, [0; MEMO_LEN], &mut r),
        Err(BuildError::PackageTicketValue { value: 0, .. })
    ));
    let mut b = TransactionBuilder::new();
    b.add_package_output(
        None,
        bob.address(0),
        &contents,
        Fr::from(76u64),
        [0; MEMO_LEN],
    )
    .unwrap();
    alice.fund(&mut b, &AssetInfo::native(), 100).unwrap();
    let zero = b.skip_balance_check().build(keys(), &mut r).unwrap();
    verify(&zero).unwrap();
    alice.scan(&zero).unwrap();
    assert_eq!(bob.scan(&zero).unwrap().received, 1);
    assert_eq!(
        bob.packages()[0].contents(),
        vec![(AssetInfo::native(), 100)],
        "the zero ticket slot is not listed"
    );
    assert_holds_no_ticket(&bob, &ticket);
    assert_eq!(alice.tickets(), vec![ticket.clone()], "the seller kept it");

    // Value 2: only an unbalanced (never valid) transaction makes one; the
    // wallet does not list it either.
    let mut b = TransactionBuilder::new();
    b.add_package_output(
        None,
        bob.address(1),
        &[(AssetInfo::currency("USD"), 5), (info.clone(), 2)],
        Fr::from(77u64),
        [0; MEMO_LEN],
    )
    .unwrap();
    alice.fund(&mut b, &AssetInfo::currency("USD"), 5).unwrap();
    let double = b.skip_balance_check().build(keys(), &mut r).unwrap();
    assert_eq!(verify(&double), Err(TxError::Binding));
    alice.scan(&double).unwrap();
    assert_eq!(bob.scan(&double).unwrap().received, 1);
    let held = bob
        .packages()
        .into_iter()
        .find(|p| p.package.contents.iter().any(|(_, v)| *v == 2))
        .expect("the package is kept: its other slots have value")
        .clone();
    assert_eq!(held.contents(), vec![(AssetInfo::currency("USD"), 5)]);
    assert_holds_no_ticket(&bob, &ticket);

    // Such a package can never be on a chain (its transaction does not
    // verify), and the builder refuses to open it into a ticket note of
    // value 2.
    assert!(matches!(
        bob.open_package(keys(), &held, &mut r),
        Err(BuildError::TicketValue { value: 2, .. })
    ));

    // The valid package with the zero slot opens: Bob gets the coins, the
    // empty slot makes no note, and he holds no ticket.
    let zero_package = bob
        .packages()
        .into_iter()
        .find(|p| p.package.contents.iter().any(|(_, v)| *v == 100))
        .expect("the zero-slot package")
        .clone();
    let open = bob.open_package(keys(), &zero_package, &mut r).unwrap();
    verify(&open).unwrap();
    assert_eq!(open.outputs.len(), 1, "the empty slot makes no note");
    assert_eq!(bob.scan(&open).unwrap().received, 1);
    assert_eq!(bob.balance_of(&AssetId::native()), 100);
    assert_holds_no_ticket(&bob, &ticket);
}
