//! Audit disclosures ("SZKD"). Input: a mode byte, then bytes.
//!
//! * Raw (mode bit 7 set): the bytes are parsed as a disclosure; any bytes
//!   give one or a typed error, and what parses re-encodes to the same bytes.
//!   It is then pointed at the valid fixture transaction the mode's low bits
//!   pick (its transaction id replaced, so the checks behind the id are
//!   reached) and verified, which must not panic.
//! * Mutated (bit 7 clear): one of the real disclosures the fixture wallets
//!   make of the fixture transactions (the low bits pick it) gets the byte
//!   edits of `superzk_fuzz::apply_edits`; if the mutant still verifies, it
//!   reveals exactly what the original did.
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_keys::disclosure::Disclosure;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode & 0x80 != 0 {
        let Ok(mut d) = Disclosure::from_bytes(rest) else {
            return;
        };
        assert_eq!(d.to_bytes(), rest, "disclosure encoding is not canonical");
        let txs = superzk_fuzz::valid_transactions();
        let tx = &txs[usize::from(mode & 0x7f) % txs.len()];
        d.tx_id = tx.id();
        let outputs = tx.disclosure_outputs();
        let _ = d.verify(&tx.id(), &outputs);
        return;
    }
    let made = superzk_fuzz::fixture_disclosures();
    let original = &made[usize::from(mode) % made.len()];
    let mutant = superzk_fuzz::apply_edits(&original.bytes, rest);
    let Ok(d) = Disclosure::from_bytes(&mutant) else {
        return;
    };
    let tx = &superzk_fuzz::valid_transactions()[original.tx];
    if let Ok(revealed) = d.verify(&tx.id(), &tx.disclosure_outputs()) {
        assert_eq!(
            revealed, original.revealed,
            "an altered disclosure verified and revealed something else"
        );
    }
});
