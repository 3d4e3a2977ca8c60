//! The Spend circuit.
//!
//! **Statement.** Public inputs `(anchor, nf, cv, rk)` (points as `x, y`).
//! The prover knows a note `(asset, value, owner, rho, rcm)`, keys `ak`, `nk`,
//! a diversifier `d`, randomness `rcv`, `alpha` and a Merkle path such that:
//!
//! 1. `ak` is a point of Jubjub's prime-order subgroup;
//! 2. `owner = H_Owner(H_Ivk(ak.x, nk), d)`: the note belongs to these keys;
//! 3. `cm` is the note's commitment (for a plain note
//!    `H_NoteCommitment(asset, value, owner, rho, rcm)` with
//!    `0 <= value < 2^64`; for a package see [`crate::package`]);
//! 4. the path from `cm` at `position` (`0 <= position < 2^32`) leads to `anchor`;
//! 5. `nf = H_Nullifier(nk, rho, position)`;
//! 6. `cv = [value] GroupHash(asset) + [rcv] R` (for a package, the sum of
//!    its contents' terms);
//! 7. `rk = ak + [alpha] G_auth`: the spend is authorised by a signature under
//!    `rk`, which only the holder of `ask` (with `ak = [ask] G_auth`) can make,
//!    and `rk` is unlinkable to `ak`.

use ark_ec::CurveGroup;
use ark_ed_on_bls12_381::{EdwardsAffine, Fr as JubjubScalar};
use ark_r1cs_std::{alloc::AllocVar, eq::EqGadget, fields::fp::FpVar};
use ark_relations::gr1cs::{ConstraintSynthesizer, ConstraintSystemRef, SynthesisError};

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::{
    gadgets::{merkle_root_var, witness_scalar_bits},
    generators::{fixed_base_mul_var, fixed_base_tables, spend_auth_base},
    note::{diversifier_to_field, Note, DIVERSIFIER_LEN},
    note_kind::NoteKind,
    package::PackageNote,
    poseidon::{hash_var, Domain},
    tree::{empty_roots, MerklePath, DEPTH},
    EdwardsVar, Fr,
};

/// The Spend circuit's public inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpendPublicInputs {
    /// Root of the note commitment tree the note is proven to be in.
    pub anchor: Fr,
    /// The nullifier the spend reveals.
    pub nullifier: Fr,
    /// Value commitment of the spent note.
    pub cv: EdwardsAffine,
    /// Re-randomized spend-authorization key.
    pub rk: EdwardsAffine,
}

impl SpendPublicInputs {
    /// The field elements Groth16 verification takes, in allocation order.
    pub fn to_field_elements(&self) -> Vec<Fr> {
        vec![
            self.anchor,
            self.nullifier,
            self.cv.x,
            self.cv.y,
            self.rk.x,
            self.rk.y,
        ]
    }
}

/// Everything the prover knows for one spend of a note of kind `N`: secret,
/// so wiped when dropped (the note wipes itself) and redacted in `Debug`.
#[derive(Clone)]
pub struct SpendWitnessFor<N: NoteKind> {
    /// The note being spent.
    pub note: N,
    /// Spend-authorization validating key `ak = [ask] G_auth`.
    pub ak: EdwardsAffine,
    /// Nullifier deriving key.
    pub nk: Fr,
    /// Diversifier of the address the note was sent to.
    pub diversifier: [u8; DIVERSIFIER_LEN],
    /// Value commitment randomness.
    pub rcv: JubjubScalar,
    /// Spend-authorization key randomizer.
    pub alpha: JubjubScalar,
    /// Authentication path of the note's commitment.
    pub path: MerklePath,
}

/// The witness of a plain note's spend.
pub type SpendWitness = SpendWitnessFor<Note>;
/// The witness of a package's spend.
pub type PackageSpendWitness = SpendWitnessFor<PackageNote>;

impl<N: NoteKind> Zeroize for SpendWitnessFor<N> {
    /// Wipes everything but the note, which wipes itself when dropped.
    fn zeroize(&mut self) {
        self.ak.zeroize();
        self.nk.zeroize();
        self.diversifier.zeroize();
        self.rcv.zeroize();
        self.alpha.zeroize();
        self.path.position.zeroize();
        self.path.siblings.zeroize();
    }
}

impl<N: NoteKind> Drop for SpendWitnessFor<N> {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl<N: NoteKind> ZeroizeOnDrop for SpendWitnessFor<N> {}

impl<N: NoteKind> std::fmt::Debug for SpendWitnessFor<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SpendWitness<{}>(<redacted>)", N::NAME)
    }
}

impl<N: NoteKind> SpendWitnessFor<N> {
    /// The public inputs this witness proves.
    pub fn public_inputs(&self) -> SpendPublicInputs {
        let cm = self.note.commitment();
        SpendPublicInputs {
            anchor: self.path.root(cm),
            nullifier: self.note.nullifier(&self.nk, self.path.position),
            cv: self.note.value_commitment(&self.rcv),
            rk: (self.ak + spend_auth_base() * self.alpha).into_affine(),
        }
    }

    /// A placeholder of the right shape.
    pub fn blank() -> Self {
        Self {
            note: N::blank(),
            ak: spend_auth_base(),
            nk: Fr::from(1u64),
            diversifier: [0; DIVERSIFIER_LEN],
            rcv: JubjubScalar::from(1u64),
            alpha: JubjubScalar::from(1u64),
            path: MerklePath {
                position: 0,
                siblings: empty_roots()[..DEPTH].to_vec(),
            },
        }
    }
}

/// The Spend circuit for notes of kind `N`: proves a [`SpendWitnessFor`]
/// against [`SpendPublicInputs`].
#[derive(Clone, Debug)]
pub struct SpendCircuitFor<N: NoteKind> {
    /// The witness; its shape alone fixes the constraint system, so parameter
    /// generation uses [`SpendCircuitFor::blank`].
    pub witness: SpendWitnessFor<N>,
    /// The public inputs to allocate; normally `witness.public_inputs()`, but
    /// tests set other values to check they are rejected.
    pub public: SpendPublicInputs,
}

/// The Spend circuit of plain notes.
pub type SpendCircuit = SpendCircuitFor<Note>;
/// The Spend circuit of packages.
pub type PackageSpendCircuit = SpendCircuitFor<PackageNote>;

impl<N: NoteKind> SpendCircuitFor<N> {
    /// A circuit proving `witness` against the public inputs it implies.
    pub fn new(witness: SpendWitnessFor<N>) -> Self {
        let public = witness.public_inputs();
        Self { witness, public }
    }

    /// A structurally complete circuit with arbitrary values, for parameter
    /// generation and constraint counting.
    pub fn blank() -> Self {
        Self::new(SpendWitnessFor::blank())
    }
}

impl<N: NoteKind> ConstraintSynthesizer<Fr> for SpendCircuitFor<N> {
    fn generate_constraints(self, cs: ConstraintSystemRef<Fr>) -> Result<(), SynthesisError> {
        let w = &self.witness;
        let public = self.public;

        let anchor = FpVar::new_input(cs.clone(), || Ok(public.anchor))?;
        let nullifier = FpVar::new_input(cs.clone(), || Ok(public.nullifier))?;
        let cv = EdwardsVar::new_input(cs.clone(), || Ok(public.cv))?;
        let rk = EdwardsVar::new_input(cs.clone(), || Ok(public.rk))?;

        // 1. ak in the prime-order subgroup (allocation as a witness checks it).
        let ak = EdwardsVar::new_witness(cs.clone(), || Ok(w.ak))?;
        let nk = FpVar::new_witness(cs.clone(), || Ok(w.nk))?;
        let d = FpVar::new_witness(cs.clone(), || Ok(diversifier_to_field(&w.diversifier)))?;

        // 2. The note's owner is derived from these keys.
        let ivk = hash_var(
            cs.clone(),
            Domain::IncomingViewingKey.tag(0),
            &[ak.x.clone(), nk.clone()],
        )?;
        let owner = hash_var(cs.clone(), Domain::Owner.tag(0), &[ivk, d])?;

        // 3 and 6. The note commitment (64-bit values) and value commitment.
        let rcv_bits = witness_scalar_bits(cs.clone(), &w.rcv)?;
        let note = w.note.commit_var(cs.clone(), owner, &rcv_bits)?;
        note.cv.enforce_equal(&cv)?;

        // 4. Membership under the anchor.
        let (root, position) = merkle_root_var(cs.clone(), &note.cm, &w.path)?;
        root.enforce_equal(&anchor)?;

        // 5. The nullifier.
        let nf = hash_var(
            cs.clone(),
            Domain::Nullifier.tag(0),
            &[nk, note.rho, position],
        )?;
        nf.enforce_equal(&nullifier)?;

        // 7. The re-randomized authorization key.
        let alpha_bits = witness_scalar_bits(cs.clone(), &w.alpha)?;
        let rk_computed = ak + fixed_base_mul_var(&fixed_base_tables().1, &alpha_bits)?;
        rk_computed.enforce_equal(&rk)?;
        Ok(())
    }
}
