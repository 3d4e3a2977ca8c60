//! Wallet scanning is resumable: a scan interrupted after any transaction and
//! resumed from its checkpoint (a clone of the wallet, as saved state would
//! be), even with an overlap of transactions already scanned, ends in exactly
//! the state of one uninterrupted scan: no note missed, none counted twice.
//!
//! The chain is the committed fixture transactions (`fixtures/`), in the
//! order the fixture generator made them, scanned by both fixture wallets.

use superzk_circuits::Fr;
use superzk_keys::spending_key::SpendingKey;
use superzk_verifier::transaction::Transaction;
use superzk_wallet::memory::{ScanError, ScanResult, ScanningWallet};

fn chain() -> Vec<Transaction> {
    [
        "shield",
        "transfer",
        "ticket_issue",
        "ticket_sale",
        "ticket_redeem",
        "package_seal",
        "package_pass",
        "package_open",
    ]
    .iter()
    .map(|name| {
        let path = format!("{}/../fixtures/{name}.tx", env!("CARGO_MANIFEST_DIR"));
        Transaction::from_bytes(&std::fs::read(path).unwrap()).unwrap()
    })
    .collect()
}

fn wallets() -> [ScanningWallet; 2] {
    [
        b"SuperZK fixture wallet alice".as_slice(),
        b"SuperZK fixture wallet bob",
    ]
    .map(|seed| ScanningWallet::new(SpendingKey::from_seed(seed, 0)))
}

/// Everything scanning decides: how far it got, the tree, each note and
/// package found (position or nullifier, value, spent or not), the current
/// witnesses, and the balances.
#[derive(Debug, PartialEq)]
struct State {
    scanned: u64,
    tree: (u64, Fr),
    notes: Vec<(u64, Fr, u64, bool)>,
    packages: Vec<(Fr, bool)>,
    paths: Vec<Fr>,
    balances: Vec<(String, u64)>,
}

fn state(w: &ScanningWallet) -> State {
    State {
        scanned: w.scanned(),
        tree: (w.tree().size(), w.tree().root()),
        notes: w
            .notes()
            .iter()
            .map(|n| (n.position, n.nullifier, n.note.value, n.spent))
            .collect(),
        packages: w
            .packages()
            .iter()
            .map(|p| (p.nullifier, p.spent))
            .collect(),
        paths: w
            .spendable()
            .map(|(n, path)| path.root(n.note.commitment()))
            .collect(),
        balances: w
            .balances()
            .into_iter()
            .map(|(a, v)| (a.to_string(), v))
            .collect(),
    }
}

fn scan_range(
    w: &mut ScanningWallet,
    txs: &[Transaction],
    range: std::ops::Range<usize>,
) -> ScanResult {
    let mut total = ScanResult::default();
    for i in range {
        let r = w.scan_at(i as u64, &txs[i]).unwrap();
        total.received += r.received;
        total.spent += r.spent;
    }
    total
}

#[test]
fn interrupted_scans_resume_to_the_same_state() {
    let txs = chain();
    let n = txs.len();
    for fresh in wallets() {
        let mut full = fresh.clone();
        let totals = scan_range(&mut full, &txs, 0..n);
        let expected = state(&full);
        // The chain means something to this wallet: notes received and spent.
        assert!(totals.received > 0 && !expected.notes.is_empty());
        assert_eq!(expected.scanned, n as u64);
        assert_eq!(expected.tree.1, full.tree().root());

        for cut in 0..=n {
            let mut first = fresh.clone();
            let before = scan_range(&mut first, &txs, 0..cut);
            // The checkpoint survives; the process that made it does not.
            let checkpoint = first.clone();
            drop(first);
            for overlap in [0, cut.saturating_sub(1), cut] {
                let mut resumed = checkpoint.clone();
                let after = scan_range(&mut resumed, &txs, overlap..n);
                assert_eq!(
                    state(&resumed),
                    expected,
                    "cut {cut}, resumed from {overlap}"
                );
                assert_eq!(
                    (before.received + after.received, before.spent + after.spent),
                    (totals.received, totals.spent),
                    "every note counted once (cut {cut}, overlap from {overlap})"
                );
            }
        }
    }
}

#[test]
fn rescanning_a_transaction_counts_nothing_and_a_gap_is_refused() {
    let txs = chain();
    let [mut alice, _] = wallets();
    let first = alice.scan_at(0, &txs[0]).unwrap();
    assert!(first.received > 0, "the shield transaction pays alice");
    let once = state(&alice);
    assert_eq!(alice.scan_at(0, &txs[0]).unwrap(), ScanResult::default());
    assert_eq!(state(&alice), once);
    assert_eq!(
        alice.scan_at(2, &txs[2]),
        Err(ScanError::Gap { scanned: 1, got: 2 })
    );
    assert_eq!(state(&alice), once);
    // The plain scan, for callers that track order themselves, moves the
    // checkpoint along too.
    alice.scan(&txs[1]).unwrap();
    assert_eq!(alice.scanned(), 2);
}
