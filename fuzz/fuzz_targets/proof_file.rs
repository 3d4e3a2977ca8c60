//! Proof files: any bytes give a file or a typed error; a file that decodes
//! re-encodes to the same bytes; and one that verifies under the built-in keys
//! is byte for byte a committed valid proof file (no mutation of a proof or
//! of its public inputs is accepted).
#![no_main]

use libfuzzer_sys::fuzz_target;
use superzk_verifier::{
    groth16::{verify_single, ProofItem},
    proof_file::ProofFile,
};

fuzz_target!(|data: &[u8]| {
    let Ok(file) = ProofFile::from_bytes(data) else {
        return;
    };
    assert_eq!(
        file.to_bytes(),
        data,
        "proof file encoding is not canonical"
    );
    let Some(vp) = superzk_fuzz::verifying_key_by_fingerprint(&file.vk) else {
        return;
    };
    let item = ProofItem {
        pvk: &vp.prepared,
        proof: &file.proof,
        public_inputs: &file.public_inputs,
    };
    if verify_single(&item).is_ok() {
        assert!(
            vp.kind == file.kind && superzk_fuzz::VALID_PROOFS.contains(&data),
            "a proof file that differs from every valid one verified"
        );
    }
});
