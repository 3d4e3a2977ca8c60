//! Note and package ciphertexts and plaintexts, read by trial decryption with
//! a fixed wallet's keys: any ciphertext or plaintext gives a note or `None`.
//!
//! Input: a mode byte, then
//! * mode 0: `epk (32) || ciphertext`, trial-decrypted as received notes and
//!   packages, and `cv || out_ciphertext (80) || ...` as a sent output;
//! * mode 1: a plaintext, encrypted to the wallet's address and then read back
//!   by both the recipient and the sender: the AEAD would stop mutated
//!   ciphertexts long before the plaintext parser.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use superzk_circuits::Fr;
use superzk_keys::{
    encryption::encrypt_note,
    spending_key::{FullViewingKey, IncomingViewingKey},
};

fn keys() -> &'static (FullViewingKey, IncomingViewingKey) {
    static KEYS: OnceLock<(FullViewingKey, IncomingViewingKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        let [_, bob] = superzk_fuzz::fixture_wallets();
        let fvk = bob.full_viewing_key();
        let ivk = fvk.incoming_viewing_key();
        (fvk, ivk)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let (fvk, ivk) = keys();
    let cm = Fr::from(7u64);
    match mode % 2 {
        0 => {
            if rest.len() < 32 {
                return;
            }
            let epk: [u8; 32] = rest[..32].try_into().unwrap();
            let _ = ivk.decrypt_output(&cm, &epk, &rest[32..]);
            let _ = ivk.decrypt_package_output(&cm, &epk, &rest[32..]);
            if rest.len() >= 32 + 32 + 80 {
                let cv: [u8; 32] = rest[32..64].try_into().unwrap();
                let out: [u8; 80] = rest[64..144].try_into().unwrap();
                let _ = fvk.decrypt_sent_output(&cm, &cv, &epk, &out, &rest[144..]);
            }
        }
        _ => {
            let address = ivk.address(0);
            let mut rng = ChaCha20Rng::seed_from_u64(1);
            let cv = [3u8; 32];
            let cm_bytes = superzk_keys::spending_key::encode_field(&cm);
            let Ok(enc) = encrypt_note(
                &address.pk_d(),
                &address.base(),
                rest,
                &fvk.ovk(),
                &cv,
                &cm_bytes,
                &mut rng,
            ) else {
                return;
            };
            // The commitment check fails (cm is fixed), so nothing is
            // accepted, but the whole plaintext is parsed first.
            assert!(ivk.decrypt_output(&cm, &enc.epk, &enc.ciphertext).is_none());
            assert!(ivk
                .decrypt_package_output(&cm, &enc.epk, &enc.ciphertext)
                .is_none());
            assert!(fvk
                .decrypt_sent_output(&cm, &cv, &enc.epk, &enc.out_ciphertext, &enc.ciphertext)
                .is_none());
        }
    }
});
