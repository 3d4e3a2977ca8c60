//! Poseidon over BLS12-381's scalar field, natively and in-circuit.
//!
//! Parameters are the reference ones for this field (`poseidonperm_x5_255_3`):
//! width 3, S-box x^5, 8 full and 57 partial rounds, round constants and MDS
//! matrix from the reference Grain LFSR generation. Outside tools that use the
//! reference scripts recompute the same permutation; the test vectors below come
//! from the reference implementation.
//!
//! Every hash in SuperZK is the sponge `H_tag(x_1..x_n)`: the state starts as
//! `[tag, 0, 0]` (the domain tag lives in the capacity element), the inputs are
//! absorbed two at a time into the rate, and the first rate element is squeezed.
//! A two-input hash therefore costs exactly one permutation.

use std::sync::OnceLock;

use ark_crypto_primitives::sponge::{
    constraints::CryptographicSpongeVar,
    poseidon::{
        constraints::PoseidonSpongeVar, find_poseidon_ark_and_mds, PoseidonConfig, PoseidonSponge,
    },
    CryptographicSponge, FieldBasedCryptographicSponge,
};
use ark_r1cs_std::fields::fp::FpVar;
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::Fr;

/// Full rounds of the reference parameters.
pub const FULL_ROUNDS: usize = 8;
/// Partial rounds of the reference parameters for a 255-bit field, width 3, x^5.
pub const PARTIAL_ROUNDS: usize = 57;
/// S-box exponent.
pub const ALPHA: u64 = 5;
/// Rate of the sponge (width 3 = capacity 1 + rate 2).
pub const RATE: usize = 2;

/// Domain tags: one per use of the hash, placed in the capacity element, so
/// that no two uses can be made to collide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u64)]
pub enum Domain {
    /// Node of the note commitment tree; the level is added to the tag.
    MerkleNode = 0x100,
    /// Note commitment.
    NoteCommitment = 1,
    /// Nullifier.
    Nullifier = 2,
    /// Incoming viewing key from (ak, nk).
    IncomingViewingKey = 3,
    /// Note owner tag from (ivk, diversifier).
    Owner = 4,
    /// x-coordinate candidates for hashing to Jubjub.
    GroupHash = 5,
    /// Asset identifiers from names.
    AssetId = 6,
    /// Asset identifiers of tickets.
    TicketAsset = 7,
    /// Contents commitment of a package.
    PackageContents = 8,
    /// Note commitment of a package.
    PackageNote = 9,
}

impl Domain {
    /// The capacity element for this domain (and Merkle level, for tree nodes).
    pub fn tag(self, level: u64) -> Fr {
        Fr::from(self as u64 + level)
    }
}

/// The reference Poseidon parameters, generated once.
pub fn config() -> &'static PoseidonConfig<Fr> {
    static CONFIG: OnceLock<PoseidonConfig<Fr>> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let (ark, mds) = find_poseidon_ark_and_mds::<Fr>(
            255,
            RATE,
            FULL_ROUNDS as u64,
            PARTIAL_ROUNDS as u64,
            0,
        );
        PoseidonConfig::new(FULL_ROUNDS, PARTIAL_ROUNDS, ALPHA, mds, ark, RATE, 1)
    })
}

/// `H_tag(inputs)`, natively.
pub fn hash(tag: Fr, inputs: &[Fr]) -> Fr {
    let mut sponge = PoseidonSponge::new(config());
    sponge.state[0] = tag;
    sponge.absorb(&inputs);
    sponge.squeeze_native_field_elements(1)[0]
}

/// `H_tag(inputs)` in-circuit; constrains the same function as [`hash`].
pub fn hash_var(
    cs: ConstraintSystemRef<Fr>,
    tag: Fr,
    inputs: &[FpVar<Fr>],
) -> Result<FpVar<Fr>, SynthesisError> {
    let mut sponge = PoseidonSpongeVar::new(cs, config());
    sponge.state[0] = FpVar::Constant(tag);
    sponge.absorb(&inputs)?;
    Ok(sponge.squeeze_field_elements(1)?.remove(0))
}

/// The bare permutation, exposed so that the parameters can be checked
/// against the reference implementation's vectors.
pub fn permute(state: [Fr; 3]) -> [Fr; 3] {
    use ark_crypto_primitives::sponge::DuplexSpongeMode;
    let mut sponge = PoseidonSponge::new(config());
    sponge.state = state.to_vec();
    sponge.mode = DuplexSpongeMode::Absorbing {
        next_absorb_index: 0,
    };
    // Squeezing from absorbing mode runs the permutation exactly once.
    let _ = sponge.squeeze_native_field_elements(1);
    [sponge.state[0], sponge.state[1], sponge.state[2]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{BigInteger, PrimeField, UniformRand};
    use ark_r1cs_std::{alloc::AllocVar, GR1CSVar};
    use ark_relations::gr1cs::ConstraintSystem;
    use rand_core::SeedableRng;

    fn from_hex(h: &str) -> Fr {
        let mut bytes = hex::decode(h).unwrap();
        bytes.reverse();
        Fr::from_le_bytes_mod_order(&bytes)
    }

    fn to_hex(f: &Fr) -> String {
        let mut b = f.into_bigint().to_bytes_be();
        b.reverse();
        b.reverse();
        hex::encode(b)
    }

    /// Reference vector `poseidonperm_x5_255_3`: permutation of [0, 1, 2].
    #[test]
    fn matches_reference_permutation_vector() {
        let out = permute([Fr::from(0u64), Fr::from(1u64), Fr::from(2u64)]);
        let expected = [
            "28ce19420fc246a05553ad1e8c98f5c9d67166be2c18e9e4cb4b4e317dd2a78a",
            "51f3e312c95343a896cfd8945ea82ba956c1118ce9b9859b6ea56637b4b1ddc4",
            "3b2b69139b235626a0bfb56c9527ae66a7bf486ad8c11c14d1da0c69bbe0f79a",
        ];
        for (o, e) in out.iter().zip(expected) {
            assert_eq!(to_hex(o), e);
            assert_eq!(*o, from_hex(e));
        }
    }

    #[test]
    fn gadget_matches_native_and_tags_separate() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for n in 0..6 {
            let inputs: Vec<Fr> = (0..n).map(|_| Fr::rand(&mut rng)).collect();
            let cs = ConstraintSystem::<Fr>::new_ref();
            let vars: Vec<FpVar<Fr>> = inputs
                .iter()
                .map(|x| FpVar::new_witness(cs.clone(), || Ok(*x)).unwrap())
                .collect();
            let tag = Domain::NoteCommitment.tag(0);
            let out = hash_var(cs.clone(), tag, &vars).unwrap();
            assert_eq!(out.value().unwrap(), hash(tag, &inputs));
            assert!(cs.is_satisfied().unwrap());
            assert_ne!(hash(tag, &inputs), hash(Domain::Nullifier.tag(0), &inputs));
        }
    }
}
