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
