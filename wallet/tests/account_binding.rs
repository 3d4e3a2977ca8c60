//! Transaction format version 2: the attacks it closes, performed against the
//! real builder and verifier.
//!
//! * redirecting public value: re-naming the public account of a signed
//!   transaction, removing it, or adding one;
//! * minting through issuance: an issuance can only add one unit of a ticket
//!   its public account issues, never a currency or another issuer's ticket;
//! * replay: the chain id and expiry are signed;
//! * the builder's own refusals (tickets of value other than 1, issuances
//!   without an issuer).

use std::path::Path;

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::{
    asset::{AssetInfo, Ticket},
    note::AssetId,
    Fr,
};
use superzk_keys::{note_plaintext::MEMO_LEN, spending_key::SpendingKey};
use superzk_prover::{BuildError, ProvingKeys, TransactionBuilder};
use superzk_verifier::{
    error::{DecodeError, TxError},
    transaction::{TicketIssuance, Transaction},
    verify::{verify_transaction, AnyAnchor},
};
use superzk_wallet::memory::ScanningWallet;

fn keys() -> &'static ProvingKeys {
    ProvingKeys::shared_for_tests(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("superzk-params"))
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A named change to a transaction.
type Change<'a> = (&'a str, &'a dyn Fn(&mut Transaction));

fn verify(tx: &Transaction) -> Result<(), TxError> {
    verify_transaction(tx, &keys().verifying_keys(), &AnyAnchor, &mut rng(99))
}

/// Alice's transparent account, the attacker's, and the chain.
const A: [u8; 32] = [0xa1; 32];
const B: [u8; 32] = [0xb2; 32];
const CHAIN: [u8; 32] = [0xc3; 32];
const OTHER_CHAIN: [u8; 32] = [0xc4; 32];

/// Alice's wallet after account `A` shielded 1,000 SERO into it, and the
/// shielding transaction (no spends: only the binding signature signs it).
fn funded(seed: u64) -> (ScanningWallet, Transaction) {
    let mut r = rng(seed);
    let mut alice = ScanningWallet::new(SpendingKey::random(&mut r));
    alice.bind_to_chain(CHAIN, 500);
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN)
        .set_expiry_height(500)
        .set_public_account(A)
        .add_public_input(AssetId::native(), 1000)
        .add_output(
            None,
            alice.address(0),
            AssetInfo::native(),
            1000,
            [0; MEMO_LEN],
        );
    let shield = b.build(keys(), &mut r).unwrap();
    verify(&shield).unwrap();
    alice.scan(&shield).unwrap();
    (alice, shield)
}

/// Alice unshields 400 SERO to account `A` (spends, so spend-authorization
/// signatures sign it too).
fn unshield(alice: &ScanningWallet, seed: u64) -> Transaction {
    let mut b = TransactionBuilder::new();
    b.set_chain_id(CHAIN)
        .set_expiry_height(500)
        .set_public_account(A)
        .add_public_output(AssetId::native(), 400);
    alice.fund(&mut b, &AssetInfo::native(), 400).unwrap();
    let tx = b.build(keys(), &mut rng(seed)).unwrap();
    verify(&tx).unwrap();
    tx
}

#[test]
fn unshielded_value_cannot_be_redirected_to_another_account() {
    let (alice, shield) = funded(1);
    let tx = unshield(&alice, 2);
    assert_eq!(tx.public_account, Some(A));
    assert_eq!(tx.balances, vec![(AssetId::native(), 400)]);

    // A relay re-names the account that receives the 400 SERO.
    let mut redirected = tx.clone();
    redirected.public_account = Some(B);
    assert_eq!(verify(&redirected), Err(TxError::SpendAuthorization));
    // Even through the bytes (nothing re-signed).
    let bytes = redirected.to_bytes();
    assert_eq!(
        verify(&Transaction::from_bytes(&bytes).unwrap()),
        Err(TxError::SpendAuthorization)
    );
    // Shielding has no spends: the binding signature alone catches it, so
    // nobody can make B pay for A's shielding (or A's for B's).
    let mut redirected = shield.clone();
    redirected.public_account = Some(B);
    assert_eq!(verify(&redirected), Err(TxError::Binding));

    // Removing the account leaves public value nobody pays or receives.
    let mut removed = tx.clone();
    removed.public_account = None;
    assert_eq!(verify(&removed), Err(TxError::MissingPublicAccount));
    let mut removed = shield;
    removed.public_account = None;
    assert_eq!(verify(&removed), Err(TxError::MissingPublicAccount));

    // Adding an account to a transaction with nothing public.
    let mut private = alice
        .transfer(
            keys(),
            &alice.address(3),
            &[(AssetInfo::native(), 10)],
            0,
            [0; MEMO_LEN],
            &mut rng(3),
        )
        .unwrap();
    verify(&private).unwrap();
    assert_eq!(private.public_account, None);
    assert_eq!((private.chain_id, private.expiry_height), (CHAIN, 500));
    private.public_account = Some(B);
    assert!(matches!(
        verify(&private),
        Err(TxError::UnexpectedPublicAccount(hex)) if hex == "b2".repeat(32)
    ));

    // The builder refuses both mistakes before proving anything.
    let mut b = TransactionBuilder::new();
    b.add_public_output(AssetId::native(), 400);
    alice.fund(&mut b, &AssetInfo::native(), 400).unwrap();
    assert!(matches!(
        b.build(keys(), &mut rng(4)),
        Err(BuildError::NoPublicAccount)
    ));
    let mut b = TransactionBuilder::new();
    b.set_public_account(A);
    alice.fund(&mut b, &AssetInfo::native(), 400).unwrap();
    assert!(matches!(
        b.build(keys(), &mut rng(5)),
        Err(BuildError::UnneededPublicAccount)
    ));
}

#[test]
fn changing_the_chain_or_the_expiry_breaks_the_signatures() {
    let (alice, shield) = funded(10);
    let tx = unshield(&alice, 11);
    let changes: [Change; 4] = [
        ("another chain", &|t| t.chain_id = OTHER_CHAIN),
        ("no chain", &|t| t.chain_id = [0; 32]),
        ("a later expiry", &|t| t.expiry_height = 501),
        ("no expiry", &|t| t.expiry_height = 0),
    ];
    for (what, change) in changes {
        let mut replayed = tx.clone();
        change(&mut replayed);
        assert_eq!(
            verify(&replayed),
            Err(TxError::SpendAuthorization),
            "{what} (with spends)"
        );
        let mut replayed = shield.clone();
        change(&mut replayed);
        assert_eq!(
            verify(&replayed),
            Err(TxError::Binding),
            "{what} (no spends)"
        );
    }
    assert!(tx.is_expired_at(501) && !tx.is_expired_at(500));
}

#[test]
fn an_issuance_mints_nothing_but_its_own_ticket() {
    let mut r = rng(20);
    let holder = ScanningWallet::new(SpendingKey::random(&mut r));

    // The honest issuance: A issues ticket 1 of "concert-2026".
    let mut b = TransactionBuilder::new();
    b.set_public_account(A).set_chain_id(CHAIN);
    let ticket_a = b
        .issue_ticket(None, "concert-2026", [1; 32], holder.address(0))
        .unwrap();
    assert_eq!(
        ticket_a,
        Ticket::issued(&A, "concert-2026", &[1; 32]).unwrap()
    );
    let issue = b.build(keys(), &mut r).unwrap();
    verify(&issue).unwrap();
    assert_eq!(
        issue.issuances,
        vec![TicketIssuance {
            category: "concert-2026".into(),
            serial: [1; 32]
        }]
    );

    // Mint: an issuance paying for one unit of the native asset instead of
    // the ticket. The signer knows all the randomness (the builder signs
    // it), and it still cannot balance: the issuance adds G_ticket, whatever
    // the category is called ("SERO" included), never G_SERO. (The record
    // and the account go in after the builder's checks, before signing.)
    for category in ["concert-2026", "SERO"] {
        let mut b = TransactionBuilder::new();
        b.add_output(
            None,
            holder.address(1),
            AssetInfo::native(),
            1,
            [0; MEMO_LEN],
        )
        .skip_balance_check();
        let mint = b
            .build_tampered(keys(), &mut r, |tx| {
                tx.public_account = Some(A);
                tx.issuances.push(TicketIssuance {
                    category: category.into(),
                    serial: [2; 32],
                })
            })
            .unwrap();
        assert_eq!(mint.issuances.len(), 1);
        assert_eq!(verify(&mint), Err(TxError::Binding), "category {category}");
        assert_ne!(
            Ticket::issued(&A, category, &[2; 32]).unwrap().asset(),
            AssetId::native()
        );
    }

    // Front-running: B copies A's issuance (same category and serial) under
    // its own account and creates the note of A's ticket.
    let mut b = TransactionBuilder::new();
    b.add_output(
        None,
        holder.address(2),
        AssetInfo::Ticket(ticket_a.clone()),
        1,
        [0; MEMO_LEN],
    )
    .skip_balance_check();
    let stolen = b
        .build_tampered(keys(), &mut r, |tx| {
            tx.public_account = Some(B);
            tx.issuances = issue.issuances.clone();
        })
        .unwrap();
    assert_eq!(stolen.issuances, issue.issuances);
    assert_eq!(verify(&stolen), Err(TxError::Binding));

    // The same copy done honestly yields B's own ticket, with another asset
    // id: it gains B nothing and blocks nobody (a chain's one-issuance-per-
    // ticket rule sees two tickets).
    let mut b = TransactionBuilder::new();
    b.set_public_account(B);
    let ticket_b = b
        .issue_ticket(None, "concert-2026", [1; 32], holder.address(3))
        .unwrap();
    assert_eq!(ticket_b.category, ticket_a.category);
    assert_ne!(ticket_b.id, ticket_a.id);
    assert_ne!(ticket_b.asset(), ticket_a.asset());
    let copy = b.build(keys(), &mut r).unwrap();
    verify(&copy).unwrap();
    assert_eq!(copy.issuances, issue.issuances, "same record, other issuer");
    assert_ne!(copy.issued_tickets(), issue.issued_tickets());

    // Re-wrapping A's signed issuance under B breaks its signature.
    let mut rewrapped = issue.clone();
    rewrapped.public_account = Some(B);
    assert_eq!(verify(&rewrapped), Err(TxError::Binding));
    // An issuance whose category could not be a ticket's: refused by name.
    let mut nameless = issue.clone();
    nameless.issuances[0].category = String::new();
    assert_eq!(
        verify(&nameless),
        Err(TxError::InvalidIssuance { index: 0 })
    );
    // Without an account nobody issues: refused.
    let mut orphan = issue;
    orphan.public_account = None;
    assert_eq!(verify(&orphan), Err(TxError::MissingPublicAccount));
}

#[test]
fn the_builder_refuses_tickets_of_value_other_than_one_and_issuers_it_lacks() {
    let mut r = rng(30);
    let holder = ScanningWallet::new(SpendingKey::random(&mut r));
    let ticket = AssetInfo::Ticket(Ticket::issued(&A, "concert-2026", &[5; 32]).unwrap());

    for value in [0, 2, u64::MAX] {
        let mut b = TransactionBuilder::new();
        b.add_output(
            None,
            holder.address(0),
            AssetInfo::native(),
            0,
            [0; MEMO_LEN],
        )
        .add_output(
            None,
            holder.address(0),
            ticket.clone(),
            value,
            [0; MEMO_LEN],
        );
        assert!(
            matches!(
                b.build(keys(), &mut r),
                Err(BuildError::TicketValue { index: 1, value: v }) if v == value
            ),
            "ticket note of value {value}"
        );
        let mut b = TransactionBuilder::new();
        b.add_package_output(
            None,
            holder.address(0),
            &[(AssetInfo::native(), 3), (ticket.clone(), value)],
            Fr::from(7u64),
            [0; MEMO_LEN],
        )
        .unwrap();
        assert!(
            matches!(
                b.build(keys(), &mut r),
                Err(BuildError::PackageTicketValue { index: 0, slot: 1, value: v }) if v == value
            ),
            "package ticket slot of value {value}"
        );
    }

    // Issuing needs the issuer first, and a valid category.
    let mut b = TransactionBuilder::new();
    assert!(matches!(
        b.issue_ticket(None, "concert-2026", [1; 32], holder.address(0)),
        Err(BuildError::NoIssuer)
    ));
    b.set_public_account(A);
    for bad in ["", "a category longer than thirty-two bytes"] {
        assert!(matches!(
            b.issue_ticket(None, bad, [1; 32], holder.address(0)),
            Err(BuildError::InvalidCategory(c)) if c == bad
        ));
    }
    // The tickets issued name the account set when issuing; changing it
    // afterwards would make them someone else's.
    b.issue_ticket(None, "concert-2026", [1; 32], holder.address(0))
        .unwrap();
    b.set_public_account(B);
    assert!(matches!(
        b.build(keys(), &mut r),
        Err(BuildError::IssuerChanged)
    ));
}

#[test]
fn new_header_fields_decode_strictly_and_round_trip() {
    let (alice, shield) = funded(40);
    let tx = unshield(&alice, 41);
    for t in [&tx, &shield] {
        let bytes = t.to_bytes();
        assert_eq!(&Transaction::from_bytes(&bytes).unwrap(), t);
        assert_eq!(bytes[4], 2, "version 2");
        assert_eq!(&bytes[5..37], &CHAIN);
        assert_eq!(&bytes[37..45], &500u64.to_le_bytes());
        assert_eq!(bytes[45], 1);
        assert_eq!(&bytes[46..78], &A);
    }
    let bytes = tx.to_bytes();
    let patched = |at: usize, v: u8| {
        let mut b = bytes.clone();
        b[at] = v;
        Transaction::from_bytes(&b)
    };
    assert_eq!(
        patched(45, 2),
        Err(DecodeError::BadFlag {
            what: "public account",
            found: 2
        })
    );
    assert_eq!(patched(4, 1), Err(DecodeError::UnsupportedVersion(1)));
    // Dropping the flag to 0 shifts the account into the fingerprints: the
    // rest no longer parses as a transaction, or cannot verify.
    if let Ok(t) = patched(45, 0) {
        assert!(verify(&t).is_err());
    }
    for len in 0..80 {
        assert!(
            Transaction::from_bytes(&bytes[..len]).is_err(),
            "{len} bytes"
        );
    }
    // Any byte of the new fields changed: decodes (or not) without panic,
    // and never verifies.
    for (at, byte) in bytes.iter().enumerate().take(78).skip(5) {
        if let Ok(t) = patched(at, byte ^ 0x41) {
            assert!(verify(&t).is_err(), "byte {at} changed still verifies");
        }
    }
}
