//! Proofs of knowledge of a contribution's secret scalar.
//!
//! A participant multiplies a group element `B` (the previous value of `τ·G`,
//! `α·G`, `β·G` or `δ·G`) by a secret `s` and publishes `A = s·B` with a
//! Schnorr proof of knowledge of `s` relative to the base `B`:
//! `R = k·B`, `c = H(transcript digest, label, B, A, R)`, `z = k + c·s`,
//! checked as `z·B = R + c·A`. The challenge hashes the digest of every
//! earlier contribution, so a proof cannot be copied from another transcript
//! or replayed at another position, and a contribution removed from the
//! transcript breaks every later proof.

use ark_bls12_381::{Fr, G1Affine};
use ark_ec::{AffineRepr, CurveGroup};
use ark_ff::{PrimeField, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use blake2::{Blake2b512, Digest};
use rand_core::{CryptoRng, RngCore};

/// The new value of an element, and the proof that its author knows the
/// ratio to the old value.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Update {
    /// The element after the contribution: `s·B`.
    pub after: G1Affine,
    /// The Schnorr commitment `R = k·B`.
    pub commitment: G1Affine,
    /// The response `z = k + c·s`.
    pub response: Fr,
}

fn challenge(
    digest: &[u8; 64],
    label: &[u8],
    base: &G1Affine,
    after: &G1Affine,
    commitment: &G1Affine,
) -> Fr {
    let mut h = Blake2b512::new();
    h.update(b"SuperZK ceremony PoK");
    h.update(digest);
    h.update((label.len() as u64).to_le_bytes());
    h.update(label);
    for p in [base, after, commitment] {
        let mut bytes = Vec::with_capacity(96);
        p.serialize_uncompressed(&mut bytes).expect("in memory");
        h.update(&bytes);
    }
    Fr::from_le_bytes_mod_order(&h.finalize())
}

impl Update {
    /// Multiplies `base` by `secret` and proves knowledge of it.
    pub fn prove<R: RngCore + CryptoRng + ?Sized>(
        digest: &[u8; 64],
        label: &[u8],
        base: &G1Affine,
        secret: &Fr,
        rng: &mut R,
    ) -> Self {
        let after = (*base * secret).into_affine();
        let mut k = Fr::rand(rng);
        let commitment = (*base * k).into_affine();
        let c = challenge(digest, label, base, &after, &commitment);
        let response = k + c * secret;
        zeroize::Zeroize::zeroize(&mut k);
        Self {
            after,
            commitment,
            response,
        }
    }

    /// Whether the proof holds for `base` and neither element is the
    /// identity (a zero secret would wipe out every earlier contribution).
    pub fn verify(&self, digest: &[u8; 64], label: &[u8], base: &G1Affine) -> bool {
        if self.after.is_zero() || base.is_zero() {
            return false;
        }
        let c = challenge(digest, label, base, &self.after, &self.commitment);
        (*base * self.response) == (self.commitment.into_group() + self.after * c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proof_binds_base_digest_and_label() {
        let mut rng = rand_core::OsRng;
        let base = (G1Affine::generator() * Fr::rand(&mut rng)).into_affine();
        let u = Update::prove(&[1; 64], b"tau", &base, &Fr::rand(&mut rng), &mut rng);
        assert!(u.verify(&[1; 64], b"tau", &base));
        assert!(!u.verify(&[2; 64], b"tau", &base));
        assert!(!u.verify(&[1; 64], b"alpha", &base));
        assert!(!u.verify(&[1; 64], b"tau", &G1Affine::generator()));
        let zero = Update::prove(&[1; 64], b"tau", &base, &Fr::from(0u8), &mut rng);
        assert!(!zero.verify(&[1; 64], b"tau", &base));
    }
}
