//! Fee rule, note selection and proposals: against real transactions (the
//! committed fixtures), fixed cases, and properties over random wallets.

use superzk_chain_core::tx::{Authorization, ChainTx, ShieldedTx};
use superzk_verifier::transaction::Transaction;
use superzk_wallet::fee::{estimated_size, FeeRule, TxShape, TICKET_ENTRY_BYTES};

fn fixture(name: &str) -> Transaction {
    let path = format!("{}/../fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    Transaction::from_bytes(&bytes).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn shape_of(tx: &Transaction) -> TxShape {
    TxShape {
        spends: tx.spends.len(),
        outputs: tx.outputs.len(),
        package_spends: tx.package_spends.len(),
        package_outputs: tx.package_outputs.len(),
        balances: tx.balances.len(),
        issuances: tx.issuances.len(),
        redemptions: tx.redemptions.len(),
    }
}

/// The bytes a node measures: the chain's encoding of the shielded
/// transaction, with a public authorization when it needs one.
fn chain_size(tx: &Transaction) -> usize {
    let public = tx.needs_public_account().then(Authorization::unsigned);
    ChainTx::Shielded(Box::new(ShieldedTx {
        tx: tx.clone(),
        public,
    }))
    .to_bytes()
    .len()
}

const VALID_FIXTURES: [&str; 9] = [
    "transfer.tx",
    "shield.tx",
    "ticket_issue.tx",
    "ticket_redeem.tx",
    "ticket_sale.tx",
    "package_seal.tx",
    "package_pass.tx",
    "package_open.tx",
    "package_open_more.tx",
];

#[test]
fn estimated_size_bounds_the_real_size_of_every_kind_of_transaction() {
    for name in VALID_FIXTURES {
        let tx = fixture(name);
        let shape = shape_of(&tx);
        let (real, estimate) = (chain_size(&tx), estimated_size(&shape));
        assert!(real <= estimate, "{name}: {real} > {estimate}");
        // Tight: only a missing public account (137 bytes) and categories
        // shorter than the longest make the estimate larger.
        let slack = 137 + (shape.issuances + shape.redemptions) * (TICKET_ENTRY_BYTES - 2);
        assert!(estimate - real <= slack, "{name}: {real} vs {estimate}");
    }
}

#[test]
fn covering_rule_pays_what_a_node_asks_of_every_fixture() {
    for rate in [1, 2, 5] {
        let rule = FeeRule::covering(rate);
        for name in VALID_FIXTURES {
            let tx = fixture(name);
            let fee = rule.fee(&shape_of(&tx)).unwrap();
            assert!(
                fee >= rate * chain_size(&tx) as u64,
                "{name} at {rate}/byte"
            );
        }
    }
    let standard = FeeRule::standard();
    for name in VALID_FIXTURES {
        let tx = fixture(name);
        let fee = standard.fee(&shape_of(&tx)).unwrap();
        assert!(fee >= standard.max_rate_covered() * chain_size(&tx) as u64);
    }
}

// ---------------------------------------------------------------------
// Note selection.

use std::collections::BTreeMap;

use proptest::prelude::*;
use superzk_circuits::asset::{AssetInfo, Ticket};
use superzk_keys::{address::PaymentAddress, spending_key::SpendingKey};
use superzk_wallet::select::{
    select, NoteContent, Payment, PaymentKind, Selection, SelectionError, SelectionRules,
    SpendableNote, TransactionRequest,
};

const M: u64 = superzk_wallet::fee::STANDARD_MARGINAL_FEE;

fn addr(seed: u8) -> PaymentAddress {
    SpendingKey::from_bytes([seed; 32])
        .full_viewing_key()
        .incoming_viewing_key()
        .address(0)
}

fn note(id: i64, name: &str, value: u64) -> SpendableNote {
    SpendableNote {
        id,
        height: 1,
        content: NoteContent::Note {
            asset: AssetInfo::currency(name),
            value,
        },
    }
}

fn ticket(n: u8) -> Ticket {
    Ticket {
        category: "concert".into(),
        id: [n; 32],
    }
}

fn ticket_note(id: i64, t: &Ticket, value: u64) -> SpendableNote {
    SpendableNote {
        id,
        height: 1,
        content: NoteContent::Note {
            asset: AssetInfo::Ticket(t.clone()),
            value,
        },
    }
}

fn package(id: i64, contents: Vec<(AssetInfo, u64)>) -> SpendableNote {
    SpendableNote {
        id,
        height: 1,
        content: NoteContent::Package { contents },
    }
}

fn pay(name: &str, amount: u64) -> TransactionRequest {
    TransactionRequest {
        payments: vec![Payment::currency(addr(1), name, amount)],
        ..Default::default()
    }
}

fn rules() -> SelectionRules {
    SelectionRules::standard(10)
}

/// Per asset: value in (spent notes and packages) minus value out
/// (payments, packages, change, redemptions, and the fee in SERO). Zero
/// everywhere for a balanced transaction.
fn imbalance(
    notes: &[SpendableNote],
    request: &TransactionRequest,
    s: &Selection,
) -> BTreeMap<String, i128> {
    let mut net: BTreeMap<String, i128> = BTreeMap::new();
    let mut add = |a: &AssetInfo, v: i128| *net.entry(a.to_string()).or_default() += v;
    let by_id = |id: &i64| notes.iter().find(|n| n.id == *id).expect("offered");
    for id in s.notes.iter().chain(&s.packages) {
        match &by_id(id).content {
            NoteContent::Note { asset, value } => add(asset, i128::from(*value)),
            NoteContent::Package { contents } => {
                contents.iter().for_each(|(a, v)| add(a, i128::from(*v)))
            }
        }
    }
    for p in &request.payments {
        match &p.kind {
            PaymentKind::Currency { name, amount } => {
                add(&AssetInfo::currency(name), -i128::from(*amount))
            }
            PaymentKind::Ticket(t) => add(&AssetInfo::Ticket(t.clone()), -1),
            PaymentKind::SealPackage { contents } => {
                contents.iter().for_each(|(a, v)| add(a, -i128::from(*v)))
            }
            PaymentKind::PassPackage { package } => match &by_id(package).content {
                NoteContent::Package { contents } => {
                    contents.iter().for_each(|(a, v)| add(a, -i128::from(*v)))
                }
                NoteContent::Note { .. } => panic!("passed a note as a package"),
            },
        }
    }
    for t in &request.redeem_tickets {
        add(&AssetInfo::Ticket(t.clone()), -1);
    }
    for (a, v) in &s.change {
        add(a, -i128::from(*v));
    }
    add(&AssetInfo::native(), -i128::from(s.fee));
    net.retain(|_, v| *v != 0);
    net
}

/// Every rule a selection must keep.
fn check(notes: &[SpendableNote], request: &TransactionRequest, r: &SelectionRules, s: &Selection) {
    assert!(imbalance(notes, request, s).is_empty(), "{s:?}");
    let mut ids: Vec<i64> = s.notes.iter().chain(&s.packages).copied().collect();
    let n = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), n, "a note selected twice: {s:?}");
    for id in &ids {
        let offered = notes
            .iter()
            .find(|x| x.id == *id)
            .expect("selected a note not offered");
        assert!(
            offered.height <= r.anchor_height,
            "spent a note above the anchor"
        );
    }
    let required = r.fee_rule.fee(&s.shape).unwrap();
    assert_eq!(s.fee, required + s.dust_folded);
    assert!(s.dust_folded < r.dust_threshold + r.fee_rule.marginal_fee);
    for (a, v) in &s.change {
        assert!(*v > 0);
        if *a == AssetInfo::native() {
            assert!(*v >= r.dust_threshold, "native change below dust");
        }
    }
    assert_eq!(s.shape.spends, s.notes.len());
    assert!(s.notes.len() <= r.max_inputs);
}

#[test]
fn one_covering_note_is_preferred_and_the_fee_counts_every_action() {
    let notes = [
        note(1, "SERO", 100 * M),
        note(2, "SERO", 30 * M),
        note(3, "SERO", 50 * M),
    ];
    let request = pay("SERO", 20 * M);
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    // 30 is the smallest note covering 20 plus a 3-action fee.
    assert_eq!(s.notes, vec![2]);
    assert_eq!(s.fee, 3 * M);
    assert_eq!(s.change, vec![(AssetInfo::native(), 7 * M)]);
}

#[test]
fn without_a_covering_note_the_largest_come_first_and_the_fee_follows() {
    let notes = [
        note(1, "SERO", 10 * M),
        note(2, "SERO", 40 * M),
        note(3, "SERO", 30 * M),
        note(4, "SERO", 5 * M),
    ];
    let request = pay("SERO", 68 * M);
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    // 40 + 30 = 70 does not cover 68 + 4 actions; 80 covers 68 + 5 actions.
    assert_eq!(s.notes, vec![2, 3, 1]);
    assert_eq!(s.fee, 5 * M);
    assert_eq!(s.change, vec![(AssetInfo::native(), 7 * M)]);
}

#[test]
fn native_dust_is_folded_into_the_fee_not_made_a_note() {
    // 10 + a 2-action fee + 1 base unit: change would be 1 base unit.
    let notes = [note(1, "SERO", 10 * M + 2 * M + 1)];
    let request = pay("SERO", 10 * M);
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    assert!(s.change.is_empty());
    assert_eq!((s.fee, s.dust_folded), (2 * M + 1, 1));
    // With enough left over for a change note and its action, change it is.
    let notes = [note(1, "SERO", 10 * M + 3 * M + M)];
    let s = select(&notes, &[], &request, &rules()).unwrap();
    assert_eq!(s.change, vec![(AssetInfo::native(), M)]);
    assert_eq!((s.fee, s.dust_folded), (3 * M, 0));
}

#[test]
fn other_assets_balance_with_change_and_the_fee_comes_from_sero() {
    let notes = [
        note(1, "USD", 70),
        note(2, "USD", 50),
        note(3, "SERO", 10 * M),
        note(4, "EUR", 1),
    ];
    let request = pay("USD", 100);
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    assert_eq!(s.notes, vec![1, 2, 3]);
    // Three spends, the payment and two change notes.
    assert_eq!(s.fee, 6 * M);
    let change: Vec<(String, u64)> = s.change.iter().map(|(a, v)| (a.to_string(), *v)).collect();
    assert!(change.contains(&("USD".into(), 20)));
    assert!(change.contains(&("SERO".into(), 4 * M)));
}

#[test]
fn insufficient_funds_says_what_is_missing_and_what_is_pending() {
    let mut unconfirmed = note(9, "USD", 500);
    unconfirmed.height = 11;
    let notes = [note(1, "USD", 70), note(3, "SERO", 10 * M), unconfirmed];
    let pending = [(AssetInfo::currency("USD"), 25)];
    let err = select(&notes, &pending, &pay("USD", 100), &rules()).unwrap_err();
    assert_eq!(
        err,
        SelectionError::InsufficientFunds {
            asset: "USD".into(),
            needed: 100,
            includes_fee: false,
            available: 70,
            pending: 525,
        }
    );
    assert_eq!(err.missing(), Some(30));
    assert!(err.to_string().contains("30 missing"), "{err}");
    // The fee counts: 10 SERO pay 8 and a 2-action fee exactly, not a unit more.
    let s = select(&notes, &[], &pay("SERO", 8 * M), &rules()).unwrap();
    assert_eq!(
        (s.notes.clone(), s.fee, s.change.clone()),
        (vec![3], 2 * M, vec![])
    );
    let err = select(&notes, &[], &pay("SERO", 8 * M + 1), &rules()).unwrap_err();
    assert_eq!(
        err,
        SelectionError::InsufficientFunds {
            asset: "SERO".into(),
            needed: 10 * M + 1,
            includes_fee: true,
            available: 10 * M,
            pending: 0,
        }
    );
}

#[test]
fn notes_above_the_anchor_wait_and_selection_ignores_input_order() {
    let mut fresh = note(5, "SERO", 1000 * M);
    fresh.height = 11;
    let mut notes = vec![
        note(1, "SERO", 10 * M),
        note(2, "SERO", 40 * M),
        fresh,
        note(3, "SERO", 40 * M),
        note(4, "SERO", 5 * M),
    ];
    let request = pay("SERO", 60 * M);
    let first = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &first);
    // Equal values: the older, then the lower id first.
    assert_eq!(first.notes, vec![2, 3]);
    notes.reverse();
    assert_eq!(select(&notes, &[], &request, &rules()).unwrap(), first);
    notes.rotate_left(2);
    assert_eq!(select(&notes, &[], &request, &rules()).unwrap(), first);
}

#[test]
fn tickets_are_sent_as_their_own_note_and_only_held_ones() {
    let t = ticket(1);
    let notes = [
        ticket_note(1, &t, 1),
        note(2, "SERO", 10 * M),
        // A (ticket, 2) note is a forgery, never a ticket.
        ticket_note(3, &ticket(2), 2),
    ];
    let request = TransactionRequest {
        payments: vec![Payment::of(addr(1), PaymentKind::Ticket(t.clone()))],
        ..Default::default()
    };
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    assert_eq!(s.notes, vec![1, 2]);
    assert!(s.change.iter().all(|(a, _)| *a == AssetInfo::native()));
    let forged = TransactionRequest {
        payments: vec![Payment::of(addr(1), PaymentKind::Ticket(ticket(2)))],
        ..Default::default()
    };
    assert!(matches!(
        select(&notes, &[], &forged, &rules()),
        Err(SelectionError::NoSuchTicket { pending: false, .. })
    ));
    let twice = TransactionRequest {
        payments: vec![request.payments[0].clone(), request.payments[0].clone()],
        ..Default::default()
    };
    assert!(matches!(
        select(&notes, &[], &twice, &rules()),
        Err(SelectionError::NoSuchTicket { .. })
    ));
    // A ticket not yet confirmed is pending.
    let mut fresh = ticket_note(7, &ticket(3), 1);
    fresh.height = 50;
    let wait = TransactionRequest {
        payments: vec![Payment::of(addr(1), PaymentKind::Ticket(ticket(3)))],
        ..Default::default()
    };
    let notes = [fresh, note(2, "SERO", 10 * M)];
    let err = select(&notes, &[], &wait, &rules()).unwrap_err();
    assert_eq!(
        err,
        SelectionError::NoSuchTicket {
            ticket: AssetInfo::Ticket(ticket(3)).to_string(),
            pending: true
        }
    );
    assert!(err.to_string().contains("wait for confirmations"));
}

#[test]
fn redeeming_a_ticket_spends_it_without_an_output() {
    let t = ticket(1);
    let notes = [ticket_note(1, &t, 1), note(2, "SERO", 10 * M)];
    let request = TransactionRequest {
        redeem_tickets: vec![t],
        ..Default::default()
    };
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    assert_eq!(
        (s.shape.redemptions, s.shape.spends, s.shape.outputs),
        (1, 2, 1)
    );
}

#[test]
fn packages_are_sealed_passed_on_and_opened() {
    let t = ticket(1);
    let contents = vec![
        (AssetInfo::Ticket(t.clone()), 1),
        (AssetInfo::currency("USD"), 30),
    ];
    let notes = [
        ticket_note(1, &t, 1),
        note(2, "USD", 50),
        note(3, "SERO", 10 * M),
        package(
            4,
            vec![
                (AssetInfo::native(), 20 * M),
                (AssetInfo::currency("EUR"), 5),
            ],
        ),
        package(5, vec![(AssetInfo::currency("USD"), 7)]),
    ];
    // Seal: the contents come from notes; USD returns 20 as change.
    let seal = TransactionRequest {
        payments: vec![Payment::of(addr(1), PaymentKind::SealPackage { contents })],
        ..Default::default()
    };
    let s = select(&notes, &[], &seal, &rules()).unwrap();
    check(&notes, &seal, &rules(), &s);
    assert_eq!((s.shape.package_outputs, s.notes.len()), (1, 3));
    // Pass on: a package spend and a package output, the fee from notes.
    let pass = TransactionRequest {
        payments: vec![Payment::of(
            addr(1),
            PaymentKind::PassPackage { package: 5 },
        )],
        ..Default::default()
    };
    let s = select(&notes, &[], &pass, &rules()).unwrap();
    check(&notes, &pass, &rules(), &s);
    assert_eq!((s.packages.clone(), s.notes.clone()), (vec![5], vec![3]));
    // Open: its SERO pays the fee, no note is needed.
    let open = TransactionRequest {
        open_packages: vec![4],
        ..Default::default()
    };
    let s = select(&notes, &[], &open, &rules()).unwrap();
    check(&notes, &open, &rules(), &s);
    assert!(s.notes.is_empty());
    assert_eq!(s.fee, 3 * M);
    assert_eq!(s.change.len(), 2);
    // Errors: unknown package, a note as package, used twice.
    for (request, want) in [
        (
            TransactionRequest {
                open_packages: vec![9],
                ..Default::default()
            },
            SelectionError::NoSuchPackage { id: 9 },
        ),
        (
            TransactionRequest {
                open_packages: vec![2],
                ..Default::default()
            },
            SelectionError::NoSuchPackage { id: 2 },
        ),
        (
            TransactionRequest {
                payments: pass.payments.clone(),
                open_packages: vec![5],
                ..Default::default()
            },
            SelectionError::PackageTwice { id: 5 },
        ),
    ] {
        assert_eq!(select(&notes, &[], &request, &rules()), Err(want));
    }
}

#[test]
fn malformed_requests_are_refused_with_what_to_fix() {
    let notes = [note(1, "SERO", 100 * M), note(1, "USD", 5)];
    assert_eq!(
        select(&notes, &[], &pay("SERO", 1), &rules()),
        Err(SelectionError::DuplicateNote { id: 1 })
    );
    let notes = [note(1, "SERO", 100 * M)];
    let cases: Vec<(TransactionRequest, SelectionError)> = vec![
        (TransactionRequest::default(), SelectionError::EmptyRequest),
        (pay("SERO", 0), SelectionError::ZeroAmount { payment: 0 }),
        (
            pay("", 1),
            SelectionError::BadAssetName { payment: 0, len: 0 },
        ),
        (
            pay(&"x".repeat(33), 1),
            SelectionError::BadAssetName {
                payment: 0,
                len: 33,
            },
        ),
        (
            TransactionRequest {
                payments: vec![Payment {
                    memo: vec![1; superzk_keys::note_plaintext::MEMO_LEN + 1],
                    ..Payment::currency(addr(1), "SERO", 1)
                }],
                ..Default::default()
            },
            SelectionError::MemoTooLong {
                payment: 0,
                len: superzk_keys::note_plaintext::MEMO_LEN + 1,
            },
        ),
    ];
    for (request, want) in cases {
        assert_eq!(select(&notes, &[], &request, &rules()), Err(want));
    }
    let seal = |contents: Vec<(AssetInfo, u64)>| TransactionRequest {
        payments: vec![Payment::of(addr(1), PaymentKind::SealPackage { contents })],
        ..Default::default()
    };
    for contents in [
        vec![],
        vec![(AssetInfo::native(), 1); 5],
        vec![(AssetInfo::native(), 0)],
        vec![(AssetInfo::Ticket(ticket(1)), 2)],
    ] {
        assert!(matches!(
            select(&notes, &[], &seal(contents), &rules()),
            Err(SelectionError::BadPackage { .. })
        ));
    }
    // Amounts past 2^64 together.
    let mut big = pay("USD", u64::MAX);
    big.payments.push(Payment::currency(addr(2), "USD", 1));
    assert_eq!(
        select(&notes, &[], &big, &rules()),
        Err(SelectionError::AmountOverflow)
    );
}

#[test]
fn too_many_inputs_asks_to_consolidate() {
    let notes: Vec<SpendableNote> = (0..10)
        .map(|i| note(i, "USD", 10))
        .chain([note(99, "SERO", 100 * M)])
        .collect();
    let few = SelectionRules {
        max_inputs: 4,
        ..rules()
    };
    let err = select(&notes, &[], &pay("USD", 45), &few).unwrap_err();
    assert_eq!(
        err,
        SelectionError::TooManyInputs {
            asset: "USD".into(),
            max: 4
        }
    );
    assert!(err.to_string().contains("consolidate"));
    let s = select(&notes, &[], &pay("USD", 30), &few).unwrap();
    check(&notes, &pay("USD", 30), &few, &s);
    assert_eq!(s.notes.len(), 4);
}

// Properties over random wallets and requests.

const NAMES: [&str; 3] = ["SERO", "USD", "EUR"];

fn arb_notes() -> impl Strategy<Value = Vec<SpendableNote>> {
    prop::collection::vec((0..3usize, 1..200_000u64, 0..14u64), 0..14).prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (a, value, height))| SpendableNote {
                id: i as i64 * 3 + 1,
                height,
                content: NoteContent::Note {
                    asset: AssetInfo::currency(NAMES[a]),
                    value,
                },
            })
            .collect()
    })
}

fn arb_request() -> impl Strategy<Value = TransactionRequest> {
    prop::collection::vec((0..3usize, 1..300_000u64, 0..4u8), 1..4).prop_map(|v| {
        TransactionRequest {
            payments: v
                .into_iter()
                .map(|(a, amount, to)| Payment::currency(addr(to), NAMES[a], amount))
                .collect(),
            ..Default::default()
        }
    })
}

fn arb_rules() -> impl Strategy<Value = SelectionRules> {
    (0..3000u64, 0..3u64, 0..5000u64, 1..8usize).prop_map(|(m, g, dust, max_inputs)| {
        SelectionRules {
            fee_rule: superzk_wallet::fee::FeeRule::new(m, g),
            dust_threshold: dust,
            max_inputs,
            anchor_height: 10,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn selection_balances_and_spends_only_what_is_offered(
        notes in arb_notes(), request in arb_request(), r in arb_rules()
    ) {
        match select(&notes, &[], &request, &r) {
            Ok(s) => check(&notes, &request, &r, &s),
            Err(SelectionError::InsufficientFunds { asset, needed, available, .. }) => {
                let spendable: u64 = notes
                    .iter()
                    .filter(|n| n.height <= r.anchor_height)
                    .filter_map(|n| match &n.content {
                        NoteContent::Note { asset: a, value } if a.to_string() == asset => Some(*value),
                        _ => None,
                    })
                    .sum();
                prop_assert_eq!(available, spendable);
                prop_assert!(needed > available);
            }
            Err(SelectionError::TooManyInputs { max, .. }) => prop_assert_eq!(max, r.max_inputs),
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    #[test]
    fn selection_is_deterministic(
        notes in arb_notes(), request in arb_request(), r in arb_rules(), shift in 0..14usize
    ) {
        let first = select(&notes, &[], &request, &r);
        let mut rotated = notes.clone();
        if !rotated.is_empty() {
            let k = shift % rotated.len();
            rotated.rotate_left(k);
        }
        prop_assert_eq!(select(&rotated, &[], &request, &r), first);
    }
}

// ---------------------------------------------------------------------
// Proposals.

use superzk_wallet::proposal::{
    propose, Proposal, ProposalError, ProposalFormatError, ProposalParams, Spendable,
    DEFAULT_EXPIRY_DELTA, MAX_PROPOSAL_JSON,
};

fn wallet() -> Spendable {
    let t = ticket(1);
    let mut fresh = note(20, "SERO", 500 * M);
    fresh.height = 99;
    Spendable {
        notes: vec![
            note(1, "SERO", 100 * M),
            note(2, "USD", 50),
            ticket_note(3, &t, 1),
            package(4, vec![(AssetInfo::currency("EUR"), 5)]),
            package(5, vec![(AssetInfo::native(), 2 * M)]),
            fresh,
        ],
        pending: vec![(AssetInfo::native(), 7)],
    }
}

fn rich_request() -> TransactionRequest {
    TransactionRequest {
        payments: vec![
            Payment {
                memo: b"thanks for lunch".to_vec(),
                label: Some("Alice".into()),
                message: Some("lunch".into()),
                ..Payment::currency(addr(1), "SERO", 1_500_000)
            },
            Payment::currency(addr(2), "USD", 20),
            Payment::of(addr(3), PaymentKind::Ticket(ticket(1))),
            Payment::of(addr(4), PaymentKind::PassPackage { package: 4 }),
            Payment::of(
                addr(5),
                PaymentKind::SealPackage {
                    contents: vec![(AssetInfo::currency("USD"), 10), (AssetInfo::native(), 3)],
                },
            ),
        ],
        open_packages: vec![5],
        redeem_tickets: vec![],
    }
}

#[test]
fn a_proposal_carries_its_heights_and_balances() {
    let rule = FeeRule::standard();
    let p = propose(&wallet(), &rich_request(), &rule, &ProposalParams::at(100)).unwrap();
    assert_eq!((p.target_height, p.anchor_height), (101, 100));
    assert_eq!(p.expiry_height, 100 + DEFAULT_EXPIRY_DELTA);
    assert!(!p.is_expired_at(140) && p.is_expired_at(141));
    assert_eq!(p.request(), rich_request());
    let s = Selection {
        notes: p.notes.clone(),
        packages: p.packages.clone(),
        change: p.change.clone(),
        fee: p.fee,
        dust_folded: p.dust_folded,
        shape: p.shape,
    };
    check(
        &wallet().notes,
        &rich_request(),
        &SelectionRules::standard(100),
        &s,
    );
    assert_eq!(p.packages, vec![4, 5]);
    // The note mined at 99 waits for three confirmations.
    let strict = ProposalParams {
        min_confirmations: 3,
        ..ProposalParams::at(100)
    };
    let big = pay("SERO", 200 * M);
    let p = propose(&wallet(), &big, &rule, &ProposalParams::at(100)).unwrap();
    assert_eq!(p.notes, vec![20]);
    let err = propose(&wallet(), &big, &rule, &strict).unwrap_err();
    assert!(
        matches!(
            err,
            ProposalError::Selection(SelectionError::InsufficientFunds { pending, .. }) if pending == 500 * M + 7
        ),
        "{err}"
    );
    for params in [
        ProposalParams {
            min_confirmations: 0,
            ..ProposalParams::at(100)
        },
        ProposalParams {
            expiry_delta: 0,
            ..ProposalParams::at(100)
        },
        ProposalParams::at(u64::MAX),
    ] {
        assert!(matches!(
            propose(&wallet(), &big, &rule, &params),
            Err(ProposalError::Params(_))
        ));
    }
}

#[test]
fn a_proposal_reads_well() {
    let p = propose(
        &wallet(),
        &rich_request(),
        &FeeRule::standard(),
        &ProposalParams::at(100),
    )
    .unwrap();
    let text = p.to_string();
    for part in [
        "block 101",
        "until block 140",
        "pay 1.5 SERO to szk1",
        "(\"Alice\"), memo \"thanks for lunch\", message \"lunch\"",
        "pay 0.00002 USD",
        "send ticket concert#010101010101",
        "pass package #4 on",
        "seal a package of 0.00001 USD, 0.000003 SERO",
        "open package #5",
        "fee: 0.",
        "per action",
    ] {
        assert!(text.contains(part), "{part:?} missing from:\n{text}");
    }
}

/// A change to a proposal's JSON.
type Edit = dyn Fn(&mut serde_json::Value);

#[test]
fn a_proposal_survives_json_and_refuses_other_formats() {
    let p = propose(
        &wallet(),
        &rich_request(),
        &FeeRule::standard(),
        &ProposalParams::at(100),
    )
    .unwrap();
    let json = p.to_json();
    assert_eq!(Proposal::from_json(&json).unwrap(), p);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format"], 1);
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        f(&mut v);
        Proposal::from_json(&v.to_string())
    };
    assert!(matches!(
        edit(&|v| v["format"] = 2.into()),
        Err(ProposalFormatError::UnknownFormat { found: 2 })
    ));
    assert!(matches!(
        edit(&|v| v["format"] = "1".into()),
        Err(ProposalFormatError::Malformed(_))
    ));
    assert!(matches!(
        edit(&|v| {
            v.as_object_mut().unwrap().remove("format");
        }),
        Err(ProposalFormatError::MissingFormat)
    ));
    assert!(matches!(
        edit(&|v| v["surprise"] = 1.into()),
        Err(ProposalFormatError::Malformed(_))
    ));
    assert!(matches!(
        edit(&|v| {
            v.as_object_mut().unwrap().remove("fee");
        }),
        Err(ProposalFormatError::Malformed(_))
    ));
    assert!(matches!(
        edit(&|v| v["fee"] = (-1).into()),
        Err(ProposalFormatError::Malformed(_))
    ));
    let invalid: [(&str, &Edit); 11] = [
        ("payment recipient", &|v| {
            v["payments"][0]["recipient"] = "szk1nope".into()
        }),
        ("payment memo", &|v| v["payments"][0]["memo"] = "zz".into()),
        ("payment memo", &|v| {
            v["payments"][0]["memo"] = "00"
                .repeat(superzk_keys::note_plaintext::MEMO_LEN + 1)
                .into()
        }),
        ("payment ticket", &|v| {
            v["payments"][2]["what"]["ticket"]["id"] = "abcd".into()
        }),
        ("payment asset", &|v| {
            v["payments"][1]["what"]["currency"]["name"] = "".into()
        }),
        ("heights", &|v| v["anchor_height"] = 500.into()),
        ("fee", &|v| v["dust_folded"] = u64::MAX.into()),
        // More fee and less change: the rule's fee no longer matches.
        ("fee", &|v| {
            v["fee"] = (v["fee"].as_u64().unwrap() + 1).into()
        }),
        ("shape", &|v| v["shape"]["balances"] = 3.into()),
        ("shape", &|v| {
            v["notes"].as_array_mut().unwrap().pop();
        }),
        ("shape", &|v| {
            v["change"].as_array_mut().unwrap().pop();
        }),
    ];
    for (field, f) in invalid {
        match edit(f) {
            Err(ProposalFormatError::Invalid { field: got, .. }) => assert_eq!(got, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    assert!(matches!(
        Proposal::from_json("{"),
        Err(ProposalFormatError::Malformed(_))
    ));
    assert!(matches!(
        Proposal::from_json("[1,2]"),
        Err(ProposalFormatError::MissingFormat)
    ));
    assert!(matches!(
        Proposal::from_json(&" ".repeat(MAX_PROPOSAL_JSON + 1)),
        Err(ProposalFormatError::TooLarge(_))
    ));
    let err = edit(&|v| v["format"] = 9.into()).unwrap_err();
    assert!(err.to_string().contains("propose again"), "{err}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn proposals_round_trip_through_json(
        notes in arb_notes(), request in arb_request(), tip in 10..1000u64, delta in 1..100u64
    ) {
        let params = ProposalParams { expiry_delta: delta, ..ProposalParams::at(tip) };
        let spendable = Spendable { notes, pending: vec![] };
        if let Ok(p) = propose(&spendable, &request, &FeeRule::standard(), &params) {
            prop_assert_eq!(Proposal::from_json(&p.to_json()).unwrap(), p);
        }
    }

    #[test]
    fn garbage_never_panics_the_proposal_reader(text in ".{0,300}", bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = Proposal::from_json(&text);
        let _ = Proposal::from_json(&String::from_utf8_lossy(&bytes));
    }
}

#[test]
fn mutated_proposals_never_panic_the_reader() {
    let p = propose(
        &wallet(),
        &rich_request(),
        &FeeRule::standard(),
        &ProposalParams::at(100),
    )
    .unwrap();
    let json = p.to_json().into_bytes();
    let mut state = 1u64;
    for _ in 0..3000 {
        let mut b = json.clone();
        for _ in 0..3 {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let i = (state >> 33) as usize % b.len();
            b[i] = (state >> 17) as u8;
        }
        let _ = Proposal::from_json(&String::from_utf8_lossy(&b));
    }
}

/// Notes of three currencies, packages and tickets (one of them forged, of
/// value 2), and a request that may also send tickets, seal, pass on and
/// open packages, and redeem.
fn arb_mixed() -> impl Strategy<Value = (Vec<SpendableNote>, TransactionRequest)> {
    let slot = (0..3usize, 1..100_000u64).prop_map(|(a, v)| (AssetInfo::currency(NAMES[a]), v));
    let packages =
        prop::collection::vec((prop::collection::vec(slot.clone(), 1..4), 0..12u64), 1..4);
    let tickets = prop::collection::vec((0..4u8, 0..12u64), 1..4);
    let extras = (
        prop::option::of(0..2u8),
        prop::option::of(0..2i64),
        prop::option::of(0..3i64),
        prop::option::of(0..2u8),
        prop::option::of(prop::collection::vec(slot, 1..3)),
    );
    (arb_notes(), packages, tickets, arb_request(), extras).prop_map(
        |(mut notes, packages, tickets, mut request, (send, pass, open, redeem, seal))| {
            for (i, (contents, height)) in packages.into_iter().enumerate() {
                notes.push(SpendableNote {
                    height,
                    ..package(1000 + i as i64, contents)
                });
            }
            for (i, (k, height)) in tickets.into_iter().enumerate() {
                let value = if k == 3 { 2 } else { 1 };
                notes.push(SpendableNote {
                    height,
                    ..ticket_note(2000 + i as i64, &ticket(k), value)
                });
            }
            if let Some(k) = send {
                request
                    .payments
                    .push(Payment::of(addr(5), PaymentKind::Ticket(ticket(k))));
            }
            if let Some(j) = pass {
                request.payments.push(Payment::of(
                    addr(6),
                    PaymentKind::PassPackage { package: 1000 + j },
                ));
            }
            if let Some(contents) = seal {
                request
                    .payments
                    .push(Payment::of(addr(7), PaymentKind::SealPackage { contents }));
            }
            request.open_packages.extend(open.map(|j| 1000 + j));
            request.redeem_tickets.extend(redeem.map(ticket));
            (notes, request)
        },
    )
}

proptest! {
    // Most random requests fail (unheld tickets and packages, short funds):
    // enough cases that about a hundred succeed.
    #![proptest_config(ProptestConfig::with_cases(2048))]

    #[test]
    fn selection_with_tickets_and_packages_balances((notes, request) in arb_mixed(), r in arb_rules()) {
        match select(&notes, &[], &request, &r) {
            Ok(s) => check(&notes, &request, &r, &s),
            Err(SelectionError::NoSuchPackage { id }) => {
                let held = notes.iter().any(|n| {
                    n.id == id
                        && n.height <= r.anchor_height
                        && matches!(n.content, NoteContent::Package { .. })
                });
                prop_assert!(!held, "package {} is held", id);
            }
            Err(SelectionError::PackageTwice { id }) => {
                let uses = request.open_packages.iter().filter(|p| **p == id).count()
                    + request
                        .payments
                        .iter()
                        .filter(|p| matches!(p.kind, PaymentKind::PassPackage { package } if package == id))
                        .count();
                prop_assert!(uses >= 2);
            }
            Err(
                SelectionError::NoSuchTicket { .. }
                | SelectionError::InsufficientFunds { .. }
                | SelectionError::TooManyInputs { .. },
            ) => {}
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }
}

#[test]
fn among_equal_covering_notes_the_oldest_is_spent() {
    let mut newer = note(1, "SERO", 30 * M);
    newer.height = 9;
    let mut older = note(7, "SERO", 30 * M);
    older.height = 2;
    let notes = [newer, older, note(3, "SERO", 100 * M)];
    let s = select(&notes, &[], &pay("SERO", 20 * M), &rules()).unwrap();
    assert_eq!(s.notes, vec![7]);
}

#[test]
fn a_large_wallet_is_limited_to_max_items_inputs() {
    const COIN: u64 = 1_000_000;
    let notes: Vec<SpendableNote> = (0..20_000).map(|i| note(i, "SERO", COIN)).collect();
    let started = std::time::Instant::now();
    let err = select(&notes, &[], &pay("SERO", 5_000 * COIN), &rules()).unwrap_err();
    assert_eq!(
        err,
        SelectionError::TooManyInputs {
            asset: "SERO".into(),
            max: superzk_verifier::transaction::MAX_ITEMS
        }
    );
    // Each 1-SERO note nets 1 - 0.005 after its own fee.
    let request = pay("SERO", 1_000 * COIN);
    let s = select(&notes, &[], &request, &rules()).unwrap();
    check(&notes, &request, &rules(), &s);
    assert_eq!(s.notes.len(), 1_006);
    // Tens of milliseconds; hashing each note's asset id took seconds.
    let elapsed = started.elapsed();
    assert!(elapsed < std::time::Duration::from_secs(1), "{elapsed:?}");
}
