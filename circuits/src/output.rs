//! The Output circuit.
//!
//! **Statement.** Public inputs `(cm, cv)`. The prover knows a note and
//! `rcv` such that
//!
//! 1. `cm` is the note's commitment: for a plain note
//!    `H_NoteCommitment(asset, value, owner, rho, rcm)` with
//!    `0 <= value < 2^64`; for a package see [`crate::package`];
//! 2. `cv = [value] GroupHash(asset) + [rcv] R` (for a package, the sum over
//!    its contents).
//!
//! Together with the Spend statement and the binding signature this makes the
//! values of a transaction balance per asset, with no value below zero or
//! wrapping around the field.

use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{
    gadgets::witness_scalar_bits, note::Note, note_kind::NoteKind, package::PackageNote,
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

/// Everything the prover knows for one output of kind `N`: secret, so
/// wiped when dropped (the note wipes itself) and redacted in `Debug`.
#[derive(Clone)]
pub struct OutputWitnessFor<N: NoteKind> {
    /// The note being created.
    pub note: N,
    /// Value commitment randomness.
    pub rcv: JubjubScalar,
}

/// The witness of a plain note's output.
pub type OutputWitness = OutputWitnessFor<Note>;
/// The witness of a package's output.
pub type PackageOutputWitness = OutputWitnessFor<PackageNote>;

impl<N: NoteKind> Zeroize for OutputWitnessFor<N> {
    /// Wipes the randomness; the note wipes itself when dropped.
    fn zeroize(&mut self) {
        self.rcv.zeroize();
    }
}

impl<N: NoteKind> Drop for OutputWitnessFor<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<N: NoteKind> ZeroizeOnDrop for OutputWitnessFor<N> {}

impl<N: NoteKind> std::fmt::Debug for OutputWitnessFor<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OutputWitness<{}>(<redacted>)", N::NAME)
    }
}

impl<N: NoteKind> OutputWitnessFor<N> {
    /// The public inputs this witness proves.
    pub fn public_inputs(&self) -> OutputPublicInputs {
        OutputPublicInputs {
            cm: self.note.commitment(),
            cv: self.note.value_commitment(&self.rcv),
        }
    }
}

/// The Output circuit for notes of kind `N`.
#[derive(Clone, Debug)]
pub struct OutputCircuitFor<N: NoteKind> {
    /// The witness.
    pub witness: OutputWitnessFor<N>,
    /// The public inputs to allocate (see [`crate::spend::SpendCircuitFor::public`]).
    pub public: OutputPublicInputs,
}

/// The Output circuit of plain notes.
pub type OutputCircuit = OutputCircuitFor<Note>;
/// The Output circuit of packages.
pub type PackageOutputCircuit = OutputCircuitFor<PackageNote>;

impl<N: NoteKind> OutputCircuitFor<N> {
    /// A circuit proving `witness` against the public inputs it implies.
    pub fn new(witness: OutputWitnessFor<N>) -> Self {
        let public = witness.public_inputs();
        Self { witness, public }
    }

    /// A structurally complete circuit for parameter generation.
    pub fn blank() -> Self {
        Self::new(OutputWitnessFor {
            note: N::blank(),
            rcv: JubjubScalar::from(1u64),
        })
    }
}

impl<N: NoteKind> ConstraintSynthesizer<Fr> for OutputCircuitFor<N> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let cm = FpVar::new_input(cs.clone(), || Ok(self.public.cm))?;
        let cv = EdwardsVar::new_input(cs.clone(), || Ok(self.public.cv))?;
        let owner = FpVar::new_witness(cs.clone(), || Ok(w.note.owner()))?;
        let rcv_bits = witness_scalar_bits(cs.clone(), &w.rcv)?;
        let note = w.note.commit_var(cs, owner, &rcv_bits)?;
        note.cm.enforce_equal(&cm)?;
        note.cv.enforce_equal(&cv)?;
        Ok(())
    }
}
