//! Transactions: any bytes give a transaction or a typed error; what decodes
//! is canonical (re-encodes to the same bytes); and every check but the
//! Groth16 proofs (keys, duplicates, signatures, balance) runs on it without
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_verifier::{
    transaction::Transaction,
    verify::{check_without_proofs, AnyAnchor},
};

fuzz_target!(|data: &[u8]| {
    let Ok(tx) = Transaction::from_bytes(data) else {
        return;
    };
    assert_eq!(tx.to_bytes(), data, "transaction encoding is not canonical");
    let _ = tx.sighash();
    let _ = tx.id();
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let _ = check_without_proofs(&tx, superzk_fuzz::verifying_keys(), &AnyAnchor, &mut rng);
});
