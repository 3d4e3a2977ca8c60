//! Wallet sync speed: compact outputs trial-decrypted per second, SuperZK's
//! [`decrypt_compact_batch`] against Zcash's batch trial decryption of
//! Sapling compact outputs (`zcash_note_encryption::batch`, as
//! zcash_client_backend's scanner runs it), both on the same rayon pool.
//!
//! Each side gets the same number of distinct outputs, made by its own
//! note encryption: one in [`OURS_ONE_IN`] to the scanning key, the rest to
//! other keys (a wallet finds few of the outputs it scans).

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use rand_core_sapling::{Rng, SeedableRng as _};
use rand_sapling::rngs::StdRng;
use rayon::prelude::*;
use sapling_crypto::{
    keys::ExpandedSpendingKey,
    note_encryption::{
        sapling_note_encryption, CompactOutputDescription, PreparedIncomingViewingKey,
        SaplingDomain, Zip212Enforcement, COMPACT_NOTE_SIZE,
    },
    value::NoteValue,
    Diversifier, PaymentAddress, Rseed,
};
use superzk_circuits::{asset::AssetInfo, note::AssetId, note::Note, Fr};
use superzk_keys::{
    compact::{decrypt_compact_batch, CompactCiphertext, PreparedIvk, COMPACT_NOTE_LEN},
    note_plaintext::{encrypt_output, MEMO_LEN},
    spending_key::{encode_field, IncomingViewingKey, SpendingKey},
};
use zcash_note_encryption::{batch, Domain, EphemeralKeyBytes};

/// One output in this many is the scanning wallet's.
pub const OURS_ONE_IN: usize = 100;
/// Outputs per call of Zcash's batch decryption: each rayon task takes one
/// batch (zcash_client_backend's batch runner also hands out batches).
pub const SAPLING_BATCH: usize = 100;

/// A SuperZK compact output as the node serves it.
pub struct Output {
    cm: [u8; 32],
    epk: [u8; 32],
    ciphertext: Vec<u8>,
}

impl CompactCiphertext for Output {
    fn cm(&self) -> &[u8; 32] {
        &self.cm
    }
    fn epk(&self) -> &[u8; 32] {
        &self.epk
    }
    fn ciphertext(&self) -> &[u8] {
        &self.ciphertext
    }
}

/// The scanning key and `n` SuperZK compact outputs (made on the current
/// rayon pool).
pub fn superzk_outputs(n: usize, seed: u64) -> (PreparedIvk, Vec<Output>) {
    let key = |s: u64| {
        SpendingKey::from_seed(&s.to_le_bytes(), 0)
            .full_viewing_key()
            .incoming_viewing_key()
    };
    let ours = key(seed);
    let others: Vec<IncomingViewingKey> = (1..=16).map(|i| key(seed + i)).collect();
    let outputs = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut rng = ChaCha20Rng::seed_from_u64(seed ^ (i as u64) << 16);
            let to = if i % OURS_ONE_IN == 0 {
                &ours
            } else {
                &others[i % others.len()]
            };
            superzk_output(to, &mut rng)
        })
        .collect();
    (PreparedIvk::new(&ours), outputs)
}

fn superzk_output(to: &IncomingViewingKey, rng: &mut ChaCha20Rng) -> Output {
    use ark_ff::UniformRand;
    let address = to.address(rng.next_u64() % 8);
    let note = Note {
        asset: AssetId::native(),
        value: rng.next_u64() % 1_000_000,
        owner: address.owner(),
        rho: Fr::rand(rng),
        rcm: Fr::rand(rng),
    };
    let enc = encrypt_output(
        &address,
        &note,
        &AssetInfo::native(),
        &[0u8; MEMO_LEN],
        &[7u8; 32],
        &[0u8; 32],
        rng,
    )
    .expect("a valid address encrypts");
    Output {
        cm: encode_field(&note.commitment()),
        epk: enc.epk,
        ciphertext: enc.ciphertext[..COMPACT_NOTE_LEN].to_vec(),
    }
}

/// Scans `outputs` with one key on the current rayon pool; returns how many
/// are ours.
pub fn scan_superzk(ivk: &PreparedIvk, outputs: &[Output]) -> usize {
    decrypt_compact_batch(std::slice::from_ref(ivk), outputs)
        .iter()
        .filter(|found| found.is_some())
        .count()
}

/// Sapling compact outputs, each with the domain (ZIP 212 on, as on
/// mainnet today).
pub type SaplingOutputs = Vec<(SaplingDomain, CompactOutputDescription)>;

/// The scanning key and `n` Sapling compact outputs (made on the current
/// rayon pool).
pub fn sapling_outputs(n: usize, seed: u64) -> (PreparedIncomingViewingKey, SaplingOutputs) {
    let mut rng = StdRng::seed_from_u64(seed);
    let (ivk, ours) = sapling_key(&mut rng);
    let others: Vec<PaymentAddress> = (0..16).map(|_| sapling_key(&mut rng).1).collect();
    let outputs = (0..n)
        .into_par_iter()
        .map(|i| {
            let mut rng = StdRng::seed_from_u64(seed ^ (i as u64) << 16);
            let to = if i % OURS_ONE_IN == 0 {
                ours
            } else {
                others[i % others.len()]
            };
            (
                SaplingDomain::new(Zip212Enforcement::On),
                sapling_output(to, &mut rng),
            )
        })
        .collect();
    (PreparedIncomingViewingKey::new(&ivk), outputs)
}

/// A fresh Sapling key's incoming viewing key and an address of it.
fn sapling_key(rng: &mut StdRng) -> (sapling_crypto::SaplingIvk, PaymentAddress) {
    loop {
        let mut sk = [0u8; 32];
        rng.fill_bytes(&mut sk);
        let Some(expsk) = ExpandedSpendingKey::from_spending_key(&sk) else {
            continue;
        };
        let vk = expsk.proof_generation_key().to_viewing_key();
        let mut d = [0u8; 11];
        rng.fill_bytes(&mut d);
        if let Some(address) = vk.to_payment_address(Diversifier(d)) {
            return (vk.ivk(), address);
        }
    }
}

fn sapling_output(to: PaymentAddress, rng: &mut StdRng) -> CompactOutputDescription {
    let mut rseed = [0u8; 32];
    rng.fill_bytes(&mut rseed);
    let note = to.create_note(
        NoteValue::from_raw(rng.next_u64() % 1_000_000),
        Rseed::AfterZip212(rseed),
    );
    let cmu = note.cmu();
    let encryption = sapling_note_encryption(None, note, [0u8; 512], rng);
    let ciphertext = encryption.encrypt_note_plaintext();
    let mut compact = [0u8; COMPACT_NOTE_SIZE];
    compact.copy_from_slice(&ciphertext.0[..COMPACT_NOTE_SIZE]);
    let epk: EphemeralKeyBytes = SaplingDomain::epk_bytes(encryption.epk());
    CompactOutputDescription {
        ephemeral_key: epk,
        cmu,
        enc_ciphertext: compact,
    }
}

/// Scans `outputs` with one key on the current rayon pool, in batches of
/// [`SAPLING_BATCH`]; returns how many are ours.
pub fn scan_sapling(ivk: &PreparedIncomingViewingKey, outputs: &SaplingOutputs) -> usize {
    let ivks = std::slice::from_ref(ivk);
    outputs
        .par_chunks(SAPLING_BATCH)
        .map(|chunk| {
            batch::try_compact_note_decryption(ivks, chunk)
                .iter()
                .filter(|found| found.is_some())
                .count()
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_find_exactly_their_wallets_outputs() {
        let n = 3 * OURS_ONE_IN + 1;
        let (ivk, outputs) = superzk_outputs(n, 1);
        assert_eq!(scan_superzk(&ivk, &outputs), 4);
        let (sivk, soutputs) = sapling_outputs(n, 2);
        assert_eq!(scan_sapling(&sivk, &soutputs), 4);
        // Another key finds none of them.
        let (stranger, _) = superzk_outputs(0, 99);
        assert_eq!(scan_superzk(&stranger, &outputs), 0);
        let (sapling_stranger, _) = sapling_outputs(0, 98);
        assert_eq!(scan_sapling(&sapling_stranger, &soutputs), 0);
    }
}
