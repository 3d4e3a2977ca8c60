//! SuperZK's own Groth16 prover, in small steps: the circuit's matrices
//! built once per proving key ([`r1cs`], [`key`]), the witness synthesized
//! alone per proof, the quotient polynomial by FFTs ([`qap`]), and the
//! multi-scalar multiplications ([`msm`]: A, B in G1 and G2, and H with L
//! as one) run side by side on one pool.
//!
//! Proofs are arkworks' `Proof<Bls12_381>`, made with the same reduction and
//! the same keys as `ark_groth16::Groth16::create_random_proof_with_reduction`
//! (fresh random `r` and `s` per proof): they verify under today's verifying
//! keys, and nothing observable about them changes. The MSMs are blst's,
//! natively and in Wasm (see docs/DECISIONS.md, "Proving with blst").

pub mod fft;
pub mod key;
pub mod msm;
pub mod qap;
pub mod r1cs;

use std::time::Duration;
use web_time::Instant;

use ark_bls12_381::{Bls12_381, Fr, G1Projective, G2Projective};
use ark_ec::CurveGroup;
use ark_ff::{UniformRand, Zero};
use ark_groth16::{Proof, ProvingKey};
use ark_relations::gr1cs::{ConstraintSynthesizer, SynthesisError};
use rand_core::CryptoRngCore;
use superzk_keys::params::Parameters;

use key::PreparedKey;
use zeroize::Zeroizing;

/// Why our prover could not prove.
#[derive(Debug, thiserror::Error)]
pub enum Groth16Error {
    /// The circuit's synthesis failed.
    #[error("synthesizing the circuit failed: {0}")]
    Synthesis(#[from] SynthesisError),
    /// The witness does not satisfy the circuit.
    #[error("the witness does not satisfy constraint {0} of the circuit: check the witness's values (notes, paths, keys)")]
    Unsatisfied(usize),
    /// The circuit synthesized another number of variables than the key's.
    #[error("the circuit has {found:?} (instance, witness) variables, the proving key {expected:?}: prove with the key made for this circuit")]
    Shape {
        /// Variables synthesized.
        found: (usize, usize),
        /// Variables the key has.
        expected: (usize, usize),
    },
    /// The proving key's queries do not match the circuit.
    #[error("the proving key's queries do not match the circuit's shape: load the parameters made for this circuit")]
    KeyShape,
    /// The circuit is too large for the field's FFTs or the matrices' indices.
    #[error("the circuit is too large to prove")]
    TooLarge,
    /// Preparing the key failed (earlier, for an earlier proof).
    #[error("preparing the proving key failed: {0}")]
    Prepare(String),
    /// A table window outside [`msm::tables::WINDOWS`].
    #[error("table window {0} is outside 10..=20: use MsmMode::TABLES or a window in that range")]
    TableWindow(u8),
}

/// How a proving key's MSMs are computed. Proofs are the same in every
/// mode (same randomness, same bytes); the modes trade memory for speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum MsmMode {
    /// blst's Pippenger with the GLV split over the key's points (and their
    /// endomorphism images): about 2 points held per key point. The default,
    /// for wallets and light processes (peak about 60 MiB for a Spend
    /// proof).
    #[default]
    Pippenger,
    /// For servers: each key point kept with its window shifts
    /// `2^(c·j)·P`, so that each MSM is one single-window Pippenger
    /// ([`msm::tables`]). Holds `⌈256/c⌉` points per key point (16 to 20 at
    /// the chosen windows: about 8-10x the default mode's points) and takes
    /// seconds to prepare; proofs are faster (benches/RESULTS.md,
    /// "Round 4").
    Tables {
        /// Bits per digit c, in [`msm::tables::WINDOWS`] (10..=20), for
        /// every query; `None` ([`MsmMode::TABLES`]): chosen per query by
        /// its size ([`msm::tables::best_window`]).
        window: Option<u8>,
    },
}

impl MsmMode {
    /// The table mode, each query's window chosen by its size.
    pub const TABLES: Self = Self::Tables { window: None };

    /// [`Groth16Error::TableWindow`] for a window outside 10..=20.
    fn check(self) -> Result<Self, Groth16Error> {
        match self {
            Self::Tables { window: Some(w) } if !msm::tables::WINDOWS.contains(&w) => {
                Err(Groth16Error::TableWindow(w))
            }
            _ => Ok(self),
        }
    }
}

/// A mode name that [`MsmMode::from_str`] does not know.
#[derive(Debug, thiserror::Error)]
#[error("unknown MSM mode {0:?}: use `pippenger` (the default), `tables`, or `tables:W` with a window W in 10..=20")]
pub struct MsmModeParseError(String);

/// `pippenger`, `tables` ([`MsmMode::TABLES`]: windows chosen per query)
/// or `tables:W` (window W in 10..=20), as a command line or a
/// configuration gives it.
impl std::str::FromStr for MsmMode {
    type Err = MsmModeParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || MsmModeParseError(s.to_owned());
        match s.trim() {
            "pippenger" | "default" => Ok(Self::Pippenger),
            "tables" => Ok(Self::TABLES),
            other => {
                let window = other
                    .strip_prefix("tables:")
                    .and_then(|w| w.parse::<u8>().ok())
                    .filter(|w| msm::tables::WINDOWS.contains(w))
                    .ok_or_else(bad)?;
                Ok(Self::Tables {
                    window: Some(window),
                })
            }
        }
    }
}

/// Where one proof's time went (for the profile in benches/RESULTS.md).
#[derive(Clone, Copy, Debug, Default)]
pub struct Phases {
    /// Preparing the key (zero unless this was the key's first proof).
    pub prepare: Duration,
    /// Synthesizing the witness.
    pub witness: Duration,
    /// Evaluating the matrices and the FFTs of the quotient polynomial.
    pub h_polynomial: Duration,
    /// The MSMs and the final group operations.
    pub msms: Duration,
    /// Each MSM's own time (A, B in G1, B in G2, and H with L as one): on
    /// one thread they add up to most of `msms`; on a pool they overlap.
    pub each_msm: [Duration; 4],
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let t = Instant::now();
    let out = f();
    (out, t.elapsed())
}

/// Prepares `params` for proving now (matrices, blst points) rather than
/// in its first proof; proofs reuse it for the life of the process.
pub fn prepare(params: &Parameters) -> Result<(), Groth16Error> {
    key::prepared(params).map(drop)
}

/// Prepares `params` for proving in `mode` now; later proofs with `params`
/// in this process use it (it replaces a preparation in another mode).
///
/// # Errors
///
/// [`Groth16Error::TableWindow`] for a table window outside 10..=20;
/// [`Groth16Error::KeyShape`] (as [`Groth16Error::Prepare`]) for a key
/// that does not match its circuit.
pub fn prepare_with(params: &Parameters, mode: MsmMode) -> Result<(), Groth16Error> {
    key::prepared_as(params, mode).map(drop)
}

/// A proof of `circuit` under `params`, with fresh `r` and `s`.
pub fn prove<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    params: &Parameters,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, Groth16Error> {
    prove_timed(circuit, params, rng).map(|(proof, _)| proof)
}

/// As [`prove`], reporting where the time went.
pub fn prove_timed<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    params: &Parameters,
    rng: &mut dyn CryptoRngCore,
) -> Result<(Proof<Bls12_381>, Phases), Groth16Error> {
    let t = Instant::now();
    let key = key::prepared(params)?;
    let prepare = t.elapsed();
    let (proof, mut phases) = prove_prepared(circuit, params, &key, rng)?;
    phases.prepare = prepare;
    Ok((proof, phases))
}

/// As [`prove_timed`], with `key` prepared from `params` by the caller.
pub(crate) fn prove_prepared<C: ConstraintSynthesizer<Fr>>(
    circuit: C,
    params: &Parameters,
    key: &PreparedKey,
    rng: &mut dyn CryptoRngCore,
) -> Result<(Proof<Bls12_381>, Phases), Groth16Error> {
    let mut phases = Phases::default();
    let t = Instant::now();
    // The assignment and r, s are secrets: wiped when dropped.
    let z = Zeroizing::new(key.shape.assignment(circuit)?);
    phases.witness = t.elapsed();
    let r = Zeroizing::new(Fr::rand(rng));
    let s = Zeroizing::new(Fr::rand(rng));
    let proof = prove_with(key, &params.proving_key, &z, *r, *s, &mut phases)?;
    Ok((proof, phases))
}

/// The MSMs of a proof (`H` and `L` as one, once `H`'s polynomial is known).
struct Sums {
    a: G1Projective,
    b_g1: G1Projective,
    b_g2: G2Projective,
    /// `Σ hᵢ·Hᵢ + Σ wᵢ·Lᵢ`.
    hl: G1Projective,
}

fn msms(
    key: &PreparedKey,
    pk: &ProvingKey<Bls12_381>,
    z: &[Fr],
    h_of: impl FnOnce() -> Result<Vec<Fr>, Groth16Error> + Send,
    phases: &mut Phases,
) -> Result<Sums, Groth16Error> {
    let witness = &z[key.shape.num_inputs..];
    // The quotient polynomial (then the H and L MSM) runs beside the three
    // MSMs that need only the assignment: all on the caller's pool.
    let (hl, (a, (b_g1, b_g2))) = rayon::join(
        || {
            let t = Instant::now();
            // H is a function of the witness: wiped too.
            let h = Zeroizing::new(h_of()?);
            let spent = t.elapsed();
            Ok::<_, Groth16Error>((timed(|| msm_hl(key, pk, &h, witness)), spent))
        },
        || {
            rayon::join(
                || timed(|| msm_a(key, pk, z)),
                || {
                    rayon::join(
                        || timed(|| msm_b_g1(key, pk, z)),
                        || timed(|| msm_b_g2(key, pk, z)),
                    )
                },
            )
        },
    );
    let ((hl, hl_msm), spent) = hl?;
    phases.h_polynomial = spent;
    let ((a, ta), (b_g1, tb1), (b_g2, tb2)) = (a, b_g1, b_g2);
    phases.each_msm = [ta, tb1, tb2, hl_msm];
    Ok(Sums { a, b_g1, b_g2, hl })
}

mod backend {
    use super::key::KeyPoints;
    use super::msm::tables::Accumulation;
    use super::*;
    // In the table mode, each query's bucket accumulation is the one that
    // measured faster on it (benches/RESULTS.md, "Round 7c"): sorted
    // pairwise rounds for A and B (a witness's repeated digits pile into a
    // few buckets: the rounds have no conflicts, where input-order batches
    // must wait) and for the Output key's H + L; input-order batched affine
    // buckets for the Spend key's H + L at its wide window (random H
    // scalars spread evenly over 2^15 buckets, where sorting buys nothing).
    pub fn msm_a(key: &PreparedKey, _: &ProvingKey<Bls12_381>, z: &[Fr]) -> G1Projective {
        match &key.points {
            KeyPoints::Pippenger(k) => k.a.msm(z),
            KeyPoints::Tables(k) => k.a.msm_joined_with(&[z], Accumulation::Sorted),
        }
    }
    pub fn msm_b_g1(key: &PreparedKey, _: &ProvingKey<Bls12_381>, z: &[Fr]) -> G1Projective {
        match &key.points {
            KeyPoints::Pippenger(k) => k.b_g1.msm(z),
            KeyPoints::Tables(k) => k.b_g1.msm_joined_with(&[z], Accumulation::Sorted),
        }
    }
    pub fn msm_b_g2(key: &PreparedKey, _: &ProvingKey<Bls12_381>, z: &[Fr]) -> G2Projective {
        match &key.points {
            KeyPoints::Pippenger(k) => k.b_g2.msm(z),
            KeyPoints::Tables(k) => k.b_g2.msm_joined_with(&[z], Accumulation::Sorted),
        }
    }
    pub fn msm_hl(
        key: &PreparedKey,
        _: &ProvingKey<Bls12_381>,
        h: &[Fr],
        w: &[Fr],
    ) -> G1Projective {
        match &key.points {
            KeyPoints::Pippenger(k) => k.hl.msm_joined(&[h, w]),
            KeyPoints::Tables(k) => {
                // Input-order batches on wide windows (the Spend key's 16);
                // sorted rounds below (the Output key's 13).
                let how = if k.hl.window() >= 15 {
                    Accumulation::BatchAffine
                } else {
                    Accumulation::Sorted
                };
                k.hl.msm_joined_with(&[h, w], how)
            }
        }
    }
}

use backend::{msm_a, msm_b_g1, msm_b_g2, msm_hl};

/// The proof for assignment `z` with randomness `r`, `s`:
/// `A = α + Σ zᵢ·aᵢ + r·δ`, `B = β + Σ zᵢ·bᵢ + s·δ` (in G1 and G2),
/// `C = s·A + r·B₁ − r·s·δ + Σ wᵢ·lᵢ + Σ hᵢ·Hᵢ`.
fn prove_with(
    key: &PreparedKey,
    pk: &ProvingKey<Bls12_381>,
    z: &[Fr],
    r: Fr,
    s: Fr,
    phases: &mut Phases,
) -> Result<Proof<Bls12_381>, Groth16Error> {
    let t = Instant::now();
    let sums = msms(
        key,
        pk,
        z,
        || qap::h_polynomial(&key.shape, &key.transforms, z),
        phases,
    )?;
    let delta_g1 = pk.delta_g1;
    let g_a = sums.a + pk.vk.alpha_g1 + delta_g1 * r;
    let g1_b = if r.is_zero() {
        // As arkworks: B in G1 only serves C's r·B term.
        G1Projective::zero()
    } else {
        sums.b_g1 + pk.beta_g1 + delta_g1 * s
    };
    let g2_b = sums.b_g2 + pk.vk.beta_g2 + pk.vk.delta_g2 * s;
    let g_c = g_a * s + g1_b * r - delta_g1 * (r * s) + sums.hl;
    phases.msms = t.elapsed().saturating_sub(phases.h_polynomial);
    Ok(Proof {
        a: g_a.into_affine(),
        b: g2_b.into_affine(),
        c: g_c.into_affine(),
    })
}

#[cfg(test)]
mod tests;
