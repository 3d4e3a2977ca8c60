//! Phase 1: powers of tau, sized for one circuit's evaluation domain.
//!
//! For a domain of size `d` the accumulator holds `τ^i·G1` (`i < 2d − 1`),
//! `τ^i·G2`, `ατ^i·G1`, `βτ^i·G1` (`i < d`) and `β·G2`. It starts at
//! `τ = α = β = 1`; each participant multiplies in secret `(t, a, b)`.
//! The transcript keeps the full accumulator once (the current one) and, for
//! each contribution, the new `τ·G1`, `α·G1`, `β·G1` with proofs of knowledge
//! of the ratios to the previous ones, plus `τ·G2` and `β·G2`. Verification
//! checks every proof and ratio along that chain, then that the stored
//! accumulator is made of consistent powers of the chain's final `τ`, with
//! the chain's final `α` and `β` (random linear combinations, a few pairings).

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{pairing::Pairing, AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{Field, UniformRand};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::{CryptoRng, CryptoRngCore, RngCore};
use rayon::prelude::*;

use super::{pok::Update, CeremonyError, Progress};

/// A phase-1 accumulator for a domain of size `d`.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Powers {
    /// `τ^i·G1`, `i < 2d − 1`.
    pub tau_g1: Vec<G1Affine>,
    /// `τ^i·G2`, `i < d`.
    pub tau_g2: Vec<G2Affine>,
    /// `ατ^i·G1`, `i < d`.
    pub alpha_tau_g1: Vec<G1Affine>,
    /// `βτ^i·G1`, `i < d`.
    pub beta_tau_g1: Vec<G1Affine>,
    /// `β·G2`.
    pub beta_g2: G2Affine,
}

/// One phase-1 contribution as the transcript records it.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Phase1Contribution {
    /// New `τ·G1`, proven relative to the previous one.
    pub tau: Update,
    /// New `α·G1`.
    pub alpha: Update,
    /// New `β·G1`.
    pub beta: Update,
    /// New `τ·G2`.
    pub tau_g2: G2Affine,
    /// New `β·G2`.
    pub beta_g2: G2Affine,
}

impl Powers {
    /// The starting accumulator (`τ = α = β = 1`) for a domain of size `d`.
    pub fn new(d: usize) -> Self {
        Self {
            tau_g1: vec![G1Affine::generator(); 2 * d - 1],
            tau_g2: vec![G2Affine::generator(); d],
            alpha_tau_g1: vec![G1Affine::generator(); d],
            beta_tau_g1: vec![G1Affine::generator(); d],
            beta_g2: G2Affine::generator(),
        }
    }

    /// The domain size.
    pub fn domain_size(&self) -> usize {
        self.tau_g2.len()
    }

    /// Number of points a contribution multiplies (for progress bars).
    pub fn work(&self) -> u64 {
        (self.tau_g1.len() + self.tau_g2.len() + self.alpha_tau_g1.len() + self.beta_tau_g1.len())
            as u64
    }

    /// The current `(τ·G1, α·G1, β·G1, τ·G2, β·G2)`.
    fn heads(&self) -> (G1Affine, G1Affine, G1Affine, G2Affine, G2Affine) {
        (
            self.tau_g1[1],
            self.alpha_tau_g1[0],
            self.beta_tau_g1[0],
            self.tau_g2[1],
            self.beta_g2,
        )
    }

    /// Multiplies in fresh secrets from `rng`; returns the record. The
    /// secrets are dropped (zeroized) before returning.
    pub fn contribute(
        &mut self,
        digest: &[u8; 64],
        rng: &mut dyn CryptoRngCore,
        progress: &Progress<'_>,
    ) -> Phase1Contribution {
        let mut secrets = [nonzero(rng), nonzero(rng), nonzero(rng)];
        let [t, a, b] = secrets;
        let (tau_g1, alpha_g1, beta_g1, _, _) = self.heads();
        let record = Phase1Contribution {
            tau: Update::prove(digest, b"phase1 tau", &tau_g1, &t, rng),
            alpha: Update::prove(digest, b"phase1 alpha", &alpha_g1, &a, rng),
            beta: Update::prove(digest, b"phase1 beta", &beta_g1, &b, rng),
            tau_g2: (self.tau_g2[1] * t).into_affine(),
            beta_g2: (self.beta_g2 * b).into_affine(),
        };
        scale_powers(&mut self.tau_g1, Fr::ONE, t, progress);
        scale_powers(&mut self.tau_g2, Fr::ONE, t, progress);
        scale_powers(&mut self.alpha_tau_g1, a, t, progress);
        scale_powers(&mut self.beta_tau_g1, b, t, progress);
        self.beta_g2 = record.beta_g2;
        zeroize::Zeroize::zeroize(&mut secrets);
        record
    }

    /// Checks a contribution against the accumulator heads it was made on.
    pub(crate) fn check_contribution(
        before: (G1Affine, G1Affine, G1Affine, G2Affine, G2Affine),
        c: &Phase1Contribution,
        digest: &[u8; 64],
        index: usize,
    ) -> Result<(G1Affine, G1Affine, G1Affine, G2Affine, G2Affine), CeremonyError> {
        let bad = |what: &str| CeremonyError::BadContribution {
            phase: 1,
            index,
            reason: what.to_string(),
        };
        let (tau, alpha, beta, _, _) = before;
        if !c.tau.verify(digest, b"phase1 tau", &tau) {
            return Err(bad("its proof of knowledge for tau does not verify"));
        }
        if !c.alpha.verify(digest, b"phase1 alpha", &alpha) {
            return Err(bad("its proof of knowledge for alpha does not verify"));
        }
        if !c.beta.verify(digest, b"phase1 beta", &beta) {
            return Err(bad("its proof of knowledge for beta does not verify"));
        }
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        if !same_ratio(c.tau.after, g2, g1, c.tau_g2) {
            return Err(bad("its tau in G2 does not match its tau in G1"));
        }
        if !same_ratio(c.beta.after, g2, g1, c.beta_g2) {
            return Err(bad("its beta in G2 does not match its beta in G1"));
        }
        Ok((
            c.tau.after,
            c.alpha.after,
            c.beta.after,
            c.tau_g2,
            c.beta_g2,
        ))
    }

    /// Checks that the accumulator is made of consistent powers with the
    /// given heads (the end of the verified chain).
    pub(crate) fn check_consistent(
        &self,
        heads: (G1Affine, G1Affine, G1Affine, G2Affine, G2Affine),
        rng: &mut dyn CryptoRngCore,
    ) -> Result<(), CeremonyError> {
        let bad = |what: &str| CeremonyError::Inconsistent(format!("phase 1 accumulator: {what}"));
        let d = self.domain_size();
        if d < 2
            || !d.is_power_of_two()
            || self.tau_g1.len() != 2 * d - 1
            || self.alpha_tau_g1.len() != d
            || self.beta_tau_g1.len() != d
        {
            return Err(bad("its vectors do not have the lengths of one domain"));
        }
        if self.heads() != heads {
            return Err(bad("it does not end the chain of contributions"));
        }
        let g1 = G1Affine::generator();
        let g2 = G2Affine::generator();
        if self.tau_g1[0] != g1 || self.tau_g2[0] != g2 {
            return Err(bad("its first powers are not the generators"));
        }
        let tau_g2 = self.tau_g2[1];
        for (name, v) in [
            ("tau^i G1", &self.tau_g1),
            ("alpha tau^i G1", &self.alpha_tau_g1),
            ("beta tau^i G1", &self.beta_tau_g1),
        ] {
            let (l, r) = shifted_combinations::<G1Projective>(v, rng);
            if !same_ratio(l, tau_g2, r, g2) {
                return Err(bad(&format!("{name} are not successive powers of tau")));
            }
        }
        let (l, r) = shifted_combinations::<G2Projective>(&self.tau_g2, rng);
        if !same_ratio(self.tau_g1[1], l, g1, r) {
            return Err(bad("tau^i G2 are not successive powers of tau"));
        }
        Ok(())
    }
}

/// `Σ r_i·v_i` and `Σ r_i·v_{i+1}` for random 128-bit `r_i`: if the second
/// is `τ` times the first, then `v_{i+1} = τ·v_i` for every `i` except with
/// probability about 2^-128.
fn shifted_combinations<G: CurveGroup + VariableBaseMSM<MulBase = <G as CurveGroup>::Affine>>(
    v: &[G::Affine],
    rng: &mut (impl RngCore + CryptoRng + ?Sized),
) -> (G::Affine, G::Affine) {
    let r: Vec<G::ScalarField> = (0..v.len() - 1)
        .map(|_| G::ScalarField::from(((rng.next_u64() as u128) << 64) | rng.next_u64() as u128))
        .collect();
    let l = G::msm_unchecked(&v[..v.len() - 1], &r);
    let rr = G::msm_unchecked(&v[1..], &r);
    let mut out = G::normalize_batch(&[l, rr]);
    let b = out.pop().expect("two");
    (out.pop().expect("two"), b)
}

/// Whether `e(a1, b1) = e(a2, b2)`, i.e. `a1/a2 = b2/b1` in the exponent.
pub(crate) fn same_ratio(a1: G1Affine, b1: G2Affine, a2: G1Affine, b2: G2Affine) -> bool {
    Bls12_381::multi_pairing([a1, -a2], [b1, b2]).0 == <Bls12_381 as Pairing>::TargetField::ONE
}

/// A nonzero random scalar.
pub(crate) fn nonzero<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> Fr {
    loop {
        let s = Fr::rand(rng);
        if !ark_ff::Zero::is_zero(&s) {
            return s;
        }
    }
}

/// `v[i] ← c·x^i·v[i]`, in parallel chunks.
fn scale_powers<A: AffineRepr<ScalarField = Fr>>(
    v: &mut [A],
    c: Fr,
    x: Fr,
    progress: &Progress<'_>,
) {
    const CHUNK: usize = 256;
    v.par_chunks_mut(CHUNK).enumerate().for_each(|(k, chunk)| {
        let mut s = c * x.pow([(k * CHUNK) as u64]);
        let proj: Vec<A::Group> = chunk
            .iter()
            .map(|p| {
                // On the projective point: arkworks' GLV multiplication
                // (an affine point gets plain double-and-add).
                let q = p.into_group() * s;
                s *= x;
                q
            })
            .collect();
        chunk.copy_from_slice(&A::Group::normalize_batch(&proj));
        progress(chunk.len() as u64);
    });
}
