//! Groth16 verification over BLS12-381: one proof at a time, or many in a
//! randomized batch.
//!
//! # The check for one proof
//!
//! A proof `(A, B, C)` for public inputs `x = (x_1, …, x_ℓ)` is valid under a
//! verifying key `(α, β, γ, δ, IC_0 … IC_ℓ)` iff
//!
//! ```text
//! e(A, B) = e(α, β) · e(IC(x), γ) · e(C, δ),     IC(x) = IC_0 + Σ_j x_j·IC_j
//! ```
//!
//! [`verify_single`] computes `e(A, B) · e(IC(x), −γ) · e(C, −δ)` with one
//! multi-Miller loop and one final exponentiation and compares it with the
//! precomputed `e(α, β)` of the prepared key (on wasm32), or checks
//! `e(A, B) · e(IC(x), −γ) · e(C, −δ) · e(−α, β) = 1` on `blst` (natively,
//! where four pairs on blst cost less than three on arkworks).
//!
//! # The batch check
//!
//! For proofs `i = 1 … n` (each under its own key), write the error of proof
//! `i` as the target-group element
//!
//! ```text
//! D_i = e(A_i, B_i) · ( e(α, β) · e(IC(x_i), γ) · e(C_i, δ) )^{-1}     (α, β, γ, δ, IC of i's key)
//! ```
//!
//! Proof `i` is valid iff `D_i = 1`. [`batch_verify`] draws independent
//! random nonzero coefficients `r_i` *after* the batch is fixed and checks
//! `Π_i D_i^{r_i} = 1`. By bilinearity this product is
//!
//! ```text
//! Π_i e(r_i·A_i, B_i) · Π_k e(−(Σ_{i∈k} r_i)·α_k, β_k)
//!                     · Π_k e(Σ_{i∈k} r_i·IC_k(x_i), −γ_k)
//!                     · Π_k e(Σ_{i∈k} r_i·C_i, −δ_k)
//! ```
//!
//! where `k` ranges over the distinct verifying keys of the batch: the
//! equation `Π_i e(r_i A_i, B_i) = Π_k e(Σ r_i α, β) · e(Σ r_i IC(x_i), γ) ·
//! e(Σ r_i C_i, δ)` moved to one side. That is `n + 3·(#keys)` pairings
//! evaluated with **one** multi-Miller loop and **one** final exponentiation,
//! instead of `3n` Miller-loop pairs and `n` final exponentiations. The input
//! terms of a key collapse to one multi-scalar multiplication over that key's
//! `IC` points: `Σ_i r_i·IC(x_i) = Σ_j (Σ_i r_i x_{i,j})·IC_j` (with
//! `x_{i,0} = 1`).
//!
//! *The coefficients, in GLV form.* Each `r_i = a_i + b_i·λ mod q`, with
//! `a_i`, `b_i` independent uniform 64-bit integers (the pair `(0, 0)`
//! redrawn) and `λ` the eigenvalue of the endomorphism `φ(x, y) = (βx, y)` on
//! G1 ([`GlvScalar`](crate::curve::GlvScalar)). Because every `A_i` and `C_i` is in G1, `r_i·A_i =
//! a_i·A_i + b_i·φ(A_i)`: one chain of 64 doublings for two points, where a
//! 128-bit scalar needs 128; likewise `Σ r_i·C_i` is one multi-scalar
//! multiplication of `2n` points with 64-bit scalars. The map `(a, b) ↦ a +
//! b·λ mod q` is injective on `[0, 2^64)²` (the lattice `{(x, y) : x + λy ≡ 0
//! mod q}` has a basis of two almost orthogonal vectors of length about
//! `2^127.7`, so it has no nonzero vector with both coordinates below `2^64`
//! in absolute value: docs/SECURITY.md, "Batch coefficients in GLV form"),
//! so each `r_i` is uniform over `2^128 − 1` distinct nonzero values of
//! `[1, q)`, as a uniform nonzero 128-bit integer was.
//!
//! *Completeness.* If every proof is valid every `D_i = 1`, so the batch always
//! accepts (the check is exact, not probabilistic, in that direction).
//!
//! *Soundness.* All the points are in the prime-order subgroups (checked here
//! for the proof points; the verifying key is trusted), so every `D_i` lies in
//! the target group `G_T` of prime order `q ≈ 2^255`. Suppose some `D_k ≠ 1`.
//! Fix all the other `r_i`; then `T = Π_{i≠k} D_i^{r_i}` is fixed, and the batch
//! accepts only if `D_k^{r_k} = T^{-1}`. As `D_k` generates `G_T`, the map
//! `r ↦ D_k^r` is injective on `[0, q)`, so at most one of the `2^128 − 1`
//! distinct, equally likely values of `r_k` passes: a batch with an invalid
//! proof is accepted with probability at most `1/(2^128 − 1) ≈ 2^-128`.
//!
//! *Why 128 bits suffice.* That bound holds for every batch, however it was
//! crafted and whatever the prover's computing power, as long as the prover
//! cannot predict the `r_i` (hence the [`CryptoRng`] bound): even `2^64`
//! attempted batches succeed with probability `2^-64`. BLS12-381 itself offers
//! about 117–128 bits of security, so longer scalars would cost more
//! scalar-multiplication work without making the system stronger. The
//! coefficients are nonzero, since `r_k = 0` would drop proof `k` from the
//! check.
//!
//! *Subgroup checks.* The argument needs bilinearity on the prime-order
//! subgroups; a point with a small-order component could, for instance,
//! cancel out whenever `r_i` is a multiple of that order, and outside G1
//! `φ` is not multiplication by `λ`, so `a_i·A_i + b_i·φ(A_i)` would not be
//! `r_i·A_i`. So [`verify_single`]
//! and [`batch_verify`] check that `A`, `C ∈ G1` and `B ∈ G2` are on the curve
//! and in the prime-order subgroup (endomorphism-based tests, on `blst`
//! natively: see [`crate::curve`]), however the proof was decoded. Those tests cost about a quarter of a batch, and a proof
//! decoded with validation (`Proof::deserialize_compressed`, as the
//! transaction decoder does) has already passed them: [`batch_verify_validated`]
//! skips them for such proofs. Verifying keys are trusted: load them with
//! point validation (as `superzk-keys` does).

use std::ptr;

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G1Projective, G2Affine};
#[cfg(any(target_arch = "wasm32", test))]
use ark_ec::pairing::Pairing;
use ark_ec::{AffineRepr, CurveGroup, VariableBaseMSM};
use ark_ff::{PrimeField, Zero};
use ark_groth16::{PreparedVerifyingKey, Proof};
use rand_core::{CryptoRngCore, RngCore};
use rayon::prelude::*;

use crate::curve::{g1_ok, g2_ok, GlvScalar};

#[cfg(any(target_arch = "wasm32", test))]
type G1Prepared = <Bls12_381 as Pairing>::G1Prepared;
#[cfg(any(target_arch = "wasm32", test))]
type G2Prepared = <Bls12_381 as Pairing>::G2Prepared;

/// One proof to check: its prepared verifying key, the proof and its public
/// inputs (in the circuit's allocation order, without the leading constant 1).
#[derive(Clone, Copy, Debug)]
pub struct ProofItem<'a> {
    /// The prepared verifying key of the proof's circuit (from
    /// [`ark_groth16::prepare_verifying_key`]).
    pub pvk: &'a PreparedVerifyingKey<Bls12_381>,
    /// The proof.
    pub proof: &'a Proof<Bls12_381>,
    /// The public inputs the proof is checked against.
    pub public_inputs: &'a [Fr],
}

/// Why a Groth16 proof, or a batch of them, was rejected.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Groth16Error {
    /// The number of public inputs does not match the verifying key.
    #[error(
        "wrong number of public inputs: the verifying key expects {expected}, got {got}; \
         pass exactly the circuit's public inputs, in order, and check that the key is the \
         one of the proof's circuit"
    )]
    WrongInputCount {
        /// How many public inputs the verifying key expects.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// The number of public inputs of one batch item does not match its key.
    #[error(
        "batch item {index}: wrong number of public inputs: its verifying key expects \
         {expected}, got {got}; pass exactly the circuit's public inputs, in order, and check \
         that the key is the one of the proof's circuit"
    )]
    WrongInputCountAt {
        /// Position of the item in the batch.
        index: usize,
        /// How many public inputs the item's verifying key expects.
        expected: usize,
        /// How many were given.
        got: usize,
    },
    /// A proof point is not on the curve or not in the prime-order subgroup.
    #[error(
        "malformed proof: a point is not on the curve or not in the prime-order subgroup; \
         the proof is invalid (decode proofs with validation, e.g. \
         `Proof::deserialize_compressed`, and reject those that fail)"
    )]
    MalformedProof,
    /// A proof point of one batch item is not on the curve or not in the
    /// prime-order subgroup.
    #[error(
        "batch item {index}: malformed proof: a point is not on the curve or not in the \
         prime-order subgroup; that proof is invalid and must be rejected"
    )]
    MalformedProofAt {
        /// Position of the item in the batch.
        index: usize,
    },
    /// The pairing check failed: the proof (or, for a batch, at least one of
    /// its proofs) is invalid.
    #[error(
        "Groth16 verification failed: a proof is not valid for its public inputs under its \
         verifying key; check that the inputs are the ones it was proven with and that the key \
         is the circuit's (for a batch, call `batch_verify_report` to find which proofs fail)"
    )]
    Invalid,
    /// The pairing check failed for a batch whose failing item is known (a
    /// batch of one item).
    #[error(
        "Groth16 verification failed for batch item {index}: its proof is not valid for its \
         public inputs under its verifying key; check the inputs and the key"
    )]
    InvalidAt {
        /// Position of the invalid item in the batch.
        index: usize,
    },
}

impl Groth16Error {
    /// The same error, attributed to item `index` of a batch.
    fn at(self, index: usize) -> Self {
        match self {
            Self::WrongInputCount { expected, got } => Self::WrongInputCountAt {
                index,
                expected,
                got,
            },
            Self::MalformedProof => Self::MalformedProofAt { index },
            Self::Invalid => Self::InvalidAt { index },
            other => other,
        }
    }
}

/// Whether a batch must still check its proof points.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Points {
    /// Check them (raw input).
    Check,
    /// They were validated when decoded.
    Validated,
}

impl ProofItem<'_> {
    /// The checks that need no pairing: input count and proof points.
    fn check_well_formed(&self) -> Result<(), Groth16Error> {
        self.check_shape(Points::Check)
    }

    /// The input count, and the proof points unless already validated.
    fn check_shape(&self, points: Points) -> Result<(), Groth16Error> {
        let n_ic = self.pvk.vk.gamma_abc_g1.len();
        let got = self.public_inputs.len();
        if n_ic != got + 1 {
            return Err(Groth16Error::WrongInputCount {
                expected: n_ic.saturating_sub(1),
                got,
            });
        }
        if points == Points::Validated {
            return Ok(());
        }
        let Proof { a, b, c } = self.proof;
        if !(g1_ok(a) && g1_ok(c) && g2_ok(b)) {
            return Err(Groth16Error::MalformedProof);
        }
        Ok(())
    }
}

/// `IC(x) = IC_0 + Σ_j x_j·IC_j`; the input count must already be checked.
fn prepare_inputs(pvk: &PreparedVerifyingKey<Bls12_381>, inputs: &[Fr]) -> G1Projective {
    let ic = &pvk.vk.gamma_abc_g1;
    ic[0].into_group() + G1Projective::msm_unchecked(&ic[1..], inputs)
}

/// Verifies one Groth16 proof against its prepared verifying key and public
/// inputs (one multi-Miller loop, one final exponentiation).
///
/// # Errors
///
/// [`Groth16Error::WrongInputCount`] if the number of public inputs does not
/// match the key, [`Groth16Error::MalformedProof`] if a proof point is off the
/// curve or outside the prime-order subgroup, [`Groth16Error::Invalid`] if the
/// pairing check fails.
pub fn verify_single(item: &ProofItem) -> Result<(), Groth16Error> {
    item.check_well_formed()?;
    let pvk = item.pvk;
    let ic = prepare_inputs(pvk, item.public_inputs).into_affine();
    // Natively: e(A, B)·e(IC, −γ)·e(C, −δ)·e(−α, β) = 1 on blst, whose
    // Miller loop with a fourth pair costs less than arkworks' with three.
    #[cfg(not(target_arch = "wasm32"))]
    {
        let key = fixed::lines_of(&pvk.vk);
        let fixed = [(ic, &key.neg_gamma), (item.proof.c, &key.neg_delta)];
        let var = [(item.proof.a, item.proof.b)];
        if crate::curve::lines::product_is_one(&var, &fixed, &key.neg_alpha_beta) {
            Ok(())
        } else {
            Err(Groth16Error::Invalid)
        }
    }
    #[cfg(target_arch = "wasm32")]
    {
        single_arkworks(item, ic)
    }
}

/// The fixed part of a verifying key's pairings, computed once per key and
/// process (native): the lines of `−γ` and `−δ` and the Miller value of
/// `e(−α, β)`, so that a single verification computes the lines of `B`
/// alone and evaluates the others (`curve::lines`; benches/RESULTS.md,
/// "Fifth pass").
#[cfg(not(target_arch = "wasm32"))]
mod fixed {
    use std::sync::{Arc, RwLock};

    use ark_bls12_381::{Bls12_381, G1Affine, G2Affine};
    use ark_groth16::VerifyingKey;

    use crate::curve::lines::{G2Lines, MillerValue};

    /// How many keys the cache keeps (a node uses four; more distinct keys
    /// in one process only cost recomputation, never correctness).
    const KEPT: usize = 16;

    /// The precomputed terms of one key, with the points they were made from.
    pub(super) struct KeyLines {
        points: (G1Affine, G2Affine, G2Affine, G2Affine),
        /// Lines of `−γ`.
        pub(super) neg_gamma: G2Lines,
        /// Lines of `−δ`.
        pub(super) neg_delta: G2Lines,
        /// The Miller value of `e(−α, β)`.
        pub(super) neg_alpha_beta: MillerValue,
    }

    static CACHE: RwLock<Vec<Arc<KeyLines>>> = RwLock::new(Vec::new());

    /// The terms of `vk`, from the cache or computed (and cached) now. The
    /// cache is keyed by the four points themselves, not by an address, so a
    /// key changed in place can never be checked with another key's lines.
    pub(super) fn lines_of(vk: &VerifyingKey<Bls12_381>) -> Arc<KeyLines> {
        let points = (vk.alpha_g1, vk.beta_g2, vk.gamma_g2, vk.delta_g2);
        // A poisoned lock only means a panic elsewhere while it was held;
        // the vector itself is always in a valid state.
        let found = CACHE
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|k| k.points == points)
            .cloned();
        if let Some(k) = found {
            return k;
        }
        let k = Arc::new(compute(vk, points));
        let mut cache = CACHE.write().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= KEPT {
            cache.remove(0);
        }
        cache.push(k.clone());
        k
    }

    fn compute(
        vk: &VerifyingKey<Bls12_381>,
        points: (G1Affine, G2Affine, G2Affine, G2Affine),
    ) -> KeyLines {
        // Verifying keys are trusted and validated when loaded (on their
        // curves): the `expect`s state that, no outside input reaches them.
        let lines = |q: G2Affine| G2Lines::new(&q).expect("a verifying key's point is on G2");
        let beta = lines(vk.beta_g2);
        KeyLines {
            points,
            neg_gamma: lines(-vk.gamma_g2),
            neg_delta: lines(-vk.delta_g2),
            neg_alpha_beta: MillerValue::of(&[(-vk.alpha_g1, &beta)])
                .expect("a verifying key's point is on G1"),
        }
    }
}

/// The single check with arkworks' pairing and the prepared key (wasm32).
#[cfg(target_arch = "wasm32")]
fn single_arkworks(item: &ProofItem, ic: G1Affine) -> Result<(), Groth16Error> {
    let pvk = item.pvk;
    let ml = Bls12_381::multi_miller_loop(
        [
            G1Prepared::from(item.proof.a),
            G1Prepared::from(ic),
            G1Prepared::from(item.proof.c),
        ],
        [
            G2Prepared::from(item.proof.b),
            pvk.gamma_g2_neg_pc.clone(),
            pvk.delta_g2_neg_pc.clone(),
        ],
    );
    match Bls12_381::final_exponentiation(ml) {
        Some(out) if out.0 == pvk.alpha_g1_beta_g2 => Ok(()),
        _ => Err(Groth16Error::Invalid),
    }
}

/// A uniformly random nonzero batch coefficient `a + b·λ`: `a`, `b` uniform
/// 64-bit, the pair `(0, 0)` (the only one giving 0) rejected and redrawn.
/// The map `(a, b) ↦ a + b·λ mod r` being injective, the coefficient is
/// uniform over `2^128 − 1` distinct nonzero scalars.
fn random_coefficient<R: RngCore + ?Sized>(rng: &mut R) -> GlvScalar {
    loop {
        let k = GlvScalar {
            a: rng.next_u64(),
            b: rng.next_u64(),
        };
        if !k.is_zero() {
            return k;
        }
    }
}

/// The items of a batch that share one verifying key.
struct KeyGroup<'a> {
    pvk: &'a PreparedVerifyingKey<Bls12_381>,
    members: Vec<usize>,
}

/// Groups the items by verifying key: by address first, then by equality of
/// the whole prepared key (so equal keys held in different places share their
/// terms).
fn group_by_key<'a>(items: &[ProofItem<'a>]) -> Vec<KeyGroup<'a>> {
    let mut groups: Vec<KeyGroup<'a>> = Vec::new();
    // Every key address seen so far, with its group.
    let mut seen: Vec<(*const PreparedVerifyingKey<Bls12_381>, usize)> = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let addr: *const _ = item.pvk;
        let g = match seen.iter().find(|(p, _)| ptr::eq(*p, addr)) {
            Some(&(_, g)) => g,
            None => {
                let g = match groups.iter().position(|g| *g.pvk == *item.pvk) {
                    Some(g) => g,
                    None => {
                        groups.push(KeyGroup {
                            pvk: item.pvk,
                            members: Vec::new(),
                        });
                        groups.len() - 1
                    }
                };
                seen.push((addr, g));
                g
            }
        };
        groups[g].members.push(i);
    }
    groups
}

/// Verifies many Groth16 proofs at once with a random linear combination.
///
/// For independent random nonzero coefficients `r_i = a_i + b_i·λ` (64-bit
/// `a_i`, `b_i` drawn from `rng`: 2^128 − 1 distinct values), checks
///
/// ```text
/// Π_i e(r_i A_i, B_i) = Π_vk e(Σ r_i α, β) · e(Σ_{i∈vk} r_i IC(x_i), γ) · e(Σ r_i C_i, δ)
/// ```
///
/// with one multi-Miller loop and one final exponentiation (see the
/// [module documentation](self) for why this holds and why an invalid batch
/// passes with probability at most about `2^-128`). Items may use different
/// verifying keys; the key terms are computed once per distinct key. The
/// per-proof work (checks, scalar multiplications, line precomputation) runs
/// in parallel. An empty batch is valid; a batch of one is checked with
/// [`verify_single`].
///
/// `rng` must be unpredictable to whoever made the proofs.
///
/// # Errors
///
/// [`Groth16Error::WrongInputCountAt`] or [`Groth16Error::MalformedProofAt`]
/// for the first item that is structurally wrong; [`Groth16Error::Invalid`] if
/// the combined pairing check fails (at least one proof is invalid: use
/// [`batch_verify_report`] to find which), or [`Groth16Error::InvalidAt`] when
/// the batch has a single item.
pub fn batch_verify(items: &[ProofItem], rng: &mut dyn CryptoRngCore) -> Result<(), Groth16Error> {
    batch(items, rng, Points::Check)
}

/// [`batch_verify`] for proofs whose points were already validated — on the
/// curve and in the prime-order subgroups — when they were decoded (by
/// `Proof::deserialize_compressed`/`deserialize_uncompressed` with
/// validation, as `Transaction::from_bytes` and
/// [`decode_proof`](crate::transaction::decode_proof) do) or that an honest
/// prover made: it skips those checks, about a quarter of the batch's cost.
/// Input counts are still checked.
///
/// Use it only for such proofs: for a proof point outside the subgroup (one
/// made with an `*_unchecked` constructor or decoder) the batch is not sound.
/// For proofs of unknown origin use [`batch_verify`].
///
/// # Errors
///
/// As [`batch_verify`], but never [`Groth16Error::MalformedProofAt`] for a
/// batch of two or more.
pub fn batch_verify_validated(
    items: &[ProofItem],
    rng: &mut dyn CryptoRngCore,
) -> Result<(), Groth16Error> {
    batch(items, rng, Points::Validated)
}

fn batch(
    items: &[ProofItem],
    rng: &mut dyn CryptoRngCore,
    points: Points,
) -> Result<(), Groth16Error> {
    match items {
        [] => return Ok(()),
        // One proof: the plain check is cheaper and needs no randomness.
        [item] => return verify_single(item).map_err(|e| e.at(0)),
        _ => {}
    }
    if let Some(err) = items
        .par_iter()
        .enumerate()
        .find_map_first(|(i, item)| item.check_shape(points).err().map(|e| e.at(i)))
    {
        return Err(err);
    }

    let r: Vec<GlvScalar> = items.iter().map(|_| random_coefficient(rng)).collect();
    let r_fr: Vec<Fr> = r.iter().map(|r| r.to_fr()).collect();

    // Per key: −(Σ r_i)·α paired with β, Σ r_i·IC(x_i) with −γ, Σ r_i·C_i with −δ.
    let groups = group_by_key(items);
    let key_terms: Vec<([G1Projective; 3], [G2Affine; 3])> = groups
        .par_iter()
        .map(|g| {
            let n_ic = g.pvk.vk.gamma_abc_g1.len();
            // s_0 = Σ r_i, s_j = Σ r_i·x_{i,j}.
            let s = g
                .members
                .par_iter()
                .fold(
                    || vec![Fr::zero(); n_ic],
                    |mut s, &i| {
                        s[0] += r_fr[i];
                        for (s_j, x) in s[1..].iter_mut().zip(items[i].public_inputs) {
                            *s_j += r_fr[i] * x;
                        }
                        s
                    },
                )
                .reduce(
                    || vec![Fr::zero(); n_ic],
                    |mut a, b| {
                        a.iter_mut().zip(&b).for_each(|(a, b)| *a += b);
                        a
                    },
                );
            let ic = G1Projective::msm_unchecked(&g.pvk.vk.gamma_abc_g1, &s);
            let alpha = g.pvk.vk.alpha_g1.mul_bigint((-s[0]).into_bigint());
            let cs: Vec<G1Affine> = g.members.iter().map(|&i| items[i].proof.c).collect();
            let rs: Vec<GlvScalar> = g.members.iter().map(|&i| r[i]).collect();
            let c = crate::curve::g1_msm_glv(&cs, &rs);
            let vk = &g.pvk.vk;
            ([alpha, ic, c], [vk.beta_g2, -vk.gamma_g2, -vk.delta_g2])
        })
        .collect();

    // e(r_i·A_i, B_i) for every proof (the scalar multiplications run with
    // the Miller loops), then the key terms.
    let mut g1: Vec<G1Affine> = items.iter().map(|item| item.proof.a).collect();
    let mut g2: Vec<G2Affine> = items.iter().map(|item| item.proof.b).collect();
    let mut scalars = r;
    let key_g1: Vec<G1Projective> = key_terms.iter().flat_map(|(p, _)| *p).collect();
    g1.extend(G1Projective::normalize_batch(&key_g1));
    for (_, q) in key_terms {
        g2.extend(q);
        scalars.extend([GlvScalar::ONE; 3]);
    }
    if crate::curve::scaled_pairing_product_is_one(&g1, &scalars, &g2) {
        Ok(())
    } else {
        Err(Groth16Error::Invalid)
    }
}

/// Like [`batch_verify`], but on failure names the invalid items.
///
/// Runs the randomized batch first; if it fails, checks every item on its own
/// (in parallel, deterministically) and returns the indices of those that
/// fail, in increasing order, input-count mismatches and malformed proofs
/// included. Returns `Ok(())` if all items are valid (an empty batch is).
///
/// # Errors
///
/// The sorted indices of the invalid items.
pub fn batch_verify_report(
    items: &[ProofItem],
    rng: &mut dyn CryptoRngCore,
) -> Result<(), Vec<usize>> {
    if batch_verify(items, rng).is_ok() {
        return Ok(());
    }
    let bad: Vec<usize> = items
        .par_iter()
        .enumerate()
        .filter_map(|(i, item)| verify_single(item).err().map(|_| i))
        .collect();
    if bad.is_empty() {
        Ok(())
    } else {
        Err(bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ark_groth16::{prepare_verifying_key, Groth16};
    use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
    use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};
    use ark_serialize::{CanonicalDeserialize, CanonicalSerialize};
    use ark_snark::{CircuitSpecificSetupSNARK, SNARK};
    use ark_std::UniformRand;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use std::time::Instant;

    /// Knowledge of `x, y` with `x·y = z`, `z` public.
    #[derive(Clone)]
    struct Mul {
        x: Option<Fr>,
        y: Option<Fr>,
    }

    impl ConstraintSynthesizer<Fr> for Mul {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let x = FpVar::new_witness(cs.clone(), || {
                self.x.ok_or(SynthesisError::AssignmentMissing)
            })?;
            let y = FpVar::new_witness(cs.clone(), || {
                self.y.ok_or(SynthesisError::AssignmentMissing)
            })?;
            let z = FpVar::new_input(cs, || {
                Ok(self.x.ok_or(SynthesisError::AssignmentMissing)?
                    * self.y.ok_or(SynthesisError::AssignmentMissing)?)
            })?;
            (&x * &y).enforce_equal(&z)
        }
    }

    /// Knowledge of `x, y` with `x·y = p` and `x + y = s`, `p, s` public.
    #[derive(Clone)]
    struct MulAdd {
        x: Option<Fr>,
        y: Option<Fr>,
    }

    impl ConstraintSynthesizer<Fr> for MulAdd {
        fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
            let (x, y) = (self.x, self.y);
            let xv = FpVar::new_witness(cs.clone(), || x.ok_or(SynthesisError::AssignmentMissing))?;
            let yv = FpVar::new_witness(cs.clone(), || y.ok_or(SynthesisError::AssignmentMissing))?;
            let p = FpVar::new_input(cs.clone(), || {
                Ok(x.ok_or(SynthesisError::AssignmentMissing)?
                    * y.ok_or(SynthesisError::AssignmentMissing)?)
            })?;
            let s = FpVar::new_input(cs, || {
                Ok(x.ok_or(SynthesisError::AssignmentMissing)?
                    + y.ok_or(SynthesisError::AssignmentMissing)?)
            })?;
            (&xv * &yv).enforce_equal(&p)?;
            (&xv + &yv).enforce_equal(&s)
        }
    }

    /// Two keys and `n` proofs alternating between them (even: `Mul`, odd:
    /// `MulAdd`).
    struct Fixture {
        pvks: [PreparedVerifyingKey<Bls12_381>; 2],
        proofs: Vec<Proof<Bls12_381>>,
        inputs: Vec<Vec<Fr>>,
        key_of: Vec<usize>,
    }

    impl Fixture {
        fn new(n: usize, seed: u64) -> Self {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let (pk1, vk1) =
                Groth16::<Bls12_381>::setup(Mul { x: None, y: None }, &mut rng).expect("setup 1");
            let (pk2, vk2) = Groth16::<Bls12_381>::setup(MulAdd { x: None, y: None }, &mut rng)
                .expect("setup 2");
            let mut proofs = Vec::with_capacity(n);
            let mut inputs = Vec::with_capacity(n);
            let mut key_of = Vec::with_capacity(n);
            for i in 0..n {
                let (x, y) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
                if i % 2 == 0 {
                    let c = Mul {
                        x: Some(x),
                        y: Some(y),
                    };
                    proofs.push(Groth16::<Bls12_381>::prove(&pk1, c, &mut rng).expect("prove 1"));
                    inputs.push(vec![x * y]);
                    key_of.push(0);
                } else {
                    let c = MulAdd {
                        x: Some(x),
                        y: Some(y),
                    };
                    proofs.push(Groth16::<Bls12_381>::prove(&pk2, c, &mut rng).expect("prove 2"));
                    inputs.push(vec![x * y, x + y]);
                    key_of.push(1);
                }
            }
            let pvks = [prepare_verifying_key(&vk1), prepare_verifying_key(&vk2)];
            Fixture {
                pvks,
                proofs,
                inputs,
                key_of,
            }
        }

        fn items(&self) -> Vec<ProofItem<'_>> {
            (0..self.proofs.len())
                .map(|i| ProofItem {
                    pvk: &self.pvks[self.key_of[i]],
                    proof: &self.proofs[i],
                    public_inputs: &self.inputs[i],
                })
                .collect()
        }
    }

    fn rng() -> ChaCha20Rng {
        ChaCha20Rng::seed_from_u64(0x5eed)
    }

    /// Batch rejects with the plain error and the report names exactly `bad`.
    fn assert_rejected(items: &[ProofItem], bad: &[usize]) {
        assert_eq!(batch_verify(items, &mut rng()), Err(Groth16Error::Invalid));
        assert_eq!(batch_verify_report(items, &mut rng()), Err(bad.to_vec()));
    }

    #[test]
    fn single_valid_proofs_verify() {
        let f = Fixture::new(2, 1);
        for item in f.items() {
            assert_eq!(verify_single(&item), Ok(()));
        }
    }

    /// The key `(α, β, s·γ, t·δ, s⁻¹·IC)`, `C` scaled by `t⁻¹`: the same
    /// pairing values, so the proof stays valid; with `valid = false` the
    /// proof's `C` is left as it was, so it no longer is.
    fn rescaled(
        pvk: &PreparedVerifyingKey<Bls12_381>,
        proof: &Proof<Bls12_381>,
        s: Fr,
        t: Fr,
        valid: bool,
    ) -> (PreparedVerifyingKey<Bls12_381>, Proof<Bls12_381>) {
        use ark_ff::Field;
        let mut vk = pvk.vk.clone();
        vk.gamma_g2 = (vk.gamma_g2 * s).into_affine();
        vk.delta_g2 = (vk.delta_g2 * t).into_affine();
        let s_inv = s.inverse().expect("nonzero");
        for ic in &mut vk.gamma_abc_g1 {
            *ic = (*ic * s_inv).into_affine();
        }
        let mut proof = proof.clone();
        if valid {
            proof.c = (proof.c * t.inverse().expect("nonzero")).into_affine();
        }
        (ark_groth16::prepare_verifying_key(&vk), proof)
    }

    /// The single check's per-key cache (native) is keyed by the key's
    /// points: keys that differ only in `γ` or `δ` never share lines, and
    /// more keys than the cache keeps are recomputed, never confused.
    #[test]
    fn single_verification_never_mixes_up_keys() {
        let f = Fixture::new(1, 30);
        let item = f.items()[0];
        let mut rng = rng();
        for round in 0..40u64 {
            let (s, t) = (Fr::rand(&mut rng), Fr::rand(&mut rng));
            let (pvk, proof) = rescaled(item.pvk, item.proof, s, t, true);
            let ok = ProofItem {
                pvk: &pvk,
                proof: &proof,
                public_inputs: item.public_inputs,
            };
            assert_eq!(verify_single(&ok), Ok(()), "round {round}");
            // The same key, the original proof: C no longer matches t·δ.
            let (pvk2, proof2) = rescaled(item.pvk, item.proof, s, t, false);
            let bad = ProofItem {
                pvk: &pvk2,
                proof: &proof2,
                public_inputs: item.public_inputs,
            };
            assert_eq!(
                verify_single(&bad),
                Err(Groth16Error::Invalid),
                "round {round}"
            );
            // The original key again, after the others: still its own lines.
            assert_eq!(verify_single(&item), Ok(()));
            assert_eq!(
                verify_single(&ProofItem {
                    proof: &proof,
                    ..item
                }),
                Err(Groth16Error::Invalid)
            );
        }
    }

    #[test]
    fn single_wrong_input_is_invalid() {
        let mut f = Fixture::new(2, 2);
        f.inputs[0][0] += Fr::from(1u64);
        f.inputs[1][1] = f.inputs[1][0];
        for item in f.items() {
            assert_eq!(verify_single(&item), Err(Groth16Error::Invalid));
        }
    }

    #[test]
    fn batch_of_valid_proofs_with_mixed_keys_verifies() {
        let f = Fixture::new(24, 3);
        let items = f.items();
        assert_eq!(batch_verify(&items, &mut rng()), Ok(()));
        assert_eq!(batch_verify_report(&items, &mut rng()), Ok(()));
        // Every prefix, including a batch of one.
        for n in 1..6 {
            assert_eq!(batch_verify(&items[..n], &mut rng()), Ok(()), "prefix {n}");
        }
    }

    #[test]
    fn equal_keys_at_different_addresses_are_grouped() {
        let f = Fixture::new(8, 4);
        let copies: Vec<PreparedVerifyingKey<Bls12_381>> =
            (0..8).map(|i| f.pvks[f.key_of[i]].clone()).collect();
        let items: Vec<ProofItem> = (0..8)
            .map(|i| ProofItem {
                pvk: &copies[i],
                proof: &f.proofs[i],
                public_inputs: &f.inputs[i],
            })
            .collect();
        assert_eq!(group_by_key(&items).len(), 2);
        assert_eq!(group_by_key(&f.items()).len(), 2);
        assert_eq!(batch_verify(&items, &mut rng()), Ok(()));
    }

    #[test]
    fn batch_rejects_tampered_a() {
        let mut f = Fixture::new(16, 5);
        let mut r = rng();
        f.proofs[5].a = (G1Affine::generator() * Fr::rand(&mut r)).into_affine();
        assert_rejected(&f.items(), &[5]);
        // A taken from another valid proof is just as wrong.
        let mut f = Fixture::new(16, 5);
        f.proofs[2].a = f.proofs[4].a;
        assert_rejected(&f.items(), &[2]);
    }

    #[test]
    fn batch_rejects_wrong_public_input() {
        let mut f = Fixture::new(16, 6);
        f.inputs[11][1] += Fr::from(1u64);
        assert_rejected(&f.items(), &[11]);
    }

    #[test]
    fn batch_rejects_proofs_swapped_between_keys() {
        let mut f = Fixture::new(16, 7);
        // Item 6 uses key 0 and item 9 key 1: exchange their proofs, keeping
        // keys and inputs (so the input counts still match).
        f.proofs.swap(6, 9);
        assert_rejected(&f.items(), &[6, 9]);
    }

    #[test]
    fn batch_report_names_every_bad_item() {
        let mut f = Fixture::new(20, 8);
        f.inputs[0][0] = Fr::from(7u64);
        f.proofs[13].c = f.proofs[15].c;
        f.proofs[19].b = f.proofs[17].b;
        assert_rejected(&f.items(), &[0, 13, 19]);
    }

    #[test]
    fn batch_of_one_invalid_names_it() {
        let mut f = Fixture::new(1, 9);
        f.inputs[0][0] += Fr::from(1u64);
        let items = f.items();
        assert_eq!(
            batch_verify(&items, &mut rng()),
            Err(Groth16Error::InvalidAt { index: 0 })
        );
        assert_eq!(batch_verify_report(&items, &mut rng()), Err(vec![0]));
    }

    #[test]
    fn wrong_input_count_is_a_typed_error() {
        let mut f = Fixture::new(6, 10);
        f.inputs[2].push(Fr::from(1u64));
        f.inputs[3].clear();
        let items = f.items();
        assert_eq!(
            verify_single(&items[2]),
            Err(Groth16Error::WrongInputCount {
                expected: 1,
                got: 2
            })
        );
        assert_eq!(
            verify_single(&items[3]),
            Err(Groth16Error::WrongInputCount {
                expected: 2,
                got: 0
            })
        );
        assert_eq!(
            batch_verify(&items, &mut rng()),
            Err(Groth16Error::WrongInputCountAt {
                index: 2,
                expected: 1,
                got: 2
            })
        );
        assert_eq!(batch_verify_report(&items, &mut rng()), Err(vec![2, 3]));
        // A proof presented under the other circuit's key.
        let swapped = ProofItem {
            pvk: &f.pvks[1],
            ..items[0]
        };
        assert_eq!(
            verify_single(&swapped),
            Err(Groth16Error::WrongInputCount {
                expected: 2,
                got: 1
            })
        );
    }

    /// A point on the curve outside the prime-order subgroup: most points of
    /// E(Fq) are (the cofactor is about 2^126).
    fn off_subgroup_point() -> G1Affine {
        (1u64..)
            .find_map(|x| {
                G1Affine::get_point_from_x_unchecked(x.into(), false)
                    .filter(|p| !p.is_in_correct_subgroup_assuming_on_curve())
            })
            .expect("a point outside the subgroup")
    }

    #[test]
    fn points_outside_the_subgroup_are_rejected() {
        let off = off_subgroup_point();
        let mut f = Fixture::new(4, 11);
        f.proofs[1].c = off;
        let items = f.items();
        assert_eq!(verify_single(&items[1]), Err(Groth16Error::MalformedProof));
        assert_eq!(
            batch_verify(&items, &mut rng()),
            Err(Groth16Error::MalformedProofAt { index: 1 })
        );
        assert_eq!(batch_verify_report(&items, &mut rng()), Err(vec![1]));
    }

    #[test]
    fn validated_batch_accepts_valid_and_rejects_invalid_proofs() {
        let f = Fixture::new(24, 13);
        assert_eq!(batch_verify_validated(&f.items(), &mut rng()), Ok(()));
        assert_eq!(batch_verify_validated(&[], &mut rng()), Ok(()));
        // Tampered A (a valid subgroup point, just the wrong one).
        let mut f = Fixture::new(16, 14);
        f.proofs[3].a = f.proofs[5].a;
        assert_eq!(
            batch_verify_validated(&f.items(), &mut rng()),
            Err(Groth16Error::Invalid)
        );
        // A wrong public input.
        let mut f = Fixture::new(16, 15);
        f.inputs[8][0] += Fr::from(1u64);
        assert_eq!(
            batch_verify_validated(&f.items(), &mut rng()),
            Err(Groth16Error::Invalid)
        );
        // Proofs swapped between the two keys.
        let mut f = Fixture::new(16, 16);
        f.proofs.swap(6, 9);
        assert_eq!(
            batch_verify_validated(&f.items(), &mut rng()),
            Err(Groth16Error::Invalid)
        );
        // A batch of one still names its item.
        let mut f = Fixture::new(1, 17);
        f.inputs[0][0] += Fr::from(1u64);
        assert_eq!(
            batch_verify_validated(&f.items(), &mut rng()),
            Err(Groth16Error::InvalidAt { index: 0 })
        );
    }

    #[test]
    fn validated_batch_still_checks_input_counts() {
        let mut f = Fixture::new(6, 18);
        f.inputs[4].push(Fr::from(1u64));
        assert_eq!(
            batch_verify_validated(&f.items(), &mut rng()),
            Err(Groth16Error::WrongInputCountAt {
                index: 4,
                expected: 1,
                got: 2
            })
        );
    }

    #[test]
    fn checked_batch_rejects_what_the_validated_batch_trusts() {
        // The checked path is the one for raw input: a point outside the
        // subgroup is named there, whereas the validated path leaves it to the
        // decoder (which rejects it: see the transaction decoder's tests).
        let off = off_subgroup_point();
        let mut f = Fixture::new(4, 19);
        f.proofs[2].a = off;
        assert_eq!(
            batch_verify(&f.items(), &mut rng()),
            Err(Groth16Error::MalformedProofAt { index: 2 })
        );
        let mut bytes = Vec::new();
        f.proofs[2]
            .serialize_compressed(&mut bytes)
            .expect("serializes");
        assert!(
            Proof::<Bls12_381>::deserialize_compressed(&bytes[..]).is_err(),
            "validated decoding rejects the point the validated batch would not check"
        );
    }

    #[test]
    fn empty_batch_is_valid() {
        assert_eq!(batch_verify(&[], &mut rng()), Ok(()));
        assert_eq!(batch_verify_report(&[], &mut rng()), Ok(()));
    }

    #[test]
    fn random_scalars_are_nonzero() {
        /// Yields zeros first, then counts up.
        struct ZerosFirst(u64);
        impl RngCore for ZerosFirst {
            fn next_u32(&mut self) -> u32 {
                self.next_u64() as u32
            }
            fn next_u64(&mut self) -> u64 {
                self.0 += 1;
                if self.0 <= 4 {
                    0
                } else {
                    self.0
                }
            }
            fn fill_bytes(&mut self, dest: &mut [u8]) {
                rand_core::impls::fill_bytes_via_next(self, dest)
            }
            fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
                self.fill_bytes(dest);
                Ok(())
            }
        }
        let mut r = ZerosFirst(0);
        assert_eq!(random_coefficient(&mut r), GlvScalar { a: 5, b: 6 });
        let mut r = rng();
        assert!((0..1000).all(|_| !random_coefficient(&mut r).to_fr().is_zero()));
        // Both halves are used: a zero in one half alone is a valid draw.
        let mut r = ZerosFirst(3);
        assert_eq!(random_coefficient(&mut r), GlvScalar { a: 0, b: 5 });
    }

    /// Ways to make one proof of a valid batch invalid while keeping every
    /// point in its subgroup (what the validated path trusts decoding for).
    fn corrupt(f: &mut Fixture, i: usize, kind: usize) {
        let n = f.proofs.len();
        let other = (i + 2) % n;
        match kind {
            // A, B or C of another proof.
            0 => f.proofs[i].a = f.proofs[other].a,
            1 => f.proofs[i].b = f.proofs[other].b,
            2 => f.proofs[i].c = (f.proofs[i].c + G1Affine::generator()).into_affine(),
            // A replaced by φ(A) = [λ]A: the endomorphism the batch's
            // multiplications use must not make a proof pass.
            3 => f.proofs[i].a = crate::curve::endomorphism(&f.proofs[i].a),
            // −A, and A at infinity (in G1, so not a malformed proof).
            4 => f.proofs[i].a = -f.proofs[i].a,
            5 => f.proofs[i].a = G1Affine::zero(),
            // A wrong public input.
            _ => f.inputs[i][0] += Fr::from(1u64),
        }
    }

    #[test]
    fn one_bad_proof_at_any_position_is_refused() {
        let n = 7;
        let valid = Fixture::new(n, 21);
        assert_eq!(batch_verify(&valid.items(), &mut rng()), Ok(()));
        for i in 0..n {
            for kind in 0..7 {
                let mut f = Fixture {
                    pvks: valid.pvks.clone(),
                    proofs: valid.proofs.clone(),
                    inputs: valid.inputs.clone(),
                    key_of: valid.key_of.clone(),
                };
                corrupt(&mut f, i, kind);
                let items = f.items();
                assert_eq!(
                    batch_verify(&items, &mut rng()),
                    Err(Groth16Error::Invalid),
                    "checked batch, item {i}, corruption {kind}"
                );
                assert_eq!(
                    batch_verify_validated(&items, &mut rng()),
                    Err(Groth16Error::Invalid),
                    "validated batch, item {i}, corruption {kind}"
                );
                assert_eq!(
                    batch_verify_report(&items, &mut rng()),
                    Err(vec![i]),
                    "report, item {i}, corruption {kind}"
                );
            }
        }
    }

    #[test]
    fn errors_that_cancel_without_coefficients_are_refused() {
        // Items 0 and 2 share a key: exchanging their C makes the errors
        // e(C_2 − C_0, δ) and e(C_0 − C_2, δ) inverse to each other, so an
        // unweighted product of the checks would pass; random coefficients
        // must not.
        let mut f = Fixture::new(6, 22);
        let (c0, c2) = (f.proofs[0].c, f.proofs[2].c);
        f.proofs[0].c = c2;
        f.proofs[2].c = c0;
        let items = f.items();
        for seed in 0..8 {
            let mut r = ChaCha20Rng::seed_from_u64(seed);
            assert_eq!(batch_verify(&items, &mut r), Err(Groth16Error::Invalid));
            let mut r = ChaCha20Rng::seed_from_u64(seed);
            assert_eq!(
                batch_verify_validated(&items, &mut r),
                Err(Groth16Error::Invalid)
            );
        }
        assert_eq!(batch_verify_report(&items, &mut rng()), Err(vec![0, 2]));
        // The same two proofs with equal coefficients cancel indeed: what
        // the test above relies on the coefficients to catch.
        let key = &f.pvks[0];
        let lhs = Bls12_381::multi_pairing(
            [f.proofs[0].a, f.proofs[2].a],
            [f.proofs[0].b, f.proofs[2].b],
        );
        let ic = |i: usize| prepare_inputs(key, &f.inputs[i]).into_affine();
        let rhs = Bls12_381::multi_pairing(
            [key.vk.alpha_g1, key.vk.alpha_g1, ic(0), ic(2), c0, c2],
            [
                key.vk.beta_g2,
                key.vk.beta_g2,
                key.vk.gamma_g2,
                key.vk.gamma_g2,
                key.vk.delta_g2,
                key.vk.delta_g2,
            ],
        );
        assert_eq!(lhs, rhs);
    }

    /// Where a batch's time goes, phase by phase, on the current thread:
    /// `RAYON_NUM_THREADS=1 cargo test --release -p superzk-verifier -- --ignored --nocapture phases`
    #[test]
    #[ignore = "timing, prints the cost of each phase of a batch"]
    fn timing_batch_phases() {
        let n = 64;
        let f = Fixture::new(n, 20);
        let items = f.items();
        let reps = 20u32;
        let mut r = rng();
        let rs: Vec<GlvScalar> = (0..n).map(|_| random_coefficient(&mut r)).collect();
        let phase = |name: &str, work: &dyn Fn()| {
            work();
            let t = Instant::now();
            for _ in 0..reps {
                work();
            }
            let d = t.elapsed() / reps;
            println!("{name:40} {d:?} ({:?}/proof)", d / n as u32);
        };
        phase("subgroup checks", &|| {
            items
                .iter()
                .for_each(|i| assert!(i.check_well_formed().is_ok()))
        });
        phase("r_i·A_i (arkworks, a + b·λ)", &|| {
            items.iter().zip(&rs).for_each(|(i, r)| {
                let _ = std::hint::black_box(i.proof.a.mul_bigint(r.to_fr().into_bigint()));
            })
        });
        phase("G2Prepared::from(B_i)", &|| {
            items
                .iter()
                .for_each(|i| drop(std::hint::black_box(G2Prepared::from(i.proof.b))))
        });
        let cs: Vec<G1Affine> = items.iter().map(|i| i.proof.c).collect();
        let rs_fr: Vec<Fr> = rs.iter().map(|r| r.to_fr()).collect();
        phase("MSM Σ r_i·C_i", &|| {
            let _ = std::hint::black_box(G1Projective::msm_unchecked(&cs, &rs_fr));
        });
        let ras: Vec<G1Projective> = cs.iter().map(|c| c.into_group()).collect();
        phase("normalize n G1 points", &|| {
            let _ = std::hint::black_box(G1Projective::normalize_batch(&ras));
        });
        let g1: Vec<G1Prepared> = items.iter().map(|i| G1Prepared::from(i.proof.a)).collect();
        let g2: Vec<G2Prepared> = items.iter().map(|i| G2Prepared::from(i.proof.b)).collect();
        phase("multi-Miller loop over n pairs", &|| {
            let _ = std::hint::black_box(Bls12_381::multi_miller_loop(g1.clone(), g2.clone()));
        });
        let ml = Bls12_381::multi_miller_loop(g1.clone(), g2.clone());
        phase("final exponentiation (once per batch)", &|| {
            let _ = std::hint::black_box(Bls12_381::final_exponentiation(ml));
        });
        phase("whole batch_verify_validated", &|| {
            batch_verify_validated(&items, &mut rng()).expect("valid")
        });
        phase("whole batch_verify (checked)", &|| {
            batch_verify(&items, &mut rng()).expect("valid")
        });
        phase("verify_single, one by one", &|| {
            items.iter().for_each(|i| verify_single(i).expect("valid"))
        });
    }

    /// The fixture's Spend proof (`fixtures/spend.proof`) with its key.
    fn spend_fixture() -> (
        superzk_keys::params::VerifyingParameters,
        crate::proof_file::ProofFile,
    ) {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/");
        let read = |f: &str| std::fs::read(format!("{dir}{f}")).expect("fixture");
        let vk = superzk_keys::params::verifying_key_from_bytes(&read("spend.vk")).expect("key");
        let file = crate::proof_file::ProofFile::from_bytes(&read("spend.proof")).expect("proof");
        (vk, file)
    }

    /// Where one Spend verification's time goes, CPU time of this thread:
    /// `cargo test --release -p superzk-verifier --lib -- --ignored --nocapture timing_single`
    #[test]
    #[ignore = "timing, prints the phases of one verification"]
    fn timing_single_phases() {
        let (vk, file) = spend_fixture();
        let item = ProofItem {
            pvk: &vk.prepared,
            proof: &file.proof,
            public_inputs: &file.public_inputs,
        };
        let cpu = crate::curve::thread_cpu_seconds;
        let reps = 200;
        let phase = |name: &str, work: &dyn Fn()| {
            work();
            let t = cpu();
            for _ in 0..reps {
                work();
            }
            println!("{name:44} {:8.1} us", (cpu() - t) / reps as f64 * 1e6);
        };
        phase("verify_single, whole", &|| {
            verify_single(&item).expect("valid")
        });
        phase("point checks (A, C in G1, B in G2)", &|| {
            item.check_well_formed().expect("well formed")
        });
        phase("g1_ok(A)", &|| assert!(g1_ok(&item.proof.a)));
        phase("g2_ok(B)", &|| assert!(g2_ok(&item.proof.b)));
        phase("IC(x), 6 inputs", &|| {
            let _ = std::hint::black_box(prepare_inputs(item.pvk, item.public_inputs));
        });
        let ic = prepare_inputs(item.pvk, item.public_inputs).into_affine();
        let v = &item.pvk.vk;
        let g1 = [item.proof.a, ic, item.proof.c, -v.alpha_g1];
        let g2 = [item.proof.b, -v.gamma_g2, -v.delta_g2, v.beta_g2];
        phase("pairing product, 4 pairs", &|| {
            assert!(crate::curve::pairing_product_is_one(&g1, &g2))
        });
        phase("pairing product, 1 pair", &|| {
            let _ = std::hint::black_box(crate::curve::pairing_product_is_one(&g1[..1], &g2[..1]));
        });
        // Before (session 12's path: four pairs on blst_miller_loop_n, no
        // precomputation) and now, alternated round by round.
        let before = || {
            item.check_well_formed().expect("well formed");
            let ic = prepare_inputs(item.pvk, item.public_inputs).into_affine();
            let g1 = [item.proof.a, ic, item.proof.c, -v.alpha_g1];
            let g2 = [item.proof.b, -v.gamma_g2, -v.delta_g2, v.beta_g2];
            assert!(crate::curve::pairing_product_is_one(&g1, &g2));
        };
        let (mut old, mut new) = (vec![], vec![]);
        for _ in 0..25 {
            for (times, f) in [
                (&mut old, &before as &dyn Fn()),
                (&mut new, &|| verify_single(&item).expect("valid")),
            ] {
                let t = cpu();
                for _ in 0..20 {
                    f();
                }
                times.push((cpu() - t) / 20.0 * 1e6);
            }
        }
        let median = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        let (o, n) = (median(&mut old), median(&mut new));
        println!("alternated, median of 25 rounds of 20: before {o:.1} us, now {n:.1} us, now/before {:.3}", n / o);
        use crate::curve::lines::{product_is_one, G2Lines, MillerValue};
        let key = fixed::lines_of(v);
        phase("now: lines of B", &|| {
            let _ = std::hint::black_box(G2Lines::new(&item.proof.b));
        });
        let b = G2Lines::new(&item.proof.b).expect("on the curve");
        phase("now: Miller loop, 3 pairs over lines", &|| {
            let pairs = [
                (item.proof.a, &b),
                (ic, &key.neg_gamma),
                (item.proof.c, &key.neg_delta),
            ];
            let _ = std::hint::black_box(MillerValue::of(&pairs));
        });
        phase("now: Miller loop, 1 pair over lines", &|| {
            let _ = std::hint::black_box(MillerValue::of(&[(item.proof.a, &b)]));
        });
        let one = MillerValue::of(&[]).expect("no pairs");
        phase("now: final exponentiation (of 1)", &|| {
            let _ = std::hint::black_box(product_is_one(&[], &[], &one));
        });
    }

    /// `cargo test --release -p superzk-verifier -- --ignored --nocapture timing`
    #[test]
    #[ignore = "timing, prints batch vs single"]
    fn timing_batch_vs_single() {
        for n in [16, 64, 256] {
            let f = Fixture::new(n, 12);
            let items = f.items();
            let mut r = rng();
            batch_verify(&items, &mut r).expect("warm-up");
            let reps = 5;
            let t = Instant::now();
            for _ in 0..reps {
                batch_verify(&items, &mut r).expect("valid");
            }
            let batch = t.elapsed() / reps;
            let t = Instant::now();
            for item in &items {
                verify_single(item).expect("valid");
            }
            let single = t.elapsed();
            let t = Instant::now();
            items
                .par_iter()
                .for_each(|item| verify_single(item).expect("valid"));
            let par_single = t.elapsed();
            println!(
                "n = {n:4} (mixed keys): batch {batch:?} ({:?}/proof), sequential singles {single:?} \
                 ({:?}/proof), parallel singles {par_single:?}; batch speed-up vs sequential {:.1}x, \
                 vs parallel {:.1}x, threads {}",
                batch / n as u32,
                single / n as u32,
                single.as_secs_f64() / batch.as_secs_f64(),
                par_single.as_secs_f64() / batch.as_secs_f64(),
                rayon::current_num_threads(),
            );
        }
    }
}
