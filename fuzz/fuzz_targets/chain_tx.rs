//! Chain transactions (genesis, coinbase, ticket purchases, StakingNode
//! registration and withdrawal, shielded): any bytes give a transaction or a
//! typed error; what decodes is canonical, so its id commits to exactly the
//! bytes read; its authorisation message is computable.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_chain_core::{codec::Reader, tx::ChainTx};

fuzz_target!(|data: &[u8]| {
    let mut r = Reader::new(data);
    let Ok(tx) = ChainTx::read(&mut r) else {
        return;
    };
    if r.finish().is_err() {
        return;
    }
    assert_eq!(
        tx.to_bytes(),
        data,
        "chain transaction encoding is not canonical"
    );
    let _ = tx.id();
    let _ = tx.auth_message(&[7; 32]);
});
