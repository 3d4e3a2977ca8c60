//! The full verifier on mutated valid transactions. Input: which valid
//! fixture transaction (first byte), then byte edits (see
//! `superzk_fuzz::apply_edits`). The mutant is decoded and, if it decodes,
//! fully verified (signatures, balance, every Groth16 proof). It must never
//! panic, and if it is accepted it must be the original transaction: the same
//! canonical bytes, hence the same proofs, nullifiers, value commitments,
//! balances, fee and signatures.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_verifier::{
    transaction::Transaction,
    verify::{verify_transaction, AnyAnchor},
};

fuzz_target!(|data: &[u8]| {
    let Some((&which, ops)) = data.split_first() else {
        return;
    };
    let txs = superzk_fuzz::VALID_TXS;
    let original = txs[usize::from(which) % txs.len()];
    let mutant = superzk_fuzz::apply_edits(original, ops);
    let Ok(tx) = Transaction::from_bytes(&mutant) else {
        return;
    };
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    if verify_transaction(&tx, superzk_fuzz::verifying_keys(), &AnyAnchor, &mut rng).is_ok() {
        assert_eq!(
            tx.to_bytes(),
            original,
            "a transaction that differs from the valid one was accepted"
        );
        assert_eq!(mutant, original);
    }
});
