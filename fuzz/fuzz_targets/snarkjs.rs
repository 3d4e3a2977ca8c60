//! snarkjs JSON (verification key, proof, public signals) for BLS12-381.
//! Input: a mode byte, then bytes.
//!
//! * Modes 0, 1, 2: the bytes are a verification key, a proof or a public
//!   signals file; any bytes give a value or a typed error.
//! * Mode 3: the next byte picks one of the three files of a real snarkjs
//!   proof (committed with the interop test), the rest are byte edits to it
//!   (`superzk_fuzz::apply_edits`). If the mutated triple still parses and
//!   verifies, it must be the same proof, key and inputs as the original
//!   (a change of layout, such as other whitespace or Jacobian coordinates
//!   with another z, is allowed; another statement is not).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use superzk_verifier::interop::{snarkjs, ForeignProof};

fn original() -> &'static ForeignProof {
    static P: OnceLock<ForeignProof> = OnceLock::new();
    P.get_or_init(|| {
        let [vk, proof, public] = superzk_fuzz::SNARKJS_FILES;
        let p = snarkjs::parse(vk, proof, public).expect("the committed snarkjs files parse");
        p.verify().expect("the committed snarkjs proof verifies");
        p
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => drop(snarkjs::parse_verifying_key(rest)),
        1 => drop(snarkjs::parse_proof(rest)),
        2 => drop(snarkjs::parse_public_signals(rest)),
        _ => {
            let Some((&which, edits)) = rest.split_first() else {
                return;
            };
            let mut files = superzk_fuzz::SNARKJS_FILES.map(<[u8]>::to_vec);
            let which = usize::from(which) % 3;
            files[which] = superzk_fuzz::apply_edits(&files[which], edits);
            let Ok(p) = snarkjs::parse(&files[0], &files[1], &files[2]) else {
                return;
            };
            if p.verify().is_ok() {
                assert_eq!(&p, original(), "a mutated snarkjs proof verified");
            }
        }
    }
});
