//! The multi-party setup of a circuit's Groth16 parameters: any one honest
//! participant (one who draws fresh secrets and forgets them) makes the
//! parameters sound.
//!
//! Two phases, both with contributions, in one transcript per circuit:
//!
//! 1. [`phase1`]: powers of tau sized for the circuit's domain, each
//!    participant multiplying in secret `τ`, `α`, `β`;
//! 2. [`phase2`]: the circuit's parameters computed from the final powers,
//!    each participant multiplying in a secret `δ` (Bowe–Gabizon–Miers, the
//!    approach of Zcash's Sapling ceremony).
//!
//! Each contribution comes with Schnorr proofs of knowledge ([`pok`]) bound
//! to the digest of all earlier contributions, so contributions cannot be
//! dropped, reordered or copied. [`Transcript::verify`] checks everything
//! from scratch: every proof, the pairing relations between consecutive
//! contributions, the consistency of the stored powers, and that the
//! parameters are exactly those the circuit and the powers give, with the
//! final `δ`. The file format is in `docs/PROTOCOL.md` ("Parameter
//! ceremony").

pub mod phase1;
pub mod phase2;
pub mod pok;

use ark_bls12_381::{Bls12_381, Fr, G1Affine, G2Affine};
use ark_ec::AffineRepr;
use ark_groth16::ProvingKey;
use ark_poly::{EvaluationDomain, Radix2EvaluationDomain};
use ark_relations::gr1cs::{
    ConstraintSynthesizer, ConstraintSystem, OptimizationGoal, SynthesisMode, R1CS_PREDICATE_LABEL,
};
use ark_serialize::{CanonicalDeserialize, CanonicalSerialize, Compress, Validate};
use blake2::{digest::consts::U32, Blake2b, Blake2b512, Digest};
use rand_core::{CryptoRngCore, RngCore};
use rayon::prelude::*;

use phase1::{Phase1Contribution, Powers};
use phase2::Phase2Contribution;

/// Called with the number of points just processed (from several threads).
pub type Progress<'a> = dyn Fn(u64) + Sync + 'a;

/// Why a transcript cannot be used.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum CeremonyError {
    /// The bytes are not a transcript.
    #[error("not a valid ceremony transcript: {0}")]
    Malformed(String),
    /// The transcript is for another circuit.
    #[error("the transcript is for another circuit (or another version of it): {0}")]
    WrongCircuit(String),
    /// A contribution's proof or pairing relation fails.
    #[error("phase {phase} contribution {index} is invalid: {reason}")]
    BadContribution {
        /// 1 or 2.
        phase: u8,
        /// Its position (from 1).
        index: usize,
        /// What fails.
        reason: String,
    },
    /// The stored powers or parameters do not follow from the contributions.
    #[error("{0}")]
    Inconsistent(String),
    /// The step asked for does not fit the transcript's state.
    #[error("{0}")]
    WrongState(String),
    /// The circuit does not synthesize.
    #[error("the circuit does not synthesize: {0}")]
    Circuit(String),
}

/// The randomness of one contribution: a ChaCha20 stream seeded with the
/// hash of 64 bytes from the operating system and the participant's own
/// text, so that either source alone suffices if the other is weak.
pub fn contribution_rng(user_entropy: &[u8]) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    let mut os = [0u8; 64];
    rand_core::OsRng.fill_bytes(&mut os);
    let mut h = Blake2b::<U32>::new();
    h.update(b"SuperZK ceremony entropy");
    h.update(os);
    h.update(user_entropy);
    let mut seed: [u8; 32] = h.finalize().into();
    zeroize::Zeroize::zeroize(&mut os);
    let rng = rand_chacha::ChaCha20Rng::from_seed(seed);
    zeroize::Zeroize::zeroize(&mut seed);
    rng
}

/// A circuit's constraint system, as the ceremony needs it.
#[derive(Clone, Debug)]
pub struct R1cs {
    /// The A, B, C matrices (rows of `(coefficient, variable)`).
    pub matrices: [Vec<Vec<(Fr, usize)>>; 3],
    /// Instance variables, the constant 1 included.
    pub num_instance: usize,
    /// Witness variables.
    pub num_witness: usize,
    /// Constraints.
    pub num_constraints: usize,
    /// Blake2b-256 of all of the above: transcripts name their circuit by it.
    pub digest: [u8; 32],
}

impl R1cs {
    /// Synthesizes `circuit` (blank witnesses suffice) the way arkworks'
    /// Groth16 generator does.
    pub fn of<C: ConstraintSynthesizer<Fr>>(circuit: C) -> Result<Self, CeremonyError> {
        let err = |e: ark_relations::gr1cs::SynthesisError| CeremonyError::Circuit(e.to_string());
        let cs = ConstraintSystem::<Fr>::new_ref();
        cs.set_optimization_goal(OptimizationGoal::Constraints);
        cs.set_mode(SynthesisMode::Setup);
        circuit.generate_constraints(cs.clone()).map_err(err)?;
        cs.finalize();
        let mut all = cs.to_matrices().map_err(err)?;
        let m = all
            .remove(R1CS_PREDICATE_LABEL)
            .ok_or_else(|| CeremonyError::Circuit("no R1CS constraints".into()))?;
        let [a, b, c]: [Vec<Vec<(Fr, usize)>>; 3] = m
            .try_into()
            .map_err(|_| CeremonyError::Circuit("R1CS has three matrices".into()))?;
        let mut h = Blake2b::<U32>::new();
        h.update(b"SuperZK ceremony R1CS");
        let (ni, nw, nc) = (
            cs.num_instance_variables(),
            cs.num_witness_variables(),
            cs.num_constraints(),
        );
        for n in [ni, nw, nc] {
            h.update((n as u64).to_le_bytes());
        }
        for row in a.iter().chain(&b).chain(&c) {
            h.update((row.len() as u64).to_le_bytes());
            for (coeff, var) in row {
                let mut bytes = Vec::with_capacity(32);
                coeff.serialize_compressed(&mut bytes).expect("in memory");
                h.update(&bytes);
                h.update((*var as u64).to_le_bytes());
            }
        }
        Ok(Self {
            matrices: [a, b, c],
            num_instance: ni,
            num_witness: nw,
            num_constraints: nc,
            digest: h.finalize().into(),
        })
    }

    /// The evaluation domain arkworks uses for this circuit.
    pub fn domain(&self) -> Result<Radix2EvaluationDomain<Fr>, CeremonyError> {
        Radix2EvaluationDomain::new(self.num_constraints + self.num_instance)
            .ok_or_else(|| CeremonyError::Circuit("the circuit is too large for BLS12-381".into()))
    }
}

/// A ceremony transcript: its circuit, every contribution, the current
/// powers of tau and (from phase 2 on) the current parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct Transcript {
    /// The circuit's id byte (`CircuitKind::id`; 0 for other circuits).
    pub circuit: u8,
    /// The circuit's [`R1cs::digest`].
    pub r1cs_digest: [u8; 32],
    /// Phase-1 contributions, in order.
    pub phase1: Vec<Phase1Contribution>,
    /// The powers of tau after them.
    pub powers: Powers,
    /// Phase-2 contributions, in order.
    pub phase2: Vec<Phase2Contribution>,
    /// The parameters after them; `None` while in phase 1.
    pub params: Option<ProvingKey<Bls12_381>>,
}

#[derive(CanonicalSerialize, CanonicalDeserialize)]
struct Body {
    phase1: Vec<Phase1Contribution>,
    powers: Powers,
    phase2: Vec<Phase2Contribution>,
    params: Option<ProvingKey<Bls12_381>>,
}

const MAGIC: &[u8; 4] = b"SZKC";
const VERSION: u8 = 1;
const HEADER_LEN: usize = 4 + 1 + 1 + 32;

/// What [`Transcript::verify`] found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verified {
    /// Number of phase-1 contributions.
    pub phase1: usize,
    /// Number of phase-2 contributions.
    pub phase2: usize,
    /// The digest after each contribution, in order (participants check
    /// that theirs is there).
    pub digests: Vec<[u8; 64]>,
}

impl Transcript {
    /// A new ceremony for `r1cs`, in phase 1 with no contribution.
    pub fn new(circuit: u8, r1cs: &R1cs) -> Result<Self, CeremonyError> {
        let d = r1cs.domain()?.size();
        Ok(Self {
            circuit,
            r1cs_digest: r1cs.digest,
            phase1: vec![],
            powers: Powers::new(d),
            phase2: vec![],
            params: None,
        })
    }

    /// Whether phase 2 has begun.
    pub fn in_phase2(&self) -> bool {
        self.params.is_some()
    }

    /// The digests after each contribution, the first being that of the
    /// empty transcript.
    fn digests(&self) -> Vec<[u8; 64]> {
        let mut h = Blake2b512::new();
        h.update(b"SuperZK ceremony v1");
        h.update([self.circuit]);
        h.update(self.r1cs_digest);
        h.update((self.powers.domain_size() as u64).to_le_bytes());
        let mut out = vec![<[u8; 64]>::from(h.finalize())];
        let step = |prev: &[u8; 64], phase: u8, record: &dyn Fn(&mut Vec<u8>)| {
            let mut bytes = vec![];
            record(&mut bytes);
            let mut h = Blake2b512::new();
            h.update(prev);
            h.update([phase]);
            h.update(&bytes);
            <[u8; 64]>::from(h.finalize())
        };
        for c in &self.phase1 {
            let next = step(out.last().expect("nonempty"), 1, &|b| {
                c.serialize_uncompressed(b).expect("in memory")
            });
            out.push(next);
        }
        for c in &self.phase2 {
            let next = step(out.last().expect("nonempty"), 2, &|b| {
                c.serialize_uncompressed(b).expect("in memory")
            });
            out.push(next);
        }
        out
    }

    /// Points a contribution processes now (for a progress bar).
    pub fn work(&self) -> u64 {
        match &self.params {
            None => self.powers.work(),
            Some(pk) => phase2::work(pk),
        }
    }

    /// Adds a contribution with secrets from `rng` to the current phase;
    /// returns the new digest (the participant publishes it).
    pub fn contribute(&mut self, rng: &mut dyn CryptoRngCore, progress: &Progress<'_>) -> [u8; 64] {
        let digest = *self.digests().last().expect("nonempty");
        match &mut self.params {
            None => {
                let c = self.powers.contribute(&digest, rng, progress);
                self.phase1.push(c);
            }
            Some(pk) => {
                let c = phase2::contribute(pk, &digest, rng, progress);
                self.phase2.push(c);
            }
        }
        *self.digests().last().expect("nonempty")
    }

    /// Closes phase 1 and computes the circuit's initial parameters.
    pub fn begin_phase2(&mut self, r1cs: &R1cs) -> Result<(), CeremonyError> {
        self.check_circuit(r1cs)?;
        if self.in_phase2() {
            return Err(CeremonyError::WrongState(
                "phase 2 has already begun".into(),
            ));
        }
        if self.phase1.is_empty() {
            return Err(CeremonyError::WrongState(
                "phase 1 has no contribution yet: add at least one before phase 2".into(),
            ));
        }
        self.params = Some(phase2::initial_parameters(r1cs, &self.powers)?);
        Ok(())
    }

    fn check_circuit(&self, r1cs: &R1cs) -> Result<(), CeremonyError> {
        if r1cs.digest != self.r1cs_digest {
            return Err(CeremonyError::WrongCircuit(
                "its constraint system digest differs from this circuit's".into(),
            ));
        }
        Ok(())
    }

    /// Verifies the whole transcript from scratch for `r1cs`.
    pub fn verify(
        &self,
        r1cs: &R1cs,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<Verified, CeremonyError> {
        self.check_circuit(r1cs)?;
        if r1cs.domain()?.size() != self.powers.domain_size() {
            return Err(CeremonyError::WrongCircuit(
                "its powers are for another domain size".into(),
            ));
        }
        let digests = self.digests();
        let (g1, g2) = (G1Affine::generator(), G2Affine::generator());
        let mut heads = (g1, g1, g1, g2, g2);
        for (i, c) in self.phase1.iter().enumerate() {
            heads = Powers::check_contribution(heads, c, &digests[i], i + 1)?;
        }
        self.powers.check_consistent(heads, rng)?;
        match &self.params {
            None if self.phase2.is_empty() => {}
            None => {
                return Err(CeremonyError::Malformed(
                    "phase 2 contributions without parameters".into(),
                ))
            }
            Some(pk) => {
                if self.phase1.is_empty() {
                    return Err(CeremonyError::Inconsistent(
                        "phase 2 began without a phase 1 contribution".into(),
                    ));
                }
                let initial = phase2::initial_parameters(r1cs, &self.powers)?;
                let mut delta = (g1, g2);
                let offset = self.phase1.len();
                for (i, c) in self.phase2.iter().enumerate() {
                    delta = phase2::check_contribution(delta.0, c, &digests[offset + i], i + 1)?;
                }
                phase2::check_parameters(&initial, pk, delta, rng)?;
            }
        }
        Ok(Verified {
            phase1: self.phase1.len(),
            phase2: self.phase2.len(),
            digests: digests[1..].to_vec(),
        })
    }

    /// The final parameters: verifies the transcript, and requires at least
    /// one contribution in each phase.
    pub fn finalize(
        &self,
        r1cs: &R1cs,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<ProvingKey<Bls12_381>, CeremonyError> {
        self.verify_and_finalize(r1cs, rng).map(|(_, pk)| pk)
    }

    /// [`finalize`](Self::finalize), also returning what
    /// [`verify`](Self::verify) found: one verification instead of two for
    /// a caller that wants both (verification recomputes the initial
    /// parameters, the costly part).
    pub fn verify_and_finalize(
        &self,
        r1cs: &R1cs,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<(Verified, ProvingKey<Bls12_381>), CeremonyError> {
        let verified = self.verify(r1cs, rng)?;
        match &self.params {
            Some(pk) if !self.phase2.is_empty() => Ok((verified, pk.clone())),
            _ => Err(CeremonyError::WrongState(
                "phase 2 needs at least one contribution before the parameters can be used".into(),
            )),
        }
    }

    /// The transcript file: `"SZKC" || version || circuit || R1CS digest ||
    /// body` (arkworks serialization, uncompressed).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.push(VERSION);
        out.push(self.circuit);
        out.extend_from_slice(&self.r1cs_digest);
        let body = Body {
            phase1: self.phase1.clone(),
            powers: self.powers.clone(),
            phase2: self.phase2.clone(),
            params: self.params.clone(),
        };
        body.serialize_uncompressed(&mut out).expect("in memory");
        out
    }

    /// Parses a transcript file; every point is checked to be on its curve
    /// and in the prime-order subgroup. Any bytes give a value or an error.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, CeremonyError> {
        let bad = |s: &str| CeremonyError::Malformed(s.to_string());
        if bytes.len() < HEADER_LEN || &bytes[..4] != MAGIC {
            return Err(bad(
                "wrong magic bytes (expected a SuperZK ceremony transcript)",
            ));
        }
        if bytes[4] != VERSION {
            return Err(bad(&format!(
                "format version {} is not supported (this build reads {VERSION})",
                bytes[4]
            )));
        }
        let mut reader = &bytes[HEADER_LEN..];
        let body = Body::deserialize_with_mode(&mut reader, Compress::No, Validate::No)
            .map_err(|e| bad(&format!("truncated or corrupt body ({e})")))?;
        if !reader.is_empty() {
            return Err(bad(&format!(
                "{} unexpected bytes after the end",
                reader.len()
            )));
        }
        let t = Self {
            circuit: bytes[5],
            r1cs_digest: bytes[6..38].try_into().expect("32 bytes"),
            phase1: body.phase1,
            powers: body.powers,
            phase2: body.phase2,
            params: body.params,
        };
        t.check_points()?;
        Ok(t)
    }

    fn check_points(&self) -> Result<(), CeremonyError> {
        let mut g1: Vec<&G1Affine> = vec![];
        let mut g2: Vec<&G2Affine> = vec![];
        for c in &self.phase1 {
            g1.extend([
                &c.tau.after,
                &c.tau.commitment,
                &c.alpha.after,
                &c.alpha.commitment,
            ]);
            g1.extend([&c.beta.after, &c.beta.commitment]);
            g2.extend([&c.tau_g2, &c.beta_g2]);
        }
        for c in &self.phase2 {
            g1.extend([&c.delta.after, &c.delta.commitment]);
            g2.push(&c.delta_g2);
        }
        let p = &self.powers;
        g1.extend(p.tau_g1.iter().chain(&p.alpha_tau_g1).chain(&p.beta_tau_g1));
        g2.extend(p.tau_g2.iter().chain([&p.beta_g2]));
        if let Some(pk) = &self.params {
            g1.extend(
                pk.a_query
                    .iter()
                    .chain(&pk.b_g1_query)
                    .chain(&pk.h_query)
                    .chain(&pk.l_query)
                    .chain(&pk.vk.gamma_abc_g1)
                    .chain([&pk.beta_g1, &pk.delta_g1, &pk.vk.alpha_g1]),
            );
            g2.extend(pk.b_g2_query.iter().chain([
                &pk.vk.beta_g2,
                &pk.vk.gamma_g2,
                &pk.vk.delta_g2,
            ]));
        }
        fn valid<P: ark_ec::short_weierstrass::SWCurveConfig>(
            p: &&ark_ec::short_weierstrass::Affine<P>,
        ) -> bool {
            p.is_on_curve() && p.is_in_correct_subgroup_assuming_on_curve()
        }
        if g1.par_iter().all(valid) && g2.par_iter().all(valid) {
            Ok(())
        } else {
            Err(CeremonyError::Malformed(
                "a point is off the curve or outside the prime-order subgroup".into(),
            ))
        }
    }
}
