//! One Groth16 proof of one circuit, outside any transaction: for
//! benchmarks, and for callers that assemble their own statements.
//!
//! The four functions are deliberately not generic: the prover (witness
//! synthesis, the FFTs, the MSMs: [`crate::groth16`]) is compiled once,
//! here, for each circuit, instead of again in every crate that proves (see
//! docs/DECISIONS.md, "Heavy entry points take `&mut dyn CryptoRngCore`").

use ark_bls12_381::Bls12_381;
use ark_groth16::Proof;
use ark_relations::gr1cs::ConstraintSynthesizer;
use rand_core::CryptoRngCore;
use superzk_circuits::{
    output::{OutputCircuitFor, OutputWitness, OutputWitnessFor},
    package::PackageNote,
    spend::{SpendCircuitFor, SpendWitness, SpendWitnessFor},
    Fr,
};
use superzk_keys::params::{CircuitKind, Parameters};

/// Why a single proof could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ProofError {
    /// The parameters are another circuit's.
    #[error("these are the {found} circuit's parameters, not the {expected} circuit's: pass the {expected} parameters (ProvingKeys has one set per circuit)")]
    WrongParameters {
        /// The circuit being proven.
        expected: &'static str,
        /// The circuit the parameters are for.
        found: &'static str,
    },
    /// The prover refused (the witness does not satisfy the circuit, or the
    /// parameters do not match its shape).
    #[error("proving the {circuit} circuit failed: {reason}")]
    Proving {
        /// The circuit being proven.
        circuit: &'static str,
        /// What went wrong.
        reason: String,
    },
}

impl ProofError {
    /// The cause alone, for a message that names the circuit already.
    pub(crate) fn into_reason(self) -> String {
        match self {
            ProofError::Proving { reason, .. } => reason,
            other => other.to_string(),
        }
    }
}

/// A Spend proof of `witness` under `params` (the Spend parameters).
///
/// # Errors
///
/// [`ProofError::WrongParameters`] for another circuit's parameters;
/// [`ProofError::Proving`] if the witness does not satisfy the circuit.
pub fn prove_spend(
    params: &Parameters,
    witness: SpendWitness,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, ProofError> {
    prove(
        CircuitKind::Spend,
        SpendCircuitFor::new(witness),
        params,
        rng,
    )
}

/// As [`prove_spend`], reporting where the proof's time went (for
/// profiles: see benches/RESULTS.md).
///
/// # Errors
///
/// As [`prove_spend`].
pub fn profile_spend(
    params: &Parameters,
    witness: SpendWitness,
    rng: &mut dyn CryptoRngCore,
) -> Result<(Proof<Bls12_381>, crate::groth16::Phases), ProofError> {
    check_kind(CircuitKind::Spend, params)?;
    crate::groth16::prove_timed(SpendCircuitFor::new(witness), params, rng).map_err(|e| {
        ProofError::Proving {
            circuit: "spend",
            reason: e.to_string(),
        }
    })
}

/// An Output proof of `witness` under the Output parameters.
///
/// # Errors
///
/// As [`prove_spend`].
pub fn prove_output(
    params: &Parameters,
    witness: OutputWitness,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, ProofError> {
    prove(
        CircuitKind::Output,
        OutputCircuitFor::new(witness),
        params,
        rng,
    )
}

/// A package Spend proof under the package Spend parameters.
///
/// # Errors
///
/// As [`prove_spend`].
pub fn prove_package_spend(
    params: &Parameters,
    witness: SpendWitnessFor<PackageNote>,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, ProofError> {
    prove(
        CircuitKind::PackageSpend,
        SpendCircuitFor::new(witness),
        params,
        rng,
    )
}

/// A package Output proof under the package Output parameters.
///
/// # Errors
///
/// As [`prove_spend`].
pub fn prove_package_output(
    params: &Parameters,
    witness: OutputWitnessFor<PackageNote>,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, ProofError> {
    prove(
        CircuitKind::PackageOutput,
        OutputCircuitFor::new(witness),
        params,
        rng,
    )
}

/// The one place this crate calls its Groth16 prover.
pub(crate) fn prove<C: ConstraintSynthesizer<Fr>>(
    expected: CircuitKind,
    circuit: C,
    params: &Parameters,
    rng: &mut dyn CryptoRngCore,
) -> Result<Proof<Bls12_381>, ProofError> {
    check_kind(expected, params)?;
    crate::groth16::prove(circuit, params, rng).map_err(|e| ProofError::Proving {
        circuit: expected.name(),
        reason: e.to_string(),
    })
}

fn check_kind(expected: CircuitKind, params: &Parameters) -> Result<(), ProofError> {
    if params.kind() != expected {
        return Err(ProofError::WrongParameters {
            expected: expected.name(),
            found: params.kind().name(),
        });
    }
    Ok(())
}
