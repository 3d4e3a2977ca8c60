//! What the Spend and Output circuits need from a kind of note. Plain notes
//! ([`Note`]) and packages ([`crate::package::PackageNote`]) differ only in how
//! they are committed to and what their value commitment sums; ownership,
//! membership, nullifiers and spend authorization are shared, so one generic
//! Spend and one generic Output circuit serve both.

use std::fmt::Debug;

use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_r1cs_std::{alloc::AllocVar, fields::fp::FpVar, prelude::Boolean};
use ark_relations::gr1cs::{ConstraintSystemRef, SynthesisError};

use crate::{
    gadgets::{value_commitment_var, witness_bits, ValueTerm},
    note::{value_commitment, AssetId, Note},
    poseidon::{hash, hash_var, Domain},
    EdwardsVar, Fr,
};

/// The in-circuit commitments of a note.
pub struct NoteVars {
    /// The note commitment.
    pub cm: FpVar<Fr>,
    /// The value commitment.
    pub cv: EdwardsVar,
    /// The nullifier seed.
    pub rho: FpVar<Fr>,
}

/// A kind of note the circuits can spend and create.
pub trait NoteKind: Clone + Debug + Send + Sync {
    /// Name of the kind, for messages.
    const NAME: &'static str;
    /// The owner tag.
    fn owner(&self) -> Fr;
    /// The nullifier seed.
    fn rho(&self) -> Fr;
    /// The note commitment.
    fn commitment(&self) -> Fr;
    /// The value commitment with randomness `rcv`.
    fn value_commitment(&self, rcv: &JubjubScalar) -> EdwardsAffine;
    /// `nf = H_Nullifier(nk, rho, position)`.
    fn nullifier(&self, nk: &Fr, position: u64) -> Fr {
        hash(
            Domain::Nullifier.tag(0),
            &[*nk, self.rho(), Fr::from(position)],
        )
    }
    /// Allocates the note's fields (but the owner, given) and computes its
    /// commitments in-circuit.
    fn commit_var(
        &self,
        cs: ConstraintSystemRef<Fr>,
        owner: FpVar<Fr>,
        rcv_bits: &[Boolean<Fr>],
    ) -> Result<NoteVars, SynthesisError>;
    /// A placeholder of the right shape, for parameter generation.
    fn blank() -> Self;
}

impl NoteKind for Note {
    const NAME: &'static str = "note";

    fn owner(&self) -> Fr {
        self.owner
    }

    fn rho(&self) -> Fr {
        self.rho
    }

    fn commitment(&self) -> Fr {
        Note::commitment(self)
    }

    fn value_commitment(&self, rcv: &JubjubScalar) -> EdwardsAffine {
        value_commitment(&self.asset, self.value, rcv)
    }

    fn commit_var(
        &self,
        cs: ConstraintSystemRef<Fr>,
        owner: FpVar<Fr>,
        rcv_bits: &[Boolean<Fr>],
    ) -> Result<NoteVars, SynthesisError> {
        let asset = FpVar::new_witness(cs.clone(), || Ok(self.asset.0))?;
        let value_bits = witness_bits(cs.clone(), self.value, 64)?;
        let value = Boolean::le_bits_to_fp(&value_bits)?;
        let rho = FpVar::new_witness(cs.clone(), || Ok(self.rho))?;
        let rcm = FpVar::new_witness(cs.clone(), || Ok(self.rcm))?;
        let cm = hash_var(
            cs.clone(),
            Domain::NoteCommitment.tag(0),
            &[asset.clone(), value, owner, rho.clone(), rcm],
        )?;
        let term = ValueTerm {
            asset: &asset,
            hint: self.asset.value_base(),
            value_bits: &value_bits,
        };
        let cv = value_commitment_var(cs, &[term], rcv_bits)?;
        Ok(NoteVars { cm, cv, rho })
    }

    fn blank() -> Self {
        Note {
            asset: AssetId::native(),
            value: 0,
            owner: Fr::from(1u64),
            rho: Fr::from(1u64),
            rcm: Fr::from(1u64),
        }
    }
}
