//! The Output circuit.
//!
//! **Statement.** Public inputs `(cm, cv)`. The prover knows a note
//! `(asset, value, owner, rho, rcm)` and `rcv` such that
//!
//! 1. `cm = H_NoteCommitment(asset, value, owner, rho, rcm)` with
//!    `0 <= value < 2^64`;
//! 2. `cv = [value] GroupHash(asset) + [rcv] R`.
//!
//! Together with the Spend statement and the binding signature this makes the
//! values of a transaction balance per asset, with no value below zero or
//! wrapping around the field.

use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar, prelude::Boolean};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use crate::{
    gadgets::{value_commitment_var, witness_bits, witness_scalar_bits},
    note::{value_commitment, Note},
    poseidon::{hash_var, Domain},
    EdwardsVar, Fr,
};

/// The Output circuit's public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputPublicInputs {
    /// Commitment of the new note.
    pub cm: Fr,
    /// Its value commitment.
    pub cv: EdwardsAffine,
}

impl OutputPublicInputs {
    /// The field elements Groth16 verification takes, in allocation order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![self.cm, self.cv.x, self.cv.y]
    }
}

/// Everything the prover knows for one output.
#[derive(Clone, Debug)]
pub struct OutputWitness {
    /// The note being created.
    pub note: Note,
    /// Value commitment randomness.
    pub rcv: JubjubScalar,
}

impl OutputWitness {
    /// The public inputs this witness proves.
    pub fn public_inputs(&self) -> OutputPublicInputs {
        OutputPublicInputs {
            cm: self.note.commitment(),
            cv: value_commitment(&self.note.asset, self.note.value, &self.rcv),
        }
    }
}

/// The Output circuit: proves [`OutputWitness`] against [`OutputPublicInputs`].
#[derive(Clone, Debug)]
pub struct OutputCircuit {
    /// The witness.
    pub witness: OutputWitness,
    /// The public inputs to allocate (see [`crate::spend::SpendCircuit::public`]).
    pub public: OutputPublicInputs,
}

impl OutputCircuit {
    /// A circuit proving `witness` against the public inputs it implies.
    pub fn new(witness: OutputWitness) -> Self {
        let public = witness.public_inputs();
        Self { witness, public }
    }

    /// A structurally complete circuit for parameter generation.
    pub fn blank() -> Self {
        Self::new(crate::blank::output_witness())
    }
}

impl ConstraintSynthesizer<Fr> for OutputCircuit {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let cm = FpVar::new_input(cs.clone(), || Ok(self.public.cm))?;
        let cv = EdwardsVar::new_input(cs.clone(), || Ok(self.public.cv))?;

        let asset = FpVar::new_witness(cs.clone(), || Ok(w.note.asset.0))?;
        let value_bits = witness_bits(cs.clone(), w.note.value, 64)?;
        let value = Boolean::le_bits_to_fp(&value_bits)?;
        let owner = FpVar::new_witness(cs.clone(), || Ok(w.note.owner))?;
        let rho = FpVar::new_witness(cs.clone(), || Ok(w.note.rho))?;
        let rcm = FpVar::new_witness(cs.clone(), || Ok(w.note.rcm))?;
        let cm_computed = hash_var(
            cs.clone(),
            Domain::NoteCommitment.tag(0),
            &[asset.clone(), value, owner, rho, rcm],
        )?;
        cm_computed.enforce_equal(&cm)?;

        let rcv_bits = witness_scalar_bits(cs.clone(), &w.rcv)?;
        let hint = w.note.asset.value_base();
        let cv_computed = value_commitment_var(cs, &asset, &hint, &value_bits, &rcv_bits)?;
        cv_computed.enforce_equal(&cv)?;
        Ok(())
    }
}
