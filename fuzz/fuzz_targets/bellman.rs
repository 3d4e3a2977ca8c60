//! bellman's byte layout (verifying key, proof, public inputs). Input: a mode
//! byte, then bytes.
//!
//! * Modes 0, 1, 2: the bytes are a verifying key, a proof or a public-input
//!   file; any bytes give a value or a typed error.
//! * Mode 3: the next byte picks one of the three files of a real proof in
//!   bellman's layout (`superzk_fuzz::bellman_files`), the rest are byte
//!   edits to it. If the mutated triple parses and verifies, it must be the
//!   original proof, key and inputs (the two G1 points the importer ignores
//!   may differ, if they are still valid points).
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;
use superzk_verifier::interop::{bellman, ForeignProof};

fn original() -> &'static ForeignProof {
    static P: OnceLock<ForeignProof> = OnceLock::new();
    P.get_or_init(|| {
        let [vk, proof, inputs] = superzk_fuzz::bellman_files();
        let p = bellman::parse(vk, proof, &[inputs]).expect("the re-encoded proof parses");
        p.verify().expect("the re-encoded proof verifies");
        p
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => drop(bellman::parse_verifying_key(rest)),
        1 => drop(bellman::parse_proof(rest)),
        2 => drop(bellman::parse_public_inputs(rest)),
        _ => {
            let Some((&which, edits)) = rest.split_first() else {
                return;
            };
            let mut files = superzk_fuzz::bellman_files().clone();
            let which = usize::from(which) % 3;
            files[which] = superzk_fuzz::apply_edits(&files[which], edits);
            let Ok(p) = bellman::parse(&files[0], &files[1], &[&files[2]]) else {
                return;
            };
            if p.verify().is_ok() {
                assert_eq!(&p, original(), "a mutated bellman proof verified");
            }
        }
    }
});
