//! Phase 2: the circuit's Groth16 parameters, and `δ` contributions
//! (Bowe–Gabizon–Miers, as in Zcash's Sapling ceremony).
//!
//! [`initial_parameters`] turns the final phase-1 accumulator into the
//! parameters of one circuit with `γ = δ = 1`, deterministically: Lagrange
//! bases by an inverse FFT over the group elements, then the QAP of the
//! circuit exactly as arkworks' Groth16 generator builds it (libsnark
//! reduction: the public inputs also enter A at the rows after the
//! constraints; `H_i = τ^i·t(τ)` for `i < d − 1`). Each contribution
//! multiplies `δ` by a secret `s`: `δ·G1`, `δ·G2` by `s`, the L and H queries
//! by `s⁻¹`. Nothing else may change, and verification recomputes the
//! initial parameters to check that.

use ark_bls12_381::{Fr, G1Affine, G1Projective, G2Affine, G2Projective};
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{BigInteger, Field, PrimeField};
use ark_groth16::{ProvingKey, VerifyingKey};
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
use rand_core::CryptoRngCore;
use rayon::prelude::*;

use super::{
    phase1::{nonzero, same_ratio, Powers},
    pok::Update,
    CeremonyError, Progress, R1cs,
};

/// One phase-2 contribution as the transcript records it.
#[derive(Clone, Debug, PartialEq, Eq, CanonicalSerialize, CanonicalDeserialize)]
pub struct Phase2Contribution {
    /// New `δ·G1`, proven relative to the previous one.
    pub delta: Update,
    /// New `δ·G2`.
    pub delta_g2: G2Affine,
}

/// The Lagrange basis `L_i(τ)·G` from the powers `τ^i·G`, `i < d`.
fn lagrange<G: CurveGroup<ScalarField = Fr>>(
    powers: &[G::Affine],
    domain: &Radix2EvaluationDomain<Fr>,
) -> Vec<G::Affine> {
    let mut v: Vec<G> = powers.iter().map(|p| p.into_group()).collect();
    domain.ifft_in_place(&mut v);
    G::normalize_batch(&v)
}

/// `Σ_i coeff·basis[i]` per variable, over the rows of one matrix.
///
/// Short coefficients (see [`Multiples`]) are added row by row. Long ones
/// (constants of the circuit: curve parameters, hash round constants) sit
/// mostly on a few variables, above all the constant `1`; they are gathered
/// per variable and summed by one multi-scalar multiplication each, which
/// costs a fraction of one full multiplication per term.
fn accumulate<G: CurveGroup<ScalarField = Fr>>(
    matrix: &[Vec<(Fr, usize)>],
    basis: &[G::Affine],
    num_vars: usize,
    acc: &mut [G],
) {
    debug_assert_eq!(acc.len(), num_vars);
    let mut long: Vec<(Vec<G::Affine>, Vec<Fr>)> = vec![(vec![], vec![]); num_vars];
    for (row, l) in matrix.iter().zip(basis) {
        let mut multiples = Multiples::<G>::of(l);
        for (coeff, var) in row {
            match multiples.short_times(coeff) {
                Some(term) => acc[*var] += term,
                None => {
                    long[*var].0.push(*l);
                    long[*var].1.push(*coeff);
                }
            }
        }
    }
    for (sum, (bases, scalars)) in acc.iter_mut().zip(long) {
        *sum += long_sum::<G>(&bases, &scalars);
    }
}

/// Below this many terms a sum of long multiples takes one GLV
/// multiplication per term: Pippenger's fixed cost (its windows' buckets)
/// exceeds that for a handful of points.
const MSM_MIN_TERMS: usize = 8;

/// `Σ scalars[i]·bases[i]`.
fn long_sum<G: CurveGroup<ScalarField = Fr>>(bases: &[G::Affine], scalars: &[Fr]) -> G {
    if bases.len() < MSM_MIN_TERMS {
        bases
            .iter()
            .zip(scalars)
            .map(|(b, s)| b.into_group() * s)
            .sum()
    } else {
        G::msm_unchecked(bases, scalars)
    }
}

/// Above this many set bits a coefficient takes a GLV multiplication rather
/// than additions from the doubling chain (a GLV multiplication of a
/// 255-bit scalar costs about as much as 64 additions).
const CHAIN_MAX_ONES: u32 = 40;

/// The multiples `c·l` of one basis point `l` that one row's coefficients
/// need.
///
/// Most coefficients of a constraint system are `±2^k` (bit
/// decompositions: `k` up to 254) or short (subtractions, small constants).
/// Computed one by one, each `2^k·l` repeats up to 254 doublings; one
/// doubling chain `l, 2l, 4l, …` for the row, extended only as far as its
/// longest such coefficient, turns each into one addition per set bit. The
/// sign is the one with fewer set bits (`−2^k` as a field element has
/// about 128). Other coefficients are left to a multi-scalar
/// multiplication per variable ([`accumulate`]).
struct Multiples<G: CurveGroup> {
    /// `2^i·l` for `i < doublings.len()`; never empty.
    doublings: Vec<G>,
}

impl<G: CurveGroup<ScalarField = Fr>> Multiples<G> {
    fn of(l: &G::Affine) -> Self {
        Self {
            doublings: vec![l.into_group()],
        }
    }

    /// `2^k·l`, extending the chain as far as needed.
    fn power_of_two(&mut self, k: usize) -> G {
        while self.doublings.len() <= k {
            let last = *self.doublings.last().expect("never empty");
            self.doublings.push(last.double());
        }
        self.doublings[k]
    }

    /// `c·l` when `c` or `−c` has at most [`CHAIN_MAX_ONES`] set bits, from
    /// the doubling chain; `None` otherwise.
    fn short_times(&mut self, c: &Fr) -> Option<G> {
        // The sign with fewer set bits: one addition from the chain each.
        let ones =
            |b: &<Fr as PrimeField>::BigInt| -> u32 { b.0.iter().map(|l| l.count_ones()).sum() };
        let (plus, minus) = (c.into_bigint(), (-*c).into_bigint());
        let (magnitude, negate) = if ones(&minus) < ones(&plus) {
            (minus, true)
        } else {
            (plus, false)
        };
        if ones(&magnitude) > CHAIN_MAX_ONES {
            return None;
        }
        let sum = (0..magnitude.num_bits() as usize)
            .filter(|&i| magnitude.get_bit(i))
            .fold(G::ZERO, |sum, i| sum + self.power_of_two(i));
        Some(if negate { -sum } else { sum })
    }
}

/// The parameters of `r1cs` from the final phase-1 accumulator, with
/// `γ = δ = 1`.
pub fn initial_parameters(
    r1cs: &R1cs,
    powers: &Powers,
) -> Result<ProvingKey<ark_bls12_381::Bls12_381>, CeremonyError> {
    let domain = r1cs.domain()?;
    let d = domain.size();
    if powers.domain_size() != d {
        return Err(CeremonyError::Inconsistent(format!(
            "the phase 1 accumulator is for a domain of {} points, the circuit needs {d}",
            powers.domain_size()
        )));
    }
    let nc = r1cs.num_constraints;
    let ni = r1cs.num_instance;
    let nv = ni + r1cs.num_witness;
    let ((l, l2), (al, bl)) = rayon::join(
        || {
            rayon::join(
                || lagrange::<G1Projective>(&powers.tau_g1[..d], &domain),
                || lagrange::<G2Projective>(&powers.tau_g2, &domain),
            )
        },
        || {
            rayon::join(
                || lagrange::<G1Projective>(&powers.alpha_tau_g1, &domain),
                || lagrange::<G1Projective>(&powers.beta_tau_g1, &domain),
            )
        },
    );
    let [a_m, b_m, c_m] = &r1cs.matrices;
    // The libsnark reduction's extra rows: input j is also in A at row nc + j.
    let input_rows = |basis: &[G1Affine], acc: &mut [G1Projective]| {
        for j in 0..ni {
            acc[j] += basis[nc + j];
        }
    };
    let ((a, b1), (b2, k)) = rayon::join(
        || {
            rayon::join(
                || {
                    let mut a = vec![G1Projective::default(); nv];
                    accumulate(a_m, &l, nv, &mut a);
                    input_rows(&l, &mut a);
                    a
                },
                || {
                    let mut b = vec![G1Projective::default(); nv];
                    accumulate(b_m, &l, nv, &mut b);
                    b
                },
            )
        },
        || {
            rayon::join(
                || {
                    let mut b = vec![G2Projective::default(); nv];
                    accumulate(b_m, &l2, nv, &mut b);
                    b
                },
                || {
                    // k_j = β·a_j + α·b_j + c_j
                    let mut k = vec![G1Projective::default(); nv];
                    accumulate(a_m, &bl, nv, &mut k);
                    input_rows(&bl, &mut k);
                    accumulate(b_m, &al, nv, &mut k);
                    accumulate(c_m, &l, nv, &mut k);
                    k
                },
            )
        },
    );
    let k = G1Projective::normalize_batch(&k);
    let h: Vec<G1Projective> = (0..d - 1)
        .into_par_iter()
        .map(|i| powers.tau_g1[i + d].into_group() - powers.tau_g1[i])
        .collect();
    Ok(ProvingKey {
        vk: VerifyingKey {
            alpha_g1: powers.alpha_tau_g1[0],
            beta_g2: powers.beta_g2,
            gamma_g2: G2Affine::generator(),
            delta_g2: G2Affine::generator(),
            gamma_abc_g1: k[..ni].to_vec(),
        },
        beta_g1: powers.beta_tau_g1[0],
        delta_g1: G1Affine::generator(),
        a_query: G1Projective::normalize_batch(&a),
        b_g1_query: G1Projective::normalize_batch(&b1),
        b_g2_query: G2Projective::normalize_batch(&b2),
        h_query: G1Projective::normalize_batch(&h),
        l_query: k[ni..].to_vec(),
    })
}

/// Number of points a contribution multiplies (for progress bars).
pub fn work(pk: &ProvingKey<ark_bls12_381::Bls12_381>) -> u64 {
    (pk.l_query.len() + pk.h_query.len()) as u64
}

/// Multiplies `δ` by a fresh secret; returns the record.
pub fn contribute(
    pk: &mut ProvingKey<ark_bls12_381::Bls12_381>,
    digest: &[u8; 64],
    rng: &mut dyn CryptoRngCore,
    progress: &Progress<'_>,
) -> Phase2Contribution {
    let mut s = nonzero(rng);
    let mut s_inv = s.inverse().expect("nonzero");
    let record = Phase2Contribution {
        delta: Update::prove(digest, b"phase2 delta", &pk.delta_g1, &s, rng),
        delta_g2: (pk.vk.delta_g2 * s).into_affine(),
    };
    for v in [&mut pk.l_query, &mut pk.h_query] {
        v.par_chunks_mut(256).for_each(|chunk| {
            // On the projective point: arkworks' GLV multiplication
            // (an affine point gets plain double-and-add).
            let proj: Vec<G1Projective> = chunk.iter().map(|p| p.into_group() * s_inv).collect();
            chunk.copy_from_slice(&G1Projective::normalize_batch(&proj));
            progress(chunk.len() as u64);
        });
    }
    pk.delta_g1 = record.delta.after;
    pk.vk.delta_g2 = record.delta_g2;
    zeroize::Zeroize::zeroize(&mut s);
    zeroize::Zeroize::zeroize(&mut s_inv);
    record
}

/// Checks one contribution against the `δ·G1` it was made on; returns the
/// new `(δ·G1, δ·G2)`.
pub(crate) fn check_contribution(
    before: G1Affine,
    c: &Phase2Contribution,
    digest: &[u8; 64],
    index: usize,
) -> Result<(G1Affine, G2Affine), CeremonyError> {
    let bad = |what: &str| CeremonyError::BadContribution {
        phase: 2,
        index,
        reason: what.to_string(),
    };
    if !c.delta.verify(digest, b"phase2 delta", &before) {
        return Err(bad("its proof of knowledge for delta does not verify"));
    }
    if !same_ratio(
        c.delta.after,
        G2Affine::generator(),
        G1Affine::generator(),
        c.delta_g2,
    ) {
        return Err(bad("its delta in G2 does not match its delta in G1"));
    }
    Ok((c.delta.after, c.delta_g2))
}

/// Checks that `current` is `initial` with `δ` replaced by the chain's final
/// `(δ·G1, δ·G2)`: everything else equal, L and H divided by `δ`.
pub(crate) fn check_parameters(
    initial: &ProvingKey<ark_bls12_381::Bls12_381>,
    current: &ProvingKey<ark_bls12_381::Bls12_381>,
    delta: (G1Affine, G2Affine),
    rng: &mut dyn CryptoRngCore,
) -> Result<(), CeremonyError> {
    let bad = |what: &str| CeremonyError::Inconsistent(format!("phase 2 parameters: {what}"));
    if current.vk.alpha_g1 != initial.vk.alpha_g1
        || current.vk.beta_g2 != initial.vk.beta_g2
        || current.vk.gamma_g2 != initial.vk.gamma_g2
        || current.beta_g1 != initial.beta_g1
        || current.vk.gamma_abc_g1 != initial.vk.gamma_abc_g1
        || current.a_query != initial.a_query
        || current.b_g1_query != initial.b_g1_query
        || current.b_g2_query != initial.b_g2_query
    {
        return Err(bad(
            "they differ from the ones the circuit and phase 1 give, beyond delta",
        ));
    }
    if (current.delta_g1, current.vk.delta_g2) != delta {
        return Err(bad("their delta is not the one the contributions end with"));
    }
    for (name, now, before) in [
        ("L", &current.l_query, &initial.l_query),
        ("H", &current.h_query, &initial.h_query),
    ] {
        if now.len() != before.len() {
            return Err(bad(&format!("the {name} query has the wrong length")));
        }
        let r: Vec<Fr> = (0..now.len())
            .map(|_| Fr::from(((rng.next_u64() as u128) << 64) | rng.next_u64() as u128))
            .collect();
        let now = G1Projective::msm_unchecked(now, &r).into_affine();
        let before = G1Projective::msm_unchecked(before, &r).into_affine();
        // e(Σ r·X/δ, δ·G2) = e(Σ r·X, G2)
        if !same_ratio(now, delta.1, before, G2Affine::generator()) {
            return Err(bad(&format!(
                "the {name} query is not the initial one divided by delta"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_ff::{UniformRand, Zero};
    use rand_core::OsRng;

    /// The coefficients a constraint system has, and the edges of the rule
    /// that picks the chain or GLV.
    fn coefficients() -> Vec<Fr> {
        let two = Fr::from(2u8);
        let mut cs = vec![Fr::zero(), Fr::ONE, -Fr::ONE, Fr::from(3u8), -Fr::from(5u8)];
        for k in [1u64, 7, 63, 64, 65, 128, 200, 253, 254] {
            cs.push(two.pow([k]));
            cs.push(-two.pow([k]));
        }
        // Exactly at and just over the chain's limit of set bits.
        let ones = |n: u32| Fr::from(u128::MAX >> (128 - n));
        cs.extend([
            ones(CHAIN_MAX_ONES),
            ones(CHAIN_MAX_ONES + 1),
            -ones(CHAIN_MAX_ONES),
        ]);
        cs.extend([
            Fr::from(u64::MAX),
            Fr::from(u128::MAX),
            -Fr::from(u128::MAX),
        ]);
        cs.extend((0..8).map(|_| Fr::rand(&mut OsRng)));
        cs
    }

    fn matches_plain_multiplication<G: CurveGroup<ScalarField = Fr>>() {
        let l = G::rand(&mut OsRng).into_affine();
        let mut multiples = Multiples::<G>::of(&l);
        // In both orders: the chain must give the same answer whether it
        // was already long enough or had to grow.
        let mut cs = coefficients();
        for _ in 0..2 {
            for c in &cs {
                if let Some(term) = multiples.short_times(c) {
                    assert_eq!(term, l.into_group() * c, "coefficient {c}");
                }
            }
            cs.reverse();
        }
    }

    #[test]
    fn only_long_coefficients_are_left_to_the_msm() {
        let l = G1Projective::rand(&mut OsRng).into_affine();
        let mut multiples = Multiples::<G1Projective>::of(&l);
        let two = Fr::from(2u8);
        for short in [Fr::zero(), -Fr::ONE, two.pow([254]), -two.pow([200])] {
            assert!(multiples.short_times(&short).is_some(), "{short}");
        }
        let ones = |n: u32| Fr::from(u128::MAX >> (128 - n));
        assert!(multiples.short_times(&ones(CHAIN_MAX_ONES)).is_some());
        assert!(multiples.short_times(&ones(CHAIN_MAX_ONES + 1)).is_none());
    }

    /// A matrix whose rows mix short and long coefficients, with one
    /// variable holding enough long terms for the MSM and others a few:
    /// the sums equal the plain ones.
    fn accumulates_like_plain_sums<G: CurveGroup<ScalarField = Fr>>() {
        let (rows, vars) = (40, 5);
        let basis: Vec<G::Affine> = (0..rows)
            .map(|_| G::rand(&mut OsRng).into_affine())
            .collect();
        let cs = coefficients();
        let matrix: Vec<Vec<(Fr, usize)>> = (0..rows)
            .map(|r| {
                let mut row = vec![(Fr::rand(&mut OsRng), 0)];
                row.push((cs[r % cs.len()], 1 + r % (vars - 1)));
                if r % 7 == 0 {
                    row.push((Fr::rand(&mut OsRng), vars - 1));
                }
                row
            })
            .collect();
        let mut acc = vec![G::zero(); vars];
        accumulate(&matrix, &basis, vars, &mut acc);
        let mut plain = vec![G::zero(); vars];
        for (row, l) in matrix.iter().zip(&basis) {
            for (c, var) in row {
                plain[*var] += l.into_group() * c;
            }
        }
        assert_eq!(acc, plain);
    }

    #[test]
    fn accumulated_sums_equal_plain_sums_in_g1() {
        accumulates_like_plain_sums::<G1Projective>();
    }

    #[test]
    fn accumulated_sums_equal_plain_sums_in_g2() {
        accumulates_like_plain_sums::<G2Projective>();
    }

    #[test]
    fn row_multiples_equal_plain_multiplication_in_g1() {
        matches_plain_multiplication::<G1Projective>();
    }

    #[test]
    fn row_multiples_equal_plain_multiplication_in_g2() {
        matches_plain_multiplication::<G2Projective>();
    }
}
